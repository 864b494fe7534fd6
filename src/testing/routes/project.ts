import { generateKeyPairSync } from 'node:crypto';
import { isPlainObject, minimize } from '../domain.js';
import { castObjectId, isObjectIdLike, uuidv4 } from '../ids.js';
import { hang, json, type Reply, RouteCrash } from '../http.js';
import { castError, CastFailure, castBooleanOrThrow, castNumberOrThrow, matchesValue, paginate, sortBy, sortDirection, numberQueryFilter, stringQueryFilter } from '../query.js';
import { csvDate, csvExpress } from '../csv.js';
import type { DepartmentDoc, LeadDoc, ProjectUserDoc, UserDoc } from '../store.js';
import { departmentView, isActiveSubscription, leadView, projectUserView } from '../views.js';
import { bodyObject, callerOf, guard, projectUserOf, type RouteContext } from './context.js';
import { departmentWriteRoutes } from './departments.js';
import { segmentLeadFilter } from './segments.js';
import { indexedStrings, parseTextSearch, textScore } from '../text.js';

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
      const update = leadUpdate(body);
      if (!update) return json(500, { success: false, msg: 'Error updating object.' });
      // `findByIdAndUpdate(..., {upsert: true})`: an unknown id creates a bare lead (no project, no lead_id).
      const lead = ctx.store.leads.get(leadId) ?? upsertedLead(ctx, leadId);
      for (const [field, value] of Object.entries(update)) {
        if (value === undefined) delete lead[field];
        else lead[field] = value;
      }
      lead.updatedAt = ctx.domain.iso();
      const nameOrEmail = (body.fullname !== undefined && body.fullname !== null) || (body.email !== undefined && body.email !== null);
      ctx.domain.leadUpdated(lead, nameOrEmail);
      return json(200, leadView(lead));
    }
    if (ctx.method === 'DELETE') {
      if (!leadId) return json(500, { success: false, msg: 'Error updating object.' });
      const lead = ctx.store.leads.get(leadId) ?? upsertedLead(ctx, leadId);
      lead.status = 1000;
      lead.updatedAt = ctx.domain.iso();
      return json(200, leadView(lead));
    }
    return undefined;
  }
  if (rest.length === 2 && ctx.method === 'PUT' && rest[1]!.toLowerCase() === 'tag') return addLeadTags(ctx, rest[0]!);
  if (rest.length === 2 && ctx.method === 'DELETE' && rest[1]!.toLowerCase() === 'physical') {
    // `projectuser.role` without a membership throws synchronously: 500.
    if (projectUserOf(ctx).role !== 'owner') return json(403, { success: false, msg: 'Unauthorized.' });
    const leadId = castObjectId(rest[0]);
    if (!leadId) return json(500, { success: false, msg: 'Error deleting object.' });
    const removed = ctx.store.removeLead(leadId) ? 1 : 0;
    return json(200, { n: removed, ok: 1, deletedCount: removed });
  }
  if (rest.length === 3 && ctx.method === 'DELETE' && rest[1]!.toLowerCase() === 'tag') {
    const leadId = castObjectId(rest[0]);
    if (!leadId) return json(500, { success: false, error: castError('ObjectId', rest[0], '_id', 'lead').json });
    const lead = ctx.store.leads.get(leadId);
    if (!lead) return json(404, { success: false, error: `Lead not found with id ${rest[0]}` });
    lead.tags = lead.tags.filter((tag) => tag !== rest[2]);
    lead.updatedAt = ctx.domain.iso();
    return json(200, leadView(lead));
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

const LEAD_FIELDS = ['fullname', 'email', 'attributes', 'status', 'phone', 'company', 'note', 'streetAddress', 'city', 'region', 'zipcode', 'country'] as const;

/** The update of `PUT /leads/:id`, every field cast first (all or nothing); undefined when a cast fails. */
function leadUpdate(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const update: Record<string, unknown> = {};
  for (const field of LEAD_FIELDS) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (field === 'attributes') update.attributes = value;
    else if (field === 'status') {
      try {
        update.status = castNumberOrThrow(value, 'status', 'lead');
      } catch {
        return undefined;
      }
    } else if (typeof value === 'object') return undefined;
    else update[field] = String(value);
  }
  if (body.tags) {
    const tags = Array.isArray(body.tags) ? body.tags : [body.tags];
    if (tags.some((tag) => tag !== null && typeof tag === 'object')) return undefined;
    update.tags = tags.map(String);
  }
  return update;
}

