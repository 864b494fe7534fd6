/**
 * `GET /projects/:id/users/availables` beyond the conformance scenario `projects.users-availables`: the chat limit
 * when it is off and at its bound, groups holding numbers, group members without a group id, and several
 * `?department=` values.
 */
import { describe, expect, it } from 'vitest';
import { fileServer, http, httpOrTimeout, type Json } from './helpers.js';

const local = fileServer();

/** A new project of the seeded owner, its only member: the owner's user id and project_user id. */
async function ownProject(name: string): Promise<{ pid: string; userId: string; puId: string }> {
  const pid = ((await http(local.server, 'POST', '/projects', { token: local.server.owner.token, body: { name } })).json as Json)._id;
  const listed = (await http(local.server, 'GET', `/projects/${pid}/users/availables`)).json as Json[];
  expect(listed).toHaveLength(1);
  return { pid, userId: listed[0]!.id, puId: listed[0]!.pu_id };
}

const availables = async (pid: string, query = '') => http(local.server, 'GET', `/projects/${pid}/users/availables${query}`);
const ids = async (pid: string, query = '') => ((await availables(pid, query)).json as Json[]).map((a) => a.id);

async function create(pid: string, what: 'groups' | 'departments', body: Record<string, unknown>): Promise<string> {
  const created = await http(local.server, 'POST', `/${pid}/${what}`, { token: local.server.owner.token, body });
  expect(created.status).toBe(200);
  return (created.json as Json)._id;
}

describe('GET /projects/:id/users/availables', () => {
  it('applies no chat limit while chat_limit_on is off, whatever max_agent_assigned_chat says', async () => {
    const { pid, userId } = await ownProject('Limit off');
    const token = local.server.owner.token;
    expect((await http(local.server, 'PUT', `/projects/${pid}`, { token, body: { settings: { chat_limit_on: false, max_agent_assigned_chat: -1 } } })).status).toBe(200);
    expect(await ids(pid)).toEqual([userId]);
  });

  it('drops an agent once its assigned chats reach the limit (strictly below it is available)', async () => {
    const { pid, userId, puId } = await ownProject('Limit bound');
    const token = local.server.owner.token;
    expect((await http(local.server, 'PUT', `/projects/${pid}`, { token, body: { settings: { chat_limit_on: true, max_agent_assigned_chat: 2 } } })).status).toBe(200);
    expect((await http(local.server, 'PUT', `/${pid}/project_users/${puId}`, { token, body: { number_assigned_requests: 1 } })).status).toBe(200);
    expect(await ids(pid)).toEqual([userId]);
    expect((await http(local.server, 'PUT', `/${pid}/project_users/${puId}`, { token, body: { number_assigned_requests: 2 } })).status).toBe(200);
    expect(await ids(pid)).toEqual([]);
  });

  it("id_group: a number or null member (mongoose.Types.ObjectId makes a new id of it) matches no one; null members get no answer", async () => {
    const { pid, userId } = await ownProject('Number member');
    const group = await create(pid, 'groups', { name: 'With a number', members: [userId, 5, null] });
    expect(await ids(pid, `?department=${await create(pid, 'departments', { name: 'By id_group', id_group: group })}`)).toEqual([userId]);
    const nullGroup = await create(pid, 'groups', { name: 'Null members', members: null });
    const hung = await httpOrTimeout(local.server, 'GET', `/projects/${pid}/users/availables?department=${await create(pid, 'departments', { name: 'Null', id_group: nullGroup })}`, { timeoutMs: 300 });
    expect(hung).toBe('timeout');
  });

  it('groups: the query casts each member, so a number fails it (500 with the CastError) while null matches no one', async () => {
    const { pid, userId } = await ownProject('Number members');
    const withNumber = await create(pid, 'groups', { name: 'Number', members: [userId, 5] });
    const withNull = await create(pid, 'groups', { name: 'Null', members: [userId, null] });
    const failed = await availables(pid, `?department=${await create(pid, 'departments', { name: 'N', groups: [{ group_id: withNumber, percentage: 100 }] })}`);
    expect([failed.status, failed.json]).toEqual([
      500,
      { success: false, msg: 'Error getting object.CastError: Cast to ObjectId failed for value "5" (type number) at path "id_user" for model "project_user"' },
    ]);
    expect(await ids(pid, `?department=${await create(pid, 'departments', { name: 'Z', groups: [{ group_id: withNull, percentage: 100 }] })}`)).toEqual([userId]);
  });

  it('does not filter by a department whose group members have no group_id (written by PUT, which skips validation)', async () => {
    const { pid, userId } = await ownProject('Members without group');
    const token = local.server.owner.token;
    const department = await create(pid, 'departments', { name: 'Loose members' });
    expect((await http(local.server, 'PUT', `/${pid}/departments/${department}`, { token, body: { groups: [{ percentage: 50 }] } })).status).toBe(200);
    const answer = await availables(pid, `?department=${department}`);
    expect([answer.status, (answer.json as Json[]).map((a) => a.id)]).toEqual([200, [userId]]);
  });

  it('with ?department= given twice, uses the department found among them', async () => {
    const { pid } = await ownProject('Two departments');
    const empty = await create(pid, 'groups', { name: 'Empty', members: [] });
    const department = await create(pid, 'departments', { name: 'Empty group', id_group: empty });
    const answer = await availables(pid, `?department=5f00000000000000000000d9&department=${department}`);
    expect([answer.status, answer.json]).toEqual([200, []]);
  });
});
