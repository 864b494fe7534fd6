/**
 * LiveRequests and LiveMessages: state built from snapshots and live frames, merges that keep what UPDATEs omit,
 * reconciliation after a reconnect, REST gap-fill beyond the snapshot caps, ordering, batching, and merges that are
 * safe against `__proto__`/`constructor` keys.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { TiledeskClient } from '../../src/index.js';
import {
  LiveMessages,
  LiveRequests,
  mergeItems,
  topics,
  type LiveChange,
  type LiveGap,
  type LiveRestSource,
  type RealtimeMessage,
  type RealtimeRequest,
} from '../../src/realtime/index.js';
import type { TiledeskTestServer } from '../../src/testing/index.js';
import { frameServer, Harness, nextState, rest, until } from './helpers.js';

const h = new Harness();
afterEach(() => h.dispose());

function restClient(server: TiledeskTestServer): TiledeskClient {
  return h.track(new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token } }));
}

function changes<T>(store: { on(event: 'change', listener: (c: LiveChange<T>) => void): () => void }): LiveChange<T>[] {
  const list: LiveChange<T>[] = [];
  store.on('change', (c) => list.push(c));
  return list;
}

const ids = (items: readonly RealtimeRequest[]) => items.map((r) => r.request_id).sort();

/** Every order of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** 2024-01-01T00:00:<s>Z: `updatedAt` values that order versions. */
const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();

/**
 * A raw frame server that hands each subscribe to `onSubscribe`: its number (from 1), a `publish(method, message)` on
 * `topic`, and the socket. `subscribes()` counts them.
 */
async function topicServer(
  topic: string,
  onSubscribe: (publish: (method: 'CREATE' | 'UPDATE', message: unknown) => void, nth: number, socket: { terminate(): void }) => void,
) {
  let subscribes = 0;
  const raw = h.track(
    await frameServer((data, socket) => {
      if (JSON.parse(data).action !== 'subscribe') return;
      onSubscribe((method, message) => socket.send(JSON.stringify({ action: 'publish', payload: { topic, method, message } })), ++subscribes, socket);
    }),
  );
  return Object.assign(raw, { subscribes: () => subscribes });
}

/** A `LiveRequests` on a raw frame server that answers its subscribe with an empty snapshot; `send` publishes on its topic. */
async function liveRequestsOnEmptySnapshot() {
  const pid = '65f000000000000000000001';
  const topic = topics.requests(pid);
  const frame = (method: string, message: unknown) => JSON.stringify({ action: 'publish', payload: { topic, method, message } });
  const raw = h.track(await frameServer((data, socket) => JSON.parse(data).action === 'subscribe' && socket.send(frame('CREATE', []))));
  const live = new LiveRequests(h.client(raw.url), pid);
  await live.ready;
  return { live, send: (method: 'CREATE' | 'UPDATE', message: unknown) => raw.send(frame(method, message)) };
}

