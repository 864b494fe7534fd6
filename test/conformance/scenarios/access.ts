import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import {
  addMember,
  createRequest,
  newRequestId,
  ownerWithProject,
  PASSWORD,
  signInGuest,
  signUp,
  unknownObjectId,
} from '../harness/flows.js';
import { SetupError } from '../harness/context.js';
import { scenario } from '../harness/scenario.js';

/** body-parser's limit on both servers (`JSON_BODY_LIMIT` / `jsonBodyLimit` default '500kb'). */
const BODY_LIMIT = 512_000;

export const accessScenarios = [
  scenario('access.invalid-project', 'project path checks run before authentication: 400 shapes', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    await ctx.call('project id that is not an ObjectId', { method: 'GET', path: '/not-a-project/requests', auth });
    await ctx.call('project id that is not an ObjectId, no credentials', { method: 'GET', path: '/not-a-project/requests' });
    const missing = unknownObjectId(ctx, 'missingProject');
    await ctx.call('project that does not exist', { method: 'GET', path: `/${missing}/requests`, auth });
    await ctx.call('project that does not exist, no credentials', { method: 'POST', path: `/${missing}/requests`, json: {} });
    await ctx.call('unknown top-level path', { method: 'GET', path: '/foo/bar', auth });
    await ctx.call('unknown top-level path, one segment', { method: 'GET', path: '/nothing-here' });
    await ctx.call('server root', { method: 'GET', path: '/' });
  }),

  scenario('access.unknown-path', 'unknown paths under an existing project: Express 404 HTML', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    await ctx.call('unknown resource under the project', { method: 'GET', path: `/${project.id}/no-such-resource`, auth });
    await ctx.call('unknown resource under the project, no credentials', {
      method: 'GET',
      path: `/${project.id}/no-such-resource`,
    });
    await ctx.call('unsupported method on requests', { method: 'PUT', path: `/${project.id}/requests`, auth, json: {} });
    const rid = await createRequest(ctx, project, project.owner, 'rid1');
    await ctx.call('PUT on a request (there is no PUT /:requestid)', {
      method: 'PUT',
      path: `/${project.id}/requests/${rid}`,
      auth,
      json: { subject: 'x' },
    });
  }),

  scenario('access.cors', 'CORS: any origin, preflight OPTIONS answered before authentication', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const corsHeaders = [
      'access-control-allow-origin',
      'access-control-allow-methods',
      'access-control-allow-headers',
      'access-control-allow-credentials',
      'vary',
    ];
    await ctx.call('preflight for an authenticated POST', {
      method: 'OPTIONS',
      path: `/${project.id}/requests`,
      headers: {
        origin: 'https://widget.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
      recordHeaders: corsHeaders,
    });
    await ctx.call('GET with an Origin header', {
      method: 'GET',
      path: `/${project.id}/requests`,
      auth: { jwt: project.owner.token },
      headers: { origin: 'https://widget.example.com' },
      recordHeaders: corsHeaders,
    });
    await ctx.call('401 with an Origin header still carries CORS headers', {
      method: 'GET',
      path: `/${project.id}/requests`,
      headers: { origin: 'https://widget.example.com' },
      recordHeaders: corsHeaders,
    });
  }),

  scenario('access.malformed-json', 'malformed JSON bodies answer 500 {"err":"error"}', async (ctx) => {
    const project = await ownerWithProject(ctx);
    await ctx.call('malformed JSON to sign-in', { method: 'POST', path: '/auth/signin', raw: '{"email": "x@example.com",' });
    await ctx.call('malformed JSON to create a request', {
      method: 'POST',
      path: `/${project.id}/requests`,
      auth: { jwt: project.owner.token },
      raw: '{first_text: nope}',
    });
    await ctx.call('malformed JSON without credentials', {
      method: 'POST',
      path: `/${project.id}/requests`,
      raw: '[1, 2',
    });
    await ctx.call('JSON string literal as the body', {
      method: 'POST',
      path: '/auth/signin',
      raw: '"just a string"',
    });
  }),

  scenario('access.custom-role', 'a role outside the hierarchy (set with PUT /project_users/:id): the role checks, then what it sees', async (ctx) => {
    const project = await ownerWithProject(ctx);
    // Created while the owner is the only agent: routing has one choice.
    const rid = await createRequest(ctx, project, project.owner, 'rid1');
    const member = await addMember(ctx, project, 'designer', 'agent');
    const base = `/${project.id}`;
    await ctx.call('owner gives the member the role "designer"', {
      method: 'PUT',
      path: `${base}/project_users/${member.projectUserId}`,
      auth: { jwt: project.owner.token },
      json: { role: 'designer' },
    });
    const auth = { jwt: member.token };
    await ctx.call('designer lists requests (agent+)', { method: 'GET', path: `${base}/requests`, auth });
    await ctx.call('designer reads a request (agent+)', { method: 'GET', path: `${base}/requests/${rid}`, auth });
    await ctx.call('designer lists project users (agent+)', { method: 'GET', path: `${base}/project_users`, auth });
    await ctx.call('designer updates itself (agent, no types)', { method: 'PUT', path: `${base}/project_users`, auth, json: { user_available: false } });
    await ctx.call('designer reads its own conversations (guest+)', { method: 'GET', path: `${base}/requests/me`, auth });
    await ctx.call('designer lists the departments', { method: 'GET', path: `${base}/departments`, auth });
  }),

  scenario('access.roles', 'membership and role checks: 403 messages per role', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const rid = await createRequest(ctx, project, project.owner, 'rid1');
    const outsider = await signUp(ctx, 'outsider');
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const supervisor = await addMember(ctx, project, 'supervisor', 'supervisor');
    const teammate = await addMember(ctx, project, 'teammate', 'teammate');
    const admin = await addMember(ctx, project, 'admin', 'admin');
    const guest = await signInGuest(ctx, project);
    const base = `/${project.id}`;

    await ctx.call('non-member lists requests', { method: 'GET', path: `${base}/requests`, auth: { jwt: outsider.token } });
    await ctx.call('non-member reads a request', {
      method: 'GET',
      path: `${base}/requests/${rid}`,
      auth: { jwt: outsider.token },
    });
    await ctx.call('non-member posts a message', {
      method: 'POST',
      path: `${base}/requests/${rid}/messages`,
      auth: { jwt: outsider.token },
      json: { text: 'intruder' },
    });
    await ctx.call('guest lists requests', { method: 'GET', path: `${base}/requests`, auth: { jwt: guest.token } });
    await ctx.call('guest creates a request', {
      method: 'POST',
      path: `${base}/requests`,
      auth: { jwt: guest.token },
      json: { first_text: 'hi' },
    });
    await ctx.call('guest lists leads', { method: 'GET', path: `${base}/leads`, auth: { jwt: guest.token } });
    await ctx.call('guest lists project users', { method: 'GET', path: `${base}/project_users`, auth: { jwt: guest.token } });
    await ctx.call('teammate lists requests', { method: 'GET', path: `${base}/requests`, auth: { jwt: teammate.token } });
    await ctx.call('agent lists requests (not a participant)', {
      method: 'GET',
      path: `${base}/requests`,
      auth: { jwt: agent.token },
    });
    await ctx.call('agent reads a request it does not take part in', {
      method: 'GET',
      path: `${base}/requests/${rid}`,
      auth: { jwt: agent.token },
    });
    await ctx.call('supervisor lists requests', { method: 'GET', path: `${base}/requests`, auth: { jwt: supervisor.token } });
    await ctx.call('admin lists requests', { method: 'GET', path: `${base}/requests`, auth: { jwt: admin.token } });
    await ctx.call('agent deletes a request', {
      method: 'DELETE',
      path: `${base}/requests/${rid}`,
      auth: { jwt: agent.token },
    });
    await ctx.call('admin deletes a request', {
      method: 'DELETE',
      path: `${base}/requests/${rid}`,
      auth: { jwt: admin.token },
    });
    await ctx.call('agent invites someone (admin only)', {
      method: 'POST',
      path: `${base}/project_users/invite`,
      auth: { jwt: agent.token },
      json: { email: outsider.email, role: 'agent' },
    });
    await ctx.call('agent generates project keys', {
      method: 'POST',
      path: `${base}/keys/generate`,
      auth: { jwt: agent.token },
    });
    await ctx.call('agent with Basic credentials lists requests', {
      method: 'GET',
      path: `${base}/requests`,
      auth: { basic: [agent.email, PASSWORD] },
    });
  }),

  scenario('access.invite', 'inviting members: existing user, oneself, an existing member, unknown e-mail', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const colleague = await signUp(ctx, 'colleague');
    const auth = { jwt: project.owner.token };
    const invited = await ctx.call('invite an existing user as agent', {
      method: 'POST',
      path: `/${project.id}/project_users/invite`,
      auth,
      json: { email: colleague.email, role: 'agent' },
    });
    ctx.alias((invited.json as { _id?: string } | undefined)?._id, 'colleague.puId');
    await ctx.call('invite the same user again', {
      method: 'POST',
      path: `/${project.id}/project_users/invite`,
      auth,
      json: { email: colleague.email, role: 'agent' },
    });
    await ctx.call('invite oneself', {
      method: 'POST',
      path: `/${project.id}/project_users/invite`,
      auth,
      json: { email: project.owner.email, role: 'agent' },
    });
    await ctx.call('the invited agent sees the project', { method: 'GET', path: '/projects', auth: { jwt: colleague.token } });
    await ctx.call('the invited agent lists requests', {
      method: 'GET',
      path: `/${project.id}/requests`,
      auth: { jwt: colleague.token },
    });
  }),

  scenario('access.guest-scope', 'what a guest token may do: its own conversation, rating, closeg', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const guest = await signInGuest(ctx, project, 'guest', { firstname: 'Gina' });
    const rid = newRequestId(ctx, project, 'rid1');
    const base = `/${project.id}/requests/${rid}`;
    await ctx.call('guest starts a conversation', {
      method: 'POST',
      path: `${base}/messages`,
      auth: { jwt: guest.token },
      json: { text: 'hello, I am a guest' },
    });
    await ctx.call('guest reads its messages', { method: 'GET', path: `${base}/messages`, auth: { jwt: guest.token } });
    await ctx.call('guest reads the request (agent route)', { method: 'GET', path: base, auth: { jwt: guest.token } });
    await ctx.call('guest rates the conversation', {
      method: 'PATCH',
      path: `${base}/rating`,
      auth: { jwt: guest.token },
      json: { rating: 4, rating_message: 'Good' },
    });
    await ctx.call('guest closes with closeg', { method: 'PUT', path: `${base}/closeg`, auth: { jwt: guest.token } });
    await ctx.call('guest closes with the agent route', { method: 'PUT', path: `${base}/close`, auth: { jwt: guest.token } });
    await ctx.call('guest reads the current user', { method: 'GET', path: '/users', auth: { jwt: guest.token } });
    await ctx.call('guest lists its requests with status=all', {
      method: 'GET',
      path: `/${project.id}/requests/me?status=all`,
      auth: { jwt: guest.token },
    });
  }),

  scenario('access.no-email-bypass', 'a caller without an e-mail passes the membership check of any project (ADMIN_EMAIL unset)', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const rid = await createRequest(ctx, project, project.owner, 'rid1');
    const elsewhere = await signUp(ctx, 'elsewhere');
    const created = await ctx.setup('another owner creates a project', {
      method: 'POST',
      path: '/projects',
      auth: { jwt: elsewhere.token },
      json: { name: 'Elsewhere' },
    });
    const otherProject = { id: (created.json as { _id: string })._id, owner: elsewhere };
    ctx.alias(otherProject.id, 'otherPid');
    const intruder = await signInGuest(ctx, otherProject, 'intruder');
    const withEmail = await signInGuest(ctx, otherProject, 'guestWithEmail', { email: 'guest@example.com' });
    const auth = { jwt: intruder.token };
    const base = `/${project.id}/requests`;
    await ctx.call('its own requests (/me)', { method: 'GET', path: `${base}/me`, auth });
    await ctx.call('a guest WITH an e-mail is refused', { method: 'GET', path: `${base}/me`, auth: { jwt: withEmail.token } });
    await ctx.call('read a conversation of the project', { method: 'GET', path: `${base}/${rid}`, auth });
    await ctx.call('read its messages', { method: 'GET', path: `${base}/${rid}/messages`, auth });
    await ctx.call('count', { method: 'GET', path: `${base}/count`, auth });
    await ctx.call('the list reads the missing project_user: 500', { method: 'GET', path: base, auth });
    await ctx.call('project_users/me: 500', { method: 'GET', path: `/${project.id}/project_users/me`, auth });
    await ctx.call('a note: never answered', { method: 'POST', path: `${base}/${rid}/notes`, auth, json: { text: 'n' }, timeoutMs: 2_000 });
    await ctx.call('a message into an existing conversation', { method: 'POST', path: `${base}/${rid}/messages`, auth, json: { text: 'hi' } });
    await ctx.call('a first message of a new conversation: never answered', {
      method: 'POST',
      path: `${base}/${newRequestId(ctx, project, 'rid2')}/messages`,
      auth,
      json: { text: 'hello' },
      timeoutMs: 2_000,
    });
    await ctx.call('the leads it left behind', {
      method: 'GET',
      path: `/${project.id}/leads?sort=createdAt&direction=1`,
      auth: { jwt: project.owner.token },
    });
  }),

  scenario('access.http-variations', 'form and text bodies, a charset, trailing and double slashes, odd paging, unknown paths', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const form = 'application/x-www-form-urlencoded';
    await ctx.call('sign-in with a form body', { method: 'POST', path: '/auth/signin', raw: `email=${encodeURIComponent(project.owner.email)}&password=${encodeURIComponent(project.owner.password)}`, contentType: form });
    await ctx.call('sign-in with a JSON text/plain body', { method: 'POST', path: '/auth/signin', raw: JSON.stringify({ email: project.owner.email, password: project.owner.password }), contentType: 'text/plain' });
    await ctx.call('sign-in with application/json; charset=utf-8', { method: 'POST', path: '/auth/signin', raw: JSON.stringify({ email: project.owner.email, password: project.owner.password }), contentType: 'application/json; charset=utf-8' });
    await ctx.call('sign-up with a form body (no first name)', { method: 'POST', path: '/auth/signup', raw: `email=${ctx.unique('form', 'form.email')}%40example.com&password=abcdefgh1!`, contentType: form });
    await ctx.call('projects with a trailing slash', { method: 'GET', path: '/projects/', auth });
    await ctx.call('requests with a trailing slash', { method: 'GET', path: `/${project.id}/requests/`, auth });
    await ctx.call('requests with a double slash', { method: 'GET', path: `/${project.id}//requests`, auth });
    await ctx.call('requests ?limit=abc', { method: 'GET', path: `/${project.id}/requests?limit=abc`, auth });
    await ctx.call('requests ?page=-1', { method: 'GET', path: `/${project.id}/requests?page=-1`, auth });
    await ctx.call('PUT /projects', { method: 'PUT', path: '/projects', auth, json: {} });
    await ctx.call('create a request with a form body', { method: 'POST', path: `/${project.id}/requests`, auth, raw: 'first_text=hello&priority=high', contentType: form });
    const rid = newRequestId(ctx, project, 'rid1');
    await ctx.call('send a first message with a form body', { method: 'POST', path: `/${project.id}/requests/${rid}/messages`, auth, raw: 'text=hello', contentType: form });
    await ctx.call('preflight OPTIONS on requests', { method: 'OPTIONS', path: `/${project.id}/requests`, headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    await ctx.call('the root', { method: 'GET', path: '/' });
    await ctx.call('an unknown top-level path', { method: 'GET', path: '/nope' });
  }),

  scenario('access.double-slashes', 'repeated slashes: one is swallowed straight after a mount prefix, anywhere else no route matches', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const rid = await createRequest(ctx, project, project.owner, 'rid1');
    const P = project.id;
    // Express compiles `app.use('/:projectid/requests', …)` with an optional trailing slash: `//` right after it is `/`.
    await ctx.call('one conversation, // after the requests prefix', { method: 'GET', path: `/${P}/requests//${rid}`, auth });
    await ctx.call('the list, // after the requests prefix', { method: 'GET', path: `/${P}/requests//?no_populate=true`, auth });
    await ctx.call('the messages, // after the messages prefix', { method: 'GET', path: `/${P}/requests/${rid}/messages//`, auth });
    await ctx.call('one project, // after /projects', { method: 'GET', path: `/projects//${P}`, auth });
    await ctx.call('sign-in, // after /auth', { method: 'POST', path: '/auth//signin', json: { email: project.owner.email, password: project.owner.password } });
    await ctx.call('departments, // after the prefix', { method: 'GET', path: `/${P}/departments//`, auth });
    // Anywhere else a `//` matches no route: inside a prefix, a second one, or inside a route.
    await ctx.call('three slashes after the requests prefix', { method: 'GET', path: `/${P}/requests///${rid}`, auth });
    await ctx.call('// at the end of a route', { method: 'GET', path: `/${P}/requests/${rid}//`, auth });
    await ctx.call('// inside the messages prefix: the request router has no such route', { method: 'GET', path: `/${P}/requests//${rid}/messages`, auth });
    await ctx.call('// before the request id of the messages prefix', { method: 'GET', path: `/${P}/requests//messages`, auth });
    await ctx.call('/projects//<pid>// falls through to the project mount', { method: 'GET', path: `/projects//${P}//`, auth });
    await ctx.call('a path starting with //: no mount, no project check', { method: 'GET', path: `//${P}/requests`, auth });
    await ctx.call('//projects', { method: 'GET', path: '//projects', auth });
    // The mount's own middleware runs before its router finds no route.
    await ctx.call('three slashes after leads, no credentials (authenticated at the mount)', { method: 'GET', path: `/${P}/leads///` });
    await ctx.call('three slashes after departments, no credentials (authenticated per route)', { method: 'GET', path: `/${P}/departments///` });
  }),

  scenario('access.oversized-headers', "request headers just under Node's 16 kB limit are answered; over it, 431 and the connection closed", async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const path = `/${project.id}/requests`;
    await ctx.call('a 15,000-character header', { method: 'GET', path, auth, headers: { 'x-padding': 'x'.repeat(15_000) }, recordHeaders: ['connection'] });
    // Node answers this itself, before Express: an empty 431 with `Connection: close`.
    await ctx.call('a 20,000-character header', { method: 'GET', path, auth, headers: { 'x-padding': 'x'.repeat(20_000) }, recordHeaders: ['connection', 'content-length'] });
  }),

  scenario('access.content-encoding', 'gzip/deflate bodies are inflated (limit on the inflated size); br, raw deflate and trailing garbage 500', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const { email, password } = project.owner;
    const signIn = (extra: Record<string, unknown> = {}) => Buffer.from(JSON.stringify({ email, password, ...extra }));
    const form = `email=${encodeURIComponent(email)}&password=${encodeURIComponent(password)}`;
    const recordHeaders = ['access-control-allow-origin'];
    const post = (step: string, path: string, body: Buffer, encoding: string, contentType = 'application/json') =>
      ctx.call(step, { method: 'POST', path, raw: body, contentType, headers: { 'content-encoding': encoding }, recordHeaders });

    await post('sign-in, JSON gzip', '/auth/signin', gzipSync(signIn()), 'gzip');
    await post('sign-in, JSON deflate (zlib)', '/auth/signin', deflateSync(signIn()), 'deflate');
    await post('sign-in, JSON gzip labelled "GZip"', '/auth/signin', gzipSync(signIn()), 'GZip');
    await post('sign-in, JSON labelled "identity"', '/auth/signin', signIn(), 'identity');
    await post('sign-in, form body gzip', '/auth/signin', gzipSync(form), 'gzip', 'application/x-www-form-urlencoded');
    const rid = newRequestId(ctx, project, 'rid1');
    await ctx.call('first message of a new conversation, JSON deflate', {
      method: 'POST',
      path: `/${project.id}/requests/${rid}/messages`,
      auth: { jwt: project.owner.token },
      raw: deflateSync(JSON.stringify({ text: 'deflated hello' })),
      headers: { 'content-encoding': 'deflate' },
      recordHeaders,
    });

    await post('sign-in, JSON br', '/auth/signin', brotliCompressSync(signIn()), 'br');
    await post('sign-in, raw deflate (no zlib header) labelled deflate', '/auth/signin', deflateRawSync(signIn()), 'deflate');
    await post('sign-in, gzip followed by garbage', '/auth/signin', Buffer.concat([gzipSync(signIn()), Buffer.from('trailing garbage')]), 'gzip');

    // The limit counts inflated bytes: a small gzip body inflating past it is refused, and a body larger than the
    // limit as sent (stored blocks, level 0) but not once inflated is accepted.
    const padded = (size: number) => {
      const body = signIn({ padding: '' });
      return signIn({ padding: 'x'.repeat(size - body.length) });
    };
    const tooLarge = padded(BODY_LIMIT + 1);
    const fits = padded(BODY_LIMIT - 10);
    const fitsStored = gzipSync(fits, { level: 0 });
    if (tooLarge.length !== BODY_LIMIT + 1 || fits.length > BODY_LIMIT || fitsStored.length <= BODY_LIMIT) {
      throw new SetupError(`padded bodies of the wrong size: ${tooLarge.length}, ${fits.length} (${fitsStored.length} stored)`);
    }
    await post('sign-in, gzip inflating to one byte over the limit', '/auth/signin', gzipSync(tooLarge), 'gzip');
    await post('sign-in, stored gzip over the limit as sent, under it inflated', '/auth/signin', fitsStored, 'gzip');
  }),
  scenario('access.query-string-qs', 'query strings and form bodies parsed like qs: nesting, indexed arrays, repeats, objects where strings are read', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const created = await ctx.send({ method: 'POST', path: `/${project.id}/requests`, auth, json: { first_text: 'hello' } });
    const { request_id: rid, department } = created.json as { request_id: string; department: string };
    ctx.alias(rid, 'rid1');
    ctx.alias(department, 'defaultDepartment');
    const list = async (query: string) => {
      const response = await ctx.send({ method: 'GET', path: `/${project.id}/requests${query}`, auth });
      const body = response.json as { perPage?: unknown; count?: unknown; requests?: Array<{ request_id?: string }> } | undefined;
      ctx.record(`list ${ctx.mask.string(query)}`, {
        status: response.status,
        body: body?.requests ? { perPage: body.perPage, count: body.count, requests: body.requests.map((r) => r.request_id) } : (response.json ?? response.text),
      });
    };
    // An object where the route reads a string is "[object Object]" (NaN limit and page), not a crash.
    for (const query of ['?limit[$gt]=1', '?page[a]=1', '?sort[x]=1']) await list(query);
    // a[0]=x&a[1]=y builds an array (on the participants array path an exact match, so no conversation), a repeated
    // nested key combines into one $in list.
    await list(`?participant[0]=nobody&participant[1]=${project.owner.userId}`);
    await list(`?participant[0]=${project.owner.userId}`);
    await list(`?dept_id[$in]=${unknownObjectId(ctx, 'otherDepartment')}&dept_id[$in]=${department}`);
    const form = 'application/x-www-form-urlencoded';
    await ctx.call('a lead from a form with nested and array fields', {
      method: 'POST',
      path: `/${project.id}/leads`,
      auth,
      raw: 'fullname=Form&attributes[plan][name]=gold&attributes[tags][]=a&attributes[tags][]=b&attributes[list][1]=y&attributes[list][0]=x',
      contentType: form,
    });
    await ctx.call('a form nested deeper than 32 levels', { method: 'POST', path: `/${project.id}/leads`, auth, raw: `fullname=x&attributes${'[a]'.repeat(33)}=1`, contentType: form });
  }),
  scenario('access.body-charsets', 'body charsets: utf8 spelled without a dash 500s, forms only utf-8, a BOM is dropped, utf-16, an unparsable Content-Type ignores the body', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const path = `/${project.id}/leads`;
    const lead = (step: string, raw: string | Uint8Array, contentType: string) => ctx.call(step, { method: 'POST', path, auth, raw, contentType });
    const json = '{"fullname":"Charset"}';
    const form = 'fullname=Charset';
    await lead('JSON, charset=utf8', json, 'application/json; charset=utf8');
    await lead('JSON, charset="UTF-8"', json, 'application/json; charset="UTF-8"');
    await lead('JSON, charset=latin1', json, 'application/json; charset=latin1');
    await lead('JSON, charset=utf-16 with a byte-order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]), 'application/json; charset=utf-16');
    await lead('JSON with a UTF-8 byte-order mark', `\ufeff${json}`, 'application/json');
    await lead('an empty JSON body with charset=latin1', '', 'application/json; charset=latin1');
    await lead('form, charset=utf8', form, 'application/x-www-form-urlencoded; charset=utf8');
    await lead('form, charset=latin1', form, 'application/x-www-form-urlencoded; charset=latin1');
    await lead('form, charset=UTF-8', form, 'application/x-www-form-urlencoded; charset=UTF-8');
    await lead('form with a UTF-8 byte-order mark', `\ufeff${form}`, 'application/x-www-form-urlencoded');
    await lead('Content-Type "application/json; charset=" (body ignored)', json, 'application/json; charset=');
    await lead('Content-Type "application/json;" (body ignored)', json, 'application/json;');
  }),
];
