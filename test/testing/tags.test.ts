/**
 * The project tag library (`/<pid>/tags`) beyond the conformance scenario `tags.crud`: paging over more than one page,
 * names unique per project only, and names freed by a rename or a delete.
 */
import { describe, expect, it } from 'vitest';
import { fileServer, http, type Json } from './helpers.js';

const local = fileServer();

const tagNames = async (path: string) => ((await http(local.server, 'GET', path, { token: local.server.owner.token })).json as Json[]).map((t) => t.tag);

describe('tag library', () => {
  it('lists 40 a page; a page that is not a number lists from the start', async () => {
    const server = local.server;
    const project = (await http(server, 'POST', '/projects', { token: server.owner.token, body: { name: 'Paging' } })).json as Json;
    for (let i = 0; i < 41; i++) {
      const created = await http(server, 'POST', `/${project._id}/tags`, { token: server.owner.token, body: { tag: `t${i}` } });
      expect(created.status).toBe(200);
    }
    const first = await tagNames(`/${project._id}/tags?sort=tag&direction=asc`);
    expect(first).toHaveLength(40);
    expect(await tagNames(`/${project._id}/tags?page=1&sort=tag&direction=asc`)).toEqual(['t9']);
    expect(await tagNames(`/${project._id}/tags?page=abc&sort=tag&direction=asc`)).toEqual(first);
    expect(await tagNames(`/${project._id}/tags?page=1&limit=100`)).toHaveLength(1);
  });

  it('names are unique per project: the same name elsewhere is a new tag, and a renamed or deleted name is free again', async () => {
    const server = local.server;
    const token = server.owner.token;
    const other = (await http(server, 'POST', '/projects', { token, body: { name: 'Other' } })).json as Json;
    const mine = (await http(server, 'POST', `/${local.P}/tags`, { token, body: { tag: 'shared', color: 'red' } })).json as Json;
    const theirs = (await http(server, 'POST', `/${other._id}/tags`, { token, body: { tag: 'shared', color: 'blue' } })).json as Json;
    expect(theirs._id).not.toBe(mine._id);
    expect([theirs.color, theirs.id_project]).toEqual(['blue', other._id]);

    expect((await http(server, 'PUT', `/${local.P}/tags/${mine._id}`, { token, body: { tag: 'renamed' } })).status).toBe(200);
    const again = (await http(server, 'POST', `/${local.P}/tags`, { token, body: { tag: 'shared' } })).json as Json;
    expect(again._id).not.toBe(mine._id);
    expect((await http(server, 'PUT', `/${local.P}/tags/${mine._id}`, { token, body: { tag: 'shared' } })).status).toBe(500);

    expect(((await http(server, 'DELETE', `/${local.P}/tags/${again._id}`, { token })).json as Json).n).toBe(1);
    expect((await http(server, 'PUT', `/${local.P}/tags/${mine._id}`, { token, body: { tag: 'shared' } })).status).toBe(200);
    expect(await tagNames(`/${other._id}/tags`)).toEqual(['shared']);
  });

  it('Basic credentials work like a token; the creator is the caller', async () => {
    const server = local.server;
    const basic = `Basic ${Buffer.from(`${server.agent.email}:${server.agent.password}`).toString('base64')}`;
    const created = await http(server, 'POST', `/${local.P}/tags`, { token: basic, body: { tag: 'from-basic' } });
    expect([created.status, (created.json as Json).createdBy]).toEqual([200, server.agent.userId]);
  });
});
