import { addMember, createProject, createRequest, newRequestId, ownerWithProject, signInGuest, unknownObjectId } from '../harness/flows.js';
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

  scenario('chatbots.crud', 'chatbots (faq_kb): the identity bot, create (slugs, casts, forced fields), list per role and filters, get, update, trash, delete', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const admin = await addMember(ctx, project, 'admin', 'admin');
    const guest = await signInGuest(ctx, project);
    ctx.alias(`localhost:${new URL(ctx.target.url).port}`, 'localhost:port');
    const base = `/${project.id}/faq_kb`;
    await ctx.call('list: the identity bot is hidden', { method: 'GET', path: base, auth: owner });
    const all = await ctx.call('list all=true: the identity bot "Bot"', { method: 'GET', path: `${base}?all=true`, auth: owner });
    ctx.alias((all.json as Array<{ _id?: string }> | undefined)?.[0]?._id, 'identityBot');
    const first = await ctx.call('create with a name: defaults, the secret, a slug', { method: 'POST', path: base, auth: owner, json: { name: 'My Bot' } });
    const botId = (first.json as { _id?: string } | undefined)?._id;
    ctx.alias(botId, 'myBot');
    const second = await ctx.call('the same name again: the next slug', { method: 'POST', path: base, auth: { jwt: admin.token }, json: { name: 'My Bot' } });
    ctx.alias((second.json as { _id?: string } | undefined)?._id, 'myBot1');
    const named = await ctx.call('"Bot": the identity bot has its slug', { method: 'POST', path: base, auth: owner, json: { name: 'Bot' } });
    ctx.alias((named.json as { _id?: string } | undefined)?._id, 'botBot');
    const full = await ctx.call('every field: casts; public, certified, trashed forced, tags and agents_available not taken', {
      method: 'POST',
      path: base,
      auth: owner,
      json: {
        name: '  Ça va? Très_bien!! ',
        type: 'external',
        url: 'http://bot.example.com/hook',
        description: 'd',
        language: 'it',
        attributes: { a: 1, empty: {} },
        webhook_enabled: 'true',
        webhook_url: 'http://bot.example.com/w',
        public: true,
        certified: true,
        trashed: true,
        tags: ['a'],
        agents_available: true,
        intentsEngine: 'x',
        mainCategory: 'm',
        subtype: 's',
        id_project: 'other',
        createdBy: 'me',
        score: 5,
      },
    });
    const fullId = (full.json as { _id?: string } | undefined)?._id;
    ctx.alias(fullId, 'fullBot');
    const tilebot = await ctx.call('a tilebot: subtype chatbot', { method: 'POST', path: base, auth: owner, json: { name: 'Tb', type: 'tilebot', slug: 'my-slug' } });
    const tilebotId = (tilebot.json as { _id?: string } | undefined)?._id;
    ctx.alias(tilebotId, 'tilebot');
    await ctx.call('no name: 500', { method: 'POST', path: base, auth: owner, json: { type: 'external' } });
    await ctx.call('a flag that does not cast: 500', { method: 'POST', path: base, auth: owner, json: { name: 'x', webhook_enabled: 'abc' } });
    await ctx.call('agent creates: 403', { method: 'POST', path: base, auth: { jwt: agent.token }, json: { name: 'x' } });
    await ctx.call('guest lists: 403', { method: 'GET', path: base, auth: { jwt: guest.token } });
    await ctx.call('no credentials: 401', { method: 'GET', path: base });
    await ctx.call('list in creation order', { method: 'GET', path: base, auth: { jwt: admin.token } });
    await ctx.call('an agent lists only bots made available to agents: none yet', { method: 'GET', path: base, auth: { jwt: agent.token } });
    await ctx.call('PUT: the copied fields with casts; language, secret, score and id_project are not', {
      method: 'PUT',
      path: `${base}/${botId}`,
      auth: { jwt: admin.token },
      json: { name: 'Renamed', description: 'dd', agents_available: 'true', tags: 'x', certified: 'yes', public: 1, short_description: 's', title: 't', certifiedTags: { a: 1 }, trained: false, language: 'fr', secret: 's', score: 9, id_project: 'o' },
    });
    await ctx.call('the agent now sees it, with fewer fields', { method: 'GET', path: base, auth: { jwt: agent.token } });
    await ctx.call('list public=true', { method: 'GET', path: `${base}?public=true`, auth: owner });
    await ctx.call('list certified=false', { method: 'GET', path: `${base}?certified=false`, auth: owner });
    await ctx.call('list public=abc: 500', { method: 'GET', path: `${base}?public=abc`, auth: owner });
    await ctx.call('get one', { method: 'GET', path: `${base}/${fullId}`, auth: owner });
    await ctx.call('get the tilebot: its url was set after the create', { method: 'GET', path: `${base}/${tilebotId}`, auth: owner });
    const department = await ctx.setup('the default department', { method: 'GET', path: `/${project.id}/departments/default` });
    ctx.alias((department.json as { _id: string })._id, 'defaultDept');
    await ctx.call('get with departmentid: the department comes along', { method: 'GET', path: `${base}/${botId}?departmentid=${(department.json as { _id: string })._id}`, auth: owner });
    await ctx.call('get with a departmentid that does not cast: the bot alone', { method: 'GET', path: `${base}/${botId}?departmentid=bad`, auth: owner });
    await ctx.call('agent gets one: 403', { method: 'GET', path: `${base}/${botId}`, auth: { jwt: agent.token } });
    await ctx.call('get an unknown id: 404', { method: 'GET', path: `${base}/${unknownObjectId(ctx, 'unknownBot')}`, auth: owner });
    await ctx.call('get an id that is not an ObjectId: 500', { method: 'GET', path: `${base}/bad`, auth: owner });
    await ctx.call('PUT an unknown id: 404, no upsert', { method: 'PUT', path: `${base}/${unknownObjectId(ctx, 'unknownBot2')}`, auth: owner, json: { name: 'x' } });
    await ctx.call('PUT an id that is not an ObjectId: 500', { method: 'PUT', path: `${base}/bad`, auth: owner, json: { name: 'x' } });
    await ctx.call('PUT a flag that does not cast: 500', { method: 'PUT', path: `${base}/${botId}`, auth: owner, json: { trashed: 'abc' } });
    await ctx.call('agent PUT: 403', { method: 'PUT', path: `${base}/${botId}`, auth: { jwt: agent.token }, json: { name: 'x' } });
    const trashed = await ctx.call('PUT trashed: true renames the slug and sets trashedAt', { method: 'PUT', path: `${base}/${fullId}`, auth: owner, json: { trashed: true, slug: 'ignored' } });
    const trashedSlug = (trashed.json as { slug?: string } | undefined)?.slug;
    ctx.alias(trashedSlug, 'trashedSlug');
    ctx.record('the trashed slug is <slug>-trashed-<ms>', /^ca-va-tres-bien-trashed-\d{13}$/.test(trashedSlug ?? ''));
    await ctx.call('a trashed bot leaves the list', { method: 'GET', path: `${base}?all=true`, auth: owner });
    await ctx.call('but is still read by id', { method: 'GET', path: `${base}/${fullId}`, auth: owner });
    const other = await createProject(ctx, project.owner, 'Other Project');
    ctx.alias(other.id, 'otherPid');
    const foreign = await ctx.setup('a bot of the other project', { method: 'POST', path: `/${other.id}/faq_kb`, auth: owner, json: { name: 'Foreign' } });
    const foreignId = (foreign.json as { _id: string })._id;
    ctx.alias(foreignId, 'foreignBot');
    await ctx.call("the other project's bot through this project: 404", { method: 'GET', path: `${base}/${foreignId}`, auth: owner });
    await ctx.call("PUT the other project's bot through this project: 404", { method: 'PUT', path: `${base}/${foreignId}`, auth: owner, json: { name: 'x' } });
    await ctx.call('agent DELETE: 403', { method: 'DELETE', path: `${base}/${botId}`, auth: { jwt: agent.token } });
    await ctx.call('DELETE', { method: 'DELETE', path: `${base}/${botId}`, auth: { jwt: admin.token } });
    await ctx.call('DELETE again: 404', { method: 'DELETE', path: `${base}/${botId}`, auth: owner });
    await ctx.call('DELETE an id that is not an ObjectId: 500', { method: 'DELETE', path: `${base}/bad`, auth: owner });
    await ctx.call('the same router at /bots', { method: 'GET', path: `/${project.id}/bots?all=true`, auth: owner });
    await ctx.call('PATCH: no such route (404 after authentication)', { method: 'PATCH', path: `${base}/${tilebotId}`, auth: owner, json: {} });
    await ctx.call('PATCH without credentials: 401 first', { method: 'PATCH', path: `${base}/${tilebotId}`, json: {} });
  }),

  scenario('segments.crud', 'lead segments: create (required paths, filters), list paging/sort, get, update and delete by id (upserts, soft delete), roles', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const guest = await signInGuest(ctx, project);
    const base = `/${project.id}/segments`;
    await ctx.call('empty list', { method: 'GET', path: base, auth: owner });
    const vip = await ctx.call('create: name, match, filters; status, id_project and filter extras are not taken', {
      method: 'POST',
      path: base,
      auth: owner,
      json: { name: 'VIP', match: 'any', filters: [{ field: 'email', operator: '=', value: 'a@example.com', extra: 1 }], status: 5, id_project: 'x', createdBy: 'me' },
    });
    const vipId = (vip.json as { _id?: string } | undefined)?._id;
    ctx.alias(vipId, 'vipSegment');
    const plain = await ctx.call('a name alone: match all, no filters', { method: 'POST', path: base, auth: { jwt: agent.token }, json: { name: 'Plain' } });
    ctx.alias((plain.json as { _id?: string } | undefined)?._id, 'plainSegment');
    const single = await ctx.call('a single filter object is wrapped', { method: 'POST', path: base, auth: owner, json: { name: 'One', filters: { field: 'attributes.plan', operator: '>', value: 3 } } });
    ctx.alias((single.json as { _id?: string } | undefined)?._id, 'oneSegment');
    await ctx.call('no name: 500', { method: 'POST', path: base, auth: owner, json: {} });
    await ctx.call('match null: 500', { method: 'POST', path: base, auth: owner, json: { name: 'x', match: null } });
    await ctx.call('a filter without operator: 500', { method: 'POST', path: base, auth: owner, json: { name: 'x', filters: [{ field: 'email', value: 1 }] } });
    await ctx.call('a filter with a null value: 500', { method: 'POST', path: base, auth: owner, json: { name: 'x', filters: [{ field: 'email', operator: '=', value: null }] } });
    await ctx.call('a filter that is not an object: 500', { method: 'POST', path: base, auth: owner, json: { name: 'x', filters: ['x'] } });
    await ctx.call('guest: 403', { method: 'POST', path: base, auth: { jwt: guest.token }, json: { name: 'g' } });
    await ctx.call('no credentials: 401', { method: 'GET', path: base });
    await ctx.call('list: newest first', { method: 'GET', path: base, auth: { jwt: agent.token } });
    await ctx.call('list limit=2&page=1', { method: 'GET', path: `${base}?limit=2&page=1`, auth: owner });
    await ctx.call('list limit=abc: no limit, perPage null', { method: 'GET', path: `${base}?limit=abc`, auth: owner });
    await ctx.call('list sorted by name ascending', { method: 'GET', path: `${base}?sort=name&direction=1`, auth: owner });
    await ctx.call('list with an invalid direction: 500', { method: 'GET', path: `${base}?direction=abc`, auth: owner });
    await ctx.call('get one', { method: 'GET', path: `${base}/${vipId}`, auth: owner });
    await ctx.call('get an unknown id: 404', { method: 'GET', path: `${base}/${unknownObjectId(ctx, 'unknownSegment')}`, auth: owner });
    await ctx.call('get an id that is not an ObjectId: 500', { method: 'GET', path: `${base}/bad`, auth: owner });
    await ctx.call('PUT: name, match, filters; status and a null name are not taken', { method: 'PUT', path: `${base}/${vipId}`, auth: owner, json: { name: 'VIP 2', match: 'all', status: 0, filters: [{ field: 'email', operator: 'is not null', value: true }] } });
    await ctx.call('PUT a null name: unchanged', { method: 'PUT', path: `${base}/${vipId}`, auth: owner, json: { name: null } });
    await ctx.call('PUT filters are not validated', { method: 'PUT', path: `${base}/${vipId}`, auth: { jwt: agent.token }, json: { filters: [{ field: 'email' }] } });
    await ctx.call('PUT a name that does not cast: 500', { method: 'PUT', path: `${base}/${vipId}`, auth: owner, json: { name: { a: 1 } } });
    await ctx.call('PUT an id that is not an ObjectId: 500', { method: 'PUT', path: `${base}/bad`, auth: owner, json: { name: 'x' } });
    const upserted = unknownObjectId(ctx, 'upsertedSegment');
    await ctx.call('PUT an unknown id: upserted with the defaults, no project', { method: 'PUT', path: `${base}/${upserted}`, auth: owner, json: { name: 'Upserted' } });
    await ctx.call('DELETE (an agent may): status 0', { method: 'DELETE', path: `${base}/${vipId}`, auth: { jwt: agent.token } });
    await ctx.call('a deleted segment leaves the list', { method: 'GET', path: base, auth: owner });
    await ctx.call('but is still read by id', { method: 'GET', path: `${base}/${vipId}`, auth: owner });
    await ctx.call('DELETE an unknown id: upserted with status 0', { method: 'DELETE', path: `${base}/${unknownObjectId(ctx, 'deletedUnknown')}`, auth: owner });
    await ctx.call('DELETE an id that is not an ObjectId: 500', { method: 'DELETE', path: `${base}/bad`, auth: owner });
    await ctx.call('PATCH: no such route (404 after authentication)', { method: 'PATCH', path: `${base}/${vipId}`, auth: owner, json: {} });
  }),

  scenario('segments.leads-filter', 'the leads list with ?segment=: each operator, later conditions replacing earlier ones, deleted and foreign segments', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    await createRequest(ctx, project, project.owner, 'rid1', { senderFullname: 'Lena Lead', email: 'lena@example.com' });
    const gil = await signInGuest(ctx, project, 'gil', { firstname: 'Gil', email: 'gil@example.com' });
    await ctx.setup('gil starts a conversation', { method: 'POST', path: `/${project.id}/requests/${newRequestId(ctx, project, 'rid2')}/messages`, auth: { jwt: gil.token }, json: { text: 'hello' } });
    const anonymous = await signInGuest(ctx, project, 'anonymous');
    await ctx.setup('an anonymous guest starts a conversation', { method: 'POST', path: `/${project.id}/requests/${newRequestId(ctx, project, 'rid3')}/messages`, auth: { jwt: anonymous.token }, json: { text: 'no e-mail' } });
    const segment = async (name: string, filters: unknown[]) => {
      const created = await ctx.setup(`segment ${name}`, { method: 'POST', path: `/${project.id}/segments`, auth: owner, json: { name, filters } });
      const id = (created.json as { _id: string })._id;
      ctx.alias(id, `segment.${name}`);
      return id;
    };
    const leads = async (step: string, query: string, timeoutMs?: number) => {
      const response = await ctx.send({ method: 'GET', path: `/${project.id}/leads?${query}`, auth: owner, ...(timeoutMs ? { timeoutMs } : {}) });
      const body = response.json as { count?: number; leads?: Array<{ email?: string; fullname?: string }> } | undefined;
      const emails = body?.leads?.map((lead) => lead.email ?? null).sort((a, b) => String(a).localeCompare(String(b)));
      ctx.record(step, response.status === 0 ? 'no response' : { status: response.status, count: body?.count ?? null, emails: emails ?? null, body: body?.leads ? null : (body ?? response.text) });
    };
    const equals = await segment('equals', [{ field: 'email', operator: '=', value: 'gil@example.com' }]);
    const notEquals = await segment('notEquals', [{ field: 'email', operator: '!=', value: 'gil@example.com' }]);
    const contains = await segment('contains', [{ field: 'fullname', operator: 'contains', value: 'Lead' }]);
    const isNull = await segment('isNull', [{ field: 'email', operator: 'is null', value: true }]);
    const notNull = await segment('notNull', [{ field: 'email', operator: 'is not null', value: true }]);
    const later = await segment('later', [{ field: 'email', operator: '=', value: 'gil@example.com' }, { field: 'email', operator: '=', value: 'lena@example.com' }]);
    const status = await segment('status', [{ field: 'status', operator: '=', value: 1000 }]);
    const unknownOperator = await segment('unknownOperator', [{ field: 'email', operator: 'like', value: 'x' }]);
    const greater = await segment('greater', [{ field: 'email', operator: '>', value: 'h' }]);
    const notADate = await segment('notADate', [{ field: 'createdAt', operator: '>', value: 'zzz' }]);
    const startsWith = await segment('startsWith', [{ field: 'email', operator: 'starts with', value: 'gil' }]);
    await leads('without a segment', '');
    await leads('= email', `segment=${equals}`);
    await leads('!= email (leads without an e-mail too)', `segment=${notEquals}`);
    await leads('contains (a regular expression)', `segment=${contains}`);
    await leads('is null', `segment=${isNull}`);
    await leads('is not null', `segment=${notNull}`);
    await leads('a later filter on the same field replaces the earlier', `segment=${later}`);
    await leads('status is the list\'s own condition', `segment=${status}`);
    await leads('an unknown operator adds nothing', `segment=${unknownOperator}`);
    await leads('> compares strings (a missing value never matches)', `segment=${greater}`);
    await leads('a value that does not cast to the path\'s type: the list never answers', `segment=${notADate}`, 2_000);
    await leads('the email parameter replaces the segment\'s email condition', `segment=${equals}&email=lena@example.com`);
    await leads('with_email replaces it too', `segment=${isNull}&with_email=true`);
    await leads('starts with: the list never answers', `segment=${startsWith}`, 2_000);
    await ctx.setup('delete the equals segment', { method: 'DELETE', path: `/${project.id}/segments/${equals}`, auth: owner });
    await leads('a deleted segment still filters', `segment=${equals}`);
    await leads('an unknown segment: 404', `segment=${unknownObjectId(ctx, 'unknownSegment')}`);
    const other = await createProject(ctx, project.owner, 'Other Project');
    ctx.alias(other.id, 'otherPid');
    const foreign = await ctx.setup('a segment of the other project', { method: 'POST', path: `/${other.id}/segments`, auth: owner, json: { name: 'Foreign' } });
    ctx.alias((foreign.json as { _id: string })._id, 'foreignSegment');
    await leads("another project's segment: 404", `segment=${(foreign.json as { _id: string })._id}`);
  }),
];
