/**
 * Transports: Node uses the pooled undici transport by default, a user-supplied `fetch` always wins, `close()`
 * releases the pool, nothing Node-only reaches a browser bundle of the client, and its entry never loads zod.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, ConnectionError, TiledeskClient, TimeoutError, type FetchLike } from '../../src/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
let server: http.Server;
let base: string;
const sockets = new Set<Socket>();
let lastRawHeaders: string[] = [];

/** The headers of the last request as they arrived on the socket: each name (lower-cased) with every value sent. */
function sentHeaders(): Map<string, string[]> {
  const sent = new Map<string, string[]>();
  for (let i = 0; i < lastRawHeaders.length; i += 2) {
    const name = lastRawHeaders[i]!.toLowerCase();
    sent.set(name, [...(sent.get(name) ?? []), lastRawHeaders[i + 1]!]);
  }
  return sent;
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    lastRawHeaders = req.rawHeaders;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ _id: 'u1', request_id: 'r1', via: req.headers['x-via'] ?? 'direct' }));
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

describe('Node', () => {
  it('uses its own keep-alive pool, not the global fetch, and close() releases it', async () => {
    const original = globalThis.fetch;
    let globalFetchCalls = 0;
    globalThis.fetch = ((...a: Parameters<typeof fetch>) => { globalFetchCalls++; return original(...a); }) as typeof fetch;
    try {
      const c = new TiledeskClient({ baseUrl: base });
      await Promise.all(Array.from({ length: 5 }, () => c.users.me()));
      await c.users.me();
      expect(globalFetchCalls).toBe(0);
      expect(sockets.size).toBeGreaterThan(0);
      await c.close();
      await new Promise((r) => setTimeout(r, 50));
      expect(sockets.size).toBe(0);
    } finally {
      globalThis.fetch = original;
    }
  });

  it('an https:// URL for a plain-HTTP server is named as such, not in OpenSSL\'s words', async () => {
    // `https://localhost:3000` for a self-hosted server: the message was `…:error:0A00010B:SSL routines:ssl3_get_record:
    // wrong version number:../deps/openssl/…`, naming neither the URL nor the fix.
    const httpsBase = base.replace('http:', 'https:');
    const c = new TiledeskClient({ baseUrl: httpsBase, maxRetries: 0 });
    const error = await c.users.me().then(() => undefined, (e: unknown) => e);
    await c.close();
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).causeCode).toBe('ERR_SSL_WRONG_VERSION_NUMBER');
    expect((error as ConnectionError).message).toBe(
      `Connection error (ERR_SSL_WRONG_VERSION_NUMBER): ${httpsBase} does not answer TLS: if the server speaks plain HTTP (self-hosted on its port 3000, the local test server), use an http:// URL (GET /users)`,
    );
  });

  it('a user-supplied fetch always wins', async () => {
    const calls: string[] = [];
    const mine: FetchLike = (url, init) => {
      calls.push(`${init.method} ${url}`);
      return fetch(url, { ...init, headers: { ...init.headers, 'x-via': 'mine' } });
    };
    const c = new TiledeskClient({ baseUrl: base, fetch: mine });
    expect(await c.users.me()).toMatchObject({ via: 'mine' });
    expect(calls).toEqual([`GET ${base}/users`]);
    await c.close();
  });
  // undici ends a call waiting for a socket of the pool only when it leaves the queue: an abort or a timeout of a
  // call behind a hung one waited for that one to end.
  it('a call waiting for a socket of the pool ends on its own abort or timeout, not when the call ahead of it does', async () => {
    // Answers only calls that ask for it (`x-answer`): the others hang.
    const hung = http.createServer((req, res) => {
      req.resume();
      if (req.headers['x-answer']) res.writeHead(200, { 'content-type': 'application/json' }).end('{"_id":"u1"}');
    });
    const held = new Set<Socket>();
    hung.on('connection', (s) => { held.add(s); s.on('close', () => held.delete(s)); });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const c = new TiledeskClient({ baseUrl: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`, connections: 1, maxRetries: 0 });
    const ahead = new AbortController();
    const settled: string[] = [];
    // Calls that ended every way a call ends (answered, aborted on its socket) must not leave the client believing a
    // socket is free when none is.
    for (let i = 0; i < 3; i++) await c.users.me({ headers: { 'x-answer': '1' } });
    await expect(c.users.me({ timeout: 100 })).rejects.toBeInstanceOf(TimeoutError);
    const first = c.users.me({ signal: ahead.signal, timeout: 120_000 }).catch((e: Error) => { settled.push('first'); return e; });
    try {
      const stop = new AbortController();
      const aborted = c.users.me({ signal: stop.signal, timeout: 120_000 }).catch((e: Error) => { settled.push('aborted'); return e; });
      const timedOut = c.users.me({ timeout: 200 }).catch((e: Error) => { settled.push('timed out'); return e; });
      // Queued behind `first`, which holds the only socket until it is aborted below.
      while (held.size === 0) await new Promise((r) => setTimeout(r, 5));
      stop.abort();
      expect(await aborted).toBeInstanceOf(AbortError);
      expect(await timedOut).toBeInstanceOf(TimeoutError);
      expect(settled).toEqual(['aborted', 'timed out']);
    } finally {
      ahead.abort();
      expect(await first).toBeInstanceOf(AbortError);
      await c.close();
      for (const s of held) s.destroy();
      await new Promise((r) => hung.close(r));
    }
  });
});

describe('headers', () => {
  // Sent as two headers each, the server picked the caller's token over the client's (Node keeps the first), and a
  // fetch transport joined them into one invalid "JWT a, JWT b".
  it.each([
    ['the undici transport', undefined],
    ['a fetch transport', ((url, init) => fetch(url, init)) as FetchLike],
  ])('sends each header once whatever its spelling, with the client auth over a caller Authorization (%s)', async (_what, fetchImpl) => {
    const c = new TiledeskClient({
      baseUrl: base, projectId: 'p1', auth: { token: 'JWT client' }, ...(fetchImpl ? { fetch: fetchImpl } : {}),
      headers: { Authorization: 'JWT caller', 'Content-Type': 'application/json; charset=utf-8', 'X-Trace': 'client' },
    });
    await c.requests.update('r1', { priority: 'high' }, { headers: { 'x-trace': 'call' } });
    const sent = sentHeaders();
    expect(sent.get('authorization')).toEqual(['JWT client']);
    expect(sent.get('content-type')).toEqual(['application/json; charset=utf-8']);
    expect(sent.get('x-trace')).toEqual(['call']);
    await c.close();
  });
  it.each([
    ['the undici transport', undefined],
    ['a fetch transport', ((url, init) => fetch(url, init)) as FetchLike],
  ])('a Headers and an array of pairs merge like a record: once per name, the call over the client, client auth over both (%s)', async (_what, fetchImpl) => {
    const clientHeaders = [
      new Headers({ Authorization: 'JWT caller', 'Content-Type': 'application/json; charset=utf-8', 'X-Trace': 'client', 'X-Kept': 'k' }),
      [['Authorization', 'JWT caller'], ['Content-Type', 'application/json; charset=utf-8'], ['X-Trace', 'client'], ['X-Kept', 'k']] as [string, string][],
    ];
    const callHeaders = [[['X-TRACE', 'call'], ['authorization', 'JWT call']] as [string, string][], new Headers({ 'x-trace': 'call', Authorization: 'JWT call' })];
    for (const headers of clientHeaders) {
      for (const callHeader of callHeaders) {
        for (const auth of [{ token: 'JWT client' }, undefined]) {
          const c = new TiledeskClient({ baseUrl: base, projectId: 'p1', auth, headers, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
          await c.requests.update('r1', { priority: 'high' }, { headers: callHeader });
          const sent = sentHeaders();
          // Without client auth, the call's Authorization wins over the client's headers like any other name.
          expect(sent.get('authorization')).toEqual([auth ? 'JWT client' : 'JWT call']);
          expect(sent.get('content-type')).toEqual(['application/json; charset=utf-8']);
          expect(sent.get('x-trace')).toEqual(['call']);
          expect(sent.get('x-kept')).toEqual(['k']);
          await c.close();
        }
      }
    }
  });
  it.each([
    ['the undici transport', undefined],
    ['a fetch transport', ((url, init) => fetch(url, init)) as FetchLike],
  ])('a header whose value is undefined or null is left out, not sent as "undefined" (%s)', async (_what, fetchImpl) => {
    const unset = process.env['TILEDESK_SDK_TEST_UNSET_VARIABLE'];
    const c = new TiledeskClient({ baseUrl: base, headers: { 'X-Tenant': unset, 'X-Source': 'crm' }, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
    await c.users.me({ headers: { 'X-Trace': null as never, 'X-Call': 'a' } });
    const sent = sentHeaders();
    expect([sent.get('x-source'), sent.get('x-call')]).toEqual([['crm'], ['a']]);
    expect([sent.has('x-tenant'), sent.has('x-trace')]).toEqual([false, false]);
    await c.close();
  });
});

describe('browser default transport', () => {
  it('without a global fetch, a ValidationError names the `fetch` option (it was a bare TypeError)', async () => {
    const { createDefaultTransport } = await import('../../src/rest/default-transport.browser.js');
    const saved = globalThis.fetch;
    try {
      (globalThis as { fetch?: unknown }).fetch = undefined;
      expect(() => createDefaultTransport()).toThrow(expect.objectContaining({ name: 'ValidationError', code: 'invalid_argument', field: 'fetch' }));
    } finally {
      globalThis.fetch = saved;
    }
    expect(createDefaultTransport().request).toBeTypeOf('function');
  });
});

describe('browser bundle', () => {
  it('package.json resolves #default-transport to undici only under the node condition', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { imports: Record<string, { node: { import: string }; default: { import: string } }> };
    expect(pkg.imports['#default-transport']!.node.import).toBe('./dist/default-transport.node.js');
    expect(pkg.imports['#default-transport']!.default.import).toBe('./dist/default-transport.browser.js');
  });

  it('contains no Node-only module and no zod unless response schemas are imported', async () => {
    const bundle = async (source: string) => {
      const result = await build({
        stdin: { contents: source, resolveDir: root, loader: 'ts' },
        bundle: true, format: 'esm', platform: 'browser', conditions: ['browser'], write: false, metafile: true, logLevel: 'silent',
        alias: { '#default-transport': `${root}src/rest/default-transport.browser.ts` },
      });
      const output = Object.values(result.metafile.outputs)[0]!;
      return Object.entries(output.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([k]) => k);
    };
    const client = await bundle("import { TiledeskClient } from './src/index.ts'; console.log(TiledeskClient);");
    expect(client.some((i) => i.includes('src/rest/client.ts'))).toBe(true);
    expect(client.filter((i) => /undici|^node:|default-transport\.node|zod/.test(i))).toEqual([]);

    const whole = await bundle("import * as sdk from './src/index.ts'; console.log(sdk);");
    expect(whole.filter((i) => /undici|^node:|default-transport\.node|zod/.test(i))).toEqual([]);

    const validated = await bundle(
      "import { TiledeskClient } from './src/index.ts'; import { responseSchemas } from './src/schemas.ts'; console.log(TiledeskClient, responseSchemas);",
    );
    expect(validated.some((i) => i.includes('zod'))).toBe(true);
    expect(validated.filter((i) => /undici|^node:/.test(i))).toEqual([]);
  });

  it('the built package never loads zod from its main entry, in a browser bundle or in Node', async () => {
    // The app gets no zod at all: if anything reachable from `tiledesk-sdk` imported it, bundling or loading would fail.
    const { build: tsup } = await import('tsup');
    const app = mkdtempSync(join(tmpdir(), 'tiledesk-pkg-'));
    try {
      const pkg = join(app, 'node_modules/tiledesk-sdk');
      await tsup({ outDir: join(pkg, 'dist'), dts: false, sourcemap: false, silent: true });
      writeFileSync(join(pkg, 'package.json'), readFileSync(`${root}package.json`));
      symlinkSync(`${root}node_modules/undici`, join(app, 'node_modules', 'undici'));
      const bundleInputs = async (source: string) => {
        writeFileSync(join(app, 'entry.js'), source);
        const result = await build({
          entryPoints: [join(app, 'entry.js')], absWorkingDir: app, bundle: true, format: 'esm', platform: 'browser',
          conditions: ['browser'], write: false, metafile: true, logLevel: 'silent',
        });
        return Object.entries(Object.values(result.metafile.outputs)[0]!.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([k]) => k);
      };
      const client = await bundleInputs("import { TiledeskClient } from 'tiledesk-sdk'; console.log(TiledeskClient);");
      expect(client).toContain('node_modules/tiledesk-sdk/dist/default-transport.browser.js');
      expect(client.filter((i) => /undici|^node:|default-transport\.node|zod/.test(i))).toEqual([]);
      const whole = await bundleInputs("import * as sdk from 'tiledesk-sdk'; console.log(sdk);");
      expect(whole.filter((i) => /undici|^node:|default-transport\.node|zod/.test(i))).toEqual([]);

      const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(node(['--input-type=module', '-e', "const sdk = await import('tiledesk-sdk'); console.log(typeof sdk.TiledeskClient);"])).toBe('function\n');
      expect(node(['-e', "console.log(typeof require('tiledesk-sdk').TiledeskClient);"])).toBe('function\n');
      // The control: the schemas entry does need zod, so the same check fails for it.
      expect(() => node(['--input-type=module', '-e', "await import('tiledesk-sdk/schemas');"])).toThrow(/zod/);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  }, 60_000);
});
