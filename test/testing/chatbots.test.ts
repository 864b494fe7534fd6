/**
 * Chatbots (`/<pid>/faq_kb`, `/<pid>/bots`) beyond the conformance scenario `chatbots.crud`: the identity bot of every
 * project, slug numbering, the slug's unique index on update, trashing, the text search and the agent's view.
 */
import { describe, expect, it } from 'vitest';
import { fileServer, http, type Json } from './helpers.js';

const local = fileServer();

const create = async (projectId: string, body: Json) => http(local.server, 'POST', `/${projectId}/faq_kb`, { token: local.server.owner.token, body });
const list = async (path: string, token = local.server.owner.token) => (await http(local.server, 'GET', path, { token })).json as Json[];

describe('chatbots', () => {
  it('the seeded project and every new one have an identity bot "Bot", listed only with all=true', async () => {
    const token = local.server.owner.token;
    const seeded = await list(`/${local.P}/faq_kb?all=true`);
    expect(seeded.map((b) => [b.name, b.type, b.slug, b.createdBy, b.id_project])).toEqual([['Bot', 'identity', 'bot', 'system', local.P]]);
    const project = (await http(local.server, 'POST', '/projects', { token, body: { name: 'New' } })).json as Json;
    expect((await list(`/${project._id}/faq_kb?all=true`)).map((b) => b.description)).toEqual(['An identity bot']);
    expect(await list(`/${project._id}/faq_kb`)).toEqual([]);
  });

  it('slugs: generated from the name, numbered after the highest taken, a given slug kept as written', async () => {
    const project = (await http(local.server, 'POST', '/projects', { token: local.server.owner.token, body: { name: 'Slugs' } })).json as Json;
    const slug = async (body: Json) => ((await create(project._id, body)).json as Json).slug;
    expect(await slug({ name: 'Support Bot' })).toBe('support-bot');
    expect(await slug({ name: 'Support Bot' })).toBe('support-bot-1');
    expect(await slug({ name: 'x', slug: 'support-bot-7' })).toBe('support-bot-7');
    expect(await slug({ name: 'Support   bot' })).toBe('support-bot-8');
    expect(await slug({ name: 'x', slug: 'My Slug' })).toBe('My Slug');
    expect(await slug({ name: 'Énorme_Bot!' })).toBe('enorme-bot');
    // The real hook builds a regular expression from the slug: one that is no valid pattern fails the save.
    expect((await create(project._id, { name: 'x', slug: 'a(b' })).status).toBe(500);
  });

  it('PUT to a slug the project has: 500 naming the slug (the unique index)', async () => {
    const first = (await create(local.P, { name: 'Taken' })).json as Json;
    const second = (await create(local.P, { name: 'Free' })).json as Json;
    const answer = await http(local.server, 'PUT', `/${local.P}/faq_kb/${second._id}`, { token: local.server.owner.token, body: { slug: first.slug } });
    expect([answer.status, answer.json]).toEqual([500, { success: false, msg: 'Error updating object.', error: 'Slug already exists: taken', error_code: 12001 }]);
  });

  it('trashing takes trashed: true as a boolean: the string "true" trashes without renaming the slug', async () => {
    const token = local.server.owner.token;
    const bot = (await create(local.P, { name: 'Stringly' })).json as Json;
    const trashed = (await http(local.server, 'PUT', `/${local.P}/faq_kb/${bot._id}`, { token, body: { trashed: 'true' } })).json as Json;
    expect([trashed.trashed, trashed.slug, trashed.trashedAt]).toEqual([true, 'stringly', undefined]);
    expect((await list(`/${local.P}/faq_kb`)).map((b) => b._id)).not.toContain(bot._id);
    // Its slug is still taken: a new bot of that name is numbered.
    expect(((await create(local.P, { name: 'Stringly' })).json as Json).slug).toBe('stringly-1');
  });

  it('text= matches whole words of the name, description and tags, case-insensitively', async () => {
    const token = local.server.owner.token;
    const project = (await http(local.server, 'POST', '/projects', { token, body: { name: 'Search' } })).json as Json;
    await create(project._id, { name: 'Billing helper' });
    await create(project._id, { name: 'Other', description: 'Answers BILLING questions' });
    const tagged = (await create(project._id, { name: 'Third' })).json as Json;
    await http(local.server, 'PUT', `/${project._id}/faq_kb/${tagged._id}`, { token, body: { tags: ['billing'] } });
    await create(project._id, { name: 'Bill' });
    expect((await list(`/${project._id}/faq_kb?text=billing`)).map((b) => b.name)).toEqual(['Billing helper', 'Other', 'Third']);
  });

  it('an agent lists the bots made available to agents, without their url, attributes or creator', async () => {
    const token = local.server.owner.token;
    const bot = (await create(local.P, { name: 'For agents', type: 'external', url: 'http://bot.example.com', attributes: { k: 1 } })).json as Json;
    expect((await list(`/${local.P}/faq_kb`, local.server.agent.token)).map((b) => b._id)).not.toContain(bot._id);
    await http(local.server, 'PUT', `/${local.P}/faq_kb/${bot._id}`, { token, body: { agents_available: true } });
    const seen = (await list(`/${local.P}/faq_kb`, local.server.agent.token)).find((b) => b._id === bot._id);
    expect(seen).toMatchObject({ name: 'For agents', type: 'external', agents_available: true });
    for (const hidden of ['url', 'attributes', 'createdBy', 'createdAt', 'secret', 'webhook_enabled']) expect(seen).not.toHaveProperty(hidden);
  });
});
