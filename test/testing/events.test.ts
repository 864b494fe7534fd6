/**
 * Project events (`POST|GET /<pid>/events`, the `/<pid>/events/<projectUserId>` topic) on the local server, over real
 * sockets: what a test of `topics.events(projectId, projectUserId)` relies on. The shapes are the real server's
 * (test/conformance/golden/events.*.json).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../src/realtime/topics.js';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { bare, type Frame, http, httpOrTimeout, type Json, sleep, WsClient } from './helpers.js';

let server: TiledeskTestServer;
let P: string;
const clients: WsClient[] = [];

beforeAll(async () => {
  server = await startTiledeskServer({ snapshotLimits: { events: 3 } });
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

async function postEvent(body: unknown, token = server.owner.token): Promise<Json> {
  const response = await http(server, 'POST', `/${P}/events`, { token, body });
  expect(response.status, response.text).toBe(200);
  return response.json as Json;
}

/** A fresh guest of the seeded project. */
async function guestToken(): Promise<string> {
  return ((await http(server, 'POST', '/auth/signinAnonymously', { body: { id_project: P } })).json as Json).token;
}

const publishOn = (topic: string) => (f: Frame) => f.action === 'publish' && f.payload.topic === topic;
const liveOn = (topic: string) => (f: Frame) => publishOn(topic)(f) && !Array.isArray(f.payload.message);

describe('POST /<pid>/events', () => {
  it('answers 200 with the saved event: the caller\'s project_user, createdBy, the "stardard" status', async () => {
    const event = await postEvent({ name: 'typing', attributes: { a: 1 } });
    expect(Object.keys(event).sort()).toEqual(['__v', '_id', 'attributes', 'createdAt', 'createdBy', 'id_project', 'name', 'project_user', 'status', 'updatedAt']);
    expect(event).toMatchObject({
      name: 'typing',
      attributes: { a: 1 },
      id_project: P,
      project_user: server.owner.projectUserId,
      createdBy: server.owner.userId,
      status: 'stardard',
      __v: 0,
    });
    expect(event._id).toMatch(/^[0-9a-f]{24}$/);
    expect(event.createdAt).toBe(event.updatedAt);
  });

  it('keeps only name and attributes from the body; empty objects are not stored; the name is cast to a string', async () => {
    const event = await postEvent({ name: 5, attributes: { empty: {}, none: null, list: [1, {}] }, status: 'volatile', project_user: server.agent.projectUserId });
    expect(event).toMatchObject({ name: '5', attributes: { none: null, list: [1, {}] }, status: 'stardard', project_user: server.owner.projectUserId });
    expect('empty' in event.attributes).toBe(false);
    expect('attributes' in (await postEvent({ name: 'bare', attributes: {} }))).toBe(false);
  });

  it('validates the name: 422 when empty or missing, 500 when it does not cast', async () => {
    const missing = await http(server, 'POST', `/${P}/events`, { token: server.owner.token, body: { attributes: {} } });
    expect(missing.status).toBe(422);
    expect(missing.json).toEqual({ errors: [{ msg: 'Invalid value', param: 'name', location: 'body' }] });
    const empty = await http(server, 'POST', `/${P}/events`, { token: server.owner.token, body: { name: '' } });
    expect(empty.json).toEqual({ errors: [{ value: '', msg: 'Invalid value', param: 'name', location: 'body' }] });
    const array = await http(server, 'POST', `/${P}/events`, { token: server.owner.token, body: { name: ['a', 'b'] } });
    expect(array.status).toBe(500);
    expect(array.json).toEqual({
      success: false,
      msg: 'Error saving the event',
      error: 'event validation failed: name: Cast to string failed for value "[ \'a\', \'b\' ]" (type Array) at path "name"',
    });
    const malformed = await http(server, 'POST', `/${P}/events`, { token: server.owner.token, body: '{"name":' });
    expect([malformed.status, malformed.json]).toEqual([500, { err: 'error' }]);
  });

  it('lets any member post, guests included; refuses strangers and missing credentials', async () => {
    expect((await postEvent({ name: 'from-agent' }, server.agent.token)).project_user).toBe(server.agent.projectUserId);
    const guest = await postEvent({ name: 'from-guest' }, await guestToken());
    expect(guest.project_user).toMatch(/^[0-9a-f]{24}$/);
    expect(guest.createdBy).toMatch(/^[0-9a-f-]{36}$/);
    expect((await http(server, 'POST', `/${P}/events`, { body: { name: 'x' } })).status).toBe(401);
    const signUp = await http(server, 'POST', '/auth/signup', { body: { email: 'outsider@example.com', password: 'Passw0rd!x', firstname: 'Out', lastname: 'Sider' } });
    expect(signUp.status).toBe(200);
    const outsider = ((await http(server, 'POST', '/auth/signin', { body: { email: 'outsider@example.com', password: 'Passw0rd!x' } })).json as Json).token;
    const refused = await http(server, 'POST', `/${P}/events`, { token: outsider, body: { name: 'x' } });
    expect([refused.status, refused.json]).toEqual([403, { success: false, msg: 'you dont belong to the project.' }]);
  });
});

