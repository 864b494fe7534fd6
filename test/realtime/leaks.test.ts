/**
 * 1,000 reconnect cycles against the local server (socket dropped by the server, reconnect, resubscribe two topics):
 * timers, sockets, environment listeners and heap must not grow with the number of cycles.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { RealtimeClient, topics, type WebSocketConstructor } from '../../src/realtime/index.js';
import { activeResources, FakeEnvironment, FAST, frameServer, Harness, rest, until } from './helpers.js';

const h = new Harness();
afterEach(() => h.dispose());

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

/** `ws` sockets that report when they are garbage-collected: a retained socket is the typical reconnect leak. */
const uncollected = new Set<number>();
const collected = new FinalizationRegistry<number>((id) => uncollected.delete(id));
let nextSocketId = 0;
const TrackedWebSocket = class extends NodeWebSocket {
  constructor(url: string) {
    super(url);
    const id = nextSocketId++;
    uncollected.add(id);
    collected.register(this, id);
  }
} as unknown as WebSocketConstructor;

const WARM_UP = 300;

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

it('1,000 reconnect cycles leave timers, sockets, listeners and heap where they were', { timeout: 120_000 }, async () => {
  const server = await h.server();
  const req = await rest(server).createRequest();
  const environment = new FakeEnvironment();
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
  const resourcesBefore = activeResources();
  const listenersBefore = environment.listenerCount;
  const heapBefore = heapAfterGc();

  for (let i = 0; i < 1_000; i++) await cycle();
  await until(() => server.stats().wsConnections === 1, 'server settled');

  await collectGarbage();
  const socketsCreated = nextSocketId;
  const socketsRetained = uncollected.size;
  const resourcesAfter = activeResources();
  const heapAfter = heapAfterGc();
  const figures = {
    cycles: 1_000,
    timers: [resourcesBefore.Timeout ?? 0, resourcesAfter.Timeout ?? 0],
    sockets: [resourcesBefore.TCPSocketWrap ?? 0, resourcesAfter.TCPSocketWrap ?? 0],
    environmentListeners: [listenersBefore, environment.listenerCount],
    objectHeapKiB: [Math.round(heapBefore / 1024), Math.round(heapAfter / 1024)],
    socketObjects: { created: socketsCreated, retained: socketsRetained },
    reconnects: rt.stats.reconnects,
  };
  console.info(`[leak-check] ${JSON.stringify(figures)}`);

  expect(opens).toBe(1 + WARM_UP + 1_000);
  expect(server.stats()).toMatchObject({ wsConnections: 1, subscriptions: 2 });
  expect(resourcesAfter.Timeout ?? 0).toBeLessThanOrEqual(resourcesBefore.Timeout ?? 0);
  expect(resourcesAfter.TCPSocketWrap ?? 0).toBeLessThanOrEqual(resourcesBefore.TCPSocketWrap ?? 0);
  expect(environment.listenerCount).toBe(listenersBefore);
  // Every discarded socket object was garbage-collected: nothing (listener, closure, timer) still references one.
  expect(socketsCreated).toBe(1 + WARM_UP + 1_000);
  expect(socketsRetained).toBeLessThanOrEqual(2);
  // A leak of 1 KiB per cycle would add 1,000 KiB; what remains below that is V8 metadata settling (see heapAfterGc).
  expect(heapAfter - heapBefore).toBeLessThan(1_000 * 1024);

  await rt.close();
  expect(environment.listenerCount).toBe(0);
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
