import { addMember, createProject, createRequest, newRequestId, ownerWithProject, projectUserIdOf, signInGuest, signUp, unknownObjectId, type Member } from '../harness/flows.js';
import { type Json, sortedByJson } from '../harness/normalize.js';
import { scenario } from '../harness/scenario.js';

export const peopleScenarios = [
  scenario('leads.list-get', 'leads: list shape, paging, filters, get by id, 404', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    await ctx.call('no leads yet', { method: 'GET', path: `/${project.id}/leads`, auth });
    await createRequest(ctx, project, project.owner, 'rid1', { senderFullname: 'Lena Lead', email: 'lena@example.com' });
    const guest = await signInGuest(ctx, project, 'guest', { firstname: 'Gil', email: 'gil@example.com' });
    await ctx.setup('guest starts a conversation', {
      method: 'POST',
      path: `/${project.id}/requests/${newRequestId(ctx, project, 'rid2')}/messages`,
      auth: { jwt: guest.token },
      json: { text: 'hello' },
    });
    const list = await ctx.call('two leads', { method: 'GET', path: `/${project.id}/leads`, auth });
    const leads = (list.json as { leads?: Array<{ _id: string; lead_id: string }> } | undefined)?.leads ?? [];
    for (const lead of leads) ctx.alias(lead._id, lead.lead_id === guest.id ? 'guestLead.id' : 'ownerLead.id');
    await ctx.call('limit=1', { method: 'GET', path: `/${project.id}/leads?limit=1`, auth });
    await ctx.call('limit=1&page=1', { method: 'GET', path: `/${project.id}/leads?limit=1&page=1`, auth });
    await ctx.call('email filter', { method: 'GET', path: `/${project.id}/leads?email=gil@example.com`, auth });
    await ctx.call('sort by fullname ascending', { method: 'GET', path: `/${project.id}/leads?sort=fullname&direction=1`, auth });
    await ctx.call('get the guest lead', {
      method: 'GET',
      path: `/${project.id}/leads/${leads.find((l) => l.lead_id === guest.id)?._id ?? 'missing'}`,
      auth,
    });
    await ctx.call('get an unknown lead', { method: 'GET', path: `/${project.id}/leads/${unknownObjectId(ctx, 'unknownLead')}`, auth });
  }),

  scenario('leads.filters', 'leads: with_email, with_fullname, status, direction', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    await createRequest(ctx, project, project.owner, 'rid1');
    const anonymous = await signInGuest(ctx, project, 'anonymous');
    await ctx.setup('an anonymous guest starts a conversation', {
      method: 'POST',
      path: `/${project.id}/requests/${newRequestId(ctx, project, 'rid2')}/messages`,
      auth: { jwt: anonymous.token },
      json: { text: 'no name, no e-mail' },
    });
    // No sort by a mixed-case string field: the real server under test runs on CongoDB, which compares strings with
    // localeCompare, while MongoDB compares bytes ("guest#…" vs "Olive …" order differs). See docs/conformance.md.
    for (const query of ['?with_email=true', '?with_fullname=true', '?status=1000', '?status=100', '?direction=1']) {
      const response = await ctx.send({ method: 'GET', path: `/${project.id}/leads${query}`, auth });
      const body = response.json as { perPage?: unknown; count?: unknown; leads?: Array<{ lead_id?: string; fullname?: string; email?: string }> };
      ctx.record(`leads${query}`, {
        status: response.status,
        perPage: body?.perPage,
        count: body?.count,
        leads: body?.leads?.map(({ lead_id, fullname, email }) => ({ lead_id, fullname, email })),
      });
    }
  }),

  scenario('leads.full-text', 'leads ?full_text=: MongoDB $text tokens (e-mails, hyphens, apostrophes, accents, case), any word, -negation, "phrases", CSV', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const P = project.id;
    const people: Array<[string, string]> = [
      ['Ada Lovelace', 'ada.lovelace@example.com'],
      ['Jean-Luc Picard', 'jl.picard@starfleet.org'],
      ["Seán O'Brien", 'sean.obrien@example.com'],
      ['Émile Zola', 'emile@zola.fr'],
      ['María José García', 'mj_garcia+support@mail.es'],
      ['ZOE ADA', 'zoe@other.io'],
    ];
    for (const [index, [fullname, email]] of people.entries()) {
      await ctx.setup(`create lead ${index + 1}`, { method: 'POST', path: `/${P}/leads`, auth, json: { lead_id: `lead-${index + 1}`, fullname, email } });
    }
    const searches = [
      'ada.lovelace@example.com', 'example.com', 'Ada', 'lov', 'jean', 'Jean-Luc', '"jean luc"', '"Jean-Luc"', "o'brien", 'obrien',
      'BRIEN', 'emile', 'ÉMILE', 'Zolá', 'garcia', 'mj_garcia', 'garcia+support', 'support', 'example -sean', '-sean example',
      '- sean', 'picard,zola', 'ada -ada', '"lovelace ada"', '"ada lovelace" zola', 'fr', '12',
      '-"ada lovelace"-"jean-luc" zola picard ada', 'ada -"zoe ada"', 'ada - "zoe ada"',
    ];
    for (const search of searches) {
      const response = await ctx.send({ method: 'GET', path: `/${P}/leads?full_text=${encodeURIComponent(search)}`, auth });
      const body = response.json as { count?: unknown; leads?: Array<{ fullname?: string }> };
      ctx.record(`full_text=${search}`, { status: response.status, count: body?.count, leads: body?.leads?.map((lead) => lead.fullname ?? null) });
    }
    const csv = await ctx.send({ method: 'GET', path: `/${P}/leads/csv?full_text=example`, auth });
    const rows = csv.text.split('\r\n').slice(1).filter(Boolean).map((row) => row.split(';').find((cell) => cell.includes('@')) ?? row);
    ctx.record('csv full_text=example (e-mail column)', { status: csv.status, rows });
  }),

  scenario('project-users.search', 'project users: search by e-mail', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    await ctx.call('search an existing member', {
      method: 'GET',
      path: `/${project.id}/project_users/users/search?email=${encodeURIComponent(project.owner.email)}`,
      auth,
    });
    await ctx.call('search an unknown e-mail', {
      method: 'GET',
      path: `/${project.id}/project_users/users/search?email=nobody@example.com`,
      auth,
    });
  }),

  scenario('project-users.search-rules', 'project users: search is exact (case-sensitive), teammates only, user+ role', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const outsider = await signUp(ctx, 'outsider');
    const guest = await signInGuest(ctx, project, 'guest');
    const search = (query: string) => `/${project.id}/project_users/users/search${query}`;
    const email = (address: string) => `?email=${encodeURIComponent(address)}`;
    const upperCase = agent.email.toUpperCase();
    ctx.alias(encodeURIComponent(upperCase), 'agent.emailUpperCase');
    await ctx.call('a member found by an agent', { method: 'GET', path: search(email(project.owner.email)), auth: { jwt: agent.token } });
    await ctx.call('the e-mail in upper case', { method: 'GET', path: search(email(upperCase)), auth });
    await ctx.call('a user who is not a member', { method: 'GET', path: search(email(outsider.email)), auth });
    await ctx.call('no email parameter', { method: 'GET', path: search(''), auth });
    await ctx.call('an empty email parameter', { method: 'GET', path: search('?email='), auth });
    await ctx.call('a repeated email parameter ($in)', {
      method: 'GET',
      path: search(`${email('nobody@example.com')}&email=${encodeURIComponent(agent.email)}`),
      auth,
    });
    await ctx.call('a guest caller', { method: 'GET', path: search(email(project.owner.email)), auth: { jwt: guest.token } });
    await ctx.call('a caller from outside the project', { method: 'GET', path: search(email(project.owner.email)), auth: { jwt: outsider.token } });
  }),

  scenario('project-users.read', 'project users: list, me, by id, by user id, update self, 404s', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    await projectUserIdOf(ctx, project, project.owner);
    const agent = await addMember(ctx, project, 'agent', 'agent');
    await signInGuest(ctx, project, 'guest');
    await ctx.call('list (agents only, guests excluded)', {
      method: 'GET',
      path: `/${project.id}/project_users`,
      auth,
      sort: (body) => (Array.isArray(body) ? [...body].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) : body),
    });
    await ctx.call('list filtered by role', { method: 'GET', path: `/${project.id}/project_users?role=agent`, auth });
    await ctx.call('me', { method: 'GET', path: `/${project.id}/project_users/me`, auth });
    await ctx.call('by project_user id', { method: 'GET', path: `/${project.id}/project_users/${agent.projectUserId}`, auth });
    await ctx.call('by user id', { method: 'GET', path: `/${project.id}/project_users/users/${project.owner.userId}`, auth });
    await ctx.call('unknown project_user id', {
      method: 'GET',
      path: `/${project.id}/project_users/${unknownObjectId(ctx, 'unknownPu')}`,
      auth,
    });
    await ctx.call('unknown user id', {
      method: 'GET',
      path: `/${project.id}/project_users/users/${unknownObjectId(ctx, 'unknownUser')}`,
      auth,
    });
    await ctx.call('update self: unavailable', {
      method: 'PUT',
      path: `/${project.id}/project_users`,
      auth,
      json: { user_available: false, profileStatus: 'busy' },
    });
    await ctx.call('me after the update', { method: 'GET', path: `/${project.id}/project_users/me`, auth });
    await ctx.call('the agent reads its own record', {
      method: 'GET',
      path: `/${project.id}/project_users/me`,
      auth: { jwt: agent.token },
    });
  }),

  scenario('leads.list-odd-queries', 'leads list: limit/page/status/sort odd values, with_email over email, tags, operators, segments', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    for (const body of [{ fullname: 'anna', email: 'anna@example.com' }, { fullname: 'bob' }, { email: 'c@example.com' }, { lead_id: 'custom-id', fullname: 'dora' }]) {
      await ctx.setup('create a lead', { method: 'POST', path: `/${project.id}/leads`, auth, json: body });
    }
    const queries = [
      '?limit=1', '?limit=0', '?limit=-1', '?limit=abc', '?limit=0x2', '?limit=1000', '?page=-1', '?page=abc', '?page=99', '?with_email=false',
      '?with_fullname=0', '?status=abc', '?status=1000', '?status=', '?tags=none', '?email=ANNA@example.com', '?email=anna@example.com&with_email=true',
      '?direction=asc', '?direction=sideways', '?sort=email&direction=1', '?sort=unknown', '?segment=x', '?segment=0123456789abcdef01234567',
      '?email[$ne]=x', '?email[$regex]=^ann', '?email[foo]=x', '?status[$gte]=100', '?lead_id=custom-id',
    ];
    for (const query of queries) {
      const response = await ctx.send({ method: 'GET', path: `/${project.id}/leads${query}`, auth, timeoutMs: 2_000 });
      const body = response.json as { perPage?: unknown; count?: unknown; leads?: Array<Record<string, unknown>> } | undefined;
      ctx.record(`leads${query}`, {
        status: response.status === 0 ? 'no response' : response.status,
        body: body?.leads ? { perPage: body.perPage, count: body.count, leads: body.leads.map(({ fullname, email, lead_id }) => ({ fullname, email, lead_id })) } : (response.json ?? null),
      });
    }
  }),

  scenario('leads.mutations', 'leads: update (cast all or nothing, upsert of unknown ids), tags, attributes, delete, physical delete', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const created = await ctx.call('create', { method: 'POST', path: `/${project.id}/leads`, auth, json: { fullname: 'Anna', email: 'anna@example.com' } });
    const id = (created.json as { _id: string })._id;
    ctx.alias(id, 'lead.id');
    const base = `/${project.id}/leads`;
    const steps: Array<[string, 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string, unknown?, string?]> = [
      ['update several fields', 'PUT', `${base}/${id}`, { fullname: 'Anna B', company: 'ACME', phone: '+39 333 1234', city: 'Rome', status: 50, tags: 'single' }],
      ['update with an object name (nothing changes)', 'PUT', `${base}/${id}`, { fullname: { a: 1 }, company: 'Other' }],
      ['update with a bad status', 'PUT', `${base}/${id}`, { status: 'abc' }],
      ['update an unknown id (upsert)', 'PUT', `${base}/${unknownObjectId(ctx, 'upserted')}`, { fullname: 'x' }],
      ['read the upserted lead', 'GET', `${base}/${unknownObjectId(ctx, 'upserted')}`],
      ['update a bad id', 'PUT', `${base}/bad`, { fullname: 'x' }],
      ['add tags', 'PUT', `${base}/${id}/tag`, ['t1', 't2', 't1']],
      ['add tags again', 'PUT', `${base}/${id}/tag`, ['t2', 't3']],
      ['add no tags', 'PUT', `${base}/${id}/tag`, []],
      ['add tags to an unknown lead', 'PUT', `${base}/${unknownObjectId(ctx, 'unknownLead')}/tag`, ['t']],
      ['remove a tag', 'DELETE', `${base}/${id}/tag/t1`],
      ['remove a tag of an unknown lead', 'DELETE', `${base}/${unknownObjectId(ctx, 'unknownLead2')}/tag/t1`],
      ['merge attributes', 'PATCH', `${base}/${id}/attributes`, { a: 1, b: { c: 2 } }],
      ['attributes of an unknown lead', 'PATCH', `${base}/${unknownObjectId(ctx, 'unknownLead3')}/attributes`, { a: 1 }],
      ['delete (status 1000)', 'DELETE', `${base}/${id}`],
      ['delete an unknown id (upsert)', 'DELETE', `${base}/${unknownObjectId(ctx, 'upserted2')}`],
      ['list deleted leads', 'GET', `${base}?status=1000`],
      ['physical delete by an agent', 'DELETE', `${base}/${id}/physical`, undefined, agent.token],
      ['physical delete', 'DELETE', `${base}/${id}/physical`],
      ['physical delete again', 'DELETE', `${base}/${id}/physical`],
      ['read it', 'GET', `${base}/${id}`],
    ];
    for (const [step, method, path, json, token] of steps) await ctx.call(step, { method, path, auth: token ? { jwt: token } : auth, json, timeoutMs: 2_000 });
  }),

  scenario('project-users.filters', 'project users list: role (raw $in), status, presence, trashed, operators; self-update casts', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    await addMember(ctx, project, 'agent', 'agent');
    await addMember(ctx, project, 'admin', 'admin');
    await signInGuest(ctx, project, 'guest');
    const sorted = (body: Json) => (Array.isArray(body) ? sortedByJson(body) : body);
    const queries = [
      '?role=agent', '?role=admin,agent', '?role=agent&role=admin', '?role=guest', '?role=', '?role=nobody', '?role[$ne]=owner', '?status=active',
      '?status=disabled', '?status[$ne]=x', '?trashed=true', '?presencestatus=online', '?presencestatus=offline',
    ];
    for (const query of queries) await ctx.call(`list${query}`, { method: 'GET', path: `/${project.id}/project_users${query}`, auth, sort: sorted });
    const updates: unknown[] = [
      { user_available: 'false' }, { user_available: 'maybe' }, { max_assigned_chat: 'abc', profileStatus: 'not applied' }, { max_assigned_chat: '5' },
      { attributes: { a: 1 } }, { tags: 'x' }, { tags: [{ tag: 'vip' }] }, { role: 'guest' }, { profileStatus: { a: 1 } },
    ];
    for (const [index, body] of updates.entries()) await ctx.call(`update self #${index}`, { method: 'PUT', path: `/${project.id}/project_users`, auth, json: body });
    await ctx.call('me after the updates', { method: 'GET', path: `/${project.id}/project_users/me`, auth });
  }),

  scenario('project-users.admin', 'team management: update a member, disable, trash and restore, hard delete, pending invitations', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const P = project.id;
    const trashed = await addMember(ctx, project, 'trashed', 'agent');
    const removed = await addMember(ctx, project, 'removed', 'agent');
    const disabled = await addMember(ctx, project, 'disabled', 'supervisor');
    const sorted = (body: Json) => (Array.isArray(body) ? sortedByJson(body) : body);
    const steps: Array<[string, 'GET' | 'POST' | 'PUT' | 'DELETE', string, unknown?, string?]> = [
      ['restore a member who is not trashed', 'PUT', `/${P}/project_users/${trashed.projectUserId}/restore`],
      ['trash (soft delete)', 'DELETE', `/${P}/project_users/${trashed.projectUserId}?soft=true`],
      ['list', 'GET', `/${P}/project_users`],
      ['list with trashed', 'GET', `/${P}/project_users?trashed=true`],
      ['the trashed member reads requests', 'GET', `/${P}/requests`, undefined, trashed.token],
      ['restore', 'PUT', `/${P}/project_users/${trashed.projectUserId}/restore`],
      ['restore an unknown id', 'PUT', `/${P}/project_users/${unknownObjectId(ctx, 'unknownPu')}/restore`],
      ['hard delete', 'DELETE', `/${P}/project_users/${removed.projectUserId}?hard=true`],
      ['hard delete again', 'DELETE', `/${P}/project_users/${removed.projectUserId}?hard=true`],
      ['the removed member reads requests', 'GET', `/${P}/requests`, undefined, removed.token],
      ['disable', 'DELETE', `/${P}/project_users/${disabled.projectUserId}`],
      ['the disabled member reads me', 'GET', `/${P}/project_users/me`, undefined, disabled.token],
      ['enable again with PUT', 'PUT', `/${P}/project_users/${disabled.projectUserId}`, { status: 'active', user_available: true }],
      ['PUT an unknown status (ignored), a role and a limit', 'PUT', `/${P}/project_users/${disabled.projectUserId}`, { status: 'weird', role: 'agent', max_assigned_chat: 3 }],
      ['an agent cannot update members', 'PUT', `/${P}/project_users/${disabled.projectUserId}`, { role: 'owner' }, trashed.token],
      ['an agent cannot delete members', 'DELETE', `/${P}/project_users/${disabled.projectUserId}`, undefined, trashed.token],
      ['delete an unknown id', 'DELETE', `/${P}/project_users/${unknownObjectId(ctx, 'unknownPu2')}`],
      ['trash a bad id', 'DELETE', `/${P}/project_users/bad?soft=true`],
      ['invite an unknown e-mail without a role', 'POST', `/${P}/project_users/invite`, { email: 'pending@example.com' }],
      ['invite it with a role', 'POST', `/${P}/project_users/invite`, { email: 'pending@example.com', role: 'agent' }],
      ['invite it again (mixed case)', 'POST', `/${P}/project_users/invite`, { email: 'Pending@Example.com', role: 'admin' }],
      ['invite with a numeric e-mail', 'POST', `/${P}/project_users/invite`, { email: 5, role: 'agent' }],
      ['invite the hard-deleted member again', 'POST', `/${P}/project_users/invite`, { email: removed.email, role: 'agent' }],
      ['create a guest project user with tags', 'POST', `/${P}/project_users`, { tags: [{ tag: 'vip' }] }],
      ['create one with a tag without a name', 'POST', `/${P}/project_users`, { tags: [{ color: 'red' }] }],
    ];
    for (const [step, method, path, json, token] of steps) await ctx.call(step, { method, path, auth: token ? { jwt: token } : auth, json, sort: sorted });
  }),

  scenario('people.misc', 'anonymous and custom sign-in without what they need, presence, leads created twice, reads as an agent', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const agent = await addMember(ctx, project, 'agent', 'agent');
    await ctx.call('anonymous sign-in without a project', { method: 'POST', path: '/auth/signinAnonymously', json: {} });
    await ctx.call('anonymous sign-in to an unknown project', { method: 'POST', path: '/auth/signinAnonymously', json: { id_project: unknownObjectId(ctx, 'otherProject') } });
    await ctx.call('custom-token sign-in without a token', { method: 'POST', path: '/auth/signinWithCustomToken', json: {} });
    await ctx.call('custom-token sign-in with garbage', { method: 'POST', path: '/auth/signinWithCustomToken', auth: { jwt: 'abc.def.ghi' } });
    await ctx.call('project_users/me as the agent', { method: 'GET', path: `/${project.id}/project_users/me`, auth: { jwt: agent.token } });
    await ctx.call('the agent goes unavailable', { method: 'PUT', path: `/${project.id}/project_users/`, auth: { jwt: agent.token }, json: { user_available: false, profileStatus: 'busy' } });
    await ctx.call('project users ?presence=online', { method: 'GET', path: `/${project.id}/project_users?presence=online`, auth });
    await ctx.call('project user by user id, as the agent', { method: 'GET', path: `/${project.id}/project_users/users/${agent.userId}`, auth: { jwt: agent.token } });
    await ctx.call('project user by an unknown user id', { method: 'GET', path: `/${project.id}/project_users/users/${unknownObjectId(ctx, 'otherUser')}`, auth });
    await ctx.call('create a lead', { method: 'POST', path: `/${project.id}/leads`, auth, json: { lead_id: 'ext-1', fullname: 'Ext One', email: 'EXT@Example.com', attributes: { a: 1 } } });
    await ctx.call('create it again', { method: 'POST', path: `/${project.id}/leads`, auth, json: { lead_id: 'ext-1', fullname: 'Ext Two' } });
    await ctx.call('leads ?sort=fullname&direction=1', { method: 'GET', path: `/${project.id}/leads?sort=fullname&direction=1`, auth });
    await ctx.call('leads as the agent', { method: 'GET', path: `/${project.id}/leads`, auth: { jwt: agent.token } });
    await ctx.call('leads ?email= lower-cased', { method: 'GET', path: `/${project.id}/leads?email=ext@example.com`, auth });
    await ctx.call('the project as the agent', { method: 'GET', path: `/projects/${project.id}`, auth: { jwt: agent.token } });
    await ctx.call('projects as the agent', { method: 'GET', path: '/projects', auth: { jwt: agent.token } });
  }),

  scenario('project-users.reinvite', 'inviting a member whose membership is disabled or trashed: a second membership; lists, me, by user id, the projects list, restoring the old one', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const P = project.id;
    const sorted = (body: Json) => (Array.isArray(body) ? sortedByJson(body) : body);
    const invite = async (step: string, member: Member, role: string, alias: string) => {
      const response = await ctx.call(step, { method: 'POST', path: `/${P}/project_users/invite`, auth, json: { email: member.email, role } });
      ctx.alias((response.json as { _id?: string } | undefined)?._id, alias);
    };
    // Disabled: DELETE without ?soft/?hard sets status "disabled"; the invite only looks for an active membership.
    const disabled = await addMember(ctx, project, 'disabled', 'agent');
    await ctx.setup('disable the member', { method: 'DELETE', path: `/${P}/project_users/${disabled.projectUserId}`, auth });
    await invite('invite the disabled member as admin', disabled, 'admin', 'disabled.puId2');
    await ctx.call('list: both memberships', { method: 'GET', path: `/${P}/project_users`, auth, sort: sorted });
    await ctx.call('list ?status=active', { method: 'GET', path: `/${P}/project_users?status=active`, auth, sort: sorted });
    await ctx.call('by user id: the first membership', { method: 'GET', path: `/${P}/project_users/users/${disabled.userId}`, auth });
    await ctx.call('me as the re-invited member', { method: 'GET', path: `/${P}/project_users/me`, auth: { jwt: disabled.token } });
    const signin = await ctx.call('the re-invited member signs in', { method: 'POST', path: '/auth/signin', json: { email: disabled.email, password: disabled.password } });
    const fresh = (signin.json as { token?: string } | undefined)?.token ?? disabled.token;
    await ctx.call('projects of the re-invited member', { method: 'GET', path: '/projects', auth: { jwt: fresh } });
    await invite('invite the member again: already a member', disabled, 'agent', 'disabled.puId3');
    // Trashed: DELETE ?soft=true sets trashed (and, by a model hook, status "disabled").
    const trashed = await addMember(ctx, project, 'trashed', 'agent');
    await ctx.setup('trash the member', { method: 'DELETE', path: `/${P}/project_users/${trashed.projectUserId}?soft=true`, auth });
    await invite('invite the trashed member', trashed, 'supervisor', 'trashed.puId2');
    await ctx.call('list without trashed', { method: 'GET', path: `/${P}/project_users`, auth, sort: sorted });
    await ctx.call('list ?trashed=true', { method: 'GET', path: `/${P}/project_users?trashed=true`, auth, sort: sorted });
    await ctx.call('restore the trashed membership: two active memberships', { method: 'PUT', path: `/${P}/project_users/${trashed.projectUserId}/restore`, auth });
    await ctx.call('me: the first active membership', { method: 'GET', path: `/${P}/project_users/me`, auth: { jwt: trashed.token } });
    await ctx.call('projects: the project twice', { method: 'GET', path: '/projects', auth: { jwt: trashed.token } });
    await invite('invite again with two active memberships: already a member', trashed, 'agent', 'trashed.puId3');
    // Trashed but active again (PUT status): the invite finds it and, as it is trashed, adds another membership.
    const revived = await addMember(ctx, project, 'revived', 'agent');
    await ctx.setup('trash it', { method: 'DELETE', path: `/${P}/project_users/${revived.projectUserId}?soft=true`, auth });
    await ctx.setup('make it active again with PUT', { method: 'PUT', path: `/${P}/project_users/${revived.projectUserId}`, auth, json: { status: 'active' } });
    await invite('invite the trashed but active member', revived, 'agent', 'revived.puId2');
    await ctx.call('me: the trashed but active membership comes first', { method: 'GET', path: `/${P}/project_users/me`, auth: { jwt: revived.token } });
    await ctx.call('final list ?trashed=true', { method: 'GET', path: `/${P}/project_users?trashed=true`, auth, sort: sorted });
  }),

  scenario('leads.shared-lead-id', 'two leads with one lead_id: list, get, e-mail search; a request and a conversation from that lead_id get the first one, which a different e-mail updates', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const P = project.id;
    const guest = await signInGuest(ctx, project, 'guest', { firstname: 'Gil', email: 'gil@example.com' });
    const first = await ctx.call('create a lead with the guest id', { method: 'POST', path: `/${P}/leads`, auth, json: { lead_id: guest.id, fullname: 'First Lead', email: 'first@example.com' } });
    const firstId = (first.json as { _id?: string } | undefined)?._id ?? 'missing';
    ctx.alias(firstId, 'lead1');
    const second = await ctx.call('create another with the same lead_id', { method: 'POST', path: `/${P}/leads`, auth, json: { lead_id: guest.id, fullname: 'Second Lead', email: 'second@example.com' } });
    const secondId = (second.json as { _id?: string } | undefined)?._id ?? 'missing';
    ctx.alias(secondId, 'lead2');
    await ctx.call('list: both', { method: 'GET', path: `/${P}/leads`, auth });
    await ctx.call('get the first', { method: 'GET', path: `/${P}/leads/${firstId}`, auth });
    await ctx.call('get the second', { method: 'GET', path: `/${P}/leads/${secondId}`, auth });
    await ctx.call('?email= of the second', { method: 'GET', path: `/${P}/leads?email=second@example.com`, auth });
    const created = await ctx.call('a request with the guest as sender', { method: 'POST', path: `/${P}/requests`, auth, json: { sender: guest.id, first_text: 'from the shared lead_id' } });
    const rid1 = (created.json as { request_id?: string } | undefined)?.request_id ?? 'missing';
    ctx.alias(rid1, 'rid1');
    await ctx.call('get the request', { method: 'GET', path: `/${P}/requests/${rid1}`, auth });
    const rid2 = newRequestId(ctx, project, 'rid2');
    await ctx.call('the guest starts a conversation (its e-mail differs)', {
      method: 'POST',
      path: `/${P}/requests/${rid2}/messages`,
      auth: { jwt: guest.token },
      json: { text: 'hello' },
    });
    await ctx.call('get the conversation', { method: 'GET', path: `/${P}/requests/${rid2}`, auth });
    await ctx.call('list after the update', { method: 'GET', path: `/${P}/leads`, auth });
    await ctx.call('the request again', { method: 'GET', path: `/${P}/requests/${rid1}`, auth });
  }),

  scenario('leads.lead-id-across-projects', "a lead_id in two projects: a different e-mail updates the oldest lead with that lead_id in any project, and the conversation gets that project's lead", async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const other = await createProject(ctx, project.owner, 'Other Project');
    ctx.alias(other.id, 'pid2');
    const guest = await signInGuest(ctx, project, 'guest', { firstname: 'Gil', email: 'gil@example.com' });
    const elsewhere = await ctx.call('a lead with the guest id in the other project', { method: 'POST', path: `/${other.id}/leads`, auth, json: { lead_id: guest.id, fullname: 'Elsewhere', email: 'elsewhere@example.com' } });
    ctx.alias((elsewhere.json as { _id?: string } | undefined)?._id, 'otherLead');
    const here = await ctx.call('one in this project', { method: 'POST', path: `/${project.id}/leads`, auth, json: { lead_id: guest.id, fullname: 'Here', email: 'here@example.com' } });
    ctx.alias((here.json as { _id?: string } | undefined)?._id, 'lead1');
    const rid = newRequestId(ctx, project, 'rid1');
    await ctx.call('the guest starts a conversation', { method: 'POST', path: `/${project.id}/requests/${rid}/messages`, auth: { jwt: guest.token }, json: { text: 'hello' } });
    await ctx.call('get the conversation', { method: 'GET', path: `/${project.id}/requests/${rid}`, auth });
    await ctx.call("this project's leads", { method: 'GET', path: `/${project.id}/leads`, auth });
    await ctx.call("the other project's leads", { method: 'GET', path: `/${other.id}/leads`, auth });
  }),
];
