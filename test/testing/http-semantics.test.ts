/**
 * HTTP details a user's code meets: conditional GETs answered as Express's `req.fresh` decides (fetch's own
 * `Cache-Control: no-cache` forces a full answer), requests Node refuses before Express sees them, compressed
 * bodies inflated as body-parser inflates them, `contact.email` normalised as the real request schema does, and
 * repeated slashes routed like Express's mounts.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { mountedPath } from '../../src/testing/routes/app.js';
import { http, TIMEOUT_MS } from './helpers.js';

let server: TiledeskTestServer;
beforeAll(async () => {
  server = await startTiledeskServer({ port: 0 });
});
afterAll(() => server.close());

/** A request (GET unless told) with exactly these headers (fetch would add `Cache-Control: no-cache` to a conditional request). */
function rawRequest(path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = body === undefined ? headers : { 'content-type': 'application/json', ...headers };
    const req = request(server.url + path, { method, headers: { authorization: server.owner.token, ...sent }, timeout: TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out'))).on('error', reject).end(body);
  });
}

describe('conditional GET', () => {
  it('answers 304 to a matching If-None-Match, but 200 with the body when fetch sends it (Cache-Control: no-cache)', async () => {
    const path = `/${server.project.id}/requests`;
    const first = await http(server, 'GET', path, { token: server.owner.token });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    expect(await rawRequest(path, { 'if-none-match': etag })).toEqual({ status: 304, body: '' });
    expect(await rawRequest(path, { 'if-none-match': '*' })).toEqual({ status: 304, body: '' });

    const viaFetch = await http(server, 'GET', path, { token: server.owner.token, headers: { 'if-none-match': etag } });
    expect(viaFetch.status).toBe(200);
    expect(viaFetch.json).toEqual(first.json);
  });

  it('answers 200 when If-Modified-Since comes along (JSON answers carry no Last-Modified) or the tag differs', async () => {
    const path = `/${server.project.id}/requests`;
    const etag = (await http(server, 'GET', path, { token: server.owner.token })).headers.get('etag')!;
    expect((await rawRequest(path, { 'if-none-match': etag, 'if-modified-since': new Date().toUTCString() })).status).toBe(200);
    expect((await rawRequest(path, { 'if-none-match': 'W/"other"' })).status).toBe(200);
  });

  it('answers a matching If-None-Match on other methods than GET and HEAD in full (Express only checks freshness for those)', async () => {
    const path = `/${server.project.id}/requests/support-group-${server.project.id}-conditional/messages`;
    await http(server, 'POST', path, { token: server.owner.token, body: { text: 'open' } });
    const first = await http(server, 'POST', `${path}/multi`, { token: server.owner.token, body: [] });
    const etag = first.headers.get('etag')!;
    expect(await rawRequest(`${path}/multi`, { 'if-none-match': etag }, 'POST', '[]')).toEqual({ status: 200, body: '[]' });
  });
});

/** Writes `text` on a new connection and resolves everything the server sends until it closes the connection. */
function rawExchange(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('timed out')));
    socket.on('close', () => resolve(received)).on('error', reject);
  });
}

