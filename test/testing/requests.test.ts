import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { eventually, http, httpOrTimeout, type Json } from './helpers.js';

let server: TiledeskTestServer;
let P: string;
let owner: string;
let agent: string;

beforeAll(async () => {
  server = await startTiledeskServer();
  P = server.project.id;
  owner = server.owner.token;
  agent = server.agent.token;
});
afterAll(() => server.close());

async function create(body: Json, token = owner): Promise<Json> {
  const res = await http(server, 'POST', `/${P}/requests`, { token, body });
  expect(res.status).toBe(200);
  return res.json as Json;
}

async function list(query = '', token = owner): Promise<Json> {
  const res = await http(server, 'GET', `/${P}/requests${query}`, { token });
  expect(res.status).toBe(200);
  return res.json as Json;
}

describe('create and read', () => {
  it('answers a create with the unpopulated saved request', async () => {
    const created = await create({ first_text: 'Hello', attributes: { plan: 'pro' } });
    expect(created).toMatchObject({ first_text: 'Hello', status: 200, preflight: false, hasBot: false, priority: 'medium', id_project: P, createdBy: server.owner.userId });
    expect(created.request_id).toMatch(new RegExp(`^support-group-${P}-[0-9a-f]{32}$`));
    expect(typeof created.requester).toBe('string');
    expect(typeof created.lead).toBe('string');
    expect(created.department).toBe(server.project.defaultDepartmentId);
    expect(created.snapshot.agents).toEqual([]);
    expect(created.participants).toHaveLength(1);
    expect(created.id).toBe(created._id);
    expect(created.requester_id).toBe(created.lead);
    expect(typeof created.ticket_id).toBe('number');
  });

  it('validates first_text and the explicit sender', async () => {
    const missing = await http(server, 'POST', `/${P}/requests`, { token: owner, body: {} });
    expect([missing.status, missing.json]).toEqual([422, { errors: [{ msg: 'Invalid value', param: 'first_text', location: 'body' }] }]);
    const sender = await http(server, 'POST', `/${P}/requests`, { token: owner, body: { first_text: 'x', sender: 'nobody' } });
    expect([sender.status, sender.json]).toEqual([403, { success: false, msg: 'Unauthorized. Project_user not found with user id  : nobody' }]);
  });

  it('returns the populated request by request_id, 404 otherwise', async () => {
    const created = await create({ first_text: 'populated' });
    const res = await http(server, 'GET', `/${P}/requests/${created.request_id}`, { token: agent });
    const request = res.json as Json;
    expect(request.lead).toMatchObject({ _id: created.lead, lead_id: server.owner.userId });
    expect(request.requester).toMatchObject({ role: 'owner', isAuthenticated: true, id_user: { _id: server.owner.userId } });
    expect(request.department).toMatchObject({ name: 'Default Department', hasBot: false });
    expect(request.snapshot.agents).toBeUndefined();
    expect(request.participatingAgents).toHaveLength(1);
    const missing = await http(server, 'GET', `/${P}/requests/nope`, { token: owner });
    expect([missing.status, missing.json]).toEqual([404, { success: false, msg: 'Object not found.' }]);
  });

  it('marks td_draft conversations as drafts, which draft=false excludes', async () => {
    const draft = await create({ first_text: 'draft', attributes: { sourcePage: 'https://x/?td_draft=true' } });
    expect(draft.draft).toBe(true);
    const all = await list('?limit=0');
    const withoutDrafts = await list('?limit=0&draft=false');
    expect(all.requests.some((r: Json) => r.request_id === draft.request_id)).toBe(true);
    expect(withoutDrafts.requests.some((r: Json) => r.request_id === draft.request_id)).toBe(false);
  });
});

describe('one project\'s conversation read through another', () => {
  it('is not found: the lookup is by request_id and project', async () => {
    const r = await create({ first_text: 'mine' });
    const other = (await http(server, 'POST', '/projects', { token: owner, body: { name: 'Elsewhere' } })).json as Json;
    const read = await http(server, 'GET', `/${other._id}/requests/${r.request_id}`, { token: owner });
    expect([read.status, read.json]).toEqual([404, { success: false, msg: 'Object not found.' }]);
  });
});

