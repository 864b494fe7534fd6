import { addMember, createProject, ownerWithProject, signInGuest, signUp, unknownObjectId } from '../harness/flows.js';
import { scenario } from '../harness/scenario.js';

/* What the chat widget and the dashboards load besides conversations: the groups of agents. */

export const widgetScenarios = [
  scenario('groups.crud', 'groups: create (casts, forced fields), list (trashed, ?member=), get, update (upserts), enable/disable, delete (soft, force), department guard, roles', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const guest = await signInGuest(ctx, project);
    const stranger = await signUp(ctx, 'stranger');
    const base = `/${project.id}/groups`;
    await ctx.call('a new project: []', { method: 'GET', path: base, auth: owner });
    await ctx.call('no credentials: 401', { method: 'GET', path: base });
    await ctx.call('guest: 403', { method: 'GET', path: base, auth: { jwt: guest.token } });
    await ctx.call('a user of another project: 403', { method: 'GET', path: base, auth: { jwt: stranger.token } });
    const first = await ctx.call('an agent creates one: name and members; trashed, enabled, id_project and the rest forced or dropped', {
      method: 'POST',
      path: base,
      auth: { jwt: agent.token },
      json: { name: 'Support', members: [project.owner.userId, 'x'], trashed: true, enabled: false, id_project: 'other', attributes: { a: 1 }, _id: '5f00000000000000000000ac', createdBy: 'me' },
    });
    const supportId = (first.json as { _id?: string } | undefined)?._id;
    ctx.alias(supportId, 'supportGroup');
    const single = await ctx.call('a single member is wrapped, a number name is a string', { method: 'POST', path: base, auth: owner, json: { name: 7, members: agent.userId } });
    ctx.alias((single.json as { _id?: string } | undefined)?._id, 'sevenGroup');
    const nul = await ctx.call('members null stays null; none is []', { method: 'POST', path: base, auth: owner, json: { name: 'Null', members: null } });
    const nullId = (nul.json as { _id?: string } | undefined)?._id;
    ctx.alias(nullId, 'nullGroup');
    await ctx.call('no name: 500', { method: 'POST', path: base, auth: owner, json: { members: [] } });
    await ctx.call('an empty name: 500', { method: 'POST', path: base, auth: owner, json: { name: '' } });
    await ctx.call('a name that does not cast: 500', { method: 'POST', path: base, auth: owner, json: { name: { a: 1 } } });
    await ctx.call('guest creates: 403', { method: 'POST', path: base, auth: { jwt: guest.token }, json: { name: 'g' } });
    await ctx.call('list in creation order', { method: 'GET', path: base, auth: { jwt: agent.token } });
    await ctx.call('?member=: the groups listing that member', { method: 'GET', path: `${base}?member=${agent.userId}`, auth: owner });
    await ctx.call('?member= nobody has: []', { method: 'GET', path: `${base}?member=nobody`, auth: owner });
    await ctx.call('get one', { method: 'GET', path: `${base}/${supportId}`, auth: owner });
    await ctx.call('get an unknown id: 404', { method: 'GET', path: `${base}/${unknownObjectId(ctx, 'unknownGroup')}`, auth: owner });
    await ctx.call('get an id that is not an ObjectId: 500', { method: 'GET', path: `${base}/bad`, auth: owner });
    await ctx.call('PUT copies name, members, trashed, attributes; not enabled or id_project', {
      method: 'PUT',
      path: `${base}/${supportId}`,
      auth: owner,
      json: { name: 'Support 2', members: [agent.userId], trashed: false, attributes: { b: 2 }, enabled: false, id_project: 'x' },
    });
    await ctx.call('PUT with null name and members: nothing changes', { method: 'PUT', path: `${base}/${supportId}`, auth: owner, json: { name: null, members: null } });
    await ctx.call('PUT a trashed that does not cast: 500', { method: 'PUT', path: `${base}/${supportId}`, auth: owner, json: { trashed: 'abc' } });
    await ctx.call('PUT an id that is not an ObjectId: 500', { method: 'PUT', path: `${base}/bad`, auth: owner, json: { name: 'x' } });
    const upserted = unknownObjectId(ctx, 'upsertedGroup');
    await ctx.call('PUT an unknown id: upserted, no project', { method: 'PUT', path: `${base}/${upserted}`, auth: owner, json: { name: 'Ups' } });
    await ctx.call('the upserted group is read by id', { method: 'GET', path: `${base}/${upserted}`, auth: owner });
    await ctx.call('disable', { method: 'PUT', path: `${base}/disable/${supportId}`, auth: { jwt: agent.token } });
    await ctx.call('a disabled group is still listed', { method: 'GET', path: base, auth: owner });
    await ctx.call('enable', { method: 'PUT', path: `${base}/enable/${supportId}`, auth: owner });
    await ctx.call('enable an id that is not an ObjectId: 500', { method: 'PUT', path: `${base}/enable/bad`, auth: owner });
    await ctx.call('disable an id that is not an ObjectId: 500', { method: 'PUT', path: `${base}/disable/bad`, auth: owner });
    const enabledUnknown = unknownObjectId(ctx, 'enabledUnknown');
    await ctx.call('enable an unknown id: upserted', { method: 'PUT', path: `${base}/enable/${enabledUnknown}`, auth: owner });
    const other = await createProject(ctx, project.owner, 'Other Project');
    ctx.alias(other.id, 'otherPid');
    const foreign = await ctx.setup('a group of the other project', { method: 'POST', path: `/${other.id}/groups`, auth: owner, json: { name: 'Foreign' } });
    const foreignId = (foreign.json as { _id: string })._id;
    ctx.alias(foreignId, 'foreignGroup');
    await ctx.call("the other project's group through this project", { method: 'GET', path: `${base}/${foreignId}`, auth: owner });
    await ctx.call("PUT the other project's group through this project", { method: 'PUT', path: `${base}/${foreignId}`, auth: owner, json: { name: 'Changed' } });
    const department = await ctx.setup('a department routing to the group', { method: 'POST', path: `/${project.id}/departments`, auth: owner, json: { name: 'Grouped', id_group: supportId } });
    ctx.alias((department.json as { _id: string })._id, 'groupedDept');
    await ctx.call('disable a group a department uses: 403', { method: 'PUT', path: `${base}/disable/${supportId}`, auth: owner });
    await ctx.call('delete a group a department uses: 403', { method: 'DELETE', path: `${base}/${supportId}`, auth: owner });
    await ctx.call("the other project's department check: another project's group is not guarded here", { method: 'DELETE', path: `/${other.id}/groups/${supportId}`, auth: owner });
    await ctx.call('the group, deleted through the other project', { method: 'GET', path: `${base}/${supportId}`, auth: owner });
    await ctx.call('DELETE (an agent may): disabled and trashed', { method: 'DELETE', path: `${base}/${nullId}`, auth: { jwt: agent.token } });
    await ctx.call('the trashed groups leave the list', { method: 'GET', path: base, auth: owner });
    await ctx.call('but are read by id', { method: 'GET', path: `${base}/${nullId}`, auth: owner });
    await ctx.call('DELETE an unknown id: the same answer', { method: 'DELETE', path: `${base}/${unknownObjectId(ctx, 'unknownGroup2')}`, auth: owner });
    await ctx.call('DELETE an id that is not an ObjectId: 500', { method: 'DELETE', path: `${base}/bad`, auth: owner });
    await ctx.call('DELETE ?force=true: removed, answered', { method: 'DELETE', path: `${base}/${nullId}?force=true`, auth: owner });
    await ctx.call('DELETE ?force=true again: 200 with an empty body', { method: 'DELETE', path: `${base}/${nullId}?force=true`, auth: owner });
    await ctx.call('DELETE ?force=true an id that is not an ObjectId: 500', { method: 'DELETE', path: `${base}/bad?force=true`, auth: owner });
    await ctx.call('get the removed group: 404', { method: 'GET', path: `${base}/${nullId}`, auth: owner });
    await ctx.call('PATCH: no such route (404 after authentication)', { method: 'PATCH', path: `${base}/${foreignId}`, auth: owner, json: {} });
    await ctx.call('PATCH without credentials: 401 first', { method: 'PATCH', path: `${base}/${foreignId}`, json: {} });
  }),

  scenario('departments.group-routing', "conversations routed to a department's group: assigned to a member, pooled, an empty group, a disabled or bad-member group, rerouting", async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const group = async (label: string, members: unknown[]) => {
      const response = await ctx.setup(`group ${label}`, { method: 'POST', path: `/${project.id}/groups`, auth: owner, json: { name: label, members } });
      const id = (response.json as { _id: string })._id;
      ctx.alias(id, label);
      return id;
    };
    const department = async (label: string, body: Record<string, unknown>) => {
      const response = await ctx.setup(`department ${label}`, { method: 'POST', path: `/${project.id}/departments`, auth: owner, json: { name: label, ...body } });
      const id = (response.json as { _id: string })._id;
      ctx.alias(id, label);
      return id;
    };
    const agents = await group('agentsGroup', [agent.userId]);
    const empty = await group('emptyGroup', []);
    const badMember = await group('badMemberGroup', ['x']);
    const disabled = await group('disabledGroup', [agent.userId]);
    await ctx.setup('disable a group', { method: 'PUT', path: `/${project.id}/groups/disable/${disabled}`, auth: owner });
    let n = 0;
    const create = async (step: string, departmentid: string, timeoutMs?: number) => {
      const response = await ctx.call(step, { method: 'POST', path: `/${project.id}/requests`, auth: owner, json: { first_text: step, departmentid }, timeoutMs });
      ctx.alias((response.json as { request_id?: string } | undefined)?.request_id, `rid${++n}`);
      return response;
    };
    const assignedToGroup = await department('assignedGroupDept', { routing: 'assigned', id_group: agents });
    const first = await create('assigned to the group: its only member, never the owner', assignedToGroup);
    await create('assigned to the group again: the same member', assignedToGroup);
    await create('pooled with a group: unassigned, the group counted as available', await department('pooledGroupDept', { id_group: agents }));
    await create('an empty group: unassigned', await department('emptyGroupDept', { routing: 'assigned', id_group: empty }));
    await create('a member that is not an ObjectId: 500', await department('badMemberDept', { routing: 'assigned', id_group: badMember }));
    await create('a disabled group: never answered', await department('disabledGroupDept', { routing: 'assigned', id_group: disabled }), 2_000);
    const rid = (first.json as { request_id: string }).request_id;
    await ctx.setup('the agent takes a break', { method: 'PUT', path: `/${project.id}/project_users/${agent.projectUserId}`, auth: owner, json: { user_available: false } });
    await ctx.call('rerouting to the group while its member is unavailable: unassigned', { method: 'PUT', path: `/${project.id}/requests/${rid}/departments`, auth: owner, json: { departmentid: assignedToGroup } });
  }),
];
