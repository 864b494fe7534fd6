import { generateKeyPairSync } from 'node:crypto';
import { minimize } from '../domain.js';
import { castObjectId, isObjectIdLike, uuidv4 } from '../ids.js';
import { hang, json, type Reply } from '../http.js';
import { CastFailure, castNumberOrThrow, matchesValue, paginate, sortBy, sortDirection, stringQueryFilter } from '../query.js';
import { csvDate, csvExpress } from '../csv.js';
import type { ProjectUserDoc, UserDoc } from '../store.js';
import { departmentView, leadView, projectUserView } from '../views.js';
import { bodyObject, callerOf, guard, projectUserOf, type RouteContext } from './context.js';

// ---- leads (agent+, bot, subscription) ----------------------------------------------------------------------

export function leadRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const body = bodyObject(ctx);
  if (rest.length === 0) {
    if (ctx.method === 'GET') return listLeads(ctx);
    if (ctx.method === 'POST') {
      const lead = ctx.domain.createLead(body.lead_id, body.fullname, body.email, ctx.projectId!, callerOf(ctx).id, body.attributes);
      // A failed save is an unhandled rejection on the real route: no answer.
      return lead ? json(200, leadView(lead)) : hang();
    }
    return undefined;
  }
  if (rest.length === 1) {
    const id = rest[0]!;
    if (ctx.method === 'GET' && id.toLowerCase() === 'csv') return leadsCsv(ctx);
    const leadId = castObjectId(id);
    if (ctx.method === 'GET') {
      if (!leadId) return json(500, { success: false, msg: 'Error getting object.' });
      const lead = ctx.store.leads.get(leadId);
      return lead ? json(200, leadView(lead)) : json(404, { success: false, msg: 'Object not found.' });
    }
    if (ctx.method === 'PUT') {
      if (!leadId) return json(500, { success: false, msg: 'Error updating object.' });
      const lead = ctx.store.leads.get(leadId);
      if (!lead) return hang();
      for (const field of ['fullname', 'email', 'attributes', 'status', 'phone', 'company', 'note', 'streetAddress', 'city', 'region', 'zipcode', 'country'] as const) {
        const value = body[field];
        if (value === undefined || value === null) continue;
        if (field === 'attributes') {
          const attributes = minimize(value);
          if (attributes === undefined) delete lead.attributes;
          else lead.attributes = attributes as Record<string, unknown>;
        } else if (field === 'status') {
          try {
            lead.status = castNumberOrThrow(value, 'status', 'lead');
          } catch {
            return json(500, { success: false, msg: 'Error updating object.' });
          }
        } else if (typeof value === 'object') return json(500, { success: false, msg: 'Error updating object.' });
        else lead[field] = String(value);
      }
      if (body.tags) lead.tags = (Array.isArray(body.tags) ? body.tags : [body.tags]).map(String);
      lead.updatedAt = ctx.domain.iso();
      const nameOrEmail = (body.fullname !== undefined && body.fullname !== null) || (body.email !== undefined && body.email !== null);
      ctx.domain.leadUpdated(lead, nameOrEmail);
      return json(200, leadView(lead));
    }
    if (ctx.method === 'DELETE') {
      if (!leadId) return json(500, { success: false, msg: 'Error updating object.' });
      const lead = ctx.store.leads.get(leadId);
      if (!lead) return json(404, { success: false, msg: 'Object not found.' });
      lead.status = 1000;
      lead.updatedAt = ctx.domain.iso();
      return json(200, leadView(lead));
    }
    return undefined;
  }
  if (rest.length === 2 && ctx.method === 'PATCH' && rest[1]!.toLowerCase() === 'attributes') {
    const leadId = castObjectId(rest[0]);
    const lead = leadId ? ctx.store.leads.get(leadId) : undefined;
    if (!leadId) return json(500, { success: false, msg: 'Error updating object.' });
    if (!lead) return json(404, { success: false, msg: 'Object not found.' });
    const merged: Record<string, unknown> = { ...(lead.attributes ?? {}) };
    for (const [key, value] of Object.entries(body)) if (key !== '__proto__') merged[key] = value;
    const attributes = minimize(merged);
    if (attributes === undefined) delete lead.attributes;
    else lead.attributes = attributes as Record<string, unknown>;
    lead.updatedAt = ctx.domain.iso();
    ctx.domain.leadUpdated(lead, false);
    return json(200, leadView(lead));
  }
  return undefined;
}