describe('LiveRequests', () => {
  it('builds the open list from the snapshot, adds live CREATEs and drops closed requests', async () => {
    const server = await h.server();
    const api = rest(server);
    const a = await api.createRequest('a');
    const rt = h.client(server);
    const live = new LiveRequests(rt, server.project.id);
    const log = changes(live);
    await live.ready;
    expect(ids(live.list())).toEqual([a.request_id]);

    const b = await api.createRequest('b');
    await until(() => live.size === 2, 'live CREATE');
    await api.close(a.request_id);
    await until(() => live.size === 1, 'closed request removed');
    expect(ids(live.list())).toEqual([b.request_id]);
    await until(() => log.length === 3, 'three batches');
    expect(log.map((c) => [c.added.length, c.updated.length, c.removed.length])).toEqual([[1, 0, 0], [1, 0, 0], [0, 0, 1]]);
    expect(log[2]!.removed[0]!.status).toBe(1000);
  });

  it('merges UPDATEs field by field: what an UPDATE omits (snapshot.lead, requester, department) is kept', async () => {
    const server = await h.server();
    const api = rest(server);
    const rt = h.client(server);
    const live = new LiveRequests(rt, server.project.id);
    await live.ready;
    const req = await api.createRequest('populated');
    await until(() => live.size === 1, 'live CREATE');
    const created = live.get(req.request_id)!;
    expect(created.snapshot).toHaveProperty('lead');
    expect(created.snapshot).toHaveProperty('department');

    await api.patch(req.request_id, { priority: 'high' });
    await until(() => live.get(req.request_id)!.priority === 'high', 'UPDATE applied');
    const updated = live.get(req.request_id)!;
    expect(updated.snapshot).toMatchObject({ lead: created.snapshot!.lead, department: created.snapshot!.department });
    expect(updated.first_text).toBe('populated');
  });

  it('after a reconnect, the new snapshot reconciles: gone requests removed, new ones added, populated fields kept', async () => {
    const server = await h.server();
    const api = rest(server);
    const keep = await api.createRequest('keep');
    const gone = await api.createRequest('gone');
    const rt = h.client(server);
    const live = new LiveRequests(rt, server.project.id);
    await live.ready;
    const fresh = await api.createRequest('arrives live');
    await until(() => live.size === 3, 'live CREATE');
    const populatedLead = live.get(fresh.request_id)!.lead;
    expect(typeof populatedLead).toBe('object');

    // Offline for a while: no events reach us while one conversation is closed and another opens.
    server.faults.hangUpgrades(true);
    server.faults.dropSockets();
    await nextState(rt, 'reconnecting');
    await api.close(gone.request_id);
    const missed = await api.createRequest('missed while offline');
    const log = changes(live);
    server.faults.hangUpgrades(false);
    await until(() => live.get(missed.request_id) !== undefined && live.get(gone.request_id) === undefined, 'reconciled');
    expect(ids(live.list())).toEqual([keep.request_id, fresh.request_id, missed.request_id].sort());
    // The snapshot carries `lead` as a bare id; the store keeps the document it already had.
    expect(live.get(fresh.request_id)!.lead).toEqual(populatedLead);
    await until(() => log.length > 0, 'change event');
    const merged = log.reduce((all, c) => ({ added: [...all.added, ...c.added], removed: [...all.removed, ...c.removed] }), { added: [] as RealtimeRequest[], removed: [] as RealtimeRequest[] });
    expect(ids(merged.added)).toEqual([missed.request_id]);
    expect(ids(merged.removed)).toEqual([gone.request_id]);
  });

  it('a snapshot after a reconnect reports only what changed: items it sends again unchanged keep their objects and list()', async () => {
    const server = await h.server();
    const api = rest(server);
    const same = await api.createRequest('unchanged');
    const patched = await api.createRequest('patched while away');
    await api.sendMessage(same.request_id, 'one');
    await api.sendMessage(same.request_id, 'two');
    const rt = h.client(server);
    const requests = new LiveRequests(rt, server.project.id);
    const messages = new LiveMessages(rt, server.project.id, same.request_id);
    await Promise.all([requests.ready, messages.ready]);
    await new Promise((resolve) => setTimeout(resolve, 0)); // the first snapshots' change events
    const requestsBefore = requests.list();
    const messagesBefore = messages.list();
    const requestLog = changes(requests);
    const messageLog = changes(messages);

    server.faults.hangUpgrades(true);
    server.faults.dropSockets();
    await nextState(rt, 'reconnecting');
    await api.patch(patched.request_id, { priority: 'high' });
    server.faults.hangUpgrades(false);
    await until(() => requests.get(patched.request_id)!.priority === 'high' && messages.state === 'subscribed', 'the snapshots after the reconnect');
    await until(() => requestLog.length > 0, 'the change event');

    expect(requestLog.map((c) => ids(c.updated))).toEqual([[patched.request_id]]);
    expect(requestLog.flatMap((c) => [...c.added, ...c.removed])).toEqual([]);
    expect(requests.get(same.request_id)).toBe(requestsBefore.find((r) => r.request_id === same.request_id));
    expect(messageLog).toEqual([]);
    expect(messages.list()).toBe(messagesBefore);
  });

  it('fills beyond a capped snapshot over REST (TiledeskClient as is), or reports the gap', async () => {
    const server = await h.server({ snapshotLimits: { requests: 2 } });
    const api = rest(server);
    for (const text of ['one', 'two', 'three', 'four']) await api.createRequest(text);
    const rt = h.client(server);
    const filled = new LiveRequests(rt, server.project.id, { rest: restClient(server), snapshotLimit: 2 });
    const bare = new LiveRequests(rt, server.project.id, { snapshotLimit: 2 });
    const gaps: LiveGap[] = [];
    bare.on('gap', (g) => gaps.push(g));
    await Promise.all([filled.ready, bare.ready]);
    expect(filled.size).toBe(4);
    expect(bare.size).toBe(2);
    expect(gaps).toEqual([{ reason: 'snapshot_capped', topic: topics.requests(server.project.id), snapshotSize: 2 }]);
  });

  /**
   * A REST source that reads the open requests at once but answers only when `release()` is called (`read` resolves
   * once it has read); `answer` may alter what the first call returns. Later calls answer at once.
   */
  function heldRestSource(client: TiledeskClient, answer: (all: RealtimeRequest[]) => RealtimeRequest[] = (all) => all) {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let listed!: () => void;
    const read = new Promise<void>((resolve) => (listed = resolve));
    const source: LiveRestSource = {
      requests: {
        list: async (query, options) => {
          const all = (await client.requests.list(query, options).toArray()) as RealtimeRequest[];
          if (++calls > 1) return all;
          listed();
          await gate;
          return answer(all);
        },
      },
    };
    return { source, read, release, calls: () => calls };
  }

  it('a conversation closed while the REST fill is in flight does not come back with the status REST read', async () => {
    const server = await h.server({ snapshotLimits: { requests: 2 } });
    const api = rest(server);
    const created = [];
    for (const text of ['one', 'two', 'three', 'four']) created.push(await api.createRequest(text));
    const held = heldRestSource(restClient(server));
    const live = new LiveRequests(h.client(server), server.project.id, { rest: held.source, snapshotLimit: 2 });
    const newest = created.at(-1)!;
    await held.read;
    await api.close(newest.request_id);
    await until(() => !live.get(newest.request_id), 'the close frame');
    held.release();
    await live.ready;
    expect(live.get(newest.request_id)).toBeUndefined();
    expect(ids(live.list())).toEqual(ids(created.slice(0, 3)));
  });

  it('a conversation created while the REST fill is in flight stays, though the complete list REST read before lacks it', async () => {
    const server = await h.server({ snapshotLimits: { requests: 2 } });
    const api = rest(server);
    const created = [];
    for (const text of ['one', 'two', 'three']) created.push(await api.createRequest(text));
    const held = heldRestSource(restClient(server));
    const live = new LiveRequests(h.client(server), server.project.id, { rest: held.source, snapshotLimit: 2 });
    await held.read;
    const fresh = await api.createRequest('four');
    await until(() => live.get(fresh.request_id) !== undefined, 'the CREATE frame');
    held.release();
    await live.ready;
    expect(ids(live.list())).toEqual(ids([...created, fresh]));
  });

  it('a REST page object without `count` is not taken for the complete list: what it lacks is kept', async () => {
    const server = await h.server({ snapshotLimits: { requests: 2 } });
    const api = rest(server);
    const created: RealtimeRequest[] = [];
    for (const text of ['one', 'two', 'three', 'four']) created.push(await api.createRequest(text));
    // One page of the two oldest, as a server answers `GET /requests`, but without its `count`: nothing says it is all.
    const onePage: LiveRestSource = { requests: { list: async () => ({ requests: created.slice(0, 2) }) } };
    const live = new LiveRequests(h.client(server), server.project.id, { rest: onePage, snapshotLimit: 2 });
    await live.ready;
    expect(ids(live.list())).toEqual(ids(created));
  });

  it('reads at most restLimit items of a REST source', async () => {
    const server = await h.server({ snapshotLimits: { requests: 1 } });
    const api = rest(server);
    const created: RealtimeRequest[] = [];
    for (const text of ['one', 'two', 'three']) created.push(await api.createRequest(text));
    // The snapshot holds the newest; REST yields the other two, one more than restLimit.
    const source: LiveRestSource = { requests: { list: async function* () { yield* created.slice(0, 2); } } };
    const live = new LiveRequests(h.client(server), server.project.id, { rest: source, snapshotLimit: 1, restLimit: 1 });
    await live.ready;
    expect(ids(live.list())).toEqual(ids([created[0]!, created[2]!]));
  });

  it('reads REST again when an item left the list during the fill (offset pages shift by one)', async () => {
    const server = await h.server({ snapshotLimits: { requests: 2 } });
    const api = rest(server);
    const created = [];
    for (const text of ['one', 'two', 'three', 'four', 'five']) created.push(await api.createRequest(text));
    const [oldest, , , , newest] = created;
    // What paging by offset reads when an item of an earlier page leaves the list meanwhile: one item is skipped.
    const held = heldRestSource(restClient(server), (all) => all.filter((r) => r.request_id !== oldest!.request_id));
    const live = new LiveRequests(h.client(server), server.project.id, { rest: held.source, snapshotLimit: 2 });
    await held.read;
    await api.close(newest!.request_id);
    await until(() => !live.get(newest!.request_id), 'the close frame');
    held.release();
    await live.ready;
    expect(held.calls()).toBe(2);
    expect(ids(live.list())).toEqual(ids(created.slice(0, 4)));
  });

  it('a conversation beyond the capped snapshot closed during the fill stays out, and the page it shifts is read again', async () => {
    const server = await h.server({ snapshotLimits: { requests: 2 } });
    const api = rest(server);
    const [a, b, c, d] = [await api.createRequest('a'), await api.createRequest('b'), await api.createRequest('c'), await api.createRequest('d')];
    await api.patch(b!.request_id, { priority: 'high' }); // the snapshot (2 most recently updated) holds b and d
    const rt = h.client(server);
    let rounds = 0;
    // Real offset pages of 2 (createdAt, newest first): d c | b a. c, which the store does not hold, is closed once
    // the first page is read, so the second page is `a` alone and `b` is never read in that round.
    const paged: LiveRestSource = {
      requests: {
        list: async function* () {
          const first = ++rounds === 1;
          for (let page = 0; ; page++) {
            const res = await fetch(`${server.url}/${server.project.id}/requests?limit=2&page=${page}`, { headers: { Authorization: server.owner.token } });
            const { requests } = (await res.json()) as { requests: RealtimeRequest[] };
            yield* requests;
            if (requests.length < 2) return;
            if (first && page === 0) {
              const frames = rt.stats.framesReceived;
              await api.close(c!.request_id);
              await until(() => rt.stats.framesReceived > frames, 'the close frame');
            }
          }
        },
      },
    };
    const live = new LiveRequests(rt, server.project.id, { rest: paged, snapshotLimit: 2 });
    const log = changes(live);
    await live.ready;
    expect(live.get(c!.request_id)).toBeUndefined(); // came back with the status page 1 read
    expect(live.get(b!.request_id)).toBeDefined(); // removed: "not in the complete list"
    expect(ids(live.list())).toEqual(ids([a!, b!, d!]));
    expect(rounds).toBe(2);
    // Nor was b reported removed by the round whose pages shifted, then added back by the next one.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(log.flatMap((change) => change.removed.map((r) => r.request_id))).not.toContain(b!.request_id);
  });

  it('close() during a REST fill aborts the signal the REST source was given', async () => {
    const server = await h.server({ snapshotLimits: { requests: 1 } });
    const api = rest(server);
    await api.createRequest('one');
    await api.createRequest('two');
    let signal: AbortSignal | undefined;
    const source: LiveRestSource = { requests: { list: (_query, options) => ((signal = options.signal), new Promise(() => {})) } };
    const live = new LiveRequests(h.client(server), server.project.id, { rest: source, snapshotLimit: 1 });
    await until(() => signal !== undefined, 'the fill to start');
    expect(signal!.aborted).toBe(false);
    live.close();
    expect(signal!.aborted).toBe(true);
    await expect(live.ready).rejects.toMatchObject({ code: 'client_closed' });
  });

  it('reports a failing REST source on error and keeps the snapshot', async () => {
    const server = await h.server({ snapshotLimits: { requests: 1 } });
    const api = rest(server);
    await api.createRequest('one');
    await api.createRequest('two');
    const rt = h.client(server);
    const failing: LiveRestSource = { requests: { list: () => Promise.reject(new Error('503 from the API')) } };
    const live = new LiveRequests(rt, server.project.id, { rest: failing, snapshotLimit: 1 });
    const errors: Error[] = [];
    live.on('error', (e) => errors.push(e));
    await live.ready;
    expect(live.size).toBe(1);
    expect(errors).toEqual([expect.objectContaining({ code: 'gap_fill_failed' })]);
  });

  it('a REST source that ignores its signal is cut off at restTimeoutMs: gap_fill_failed, and ready resolves', async () => {
    const server = await h.server({ snapshotLimits: { requests: 1 } });
    const api = rest(server);
    await api.createRequest('one');
    await api.createRequest('two');
    const hanging: LiveRestSource = { requests: { list: () => new Promise(() => {}) } };
    const live = new LiveRequests(h.client(server), server.project.id, { rest: hanging, snapshotLimit: 1, restTimeoutMs: 100 });
    const errors: Error[] = [];
    live.on('error', (e) => errors.push(e));
    await live.ready;
    expect(live.size).toBe(1);
    expect(errors).toEqual([expect.objectContaining({ code: 'gap_fill_failed' })]);
  });

  it('mirrors the snapshot filter on live frames: abandoned, drafts, preflight and temp requests stay out; a first UPDATE inserts', async () => {
    const { live, send } = await liveRequestsOnEmptySnapshot();
    send('CREATE', { _id: '1', request_id: 'open', status: 200, updatedAt: at(1) });
    send('CREATE', { _id: '2', request_id: 'draft', status: 200, draft: true, updatedAt: at(1) });
    send('CREATE', { _id: '3', request_id: 'temp', status: 50, updatedAt: at(1) });
    send('UPDATE', { _id: '4', request_id: 'was-preflight', status: 100, preflight: false, updatedAt: at(2) });
    send('UPDATE', { _id: '1', request_id: 'open', status: 150, updatedAt: at(3) });
    send('UPDATE', { _id: '4', request_id: 'was-preflight', status: 200, updatedAt: at(1) }); // older: ignored
    send('CREATE', { _id: '5', request_id: 'last', status: 100, updatedAt: at(4) });
    await until(() => live.get('last') !== undefined, 'last frame');
    expect(live.list().map((r) => [r.request_id, r.status])).toEqual([['last', 100], ['was-preflight', 100]]);
  });

  /**
   * A server for one requests topic whose first subscribe gets [q, r]; every later subscribe (the topic is already
   * registered, so live frames keep flowing during its database turn) sees r closed and s created before the
   * snapshot it queried earlier goes out: that snapshot still holds r open and lacks s.
   */
  async function staleSnapshotServer(pid: string) {
    const topic = topics.requests(pid);
    const q = { _id: '_q', request_id: 'q', status: 200, updatedAt: at(1) };
    const r = { _id: '_r', request_id: 'r', status: 200, updatedAt: at(1) };
    const raw = await topicServer(topic, (publish, nth) => {
      if (nth > 1) {
        publish('UPDATE', { ...r, status: 1000, updatedAt: at(2) });
        publish('CREATE', { _id: '_s', request_id: 's', status: 100, updatedAt: at(3) });
      }
      publish('CREATE', [q, r]);
    });
    return raw;
  }

  it('two views of one topic created together on an open socket share one subscribe: its snapshot serves both', async () => {
    const pid = '65f000000000000000000001';
    const server = await staleSnapshotServer(pid);
    const rt = h.client(server.url);
    await rt.connect();
    const all = new LiveRequests(rt, pid);
    const unassigned = new LiveRequests(rt, pid, { filter: (r) => r.status === 100 || r.status === 200 });
    await Promise.all([all.ready, unassigned.ready]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A second subscribe used to be sent, answered by a snapshot that could predate live frames already applied.
    expect(server.subscribes()).toBe(1);
    expect(ids(all.list())).toEqual(['q', 'r']);
    expect(ids(unassigned.list())).toEqual(['q', 'r']);
  });

  it('a store created on a topic another one holds keeps what live frames told it while its snapshot was queried', async () => {
    const pid = '65f000000000000000000001';
    const server = await staleSnapshotServer(pid);
    const rt = h.client(server.url);
    const all = new LiveRequests(rt, pid);
    await all.ready;
    const mine = new LiveRequests(rt, pid);
    await mine.ready;
    expect(ids(all.list())).toEqual(['q', 's']);
    expect(ids(mine.list())).toEqual(['q', 's']); // was q, r: the closed r back open, the new s gone
  });

  it('a request closed while a second store’s snapshot was queried stays out, even in the millisecond of the snapshot’s version', async () => {
    const pid = '65f000000000000000000001';
    const topic = topics.requests(pid);
    const r = { _id: '_r', request_id: 'r', status: 200, updatedAt: at(1) };
    const raw = await topicServer(topic, (publish, nth) => {
      if (nth > 1) publish('UPDATE', { ...r, status: 1000 }); // closed within the same millisecond
      publish('CREATE', [r]);
    });
    const rt = h.client(raw.url);
    const all = new LiveRequests(rt, pid);
    await all.ready;
    const mine = new LiveRequests(rt, pid);
    await mine.ready;
    expect(ids(all.list())).toEqual([]);
    expect(ids(mine.list())).toEqual([]);
  });

  it('live frames seen before a snapshot that never came (the socket dropped) do not shield their requests from the next snapshot', async () => {
    const pid = '65f000000000000000000001';
    const topic = topics.requests(pid);
    const frame = (method: string, message: unknown) => JSON.stringify({ action: 'publish', payload: { topic, method, message } });
    const sockets: unknown[] = [];
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action !== 'subscribe') return;
        sockets.push(socket);
        // The first connection: a live CREATE, then the socket closes before the snapshot. The next one: the
        // snapshot, without that request (closed meanwhile).
        if (sockets.length === 1) socket.send(frame('CREATE', { _id: '_r', request_id: 'r', status: 200, updatedAt: at(1) }), () => socket.close());
        else socket.send(frame('CREATE', []));
      }),
    );
    const live = new LiveRequests(h.client(raw.url), pid);
    await live.ready;
    expect(sockets).toHaveLength(2);
    expect(ids(live.list())).toEqual([]);
  });

  it('a store made again after one closed (a remount) is not shielded by frames the old registration sent: its snapshot is newer', async () => {
    const pid = '65f000000000000000000001';
    const topic = topics.requests(pid);
    const r = { _id: '_r', request_id: 'r', status: 200, updatedAt: at(1) };
    const raw = await topicServer(topic, (publish, nth) => {
      if (nth === 1) return publish('CREATE', [r]);
      // An UPDATE sent before the server read the first store's unsubscribe, still on its way; then the new
      // registration's snapshot, queried after: r closed in between (its UPDATE went to no subscriber).
      publish('UPDATE', { ...r, priority: 'high', updatedAt: at(2) });
      publish('CREATE', []);
    });
    const rt = h.client(raw.url);
    const first = new LiveRequests(rt, pid);
    await first.ready;
    first.close();
    const again = new LiveRequests(rt, pid);
    await again.ready;
    // The frame was taken for one of another subscription on this socket, newer than the snapshot's query: it kept r
    // open, for good (until a reconnect).
    expect(ids(again.list())).toEqual([]);
  });

  it('an UPDATE older than the one that closed a request does not bring it back; a reopen does, and what left is not kept for ever', async () => {
    const { live, send } = await liveRequestsOnEmptySnapshot();
    const r = { _id: '_r', request_id: 'r', status: 200, updatedAt: at(1) };
    send('CREATE', r);
    // Events of several server instances reach us through a queue (QUEUE_ENABLED): a tag added at 0:02 arrives
    // after the close at 0:03.
    send('UPDATE', { ...r, status: 1000, updatedAt: at(3) });
    send('UPDATE', { ...r, tags: [{ tag: 'vip' }], updatedAt: at(2) });
    send('CREATE', { _id: '_s', request_id: 's', status: 100, updatedAt: at(4) });
    await until(() => live.get('s') !== undefined, 'last frame');
    expect(ids(live.list())).toEqual(['s']); // was r, s: the closed r open again, for good
    send('UPDATE', { ...r, status: 200, updatedAt: at(5) }); // reopened
    await until(() => live.get('r') !== undefined, 'reopened');
    // Thousands of closed conversations later, what is remembered of them stays bounded.
    for (let i = 0; i < 3_000; i++) send('UPDATE', { _id: `_c${i}`, request_id: `c${i}`, status: 1000, updatedAt: at(6) });
    send('CREATE', { _id: '_t', request_id: 't', status: 100, updatedAt: at(7) });
    await until(() => live.get('t') !== undefined, 'the frames after the closes');
    expect((live as unknown as { left: Map<string, unknown> }).left.size).toBeLessThanOrEqual(1_000);
  });

  it('a close in the same millisecond as the version it follows still takes the request out (only an older version is ignored)', async () => {
    const { live, send } = await liveRequestsOnEmptySnapshot();
    const r = { _id: '_r', request_id: 'r', status: 200, updatedAt: at(1) };
    send('CREATE', r);
    send('UPDATE', { ...r, status: 1000 });
    send('CREATE', { _id: '_s', request_id: 's', status: 100, updatedAt: at(2) });
    await until(() => live.get('s') !== undefined, 'last frame');
    expect(ids(live.list())).toEqual(['s']);
  });

  /**
   * Another server instance delivers, late, the version of `r` this store knew (and one older still), then a new
   * request `t`: `r`, which left, must stay out (it came back open for good), until a newer version reopens it.
   */
  async function lateCopiesStayOut(live: LiveRequests, send: (method: 'CREATE' | 'UPDATE', message: unknown) => void, r: { updatedAt: string }) {
    send('UPDATE', { ...r, tags: [{ tag: 'vip' }] });
    send('UPDATE', { ...r, updatedAt: at(0) });
    send('CREATE', { _id: '_t', request_id: 't', status: 200, updatedAt: at(3) });
    await until(() => live.get('t') !== undefined, 'the frame after the late ones');
    expect(ids(live.list())).toEqual(['s', 't']);
    send('UPDATE', { ...r, updatedAt: at(4) }); // reopened
    await until(() => live.get('r') !== undefined, 'reopened');
  }

  it('a request a snapshot after a reconnect lacks stays out when a late copy of its last known version arrives', async () => {
    const pid = '65f000000000000000000001';
    const topic = topics.requests(pid);
    const r = { _id: '_r', request_id: 'r', status: 200, updatedAt: at(1) };
    let first: { terminate(): void } | undefined;
    let send: ((method: 'CREATE' | 'UPDATE', message: unknown) => void) | undefined;
    const raw = await topicServer(topic, (publish, nth, socket) => {
      first ??= socket;
      send = publish;
      // r was closed while the socket was down: the second (complete) snapshot lacks it.
      publish('CREATE', nth === 1 ? [r] : [{ _id: '_s', request_id: 's', status: 200, updatedAt: at(2) }]);
    });
    const live = new LiveRequests(h.client(raw.url), pid);
    await live.ready;
    first!.terminate();
    await until(() => live.get('s') !== undefined, 'the second snapshot');
    expect(ids(live.list())).toEqual(['s']);
    await lateCopiesStayOut(live, send!, r);
  });

  it('a request a complete REST fill drops stays out when a late copy of its last known version arrives, as after a snapshot', async () => {
    const pid = '65f000000000000000000001';
    const topic = topics.requests(pid);
    const r = { _id: '_r', request_id: 'r', status: 200, updatedAt: at(1) };
    const s = { _id: '_s', request_id: 's', status: 200, updatedAt: at(2) };
    let send: ((method: 'CREATE' | 'UPDATE', message: unknown) => void) | undefined;
    const raw = await topicServer(topic, (publish) => {
      send = publish;
      publish('CREATE', [s, r]); // at the cap: partial
    });
    // r was closed after the snapshot's query, and its close frame went to another server instance: the complete
    // list REST reads lacks it.
    const source: LiveRestSource = { requests: { list: async () => [s] } };
    const live = new LiveRequests(h.client(raw.url), pid, { rest: source, snapshotLimit: 2 });
    await live.ready;
    expect(ids(live.list())).toEqual(['s']);
    await lateCopiesStayOut(live, send!, r);
  });

  it('orders by updatedAt, newest first, then by request_id whatever the order of arrival', async () => {
    const { live, send } = await liveRequestsOnEmptySnapshot();
    for (const id of ['c', 'a', 'b']) send('CREATE', { _id: `_${id}`, request_id: id, status: 200, updatedAt: at(1) });
    send('CREATE', { _id: '_d', request_id: 'd', status: 200, updatedAt: at(2) });
    await until(() => live.size === 4, 'four requests');
    expect(live.list().map((r) => r.request_id)).toEqual(['d', 'a', 'b', 'c']);
  });

  it('a capped snapshot after a reconnect keeps a known request of its oldest millisecond that it lacks (it may lie past the cap)', async () => {
    const pid = '65f000000000000000000001';
    const topic = topics.requests(pid);
    const request = (id: string, s: number) => ({ _id: `_${id}`, request_id: id, status: 200, updatedAt: at(s) });
    let first: { terminate(): void } | undefined;
    const raw = await topicServer(topic, (publish, nth, socket) => {
      first ??= socket;
      // The first snapshot is complete; the second is capped at 3 and holds the newest: c, b of the same second as
      // a (the server picked b), and an item without a time, which says nothing of where the cap fell.
      if (nth === 1) publish('CREATE', [request('a', 1), request('b', 1)]);
      else publish('CREATE', [request('c', 2), request('b', 1), { _id: '_x', request_id: 'x', status: 200 }]);
    });
    const live = new LiveRequests(h.client(raw.url), pid, { snapshotLimit: 3 });
    await live.ready;
    first!.terminate();
    await until(() => raw.subscribes() === 2 && live.get('x') !== undefined, 'the second snapshot');
    expect(ids(live.list())).toEqual(['a', 'b', 'c', 'x']);
  });

  it('batches a frame’s changes into one event with net effects', async () => {
    const pid = '65f000000000000000000001';
    const topic = topics.requests(pid);
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action !== 'subscribe') return;
        const items = [
          { _id: '1', request_id: 'a', status: 200, first_text: 'v1' },
          { _id: '2', request_id: 'b', status: 200 },
          { _id: '1', request_id: 'a', status: 200, first_text: 'v2' }, // added then updated: one "added", latest version
          { _id: '3', request_id: 'c', status: 200 },
          { _id: '3', request_id: 'c', status: 1000 }, // added then closed: nothing to report
        ];
        socket.send(JSON.stringify({ action: 'publish', payload: { topic, method: 'CREATE', message: items } }));
      }),
    );
    const rt = h.client(raw.url);
    const live = new LiveRequests(rt, pid);
    const log = changes(live);
    await live.ready;
    await until(() => log.length === 1, 'one batch');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toHaveLength(1);
    expect(log[0]!.added.map((r) => [r.request_id, r.first_text])).toEqual([['a', 'v2'], ['b', undefined]]);
    expect(log[0]!.updated).toEqual([]);
    expect(log[0]!.removed).toEqual([]);
    expect(live.list()).toBe(live.list()); // stable reference until the next change
  });

  it('is safe against __proto__ and constructor keys in frames', async () => {
    const pid = '65f000000000000000000001';
    const topic = topics.requests(pid);
    const hostile =
      `{"_id":"1","request_id":"evil","status":200,"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},` +
      `"snapshot":{"__proto__":{"polluted":"yes"},"lead":{"_id":"l1"}}}`;
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action !== 'subscribe') return;
        socket.send(`{"action":"publish","payload":{"topic":"${topic}","method":"CREATE","message":[${hostile}]}}`);
        socket.send(`{"action":"publish","payload":{"topic":"${topic}","method":"UPDATE","message":${hostile}}}`);
      }),
    );
    const rt = h.client(raw.url);
    const live = new LiveRequests(rt, pid);
    await live.ready;
    await until(() => rt.stats.framesReceived >= 2, 'both frames');
    const item = live.get('evil')!;
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(item.snapshot)).toBe(Object.prototype);
    expect(Object.keys(item)).not.toContain('__proto__');
    expect(Object.keys(item)).not.toContain('constructor');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((item as Record<string, unknown>).polluted).toBeUndefined();
    expect(item.snapshot).toEqual({ lead: { _id: 'l1' } });
  });
  it('a filter that throws on a request it did not expect ignores that version and reports it; the rest of the snapshot applies', async () => {
    const pid = '65f000000000000000000001';
    const topic = topics.requests(pid);
    const request = (id: string, extra: Record<string, unknown> = {}) => ({ _id: `_${id}`, request_id: id, status: 200, ...extra });
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action !== 'subscribe') return;
        const message = [request('a', { participantsAgents: ['me'] }), request('b'), request('c', { participantsAgents: ['me'] })];
        socket.send(JSON.stringify({ action: 'publish', payload: { topic, method: 'CREATE', message } }));
      }),
    );
    const rt = h.client(raw.url);
    // Written for the server's documents, which always carry participantsAgents: 'b' makes it throw.
    const live = new LiveRequests(rt, pid, { filter: (r) => (r.participantsAgents as string[]).includes('me') });
    const errors: Error[] = [];
    live.on('error', (e) => errors.push(e));
    await live.ready; // used to stay pending for good: the snapshot stopped at 'b'
    expect(ids(live.list())).toEqual(['a', 'c']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'handler_error', topic });
    expect(errors[0]!.message).toContain('filter');
  });

  it('items without a request_id are reported on error (the client checks nothing by default), the rest applies', async () => {
    const { live, send } = await liveRequestsOnEmptySnapshot();
    const errors: Error[] = [];
    live.on('error', (e) => errors.push(e));
    send('CREATE', { _id: '_x', status: 200 });
    send('UPDATE', { _id: '_y', request_id: '', status: 200 });
    send('CREATE', { _id: '_a', request_id: 'a', status: 200 });
    await until(() => live.size === 1);
    expect(ids(live.list())).toEqual(['a']);
    expect(errors.map((e) => [(e as { code?: string }).code, e.message])).toEqual([
      ['item_without_id', `1 of 1 items on ${live.topic} have no id: skipped`],
      ['item_without_id', `1 of 1 items on ${live.topic} have no id: skipped`],
    ]);
  });

  it('a snapshot with items lacking request_id reports how many it skipped, and applies the rest', async () => {
    const pid = '65f000000000000000000001';
    const topic = topics.requests(pid);
    const message = [{ _id: '_a', request_id: 'a', status: 200 }, { _id: '_x', status: 200 }, null];
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action === 'subscribe') socket.send(JSON.stringify({ action: 'publish', payload: { topic, method: 'CREATE', message } }));
      }),
    );
    const live = new LiveRequests(h.client(raw.url), pid);
    const errors: Error[] = [];
    live.on('error', (e) => errors.push(e));
    await live.ready;
    expect(ids(live.list())).toEqual(['a']);
    expect(errors.map((e) => [(e as { code?: string }).code, e.message])).toEqual([['item_without_id', `2 of 3 items on ${topic} have no id: skipped`]]);
  });

  it('a server growing one request field by field costs each frame its own size, not the request’s', async () => {
    const pid = '65f000000000000000000001';
    const topic = topics.requests(pid);
    const version = (fields: Record<string, unknown>, status = 200) => ({ _id: '_r1', request_id: 'r1', status, ...fields });
    const frame = (method: string, message: unknown) => JSON.stringify({ action: 'publish', payload: { topic, method, message } });
    const wide: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) wide[`w${i}`] = i;
    const frames = [
      frame('CREATE', [version({ snapshot: { lead: { _id: 'l1' } } })]),
      // 10,000 versions of one request in one frame, each with a field (and a snapshot field) of its own: merging
      // each into everything known before made this frame take 36 s…
      frame('UPDATE', Array.from({ length: 10_000 }, (_, i) => version({ [`f${i}`]: i, snapshot: { [`s${i}`]: i } }))),
      // …and one very wide version made every small frame after it cost 100,000 fields.
      frame('UPDATE', version(wide)),
      ...Array.from({ length: 500 }, (_, i) => frame('UPDATE', version({ [`g${i}`]: i }))),
      frame('UPDATE', version({ department: 'd1' }, 1000)),
    ];
    // Built before the subscribe: building them in the server's handler held up the snapshot (same process) past the
    // subscribe timeout on a loaded machine.
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action === 'subscribe') for (const f of frames) socket.send(f);
      }),
    );
    const rt = h.client(raw.url);
    const live = new LiveRequests(rt, pid);
    const log = changes<RealtimeRequest>(live);
    await live.ready;
    // Guard against quadratic work: with it, this takes minutes; without it, well under a second of the 20 s timeout.
    await until(() => log.some((c) => c.removed.length === 1), 'the closing UPDATE after the flood', 15_000);
    const removed = log.find((c) => c.removed.length === 1)!.removed[0]!;
    expect(removed).toMatchObject({ request_id: 'r1', status: 1000, department: 'd1' });
    expect(live.size).toBe(0);
  });

  it('merges every field of a request of ordinary width (up to 128 fields, snapshot included; a real one has about 40)', async () => {
    const pid = '65f000000000000000000001';
    const topic = topics.requests(pid);
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action !== 'subscribe') return;
        const fields = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`f${i}`, i]));
        socket.send(JSON.stringify({ action: 'publish', payload: { topic, method: 'CREATE', message: [{ request_id: 'r1', status: 200, ...fields, snapshot: { lead: { _id: 'l1' } } }] } }));
        socket.send(JSON.stringify({ action: 'publish', payload: { topic, method: 'UPDATE', message: { request_id: 'r1', status: 300, snapshot: { agents: [] } } } }));
      }),
    );
    const rt = h.client(raw.url);
    const live = new LiveRequests(rt, pid);
    await live.ready;
    await until(() => live.get('r1')?.status === 300, 'the UPDATE');
    const item = live.get('r1')! as Record<string, unknown>;
    expect(item.f119).toBe(119);
    expect(item.snapshot).toEqual({ lead: { _id: 'l1' }, agents: [] });
  });
});

