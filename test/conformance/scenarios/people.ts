import { addMember, createRequest, newRequestId, ownerWithProject, projectUserIdOf, signInGuest, signUp, unknownObjectId } from '../harness/flows.js';
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
];
