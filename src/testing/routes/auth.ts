import { verifyJwt, signJwt, type JwtPayload } from '../jwt.js';
import { castObjectId, uuidv4 } from '../ids.js';
import { hang, json, type Reply } from '../http.js';
import type { UserDoc } from '../store.js';
import { userSelectedView, userView } from '../views.js';
import { bodyObject, isEmail, isNotEmpty, requireAuth, type RouteContext, validationError } from './context.js';

/** The password that logs into any account on the real server (`SUPER_PASSWORD` default). */
const SUPER_PASSWORD = 'superadmin';

/** Token for a database user, as `/auth/signin` signs it: the selected user fields plus iss/sub/aud/jti. */
export function userToken(secret: string, user: UserDoc): string {
  return `JWT ${signJwt(userSelectedView(user), secret, { issuer: 'https://tiledesk.com', subject: 'user', audience: 'https://tiledesk.com', jwtid: uuidv4() })}`;
}

/** Token signed over the whole user document (what signinWithCustomToken mints for agents). */
function fullUserToken(secret: string, user: UserDoc): string {
  return `JWT ${signJwt(userView(user), secret, { issuer: 'https://tiledesk.com', subject: 'user', audience: 'https://tiledesk.com', jwtid: uuidv4() })}`;
}

/** A user document as the routes that return the raw Mongoose doc show it (the hash included). */
function userWithPassword(ctx: RouteContext, user: UserDoc): Record<string, unknown> {
  const view = userView(user);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(view)) {
    out[key] = value;
    if (key === 'lastname' || (key === 'email' && user.lastname === undefined)) out.password = ctx.store.passwordHashFor(user._id);
  }
  return out;
}

export function authRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  if (ctx.method !== 'POST' || rest.length !== 1) return undefined;
  switch (rest[0]!.toLowerCase()) {
    case 'signup':
      return signup(ctx);
    case 'signin':
      return signin(ctx);
    case 'signinanonymously':
      return signinAnonymously(ctx);
    case 'signinwithcustomtoken':
      return signinWithCustomToken(ctx);
    default:
      return undefined;
  }
}

function signup(ctx: RouteContext): Reply {
  const body = bodyObject(ctx);
  const errors: Record<string, unknown>[] = [];
  if (!isEmail(body.email)) errors.push(validationError(body.email, 'email'));
  if (!isNotEmpty(body.firstname)) errors.push(validationError(body.firstname, 'firstname'));
  if (!isNotEmpty(body.lastname)) errors.push(validationError(body.lastname, 'lastname'));
  if (errors.length > 0) return json(422, { errors });
  if (!body.email || !body.password) return json(200, { success: false, msg: 'Please pass email and password.' });
  // `email.toLowerCase()` on a non-string throws inside the route's promise chain: the generic 500.
  if (typeof body.email !== 'string') return json(500, { success: false, message: 'Registration cannot be completed' });
  const email = body.email.toLowerCase();
  const castable = (v: unknown) => v === undefined || v === null || typeof v !== 'object';
  if (typeof body.password === 'object' || !castable(body.firstname) || !castable(body.lastname)) {
    return json(500, { success: false, message: 'Registration cannot be completed' });
  }
  const phone = body.phone === undefined || body.phone === null ? undefined : String(body.phone).trim();
  if (phone !== undefined && !/^\+?[1-9]\d{1,14}$/.test(phone)) return json(500, { success: false, message: 'Registration cannot be completed' });
  if (ctx.store.usersByEmail.has(email)) return json(403, { success: false, message: 'Email already registered' });
  // `phone` is a unique index too; its duplicate-key error is reported like the email one.
  if (phone !== undefined && [...ctx.store.users.values()].some((u) => u.phone === phone)) return json(403, { success: false, message: 'Email already registered' });
  const user = ctx.domain.createUser({
    email,
    password: String(body.password),
    firstname: body.firstname === undefined || body.firstname === null ? undefined : String(body.firstname),
    lastname: body.lastname === undefined || body.lastname === null ? undefined : String(body.lastname),
    phone,
  });
  const authorization = ctx.req.headers.authorization;
  if (typeof authorization === 'string') {
    // The real route verifies a present token synchronously inside its promise chain: a bad one lands in
    // the generic catch after the user is already saved.
    const token = authorization.split(' ')[1] ?? '';
    if (!verifyJwt(token, ctx.config.globalSecret)) return json(500, { success: false, message: 'Registration cannot be completed' });
  }
  return json(200, { success: true, msg: 'Successfully created new user.', user: userView(user) });
}