function listLeads(ctx: RouteContext): Reply {
  const q = ctx.query;
  let limit = 40;
  if (q.limit !== undefined && q.limit !== '') limit = parseInt(String(q.limit), 10);
  const page = q.page !== undefined && q.page !== '' ? Number(q.page) : 0;
  if (q.segment) return json(404, { success: false, msg: 'Error segment not found' });
  let direction: 1 | -1;
  try {
    direction = sortDirection(q.direction === undefined || q.direction === '' ? -1 : q.direction);
  } catch {
    // The lead list is an async handler: the throw becomes an unhandled rejection and nothing is sent.
    return hang();
  }
  const sortField = typeof q.sort === 'string' && q.sort ? q.sort : 'createdAt';
  let status = 100;
  try {
    if (q.status) status = castNumberOrThrow(q.status, 'status', 'lead');
  } catch (error) {
    if (error instanceof CastFailure) return hang();
    throw error;
  }
  const search = typeof q.full_text === 'string' && q.full_text ? q.full_text.toLowerCase() : undefined;
  const matched = (ctx.store.leadsByProject.get(ctx.projectId!) ?? []).filter((lead) => {
    if (lead.status !== status) return false;
    if (q.email && !matchesValue(lead.email, q.email)) return false;
    if (q.with_email && lead.email === undefined) return false;
    if (q.with_fullname && lead.fullname === undefined) return false;
    if (q.tags && !matchesValue(lead.tags, q.tags)) return false;
    if (search && !`${lead.fullname ?? ''} ${lead.email ?? ''}`.toLowerCase().split(/\s+/).includes(search)) return false;
    return true;
  });
  const leads = paginate(sortBy(matched, sortField, direction), page * limit, limit).map(leadView);
  return json(200, { perPage: Number.isNaN(limit) ? null : limit, count: matched.length, leads });
}

/**
 * `GET /leads/csv`: every lead not deleted (`status < 1000`), optionally by `email`, sorted like the list (an
 * invalid direction throws synchronously: 500), 100 000 per `page`, without `attributes` and `__v`.
 */
function leadsCsv(ctx: RouteContext): Reply {
  const q = ctx.query;
  const direction = sortDirection(q.direction === undefined || q.direction === '' ? -1 : q.direction);
  const sortField = typeof q.sort === 'string' && q.sort ? q.sort : 'createdAt';
  const page = q.page !== undefined && q.page !== '' ? Number(q.page) : 0;
  const search = typeof q.full_text === 'string' && q.full_text ? q.full_text.toLowerCase() : undefined;
  const matched = (ctx.store.leadsByProject.get(ctx.projectId!) ?? []).filter((lead) => {
    if (!(lead.status < 1000)) return false;
    if (q.email && !matchesValue(lead.email, q.email)) return false;
    if (search && !`${lead.fullname ?? ''} ${lead.email ?? ''}`.toLowerCase().split(/\s+/).includes(search)) return false;
    return true;
  });
  const rows = paginate(sortBy(matched, sortField, direction), page * 100_000, 100_000).map((lead) => {
    const row: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(lead)) {
      if (key === 'attributes' || key === '__v' || value === undefined) continue;
      row[key] = key === 'createdAt' || key === 'updatedAt' ? csvDate(value) : value;
    }
    return row;
  });
  return { kind: 'text', status: 200, body: csvExpress(rows), contentType: 'text/csv; charset=utf-8', etag: true };
}

// ---- departments (GET needs no credentials) -----------------------------------------------------------------

export function departmentRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  if (ctx.method !== 'GET') return undefined;
  const departments = ctx.store.departmentsByProject.get(ctx.projectId!) ?? [];
  if (rest.length === 0) {
    const active = departments.filter((d) => d.status === 1);
    const ordered = ctx.query.sort ? sortBy(active, 'name', 1) : active;
    return json(200, ordered.map((d) => departmentView(d, true)));
  }
  if (rest.length === 1) {
    const id = rest[0]!;
    if (id === 'default') {
      const department = departments.find((d) => d.default === true);
      return department ? json(200, departmentView(department, true)) : json(200, null);
    }
    if (id.toLowerCase() === 'allstatus') {
      const denied = guard(ctx, 'agent', true);
      if (denied) return denied;
      return json(200, departments.map((d) => departmentView(d, true)));
    }
    const departmentId = castObjectId(id);
    if (!departmentId) return json(500, { success: false, msg: 'Error getting object.' });
    const department = ctx.store.departments.get(departmentId);
    return department ? json(200, departmentView(department, true)) : json(404, { success: false, msg: 'Object not found.' });
  }
  return undefined;
}

