/**
 * Groups of agents (`/<pid>/groups`) beyond the conformance scenario `groups.crud`: the case-insensitive
 * enable/disable routes, `?member=` with several values or none, enabling a group a department uses, and what
 * `?force=` needs to remove a group for good.
 */
import { describe, expect, it } from 'vitest';
import { fileServer, http, type Json } from './helpers.js';

const local = fileServer();

async function newProject(name: string): Promise<string> {
  return ((await http(local.server, 'POST', '/projects', { token: local.server.owner.token, body: { name } })).json as Json)._id;
}

async function newGroup(pid: string, name: string, members: unknown[]): Promise<string> {
  const created = await http(local.server, 'POST', `/${pid}/groups`, { token: local.server.owner.token, body: { name, members } });
  expect(created.status).toBe(200);
  return (created.json as Json)._id;
}

const listNames = async (path: string) => ((await http(local.server, 'GET', path, { token: local.server.owner.token })).json as Json[]).map((g) => g.name);

describe('groups', () => {
  it('matches /enable and /disable case-insensitively, like every Express route', async () => {
    const pid = await newProject('Group case');
    const token = local.server.owner.token;
    const id = await newGroup(pid, 'Support', []);
    const disabled = await http(local.server, 'PUT', `/${pid}/groups/DISABLE/${id}`, { token });
    expect([disabled.status, (disabled.json as Json).enabled]).toEqual([200, false]);
    const enabled = await http(local.server, 'PUT', `/${pid}/groups/Enable/${id}`, { token });
    expect([enabled.status, (enabled.json as Json).enabled]).toEqual([200, true]);
  });

  it('?member= given twice lists the groups having either member; an empty ?member= lists every group', async () => {
    const pid = await newProject('Group members');
    await newGroup(pid, 'A', ['5f00000000000000000000a1']);
    await newGroup(pid, 'B', ['5f00000000000000000000b2']);
    await newGroup(pid, 'C', []);
    expect(await listNames(`/${pid}/groups?member=5f00000000000000000000a1&member=5f00000000000000000000b2`)).toEqual(['A', 'B']);
    expect(await listNames(`/${pid}/groups?member=`)).toEqual(['A', 'B', 'C']);
  });

  it('enables a group a department uses (only disabling and deleting it are refused)', async () => {
    const pid = await newProject('Group in use');
    const token = local.server.owner.token;
    const id = await newGroup(pid, 'Routed', []);
    expect((await http(local.server, 'POST', `/${pid}/departments`, { token, body: { name: 'Uses it', id_group: id } })).status).toBe(200);
    const enabled = await http(local.server, 'PUT', `/${pid}/groups/enable/${id}`, { token });
    expect([enabled.status, (enabled.json as Json).enabled]).toEqual([200, true]);
    expect((await http(local.server, 'PUT', `/${pid}/groups/disable/${id}`, { token })).status).toBe(403);
  });

  it('removes a group only for ?force=true exactly: ?force=1 trashes it like a plain DELETE', async () => {
    const pid = await newProject('Group force');
    const token = local.server.owner.token;
    const id = await newGroup(pid, 'Soft', []);
    const soft = await http(local.server, 'DELETE', `/${pid}/groups/${id}?force=1`, { token });
    expect(soft.json).toEqual({ success: true, message: 'Group successfully deleted' });
    const kept = (await http(local.server, 'GET', `/${pid}/groups/${id}`, { token })).json as Json;
    expect([kept.trashed, kept.enabled]).toEqual([true, false]);
  });
});
