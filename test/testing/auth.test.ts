import { describe, expect, it } from 'vitest';
import { startTiledeskServer } from '../../src/testing/index.js';
import { fileServer, http, httpOrTimeout, type Json } from './helpers.js';

const local = fileServer();

describe('sign-up and sign-in', () => {
  it('signs up (email lower-cased, no password) and rejects a duplicate with 403', async () => {
    const body = { email: 'New.User@Example.com', password: 'pw-123', firstname: 'New', lastname: 'User' };
    const ok = await http(local.server, 'POST', '/auth/signup', { body });
    expect(ok.status).toBe(200);
    const user = (ok.json as Json).user;
    expect(user).toMatchObject({ email: 'new.user@example.com', status: 100, emailverified: false, __v: 0 });
    expect(user.password).toBeUndefined();
    expect(user._id).toMatch(/^[0-9a-f]{24}$/);
    const dup = await http(local.server, 'POST', '/auth/signup', { body });
    expect(dup.status).toBe(403);
    expect(dup.json).toEqual({ success: false, message: 'Email already registered' });
  });

  it('validates sign-up fields with the express-validator 6 shape', async () => {
    const res = await http(local.server, 'POST', '/auth/signup', { body: { email: 'x@email', firstname: 'a' } });
    expect(res.status).toBe(422);
    expect(res.json).toEqual({
      errors: [
        { value: 'x@email', msg: 'Invalid value', param: 'email', location: 'body' },
        { msg: 'Invalid value', param: 'lastname', location: 'body' },
      ],
    });
  });

  it('answers a sign-up without password with 200 and success:false', async () => {
    const res = await http(local.server, 'POST', '/auth/signup', { body: { email: 'nopw@example.com', firstname: 'a', lastname: 'b' } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: false, msg: 'Please pass email and password.' });
  });

  it('signs in case-insensitively and returns a JWT-prefixed token', async () => {
    const res = await http(local.server, 'POST', '/auth/signin', { body: { email: local.server.owner.email.toUpperCase(), password: local.server.owner.password } });
    expect(res.status).toBe(200);
    const body = res.json as Json;
    expect(body.token).toMatch(/^JWT [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(Object.keys(body.user).sort()).toEqual(['_id', 'email', 'emailverified', 'firstname', 'lastname']);
    const payload = JSON.parse(Buffer.from(body.token.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ _id: local.server.owner.userId, sub: 'user', aud: 'https://tiledesk.com', iss: 'https://tiledesk.com' });
    expect(payload.exp).toBeUndefined();
  });

  it('distinguishes unknown users from wrong passwords', async () => {
    const unknown = await http(local.server, 'POST', '/auth/signin', { body: { email: 'nobody@example.com', password: 'x' } });
    expect([unknown.status, unknown.json]).toEqual([401, { success: false, msg: 'Authentication failed. User not found.' }]);
    const wrong = await http(local.server, 'POST', '/auth/signin', { body: { email: local.server.owner.email, password: 'nope' } });
    expect([wrong.status, wrong.json]).toEqual([401, { success: false, msg: 'Authentication failed. Wrong password.' }]);
  });
});

describe('bodies with values of the wrong type', () => {
  it('fails a sign-up with an e-mail array (500) and treats a non-string password at sign-in as wrong', async () => {
    const signup = await http(local.server, 'POST', '/auth/signup', { body: { email: ['x@example.com'], password: 'pw', firstname: 'a', lastname: 'b' } });
    expect([signup.status, signup.json]).toEqual([500, { success: false, message: 'Registration cannot be completed' }]);
    expect((await http(local.server, 'POST', '/auth/signup', { body: { email: 'numbers@example.com', password: 12345, firstname: 'a', lastname: 'b' } })).status).toBe(200);
    const asNumber = await http(local.server, 'POST', '/auth/signin', { body: { email: 'numbers@example.com', password: 12345 } });
    expect([asNumber.status, asNumber.json]).toEqual([401, { success: false, msg: 'Authentication failed. Wrong password.' }]);
    expect((await http(local.server, 'POST', '/auth/signin', { body: { email: 'numbers@example.com', password: '12345' } })).status).toBe(200);
  });

  it('casts a one-item id_project array in an anonymous sign-in', async () => {
    const res = await http(local.server, 'POST', '/auth/signinAnonymously', { body: { id_project: [local.P] } });
    expect((res.json as Json).success).toBe(true);
  });
});

describe('credentials on protected routes', () => {
  it('accepts JWT (any case of the scheme) and Basic credentials', async () => {
    expect((await http(local.server, 'GET', '/users', { token: local.server.owner.token })).status).toBe(200);
    expect((await http(local.server, 'GET', '/users', { token: local.server.owner.token.replace('JWT ', 'jwt ') })).status).toBe(200);
    const basic = `Basic ${Buffer.from(`${local.server.owner.email}:${local.server.owner.password}`).toString('base64')}`;
    const me = await http(local.server, 'GET', '/users', { token: basic });
    expect(me.json).toMatchObject({ _id: local.server.owner.userId, email: local.server.owner.email });
  });

  it('looks the Basic e-mail up lower-cased', async () => {
    const basic = `Basic ${Buffer.from(`${local.server.owner.email.toUpperCase()}:${local.server.owner.password}`).toString('base64')}`;
    const me = await http(local.server, 'GET', '/users', { token: basic });
    expect([me.status, (me.json as Json)._id]).toEqual([200, local.server.owner.userId]);
  });

  it('verifies a token whose aud names a bot or a subscription with that one\'s secret, never the global one', async () => {
    for (const aud of ['https://tiledesk.com/bots/aaaaaaaaaaaaaaaaaaaaaaaa', 'https://tiledesk.com/subscriptions/aaaaaaaaaaaaaaaaaaaaaaaa']) {
      const token = local.server.signJwt({ _id: local.server.owner.userId, sub: 'user', aud });
      const res = await http(local.server, 'GET', `/${local.P}/requests`, { token: `JWT ${token}` });
      expect([aud, res.status, res.text]).toEqual([aud, 401, 'Unauthorized']);
    }
    // The same token with the default audience passes.
    const plain = local.server.signJwt({ _id: local.server.owner.userId, sub: 'user', aud: 'https://tiledesk.com' });
    expect((await http(local.server, 'GET', `/${local.P}/requests`, { token: `JWT ${plain}` })).status).toBe(200);
  });

  it('answers missing or Bearer credentials with a plain-text 401 and a Basic challenge', async () => {
    for (const token of [undefined, local.server.owner.token.replace('JWT ', 'Bearer ')]) {
      const res = await http(local.server, 'GET', `/${local.P}/requests`, { token });
      expect(res.status).toBe(401);
      expect(res.text).toBe('Unauthorized');
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Users"');
      expect(res.headers.get('content-type')).toBeNull();
    }
  });

  it('answers a bare token (no scheme) with 400 Bad Request', async () => {
    const res = await http(local.server, 'GET', '/users', { token: local.server.owner.token.replace('JWT ', '') });
    expect([res.status, res.text, res.headers.get('www-authenticate')]).toEqual([400, 'Bad Request', null]);
  });

  it('rejects tokens signed with another secret', async () => {
    const forged = local.server.signJwt({ _id: local.server.owner.userId, sub: 'user' }, 'not-the-secret');
    expect((await http(local.server, 'GET', '/users', { token: `JWT ${forged}` })).status).toBe(401);
    const minted = local.server.signJwt({ _id: local.server.owner.userId, sub: 'user' });
    expect((await http(local.server, 'GET', '/users', { token: `JWT ${minted}` })).status).toBe(200);
  });

  it('needs a two-part Authorization header even when ?secret_token= authenticates', async () => {
    const res = await http(local.server, 'GET', `/users?secret_token=${local.server.owner.token.replace('JWT ', '')}`);
    expect([res.status, res.json]).toEqual([403, { success: false, msg: 'Unauthorized.' }]);
  });

  it('treats an empty Authorization header as none (401 with the Basic challenge)', async () => {
    const res = await http(local.server, 'GET', `/${local.P}/requests`, { headers: { authorization: '' } });
    expect([res.status, res.text, res.headers.get('www-authenticate')]).toEqual([401, 'Unauthorized', 'Basic realm="Users"']);
  });

  it('rejects expired tokens and tokens whose exp or nbf is not a number, and accepts an exp in the future', async () => {
    const seconds = Math.floor(Date.now() / 1000);
    const status = async (claims: Json) =>
      (await http(local.server, 'GET', '/users', { token: `JWT ${local.server.signJwt({ _id: local.server.owner.userId, sub: 'user', ...claims })}` })).status;
    expect(await status({ exp: seconds - 10 })).toBe(401);
    expect(await status({ exp: String(seconds + 3600) })).toBe(401);
    expect(await status({ exp: null })).toBe(401);
    expect(await status({ nbf: seconds + 3600 })).toBe(401);
    expect(await status({ nbf: String(seconds - 10) })).toBe(401);
    expect(await status({ exp: seconds + 3600, nbf: seconds - 10 })).toBe(200);
  });

  it('rejects a token with anything but base64url in it (padding, a trailing space), as jws does', async () => {
    const bareToken = local.server.owner.token.replace('JWT ', '');
    expect((await http(local.server, 'GET', '/users', { token: `JWT ${bareToken}=` })).status).toBe(401);
    // fetch trims header values, so the trailing space travels in ?secret_token= (with a two-part header).
    const spaced = await http(local.server, 'GET', `/users?secret_token=${encodeURIComponent(`${bareToken} `)}`, { token: 'Foo bar' });
    expect(spaced.status).toBe(401);
    const clean = await http(local.server, 'GET', `/users?secret_token=${bareToken}`, { token: 'Foo bar' });
    expect(clean.status).toBe(200);
  });

  it('answers a guest token on PUT/DELETE /users with the CastError of its uuid as msg', async () => {
    const guest = (await http(local.server, 'POST', '/auth/signinAnonymously', { body: { id_project: local.P } })).json as Json;
    for (const method of ['PUT', 'DELETE']) {
      const res = await http(local.server, method, '/users', { token: guest.token, body: { firstname: 'x' } });
      expect(res.status).toBe(500);
      expect(res.json).toMatchObject({ success: false, msg: { name: 'CastError', kind: 'ObjectId', path: '_id', value: guest.user._id } });
    }
  });

  it('answers /testauth with the string {"success":true}', async () => {
    const res = await http(local.server, 'GET', '/testauth', { token: local.server.owner.token });
    expect([res.status, res.text]).toEqual([200, '{"success":true}']);
  });
});

describe('anonymous and custom-token sign-in', () => {
  it('creates a new guest (uuid v4) on every anonymous sign-in', async () => {
    const a = (await http(local.server, 'POST', '/auth/signinAnonymously', { body: { id_project: local.P } })).json as Json;
    const b = (await http(local.server, 'POST', '/auth/signinAnonymously', { body: { id_project: local.P, firstname: 'Visitor', email: 'v@example.com' } })).json as Json;
    expect(a.user._id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.user.firstname).toBe(`guest#${a.user._id.slice(0, 4)}`);
    expect(a.user.fullName).toBe(`${a.user.firstname} `);
    expect(a.user.email).toBeUndefined();
    expect(b.user).toMatchObject({ firstname: 'Visitor', email: 'v@example.com', fullName: 'Visitor ' });
    expect(a.user._id).not.toBe(b.user._id);
  });

  it('validates id_project (422 when empty, 500 when not an ObjectId)', async () => {
    const missing = await http(local.server, 'POST', '/auth/signinAnonymously', { body: {} });
    expect(missing.status).toBe(422);
    const bad = await http(local.server, 'POST', '/auth/signinAnonymously', { body: { id_project: 'xyz' } });
    expect([bad.status, bad.json]).toEqual([500, { success: false, msg: 'Error saving object.' }]);
  });

  it('exchanges a project-secret custom token and echoes it', async () => {
    const jwt = local.server.signJwt(
      { _id: 'ext-1', firstname: 'Ext', email: 'ext@example.com', customAttr: 'c1', sub: 'userexternal', aud: `https://tiledesk.com/projects/${local.P}` },
      local.server.project.jwtSecret,
    );
    const res = await http(local.server, 'POST', '/auth/signinWithCustomToken', { token: `JWT ${jwt}` });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ success: true, token: `JWT ${jwt}`, user: { _id: 'ext-1', customAttr: 'c1' } });
    const wrong = local.server.signJwt({ _id: 'ext-1', sub: 'userexternal', aud: `https://tiledesk.com/projects/${local.P}` }, 'wrong');
    expect((await http(local.server, 'POST', '/auth/signinWithCustomToken', { token: `JWT ${wrong}` })).status).toBe(401);
    const noAud = local.server.signJwt({ _id: 'ext-1', sub: 'userexternal' });
    const res400 = await http(local.server, 'POST', '/auth/signinWithCustomToken', { token: `JWT ${noAud}` });
    expect([res400.status, res400.json]).toEqual([400, { success: false, msg: 'JWT Aud field is required' }]);
  });

  it('rotates the project secret with POST /<pid>/keys/generate', async () => {
    const res = await http(local.server, 'POST', `/${local.P}/keys/generate`, { token: local.server.owner.token });
    const secret = (res.json as Json).jwtSecret as string;
    const jwt = local.server.signJwt({ _id: 'ext-2', sub: 'userexternal', aud: `https://tiledesk.com/projects/${local.P}` }, secret);
    expect((await http(local.server, 'POST', '/auth/signinWithCustomToken', { token: `JWT ${jwt}` })).status).toBe(200);
  });
});