describe('list', () => {
  let isolated: TiledeskTestServer;
  let token: string;
  beforeAll(async () => {
    isolated = await startTiledeskServer();
    token = isolated.owner.token;
    for (let i = 0; i < 45; i++) {
      await http(isolated, 'POST', `/${isolated.project.id}/requests`, { token, body: { first_text: `r${i}` } });
    }
  });
  afterAll(() => isolated.close());
  const get = async (query: string) => (await http(isolated, 'GET', `/${isolated.project.id}/requests${query}`, { token })).json as Json;

  it('has the {perPage,count,requests} shape with 40 per page by default', async () => {
    const page = await get('');
    expect(Object.keys(page)).toEqual(['perPage', 'count', 'requests']);
    expect([page.perPage, page.count, page.requests.length]).toEqual([40, 45, 40]);
  });

  it('resets limits above 100 to 40 and treats 0 as unlimited', async () => {
    expect((await get('?limit=101')).perPage).toBe(40);
    const unlimited = await get('?limit=0');
    expect([unlimited.perPage, unlimited.requests.length]).toEqual([0, 45]);
    const ten = await get('?limit=10&page=4');
    expect([ten.perPage, ten.requests.length]).toEqual([10, 5]);
  });

  it('sorts by createdAt descending unless told otherwise, ties (same millisecond) in storage order', async () => {
    const desc = (await get('?limit=0')).requests as Json[];
    const asc = (await get('?limit=0&sort=createdAt&direction=1')).requests as Json[];
    // The 45 requests were created in order r0…r44, often several in one millisecond, so the expected order is
    // derived from the createdAt values the server answered rather than assumed from the names.
    const created = new Map<string, string>(desc.map((r) => [r.first_text, r.createdAt]));
    const inserted = Array.from({ length: 45 }, (_, i) => `r${i}`);
    const byCreatedAt = (direction: 1 | -1) =>
      [...inserted].sort((a, b) => direction * (Date.parse(created.get(a)!) - Date.parse(created.get(b)!)));
    expect(created.size).toBe(45);
    expect(desc.map((r) => r.first_text)).toEqual(byCreatedAt(-1));
    expect(asc.map((r) => r.first_text)).toEqual(byCreatedAt(1));
    expect(asc[0]?.first_text).toBe('r0');
    const bad = await http(isolated, 'GET', `/${isolated.project.id}/requests?direction=sideways`, { token });
    expect([bad.status, bad.json]).toEqual([500, { err: 'error' }]);
  });

  it('filters status: all, comma lists, and drops non-numeric values', async () => {
    const anyRequest = (await get('?limit=1')).requests[0];
    await http(isolated, 'PUT', `/${isolated.project.id}/requests/${anyRequest.request_id}/close`, { token });
    expect((await get('?limit=0')).count).toBe(44);
    expect((await get('?status=1000')).count).toBe(1);
    expect((await get('?status=all')).count).toBe(45);
    expect((await get('?status=200,1000')).count).toBe(45);
    expect((await get('?status=abc')).count).toBe(45);
    expect((await get('?status=1000,abc')).count).toBe(1);
    const repeated = await http(isolated, 'GET', `/${isolated.project.id}/requests?status=1&status=2`, { token });
    expect(repeated.status).toBe(500);
  });

  it('reports Mongoose cast errors of filters like the real server', async () => {
    const res = await http(isolated, 'GET', `/${isolated.project.id}/requests?dept_id=abc`, { token });
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ success: false, msg: 'Error getting requests.', err: { name: 'CastError', kind: 'ObjectId', path: 'department', value: 'abc' } });
  });

  it('filters by department, lead, participant, ticket and preflight', async () => {
    const first = (await get('?limit=0&sort=createdAt&direction=1')).requests[0];
    expect((await get(`?dept_id=${isolated.project.defaultDepartmentId}&limit=0`)).count).toBe(44);
    expect((await get(`?lead=${first.lead._id}&limit=0`)).count).toBe(44);
    expect((await get(`?participant=${first.participants[0]}&limit=0`)).requests.every((r: Json) => r.participants.includes(first.participants[0]))).toBe(true);
    expect((await get(`?ticket_id=${first.ticket_id}&status=all`)).requests.map((r: Json) => r._id)).toEqual([first._id]);
    expect((await get('?no_populate=true&limit=1')).requests[0].lead).toMatch(/^[0-9a-f]{24}$/);
  });

  it("shows agents the default department's conversations they take no part in too: its routing lists every agent", async () => {
    await eventually(() => isolated.stats().pendingWrites === 0);
    const mine = (await http(isolated, 'GET', `/${isolated.project.id}/requests?limit=0`, { token: isolated.agent.token })).json as Json;
    const all = await get('?limit=0');
    expect(mine.requests.map((r: Json) => r.request_id)).toEqual(all.requests.map((r: Json) => r.request_id));
    // Round-robin routing alternates owner and agent, so the agent takes part in some but not all of them.
    expect(mine.requests.some((r: Json) => !r.participants.includes(isolated.agent.userId))).toBe(true);
    // Group departments, where agents outside the group do not see them: test/testing/agent-visibility.test.ts.
  });
});

