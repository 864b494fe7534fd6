/**
 * TiledeskClient against the local Tiledesk-compatible server over real sockets: auth variants, base URLs with a
 * path prefix, every resource, pagination driven by the server's `perPage`/`count`, and the errors users branch on.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RequestStatus,
  TiledeskClient,
  TokenProviderError,
  UnprocessableEntityError,
  ValidationError,
  type Page,
  type Request,
  type RequestEvent,
} from '../../src/index.js';
import { responseSchemas } from '../../src/schemas.js';
import { image, text } from '../../src/messages/index.js';
import { startTiledeskServer } from '../../src/testing/index.js';

type Server = Awaited<ReturnType<typeof startTiledeskServer>>;
let server: Server;
let clients: TiledeskClient[] = [];

function client(options: Partial<ConstructorParameters<typeof TiledeskClient>[0]> = {}): TiledeskClient {
  const c = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, responseSchemas, ...options });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startTiledeskServer({ port: 0 });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
  await server.close();
});

describe('auth', () => {
  it('accepts a token with or without the JWT prefix and sends `JWT <token>`', async () => {
    const seen: string[] = [];
    for (const token of [server.owner.token, server.owner.token.replace(/^JWT /, '')]) {
      const c = client({ auth: { token }, fetch: (url, init) => { seen.push(init.headers.authorization!); return fetch(url, init); } });
      expect((await c.users.me())._id).toBe(server.owner.userId);
    }
    expect(seen).toEqual([server.owner.token, server.owner.token]);
    expect(seen[0]).toMatch(/^JWT [^ ]+$/);
  });

  it('email/password signs in once, however many calls are in flight', async () => {
    const urls: string[] = [];
    const c = client({ auth: { email: server.owner.email, password: server.owner.password }, hooks: { onRequest: (e) => urls.push(e.url) } });
    const results = await Promise.all([c.users.me(), c.projectUsers.me(), c.requests.count(), c.users.me()]);
    expect(results[0]._id).toBe(server.owner.userId);
    expect(urls.filter((u) => u.endsWith('/auth/signin'))).toHaveLength(1);
    await c.users.me();
    expect(urls.filter((u) => u.endsWith('/auth/signin'))).toHaveLength(1);
  });

  it('Basic credentials work and are sent as HTTP Basic', async () => {
    const headers: string[] = [];
    const c = client({
      auth: { basic: { email: server.agent.email, password: server.agent.password } },
      fetch: (url, init) => { headers.push(init.headers.authorization!); return fetch(url, init); },
    });
    expect((await c.users.me()).email).toBe(server.agent.email);
    expect(headers[0]).toBe(`Basic ${Buffer.from(`${server.agent.email}:${server.agent.password}`).toString('base64')}`);
  });

  it('wrong credentials reject with AuthenticationError carrying the server message', async () => {
    const c = client({ auth: { email: server.owner.email, password: 'wrong-password' } });
    const e = await c.users.me().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as AuthenticationError).status).toBe(401);
  });

  it('a token provider is called for the first call and once more after a 401, then the call is retried', async () => {
    const reasons: string[] = [];
    const stale = server.signJwt({ _id: server.owner.userId, sub: 'user' }, 'not-the-server-secret');
    const c = client({ auth: { tokenProvider: ({ reason }) => { reasons.push(reason); return reasons.length === 1 ? stale : server.owner.token; } } });
    expect((await c.users.me())._id).toBe(server.owner.userId);
    expect(reasons).toEqual(['initial', 'unauthorized']);
    await c.users.me();
    expect(reasons).toHaveLength(2);
  });

  it('a call whose 401 comes after another call already refreshed the token retries with that token: the provider is not asked again', async () => {
    const reasons: string[] = [];
    const stale = server.signJwt({ _id: server.owner.userId, sub: 'user' }, 'not-the-server-secret');
    let staleCalls = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const c = client({
      auth: { tokenProvider: ({ reason }) => { reasons.push(reason); return reason === 'initial' ? stale : server.owner.token; } },
      // Both calls go out with the stale token; the second one's 401 is delivered only once the first call is done.
      fetch: async (url, init) => {
        const second = init.headers.authorization!.endsWith(stale.replace(/^JWT /, '')) && ++staleCalls === 2;
        const res = await fetch(url, init);
        if (second) await held;
        return res;
      },
    });
    const first = c.users.me();
    const later = c.projectUsers.me();
    expect((await first)._id).toBe(server.owner.userId);
    release();
    expect((await later).id_user).toBeDefined();
    expect(reasons).toEqual(['initial', 'unauthorized']);
  });

  it('refreshes only once per call: a provider that keeps returning a bad token ends in AuthenticationError', async () => {
    let calls = 0;
    const bad = server.signJwt({ _id: server.owner.userId, sub: 'user' }, 'nope');
    const c = client({ auth: { tokenProvider: () => { calls++; return bad; } } });
    await expect(c.users.me()).rejects.toBeInstanceOf(AuthenticationError);
    expect(calls).toBe(2);
  });

  it('a failing token provider rejects with TokenProviderError and nothing is sent', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ auth: { tokenProvider: () => { throw new Error('vault down'); } }, hooks: { onRequest: (e) => sent.push(e) } });
    const e = await c.users.me().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TokenProviderError);
    expect((e as TokenProviderError).cause).toBeInstanceOf(Error);
    expect(sent).toHaveLength(0);
  });

  it('a token no header can carry (a line break, a space, a control character) is a TokenProviderError, not a retried connection error', async () => {
    for (const token of [`${server.owner.token}\n`.repeat(2), 'JWT eyJa bc.def', 'abc\u0000def', 'JWT ', 42]) {
      const sent: RequestEvent[] = [];
      const c = client({ auth: { tokenProvider: () => token as string }, hooks: { onRequest: (e) => sent.push(e) } });
      await expect(c.users.me()).rejects.toMatchObject({ name: 'TokenProviderError', message: expect.stringMatching(/returned no usable token/) });
      expect(sent).toHaveLength(0);
    }
    // What the server itself issues (with its `JWT ` prefix, or bare, surrounding spaces trimmed) still works.
    for (const token of [server.owner.token, ` ${server.owner.token.replace(/^JWT /, '')}\n`]) {
      expect((await client({ auth: { tokenProvider: () => token } }).users.me()).email).toBe(server.owner.email);
    }
  });

  it('static helpers: signin, signinAnonymously, signup, signinWithCustomToken', async () => {
    const signed = await TiledeskClient.signin({ baseUrl: server.url, email: server.agent.email, password: server.agent.password });
    expect(signed.token).toMatch(/^JWT /);
    expect(signed.user._id).toBe(server.agent.userId);

    const guest = await TiledeskClient.signinAnonymously({ baseUrl: server.url, projectId: server.project.id, firstname: 'John' });
    expect(guest.token).toMatch(/^JWT /);
    expect(guest.user.firstname).toBe('John');

    const email = `new-${Date.now()}@Example.com`;
    const user = await TiledeskClient.signup({ baseUrl: server.url, email, password: 'Passw0rd!', firstname: 'New', lastname: 'User' });
    expect(user.email).toBe(email.toLowerCase());

    const custom = server.signJwt(
      { _id: 'ext-1', firstname: 'Ext', sub: 'userexternal', aud: `https://tiledesk.com/projects/${server.project.id}` },
      server.project.jwtSecret,
    );
    const exchanged = await TiledeskClient.signinWithCustomToken({ baseUrl: server.url, token: custom, projectId: server.project.id });
    expect(exchanged.token).toBe(`JWT ${custom}`);
    expect(exchanged.user._id).toBe('ext-1');
  });

  it('signup validation errors come back as a 422 with field errors', async () => {
    const e = await client().auth.signin({ email: 'not-an-email', password: 'x' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnprocessableEntityError);
    expect((e as UnprocessableEntityError).fieldErrors.map((f) => f.field)).toContain('email');
  });

  it('a 4xx body over 32 KB keeps its data, field errors and message; only the stored body is capped', async () => {
    // The server echoes the invalid value in its 422: a 33 800-character e-mail makes a 33 KB body.
    const e = await TiledeskClient.signin({ baseUrl: server.url, email: 'not an email '.repeat(2_600), password: 'pw12345' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnprocessableEntityError);
    const err = e as UnprocessableEntityError;
    expect(err.fieldErrors).toEqual([{ field: 'email', message: 'Invalid value', location: 'body' }]);
    expect(err.data).toMatchObject({ errors: [{ param: 'email', msg: 'Invalid value' }] });
    expect(err.message).toBe('422 email: Invalid value (POST /auth/signin)');
    expect(err.body.length).toBeLessThan(33_000);
    expect(err.body).toMatch(/…\[truncated\]$/);
  });
});

describe('configuration', () => {
  it('keeps a base URL path prefix (hosted /v3, white-label hosts)', async () => {
    // A stand-in for a hosted deployment: strips `/v3` and forwards to the local server.
    const target = new URL(server.url);
    const proxy = http.createServer((req, res) => {
      const forward = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url!.replace(/^\/v3/, ''), headers: req.headers }, (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      });
      if (!req.url!.startsWith('/v3/')) { res.writeHead(404).end('no prefix'); forward.destroy(); return; }
      req.pipe(forward);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v3/`;
      const c = client({ baseUrl: base });
      const req = await c.requests.create({ first_text: 'via prefix' });
      expect((await c.requests.get(req.request_id)).first_text).toBe('via prefix');
      const guest = await TiledeskClient.signinAnonymously({ baseUrl: base, projectId: server.project.id });
      expect(guest.token).toMatch(/^JWT /);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      clients = [];
      await new Promise((r) => proxy.close(r));
    }
  });

  it('rejects bad configuration with a ValidationError naming the option, without echoing credentials', () => {
    const e = (() => { try { new TiledeskClient({ baseUrl: 'https://me:s3cret-pass@api.example.com' }); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).field).toBe('baseUrl');
    expect(JSON.stringify(e)).not.toContain('s3cret-pass');
    expect(() => new TiledeskClient({ baseUrl: 'ftp://x' })).toThrow(ValidationError);
    expect(() => new TiledeskClient({ baseUrl: server.url, timeout: -1 })).toThrow(/timeout/);
    expect(() => new TiledeskClient({ baseUrl: server.url, auth: { token: '' } })).toThrow(/auth\.token/);
  });

  it('connections must be an integer >= 1: refused when the client is made (it was a ConnectionError retried on every call)', async () => {
    for (const connections of [-1, 0, 1.5, NaN, '4', null]) {
      const e = (() => { try { new TiledeskClient({ baseUrl: server.url, connections: connections as never }); } catch (x) { return x; } return undefined; })();
      expect(e, String(connections)).toMatchObject({ name: 'ValidationError', field: 'connections' });
    }
    expect(typeof (await client({ connections: 1 }).requests.count()).assigned).toBe('number');
  });

  it('a static token no header can carry (a line break, a space, a control character) is refused at construction, never echoed', async () => {
    const bare = server.owner.token.replace(/^JWT /, '');
    const refused = (make: () => unknown) => { try { make(); } catch (x) { return x; } return undefined; };
    for (const token of [`${bare}\n${bare}`, `JWT ${bare.slice(0, 12)} ${bare.slice(12)}`, `${bare}\u0000`, `${bare}\u00e9`, 'JWT ', 42]) {
      for (const make of [() => new TiledeskClient({ baseUrl: server.url, auth: { token: token as string } }), () => client().withOptions({ auth: { token: token as string } })]) {
        const e = refused(make);
        expect(e).toMatchObject({ name: 'ValidationError', field: 'auth.token', message: 'auth.token: must be printable ASCII' });
        expect(JSON.stringify(e)).not.toContain(bare.slice(12, 40));
      }
    }
    // What the server issues, with or without its `JWT ` prefix, surrounding whitespace (a file's last line break) trimmed.
    for (const token of [server.owner.token, `${bare}\n`]) expect((await client({ auth: { token } }).users.me()).email).toBe(server.owner.email);
  });

  it('signinWithCustomToken refuses a token with a line break or a space inside before sending (it was a retried ConnectionError)', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ hooks: { onRequest: (e) => sent.push(e) } });
    const custom = server.signJwt({ _id: 'ext-2', sub: 'userexternal', aud: `https://tiledesk.com/projects/${server.project.id}` }, server.project.jwtSecret);
    for (const token of [`${custom}\n${custom}`, `${custom.slice(0, 12)} ${custom.slice(12)}`, '']) {
      const e = await c.auth.signinWithCustomToken({ token }).catch((x: unknown) => x);
      expect(e).toMatchObject({ name: 'ValidationError', field: 'token', message: 'token: must be printable ASCII' });
      expect(JSON.stringify(e)).not.toContain(custom.slice(12, 40));
    }
    expect(sent).toHaveLength(0);
    expect((await c.auth.signinWithCustomToken({ token: `${custom}\n` })).user._id).toBe('ext-2');
  });

  it('a header no transport sends (a line break, a control or non-ASCII character) is refused before sending, never echoed', async () => {
    const secret = 'k3y-0f-the-caller-9f1c';
    const refused = (make: () => unknown) => { try { make(); } catch (x) { return x; } return undefined; };
    const bad: [string, string][] = [
      ['X-Api-Key', `${secret}\r\nX-Injected: 1`], ['x-api-key', `${secret}\n`], ['X-Api-Key', `${secret}\u0000`],
      ['X-Api-Key', `${secret}\u00e9`], ['X-Api-Key', `${secret}\u2028`],
    ];
    for (const [name, value] of bad) {
      const expected = { name: 'ValidationError', field: `headers.${name}`, message: `headers.${name}: must be printable ASCII` };
      // As a record and as an array of pairs (a `Headers` refuses such a value itself, with a TypeError).
      for (const headers of [{ [name]: value }, [[name, value]] as [string, string][]]) {
        // The client's headers, when it is made (withOptions and the static helpers make one too).
        for (const make of [() => new TiledeskClient({ baseUrl: server.url, headers }), () => client().withOptions({ headers })]) {
          const e = refused(make);
          expect(e).toMatchObject(expected);
          expect(JSON.stringify(e)).not.toContain(secret);
        }
        // A call's headers, when the call starts: nothing is sent and onError does not hear of it (a bad argument).
        const sent: RequestEvent[] = [];
        const errors: unknown[] = [];
        const c = client({ hooks: { onRequest: (e) => sent.push(e), onError: (e) => errors.push(e) } });
        const e = await c.requests.count({}, { headers }).catch((x: unknown) => x);
        expect(e).toMatchObject(expected);
        expect(JSON.stringify(e)).not.toContain(secret);
        expect([sent, errors]).toEqual([[], []]);
      }
    }
    // Spaces and tabs inside a value, and an empty value, are fine.
    const headers = { 'X-Note': 'a b\tc; d=e', 'X-Empty': '' };
    expect(typeof (await client({ headers }).requests.count({}, { headers })).assigned).toBe('number');
  });

  it('a header name must be an RFC 9110 token: `:`, a space, a quote or a bracket is refused before sending, naming it, not the value', async () => {
    const secret = 'k3y-0f-the-caller-9f1c';
    const refused = (make: () => unknown) => { try { make(); } catch (x) { return x; } return undefined; };
    // `X-Api-Key:` was accepted: the old check ran on `${name}:${value}` and `:` is printable ASCII.
    for (const name of ['X-Api-Key:', 'X:Api', 'X Api Key', '', 'X-(Api)', 'X-"Api"', 'X,Api', 'X/Api', 'X@Api', 'X[Api]', 'X{Api}', 'X;Api', 'X=Api', 'X?Api', 'X\\Api', 'X-Ápi']) {
      const expected = { name: 'ValidationError', field: `headers.${name}`, message: `headers.${name}: must be a valid header name` };
      for (const headers of [{ [name]: secret }, [[name, secret]] as [string, string][]]) {
        for (const make of [() => new TiledeskClient({ baseUrl: server.url, headers }), () => client().withOptions({ headers })]) {
          const e = refused(make);
          expect(e).toMatchObject(expected);
          expect(JSON.stringify(e)).not.toContain(secret);
        }
        const sent: RequestEvent[] = [];
        const e = await client({ hooks: { onRequest: (x) => sent.push(x) } }).requests.count({}, { headers }).catch((x: unknown) => x);
        expect(e).toMatchObject(expected);
        expect(JSON.stringify(e)).not.toContain(secret);
        expect(sent).toEqual([]);
      }
    }
    // Every token character is fine.
    const headers = { "X-!#$%&'*+-.^_`|~09azAZ": 'ok' };
    expect(typeof (await client({ headers }).requests.count({}, { headers })).assigned).toBe('number');
  });

  it('headers may be a Headers, an array of pairs or any iterable of pairs, as fetch takes them: they reach the server', async () => {
    const token = server.owner.token;
    // No client auth: the server answers only if the `Authorization` given as headers arrives.
    const shapes = (): [string, unknown][] => [
      ['Headers', new Headers({ Authorization: token, 'X-Trace': 'a' })],
      ['array of pairs', [['Authorization', token], ['X-Trace', 'a']]],
      ['Map', new Map([['Authorization', token], ['X-Trace', 'a']])],
      ['generator', (function* () { yield ['authorization', token]; yield ['x-trace', 'a']; })()],
    ];
    for (const [what, headers] of shapes()) {
      const sent: RequestEvent[] = [];
      const c = client({ auth: undefined, headers: headers as never, hooks: { onRequest: (e) => sent.push(e) } });
      expect((await c.users.me()).email, what).toBe(server.owner.email);
      expect(sent[0]!.headers['x-trace'], what).toBe('a');
      // Read once, when the client is made: a generator (used up by then) serves every call.
      expect((await c.users.me()).email, what).toBe(server.owner.email);
      // ...and every client withOptions makes from it, unless given headers of its own.
      expect((await c.withOptions({ timeout: 5_000 }).users.me()).email, what).toBe(server.owner.email);
    }
    for (const [what, headers] of shapes()) {
      const sent: RequestEvent[] = [];
      const c = client({ auth: undefined, hooks: { onRequest: (e) => sent.push(e) } });
      expect((await c.users.me({ headers: headers as never })).email, what).toBe(server.owner.email);
      expect(sent[0]!.headers['x-trace'], what).toBe('a');
    }
    // Without them, the same client is refused: the header did the work.
    await expect(client({ auth: undefined }).users.me()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('an entry of array or iterable headers that is not a [name, value] pair is a ValidationError naming it', async () => {
    const refused = (make: () => unknown) => { try { make(); } catch (x) { return x; } return undefined; };
    // An array of pairs was read as a record: `Object.entries` made a header named "0".
    const cases: [unknown, number][] = [
      [[['X-A', '1'], ['X-B']], 1], [[['X-A', '1', '2']], 0], [['X-A'], 0], [[null], 0], [[42], 0], [[{ 0: 'X-A', 1: '1', length: 2 }], 0],
      ['X-A: 1', 0], [new Set(['X-A']), 0],
    ];
    for (const [headers, i] of cases) {
      const expected = { name: 'ValidationError', field: `headers[${i}]`, message: `headers[${i}]: must be a [name, value] pair` };
      expect(refused(() => new TiledeskClient({ baseUrl: server.url, headers: headers as never }))).toMatchObject(expected);
      const sent: RequestEvent[] = [];
      const errors: unknown[] = [];
      const c = client({ hooks: { onRequest: (e) => sent.push(e), onError: (e) => errors.push(e) } });
      await expect(c.requests.count({}, { headers: headers as never })).rejects.toMatchObject(expected);
      expect([sent, errors]).toEqual([[], []]);
    }
  });

  it('hooks: several observers are called in order, then the logger; a hook that is not a function is refused', async () => {
    const seen: string[] = [];
    const hooks = [
      { onRequest: () => seen.push('metrics'), onResponse: (e: { status: number }) => seen.push(`metrics ${e.status}`) },
      { onRequest: () => seen.push('tracing') },
    ];
    const logger = { debug: (m: string) => seen.push(`log ${m.split(' ')[1]}`), info: () => {}, warn: () => {} };
    await client({ hooks, logger }).requests.count();
    expect(seen).toEqual(['metrics', 'tracing', 'log →', 'metrics 200', 'log ←']);
    expect(hooks).toHaveLength(2); // the caller's array is left as it was

    const bad = (h: unknown) => { try { new TiledeskClient({ baseUrl: server.url, hooks: h as never }); } catch (e) { return e; } };
    expect(bad([{ onRetry: () => {} }, { onRetry: 'log' }])).toMatchObject({ name: 'ValidationError', field: 'hooks[1].onRetry' });
    expect(bad({ onError: 42 })).toMatchObject({ name: 'ValidationError', field: 'hooks.onError' });
    expect(bad([null])).toMatchObject({ name: 'ValidationError', field: 'hooks[0]' });
    expect(bad('verbose')).toMatchObject({ name: 'ValidationError', field: 'hooks' });
  });

  it('project-scoped calls need a project id, from the client or the call', async () => {
    const c = client({ projectId: undefined });
    await expect(c.requests.count()).rejects.toMatchObject({ name: 'ValidationError', field: 'projectId' });
    expect(typeof (await c.requests.count({}, { projectId: server.project.id })).assigned).toBe('number');
  });

  it('withOptions shares the pool and closing it leaves the parent usable', async () => {
    const parent = client();
    const guestAuth = await parent.auth.signinAnonymously({ firstname: 'G' });
    const guest = parent.withOptions({ auth: { token: guestAuth.token } });
    const rid = `support-group-${server.project.id}-${'a'.repeat(32)}`;
    await guest.messages.send(rid, { text: 'hello' });
    await guest.close();
    expect((await parent.requests.get(rid)).first_text).toBe('hello');
  });
  it('withOptions children share the parent’s connections and retry budget; closing a child leaves them open; a static helper closes its own', async () => {
    const user = { _id: '64f0c0ffee0000000000aaaa', email: 'ada@example.com', firstname: 'Ada', lastname: 'L' };
    let busy = 0;
    const sockets: import('node:net').Socket[] = [];
    const raw = http.createServer((req, res) => {
      req.resume();
      const send = (status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (busy > 0 && busy--) return send(503, { success: false, msg: 'busy' });
      return req.url === '/auth/signin' ? send(200, { success: true, token: 'JWT opaque-token', user }) : send(200, user);
    });
    raw.on('connection', (s) => sockets.push(s));
    // A long keep-alive hint: a connection left open stays open for the rest of the test.
    raw.keepAliveTimeout = 120_000;
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const baseUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    // One socket per origin: every call of the pool goes through the same connection.
    const parent = new TiledeskClient({ baseUrl, auth: { token: 'JWT parent-token' }, connections: 1, retryBudget: { capacity: 1, refillPerSecond: 0 }, retryDelay: { baseDelayMs: 1, maxDelayMs: 1 } });
    try {
      const child = parent.withOptions({ auth: { token: 'JWT child-token' } });
      await parent.users.me();
      await child.users.me();
      expect(sockets).toHaveLength(1);
      await child.close();
      await parent.users.me();
      expect(sockets).toHaveLength(1);
      // The budget's only token, spent by another child, is gone for the parent too.
      busy = 1;
      expect((await parent.withOptions({ timeout: 5_000 }).users.me())._id).toBe(user._id);
      busy = 1;
      await expect(parent.users.me()).rejects.toBeInstanceOf(InternalServerError);

      const closed = new Promise((resolve) => raw.once('connection', (s) => s.once('close', resolve)));
      expect((await TiledeskClient.signin({ baseUrl, email: user.email, password: 'pw-123' })).token).toBe('JWT opaque-token');
      await closed;
    } finally {
      await parent.close();
      raw.closeAllConnections();
      await new Promise((r) => raw.close(r));
    }
  });
});

describe('requests', () => {
  it('create with sender, get, update, attributes, close, reopen, delete', async () => {
    const c = client();
    const guest = await c.auth.signinAnonymously({ firstname: 'Req' });
    const req = await c.requests.create({ sender: guest.user._id, first_text: 'How can I restore my password', attributes: { a: 1 } });
    expect(req.status).toBe(RequestStatus.ASSIGNED);
    const got = await c.requests.get(req.request_id);
    expect(got.first_text).toBe('How can I restore my password');
    expect((await c.requests.update(req.request_id, { priority: 'high' })).priority).toBe('high');
    expect((await c.requests.mergeAttributes(req.request_id, { b: 2 })).attributes).toMatchObject({ a: 1, b: 2 });
    expect((await c.requests.close(req.request_id)).status).toBe(RequestStatus.CLOSED);
    expect((await c.requests.reopen(req.request_id)).status).not.toBe(RequestStatus.CLOSED);
    await c.requests.delete(req.request_id);
    await expect(c.requests.get(req.request_id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('participants, followers, tags and notes', async () => {
    const c = client();
    const { request_id: id } = await c.requests.create({ first_text: 'members' });
    expect((await c.requests.participants.add(id, server.agent.userId)).participants).toContain(server.agent.userId);
    expect((await c.requests.participants.set(id, [server.owner.userId])).participants).toEqual([server.owner.userId]);
    expect((await c.requests.participants.remove(id, server.owner.userId)).participants).toEqual([]);
    expect((await c.requests.followers.add(id, server.agent.projectUserId)).followers).toContain(server.agent.projectUserId);
    expect((await c.requests.followers.remove(id, server.agent.projectUserId)).followers).not.toContain(server.agent.projectUserId);

    const tagged = await c.requests.tags.add(id, ['vip', { tag: 'billing', color: '#43B1F2' }]);
    expect(tagged.tags?.map((t) => t.tag)).toEqual(['vip', 'billing']);
    expect((await c.requests.tags.add(id, ['vip', 'new'])).tags?.map((t) => t.tag)).toEqual(['vip', 'billing', 'new']);
    const vip = tagged.tags!.find((t) => t.tag === 'vip')!;
    expect((await c.requests.tags.remove(id, vip._id!)).tags?.map((t) => t.tag)).toEqual(['billing', 'new']);
    // update replaces the whole array; strings are shorthand there too.
    const replaced = await c.requests.update(id, { tags: ['solo', { tag: 'paid', color: '#00AA00' }] });
    expect(replaced.tags?.map(({ tag, color }) => ({ tag, color }))).toEqual([{ tag: 'solo', color: undefined }, { tag: 'paid', color: '#00AA00' }]);
    expect((await c.requests.update(id, { tags: [] })).tags).toEqual([]);

    const noted = await c.requests.notes.add(id, 'called back');
    const note = noted.notes!.at(-1)!;
    expect(note.text).toBe('called back');
    expect((await c.requests.notes.remove(id, note._id)).notes).toEqual([]);
  });

  it('rejects arguments that would make the server hang or misbehave, before sending anything', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ hooks: { onRequest: (e) => sent.push(e) } });
    await expect(c.requests.participants.set('r1', 'not-an-array' as unknown as string[])).rejects.toMatchObject({ name: 'ValidationError', field: 'members' });
    await expect(c.requests.tags.add('r1', [])).rejects.toMatchObject({ field: 'tags' });
    await expect(c.requests.create({ first_text: '' })).rejects.toMatchObject({ field: 'first_text' });
    await expect(c.requests.get('')).rejects.toMatchObject({ field: 'requestId' });
    await expect(c.requests.list({ limit: 101 })).rejects.toMatchObject({ field: 'limit' });
    await expect(c.requests.list({ status: [] })).rejects.toMatchObject({ field: 'status' });
    // A null where an object goes: a TypeError from inside the SDK, or (users.update) a PUT of `null` answered 500.
    const none = null as never;
    await expect(c.users.update(none)).rejects.toMatchObject({ name: 'ValidationError', field: 'fields' });
    await expect(c.requests.count(none)).rejects.toMatchObject({ name: 'ValidationError', field: 'query' });
    // Every list call checks its query alike: an object, limit 1…100 (leads: no upper bound), page >= 0.
    for (const list of [(q: never) => c.requests.list(q), (q: never) => c.requests.listMine(q), (q: never) => c.leads.list(q)]) {
      await expect(list(none)).rejects.toMatchObject({ name: 'ValidationError', field: 'query' });
      await expect(list({ limit: 0 } as never)).rejects.toMatchObject({ name: 'ValidationError', field: 'limit' });
      await expect(list({ page: -1 } as never)).rejects.toMatchObject({ name: 'ValidationError', field: 'page' });
    }
    await expect(c.requests.listMine({ limit: 101 })).rejects.toMatchObject({ field: 'limit' });
    await expect(c.requests.close('r1', none)).rejects.toMatchObject({ name: 'ValidationError', field: 'params' });
    await expect(c.requests.assign('r1', none)).rejects.toMatchObject({ name: 'ValidationError', field: 'params' });
    await expect(c.messages.list('r1', none)).rejects.toMatchObject({ name: 'ValidationError', field: 'params' });
    // Optional strings, a rating that is not a finite number, a Date bound that is invalid.
    await expect(c.requests.create({ first_text: 'x', request_id: '' })).rejects.toMatchObject({ name: 'ValidationError', field: 'request_id' });
    await expect(c.requests.create({ first_text: 'x', sender: 42 as never })).rejects.toMatchObject({ name: 'ValidationError', field: 'sender' });
    for (const rating of ['5', NaN, Infinity, null, undefined]) {
      await expect(c.requests.rate('r1', { rating: rating as never })).rejects.toMatchObject({ name: 'ValidationError', message: 'rating: must be a number' });
    }
    for (const field of ['start_date', 'end_date'] as const) {
      await expect(c.requests.list({ [field]: new Date('not a date') })).rejects.toMatchObject({ name: 'ValidationError', message: `${field}: is an invalid Date` });
    }
    expect(sent).toHaveLength(0);
  });

  it('ids "." and ".." (in any %2e spelling) are refused on the fetch transport too: a member ".." cannot delete the conversation', async () => {
    const sent: RequestEvent[] = [];
    // `fetch` resolves dot segments: DELETE …/<rid>/participants/.. would become DELETE …/<rid>.
    const c = client({ fetch: (url, init) => fetch(url, init), maxRetries: 0, hooks: { onRequest: (e) => sent.push(e) } });
    const { request_id: rid } = await c.requests.create({ first_text: 'dot segments' });
    sent.length = 0;
    const calls: [() => Promise<unknown>, string][] = [
      [() => c.requests.participants.remove(rid, '..'), 'member'],
      [() => c.requests.followers.remove(rid, '.'), 'member'],
      [() => c.requests.tags.remove(rid, '%2E'), 'tagId'],
      [() => c.requests.notes.remove(rid, '.%2e'), 'noteId'],
      [() => c.messages.get(rid, '%2e%2E'), 'messageId'],
      [() => c.requests.get('.'), 'requestId'],
      [() => c.requests.delete('..'), 'requestId'],
      [() => c.leads.get('..'), 'leadId'],
      [() => c.projects.get('..'), 'projectId'],
      [() => c.requests.count({}, { projectId: '%2e' }), 'projectId'],
    ];
    for (const [call, field] of calls) await expect(call()).rejects.toMatchObject({ name: 'ValidationError', field });
    expect(sent).toHaveLength(0);
    expect((await c.requests.get(rid)).request_id).toBe(rid);
    // Dots inside an id are just characters: such a call is sent (and finds nothing).
    await expect(c.requests.get('..x')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('an id with a lone surrogate is a ValidationError naming the argument, not a bare URIError', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ hooks: { onRequest: (e) => sent.push(e) } });
    const calls: [() => Promise<unknown>, string][] = [
      [() => c.requests.get('\uD800'), 'requestId'],
      [() => c.requests.participants.remove('r1', 'a\uDC00b'), 'member'],
      // A messageId is refused sooner, as no `_id`: the conversation's id holds the surrogate here.
      [() => c.messages.get('r\uDBFF1', '0123456789abcdef01234567'), 'requestId'],
      [() => c.requests.count({}, { projectId: '\uDFFF' }), 'projectId'],
    ];
    for (const [call, field] of calls) {
      const e = await call().catch((x: unknown) => x);
      expect(e).toMatchObject({ name: 'ValidationError', field, message: `${field}: must not hold a lone surrogate` });
    }
    expect(sent).toHaveLength(0);
    // A well-formed pair (an emoji) is an ordinary character of an id: sent, and not found.
    await expect(c.requests.get('\uD83D\uDE00')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a body that cannot be JSON (a BigInt, a cycle) is a ValidationError naming its field, before sending, not a bare TypeError', async () => {
    const sent: RequestEvent[] = [];
    const errors: unknown[] = [];
    const c = client({ hooks: { onRequest: (e) => sent.push(e), onError: (e) => errors.push(e) } });
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    const calls: [() => Promise<unknown>, string, RegExp][] = [
      [() => c.requests.create({ first_text: 'hi', attributes: { orderId: 10n } }), 'attributes', /BigInt/],
      [() => c.leads.update('0123456789abcdef01234567', { fullname: 'Ada', attributes: cycle }), 'attributes', /circular/],
      [() => c.requests.mergeAttributes('r1', cycle), 'self', /circular/],
      [() => c.users.update({ firstname: 'Ada', lastname: 7n as never }), 'lastname', /BigInt/],
    ];
    for (const [call, field, reason] of calls) {
      const e = await call().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ValidationError);
      expect(e).toMatchObject({ field, message: expect.stringMatching(new RegExp(`^${field}: is not JSON-serialisable \\(`)) });
      expect((e as Error).message).toMatch(reason);
    }
    // Thrown before anything is sent, like every other bad argument: not reported to onError either.
    expect(sent).toHaveLength(0);
    expect(errors).toHaveLength(0);
  });

  it('a guest cannot list requests (403, role) but can list its own', async () => {
    const c = client();
    const { token } = await c.auth.signinAnonymously({ firstname: 'Mine' });
    const guest = c.withOptions({ auth: { token } });
    const e = await guest.requests.list().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PermissionDeniedError);
    expect((e as PermissionDeniedError).reason).toBe('role');
    const rid = `support-group-${server.project.id}-${'b'.repeat(32)}`;
    await guest.messages.send(rid, { text: 'mine' });
    expect((await guest.requests.listMine().toArray()).map((r) => r.request_id)).toEqual([rid]);
  });
  it('list filters the server would misread are refused, naming them, before sending: non-integer status codes, a timezone with Date bounds', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ hooks: { onRequest: (e) => sent.push(e) } });
    // The server drops codes that are not numbers and, with none left, lists every status, closed ones included.
    for (const status of [['open'], [100, 1.5], [NaN], '100', [100, null]]) {
      await expect(c.requests.list({ status: status as never })).rejects.toMatchObject({ name: 'ValidationError', field: 'status' });
    }
    // Date bounds are sent in UTC with `timezone=UTC`: a timezone of the caller's would be silently replaced.
    for (const q of [{ start_date: new Date(), timezone: 'Europe/Rome' }, { end_date: new Date(), timezone: 'UTC' }]) {
      await expect(c.requests.list(q)).rejects.toMatchObject({ name: 'ValidationError', field: 'timezone' });
    }
    expect(sent).toHaveLength(0);
  });

  it('Date bounds select by the instant, to the second, whatever the server’s default time zone; strings are read in `timezone`', async () => {
    const c = client();
    // 10:00:30 UTC, 11:00:30 in Rome (the server's default zone) in January.
    const rid = server.seed({ conversations: [{ first_text: 'dated', status: RequestStatus.CLOSED, createdAt: '2024-01-15T10:00:30.000Z' }] }).conversations[0]!.request_id;
    const ids = async (q: Parameters<typeof c.requests.list>[0]) => (await c.requests.list({ status: 'all', limit: 100, ...q }).toArray()).map((r) => r.request_id);
    const at = (hms: string) => new Date(`2024-01-15T${hms}Z`);
    expect(await ids({ start_date: at('10:00:29'), end_date: at('10:00:31') })).toEqual([rid]);
    // One second after it, not the start of that minute.
    expect(await ids({ start_date: at('10:00:31'), end_date: at('11:00:00') })).toEqual([]);
    // A single Date bound is sent in UTC too.
    expect(await ids({ start_date: at('10:00:31') })).not.toContain(rid);
    expect(await ids({ start_date: at('10:00:30') })).toContain(rid);
    expect(await ids({ end_date: at('10:00:29') })).not.toContain(rid);
    expect(await ids({ start_date: '15/01/2024 11:00:30', end_date: '15/01/2024 11:00:30', timezone: 'Europe/Rome' })).toEqual([rid]);
  });

  it('a filter or page size set by name wins over the same parameter in `extra` (requests, listMine, leads)', async () => {
    const c = client();
    const { request_id: rid } = await c.requests.create({ first_text: 'closed for extra' });
    await c.requests.close(rid);
    const closed = await c.requests.list({ status: RequestStatus.CLOSED, extra: { status: RequestStatus.UNASSIGNED } }).toArray();
    expect(closed.map((r) => r.request_id)).toContain(rid);
    expect(closed.every((r) => r.status === RequestStatus.CLOSED)).toBe(true);
    expect((await c.requests.list({ limit: 3, extra: { limit: 5 } })).perPage).toBe(3);
    expect((await c.leads.list({ limit: 3, extra: { limit: 5 } })).perPage).toBe(3);

    const { token } = await c.auth.signinAnonymously({ firstname: 'Extra' });
    const guest = c.withOptions({ auth: { token } });
    const mine = `support-group-${server.project.id}-${randomUUID().replaceAll('-', '')}`;
    await guest.messages.send(mine, { text: 'mine' });
    expect((await guest.requests.listMine({ status: 'all', extra: { status: RequestStatus.CLOSED } }).toArray()).map((r) => r.request_id)).toEqual([mine]);
    expect((await guest.requests.listMine({ limit: 3, extra: { limit: 5 } })).perPage).toBe(3);
  });

  it('what each call’s options send: merge_assigned, force, assign’s department, rating_message, a tag’s color', async () => {
    const c = client();
    expect(Object.keys(await c.requests.count({ merge_assigned: true })).sort()).toEqual(['assigned', 'unassigned']);
    expect(Object.keys(await c.requests.count()).sort()).toEqual(['assigned', 'bot_assigned', 'unassigned']);

    // A closed conversation is closed again only with `force` (closed_by is the new closer).
    const agent = client({ auth: { token: server.agent.token } });
    const { request_id: rid } = await c.requests.create({ first_text: 'force', participants: [server.agent.userId] });
    expect((await c.requests.close(rid)).closed_by).toBe(server.owner.userId);
    expect((await agent.requests.close(rid)).closed_by).toBe(server.owner.userId);
    expect((await agent.requests.close(rid, { force: true })).closed_by).toBe(server.agent.userId);

    // assign routes an unassigned conversation to the department given.
    const res = await fetch(`${server.url}/${server.project.id}/departments`, {
      method: 'POST', headers: { authorization: server.owner.token, 'content-type': 'application/json' }, body: JSON.stringify({ name: `Sales ${randomUUID()}` }),
    });
    const sales = (await res.json()) as { _id: string };
    const waiting = server.seed({ conversations: [{ first_text: 'waiting', status: RequestStatus.UNASSIGNED, participants: [] }] }).conversations[0]!.request_id;
    const assigned = await c.requests.assign(waiting, { departmentid: sales._id });
    expect(typeof assigned.department === 'object' ? assigned.department?._id : assigned.department).toBe(sales._id);

    const rated = await c.requests.rate(rid, { rating: 4, rating_message: 'Quick answer' });
    expect([rated.rating, rated.rating_message]).toEqual([4, 'Quick answer']);

    const tagged = await c.requests.tags.add(rid, ['plain', { tag: 'billing', color: '#43B1F2' }]);
    expect(tagged.tags?.map(({ tag, color }) => ({ tag, color }))).toEqual([{ tag: 'plain', color: undefined }, { tag: 'billing', color: '#43B1F2' }]);
  });

  it('member, tag and note arguments are checked before sending, naming the element', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ hooks: { onRequest: (e) => sent.push(e) } });
    const calls: [() => Promise<unknown>, string][] = [
      [() => c.requests.participants.set('r1', ['a', 42 as never]), 'members[1]'],
      [() => c.requests.followers.set('r1', ['']), 'members[0]'],
      [() => c.requests.participants.add('r1', ''), 'member'],
      [() => c.requests.followers.add('r1', 7 as never), 'member'],
      [() => c.requests.tags.add('r1', ['vip', '  ']), 'tags[1]'],
      [() => c.requests.tags.add('r1', [{ tag: '' }]), 'tags[0].tag'],
      [() => c.requests.tags.add('r1', [null as never]), 'tags[0]'],
      [() => c.requests.tags.add('r1', [['vip'] as never]), 'tags[0]'],
      // A null tag stored by PATCH makes the conversation's CSV export never answer again.
      [() => c.requests.update('r1', { tags: [null as never] }), 'fields.tags[0]'],
      [() => c.requests.update('r1', { tags: ['ok', { color: '#fff' } as never] }), 'fields.tags[1].tag'],
      [() => c.requests.update('r1', { tags: 'vip' as never }), 'fields.tags'],
      [() => c.requests.notes.add('r1', ''), 'text'],
    ];
    for (const [call, field] of calls) await expect(call()).rejects.toMatchObject({ name: 'ValidationError', field });
    expect(sent).toHaveLength(0);
  });
});

describe('pagination', () => {
  let local: Server;
  let c: TiledeskClient;
  const created: string[] = [];

  beforeAll(async () => {
    local = await startTiledeskServer({ port: 0 });
    c = new TiledeskClient({ baseUrl: local.url, projectId: local.project.id, auth: { token: local.owner.token } });
    for (let i = 0; i < 45; i++) created.push((await c.requests.create({ first_text: `p${i}` })).request_id);
  });
  afterAll(async () => {
    await c.close();
    await local.close();
  });

  it('await gives one page with the server’s perPage and count; for await walks every page', async () => {
    const first = await c.requests.list({ limit: 10 });
    expect(first.items).toHaveLength(10);
    expect(first.perPage).toBe(10);
    expect(first.count).toBe(45);
    expect(first.hasNextPage()).toBe(true);
    const second = await first.nextPage();
    expect(second.page).toBe(1);
    expect(second.items.map((r) => r.request_id)).not.toContain(first.items[0]!.request_id);

    const all: string[] = [];
    for await (const r of c.requests.list({ limit: 10 })) all.push(r.request_id);
    expect(all.sort()).toEqual([...created].sort());
  });

  it('a list call is a Promise to TypeScript: data-fetching libraries typed `() => T | Promise<T>` infer the page, not the PagePromise', async () => {
    // React Query's and SWR's fetchers are typed like this: without [Symbol.toStringTag] (and `catch`/`finally`) a
    // PagePromise is no Promise<T>, so T was inferred as the PagePromise itself, a type the awaited data never has.
    const useQuery = async <T,>(queryFn: () => T | Promise<T>): Promise<{ data: T }> => ({ data: await queryFn() });
    const { data } = await useQuery(() => c.requests.list({ limit: 3 }));
    expect(data.items).toHaveLength(3);
    const pending: Promise<Page<Request>> = c.requests.list({ limit: 1 });
    expect(Object.prototype.toString.call(pending)).toBe('[object PagePromise]');
    expect((await pending).items).toHaveLength(1);
  });

  it('follows the server’s perPage when it is not the limit asked for (limit > 100 becomes 40)', async () => {
    const pages: number[] = [];
    const probe = new TiledeskClient({
      baseUrl: local.url, projectId: local.project.id, auth: { token: local.owner.token },
      hooks: { onRequest: (e) => pages.push(Number(new URL(e.url).searchParams.get('page'))) },
    });
    const first = await probe.requests.list({ extra: { limit: 500 } });
    expect(first.perPage).toBe(40);
    const all = await probe.requests.list({ extra: { limit: 500 } }).toArray();
    expect(all).toHaveLength(45);
    expect(pages).toEqual([0, 0, 1]);
    await probe.close();
  });

  it('status filters and start page', async () => {
    await c.requests.close(created[0]!);
    const open = await c.requests.list({ status: [RequestStatus.UNASSIGNED, RequestStatus.ASSIGNED], limit: 100 });
    expect(open.items.map((r) => r.request_id)).not.toContain(created[0]);
    const closed = await c.requests.list({ status: RequestStatus.CLOSED }).toArray();
    expect(closed.map((r) => r.request_id)).toEqual([created[0]]);
    // A filter left unset no longer replaces the same parameter given in `extra` (it was sent without it: open ones).
    const viaExtra = await c.requests.list({ extra: { status: RequestStatus.CLOSED } }).toArray();
    expect(viaExtra.map((r) => r.request_id)).toEqual([created[0]]);
    const page4 = await c.requests.list({ limit: 10, page: 4 });
    expect(page4.page).toBe(4);
    expect(page4.hasNextPage()).toBe(false);
    // Past the last page: a typed error, as for any bad argument (it was a bare RangeError).
    const e = await page4.nextPage().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect(e).toMatchObject({ code: 'invalid_argument', field: 'page', message: 'page: has no next page' });
  });

  it('toArray stops at max', async () => {
    expect(await c.requests.list({ limit: 10 }).toArray(15)).toHaveLength(15);
    // NaN (a bad setting) read every page of the project.
    for (const max of [NaN, -1]) await expect(c.requests.list({ limit: 10 }).toArray(max)).rejects.toMatchObject({ name: 'ValidationError', field: 'max' });
  });

  /** Runs `body` with a client of a server of its own (a fresh project), closing both after. */
  async function withFreshProject(body: (client: TiledeskClient) => Promise<void>): Promise<void> {
    const fresh = await startTiledeskServer({ port: 0 });
    const client = new TiledeskClient({ baseUrl: fresh.url, projectId: fresh.project.id, auth: { token: fresh.owner.token } });
    try {
      await body(client);
    } finally {
      await client.close();
      await fresh.close();
    }
  }

  /** Creates `n` conversations, oldest first, and resolves to their ids. */
  async function createConversations(client: TiledeskClient, n: number, label: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await client.requests.create({ first_text: `${label} ${i}` })).request_id);
    return ids;
  }

  it('for await reads on when a full page of new conversations arrives meanwhile (every later item shifts a page down)', () =>
    withFreshProject(async (b) => {
      const before = await createConversations(b, 6, 'old');
      const seen: string[] = [];
      for await (const r of b.requests.list({ limit: 2 })) {
        // Newest first: two arrivals push the page just read into the next one, which then holds nothing new.
        if (seen.push(r.request_id) === 2) await createConversations(b, 2, 'new');
      }
      expect(seen.sort()).toEqual(before.sort());
    }));

  it('for await visits every conversation when the loop closes each one (every later item shifts back a place)', () =>
    withFreshProject(async (b) => {
      const open = await createConversations(b, 25, 'stale');
      const closed: string[] = [];
      for await (const r of b.requests.list({ limit: 4 })) {
        await b.requests.close(r.request_id);
        closed.push(r.request_id);
      }
      expect(closed.sort()).toEqual(open.sort()); // 13 of 25 before: each page read skipped the next one's worth
      expect((await b.requests.list({})).count).toBe(0);

      // Closed by someone else, after the page being read: nothing is skipped and the loop does not stop early.
      const later = await createConversations(b, 12, 'later');
      const seen: string[] = [];
      for await (const r of b.requests.list({ limit: 4 })) {
        if (seen.push(r.request_id) === 2) await b.requests.close(later[0]!); // the oldest, on the last page
      }
      expect(seen.sort()).toEqual(later.slice(1).sort());
      for (const id of later.slice(1)) await b.requests.close(id);

      // More left than a page holds: back two pages, both read already, and on to the rest.
      const more = await createConversations(b, 10, 'more');
      const read: string[] = [];
      for await (const r of b.requests.list({ limit: 2 })) {
        if (read.push(r.request_id) === 3) for (const id of more.slice(0, 4)) await b.requests.close(id); // the 4 oldest
      }
      expect(read.sort()).toEqual(more.slice(4).sort());
    }));

  it('for await visits every conversation when a single one leaves the list (later items shift back one place, less than a page)', () =>
    withFreshProject(async (b) => {
      const ids = await createConversations(b, 7, 'single');
      const seen: string[] = [];
      for await (const r of b.requests.list({ limit: 3 })) {
        // Closing the first one read moves the first item of the next page onto this one, already read.
        if (seen.push(r.request_id) === 1) await b.requests.close(r.request_id);
      }
      expect(seen.sort()).toEqual(ids.sort());
    }));

  it('for await from a start page never reads before it, even when more items leave than the pages read since hold', () =>
    withFreshProject(async (b) => {
      await createConversations(b, 10, 'from-page');
      const listed = (await b.requests.list({ limit: 10 })).items.map((r) => r.request_id);
      const seen: string[] = [];
      for await (const r of b.requests.list({ limit: 2, page: 1 })) {
        // The last four of the list (its last two pages) leave: going back two pages would land before page 1.
        if (seen.push(r.request_id) === 1) for (const id of listed.slice(6)) await b.requests.close(id);
      }
      expect(seen).toEqual(listed.slice(2, 6));
    }));

  it('nothing is sent until awaited; await and for await share the first page, and awaiting again sends nothing', async () => {
    const pages: number[] = [];
    const probe = new TiledeskClient({
      baseUrl: local.url, projectId: local.project.id, auth: { token: local.owner.token },
      hooks: { onRequest: (e) => pages.push(Number(new URL(e.url).searchParams.get('page'))) },
    });
    try {
      const list = probe.requests.list({ status: 'all', limit: 20 });
      expect(pages).toEqual([]);
      const first = await list;
      expect((await list).items).toEqual(first.items);
      expect(pages).toEqual([0]);
      expect(await list.toArray()).toHaveLength(45);
      expect(pages).toEqual([0, 1, 2]);
      // toArray(0) asks for nothing, and sends nothing.
      expect(await probe.requests.list({ status: 'all' }).toArray(0)).toEqual([]);
      expect(pages).toEqual([0, 1, 2]);
    } finally {
      await probe.close();
    }
  });

  it('for await from a start page reads that page and the ones after it, each once', async () => {
    const all = (await c.requests.list({ status: 'all', limit: 10 }).toArray()).map((r) => r.request_id);
    const tail = (await c.requests.list({ status: 'all', limit: 10, page: 2 }).toArray()).map((r) => r.request_id);
    expect(tail).toEqual(all.slice(20));
  });

  it('when the count is a multiple of the page size the last page has no next one; `limit=0` (everything in one page) has none either', async () => {
    const pages: number[] = [];
    const probe = new TiledeskClient({
      baseUrl: local.url, projectId: local.project.id, auth: { token: local.owner.token },
      hooks: { onRequest: (e) => pages.push(Number(new URL(e.url).searchParams.get('page'))) },
    });
    try {
      const last = await probe.requests.list({ status: 'all', limit: 15, page: 2 });
      expect([last.count, last.items.length, last.hasNextPage()]).toEqual([45, 15, false]);
      await expect(last.nextPage()).rejects.toMatchObject({ name: 'ValidationError', field: 'page' });
      pages.length = 0;
      expect(await probe.requests.list({ status: 'all', limit: 15 }).toArray()).toHaveLength(45);
      expect(pages).toEqual([0, 1, 2]);

      // The server reads limit=0 as no limit and answers perPage 0.
      pages.length = 0;
      const everything = await probe.requests.list({ status: 'all', extra: { limit: 0 } });
      expect([everything.perPage, everything.items.length, everything.hasNextPage()]).toEqual([0, 45, false]);
      expect(await probe.requests.list({ status: 'all', extra: { limit: 0 } }).toArray()).toHaveLength(45);
      expect(pages).toEqual([0, 0]);
    } finally {
      await probe.close();
    }
  });
});

