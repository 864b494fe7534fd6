import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { bare, eventually, type Frame, http, type Json, rawUpgrade, sleep, WsClient } from './helpers.js';

let server: TiledeskTestServer;
let P: string;
const clients: WsClient[] = [];

beforeAll(async () => {
  server = await startTiledeskServer({ snapshotLimits: { requests: 3, messages: 2 } });
  P = server.project.id;
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});
afterAll(() => server.close());

async function open(token = server.owner.token): Promise<WsClient> {
  const client = await WsClient.open(`${server.wsUrl}?token=${encodeURIComponent(bare(token))}`);
  clients.push(client);
  return client;
}

async function createRequest(body: Json = { first_text: 'hello' }, token = server.owner.token): Promise<Json> {
  return (await http(server, 'POST', `/${P}/requests`, { token, body })).json as Json;
}

const publishOn = (topic: string, method?: string) => (f: Frame) => f.action === 'publish' && f.payload.topic === topic && (method === undefined || f.payload.method === method);
/** A live frame on a list topic (snapshots of lists are arrays, live events are single objects). */
const liveOn = (topic: string, method: string) => (f: Frame) => publishOn(topic, method)(f) && !Array.isArray(f.payload.message);

describe('handshake', () => {
  it('accepts the token with or without the JWT prefix', async () => {
    await expect(WsClient.open(`${server.wsUrl}?token=${encodeURIComponent(server.owner.token)}`).then((c) => c.close())).resolves.toBeUndefined();
    await expect(WsClient.open(`${server.wsUrl}?token=${bare(server.owner.token)}`).then((c) => c.close())).resolves.toBeUndefined();
  });

  it('answers a missing or bad token with HTTP 401 "Unauthorized" on the upgrade', async () => {
    expect(await rawUpgrade(server, '/')).toBe('HTTP/1.1 401 Unauthorized|Unauthorized');
    expect(await rawUpgrade(server, '/?token=abc')).toBe('HTTP/1.1 401 Unauthorized|Unauthorized');
    expect(await rawUpgrade(server, `/?token=jwt%20${bare(server.owner.token)}`)).toBe('HTTP/1.1 401 Unauthorized|Unauthorized');
    const unknownUser = server.signJwt({ _id: 'aaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(await rawUpgrade(server, `/?token=${unknownUser}`)).toBe('HTTP/1.1 401 Unauthorized|Unauthorized');
  });

  it('answers another path with 400', async () => {
    expect(await rawUpgrade(server, `/ws?token=${bare(server.owner.token)}`)).toBe('HTTP/1.1 400 Bad Request|Bad Request');
  });

  it('never answers the upgrade of a guest token', async () => {
    const guest = (await http(server, 'POST', '/auth/signinAnonymously', { body: { id_project: P } })).json as Json;
    expect(await rawUpgrade(server, `/?token=${bare(guest.token)}`, 300)).toBe('hang');
  });
});

describe('subscriptions', () => {
  it('sends the /requests snapshot as a CREATE array, newest updatedAt first, capped', async () => {
    const isolated = await startTiledeskServer({ snapshotLimits: { requests: 2 } });
    try {
      const token = isolated.owner.token;
      for (const text of ['a', 'b', 'c']) await http(isolated, 'POST', `/${isolated.project.id}/requests`, { token, body: { first_text: text } });
      const client = await WsClient.open(`${isolated.wsUrl}?token=${bare(token)}`);
      const topic = `/${isolated.project.id}/requests`;
      client.subscribe(topic);
      const snapshot = await client.next(publishOn(topic));
      client.close();
      expect(snapshot.payload.method).toBe('CREATE');
      const items = snapshot.payload.message as Json[];
      expect(items.map((r) => r.first_text)).toEqual(['c', 'b']);
      expect(typeof items[0]!.lead).toBe('string');
      expect(items[0]).toMatchObject({ id: items[0]!._id, requester_id: items[0]!.lead });
      expect(items[0]!.snapshot.requester.isAuthenticated).toBe(true);
    } finally {
      await isolated.close();
    }
  });

  it('leaves temporary (50), abandoned (150), closed and draft conversations out of the /requests snapshot', async () => {
    const isolated = await startTiledeskServer();
    try {
      const pid = isolated.project.id;
      const token = isolated.owner.token;
      const create = async (body: Json) => ((await http(isolated, 'POST', `/${pid}/requests`, { token, body })).json as Json).request_id as string;
      await create({ first_text: 'open' });
      const temporary = await http(isolated, 'POST', `/${pid}/requests/support-group-${pid}-temporary/messages`, { token, body: { text: 'temporary', request_status: 50 } });
      expect((temporary.json as Json).request.status).toBe(50);
      await http(isolated, 'PATCH', `/${pid}/requests/${await create({ first_text: 'abandoned' })}`, { token, body: { status: 150 } });
      await http(isolated, 'PUT', `/${pid}/requests/${await create({ first_text: 'closed' })}/close`, { token });
      await create({ first_text: 'draft', attributes: { sourcePage: 'https://example.com/?td_draft=true' } });
      const client = await WsClient.open(`${isolated.wsUrl}?token=${bare(token)}`);
      const topic = `/${pid}/requests`;
      client.subscribe(topic);
      const snapshot = await client.next(publishOn(topic));
      client.close();
      expect((snapshot.payload.message as Json[]).map((r) => r.first_text)).toEqual(['open']);
    } finally {
      await isolated.close();
    }
  });

  it('shows an agent, in the /requests snapshot, the conversations it takes part in or its department lists it for', async () => {
    const isolated = await startTiledeskServer();
    try {
      const pid = isolated.project.id;
      const token = isolated.owner.token;
      const create = async (participants: string[], departmentid?: string) =>
        ((await http(isolated, 'POST', `/${pid}/requests`, { token, body: { first_text: 'x', participants, departmentid } })).json as Json).request_id as string;
      const group = (await http(isolated, 'POST', `/${pid}/groups`, { token, body: { name: 'Owner', members: [isolated.owner.userId] } })).json as Json;
      const department = (await http(isolated, 'POST', `/${pid}/departments`, { token, body: { name: 'Owner only', id_group: group._id } })).json as Json;
      const agents = await create([isolated.agent.userId]);
      const listsEveryAgent = await create([isolated.owner.userId]);
      await create([isolated.owner.userId], department._id);
      await eventually(() => isolated.stats().pendingWrites === 0);
      const client = await WsClient.open(`${isolated.wsUrl}?token=${bare(isolated.agent.token)}`);
      const topic = `/${pid}/requests`;
      client.subscribe(topic);
      const snapshot = await client.next(publishOn(topic));
      client.close();
      expect((snapshot.payload.message as Json[]).map((r) => r.request_id).sort()).toEqual([agents, listsEveryAgent].sort());
    } finally {
      await isolated.close();
    }
  });

  it('sends the oldest messages for /messages, and the populated request (or null) for one request', async () => {
    const r = await createRequest();
    for (const text of ['m1', 'm2', 'm3']) await http(server, 'POST', `/${P}/requests/${r.request_id}/messages`, { token: server.owner.token, body: { text } });
    const client = await open();
    client.subscribe(`/${P}/requests/${r.request_id}/messages`);
    client.subscribe(`/${P}/requests/${r.request_id}`);
    client.subscribe(`/${P}/requests/does-not-exist`);
    const messages = await client.next(publishOn(`/${P}/requests/${r.request_id}/messages`));
    expect((messages.payload.message as Json[]).map((m) => m.text)).toEqual(['m1', 'm2']);
    const single = await client.next(publishOn(`/${P}/requests/${r.request_id}`));
    expect((single.payload.message as Json).lead).toMatchObject({ lead_id: server.owner.userId });
    const missing = await client.next(publishOn(`/${P}/requests/does-not-exist`));
    expect(missing.payload).toEqual({ topic: `/${P}/requests/does-not-exist`, method: 'CREATE', message: null });
  });

  it('stays silent (no frame, no registration) when the subscription is refused', async () => {
    await http(server, 'POST', '/auth/signup', { body: { email: 'outsider@example.com', password: 'pw', firstname: 'o', lastname: 's' } });
    const outsider = ((await http(server, 'POST', '/auth/signin', { body: { email: 'outsider@example.com', password: 'pw' } })).json as Json).token as string;
    const client = await open(outsider);
    client.subscribe(`/${P}/requests`);
    client.subscribe('/aaaaaaaaaaaaaaaaaaaaaaaa/requests');
    // Not even a null snapshot for one conversation: the membership check comes first.
    client.subscribe(`/${P}/requests/${(await createRequest()).request_id}`);
    client.send({ action: 'me' });
    await client.next((f) => f.action === 'me');
    await createRequest();
    await sleep(100);
    expect(client.frames.filter((f) => f.action === 'publish')).toEqual([]);
    // Clients of earlier tests are closing asynchronously; a registered refusal would never leave the count.
    await eventually(() => server.stats().subscriptions === 0);
  });

  it('answers a bot topic with null, and refuses one whose id is no ObjectId (a CastError on the real server)', async () => {
    const client = await open();
    const good = `/${P}/bots/aaaaaaaaaaaaaaaaaaaaaaaa`;
    client.subscribe(`/${P}/bots/not-an-id`);
    client.subscribe(good);
    const frame = await client.next(publishOn(good));
    expect(frame.payload).toEqual({ topic: good, method: 'CREATE', message: null });
    client.send({ action: 'me' });
    await client.next((f) => f.action === 'me');
    expect(client.onTopic(`/${P}/bots/not-an-id`)).toEqual([]);
  });

  it('finds the project_user of /project_users/users/<id> by ObjectId, upper-case hex too', async () => {
    const client = await open();
    const topic = `/${P}/project_users/users/${server.agent.userId.toUpperCase()}`;
    client.subscribe(topic);
    const frame = await client.next(publishOn(topic));
    expect(frame.payload.message).toMatchObject({ _id: server.agent.projectUserId, role: 'agent' });
  });

  it('matches topics by exact string: a non-canonical spelling gets a snapshot but no live events', async () => {
    const r = await createRequest();
    const client = await open();
    const canonical = `/${P}/requests/${r.request_id}`;
    client.subscribe(`${canonical}/`);
    client.subscribe(canonical);
    await client.next(publishOn(`${canonical}/`));
    await client.next(publishOn(canonical));
    await http(server, 'PATCH', `/${P}/requests/${r.request_id}`, { token: server.owner.token, body: { priority: 'high' } });
    await client.next(publishOn(canonical, 'UPDATE'));
    expect(client.onTopic(`${canonical}/`).map((f) => f.payload.method)).toEqual(['CREATE']);
  });

  it('re-sends a full snapshot on a repeated subscribe, without duplicating live events', async () => {
    const client = await open();
    const topic = `/${P}/requests`;
    client.subscribe(topic);
    await client.next(publishOn(topic));
    client.subscribe(topic);
    await client.next((f) => client.onTopic(topic).length === 2 && publishOn(topic)(f));
    await createRequest();
    await client.next(liveOn(topic, 'CREATE'));
    await sleep(50);
    expect(client.onTopic(topic).map((f) => (Array.isArray(f.payload.message) ? 'snapshot' : f.payload.method))).toEqual(['snapshot', 'snapshot', 'CREATE']);
  });

  it('stops delivery after unsubscribe, silently', async () => {
    const client = await open();
    const topic = `/${P}/requests`;
    client.subscribe(topic);
    await client.next(publishOn(topic));
    client.send({ action: 'unsubscribe', payload: { topic } });
    client.send({ action: 'me' });
    await client.next((f) => f.action === 'me');
    await createRequest();
    await sleep(100);
    expect(client.onTopic(topic)).toHaveLength(1);
    // The subscription is gone from the server's count too, while the socket stays open.
    await eventually(() => server.stats().subscriptions === 0);
    expect(client.closeCode).toBeUndefined();
  });
});

describe('live events', () => {
  it('publishes CREATE (populated) on the list and request topics when a conversation starts', async () => {
    const client = await open();
    client.subscribe(`/${P}/requests`);
    await client.next(publishOn(`/${P}/requests`));
    const r = await createRequest({ first_text: 'live' });
    const frame = await client.next((f) => publishOn(`/${P}/requests`, 'CREATE')(f) && (f.payload.message as Json)?.request_id === r.request_id);
    const request = frame.payload.message as Json;
    expect(request.lead).toMatchObject({ _id: r.lead });
    expect(request.requester.id_user).toMatchObject({ _id: server.owner.userId });
    expect(request.snapshot.agents).toEqual([]);
  });

  it('closing publishes UPDATE (status 1000, snapshot reduced) then the "Chat closed" system message', async () => {
    const r = await createRequest();
    const client = await open();
    const requestTopic = `/${P}/requests/${r.request_id}`;
    const messagesTopic = `${requestTopic}/messages`;
    client.subscribe(requestTopic);
    client.subscribe(messagesTopic);
    await client.next(publishOn(messagesTopic));
    await http(server, 'PUT', `/${P}/requests/${r.request_id}/close`, { token: server.owner.token });
    const update = await client.next(publishOn(requestTopic, 'UPDATE'));
    expect(update.payload.message).toMatchObject({ status: 1000, snapshot: {} });
    expect((update.payload.message as Json).closed_at).toBeUndefined();
    const system = await client.next(liveOn(messagesTopic, 'CREATE'));
    expect(system.payload.message).toMatchObject({
      sender: 'system',
      senderFullname: 'Bot',
      text: 'Chat closed',
      attributes: { subtype: 'info/support', updateconversation: false, messagelabel: { key: 'CHAT_CLOSED' } },
      request: { request_id: r.request_id, status: 1000 },
    });
  });

  it('embeds the request in live message frames and sends no UPDATE for a posted message', async () => {
    const r = await createRequest();
    const client = await open();
    client.subscribe(`/${P}/requests`);
    client.subscribe(`/${P}/requests/${r.request_id}/messages`);
    await client.next(publishOn(`/${P}/requests/${r.request_id}/messages`));
    await http(server, 'POST', `/${P}/requests/${r.request_id}/messages`, { token: server.owner.token, body: { text: 'ping?' } });
    const live = await client.next(liveOn(`/${P}/requests/${r.request_id}/messages`, 'CREATE'));
    expect(live.payload.message).toMatchObject({ text: 'ping?', request: { request_id: r.request_id } });
    expect((live.payload.message as Json).request.id).toBeUndefined();
    await sleep(100);
    expect(client.onTopic(`/${P}/requests`).filter((f) => f.payload.method === 'UPDATE')).toEqual([]);
  });

  it("adds the department's chatbot (secret left out) to the request of a live message frame", async () => {
    // Recorded for a bot id without a chatbot (null): departments.preflight-reroute. This pins an existing one.
    const token = server.owner.token;
    const bot = (await http(server, 'POST', `/${P}/faq_kb`, { token, body: { name: 'Department bot' } })).json as Json;
    const department = (await http(server, 'POST', `/${P}/departments`, { token, body: { name: 'With a bot', id_bot: bot._id } })).json as Json;
    const r = await createRequest({ first_text: 'to the bot', departmentid: department._id });
    const topic = `/${P}/requests/${r.request_id}/messages`;
    const client = await open();
    client.subscribe(topic);
    await client.next(publishOn(topic));
    await http(server, 'POST', topic, { token, body: { text: 'hello bot' } });
    const live = await client.next(liveOn(topic, 'CREATE'));
    const framed = (live.payload.message as Json).request.department.bot as Json;
    expect(framed).toMatchObject({ _id: bot._id, name: 'Department bot', id_project: P });
    expect(framed).not.toHaveProperty('secret');
  });

  it('reopens a pending conversation when its requester writes: answer still pending, then an unpopulated UPDATE', async () => {
    const r = await createRequest();
    await http(server, 'PATCH', `/${P}/requests/${r.request_id}`, { token: server.owner.token, body: { workingStatus: 'pending' } });
    const client = await open();
    client.subscribe(`/${P}/requests/${r.request_id}`);
    await client.next(publishOn(`/${P}/requests/${r.request_id}`, 'CREATE'));
    const sent = await http(server, 'POST', `/${P}/requests/${r.request_id}/messages`, { token: server.owner.token, body: { text: 'back again' } });
    expect((sent.json as Json).request.workingStatus).toBe('pending');
    const update = await client.next(liveOn(`/${P}/requests/${r.request_id}`, 'UPDATE'));
    const request = update.payload.message as Json;
    expect(request.workingStatus).toBe('open');
    // Published straight from findOneAndUpdate: ids, not populated documents.
    // Its snapshot is reduced to the stored agents: the default department's routing listed every agent.
    expect([typeof request.lead, typeof request.requester, request.participatingAgents]).toEqual(['string', 'string', undefined]);
    expect(request.snapshot).toEqual({ agents: expect.arrayContaining([{ id_user: server.owner.userId }, { id_user: server.agent.userId }]) });
  });

  it('publishes no UPDATE for a temporary (50) conversation until its status exceeds 50', async () => {
    const rid = `support-group-${P}-temporary-live`;
    const topic = `/${P}/requests/${rid}`;
    const client = await open();
    client.subscribe(topic);
    await client.next(publishOn(topic));
    await http(server, 'POST', `${topic}/messages`, { token: server.owner.token, body: { text: 'temporary', request_status: 50 } });
    await http(server, 'PATCH', topic, { token: server.owner.token, body: { priority: 'high' } });
    await http(server, 'PATCH', topic, { token: server.owner.token, body: { status: 100 } });
    await client.next(publishOn(topic, 'UPDATE'));
    await sleep(50);
    expect(client.onTopic(topic).map((f) => [f.payload.method, (f.payload.message as Json | null)?.status ?? null])).toEqual([
      ['CREATE', null],
      ['CREATE', 50],
      ['UPDATE', 100],
    ]);
  });

  it('publishes a project_user update on /project_users/users/<uuid_user> when the record has a uuid_user and an id_user', async () => {
    // A custom-token agent: the server creates a user and a project_user that carries both ids.
    const jwt = server.signJwt({ _id: 'ext-agent', sub: 'userexternal', role: 'agent', email: 'ext.agent@example.com', aud: `https://tiledesk.com/projects/${P}` }, server.project.jwtSecret);
    const signin = (await http(server, 'POST', '/auth/signinWithCustomToken', { token: `JWT ${jwt}` })).json as Json;
    const client = await open(signin.token);
    const byUuid = `/${P}/project_users/users/ext-agent`;
    client.subscribe(byUuid);
    const snapshot = await client.next(publishOn(byUuid));
    expect(snapshot.payload.message).toMatchObject({ uuid_user: 'ext-agent', id_user: signin.user._id });
    await http(server, 'PUT', `/${P}/project_users`, { token: signin.token, body: { user_available: false } });
    const update = await client.next(publishOn(byUuid, 'UPDATE'));
    expect(update.payload.message).toMatchObject({ uuid_user: 'ext-agent', user_available: false });
  });

  it('publishes one CREATE per imported message', async () => {
    const r = await createRequest();
    const client = await open();
    const topic = `/${P}/requests/${r.request_id}/messages`;
    client.subscribe(topic);
    await client.next(publishOn(topic));
    await http(server, 'POST', `${topic}/multi`, { token: server.owner.token, body: [{ text: 'i1' }, { text: 'i2' }] });
    await client.next((f) => publishOn(topic, 'CREATE')(f) && (f.payload.message as Json).text === 'i2');
    expect(client.onTopic(topic).slice(1).map((f) => (f.payload.message as Json).text)).toEqual(['i1', 'i2']);
  });
});

describe('client frames', () => {
  it('answers me, ping→pong, and ignores anything else', async () => {
    const client = await open();
    client.send('not json');
    client.send({ action: 'unknown' });
    client.send({ action: 'heartbeat', payload: { message: { text: 'hello' } } });
    client.send({ action: 'me' });
    client.send({ action: 'heartbeat', payload: { message: { text: 'ping' } } });
    const me = await client.next((f) => f.action === 'me');
    expect(me.payload).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), userId: null });
    const pong = await client.next((f) => f.action === 'heartbeat');
    expect(pong.payload).toEqual({ message: { text: 'pong' } });
    expect(client.frames).toHaveLength(2);
  });

  it('compares the heartbeat text loosely, as pubsub.js does (`text == \'ping\'`): ["ping"] gets a pong too', async () => {
    const client = await open();
    client.send({ action: 'heartbeat', payload: { message: { text: ['ping'] } } });
    const pong = await client.next((f) => f.action === 'heartbeat');
    expect(pong.payload).toEqual({ message: { text: 'pong' } });
  });

  it('relays publish (sender included) and broadcast (sender excluded) without a method', async () => {
    const a = await open();
    const b = await open();
    const r = await createRequest();
    const topic = `/${P}/requests/${r.request_id}`;
    a.subscribe(topic);
    b.subscribe(topic);
    await a.next(publishOn(topic));
    await b.next(publishOn(topic));
    a.send({ action: 'publish', payload: { topic, message: { n: 1 } } });
    a.send({ action: 'broadcast', payload: { topic, message: { n: 2 } } });
    await b.next((f) => publishOn(topic)(f) && (f.payload.message as Json)?.n === 2);
    await a.next((f) => publishOn(topic)(f) && (f.payload.message as Json)?.n === 1);
    expect(b.onTopic(topic).slice(1).map((f) => f.payload)).toEqual([
      { topic, message: { n: 1 } },
      { topic, message: { n: 2 } },
    ]);
    await sleep(50);
    expect(a.onTopic(topic).slice(1).map((f) => (f.payload.message as Json).n)).toEqual([1]);
  });
});

