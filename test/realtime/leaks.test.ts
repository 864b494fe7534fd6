/**
 * 1,000 reconnect cycles against the local server (socket dropped by the server, reconnect, resubscribe two topics):
 * timers, sockets, environment listeners and heap must not grow with the number of cycles, and nothing the client made
 * outlives close(). Timers and sockets are those of the client under test, tracked one by one: counts of the process's
 * handles also moved with the local server's, vitest's and other tests' own.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { RealtimeClient, topics, type WebSocketConstructor } from '../../src/realtime/index.js';
import { clientTimers, FakeEnvironment, FAST, frameServer, Harness, rest, stopTrackingTimers, until } from './helpers.js';

const h = new Harness();
afterEach(() => {
  stopTrackingTimers();
  return h.dispose();
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Bytes of live heap objects after full collections. JIT code spaces are left out: V8 keeps compiling and
 * deoptimising hot paths for the first thousands of cycles (measured with heap-snapshot diffs: all of the early
 * growth is `code` and deopt data, not a single extra JS object), which says nothing about leaks.
 */
function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  let used = 0;
  for (const space of getHeapSpaceStatistics()) if (!space.space_name.startsWith('code')) used += space.space_used_size;
  return used;
}

/**
 * `ws` sockets that report when they are closed (`ws` emits `close` once its TCP socket has closed, or once a
 * handshake that never connected was given up) and when they are garbage-collected: a retained socket is the typical
 * reconnect leak. Only ids are kept, so the tracking itself holds no socket.
 */
const unclosed = new Set<number>();
const uncollected = new Set<number>();
const collected = new FinalizationRegistry<number>((id) => uncollected.delete(id));
let nextSocketId = 0;
const TrackedWebSocket = class extends NodeWebSocket {
  constructor(url: string) {
    super(url);
    const id = nextSocketId++;
    unclosed.add(id);
    uncollected.add(id);
    this.once('close', () => unclosed.delete(id));
    collected.register(this, id);
  }
} as unknown as WebSocketConstructor;

const WARM_UP = 300;

/** Waits (5 s at most) for `condition`; the assertions after it say what did not settle. */
function settled(condition: () => boolean): Promise<void> {
  return until(condition).catch(() => {});
}

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