/** What an upsert by `_id` creates: the schema defaults and nothing else. */
function upsertedLead(ctx: RouteContext, id: string): LeadDoc {
  const at = ctx.domain.iso();
  const lead = { _id: id, tags: [], status: 100, createdAt: at, updatedAt: at, __v: 0 } as unknown as LeadDoc;
  ctx.store.leads.set(id, lead);
  return lead;
}

/** `PUT /leads/:id/tag`: a JSON array of tag names, appended when not present. */
function addLeadTags(ctx: RouteContext, rawId: string): Reply {
  const body = ctx.body;
  if (Array.isArray(body) && body.length === 0) return json(400, { success: false, message: 'No tag specified' });
  const leadId = castObjectId(rawId);
  // The failed findById answers 500, then the route goes on with the response object and throws.
  if (!leadId) return json(500, { success: false, error: `Error getting lead with id ${rawId}` });
  const lead = ctx.store.leads.get(leadId);
  if (!lead) return json(404, { success: false, error: `Lead not found with id ${rawId}` });
  if (!Array.isArray(body)) return hang();
  const tags = [...lead.tags];
  for (const tag of body) if (!tags.includes(tag as string)) tags.push(tag as string);
  if (tags.some((tag) => tag !== null && typeof tag === 'object')) return json(500, { success: false, error: `Error updating lead with id ${rawId}` });
  lead.tags = tags.map((tag) => (tag === null ? tag : String(tag))) as string[];
  lead.updatedAt = ctx.domain.iso();
  ctx.domain.leadUpdated(lead, false);
  return json(200, leadView(lead));
}

function listLeads(ctx: RouteContext): Reply {
  const q = ctx.query;
  let limit = 40;
  // `parseInt(req.query.limit)` without a radix, and no cap.
  if (q.limit !== undefined && q.limit !== '') limit = parseInt(String(q.limit));
  const page = q.page !== undefined && q.page !== '' ? Number(q.page) : 0;
  // `Segment.findOne({id_project, _id})`, deleted segments too. An id that does not cast makes the awaited lookup
  // throw: the async route never answers.
  let inSegment: ((lead: LeadDoc) => boolean) | undefined;
  if (q.segment) {
    const segmentId = castObjectId(q.segment);
    if (!segmentId) return hang();
    const segment = ctx.store.segments.get(segmentId);
    if (!segment || segment.id_project !== ctx.projectId) return json(404, { success: false, msg: 'Error segment not found' });
    // The list sets these paths after the segment's conditions, replacing them.
    const overridden = new Set(['id_project', 'status']);
    if (q.email || q.with_email) overridden.add('email');
    if (q.with_fullname) overridden.add('fullname');
    if (q.tags) overridden.add('tags');
    const filter = segmentLeadFilter(segment, overridden);
    if (filter === 'hang') return hang();
    inSegment = filter;
  }
  let direction: 1 | -1;
  try {
    direction = sortDirection(q.direction === undefined || q.direction === '' ? -1 : q.direction);
  } catch {
    // The lead list is an async handler: the throw becomes an unhandled rejection and nothing is sent.
    return hang();
  }
  const sortField = typeof q.sort === 'string' && q.sort ? q.sort : 'createdAt';
  // A failed query only logs (`return (err)`): every cast failure below leaves the request unanswered.
  let status: (value: unknown) => boolean = (value) => value === 100;
  let email: ((value: unknown) => boolean) | undefined;
  let tags: ((value: unknown) => boolean) | undefined;
  try {
    if (q.status) status = numberQueryFilter(q.status, 'status', 'lead');
    // `with_email` replaces the `email` filter with `{$exists: true}`.
    if (q.with_email) email = (value) => value !== undefined;
    else if (q.email) email = stringQueryFilter(q.email, 'email', 'lead');
    if (q.tags) tags = stringQueryFilter(q.tags, 'tags', 'lead');
  } catch {
    return hang();
  }
  const search = leadSearch(q.full_text);
  const matched = (ctx.store.leadsByProject.get(ctx.projectId!) ?? []).filter((lead) => {
    if (!status(lead.status)) return false;
    if (inSegment && !inSegment(lead)) return false;
    if (email && !email(lead.email)) return false;
    if (q.with_fullname && lead.fullname === undefined) return false;
    if (tags && !tags(lead.tags)) return false;
    if (search && !search(lead)) return false;
    return true;
  });
  const leads = paginate(sortBy(matched, sortField, direction), page * limit, limit).map(leadView);
  return json(200, { perPage: Number.isNaN(limit) ? null : limit, count: matched.length, leads });
}

