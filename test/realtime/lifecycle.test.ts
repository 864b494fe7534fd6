/**
 * The connection lifecycle against the local server's fault controls: drops, half-open server, restart, hung
 * upgrades, 401 on reconnect and token refresh, bounded auth failures, browser-style blind closes, heartbeats,
 * sleep/resume, network/visibility probes, and `close()` leaving nothing behind.
 */
import { createHash } from 'node:crypto';
import { createServer, STATUS_CODES } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  RealtimeAuthError,
  RealtimeClient,
  RealtimeError,
  topics,
  type ConnectionState,
  type HeartbeatInfo,
  type RealtimeClientOptions,
  type StateChange,
  type Subscription,
  type TokenContext,
  type WebSocketConstructor,
} from '../../src/realtime/index.js';
import { Emitter } from '../../src/realtime/emitter.js';
import { refusedPort } from '../helpers/net.js';
import { BrowserLikeWebSocket, clientTimers, FakeEnvironment, FAST, frameServer, Harness, nextState, rest, stopTrackingTimers, until } from './helpers.js';

const h = new Harness();
afterEach(() => {
  stopTrackingTimers(); // should a test fail before it does
  return h.dispose();
});

function recordStates(rt: RealtimeClient): StateChange[] {
  const states: StateChange[] = [];
  rt.on('state', (change) => states.push(change));
  return states;
}

function recordHeartbeats(rt: RealtimeClient): HeartbeatInfo[] {
  const beats: HeartbeatInfo[] = [];
  rt.on('heartbeat', (info) => beats.push(info));
  return beats;
}

/** `ws`, recording every socket it creates in `sockets`. */
function recording(sockets: NodeWebSocket[]): WebSocketConstructor {
  return class extends NodeWebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  } as unknown as WebSocketConstructor;
}

/**
 * A peer that accepts the upgrade, writes `frame` (raw bytes) if given, then reads nothing: a close frame is never
 * answered, as by a dead or half-open peer. Resolves with its url.
 */
async function silentPeer(frame?: Buffer): Promise<string> {
  const http = createServer();
  const upgraded = new Set<Duplex>();
  http.on('upgrade', (req, socket) => {
    upgraded.add(socket);
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    if (frame) socket.write(frame);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  h.track({
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of upgraded) socket.destroy();
        http.close(() => resolve());
      }),
  });
  return `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`;
}

describe('connect and reconnect', () => {
  it('connects with the bare token in ?token= and reports connecting → open', async () => {
    const server = await h.server();
    // The server strips only an exact "JWT "; a lowercase prefix would be a 401 if it reached the server.
    const rt = h.client(server, { token: server.owner.token.replace(/^JWT /, 'jwt ') });
    const states = recordStates(rt);
    await rt.connect();
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open']);
    expect(server.stats().wsConnections).toBe(1);
  });

  it('resubscribes every topic after a dropped socket and keeps delivering live events', async () => {
    const server = await h.server();
    const api = rest(server);
    const req = await api.createRequest();
    const rt = h.client(server);
    const created: string[] = [];
    const requests = rt.subscribe(topics.requests(server.project.id), { create: (r) => created.push(r.request_id) });
    const messages = rt.subscribe(topics.messages(server.project.id, req.request_id));
    await Promise.all([requests.ready, messages.ready]);
    expect(server.stats().subscriptions).toBe(2);

    const reconnecting = nextState(rt, 'reconnecting');
    server.faults.dropSockets();
    await reconnecting;
    expect(requests.state).toBe('subscribing');
    await nextState(rt, 'open');
    await until(() => requests.state === 'subscribed' && messages.state === 'subscribed', 'resubscribed');
    expect(server.stats().subscriptions).toBe(2);

    const after = await api.createRequest('after reconnect');
    await until(() => created.includes(after.request_id), 'live CREATE after reconnect');
  });

  it('reports the drop as connection_lost and backs off with full jitter under the cap', async () => {
    const server = await h.server();
    const rt = h.client(server, { reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 150 });
    const states = recordStates(rt);
    await rt.connect();
    server.faults.dropSockets();
    await nextState(rt, 'open');
    const reconnecting = states.find((s) => s.state === 'reconnecting')!;
    expect(reconnecting.error?.code).toBe('connection_lost');
    expect(reconnecting.error?.closeCode).toBe(1006);
    expect(reconnecting.attempt).toBe(1);
    expect(reconnecting.delayMs).toBeGreaterThanOrEqual(0);
    expect(reconnecting.delayMs).toBeLessThanOrEqual(100);
  });

  it('keeps counting attempts while connections do not last, and resets after a stable period', async () => {
    const server = await h.server();
    const rt = h.client(server, { stableAfterMs: 300 });
    const states = recordStates(rt);
    await rt.connect();
    for (let i = 0; i < 3; i++) {
      const open = nextState(rt, 'open');
      server.faults.dropSockets();
      await open;
    }
    expect(states.filter((s) => s.state === 'reconnecting').map((s) => s.attempt)).toEqual([1, 2, 3]);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const open = nextState(rt, 'open');
    server.faults.dropSockets();
    await open;
    expect(states.filter((s) => s.state === 'reconnecting').at(-1)!.attempt).toBe(1);
  });

  it('survives a server restart (same port, data kept) and resubscribes', async () => {
    const server = await h.server();
    const api = rest(server);
    const rt = h.client(server);
    const snapshots: number[] = [];
    await api.createRequest('kept');
    const sub = rt.subscribe(topics.requests(server.project.id), { snapshot: (items) => snapshots.push(items.length) });
    await sub.ready;
    await server.restart();
    await until(() => snapshots.length === 2 && rt.state === 'open', 'snapshot after restart');
    expect(snapshots).toEqual([1, 1]);
  });

  it('drops a half-open connection when pings go unanswered, then recovers', async () => {
    const server = await h.server();
    const rt = h.client(server, { idlePingMs: 100, pongTimeoutMs: 200 });
    const states = recordStates(rt);
    await rt.connect();
    server.faults.halfOpen(true);
    await until(() => states.some((s) => s.state === 'reconnecting'), 'reconnecting after pong timeout');
    expect(states.find((s) => s.state === 'reconnecting')!.error?.code).toBe('pong_timeout');
    // While half-open the upgrades go unanswered too: the handshake timeout keeps the loop going.
    server.faults.halfOpen(false);
    await until(() => rt.state === 'open', 'open again');
    await until(() => server.stats().wsConnections === 1, 'only the new socket left on the server');
  });

  it('times out a hung upgrade (what a guest token gets) and connects once upgrades are answered', async () => {
    const server = await h.server();
    server.faults.hangUpgrades(true);
    const rt = h.client(server, { handshakeTimeoutMs: 150 });
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    const connected = rt.connect();
    await until(() => errors.length >= 2, 'two handshake timeouts');
    expect(errors.every((e) => e.code === 'handshake_timeout')).toBe(true);
    server.faults.hangUpgrades(false);
    await connected;
    expect(rt.state).toBe('open');
  });

  it('closes the socket of a timed-out upgrade at once, not left hanging beside the next attempt', async () => {
    const server = await h.server();
    server.faults.hangUpgrades(true);
    const sockets: NodeWebSocket[] = [];
    const rt = h.client(server, { handshakeTimeoutMs: 100, WebSocket: recording(sockets) });
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    rt.connect().catch(() => undefined);
    await until(() => errors.length >= 2, 'two handshake timeouts');
    // Each attempt that timed out is destroyed, not left to hang on beside the next one.
    await until(() => sockets.slice(0, 2).every((s) => s.readyState === NodeWebSocket.CLOSED), 'the timed-out attempts closed');
  });

  it('a close before open without a close event (a WebSocket that passes none) is reported with code 1006', async () => {
    const ClosesAtOnce = class {
      readyState = 0;
      onopen: ((event: unknown) => void) | null = null;
      onclose: ((event: unknown) => void) | null = null;
      onerror: ((event: unknown) => void) | null = null;
      onmessage: ((event: unknown) => void) | null = null;
      constructor() {
        setTimeout(() => {
          this.readyState = 3;
          this.onclose?.(undefined);
        });
      }
      send(): void {}
      close(): void {}
    } as unknown as WebSocketConstructor;
    const rt = h.client('ws://127.0.0.1:9/', { WebSocket: ClosesAtOnce, maxReconnectAttempts: 0 });
    const failure = await rt.connect().catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'connect_failed', closeCode: 1006, message: 'closed before open (code 1006)' });
  });

  it('a wss:// URL for a plain ws:// server is named as such, not in OpenSSL\'s words', async () => {
    // It was `could not connect: write EPROTO …:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:…`.
    const server = await h.server();
    const rt = h.client(server.wsUrl.replace('ws:', 'wss:'), { maxReconnectAttempts: 0 });
    const failure = await rt.connect().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RealtimeError);
    expect(failure).toMatchObject({
      code: 'connect_failed',
      message: 'could not connect: the server does not answer TLS: if it speaks plain HTTP (self-hosted on its port 3000, the local test server), use a ws:// URL (EPROTO)',
    });
  });

  it('a connection open for exactly stableAfterMs (on the injected clock) resets the attempt count', async () => {
    const server = await h.server();
    let now = 0;
    const rt = h.client(server, { stableAfterMs: 1_000, now: () => now });
    const states = recordStates(rt);
    await rt.connect();
    let open = nextState(rt, 'open');
    server.faults.dropSockets(); // open for 0 ms: the attempt count goes on
    await open;
    now += 1_000;
    open = nextState(rt, 'open');
    server.faults.dropSockets(); // open for stableAfterMs: it starts again
    await open;
    expect(states.filter((s) => s.state === 'reconnecting').map((s) => s.attempt)).toEqual([1, 1]);
  });

  it('a state change without failed attempts before it says attempt 0 (connecting, open, closed)', async () => {
    const server = await h.server();
    const rt = h.client(server);
    const states = recordStates(rt);
    await rt.connect();
    await rt.close();
    expect(states.map((s) => [s.state, s.attempt])).toEqual([
      ['connecting', 0],
      ['open', 0],
      ['closed', 0],
    ]);
  });

  it('failed says how many attempts in a row failed, the last one included', async () => {
    const rt = h.client('ws://127.0.0.1:9/', { maxReconnectAttempts: 2, reconnectBaseDelayMs: 1, reconnectMaxDelayMs: 1 });
    const states = recordStates(rt);
    await rt.connect().catch(() => undefined);
    expect(states.filter((s) => s.state !== 'connecting').map((s) => [s.state, s.attempt])).toEqual([
      ['reconnecting', 1],
      ['reconnecting', 2],
      ['failed', 3],
    ]);
  });

  it('close() during a backoff ends the run: closed says attempt 0, and no attempt follows', async () => {
    const rt = h.client('ws://127.0.0.1:9/', { reconnectBaseDelayMs: 60_000, reconnectMaxDelayMs: 60_000, random: () => 1 });
    const states = recordStates(rt);
    rt.connect().catch(() => undefined);
    await until(() => states.some((s) => s.state === 'reconnecting'), 'the first backoff');
    await rt.close();
    expect(states.map((s) => [s.state, s.attempt])).toEqual([
      ['connecting', 0],
      ['reconnecting', 1],
      ['closed', 0],
    ]);
  });

  it('a connection opened after a pong timeout gets a deadline of its own, not the one that ended the last', async () => {
    const server = await h.server();
    const rt = h.client(server, { idlePingMs: 100, pongTimeoutMs: 200 });
    const states = recordStates(rt);
    const beats = recordHeartbeats(rt);
    await rt.connect();
    server.faults.halfOpen(true);
    await until(() => rt.state === 'reconnecting', 'dropped on a pong timeout');
    server.faults.halfOpen(false);
    await until(() => rt.state === 'open', 'open again');
    const [statesAtOpen, beatsAtOpen] = [states.length, beats.length];
    await until(() => beats.slice(beatsAtOpen).some((b) => b.kind === 'pong') || states.length > statesAtOpen, 'an answered ping, or a drop');
    expect(states.slice(statesAtOpen)).toEqual([]);
  });
});

