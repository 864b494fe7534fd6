/**
 * The request core under faults, over real sockets: the local server's fault controls (503 bursts, 429 with
 * Retry-After, resets, hanging routes, HTML pages, malformed JSON) and a raw node:http server for what it cannot do
 * (a body that trickles in after the headers, a connection cut mid-body).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  ConnectionError,
  ImportChunkError,
  InternalServerError,
  InvalidResponseError,
  NotFoundError,
  RateLimitError,
  TiledeskClient,
  TimeoutError,
  TokenProviderError,
  type ErrorEvent,
  type RetryEvent,
  type TiledeskClientOptions,
} from '../../src/index.js';
import { refusedPort } from '../helpers/net.js';
import { raceSignal } from '../../src/shared/abort.js';
import { startTiledeskServer } from '../../src/testing/index.js';

let server: Awaited<ReturnType<typeof startTiledeskServer>>;
const open: TiledeskClient[] = [];

beforeAll(async () => {
  server = await startTiledeskServer({ port: 0 });
});
afterEach(async () => {
  server.faults.clear();
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await server.close();
});

function client(options: Partial<TiledeskClientOptions> = {}): { c: TiledeskClient; attempts: () => number; retries: RetryEvent[] } {
  let attempts = 0;
  const retries: RetryEvent[] = [];
  const c = new TiledeskClient({
    baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token },
    retryDelay: { baseDelayMs: 1, maxDelayMs: 10 },
    hooks: { onRequest: () => { attempts++; }, onRetry: (e) => { retries.push(e); } },
    ...options,
  });
  open.push(c);
  return { c, attempts: () => attempts, retries };
}

const requestsPath = () => `/${server.project.id}/requests`;

describe('retries', () => {
  it('a 503 burst on a GET is retried until it succeeds', async () => {
    const { c, attempts, retries } = client();
    server.faults.route({ method: 'GET', path: requestsPath(), status: 503, times: 2 });
    const page = await c.requests.list();
    expect(page.items).toBeInstanceOf(Array);
    expect(attempts()).toBe(3);
    expect(retries.map((r) => r.error.status)).toEqual([503, 503]);
  });

  it('gives up after maxRetries with the last error and the attempt count', async () => {
    const { c, attempts } = client({ maxRetries: 1 });
    server.faults.route({ method: 'GET', path: requestsPath(), status: 500, body: { success: false, msg: 'Error getting requests.' } });
    const e = await c.requests.list().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InternalServerError);
    expect((e as InternalServerError).serverMessage).toBe('Error getting requests.');
    expect((e as InternalServerError).attempts).toBe(2);
    expect(attempts()).toBe(2);
  });

  it('does not retry a POST that may have been processed (500, reset)', async () => {
    const { c, attempts } = client();
    server.faults.route({ method: 'POST', path: requestsPath(), status: 500, after: true, times: 1 });
    await expect(c.requests.create({ first_text: 'once' })).rejects.toBeInstanceOf(InternalServerError);
    expect(attempts()).toBe(1);
    // The server did create it: a retry would have made a duplicate.
    const all = await c.requests.list({ limit: 100 }).toArray();
    expect(all.filter((r) => r.first_text === 'once')).toHaveLength(1);

    server.faults.route({ method: 'POST', path: requestsPath(), reset: true, times: 1 });
    await expect(c.requests.create({ first_text: 'reset' })).rejects.toBeInstanceOf(ConnectionError);
    expect(attempts()).toBe(3);
  });

  it('retries a GET after a connection reset', async () => {
    const { c, attempts } = client();
    server.faults.route({ method: 'GET', path: requestsPath(), reset: true, times: 1 });
    await c.requests.list();
    expect(attempts()).toBe(2);
  });

  it('429 is retried even on POST (the server refused it), honouring Retry-After', async () => {
    const { c, attempts, retries } = client();
    server.faults.route({ method: 'POST', path: requestsPath(), status: 429, headers: { 'Retry-After': '0' }, times: 1 });
    expect((await c.requests.create({ first_text: 'after 429' })).first_text).toBe('after 429');
    expect(attempts()).toBe(2);
    expect(retries[0]!.delayMs).toBe(0);
  });

  it('a 408 (the server gave up waiting for the request) is retried on a GET, not on a POST', async () => {
    const { c, attempts, retries } = client();
    server.faults.route({ method: 'GET', path: requestsPath(), status: 408, times: 1 });
    expect((await c.requests.list()).items).toBeInstanceOf(Array);
    expect(attempts()).toBe(2);
    expect(retries.map((r) => r.error.status)).toEqual([408]);

    server.faults.route({ method: 'POST', path: requestsPath(), status: 408, times: 1 });
    await expect(c.requests.create({ first_text: 'after 408' })).rejects.toMatchObject({ status: 408 });
    expect(attempts()).toBe(3);
  });

  it('honours retry-after-ms over Retry-After', async () => {
    const { c, retries } = client();
    server.faults.route({ method: 'GET', path: requestsPath(), status: 429, headers: { 'retry-after-ms': '30', 'Retry-After': '50' }, times: 1 });
    await c.requests.list();
    expect(retries.map((r) => r.delayMs)).toEqual([30]);
  });

  it('retry-after-ms: 0 means at once, even next to a Retry-After longer than maxRetryAfterMs', async () => {
    const { c, attempts, retries } = client();
    server.faults.route({ method: 'GET', path: requestsPath(), status: 429, headers: { 'retry-after-ms': '0', 'Retry-After': '120' }, times: 1 });
    expect((await c.requests.list()).items).toBeInstanceOf(Array);
    expect(attempts()).toBe(2);
    expect(retries.map((r) => r.delayMs)).toEqual([0]);
  });

  it('an empty retry-after-ms is ignored, not read as 0: Retry-After still applies', async () => {
    const { c, attempts } = client({ maxRetryAfterMs: 1_000 });
    server.faults.route({ method: 'GET', path: requestsPath(), status: 429, headers: { 'retry-after-ms': '', 'Retry-After': '5' } });
    const e = await c.requests.list().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RateLimitError);
    expect((e as RateLimitError).retryAfterMs).toBe(5_000);
    expect(attempts()).toBe(1); // 5 s is over maxRetryAfterMs: no retry
  });

  it('a Retry-After date in the past means now; an unreadable one is no hint (the backoff applies)', async () => {
    for (const [retryAfter, expected] of [[new Date(Date.now() - 60_000).toUTCString(), 0], ['soon', undefined]] as const) {
      const { c, attempts } = client({ maxRetries: 0 });
      server.faults.route({ method: 'GET', path: requestsPath(), status: 429, headers: { 'Retry-After': retryAfter }, times: 1 });
      const e = await c.requests.list().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RateLimitError);
      expect((e as RateLimitError).retryAfterMs).toBe(expected);
      expect(attempts()).toBe(1);
    }
  });

  it('a Retry-After longer than maxRetryAfterMs fails at once with retryAfterMs', async () => {
    const { c, attempts } = client({ maxRetryAfterMs: 1_000 });
    server.faults.route({ method: 'GET', path: requestsPath(), status: 429, headers: { 'Retry-After': '120' } });
    const e = await c.requests.list().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RateLimitError);
    expect((e as RateLimitError).retryAfterMs).toBe(120_000);
    expect(attempts()).toBe(1);
  });

  it('a Retry-After of exactly maxRetryAfterMs is obeyed: the limit is a maximum, not a bound never reached', async () => {
    // As with the defaults and `Retry-After: 60` (60 000 ms, the default maxRetryAfterMs).
    const { c, attempts, retries } = client({ maxRetryAfterMs: 30 });
    server.faults.route({ method: 'GET', path: requestsPath(), status: 429, headers: { 'retry-after-ms': '30' }, times: 1 });
    expect((await c.requests.list()).items).toBeInstanceOf(Array);
    expect(attempts()).toBe(2);
    expect(retries.map((r) => r.delayMs)).toEqual([30]);
  });

  it('the client-wide retry budget stops a storm from multiplying load', async () => {
    const { c, attempts } = client({ retryBudget: { capacity: 2, refillPerSecond: 0 }, maxRetries: 5 });
    server.faults.route({ method: 'GET', path: requestsPath(), status: 503 });
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => c.requests.list()));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    // 4 first attempts + the 2 retries the budget allowed, instead of 4 × 6.
    expect(attempts()).toBe(6);
  });

  it('maxRetries per call overrides the client', async () => {
    const { c, attempts } = client();
    server.faults.route({ method: 'GET', path: requestsPath(), status: 503 });
    await expect(c.requests.list({}, { maxRetries: 0 })).rejects.toBeInstanceOf(InternalServerError);
    expect(attempts()).toBe(1);
  });
  it('calls that may have been processed are not retried after a 500 (each would add or route again); an idempotent one is', async () => {
    const { c, attempts } = client();
    const { request_id: rid } = await c.requests.create({ first_text: 'not retried', participants: [server.owner.userId] });
    const path = `${requestsPath()}/${rid}`;
    const calls: [string, string, () => Promise<unknown>][] = [
      ['POST', `${path}/messages`, () => c.messages.send(rid, { text: 'once' })],
      ['POST', `${path}/notes`, () => c.requests.notes.add(rid, 'once')],
      ['POST', `${path}/participants`, () => c.requests.participants.add(rid, server.agent.userId)],
      ['POST', `${path}/followers`, () => c.requests.followers.add(rid, server.agent.projectUserId)],
      ['PUT', `${path}/departments`, () => c.requests.changeDepartment(rid, {})],
      ['POST', `/${server.project.id}/leads`, () => c.leads.create({ fullname: 'Once' })],
      ['POST', '/projects', () => c.projects.create({ name: 'Once' })],
      ['POST', '/auth/signinAnonymously', () => c.auth.signinAnonymously({ firstname: 'Once' })],
      ['POST', '/auth/signup', () => c.auth.signup({ email: `once-${rid.slice(-12)}@example.com`, password: 'Passw0rd!', firstname: 'O', lastname: 'N' })],
    ];
    for (const [method, p, call] of calls) {
      server.faults.route({ method, path: p, status: 500, after: true, times: 1 });
      const before = attempts();
      await expect(call(), `${method} ${p}`).rejects.toBeInstanceOf(InternalServerError);
      expect(attempts() - before, `${method} ${p}`).toBe(1);
    }
    // The server did save what it was sent, once.
    expect((await c.messages.list(rid)).filter((m) => m.text === 'once')).toHaveLength(1);
    expect((await c.requests.get(rid)).notes?.filter((n) => n.text === 'once')).toHaveLength(1);
    // The same fault on an idempotent call is retried.
    server.faults.route({ method: 'PUT', path: `${path}/tag`, status: 500, after: true, times: 1 });
    const before = attempts();
    await c.requests.tags.add(rid, ['again']);
    expect(attempts() - before).toBe(2);
  });

  it('retryBudget: false lets every call make all its retries (the default budget would stop at 10)', async () => {
    const { c, attempts } = client({ retryBudget: false, maxRetries: 12 });
    server.faults.route({ method: 'GET', path: requestsPath(), status: 503, times: 12 });
    await c.requests.list();
    expect(attempts()).toBe(13);
  });

  it('the retry budget holds at most `capacity` tokens and refills at `refillPerSecond` from the last one taken', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const later = (ms: number) => vi.setSystemTime(Date.now() + ms);
      server.faults.route({ method: 'GET', path: requestsPath(), status: 503 });
      const { c, attempts } = client({ retryBudget: { capacity: 1, refillPerSecond: 1 }, maxRetries: 5 });
      const tries = async () => { const before = attempts(); await expect(c.requests.list()).rejects.toBeInstanceOf(InternalServerError); return attempts() - before; };
      expect(await tries()).toBe(2); // the one token
      later(60_000);
      expect(await tries()).toBe(2); // a minute refills one token, not 60
      later(500);
      expect(await tries()).toBe(1); // half a token is no retry
      expect(await tries()).toBe(1); // and no time has passed since
      later(500);
      expect(await tries()).toBe(2);

      const still = client({ retryBudget: { capacity: 1, refillPerSecond: 0 }, maxRetries: 5 });
      await expect(still.c.requests.list()).rejects.toBeInstanceOf(InternalServerError);
      later(60_000);
      await expect(still.c.requests.list()).rejects.toBeInstanceOf(InternalServerError);
      expect(still.attempts()).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('timeouts and aborts', () => {
  it('a hanging route times out with TimeoutError (idempotent calls are retried first)', async () => {
    const { c, attempts } = client({ timeout: 100, maxRetries: 1 });
    server.faults.route({ method: 'GET', path: requestsPath(), hang: true });
    const e = await c.requests.list().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect((e as TimeoutError).timeoutMs).toBe(100);
    expect(attempts()).toBe(2);
  });

  it('a POST that times out is not retried', async () => {
    const { c, attempts } = client({ timeout: 100 });
    server.faults.route({ method: 'POST', path: requestsPath(), hang: true });
    await expect(c.requests.create({ first_text: 'x' }, { timeout: 80 })).rejects.toBeInstanceOf(TimeoutError);
    expect(attempts()).toBe(1);
  });

  it('the caller’s signal aborts in flight and during the wait before a retry, and its listeners are removed', async () => {
    const { c } = client({ retryDelay: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const { signal } = controller;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...a: Parameters<typeof add>) => { added++; add(...a); }) as typeof add;
    signal.removeEventListener = ((...a: Parameters<typeof remove>) => { removed++; remove(...a); }) as typeof remove;

    // Completed calls leave nothing behind on a long-lived signal.
    for (let i = 0; i < 5; i++) await c.requests.count({}, { signal });
    expect(added).toBeGreaterThan(0);
    expect(removed).toBe(added);

    server.faults.route({ method: 'GET', path: requestsPath(), status: 503 });
    const pending = c.requests.list({}, { signal });
    setTimeout(() => controller.abort(), 50);
    const e = await pending.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AbortError);
  });

  it('a call aborted while its request is in flight is an AbortError at once: a POST is no ConnectionError, a GET is not retried', async () => {
    for (const method of ['POST', 'GET'] as const) {
      const { c, attempts, retries } = client();
      server.faults.route({ method, path: requestsPath(), hang: true });
      const controller = new AbortController();
      const { signal } = controller;
      const call = method === 'POST' ? c.requests.create({ first_text: 'aborted' }, { signal }) : c.requests.list({}, { signal });
      setTimeout(() => controller.abort(), 50);
      const e = await Promise.resolve(call).catch((x: unknown) => x);
      expect(e, method).toBeInstanceOf(AbortError);
      expect(attempts(), method).toBe(1);
      expect(retries, method).toEqual([]);
      server.faults.clear();
    }
  });

  it('onError reports every failed call, those ended while waiting to retry or for a token included', async () => {
    const failures: string[] = [];
    const onError = (e: { error: { name: string } }) => void failures.push(e.error.name);
    const { c } = client({ retryDelay: { baseDelayMs: 60_000, maxDelayMs: 60_000 }, hooks: { onError } });
    server.faults.route({ method: 'GET', path: requestsPath(), status: 503 });
    await expect(c.requests.list({}, { signal: AbortSignal.timeout(50) })).rejects.toBeInstanceOf(AbortError);
    const { c: waiting } = client({ timeout: 50, auth: { tokenProvider: () => new Promise<string>(() => undefined) }, hooks: { onError } });
    await expect(waiting.users.me()).rejects.toBeInstanceOf(TimeoutError);
    await expect(waiting.users.me({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(failures).toEqual(['AbortError', 'TimeoutError', 'AbortError']);
  });

  it('a token provider that never settles times out like a slow request (client or per-call timeout)', async () => {
    const { c, attempts } = client({ timeout: 100, auth: { tokenProvider: () => new Promise<string>(() => undefined) } });
    const e = await c.users.me().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e).toMatchObject({ code: 'timeout', timeoutMs: 100, method: 'GET', path: '/users' });
    await expect(c.requests.count({}, { timeout: 30 })).rejects.toMatchObject({ name: 'TimeoutError', timeoutMs: 30 });
    expect(attempts()).toBe(0);
  });

  it('a token fetch that hangs is given up after the timeout: the next call asks again', async () => {
    const signals: AbortSignal[] = [];
    const { c } = client({
      timeout: 100,
      // The first fetch never settles (an identity provider that does not answer); later ones work.
      auth: { tokenProvider: ({ signal }) => (signals.push(signal) === 1 ? new Promise<string>(() => undefined) : server.owner.token) },
    });
    await expect(c.users.me()).rejects.toBeInstanceOf(TimeoutError);
    expect((await c.users.me()).email).toBe(server.owner.email);
    expect(signals).toHaveLength(2);

    // The same for the fetch after a 401.
    const stale = server.signJwt({ _id: server.owner.userId, sub: 'user' }, 'not-the-server-secret');
    const reasons: string[] = [];
    const { c: refreshing } = client({
      timeout: 100,
      auth: { tokenProvider: ({ reason }) => (reasons.push(reason) === 1 ? stale : reasons.length === 2 ? new Promise<string>(() => undefined) : server.owner.token) },
    });
    await expect(refreshing.users.me()).rejects.toBeInstanceOf(TimeoutError);
    expect((await refreshing.users.me()).email).toBe(server.owner.email);
    expect(reasons).toEqual(['initial', 'unauthorized', 'initial']);
  });

  it('a given-up token fetch that fails late does not end the newer fetch other calls share', async () => {
    const fetches: Array<{ resolve: (token: string) => void; reject: (e: Error) => void }> = [];
    const { c } = client({ timeout: 100, auth: { tokenProvider: () => new Promise<string>((resolve, reject) => void fetches.push({ resolve, reject })) } });
    await expect(c.users.me()).rejects.toBeInstanceOf(TimeoutError); // the first fetch, given up
    const second = c.users.me({ timeout: 10_000 }); // asks again
    while (fetches.length < 2) await new Promise((r) => setTimeout(r, 1));
    fetches[0]!.reject(new Error('the identity provider answered at last: no'));
    await new Promise((r) => setTimeout(r, 10));
    const third = c.users.me({ timeout: 10_000 }); // shares the second fetch
    await new Promise((r) => setTimeout(r, 10));
    expect(fetches).toHaveLength(2);
    for (const f of fetches.slice(1)) f.resolve(server.owner.token);
    expect((await second).email).toBe(server.owner.email);
    expect((await third).email).toBe(server.owner.email);
  });

  it('a timeout or a Retry-After beyond what a timer holds (2^31 ms) is waited for, not cut to 1 ms', async () => {
    // `timeout: Number.MAX_SAFE_INTEGER` timed every call out at once.
    const { c } = client({ timeout: Number.MAX_SAFE_INTEGER });
    expect(await c.requests.count()).toHaveProperty('unassigned');
    // A 30-day Retry-After that the client was told to obey was retried after 1 ms, three times in a row.
    const { c: obeying, attempts } = client({ maxRetryAfterMs: Infinity });
    server.faults.route({ method: 'GET', path: requestsPath(), status: 429, headers: { 'retry-after': String(30 * 86_400) } });
    await expect(obeying.requests.list({}, { signal: AbortSignal.timeout(200) })).rejects.toBeInstanceOf(AbortError);
    expect(attempts()).toBe(1);
  });

  it('an already aborted signal sends nothing: no attempt, and the error says so', async () => {
    const { c, attempts } = client();
    const error = await c.requests.count({}, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).attempts).toBe(0);
    expect(attempts()).toBe(0);
  });
  it('a completed call leaves no listener on the caller’s signal, even after waiting to retry', async () => {
    const { c, attempts } = client();
    const { signal } = new AbortController();
    const listeners = countListeners(signal);
    server.faults.route({ method: 'GET', path: requestsPath(), status: 503, times: 2 });
    await c.requests.list({}, { signal });
    expect(attempts()).toBe(3);
    expect(listeners.added).toBeGreaterThan(0);
    expect(listeners.removed).toBe(listeners.added);
  });

  it('a signal aborted while a retry is being scheduled (in onRetry) ends the call at once, without waiting out the delay', async () => {
    const controller = new AbortController();
    let sent = 0;
    const { c } = client({ retryDelay: { baseDelayMs: 600_000, maxDelayMs: 600_000 }, hooks: { onRequest: () => void sent++, onRetry: () => controller.abort() } });
    server.faults.route({ method: 'GET', path: requestsPath(), status: 503, times: 1 });
    await expect(c.requests.list({}, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(sent).toBe(1);
  });

  it('timeout: 0 means no timeout, and a finished call leaves no timer behind', async () => {
    expect(typeof (await client({ timeout: 0 }).c.requests.count()).assigned).toBe('number');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const body = JSON.stringify({ unassigned: 0, assigned: 0, bot_assigned: 0 });
      const { c } = client({ timeout: 600_000, fetch: async () => new Response(body, { headers: { 'content-type': 'application/json' } }) });
      await c.requests.count();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('raceSignal leaves no listener on the signal once the work settles (the importer races every source item on one signal)', async () => {
    const { signal } = new AbortController();
    const listeners = countListeners(signal);
    for (let i = 0; i < 3; i++) expect(await raceSignal(Promise.resolve(i), signal)).toBe(i);
    await expect(raceSignal(Promise.reject(new Error('failed')), signal)).rejects.toThrow('failed');
    expect([listeners.added, listeners.removed]).toEqual([4, 4]);
  });
});

describe('no unhandled rejection when a call stops waiting for its token', () => {
  /** Runs `body`, lets everything it started settle, and returns the rejections nobody handled meanwhile. */
  async function unhandled(body: () => Promise<void>): Promise<unknown[]> {
    const seen: unknown[] = [];
    const onUnhandled = (reason: unknown) => seen.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await body();
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    return seen;
  }

  it('a token provider that fails after the caller aborted', async () => {
    let fail!: (e: Error) => void;
    const { c } = client({ auth: { tokenProvider: () => new Promise<string>((_, reject) => { fail = reject; }) } });
    expect(await unhandled(async () => {
      await expect(c.users.me({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
      fail(new Error('idp down'));
    })).toEqual([]);
  });

  it('a sign-in with a wrong password that fails after the caller aborted', async () => {
    let signinFailed!: () => void;
    const failed = new Promise<void>((r) => { signinFailed = r; });
    const { c } = client({ auth: { email: server.owner.email, password: 'wrong-password' }, hooks: { onError: () => signinFailed() } });
    expect(await unhandled(async () => {
      await expect(c.users.me({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
      await failed;
    })).toEqual([]);
  });

  it('a refresh after a 401 that fails after the caller aborted', async () => {
    let fail!: (e: Error) => void;
    const stale = server.signJwt({ _id: server.owner.userId, sub: 'user' }, 'not-the-server-secret');
    const controller = new AbortController();
    const { c } = client({
      auth: { tokenProvider: ({ reason }) => (reason === 'initial' ? stale : new Promise<string>((_, reject) => { fail = reject; })) },
      hooks: { onResponse: (e) => { if (e.status === 401) controller.abort(); } },
    });
    expect(await unhandled(async () => {
      await expect(c.users.me({ signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
      fail(new Error('idp down'));
    })).toEqual([]);
  });
});

describe('odd responses', () => {
  it('an HTML error page becomes a typed error with the readable part as the message', async () => {
    const { c } = client({ maxRetries: 0 });
    server.faults.route({
      method: 'GET', path: requestsPath(), status: 502,
      headers: { 'content-type': 'text/html' },
      body: '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>',
    });
    const e = await c.requests.list().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InternalServerError);
    expect((e as InternalServerError).serverMessage).toBe('502 Bad Gateway');
    expect((e as InternalServerError).body).toContain('<title>');
  });

  it("Express' HTML 404 for an unknown sub-path is a NotFoundError", async () => {
    const { c } = client();
    server.faults.route({ method: 'GET', path: /\/requests\/nope$/, status: 404, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><html><body><pre>Cannot GET /x/requests/nope</pre></body></html>' });
    const e = await c.requests.get('nope').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotFoundError);
    expect((e as NotFoundError).serverMessage).toBe('Cannot GET /x/requests/nope');
  });

  it('a 2xx body without what the call reads is an InvalidResponseError naming it, not a TypeError', async () => {
    const { c } = client({ maxRetries: 0 });
    for (const body of [{}, 'null', { perPage: 40, count: 0 }]) {
      server.faults.route({ method: 'GET', path: requestsPath(), status: 200, headers: { 'content-type': 'application/json' }, body, times: 1 });
      const e = await c.requests.list().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InvalidResponseError);
      expect((e as InvalidResponseError).message).toMatch(/^Response has no requests \(GET /);
    }
    server.faults.route({ method: 'GET', path: `/${server.project.id}/leads`, status: 200, body: {}, times: 1 });
    await expect(c.leads.list().toArray()).rejects.toThrow(/has no leads/);
    for (const status of [200, 204]) {
      server.faults.route({ method: 'PUT', path: '/users', status, body: '', times: 1 });
      const e = await c.users.update({ lastname: 'X' }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InvalidResponseError);
      expect(e).toMatchObject({ status, message: 'Response has no updatedUser (PUT /users)' });
    }
  });

  it('a list that is not an array of objects is an InvalidResponseError, not a TypeError or a list of characters', async () => {
    const { c } = client({ maxRetries: 0 });
    for (const requests of ['abc', [null], { a: 1 }, [{ _id: 'a' }, 7]]) {
      server.faults.route({ method: 'GET', path: requestsPath(), status: 200, body: { perPage: 40, count: 1, requests }, times: 1 });
      const e = await c.requests.list().toArray().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InvalidResponseError);
      expect((e as InvalidResponseError).message).toMatch(/^Response has no requests list of objects \(GET /);
    }
    for (const body of [{}, [null], 'null']) {
      server.faults.route({ method: 'GET', path: /\/messages$/, status: 200, body, times: 1 });
      await expect(c.messages.list('support-group-x', { order: 'clienttimestamp' })).rejects.toBeInstanceOf(InvalidResponseError);
    }
  });

  it('an error page of 160 KB of unclosed tags is read in linear time (a quadratic pattern took 10 s)', async () => {
    const { c } = client({ maxRetries: 0 });
    for (const unit of ['<pre', '<', '<title>']) {
      server.faults.route({ method: 'GET', path: /\/requests\/nope$/, status: 404, headers: { 'content-type': 'text/html' }, body: unit.repeat(160_000 / unit.length), times: 1 });
      await expect(c.requests.get('nope')).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it('a huge error body is a typed error with a capped excerpt (redacting 20 M token characters overflowed the regex stack)', async () => {
    const { c } = client({ maxRetries: 0 });
    server.faults.route({ method: 'GET', path: /\/requests\/big$/, status: 500, body: 'a'.repeat(20_000_000), times: 1 });
    const e = await c.requests.get('big').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InternalServerError);
    expect((e as InternalServerError).body!.length).toBeLessThan(40_000);
  });

  it('sign-in and sign-up answers without their token or user are an InvalidResponseError; success:false stays a refusal', async () => {
    const base = { baseUrl: server.url, projectId: server.project.id };
    for (const body of ['', {}, { success: true }]) {
      server.faults.route({ method: 'POST', path: '/auth/signin', status: 200, body, times: 1 });
      await expect(TiledeskClient.signin({ ...base, email: 'a@b.c', password: 'pw-123' })).rejects.toMatchObject({ name: 'InvalidResponseError', message: 'Response has no token (POST /auth/signin)' });
      server.faults.route({ method: 'POST', path: '/auth/signup', status: 200, body, times: 1 });
      await expect(TiledeskClient.signup({ ...base, email: 'a@b.c', password: 'pw-123', firstname: 'A', lastname: 'B' }))
        .rejects.toMatchObject({ name: 'InvalidResponseError', message: 'Response has no user (POST /auth/signup)' });
    }
    server.faults.route({ method: 'POST', path: '/auth/signin', status: 200, body: { success: false, msg: 'Authentication failed.' }, times: 1 });
    await expect(TiledeskClient.signin({ ...base, email: 'a@b.c', password: 'pw-123' })).rejects.toMatchObject({ code: 'auth_failed', serverMessage: 'Authentication failed.' });
  });

  it('a server that ignores `page` (the same full page every time) is read once, not forever', async () => {
    const { c, attempts } = client({ maxRetries: 0 });
    const page = { perPage: 2, count: 0, requests: [{ _id: 'a', request_id: 'ra' }, { _id: 'b', request_id: 'rb' }] };
    server.faults.route({ method: 'GET', path: requestsPath(), status: 200, headers: { 'content-type': 'application/json' }, body: page });
    const seen = [];
    for await (const r of c.requests.list({ limit: 2 })) seen.push(r.request_id);
    expect(seen).toEqual(['ra', 'rb']);
    expect(attempts()).toBe(2);
  });

  it('malformed JSON in a 200 is an InvalidResponseError, not a crash', async () => {
    const { c } = client();
    server.faults.route({ method: 'GET', path: requestsPath(), status: 200, headers: { 'content-type': 'application/json' }, body: '{"perPage":40,' });
    const e = await c.requests.list().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidResponseError);
    expect((e as InvalidResponseError).status).toBe(200);
  });

  it('a 2xx the call cannot use is reported to onError and the logger like any other failure', async () => {
    const failures: string[] = [];
    const warned: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (m: string) => void warned.push(m) };
    const { c } = client({ hooks: { onError: (e) => void failures.push(e.error.name) }, logger });
    // A captive portal's page, a body without the list, one the opt-in schemas refuse: three ways a 200 fails.
    server.faults.route({ method: 'GET', path: requestsPath(), status: 200, headers: { 'content-type': 'text/html' }, body: '<html>Sign in to the Wi-Fi</html>', times: 1 });
    await expect(c.requests.list()).rejects.toBeInstanceOf(InvalidResponseError);
    server.faults.route({ method: 'PUT', path: '/users', status: 200, body: {}, times: 1 });
    await expect(c.users.update({ lastname: 'X' })).rejects.toBeInstanceOf(InvalidResponseError);
    const { c: validating } = client({ hooks: { onError: (e) => void failures.push(e.error.name) }, responseSchemas: { requestCount: { safeParse: () => ({ success: false, error: { issues: [{ path: ['unassigned'], message: 'Invalid input' }] } }) } } });
    await expect(validating.requests.count()).rejects.toBeInstanceOf(InvalidResponseError);
    expect(failures).toEqual(['InvalidResponseError', 'InvalidResponseError', 'InvalidResponseError']);
    expect(warned).toEqual([`tiledesk failed GET ${server.url}${requestsPath()}?page=0`, `tiledesk failed PUT ${server.url}/users`]);
  });
  it('a page with no items has no next page, whatever its count says', async () => {
    const { c, attempts } = client({ maxRetries: 0 });
    server.faults.route({ method: 'GET', path: requestsPath(), status: 200, body: { perPage: 2, count: 10, requests: [] } });
    const page = await c.requests.list({ limit: 2 });
    expect(page.hasNextPage()).toBe(false);
    await expect(page.nextPage()).rejects.toMatchObject({ name: 'ValidationError', field: 'page' });
    expect(await c.requests.list({ limit: 2 }).toArray()).toEqual([]);
    expect(attempts()).toBe(2);
  });

  it('a server that ignores `page` while its count grows once is read until a page brings nothing new at the same count', async () => {
    const { c, attempts } = client({ maxRetries: 0 });
    const items = [{ _id: 'a', request_id: 'ra' }, { _id: 'b', request_id: 'rb' }];
    server.faults.route({ method: 'GET', path: requestsPath(), status: 200, body: { perPage: 2, count: 98, requests: items }, times: 1 });
    server.faults.route({ method: 'GET', path: requestsPath(), status: 200, body: { perPage: 2, count: 100, requests: items } });
    const seen = [];
    for await (const r of c.requests.list({ limit: 2 })) seen.push(r.request_id);
    expect(seen).toEqual(['ra', 'rb']);
    // The first page, the one whose count grew, and one more at that count.
    expect(attempts()).toBe(3);
  });

  it('items without an `_id` are all yielded (only ids already seen are skipped)', async () => {
    const { c } = client({ maxRetries: 0 });
    const page = { perPage: 3, count: 3, requests: [{ request_id: 'ra' }, { request_id: 'rb' }, { request_id: 'rc' }] };
    server.faults.route({ method: 'GET', path: requestsPath(), status: 200, body: page, times: 1 });
    expect((await c.requests.list({ limit: 3 }).toArray()).map((r) => r.request_id)).toEqual(['ra', 'rb', 'rc']);
  });

  it('projectUsers.me() and getByUserId() answered with the object itself (some server versions) return it', async () => {
    const { c } = client({ maxRetries: 0 });
    const member = { _id: 'pu1', id_project: server.project.id, id_user: server.owner.userId, role: 'owner', user_available: true };
    server.faults.route({ method: 'GET', path: `/${server.project.id}/project_users/me`, status: 200, body: member, times: 1 });
    expect(await c.projectUsers.me()).toEqual(member);
    server.faults.route({ method: 'GET', path: `/${server.project.id}/project_users/users/${server.owner.userId}`, status: 200, body: member, times: 1 });
    expect(await c.projectUsers.getByUserId(server.owner.userId)).toEqual(member);
  });
});

describe('onError hears every error a call throws, once', () => {
  function observed(options: Partial<TiledeskClientOptions> = {}): { c: TiledeskClient; events: ErrorEvent[] } {
    const events: ErrorEvent[] = [];
    const { c } = client({ maxRetries: 0, hooks: { onError: (e) => void events.push(e) }, ...options });
    return { c, events };
  }

  it('a token provider that throws or returns no usable token (TokenProviderError, nothing sent)', async () => {
    for (const tokenProvider of [() => { throw new Error('vault down'); }, () => 'two\nlines']) {
      const { c, events } = observed({ auth: { tokenProvider } });
      const e = await c.users.me().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TokenProviderError);
      expect(events).toEqual([{ method: 'GET', url: `${server.url}/users`, attempts: 0, error: e }]);
    }
  });

  it('the logger warns of a token provider failure like of any other; a hook\'s own exception is not reported', async () => {
    const warned: unknown[][] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (...args: unknown[]) => void warned.push(args) };
    const { c } = observed({ auth: { tokenProvider: () => { throw new Error('vault down'); } }, logger });
    await expect(c.users.me()).rejects.toBeInstanceOf(TokenProviderError);
    expect(warned).toEqual([[`tiledesk failed GET ${server.url}/users`, { attempts: 0, code: 'token_provider_failed', status: undefined, error: 'the token provider failed' }]]);

    const boom = new Error('metrics down');
    const { c: throwing, events } = observed();
    const hooked = throwing.withOptions({ hooks: [{ onRequest: () => { throw boom; } }, { onError: (e) => void events.push(e) }] });
    await expect(hooked.requests.count()).rejects.toBe(boom);
    expect(events).toEqual([]);
  });

  it('one failed token fetch shared by two calls is one error, reported once', async () => {
    const { c, events } = observed({ auth: { tokenProvider: () => Promise.reject(new Error('vault down')) } });
    const [a, b] = await Promise.all([c.users.me().catch((x: unknown) => x), c.requests.count().catch((x: unknown) => x)]);
    expect(a).toBeInstanceOf(TokenProviderError);
    expect(b).toBe(a);
    expect(events.map((e) => e.error)).toEqual([a]);
  });

  it('a sign-in refused with a 200 `success: false`, directly or for the token a call waits for', async () => {
    server.faults.route({ method: 'POST', path: '/auth/signin', status: 200, body: { success: false, msg: 'Authentication failed.' }, times: 2 });
    const { c, events } = observed();
    const e = await c.auth.signin({ email: 'a@b.c', password: 'pw-123' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'APIError', code: 'auth_failed', status: 200, serverMessage: 'Authentication failed.', path: '/auth/signin' });
    expect(events).toEqual([{ method: 'POST', url: `${server.url}/auth/signin`, attempts: 1, error: e }]);

    // The call that needed the token throws the sign-in's error: reported once, as the sign-in's failure.
    const { c: signingIn, events: heard } = observed({ auth: { email: 'a@b.c', password: 'pw-123' } });
    const waited = await signingIn.users.me().catch((x: unknown) => x);
    expect(waited).toMatchObject({ code: 'auth_failed' });
    expect(heard).toEqual([{ method: 'POST', url: `${server.url}/auth/signin`, attempts: 1, error: waited }]);
  });

  it('a sign-in failure the core reported is not reported again by the call that waited for its token', async () => {
    const { c, events } = observed({ auth: { email: server.owner.email, password: 'wrong-password' } });
    const e = await c.users.me().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(events.map((x) => [x.url, x.error])).toEqual([[`${server.url}/auth/signin`, e]]);
  });

  it('projectUsers.me() answered with an empty list (NotFoundError)', async () => {
    const path = `/${server.project.id}/project_users/me`;
    server.faults.route({ method: 'GET', path, status: 200, body: [], times: 1 });
    const { c, events } = observed();
    const e = await c.projectUsers.me().catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'NotFoundError', status: 404, path });
    expect(events).toEqual([{ method: 'GET', url: `${server.url}${path}`, attempts: 1, error: e }]);
  });

  it('messages.import answered with fewer saved messages than it sent (the InvalidResponseError behind the ImportChunkError)', async () => {
    const { c, events } = observed();
    const req = await c.requests.create({ first_text: 'import me' });
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 200, body: [], times: 1 });
    const e = await c.messages.import(req.request_id, [{ text: 'a', timestamp: 1 }]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ImportChunkError);
    const cause = (e as ImportChunkError).cause;
    expect(cause).toMatchObject({ name: 'InvalidResponseError', path: `/${server.project.id}/requests/${req.request_id}/messages/multi` });
    expect(events).toEqual([{ method: 'POST', url: `${server.url}/${server.project.id}/requests/${req.request_id}/messages/multi`, attempts: 1, error: cause }]);
  });
});

describe('raw sockets: slow and cut bodies', () => {
  let raw: http.Server;
  let base: string;
  const sockets = new Set<Socket>();
  let mode: 'slow' | 'cut' = 'slow';

  beforeAll(async () => {
    raw = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"_id":"r1",');
      if (mode === 'cut') setTimeout(() => req.socket.destroy(), 20);
      // `slow`: the rest never comes in time; the socket is destroyed at close.
    });
    raw.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => raw.close(r));
  });

  for (const transport of ['undici (default)', 'fetch'] as const) {
    it(`${transport}: the timeout covers the body, not just the headers`, async () => {
      mode = 'slow';
      const c = new TiledeskClient({ baseUrl: base, projectId: 'p', timeout: 150, maxRetries: 0, ...(transport === 'fetch' && { fetch: globalThis.fetch }) });
      open.push(c);
      const e = await c.requests.get('r1').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TimeoutError);
    });

    it(`${transport}: a connection cut mid-body is a ConnectionError`, async () => {
      mode = 'cut';
      const c = new TiledeskClient({ baseUrl: base, projectId: 'p', maxRetries: 0, ...(transport === 'fetch' && { fetch: globalThis.fetch }) });
      open.push(c);
      const e = await c.requests.get('r1').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ConnectionError);
      expect(e).not.toBeInstanceOf(TimeoutError);
    });
  }

  it('a refused connection is retried even for a POST (the server never saw it)', async () => {
    const port = await refusedPort();
    let attempts = 0;
    const c = new TiledeskClient({
      baseUrl: `http://127.0.0.1:${port}`, projectId: 'p', maxRetries: 2, retryDelay: { baseDelayMs: 1, maxDelayMs: 2 },
      hooks: { onRequest: () => { attempts++; } },
    });
    open.push(c);
    const e = await c.requests.create({ first_text: 'x' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as ConnectionError).causeCode).toBe('ECONNREFUSED');
    expect((e as ConnectionError).neverConnected).toBe(true);
    expect(attempts).toBe(3);
  });

  it('a POST that failed before connecting (DNS failure, no route to the host) is retried: the server never saw it', async () => {
    for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']) {
      let calls = 0;
      // What fetch throws for these: a TypeError whose cause carries the socket's code.
      const { c } = client({
        fetch: (url, init) => (++calls === 1 ? Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code}`), { code }) })) : fetch(url, init)),
      });
      expect((await c.requests.create({ first_text: `after ${code}` })).first_text, code).toBe(`after ${code}`);
      expect(calls, code).toBe(2);
    }
  });
});

/** Counts the listeners added to and removed from `signal` from now on. */
function countListeners(signal: AbortSignal): { added: number; removed: number } {
  const counts = { added: 0, removed: 0 };
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...a: Parameters<typeof add>) => { counts.added++; add(...a); }) as typeof add;
  signal.removeEventListener = ((...a: Parameters<typeof remove>) => { counts.removed++; remove(...a); }) as typeof remove;
  return counts;
}
