/**
 * Lead segments (`/<pid>/segments`) beyond the conformance scenarios `segments.*`: how a segment's filters select
 * leads by attributes, tags and numbers, and that a segment is found only in its own project.
 */
import { describe, expect, it } from 'vitest';
import { fileServer, http, type Json } from './helpers.js';

const local = fileServer();

async function leadIdsIn(segment: Json): Promise<string[]> {
  const token = local.server.owner.token;
  const created = (await http(local.server, 'POST', `/${local.P}/segments`, { token, body: { name: 'S', filters: [segment] } })).json as Json;
  const answer = await http(local.server, 'GET', `/${local.P}/leads?segment=${created._id}&sort=fullname&direction=1`, { token });
  expect(answer.status).toBe(200);
  return ((answer.json as Json).leads as Json[]).map((lead) => lead.fullname);
}

describe('segments', () => {
  it('filter leads by attributes, tags and numbers, with the operators the dashboard offers', async () => {
    const token = local.server.owner.token;
    const lead = async (fullname: string, attributes: Json, tags: string[]) => {
      const created = (await http(local.server, 'POST', `/${local.P}/leads`, { token, body: { lead_id: fullname, fullname, attributes } })).json as Json;
      if (tags.length > 0) await http(local.server, 'PUT', `/${local.P}/leads/${created._id}/tag`, { token, body: tags });
    };
    await lead('Ann', { plan: 'pro', seats: 10 }, ['vip']);
    await lead('Bob', { plan: 'free', seats: 1 }, []);
    await lead('Cy', { seats: 5 }, ['vip', 'late']);
    expect(await leadIdsIn({ field: 'attributes.plan', operator: '=', value: 'pro' })).toEqual(['Ann']);
    expect(await leadIdsIn({ field: 'attributes.seats', operator: '>=', value: 5 })).toEqual(['Ann', 'Cy']);
    expect(await leadIdsIn({ field: 'attributes.seats', operator: '>', value: '5' })).toEqual([]);
    expect(await leadIdsIn({ field: 'attributes.plan', operator: 'is null', value: true })).toEqual(['Cy']);
    expect(await leadIdsIn({ field: 'tags', operator: '=', value: 'vip' })).toEqual(['Ann', 'Cy']);
    expect(await leadIdsIn({ field: 'tags', operator: '!=', value: 'late' })).toEqual(['Ann', 'Bob']);
    expect(await leadIdsIn({ field: 'fullname', operator: 'contains', value: '^(A|B)' })).toEqual(['Ann', 'Bob']);
  });

  it('a segment is used only by its own project, and read by id from any', async () => {
    const token = local.server.owner.token;
    const other = (await http(local.server, 'POST', '/projects', { token, body: { name: 'Other' } })).json as Json;
    const segment = (await http(local.server, 'POST', `/${other._id}/segments`, { token, body: { name: 'Theirs' } })).json as Json;
    expect(segment.id_project).toBe(other._id);
    expect((await http(local.server, 'GET', `/${local.P}/leads?segment=${segment._id}`, { token })).status).toBe(404);
    expect((await http(local.server, 'GET', `/${other._id}/leads?segment=${segment._id}`, { token })).status).toBe(200);
    expect(((await http(local.server, 'GET', `/${local.P}/segments/${segment._id}`, { token })).json as Json).name).toBe('Theirs');
    expect(((await http(local.server, 'GET', `/${local.P}/segments`, { token })).json as Json).segments.map((s: Json) => s.name)).not.toContain('Theirs');
  });
});