describe('LiveMessages', () => {
  it('orders by createdAt then _id, strips the embedded request, and deduplicates re-sent snapshots', async () => {
    const server = await h.server();
    const api = rest(server);
    const req = await api.createRequest();
    await api.importMessages(req.request_id, ['m1', 'm2', 'm3']);
    const rt = h.client(server);
    const live = new LiveMessages(rt, server.project.id, req.request_id);
    await live.ready;
    const sorted = [...live.list()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || (a._id < b._id ? -1 : 1));
    expect(live.list().map((m) => m._id)).toEqual(sorted.map((m) => m._id));

    // The change event, not the size: registered between the message's arrival and its batch (one timer later, which
    // a loaded machine lets the poll of `until` come between), `changes` below counted it as added after the reconnect.
    const added = new Promise<void>((resolve) => {
      const off = live.on('change', (c) => c.added.some((m) => m.text === 'live') && (off(), resolve()));
    });
    await api.sendMessage(req.request_id, 'live');
    await added;
    expect(live.size).toBe(4);
    expect(live.list().at(-1)!.text).toBe('live');
    expect(live.list().at(-1)).not.toHaveProperty('request');
    expect(live.request?.request_id).toBe(req.request_id);

    const log = changes(live);
    const open = nextState(rt, 'open');
    server.faults.dropSockets();
    await open;
    await until(() => live.state === 'subscribed', 'resubscribed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(live.size).toBe(4);
    expect(log.flatMap((c) => c.added)).toEqual([]);
    expect(log.flatMap((c) => c.removed)).toEqual([]);
  });

  it('gap-fills past the oldest-N snapshot over REST, or emits gap', async () => {
    const server = await h.server({ snapshotLimits: { messages: 3 } });
    const api = rest(server);
    const req = await api.createRequest();
    await api.importMessages(req.request_id, ['m0', 'm1', 'm2', 'm3', 'm4']);
    const rt = h.client(server);
    const filled = new LiveMessages(rt, server.project.id, req.request_id, { rest: restClient(server), snapshotLimit: 3 });
    const bare = new LiveMessages(rt, server.project.id, req.request_id, { snapshotLimit: 3 });
    const gaps: LiveGap[] = [];
    bare.on('gap', (g) => gaps.push(g));
    await Promise.all([filled.ready, bare.ready]);
    expect(filled.size).toBe(5);
    expect(new Set(filled.list().map((m) => m.text))).toEqual(new Set(['m0', 'm1', 'm2', 'm3', 'm4']));
    expect(bare.size).toBe(3);
    expect(gaps).toHaveLength(1);
  });

  it('after a reconnect, a capped snapshot keeps messages of its newest millisecond that lie past the cap', async () => {
    const pid = '65f000000000000000000001';
    const rid = 'support-group-65f000000000000000000001-ties';
    const topic = topics.messages(pid, rid);
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms)).toISOString();
    const message = (id: string, ms: number) => ({ _id: id, recipient: rid, text: id, createdAt: at(ms), sender: 'u' });
    const [a, b, c, d] = [message('a', 0), message('b', 5), message('c', 5), message('d', 5)];
    let first: { terminate(): void } | undefined;
    const raw = await topicServer(topic, (publish, nth, socket) => {
      first ??= socket;
      if (nth === 1) {
        publish('CREATE', [a, b]);
        publish('CREATE', c);
        publish('CREATE', d);
      } else {
        // Capped at 3: b, c and d share a millisecond (a bulk import) and the server picked b and c.
        publish('CREATE', [a, b, c]);
      }
    });
    const rt = h.client(raw.url);
    const live = new LiveMessages(rt, pid, rid, { snapshotLimit: 3 });
    await live.ready;
    await until(() => live.size === 4, 'live messages');
    const log = changes(live);
    first!.terminate();
    await until(() => raw.subscribes() === 2 && live.state === 'subscribed', 'resubscribed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(live.list().map((m) => m._id)).toEqual(['a', 'b', 'c', 'd']);
    expect(log.flatMap((change) => change.removed)).toEqual([]);
  });

  it('each snapshot after a reconnect reconciles: a complete one removes every message it lacks, a capped one those before its newest', async () => {
    const pid = '65f000000000000000000001';
    const rid = 'support-group-65f000000000000000000001-reconcile';
    const topic = topics.messages(pid, rid);
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const message = (id: string, s?: number) => ({ _id: id, recipient: rid, text: id, sender: 'u', ...(s === undefined ? {} : { createdAt: at(s) }) });
    let last: { terminate(): void } | undefined;
    const raw = await topicServer(topic, (publish, nth, socket) => {
      last = socket;
      if (nth === 1) {
        publish('CREATE', [message('a', 0), message('b', 5)]);
        publish('CREATE', message('z', 9));
      } else if (nth === 2) {
        // Capped at 3, with an item without a time: b, created before its newest (c), is gone; z, of c's second, may lie past the cap.
        publish('CREATE', [message('a', 0), message('n'), message('c', 9)]);
      } else {
        publish('CREATE', [message('a', 0), message('c', 9)]); // complete: n and z are gone
      }
    });
    const live = new LiveMessages(h.client(raw.url), pid, rid, { snapshotLimit: 3 });
    await live.ready;
    await until(() => live.size === 3, 'the live message');
    last!.terminate();
    await until(() => raw.subscribes() === 2 && live.get('c') !== undefined, 'the capped snapshot');
    expect(live.list().map((m) => m._id)).toEqual(['a', 'c', 'z', 'n']);
    last!.terminate();
    await until(() => raw.subscribes() === 3 && live.size === 2, 'the complete snapshot');
    expect(live.list().map((m) => m._id)).toEqual(['a', 'c']);
  });

  it('a message sent while a second store’s snapshot was queried is kept, though that snapshot lacks it', async () => {
    const pid = '65f000000000000000000001';
    const rid = 'support-group-65f000000000000000000001-race';
    const topic = topics.messages(pid, rid);
    const a = { _id: 'a', recipient: rid, text: 'a', sender: 'u', createdAt: '2026-01-01T00:00:00.000Z' };
    const b = { ...a, _id: 'b', text: 'b', createdAt: '2026-01-01T00:00:01.000Z' };
    const raw = await topicServer(topic, (publish, nth) => {
      if (nth > 1) publish('CREATE', b); // sent while the second snapshot was queried
      publish('CREATE', [a]);
    });
    const rt = h.client(raw.url);
    const first = new LiveMessages(rt, pid, rid);
    await first.ready;
    const second = new LiveMessages(rt, pid, rid);
    await second.ready;
    expect(first.list().map((m) => m._id)).toEqual(['a', 'b']);
    expect(second.list().map((m) => m._id)).toEqual(['a', 'b']);
  });

  it('messages without an _id (or with an empty one) are reported on error and skipped; the rest applies', async () => {
    const pid = '65f000000000000000000001';
    const rid = 'support-group-65f000000000000000000001-noid';
    const topic = topics.messages(pid, rid);
    const message = [{ _id: 'a', text: 'a', createdAt: '2026-01-01T00:00:00.000Z' }, { _id: '', text: 'empty id' }, { text: 'no id' }];
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action === 'subscribe') socket.send(JSON.stringify({ action: 'publish', payload: { topic, method: 'CREATE', message } }));
      }),
    );
    const live = new LiveMessages(h.client(raw.url), pid, rid);
    const errors: Error[] = [];
    live.on('error', (e) => errors.push(e));
    await live.ready;
    expect(live.list().map((m) => m.text)).toEqual(['a']);
    expect(errors.map((e) => [(e as { code?: string }).code, e.message])).toEqual([['item_without_id', `2 of 3 items on ${topic} have no id: skipped`]]);
  });

  it('close() during a REST fill of messages aborts the signal the REST source was given', async () => {
    const server = await h.server({ snapshotLimits: { messages: 1 } });
    const api = rest(server);
    const req = await api.createRequest();
    await api.importMessages(req.request_id, ['m1', 'm2']);
    let signal: AbortSignal | undefined;
    const source: LiveRestSource = { messages: { list: (_rid, _params, options) => ((signal = options.signal), new Promise(() => {})) } };
    const live = new LiveMessages(h.client(server), server.project.id, req.request_id, { rest: source, snapshotLimit: 1 });
    await until(() => signal !== undefined, 'the fill to start');
    expect(signal!.aborted).toBe(false);
    live.close();
    expect(signal!.aborted).toBe(true);
    await expect(live.ready).rejects.toMatchObject({ code: 'client_closed' });
  });

  it('sorts a message without a time last, consistently', async () => {
    const pid = '65f000000000000000000001';
    const rid = 'support-group-65f000000000000000000001-notime';
    const topic = topics.messages(pid, rid);
    // By time, c < a; by id (what a NaN time fell back to), a < b < c: a cycle, so the order depended on the input.
    const snapshot = [
      { _id: 'd', text: 'no time either' },
      { _id: 'b', text: 'no time' },
      { _id: 'c', text: '2022', createdAt: '2022-01-01T00:00:00.000Z' },
      { _id: 'a', text: '2024', createdAt: '2024-01-01T00:00:00.000Z' },
    ];
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action === 'subscribe') socket.send(JSON.stringify({ action: 'publish', payload: { topic, method: 'CREATE', message: snapshot } }));
      }),
    );
    const live = new LiveMessages(h.client(raw.url), pid, rid);
    await live.ready;
    expect(live.list().map((m) => m._id)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('request is the conversation of the newest message whatever order the real frames arrive in (every permutation)', async () => {
    // The live message frames captured from tiledesk-server: two messages of one import (same millisecond), one more,
    // and "Chat closed", the only one embedding the closed conversation (status 1000, a later `updatedAt`).
    const captured = readFileSync(new URL('../fixtures/real-server/ws-agent-msgs.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { dir: string; data: { payload?: { topic?: string; message: unknown } } })
      .filter(({ dir, data }) => dir === 'in' && data.payload?.topic?.endsWith('/messages') === true);
    const [snapshot, ...live] = captured.map(({ data }) => data);
    expect(snapshot!.payload!.message).toEqual([]);
    expect(live).toHaveLength(4);
    const [, pid, , rid] = snapshot!.payload!.topic!.split('/');
    const newest = live.at(-1)!.payload!.message as RealtimeMessage;
    expect(newest.text).toBe('Chat closed');
    expect((newest.request as RealtimeRequest).status).toBe(1000);
    let order: number[] = [];
    let subscribes = 0;
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action !== 'subscribe') return;
        subscribes++;
        for (const frame of [snapshot, ...order.map((i) => live[i])]) socket.send(JSON.stringify(frame));
      }),
    );
    const rt = h.client(raw.url);
    const wrong: string[] = [];
    for (const permutation of permutations([0, 1, 2, 3])) {
      order = permutation;
      const store = new LiveMessages(rt, pid!, rid!);
      await until(() => store.size === 4, 'the four messages');
      if (!isDeepStrictEqual(store.request, newest.request)) wrong.push(permutation.join(''));
      store.close();
    }
    expect(wrong).toEqual([]);
    expect(subscribes).toBe(24);
  });

  it('request follows the newest version of the conversation, then the newest message, whatever the order of frames', async () => {
    const pid = '65f000000000000000000001';
    const rid = 'support-group-65f000000000000000000001-order';
    const time = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms)).toISOString();
    /** The conversation at version `version` (its `updatedAt`, none if undefined), told apart by `first_text`. */
    const conversation = (version: number | undefined, text: string) => ({
      request_id: rid,
      status: 200,
      first_text: text,
      ...(version === undefined ? {} : { updatedAt: time(version) }),
    });
    const message = (id: string, ms: number | undefined, request: unknown) => ({
      _id: id,
      recipient: rid,
      text: id,
      sender: 'u',
      ...(ms === undefined ? {} : { createdAt: time(ms) }),
      request,
    });
    const cases: Array<[what: string, frames: unknown[], expected: string]> = [
      ['an older message after a newer one, same version', [message('b', 5, conversation(1, 'b')), message('a', 0, conversation(1, 'a'))], 'b'],
      ['same createdAt: the _id decides, as in list()', [message('b', 5, conversation(1, 'b')), message('a', 5, conversation(1, 'a'))], 'b'],
      ['a message without createdAt sorts last, as in list()', [message('n', undefined, conversation(1, 'n')), message('a', 0, conversation(1, 'a'))], 'n'],
      ['a newer message embedding an older version (relayed late)', [message('a', 0, conversation(2, 'a')), message('b', 5, conversation(1, 'b'))], 'a'],
      ['an older message embedding a newer version', [message('b', 5, conversation(1, 'b')), message('a', 0, conversation(2, 'a'))], 'a'],
      ['the same message again with a newer version', [message('a', 0, conversation(1, 'old')), message('a', 0, conversation(2, 'new'))], 'new'],
      ['a late copy of the same message with an older version', [message('a', 0, conversation(2, 'new')), message('a', 0, conversation(1, 'old'))], 'new'],
      ['the same message and version again: the later copy', [message('a', 0, conversation(1, 'one')), message('a', 0, conversation(1, 'two'))], 'two'],
      ['a version without updatedAt after an older message', [message('a', 0, conversation(2, 'a')), message('b', 5, conversation(undefined, 'b'))], 'b'],
      ['a version without updatedAt from an older message', [message('b', 5, conversation(2, 'b')), message('a', 0, conversation(undefined, 'a'))], 'b'],
    ];
    let frames: unknown[] = [];
    const raw = await topicServer(topics.messages(pid, rid), (publish) => {
      publish('CREATE', []);
      for (const frame of frames) publish('CREATE', frame);
      publish('CREATE', message('end', 0, undefined)); // frames of a socket arrive in order: this one comes last
    });
    const rt = h.client(raw.url);
    const got: Array<[string, unknown]> = [];
    for (const [what, sequence] of cases) {
      frames = sequence;
      const live = new LiveMessages(rt, pid, rid);
      await until(() => live.get('end') !== undefined, what);
      expect(live.list().every((m) => !('request' in m))).toBe(true);
      got.push([what, live.request?.first_text]);
      live.close();
    }
    expect(got).toEqual(cases.map(([what, , expected]) => [what, expected]));
  });

  it('request stays the newest version when a snapshot removes the message that carried it, not an older message’s', async () => {
    const pid = '65f000000000000000000001';
    const rid = 'support-group-65f000000000000000000001-removed';
    const time = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const message = (id: string, s: number, request?: unknown) => ({ _id: id, recipient: rid, text: id, sender: 'u', createdAt: time(s), request });
    const conversation = (s: number, status: number) => ({ request_id: rid, status, updatedAt: time(s) });
    let last: { terminate(): void } | undefined;
    const raw = await topicServer(topics.messages(pid, rid), (publish, nth, socket) => {
      last = socket;
      if (nth === 1) {
        publish('CREATE', []);
        publish('CREATE', message('a', 0, conversation(0, 200)));
        publish('CREATE', message('closed', 5, conversation(5, 1000))); // the message that closed the conversation
      } else {
        publish('CREATE', [message('a', 0)]); // complete, and snapshots embed no conversation: 'closed' was deleted
      }
    });
    const live = new LiveMessages(h.client(raw.url), pid, rid);
    await until(() => live.size === 2, 'the live messages');
    expect(live.request?.status).toBe(1000);
    last!.terminate();
    await until(() => raw.subscribes() === 2 && live.size === 1, 'the snapshot after the reconnect');
    expect(live.get('closed')).toBeUndefined();
    // The conversation is still closed: falling back to the remaining message's copy would reopen it.
    expect(live.request).toEqual(conversation(5, 1000));
  });

  it('close() unsubscribes, cancels pending work and leaves the client usable', async () => {
    const server = await h.server();
    const req = await rest(server).createRequest();
    const rt = h.client(server);
    const live = new LiveMessages(rt, server.project.id, req.request_id);
    await live.ready;
    expect(server.stats().subscriptions).toBe(1);
    live.close();
    live.close();
    await until(() => server.stats().subscriptions === 0, 'server unsubscribed');
    expect(rt.state).toBe('open');
  });

  it('two stores on one topic both end when the client closes (the first one\'s unsubscribe used to skip the second)', async () => {
    const server = await h.server();
    const rt = h.client(server, { subscribeTimeoutMs: 10_000 });
    const stores = [0, 1, 2].map(() => new LiveMessages(rt, server.project.id, 'support-group-not-visible'));
    await rt.close();
    for (const live of stores) {
      expect(live.state).toBe('unsubscribed');
      await expect(live.ready).rejects.toMatchObject({ code: 'client_closed' });
    }
  });

  it('ends itself when the client closes; ready rejects if it never got a snapshot', async () => {
    const server = await h.server();
    const rt = h.client(server, { subscribeTimeoutMs: 10_000 });
    const live = new LiveMessages(rt, server.project.id, 'support-group-not-visible');
    await rt.close();
    await expect(live.ready).rejects.toMatchObject({ code: 'client_closed' });
    // A store created on the closed client is refused at once, as subscribe() is.
    expect(() => new LiveRequests(rt, server.project.id)).toThrow(expect.objectContaining({ code: 'client_closed' }));
  });
});

