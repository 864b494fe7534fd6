import { addMember, createDepartment, createProject, newRequestId, ownerWithProject, PASSWORD, projectUserIdOf, signInGuest, signUp, unknownObjectId } from '../harness/flows.js';
import { scenario } from '../harness/scenario.js';

/*
 * What the chat widget and the dashboards load besides conversations: whether the project is open, its available
 * agents, the groups of agents, and the cross-project list of projects.
 *
 * Operating hours depend on the clock. The scenarios that set them pick, when they run, a fixed-offset zone
 * (`Etc/GMT±N`) where it is now between 12:00 and 12:59, or UTC ranges around the current hour, so that "open"
 * and "closed" never depend on when the suite runs.
 */

/** A zone where it is now 12:xx, and that zone's week day (0 = Sunday). */
function zoneAtNoon(): { tzname: string; today: number } {
  const offset = 12 - new Date().getUTCHours();
  const tzname = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  return { tzname, today: new Date(Date.now() + offset * 3_600_000).getUTCDay() };
}

/** `operatingHours` as the dashboard stores it: a JSON string of `{tzname, <day 0-6>: [{start, end}]}`. */
function hours(tzname: unknown, days: Record<string, unknown>): string {
  return JSON.stringify({ tzname, ...days });
}

const everyDay = (value: unknown, keys = ['0', '1', '2', '3', '4', '5', '6']) => Object.fromEntries(keys.map((day) => [day, value]));

const pad = (n: number) => String(n).padStart(2, '0');