describe('GET /<pid>/events', () => {
  it('lists {perPage: 40, count, events}, newest first; sort, direction, page and project_user work like the real route', async () => {
    const isolated = await startTiledeskServer();
    try {
      const pid = isolated.project.id;
      const post = (name: string, token = isolated.owner.token) => http(isolated, 'POST', `/${pid}/events`, { token, body: { name } });
      for (const name of ['b', 'c', 'a']) {
        await post(name);
        await sleep(3);
      }
      await post('d', isolated.agent.token);
      const list = async (query = '') => (await http(isolated, 'GET', `/${pid}/events${query}`, { token: isolated.owner.token })).json as Json;
      const names = (body: Json) => (body.events as Json[]).map((e) => e.name);
      const all = await list();
      expect(all.perPage).toBe(40);
      expect(all.count).toBe(4);
      expect(names(all)).toEqual(['d', 'a', 'c', 'b']);
      expect(names(await list('?direction=1'))).toEqual(['b', 'c', 'a', 'd']);
      expect(names(await list('?sort=name&direction=asc'))).toEqual(['a', 'b', 'c', 'd']);
      expect(await list('?page=1')).toEqual({ perPage: 40, count: 4, events: [] });
      expect(names(await list(`?project_user=${isolated.agent.projectUserId}`))).toEqual(['d']);
      const badDirection = await http(isolated, 'GET', `/${pid}/events?direction=abc`, { token: isolated.owner.token });
      expect([badDirection.status, badDirection.json]).toEqual([500, { err: 'error' }]);
      // A project_user that does not cast: the real route never answers.
      expect(await httpOrTimeout(isolated, 'GET', `/${pid}/events?project_user=bad`, { token: isolated.owner.token, timeoutMs: 300 })).toBe('timeout');
    } finally {
      await isolated.close();
    }
  });

  it('is for agents and up: a guest gets 403', async () => {
    const answer = await http(server, 'GET', `/${P}/events`, { token: await guestToken() });
    expect([answer.status, answer.json]).toEqual([403, { success: false, msg: 'you dont have the required role.' }]);
  });

  it('reads one event by id (404 unknown, 500 when the id does not cast)', async () => {
    const event = await postEvent({ name: 'one' });
    expect((await http(server, 'GET', `/${P}/events/${event._id}`, { token: server.agent.token })).json).toEqual(event);
    expect((await http(server, 'GET', `/${P}/events/${'0'.repeat(24)}`, { token: server.owner.token })).json).toEqual({ success: false, msg: 'Object not found.' });
    expect((await http(server, 'GET', `/${P}/events/bad`, { token: server.owner.token })).status).toBe(500);
  });
});

