/**
 * The realtime client and live stores against a real Tiledesk server (`npm run test:real`, TILEDESK_REAL_URL):
 * snapshots and live CREATE/UPDATE on requests and messages, the close flow, silent refusal turned into a typed
 * timeout, 401 and guest-token handshakes (also as a browser sees them, with the HTTP probe), and REST gap-fill beyond
 * the 300-message snapshot cap. Heartbeats keeping a socket open past the server's 60 s idle kill: heartbeat.real.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TiledeskClient } from '../../src/index.js';
import {
  LiveMessages,
  LiveRequests,
  RealtimeAuthError,
  RealtimeClient,
  SubscribeTimeoutError,
  topics,
  type RealtimeMessage,
  type RealtimeRequest,
  type WebSocketConstructor,
} from '../../src/realtime/index.js';
import { realTarget } from '../helpers/target.js';
import { BrowserLikeWebSocket } from '../realtime/helpers.js';

const target = realTarget();
const baseUrl = target?.url ?? '';
const wsUrl = target?.wsUrl ?? '';
const stamp = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;

interface Account {
  email: string;
  password: string;
  token: string;
  projectId: string;
}

let owner: Account;
let stranger: Account;
const clients: RealtimeClient[] = [];

async function api<T>(path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'Content-Type': 'application/json', ...(init.token ? { Authorization: init.token } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status}`);
  return JSON.parse(text) as T;
}

async function account(name: string, reuse = false): Promise<Account> {
  const email = reuse && target?.email ? target.email : `sdk-rt-${name}-${stamp}@example.com`;
  const password = reuse && target?.password ? target.password : `Pw-${stamp}!`;
  if (!(reuse && target?.email)) await api('/auth/signup', { body: { email, password, firstname: 'Rt', lastname: name } });
  const { token } = await api<{ token: string }>('/auth/signin', { body: { email, password } });
  const projectId =
    reuse && target?.projectId ? target.projectId : (await api<{ _id: string }>('/projects', { token, body: { name: `sdk-rt-${stamp}` } }))._id;
  return { email, password, token, projectId };
}

const createRequest = (a: Account, text = 'hello') =>
  api<RealtimeRequest>(`/${a.projectId}/requests`, { token: a.token, body: { first_text: text } });
const sendMessage = (a: Account, requestId: string, text: string) =>
  api<RealtimeMessage>(`/${a.projectId}/requests/${requestId}/messages`, { token: a.token, body: { text } });
const closeRequest = (a: Account, requestId: string) =>
  api<RealtimeRequest>(`/${a.projectId}/requests/${requestId}/close`, { token: a.token, method: 'PUT', body: {} });

function client(options: Partial<ConstructorParameters<typeof RealtimeClient>[0]> = {}): RealtimeClient {
  const rt = new RealtimeClient({ url: wsUrl, token: owner.token, environment: null, ...options });
  clients.push(rt);
  return rt;
}

/** Resolves with the first value `pick` returns for an event, or rejects after `ms`. */
function waitFor<T>(subscribe: (listener: () => void) => () => void, pick: () => T | undefined, ms = 10_000, what = 'condition'): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const value = pick();
      if (value === undefined) return;
      clearTimeout(timer);
      off();
      resolve(value);
    };
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const off = subscribe(check);
    check();
  });
}

beforeAll(async () => {
  if (!target) throw new Error('TILEDESK_REAL_URL is not set: run this file through `npm run test:real`');
  owner = await account('owner', true);
  stranger = await account('stranger');
});

afterAll(async () => {
  await Promise.all(clients.map((rt) => rt.close()));
});