describe('lifecycle of a conversation', () => {
  it('patches the allowed fields and ignores falsy ones', async () => {
    const r = await create({ first_text: 'patch me' });
    const res = await http(server, 'PATCH', `/${P}/requests/${r.request_id}`, { token: owner, body: { priority: 'high', subject: 's', status: 0, workingStatus: 'open' } });
    expect(res.json).toMatchObject({ priority: 'high', subject: 's', status: 200, workingStatus: 'open' });
    const missing = await http(server, 'PATCH', `/${P}/requests/nope`, { token: owner, body: { priority: 'low' } });
    expect([missing.status, missing.json]).toEqual([404, { success: false, msg: 'Request not found' }]);
  });

  it('closes (status 1000, transcript, closed fields), then reopens', async () => {
    const r = await create({ first_text: 'close me' });
    await http(server, 'POST', `/${P}/requests/${r.request_id}/messages`, { token: owner, body: { text: 'one' } });
    const closed = (await http(server, 'PUT', `/${P}/requests/${r.request_id}/close`, { token: owner })).json as Json;
    expect(closed).toMatchObject({ status: 1000, closed_by: server.owner.userId });
    expect(closed.transcript).toMatch(/^\d\d\/\d\d\/\d{4}, \d\d:\d\d:\d\d Olivia Owner: one$/);
    expect(typeof closed.duration).toBe('number');
    const messages = (await http(server, 'GET', `/${P}/requests/${r.request_id}/messages`, { token: owner })).json as Json[];
    expect(messages.at(-1)).toMatchObject({ sender: 'system', senderFullname: 'Bot', text: 'Chat closed', attributes: { subtype: 'info/support', updateconversation: false, messagelabel: { key: 'CHAT_CLOSED' } } });
    const reopened = (await http(server, 'PUT', `/${P}/requests/${r.request_id}/reopen`, { token: owner })).json as Json;
    expect(reopened.status).toBe(200);
    const missing = await http(server, 'PUT', `/${P}/requests/nope/close`, { token: owner });
    expect([missing.status, missing.json]).toEqual([500, { success: false, error: 'Error closing request' }]);
  });

  it('lets agents close only conversations they take part in', async () => {
    const r = await create({ first_text: 'not yours', participants: [server.owner.userId] });
    const res = await http(server, 'PUT', `/${P}/requests/${r.request_id}/close`, { token: agent });
    expect([res.status, res.json]).toEqual([403, { success: false, error: 'You must be among the participants to close a conversation.' }]);
  });

  it('adds, sets and removes participants', async () => {
    const r = await create({ first_text: 'participants', participants: [server.owner.userId] });
    const added = (await http(server, 'POST', `/${P}/requests/${r.request_id}/participants`, { token: owner, body: { member: server.agent.userId } })).json as Json;
    expect(added.participants).toEqual([server.owner.userId, server.agent.userId]);
    const set = (await http(server, 'PUT', `/${P}/requests/${r.request_id}/participants`, { token: owner, body: [server.agent.userId] })).json as Json;
    expect([set.participants, set.participantsAgents, set.status]).toEqual([[server.agent.userId], [server.agent.userId], 200]);
    const removed = (await http(server, 'DELETE', `/${P}/requests/${r.request_id}/participants/${server.agent.userId}`, { token: owner })).json as Json;
    expect([removed.participants, removed.status]).toEqual([[], 100]);
    expect(typeof removed.attributes.abandoned_by_project_users[server.agent.projectUserId]).toBe('number');
    const empty = await http(server, 'POST', `/${P}/requests/${r.request_id}/participants`, { token: owner, body: {} });
    expect(empty.status).toBe(422);
  });

  it('appends only new tags and removes them by subdocument _id', async () => {
    const r = await create({ first_text: 'tags' });
    await http(server, 'PUT', `/${P}/requests/${r.request_id}/tag`, { token: owner, body: [{ tag: 't1', color: '#43B1F2' }, { tag: 't2' }] });
    const tagged = (await http(server, 'PUT', `/${P}/requests/${r.request_id}/tag`, { token: owner, body: [{ tag: 't2' }, { tag: 't3' }] })).json as Json;
    expect(tagged.tags.map((t: Json) => t.tag)).toEqual(['t1', 't2', 't3']);
    const removed = (await http(server, 'DELETE', `/${P}/requests/${r.request_id}/tag/${tagged.tags[2]._id}`, { token: owner })).json as Json;
    expect(removed.tags.map((t: Json) => t.tag)).toEqual(['t1', 't2']);
    const none = await http(server, 'PUT', `/${P}/requests/${r.request_id}/tag`, { token: owner, body: [] });
    expect([none.status, none.json]).toEqual([400, { success: false, message: 'No tag specified' }]);
  });

  it('adds notes (text required) and merges attributes shallowly', async () => {
    const r = await create({ first_text: 'notes', attributes: { a: 1, nested: { x: 1 } } });
    const noted = (await http(server, 'POST', `/${P}/requests/${r.request_id}/notes`, { token: owner, body: { text: 'note 1' } })).json as Json;
    expect(noted.notes[0]).toMatchObject({ text: 'note 1', createdBy: server.owner.userId });
    const blank = await http(server, 'POST', `/${P}/requests/${r.request_id}/notes`, { token: owner, body: { text: ' ' } });
    expect([blank.status, blank.json]).toEqual([400, { success: false, error: "Field 'text' is required. Received value:  " }]);
    const merged = (await http(server, 'PATCH', `/${P}/requests/${r.request_id}/attributes`, { token: owner, body: { b: 2, nested: { y: 2 } } })).json as Json;
    expect(merged.attributes).toEqual({ a: 1, nested: { y: 2 }, b: 2 });
  });

  it('deletes for owners only', async () => {
    const r = await create({ first_text: 'delete me' });
    const denied = await http(server, 'DELETE', `/${P}/requests/${r.request_id}`, { token: agent });
    expect([denied.status, denied.json]).toEqual([403, { success: false, msg: 'Unauthorized.' }]);
    const deleted = await http(server, 'DELETE', `/${P}/requests/${r.request_id}`, { token: owner });
    expect((deleted.json as Json).request_id).toBe(r.request_id);
    expect((await http(server, 'GET', `/${P}/requests/${r.request_id}`, { token: owner })).status).toBe(404);
  });
});

