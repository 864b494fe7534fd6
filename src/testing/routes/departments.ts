import { castBoolean, castNumber, castString, castSubdocuments, fail, pick, UpdateFailure } from '../casts.js';
import { castObjectId } from '../ids.js';
import { json, type Reply } from '../http.js';
import type { DepartmentDoc } from '../store.js';
import { departmentView } from '../views.js';
import { bodyObject, callerOf, guard, type RouteContext } from './context.js';

/**
 * Department writes (`routes/department.js`), each route admin+ (`hasRole('admin')`, no types). PUT, PATCH and
 * DELETE find the department by `_id` alone: a department of another project is changed too, and PUT/PATCH upsert
 * an id without a department.
 */
export function departmentWriteRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const method = ctx.method;
  if (rest.length === 0 && method === 'POST') return guard(ctx, 'admin', false) ?? createDepartment(ctx);
  if (rest.length !== 1 || (method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE')) return undefined;
  const denied = guard(ctx, 'admin', false);
  if (denied) return denied;
  const departmentId = castObjectId(rest[0]);
  if (method === 'DELETE') return deleteDepartment(ctx, departmentId);
  if (!departmentId) return json(500, { success: false, msg: method === 'PUT' ? 'Error updating object.' : 'Error patching object.' });
  return updateDepartment(ctx, departmentId, method);
}

/** `groups`: group members, each `{group_id, percentage}` with its own `_id`. */
function castGroups(ctx: RouteContext, value: unknown): unknown[] {
  return castSubdocuments(value, (item) => ({ _id: item._id === undefined ? ctx.store.newId() : (castObjectId(item._id) ?? fail('ObjectId')), ...pick(item, { group_id: castString, percentage: castNumber }) }));
}

const isBlank = (value: unknown) => value === undefined || value === null || value === '';

/** `POST /`: `new Department({...}).save()`; a value that does not cast or a missing required one → 500. */
function createDepartment(ctx: RouteContext): Reply {
  const body = bodyObject(ctx);
  const caller = callerOf(ctx);
  const at = ctx.domain.iso();
  try {
    // Fields the constructor leaves undefined take the schema defaults; null is stored as null.
    const given = pick(body, { routing: castString, name: castString, description: castString, default: castBoolean, status: castNumber, id_group: castString });
    const groups = body.groups === undefined ? [] : body.groups === null ? null : castGroups(ctx, body.groups);
    const department: DepartmentDoc = {
      routing: 'pooled',
      default: false,
      status: 1,
      _id: ctx.store.newId(),
      id_project: ctx.projectId!,
      createdBy: caller.id,
      tags: [],
      createdAt: at,
      updatedAt: at,
      __v: 0,
      ...given,
      groups: groups as unknown[],
    } as unknown as DepartmentDoc;
    if (body.id_bot) {
      department.id_bot = castString(body.id_bot) as string;
      if (body.bot_only !== undefined) department.bot_only = castBoolean(body.bot_only);
    }
    // `save()` validates: the required paths, also inside each group member.
    if (isBlank(department.name)) fail('name is required');
    for (const member of (groups ?? []) as Record<string, unknown>[]) {
      if (isBlank(member.group_id) || member.percentage === undefined || member.percentage === null) fail('group member is invalid');
    }
    ctx.store.addDepartment(department);
    return json(200, departmentView(department, true));
  } catch (error) {
    if (!(error instanceof UpdateFailure)) throw error;
    return json(500, { success: false, msg: 'Error saving object.' });
  }
}

/**
 * `PUT|PATCH /:departmentid`: `findByIdAndUpdate(id, update, {new: true, upsert: true})`, no validators. PUT always
 * writes `id_bot` and `id_group`, so leaving them out stores null (and the department no longer has a bot).
 */
function updateDepartment(ctx: RouteContext, departmentId: string, method: 'PUT' | 'PATCH'): Reply {
  const body = bodyObject(ctx);
  const given = (name: string) => body[name] !== undefined && body[name] !== null;
  const update: Record<string, unknown> = {};
  try {
    if (method === 'PUT') update.id_bot = body.id_bot === undefined ? null : castString(body.id_bot);
    else if (given('id_bot')) update.id_bot = castString(body.id_bot);
    if (given('status')) update.status = castNumber(body.status);
    if (given('bot_only')) update.bot_only = castBoolean(body.bot_only);
    if (given('routing')) update.routing = castString(body.routing);
    if (given('name')) update.name = castString(body.name);
    if (given('description')) update.description = castString(body.description);
    if (method === 'PUT') update.id_group = body.id_group === undefined ? null : castString(body.id_group);
    else if (given('id_group')) update.id_group = castString(body.id_group);
    // PATCH does not copy `online_msg`.
    if (given('online_msg') && method === 'PUT') update.online_msg = castString(body.online_msg);
    if (given('groups')) update.groups = castGroups(ctx, body.groups);
  } catch (error) {
    if (!(error instanceof UpdateFailure)) throw error;
    return json(500, { success: false, msg: method === 'PUT' ? 'Error updating object.' : 'Error patching object.' });
  }
  const at = ctx.domain.iso();
  let department = ctx.store.departments.get(departmentId);
  if (!department) {
    // Upserted: the update and the schema's defaults, but no project and no creator.
    department = { routing: 'pooled', default: false, status: 1, _id: departmentId, groups: [], tags: [], createdAt: at, updatedAt: at, __v: 0 } as unknown as DepartmentDoc;
    ctx.store.departments.set(departmentId, department);
  }
  Object.assign(department, update, { updatedAt: at });
  return json(200, departmentView(department, true));
}

/** `DELETE /:departmentid`: `findOneAndRemove({_id})`, the removed department or null. */
function deleteDepartment(ctx: RouteContext, departmentId: string | undefined): Reply {
  if (!departmentId) return json(500, { success: false, msg: 'Error deleting object.' });
  const department = ctx.store.departments.get(departmentId);
  if (!department) return json(200, null);
  ctx.store.removeDepartment(department);
  return json(200, departmentView(department, true));
}