describe('requests topic', () => {
  it('snapshot holds open requests; live CREATE adds, close (UPDATE 1000) removes', async () => {
    const existing = await createRequest(owner, 'before subscribe');
    const rt = client();
    const live = new LiveRequests(rt, owner.projectId);
    await live.ready;
    expect(live.get(existing.request_id)?.first_text).toBe('before subscribe');

    const created = await createRequest(owner, 'after subscribe');
    const added = await waitFor((l) => live.on('change', l), () => live.get(created.request_id), 10_000, 'live CREATE');
    // Live CREATE frames are populated: the lead is a document, not an id.
    expect(typeof added.lead).toBe('object');

    await closeRequest(owner, created.request_id);
    await waitFor((l) => live.on('change', l), () => (live.get(created.request_id) ? undefined : true), 10_000, 'close UPDATE');
    expect(live.get(existing.request_id)).toBeDefined();
    live.close();
  });

  it('delivers snapshot, CREATE and UPDATE frames to typed handlers', async () => {
    const rt = client();
    const seen: string[] = [];
    let snapshotIsArray = false;
    const sub = rt.subscribe(topics.requests(owner.projectId), {
      snapshot: (items) => {
        snapshotIsArray = Array.isArray(items);
        seen.push('snapshot');
      },
      create: (r) => seen.push(`create:${r.request_id}`),
      update: (r) => seen.push(`update:${r.request_id}:${r.status}`),
    });
    await sub.ready;
    expect(sub.state).toBe('subscribed');
    expect(snapshotIsArray).toBe(true);
    const req = await createRequest(owner, 'typed');
    await closeRequest(owner, req.request_id);
    await poll(() => seen.includes(`update:${req.request_id}:1000`));
    expect(seen[0]).toBe('snapshot');
    expect(seen).toContain(`create:${req.request_id}`);
    expect(seen.indexOf(`create:${req.request_id}`)).toBeLessThan(seen.indexOf(`update:${req.request_id}:1000`));
  });
});

describe('unsubscribe', () => {
  it('a topic given up before its snapshot stays unsubscribed on the server: no live frames follow', async () => {
    // The server registers a subscription after awaiting its lookups; an unsubscribe it handles before that removes
    // nothing. The client therefore unsubscribes once the topic's first frame proves the registration.
    const req = await createRequest(owner, 'given up early');
    const rt = client();
    const listFrames: string[] = [];
    const list = rt.subscribe(topics.requests(owner.projectId), {
      create: (r, info) => void (info.snapshot || listFrames.push(`create:${r.request_id}`)),
      update: (r) => void listFrames.push(`update:${r.request_id}`),
    });
    await list.ready;
    const delivered: unknown[] = [];
    rt.subscribe(topics.request(owner.projectId, req.request_id), { update: (r) => delivered.push(r) }).unsubscribe();
    await poll(() => rt.stats.unrouted === 1);

    await closeRequest(owner, req.request_id);
    // Later events on the list prove that the request topic's UPDATE, sent before them, has been read.
    const first = await createRequest(owner, 'barrier 1');
    const second = await createRequest(owner, 'barrier 2');
    await poll(() => listFrames.includes(`create:${first.request_id}`) && listFrames.includes(`create:${second.request_id}`));
    expect(listFrames).toContain(`update:${req.request_id}`);
    expect(rt.stats.unrouted).toBe(1);
    expect(delivered).toEqual([]);
  });

  it('read once: a subscription that unsubscribes in its snapshot handler gets no live frame, and none reaches the client', async () => {
    // The snapshot proves the registration, so the unsubscribe sent from its handler removes the topic at once.
    const rt = client();
    const listFrames: string[] = [];
    const list = rt.subscribe(topics.requests(owner.projectId), { create: (r, info) => void (info.snapshot || listFrames.push(r.request_id)) });
    await list.ready;
    const req = await createRequest(owner, 'read once');
    await poll(() => listFrames.includes(req.request_id));
    const updates: unknown[] = [];
    const once = rt.subscribe(topics.request(owner.projectId, req.request_id), { snapshot: () => once.unsubscribe(), update: (r) => updates.push(r) });
    await once.ready;
    await closeRequest(owner, req.request_id);
    const first = await createRequest(owner, 'barrier 1');
    const second = await createRequest(owner, 'barrier 2');
    await poll(() => listFrames.includes(first.request_id) && listFrames.includes(second.request_id));
    expect(updates).toEqual([]);
    expect(rt.stats.unrouted).toBe(0); // the close UPDATE never came: the server had the topic no more
  });

  it('taken again before its snapshot (a remount): the second answer is no live CREATE, and live UPDATEs follow', async () => {
    const req = await createRequest(owner, 'remounted');
    const rt = client();
    await rt.connect();
    const topic = topics.request(owner.projectId, req.request_id);
    rt.subscribe(topic).unsubscribe();
    const seen: string[] = [];
    const again = rt.subscribe(topic, {
      create: (r, info) => seen.push(`create${info.snapshot ? ' snapshot' : ''}:${r.request_id}`),
      update: (r) => seen.push(`update:${r.status}`),
    });
    await again.ready;
    await closeRequest(owner, req.request_id);
    await poll(() => seen.includes('update:1000'));
    expect(seen).toEqual([`create snapshot:${req.request_id}`, 'update:1000']);
    expect(rt.stats.framesReceived).toBeGreaterThanOrEqual(3); // both answers came, and the UPDATE
  });
});