describe('store options of the wrong kind', () => {
  it('are refused by `new`, naming the option, before anything is subscribed; null options are none', async () => {
    const server = await h.server();
    const rt = h.client(server);
    const pid = server.project.id;
    const cases: [string, Record<string, unknown>][] = [
      ['restTimeoutMs', { restTimeoutMs: Number.NaN }], ['restTimeoutMs', { restTimeoutMs: -1 }], ['restTimeoutMs', { restTimeoutMs: '5' }],
      ['restTimeoutMs', { restTimeoutMs: 2 ** 31 }], ['restLimit', { restLimit: -1 }], ['snapshotLimit', { snapshotLimit: Number.NaN }],
      ['filter', { filter: 'open' }],
    ];
    for (const [option, options] of cases) {
      for (const make of [() => new LiveRequests(rt, pid, options as never), () => new LiveMessages(rt, pid, 'support-group-x', options as never)]) {
        if (option === 'filter' && make.toString().includes('LiveMessages')) continue; // LiveMessages has no filter
        let error: unknown;
        try {
          make();
        } catch (e) {
          error = e;
        }
        expect(error, JSON.stringify(options)).toMatchObject({ code: 'invalid_option', option });
      }
    }
    expect(rt.stats.topics).toBe(0);
    // A listener that is no function is refused when it is added, not when the event fires (an uncaught TypeError).
    expect(() => rt.on('state', null as never)).toThrow(expect.objectContaining({ code: 'invalid_option', option: 'listener' }));
    const requests = new LiveRequests(rt, pid, null);
    const messages = new LiveMessages(rt, pid, 'support-group-x', null); // no such conversation: it is not awaited
    await requests.ready;
    expect(() => requests.on('change', undefined as never)).toThrow(expect.objectContaining({ code: 'invalid_option', option: 'listener' }));
    requests.close();
    messages.close();
  });
});