describe('authentication', () => {
  it('after a 401 on reconnect, asks the token function for a fresh token and resubscribes', async () => {
    const server = await h.server();
    const stale = server.signJwt({ _id: server.owner.userId }, 'not-the-server-secret');
    const asked: TokenContext[] = [];
    let serveStale = false;
    const rt = h.client(server, {
      token: async (context) => {
        asked.push(context);
        if (serveStale && !context.refresh) return stale;
        return server.owner.token;
      },
    });
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    const sub = rt.subscribe(topics.requests(server.project.id));
    await sub.ready;

    serveStale = true;
    server.faults.dropSockets();
    await until(() => rt.state === 'open' && sub.state === 'subscribed' && asked.length >= 3, 'reconnected with a fresh token');
    const auth = errors.find((e) => e.code === 'auth_failed')!;
    expect(auth).toBeInstanceOf(RealtimeAuthError);
    expect(auth.status).toBe(401);
    expect(asked.map((c) => c.refresh)).toEqual([false, false, true]);
  });

  it('maxAuthFailures: 0 gives up at the first auth failure, and only on an auth failure', async () => {
    const server = await h.server();
    const rt = h.client(server, { maxAuthFailures: 0 });
    const states = recordStates(rt);
    await rt.connect();
    server.faults.dropSockets();
    await until(() => states.filter((s) => s.state === 'open').length === 2, 'reconnected after the drop');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open', 'reconnecting', 'open']);

    const bad = server.signJwt({ _id: server.owner.userId }, 'wrong-secret');
    const refused = h.client(server, { token: bad, maxAuthFailures: 0 });
    const refusedStates = recordStates(refused);
    await expect(refused.connect()).rejects.toMatchObject({ code: 'auth_failed' });
    expect(refusedStates.map((s) => s.state)).toEqual(['connecting', 'failed']);
  });

  it('stops after maxAuthFailures with a typed error, never putting the token in it', async () => {
    const server = await h.server();
    const bad = server.signJwt({ _id: server.owner.userId }, 'wrong-secret');
    const rt = h.client(server, { token: `JWT ${bad}`, maxAuthFailures: 3 });
    const states = recordStates(rt);
    const sub = rt.subscribe(topics.requests(server.project.id));
    const failure = await rt.connect().then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(RealtimeAuthError);
    expect(rt.state).toBe('failed');
    expect(states.filter((s) => s.state === 'reconnecting')).toHaveLength(2);
    expect(states.at(-1)).toMatchObject({ state: 'failed', error: { code: 'auth_failed', status: 401 } });
    // Pending subscriptions learn why instead of waiting forever.
    await expect(sub.ready).rejects.toBe(failure);
    const text = `${(failure as Error).message} ${JSON.stringify(failure)} ${String((failure as Error).stack)}`;
    expect(text).not.toContain(bad);
    expect(text).not.toContain(bad.split('.')[2]);
  });

  it('auth failures count only in a row: a connection that opened in between starts the count again', async () => {
    const server = await h.server();
    const bad = server.signJwt({ _id: server.owner.userId }, 'wrong-secret');
    let calls = 0;
    // Every other connect gets a token the server refuses: 401, open, (dropped) 401, open.
    const rt = h.client(server, { maxAuthFailures: 2, token: () => (++calls % 2 === 1 ? bad : server.owner.token) });
    const states = recordStates(rt);
    await rt.connect();
    server.faults.dropSockets();
    await until(() => states.filter((s) => s.state === 'open').length === 2 || rt.state === 'failed', 'open again, or failed');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'reconnecting', 'open', 'reconnecting', 'reconnecting', 'open']);
    expect(states.filter((s) => s.error?.code === 'auth_failed')).toHaveLength(2);
  });

  it('an upgrade refused for another reason than the token (400: not the WebSocket path) ends in failed like auth failures, not a reconnect loop', async () => {
    const server = await h.server();
    const rt = h.client(`${server.wsUrl}v2/ws`, { token: server.owner.token, maxAuthFailures: 2, maxReconnectAttempts: 5 });
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    const failure = await rt.connect().catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'handshake_rejected', status: 400 });
    expect(errors.map((e) => e.code)).toEqual(['handshake_rejected', 'handshake_rejected']);
    expect(rt.state).toBe('failed');
  });

  /** A server that answers the next upgrades with these HTTP statuses, then accepts them. */
  async function upgradesAnswered(statuses: number[]) {
    const wss = new WebSocketServer({ noServer: true });
    const http = createServer();
    http.on('upgrade', (req, socket, head) => {
      const status = statuses.shift();
      if (status === undefined) return wss.handleUpgrade(req, socket, head, () => undefined);
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return h.track({
      url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`,
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of wss.clients) socket.terminate();
          http.closeAllConnections();
          http.close(() => resolve());
        }),
    });
  }

  it('an upgrade answered 5xx, 408 or 429 (a server down, busy or slow) is retried like a network error, never taken for a refusal', async () => {
    const server = await upgradesAnswered([500, 502, 503, 408, 429]);
    const rt = h.client(server.url, { maxAuthFailures: 1 });
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    await rt.connect();
    expect(rt.state).toBe('open');
    expect(errors.map((e) => [e.code, e.status])).toEqual([
      ['connect_failed', 500],
      ['connect_failed', 502],
      ['connect_failed', 503],
      ['connect_failed', 408],
      ['connect_failed', 429],
    ]);
  });

  it('an upgrade answered 403 is a refused token, like 401; another 4xx is a rejected upgrade', async () => {
    for (const [status, type, code] of [[403, RealtimeAuthError, 'auth_failed'], [404, RealtimeError, 'handshake_rejected']] as const) {
      const server = await upgradesAnswered([status, status]);
      const rt = h.client(server.url, { maxAuthFailures: 1 });
      const failure = await rt.connect().catch((e: unknown) => e);
      expect(failure, String(status)).toBeInstanceOf(type);
      expect(failure, String(status)).toMatchObject({ code, status });
      expect(rt.state).toBe('failed');
    }
  });

  it('subscribe() on a failed client is refused at once with the failure, and subscribed by the next connect()', async () => {
    const server = await h.server();
    let good = false;
    const rt = h.client(server, { token: () => (good ? server.owner.token : 'JWT a.b.c'), maxAuthFailures: 1 });
    const failure = await rt.connect().catch((e: unknown) => e);
    expect(rt.state).toBe('failed');
    const sub = rt.subscribe(topics.requests(server.project.id));
    expect(sub.state).toBe('error');
    await expect(sub.ready).rejects.toBe(failure);
    good = true;
    await rt.connect();
    await until(() => sub.state === 'subscribed', 'subscribed once connected');
  });

  it('drops a #fragment from the url (WebSocket constructors throw on one, at every attempt)', async () => {
    const server = await h.server();
    const rt = h.client(`${server.wsUrl}#dashboard`, { token: server.owner.token });
    await rt.connect();
    expect(rt.state).toBe('open');
  });

  it('a WebSocket constructor that refuses the url (ws: from an https: page) ends in failed at once, not a retry loop', async () => {
    // Chromium, measured: on a page loaded over https, `new WebSocket('ws://…')` throws this, synchronously, every time.
    let constructed = 0;
    const Refusing = class {
      constructor() {
        constructed++;
        const error = new Error("Failed to construct 'WebSocket': An insecure WebSocket connection may not be initiated from a page loaded over HTTPS.");
        error.name = 'SecurityError';
        throw error;
      }
    } as unknown as WebSocketConstructor;
    const rt = h.client('ws://rt.example.test/', { WebSocket: Refusing, reconnectBaseDelayMs: 1, reconnectMaxDelayMs: 1 });
    const sub = rt.subscribe(topics.requests('p1'));
    const [connected, ready] = await Promise.race([
      Promise.all([rt.connect().catch((e: unknown) => e), sub.ready.catch((e: unknown) => e)]),
      // It retried without end (the dashboard showed "reconnecting" for good); a deadline so the test fails, not hangs.
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still ${rt.state} after ${constructed} attempts`)), 1_000)),
    ]);
    expect(rt.state).toBe('failed');
    expect(constructed).toBe(1);
    for (const error of [connected, ready] as RealtimeError[]) {
      expect(error).toMatchObject({ code: 'connect_failed', cause: { name: 'SecurityError' } });
      expect(error.message).toContain('could not create the WebSocket');
    }
  });

  it('a bad url throws a typed error naming the option, which never quotes the url (it may hold a token)', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
    for (const url of [`wss://host:99999/?token=${jwt}`, `ftp://host/?token=${jwt}`, undefined]) {
      let error: unknown;
      try {
        new RealtimeClient({ url: url as string, token: 't' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RealtimeError);
      expect(error).toMatchObject({ code: 'invalid_option', option: 'url', message: 'url must be a ws(s): or http(s): URL' });
      expect(inspect(error) + JSON.stringify(error)).not.toContain(jwt.slice(-12));
    }
  });

  it('a duration that a timer cannot honour, or a token that is neither a string nor a function, throws naming the option', () => {
    const url = 'ws://127.0.0.1:1/';
    const thrown = (options: Record<string, unknown>): unknown => {
      try {
        new RealtimeClient({ url, token: 't', ...options } as RealtimeClientOptions);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    // Each of these made a timer fire at once: a NaN reconnect delay or ping interval spun the lifecycle.
    for (const value of [Number.NaN, -1, 2 ** 31, Infinity, '500', null]) {
      for (const option of ['reconnectBaseDelayMs', 'idlePingMs', 'handshakeTimeoutMs', 'subscribeTimeoutMs']) {
        const error = thrown({ [option]: value });
        expect(error, `${option}: ${String(value)}`).toBeInstanceOf(RealtimeError);
        expect(error).toMatchObject({ code: 'invalid_option', option, message: `${option} must be a number of ms in [0, 2^31)` });
      }
    }
    for (const token of [undefined, 42, { jwt: 'secret-token-value' }]) {
      const error = thrown({ token });
      expect(error).toMatchObject({ code: 'invalid_option', option: 'token', message: 'token must be a string or a function' });
      expect(inspect(error) + JSON.stringify(error)).not.toContain('secret-token-value');
    }
    // The bounds themselves, and an explicit undefined (the default applies), are accepted.
    expect(thrown({ reconnectBaseDelayMs: 0, reconnectMaxDelayMs: 2 ** 31 - 1, idlePingMs: undefined })).toBeUndefined();
  });

  it('a limit that is NaN, negative or not a number throws naming the option (a NaN limit was no limit at all)', () => {
    const thrown = (options: Record<string, unknown>): unknown => {
      try {
        new RealtimeClient({ url: 'ws://127.0.0.1:1/', token: 't', ...options } as RealtimeClientOptions);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const limits = ['maxReconnectAttempts', 'maxAuthFailures', 'maxFrameLength', 'maxTopics', 'suspectAuthAfter'];
    for (const value of [Number.NaN, -1, -Infinity, '3', null, 3n, {}]) {
      for (const option of limits) {
        const error = thrown({ [option]: value });
        expect(error, `${option}: ${String(value)}`).toBeInstanceOf(RealtimeError);
        expect(error).toMatchObject({ code: 'invalid_option', option, message: `${option} must be a number >= 0` });
      }
    }
    // A bigint made the check itself throw a bare TypeError, for durations too.
    expect(thrown({ idlePingMs: 5n })).toMatchObject({ code: 'invalid_option', option: 'idlePingMs' });
    // 0, Infinity (no limit: maxReconnectAttempts' default) and fractions are limits.
    for (const value of [0, 2.5, 2 ** 40, Infinity]) {
      expect(thrown(Object.fromEntries(limits.map((option) => [option, value]))), String(value)).toBeUndefined();
    }
  });

  it('connect() starts again after failed, with fresh counters', async () => {
    const server = await h.server();
    let good = false;
    const rt = h.client(server, { token: () => (good ? server.owner.token : 'JWT a.b.c'), maxAuthFailures: 1 });
    await expect(rt.connect()).rejects.toBeInstanceOf(RealtimeAuthError);
    good = true;
    await rt.connect();
    expect(rt.state).toBe('open');
  });

  it('after the token function threw, the next connect asks it for a fresh token (refresh: true)', async () => {
    const server = await h.server();
    const asked: TokenContext[] = [];
    const rt = h.client(server, {
      token: (context) => {
        if (asked.push(context) === 1) throw new Error('the identity provider is down');
        return server.owner.token;
      },
    });
    await rt.connect();
    expect(asked.map((c) => c.refresh)).toEqual([false, true]);
  });

  it('treats a token function that throws or hangs as an auth failure', async () => {
    const server = await h.server();
    const throwing = h.client(server, {
      maxAuthFailures: 2,
      token: () => {
        throw new Error(`refresh failed for ${server.owner.token}`);
      },
    });
    const error = (await throwing.connect().catch((e: unknown) => e)) as RealtimeAuthError;
    expect(error).toBeInstanceOf(RealtimeAuthError);
    expect(JSON.stringify(error) + String((error.cause as Error).message)).not.toContain(server.owner.token.slice(4));

    const hanging = h.client(server, { maxAuthFailures: 1, handshakeTimeoutMs: 100, token: () => new Promise<string>(() => {}) });
    await expect(hanging.connect()).rejects.toMatchObject({ code: 'auth_failed' });
  });

  it('in a browser (no status visible), reports repeated closes before open as a likely auth problem and refreshes the token', async () => {
    const server = await h.server();
    const bad = server.signJwt({ _id: server.owner.userId }, 'wrong-secret');
    const asked: boolean[] = [];
    const rt = h.client(server, {
      WebSocket: BrowserLikeWebSocket,
      suspectAuthAfter: 2,
      maxAuthFailures: 2,
      token: ({ refresh }) => {
        asked.push(refresh);
        return bad;
      },
    });
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    const failure = await rt.connect().catch((e: unknown) => e);
    expect(errors.map((e) => e.code)).toEqual(['connect_failed', 'auth_suspected', 'connect_failed', 'auth_suspected']);
    expect(failure).toBeInstanceOf(RealtimeAuthError);
    expect((failure as RealtimeAuthError).code).toBe('auth_suspected');
    expect(asked).toEqual([false, false, true, false]);
  });

  it('does not suspect the token while the browser says it is offline', async () => {
    const server = await h.server();
    const environment = new FakeEnvironment();
    environment.navigator.onLine = false;
    const rt = h.client(server, {
      WebSocket: BrowserLikeWebSocket,
      environment,
      suspectAuthAfter: 1,
      maxReconnectAttempts: 4,
      token: 'JWT a.b.c',
    });
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    await rt.connect().catch(() => undefined);
    expect(errors.map((e) => e.code)).toEqual(['connect_failed', 'connect_failed', 'connect_failed', 'connect_failed', 'connect_failed']);
    expect(rt.state).toBe('failed');
  });
  it('does not count a token function that throws while the browser is offline as an auth failure (its fetch could not work)', async () => {
    // A dashboard whose token function fetches from its own backend, on a laptop waking up before its network: each
    // attempt's fetch throws. Counted, maxAuthFailures (3) ended the client in `failed` before the network was back.
    const server = await h.server();
    const environment = new FakeEnvironment();
    environment.navigator.onLine = false;
    let calls = 0;
    const rt = h.client(server, {
      environment,
      maxAuthFailures: 1,
      reconnectBaseDelayMs: 1,
      reconnectMaxDelayMs: 1,
      token: () => {
        if (++calls <= 3) throw new TypeError('Failed to fetch');
        return server.owner.token;
      },
    });
    const errors: string[] = [];
    rt.on('error', (e) => errors.push(e.code));
    rt.on('state', (change) => change.state === 'reconnecting' && calls === 3 && (environment.navigator.onLine = true));
    await rt.connect();
    expect(rt.state).toBe('open');
    expect(errors).toEqual(['auth_failed', 'auth_failed', 'auth_failed']);
    await rt.close();
  });

  it('does not count the close of an attempt made offline that arrives once the browser is back online', async () => {
    // Chromium can deliver such a close just after going back online; the server then answers the probe, yet the
    // close said nothing about the token. Here the first attempt is made offline and the browser is online again
    // before its close arrives: only the second attempt, made online, may count.
    const server = await h.server();
    const environment = new FakeEnvironment();
    environment.navigator.onLine = false;
    environment.fetch = async () => ({ status: 200 });
    const BackOnlineDuringTheAttempt = class extends (BrowserLikeWebSocket as unknown as new (url: string) => object) {
      constructor(url: string) {
        super(url);
        environment.navigator.onLine = true;
      }
    } as unknown as typeof BrowserLikeWebSocket;
    const rt = h.client(server, {
      WebSocket: BackOnlineDuringTheAttempt,
      environment,
      suspectAuthAfter: 1,
      maxAuthFailures: 1,
      token: server.signJwt({ _id: server.owner.userId }, 'wrong-secret'),
    });
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    await rt.connect().catch(() => undefined);
    expect(errors.map((e) => e.code)).toEqual(['connect_failed', 'auth_suspected']);
  });

  it('takes the REST spelling of the url in upper case too (HTTP://…: a scheme is case-insensitive)', async () => {
    const server = await h.server();
    const rt = h.client(server.wsUrl.replace(/^ws/, 'HTTP'), { token: server.owner.token });
    await rt.connect();
    expect(rt.state).toBe('open');
  });

  it('closes before open count only in a row: a connection that opened in between starts the count again', async () => {
    const server = await h.server();
    const bad = server.signJwt({ _id: server.owner.userId }, 'wrong-secret');
    let calls = 0;
    // Every other connect gets a token the server refuses, which a browser sees as a close before open.
    const rt = h.client(server, {
      WebSocket: BrowserLikeWebSocket,
      suspectAuthAfter: 2,
      maxAuthFailures: 1,
      token: () => (++calls % 2 === 1 ? bad : server.owner.token),
    });
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    const states = recordStates(rt);
    await rt.connect();
    server.faults.dropSockets();
    await until(() => states.filter((s) => s.state === 'open').length === 2 || rt.state === 'failed', 'open again, or failed');
    expect(errors.map((e) => e.code)).toEqual(['connect_failed', 'connection_lost', 'connect_failed']);
    expect(rt.state).toBe('open');
  });
});

describe('browser: is a close before open a rejected token or a server that is down?', () => {
  const refusedUrl = async () => `ws://127.0.0.1:${await refusedPort()}/`;

  type Probe = NonNullable<FakeEnvironment['fetch']>;
  const answering = (status: number): Probe => async () => ({ status });

  it.each<[string, Probe | 'real fetch']>([
    ['the connection is refused (the real fetch)', 'real fetch'],
    ['a proxy answers 502 without CORS headers (fetch rejects)', () => Promise.reject(new TypeError('Failed to fetch'))],
    ['the server answers 503', answering(503)],
    ['the server answers 429', answering(429)],
  ])('never counts closes as a rejected token when %s, however many', async (_, probe) => {
    const url = await refusedUrl();
    const environment = new FakeEnvironment();
    const probed: string[] = [];
    environment.fetch = (target, init) => {
      probed.push(target);
      return probe === 'real fetch' ? fetch(target, init) : probe(target, init);
    };
    // One blind close that counted would be fatal here.
    const rt = h.client(url, { WebSocket: BrowserLikeWebSocket, environment, suspectAuthAfter: 1, maxAuthFailures: 1, maxReconnectAttempts: 4 });
    const errors: string[] = [];
    rt.on('error', (e) => errors.push(e.code));
    const failure = await rt.connect().catch((e: unknown) => e);
    expect(errors).toEqual(Array(5).fill('connect_failed'));
    expect(failure).not.toBeInstanceOf(RealtimeAuthError);
    expect(rt.state).toBe('failed');
    // Once per close, over plain HTTP, at the WebSocket URL.
    expect(probed).toEqual(Array(5).fill(url.replace(/^ws/, 'http')));
  });

  it('counts them when the server answers HTTP (the local server, through the real fetch); the probe carries no token', async () => {
    const server = await h.server();
    const bad = server.signJwt({ _id: server.owner.userId }, 'wrong-secret');
    const environment = new FakeEnvironment();
    const probes: Array<{ url: string; cache: string; status: number }> = [];
    environment.fetch = async (url, init) => {
      const res = await fetch(url, init);
      probes.push({ url, cache: init.cache, status: res.status });
      return res;
    };
    const rt = h.client(server, { WebSocket: BrowserLikeWebSocket, environment, token: bad, suspectAuthAfter: 2, maxAuthFailures: 1 });
    const errors: string[] = [];
    rt.on('error', (e) => errors.push(e.code));
    const failure = await rt.connect().catch((e: unknown) => e);
    expect(errors).toEqual(['connect_failed', 'auth_suspected']);
    expect(failure).toMatchObject({ code: 'auth_suspected' });
    expect(probes).toEqual(Array(2).fill({ url: `${server.url}/`, cache: 'no-store', status: 200 }));
    expect(JSON.stringify(probes)).not.toContain(bad.slice(0, 20));
  });

  it("a url given with its ?token= (the dashboard's spelling) is probed without it", async () => {
    const server = await h.server();
    const bad = server.signJwt({ _id: server.owner.userId }, 'wrong-secret');
    const environment = new FakeEnvironment();
    const probed: string[] = [];
    environment.fetch = async (url, init) => {
      probed.push(url);
      return fetch(url, init);
    };
    const rt = h.client(`${server.wsUrl}?token=${bad}`, { WebSocket: BrowserLikeWebSocket, environment, token: bad, suspectAuthAfter: 1, maxAuthFailures: 1 });
    await expect(rt.connect()).rejects.toMatchObject({ code: 'auth_suspected' });
    expect(probed).toEqual([`${server.url}/`]);
  });

  it('a close while the server does not answer breaks the row: only closes before open in a row are counted', async () => {
    const url = await refusedUrl();
    const environment = new FakeEnvironment();
    const answers = [200, 503, 200, 503, 200];
    environment.fetch = async () => ({ status: answers.shift() ?? 200 });
    const rt = h.client(url, { WebSocket: BrowserLikeWebSocket, environment, suspectAuthAfter: 2, maxAuthFailures: 1, maxReconnectAttempts: 4 });
    const errors: string[] = [];
    rt.on('error', (e) => errors.push(e.code));
    const failure = await rt.connect().catch((e: unknown) => e);
    // Two of these closes were counted, but never two in a row: the server was down between them.
    expect(errors).toEqual(Array(5).fill('connect_failed'));
    expect(failure).not.toBeInstanceOf(RealtimeAuthError);
    expect(answers).toEqual([]);
  });

  it('close() during a probe that hangs aborts it and leaves no timer behind', async () => {
    const url = await refusedUrl();
    const environment = new FakeEnvironment();
    let signal: AbortSignal | undefined;
    environment.fetch = (_, init) => {
      signal = init.signal;
      return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
    };
    const timers = clientTimers();
    const rt = h.client(url, { WebSocket: BrowserLikeWebSocket, environment, handshakeTimeoutMs: 60_000 });
    const errors: string[] = [];
    rt.on('error', (e) => errors.push(e.code));
    const connecting = rt.connect().catch((e: unknown) => e);
    await until(() => signal !== undefined, 'the probe to start');
    expect(signal!.aborted).toBe(false);
    await rt.close();
    expect(await connecting).toMatchObject({ code: 'client_closed' });
    expect(signal!.aborted).toBe(true);
    expect(errors).toEqual([]); // the close that started the probe is not reported after close()
    expect([...timers.values()]).toEqual([]);
    // The lifecycle ended with the probe: it does not go on to a backoff after close().
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rt.state).toBe('closed');
  });

  it('a probe that never answers counts as down once handshakeTimeoutMs has passed', async () => {
    const url = await refusedUrl();
    const environment = new FakeEnvironment();
    const aborted: boolean[] = [];
    environment.fetch = (_, init) => {
      init.signal.addEventListener('abort', () => aborted.push(true));
      return new Promise(() => {});
    };
    const rt = h.client(url, { WebSocket: BrowserLikeWebSocket, environment, handshakeTimeoutMs: 50, suspectAuthAfter: 1, maxAuthFailures: 1, maxReconnectAttempts: 1 });
    const errors: string[] = [];
    rt.on('error', (e) => errors.push(e.code));
    await rt.connect().catch(() => undefined);
    expect(errors).toEqual(['connect_failed', 'connect_failed']);
    expect(aborted).toEqual([true, true]);
  });
});

describe('liveness', () => {
  it('answers server heartbeats and stays open across many server intervals with no own ping', async () => {
    const server = await h.server({ heartbeatIntervalMs: 100 });
    const rt = h.client(server, { idlePingMs: 60_000 });
    const states = recordStates(rt);
    const pings: HeartbeatInfo[] = [];
    rt.on('heartbeat', (info) => pings.push(info));
    await rt.connect();
    // Without answers the server terminates a socket at its second heartbeat (here ~200 ms).
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(rt.state).toBe('open');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open']);
    expect(pings.filter((p) => p.kind === 'ping')).toEqual([]);
  });

  it('sends its own ping when nothing was sent for idlePingMs, and takes any frame as the answer', async () => {
    const server = await h.server();
    const rt = h.client(server, { idlePingMs: 50 });
    const beats = recordHeartbeats(rt);
    await rt.connect();
    await until(() => beats.filter((b) => b.kind === 'pong').length >= 2, 'two answered pings');
    expect(beats[0]).toEqual({ kind: 'ping', reason: 'idle' });
    expect(beats[1]).toMatchObject({ kind: 'pong' });
    expect(rt.state).toBe('open');
  });

  it('an answered ping ends its deadline: pinging on for longer than pongTimeoutMs keeps the socket open', async () => {
    const server = await h.server();
    const rt = h.client(server, { idlePingMs: 30, pongTimeoutMs: 100 });
    const states = recordStates(rt);
    const beats = recordHeartbeats(rt);
    await rt.connect();
    // Five idle pings, each answered, take longer than one pongTimeoutMs.
    await until(() => beats.filter((b) => b.kind === 'ping').length >= 5 || rt.state !== 'open', 'five pings, or a drop');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open']);
  });

  it('probes at once after a wall-clock jump (sleep/resume) and reconnects when the probe dies', async () => {
    const server = await h.server();
    let skew = 0;
    const rt = h.client(server, { idlePingMs: 100, pongTimeoutMs: 1_000, clockJumpMs: 1_000, now: () => Date.now() + skew });
    const beats = recordHeartbeats(rt);
    await rt.connect();
    // The laptop "sleeps" ten minutes: the next liveness tick sees it and probes before trusting the socket.
    skew = 10 * 60_000;
    await until(() => beats.some((b) => b.kind === 'ping' && b.reason === 'clock_jump'), 'clock-jump probe');
    await until(() => beats.at(-1)?.kind === 'pong', 'probe answered');
    expect(rt.state).toBe('open');

    server.faults.halfOpen(true);
    skew += 10 * 60_000;
    const reconnecting = nextState(rt, 'reconnecting');
    await reconnecting;
    server.faults.halfOpen(false);
    await until(() => rt.state === 'open', 'open again');
  });

  it('in a throttled background tab (every tick a minute late), still drops a dead socket', async () => {
    const server = await h.server();
    let skew = 0;
    const rt = h.client(server, { idlePingMs: 50, pongTimeoutMs: 200, clockJumpMs: 1_000, now: () => Date.now() + skew });
    const beats = recordHeartbeats(rt);
    const states = recordStates(rt);
    await rt.connect();
    // Intensive throttling (Chrome, hidden tab): timers fire once a minute, so every liveness tick is late.
    const throttle = setInterval(() => (skew += 60_000), 20);
    try {
      // Healthy socket: each late tick probes and the probe is answered; nothing is dropped.
      await until(() => beats.filter((b) => b.kind === 'pong').length >= 3, 'three answered probes');
      expect(beats.filter((b) => b.kind === 'ping').every((b) => b.kind === 'ping' && b.reason === 'clock_jump')).toBe(true);
      expect(rt.state).toBe('open');

      // Dead socket: a probe that stays unanswered until the next (late) tick ends the connection, where every
      // tick used to send one more probe and keep the socket forever.
      server.faults.halfOpen(true);
      await until(() => rt.state === 'reconnecting', 'the dead socket dropped');
      expect(states.find((s) => s.state === 'reconnecting')?.error?.code).toBe('pong_timeout');
    } finally {
      clearInterval(throttle);
      server.faults.halfOpen(false);
    }
    await until(() => rt.state === 'open', 'open again');
  });

  it('a wall clock set back (an hour) does not put off pings and the pong deadline by as much', async () => {
    const server = await h.server();
    let skew = 0;
    const rt = h.client(server, { idlePingMs: 50, pongTimeoutMs: 200, clockJumpMs: 1_000, now: () => Date.now() + skew });
    const states = recordStates(rt);
    await rt.connect();
    server.faults.halfOpen(true);
    skew = -3_600_000;
    await until(() => rt.state === 'reconnecting', 'the dead socket dropped');
    expect(states.find((s) => s.state === 'reconnecting')?.error?.code).toBe('pong_timeout');
    server.faults.halfOpen(false);
    await until(() => rt.state === 'open', 'open again');
  });

  it('in a browser, probes on online/visible, retries at once while backing off, and removes its listeners on close', async () => {
    const server = await h.server();
    const environment = new FakeEnvironment();
    // The backoff draw is pinned to its maximum: a minute, unless something cuts it short.
    const rt = h.client(server, { environment, reconnectBaseDelayMs: 60_000, reconnectMaxDelayMs: 60_000, random: () => 0.999 });
    const beats = recordHeartbeats(rt);
    expect(environment.listenerCount).toBe(0); // nothing at construction
    await rt.connect();
    expect(environment.listenerCount).toBe(5);

    environment.fire('online');
    environment.becomeVisible();
    environment.fire('offline');
    expect(beats.filter((b) => b.kind === 'ping').map((b) => (b.kind === 'ping' ? b.reason : ''))).toEqual(['online', 'visible', 'offline']);

    // Backing off for a minute; coming back online (or to the tab) retries now.
    const reconnecting = new Promise<StateChange>((resolve) => {
      const off = rt.on('state', (change) => change.state === 'reconnecting' && (off(), resolve(change)));
    });
    server.faults.dropSockets();
    expect((await reconnecting).delayMs).toBeGreaterThan(59_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rt.state).toBe('reconnecting');
    environment.fire('online');
    await until(() => rt.state === 'open', 'open right after online');

    server.faults.dropSockets();
    await nextState(rt, 'reconnecting');
    environment.becomeVisible();
    await until(() => rt.state === 'open', 'open right after the tab became visible');

    await rt.close();
    expect(environment.listenerCount).toBe(0);
  });

  it('in a browser, a tab becoming hidden sends no probe (becoming visible again does)', async () => {
    const server = await h.server();
    const environment = new FakeEnvironment();
    const rt = h.client(server, { environment, idlePingMs: 60_000 });
    const beats = recordHeartbeats(rt);
    await rt.connect();
    environment.becomeHidden();
    expect(beats).toEqual([]);
    environment.becomeVisible();
    expect(beats).toEqual([{ kind: 'ping', reason: 'visible' }]);
  });

  it('in a browser, a page restored from the back/forward cache (pageshow) or a frozen tab resumed probes, unless hidden', async () => {
    const server = await h.server();
    const environment = new FakeEnvironment();
    const rt = h.client(server, { environment, idlePingMs: 60_000 });
    const beats = recordHeartbeats(rt);
    await rt.connect();
    environment.fire('pageshow');
    environment.fireOnDocument('resume');
    expect(beats.filter((b) => b.kind === 'ping')).toEqual([{ kind: 'ping', reason: 'visible' }, { kind: 'ping', reason: 'visible' }]);
    environment.becomeHidden(); // a frozen background tab can be resumed without being shown
    environment.fireOnDocument('resume');
    environment.fire('pageshow');
    expect(beats.filter((b) => b.kind === 'ping')).toHaveLength(2);
  });

  it('probes repeated before the answer is due do not put off the pong deadline of a dead socket', async () => {
    const server = await h.server();
    const rt = h.client(server, { idlePingMs: 60_000, pongTimeoutMs: 300 });
    const states = recordStates(rt);
    await rt.connect();
    server.faults.halfOpen(true);
    // A user switching tabs back and forth, or an app calling probe() on its own signals, faster than pongTimeoutMs:
    // each probe used to restart the deadline, and a dead socket was kept open for as long as they came.
    const probing = setInterval(() => rt.probe(), 50);
    try {
      await until(() => rt.state === 'reconnecting', 'the dead socket dropped');
    } finally {
      clearInterval(probing);
      server.faults.halfOpen(false);
    }
    expect(states.find((s) => s.state === 'reconnecting')?.error?.code).toBe('pong_timeout');
    await until(() => rt.state === 'open', 'open again');
  });

  it('a probe on waking (tab visible) before the late liveness tick gives the socket a fresh deadline, not the one the sleep passed', async () => {
    let answering = false;
    // Answers pings a little late, as over a real network (a WebSocket frame is never answered within the same tick).
    const server = h.track(
      await frameServer((data, socket) => {
        if (answering && data.includes('"ping"')) setTimeout(() => socket.send('{"action":"heartbeat","payload":{"message":{"text":"pong"}}}'), 30);
      }),
    );
    let skew = 0;
    const rt = h.client(server.url, { idlePingMs: 50, pongTimeoutMs: 5_000, clockJumpMs: 1_000, now: () => Date.now() + skew });
    const states = recordStates(rt);
    const beats = recordHeartbeats(rt);
    await rt.connect();
    // The laptop sleeps right after an idle ping, which goes unanswered (the network is down at that moment)…
    await until(() => beats.some((b) => b.kind === 'ping'), 'an idle ping');
    skew = 10 * 60_000;
    answering = true;
    // …and wakes up: the page becomes visible before the liveness timer fires. The deadline of the ping sent before
    // the sleep is long past; the probe must get its own, not drop the socket before it can be answered.
    rt.probe();
    await until(() => beats.at(-1)?.kind === 'pong' || rt.state !== 'open', 'the probe answered or the socket dropped');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open']);
  });

  it('reports a pong only for a frame after its own ping: frames with no ping outstanding are no answer', async () => {
    const server = await h.server();
    const rt = h.client(server, { idlePingMs: 60_000 });
    const beats = recordHeartbeats(rt);
    await rt.subscribe(topics.requests(server.project.id)).ready;
    expect(beats).toEqual([]);
    rt.probe();
    await until(() => beats.length === 2, 'the probe answered');
    expect(beats).toMatchObject([{ kind: 'ping', reason: 'manual' }, { kind: 'pong' }]);
    expect(rt.stats.badFrames).toBe(0); // the server's pong is taken, not reported
  });

  it('a ping to a socket that is closing (its close not yet reported) moves on at once, and close() then leaves no timer behind', async () => {
    // A close frame (1000), then silence: the client's ws answers it and waits (30 s) for a TCP end that never comes,
    // its socket closing all the while.
    const url = await silentPeer(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
    for (const ping of ['probe', 'idle'] as const) {
      const timers = clientTimers();
      const sockets: NodeWebSocket[] = [];
      const rt = new RealtimeClient({
        url,
        token: 'JWT x.y.z',
        ...FAST,
        WebSocket: recording(sockets),
        idlePingMs: ping === 'idle' ? 50 : 60_000,
        pongTimeoutMs: 60_000,
        reconnectBaseDelayMs: 60_000,
        reconnectMaxDelayMs: 60_000,
      });
      const states = recordStates(rt);
      await rt.connect();
      await until(() => sockets[0]!.readyState === NodeWebSocket.CLOSING, 'the socket closing');
      if (ping === 'probe') rt.probe();
      await until(() => rt.state === 'reconnecting', `reconnecting after the ${ping} ping`);
      expect(states.at(-1)?.error, ping).toMatchObject({ code: 'connection_lost', message: 'the socket stopped accepting frames' });
      await rt.close();
      await until(() => sockets[0]!.readyState === NodeWebSocket.CLOSED, 'the socket destroyed');
      stopTrackingTimers();
      expect([...timers.values()], ping).toEqual([]);
    }
  });

  it('a wall clock set back while a ping is unanswered does not put off its deadline by as much', async () => {
    const server = await h.server();
    let skew = 0;
    const rt = h.client(server, { idlePingMs: 50, pongTimeoutMs: 200, clockJumpMs: 1_000, now: () => Date.now() + skew });
    const states = recordStates(rt);
    const beats = recordHeartbeats(rt);
    await rt.connect();
    server.faults.halfOpen(true);
    await until(() => beats.some((b) => b.kind === 'ping'), 'an idle ping, unanswered');
    skew = -3_600_000;
    await until(() => rt.state === 'reconnecting', 'the dead socket dropped');
    expect(states.find((s) => s.state === 'reconnecting')?.error?.code).toBe('pong_timeout');
    server.faults.halfOpen(false);
  });

  it('on the injected clock: the idle ping is due after exactly idlePingMs, and a tick exactly clockJumpMs late is no clock jump', async () => {
    const server = await h.server();
    for (const [late, reason] of [[0, 'idle'], [1_000, 'idle'], [1_001, 'clock_jump']] as const) {
      let now = 0;
      const rt = h.client(server, { idlePingMs: 50, clockJumpMs: 1_000, now: () => now });
      const beats = recordHeartbeats(rt);
      await rt.connect();
      now = 50 + late; // before the liveness tick (due at 50) fires
      await until(() => beats.length > 0, `a ping, ${late} ms late`);
      expect(beats[0], `${late} ms late`).toEqual({ kind: 'ping', reason });
      await rt.close();
    }
  });

  it('on the injected clock: a ping unanswered for exactly pongTimeoutMs ends the connection', async () => {
    const server = await h.server();
    let now = 0;
    const rt = h.client(server, { idlePingMs: 50, pongTimeoutMs: 100, now: () => now });
    const states = recordStates(rt);
    rt.on('heartbeat', (info) => {
      if (info.kind === 'ping') now = 150; // the ping's deadline, from the next tick on
    });
    await rt.connect();
    server.faults.halfOpen(true);
    now = 50;
    await until(() => rt.state === 'reconnecting', 'the unanswered ping dropped');
    expect(states.find((s) => s.state === 'reconnecting')?.error?.code).toBe('pong_timeout');
    server.faults.halfOpen(false);
  });

  it('on the injected clock: a probe exactly at the deadline of an unanswered ping gets a deadline of its own', async () => {
    let answering = false;
    // Answers pings a little late, as over a real network.
    const server = h.track(
      await frameServer((data, socket) => {
        if (answering && data.includes('"ping"')) setTimeout(() => socket.send('{"action":"heartbeat","payload":{"message":{"text":"pong"}}}'), 30);
      }),
    );
    let now = 0;
    const rt = h.client(server.url, { idlePingMs: 50, pongTimeoutMs: 5_000, now: () => now });
    const states = recordStates(rt);
    const beats = recordHeartbeats(rt);
    await rt.connect();
    now = 50;
    await until(() => beats.some((b) => b.kind === 'ping'), 'an idle ping, unanswered');
    // The timers were held back to the very deadline of that ping; the probe measures the socket afresh.
    now = 5_050;
    answering = true;
    rt.probe();
    await until(() => beats.at(-1)?.kind === 'pong' || rt.state !== 'open', 'the probe answered or the socket dropped');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open']);
  });
});

describe('a probe during a handshake', () => {
  /**
   * A network the device has left: a TCP peer that accepts the connection and reads the upgrade but never answers,
   * as an attempt stuck on a dead Wi-Fi sees it. Resolves with its ws: url; closed (every socket destroyed) by the harness.
   */
  async function deadNetwork(): Promise<string> {
    const held = new Set<Socket>();
    const server = createTcpServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    h.track({
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of held) socket.destroy();
          server.close(() => resolve());
        }),
    });
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  /** `ws`, its first socket sent to `firstTo` (the rest to the url asked for), every socket recorded in `sockets`. */
  function firstAttemptTo(firstTo: string, sockets: NodeWebSocket[]): WebSocketConstructor {
    return class extends NodeWebSocket {
      constructor(url: string) {
        super(sockets.length ? url : `${firstTo}?${url.split('?')[1]}`);
        sockets.push(this);
      }
    } as unknown as WebSocketConstructor;
  }

  /** Lets every continuation already due run (the lifecycle's steps after a probe are promise continuations). */
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  it("the network changes while an attempt hangs on the old one: `online` abandons it and the client opens at once, nothing counted as a failure", async () => {
    const server = await h.server();
    const sockets: NodeWebSocket[] = [];
    const environment = new FakeEnvironment();
    let clock = 0; // the client's clock, moved by hand: no real time counts
    const rt = h.client(server, {
      WebSocket: firstAttemptTo(await deadNetwork(), sockets),
      environment,
      now: () => clock,
      // Without the probe's restart the stuck attempt is waited out: a minute here, 10 s by default.
      handshakeTimeoutMs: 60_000,
      // Any attempt or auth failure counted would end in failed at once.
      maxReconnectAttempts: 0,
      maxAuthFailures: 0,
    });
    const states = recordStates(rt);
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    const connected = rt.connect();
    await until(() => sockets.length === 1, 'the first attempt');
    clock += 1_000; // the attempt has hung for a second by the client's clock
    environment.fire('online');
    await until(() => rt.state !== 'connecting', 'the state after the probe'); // 60 s without it
    await connected;

    expect(states.map((s) => [s.state, s.attempt])).toEqual([['connecting', 0], ['open', 0]]);
    expect(errors).toEqual([]);
    expect(rt.stats.reconnects).toBe(0);
    expect(sockets).toHaveLength(2);
    expect(sockets[0]!.readyState).toBe(NodeWebSocket.CLOSED); // abandoned, not left hanging beside the new one
    expect(server.stats().wsConnections).toBe(1);
  });

  it('rt.probe() does the same; it leaves an attempt younger than 1 s alone, and never abandons the fresh attempt (no restart loop)', async () => {
    const sockets: NodeWebSocket[] = [];
    let clock = 0; // the client's clock, moved by hand: no real time counts
    // Every attempt goes to the dead network: each runs until something ends it.
    const rt = h.client(await deadNetwork(), { WebSocket: recording(sockets), now: () => clock, handshakeTimeoutMs: 60_000 });
    const states = recordStates(rt);
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    rt.connect().catch(() => undefined);
    await until(() => sockets.length === 1, 'the first attempt');

    clock += 999; // 1 ms short of a second: it may still be getting through on this network
    rt.probe();
    await settled();
    expect(sockets).toHaveLength(1);

    clock += 1;
    rt.probe();
    await settled();
    expect(sockets).toHaveLength(2);
    expect(sockets[0]!.readyState).toBe(NodeWebSocket.CLOSED);

    // Probes without end (an app calling probe() on every signal) leave the fresh attempt to its own timeout.
    for (let i = 0; i < 5; i++) {
      clock += 5_000;
      rt.probe();
      await settled();
    }
    expect(sockets).toHaveLength(2);
    expect(sockets[1]!.readyState).toBe(NodeWebSocket.CONNECTING);
    expect(states.map((s) => s.state)).toEqual(['connecting']);
    expect(errors).toEqual([]);
  });

  it('close() right after a probe abandoned an attempt starts no fresh one and leaves no timer behind', async () => {
    const sockets: NodeWebSocket[] = [];
    const timers = clientTimers();
    let clock = 0; // the client's clock, moved by hand: no real time counts
    const rt = new RealtimeClient({
      url: await deadNetwork(),
      token: 'JWT a.b.c',
      ...FAST,
      WebSocket: recording(sockets),
      now: () => clock,
      handshakeTimeoutMs: 60_000,
    });
    const connecting = rt.connect().catch((e: unknown) => e);
    await until(() => sockets.length === 1, 'the first attempt');
    clock += 1_000;
    rt.probe(); // the fresh attempt is due once the current continuations run…
    const closing = rt.close(); // …but the client is closed first
    expect(await connecting).toMatchObject({ code: 'client_closed' });
    await closing;
    await settled();
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.readyState).toBe(NodeWebSocket.CLOSED);
    expect(rt.state).toBe('closed');
    expect([...timers.values()]).toEqual([]);
  });

  it("a probe while the server's reachability is asked (after a browser's close before open) does not cut that short", async () => {
    const environment = new FakeEnvironment();
    let answer: ((response: { status: number }) => void) | undefined;
    environment.fetch = () => new Promise((resolve) => (answer = resolve));
    let clock = 0;
    const rt = h.client(`ws://127.0.0.1:${await refusedPort()}/`, {
      WebSocket: BrowserLikeWebSocket,
      environment,
      now: () => clock,
      suspectAuthAfter: 1,
      maxAuthFailures: 1,
    });
    const failure = rt.connect().catch((e: unknown) => e);
    await until(() => answer !== undefined, 'the reachability probe');
    clock += 60_000; // long after the attempt began: its probe handling must be over
    environment.fire('online');
    await settled();
    answer!({ status: 200 }); // the server is up: the close counts
    expect(await failure).toMatchObject({ code: 'auth_suspected' });
  });
});

describe('listeners', () => {
  it('one removed during an emit does not hear it; one added during an emit hears the next one on', async () => {
    const server = await h.server();
    const rt = h.client(server);
    const heard: string[] = [];
    let offB = () => {};
    rt.on('state', ({ state }) => {
      heard.push(`A ${state}`);
      if (state !== 'connecting') return;
      offB();
      rt.on('state', (change) => heard.push(`C ${change.state}`));
    });
    offB = rt.on('state', ({ state }) => heard.push(`B ${state}`));
    await rt.connect();
    expect(heard).toEqual(['A connecting', 'A open', 'C open']);
  });

  it('one that throws does not stop the others or the connection: its error is rethrown on its own, asynchronously', async () => {
    const server = await h.server();
    const rt = h.client(server);
    const rethrown: unknown[] = [];
    const queue = globalThis.queueMicrotask;
    vi.stubGlobal('queueMicrotask', (task: () => void) =>
      queue(() => {
        try {
          task();
        } catch (error) {
          rethrown.push(error);
        }
      }),
    );
    const bug = new Error('a bug in a listener');
    const off = rt.on('state', () => {
      throw bug;
    });
    try {
      const states = recordStates(rt);
      await rt.connect();
      expect(states.map((s) => s.state)).toEqual(['connecting', 'open']);
      await until(() => rethrown.length === 2, 'the errors rethrown');
      expect(rethrown).toEqual([bug, bug]);
    } finally {
      off();
      vi.unstubAllGlobals();
    }
  });
});

describe('close()', () => {
  it('connect() called again and again through an outage adds no listener; failed and close() settle every wait', async () => {
    const server = await h.server();
    server.faults.hangUpgrades(true);
    const environment = new FakeEnvironment();
    const rt = h.client(server, { environment, handshakeTimeoutMs: 50, maxReconnectAttempts: 6 });
    // Listeners the client adds to itself, added minus removed: none (connect() used to wait on its own `state` event).
    const added = vi.spyOn(Emitter.prototype, 'on');
    const removed = vi.spyOn(Emitter.prototype, 'off');
    const listeners = () => added.mock.calls.length - removed.mock.calls.length;
    try {
      const waits: Array<Promise<unknown>> = [];
      const connectMany = () => {
        for (let i = 0; i < 50; i++) waits.push(rt.connect().catch((e: unknown) => e));
      };
      connectMany(); // connecting
      await until(() => rt.stats.reconnects >= 2, 'retrying');
      connectMany(); // reconnecting
      expect([listeners(), environment.listenerCount]).toEqual([0, 5]);
      const failures = await Promise.all(waits.splice(0));
      expect(new Set(failures.map((e) => (e as RealtimeError).code))).toEqual(new Set(['handshake_timeout']));
      expect([rt.state, listeners(), environment.listenerCount]).toEqual(['failed', 0, 0]);

      connectMany(); // a new run
      await until(() => rt.stats.reconnects >= 7, 'retrying again');
      connectMany();
      expect([listeners(), environment.listenerCount]).toEqual([0, 5]);
      server.faults.hangUpgrades(false);
      expect(await Promise.all(waits.splice(0))).toEqual(Array(100).fill(undefined));
      expect([rt.state, listeners(), environment.listenerCount]).toEqual(['open', 0, 5]);

      await rt.close();
      expect(environment.listenerCount).toBe(0);
    } finally {
      added.mockRestore();
      removed.mockRestore();
    }
  });

  it('ends everything: socket, timers, listeners, pending ready; state closed is terminal', async () => {
    const server = await h.server();
    const timers = clientTimers();
    const environment = new FakeEnvironment();
    const rt = new RealtimeClient({ url: server.wsUrl, token: server.owner.token, ...FAST, environment, idlePingMs: 50 });
    const refused = rt.subscribe(topics.messages(server.project.id, 'no-such-request'));
    const held = rt.subscribe(topics.requests(server.project.id));
    await held.ready;
    let states: ConnectionState[] = [];
    rt.on('state', ({ state }) => states.push(state));
    await rt.close();

    expect(rt.state).toBe('closed');
    expect(states).toEqual(['closed']);
    await expect(refused.ready).rejects.toMatchObject({ code: 'client_closed' });
    expect(held.state).toBe('unsubscribed');
    expect(environment.listenerCount).toBe(0);
    await until(() => server.stats().wsConnections === 0, 'server saw the close');
    expect([...timers.values()]).toEqual([]);
    expect(() => rt.subscribe(topics.requests(server.project.id))).toThrow(RealtimeError);
    await expect(rt.connect()).rejects.toMatchObject({ code: 'client_closed' });
    states = [];
    await rt.close();
    expect(states).toEqual([]);
  });

  it.each(['error', 'reconnecting'] as const)('close() from a listener of %s ends the lifecycle: no backoff timer, state stays closed', async (when) => {
    const timers = clientTimers();
    const rt = new RealtimeClient({ url: `ws://127.0.0.1:${await refusedPort()}/`, token: 'JWT a.b.c', ...FAST, reconnectBaseDelayMs: 60_000, reconnectMaxDelayMs: 60_000, random: () => 0.99 });
    const closed = new Promise<void>((resolve) => {
      if (when === 'error') rt.on('error', () => void rt.close().then(resolve));
      else rt.on('state', ({ state }) => state === 'reconnecting' && void rt.close().then(resolve));
    });
    const connecting = rt.connect().catch((e: unknown) => e);
    await closed;
    expect(await connecting).toMatchObject({ code: 'client_closed' });
    expect(rt.state).toBe('closed');
    expect(() => rt.subscribe('/p/requests')).toThrow(RealtimeError);
    expect([...timers.values()]).toEqual([]);
  });

  it('connect() called from a failed listener is not settled by that failed, and resolves when the retry opens; close() from a connecting listener rejects it', async () => {
    const server = await h.server();
    let token = 'JWT a.b.c';
    const rt = h.client(server, { token: () => token, maxAuthFailures: 1 });
    let retry: Promise<unknown> | undefined;
    rt.on('state', ({ state }) => {
      if (state !== 'failed' || retry) return;
      token = server.owner.token;
      retry = rt.connect().then(() => 'open', (e: unknown) => e);
    });
    await expect(rt.connect()).rejects.toBeInstanceOf(RealtimeAuthError);
    expect(await retry).toBe('open');

    const other = h.client(server);
    other.on('state', ({ state }) => state === 'connecting' && void other.close());
    await expect(other.connect()).rejects.toMatchObject({ code: 'client_closed' });
  });

  it('connect() from a state listener: the wait under way while connecting or reconnecting, resolved once open, rejected once closed; one run', async () => {
    const server = await h.server();
    let attempts = 0;
    // The first upgrade gets a 401, so the run goes through connecting, reconnecting and open.
    const rt = h.client(server, { token: () => (attempts++ === 0 ? 'JWT a.b.c' : server.owner.token) });
    const calls: Array<[ConnectionState, Promise<void>]> = [];
    rt.on('state', ({ state }) => {
      const wait = rt.connect();
      wait.catch(() => undefined); // checked below; handled now so the rejection on closed is not reported unhandled
      calls.push([state, wait]);
    });
    const outer = rt.connect();
    await outer;
    await rt.close();

    expect(calls.map(([state]) => state)).toEqual(['connecting', 'reconnecting', 'open', 'closed']);
    const [connecting, reconnecting, open, closed] = calls.map(([, wait]) => wait);
    expect(connecting).toBe(outer);
    expect(reconnecting).toBe(outer);
    await expect(open).resolves.toBeUndefined();
    await expect(closed).rejects.toMatchObject({ code: 'client_closed' });
    expect(attempts).toBe(2);
  });

  it('connect() from the connecting listener of a run that connect() from a failed listener started joins that run, not the failed one', async () => {
    const server = await h.server();
    let token = 'JWT a.b.c';
    const rt = h.client(server, { token: () => token, maxAuthFailures: 1 });
    let restarted = false;
    let retry: Promise<void> | undefined;
    let joined: Promise<void> | undefined;
    rt.on('state', ({ state }) => {
      if (state === 'failed' && !restarted) {
        restarted = true;
        token = server.owner.token;
        retry = rt.connect();
        retry.catch(() => undefined); // checked below
      } else if (state === 'connecting' && restarted && !joined) {
        joined = rt.connect();
        joined.catch(() => undefined); // checked below
      }
    });
    await expect(rt.connect()).rejects.toBeInstanceOf(RealtimeAuthError);
    await expect(joined).resolves.toBeUndefined(); // it was the failed run's wait, rejected with that run's error
    expect(joined).toBe(retry);
    expect(rt.state).toBe('open');
  });

  it('a listener that restarts the client on failed: the listeners after it hear the restart, never the stale failed after it', async () => {
    const server = await h.server();
    let token = 'JWT a.b.c';
    const rt = h.client(server, { token: () => token, maxAuthFailures: 1 });
    rt.on('state', ({ state }) => {
      if (state !== 'failed') return;
      token = server.owner.token;
      rt.connect().catch(() => undefined); // its outcome is the `open` heard below
    });
    // A status display registered after it: it used to hear connecting, then failed, and show failed while connecting.
    const heard: Array<[ConnectionState, ConnectionState, ConnectionState]> = [];
    rt.on('state', ({ state, previous }) => heard.push([state, previous, rt.state]));

    // The first run's wait is settled by its failure before any listener runs, whatever their order.
    await expect(rt.connect()).rejects.toBeInstanceOf(RealtimeAuthError);
    await until(() => rt.state === 'open', 'restarted');
    expect(heard).toEqual([
      ['connecting', 'idle', 'connecting'],
      ['connecting', 'failed', 'connecting'],
      ['open', 'connecting', 'open'],
    ]);
  });

  it('close() from a connecting listener leaves no attempt, timer or listener, and no later listener hears connecting after closed', async () => {
    const server = await h.server();
    const timers = clientTimers();
    const environment = new FakeEnvironment();
    let tokens = 0;
    const rt = h.client(server, { environment, token: () => (tokens++, server.owner.token) });
    rt.on('state', ({ state }) => state === 'connecting' && void rt.close());
    const heard: ConnectionState[] = [];
    rt.on('state', ({ state }) => heard.push(state));

    const error = await rt.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RealtimeError);
    expect(error).toMatchObject({ code: 'client_closed' });
    expect(heard).toEqual(['closed']);
    expect([rt.state, tokens, environment.listenerCount, server.stats().wsConnections]).toEqual(['closed', 0, 0, 0]);
    expect([...timers.values()]).toEqual([]);
  });

  it('close() from a subscription handler while the client fails leaves it closed, not failed', async () => {
    const server = await h.server();
    const rt = h.client(server, { token: 'JWT a.b.c', maxAuthFailures: 1 });
    const heard: ConnectionState[] = [];
    rt.on('state', ({ state }) => heard.push(state));
    const sub = rt.subscribe(topics.requests(server.project.id), { state: (state) => state === 'error' && void rt.close() });

    await expect(sub.ready).rejects.toBeInstanceOf(RealtimeAuthError);
    // It was closed, then failed: #fail() announced `failed` after the handler had closed the client.
    expect([rt.state, heard]).toEqual(['closed', ['connecting', 'closed']]);
    await expect(rt.connect()).rejects.toMatchObject({ code: 'client_closed' });
  });

  it('subscribe() from a subscription handler while the client fails is refused with that failure, not left pending', async () => {
    const server = await h.server();
    const rt = h.client(server, { token: 'JWT a.b.c', maxAuthFailures: 1 });
    const topic = topics.requests(server.project.id);
    let again: ReturnType<typeof rt.subscribe> | undefined;
    const sub = rt.subscribe(topic, { state: (state) => state === 'error' && !again && (again = rt.subscribe(topic)) });

    await expect(sub.ready).rejects.toBeInstanceOf(RealtimeAuthError);
    expect(rt.state).toBe('failed');
    // It stayed `subscribing`, its `ready` pending until a connect() no one makes.
    expect(again?.state).toBe('error');
    await expect(again?.ready).rejects.toBeInstanceOf(RealtimeAuthError);
  });

  it('connect() from a subscription handler while the client fails joins the failing run: rejected with it, no second run', async () => {
    const server = await h.server();
    let tokens = 0;
    let token = 'JWT a.b.c';
    const rt = h.client(server, { token: () => (tokens++, token), maxAuthFailures: 1 });
    const heard: ConnectionState[] = [];
    rt.on('state', ({ state }) => heard.push(state));
    let retry: Promise<void> | undefined;
    const sub = rt.subscribe(topics.requests(server.project.id), {
      state: (state) => {
        if (state !== 'error' || retry) return;
        token = server.owner.token;
        retry = rt.connect();
        retry.catch(() => undefined); // checked below
      },
    });

    await expect(sub.ready).rejects.toBeInstanceOf(RealtimeAuthError);
    // It started a second run, which `failed` then misreported (and which went on to open, never reported).
    await expect(retry).rejects.toBeInstanceOf(RealtimeAuthError);
    expect([rt.state, tokens, heard]).toEqual(['failed', 1, ['connecting', 'failed']]);
    await rt.connect(); // after failed, connect() starts again
    expect(heard).toEqual(['connecting', 'failed', 'connecting', 'open']);
  });

  it('connect() from a subscription handler during close() is rejected and starts nothing', async () => {
    const server = await h.server();
    server.faults.hangUpgrades(true);
    const timers = clientTimers();
    let tokens = 0;
    const rt = h.client(server, { token: () => (tokens++, server.owner.token) });
    let retry: Promise<void> | undefined;
    rt.subscribe(topics.requests(server.project.id), {
      state: (state) => {
        if (state !== 'unsubscribed') return;
        retry = rt.connect();
        retry.catch(() => undefined); // checked below
      },
    }).ready.catch(() => undefined);
    await until(() => server.stats().httpConnections > 0, 'the upgrade held');

    await rt.close();
    await expect(retry).rejects.toMatchObject({ code: 'client_closed' });
    // It started a second run on the closed client, which nothing would ever end.
    expect([rt.state, tokens]).toEqual(['closed', 1]);
    expect([...timers.values()]).toEqual([]);
  });

  it('closes during a hung handshake without leaving the socket or its timer behind', async () => {
    const server = await h.server();
    server.faults.hangUpgrades(true);
    const timers = clientTimers();
    const rt = new RealtimeClient({ url: server.wsUrl, token: server.owner.token, ...FAST, handshakeTimeoutMs: 60_000 });
    const connecting = rt.connect().catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await rt.close();
    expect(await connecting).toMatchObject({ code: 'client_closed' });
    expect([...timers.values()]).toEqual([]);
  });

  it('a token that arrives after its timeout does not keep close() from ending the backoff that followed', async () => {
    // No socket is ever opened (the token comes too late), so fake timers can count exactly what close() leaves.
    vi.useFakeTimers();
    try {
      const rt = new RealtimeClient({
        url: 'ws://127.0.0.1:9/',
        ...FAST,
        handshakeTimeoutMs: 50,
        reconnectBaseDelayMs: 60_000,
        reconnectMaxDelayMs: 60_000,
        random: () => 0.99,
        token: () => new Promise<string>((resolve) => setTimeout(resolve, 150, 'JWT a.b.c')),
      });
      const states = recordStates(rt);
      rt.connect().catch(() => undefined);
      await vi.advanceTimersByTimeAsync(100);
      expect(states.map((s) => [s.state, s.error?.code])).toEqual([
        ['connecting', undefined],
        ['reconnecting', 'auth_failed'],
      ]);
      await vi.advanceTimersByTimeAsync(100); // the token comes in during the ~59 s pause
      await rt.close();
      expect(rt.state).toBe('closed');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a dead (half-open) peer does not hold close() for long', async () => {
    const server = await h.server();
    const rt = h.client(server, { closeTimeoutMs: 100 });
    await rt.connect();
    server.faults.halfOpen(true);
    await rt.close();
    expect(rt.state).toBe('closed');
    server.faults.halfOpen(false);
  });

  it('close() ends the connection with a normal closure (1000)', async () => {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    const codes: number[] = [];
    wss.on('connection', (socket) => socket.on('close', (code) => codes.push(code)));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    h.track({ close: () => new Promise<void>((resolve) => (wss.close(), http.close(() => resolve()))) });
    const rt = h.client(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/`);
    await rt.connect();
    await rt.close();
    await until(() => codes.length === 1, 'the close on the server');
    expect(codes).toEqual([1000]);
  });

  it('a peer that never answers the closing handshake: close() destroys the socket once closeTimeoutMs has passed', async () => {
    const url = await silentPeer();
    const sockets: NodeWebSocket[] = [];
    const rt = h.client(url, { WebSocket: recording(sockets), closeTimeoutMs: 50 });
    await rt.connect();
    await rt.close();
    // Left to itself, ws waits 30 s for the answer, keeping the TCP socket (and a Node process) alive.
    await until(() => sockets[0]!.readyState === NodeWebSocket.CLOSED, 'the socket destroyed');
  });

  it('a subscription made by a failed listener that restarted the client belongs to the new run, not refused with the old failure', async () => {
    const server = await h.server();
    let good = false;
    const rt = h.client(server, { token: () => (good ? server.owner.token : 'JWT a.b.c'), maxAuthFailures: 1 });
    let late: Subscription<unknown> | undefined;
    rt.on('state', ({ state }) => {
      if (state !== 'failed' || late) return;
      good = true;
      void rt.connect();
      late = rt.subscribe(topics.requests(server.project.id));
    });
    await rt.connect().catch(() => undefined);
    await late!.ready;
    expect(late!.state).toBe('subscribed');
  });
});
