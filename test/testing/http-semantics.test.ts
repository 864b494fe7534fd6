/**
 * HTTP details a user's code meets: conditional GETs answered as Express's `req.fresh` decides (fetch's own
 * `Cache-Control: no-cache` forces a full answer), and `contact.email` normalised as the real request schema does.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { http, TIMEOUT_MS } from './helpers.js';

let server: TiledeskTestServer;
beforeAll(async () => {
  server = await startTiledeskServer({ port: 0 });
});
afterAll(() => server.close());

/** A GET with exactly these headers (fetch would add `Cache-Control: no-cache` to a conditional request). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(server.url + path, { headers: { authorization: server.owner.token, ...headers }, timeout: TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out'))).on('error', reject).end();
  });
}

describe('conditional GET', () => {
  it('answers 304 to a matching If-None-Match, but 200 with the body when fetch sends it (Cache-Control: no-cache)', async () => {
    const path = `/${server.project.id}/requests`;
    const first = await http(server, 'GET', path, { token: server.owner.token });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    expect(await rawGet(path, { 'if-none-match': etag })).toEqual({ status: 304, body: '' });
    expect(await rawGet(path, { 'if-none-match': '*' })).toEqual({ status: 304, body: '' });

    const viaFetch = await http(server, 'GET', path, { token: server.owner.token, headers: { 'if-none-match': etag } });
    expect(viaFetch.status).toBe(200);
    expect(viaFetch.json).toEqual(first.json);
  });

  it('answers 200 when If-Modified-Since comes along (JSON answers carry no Last-Modified) or the tag differs', async () => {
    const path = `/${server.project.id}/requests`;
    const etag = (await http(server, 'GET', path, { token: server.owner.token })).headers.get('etag')!;
    expect((await rawGet(path, { 'if-none-match': etag, 'if-modified-since': new Date().toUTCString() })).status).toBe(200);
    expect((await rawGet(path, { 'if-none-match': 'W/"other"' })).status).toBe(200);
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
