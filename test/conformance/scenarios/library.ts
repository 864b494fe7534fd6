import { addMember, createProject, ownerWithProject, signInGuest, unknownObjectId } from '../harness/flows.js';
import { scenario } from '../harness/scenario.js';

/** The project's libraries a dashboard or an SDK user manages beside conversations: tags, chatbots, segments, labels. */
export const libraryScenarios = [
  scenario('tags.crud', 'tag library: create (duplicates answer the existing tag), list paging/sort, get, update (upserts, nulls), delete, roles', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const guest = await signInGuest(ctx, project);
    const base = `/${project.id}/tags`;
    await ctx.call('empty list', { method: 'GET', path: base, auth: owner });
    const vip = await ctx.call('create: tag and color, nothing else of the body', {
      method: 'POST',
      path: base,
      auth: owner,
      json: { tag: 'vip', color: '#43B1F2', attributes: { a: 1 }, id_project: 'other', createdBy: 'me', _id: '5f00000000000000000000ac' },
    });
    const vipId = (vip.json as { _id?: string } | undefined)?._id;
    ctx.alias(vipId, 'vipTag');
    await ctx.call('the same name again: the existing tag, unchanged', { method: 'POST', path: base, auth: owner, json: { tag: 'vip', color: 'red' } });
    const byAgent = await ctx.call('an agent creates one (no color)', { method: 'POST', path: base, auth: { jwt: agent.token }, json: { tag: 'billing' } });
    const billingId = (byAgent.json as { _id?: string } | undefined)?._id;
    ctx.alias(billingId, 'billingTag');
    const cast = await ctx.call('numbers and booleans are stored as strings', { method: 'POST', path: base, auth: owner, json: { tag: 7, color: true } });
    ctx.alias((cast.json as { _id?: string } | undefined)?._id, 'sevenTag');
    await ctx.call('guest: 403', { method: 'POST', path: base, auth: { jwt: guest.token }, json: { tag: 'g' } });
    await ctx.call('no credentials: 401', { method: 'GET', path: base });
    await ctx.call('no tag: 500', { method: 'POST', path: base, auth: owner, json: { color: 'red' } });
    await ctx.call('empty tag: 500', { method: 'POST', path: base, auth: owner, json: { tag: '' } });
    await ctx.call('a tag that does not cast: 500', { method: 'POST', path: base, auth: owner, json: { tag: { a: 1 } } });
    await ctx.call('an array tag: 500', { method: 'POST', path: base, auth: owner, json: { tag: ['x', 'y'] } });
    await ctx.call('list: newest first', { method: 'GET', path: base, auth: { jwt: agent.token } });
    await ctx.call('list sorted by tag ascending', { method: 'GET', path: `${base}?sort=tag&direction=1`, auth: owner });
    await ctx.call('list page 1: empty (40 a page, limit not read)', { method: 'GET', path: `${base}?page=1&limit=1`, auth: owner });
    await ctx.call('list with an invalid direction: 500', { method: 'GET', path: `${base}?direction=abc`, auth: owner });
    await ctx.call('get one', { method: 'GET', path: `${base}/${vipId}`, auth: { jwt: agent.token } });
    await ctx.call('get an unknown id: 404', { method: 'GET', path: `${base}/${unknownObjectId(ctx, 'unknownTag')}`, auth: owner });
    await ctx.call('get an id that is not an ObjectId: 500', { method: 'GET', path: `${base}/bad`, auth: owner });
    await ctx.call('PUT renames; the color left out becomes null', { method: 'PUT', path: `${base}/${vipId}`, auth: owner, json: { tag: 'vip2', extra: 1 } });
    await ctx.call('PUT {}: both become null', { method: 'PUT', path: `${base}/${billingId}`, auth: { jwt: agent.token }, json: {} });
    await ctx.call('PUT to a name the project has: 500', { method: 'PUT', path: `${base}/${vipId}`, auth: owner, json: { tag: '7' } });
    await ctx.call('PUT a tag that does not cast: 500', { method: 'PUT', path: `${base}/${vipId}`, auth: owner, json: { tag: { a: 1 } } });
    await ctx.call('PUT an id that is not an ObjectId: 500', { method: 'PUT', path: `${base}/bad`, auth: owner, json: { tag: 'x' } });
    const unknown = unknownObjectId(ctx, 'upsertedTag');
    await ctx.call('PUT an unknown id: upserted without project', { method: 'PUT', path: `${base}/${unknown}`, auth: owner, json: { tag: 'ups', color: 'c' } });
    await ctx.call('the upserted tag is readable by id', { method: 'GET', path: `${base}/${unknown}`, auth: owner });
    await ctx.call('but in no list', { method: 'GET', path: `${base}?sort=tag&direction=1`, auth: owner });
    const other = await createProject(ctx, project.owner, 'Other Project');
    ctx.alias(other.id, 'otherPid');
    const foreign = await ctx.setup('a tag of the other project', { method: 'POST', path: `/${other.id}/tags`, auth: owner, json: { tag: 'foreign' } });
    const foreignId = (foreign.json as { _id: string })._id;
    ctx.alias(foreignId, 'foreignTag');
    await ctx.call("get the other project's tag through this project", { method: 'GET', path: `${base}/${foreignId}`, auth: owner });
    await ctx.call("PUT the other project's tag through this project", { method: 'PUT', path: `${base}/${foreignId}`, auth: { jwt: agent.token }, json: { tag: 'changed' } });
    await ctx.call("the other project's list", { method: 'GET', path: `/${other.id}/tags`, auth: owner });
    await ctx.call('DELETE (an agent may): the driver result', { method: 'DELETE', path: `${base}/${vipId}`, auth: { jwt: agent.token } });
    await ctx.call('DELETE again: nothing removed', { method: 'DELETE', path: `${base}/${vipId}`, auth: owner });
    await ctx.call('DELETE an id that is not an ObjectId: 500', { method: 'DELETE', path: `${base}/bad`, auth: owner });
    await ctx.call('get the deleted one: 404', { method: 'GET', path: `${base}/${vipId}`, auth: owner });
    await ctx.call('PATCH: no such route (404 after authentication)', { method: 'PATCH', path: `${base}/${billingId}`, auth: owner, json: {} });
    await ctx.call('PATCH without credentials: 401 first', { method: 'PATCH', path: `${base}/${billingId}`, json: {} });
    await ctx.call('the list at the end', { method: 'GET', path: base, auth: owner });
  }),
];