describe('requests Node refuses before Express runs', () => {
  it('answers headers over the 16 kB limit with 431, as Node does for the real server', async () => {
    const path = `/${server.project.id}/requests`;
    expect(await rawExchange(`GET ${path} HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`)).toBe(
      'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n',
    );
    expect((await rawRequest(path, { 'x-big': 'x'.repeat(20_000) })).status).toBe(431);
    expect((await rawRequest(path, { 'x-big': 'x'.repeat(15_000) })).status).toBe(200);
  });

  it('answers an unparsable request with 400', async () => {
    expect(await rawExchange('GARBAGE\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
});

describe('Content-Encoding of request bodies', () => {
  /** A POST of `bytes` as they are, with this `Content-Encoding`. */
  async function post(path: string, bytes: Buffer, encoding: string, contentType = 'application/json') {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { authorization: server.owner.token, 'content-type': contentType, 'content-encoding': encoding },
      body: new Uint8Array(bytes),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    return { status: res.status, cors: res.headers.get('access-control-allow-origin'), json: JSON.parse(text) as Record<string, unknown> };
  }
  const messages = (name: string) => `/${server.project.id}/requests/support-group-${server.project.id}-encoding-${name}/messages`;
  const message = (text: string) => Buffer.from(JSON.stringify({ text }));

  it('inflates gzip and deflate bodies (JSON and urlencoded), the encoding name in any case', async () => {
    for (const [encoding, bytes, text] of [
      ['gzip', gzipSync(message('gzipped')), 'gzipped'],
      ['deflate', deflateSync(message('deflated')), 'deflated'],
      ['GZip', gzipSync(message('GZipped')), 'GZipped'],
      ['identity', message('as is'), 'as is'],
    ] as const) {
      const res = await post(messages(encoding), bytes, encoding);
      expect([encoding, res.status, res.json.text]).toEqual([encoding, 200, text]);
    }
    const form = await post(`/${server.project.id}/events`, gzipSync('name=zipped-event'), 'gzip', 'application/x-www-form-urlencoded');
    expect([form.status, form.json.name]).toEqual([200, 'zipped-event']);
  });

  it('answers an unknown encoding, or a body that does not inflate, like any body-parser error: 500 {"err":"error"} without CORS', async () => {
    const failures = [
      await post(messages('br'), brotliCompressSync(message('brotli')), 'br'),
      await post(messages('raw'), deflateRawSync(message('raw deflate')), 'deflate'),
      await post(messages('corrupt'), Buffer.concat([gzipSync(message('x')), Buffer.from('trailing')]), 'gzip'),
    ];
    expect(failures).toEqual(Array(3).fill({ status: 500, cors: null, json: { err: 'error' } }));
  });

  it('reads a body of exactly the limit and refuses one byte more, with or without a declared length', async () => {
    // `{"text":"xx…"}` of an exact size.
    const sized = (bytes: number) => Buffer.from(JSON.stringify({ text: 'x'.repeat(bytes - 11) }));
    expect(sized(512_000).length).toBe(512_000);
    const outcomes = [
      (await post(messages('exact-identity'), sized(512_000), 'identity')).status,
      (await post(messages('exact-gzip'), gzipSync(sized(512_000)), 'gzip')).status,
      (await post(messages('over-identity'), sized(512_001), 'identity')).status,
      (await post(messages('over-gzip'), gzipSync(sized(512_001)), 'gzip')).status,
    ];
    expect(outcomes).toEqual([200, 200, 413, 413]);
  });

  it('holds the inflated size, not the compressed one, to the body limit', async () => {
    // Stored blocks (level 0) make the compressed body a little larger than the JSON it carries.
    const fits = Buffer.from(JSON.stringify({ text: 'x'.repeat(511_950) }));
    expect(fits.length).toBeLessThanOrEqual(512_000);
    const stored = gzipSync(fits, { level: 0 });
    expect(stored.length).toBeGreaterThan(512_000);
    expect((await post(messages('fits'), stored, 'gzip')).status).toBe(200);

    const tooLarge = await post(messages('too-large'), gzipSync(Buffer.from(JSON.stringify({ text: 'x'.repeat(512_000) }))), 'gzip');
    expect(tooLarge).toEqual({ status: 413, cors: null, json: { err: 'Request entity too large', limit: 512_000 } });
  });
});

describe('contact.email', () => {
  it('is stored lower-cased and trimmed on the conversation, while the lead keeps the e-mail as given', async () => {
    const guest = await http(server, 'POST', '/auth/signinAnonymously', { body: { id_project: server.project.id, email: ' Ada@Example.COM ' } });
    const token = (guest.json as { token: string }).token;
    const requestId = `support-group-${server.project.id}-contact-email`;
    expect((await http(server, 'POST', `/${server.project.id}/requests/${requestId}/messages`, { token, body: { text: 'hi' } })).status).toBe(200);
    const conversation = (await http(server, 'GET', `/${server.project.id}/requests/${requestId}`, { token: server.owner.token })).json as {
      contact?: { email?: string };
      lead: { email?: string };
    };
    expect(conversation.contact?.email).toBe('ada@example.com');
    expect(conversation.lead.email).toBe(' Ada@Example.COM ');
  });
});

describe('repeated slashes', () => {
  it('swallows one empty segment straight after a mount prefix; any other empty segment matches no route', () => {
    expect(mountedPath([])).toEqual([]);
    expect(mountedPath(['', 'abc'])).toEqual(['abc']);
    expect(mountedPath(['abc', 'tag'])).toEqual(['abc', 'tag']);
    expect(mountedPath([''])).toEqual([]);
    expect(mountedPath(['', ''])).toBeUndefined();
    expect(mountedPath(['', '', 'abc'])).toBeUndefined();
    expect(mountedPath(['abc', ''])).toBeUndefined();
    expect(mountedPath(['abc', '', 'tag'])).toBeUndefined();
  });

  it('serves writes through `//` after the prefix too, and 404s a `//` inside a route', async () => {
    const P = server.project.id;
    const token = server.owner.token;
    const created = await http(server, 'POST', `/${P}/requests//`, { token, body: { first_text: 'double slash' } });
    expect(created.status).toBe(200);
    const requestId = (created.json as { request_id: string }).request_id;
    const patched = await http(server, 'PATCH', `/${P}/requests//${requestId}`, { token, body: { priority: 'high' } });
    expect([patched.status, (patched.json as { priority: string }).priority]).toEqual([200, 'high']);
    const inside = await http(server, 'PUT', `/${P}/requests/${requestId}//close`, { token });
    expect([inside.status, inside.text]).toEqual([404, expect.stringContaining(`Cannot PUT /${P}/requests/${requestId}//close`)]);
    const leading = await http(server, 'GET', `//${P}/requests`, { token });
    expect(leading.status).toBe(404);
  });
});
