/**
 * `PUT|PATCH|DELETE /projects/:id` beyond what the conformance scenarios (`projects.*`) pin: what MongoDB refuses
 * that the loopback real server's CongoDB lets through, atomicity of a refused update, and the project virtuals.
 */
import { describe, expect, it } from 'vitest';
import type { ProjectDoc } from '../../src/testing/store.js';
import { projectView } from '../../src/testing/views.js';
import { startTiledeskServer } from '../../src/testing/index.js';
import { fileServer, http, type Json } from './helpers.js';

const local = fileServer();

async function newProject(name: string): Promise<string> {
  const created = await http(local.server, 'POST', '/projects', { token: local.server.owner.token, body: { name } });
  expect(created.status).toBe(200);
  return (created.json as Json)._id;
}

describe('PUT /projects/:id', () => {
  it('refuses a body setting `settings` and a dotted settings key together (MongoDB: a conflict), and writes nothing', async () => {
    const id = await newProject('Conflict');
    const token = local.server.owner.token;
    const refused = await http(local.server, 'PUT', `/projects/${id}`, { token, body: { name: 'not saved', settings: { a: 1 }, 'settings.email.from': 'x@example.com' } });
    expect([refused.status, refused.json]).toEqual([500, { success: false, msg: 'Error updating object.' }]);
    const after = (await http(local.server, 'GET', `/projects/${id}`, { token })).json as Json;
    expect([after.name, after.settings]).toEqual(['Conflict', undefined]);
  });

  it('refuses a dotted settings key through an array or null, like MongoDB', async () => {
    const id = await newProject('Dotted');
    const token = local.server.owner.token;
    for (const settings of [{ email: ['a'] }, { email: null }]) {
      expect((await http(local.server, 'PUT', `/projects/${id}`, { token, body: { settings } })).status).toBe(200);
      expect((await http(local.server, 'PUT', `/projects/${id}`, { token, body: { 'settings.email.from': 'x' } })).status).toBe(500);
    }
  });

  it('lets only isSuperadmin === true replace the profile: the string "true" is refused', async () => {
    const id = await newProject('Profile');
    const token = local.server.owner.token;
    expect((await http(local.server, 'PUT', '/users', { token, body: { attributes: { isSuperadmin: 'true' } } })).status).toBe(200);
    const res = await http(local.server, 'PUT', `/projects/${id}`, { token, body: { profile: { name: 'Pro', type: 'payment' } } });
    expect([res.status, res.json]).toEqual([403, { success: false, error: "You don't have the permission required to modify the project profile" }]);
  });

  it('drops settings emptied by an update, and refuses an IP filter entry that is not castable to a string', async () => {
    const id = await newProject('Emptied');
    const token = local.server.owner.token;
    expect(((await http(local.server, 'PUT', `/projects/${id}`, { token, body: { settings: { x: 1 } } })).json as Json).settings).toEqual({ x: 1 });
    expect('settings' in ((await http(local.server, 'PUT', `/projects/${id}`, { token, body: { settings: {} } })).json as Json)).toBe(false);
    expect('settings' in ((await http(local.server, 'GET', `/projects/${id}`, { token })).json as Json)).toBe(false);
    const res = await http(local.server, 'PUT', `/projects/${id}`, { token, body: { ipFilter: [{ ip: '10.0.0.1' }] } });
    expect([res.status, res.json]).toEqual([500, { success: false, msg: 'Error updating object.' }]);
  });

  it('keeps the project routes working after an update, and refuses them (400) after DELETE', async () => {
    const id = await newProject('Lifecycle');
    const token = local.server.owner.token;
    expect((await http(local.server, 'PATCH', `/projects/${id}`, { token, body: { name: 'Renamed' } })).status).toBe(200);
    expect((await http(local.server, 'GET', `/${id}/requests`, { token })).status).toBe(200);
    const deleted = await http(local.server, 'DELETE', `/projects/${id}`, { token });
    expect([deleted.status, (deleted.json as Json).status, (deleted.json as Json).name]).toEqual([200, 0, 'Renamed']);
    expect((await http(local.server, 'GET', `/${id}/requests`, { token })).json).toEqual({ error: `Project not found with id: ${id}` });
    const listed = (await http(local.server, 'GET', '/projects', { token })).json as Json[];
    expect(listed.find((pu) => pu.id_project._id === id)?.id_project.status).toBe(0);
  });
});