/** A WebSocket class that keeps every socket it makes, so a test can cut the connection under the client. */
function trackedWebSocket(): { Tracked: WebSocketConstructor; sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  const Tracked = class extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  } as unknown as WebSocketConstructor;
  return { Tracked, sockets };
}

describe('reconnect', () => {
  it('resubscribes and reconciles the list from the real snapshot after missing events while disconnected', async () => {
    const { Tracked, sockets } = trackedWebSocket();
    // The second connect waits for the gate: the conversation changes below happen while we are disconnected.
    let connects = 0;
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const rt = client({
      WebSocket: Tracked,
      reconnectBaseDelayMs: 10,
      handshakeTimeoutMs: 30_000,
      token: async () => {
        if (++connects === 2) await gate;
        return owner.token;
      },
    });
    const gone = await createRequest(owner, 'closed while away');
    const live = new LiveRequests(rt, owner.projectId);
    await live.ready;
    expect(live.get(gone.request_id)).toBeDefined();

    sockets.at(-1)!.terminate();
    await poll(() => connects === 2);
    await closeRequest(owner, gone.request_id);
    const missed = await createRequest(owner, 'created while away');
    openGate();
    await poll(() => live.get(missed.request_id) !== undefined && live.get(gone.request_id) === undefined);
    expect(rt.state).toBe('open');
    expect(live.state).toBe('subscribed');
  });
});