describe('messages, leads, project users, projects, users', () => {
  it('send upserts a missing conversation; list and get read it back', async () => {
    const c = client();
    const rid = `support-group-${server.project.id}-${'c'.repeat(32)}`;
    const sent = await c.messages.send(rid, { text: 'first', attributes: { k: 'v' } });
    expect(sent.request?.request_id).toBe(rid);
    await c.messages.send(rid, { text: 'second' });
    expect((await c.messages.list(rid)).map((m) => m.text)).toEqual(['first', 'second']);
    expect((await c.messages.get(rid, sent._id)).attributes).toMatchObject({ k: 'v' });
    await expect(c.messages.send(rid, { text: '  ' })).rejects.toMatchObject({ field: 'text' });
  });

  it('send accepts messages made by the builders as they are, and the server stores their exact JSON', async () => {
    const c = client();
    const rid = `support-group-${server.project.id}-${randomUUID().replaceAll('-', '')}`;
    const quick = text('Pick one').quickReplies('Yes', 'No');
    const picture = image('https://example.com/a.png', { width: 200 }).withText('A picture');
    await c.messages.send(rid, quick); // no cast, no toJSON(): a frozen builder object is a valid body
    await c.messages.send(rid, picture);
    const stored = await c.messages.list(rid);
    expect(stored.map(({ text, type, attributes, metadata }) => ({ text, type, attributes, metadata }))).toEqual([
      { text: 'Pick one', type: 'text', attributes: quick.toJSON().attributes, metadata: undefined },
      { text: 'A picture', type: 'image', attributes: undefined, metadata: picture.toJSON().metadata },
    ]);
  });

  it('leads: create, get, update, list with for await', async () => {
    const c = client();
    const lead = await c.leads.create({ lead_id: 'crm-1', fullname: 'Ada', email: 'ada@example.com' });
    expect((await c.leads.get(lead._id)).fullname).toBe('Ada');
    expect((await c.leads.update(lead._id, { company: 'Engines' })).company).toBe('Engines');
    const ids: string[] = [];
    for await (const l of c.leads.list({ limit: 1 })) ids.push(l._id);
    expect(ids).toContain(lead._id);
  });

  it('leads.create refuses an object as lead_id, fullname or email before sending (the server never answers one)', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ timeout: 1_000, hooks: { onRequest: (e) => sent.push(e) } });
    for (const field of ['lead_id', 'fullname', 'email'] as const) {
      const error = await c.leads.create({ [field]: field === 'email' ? { $ne: '' } : ['Ada'] } as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field, message: expect.stringContaining('must be a string') });
    }
    expect(sent).toEqual([]);
    // Numbers are no objects: the server stores them as text.
    expect((await c.leads.create({ lead_id: `n-${randomUUID()}`, fullname: 42 } as never)).fullname).toBe('42');
  });

  it('leads: with_email / with_fullname false mean no filter (the server tests them for presence)', async () => {
    const c = client();
    const bare = await c.leads.create({ lead_id: `bare-${randomUUID()}` });
    const full = await c.leads.create({ lead_id: `full-${randomUUID()}`, fullname: 'Full', email: 'full@example.com' });
    const ids = async (q: Parameters<typeof c.leads.list>[0]) => (await c.leads.list(q).toArray()).map((l) => l._id);
    for (const flag of ['with_email', 'with_fullname'] as const) {
      expect(await ids({ [flag]: false })).toEqual(expect.arrayContaining([bare._id, full._id]));
      const filtered = await ids({ [flag]: true });
      expect(filtered).toContain(full._id);
      expect(filtered).not.toContain(bare._id);
    }
  });

  it('leads.list with an email drops with_email, which would replace the email filter on the server', async () => {
    const urls: string[] = [];
    const c = client({ hooks: { onRequest: (e) => urls.push(e.url) } });
    const email = `only-${randomUUID()}@example.com`;
    const lead = await c.leads.create({ lead_id: `only-${randomUUID()}`, email });
    await c.leads.create({ lead_id: `other-${randomUUID()}`, email: `other-${randomUUID()}@example.com` });
    urls.length = 0;
    const found = await c.leads.list({ email, with_email: true }).toArray();
    expect(found.map((l) => l._id)).toEqual([lead._id]);
    expect(urls[0]).not.toContain('with_email');
    expect(urls[0]).toContain(`email=${encodeURIComponent(email)}`);
  });

  it('a sort direction the server cannot read is refused before sending (leads.list never got an answer, requests.list a 500)', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ timeout: 1_000, maxRetries: 0, hooks: { onRequest: (e) => sent.push(e) } });
    const lists = [(q: never) => c.leads.list(q), (q: never) => c.requests.list(q), (q: never) => c.requests.listMine(q)];
    for (const list of lists) {
      for (const q of [{ direction: 'up' }, { direction: 0 }, { direction: '1,-1' }, { direction: ['1', '-1'] }, { extra: { direction: 'x' } }]) {
        const error = await list(q as never).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ field: 'direction' });
      }
    }
    expect(sent).toEqual([]);
    // What mongoose reads (any case): sent as it is.
    for (const direction of [1, -1, '1', 'asc', 'DESC', 'ascending', 'Descending']) {
      expect((await c.leads.list({ direction } as never)).items).toBeInstanceOf(Array);
      expect((await c.requests.list({ direction } as never)).items).toBeInstanceOf(Array);
    }
    expect(sent).toHaveLength(14);
  });

  it('project users: a role list is sent as repeated parameters and matches any of them', async () => {
    const urls: string[] = [];
    const c = client({ hooks: { onRequest: (e) => urls.push(e.url) } });
    const both = await c.projectUsers.list({ role: ['owner', 'agent'] });
    expect(urls[0]).toMatch(/\?role=owner&role=agent$/);
    expect(both.map((p) => p._id)).toEqual(expect.arrayContaining([server.owner.projectUserId, server.agent.projectUserId]));
    expect(new Set(both.map((p) => p.role))).toEqual(new Set(['owner', 'agent']));
    const agents = await c.projectUsers.list({ role: ['agent'] });
    expect(agents.map((p) => p._id)).toContain(server.agent.projectUserId);
    expect(agents.every((p) => p.role === 'agent')).toBe(true);
    // No role at all sends no `role` parameter, which lists every member: refused rather than read as "any role".
    await expect(c.projectUsers.list({ role: [] })).rejects.toMatchObject({ name: 'ValidationError', field: 'role' });
    expect(urls).toHaveLength(2);
  });

  it('project users: list, me, get, getByUserId, availability', async () => {
    const c = client({ auth: { token: server.agent.token } });
    const me = await c.projectUsers.me();
    expect(me._id).toBe(server.agent.projectUserId);
    expect((await c.projectUsers.list()).map((p) => p._id)).toEqual(expect.arrayContaining([server.owner.projectUserId, server.agent.projectUserId]));
    expect((await c.projectUsers.get(server.owner.projectUserId))._id).toBe(server.owner.projectUserId);
    expect((await c.projectUsers.getByUserId(server.owner.userId))._id).toBe(server.owner.projectUserId);
    expect((await c.projectUsers.setAvailability(false, 'busy')).user_available).toBe(false);
    expect((await c.projectUsers.updateMe({ user_available: true })).user_available).toBe(true);
  });

  it('projects and the current user', async () => {
    const c = client();
    const memberships = await c.projects.list();
    expect(memberships.map((m) => (typeof m.id_project === 'string' ? m.id_project : m.id_project._id))).toContain(server.project.id);
    expect((await c.projects.get()).name).toBe(server.project.name);
    const created = await c.projects.create({ name: 'Second' });
    expect(created.name).toBe('Second');
    expect((await c.users.update({ lastname: 'Renamed' })).lastname).toBe('Renamed');
    expect((await c.users.me()).lastname).toBe('Renamed');
  });
});