function signin(ctx: RouteContext): Reply {
  const body = bodyObject(ctx);
  const errors: Record<string, unknown>[] = [];
  if (!isEmail(body.email)) errors.push(validationError(body.email, 'email'));
  if (!isNotEmpty(body.password)) errors.push(validationError(body.password, 'password'));
  if (errors.length > 0) return json(422, { errors });
  if (typeof body.email !== 'string') return { kind: 'json', status: 500, body: { err: 'error' } };
  const email = body.email.toLowerCase();
  const user = ctx.store.usersByEmail.get(email);
  if (!user || user.status !== 100) return json(401, { success: false, msg: 'Authentication failed. User not found.' });
  if (!body.password) return json(401, { success: false, msg: 'Authentication failed.  Password is required.' });
  const token = userToken(ctx.config.globalSecret, user);
  if (body.password === SUPER_PASSWORD) {
    const selected = userSelectedView(user);
    const withHash: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(selected)) {
      if (key === 'emailverified') withHash.password = ctx.store.passwordHashFor(user._id);
      withHash[key] = value;
    }
    return json(200, { success: true, token, user: withHash });
  }
  // bcrypt.compare rejects anything but a string, which the route reports as a wrong password.
  if (typeof body.password !== 'string' || !ctx.store.checkPassword(user._id, body.password)) return json(401, { success: false, msg: 'Authentication failed. Wrong password.' });
  const answer: Record<string, unknown> = { success: true, token, user: userSelectedView(user) };
  if (email === ctx.config.adminEmail) answer.role = 'admin';
  return json(200, answer);
}

function signinAnonymously(ctx: RouteContext): Reply {
  const body = bodyObject(ctx);
  if (!isNotEmpty(body.id_project)) return json(422, { errors: [validationError(body.id_project, 'id_project')] });
  // Mongoose casts an ObjectId through `toString()`: a one-item array of an id is that id.
  const projectId = castObjectId(Array.isArray(body.id_project) ? String(body.id_project) : body.id_project);
  // The project_user's `id_project` is an ObjectId: anything else fails the save. Existence is not checked.
  if (!projectId) return json(500, { success: false, msg: 'Error saving object.' });
  const uid = uuidv4();
  const guest: JwtPayload = {
    _id: uid,
    firstname: body.firstname || `guest#${uid.substring(0, 4)}`,
    lastname: body.lastname,
    email: body.email,
    attributes: body.attributes,
  };
  guest.id = guest._id;
  guest.fullName = `${guest.firstname === undefined || guest.firstname === null ? '' : String(guest.firstname)} ${guest.lastname === undefined || guest.lastname === null || guest.lastname === '' ? '' : String(guest.lastname)}`;
  for (const key of Object.keys(guest)) if (guest[key] === undefined) delete guest[key];
  ctx.domain.addMember(projectId, { uuid_user: uid }, 'guest', 2, uid, true);
  const token = signJwt(guest, ctx.config.globalSecret, { issuer: 'https://tiledesk.com', subject: 'guest', audience: 'https://tiledesk.com', jwtid: uuidv4() });
  return json(200, { success: true, token: `JWT ${token}`, user: guest });
}

