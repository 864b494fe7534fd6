import type { IncomingMessage } from 'node:http';
import { castObjectId, isObjectIdLike } from './ids.js';
import { json, type Reply, RouteCrash } from './http.js';
import { decodeJwt, type JwtPayload, verifyJwt } from './jwt.js';
import type { ProjectUserDoc, Store, UserDoc } from './store.js';

/** Who made a request: `req.user` on the real server. */
export interface Caller {
  kind: 'user' | 'guest' | 'userexternal';
  /** `req.user._id`: a user ObjectId, or the uuid of a guest / external user. */
  _id: string;
  /** `req.user.id`. */
  id: string;
  sub?: string;
  email?: string;
  firstname?: string;
  lastname?: string;
  fullName: string;
  attributes?: unknown;
  phone?: unknown;
  /** The database user, for `kind: 'user'`. */
  user?: UserDoc;
  /** Authenticated with Basic credentials: `req.user` is then only the fields the strategy selects. */
  basic?: boolean;
  /** The verified token payload, for token-authenticated callers. */
  payload?: JwtPayload;
}

export const ROLE_HIERARCHY: Record<string, readonly string[]> = {
  guest: ['guest'],
  user: ['guest', 'user'],
  teammate: ['guest', 'user', 'teammate'],
  agent: ['guest', 'user', 'teammate', 'agent'],
  supervisor: ['guest', 'user', 'teammate', 'agent', 'supervisor'],
  admin: ['guest', 'user', 'teammate', 'agent', 'supervisor', 'admin'],
  owner: ['guest', 'user', 'teammate', 'agent', 'supervisor', 'admin', 'owner'],
};

export interface AuthConfig {
  globalSecret: string;
  /** `ADMIN_EMAIL || 'admin@tiledesk.com'`: skips role checks on routes declared with a types list. */
  adminEmail: string;
  /**
   * Only an explicitly configured `ADMIN_EMAIL` (the raw env var, no default) also lets that user into projects
   * it is not a member of.
   */
  adminEmailConfigured: boolean;
}

export type AuthOutcome = { ok: true; caller: Caller } | { ok: false; reply: Reply };

const BASIC_CHALLENGE = 'Basic realm="Users"';

/** passport-http `BasicStrategy` + passport-jwt, tried in that order, with passport 0.4's failure answer. */
export function authenticate(
  store: Store,
  config: AuthConfig,
  req: IncomingMessage,
  query: Record<string, unknown>,
  options: { noEntityCheck?: boolean } = {},
): AuthOutcome {
  // An empty header is no header to passport (both strategies test it for truthiness).
  const header = typeof req.headers.authorization === 'string' && req.headers.authorization !== '' ? req.headers.authorization : undefined;
  let basicStatus: number | undefined;

  // ---- Basic
  if (header !== undefined) {
    const parts = header.split(' ');
    if (parts.length < 2) basicStatus = 400;
    else if (/Basic/i.test(parts[0]!)) {
      const credentials = Buffer.from(parts[1]!, 'base64').toString('utf8').split(':');
      if (credentials.length < 2) basicStatus = 400;
      else {
        const [userid, password] = credentials as [string, string];
        if (userid && password) {
          const user = store.usersByEmail.get(userid.toLowerCase());
          if (user && user.status === 100 && store.checkPassword(user._id, password)) {
            return { ok: true, caller: callerFromUser(user, true) };
          }
        }
      }
    }
  }

  // ---- JWT
  let token: string | undefined;
  if (header !== undefined) {
    const match = /(\S+)\s+(\S+)/.exec(header);
    if (match && match[1]!.toLowerCase() === 'jwt') token = match[2];
  }
  if (token === undefined && typeof query.secret_token === 'string') token = query.secret_token;
  if (token !== undefined) {
    const outcome = verifyRestToken(store, config, token, options.noEntityCheck === true);
    if (outcome === 'crash') return { ok: false, reply: { kind: 'json', status: 500, body: { err: 'error' } } };
    if (outcome) return { ok: true, caller: outcome };
  }

  const status = basicStatus ?? 401;
  return {
    ok: false,
    reply: {
      kind: 'text',
      status,
      body: status === 400 ? 'Bad Request' : 'Unauthorized',
      headers: status === 401 ? { 'WWW-Authenticate': BASIC_CHALLENGE } : {},
    },
  };
}

/** The key passport-jwt's `secretOrKeyProvider` picks from the (unverified) `aud` claim. */
function keyForToken(store: Store, config: AuthConfig, token: string): string | undefined | 'crash' {
  const decoded = decodeJwt(token)?.payload;
  const aud = decoded?.aud;
  if (!decoded || !aud) return config.globalSecret;
  let path: string;
  try {
    path = new URL(String(aud)).pathname;
  } catch {
    // `new URL(aud)` throws synchronously inside the middleware: Express answers 500.
    return 'crash';
  }
  const [, type, id] = path.split('/');
  if (type === 'projects') {
    if (!id) return undefined;
    const projectId = castObjectId(id);
    if (!projectId) return undefined;
    const project = store.activeProject(projectId);
    return project ? store.projectSecrets.get(projectId) : undefined;
  }
  if (type === 'bots' || type === 'subscriptions') return undefined;
  return config.globalSecret;
}