describe('arguments and options of the other resources', () => {
  it('messages.list keeps the server’s order unless asked; equal clienttimestamps go by import_index, and one without keeps its place', async () => {
    const c = client();
    const rid = `support-group-${server.project.id}-${randomUUID().replaceAll('-', '')}`;
    const send = (text: string, attributes: Record<string, unknown>) => c.messages.send(rid, { text, attributes });
    await send('a', { clienttimestamp: 2_000 });
    await send('b', { clienttimestamp: 1_000 });
    await send('c', { clienttimestamp: 3_000, import_index: 1 });
    await send('d', { clienttimestamp: 3_000, import_index: 0 });
    await send('e', { clienttimestamp: 3_000 });
    expect((await c.messages.list(rid)).map((m) => m.text)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await c.messages.list(rid, { order: 'server' })).map((m) => m.text)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await c.messages.list(rid, { order: 'clienttimestamp' })).map((m) => m.text)).toEqual(['b', 'a', 'd', 'c', 'e']);
  });

  it('leads.list takes a page size above 100 (the leads route has no cap)', async () => {
    const page = await client().leads.list({ limit: 150 });
    expect(page.perPage).toBe(150);
  });

  it('setAvailability sends the profile status and refuses a non-boolean before sending', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ auth: { token: server.agent.token }, hooks: { onRequest: (e) => sent.push(e) } });
    await expect(c.projectUsers.setAvailability('no' as never)).rejects.toMatchObject({ name: 'ValidationError', field: 'available' });
    expect(sent).toHaveLength(0);
    const busy = await c.projectUsers.setAvailability(false, 'busy');
    expect([busy.user_available, busy.profileStatus]).toEqual([false, 'busy']);
    await c.projectUsers.setAvailability(true, 'available');
  });

  it('projects.get and signinAnonymously read the call’s projectId option', async () => {
    const c = client();
    const other = await c.projects.create({ name: 'Other' });
    expect((await c.projects.get(undefined, { projectId: other._id }))._id).toBe(other._id);
    const { user } = await c.auth.signinAnonymously({ firstname: 'Elsewhere' }, { projectId: other._id });
    // The visitor is a member of the other project only.
    expect((await c.projectUsers.getByUserId(user._id, { projectId: other._id })).role).toBe('guest');
    await expect(c.projectUsers.getByUserId(user._id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('signinWithCustomToken sends projectId: a token with a generic audience joins that project', async () => {
    const c = client();
    // With an e-mail: the server lets a caller without one into any project (an ADMIN_EMAIL check), which would hide it.
    const generic = server.signJwt({ _id: `ext-${randomUUID()}`, firstname: 'Gen', email: 'generic@example.com', sub: 'userexternal', aud: 'https://tiledesk.com' });
    const { token } = await c.auth.signinWithCustomToken({ token: generic, projectId: server.project.id });
    const external = c.withOptions({ auth: { token } });
    expect((await external.requests.listMine()).items).toEqual([]);
  });

  it('sign-in, sign-up, project and configuration arguments are refused before sending, naming the field', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ projectId: undefined, hooks: { onRequest: (e) => sent.push(e) } });
    await expect(c.auth.signin({ email: server.owner.email, password: '' })).rejects.toMatchObject({ name: 'ValidationError', field: 'password' });
    await expect(c.auth.signinAnonymously()).rejects.toMatchObject({ name: 'ValidationError', field: 'projectId' });
    for (const f of ['email', 'password', 'firstname', 'lastname'] as const) {
      const params = { email: 'new@example.com', password: 'Passw0rd!', firstname: 'New', lastname: 'User', [f]: ' ' };
      await expect(c.auth.signup(params)).rejects.toMatchObject({ name: 'ValidationError', field: f });
    }
    await expect(c.projects.create({ name: '' })).rejects.toMatchObject({ name: 'ValidationError', field: 'name' });
    await expect(c.projects.create(null as never)).rejects.toMatchObject({ name: 'ValidationError', field: 'name' });
    expect(sent).toHaveLength(0);

    const refused = (options: object) => { try { new TiledeskClient({ baseUrl: server.url, ...options }); } catch (x) { return x; } return undefined; };
    expect(refused({ projectId: '' })).toMatchObject({ name: 'ValidationError', field: 'projectId' });
    expect(refused({ projectId: 42 })).toMatchObject({ name: 'ValidationError', field: 'projectId' });
    for (const field of ['timeout', 'maxRetries', 'maxRetryAfterMs']) {
      for (const value of [-1, NaN, '5']) expect(refused({ [field]: value }), `${field} ${String(value)}`).toMatchObject({ name: 'ValidationError', field });
    }
    // NaN or negative backoff settings would make every retry immediate: a retry storm.
    for (const [option, key] of [['retryDelay', 'baseDelayMs'], ['retryDelay', 'maxDelayMs'], ['retryBudget', 'capacity'], ['retryBudget', 'refillPerSecond']]) {
      for (const value of [-1, NaN, '5']) {
        expect(refused({ [option!]: { [key!]: value } }), `${option}.${key} ${String(value)}`).toMatchObject({ name: 'ValidationError', field: `${option}.${key}` });
      }
      expect(refused({ [option!]: { [key!]: 0 } })).toBeUndefined();
    }
  });
});