// ---- project_users (each route declares its own auth) -------------------------------------------------------

export function projectUserRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const store = ctx.store;
  const projectId = ctx.projectOid!;
  const isBusy = false;
  const withUser = (pu: ProjectUserDoc, user: 'full' | 'firstLast' | 'firstLastEmail' | undefined = 'full') =>
    projectUserView(store, pu, { virtuals: true, user, isBusy });

  if (rest.length === 0 && ctx.method === 'GET') {
    const denied = guard(ctx, 'agent', true);
    if (denied) return denied;
    const q = ctx.query;
    const roles = typeof q.role === 'string' ? q.role.split(',') : undefined;
    const list = (store.projectUsersByProject.get(projectId) ?? []).filter((pu) => {
      if (pu.roleType !== 1) return false;
      if (q.trashed !== 'true' && pu.trashed === true) return false;
      if (q.status ? pu.status !== q.status : false) return false;
      if (roles && !roles.includes(pu.role)) return false;
      if (q.presencestatus && (pu.presence as { status?: string } | undefined)?.status !== q.presencestatus) return false;
      return true;
    });
    return json(200, list.map((pu) => withUser(pu)));
  }
  if (rest.length === 0 && ctx.method === 'PUT') {
    const denied = guard(ctx, 'agent', false);
    if (denied) return denied;
    const pu = projectUserOf(ctx);
    const body = bodyObject(ctx);
    for (const field of ['user_available', 'profileStatus', 'max_assigned_chat', 'number_assigned_requests', 'attributes', 'tags'] as const) {
      const value = body[field];
      if (value === undefined || value === null) continue;
      if (field === 'user_available') {
        if (typeof value === 'object') return json(500, { success: false, msg: 'Error updating object.' });
        pu.user_available = value === true || value === 'true' || value === 1 || value === '1';
      } else if (field === 'max_assigned_chat' || field === 'number_assigned_requests') {
        const n = Number(value);
        if (Number.isNaN(n) || typeof value === 'object') return json(500, { success: false, msg: 'Error updating object.' });
        pu[field] = n;
      } else if (field === 'profileStatus') pu.profileStatus = String(value);
      else if (field === 'attributes') {
        const attributes = minimize(value);
        if (attributes === undefined) delete pu.attributes;
        else pu.attributes = attributes;
      } else pu.tags = Array.isArray(value) ? value : [value];
    }
    pu.updatedAt = ctx.domain.iso();
    ctx.domain.projectUserUpdated(pu);
    return json(200, projectUserView(store, pu, { virtuals: true }));
  }
  if (rest.length === 0 && ctx.method === 'POST') {
    const denied = guard(ctx, 'agent', false);
    if (denied) return denied;
    const body = bodyObject(ctx);
    const pu = ctx.domain.addMember(projectId, { uuid_user: uuidv4() }, 'guest', 2, callerOf(ctx).id, false);
    if (Array.isArray(body.tags)) pu.tags = body.tags;
    return json(200, projectUserView(store, pu, { virtuals: true }));
  }
  if (rest.length === 1 && ctx.method === 'POST' && rest[0]!.toLowerCase() === 'invite') return invite(ctx);
  if (rest.length === 1 && ctx.method === 'GET') {
    const id = rest[0]!;
    const denied = guard(ctx, 'agent', true);
    if (denied) return denied;
    if (id.toLowerCase() === 'me') {
      // Without a membership (a role-check bypass) `project_user.toJSON()` throws: Express answers 500.
      const pu = projectUserOf(ctx);
      return json(200, [projectUserView(store, pu, { virtuals: true, isBusy })]);
    }
    const puId = castObjectId(id);
    if (!puId) return json(500, { success: false, msg: 'Error getting object.' });
    const pu = store.projectUsers.get(puId);
    if (!pu || pu.id_project !== projectId) return json(404, { success: false, msg: 'Object not found.' });
    return json(200, withUser(pu));
  }
  if (rest.length === 2 && ctx.method === 'GET' && rest[0]!.toLowerCase() === 'users') {
    const target = rest[1]!;
    if (target.toLowerCase() === 'search') return searchUserByEmail(ctx);
    const denied = guard(ctx, 'agent', true);
    if (denied) return denied;
    const byUser = isObjectIdLike(target);
    const person = byUser ? castObjectId(target) ?? target : target;
    const pu = store.findProjectUser(projectId, person, byUser ? 'id_user' : 'uuid_user');
    if (!pu) return json(404, { success: false, msg: 'Object not found.' });
    return json(200, [withUser(pu)]);
  }
  return undefined;
}