/** `?full_text=`: `$text` over the leads' text index (`fullname`, `email`; see `../text.ts`). */
function leadSearch(fullText: unknown): ((lead: LeadDoc) => boolean) | undefined {
  if (typeof fullText !== 'string' || !fullText) return undefined;
  const search = parseTextSearch(fullText);
  return (lead) => textScore(indexedStrings(lead.fullname, lead.email), search) !== undefined;
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
  const search = leadSearch(q.full_text);
  const matched = (ctx.store.leadsByProject.get(ctx.projectId!) ?? []).filter((lead) => {
    if (!(lead.status < 1000)) return false;
    if (q.email && !matchesValue(lead.email, q.email)) return false;
    if (search && !search(lead)) return false;
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

// ---- departments (reads need no credentials, writes are admin+) ---------------------------------------------

export function departmentRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  if (ctx.method !== 'GET') return departmentWriteRoutes(ctx, rest);
  const departments = ctx.store.departmentsByProject.get(ctx.projectId!) ?? [];
  // The lists' plan check (`profile.type === 'payment' && isActiveSubscription === false`): an expired paid plan
  // lists only the default department.
  const plan = (list: DepartmentDoc[]) =>
    ctx.project?.profile.type === 'payment' && isActiveSubscription(ctx.project, ctx.domain.now()) === false ? list.filter((d) => d.default === true) : list;
  if (rest.length === 0) {
    const active = plan(departments.filter((d) => d.status === 1));
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
      // `status: {$gte: 0}`: hidden (-1) and null statuses are left out.
      const visible = plan(departments.filter((d) => typeof d.status === 'number' && d.status >= 0));
      const ordered = ctx.query.sort ? sortBy(visible, 'name', 1) : visible;
      return json(200, ordered.map((d) => departmentView(d, true)));
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
    return listProjectUsers(ctx, withUser);
  }
  if (rest.length === 0 && ctx.method === 'PUT') {
    const denied = guard(ctx, 'agent', false);
    if (denied) return denied;
    const pu = projectUserOf(ctx);
    const update = projectUserUpdate(ctx, bodyObject(ctx));
    if (!update) return json(500, { success: false, msg: 'Error updating object.' });
    for (const [field, value] of Object.entries(update)) {
      if (value === undefined) delete pu[field];
      else pu[field] = value;
    }
    pu.updatedAt = ctx.domain.iso();
    ctx.domain.projectUserUpdated(pu);
    return json(200, projectUserView(store, pu, { virtuals: true }));
  }
  if (rest.length === 0 && ctx.method === 'POST') {
    const denied = guard(ctx, 'agent', false);
    if (denied) return denied;
    const body = bodyObject(ctx);
    // The new document is validated on save: tags must be tag sub-documents with a name.
    const tags = body.tags === undefined || body.tags === null ? [] : Array.isArray(body.tags) ? body.tags : [body.tags];
    if (tags.some((tag) => !isPlainObject(tag) || typeof tag.tag !== 'string' || tag.tag === '')) return json(500, { success: false, msg: 'Error saving object.' });
    const pu = ctx.domain.addMember(projectId, { uuid_user: uuidv4() }, 'guest', 2, callerOf(ctx).id, false);
    pu.tags = tags.map((tag) => ctx.domain.tagDoc(tag));
    return json(200, projectUserView(store, pu, { virtuals: true }));
  }
  if (rest.length === 1 && ctx.method === 'POST' && rest[0]!.toLowerCase() === 'invite') return invite(ctx);
  if (rest.length === 1 && ctx.method === 'PUT') return updateProjectUser(ctx, rest[0]!);
  if (rest.length === 1 && ctx.method === 'DELETE') return deleteProjectUser(ctx, rest[0]!);
  if (rest.length === 2 && ctx.method === 'PUT' && rest[1]!.toLowerCase() === 'restore') return restoreProjectUser(ctx, rest[0]!);
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
 * `GET /project_users`: agents (`roleType` 1) by default; `?role=` replaces that with `role: {$in: value}` — the
 * raw value, so `admin,agent` is one (unknown) role, guests are listed with `role=guest`, and a repeated
 * parameter is a real list. `status` and `presencestatus` are equality filters (operators included).
 */
function listProjectUsers(ctx: RouteContext, view: (pu: ProjectUserDoc) => unknown): Reply {
  const q = ctx.query;
  const failed = json(500, { success: false, msg: 'Error getting object.' });
  let role: (pu: ProjectUserDoc) => boolean = (pu) => pu.roleType === 1;
  let status: (value: unknown) => boolean = () => true;
  let presence: (value: unknown) => boolean = () => true;
  try {
    if (q.role) {
      const roles = Array.isArray(q.role) ? q.role : [q.role];
      if (roles.some((r) => typeof r !== 'string')) return failed;
      role = (pu) => roles.includes(pu.role);
    }
    if (q.status) status = stringQueryFilter(q.status, 'status', 'project_user');
    if (q.presencestatus) presence = stringQueryFilter(q.presencestatus, 'status', 'project_user');
  } catch {
    return failed;
  }
  const hideTrashed = !q.trashed || q.trashed === 'false';
  const list = (ctx.store.projectUsersByProject.get(ctx.projectOid!) ?? []).filter((pu) => {
    if (!role(pu)) return false;
    if (hideTrashed && pu.trashed === true) return false;
    if (q.status && !status(pu.status)) return false;
    if (q.presencestatus && !presence((pu.presence as { status?: string } | undefined)?.status)) return false;
    return true;
  });
  return json(200, list.map((pu) => view(pu)));
}

/**
 * The `findByIdAndUpdate` of `PUT /project_users`: every given field cast first (all or nothing), `tags` as tag
 * sub-documents, `attributes` replaced. Undefined when a cast fails (500).
 */
function projectUserUpdate(ctx: RouteContext, body: Record<string, unknown>): Record<string, unknown> | undefined {
  const update: Record<string, unknown> = {};
  try {
    for (const field of ['user_available', 'profileStatus', 'max_assigned_chat', 'number_assigned_requests', 'attributes', 'tags'] as const) {
      const value = body[field];
      if (value === undefined || value === null) continue;
      if (field === 'user_available') update[field] = castBooleanOrThrow(value, field, 'project_user');
      else if (field === 'max_assigned_chat' || field === 'number_assigned_requests') {
        if (typeof value === 'object') return undefined;
        update[field] = castNumberOrThrow(value, field, 'project_user');
      } else if (field === 'profileStatus') {
        if (typeof value === 'object') return undefined;
        update[field] = String(value);
      } else if (field === 'attributes') update[field] = minimize(value);
      else {
        const tags = Array.isArray(value) ? value : [value];
        if (tags.some((tag) => !isPlainObject(tag))) return undefined;
        update[field] = tags.map((tag) => ctx.domain.tagDoc(tag));
      }
    }
  } catch {
    return undefined;
  }
  return update;
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

/**
 * `PUT /project_users/:id` (admin+): role, status (`active`/`disabled` only) and the self-update fields, by id
 * without a project filter, upserting an unknown id as the real `findByIdAndUpdate` does.
 */
function updateProjectUser(ctx: RouteContext, rawId: string): Reply {
  const denied = guard(ctx, 'admin', true);
  if (denied) return denied;
  const body = bodyObject(ctx);
  const id = castObjectId(rawId);
  const update = id ? projectUserUpdate(ctx, body) : undefined;
  if (!id || !update) return json(500, { success: false, msg: 'Error updating object.' });
  if (body.role !== undefined && body.role !== null) {
    if (typeof body.role === 'object') return json(500, { success: false, msg: 'Error updating object.' });
    update.role = String(body.role);
  }
  if (body.status === 'active' || body.status === 'disabled') update.status = body.status;
  let pu = ctx.store.projectUsers.get(id);
  if (!pu) {
    const at = ctx.domain.iso();
    pu = { user_available: true, number_assigned_requests: 0, last_login_at: ctx.store.bootTime, permissions: [], status: 'active', trashed: false, _id: id, tags: [], createdAt: at, updatedAt: at, __v: 0 } as unknown as ProjectUserDoc;
    ctx.store.projectUsers.set(id, pu);
  }
  for (const [field, value] of Object.entries(update)) {
    if (value === undefined) delete pu[field];
    else pu[field] = value;
  }
  pu.updatedAt = ctx.domain.iso();
  if (pu.id_project !== undefined) ctx.domain.projectUserUpdated(pu);
  return json(200, projectUserView(ctx.store, pu, { virtuals: true }));
}

/** `DELETE /project_users/:id` (admin+): disable (default), `?soft=true` trashes, `?hard=true` removes. */
function deleteProjectUser(ctx: RouteContext, rawId: string): Reply {
  const denied = guard(ctx, 'admin', false);
  if (denied) return denied;
  const soft = ctx.query.soft === 'true';
  const hard = !soft && ctx.query.hard === 'true';
  const id = castObjectId(rawId);
  if (!id) {
    const failure = soft ? 'Error deleting Project User with id ' : hard ? 'Error deleting Project user with id ' : 'Error disabling Project User with id ';
    return json(500, { success: false, msg: failure + rawId });
  }
  const pu = ctx.store.projectUsers.get(id);
  if (!pu) return json(404, { success: false, error: `Project user not found with id ${rawId}` });
  if (hard) {
    const view = projectUserView(ctx.store, pu, { virtuals: true });
    ctx.store.removeProjectUser(pu);
    return json(200, view);
  }
  // Trashing disables the membership as well (observed: the answer shows status "disabled").
  if (soft) {
    pu.trashed = true;
    pu.status = 'disabled';
  } else {
    pu.status = 'disabled';
    pu.user_available = false;
  }
  pu.updatedAt = ctx.domain.iso();
  return json(200, projectUserView(ctx.store, pu, { virtuals: true }));
}

/** `PUT /project_users/:id/restore` (admin+): only a trashed member of this project. */
function restoreProjectUser(ctx: RouteContext, rawId: string): Reply {
  const denied = guard(ctx, 'admin', false);
  if (denied) return denied;
  const id = castObjectId(rawId);
  if (!id) return json(500, { success: false, msg: `Error restoring Project User with id ${rawId}` });
  const pu = ctx.store.projectUsers.get(id);
  if (!pu || pu.id_project !== ctx.projectOid) return json(404, { success: false, error: `Project user not found with id ${rawId}` });
  if (pu.trashed !== true) return json(400, { success: false, error: 'Project user is not trashed, cannot restore' });
  pu.trashed = false;
  pu.status = 'active';
  pu.updatedAt = ctx.domain.iso();
  ctx.domain.projectUserUpdated(pu);
  return json(200, projectUserView(ctx.store, pu, { virtuals: true }));
}

function invite(ctx: RouteContext): Reply {
  const denied = guard(ctx, 'admin', false);
  if (denied) return denied;
  const body = bodyObject(ctx);
  // `email.toLowerCase()` on a non-string throws synchronously: 500.
  if (body.email !== undefined && body.email !== null && body.email !== '' && typeof body.email !== 'string') throw new RouteCrash('email.toLowerCase is not a function');
  const email = typeof body.email === 'string' && body.email ? body.email.toLowerCase() : body.email;
  const caller = callerOf(ctx);
  const user = typeof email === 'string' ? ctx.store.usersByEmail.get(email) : undefined;
  if (!user || user.status !== 100) {
    // pendingInvitationService: its rejections are sent as they are, with status 200.
    const key = `${ctx.projectId}\u0000${String(email)}`;
    const existing = ctx.store.pendingInvitations.get(key);
    if (existing) return json(200, { success: false, msg: 'Pending Invitation already exist.', pendinginvitation: [existing] });
    if (body.role === '' || body.role === undefined || body.role === null) return json(200, { success: false, msg: 'Role is required.', code: 405 });
    const at = ctx.domain.iso();
    const invitation = { _id: ctx.store.newId(), email, role: body.role, id_project: ctx.projectId, createdBy: caller.id, createdAt: at, updatedAt: at, __v: 0 };
    ctx.store.pendingInvitations.set(key, invitation);
    return json(200, { msg: 'User not found, save invite in pending ', pendingInvitation: invitation });
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