describe('heartbeat', () => {
  it('pings every interval and terminates (1006) a client silent for a whole interval', async () => {
    const fast = await startTiledeskServer({ heartbeatIntervalMs: 60 });
    try {
      const client = await WsClient.open(`${fast.wsUrl}?token=${bare(fast.owner.token)}`);
      const ping = await client.next((f) => f.action === 'heartbeat');
      expect(ping.payload).toEqual({ message: { text: 'ping' } });
      expect(await client.closed()).toBe(1006);
    } finally {
      await fast.close();
    }
  });

  it('counts any frame as a sign of life, a binary one too', async () => {
    const fast = await startTiledeskServer({ heartbeatIntervalMs: 40 });
    try {
      const client = await WsClient.open(`${fast.wsUrl}?token=${bare(fast.owner.token)}`);
      client.ws.on('message', (data) => {
        if (String(data).includes('"ping"')) client.ws.send(Buffer.from([0x70, 0x6f, 0x6e, 0x67]), { binary: true });
      });
      await client.next(() => client.frames.filter((f) => f.action === 'heartbeat').length >= 5, 3_000);
      expect(client.closeCode).toBeUndefined();
      client.close();
    } finally {
      await fast.close();
    }
  });

  it('keeps a client that answers every ping', async () => {
    const fast = await startTiledeskServer({ heartbeatIntervalMs: 40 });
    try {
      const client = await WsClient.open(`${fast.wsUrl}?token=${bare(fast.owner.token)}`);
      client.ws.on('message', (data) => {
        if (String(data).includes('"ping"')) client.send({ action: 'heartbeat', payload: { message: { text: 'pong' } } });
      });
      await client.next(() => client.frames.filter((f) => f.action === 'heartbeat').length >= 5, 3_000);
      expect(client.closeCode).toBeUndefined();
      client.close();
    } finally {
      await fast.close();
    }
  });
});
