import { describe, expect, it } from 'vitest';
import { startTiledeskServer } from '../../src/testing/index.js';
import { fileServer, http, httpOrTimeout, type Json } from './helpers.js';

const local = fileServer();

async function signUp(email: string): Promise<{ token: string; userId: string }> {
  const password = 'pass-word-1';
  expect((await http(local.server, 'POST', '/auth/signup', { body: { email, password, firstname: 'Sue', lastname: 'Search' } })).status).toBe(200);
  const signin = (await http(local.server, 'POST', '/auth/signin', { body: { email, password } })).json as Json;
  return { token: signin.token, userId: signin.user._id };
}

describe('GET /<pid>/project_users/users/search', () => {
  const search = (query: string, token: string) => http(local.server, 'GET', `/${local.P}/project_users/users/search${query}`, { token });

  it('answers the user id (not the project_user id) of a teammate, for agents too', async () => {
    const res = await search(`?email=${encodeURIComponent(local.server.owner.email)}`, local.server.agent.token);
    expect([res.status, res.json]).toEqual([200, { _id: local.server.owner.userId }]);
    expect((res.json as Json)._id).not.toBe(local.server.owner.projectUserId);
  });

  it('matches the e-mail exactly: upper case or a missing parameter is 404', async () => {
    for (const query of [`?email=${encodeURIComponent(local.server.agent.email.toUpperCase())}`, '', '?email=']) {
      const res = await search(query, local.server.owner.token);
      expect([res.status, res.json]).toEqual([404, { success: false, msg: 'Object not found.' }]);
    }
  });

  it('treats a repeated email parameter as a list', async () => {
    const res = await search(`?email=nobody%40example.com&email=${encodeURIComponent(local.server.agent.email)}`, local.server.owner.token);
    expect([res.status, res.json]).toEqual([200, { _id: local.server.agent.userId }]);
  });

  it('refuses users who are not teammates with 403 (no success key)', async () => {
    await signUp('outsider@example.com');
    const res = await search('?email=outsider%40example.com', local.server.owner.token);
    expect([res.status, res.json]).toEqual([403, { msg: 'Unauthorized. This is not a your teammate.' }]);
  });

  it('needs the user role: guests get 403, non-members "you dont belong to the project."', async () => {
    const guest = (await http(local.server, 'POST', '/auth/signinAnonymously', { body: { id_project: local.P } })).json as Json;
    const asGuest = await search(`?email=${encodeURIComponent(local.server.owner.email)}`, guest.token);
    expect([asGuest.status, asGuest.json]).toEqual([403, { success: false, msg: 'you dont have the required role.' }]);
    const stranger = await signUp('stranger@example.com');
    const asStranger = await search(`?email=${encodeURIComponent(local.server.owner.email)}`, stranger.token);
    expect([asStranger.status, asStranger.json]).toEqual([403, { success: false, msg: 'you dont belong to the project.' }]);
  });

  it('never answers an email value Mongoose cannot cast (an object without operators)', async () => {
    const res = await httpOrTimeout(local.server, 'GET', `/${local.P}/project_users/users/search?email[foo]=x`, { token: local.server.owner.token, timeoutMs: 300 });
    expect(res).toBe('timeout');
  });
});

describe('GET /<pid>/project_users filters', () => {
  const roles = async (query: string) => {
    const res = await http(local.server, 'GET', `/${local.P}/project_users${query}`, { token: local.server.owner.token });
    return res.status === 200 ? (res.json as Json[]).map((pu) => pu.role).sort() : res.status;
  };

  it('uses ?role= as given: one role per value (no comma splitting), and it may list guests', async () => {
    await http(local.server, 'POST', '/auth/signinAnonymously', { body: { id_project: local.P } });
    expect(await roles('?role=agent')).toEqual(['agent']);
    expect(await roles('?role=agent,owner')).toEqual([]);
    expect(await roles('?role=agent&role=owner')).toEqual(['agent', 'owner']);
    expect(await roles('?role=guest')).toContain('guest');
    expect(await roles('')).toEqual(['agent', 'owner']);
    expect(await roles('?role[$ne]=owner')).toBe(500);
  });
});

