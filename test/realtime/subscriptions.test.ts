/**
 * Subscriptions against the local server: typed, normalised delivery, the ready pseudo-ack and silent refusal, what
 * never reaches handlers, unsubscribe, and the bounded, deduplicated queue while disconnected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { z } from 'zod';
import {
  RealtimeError,
  SubscribeTimeoutError,
  topics,
  type BadFrameReport,
  type FrameInfo,
  type RealtimeRequest,
} from '../../src/realtime/index.js';
import { frameServer, Harness, rest, until } from './helpers.js';

const h = new Harness();
afterEach(() => h.dispose());

describe('delivery', () => {
  it('normalises payloads: list snapshot → array, object snapshot → [object], null → [], live frames → one item', async () => {
    const server = await h.server();
    const api = rest(server);
    const req = await api.createRequest('first text');
    const rt = h.client(server);
    const log: Array<[string, unknown, FrameInfo]> = [];
    const messages = rt.subscribe(topics.messages(server.project.id, req.request_id), {
      snapshot: (items, info) => log.push(['messages.snapshot', items, info]),
      create: (item, info) => log.push(['messages.create', item.text, info]),
    });
    const single = rt.subscribe(topics.request(server.project.id, req.request_id), {
      snapshot: (items) => log.push(['request.snapshot', items.map((r) => r.request_id), { topic: '', method: 'CREATE', snapshot: true }]),
      update: (item) => log.push(['request.update', item.status, { topic: '', method: 'UPDATE', snapshot: false }]),
    });
    const missing = rt.subscribe(topics.request(server.project.id, 'support-group-missing'), {
      snapshot: (items) => log.push(['missing.snapshot', items, { topic: '', method: 'CREATE', snapshot: true }]),
    });
    await Promise.all([messages.ready, single.ready, missing.ready]);
    expect(log.find(([k]) => k === 'messages.snapshot')![1]).toEqual([]);
    expect(log.find(([k]) => k === 'messages.snapshot')![2]).toEqual({
      topic: topics.messages(server.project.id, req.request_id),
      method: 'CREATE',
      snapshot: true,
    });
    expect(log.find(([k]) => k === 'request.snapshot')![1]).toEqual([req.request_id]);
    expect(log.find(([k]) => k === 'missing.snapshot')![1]).toEqual([]);

    await api.sendMessage(req.request_id, 'live one');
    await until(() => log.some(([k]) => k === 'messages.create'), 'live message');
    expect(log.find(([k]) => k === 'messages.create')!.slice(1)).toEqual([
      'live one',
      { topic: topics.messages(server.project.id, req.request_id), method: 'CREATE', snapshot: false },
    ]);
    await api.close(req.request_id);
    await until(() => log.some(([k, v]) => k === 'request.update' && v === 1000), 'close UPDATE');
  });

  it('a conversation watched by id before it exists (a null snapshot) gets its creation as a live CREATE', async () => {
    const server = await h.server();
    const requestId = `support-group-${server.project.id}-0f9c2b7e41d84a6b`;
    const rt = h.client(server);
    const seen: Array<[string, unknown, boolean]> = [];
    const sub = rt.subscribe(topics.request(server.project.id, requestId), {
      snapshot: (items, info) => seen.push(['snapshot', items, info.snapshot]),
      create: (r, info) => seen.push(['create', r.request_id, info.snapshot]),
      update: (r, info) => seen.push(['update', r.status, info.snapshot]),
    });
    await sub.ready;
    const api = rest(server);
    await api.sendMessage(requestId, 'hello'); // creates the conversation
    await api.close(requestId);
    await until(() => seen.some(([kind, status]) => kind === 'update' && status === 1000), 'the close UPDATE');
    expect(seen.filter(([kind]) => kind !== 'update')).toEqual([['snapshot', [], true], ['create', requestId, false]]);
  });

  it('without a snapshot handler, snapshot items go to create one by one, flagged as snapshot', async () => {
    const server = await h.server();
    const api = rest(server);
    const a = await api.createRequest('a');
    const b = await api.createRequest('b');
    const rt = h.client(server);
    const seen: Array<[string, boolean]> = [];
    const sub = rt.subscribe(topics.requests(server.project.id), { create: (r, info) => seen.push([r.request_id, info.snapshot]) });
    await sub.ready;
    expect(seen.sort()).toEqual([[a.request_id, true], [b.request_id, true]].sort());
  });

  it('never hands heartbeat frames or relayed client publishes (no method) to handlers', async () => {
    const server = await h.server({ heartbeatIntervalMs: 50 });
    const api = rest(server);
    const req = await api.createRequest();
    const topic = topics.messages(server.project.id, req.request_id);
    const rt = h.client(server);
    const delivered: unknown[] = [];
    const sub = rt.subscribe(topic, { snapshot: (m) => delivered.push(m), create: (m) => delivered.push(m), update: (m) => delivered.push(m) });
    await sub.ready;
    // Anyone connected may publish to any topic; the server relays it to every subscriber, without `method`.
    const intruder = new NodeWebSocket(`${server.wsUrl}?token=${server.agent.token.replace('JWT ', '')}`);
    await new Promise((resolve) => intruder.once('open', resolve));
    intruder.send(JSON.stringify({ action: 'publish', payload: { topic, message: { _id: 'forged', text: 'click here' } } }));
    intruder.send(JSON.stringify({ action: 'broadcast', payload: { topic, message: [{ _id: 'forged2' }] } }));
    await until(() => rt.stats.relayedIgnored === 2, 'relayed frames counted');
    await new Promise((resolve) => setTimeout(resolve, 150)); // several server heartbeats
    intruder.terminate();
    expect(delivered).toEqual([[]]);
    expect(rt.stats.badFrames).toBe(0);
  });

  it('a second subscription to a held topic gets its own fresh snapshot; the first gets no duplicate', async () => {
    const server = await h.server();
    await rest(server).createRequest();
    const rt = h.client(server);
    let first = 0;
    let second = 0;
    const a = rt.subscribe(topics.requests(server.project.id), { snapshot: () => first++ });
    await a.ready;
    const b = rt.subscribe(topics.requests(server.project.id), { snapshot: () => second++ });
    await b.ready;
    expect([first, second]).toEqual([1, 1]);
    expect(server.stats().subscriptions).toBe(1);
    a.unsubscribe();
    expect(server.stats().subscriptions).toBe(1); // b still holds it
    b.unsubscribe();
    await until(() => server.stats().subscriptions === 0, 'server unsubscribed');
  });

  it('two subscriptions made together on a single-item topic share one subscribe: no second snapshot as a live CREATE', async () => {
    const topic = topics.request('p1', 'r1');
    let subscribes = 0;
    // Answers each subscribe with the request (a single-item snapshot is an object, like a live CREATE), and our
    // ping, which leaves after every subscribe, with a live UPDATE: once that arrives, every snapshot has too.
    const server = h.track(
      await frameServer((data, socket) => {
        const { action } = JSON.parse(data) as { action: string };
        const method = action === 'subscribe' ? (subscribes++, 'CREATE') : 'UPDATE';
        socket.send(JSON.stringify({ action: 'publish', payload: { topic, method, message: { _id: 'x', request_id: 'r1', status: 200 } } }));
      }),
    );
    const rt = h.client(server.url);
    await rt.connect();
    const seen: string[] = [];
    const handlers = (name: string) => ({
      create: (_: unknown, info: FrameInfo) => seen.push(`${name} CREATE${info.snapshot ? ' snapshot' : ''}`),
      update: () => seen.push(`${name} UPDATE`),
    });
    // Two views of one conversation, made in one turn: the second used to send its own subscribe, whose snapshot
    // went to both create handlers as a new conversation (and could undo a live UPDATE that came between the two).
    const a = rt.subscribe(topic, handlers('a'));
    const b = rt.subscribe(topic, handlers('b'));
    await Promise.all([a.ready, b.ready]);
    rt.probe();
    await until(() => seen.includes('b UPDATE'), 'the live UPDATE');
    expect(seen).toEqual(['a CREATE snapshot', 'b CREATE snapshot', 'a UPDATE', 'b UPDATE']);
    expect(subscribes).toBe(1);
  });

  describe('on a single-item topic, the answer to a subscribe nobody waits for any more is not a live CREATE', () => {
    const topic = topics.request('p1', 'r1');
    const frame = (method: string) =>
      JSON.stringify({ action: 'publish', payload: { topic, method, message: { _id: 'x', request_id: 'r1', status: 200 } } });
    const recorder = (seen: string[]) => (name: string) => ({
      create: (_: unknown, info: FrameInfo) => seen.push(`${name} CREATE${info.snapshot ? ' snapshot' : ''}`),
      update: () => seen.push(`${name} UPDATE`),
    });

    it('a subscription timed out, a second one subscribed again, and both answers came', async () => {
      let subscribes = 0;
      const server = h.track(
        await frameServer((data, socket) => {
          const { action } = JSON.parse(data) as { action: string };
          // The first subscribe is answered late, together with the second; our ping gets a live UPDATE.
          if (action === 'subscribe' && ++subscribes === 2) {
            socket.send(frame('CREATE'));
            socket.send(frame('CREATE'));
          } else if (action === 'heartbeat') socket.send(frame('UPDATE'));
        }),
      );
      const rt = h.client(server.url, { subscribeTimeoutMs: 50 });
      await rt.connect();
      const seen: string[] = [];
      const handlers = recorder(seen);
      const a = rt.subscribe(topic, handlers('a'));
      await expect(a.ready).rejects.toBeInstanceOf(SubscribeTimeoutError);
      const b = rt.subscribe(topic, handlers('b'));
      await b.ready;
      rt.probe();
      await until(() => seen.includes('b UPDATE'), 'the live UPDATE');
      expect(seen).toEqual(['a CREATE snapshot', 'b CREATE snapshot', 'a UPDATE', 'b UPDATE']);
      expect(subscribes).toBe(2);
    });

    it('a second subscription left before its snapshot came', async () => {
      let subscribes = 0;
      const server = h.track(
        await frameServer((data, socket) => {
          const { action } = JSON.parse(data) as { action: string };
          if (action === 'subscribe' && ++subscribes === 1) socket.send(frame('CREATE'));
          // The second subscribe is answered after our ping, then the ping itself with a live UPDATE.
          else if (action === 'heartbeat') {
            socket.send(frame('CREATE'));
            socket.send(frame('UPDATE'));
          }
        }),
      );
      const rt = h.client(server.url);
      const seen: string[] = [];
      const handlers = recorder(seen);
      await rt.subscribe(topic, handlers('a')).ready;
      const b = rt.subscribe(topic, handlers('b'));
      await until(() => subscribes === 2, 'the second subscribe');
      b.unsubscribe();
      rt.probe();
      await until(() => seen.includes('a UPDATE'), 'the live UPDATE');
      expect(seen).toEqual(['a CREATE snapshot', 'a UPDATE']);
    });
  });

  it('handlers given as null (plain JavaScript) are no handlers: frames and state changes throw nothing from the socket', async () => {
    const server = await h.server();
    const api = rest(server);
    const req = await api.createRequest();
    const rt = h.client(server);
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    // Only `ready` wanted. Reading `null.snapshot`/`null.state` threw a TypeError out of the socket's message handler:
    // an uncaught exception, which ends a Node process.
    const sub = rt.subscribe(topics.request(server.project.id, req.request_id), null as never, null as never);
    await sub.ready;
    const listCreates: string[] = [];
    const list = rt.subscribe(topics.requests(server.project.id), { create: (r, info) => void (info.snapshot || listCreates.push(r.request_id)) });
    await list.ready;
    await api.close(req.request_id); // an UPDATE on the request topic, right behind the list's
    // A later frame on the list proves the request topic's UPDATE was read.
    const barrier = await api.createRequest('barrier');
    await until(() => listCreates.includes(barrier.request_id), 'the barrier CREATE on the list');
    expect(sub.state).toBe('subscribed');
    await rt.close();
    expect(sub.state).toBe('unsubscribed');
    expect(errors).toEqual([]);
  });

  it('a throwing handler is reported as handler_error and does not stop delivery', async () => {
    const server = await h.server();
    const api = rest(server);
    const req = await api.createRequest();
    const rt = h.client(server);
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    const texts: string[] = [];
    const sub = rt.subscribe(topics.messages(server.project.id, req.request_id), {
      create: (m) => {
        texts.push(m.text!);
        if (m.text === 'boom') throw new Error('renderer bug');
      },
    });
    await sub.ready;
    await api.sendMessage(req.request_id, 'boom');
    await api.sendMessage(req.request_id, 'after');
    await until(() => texts.length === 2, 'both messages');
    expect(texts).toEqual(['boom', 'after']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'handler_error', topic: sub.topic });
    expect(rt.state).toBe('open');
  });
});

describe('unsubscribe', () => {
  it('given up before its snapshot, a topic is unsubscribed once the server has registered it: no live frames follow', async () => {
    // The server registers a subscription after its database lookups; an unsubscribe arriving before that removes
    // nothing (conformance scenario ws.subscribe-turn), so sent at once it would leave the topic subscribed.
    const server = await h.server();
    const api = rest(server);
    const req = await api.createRequest('given up early');
    const rt = h.client(server);
    const listFrames: string[] = [];
    const list = rt.subscribe(topics.requests(server.project.id), {
      create: (r, info) => void (info.snapshot || listFrames.push(`create ${r.request_id}`)),
      update: (r) => void listFrames.push(`update ${r.request_id}`),
    });
    await list.ready;
    const delivered: unknown[] = [];
    const early = rt.subscribe(topics.request(server.project.id, req.request_id), { update: (r) => delivered.push(r) });
    early.unsubscribe();
    await until(() => rt.stats.unrouted === 1, 'the snapshot of the topic given up (unrouted)');

    await api.patch(req.request_id, { priority: 'high' });
    // The same flush carries the request topic's UPDATE right behind the list's; a later list frame proves it is read.
    const other = await api.createRequest('barrier');
    await until(() => listFrames.includes(`create ${other.request_id}`), 'the barrier CREATE on the list');
    expect(listFrames).toContain(`update ${req.request_id}`);
    expect(rt.stats.unrouted).toBe(1);
    expect(delivered).toEqual([]);
  });

  it('a topic registered by the server after it was given up (answered after the timeout) is unsubscribed on its frame', async () => {
    const received: string[] = [];
    const raw = h.track(
      await frameServer((data) => {
        const { action } = JSON.parse(data) as { action: string };
        if (action !== 'heartbeat') received.push(action);
      }),
    );
    const rt = h.client(raw.url, { subscribeTimeoutMs: 50 });
    const topic = topics.request('65f000000000000000000001', 'support-group-slow');
    const delivered: unknown[] = [];
    const sub = rt.subscribe(topic, { snapshot: (items) => delivered.push(items), update: (r) => delivered.push(r) });
    await expect(sub.ready).rejects.toMatchObject({ code: 'subscribe_timeout' });
    sub.unsubscribe(); // sent at once: the server may not have registered the topic yet, and then it removes nothing
    await until(() => received.length === 2, 'the first unsubscribe');
    // The lookups end late: the server registers the topic and answers.
    raw.send(JSON.stringify({ action: 'publish', payload: { topic, method: 'CREATE', message: { _id: 'x', request_id: 'r' } } }));
    await until(() => received.length === 3, 'an unsubscribe answering the frame');
    expect(received).toEqual(['subscribe', 'unsubscribe', 'unsubscribe']);
    expect(delivered).toEqual([]);
    expect(rt.stats.unrouted).toBe(1);
  });

  it('taken again before the snapshot (a React StrictMode remount): the answer to the subscribe given up is no live CREATE', async () => {
    const server = await h.server();
    const api = rest(server);
    const req = await api.createRequest('remounted');
    const rt = h.client(server);
    await rt.connect();
    const topic = topics.request(server.project.id, req.request_id);
    // Mount, unmount, mount in one turn: two subscribes go out, and the server answers each with the request.
    rt.subscribe(topic).unsubscribe();
    const seen: string[] = [];
    const again = rt.subscribe(topic, {
      create: (r, info) => seen.push(`create${info.snapshot ? ' snapshot' : ''} ${r.status}`),
      update: (r) => seen.push(`update ${r.status}`),
    });
    await again.ready;
    await api.close(req.request_id);
    await until(() => seen.includes('update 1000'), 'the close UPDATE');
    // The second answer came as an object CREATE on a topic whose subscribe count started again with the new
    // subscription: it reached `create` as a new conversation (and could have undone an UPDATE between the two).
    expect(seen).toEqual([`create snapshot ${req.status}`, 'update 1000']);
  });

  it('wanted again before the snapshot: the later subscription is kept and gets its snapshot', async () => {
    const server = await h.server();
    const api = rest(server);
    const req = await api.createRequest('toggled');
    const rt = h.client(server);
    const topic = topics.request(server.project.id, req.request_id);
    rt.subscribe(topic).unsubscribe();
    const updates: number[] = [];
    const again = rt.subscribe(topic, { update: (r) => updates.push(r.status) });
    await again.ready;
    await api.close(req.request_id);
    await until(() => updates.includes(1000), 'the close UPDATE on the subscription taken again');
    expect(again.state).toBe('subscribed');
  });
});

describe('handlers that unsubscribe or close during a dispatch', () => {
  it('a subscription made by a handler of the topic’s own snapshot gets a snapshot, not a subscribe timeout', async () => {
    const server = await h.server();
    await rest(server).createRequest('seen twice');
    const rt = h.client(server, { subscribeTimeoutMs: 500 });
    const topic = topics.requests(server.project.id);
    let second: ReturnType<typeof rt.subscribe> | undefined;
    const snapshots: number[] = [];
    // A page that renders a second view of the list when the first snapshot comes, synchronously.
    const first = rt.subscribe(topic, { snapshot: () => void (second ??= rt.subscribe(topic, { snapshot: (r) => snapshots.push(r.length) })) });
    await first.ready;
    // It waited for the answer to the subscribe already answered, and timed out as if the server had refused it.
    await expect(second!.ready).resolves.toBeUndefined();
    expect(snapshots).toEqual([1]);
  });

  it('a subscription that takes its snapshot and unsubscribes in the handler is unsubscribed on the server at once', async () => {
    const server = await h.server();
    await rest(server).createRequest('read once');
    const rt = h.client(server);
    let count = -1;
    // Read the list once: the handler ends its own subscription. The subscribe counted as still in flight during the
    // snapshot's dispatch, so no unsubscribe was sent; the server kept the topic until some later frame on it.
    const once = rt.subscribe(topics.requests(server.project.id), { snapshot: (open) => ((count = open.length), once.unsubscribe()) });
    await once.ready;
    expect(count).toBe(1);
    await until(() => server.stats().subscriptions === 0, 'the topic unsubscribed on the server');
  });

  it('a subscription that unsubscribes in its handler does not make another on the topic miss that frame', async () => {
    const server = await h.server();
    const api = rest(server);
    const req = await api.createRequest();
    const rt = h.client(server);
    const topic = topics.messages(server.project.id, req.request_id);
    const got: Record<'a' | 'b', unknown[]> = { a: [], b: [] };
    const a = rt.subscribe(topic, { create: (m, info) => { got.a.push(m.text); if (!info.snapshot) a.unsubscribe(); } });
    const b = rt.subscribe(topic, { create: (m) => got.b.push(m.text) });
    await Promise.all([a.ready, b.ready]);
    await api.sendMessage(req.request_id, 'live 1');
    await until(() => got.b.includes('live 1'), 'b got live 1');
    await api.sendMessage(req.request_id, 'live 2');
    await until(() => got.b.includes('live 2'), 'b got live 2');
    expect(got.a).toEqual(['live 1']);
    expect(b.state).toBe('subscribed');
  });

  it.each(['close', 'unsubscribe'] as const)('a handler that ends its subscription (%s) gets none of the frame\'s later items', async (how) => {
    const server = await h.server();
    const api = rest(server);
    const req = await api.createRequest();
    await api.importMessages(req.request_id, ['one', 'two', 'three']);
    const rt = h.client(server);
    const got: string[] = [];
    // No snapshot handler: the snapshot's items go to create one by one. Stop at the first.
    const sub = rt.subscribe(topics.messages(server.project.id, req.request_id), {
      create: (m) => {
        got.push(m.text!);
        void (how === 'close' ? rt.close() : sub.unsubscribe());
      },
    });
    await sub.ready.catch(() => {});
    await until(() => got.length > 0, 'the snapshot');
    expect(got).toEqual(['one']);
  });

  it.each(['close', 'unsubscribe'] as const)('a subscription ended by another one\'s snapshot handler (%s) gets no snapshot and stays unsubscribed', async (how) => {
    const server = await h.server();
    const rt = h.client(server);
    const topic = topics.requests(server.project.id);
    const bLog: string[] = [];
    // eslint-disable-next-line prefer-const
    let b: ReturnType<typeof rt.subscribe>;
    rt.subscribe(topic, { snapshot: () => void (how === 'close' ? rt.close() : b.unsubscribe()) });
    b = rt.subscribe(topic, { snapshot: () => bLog.push('snapshot'), state: (state) => bLog.push(state) });
    await expect(b.ready).rejects.toMatchObject({ code: how === 'close' ? 'client_closed' : 'unsubscribed' });
    expect(bLog).toEqual(['unsubscribed']);
    expect(b.state).toBe('unsubscribed');
  });
});

describe('ready and refusal', () => {
  it('resolves ready on the first frame even when it carries nothing', async () => {
    const server = await h.server();
    const rt = h.client(server);
    const sub = rt.subscribe(topics.requests(server.project.id));
    expect(sub.state).toBe('subscribing');
    await sub.ready;
    expect(sub.state).toBe('subscribed');
  });

  it('turns the server’s silent refusal into a SubscribeTimeoutError that says so', async () => {
    const server = await h.server();
    const rt = h.client(server, { subscribeTimeoutMs: 150 });
    const states: string[] = [];
    const sub = rt.subscribe(topics.messages(server.project.id, 'support-group-not-visible'), { state: (s) => states.push(s) });
    const error = await sub.ready.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubscribeTimeoutError);
    expect(error).toMatchObject({ code: 'subscribe_timeout', topic: sub.topic });
    expect((error as Error).message).toMatch(/refuses silently \(unknown project, not a member, conversation not visible\)/);
    expect(sub.state).toBe('error');
    expect(states).toEqual(['error']);
    expect(server.stats().subscriptions).toBe(0);
  });

  it('rejects non-canonical topics up front (the server would never send them live events)', async () => {
    const server = await h.server();
    const rt = h.client(server);
    const pid = server.project.id;
    for (const topic of [`/${pid}/requests/`, `${pid}/requests`, `/${pid}/events/pu1/login`, `/${pid}/foo/r1/messages`, '']) {
      expect(() => rt.subscribe(topic), topic).toThrow(expect.objectContaining({ code: 'invalid_topic' }));
    }
    expect(rt.state).toBe('idle');
  });

  it('rejects a topic shaped like one kind that the server reads as another (an id that is one of its words)', async () => {
    const server = await h.server();
    const rt = h.client(server);
    const pid = server.project.id;
    // Shaped like the request `requests`, the server sends this the list snapshot (and no live event ever); shaped
    // like the request `messages`, the messages of that request; it reads `/project_users/events/x` as a project_user.
    for (const topic of [`/${pid}/requests/requests`, `/${pid}/requests/messages`, `/${pid}/bots/requests`, `/project_users/events/x`]) {
      expect(() => rt.subscribe(topic), topic).toThrow(expect.objectContaining({ code: 'invalid_topic', topic }));
    }
    expect(rt.state).toBe('idle');
  });
});

describe('while disconnected', () => {
  it('queues subscribe/unsubscribe as a deduplicated wanted set and sends it on open', async () => {
    const server = await h.server();
    server.faults.hangUpgrades(true);
    const rt = h.client(server, { handshakeTimeoutMs: 100 });
    const pid = server.project.id;
    const a = rt.subscribe(topics.requests(pid));
    const b = rt.subscribe(topics.requests(pid));
    const gone = rt.subscribe(topics.request(pid, 'support-group-x'));
    gone.unsubscribe();
    expect(gone.state).toBe('unsubscribed');
    await expect(gone.ready).rejects.toMatchObject({ code: 'unsubscribed' });
    expect(rt.stats.topics).toBe(1);
    server.faults.hangUpgrades(false);
    await Promise.all([a.ready, b.ready]);
    expect(server.stats().subscriptions).toBe(1);
  });

  it('a subscribe in flight when the socket drops does not time out while the client is reconnecting', async () => {
    const topic = topics.requests('65f000000000000000000001');
    const sockets: NodeWebSocket[] = [];
    // The first connection never answers its subscribe and is then dropped; the next one answers at once.
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action !== 'subscribe') return;
        if (!sockets.includes(socket)) sockets.push(socket);
        if (sockets.length > 1) socket.send(JSON.stringify({ action: 'publish', payload: { topic, method: 'CREATE', message: [] } }));
      }),
    );
    // The backoff is pinned to a minute: the client stays disconnected until probe() cuts it short.
    const rt = h.client(raw.url, { subscribeTimeoutMs: 100, reconnectBaseDelayMs: 60_000, reconnectMaxDelayMs: 60_000, random: () => 0.999 });
    const errors: string[] = [];
    rt.on('error', (e) => errors.push(e.code));
    const sub = rt.subscribe(topic);
    await until(() => sockets.length === 1, 'the first subscribe');
    sockets[0]!.terminate();
    await until(() => rt.state === 'reconnecting', 'the drop');
    // Longer than subscribeTimeoutMs, disconnected: the subscribe sent on the dead socket must not be timed out.
    await new Promise((resolve) => setTimeout(resolve, 300));
    rt.probe();
    await sub.ready;
    expect(sub.state).toBe('subscribed');
    expect(errors).toEqual(['connection_lost']);
  });

  it('bounds the wanted set with maxTopics', async () => {
    const server = await h.server();
    server.faults.hangUpgrades(true);
    const rt = h.client(server, { maxTopics: 3 });
    for (let i = 0; i < 3; i++) rt.subscribe(topics.request(server.project.id, `r${i}`));
    rt.subscribe(topics.request(server.project.id, 'r0')); // same topic: no new slot
    expect(() => rt.subscribe(topics.request(server.project.id, 'r3'))).toThrow(expect.objectContaining({ code: 'too_many_topics' }));
    server.faults.hangUpgrades(false);
  });
});

describe('payload validation', () => {
  it('is off by default, and with validate: true drops items that lack what the SDK relies on', async () => {
    const server = await h.server();
    const api = rest(server);
    const req = await api.createRequest();
    const bad: BadFrameReport[] = [];
    const rt = h.client(server, { validate: true });
    rt.on('badFrame', (r) => bad.push(r));
    const got: RealtimeRequest[] = [];
    const sub = rt.subscribe(topics.requests(server.project.id), { create: (r) => got.push(r) });
    await sub.ready;
    expect(got.map((r) => r.request_id)).toEqual([req.request_id]);
    expect(bad).toEqual([]);

    // A Standard Schema (zod) per subscription: its output replaces the item; failures are reported, not thrown.
    const Strict = z.object({ request_id: z.string(), status: z.literal(999) });
    const strict: unknown[] = [];
    const other = rt.subscribe(topics.request(server.project.id, req.request_id), { snapshot: (items) => strict.push(...items) }, { validate: Strict });
    await other.ready;
    expect(strict).toEqual([]);
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ reason: 'invalid_payload', topic: other.topic });
    expect(typeof bad[0]!.detail).toBe('string');

    const Loose = z.object({ request_id: z.string(), status: z.number() });
    const loose: unknown[] = [];
    const third = rt.subscribe(topics.request(server.project.id, req.request_id), { snapshot: (items) => loose.push(...items) }, { validate: Loose });
    await third.ready;
    expect(loose).toEqual([{ request_id: req.request_id, status: 200 }]);
  });
});

it('subscribe on an idle client connects it', async () => {
  const server = await h.server();
  const rt = h.client(server);
  expect(rt.state).toBe('idle');
  const sub = rt.subscribe(topics.requests(server.project.id));
  expect(rt.state).toBe('connecting');
  await sub.ready;
  expect(rt.state).toBe('open');
  expect(() => sub.unsubscribe()).not.toThrow();
  expect(() => sub.unsubscribe()).not.toThrow();
});
