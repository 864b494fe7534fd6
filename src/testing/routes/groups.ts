import { castBoolean, castString, UpdateFailure } from '../casts.js';
import { json, type Reply } from '../http.js';
import { castObjectId } from '../ids.js';
import type { GroupDoc } from '../store.js';
import { bodyObject, callerOf, type RouteContext } from './context.js';

/**
 * Groups of agents, `/<pid>/groups` (`routes/group.js`). The mount authenticates and checks agent+ (bot and
 * subscription tokens too) for every path, so agents may create and delete groups as well. Reads and writes by id
 * find a group by `_id` alone (a group of another project too); PUT, enable and disable upsert an unknown id. The
 * real server's group events only reach webhook subscriptions, which do not exist here: nothing is published.
 */
export function groupRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const method = ctx.method;
  if (rest.length === 0) {
    if (method === 'POST') return createGroup(ctx);
    if (method === 'GET') return listGroups(ctx);
    return undefined;
  }
  if (rest.length === 2 && method === 'PUT') {
    const action = rest[0]!.toLowerCase();
    if (action === 'enable') return setEnabled(ctx, rest[1]!, true);
    if (action === 'disable') return setEnabled(ctx, rest[1]!, false);
    return undefined;
  }
  if (rest.length !== 1) return undefined;
  if (method === 'PUT') return updateGroup(ctx, castObjectId(rest[0]));
  if (method === 'DELETE') return deleteGroup(ctx, rest[0]!);
  if (method === 'GET') return getGroup(ctx, castObjectId(rest[0]));
  return undefined;
}

/** The document as Mongoose answers it: the schema defaults (`members`, `enabled`) first, even where not stored. */
function groupView(group: GroupDoc): Record<string, unknown> {
  const out: Record<string, unknown> = { members: [], enabled: true };
  for (const [key, value] of Object.entries(group)) if (value !== undefined) out[key] = value;
  return out;
}

/** The `members` path (an untyped array): a single value is wrapped, null stays null. */
const castMembers = (value: unknown): unknown => (value === null || Array.isArray(value) ? value : [value]);

/** `POST /`: `new Group({name, members, trashed: false, id_project, createdBy}).save()`; `name` is required. */
function createGroup(ctx: RouteContext): Reply {
  const body = bodyObject(ctx);
  let name: unknown;
  try {
    name = castString(body.name);
  } catch (error) {
    if (!(error instanceof UpdateFailure)) throw error;
    return json(500, { success: false, msg: 'Error saving object.' });
  }
  if (name === undefined || name === null || name === '') return json(500, { success: false, msg: 'Error saving object.' });
  const at = ctx.domain.iso();
  const group: GroupDoc = {
    members: body.members === undefined ? [] : castMembers(body.members),
    enabled: true,
    _id: ctx.store.newId(),
    name: name as string,
    trashed: false,
    id_project: ctx.projectId!,
    createdBy: callerOf(ctx).id,
    createdAt: at,
    updatedAt: at,
    __v: 0,
  };
  ctx.store.groups.set(group._id, group);
  return json(200, groupView(group));
}

/** `GET /`: the project's groups that are not trashed, in creation order; `?member=` keeps those listing that member. */
function listGroups(ctx: RouteContext): Reply {
  const member = ctx.query.member;
  const wanted: unknown[] | undefined = member ? (Array.isArray(member) ? member : [member]) : undefined;
  const groups = [...ctx.store.groups.values()].filter(
    (group) =>
      group.id_project === ctx.projectId &&
      group.trashed === false &&
      (!wanted || (Array.isArray(group.members) && (group.members as unknown[]).some((m) => wanted.includes(m)))),
  );
  return json(200, groups.map(groupView));
}

/** `GET /:groupid`: `findById`, any project. */
function getGroup(ctx: RouteContext, id: string | undefined): Reply {
  if (!id) return json(500, { success: false, msg: 'Error getting object.' });
  const group = ctx.store.groups.get(id);
  return group ? json(200, groupView(group)) : json(404, { success: false, msg: 'Object not found.' });
}

/** `findByIdAndUpdate(id, update, {new: true, upsert: true})`: an unknown id is inserted with the update alone. */
function upsert(ctx: RouteContext, id: string, update: Partial<GroupDoc>): GroupDoc {
  const at = ctx.domain.iso();
  let group = ctx.store.groups.get(id);
  if (!group) {
    group = { _id: id, createdAt: at, updatedAt: at, __v: 0 };
    ctx.store.groups.set(id, group);
  }
  Object.assign(group, update, { updatedAt: at });
  return group;
}

/** `PUT /:groupid`: copies `name`, `members`, `trashed`, `attributes` when not null; no validators run. */
function updateGroup(ctx: RouteContext, id: string | undefined): Reply {
  const failed = json(500, { success: false, msg: 'Error updating object.' });
  if (!id) return failed;
  const body = bodyObject(ctx);
  const update: Partial<GroupDoc> = {};
  const given = (key: string) => body[key] !== undefined && body[key] !== null;
  try {
    if (given('name')) update.name = castString(body.name) as string;
    if (given('members')) update.members = castMembers(body.members);
    if (given('trashed')) update.trashed = castBoolean(body.trashed) as boolean;
  } catch (error) {
    if (!(error instanceof UpdateFailure)) throw error;
    return failed;
  }
  if (given('attributes')) update.attributes = body.attributes;
  return json(200, groupView(upsert(ctx, id, update)));
}

/** `Department.findOne({id_project, id_group})`: whether a department of this project routes to the group. */
function groupInDepartment(ctx: RouteContext, groupId: string): boolean {
  return (ctx.store.departmentsByProject.get(ctx.projectId!) ?? []).some((department) => department.id_project === ctx.projectId && department.id_group === groupId);
}

/** `PUT /enable/:groupid`, `PUT /disable/:groupid` (refused while a department of the project uses the group). */
function setEnabled(ctx: RouteContext, rawId: string, enabled: boolean): Reply {
  if (!enabled && groupInDepartment(ctx, rawId)) return json(403, { success: false, error: 'Unable to disabled a group associated with a department' });
  const id = castObjectId(rawId);
  if (!id) return json(500, { success: false, error: enabled ? 'Error enabling group' : 'Error disabling group' });
  return json(200, groupView(upsert(ctx, id, { enabled })));
}

/**
 * `DELETE /:groupid`: refused while a department of the project uses the group; otherwise disables and trashes it
 * (no upsert; the same answer whether or not it existed), or with `?force=true` removes it and answers the removed
 * group (an empty body when there was none).
 */
function deleteGroup(ctx: RouteContext, rawId: string): Reply {
  if (groupInDepartment(ctx, rawId)) return json(403, { success: false, error: 'Unable to delete a group associated with a department' });
  const id = castObjectId(rawId);
  if (!id) return json(500, { success: false, msg: 'Error deleting group' });
  const group = ctx.store.groups.get(id);
  if (ctx.query.force === 'true') {
    if (!group) return { kind: 'text', status: 200, body: '', etag: true };
    ctx.store.groups.delete(id);
    return json(200, groupView(group));
  }
  if (group) Object.assign(group, { enabled: false, trashed: true, updatedAt: ctx.domain.iso() });
  return json(200, { success: true, message: 'Group successfully deleted' });
}