describe('project virtuals', () => {
  const DAY = 86_400_000;
  const project = (createdAtMs: number, profile: Record<string, unknown>) =>
    ({ _id: 'p', createdAt: new Date(createdAtMs).toISOString(), profile }) as unknown as ProjectDoc;
  const now = Date.parse('2030-06-15T12:00:00.000Z');

  it('trialDaysLeft counts whole days since the trial ended: -14 when new, one more each day', () => {
    expect(projectView(project(now, { trialDays: 14, type: 'free' }), now).trialDaysLeft).toBe(-14);
    expect(projectView(project(now - 3 * DAY - 1, { trialDays: 14, type: 'free' }), now).trialDaysLeft).toBe(-11);
    expect(projectView(project(now, { trialDays: null, type: 'free' }), now).trialDaysLeft).toBe(0);
    // `Math.floor`: 11.4 days past the end is -12, not the nearest day.
    expect(projectView(project(now - 2.6 * DAY, { trialDays: 14, type: 'free' }), now).trialDaysLeft).toBe(-12);
  });

  it("isActiveSubscription: false off a payment plan, '' without subEnd, then whether subEnd + 3 days is ahead", () => {
    const view = (profile: Record<string, unknown>) => projectView(project(now, profile), now).isActiveSubscription;
    expect(view({ trialDays: 14, type: 'free', subEnd: '2999-01-01T00:00:00.000Z' })).toBe(false);
    expect(view({ trialDays: 14, type: 'payment' })).toBe('');
    expect(view({ trialDays: 14, type: 'payment', subEnd: new Date(now - 2 * DAY).toISOString() })).toBe(true);
    expect(view({ trialDays: 14, type: 'payment', subEnd: new Date(now - 4 * DAY).toISOString() })).toBe(false);
    // `now > subEnd + 259200000` is the only false: at exactly three days it is still active.
    expect(view({ trialDays: 14, type: 'payment', subEnd: new Date(now - 3 * DAY).toISOString() })).toBe(true);
    expect(view({ trialDays: 14, type: 'payment', subEnd: new Date(now - 3 * DAY - 1).toISOString() })).toBe(false);
  });
});

describe('GET /projects/all with ADMIN_EMAIL configured', () => {
  it("answers the token whose email claim is ADMIN_EMAIL, and refuses a guest's token then (its missing email no longer matches)", async () => {
    const server = await startTiledeskServer({ adminEmail: 'boss@example.com' });
    try {
      expect((await http(server, 'POST', '/auth/signup', { body: { email: 'boss@example.com', password: 'Boss-pass1', firstname: 'B', lastname: 'Oss' } })).status).toBe(200);
      const boss = ((await http(server, 'POST', '/auth/signin', { body: { email: 'boss@example.com', password: 'Boss-pass1' } })).json as Json).token;
      const all = await http(server, 'GET', '/projects/all', { token: boss });
      expect(all.status).toBe(200);
      expect(all.json).toEqual([{ _id: server.project.id, name: server.project.name, owner: server.owner.email, createdAt: expect.any(String), profile_name: 'Sandbox' }]);
      const guest = ((await http(server, 'POST', '/auth/signinAnonymously', { body: { id_project: server.project.id } })).json as Json).token;
      const refused = await http(server, 'GET', '/projects/all', { token: guest });
      expect([refused.status, refused.json]).toEqual([403, { success: false, error: "You don't have the permission required to perform the operation" }]);
    } finally {
      await server.close();
    }
  });
});

describe('GET /projects/all with ADMIN_EMAIL unset', () => {
  const guestToken = async () =>
    ((await http(local.server, 'POST', '/auth/signinAnonymously', { body: { id_project: local.server.project.id } })).json as Json).token as string;

  it('lists an upserted project (PUT on an id without a project) too, with no owner', async () => {
    const token = await guestToken();
    const id = '5f00000000000000000000e7';
    expect((await http(local.server, 'PUT', `/projects/${id}`, { token, body: { name: 'Upserted for all' } })).status).toBe(200);
    const all = (await http(local.server, 'GET', '/projects/all', { token })).json as Json[];
    expect(all.find((p) => p._id === id)).toEqual({ _id: id, name: 'Upserted for all', createdAt: expect.any(String) });
  });

  it("names as owner the e-mail of a member whose role is owner, not the project's first member", async () => {
    const id = await newProject('Demoted owner');
    const ownerToken = local.server.owner.token;
    const puId = ((await http(local.server, 'GET', `/projects/${id}/users/availables`)).json as Json[])[0]!.pu_id;
    expect((await http(local.server, 'PUT', `/${id}/project_users/${puId}`, { token: ownerToken, body: { role: 'admin' } })).status).toBe(200);
    const all = (await http(local.server, 'GET', '/projects/all', { token: await guestToken() })).json as Json[];
    expect(all.find((p) => p._id === id)).toEqual({ _id: id, name: 'Demoted owner', createdAt: expect.any(String), profile_name: 'Sandbox' });
  });
});