describe('what the real server ignores, misreads or answers oddly (rest-hunt)', () => {
  const ZERO_ID = '0123456789abcdef01234567';

  it('notes on a missing conversation reject with a NotFoundError: the server answers `null` with a 200', async () => {
    // With and without response validation: `null` was resolved as a Request (and failed the schema when validated).
    for (const c of [client(), client({ responseSchemas: undefined })]) {
      const missing = `support-group-${server.project.id}-${randomUUID().replaceAll('-', '')}`;
      await expect(c.requests.notes.add(missing, 'lost')).rejects.toMatchObject({ name: 'NotFoundError', status: 404, code: 'not_found' });
      await expect(c.requests.notes.remove(missing, ZERO_ID)).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it('a tag, note, message, lead, project user or follower id that is not an _id is refused before sending', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ hooks: { onRequest: (e) => sent.push(e) } });
    const { request_id: rid } = await c.requests.create({ first_text: 'ids' });
    sent.length = 0;
    // A tag's name for its `_id` was a 500, retried twice; a follower that is no project_user `_id` got no answer.
    const calls: [() => Promise<unknown>, string][] = [
      [() => c.requests.tags.remove(rid, 'vip'), 'tagId'],
      [() => c.requests.notes.remove(rid, 'note-1'), 'noteId'],
      [() => c.messages.get(rid, 'm1'), 'messageId'],
      [() => c.leads.get('crm-42'), 'leadId'],
      [() => c.leads.update('crm-42', { company: 'Engines' }), 'leadId'],
      [() => c.projectUsers.get(`${ZERO_ID}0`), 'projectUserId'],
      [() => c.requests.followers.add(rid, 'agent@example.com'), 'member'],
      [() => c.requests.followers.set(rid, [server.agent.projectUserId, 'agent']), 'members[1]'],
      [() => c.requests.followers.remove(rid, 'agent'), 'member'],
    ];
    for (const [call, field] of calls) {
      await expect(call()).rejects.toMatchObject({ name: 'ValidationError', field, message: `${field}: must be an _id (24 hex digits)` });
    }
    expect(sent).toHaveLength(0);
    // Participants are any string (guest uuids, `bot_…`): sent as they are.
    await c.requests.participants.remove(rid, `bot_${randomUUID()}`).catch(() => undefined);
    expect(sent.map((e) => e.method)).toEqual(['DELETE']);
    // Upper-case hex is an _id too: sent, and not found.
    await expect(c.messages.get(rid, ZERO_ID.toUpperCase())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('leads.create saves phone, company, note and the rest, which the server’s create drops', async () => {
    const urls: string[] = [];
    const c = client({ hooks: { onRequest: (e) => urls.push(`${e.method} ${e.url}`) } });
    const lead = await c.leads.create({ lead_id: `crm-${randomUUID()}`, fullname: 'Ada', email: 'ada@example.com', phone: '+44 20 7946 0000', company: 'Engines', note: 'VIP', attributes: { tier: 1 } });
    expect(lead).toMatchObject({ fullname: 'Ada', email: 'ada@example.com', phone: '+44 20 7946 0000', company: 'Engines', note: 'VIP', attributes: { tier: 1 } });
    expect(await c.leads.get(lead._id)).toMatchObject({ phone: '+44 20 7946 0000', company: 'Engines', note: 'VIP' });
    expect(urls.map((u) => u.split(' ')[0])).toEqual(['POST', 'PUT', 'GET']);
    // Only what the create saves: one call.
    urls.length = 0;
    await c.leads.create({ lead_id: `crm-${randomUUID()}`, fullname: 'Bob', attributes: { tier: 2 } });
    expect(urls).toHaveLength(1);
  });

  it('requests.update refuses an empty value the server would skip with a 200 (a field cannot be cleared)', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ hooks: { onRequest: (e) => sent.push(e) } });
    const { request_id: rid } = await c.requests.create({ first_text: 'to clear', subject: 'Kept' });
    sent.length = 0;
    for (const [field, value] of [['subject', ''], ['priority', ''], ['rating', 0], ['first_text', ''], ['lead', null]] as const) {
      await expect(c.requests.update(rid, { [field]: value })).rejects.toMatchObject({ name: 'ValidationError', field: `fields.${field}` });
    }
    expect(sent).toHaveLength(0);
    // These two the server does set when falsy.
    const updated = await c.requests.update(rid, { smartAssignment: false, workingStatus: '' });
    expect([updated.smartAssignment, updated.workingStatus, updated.subject]).toEqual([false, '', 'Kept']);
  });

  it('messages.send checks each field’s type as import does (a channel string was a 500, an object text got no answer)', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ hooks: { onRequest: (e) => sent.push(e) } });
    const rid = `support-group-${server.project.id}-${randomUUID().replaceAll('-', '')}`;
    const calls: [object, string][] = [
      [{ text: 'hi', channel: 'whatsapp' }, 'channel'],
      [{ text: 'hi', attributes: 'x' }, 'attributes'],
      [{ text: 'hi', status: 'sent' }, 'status'],
      [{ type: 'image', text: { a: 1 }, metadata: { src: 'https://example.com/a.png' } }, 'text'],
      [{ text: 'hi', sender: { id: 1 } }, 'sender'],
      [{ text: 'hi', channel: {} }, 'channel.name'],
    ];
    for (const [message, field] of calls) await expect(c.messages.send(rid, message as never)).rejects.toMatchObject({ name: 'ValidationError', field, index: undefined });
    expect(sent).toHaveLength(0);
    expect((await c.messages.send(rid, { text: 'hi', channel: { name: 'chat21' }, status: 100 })).text).toBe('hi');
  });

  it('messages.send refuses participants or followers that are no array (one id as a string: the server never answered)', async () => {
    const sent: RequestEvent[] = [];
    const c = client({ timeout: 1_000, maxRetries: 0, hooks: { onRequest: (e) => sent.push(e) } });
    const rid = `support-group-${server.project.id}-${randomUUID().replaceAll('-', '')}`;
    for (const field of ['participants', 'followers']) {
      for (const value of [server.agent.userId, 'x', { 0: 'x' }, 1]) {
        await expect(c.messages.send(rid, { text: 'hi', [field]: value } as never)).rejects.toMatchObject({ name: 'ValidationError', field, message: `${field}: must be an array` });
      }
    }
    expect(sent).toHaveLength(0);
    const created = await c.messages.send(rid, { text: 'hi', participants: [server.agent.userId] });
    expect(created.request?.participants).toEqual([server.agent.userId]);
  });
});