describe('the /<pid>/events/<projectUserId> topic', () => {
  it('delivers a live CREATE of the populated event to the poster\'s topic only', async () => {
    const ownerTopic = topics.events(P, server.owner.projectUserId);
    const agentTopic = topics.events(P, server.agent.projectUserId);
    const client = await open();
    client.subscribe(ownerTopic);
    client.subscribe(agentTopic);
    await client.next(publishOn(ownerTopic));
    await client.next(publishOn(agentTopic));

    const saved = await postEvent({ name: 'typing', attributes: { a: 1 } });
    const frame = await client.next(liveOn(ownerTopic));
    expect(frame.payload.method).toBe('CREATE');
    const message = frame.payload.message as Json;
    // The saved event, with project_user (and its user) populated, the poster as `user`, and `id`.
    expect(message).toMatchObject({ _id: saved._id, id: saved._id, name: 'typing', attributes: { a: 1 }, createdBy: server.owner.userId, status: 'stardard' });
    expect(message.project_user).toMatchObject({ _id: server.owner.projectUserId, id: server.owner.projectUserId, role: 'owner', isAuthenticated: true });
    expect(message.project_user.id_user).toMatchObject({ _id: server.owner.userId, email: server.owner.email });
    expect(message.user).toMatchObject({ _id: server.owner.userId, email: server.owner.email });
    expect(message.user.password).toBeUndefined();

    await sleep(200);
    expect(client.onTopic(agentTopic)).toHaveLength(1); // the snapshot only
    expect(client.onTopic(ownerTopic)).toHaveLength(2);
  });

  it('does not check membership, and gives a guest\'s token payload as `user`', async () => {
    const guest = await guestToken();
    const first = await postEvent({ name: 'first' }, guest);
    const topic = topics.events(P, first.project_user);
    const client = await open(server.agent.token);
    client.subscribe(topic);
    await client.next(publishOn(topic));
    await postEvent({ name: 'second' }, guest);
    const message = (await client.next(liveOn(topic))).payload.message as Json;
    expect(message.project_user).toMatchObject({ role: 'guest', roleType: 2, isAuthenticated: false });
    expect(message.user).toMatchObject({ _id: first.createdBy, id: first.createdBy, sub: 'guest' });
  });

  it('snapshots the newest events first, capped (snapshotLimits.events), filtered by a name suffix that gets no live frames', async () => {
    const isolated = await startTiledeskServer({ snapshotLimits: { events: 3 } });
    try {
      const pid = isolated.project.id;
      for (const [i, name] of ['odd', 'even', 'odd', 'even', 'odd'].entries()) {
        await http(isolated, 'POST', `/${pid}/events`, { token: isolated.owner.token, body: { name, attributes: { i } } });
        await sleep(3);
      }
      const client = await WsClient.open(`${isolated.wsUrl}?token=${bare(isolated.owner.token)}`);
      try {
        const topic = topics.events(pid, isolated.owner.projectUserId);
        client.subscribe(topic);
        client.subscribe(`${topic}/even`);
        const snapshot = await client.next(publishOn(topic));
        expect(snapshot.payload.method).toBe('CREATE');
        expect((snapshot.payload.message as Json[]).map((e) => e.attributes.i)).toEqual([4, 3, 2]);
        expect((snapshot.payload.message as Json[])[0]!.project_user).toBe(isolated.owner.projectUserId);
        const byName = await client.next(publishOn(`${topic}/even`));
        expect((byName.payload.message as Json[]).map((e) => e.attributes.i)).toEqual([3, 1]);

        await http(isolated, 'POST', `/${pid}/events`, { token: isolated.owner.token, body: { name: 'even' } });
        await client.next(liveOn(topic));
        await sleep(200);
        expect(client.onTopic(`${topic}/even`)).toHaveLength(1);
      } finally {
        client.close();
      }
    } finally {
      await isolated.close();
    }
  });

  it('refuses a project_user id that does not cast (no frame at all)', async () => {
    const client = await open();
    client.subscribe(`/${P}/events/bad`);
    client.subscribe(topics.events(P, server.agent.projectUserId));
    await client.next(publishOn(topics.events(P, server.agent.projectUserId)));
    await sleep(100);
    expect(client.onTopic(`/${P}/events/bad`)).toHaveLength(0);
  });
});
