import { castObjectId, uuidv4 } from '../ids.js';
import { hang, json, type Reply } from '../http.js';
import { castError, castErrorJson } from '../query.js';
import { projectUserView, projectView, userSelectedView, userView } from '../views.js';
import type { ProjectDoc, ProjectUserDoc } from '../store.js';
import { bodyObject, callerOf, requireAuth, type RouteContext } from './context.js';

/** `/testauth`: a cheap token check answering the string `{"success":true}` (sent as HTML by `res.send`). */
export function testAuthRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const denied = requireAuth(ctx);
  if (denied) return denied;
  if (ctx.method === 'GET' && rest.length === 0) return { kind: 'text', status: 200, body: '{"success":true}', contentType: 'text/html; charset=utf-8', etag: true };
  return undefined;
}

/** `/users`: GET is "me", PUT updates the caller's profile fields. */
export function usersRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const denied = requireAuth(ctx);
  if (denied) return denied;
  if (rest.length !== 0) return undefined;
  const caller = callerOf(ctx);
  const userId = castObjectId(caller.id);
  if (ctx.method === 'GET') {
    if (!userId) return json(500, { success: false, msg: 'Error getting object.' });
    const user = ctx.store.users.get(userId);
    if (!user) return json(404, { success: false, msg: 'Object not found.' });
    return json(200, userSelectedView(user));
  }
  if (ctx.method === 'DELETE') {
    // "Deleting" a user anonymises it and sets status 0, so it can no longer sign in.
    if (!userId) return json(500, { success: false, msg: userIdCastError(caller.id) });
    const user = ctx.store.users.get(userId);
    if (!user) return hang();
    ctx.store.usersByEmail.delete(user.email);
    Object.assign(user, { status: 0, email: `${uuidv4()}@tiledesk.com`, firstname: 'anonymized', lastname: 'anonymized', updatedAt: ctx.domain.iso() });
    ctx.store.usersByEmail.set(user.email, user);
    return json(200, { success: true, updatedUser: userView(user) });
  }
  if (ctx.method === 'PUT') {
    const body = bodyObject(ctx);
    if (!userId) return json(500, { success: false, msg: userIdCastError(caller.id) });
    const user = ctx.store.users.get(userId);
    if (!user) return hang();
    if (body.phone !== undefined && body.phone !== null) {
      const phone = String(body.phone).trim();
      // `phone` has a unique index; the duplicate-key error is answered raw.
      for (const other of ctx.store.users.values()) {
        if (other !== user && other.phone === phone) return json(500, { success: false, msg: { ok: 0, code: 11000, codeName: 'DuplicateKey', name: 'MongoError' } });
      }
    }
    for (const field of ['firstname', 'lastname', 'attributes', 'description', 'public_email', 'public_website', 'phone'] as const) {
      const value = body[field];
      if (value === undefined || value === null) continue;
      if (field !== 'attributes' && typeof value === 'object') return json(500, { success: false, msg: castErrorJson('string', value, field, undefined) });
      (user as Record<string, unknown>)[field] = field === 'attributes' ? value : field === 'phone' ? String(value).trim() : String(value);
    }
    user.updatedAt = ctx.domain.iso();
    return json(200, { success: true, updatedUser: userView(user) });
  }
  return undefined;
}

/** The CastError `User.findById(<guest uuid>)` fails with, which these routes answer as `msg`. */
function userIdCastError(id: string): Record<string, unknown> {
  return castError('ObjectId', id, '_id', 'user').json;
}

/** `/projects`: POST creates a project owned by the caller, GET lists the caller's agent memberships. */
export function projectsRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  if (rest.length !== 0) return undefined;
  if (ctx.method !== 'GET' && ctx.method !== 'POST') return undefined;
  const denied = requireAuth(ctx);
  if (denied) return denied;
  const caller = callerOf(ctx);
  if (ctx.method === 'POST') {
    const body = bodyObject(ctx);
    // `name` is required by the schema; the rejected promise is never handled, so nothing is answered.
    if (body.name === undefined || body.name === null || body.name === '' || typeof body.name === 'object') return hang();
    const owner = ctx.store.users.get(caller.id);
    if (!owner) return hang();
    const { project } = ctx.domain.createProject(String(body.name), owner);
    return json(200, projectView(project, ctx.domain.now()));
  }
  if (!castObjectId(caller._id)) return json(500, { success: false, msg: 'Error getting object.' });
  // `Project_user.find({id_user, roleType: 1, status: 'active'}).sort({updatedAt: -1})`: every active membership,
  // so a member invited again after being disabled (a second membership) lists the project twice.
  const found: { pu: ProjectUserDoc; project: ProjectDoc }[] = [];
  for (const project of ctx.store.projects.values()) {
    for (const pu of ctx.store.projectUsersOf(project._id, caller._id)) {
      if (pu.id_user === caller._id && pu.roleType === 1 && pu.status === 'active') found.push({ pu, project });
    }
  }
  found.sort((a, b) => (a.pu.updatedAt < b.pu.updatedAt ? 1 : a.pu.updatedAt > b.pu.updatedAt ? -1 : 0));
  const memberships = found.map(({ pu, project }) => {
    const view = projectUserView(ctx.store, pu, { virtuals: true });
    view.id_project = projectView(project, ctx.domain.now());
    return { pu: view, updatedAt: project.updatedAt };
  });
  // Then re-sorted by the project's updatedAt with the route's own comparator, which never answers 0: two memberships
  // of one project end in the order V8's sort gives them, as on the real server.
  memberships.sort((a, b) => (a.updatedAt > b.updatedAt ? 1 : -1));
  memberships.reverse();
  return json(200, memberships.map((m) => m.pu));
}

/** `/requests_util/lookup/id_project/:request_id`: the only cross-project lookup. */
export function requestsUtilRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const denied = requireAuth(ctx);
  if (denied) return denied;
  if (ctx.method !== 'GET' || rest.length !== 3 || rest[0]!.toLowerCase() !== 'lookup' || rest[1]!.toLowerCase() !== 'id_project') return undefined;
  const requestId = rest[2]!;
  const request = ctx.store.requestsByRequestId.get(requestId);
  if (!request) return json(404, { success: false, msg: `Request with  ${requestId} not found` });
  return json(200, { id_project: request.id_project });
}