describe('mergeItems', () => {
  it('keeps omitted fields, merges snapshot one level, keeps documents over their bare ids, skips forbidden keys', () => {
    const known = {
      _id: '1',
      status: 200,
      lead: { _id: 'L', fullname: 'Ann' },
      snapshot: { lead: { _id: 'L' }, agents: [{ id_user: 'u1' }] },
      tags: ['a'],
    };
    const incoming = JSON.parse('{"status":1000,"lead":"L","snapshot":{"agents":[]},"tags":[],"__proto__":{"x":1}}') as Record<string, unknown>;
    const merged = mergeItems(known, incoming);
    expect(merged).toEqual({ _id: '1', status: 1000, lead: { _id: 'L', fullname: 'Ann' }, snapshot: { lead: { _id: 'L' }, agents: [] }, tags: [] });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(known.status).toBe(200); // inputs untouched
  });

  it('keeps a populated document that carries its id as `id` over that bare id', () => {
    const known = { _id: '1', requester: { id: 'P', fullname: 'Ann' } };
    expect(mergeItems(known, { requester: 'P' })).toEqual(known);
    expect(mergeItems(known, { requester: 'Q' })).toEqual({ _id: '1', requester: 'Q' });
  });
});

// Type-level contract: the final REST client satisfies the structural interface the stores depend on.
const _restFits: (client: TiledeskClient) => LiveRestSource = (client) => client;
void _restFits;
void (null as unknown as RealtimeMessage);
