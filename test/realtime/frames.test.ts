/**
 * Bad frames no Tiledesk server sends on demand (so a raw `ws` server sends them, over a real socket): they are
 * counted and reported on `badFrame`, never thrown, and the frames around them are still delivered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RealtimeError, topics, type BadFrameReport, type RealtimeRequest, type StateChange } from '../../src/realtime/index.js';
import { BrowserLikeWebSocket, frameServer, Harness, until } from './helpers.js';

const h = new Harness();
afterEach(() => h.dispose());

const PID = '65f000000000000000000001';
const TOPIC = topics.requests(PID);
const publish = (message: unknown, method: string | undefined = 'CREATE', topic: string = TOPIC) =>
  JSON.stringify({ action: 'publish', payload: { topic, ...(method === undefined ? {} : { method }), message } });
const request = (id: string, extra: Record<string, unknown> = {}) => ({ _id: `_${id}`, request_id: id, status: 200, ...extra });

it('counts and reports malformed, unknown, binary and oversized frames, and keeps delivering the good ones', async () => {
  const raw = h.track(
    await frameServer((data, socket) => {
      if (JSON.parse(data).action === 'subscribe') socket.send(publish([request('r0')]));
    }),
  );
  const rt = h.client(raw.url, { maxFrameLength: 10_000 });
  const bad: BadFrameReport[] = [];
  rt.on('badFrame', (r) => bad.push(r));
  const created: string[] = [];
  const updated: string[] = [];
  const sub = rt.subscribe(TOPIC, { create: (r) => created.push(r.request_id), update: (r) => updated.push(r.request_id) });
  await sub.ready;

  raw.send('not json {');
  raw.send(Buffer.from([1, 2, 3]));
  raw.send('"just a string"');
  raw.send('[1,2]');
  raw.send(JSON.stringify({ action: 'teleport', payload: {} }));
  raw.send(JSON.stringify({ action: 'publish', payload: 'nope' }));
  raw.send(JSON.stringify({ action: 'publish', payload: { method: 'CREATE', message: {} } })); // no topic
  raw.send(publish(request('x'), 'DELETE'));
  raw.send(publish(42));
  raw.send(JSON.stringify({ action: 'heartbeat', payload: { message: { text: 'hello' } } }));
  raw.send(publish([request('huge', { blob: 'x'.repeat(20_000) })]));
  raw.send(publish(request('r1')));
  raw.send(publish(request('r1', { status: 1000 }), 'UPDATE'));
  raw.send(publish(request('elsewhere'), 'CREATE', topics.requests('65f0000000000000000000ff'))); // nobody holds it

  await until(() => updated.length === 1, 'the good frames after the bad ones');
  expect(created).toEqual(['r0', 'r1']);
  expect(updated).toEqual(['r1']);
  expect(bad.map((r) => r.reason)).toEqual([
    'not_json',
    'binary',
    'bad_envelope',
    'bad_envelope',
    'unknown_action',
    'bad_envelope',
    'bad_envelope',
    'unknown_method',
    'bad_envelope',
    'bad_envelope',
    'oversized',
  ]);
  expect(bad[1]!.size).toBe(3);
  expect(bad[10]!.size).toBeGreaterThan(10_000);
  expect(rt.stats).toMatchObject({ badFrames: 11, unrouted: 1 });
  expect(rt.state).toBe('open');
});

it('a frame of exactly maxFrameLength characters is delivered; one character longer is dropped as oversized', async () => {
  const raw = h.track(
    await frameServer((data, socket) => {
      if (JSON.parse(data).action === 'subscribe') socket.send(publish([]));
    }),
  );
  const limit = 1_000;
  // A live CREATE padded to `length` characters in all.
  const frameOf = (id: string, length: number) => {
    const bare = publish(request(id, { text: '' }));
    return publish(request(id, { text: 'x'.repeat(length - bare.length) }));
  };
  expect(frameOf('fits', limit)).toHaveLength(limit);
  const rt = h.client(raw.url, { maxFrameLength: limit });
  const bad: BadFrameReport[] = [];
  rt.on('badFrame', (r) => bad.push(r));
  const created: string[] = [];
  const sub = rt.subscribe(TOPIC, { create: (r) => created.push(r.request_id) });
  await sub.ready;
  raw.send(frameOf('fits', limit));
  raw.send(frameOf('over', limit + 1));
  await until(() => bad.length === 1, 'the oversized frame reported');
  expect(created).toEqual(['fits']);
  expect(bad).toEqual([{ reason: 'oversized', size: limit + 1 }]);
});

it('validation on: items with wrong shapes are dropped one by one, the rest of the frame is delivered', async () => {
  const raw = h.track(
    await frameServer((data, socket) => {
      if (JSON.parse(data).action !== 'subscribe') return;
      socket.send(publish([request('ok1'), { request_id: 7 }, null, 'text', request('ok2'), { _id: 'a', request_id: 'b' }]));
    }),
  );
  const rt = h.client(raw.url, { validate: true });
  const bad: BadFrameReport[] = [];
  rt.on('badFrame', (r) => bad.push(r));
  let snapshot: RealtimeRequest[] = [];
  await rt.subscribe(TOPIC, { snapshot: (items) => (snapshot = items) }).ready;
  expect(snapshot.map((r) => r.request_id)).toEqual(['ok1', 'ok2']);
  expect(bad.map((r) => r.reason)).toEqual(['invalid_payload', 'invalid_payload', 'invalid_payload', 'invalid_payload']);
});

it('validation off: shapes pass through untouched (the envelope is still checked)', async () => {
  const raw = h.track(
    await frameServer((data, socket) => {
      if (JSON.parse(data).action === 'subscribe') socket.send(publish([{ anything: true }, 3]));
    }),
  );
  const rt = h.client(raw.url);
  let snapshot: unknown[] = [];
  await rt.subscribe<unknown>(TOPIC, { snapshot: (items) => (snapshot = items) }).ready;
  expect(snapshot).toEqual([{ anything: true }, 3]);
});

it('a validator that throws on an item it did not expect (null) drops that item and reports it; nothing crashes', async () => {
  const raw = h.track(
    await frameServer((data, socket) => {
      if (JSON.parse(data).action !== 'subscribe') return;
      socket.send(publish([request('ok1'), null, request('ok2')]));
      socket.send(publish(request('ok3')));
    }),
  );
  // Written for the documents the server sends: a null item makes both throw (a TypeError reading `request_id`).
  const predicate = (r: unknown) => (r as RealtimeRequest).request_id.length > 0;
  const schema = { '~standard': { validate: (r: unknown) => ({ value: { ...(r as RealtimeRequest), checked: (r as RealtimeRequest).request_id } }) } };
  for (const validate of [predicate, schema]) {
    const rt = h.client(raw.url, { validate: { requests: validate } });
    const bad: BadFrameReport[] = [];
    rt.on('badFrame', (r) => bad.push(r));
    let snapshot: RealtimeRequest[] = [];
    const created: string[] = [];
    await rt.subscribe(TOPIC, { snapshot: (items) => (snapshot = items), create: (r) => created.push(r.request_id) }).ready;
    await until(() => created.length === 1, 'the frame after the one that threw');
    expect(snapshot.map((r) => r.request_id)).toEqual(['ok1', 'ok2']);
    expect(created).toEqual(['ok3']);
    expect(bad).toEqual([{ reason: 'invalid_payload', topic: TOPIC, detail: 'the validator threw' }]);
    expect(rt.state).toBe('open');
    await rt.close();
  }
});

it('an item shaped like a failed check ({ rejected: true, detail }) is an item: delivered, not dropped as invalid', async () => {
  const raw = h.track(
    await frameServer((data, socket) => {
      if (JSON.parse(data).action === 'subscribe') socket.send(publish([request('ok1', { rejected: true, detail: 'a field of its own' })]));
    }),
  );
  // The built-in checks return the item itself; a Standard Schema returns its output, here with the same shape.
  const schema = { '~standard': { validate: (r: unknown) => ({ value: { ...(r as RealtimeRequest), rejected: true, detail: 'output' } }) } };
  for (const validate of [true, { requests: schema }] as const) {
    const rt = h.client(raw.url, { validate });
    const bad: BadFrameReport[] = [];
    rt.on('badFrame', (r) => bad.push(r));
    let snapshot: RealtimeRequest[] = [];
    await rt.subscribe(TOPIC, { snapshot: (items) => (snapshot = items) }).ready;
    expect(snapshot.map((r) => [r.request_id, (r as { detail?: unknown }).detail])).toEqual([['ok1', validate === true ? 'a field of its own' : 'output']]);
    expect(bad).toEqual([]);
    await rt.close();
  }
});

it('validation on: a message without its createdAt and an event that is not an object are dropped too', async () => {
  const MESSAGES = topics.messages(PID, 'r1');
  const EVENTS = topics.events(PID, 'pu1');
  const message = (id: string, extra: Record<string, unknown> = {}) => ({ _id: id, createdAt: '2024-01-01T00:00:00.000Z', ...extra });
  const raw = h.track(
    await frameServer((data, socket) => {
      const { action, payload } = JSON.parse(data) as { action: string; payload: { topic: string } };
      if (action !== 'subscribe') return;
      if (payload.topic === MESSAGES) socket.send(publish([message('m1'), message('m2', { createdAt: undefined }), message('m3', { createdAt: 0 })], 'CREATE', MESSAGES));
      else socket.send(publish([{ name: 'login' }, 'login', null, ['login']], 'CREATE', EVENTS));
    }),
  );
  const rt = h.client(raw.url, { validate: true });
  const bad: BadFrameReport[] = [];
  rt.on('badFrame', (r) => bad.push(r));
  let messages: unknown[] = [];
  let events: unknown[] = [];
  await Promise.all([
    rt.subscribe<unknown>(MESSAGES, { snapshot: (items) => (messages = items) }).ready,
    rt.subscribe<unknown>(EVENTS, { snapshot: (items) => (events = items) }).ready,
  ]);
  expect(messages).toEqual([message('m1')]);
  expect(events).toEqual([{ name: 'login' }]);
  expect(bad.filter((r) => r.topic === MESSAGES)).toHaveLength(2);
  expect(bad.filter((r) => r.topic === EVENTS)).toHaveLength(3);
});

it('a Standard Schema is reported by its first issue; an async one drops every item, saying it is not supported (dispatch is synchronous)', async () => {
  const raw = h.track(
    await frameServer((data, socket) => {
      if (JSON.parse(data).action === 'subscribe') socket.send(publish([request('ok1')]));
    }),
  );
  const failing = { '~standard': { validate: () => ({ issues: [{ message: 'status: expected 999' }, { message: 'second issue' }] }) } };
  const nameless = { '~standard': { validate: () => ({ issues: [] }) } };
  const async = { '~standard': { validate: (r: unknown) => Promise.resolve({ value: r }) } };
  const cases = [
    [failing, 'status: expected 999'],
    [nameless, 'invalid'],
    [async, 'async validators are not supported'],
  ] as const;
  for (const [validate, detail] of cases) {
    const rt = h.client(raw.url, { validate: { requests: validate } });
    const bad: BadFrameReport[] = [];
    rt.on('badFrame', (r) => bad.push(r));
    let snapshot: unknown[] | undefined;
    await rt.subscribe<unknown>(TOPIC, { snapshot: (items) => (snapshot = items) }).ready;
    expect(snapshot, detail).toEqual([]);
    expect(bad, detail).toEqual([{ reason: 'invalid_payload', topic: TOPIC, detail }]);
    await rt.close();
  }
});

describe('in Node, ws refuses a frame longer than maxFrameLength can be before reading it (its own limit is 100 MiB)', () => {
  const snapshotServer = () =>
    frameServer((data, socket) => {
      if (JSON.parse(data).action === 'subscribe') socket.send(publish([request('r0')]));
    });

  it('over 3 bytes a character: the socket closes (1009), reported as connection_lost, and the client reconnects', async () => {
    const raw = h.track(await snapshotServer());
    const rt = h.client(raw.url, { maxFrameLength: 1_000 });
    const bad: BadFrameReport[] = [];
    rt.on('badFrame', (r) => bad.push(r));
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    let snapshots = 0;
    const created: string[] = [];
    const sub = rt.subscribe(TOPIC, { snapshot: () => snapshots++, create: (r) => created.push(r.request_id) });
    await sub.ready;

    // 900 characters, 2,500 bytes: within the limit, which counts characters.
    const wide = publish(request('wide', { text: '€'.repeat(800) }));
    expect([wide.length <= 1_000, Buffer.byteLength(wide) > 2_000]).toEqual([true, true]);
    raw.send(wide);
    await until(() => created.includes('wide'), 'the frame of 3-byte characters');

    raw.send('x'.repeat(3_001)); // 3,001 bytes: more than 1,000 characters can take
    await until(() => errors.length === 1, 'the refused frame reported');
    // ws sends close 1009 and stops reading: no closing handshake comes back, so ws itself reports 1006. The default
    // WebSocket reports the 1009 it sent, which is what the client counts towards frame_too_large.
    expect(errors[0]).toMatchObject({ code: 'connection_lost', closeCode: 1009 });
    expect(errors[0]!.message).toBe(
      'the connection closed (code 1009: a frame over 3000 bytes, more than maxFrameLength (1000) characters can take: Max payload size exceeded)',
    );
    await until(() => snapshots === 2 && rt.state === 'open', 'reconnected and resubscribed');
    expect(bad).toEqual([]);
  });

  it('the same frame too long on every connection (a snapshot): 3 connections in a row closed with 1009 end in failed (frame_too_large), not a reconnect loop', async () => {
    let connections = 0;
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action !== 'subscribe') return;
        connections++;
        socket.send(publish([request('r0', { blob: 'x'.repeat(3_000) })])); // over the 3,000 bytes 1,000 characters can take
      }),
    );
    const rt = h.client(raw.url, { maxFrameLength: 1_000 });
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    const changes: StateChange[] = [];
    rt.on('state', (change) => changes.push(change));
    const ready = rt.subscribe(TOPIC).ready.catch((e: unknown) => e);

    // Without the limit the client reconnected to the same frame without end (with backoff, up to 30 s apart).
    await until(() => rt.state === 'failed', 'failed after 3 connections in a row closed with 1009');
    expect(errors.map((e) => [e.code, e.closeCode])).toEqual([
      ['connection_lost', 1009],
      ['connection_lost', 1009],
      ['frame_too_large', undefined],
    ]);
    const failure = errors[2]!;
    expect(failure).toBeInstanceOf(RealtimeError);
    expect(failure.message).toBe('3 connections in a row closed on a frame too large (code 1009): see maxFrameLength');
    expect(changes.at(-1)).toMatchObject({ state: 'failed', error: failure });
    expect(await ready).toBe(failure);
    expect(connections).toBe(3);

    // Terminal like auth failures: connect() starts again (and opens), and the same frame ends it the same way.
    await rt.connect();
    await until(() => rt.state === 'failed', 'failed again');
    expect(errors.map((e) => e.code).slice(3)).toEqual(['connection_lost', 'connection_lost', 'frame_too_large']);
    expect(connections).toBe(6);
  });

  it('closes with 1009 count only in a row: any other end of a connection starts the count again (a proxy refusing frames, as a browser sees it)', async () => {
    // What the server does to each connection once subscribed: 1009 is what a proxy refusing a frame too large sends.
    const closes = [1009, 1009, 4000, 1009, 1009, 1009];
    let connections = 0;
    const raw = h.track(
      await frameServer((data, socket) => {
        if (JSON.parse(data).action === 'subscribe') socket.close(closes[connections++]);
      }),
    );
    const rt = h.client(raw.url, { WebSocket: BrowserLikeWebSocket });
    const errors: RealtimeError[] = [];
    rt.on('error', (e) => errors.push(e));
    rt.subscribe(TOPIC);
    await until(() => rt.state === 'failed', 'failed after the second row of 3 closes with 1009');
    expect(errors.map((e) => [e.code, e.closeCode])).toEqual([
      ['connection_lost', 1009],
      ['connection_lost', 1009],
      ['connection_lost', 4000],
      ['connection_lost', 1009],
      ['connection_lost', 1009],
      ['frame_too_large', undefined],
    ]);
    expect(connections).toBe(6);
  });

  it('a maxFrameLength whose triple does not fit 32 bits, or Infinity, does not become a small limit', async () => {
    const raw = h.track(await snapshotServer());
    for (const maxFrameLength of [1_431_655_766, Infinity]) {
      const rt = h.client(raw.url, { maxFrameLength });
      const created: string[] = [];
      await rt.subscribe(TOPIC, { create: (r) => created.push(r.request_id) }).ready;
      raw.send(publish(request('big', { blob: 'x'.repeat(200_000) })));
      await until(() => created.includes('big'), `a 200 KB frame with maxFrameLength ${maxFrameLength}`);
      await rt.close();
    }
  });
});