describe('team management', () => {
  it('disables, trashes, restores and removes members; each state shows in role checks', async () => {
    const isolated = await startTiledeskServer();
    try {
      const pid = isolated.project.id;
      const owner = isolated.owner.token;
      const pu = isolated.agent.projectUserId;
      const agentReads = async () => (await http(isolated, 'GET', `/${pid}/requests`, { token: isolated.agent.token })).status;
      const trashed = await http(isolated, 'DELETE', `/${pid}/project_users/${pu}?soft=true`, { token: owner });
      expect(trashed.json).toMatchObject({ trashed: true, status: 'disabled' });
      expect(await agentReads()).toBe(403);
      const restored = await http(isolated, 'PUT', `/${pid}/project_users/${pu}/restore`, { token: owner });
      expect(restored.json).toMatchObject({ trashed: false, status: 'active' });
      expect(await agentReads()).toBe(200);
      const again = await http(isolated, 'PUT', `/${pid}/project_users/${pu}/restore`, { token: owner });
      expect([again.status, again.json]).toEqual([400, { success: false, error: 'Project user is not trashed, cannot restore' }]);
      const disabled = await http(isolated, 'DELETE', `/${pid}/project_users/${pu}`, { token: owner });
      expect(disabled.json).toMatchObject({ status: 'disabled', user_available: false });
      const enabled = await http(isolated, 'PUT', `/${pid}/project_users/${pu}`, { token: owner, body: { status: 'active', role: 'admin' } });
      expect(enabled.json).toMatchObject({ status: 'active', role: 'admin' });
      const removed = await http(isolated, 'DELETE', `/${pid}/project_users/${pu}?hard=true`, { token: owner });
      expect(removed.status).toBe(200);
      expect(await agentReads()).toBe(403);
      const gone = await http(isolated, 'DELETE', `/${pid}/project_users/${pu}?hard=true`, { token: owner });
      expect([gone.status, gone.json]).toEqual([404, { success: false, error: `Project user not found with id ${pu}` }]);
    } finally {
      await isolated.close();
    }
  });

  it('keeps pending invitations: a second invite of the same e-mail is refused (with status 200)', async () => {
    const invite = (body: Json) => http(local.server, 'POST', `/${local.P}/project_users/invite`, { token: local.server.owner.token, body });
    expect((await invite({ email: 'later@example.com' })).json).toEqual({ success: false, msg: 'Role is required.', code: 405 });
    expect((await invite({ email: 'later@example.com', role: 'agent' })).json).toMatchObject({ msg: 'User not found, save invite in pending ', pendingInvitation: { email: 'later@example.com', role: 'agent' } });
    const again = await invite({ email: 'LATER@example.com', role: 'admin' });
    expect([again.status, (again.json as Json).msg]).toEqual([200, 'Pending Invitation already exist.']);
  });

  it('stores a self-update\'s attributes minimized (empty objects left out)', async () => {
    const res = await http(local.server, 'PUT', `/${local.P}/project_users`, { token: local.server.agent.token, body: { attributes: { empty: {}, desk: 'B2' } } });
    expect([res.status, (res.json as Json).attributes]).toEqual([200, { desk: 'B2' }]);
  });

  it('casts a self-update all or nothing', async () => {
    const res = await http(local.server, 'PUT', `/${local.P}/project_users`, { token: local.server.agent.token, body: { profileStatus: 'away', max_assigned_chat: 'abc' } });
    expect([res.status, res.json]).toEqual([500, { success: false, msg: 'Error updating object.' }]);
    const me = ((await http(local.server, 'GET', `/${local.P}/project_users/me`, { token: local.server.agent.token })).json as Json[])[0]!;
    expect(me.profileStatus).toBeUndefined();
  });
});

describe('leads', () => {
  it('upserts an unknown id on update and delete, as findByIdAndUpdate does', async () => {
    const id = 'abcdefabcdefabcdefabcdef';
    const updated = (await http(local.server, 'PUT', `/${local.P}/leads/${id}`, { token: local.server.owner.token, body: { fullname: 'Ghost' } })).json as Json;
    expect(updated).toMatchObject({ _id: id, fullname: 'Ghost', status: 100, tags: [] });
    expect(updated.id_project).toBeUndefined();
    expect(((await http(local.server, 'GET', `/${local.P}/leads/${id}`, { token: local.server.owner.token })).json as Json).fullname).toBe('Ghost');
    const other = 'abcdefabcdefabcdefabcde0';
    expect((await http(local.server, 'DELETE', `/${local.P}/leads/${other}`, { token: local.server.owner.token })).json).toMatchObject({ _id: other, status: 1000 });
  });

  it('adds tags without duplicates, removes one, and deletes physically (owner only)', async () => {
    const lead = (await http(local.server, 'POST', `/${local.P}/leads`, { token: local.server.owner.token, body: { fullname: 'Tagged' } })).json as Json;
    const base = `/${local.P}/leads/${lead._id}`;
    expect(((await http(local.server, 'PUT', `${base}/tag`, { token: local.server.owner.token, body: ['a', 'b', 'a'] })).json as Json).tags).toEqual(['a', 'b']);
    expect(((await http(local.server, 'DELETE', `${base}/tag/a`, { token: local.server.owner.token })).json as Json).tags).toEqual(['b']);
    expect((await http(local.server, 'DELETE', `${base}/physical`, { token: local.server.agent.token })).status).toBe(403);
    expect((await http(local.server, 'DELETE', `${base}/physical`, { token: local.server.owner.token })).json).toEqual({ n: 1, ok: 1, deletedCount: 1 });
    expect((await http(local.server, 'GET', base, { token: local.server.owner.token })).status).toBe(404);
  });

  it('lets with_email replace the email filter and never answers a list query that does not cast', async () => {
    await http(local.server, 'POST', `/${local.P}/leads`, { token: local.server.owner.token, body: { fullname: 'Mail', email: 'mail@example.com' } });
    const withEmail = (await http(local.server, 'GET', `/${local.P}/leads?email=nobody@example.com&with_email=true`, { token: local.server.owner.token })).json as Json;
    expect(withEmail.count).toBeGreaterThan(0);
    for (const query of ['?status=abc', '?segment=x', '?email[foo]=x']) {
      expect(await httpOrTimeout(local.server, 'GET', `/${local.P}/leads${query}`, { token: local.server.owner.token, timeoutMs: 300 })).toBe('timeout');
    }
  });
});