/** Returns the caller, `undefined` for a plain authentication failure, or 'crash' for the 500 cases. */
function verifyRestToken(store: Store, config: AuthConfig, token: string, noEntityCheck: boolean): Caller | undefined | 'crash' {
  const key = keyForToken(store, config, token);
  if (key === 'crash') return 'crash';
  const payload = verifyJwt(token, key);
  if (!payload) return undefined;
  const doc = payload._doc as Record<string, unknown> | undefined;
  const identifier = payload._id ?? (doc && typeof doc === 'object' ? doc._id : undefined);
  if (identifier === undefined || identifier === null) return undefined;
  if (noEntityCheck) return callerFromPayload(payload, String(identifier), 'userexternal', false);
  const sub = payload.sub;
  if (sub === 'bot' || sub === 'subscription') {
    // No bots or subscriptions exist here; a non-ObjectId id is a Mongoose CastError on the real server.
    return isObjectIdLike(identifier) ? undefined : 'crash';
  }
  if (sub === 'userexternal' || sub === 'guest') return callerFromPayload(payload, String(identifier), sub, true);
  const userId = castObjectId(identifier);
  if (!userId) return typeof identifier === 'object' ? undefined : 'crash';
  const user = store.users.get(userId);
  if (!user || user.status !== 100) return undefined;
  const caller = callerFromUser(user, false);
  caller.payload = payload;
  return caller;
}

/** A database user as `req.user`. Basic auth selects only a few fields; a JWT loads the whole document. */
export function callerFromUser(user: UserDoc, basicSelect: boolean): Caller {
  return {
    kind: 'user',
    _id: user._id,
    id: user._id,
    email: user.email,
    firstname: user.firstname,
    lastname: user.lastname,
    fullName: `${user.firstname ?? ''} ${user.lastname ?? ''}`,
    attributes: basicSelect ? undefined : user.attributes,
    phone: basicSelect ? undefined : user.phone,
    user,
    basic: basicSelect,
  };
}

/** `UserUtil.decorateUser(jwt_payload)`: the token payload itself, plus `id` and `fullName`. */
function callerFromPayload(payload: JwtPayload, identifier: string, kind: 'guest' | 'userexternal', decorate: boolean): Caller {
  const firstname = typeof payload.firstname === 'string' ? payload.firstname : undefined;
  const lastname = typeof payload.lastname === 'string' ? payload.lastname : undefined;
  if (decorate) {
    payload.id = payload._id;
    payload.fullName = `${firstname ?? ''} ${lastname ?? ''}`;
  }
  return {
    kind: payload.sub === 'guest' ? 'guest' : kind,
    _id: identifier,
    id: identifier,
    sub: typeof payload.sub === 'string' ? payload.sub : undefined,
    email: typeof payload.email === 'string' ? payload.email : undefined,
    firstname,
    lastname,
    fullName: `${firstname ?? ''} ${lastname ?? ''}`,
    attributes: payload.attributes,
    phone: payload.phone,
    payload,
  };
}

/** `validtoken`: an `Authorization` header of exactly two space-separated parts. */
export function validToken(req: IncomingMessage): Reply | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.split(' ').length === 2) return undefined;
  return json(403, { success: false, msg: 'Unauthorized.' });
}

/** `projectUserService.getWithPermissions`: the caller's active project_user. */
export function callerProjectUser(store: Store, caller: Caller, projectId: string): ProjectUserDoc | undefined {
  const byUuid = caller.sub === 'userexternal' || caller.sub === 'guest';
  if (!byUuid && !castObjectId(caller._id)) throw new RouteCrash('CastError on project_user lookup');
  return store.findProjectUser(projectId, caller._id, byUuid ? 'uuid_user' : 'id_user', (pu) => pu.status === 'active');
}

export type RoleOutcome = { ok: true; projectUser: ProjectUserDoc | undefined } | { ok: false; reply: Reply };

/**
 * `roleChecker.hasRoleOrTypes(role, types)`. `withTypes` marks routes declared with a types list: only
 * those let the ADMIN_EMAIL user through without a membership (the real server's bypass).
 */
export function checkRole(store: Store, config: AuthConfig, caller: Caller, projectId: string, role: string | null, withTypes: boolean): RoleOutcome {
  if (withTypes && caller.email !== undefined && caller.email === config.adminEmail) return { ok: true, projectUser: undefined };
  const projectUser = callerProjectUser(store, caller, projectId);
  if (!projectUser) {
    // `req.user.email === process.env.ADMIN_EMAIL`: with the variable unset, a caller without an e-mail (an
    // anonymous guest, a custom token without one) passes into ANY project, as on the real server.
    const envAdminEmail = config.adminEmailConfigured ? config.adminEmail : undefined;
    if (caller.email === envAdminEmail) {
      // The bypass marks `req.user`; routes copy these attributes into leads they create.
      caller.attributes = { isSuperadmin: true };
      return { ok: true, projectUser: undefined };
    }
    return { ok: false, reply: json(403, { success: false, msg: 'you dont belong to the project.' }) };
  }
  if (!role) return { ok: true, projectUser };
  const allowed = ROLE_HIERARCHY[projectUser.role];
  // A custom role (one outside the hierarchy) goes to `hasPermission(permission)`, which calls `next()` when the
  // route names no permission; no route the real server mounts names one, so every custom role passes.
  if (!allowed || allowed.includes(role)) return { ok: true, projectUser };
  return { ok: false, reply: json(403, { success: false, msg: 'you dont have the required role.' }) };
}

/** `project_user.hasPermissionOrRole(permission, roles)`: with no permissions stored, only the role counts. */
export function hasPermissionOrRole(pu: ProjectUserDoc, permission: string, roles: readonly string[] | string): boolean {
  if (pu.permissions.length > 0) return pu.permissions.includes(permission);
  return typeof roles === 'string' ? pu.role === roles : roles.includes(pu.role);
}