describe('guests and counters', () => {
  it('lists a guest\'s own conversations at /requests/me', async () => {
    const guest = (await http(server, 'POST', '/auth/signinAnonymously', { body: { id_project: P, firstname: 'Gina' } })).json as Json;
    const rid = `support-group-${P}-guestme`;
    await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: guest.token, body: { text: 'hi' } });
    const mine = (await http(server, 'GET', `/${P}/requests/me`, { token: guest.token })).json as Json;
    expect(mine.requests.map((r: Json) => r.request_id)).toEqual([rid]);
    expect(mine.requests[0].requester).toMatchObject({ role: 'guest', uuid_user: guest.user._id, isAuthenticated: false });
  });

  it('counts unassigned, assigned and bot-assigned conversations', async () => {
    await create({ first_text: 'for a bot', participants: ['bot_aaaaaaaaaaaaaaaaaaaaaaaa'] });
    const counts = (await http(server, 'GET', `/${P}/requests/count`, { token: owner })).json as Json;
    expect(Object.keys(counts)).toEqual(['unassigned', 'assigned', 'bot_assigned']);
    expect(counts.bot_assigned).toBeGreaterThan(0);
    const merged = (await http(server, 'GET', `/${P}/requests/count?merge_assigned=1`, { token: owner })).json as Json;
    expect(merged.assigned).toBe(counts.assigned + counts.bot_assigned);
  });
});

describe('leads and project users', () => {
  it('lists, reads and updates leads', async () => {
    const lead = (await http(server, 'POST', `/${P}/leads`, { token: owner, body: { fullname: 'Lea', email: 'lea@example.com' } })).json as Json;
    expect(lead).toMatchObject({ fullname: 'Lea', email: 'lea@example.com', status: 100, phone: null });
    const found = (await http(server, 'GET', `/${P}/leads?email=lea@example.com`, { token: owner })).json as Json;
    expect([found.perPage, found.count]).toEqual([40, 1]);
    const updated = (await http(server, 'PUT', `/${P}/leads/${lead._id}`, { token: owner, body: { company: 'ACME' } })).json as Json;
    expect(updated.company).toBe('ACME');
    expect((await http(server, 'GET', `/${P}/leads/aaaaaaaaaaaaaaaaaaaaaaaa`, { token: owner })).status).toBe(404);
  });

  it('reads project users: list, me (array), by id, by user id (array)', async () => {
    const all = (await http(server, 'GET', `/${P}/project_users`, { token: owner })).json as Json[];
    expect(all.map((pu) => pu.role).sort()).toEqual(['agent', 'owner']);
    expect(all[0]).toMatchObject({ isBusy: false, id_user: { email: server.owner.email } });
    const me = (await http(server, 'GET', `/${P}/project_users/me`, { token: agent })).json as Json[];
    expect(me).toHaveLength(1);
    expect(me[0]!._id).toBe(server.agent.projectUserId);
    const byId = (await http(server, 'GET', `/${P}/project_users/${server.agent.projectUserId}`, { token: owner })).json as Json;
    expect(byId.role).toBe('agent');
    const byUser = (await http(server, 'GET', `/${P}/project_users/users/${server.agent.userId}`, { token: owner })).json as Json[];
    expect(byUser.map((pu) => pu._id)).toEqual([server.agent.projectUserId]);
  });
});