describe('leads: the list, the CSV and attributes as the real routes build them', () => {
  it('lists status 100 by default, exports every lead not deleted (also at /leads/CSV), and matches full_text by whole words', async () => {
    const server = await startTiledeskServer();
    try {
      const P = server.project.id;
      const token = server.owner.token;
      const post = async (body: Json) => (await http(server, 'POST', `/${P}/leads`, { token, body })).json as Json;
      await post({ fullname: 'Anna Smith', email: 'anna@example.com' });
      const paused = await post({ fullname: 'Paused' });
      await http(server, 'PUT', `/${P}/leads/${paused._id}`, { token, body: { status: 50 } });
      const gone = await post({ fullname: 'Gone' });
      await http(server, 'DELETE', `/${P}/leads/${gone._id}`, { token });
      const names = async (query: string) => ((await http(server, 'GET', `/${P}/leads${query}`, { token })).json as Json).leads.map((l: Json) => l.fullname).sort();
      // `query.status = LeadConstants.NORMAL` (100) unless ?status= is given.
      expect(await names('')).toEqual(['Anna Smith']);
      expect(await names('?status=50')).toEqual(['Paused']);
      expect(await names('?full_text=anna')).toEqual(['Anna Smith']);
      expect(await names('?full_text=ann')).toEqual([]);
      // `status: {$lt: 1000}`; Express routes ignore case, so /CSV is the export too.
      const csv = await http(server, 'GET', `/${P}/leads/CSV`, { token });
      expect([csv.status, csv.headers.get('content-type')]).toEqual([200, 'text/csv; charset=utf-8']);
      expect([csv.text.includes('Anna Smith'), csv.text.includes('Paused'), csv.text.includes('Gone')]).toEqual([true, true, false]);
    } finally {
      await server.close();
    }
  });

  it('merges attributes and leaves empty objects out, as Mongoose minimizes them', async () => {
    const lead = (await http(local.server, 'POST', `/${local.P}/leads`, { token: local.server.owner.token, body: { fullname: 'Attr', attributes: { keep: 1 } } })).json as Json;
    const res = await http(local.server, 'PATCH', `/${local.P}/leads/${lead._id}/attributes`, { token: local.server.owner.token, body: { empty: {}, plan: 'pro' } });
    expect((res.json as Json).attributes).toEqual({ keep: 1, plan: 'pro' });
  });
});

describe('project users: what the real queries filter on', () => {
  it('lists only agents (roleType 1) by default, hides the trash unless trashed=true, and lets soft win over hard', async () => {
    const server = await startTiledeskServer();
    try {
      const P = server.project.id;
      const owner = server.owner.token;
      // A custom-token user of role "user" is a project_user with roleType 2 that is not a guest.
      const jwt = server.signJwt({ _id: 'ext-user', sub: 'userexternal', aud: `https://tiledesk.com/projects/${P}` }, server.project.jwtSecret);
      expect((await http(server, 'POST', '/auth/signinWithCustomToken', { token: `JWT ${jwt}` })).status).toBe(200);
      const roles = async (query: string) => ((await http(server, 'GET', `/${P}/project_users${query}`, { token: owner })).json as Json[]).map((pu) => pu.role).sort();
      expect(await roles('')).toEqual(['agent', 'owner']);
      expect(await roles('?role=user')).toEqual(['user']);
      const trashed = await http(server, 'DELETE', `/${P}/project_users/${server.agent.projectUserId}?soft=true&hard=true`, { token: owner });
      expect((trashed.json as Json).trashed).toBe(true);
      expect(await roles('?trashed=false')).toEqual(['owner']);
      expect(await roles('?trashed=true')).toEqual(['agent', 'owner']);
    } finally {
      await server.close();
    }
  });

  it('reads and restores a project_user only within its own project', async () => {
    const server = await startTiledeskServer();
    try {
      const owner = server.owner.token;
      const other = (await http(server, 'POST', '/projects', { token: owner, body: { name: 'Other' } })).json as Json;
      const foreign = ((await http(server, 'GET', `/${other._id}/project_users/me`, { token: owner })).json as Json[])[0]!._id as string;
      const read = await http(server, 'GET', `/${server.project.id}/project_users/${foreign}`, { token: owner });
      expect([read.status, read.json]).toEqual([404, { success: false, msg: 'Object not found.' }]);
      expect((await http(server, 'DELETE', `/${server.project.id}/project_users/${server.agent.projectUserId}?soft=true`, { token: owner })).status).toBe(200);
      const restore = await http(server, 'PUT', `/${other._id}/project_users/${server.agent.projectUserId}/restore`, { token: owner });
      expect([restore.status, restore.json]).toEqual([404, { success: false, error: `Project user not found with id ${server.agent.projectUserId}` }]);
    } finally {
      await server.close();
    }
  });
});