describe('reconnect without changes', () => {
  it('a snapshot that sends the same requests and messages again reports no change and keeps list()', async () => {
    const { Tracked, sockets } = trackedWebSocket();
    const rt = client({ WebSocket: Tracked, reconnectBaseDelayMs: 10 });
    const req = await createRequest(owner, 'stays as it is');
    await sendMessage(owner, req.request_id, 'one');
    const requests = new LiveRequests(rt, owner.projectId);
    const messages = new LiveMessages(rt, owner.projectId, req.request_id);
    await Promise.all([requests.ready, messages.ready]);
    const reconnect = async () => {
      const count = sockets.length;
      sockets.at(-1)!.terminate();
      await poll(() => sockets.length > count && requests.state === 'subscribed' && messages.state === 'subscribed');
      // Past the snapshots' change events (at most one per event-loop turn).
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    // The first reconnect may bring what changed without a frame (a new conversation's `updatedAt` and agents are
    // written once more just after the answer); after it, nothing changes.
    await reconnect();
    const requestList = requests.list();
    const messageList = messages.list();
    const log: unknown[] = [];
    requests.on('change', (c) => log.push(c));
    messages.on('change', (c) => log.push(c));
    await reconnect();
    expect(log).toEqual([]);
    expect(requests.list()).toBe(requestList);
    expect(messages.list()).toBe(messageList);
  });
});

describe('messages topic', () => {
  it('snapshot + live CREATE, and the close flow adds the system message', async () => {
    const req = await createRequest(owner, 'conversation');
    await sendMessage(owner, req.request_id, 'first');
    const rt = client();
    const live = new LiveMessages(rt, owner.projectId, req.request_id);
    await live.ready;
    expect(live.list().map((m) => m.text)).toEqual(['first']);

    await sendMessage(owner, req.request_id, 'second');
    await poll(() => live.size === 2);
    // Live message frames embed the conversation; the store keeps it aside, not in the message.
    expect(live.list()[1]!.request).toBeUndefined();
    expect(live.request?.request_id).toBe(req.request_id);

    const requestStates: number[] = [];
    rt.subscribe(topics.request(owner.projectId, req.request_id), { update: (r) => requestStates.push(r.status) });
    await closeRequest(owner, req.request_id);
    await poll(() => live.list().some((m) => m.sender === 'system') && requestStates.includes(1000));
    const system = live.list().find((m) => m.sender === 'system')!;
    expect(system.text).toBe('Chat closed');
    const texts = live.list().map((m) => m.text);
    expect(texts.slice(0, 2)).toEqual(['first', 'second']);
  });

  it('fills beyond the 300-message snapshot cap over REST, or reports the gap', async () => {
    const req = await createRequest(owner, 'long conversation');
    const rest = new TiledeskClient({ baseUrl, projectId: owner.projectId, auth: { email: owner.email, password: owner.password } });
    // The server publishes each saved message some time after /multi answers. A probe that sees all 310 live CREATEs
    // proves nothing is still on its way, so the stores below get a snapshot and no live event.
    let published = 0;
    const probe = client();
    const probed = probe.subscribe(topics.messages(owner.projectId, req.request_id), { snapshot: () => {}, create: () => void published++ });
    await probed.ready;
    for (let start = 0; start < 310; start += 100) {
      const batch = Array.from({ length: Math.min(100, 310 - start) }, (_, i) => ({ text: `m${start + i}` }));
      await api(`/${owner.projectId}/requests/${req.request_id}/messages/multi`, { token: owner.token, body: batch });
    }
    await waitFor((listener) => {
      const timer = setInterval(listener, 20);
      return () => clearInterval(timer);
    }, () => (published >= 310 ? true : undefined), 30_000, 'the 310 live CREATEs');
    await probe.close();
    const rt = client();
    const withRest = new LiveMessages(rt, owner.projectId, req.request_id, { rest });
    const gaps: unknown[] = [];
    const withoutRest = new LiveMessages(rt, owner.projectId, req.request_id);
    withoutRest.on('gap', (g) => gaps.push(g));
    await Promise.all([withRest.ready, withoutRest.ready]);
    expect(withRest.size).toBe(310);
    expect(withoutRest.size).toBe(300);
    expect(gaps).toEqual([{ reason: 'snapshot_capped', topic: topics.messages(owner.projectId, req.request_id), snapshotSize: 300 }]);
    await rest.close();
  });
});

describe('connection', () => {
  it('turns a silent refusal into a typed SubscribeTimeoutError', async () => {
    const req = await createRequest(stranger, 'not yours');
    const rt = client({ subscribeTimeoutMs: 3_000 });
    const sub = rt.subscribe(topics.messages(stranger.projectId, req.request_id));
    const error = await sub.ready.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(SubscribeTimeoutError);
    expect((error as SubscribeTimeoutError).code).toBe('subscribe_timeout');
    expect((error as SubscribeTimeoutError).topic).toBe(topics.messages(stranger.projectId, req.request_id));
    expect(sub.state).toBe('error');
  });

  it('fails with RealtimeAuthError (HTTP 401) after maxAuthFailures, never leaking the token', async () => {
    const badToken = `JWT ${owner.token.replace(/^JWT /, '').slice(0, -4)}AAAA`;
    const rt = client({ token: badToken, maxAuthFailures: 2, reconnectBaseDelayMs: 10 });
    const errors: Error[] = [];
    rt.on('error', (e) => errors.push(e));
    const error = await rt.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RealtimeAuthError);
    expect((error as RealtimeAuthError).status).toBe(401);
    expect(rt.state).toBe('failed');
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(JSON.stringify(e) + e.message + String(e.stack)).not.toContain(badToken.slice(4, 40));
  });

  it('as a browser sees it (no status, close 1006 before open): the HTTP probe finds the server up, so a rejected token is still suspected', async () => {
    const badToken = `JWT ${owner.token.replace(/^JWT /, '').slice(0, -4)}AAAA`;
    const probes: Array<{ url: string; status: number; cors: string | null }> = [];
    const rt = client({
      token: badToken,
      WebSocket: BrowserLikeWebSocket,
      suspectAuthAfter: 2,
      maxAuthFailures: 1,
      reconnectBaseDelayMs: 10,
      environment: {
        navigator: { onLine: true },
        fetch: async (url, init) => {
          // What a cross-origin page can read: the status, if the answer carries CORS headers.
          const res = await fetch(url, { ...init, headers: { Origin: 'https://dashboard.example' } });
          probes.push({ url, status: res.status, cors: res.headers.get('access-control-allow-origin') });
          return res;
        },
      },
    });
    const error = await rt.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'auth_suspected' });
    expect(probes).toEqual(Array(2).fill({ url: wsUrl.replace(/^ws/, 'http'), status: 200, cors: '*' }));
  });

  it('asks the token function again after a 401 and connects with the fresh token', async () => {
    const contexts: boolean[] = [];
    const rt = client({
      reconnectBaseDelayMs: 10,
      token: ({ refresh }) => {
        contexts.push(refresh);
        return contexts.length === 1 ? 'JWT not.a.token' : owner.token;
      },
    });
    await rt.connect();
    expect(contexts).toEqual([false, true]);
  });

  it('times out the handshake a guest token never gets an answer to', async () => {
    const { token } = await api<{ token: string }>('/auth/signinAnonymously', { body: { id_project: owner.projectId } });
    const rt = client({ token, handshakeTimeoutMs: 1_500, maxReconnectAttempts: 0 });
    const error = await rt.connect().then(() => undefined, (e: unknown) => e);
    expect((error as { code?: string }).code).toBe('handshake_timeout');
  });
});

async function poll(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