describe('odd values on conversation mutations', () => {
  it('patches location as the sub-document (own fields, default geometry) and casts status true to 1', async () => {
    const r = await create({ first_text: 'where' });
    const res = await http(server, 'PATCH', `/${P}/requests/${r.request_id}`, { token: owner, body: { location: { city: 'Rome', unknown: 1 }, status: true } });
    expect((res.json as Json).location).toEqual({ city: 'Rome', geometry: { coordinates: [] } });
    expect((res.json as Json).status).toBe(1);
    const bad = await http(server, 'PATCH', `/${P}/requests/${r.request_id}`, { token: owner, body: { tags: ['plain string'] } });
    expect([bad.status, bad.json]).toEqual([500, { success: false, msg: 'Error updating object.' }]);
  });

  it('answers requester_id null once the lead is patched to an id that does not exist', async () => {
    const r = await create({ first_text: 'lead' });
    const res = await http(server, 'PATCH', `/${P}/requests/${r.request_id}`, { token: owner, body: { lead: 'aaaaaaaaaaaaaaaaaaaaaaaa' } });
    expect([(res.json as Json).lead, (res.json as Json).requester_id]).toEqual([null, null]);
  });

  it('keeps a null tag, then never answers a later tag call', async () => {
    const r = await create({ first_text: 'null tag' });
    const first = await http(server, 'PUT', `/${P}/requests/${r.request_id}/tag`, { token: owner, body: [null] });
    expect((first.json as Json).tags).toEqual([null]);
    expect(await httpOrTimeout(server, 'PUT', `/${P}/requests/${r.request_id}/tag`, { token: owner, body: [{ tag: 'x' }], timeoutMs: 300 })).toBe('timeout');
  });

  it('after a tag without a name, mutations that save the document fail with their own error', async () => {
    const r = await create({ first_text: 'unnamed tag', participants: [server.owner.userId] });
    const base = `/${P}/requests/${r.request_id}`;
    expect((await http(server, 'PUT', `${base}/tag`, { token: owner, body: [{ color: 'red' }] })).status).toBe(200);
    const follower = await http(server, 'POST', `${base}/followers`, { token: owner, body: { member: 'aaaaaaaaaaaaaaaaaaaaaaaa' } });
    expect([follower.status, follower.json]).toEqual([500, { success: false, error: 'Error adding follower' }]);
    const participant = await http(server, 'POST', `${base}/participants`, { token: owner, body: { member: server.agent.userId } });
    expect([participant.status, participant.json]).toEqual([500, { success: false, error: 'Error adding participant' }]);
    const message = await http(server, 'POST', `${base}/messages`, { token: owner, body: { text: 'hi', sender: server.owner.userId } });
    expect(message.status).toBe(500);
    expect(message.json).toMatchObject({ success: false, msg: 'Error creating message', err: { name: 'ValidationError', errors: { 'tags.0.tag': { kind: 'required' } } } });
    // Updates that do not load and save the document still work.
    expect((await http(server, 'PATCH', base, { token: owner, body: { priority: 'high' } })).status).toBe(200);
  });

  it('never answers a follower id that does not cast to an ObjectId', async () => {
    const r = await create({ first_text: 'followers' });
    for (const member of ['bad', 5, true]) {
      expect(await httpOrTimeout(server, 'POST', `/${P}/requests/${r.request_id}/followers`, { token: owner, body: { member }, timeoutMs: 300 })).toBe('timeout');
    }
  });
});

describe('list filters with query-string operators (passed to Mongo as they are)', () => {
  it('applies operators cast to the path type, lists as $in, and answers what Mongoose rejects with 500', async () => {
    const isolated = await startTiledeskServer();
    try {
      const pid = isolated.project.id;
      const token = isolated.owner.token;
      for (const priority of ['high', 'low']) await http(isolated, 'POST', `/${pid}/requests`, { token, body: { first_text: priority, priority } });
      const list = async (query: string) => {
        const res = await http(isolated, 'GET', `/${pid}/requests${query}`, { token });
        return res.status === 200 ? ((res.json as Json).requests as Json[]).map((r) => r.priority).sort() : [res.status, res.json];
      };
      expect(await list('?priority[$ne]=high')).toEqual(['low']);
      expect(await list('?priority=high&priority=low')).toEqual(['high', 'low']);
      expect(await list('?priority[$regex]=^h')).toEqual(['high']);
      expect(await list('?ticket_id[$gte]=2')).toEqual(['low']);
      expect(await list('?dept_id[$regex]=x')).toEqual([500, { success: false, msg: 'Error getting requests.', err: {} }]);
      const cast = await list('?dept_id[$ne]=x');
      expect(cast).toEqual([500, expect.objectContaining({ err: expect.objectContaining({ kind: 'ObjectId', value: 'x', path: 'department' }) })]);
    } finally {
      await isolated.close();
    }
  });

  it('compares only values of the same BSON type (an uncast Mixed operand) and casts booleans the Mongoose way ("yes")', async () => {
    const isolated = await startTiledeskServer();
    try {
      const pid = isolated.project.id;
      const token = isolated.owner.token;
      const create = (first_text: string, body: Json) => http(isolated, 'POST', `/${pid}/requests`, { token, body: { first_text, ...body } });
      await create('number', { attributes: { caller_phone: 10 } });
      await create('string', { attributes: { caller_phone: '3' } });
      await create('bot', { participants: ['bot_aaaaaaaaaaaaaaaaaaaaaaaa'] });
      const list = async (query: string) => {
        const res = await http(isolated, 'GET', `/${pid}/requests${query}&no_populate=true`, { token });
        return ((res.json as Json).requests as Json[]).map((r) => r.first_text).sort();
      };
      // `attributes.caller_phone` is Mixed: the operand stays the string "5", which no number is less than.
      expect(await list('?caller[$lt]=5')).toEqual(['string']);
      expect(await list('?hasbot=yes')).toEqual(['bot']);
      expect(await list('?hasbot=no')).toEqual(['number', 'string']);
    } finally {
      await isolated.close();
    }
  });
});