export const widgetScenarios = [
  scenario('projects.isopen', 'GET /projects/:id/isopen: no credentials needed, a new project is open, bad and unknown ids, ?timeSlot= without slots', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const path = `/projects/${project.id}/isopen`;
    await ctx.call('a new project without credentials: open', { method: 'GET', path });
    await ctx.call('with the owner token: the same', { method: 'GET', path, auth: { jwt: project.owner.token } });
    await ctx.call('with a bad token: not checked', { method: 'GET', path, auth: { header: 'JWT abc' } });
    await ctx.call('upper-case id and path', { method: 'GET', path: `/projects/${project.id.toUpperCase()}/ISOPEN` });
    await ctx.call('a trailing slash', { method: 'GET', path: `${path}/` });
    await ctx.call('an id that is not an ObjectId: 500 errorCode 1000', { method: 'GET', path: '/projects/bad/isopen' });
    await ctx.call('an unknown project: 500 errorCode 1010', { method: 'GET', path: `/projects/${unknownObjectId(ctx, 'unknownPid')}/isopen` });
    await ctx.call('?timeSlot= on a project without time slots: open', { method: 'GET', path: `${path}?timeSlot=abc` });
    await ctx.call('?timeSlot= with a bad id: errorCode 1000 as error', { method: 'GET', path: '/projects/bad/isopen?timeSlot=abc' });
    await ctx.call('?timeSlot= with an unknown project: errorCode 1010', { method: 'GET', path: `/projects/${unknownObjectId(ctx, 'unknownPid2')}/isopen?timeSlot=abc` });
    await ctx.call('POST: no such route, the project mount reads "projects" as a project id', { method: 'POST', path, json: {} });
    await ctx.setup('delete the project', { method: 'DELETE', path: `/projects/${project.id}`, auth: { jwt: project.owner.token } });
    await ctx.call('a deleted project: errorCode 1010', { method: 'GET', path });
  }),

  scenario('projects.operating-hours', 'isopen with operating hours: active without hours (no answer), errors, days and ranges, lax HH:mm, a lapsed plan, time slots; availables when closed', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const path = `/projects/${project.id}/isopen`;
    const set = (what: string, json: Record<string, unknown>) => ctx.setup(what, { method: 'PUT', path: `/projects/${project.id}`, auth: owner, json });
    await projectUserIdOf(ctx, project, project.owner);
    const { tzname, today } = zoneAtNoon();
    await set('activate operating hours, none set', { activeOperatingHours: true });
    await ctx.call('active without operatingHours: never answered', { method: 'GET', path, timeoutMs: 2_000 });
    await set('operatingHours ""', { operatingHours: '' });
    await ctx.call('empty operatingHours: errorCode 1020', { method: 'GET', path });
    await set('operatingHours that is not JSON', { operatingHours: 'abc' });
    await ctx.call('operatingHours that is not JSON: never answered', { method: 'GET', path, timeoutMs: 2_000 });
    await set('operatingHours without tzname', { operatingHours: hours(undefined, everyDay([{ start: '00:00', end: '23:59' }])) });
    await ctx.call('no tzname: errorCode 2000', { method: 'GET', path });
    await set('a number as tzname', { operatingHours: hours(5, {}) });
    await ctx.call('a tzname that is not a string: errorCode 3000, moment-timezone message', { method: 'GET', path });
    await set('open all day, every day', { operatingHours: hours(tzname, everyDay([{ start: '00:00', end: '23:59' }])) });
    await ctx.call('open now', { method: 'GET', path });
    await ctx.call('availables: every available agent', { method: 'GET', path: `/projects/${project.id}/users/availables` });
    await set('open only three days from today', { operatingHours: hours(tzname, { [String((today + 3) % 7)]: [{ start: '00:00', end: '23:59' }] }) });
    await ctx.call('closed today', { method: 'GET', path });
    await set('open from midnight to one, every day', { operatingHours: hours(tzname, everyDay([{ start: '00:00', end: '01:00' }])) });
    await ctx.call('closed at this hour', { method: 'GET', path });
    await ctx.call('availables while closed: []', { method: 'GET', path: `/projects/${project.id}/users/availables` });
    await ctx.call('availables with raw=true while closed: the agents', { method: 'GET', path: `/projects/${project.id}/users/availables?raw=true` });
    await ctx.call('availables with raw=false: raw is any value', { method: 'GET', path: `/projects/${project.id}/users/availables?raw=false` });
    await set('a second range covers now', { operatingHours: hours(tzname, everyDay([{ start: '00:00', end: '01:00' }, { start: '11:00', end: '14:00' }])) });
    await ctx.call('any range counts', { method: 'GET', path });
    await set('lax times: "9" and "24:00"', { operatingHours: hours(tzname, everyDay([{ start: '9', end: '24:00' }])) });
    await ctx.call('"9" is 09:00, "24:00" the next midnight', { method: 'GET', path });
    await set('an end past 24:00', { operatingHours: hours(tzname, everyDay([{ start: '00:00', end: '25:00' }])) });
    await ctx.call('an invalid end: closed', { method: 'GET', path });
    await set('a day that is not a list', { operatingHours: hours(tzname, everyDay('x')) });
    await ctx.call('a day that is not a list: errorCode 3000', { method: 'GET', path });
    await set('a null day', { operatingHours: hours(tzname, everyDay(null)) });
    await ctx.call('a null day: errorCode 3000', { method: 'GET', path });
    await set('a null range', { operatingHours: hours(tzname, everyDay([null])) });
    await ctx.call('a null range: errorCode 3000', { method: 'GET', path });
    await set('operating hours off again, hours kept', { activeOperatingHours: false });
    await ctx.call('not active: open whatever the hours', { method: 'GET', path });

    // Time slots (`?timeSlot=<key of project.timeSlots>`): the zone's ISO week day (1-7), ranges [start, end).
    const hour = new Date().getUTCHours();
    const slotHours = (start: string, end: string) => JSON.stringify({ tzname: 'UTC', ...everyDay([{ start, end }], ['1', '2', '3', '4', '5', '6', '7']) });
    const openHours = slotHours(`${pad(Math.max(0, hour - 1))}:00`, hour >= 22 ? '24:00' : `${pad(hour + 2)}:00`);
    const closedHours = hour < 12 ? slotHours('20:00', '21:00') : slotHours('02:00', '03:00');
    await set('time slots', {
      timeSlots: { now: { active: true, hours: openHours }, later: { active: true, hours: closedHours }, off: { active: false, hours: closedHours }, none: { active: true } },
    });
    await ctx.call('a slot open now', { method: 'GET', path: `${path}?timeSlot=now` });
    await ctx.call('a slot closed now', { method: 'GET', path: `${path}?timeSlot=later` });
    await ctx.call('an inactive slot: open', { method: 'GET', path: `${path}?timeSlot=off` });
    await ctx.call('a slot without hours: errorCode 1020', { method: 'GET', path: `${path}?timeSlot=none` });
    await ctx.call('an unknown slot: errorCode 1030', { method: 'GET', path: `${path}?timeSlot=missing` });
    await ctx.call('an empty timeSlot: the project hours', { method: 'GET', path: `${path}?timeSlot=` });

    // A paid plan whose subscription lapsed is always open, also with hours that close it.
    await set('hours on again, closed now', { activeOperatingHours: true, operatingHours: hours(tzname, everyDay([{ start: '00:00', end: '01:00' }])) });
    await ctx.setup('the owner marks itself isSuperadmin', { method: 'PUT', path: '/users', auth: owner, json: { attributes: { isSuperadmin: true } } });
    await set('a paid plan that ended in 2020', { profile: { name: 'Pro', type: 'payment', subEnd: '2020-01-01T00:00:00.000Z' } });
    await ctx.call('a lapsed subscription: always open', { method: 'GET', path });
    await ctx.call('a lapsed subscription: a closed slot is open too', { method: 'GET', path: `${path}?timeSlot=later` });
  }),

  scenario('projects.users-availables', 'GET /projects/:id/users/availables: available team members, raw, department and group filters, the chat limit, bad and unknown ids', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const away = await addMember(ctx, project, 'away', 'agent');
    const trashed = await addMember(ctx, project, 'trashed', 'admin');
    await signInGuest(ctx, project);
    const path = `/projects/${project.id}/users/availables`;
    await ctx.setup('away becomes unavailable', { method: 'PUT', path: `/${project.id}/project_users/${away.projectUserId}`, auth: owner, json: { user_available: false } });
    await ctx.setup('trashed is soft-deleted (stays available)', { method: 'DELETE', path: `/${project.id}/project_users/${trashed.projectUserId}?soft=true`, auth: owner });
    await ctx.call('no credentials: the available team members, guests never', { method: 'GET', path });
    await ctx.call('raw=1: the same', { method: 'GET', path: `${path}?raw=1` });
    await ctx.call('an id that is not an ObjectId: the operating hours error', { method: 'GET', path: '/projects/bad/users/availables' });
    await ctx.call('an id that is not an ObjectId with raw: the query CastError as text', { method: 'GET', path: '/projects/bad/users/availables?raw=1' });
    const unknown = unknownObjectId(ctx, 'unknownPid');
    await ctx.call('an unknown project: the operating hours error', { method: 'GET', path: `/projects/${unknown}/users/availables` });
    await ctx.call('an unknown project with raw: []', { method: 'GET', path: `/projects/${unknown}/users/availables?raw=1` });

    const group = async (name: string, members: unknown[], label: string) => {
      const response = await ctx.setup(`group ${name}`, { method: 'POST', path: `/${project.id}/groups`, auth: owner, json: { name, members } });
      const id = (response.json as { _id: string })._id;
      ctx.alias(id, label);
      return id;
    };
    const agents = await group('Agents', [agent.userId], 'agentsGroup');
    const disabled = await group('Disabled', [project.owner.userId], 'disabledGroup');
    const badMember = await group('Bad member', ['x'], 'badMemberGroup');
    await ctx.setup('disable a group', { method: 'PUT', path: `/${project.id}/groups/disable/${disabled}`, auth: owner });
    const department = (label: string, body: Record<string, unknown>) => createDepartment(ctx, project, label, body);
    const byDepartment = (step: string, id: string) => ctx.call(step, { method: 'GET', path: `${path}?department=${id}` });
    await byDepartment('a department without groups: everyone', await department('plainDept', {}));
    await byDepartment('id_group: its members', await department('groupDept', { id_group: agents }));
    await byDepartment('id_group disabled: 403', await department('disabledDept', { id_group: disabled }));
    const missingGroup = unknownObjectId(ctx, 'missingGroup');
    await byDepartment('id_group unknown: 404', await department('missingDept', { id_group: missingGroup }));
    await byDepartment('id_group that is not an ObjectId: 500 with the CastError', await department('badGroupDept', { id_group: 'notanid' }));
    await ctx.call('id_group with a member that is not an ObjectId: never answered', { method: 'GET', path: `${path}?department=${await department('badMemberDept', { id_group: badMember })}`, timeoutMs: 2_000 });
    await byDepartment('groups: the members of the enabled ones', await department('groupsDept', { groups: [{ group_id: agents, percentage: 50 }, { group_id: disabled, percentage: 50 }] }));
    await byDepartment('groups all disabled: 403', await department('allDisabledDept', { groups: [{ group_id: disabled, percentage: 100 }] }));
    await byDepartment('groups none found: 404', await department('noGroupsDept', { groups: [{ group_id: missingGroup, percentage: 100 }] }));
    await byDepartment('groups with a member that is not an ObjectId: 500 with the query CastError', await department('badMembersDept', { groups: [{ group_id: badMember, percentage: 100 }] }));
    await ctx.call('a department id that is not an ObjectId: 500 with the CastError', { method: 'GET', path: `${path}?department=bad` });
    await ctx.call('an unknown department: 404', { method: 'GET', path: `${path}?department=${unknownObjectId(ctx, 'unknownDept')}` });
    await ctx.call('an empty department: no filter', { method: 'GET', path: `${path}?department=` });
    const other = await createProject(ctx, project.owner, 'Other Project');
    ctx.alias(other.id, 'otherPid');
    const otherDefault = await ctx.setup('the other project default department', { method: 'GET', path: `/${other.id}/departments/default` });
    const otherDept = (otherDefault.json as { _id: string })._id;
    ctx.alias(otherDept, 'otherDefaultDept');
    await byDepartment("another project's department: found by id alone", otherDept);

    // The chat limit: `settings.chat_limit_on` with `max_agent_assigned_chat`, a member's own `max_assigned_chat`.
    const ownerPu = await projectUserIdOf(ctx, project, project.owner);
    await ctx.setup('the owner may take 5 chats', { method: 'PUT', path: `/${project.id}/project_users/${ownerPu}`, auth: owner, json: { max_assigned_chat: 5 } });
    await ctx.setup('chat limit on, at most -1 chats', { method: 'PUT', path: `/projects/${project.id}`, auth: owner, json: { settings: { chat_limit_on: true, max_agent_assigned_chat: -1 } } });
    await ctx.call('chat limit: only members below their limit', { method: 'GET', path });
    await ctx.setup('chat limit on, max 0', { method: 'PUT', path: `/projects/${project.id}`, auth: owner, json: { settings: { chat_limit_on: true, max_agent_assigned_chat: 0 } } });
    await ctx.call('chat limit with max 0: no limit', { method: 'GET', path });
  }),

  scenario('projects.all', 'GET /projects/all: only a token whose email claim equals ADMIN_EMAIL (unset: a token without email), every project newest first', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const second = await createProject(ctx, project.owner, 'Second Project');
    ctx.alias(second.id, 'secondPid');
    const guest = await signInGuest(ctx, project);
    await ctx.call('no credentials: 401', { method: 'GET', path: '/projects/all' });
    await ctx.call('a user token with an email: 403', { method: 'GET', path: '/projects/all', auth: owner });
    await ctx.call('Basic credentials: 500 (the route verifies the second word as a JWT)', { method: 'GET', path: '/projects/all', auth: { basic: [project.owner.email, PASSWORD] } });
    await ctx.setup('delete the second project', { method: 'DELETE', path: `/projects/${second.id}`, auth: owner });
    const list = await ctx.send({ method: 'GET', path: '/projects/all', auth: { jwt: guest.token } });
    const entries = Array.isArray(list.json) ? (list.json as Array<Record<string, unknown>>) : [];
    ctx.record('a guest token (no email): status and content-type', { status: list.status, contentType: list.headers['content-type'] ?? null });
    ctx.record("this scenario's projects, deleted ones too, newest first", entries.filter((p) => p._id === project.id || p._id === second.id));
    ctx.record('every entry has the same keys or fewer', [...new Set(entries.flatMap((p) => Object.keys(p)))].sort());
    ctx.record('sorted by createdAt descending', entries.every((p, i) => i === 0 || String(entries[i - 1]!.createdAt) >= String(p.createdAt)));
    const other = await signUp(ctx, 'other');
    await ctx.call("a user of no project: 403 as well", { method: 'GET', path: '/projects/all', auth: { jwt: other.token } });
    await ctx.call('projects/ALL: the route is case-insensitive', { method: 'GET', path: '/projects/ALL', auth: owner });
  }),

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
    const department = (label: string, body: Record<string, unknown>) => createDepartment(ctx, project, label, body);
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

  scenario('departments.hours-routing', 'routing under operating hours: no agent is available while closed (a bot still is), an hours error fails creating and rerouting', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const department = (label: string, body: Record<string, unknown>) => createDepartment(ctx, project, label, body);
    const assigned = await department('assignedDept', { routing: 'assigned' });
    const bot = await department('botDept', { id_bot: '5f0000000000000000000abc' });
    const set = (what: string, json: Record<string, unknown>) => ctx.setup(what, { method: 'PUT', path: `/projects/${project.id}`, auth: owner, json });
    let n = 0;
    const create = async (step: string, departmentid?: string, timeoutMs?: number) => {
      const response = await ctx.call(step, { method: 'POST', path: `/${project.id}/requests`, auth: owner, json: { first_text: step, departmentid }, timeoutMs });
      ctx.alias((response.json as { request_id?: string } | undefined)?.request_id, `rid${++n}`);
      return response;
    };
    const { tzname } = zoneAtNoon();
    await set('closed now', { activeOperatingHours: true, operatingHours: hours(tzname, everyDay([{ start: '00:00', end: '01:00' }])) });
    const closed = await create('closed: an assigned department leaves it unassigned', assigned);
    await create('closed: a bot department still gives it to the bot', bot);
    await set('hours without tzname', { operatingHours: hours(undefined, {}) });
    await create('an hours error: 500', assigned);
    await create('an hours error with a bot department: 500', bot);
    await create('an hours error, default department: 500');
    await ctx.call('rerouting during an hours error: 500', { method: 'PUT', path: `/${project.id}/requests/${(closed.json as { request_id: string }).request_id}/departments`, auth: owner, json: { departmentid: assigned } });
    await set('open all day', { operatingHours: hours(tzname, everyDay([{ start: '00:00', end: '23:59' }])) });
    await create('open: assigned to the owner', assigned);
  }),

  scenario('departments.preflight-reroute', "a preflight conversation (status 50) gets its lead's first real message: conciergeBot reroutes it in its department (a bot, no bot, a group, hours closed); the request, its messages and the frames", async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const groupResponse = await ctx.setup('group of the agent', { method: 'POST', path: `/${project.id}/groups`, auth: owner, json: { name: 'Agents', members: [agent.userId] } });
    const group = (groupResponse.json as { _id: string })._id;
    ctx.alias(group, 'agentsGroup');
    const department = (label: string, body: Record<string, unknown>) => createDepartment(ctx, project, label, body);
    const bot = await department('botDept', { id_bot: '5f0000000000000000000abc' });
    const grouped = await department('groupDept', { id_group: group, routing: 'assigned' });
    // The round robin falls back to a random available agent when no earlier conversation was assigned to a human.
    await ctx.setup('an earlier conversation assigned to the agent', { method: 'POST', path: `/${project.id}/requests`, auth: owner, json: { first_text: 'earlier', participants: [agent.userId] } });
    const socket = await ctx.open(project.owner.token);
    const conversation = async (label: string, departmentid: string | undefined) => {
      const rid = newRequestId(ctx, project, label);
      const path = `/${project.id}/requests/${rid}`;
      await ctx.call(`${label}: the preflight conversation, status 50`, { method: 'POST', path: `${path}/messages`, auth: owner, json: { text: 'typing...', preflight: true, request_status: 50, departmentid } });
      // The message's CREATE is published after the answer: subscribing at once could race it.
      await socket.settle(500);
      socket.send({ action: 'subscribe', payload: { topic: path } });
      socket.send({ action: 'subscribe', payload: { topic: `${path}/messages` } });
      await socket.waitFor(() => socket.framesOn(path).length >= 1 && socket.framesOn(`${path}/messages`).length >= 1, 4_000);
      await socket.settle(1_200);
      ctx.frames(`${label}: the snapshots`, socket);
      await ctx.call(`${label}: the lead's first real message`, { method: 'POST', path: `${path}/messages`, auth: owner, json: { text: 'a real question' } });
      // Both servers send one UPDATE of the conversation and at least one CREATE on its messages (the snapshot frames
      // before them make two of each). Waiting for a third frame on the conversation ran out the whole 4 s every
      // time; the silence window after the awaited frames still records any extra one.
      await socket.waitFor(() => socket.framesOn(path).length >= 2 && socket.framesOn(`${path}/messages`).length >= 2, 4_000);
      await socket.settle(1_200);
      const updates = socket.framesOn(path).map((frame) => (frame.data as { payload?: { method?: string; message?: { updatedAt?: string } } }).payload).filter((payload) => payload?.method === 'UPDATE');
      ctx.frames(`${label}: the frames`, socket);
      const read = await ctx.call(`${label}: the conversation afterwards`, { method: 'GET', path, auth: owner });
      const stored = (read.json as { updatedAt?: string }).updatedAt;
      const framed = updates.at(-1)?.message?.updatedAt;
      // The lead's status update moves its conversations' updatedAt too: which write is the last one.
      ctx.record(`${label}: updatedAt read back against the last UPDATE frame`, { order: stored === undefined || framed === undefined ? 'missing' : stored === framed ? 'same' : stored > framed ? 'later' : 'earlier' });
      await ctx.call(`${label}: its messages`, { method: 'GET', path: `${path}/messages`, auth: owner });
    };
    await conversation('botRid', bot);
    await conversation('defaultRid', undefined);
    await conversation('groupRid', grouped);
    const { tzname } = zoneAtNoon();
    await ctx.setup('closed now', { method: 'PUT', path: `/projects/${project.id}`, auth: owner, json: { activeOperatingHours: true, operatingHours: hours(tzname, everyDay([{ start: '00:00', end: '01:00' }])) } });
    await conversation('closedRid', undefined);
    socket.close();
  }),

  scenario('labels.project', "project labels (/<pid>/labels): none for a new project, reads without credentials, save languages (admin+), the default one, fallbacks, delete; not the package's built-in defaults", async (ctx) => {
    const project = await ownerWithProject(ctx);
    const P = project.id;
    const auth = { jwt: project.owner.token };
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const labels = `/${P}/labels`;
    await ctx.call('a new project: {} without credentials', { method: 'GET', path: labels });
    await ctx.call('the same with the owner token', { method: 'GET', path: `${labels}/`, auth });
    await ctx.call('a bad project id', { method: 'GET', path: '/bad/labels' });
    await ctx.call('an unknown project', { method: 'GET', path: `/${unknownObjectId(ctx, 'unknownPid')}/labels` });
    await ctx.call('delete a language of a project without labels: 404', { method: 'DELETE', path: `${labels}/IT`, auth });
    await ctx.call('make a language default without labels: 404', { method: 'PATCH', path: `${labels}/IT/default`, auth });
    await ctx.call('save without credentials: 401', { method: 'POST', path: labels, json: { lang: 'IT', data: { a: 'b' } } });
    await ctx.call('save as an agent: 403', { method: 'POST', path: labels, auth: { jwt: agent.token }, json: { lang: 'IT', data: { a: 'b' } } });
    await ctx.call('save without a lang: 500', { method: 'POST', path: labels, auth, json: { data: { a: 'b' } } });
    await ctx.call('save without data: 500', { method: 'POST', path: labels, auth, json: { lang: 'IT' } });
    await ctx.call('save IT: the first language is made default, answered by GET /IT', { method: 'POST', path: labels, auth, json: { lang: 'IT', data: { greeting: 'Ciao' }, default: false } });
    await ctx.call('all labels', { method: 'GET', path: labels });
    await ctx.call('save FR, not default', { method: 'POST', path: labels, auth, json: { lang: 'FR', data: { greeting: 'Salut' } } });
    await ctx.call('replace FR as the default', { method: 'POST', path: labels, auth, json: { lang: 'FR', data: { greeting: 'Bonjour' }, default: true } });
    await ctx.call('save EN', { method: 'POST', path: labels, auth, json: { lang: 'EN', data: { greeting: 'Hello' } } });
    await ctx.call('all labels after three languages', { method: 'GET', path: labels });
    await ctx.call('the project id in upper case: another id_project, no labels', { method: 'GET', path: `/${P.toUpperCase()}/labels` });
    await ctx.call('GET /IT', { method: 'GET', path: `${labels}/IT` });
    await ctx.call('GET /it (another lang: the default)', { method: 'GET', path: `${labels}/it` });
    await ctx.call('GET /DE: the default language', { method: 'GET', path: `${labels}/DE` });
    await ctx.call('make IT the default, answered by GET /IT', { method: 'PATCH', path: `${labels}/IT/default`, auth });
    await ctx.call('make an unknown lang the default: no default left, GET /XX answers EN', { method: 'PATCH', path: `${labels}/XX/default`, auth });
    await ctx.call('GET /DE without a default: the stored EN', { method: 'GET', path: `${labels}/DE` });
    await ctx.call('make FR the default again', { method: 'PATCH', path: `${labels}/FR/default`, auth });
    await ctx.call('delete the default language: 400', { method: 'DELETE', path: `${labels}/FR`, auth });
    // Not recorded: deleting a language that is not the default. Mongoose saves it as a `$pull` by `_id`, which the
    // in-memory database the real server runs on here ignores (MongoDB removes it); test/testing/labels.test.ts pins it.
    await ctx.call('delete an unknown language: 404', { method: 'DELETE', path: `${labels}/ZZ`, auth });
    await ctx.call('delete as an agent: 403', { method: 'DELETE', path: labels, auth: { jwt: agent.token } });
    await ctx.call('an unknown sub-path', { method: 'GET', path: `${labels}/IT/x/y` });
    await ctx.call('delete all labels', { method: 'DELETE', path: labels, auth });
    await ctx.call('after deleting: {} again', { method: 'GET', path: labels });
  }),
];