/**
 * `GET /users/search?email=` (user+): the **user** id of a teammate. `{email: req.query.email}` goes to Mongo
 * as it is: no lower-casing, a repeated parameter is `$in`, `email[$ne]=…` an operator; a value Mongoose cannot
 * cast rejects inside the async handler and nothing is answered.
 */
function searchUserByEmail(ctx: RouteContext): Reply {
  const denied = guard(ctx, 'user', true);
  if (denied) return denied;
  const raw = ctx.query.email;
  let user: UserDoc | undefined;
  if (raw !== undefined) {
    let matches: (email: unknown) => boolean;
    try {
      matches = stringQueryFilter(raw, 'email', 'user');
    } catch {
      return hang();
    }
    for (const candidate of ctx.store.users.values()) {
      if (matches(candidate.email)) {
        user = candidate;
        break;
      }
    }
  }
  if (!user) return json(404, { success: false, msg: 'Object not found.' });
  // Any membership counts: no status, role or trashed filter.
  const pu = ctx.store.findProjectUser(ctx.projectOid!, user._id, 'id_user');
  if (!pu) return json(403, { msg: 'Unauthorized. This is not a your teammate.' });
  return json(200, { _id: user._id });
}

function invite(ctx: RouteContext): Reply {
  const denied = guard(ctx, 'admin', false);
  if (denied) return denied;
  const body = bodyObject(ctx);
  const email = typeof body.email === 'string' ? body.email.toLowerCase() : undefined;
  const caller = callerOf(ctx);
  const user = email ? ctx.store.usersByEmail.get(email) : undefined;
  if (!user) {
    const at = ctx.domain.iso();
    return json(200, {
      msg: 'User not found, save invite in pending ',
      pendingInvitation: { _id: ctx.store.newId(), id_project: ctx.projectId, email, role: body.role, createdBy: caller.id, createdAt: at, updatedAt: at, __v: 0 },
    });
  }
  if (caller.id === user._id) return json(403, { success: false, msg: 'Forbidden. It is not allowed to invite oneself', code: 4000 });
  const existing = ctx.store.findProjectUser(ctx.projectOid!, user._id, 'id_user', (pu) => pu.roleType === 1 && pu.status === 'active');
  if (existing && existing.trashed !== true) return json(403, { success: false, msg: 'Forbidden. User is already a member', code: 4001 });
  if (body.role === undefined || body.role === null || typeof body.role === 'object') {
    return json(500, { success: false, msg: `An error occurred on inviting user ${email} on project ${ctx.projectId}` });
  }
  const available = typeof body.user_available === 'boolean' ? body.user_available : true;
  const pu = ctx.domain.addMember(ctx.projectOid!, { id_user: user._id }, String(body.role), 1, caller.id, available);
  return json(200, projectUserView(ctx.store, pu, { virtuals: true }));
}

// ---- keys -------------------------------------------------------------------------------------------------------

/** `POST /<pid>/keys/generate` (agent+): a fresh project `jwtSecret` (plus an RSA pair nobody uses). */
export function keyRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  if (ctx.method !== 'POST' || rest.length !== 1 || rest[0]!.toLowerCase() !== 'generate') return undefined;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 512 });
  const jwtSecret = uuidv4();
  ctx.store.projectSecrets.set(ctx.projectOid!, jwtSecret);
  return json(200, {
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString().trim(),
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString().trim(),
    jwtSecret,
  });
}