it('1,000 reconnect cycles leave timers, sockets, listeners and heap where they were; close() leaves nothing', { timeout: 120_000 }, async () => {
  const server = await h.server();
  const req = await rest(server).createRequest();
  const environment = new FakeEnvironment();
  const timers = clientTimers();
  const rt = new RealtimeClient({
    url: server.wsUrl,
    token: async () => server.owner.token, // resolved on every connect, like a real token refresher
    ...FAST,
    environment,
    WebSocket: TrackedWebSocket,
    reconnectBaseDelayMs: 1,
    reconnectMaxDelayMs: 2,
  });
  h.track(rt);
  const requests = rt.subscribe(topics.requests(server.project.id), { snapshot: () => {} });
  const messages = rt.subscribe(topics.messages(server.project.id, req.request_id), { create: () => {} });
  let opens = 0;
  rt.on('state', ({ state }) => state === 'open' && opens++);

  const cycle = async () => {
    const target = opens + 1;
    server.faults.dropSockets();
    await until(() => opens === target && requests.state === 'subscribed' && messages.state === 'subscribed', 'reconnected', 5_000);
  };

  await Promise.all([requests.ready, messages.ready]);
  for (let i = 0; i < WARM_UP; i++) await cycle(); // warm-up: JIT, pools, lazily created structures
  await settled(() => unclosed.size === 1); // the dropped sockets' TCP close, just after the server saw it
  const timersBefore = [...timers.values()];
  const listenersBefore = environment.listenerCount;
  const heapBefore = heapAfterGc();

  for (let i = 0; i < 1_000; i++) await cycle();
  await until(() => server.stats().wsConnections === 1, 'server settled');
  await settled(() => unclosed.size === 1);

  await collectGarbage();
  const socketsCreated = nextSocketId;
  const socketsRetained = uncollected.size;
  const timersAfter = [...timers.values()];
  const heapAfter = heapAfterGc();
  const figures = {
    cycles: 1_000,
    clientTimers: [timersBefore.length, timersAfter.length],
    clientSocketsOpen: unclosed.size,
    environmentListeners: [listenersBefore, environment.listenerCount],
    objectHeapKiB: [Math.round(heapBefore / 1024), Math.round(heapAfter / 1024)],
    socketObjects: { created: socketsCreated, retained: socketsRetained },
    reconnects: rt.stats.reconnects,
  };
  console.info(`[leak-check] ${JSON.stringify(figures)}`);

  expect(opens).toBe(1 + WARM_UP + 1_000);
  expect(server.stats()).toMatchObject({ wsConnections: 1, subscriptions: 2 });
  // What an open connection keeps pending, its liveness check (ping when idle), and nothing else, as before them.
  expect(timersBefore, timersBefore.join('\n\n')).toHaveLength(1);
  expect(timersAfter, timersAfter.join('\n\n')).toHaveLength(1);
  expect(unclosed.size).toBe(1); // the open connection's socket; every dropped one closed
  expect(environment.listenerCount).toBe(listenersBefore);
  // Every discarded socket object was garbage-collected: nothing (listener, closure, timer) still references one.
  expect(socketsCreated).toBe(1 + WARM_UP + 1_000);
  expect(socketsRetained).toBeLessThanOrEqual(2);
  // A leak of 1 KiB per cycle would add 1,000 KiB; what remains below that is V8 metadata settling (see heapAfterGc).
  expect(heapAfter - heapBefore).toBeLessThan(1_000 * 1024);

  await rt.close();
  expect(environment.listenerCount).toBe(0);
  await settled(() => unclosed.size === 0);
  expect(unclosed.size).toBe(0); // its TCP socket closed
  expect([...timers.values()]).toEqual([]); // no timer the client (or `ws` on its behalf) set is still pending
  await until(() => server.stats().wsConnections === 0, 'closed on the server');
  await collectGarbage();
  expect(uncollected.size).toBe(0); // and with the client closed, not even the last one is kept
});

it('topics given up before their first frame are not remembered on a long-lived connection', async () => {
  // The real server refuses a subscription by never answering it; this one never answers any.
  let received = 0;
  const raw = h.track(await frameServer(() => received++));
  const rt = h.client(raw.url);
  await rt.connect();
  const long = 'x'.repeat(2_000); // 2 KB a topic: 4 MB for the 2,000 below, if each is kept
  const churn = (from: number, to: number) => {
    for (let i = from; i < to; i++) rt.subscribe(topics.request('65f000000000000000000001', `${long}${i}`)).unsubscribe();
  };
  churn(0, 500); // warm-up
  await until(() => received === 500, 'the warm-up subscribes on the server');
  const heapBefore = heapAfterGc();
  churn(500, 2_500);
  await until(() => received === 2_500, 'every subscribe on the server');
  const heapAfter = heapAfterGc();
  console.info(`[leak-check] given-up topics: ${JSON.stringify({ topics: 2_000, objectHeapKiB: [heapBefore, heapAfter].map((b) => Math.round(b / 1024)) })}`);
  expect(rt.state).toBe('open');
  expect(rt.stats.topics).toBe(0);
  expect(heapAfter - heapBefore).toBeLessThan(1_000 * 1024);
});

it('close() lets go of the listeners of the client, even while the client itself is still referenced', async () => {
  const server = await h.server();
  const rt = h.client(server);
  let released = false;
  const registry = new FinalizationRegistry(() => (released = true));
  ((listener: () => void) => {
    registry.register(listener, 'listener');
    rt.on('state', listener);
  })(() => {});
  await rt.connect();
  await rt.close();
  await until(() => (gc(), released), 'the listener collected');
  expect(rt.state).toBe('closed'); // the client is still referenced here
});