describe('project membership and roles', () => {
  it('refuses non-members and insufficient roles with the exact 403 bodies', async () => {
    await http(local.server, 'POST', '/auth/signup', { body: { email: 'stranger@example.com', password: 'pw', firstname: 's', lastname: 't' } });
    const stranger = ((await http(local.server, 'POST', '/auth/signin', { body: { email: 'stranger@example.com', password: 'pw' } })).json as Json).token;
    const notMember = await http(local.server, 'GET', `/${local.P}/requests`, { token: stranger });
    expect([notMember.status, notMember.json]).toEqual([403, { success: false, msg: 'you dont belong to the project.' }]);
    const guest = ((await http(local.server, 'POST', '/auth/signinAnonymously', { body: { id_project: local.P } })).json as Json).token;
    const role = await http(local.server, 'GET', `/${local.P}/requests`, { token: guest });
    expect([role.status, role.json]).toEqual([403, { success: false, msg: 'you dont have the required role.' }]);
  });

  it('lets a caller without an e-mail (an anonymous guest) into any project, as the real local.server does without ADMIN_EMAIL', async () => {
    const other = await startTiledeskServer();
    try {
      // A guest of a project created on this local.server, reading the seeded project it has no membership in.
      const project = (await http(other, 'POST', '/projects', { token: other.agent.token, body: { name: 'Elsewhere' } })).json as Json;
      const anonymous = ((await http(other, 'POST', '/auth/signinAnonymously', { body: { id_project: project._id } })).json as Json).token;
      const withEmail = ((await http(other, 'POST', '/auth/signinAnonymously', { body: { id_project: project._id, email: 'g@example.com' } })).json as Json).token;
      const P2 = other.project.id;
      const seeded = (await http(other, 'POST', `/${P2}/requests`, { token: other.owner.token, body: { first_text: 'private' } })).json as Json;
      const read = await http(other, 'GET', `/${P2}/requests/${seeded.request_id}`, { token: anonymous });
      expect([read.status, (read.json as Json).first_text]).toEqual([200, 'private']);
      const mine = await http(other, 'GET', `/${P2}/requests/me`, { token: anonymous });
      expect([mine.status, mine.json]).toEqual([200, { perPage: 40, count: 0, requests: [] }]);
      // Routes that read the caller's project_user then fail the way the real ones do.
      const list = await http(other, 'GET', `/${P2}/requests`, { token: anonymous });
      expect([list.status, list.json]).toEqual([500, { err: 'error' }]);
      const refused = await http(other, 'GET', `/${P2}/requests/me`, { token: withEmail });
      expect([refused.status, refused.json]).toEqual([403, { success: false, msg: 'you dont belong to the project.' }]);
      // Leads the intruder creates carry the attributes the bypass sets on req.user.
      const rid = `support-group-${P2}-intruder`;
      expect(await httpOrTimeout(other, 'POST', `/${P2}/requests/${rid}/messages`, { token: anonymous, body: { text: 'hi' }, timeoutMs: 300 })).toBe('timeout');
      const leads = (await http(other, 'GET', `/${P2}/leads`, { token: other.owner.token })).json as Json;
      expect(leads.leads.some((lead: Json) => lead.attributes?.isSuperadmin === true)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('lets the ADMIN_EMAIL user skip the role check only on routes declared with types (bot, subscription)', async () => {
    await http(local.server, 'POST', '/auth/signup', { body: { email: 'admin@tiledesk.com', password: 'pw', firstname: 'a', lastname: 'd' } });
    const adminEmail = ((await http(local.server, 'POST', '/auth/signin', { body: { email: 'admin@tiledesk.com', password: 'pw' } })).json as Json).token;
    // GET /project_users is `hasRoleOrTypes('agent', ['bot','subscription'])`; PUT is `hasRole('agent')`.
    expect((await http(local.server, 'GET', `/${local.P}/project_users`, { token: adminEmail })).status).toBe(200);
    const put = await http(local.server, 'PUT', `/${local.P}/project_users`, { token: adminEmail, body: { user_available: false } });
    expect([put.status, put.json]).toEqual([403, { success: false, msg: 'you dont belong to the project.' }]);
  });

  it('lets a role outside the hierarchy through every role check (no route names a permission), then filters like a plain member', async () => {
    local.server.seed({ users: [{ email: 'dee.designer@example.com', password: 'pw', firstname: 'Dee', role: 'agent' }] });
    const signin = (await http(local.server, 'POST', '/auth/signin', { body: { email: 'dee.designer@example.com', password: 'pw' } })).json as Json;
    const pu = ((await http(local.server, 'GET', `/${local.P}/project_users/users/${signin.user._id}`, { token: local.server.owner.token })).json as Json[])[0]!;
    const renamed = await http(local.server, 'PUT', `/${local.P}/project_users/${pu._id}`, { token: local.server.owner.token, body: { role: 'designer' } });
    expect((renamed.json as Json).role).toBe('designer');
    const token = signin.token as string;
    const list = await http(local.server, 'GET', `/${local.P}/requests`, { token });
    // Visibility then falls to "participants contain me": nothing here.
    expect([list.status, (list.json as Json).count]).toEqual([200, 0]);
    expect((await http(local.server, 'GET', `/${local.P}/requests/me`, { token })).status).toBe(200);
    expect((await http(local.server, 'GET', `/${local.P}/project_users`, { token })).status).toBe(200);
    const self = await http(local.server, 'PUT', `/${local.P}/project_users`, { token, body: { user_available: false } });
    expect([self.status, (self.json as Json).user_available]).toEqual([200, false]);
  });

  it('lists the caller\'s projects and creates new ones with a Default Department', async () => {
    const created = await http(local.server, 'POST', '/projects', { token: local.server.agent.token, body: { name: 'Agent Project' } });
    const project = created.json as Json;
    expect(project).toMatchObject({ name: 'Agent Project', status: 100, id: project._id });
    const departments = await http(local.server, 'GET', `/${project._id}/departments`);
    expect((departments.json as Json[]).map((d) => d.name)).toEqual(['Default Department']);
    const mine = (await http(local.server, 'GET', '/projects', { token: local.server.agent.token })).json as Json[];
    expect(mine.map((pu) => pu.id_project._id).sort()).toEqual([local.P, project._id].sort());
  });
});

describe('errors outside the routes', () => {
  it('answers malformed JSON with 500 {"err":"error"} and no CORS header', async () => {
    const res = await http(local.server, 'POST', '/auth/signin', { body: '{bad' });
    expect([res.status, res.json, res.headers.get('access-control-allow-origin')]).toEqual([500, { err: 'error' }, null]);
  });

  it('rejects invalid and unknown project ids with 400', async () => {
    const invalid = await http(local.server, 'GET', '/foo/requests', { token: local.server.owner.token });
    expect([invalid.status, invalid.json]).toEqual([400, { error: 'Invalid project id: foo' }]);
    const missing = await http(local.server, 'GET', '/aaaaaaaaaaaaaaaaaaaaaaaa/requests', { token: local.server.owner.token });
    expect([missing.status, missing.json]).toEqual([400, { error: 'Project not found with id: aaaaaaaaaaaaaaaaaaaaaaaa' }]);
  });

  it('answers unknown sub-paths of an existing project with Express\'s HTML 404', async () => {
    const res = await http(local.server, 'GET', `/${local.P}/nothing-here`, { token: local.server.owner.token });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.text).toContain(`<pre>Cannot GET /${local.P}/nothing-here</pre>`);
  });

  it('answers CORS preflights for any path', async () => {
    const res = await http(local.server, 'OPTIONS', `/${local.P}/requests`, {
      headers: { origin: 'http://app.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect((await http(local.server, 'GET', '/')).headers.get('access-control-allow-origin')).toBe('*');
  });

  it('issues Mongo-style ObjectIds whose prefix is the creation time', async () => {
    const before = Math.floor(Date.now() / 1000);
    const created = (await http(local.server, 'POST', `/${local.P}/requests`, { token: local.server.owner.token, body: { first_text: 'id check' } })).json as Json;
    const seconds = parseInt(String(created._id).slice(0, 8), 16);
    expect(created._id).toMatch(/^[0-9a-f]{24}$/);
    expect(seconds).toBeGreaterThanOrEqual(before - 1);
    expect(seconds).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
  });
});

describe('sign-up and sign-in rules of the real routes', () => {
  it('adds role "admin" only for the ADMIN_EMAIL user, checks the E.164 phone format and refuses a deleted user', async () => {
    const server = await startTiledeskServer();
    try {
      const signup = (body: Json) => http(server, 'POST', '/auth/signup', { body: { password: 'pw', firstname: 'A', lastname: 'B', ...body } });
      const signin = (email: string) => http(server, 'POST', '/auth/signin', { body: { email, password: 'pw' } });
      expect((await signup({ email: 'admin@tiledesk.com' })).status).toBe(200);
      expect((await signup({ email: 'plain@example.com', phone: '+393331234567' })).status).toBe(200);
      expect(((await signin('admin@tiledesk.com')).json as Json).role).toBe('admin');
      expect(Object.keys((await signin('plain@example.com')).json as Json)).toEqual(['success', 'token', 'user']);
      // `match: /^\+?[1-9]\d{1,14}$/` on the user's phone: a leading 0 fails the save.
      const zero = await signup({ email: 'zero@example.com', phone: '0331234567' });
      expect([zero.status, zero.json]).toEqual([500, { success: false, message: 'Registration cannot be completed' }]);
      const leaving = (await signin('plain@example.com')).json as Json;
      expect((await http(server, 'DELETE', '/users', { token: leaving.token })).status).toBe(200);
      const after = await signin('plain@example.com');
      expect([after.status, after.json]).toEqual([401, { success: false, msg: 'Authentication failed. User not found.' }]);
    } finally {
      await server.close();
    }
  });

  it('prefixes a custom token sent with a lower-case scheme and refuses it once its project_user is disabled', async () => {
    const server = await startTiledeskServer();
    try {
      const P = server.project.id;
      const jwt = server.signJwt({ _id: 'ext-lower', sub: 'userexternal', aud: `https://tiledesk.com/projects/${P}` }, server.project.jwtSecret);
      // The route answers the Authorization header, with "JWT " put in front when it has no "JWT" in it.
      const first = await http(server, 'POST', '/auth/signinWithCustomToken', { token: `jwt ${jwt}` });
      expect([first.status, (first.json as Json).token]).toEqual([200, `JWT jwt ${jwt}`]);
      const member = ((await http(server, 'GET', `/${P}/project_users?role=user`, { token: server.owner.token })).json as Json[])[0]!;
      expect((await http(server, 'DELETE', `/${P}/project_users/${member._id}`, { token: server.owner.token })).status).toBe(200);
      const again = await http(server, 'POST', '/auth/signinWithCustomToken', { token: `JWT ${jwt}` });
      expect([again.status, again.json]).toEqual([401, { success: false, msg: 'Authentication failed. Project_user not active.' }]);
    } finally {
      await server.close();
    }
  });

  it('gives a custom-token agent whose user membership is disabled a project_user of its own', async () => {
    const server = await startTiledeskServer();
    try {
      const P = server.project.id;
      const owner = server.owner.token;
      const agents = async () => ((await http(server, 'GET', `/${P}/project_users?role=agent`, { token: owner })).json as Json[]).map((pu) => [pu.status, pu.uuid_user ?? null]);
      expect((await http(server, 'DELETE', `/${P}/project_users/${server.agent.projectUserId}`, { token: owner })).status).toBe(200);
      const jwt = server.signJwt({ _id: 'ext-agent', role: 'agent', email: server.agent.email, sub: 'userexternal', aud: `https://tiledesk.com/projects/${P}` }, server.project.jwtSecret);
      const res = await http(server, 'POST', '/auth/signinWithCustomToken', { token: `JWT ${jwt}` });
      expect([res.status, (res.json as Json).user._id]).toEqual([200, server.agent.userId]);
      expect(await agents()).toEqual([['disabled', null], ['active', 'ext-agent']]);
    } finally {
      await server.close();
    }
  });
});