describe('create with odd values', () => {
  it('assigns the first character of a string participants value, and fails a non-string first participant', async () => {
    const single = await create({ first_text: 'x', participants: 'single' });
    expect([single.participants, single.participantsAgents, single.status]).toEqual([['single'], ['s'], 200]);
    const numeric = await http(server, 'POST', `/${P}/requests`, { token: owner, body: { first_text: 'x', participants: [5] } });
    expect([numeric.status, numeric.json]).toEqual([500, { success: false, message: 'Unable to create request', err: {} }]);
  });

  it('fails an empty channel name, an object priority or an array request_id; a duplicate request_id still uses a ticket number', async () => {
    for (const body of [{ channel: { name: '' } }, { priority: { a: 1 } }, { request_id: ['x'] }]) {
      expect((await http(server, 'POST', `/${P}/requests`, { token: owner, body: { first_text: 'x', ...body } })).status).toBe(500);
    }
    const first = await create({ first_text: 'x', request_id: `dup-${P}` });
    expect((await http(server, 'POST', `/${P}/requests`, { token: owner, body: { first_text: 'x', request_id: `dup-${P}` } })).status).toBe(500);
    const next = await create({ first_text: 'x' });
    expect(next.ticket_id).toBe(first.ticket_id + 2);
  });

  it('never answers a numeric sender (it passes ObjectId.isValid, then the lookup fails)', async () => {
    expect(await httpOrTimeout(server, 'POST', `/${P}/requests`, { token: owner, body: { first_text: 'x', sender: 5 }, timeoutMs: 300 })).toBe('timeout');
  });
});

