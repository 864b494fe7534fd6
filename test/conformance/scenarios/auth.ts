import {
  addMember,
  bareToken,
  createProject,
  createRequest,
  generateProjectSecret,
  newRequestId,
  ownerWithProject,
  PASSWORD,
  signInGuest,
  signJwt,
  signUp,
  unknownObjectId,
} from '../harness/flows.js';
import { scenario } from '../harness/scenario.js';

export const authScenarios = [
  scenario('auth.signup', 'sign-up: success, lower-cased e-mail, duplicate, missing password, 422 shapes', async (ctx) => {
    const email = `${ctx.unique('Signup-', 'signupLocal')}@Example.COM`;
    ctx.alias(email.toLowerCase(), 'signup.emailLower');
    ctx.alias(email, 'signup.emailAsSent');
    const created = await ctx.call('sign up with a mixed-case e-mail', {
      method: 'POST',
      path: '/auth/signup',
      json: { email, password: PASSWORD, firstname: 'Sam', lastname: 'Signup' },
    });
    ctx.alias((created.json as { user?: { _id?: string } } | undefined)?.user?._id, 'signup.userId');
    await ctx.call('sign up again with the same e-mail', {
      method: 'POST',
      path: '/auth/signup',
      json: { email, password: PASSWORD, firstname: 'Sam', lastname: 'Signup' },
    });
    await ctx.call('sign up without a password', {
      method: 'POST',
      path: '/auth/signup',
      json: { email: `${ctx.unique('nopass-', 'nopassLocal')}@example.com`, firstname: 'No', lastname: 'Password' },
    });
    await ctx.call('sign up with an invalid e-mail', {
      method: 'POST',
      path: '/auth/signup',
      json: { email: 'x@email', password: PASSWORD, firstname: 'Bad', lastname: 'Email' },
    });
    await ctx.call('sign up without first and last name', {
      method: 'POST',
      path: '/auth/signup',
      json: { email: `${ctx.unique('noname-', 'nonameLocal')}@example.com`, password: PASSWORD },
    });
    await ctx.call('sign up with an empty body', { method: 'POST', path: '/auth/signup', json: {} });
    await ctx.call('sign in with the mixed-case e-mail', {
      method: 'POST',
      path: '/auth/signin',
      json: { email, password: PASSWORD },
    });
  }),

  scenario('auth.signin', 'sign-in: success, wrong password, unknown user, 422 shapes', async (ctx) => {
    const account = await signUp(ctx, 'user');
    await ctx.call('sign in', { method: 'POST', path: '/auth/signin', json: { email: account.email, password: PASSWORD } });
    await ctx.call('sign in with the wrong password', {
      method: 'POST',
      path: '/auth/signin',
      json: { email: account.email, password: 'wrong-password' },
    });
    await ctx.call('sign in as an unknown user', {
      method: 'POST',
      path: '/auth/signin',
      json: { email: `${ctx.unique('nobody-', 'nobodyLocal')}@example.com`, password: PASSWORD },
    });
    await ctx.call('sign in with an empty body', { method: 'POST', path: '/auth/signin', json: {} });
    await ctx.call('sign in with an invalid e-mail and no password', {
      method: 'POST',
      path: '/auth/signin',
      json: { email: 'not-an-email' },
    });
    await ctx.call('sign in with a form-encoded body', {
      method: 'POST',
      path: '/auth/signin',
      raw: `email=${encodeURIComponent(account.email)}&password=${encodeURIComponent(PASSWORD)}`,
      contentType: 'application/x-www-form-urlencoded',
    });
  }),

  scenario('auth.signin-anonymously', 'anonymous sign-in: defaults, given fields, 422, non-ObjectId project', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const plain = await ctx.call('anonymous sign-in with only the project', {
      method: 'POST',
      path: '/auth/signinAnonymously',
      json: { id_project: project.id },
    });
    ctx.alias((plain.json as { user?: { _id?: string } } | undefined)?.user?._id, 'guest1.id');
    const named = await ctx.call('anonymous sign-in with names, e-mail and attributes', {
      method: 'POST',
      path: '/auth/signinAnonymously',
      json: {
        id_project: project.id,
        firstname: 'Vera',
        lastname: 'Visitor',
        email: 'vera@example.com',
        attributes: { plan: 'gold' },
      },
    });
    ctx.alias((named.json as { user?: { _id?: string } } | undefined)?.user?._id, 'guest2.id');
    await ctx.call('anonymous sign-in without id_project', { method: 'POST', path: '/auth/signinAnonymously', json: {} });
    await ctx.call('anonymous sign-in with a project id that is not an ObjectId', {
      method: 'POST',
      path: '/auth/signinAnonymously',
      json: { id_project: 'not-an-object-id' },
    });
    const token = (plain.json as { token: string }).token;
    await ctx.call('the guest token lists its own requests', {
      method: 'GET',
      path: `/${project.id}/requests/me`,
      auth: { jwt: token },
    });
  }),

  scenario('auth.custom-token', 'custom token: project keys, sign-in, echo, failures', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const keys = await ctx.call('generate project keys', {
      method: 'POST',
      path: `/${project.id}/keys/generate`,
      auth: { jwt: project.owner.token },
    });
    const secret = (keys.json as { jwtSecret: string }).jwtSecret;
    ctx.alias(secret, 'project.jwtSecret');
    const aud = `https://tiledesk.com/projects/${project.id}`;
    const externalId = ctx.unique('ext-', 'external.id');
    const token = signJwt(
      { _id: externalId, firstname: 'Ext', lastname: 'User', email: 'ext@example.com', sub: 'userexternal', aud, customAttr: 'c1' },
      secret,
    );
    ctx.alias(token, 'customToken');
    await ctx.call('sign in with a custom token (JWT prefix)', {
      method: 'POST',
      path: '/auth/signinWithCustomToken',
      auth: { header: `JWT ${token}` },
    });
    await ctx.call('sign in again with the same custom token', {
      method: 'POST',
      path: '/auth/signinWithCustomToken',
      auth: { header: `JWT ${token}` },
    });
    await ctx.call('the custom token sends a first message', {
      method: 'POST',
      path: `/${project.id}/requests/${newRequestId(ctx, project, 'rid1')}/messages`,
      auth: { header: `JWT ${token}` },
      json: { text: 'hello from an external user' },
    });
    await ctx.call('the custom token lists its own requests', {
      method: 'GET',
      path: `/${project.id}/requests/me`,
      auth: { header: `JWT ${token}` },
    });
    await ctx.call('the custom token cannot list all requests', {
      method: 'GET',
      path: `/${project.id}/requests`,
      auth: { header: `JWT ${token}` },
    });
    await ctx.call('custom token signed with the wrong secret', {
      method: 'POST',
      path: '/auth/signinWithCustomToken',
      auth: { header: `JWT ${signJwt({ _id: externalId, sub: 'userexternal', aud }, 'not-the-secret')}` },
    });
    await ctx.call('custom token without _id', {
      method: 'POST',
      path: '/auth/signinWithCustomToken',
      auth: { header: `JWT ${signJwt({ firstname: 'NoId', sub: 'userexternal', aud }, secret)}` },
    });
    await ctx.call('custom token without aud', {
      method: 'POST',
      path: '/auth/signinWithCustomToken',
      auth: { header: `JWT ${signJwt({ _id: externalId, sub: 'userexternal' }, secret)}` },
    });
    await ctx.call('custom token sign-in without a token', { method: 'POST', path: '/auth/signinWithCustomToken' });
    await ctx.call('keys/generate with no credentials', { method: 'POST', path: `/${project.id}/keys/generate` });
  }),

  scenario('auth.token-claims', 'token time claims: expired, future and non-numeric exp/nbf, on custom sign-in and REST', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const secret = await generateProjectSecret(ctx, project);
    const aud = `https://tiledesk.com/projects/${project.id}`;
    const seconds = Math.floor(Date.now() / 1000);
    const variants: Array<[string, Record<string, unknown>, boolean]> = [
      ['exp in the past', { exp: seconds - 60 }, true],
      ['exp in the future', { exp: seconds + 3600 }, true],
      ['exp as a string', { exp: String(seconds + 3600) }, true],
      ['exp null', { exp: null }, true],
      ['nbf in the future', { nbf: seconds + 3600 }, false],
      ['nbf in the past', { nbf: seconds - 60 }, false],
      ['nbf as a string', { nbf: String(seconds - 60) }, false],
    ];
    for (const [name, claims, signIn] of variants) {
      const externalId = ctx.unique('ext-', `external.${name.replace(/ /g, '-')}`);
      const token = `JWT ${signJwt({ _id: externalId, firstname: 'Ext', sub: 'userexternal', aud, ...claims }, secret)}`;
      // The sign-in answer echoes the payload: only record it where the claim values are masked (exp).
      if (signIn) await ctx.call(`custom sign-in, ${name}`, { method: 'POST', path: '/auth/signinWithCustomToken', auth: { header: token } });
      await ctx.call(`REST call, ${name}`, { method: 'GET', path: `/${project.id}/requests/me`, auth: { header: token } });
    }
  }),

  scenario('auth.deleted-user', 'a user who deleted its account: its token, Basic, sign-in and sign-up again', async (ctx) => {
    await ownerWithProject(ctx);
    const leaver = await signUp(ctx, 'leaver');
    const auth = { jwt: leaver.token };
    const deleted = await ctx.call('DELETE /users', { method: 'DELETE', path: '/users', auth });
    ctx.alias((deleted.json as { updatedUser?: { email?: string } } | undefined)?.updatedUser?.email, 'leaver.anonymizedEmail');
    await ctx.call('its token on GET /users', { method: 'GET', path: '/users', auth });
    await ctx.call('its token on GET /projects', { method: 'GET', path: '/projects', auth });
    await ctx.call('Basic with its old credentials', { method: 'GET', path: '/users', auth: { basic: [leaver.email, leaver.password] } });
    await ctx.call('sign in again', { method: 'POST', path: '/auth/signin', json: { email: leaver.email, password: leaver.password } });
    await ctx.call('its token on /testauth', { method: 'GET', path: '/testauth', auth });
    await ctx.connect('WebSocket handshake with its token', { token: bareToken(leaver.token) });
    const again = await ctx.call('sign up again with the same e-mail', {
      method: 'POST',
      path: '/auth/signup',
      json: { email: leaver.email, password: PASSWORD, firstname: 'Back', lastname: 'Again' },
    });
    ctx.alias((again.json as { user?: { _id?: string } } | undefined)?.user?._id, 'leaver.newUserId');
  }),

  scenario('auth.header-edge-cases', 'Authorization edge cases: empty header, lower-case jwt, extra parts, ?secret_token=', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const bare = bareToken(project.owner.token);
    const path = `/${project.id}/requests/me`;
    await ctx.call('an empty Authorization header', { method: 'GET', path, auth: { header: '' } });
    await ctx.call('lower-case "jwt " scheme', { method: 'GET', path, auth: { header: `jwt ${bare}` } });
    await ctx.call('two spaces after the scheme', { method: 'GET', path, auth: { header: `JWT  ${bare}` } });
    await ctx.call('a third part after the token', { method: 'GET', path, auth: { header: `JWT ${bare} extra` } });
    await ctx.call('"Basic" alone', { method: 'GET', path, auth: { header: 'Basic' } });
    await ctx.call('Basic without a colon', { method: 'GET', path, auth: { header: `Basic ${Buffer.from('no-colon').toString('base64')}` } });
    await ctx.call('?secret_token= alone', { method: 'GET', path: `${path}?secret_token=${bare}` });
    await ctx.call('?secret_token= with an unrelated two-part header', {
      method: 'GET',
      path: `${path}?secret_token=${bare}`,
      auth: { header: 'Foo bar' },
    });
    await ctx.call('a tampered signature', { method: 'GET', path, auth: { header: `JWT ${bare.slice(0, -4)}AAAA` } });
  }),

  scenario('auth.custom-token-agent', 'custom token with role agent: a real user, the server\'s own token, REST and WebSocket', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const secret = await generateProjectSecret(ctx, project);
    const externalId = ctx.unique('ext-agent-', 'externalAgent.id');
    const email = `${ctx.unique('extagent-', 'externalAgent.emailLocal')}@example.com`;
    ctx.alias(email, 'externalAgent.email');
    const token = signJwt(
      {
        _id: externalId,
        firstname: 'Ext',
        lastname: 'Agent',
        email,
        role: 'agent',
        sub: 'userexternal',
        aud: `https://tiledesk.com/projects/${project.id}`,
      },
      secret,
    );
    ctx.alias(token, 'customToken');
    const signedIn = await ctx.call('sign in with a role=agent custom token', {
      method: 'POST',
      path: '/auth/signinWithCustomToken',
      auth: { header: `JWT ${token}` },
    });
    const body = signedIn.json as { token?: string; user?: { _id?: string } } | undefined;
    ctx.alias(body?.user?._id, 'externalAgent.userId');
    const serverToken = body?.token ?? 'JWT missing';
    await ctx.call('the returned token lists requests', {
      method: 'GET',
      path: `/${project.id}/requests`,
      auth: { header: serverToken },
    });
    await ctx.call('the returned token reads the current user', { method: 'GET', path: '/users', auth: { header: serverToken } });
    await ctx.call('sign in again with the same custom token', {
      method: 'POST',
      path: '/auth/signinWithCustomToken',
      auth: { header: `JWT ${token}` },
    });
    const socket = await ctx.connect('the returned token opens the WebSocket', { token: serverToken });
    socket?.close();
  }),

  scenario('auth.credentials', 'credentials on a protected route: JWT, Basic, bare, Bearer, lower-case, none', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = project.owner;
    const path = `/${project.id}/requests`;
    await ctx.call('JWT token as returned by sign-in', { method: 'GET', path, auth: { jwt: owner.token } });
    await ctx.call('Basic e-mail:password', { method: 'GET', path, auth: { basic: [owner.email, PASSWORD] } });
    await ctx.call('Basic with the wrong password', { method: 'GET', path, auth: { basic: [owner.email, 'nope'] } });
    await ctx.call('Basic with an unknown user', {
      method: 'GET',
      path,
      auth: { basic: [`${ctx.unique('ghost-', 'ghostLocal')}@example.com`, PASSWORD] },
    });
    await ctx.call('bare token without a scheme', { method: 'GET', path, auth: { header: bareToken(owner.token) } });
    await ctx.call('Bearer token', { method: 'GET', path, auth: { header: `Bearer ${bareToken(owner.token)}` } });
    await ctx.call('lower-case jwt scheme', { method: 'GET', path, auth: { header: `jwt ${bareToken(owner.token)}` } });
    await ctx.call('JWT scheme with a garbage token', { method: 'GET', path, auth: { header: 'JWT abc.def.ghi' } });
    await ctx.call('JWT signed with another secret', {
      method: 'GET',
      path,
      auth: { header: `JWT ${signJwt({ _id: owner.userId, sub: 'user' }, 'some-other-secret')}` },
    });
    await ctx.call('no credentials', { method: 'GET', path });
    await ctx.call('token in ?secret_token= without a header', {
      method: 'GET',
      path: `${path}?secret_token=${encodeURIComponent(bareToken(owner.token))}`,
    });
    await ctx.call('current user with JWT', { method: 'GET', path: '/users', auth: { jwt: owner.token } });
    await ctx.call('current user with Basic', { method: 'GET', path: '/users', auth: { basic: [owner.email, PASSWORD] } });
    await ctx.call('current user without credentials', { method: 'GET', path: '/users' });
  }),

  scenario('projects.update', 'PUT/PATCH /projects/:id: admin+, the fields each copies, Mongoose casts, 500s, the profile', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const admin = await addMember(ctx, project, 'admin', 'admin');
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const outsider = await signUp(ctx, 'outsider');
    const path = `/projects/${project.id}`;
    await ctx.call('owner renames (PUT)', { method: 'PUT', path, auth: owner, json: { name: 'Renamed' } });
    await ctx.call('admin patches', { method: 'PATCH', path, auth: { jwt: admin.token }, json: { name: 'Patched', activeOperatingHours: true } });
    await ctx.call('agent: 403', { method: 'PUT', path, auth: { jwt: agent.token }, json: { name: 'x' } });
    await ctx.call('agent PATCH: 403', { method: 'PATCH', path, auth: { jwt: agent.token }, json: { name: 'x' } });
    await ctx.call('a user of no membership: 403', { method: 'PUT', path, auth: { jwt: outsider.token }, json: { name: 'x' } });
    await ctx.call('no credentials: 401', { method: 'PUT', path, json: { name: 'x' } });
    await ctx.call('an id that is not an ObjectId: 500', { method: 'PUT', path: '/projects/not-an-id', auth: owner, json: { name: 'x' } });
    await ctx.call('fields the routes never copy are ignored', { method: 'PUT', path, auth: owner, json: { status: 5, createdBy: 'me', unknown: 1, name: null } });
    await ctx.call('Mixed fields are stored as sent, empty objects left out', {
      method: 'PUT',
      path,
      auth: owner,
      json: { settings: { a: 1, email: { from: 'x@example.com' }, empty: {} }, widget: { themeColor: 'red' }, timeSlots: { t: 1 }, operatingHours: '{"tzname":"Europe/Rome"}' },
    });
    await ctx.call('dotted settings keys are merged into settings', {
      method: 'PUT',
      path,
      auth: owner,
      json: { 'settings.email.from': 'y@example.com', 'settings.chat_limit_on': true, 'settings.max_agent_assigned_chat': 3, 'settings.allow_send_emoji': false },
    });
    await ctx.call('PATCH copies neither timeSlots nor the newer settings keys', {
      method: 'PATCH',
      path,
      auth: owner,
      json: { timeSlots: { u: 2 }, 'settings.allow_send_emoji': true, 'settings.automatic_idle_chats': '5' },
    });
    await ctx.call('casts: booleans and numbers from strings, a single channel or filter wrapped, banned users get ids', {
      method: 'PUT',
      path,
      auth: owner,
      json: { channels: { name: 'telegram', extra: 1 }, ipFilter: [5, true], ipFilterDeny: '9.9.9.9', ipFilterEnabled: 'true', activeOperatingHours: 'no', bannedUsers: [{ id: 'u1', ip: '1.1.1.1', zz: 1 }], versions: '3', name: 5 },
    });
    await ctx.call('a channel without a name is stored (no validators)', { method: 'PATCH', path, auth: owner, json: { channels: [{}] } });
    await ctx.call('a name that does not cast: 500', { method: 'PUT', path, auth: owner, json: { name: { a: 1 } } });
    await ctx.call('the same on PATCH: its own message', { method: 'PATCH', path, auth: owner, json: { name: ['a'] } });
    await ctx.call('a boolean that does not cast: 500', { method: 'PUT', path, auth: owner, json: { activeOperatingHours: 'maybe', name: 'not saved' } });
    await ctx.call('a number that does not cast: 500', { method: 'PATCH', path, auth: owner, json: { versions: 'abc' } });
    await ctx.call('a channel that is not an object: 500', { method: 'PUT', path, auth: owner, json: { channels: 'x' } });
    await ctx.call('settings replaced by a string', { method: 'PUT', path, auth: owner, json: { settings: 'str' } });
    await ctx.call('then a dotted settings key: 500', { method: 'PUT', path, auth: owner, json: { 'settings.email.from': 'z@example.com' } });
    await ctx.call('the profile: 403 for a member', { method: 'PUT', path, auth: owner, json: { profile: { type: 'payment' } } });
    await ctx.call('a falsy profile is not looked at', { method: 'PUT', path, auth: owner, json: { profile: '', settings: { b: 2 } } });
    await ctx.setup('the owner marks itself isSuperadmin', { method: 'PUT', path: '/users', auth: owner, json: { attributes: { isSuperadmin: true } } });
    await ctx.call('an isSuperadmin user replaces the profile: casts, defaults, no subEnd', {
      method: 'PUT',
      path,
      auth: owner,
      json: { profile: { type: 'payment', trialDays: '30', name: 'Pro', bogus: 1, quotes: { kbs: 5, none: {} } } },
    });
    await ctx.call('again, with a future subEnd (the flag is only dropped from req.user)', { method: 'PUT', path, auth: owner, json: { profile: { type: 'payment', subEnd: '2999-01-01T00:00:00.000Z' } } });
    await ctx.call('a profile that is not an object: 500', { method: 'PUT', path, auth: owner, json: { profile: 'str' } });
    await ctx.call('the project afterwards', { method: 'GET', path, auth: owner });
  }),

  scenario('projects.delete', 'DELETE /projects/:id: owner only, a soft delete (status 0) the project routes then refuse, still updatable', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const admin = await addMember(ctx, project, 'admin', 'admin');
    const path = `/projects/${project.id}`;
    await ctx.call('admin: 403', { method: 'DELETE', path, auth: { jwt: admin.token } });
    await ctx.call('no credentials: 401', { method: 'DELETE', path });
    await ctx.call('an id that is not an ObjectId: 500', { method: 'DELETE', path: '/projects/not-an-id', auth: owner });
    await ctx.call('owner deletes: the project with status 0', { method: 'DELETE', path, auth: owner });
    await ctx.call('get it: 404', { method: 'GET', path, auth: owner });
    await ctx.call('the owner still lists it', { method: 'GET', path: '/projects', auth: owner });
    await ctx.call('its conversations: 400 project not found', { method: 'GET', path: `/${project.id}/requests`, auth: owner });
    await ctx.call('its team: 400', { method: 'GET', path: `/${project.id}/project_users`, auth: { jwt: admin.token } });
    await ctx.call('an admin still updates it', { method: 'PUT', path, auth: { jwt: admin.token }, json: { name: 'After delete' } });
    await ctx.call('deleted again', { method: 'DELETE', path, auth: owner });
  }),

  scenario('projects.no-email-bypass', 'a guest token of another project passes the role checks of project writes: updates, profile, delete, upserts', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const other = await createProject(ctx, project.owner, 'Other Project');
    ctx.alias(other.id, 'otherPid');
    ctx.alias(project.id, 'pid');
    const stranger = await signInGuest(ctx, other, 'stranger');
    const ownGuest = await signInGuest(ctx, project, 'ownGuest');
    const path = `/projects/${project.id}`;
    await ctx.call("the project's own guest: 403", { method: 'PUT', path, auth: { jwt: ownGuest.token }, json: { name: 'x' } });
    await ctx.call("another project's guest renames it", { method: 'PUT', path, auth: { jwt: stranger.token }, json: { name: 'By a stranger' } });
    await ctx.call('and replaces its profile (the bypass sets isSuperadmin)', { method: 'PUT', path, auth: { jwt: stranger.token }, json: { profile: { name: 'Pro', type: 'payment' } } });
    const unknown = unknownObjectId(ctx, 'unknownPid');
    await ctx.call('PUT on an id without a project: upserted, schema defaults only in the answer', { method: 'PUT', path: `/projects/${unknown}`, auth: { jwt: stranger.token }, json: { name: 'Upserted' } });
    await ctx.call('that document has no status: GET 404', { method: 'GET', path: `/projects/${unknown}`, auth: { jwt: stranger.token } });
    await ctx.call('PATCH it: what was stored is kept', { method: 'PATCH', path: `/projects/${unknown}`, auth: { jwt: stranger.token }, json: { versions: 2 } });
    const unknown2 = unknownObjectId(ctx, 'unknownPid2');
    await ctx.call('DELETE on an id without a project: upserted with status 0', { method: 'DELETE', path: `/projects/${unknown2}`, auth: { jwt: stranger.token } });
    await ctx.call('the stranger deletes the project', { method: 'DELETE', path, auth: { jwt: stranger.token } });
  }),

  scenario('departments.writes', 'departments: create, update, patch, delete (admin+), casts and 500s, lists by status, writes by id across projects', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const admin = await addMember(ctx, project, 'admin', 'admin');
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const other = await createProject(ctx, project.owner, 'Other Project');
    ctx.alias(other.id, 'otherPid');
    ctx.alias(project.id, 'pid');
    const otherDefault = await ctx.setup('the other project\'s default department', { method: 'GET', path: `/${other.id}/departments/default` });
    ctx.alias((otherDefault.json as { _id: string })._id, 'otherDefaultDept');
    const base = `/${project.id}/departments`;
    const asAdmin = { jwt: admin.token };
    const created = await ctx.call('admin creates one: pooled by default', { method: 'POST', path: base, auth: asAdmin, json: { name: 'Sales' } });
    const sales = (created.json as { _id: string })._id;
    ctx.alias(sales, 'salesDept');
    await ctx.call('agent: 403', { method: 'POST', path: base, auth: { jwt: agent.token }, json: { name: 'x' } });
    await ctx.call('no credentials: 401', { method: 'POST', path: base, json: { name: 'x' } });
    const full = await ctx.call('every field: cast; online_msg, tags, id_project and createdBy are not taken', {
      method: 'POST',
      path: base,
      auth: owner,
      json: { name: 'Full', routing: 'assigned', description: 'd', default: 'true', status: '0', id_group: 5, groups: [{ group_id: 'g1', percentage: '50' }], online_msg: 'on', tags: [{ tag: 't' }], id_project: 'other', createdBy: 'me' },
    });
    ctx.alias((full.json as { _id?: string } | undefined)?._id, 'fullDept');
    const bot = await ctx.call('with a bot', { method: 'POST', path: base, auth: owner, json: { name: 'Bot', id_bot: 'b1', bot_only: 'yes' } });
    ctx.alias((bot.json as { _id?: string } | undefined)?._id, 'botDept');
    await ctx.call('no name: 500', { method: 'POST', path: base, auth: owner, json: {} });
    await ctx.call('a name that does not cast: 500', { method: 'POST', path: base, auth: owner, json: { name: { a: 1 } } });
    await ctx.call('a group member without percentage: 500 (save validates)', { method: 'POST', path: base, auth: owner, json: { name: 'G', groups: [{ group_id: 'g' }] } });
    const nulls = await ctx.call('nulls replace the defaults', { method: 'POST', path: base, auth: owner, json: { name: 'Nulls', routing: null, status: null, default: null, groups: null } });
    ctx.alias((nulls.json as { _id?: string } | undefined)?._id, 'nullsDept');
    const hidden = await ctx.call('hidden from the dashboard (status -1)', { method: 'POST', path: base, auth: owner, json: { name: 'Hidden', status: '-1', default: 'no' } });
    ctx.alias((hidden.json as { _id?: string } | undefined)?._id, 'hiddenDept');
    await ctx.call('the list: status 1 only', { method: 'GET', path: base });
    await ctx.call('allstatus: status >= 0, sorted by name', { method: 'GET', path: `${base}/allstatus?sort=1`, auth: { jwt: agent.token } });
    await ctx.call('the default: the first of two', { method: 'GET', path: `${base}/default` });
    await ctx.call('PUT without id_bot and id_group stores null for both', { method: 'PUT', path: `${base}/${sales}`, auth: asAdmin, json: { name: 'Sales 2' } });
    await ctx.call('PATCH: only what is given, no online_msg', { method: 'PATCH', path: `${base}/${sales}`, auth: asAdmin, json: { id_bot: 'b2', description: 'x', online_msg: 'on' } });
    await ctx.call('PUT: casts, a single group member wrapped', {
      method: 'PUT',
      path: `${base}/${sales}`,
      auth: asAdmin,
      json: { online_msg: 'on', status: '-1', routing: 'assigned', bot_only: 'no', groups: { group_id: 'g', percentage: 1 } },
    });
    await ctx.call('PATCH a status that does not cast: 500', { method: 'PATCH', path: `${base}/${sales}`, auth: asAdmin, json: { status: 'abc' } });
    await ctx.call('PUT a name that does not cast: 500', { method: 'PUT', path: `${base}/${sales}`, auth: asAdmin, json: { name: { a: 1 } } });
    await ctx.call('PUT an id that is not an ObjectId: 500', { method: 'PUT', path: `${base}/bad`, auth: asAdmin, json: { name: 'x' } });
    await ctx.call('agent PUT: 403', { method: 'PUT', path: `${base}/${sales}`, auth: { jwt: agent.token }, json: { name: 'x' } });
    const unknown = unknownObjectId(ctx, 'unknownDept');
    await ctx.call('PUT an id without a department: upserted, no project', { method: 'PUT', path: `${base}/${unknown}`, auth: asAdmin, json: { name: 'Upserted' } });
    await ctx.call('read back by id', { method: 'GET', path: `${base}/${unknown}` });
    await ctx.call("PATCH another project's department through this one", { method: 'PATCH', path: `${base}/${(otherDefault.json as { _id: string })._id}`, auth: asAdmin, json: { name: 'Changed from outside' } });
    await ctx.call("the other project's default department", { method: 'GET', path: `/${other.id}/departments/default` });
    await ctx.call('agent DELETE: 403', { method: 'DELETE', path: `${base}/${sales}`, auth: { jwt: agent.token } });
    await ctx.call('DELETE: the removed department', { method: 'DELETE', path: `${base}/${sales}`, auth: asAdmin });
    await ctx.call('DELETE again: null', { method: 'DELETE', path: `${base}/${sales}`, auth: asAdmin });
    await ctx.call('DELETE an id that is not an ObjectId: 500', { method: 'DELETE', path: `${base}/bad`, auth: asAdmin });
    await ctx.call('get the deleted one: 404', { method: 'GET', path: `${base}/${sales}` });
  }),

  scenario('departments.routing-and-plan', 'conversations routed to created departments: pooled, assigned, another project\'s; refused for invalid snapshots and groups; an expired paid plan lists only the default', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const base = `/${project.id}/departments`;
    const pooled = await ctx.setup('create a pooled department', { method: 'POST', path: base, auth: owner, json: { name: 'Pooled' } });
    ctx.alias((pooled.json as { _id: string })._id, 'pooledDept');
    const assigned = await ctx.setup('create an assigned department', { method: 'POST', path: base, auth: owner, json: { name: 'Assigned', routing: 'assigned' } });
    ctx.alias((assigned.json as { _id: string })._id, 'assignedDept');
    const first = await ctx.call('a conversation in the pooled department: unassigned', {
      method: 'POST',
      path: `/${project.id}/requests`,
      auth: owner,
      json: { first_text: 'to pooled', departmentid: (pooled.json as { _id: string })._id },
    });
    ctx.alias((first.json as { request_id?: string } | undefined)?.request_id, 'rid1');
    const second = await ctx.call('a conversation in the assigned department: the only agent', {
      method: 'POST',
      path: `/${project.id}/requests`,
      auth: owner,
      json: { first_text: 'to assigned', departmentid: (assigned.json as { _id: string })._id },
    });
    ctx.alias((second.json as { request_id?: string } | undefined)?.request_id, 'rid2');
    const other = await createProject(ctx, project.owner, 'Other Project');
    ctx.alias(other.id, 'otherPid');
    ctx.alias(project.id, 'pid');
    const otherDefault = await ctx.setup("the other project's default department", { method: 'GET', path: `/${other.id}/departments/default` });
    ctx.alias((otherDefault.json as { _id: string })._id, 'otherDefaultDept');
    const third = await ctx.call("a conversation in another project's department: found by id alone", {
      method: 'POST',
      path: `/${project.id}/requests`,
      auth: owner,
      json: { first_text: 'elsewhere', departmentid: (otherDefault.json as { _id: string })._id },
    });
    ctx.alias((third.json as { request_id?: string } | undefined)?.request_id, 'rid3');
    const nowhere = unknownObjectId(ctx, 'upsertedDept');
    await ctx.setup('upsert a department of no project', { method: 'PUT', path: `${base}/${nowhere}`, auth: owner, json: { name: 'Nowhere', routing: 'assigned' } });
    await ctx.call('a conversation in a department of no project: 500 (snapshot.department fails validation)', { method: 'POST', path: `/${project.id}/requests`, auth: owner, json: { first_text: 'nowhere', departmentid: nowhere } });
    await ctx.call('rerouting to it: 500', { method: 'PUT', path: `/${project.id}/requests/${(first.json as { request_id: string }).request_id}/departments`, auth: owner, json: { departmentid: nowhere } });
    const memberless = await ctx.setup('a department with a group member without percentage', { method: 'POST', path: base, auth: owner, json: { name: 'Members' } });
    const memberlessId = (memberless.json as { _id: string })._id;
    ctx.alias(memberlessId, 'membersDept');
    await ctx.setup('patch the member in (no validators)', { method: 'PATCH', path: `${base}/${memberlessId}`, auth: owner, json: { groups: [{ group_id: 'g' }] } });
    await ctx.call('a conversation there: 500', { method: 'POST', path: `/${project.id}/requests`, auth: owner, json: { first_text: 'members', departmentid: memberlessId } });
    const badGroup = await ctx.setup('a department with an id_group that is no ObjectId', { method: 'POST', path: base, auth: owner, json: { name: 'Bad group', id_group: 'g' } });
    ctx.alias((badGroup.json as { _id: string })._id, 'badGroupDept');
    await ctx.call('a conversation there: 500 (the group lookup fails)', { method: 'POST', path: `/${project.id}/requests`, auth: owner, json: { first_text: 'bad group', departmentid: (badGroup.json as { _id: string })._id } });
    const missingGroup = unknownObjectId(ctx, 'missingGroup');
    const grouped = await ctx.setup('a department with a group that does not exist', { method: 'POST', path: base, auth: owner, json: { name: 'Grouped', id_group: missingGroup, routing: 'assigned' } });
    ctx.alias((grouped.json as { _id: string })._id, 'groupedDept');
    await ctx.call('a conversation there: never answered', { method: 'POST', path: `/${project.id}/requests`, auth: owner, json: { first_text: 'grouped', departmentid: (grouped.json as { _id: string })._id }, timeoutMs: 2_000 });
    await ctx.call('none of the refused ones was stored', { method: 'GET', path: `/${project.id}/requests?no_populate=true&sort=createdAt&direction=1`, auth: owner });
    await ctx.setup('the owner marks itself isSuperadmin', { method: 'PUT', path: '/users', auth: owner, json: { attributes: { isSuperadmin: true } } });
    await ctx.setup('a paid plan that ended', { method: 'PUT', path: `/projects/${project.id}`, auth: owner, json: { profile: { type: 'payment', subEnd: '2001-01-01T00:00:00.000Z' } } });
    await ctx.call('the list: the default department only', { method: 'GET', path: base });
    await ctx.call('allstatus: the same', { method: 'GET', path: `${base}/allstatus`, auth: owner });
    await ctx.setup('a paid plan without subEnd', { method: 'PUT', path: `/projects/${project.id}`, auth: owner, json: { profile: { type: 'payment' } } });
    await ctx.call("isActiveSubscription '' is not false: every department", { method: 'GET', path: base });
  }),

  scenario('departments.bot-routing', 'a department with id_bot gives conversations to bot_<id_bot> (no such bot needed), unless rerouted with nobot', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const owner = { jwt: project.owner.token };
    const base = `/${project.id}/departments`;
    const botId = unknownObjectId(ctx, 'botId');
    const botDept = await ctx.call('create a department with a bot', { method: 'POST', path: base, auth: owner, json: { name: 'Bot', id_bot: botId } });
    const botDeptId = (botDept.json as { _id: string })._id;
    ctx.alias(botDeptId, 'botDept');
    const created = await ctx.call('a conversation there: the bot is its participant', { method: 'POST', path: `/${project.id}/requests`, auth: owner, json: { first_text: 'to the bot', departmentid: botDeptId } });
    const rid = (created.json as { request_id: string }).request_id;
    ctx.alias(rid, 'rid1');
    await ctx.call('read back', { method: 'GET', path: `/${project.id}/requests/${rid}`, auth: owner });
    await ctx.call('rerouted to the default department: the only agent', { method: 'PUT', path: `/${project.id}/requests/${rid}/departments`, auth: owner, json: { departmentid: 'default' } });
    await ctx.call('rerouted to the bot department with nobot ("false" is truthy): pooled, unassigned', { method: 'PUT', path: `/${project.id}/requests/${rid}/departments`, auth: owner, json: { departmentid: botDeptId, nobot: 'false' } });
    await ctx.call('rerouted to it without nobot: the bot again', { method: 'PUT', path: `/${project.id}/requests/${rid}/departments`, auth: owner, json: { departmentid: botDeptId } });
    const both = await ctx.setup('a department with a bot and an id_group that is no ObjectId', { method: 'POST', path: base, auth: owner, json: { name: 'Bot and group', id_bot: 'b2', id_group: 'zz' } });
    const bothId = (both.json as { _id: string })._id;
    ctx.alias(bothId, 'botAndGroupDept');
    const second = await ctx.call('a conversation there: the bot, the group is never looked up', { method: 'POST', path: `/${project.id}/requests`, auth: owner, json: { first_text: 'bot and group', departmentid: bothId } });
    ctx.alias((second.json as { request_id?: string } | undefined)?.request_id, 'rid2');
  }),

  scenario('auth.projects', 'projects: create, list the caller\'s projects, current user', async (ctx) => {
    const owner = await signUp(ctx, 'owner', { firstname: 'Olive', lastname: 'Owner' });
    await ctx.call('list projects before creating one', { method: 'GET', path: '/projects', auth: { jwt: owner.token } });
    const created = await ctx.call('create a project', {
      method: 'POST',
      path: '/projects',
      auth: { jwt: owner.token },
      json: { name: 'First Project' },
    });
    ctx.alias((created.json as { _id?: string } | undefined)?._id, 'pid');
    await ctx.call('list projects', { method: 'GET', path: '/projects', auth: { jwt: owner.token } });
    await ctx.call('create a project without credentials', { method: 'POST', path: '/projects', json: { name: 'X' } });
    await ctx.call('current user', { method: 'GET', path: '/users', auth: { jwt: owner.token } });
    await ctx.call('update the current user', {
      method: 'PUT',
      path: '/users',
      auth: { jwt: owner.token },
      json: { firstname: 'Olivia', description: 'updated' },
    });
    await ctx.call('current user after the update', { method: 'GET', path: '/users', auth: { jwt: owner.token } });
    const second = await createProject(ctx, owner, 'Second Project');
    ctx.alias(second.id, 'pid2');
    await ctx.call('list two projects', {
      method: 'GET',
      path: '/projects',
      auth: { jwt: owner.token },
      sort: (body) => (Array.isArray(body) ? [...body].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) : body),
    });
  }),

  scenario('auth.misc-reads', 'small reads users call: testauth, request lookup, one project, departments', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const rid = await createRequest(ctx, project, project.owner, 'rid1');
    const auth = { jwt: project.owner.token };
    await ctx.call('testauth with a token', { method: 'GET', path: '/testauth', auth });
    await ctx.call('testauth without credentials', { method: 'GET', path: '/testauth' });
    await ctx.call('look up the project of a request', { method: 'GET', path: `/requests_util/lookup/id_project/${rid}`, auth });
    await ctx.call('look up an unknown request', {
      method: 'GET',
      path: `/requests_util/lookup/id_project/${newRequestId(ctx, project, 'unknownRid')}`,
      auth,
    });
    await ctx.call('read one project', { method: 'GET', path: `/projects/${project.id}`, auth });
    await ctx.call('list departments', { method: 'GET', path: `/${project.id}/departments`, auth });
  }),

  scenario('auth.project-secret-on-rest', 'keys: generate twice, project secret is not a REST credential for users', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const first = await generateProjectSecret(ctx, project);
    await ctx.call('generate project keys again', {
      method: 'POST',
      path: `/${project.id}/keys/generate`,
      auth: { jwt: project.owner.token },
    });
    const token = signJwt({ _id: project.owner.userId, sub: 'user', aud: `https://tiledesk.com/projects/${project.id}` }, first);
    await ctx.call('REST call with a token signed by the old project secret', {
      method: 'GET',
      path: `/${project.id}/requests`,
      auth: { header: `JWT ${token}` },
    });
  }),

  scenario('auth.odd-reads', 'reads with odd ids and parameters: projects, departments, /requests/me, count, request ids, profile casts', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const P = project.id;
    const rid = await createRequest(ctx, project, project.owner, 'rid1');
    const guest = await signInGuest(ctx, project, 'guest');
    await ctx.setup('the guest starts a conversation', {
      method: 'POST',
      path: `/${P}/requests/${newRequestId(ctx, project, 'rid2')}/messages`,
      auth: { jwt: guest.token },
      json: { text: 'hi' },
    });
    const other = await signUp(ctx, 'other');
    const steps: Array<[string, 'GET' | 'PUT', string, { token?: string | null; json?: unknown }?]> = [
      ['departments without credentials', 'GET', `/${P}/departments?sort=name`, { token: null }],
      ['a department id that does not cast', 'GET', `/${P}/departments/bad`, { token: null }],
      ['an unknown department', 'GET', `/${P}/departments/0123456789abcdef01234567`, { token: null }],
      ['the default department', 'GET', `/${P}/departments/default`, { token: null }],
      ['allstatus without credentials', 'GET', `/${P}/departments/allstatus`, { token: null }],
      ['a project id that does not cast', 'GET', '/projects/bad'],
      ['an unknown project', 'GET', '/projects/0123456789abcdef01234567'],
      ['a project of someone else', 'GET', `/projects/${P}`, { token: other.token }],
      ['guest /me with odd paging and status', 'GET', `/${P}/requests/me?limit=1&page=abc&status=foo`, { token: guest.token }],
      ['guest /me with status=all, preflight and sort', 'GET', `/${P}/requests/me?status=all&preflight=true&sort=createdAt&direction=1`, { token: guest.token }],
      ['guest /me with a bad dept_id', 'GET', `/${P}/requests/me?dept_id=bad`, { token: guest.token }],
      ['guest /me with a status list', 'GET', `/${P}/requests/me?status=100,200`, { token: guest.token }],
      ['guest /me with a repeated status', 'GET', `/${P}/requests/me?status=100&status=200`, { token: guest.token }],
      ['count with odd flags', 'GET', `/${P}/requests/count?merge_assigned=false&conversation_quota=maybe`],
      ['a request id with an encoded slash', 'GET', `/${P}/requests/a%2Fb`],
      ['a request id with an emoji', 'GET', `/${P}/requests/%F0%9F%98%80`],
      ['a request id with a broken escape', 'GET', `/${P}/requests/%E0%A4%A`],
      ['lookup of an unknown request', 'GET', '/requests_util/lookup/id_project/nope'],
      ['lookup', 'GET', `/requests_util/lookup/id_project/${rid}`],
      ['profile update with an object lastname', 'PUT', '/users', { json: { lastname: { a: 1 } } }],
    ];
    for (const [step, method, path, options] of steps) {
      const token = options?.token === undefined ? project.owner.token : options.token;
      await ctx.call(step, { method, path, auth: token === null ? undefined : { jwt: token }, json: options?.json });
    }
  }),

  scenario('auth.odd-bodies', 'sign-up, sign-in and anonymous sign-in with values of the wrong type', async (ctx) => {
    // Lower-case local parts: the server lower-cases e-mails, and the masks must still recognise them.
    const email = (name: string) => `${ctx.unique(`${name.toLowerCase()}-`, `${name}.local`)}@example.com`;
    const numericPassword = email('numericPassword');
    const steps: Array<[string, string, unknown]> = [
      ['sign up with an e-mail array', '/auth/signup', { email: [email('arrayEmail')], password: PASSWORD, firstname: 'a', lastname: 'b' }],
      ['sign up with a numeric password', '/auth/signup', { email: numericPassword, password: 12345, firstname: 'a', lastname: 'b' }],
      ['sign up with a numeric first name', '/auth/signup', { email: email('numericName'), password: PASSWORD, firstname: 5, lastname: 'b' }],
      ['sign in with an e-mail array', '/auth/signin', { email: [numericPassword], password: '12345' }],
      ['sign in with the numeric password as a number', '/auth/signin', { email: numericPassword, password: 12345 }],
      ['sign in with the numeric password as a string', '/auth/signin', { email: numericPassword, password: '12345' }],
      ['sign in with an object password', '/auth/signin', { email: numericPassword, password: { a: 1 } }],
      ['anonymous with a one-item id_project array', '/auth/signinAnonymously', { id_project: [unknownObjectId(ctx, 'someProject')] }],
      ['anonymous with a numeric id_project', '/auth/signinAnonymously', { id_project: 5 }],
      ['anonymous with an empty first name', '/auth/signinAnonymously', { id_project: unknownObjectId(ctx, 'someProject'), firstname: '' }],
    ];
    for (const [step, path, json] of steps) await ctx.call(step, { method: 'POST', path, json, timeoutMs: 2_000 });
  }),

  scenario('auth.guest-reads-and-lists', 'sign-in e-mail case and spaces, what a guest reads, list filters over a bot conversation', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    await ctx.call('sign-in with the e-mail upper-cased', { method: 'POST', path: '/auth/signin', json: { email: project.owner.email.toUpperCase(), password: project.owner.password } });
    await ctx.call('sign-in with spaces around the e-mail', { method: 'POST', path: '/auth/signin', json: { email: ` ${project.owner.email} `, password: project.owner.password } });
    const guest = await signInGuest(ctx, project, 'guest', { firstname: 'G', lastname: 'H', attributes: { x: 1 } });
    await ctx.call('projects as the guest', { method: 'GET', path: '/projects', auth: { jwt: guest.token } });
    await ctx.call('the project as the guest', { method: 'GET', path: `/projects/${project.id}`, auth: { jwt: guest.token } });
    await ctx.call('GET /users as the guest', { method: 'GET', path: '/users', auth: { jwt: guest.token } });
    await ctx.call('requests/me as the guest, none yet', { method: 'GET', path: `/${project.id}/requests/me`, auth: { jwt: guest.token } });
    await ctx.call('create with status 100 and a bot participant', { method: 'POST', path: `/${project.id}/requests`, auth, json: { first_text: 'x', participants: [`bot_${unknownObjectId(ctx, 'bot')}`], status: 100 } });
    await ctx.call('list ?hasbot=true', { method: 'GET', path: `/${project.id}/requests?hasbot=true`, auth });
    await ctx.call('list ?preflight=true&status=all', { method: 'GET', path: `/${project.id}/requests?preflight=true&status=all`, auth });
    await ctx.call('list ?channel=offline', { method: 'GET', path: `/${project.id}/requests?channel=offline`, auth });
    await ctx.call('list ?no_populate=true&status=1000', { method: 'GET', path: `/${project.id}/requests?no_populate=true&status=1000`, auth });
    await ctx.call('project users ?role=agent', { method: 'GET', path: `/${project.id}/project_users?role=agent`, auth });
    await ctx.call('project users as the guest', { method: 'GET', path: `/${project.id}/project_users`, auth: { jwt: guest.token } });
  }),
];
