/**
 * Department writes beyond the conformance scenarios (`departments.*`): what a write leaves in the lists and in
 * routing, and which project an upserted or foreign department belongs to.
 */
import { describe, expect, it } from 'vitest';
import { fileServer, http, type Json } from './helpers.js';

const local = fileServer();

const names = async (path: string) => ((await http(local.server, 'GET', path, { token: local.server.owner.token })).json as Json[]).map((d) => d.name);

describe('department writes', () => {
  it('a created department is listed and routes conversations; once deleted it is in no list and routes nothing', async () => {
    const token = local.server.owner.token;
    const created = await http(local.server, 'POST', `/${local.P}/departments`, { token, body: { name: 'Support', routing: 'assigned' } });
    const id = (created.json as Json)._id as string;
    expect(await names(`/${local.P}/departments`)).toContain('Support');
    const routed = await http(local.server, 'POST', `/${local.P}/requests`, { token, body: { first_text: 'hi', departmentid: id } });
    expect([routed.status, (routed.json as Json).department]).toEqual([200, id]);

    expect((await http(local.server, 'DELETE', `/${local.P}/departments/${id}`, { token })).status).toBe(200);
    expect(await names(`/${local.P}/departments`)).not.toContain('Support');
    expect(await names(`/${local.P}/departments/allstatus`)).not.toContain('Support');
    const refused = await http(local.server, 'POST', `/${local.P}/requests`, { token, body: { first_text: 'hi', departmentid: id } });
    expect([refused.status, (refused.json as Json).message]).toEqual([500, 'Unable to create request']);
  });

  it('an upserted department belongs to no project: readable by id, in no list, no routing target', async () => {
    const token = local.server.owner.token;
    const id = '5f00000000000000000000aa';
    const upserted = await http(local.server, 'PATCH', `/${local.P}/departments/${id}`, { token, body: { name: 'Nowhere' } });
    expect([upserted.status, (upserted.json as Json).id_project]).toEqual([200, undefined]);
    expect(((await http(local.server, 'GET', `/${local.P}/departments/${id}`)).json as Json).name).toBe('Nowhere');
    expect(await names(`/${local.P}/departments/allstatus`)).not.toContain('Nowhere');
    expect((await http(local.server, 'POST', `/${local.P}/requests`, { token, body: { first_text: 'hi', departmentid: id } })).status).toBe(500);
  });

  it("a department of another project, changed through this one's route, stays in its own project's lists", async () => {
    const token = local.server.owner.token;
    const other = (await http(local.server, 'POST', '/projects', { token, body: { name: 'Other' } })).json as Json;
    const otherDefault = (await http(local.server, 'GET', `/${other._id}/departments/default`)).json as Json;
    expect((await http(local.server, 'PUT', `/${local.P}/departments/${otherDefault._id}`, { token, body: { name: 'Renamed elsewhere' } })).status).toBe(200);
    expect(await names(`/${other._id}/departments`)).toEqual(['Renamed elsewhere']);
    expect(await names(`/${local.P}/departments`)).not.toContain('Renamed elsewhere');
  });

  it('PATCH and PUT leave a field given as null unchanged', async () => {
    const token = local.server.owner.token;
    const id = ((await http(local.server, 'POST', `/${local.P}/departments`, { token, body: { name: 'Kept', description: 'd' } })).json as Json)._id;
    for (const method of ['PATCH', 'PUT']) {
      const res = await http(local.server, method, `/${local.P}/departments/${id}`, { token, body: { name: null, description: null, routing: null } });
      expect([res.status, (res.json as Json).name, (res.json as Json).description, (res.json as Json).routing]).toEqual([200, 'Kept', 'd', 'pooled']);
    }
  });
});

describe('department routing', () => {
  async function newProject(name: string): Promise<string> {
    return ((await http(local.server, 'POST', '/projects', { token: local.server.owner.token, body: { name } })).json as Json)._id;
  }
  const post = (pid: string, body: Record<string, unknown>) => http(local.server, 'POST', `/${pid}/requests`, { token: local.server.owner.token, body });
  async function create(pid: string, what: 'groups' | 'departments', body: Record<string, unknown>): Promise<string> {
    const created = await http(local.server, 'POST', `/${pid}/${what}`, { token: local.server.owner.token, body });
    expect(created.status).toBe(200);
    return (created.json as Json)._id;
  }

  it('a department written by PUT (id_group stored as null) still routes, to its agents', async () => {
    const pid = await newProject('Put routing');
    const token = local.server.owner.token;
    const id = await create(pid, 'departments', { name: 'Sales' });
    expect(((await http(local.server, 'PUT', `/${pid}/departments/${id}`, { token, body: { name: 'Sales', routing: 'assigned' } })).json as Json).id_group).toBeNull();
    const routed = await post(pid, { first_text: 'hi', departmentid: id });
    expect([routed.status, (routed.json as Json).participants]).toEqual([200, [local.server.owner.userId]]);
  });

  it('a group with no agent routes without reading the operating hours: an hours error does not fail it', async () => {
    const pid = await newProject('Empty group, hours error');
    const token = local.server.owner.token;
    const id = await create(pid, 'departments', { name: 'Nobody', routing: 'assigned', id_group: await create(pid, 'groups', { name: 'Empty', members: [] }) });
    expect((await http(local.server, 'PUT', `/projects/${pid}`, { token, body: { activeOperatingHours: true, operatingHours: JSON.stringify({ 1: [] }) } })).status).toBe(200);
    expect((await post(pid, { first_text: 'hi' })).status).toBe(500);
    const routed = await post(pid, { first_text: 'hi', departmentid: id });
    expect([routed.status, (routed.json as Json).participants]).toEqual([200, []]);
  });

  it("a group member the agents query cannot cast fails routing (500), a number too; null matches no one", async () => {
    const pid = await newProject('Group members');
    const owner = local.server.owner.userId;
    const numbered = await create(pid, 'departments', { name: 'Number', routing: 'assigned', id_group: await create(pid, 'groups', { name: 'N', members: [owner, 5] }) });
    expect((await post(pid, { first_text: 'hi', departmentid: numbered })).json).toEqual({ success: false, message: 'Unable to create request', err: {} });
    const nulled = await create(pid, 'departments', { name: 'Null', routing: 'assigned', id_group: await create(pid, 'groups', { name: 'Z', members: [owner, null] }) });
    const routed = await post(pid, { first_text: 'hi', departmentid: nulled });
    expect([routed.status, (routed.json as Json).participants]).toEqual([200, [owner]]);
  });
});
