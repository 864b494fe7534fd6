import type { IncomingMessage } from 'node:http';
import { type AuthConfig, authenticate, type Caller, checkRole, validToken } from '../auth.js';
import type { Domain } from '../domain.js';
import { type Query, type Reply, RouteCrash } from '../http.js';
import type { ProjectDoc, ProjectUserDoc, Store } from '../store.js';

/** Everything a handler needs about one HTTP request; mirrors the bits of Express's `req` the routes read. */
export interface RouteContext {
  req: IncomingMessage;
  method: string;
  /** Raw pathname, as Express's 404 page prints it. */
  pathname: string;
  query: Query;
  body: unknown;
  store: Store;
  domain: Domain;
  config: AuthConfig;
  /** `req.user`, once a layer authenticated it (cached: passport runs once per mount on the real server). */
  caller?: Caller;
  /** `req.projectuser`, cached by the first role check like the real middleware. */
  projectUser?: ProjectUserDoc;
  project?: ProjectDoc;
  /**
   * The project id as written in the URL. String-typed fields (`request.id_project`, messages, leads,
   * departments) are compared with it verbatim, so an upper-case id finds nothing there, as on the real server.
   */
  projectId?: string;
  /** The cast ObjectId (lower-case hex): what ObjectId-typed fields (project_user.id_project) match. */
  projectOid?: string;
}

/** A route handler: a reply, or undefined to fall through to the next layer (Express `next()`). */
export type Handler = (ctx: RouteContext, params: string[]) => Reply | undefined;

/** Runs `passport.authenticate(['basic','jwt'])` + `validtoken`; returns a reply when the chain stops. */
export function requireAuth(ctx: RouteContext, options: { noEntityCheck?: boolean } = {}): Reply | undefined {
  if (!ctx.caller || options.noEntityCheck) {
    const outcome = authenticate(ctx.store, ctx.config, ctx.req, ctx.query, options);
    if (!outcome.ok) return outcome.reply;
    ctx.caller = outcome.caller;
  }
  return validToken(ctx.req);
}

/** `roleChecker.hasRoleOrTypes(role, types)` after authentication. */
export function requireRole(ctx: RouteContext, role: string | null, withTypes: boolean): Reply | undefined {
  const caller = ctx.caller;
  if (!caller || !ctx.projectOid) throw new RouteCrash('role check without caller');
  const outcome = checkRole(ctx.store, ctx.config, caller, ctx.projectOid, role, withTypes);
  if (!outcome.ok) return outcome.reply;
  // `req.projectuser` is set by the first check and reused by later mounts' handlers.
  if (!ctx.projectUser) ctx.projectUser = outcome.projectUser;
  return undefined;
}

/** Authentication + role as one mount middleware chain. */
export function guard(ctx: RouteContext, role: string | null, withTypes: boolean): Reply | undefined {
  return requireAuth(ctx) ?? requireRole(ctx, role, withTypes);
}

/** The caller's project_user, which the real routes dereference without checking (ADMIN_EMAIL bypass → crash). */
export function projectUserOf(ctx: RouteContext): ProjectUserDoc {
  if (!ctx.projectUser) throw new RouteCrash('req.projectuser is undefined');
  return ctx.projectUser;
}

export function callerOf(ctx: RouteContext): Caller {
  if (!ctx.caller) throw new RouteCrash('req.user is undefined');
  return ctx.caller;
}

/** A query parameter the real route uses as a string (`.split`, `===`): arrays/objects make it throw. */
export function queryString(ctx: RouteContext, name: string): string | undefined {
  const value = ctx.query[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : undefined;
}

/** `req.body` as an object (body-parser always gives one; a JSON array is still an object). */
export function bodyObject(ctx: RouteContext): Record<string, unknown> {
  const body = ctx.body;
  if (typeof body === 'object' && body !== null) return body as Record<string, unknown>;
  return {};
}

/** express-validator 6 error entry: `value` only when defined. */
export function validationError(value: unknown, param: string): Record<string, unknown> {
  return value === undefined ? { msg: 'Invalid value', param, location: 'body' } : { value, msg: 'Invalid value', param, location: 'body' };
}

/** express-validator `notEmpty()`: the value's string form is not empty. */
export function isNotEmpty(value: unknown): boolean {
  return validatorString(value) !== '';
}

/** express-validator's `toString` of a value before validation. */
export function validatorString(value: unknown): string {
  if (value === undefined || value === null || Number.isNaN(value)) return '';
  if (Array.isArray(value)) return value.length > 0 ? validatorString(value[0]) : '';
  if (typeof value === 'object') {
    const toString = (value as { toString?: unknown }).toString;
    return typeof toString === 'function' && toString !== Object.prototype.toString ? String(value) : '[object Object]';
  }
  return String(value);
}

/** validator.js `isEmail` with default options, reduced to the cases that matter here. */
export function isEmail(value: unknown): boolean {
  const text = validatorString(value);
  if (text.length > 254) return false;
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return false;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (local.length > 64) return false;
  if (!/^[a-z\d!#$%&'*+\-/=?^_`{|}~]+(\.[a-z\d!#$%&'*+\-/=?^_`{|}~]+)*$/i.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  const tld = labels[labels.length - 1]!;
  if (!/^([a-z\u00a1-\uffff]{2,}|xn[a-z0-9-]{2,})$/i.test(tld)) return false;
  return labels.every((label) => /^[a-z\u00a1-\uffff0-9-]+$/i.test(label) && !label.startsWith('-') && !label.endsWith('-') && label.length <= 63);
}