function signinWithCustomToken(ctx: RouteContext): Reply {
  // passport with the jwt strategy only: no Basic challenge, so a failure carries no WWW-Authenticate.
  const denied = requireAuth(ctx, { noEntityCheck: true });
  if (denied) {
    if (denied.kind === 'text' && denied.status === 401) return { kind: 'text', status: 401, body: 'Unauthorized' };
    if (denied.kind === 'text' && denied.status === 400) return { kind: 'text', status: 401, body: 'Unauthorized' };
    return denied;
  }
  const caller = ctx.caller!;
  const payload = caller.payload ?? {};
  const header = String(ctx.req.headers.authorization ?? '');
  if (!payload.aud) return json(400, { success: false, msg: 'JWT Aud field is required' });
  let audiencePath: string;
  try {
    audiencePath = new URL(String(payload.aud)).pathname;
  } catch {
    return hang();
  }
  const [, audienceType, audienceId] = audiencePath.split('/');
  let projectId: string;
  const body = bodyObject(ctx);
  if (audienceType === 'subscriptions') {
    // No subscriptions exist here: `subscription.id_project` throws inside an async callback.
    if (!audienceId) return json(400, { success: false, msg: 'JWT Aud.AudienceId field is required for AudienceType subscriptions' });
    return hang();
  } else if (audienceType === 'projects') {
    if (!audienceId) return json(400, { success: false, msg: 'JWT Aud.AudienceId field is required for AudienceType projects' });
    projectId = audienceId;
  } else if (body.id_project) {
    projectId = String(body.id_project);
  } else {
    return json(200, { success: true, token: header, user: payload });
  }
  const role = typeof payload.role === 'string' && payload.role ? payload.role : 'user';
  const castProject = castObjectId(projectId) ?? projectId;
  const existing = ctx.store.findProjectUser(castProject, caller._id, 'uuid_user');
  const wantsUser = role === 'owner' || role === 'admin' || role === 'agent';
  const prefixed = (token: string) => (token.indexOf('JWT') < 0 ? `JWT ${token}` : token);

  if (existing) {
    if (existing.status !== 'active') return json(401, { success: false, msg: 'Authentication failed. Project_user not active.' });
    if (typeof payload.role === 'string' && wantsUser) {
      if (typeof payload.email !== 'string') return hang();
      const user = ctx.store.usersByEmail.get(payload.email.toLowerCase());
      if (!user) return hang();
      return json(200, { success: true, token: fullUserToken(ctx.config.globalSecret, user), user: userView(user) });
    }
    return json(200, { success: true, token: header, user: payload });
  }

  let user: UserDoc | undefined;
  // A user created here is answered as the saved document, which (unlike a query result) includes the hash.
  let created = false;
  if (wantsUser) {
    if (typeof payload.email !== 'string') return hang();
    const email = payload.email.toLowerCase();
    user = ctx.store.usersByEmail.get(email);
    if (user) {
      const member = ctx.store.findProjectUser(castProject, user._id, 'id_user');
      if (member && member.status === 'active') {
        return json(200, { success: true, token: fullUserToken(ctx.config.globalSecret, user), user: userView(user) });
      }
    } else {
      created = true;
      user = ctx.domain.createUser({
        email,
        password: uuidv4(),
        firstname: typeof payload.firstname === 'string' ? payload.firstname : undefined,
        lastname: typeof payload.lastname === 'string' ? payload.lastname : undefined,
      });
    }
  }
  const userJson = user ? (created ? userWithPassword(ctx, user) : userView(user)) : payload;
  // The project_user save fails on a non-ObjectId project id; the route then echoes the header.
  if (!castObjectId(projectId)) return json(200, { success: true, token: header, user: userJson });
  ctx.domain.addMember(castProject, { uuid_user: caller._id, ...(user ? { id_user: user._id } : {}) }, role, 2, caller._id, true);
  const token = user ? fullUserToken(ctx.config.globalSecret, user) : prefixed(header);
  return json(200, { success: true, token, user: userJson });
}