describe('rules of the real routes that only some callers or values reach', () => {
  let admin: string;
  let adminId: string;
  beforeAll(async () => {
    server.seed({ users: [{ email: 'ada.admin@example.com', password: 'pw', firstname: 'Ada', role: 'admin' }] });
    const signin = (await http(server, 'POST', '/auth/signin', { body: { email: 'ada.admin@example.com', password: 'pw' } })).json as Json;
    [admin, adminId] = [signin.token, signin.user._id];
  });

  it('lets an admin close a conversation it takes no part in, but only owners delete one', async () => {
    const r = await create({ first_text: 'admin closes', participants: [server.agent.userId] });
    const closed = await http(server, 'PUT', `/${P}/requests/${r.request_id}/close`, { token: admin });
    expect([closed.status, (closed.json as Json).status]).toEqual([200, 1000]);
    const denied = await http(server, 'DELETE', `/${P}/requests/${r.request_id}`, { token: admin });
    expect([denied.status, denied.json]).toEqual([403, { success: false, msg: 'Unauthorized.' }]);
  });

  it('re-closes a closed conversation when `force` is loosely unequal to false ("false", 1), not for 0, "" or []', async () => {
    const r = await create({ first_text: 'close twice' });
    const close = async (token: string, force: unknown) =>
      ((await http(server, 'PUT', `/${P}/requests/${r.request_id}/close`, { token, body: { force } })).json as Json).closed_by;
    expect(await close(owner, false)).toBe(server.owner.userId);
    // `force == false` on the real server: these leave the conversation as it was closed.
    for (const force of [0, '', '0', []]) expect([force, await close(admin, force)]).toEqual([force, server.owner.userId]);
    // …and these close it again, now by the admin.
    expect(await close(admin, 'false')).toBe(adminId);
    expect(await close(owner, 1)).toBe(server.owner.userId);
  });

  it('leaves abandoned (150) conversations out of the default list', async () => {
    const r = await create({ first_text: 'abandoned' });
    await http(server, 'PATCH', `/${P}/requests/${r.request_id}`, { token: owner, body: { status: 150 } });
    expect((await list('?limit=0&no_populate=true')).requests.map((x: Json) => x.request_id)).not.toContain(r.request_id);
    expect((await list('?status=150&limit=0&no_populate=true')).requests.map((x: Json) => x.request_id)).toContain(r.request_id);
  });

  it('filters fully abandoned conversations only when both `abandonded` (sic) and `abandoned=true` are sent', async () => {
    const r = await create({ first_text: 'fully abandoned' });
    await http(server, 'PATCH', `/${P}/requests/${r.request_id}/attributes`, { token: owner, body: { fully_abandoned: true } });
    const all = (await list('?limit=0&no_populate=true')).count;
    expect((await list('?abandoned=true&limit=0&no_populate=true')).count).toBe(all);
    expect((await list('?abandonded=1&abandoned=true&limit=0&no_populate=true')).requests.map((x: Json) => x.request_id)).toEqual([r.request_id]);
  });

  it('reopens a conversation without participants as unassigned (100)', async () => {
    const r = await create({ first_text: 'nobody left', participants: [server.agent.userId] });
    await http(server, 'DELETE', `/${P}/requests/${r.request_id}/participants/${server.agent.userId}`, { token: owner });
    await http(server, 'PUT', `/${P}/requests/${r.request_id}/close`, { token: owner });
    const reopened = (await http(server, 'PUT', `/${P}/requests/${r.request_id}/reopen`, { token: owner })).json as Json;
    expect([reopened.status, reopened.participants]).toEqual([100, []]);
  });

  it('clears hasBot when an agent joins a bot conversation', async () => {
    const r = await create({ first_text: 'bot first', participants: ['bot_aaaaaaaaaaaaaaaaaaaaaaaa'] });
    expect(r.hasBot).toBe(true);
    const added = (await http(server, 'POST', `/${P}/requests/${r.request_id}/participants`, { token: owner, body: { member: server.agent.userId } })).json as Json;
    expect([added.participants, added.hasBot]).toEqual([['bot_aaaaaaaaaaaaaaaaaaaaaaaa', server.agent.userId], false]);
  });

  it('sets waiting_time and first_response_at on a participant\'s first answer only', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-01-01T00:00:00.000Z') });
    try {
      const frozen = await startTiledeskServer();
      try {
        const pid = frozen.project.id;
        const token = frozen.owner.token;
        const r = (await http(frozen, 'POST', `/${pid}/requests`, { token, body: { first_text: 'waiting', participants: [frozen.owner.userId] } })).json as Json;
        const answer = async () => {
          vi.setSystemTime(Date.now() + 60_000);
          const sent = (await http(frozen, 'POST', `/${pid}/requests/${r.request_id}/messages`, { token, body: { text: 'answer', sender: frozen.owner.userId } })).json as Json;
          return [sent.request.waiting_time, sent.request.first_response_at];
        };
        expect(await answer()).toEqual([60_000, '2026-01-01T00:01:00.000Z']);
        expect(await answer()).toEqual([60_000, '2026-01-01T00:01:00.000Z']);
      } finally {
        await frozen.close();
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes a new conversation once more after answering, with a later updatedAt; close() cancels a write still waiting', async () => {
    // setTimeout is faked too, so that the write's 1 ms waits for a moving clock only run when the test advances
    // them: real ones used up their 100 tries on a loaded machine before the test looked.
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: Date.parse('2026-01-01T00:00:00.000Z') });
    try {
      const frozen = await startTiledeskServer();
      try {
        const pid = frozen.project.id;
        const token = frozen.owner.token;
        const updatedAt = async (rid: string) => ((await http(frozen, 'GET', `/${pid}/requests/${rid}`, { token })).json as Json).updatedAt;
        const r = (await http(frozen, 'POST', `/${pid}/requests`, { token, body: { first_text: 'bumped' } })).json as Json;
        expect([r.createdAt, r.updatedAt]).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
        // The clock stands still: the write waits for it to move, so that its updatedAt is later than createdAt.
        expect(await updatedAt(r.request_id)).toBe('2026-01-01T00:00:00.000Z');
        expect(frozen.stats().pendingWrites).toBe(1);
        vi.advanceTimersByTime(1);
        expect(frozen.stats().pendingWrites).toBe(0);
        expect(await updatedAt(r.request_id)).toBe('2026-01-01T00:00:00.001Z');
        // A second conversation's write waits again (same frozen millisecond); close() drops it and its timer.
        const setTimer = vi.spyOn(globalThis, 'setTimeout');
        const clearTimer = vi.spyOn(globalThis, 'clearTimeout');
        const second = (await http(frozen, 'POST', `/${pid}/requests`, { token, body: { first_text: 'never bumped' } })).json as Json;
        expect(await updatedAt(second.request_id)).toBe('2026-01-01T00:00:00.001Z');
        expect(frozen.stats().pendingWrites).toBe(1);
        const waits = setTimer.mock.calls.flatMap((call, i) => (call[1] === 1 ? [setTimer.mock.results[i]!.value as unknown] : []));
        expect(waits).toHaveLength(1);
        await frozen.close();
        expect(frozen.stats().pendingWrites).toBe(0);
        expect(clearTimer).toHaveBeenCalledWith(waits[0]);
      } finally {
        await frozen.close();
      }
    } finally {
      vi.restoreAllMocks();
      vi.useRealTimers();
    }
  });

  it('says who a conversation was assigned to with its first text cut to 30 characters (the subject when there is one)', async () => {
    const long = 'x'.repeat(29) + 'yz and more';
    const plain = await create({ first_text: long, participants: [server.owner.userId] });
    const titled = await create({ first_text: long, subject: 'Refund', participants: [server.owner.userId] });
    const touching = async (rid: string) => {
      await http(server, 'POST', `/${P}/requests/${rid}/participants`, { token: owner, body: { member: server.agent.userId } });
      const messages = (await http(server, 'GET', `/${P}/requests/${rid}/messages`, { token: owner })).json as Json[];
      return messages.find((m) => m.attributes?.messagelabel?.key === 'TOUCHING_OPERATOR')?.text;
    };
    expect(await touching(plain.request_id)).toBe(`A new support request has been assigned to you: ${'x'.repeat(29)}y`);
    expect(await touching(titled.request_id)).toBe('A new support request has been assigned to you: Refund');
  });

  it('routes round robin after the last conversation a human got, skipping those a bot holds', async () => {
    const isolated = await startTiledeskServer();
    try {
      const pid = isolated.project.id;
      const token = isolated.owner.token;
      const route = async (body: Json = {}) => ((await http(isolated, 'POST', `/${pid}/requests`, { token, body: { first_text: 'rr', ...body } })).json as Json).participants[0] as string;
      const humans = [isolated.owner.userId, isolated.agent.userId];
      // Until the first available agent has the last one, so that "next" and "first" differ.
      let last = await route();
      while (last !== humans[0]) last = await route();
      await route({ participants: ['bot_aaaaaaaaaaaaaaaaaaaaaaaa'] });
      expect(await route()).toBe(humans[1]);
    } finally {
      await isolated.close();
    }
  });

  it('keeps a closed conversation closed when a participant leaves it', async () => {
    const r = await create({ first_text: 'closed, then left', participants: [server.agent.userId] });
    await http(server, 'PUT', `/${P}/requests/${r.request_id}/close`, { token: owner });
    const left = (await http(server, 'DELETE', `/${P}/requests/${r.request_id}/participants/${server.agent.userId}`, { token: owner })).json as Json;
    expect([left.participants, left.status]).toEqual([[], 1000]);
  });

  it('lists a guest\'s preflight conversations at /requests/me only with preflight=true', async () => {
    const guest = (await http(server, 'POST', '/auth/signinAnonymously', { body: { id_project: P } })).json as Json;
    const rid = `support-group-${P}-guest-preflight`;
    await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: guest.token, body: { text: 'typing…', preflight: true } });
    const ids = async (query: string) => ((await list(`/me${query}`, guest.token)).requests as Json[]).map((r) => r.request_id);
    expect(await ids('')).toEqual([]);
    expect(await ids('?preflight=true')).toEqual([rid]);
  });

  it('ignores a falsy rating (`if (req.body.rating)`): 0 keeps the previous one', async () => {
    const r = await create({ first_text: 'rated' });
    const rate = async (rating: unknown) => ((await http(server, 'PATCH', `/${P}/requests/${r.request_id}/rating`, { token: owner, body: { rating } })).json as Json).rating;
    expect(await rate(4)).toBe(4);
    expect(await rate(0)).toBe(4);
  });

  it('matches an ObjectId filter written in upper-case hex', async () => {
    const r = await create({ first_text: 'by lead' });
    const ids = async (lead: string) => ((await list(`?lead=${lead}&limit=0&no_populate=true`)).requests as Json[]).map((x) => x._id);
    const lower = await ids(r.lead);
    expect(lower).toContain(r._id);
    expect(await ids(r.lead.toUpperCase())).toEqual(lower);
  });

  it('posts "Lead updated" into the lead\'s latest conversation only when its name or e-mail is written', async () => {
    const r = await create({ first_text: 'lead updates' });
    const updates = async () =>
      ((await http(server, 'GET', `/${P}/requests/${r.request_id}/messages`, { token: owner })).json as Json[]).filter((m) => m.attributes?.messagelabel?.key === 'LEAD_UPDATED').length;
    await http(server, 'PUT', `/${P}/leads/${r.lead}`, { token: owner, body: { company: 'ACME' } });
    expect(await updates()).toBe(0);
    await http(server, 'PUT', `/${P}/leads/${r.lead}`, { token: owner, body: { fullname: 'Olivia O.' } });
    expect(await updates()).toBe(1);
  });

  it('returns a served (300) conversation from PUT …/assign as it is, without routing it', async () => {
    const r = await create({ first_text: 'served', participants: [server.agent.userId] });
    await http(server, 'PATCH', `/${P}/requests/${r.request_id}`, { token: owner, body: { status: 300 } });
    const assigned = (await http(server, 'PUT', `/${P}/requests/${r.request_id}/assign`, { token: owner })).json as Json;
    expect([assigned.status, assigned.participants]).toEqual([300, [server.agent.userId]]);
  });
});
