import { projectIsOpenNow, slotIsOpenNow } from '../hours.js';
import { hang, json, type Reply, RouteCrash, RouteHang } from '../http.js';
import { castObjectId } from '../ids.js';
import { verifyJwt } from '../jwt.js';
import { castErrorJson } from '../query.js';
import { copy } from '../views.js';
import { requireAuth, type RouteContext } from './context.js';

/**
 * The `/projects` routes the chat widget calls without credentials (`routes/project.js`): `GET /:projectid/isopen`
 * and `GET /:projectid/users/availables`, and the cross-project `GET /all`.
 */
export function projectOpenRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  if (ctx.method !== 'GET') return undefined;
  if (rest.length === 1 && rest[0]!.toLowerCase() === 'all') return allProjects(ctx);
  if (rest.length === 2 && rest[1]!.toLowerCase() === 'isopen') return isOpen(ctx, rest[0]!);
  if (rest.length === 3 && rest[1]!.toLowerCase() === 'users' && rest[2]!.toLowerCase() === 'availables') return availableUsers(ctx, rest[0]!);
  return undefined;
}

/** `projectIsOpenNow` on `findOne({_id, status: 100})`. */
function openness(ctx: RouteContext, rawId: string) {
  const id = castObjectId(rawId);
  return projectIsOpenNow(rawId, id, id ? ctx.store.activeProject(id) : undefined, ctx.domain.now());
}

/** `GET /:projectid/isopen`: `{isopen}` from the project's operating hours, or from one time slot (`?timeSlot=`). */
function isOpen(ctx: RouteContext, rawId: string): Reply {
  const slot = ctx.query.timeSlot;
  if (slot) {
    const id = castObjectId(rawId);
    const outcome = slotIsOpenNow(rawId, id, id ? ctx.store.activeProject(id) : undefined, slot, ctx.domain.now());
    return 'error' in outcome ? json(500, { success: false, error: outcome.error }) : json(200, { isopen: outcome.open });
  }
  const outcome = openness(ctx, rawId);
  return 'error' in outcome ? json(500, { success: false, msg: outcome.error }) : json(200, { isopen: outcome.open });
}

/**
 * `GET /:projectid/users/availables`: the project's available team members (`user_available: true`, any status)
 * as `{id, pu_id, fullname, email, assigned_request}`, in creation order. Without `?raw=` the project must be open
 * (closed → `[]`); `?department=` keeps the members of the department's group(s); a project with
 * `settings.chat_limit_on` and `max_agent_assigned_chat` drops agents at their limit.
 */
function availableUsers(ctx: RouteContext, rawId: string): Reply {
  if (!ctx.query.raw) {
    const outcome = openness(ctx, rawId);
    if ('error' in outcome) return json(500, { success: false, msg: outcome.error });
    if (!outcome.open) return json(200, []);
  }
  let members: (string | null)[] | undefined;
  let badMember: QueryCastFailure | undefined;
  const departmentId = ctx.query.department;
  if (departmentId) {
    try {
      const found = departmentMembers(ctx, departmentId);
      if (found !== undefined && !Array.isArray(found)) return found;
      members = found;
    } catch (error) {
      if (!(error instanceof QueryCastFailure)) throw error;
      badMember = error;
    }
  }
  const projectId = castObjectId(rawId);
  // `Project_user.find(query)` casts `id_project`, then `id_user`; a failure is answered with the error's text.
  const castFailure = !projectId ? castErrorJson('ObjectId', rawId, 'id_project', 'project_user') : badMember ? castErrorJson('ObjectId', badMember.value, 'id_user', 'project_user') : undefined;
  if (castFailure || !projectId) return json(500, { success: false, msg: `Error getting object.CastError: ${String(castFailure?.message)}` });
  let agents = (ctx.store.projectUsersByProject.get(projectId) ?? []).filter(
    (pu) => pu.user_available === true && pu.roleType === 1 && (!members || (pu.id_user !== undefined && members.includes(pu.id_user))),
  );
  // `findById`, no status filter: a deleted project's limits still apply.
  const settings = ctx.store.projects.get(projectId)?.settings as Record<string, unknown> | undefined;
  const limit = settings?.chat_limit_on ? settings.max_agent_assigned_chat : undefined;
  if (limit) {
    agents = agents.filter((pu) => {
      const own = pu.max_assigned_chat;
      // `aa.max_assigned_chat != -1`: the service's loose comparison.
      const max = own && own != -1 ? own : limit;
      return (pu.number_assigned_requests as unknown as number) < (max as number);
    });
  }
  const listed: Record<string, unknown>[] = [];
  for (const pu of agents) {
    const user = pu.id_user === undefined ? undefined : ctx.store.users.get(pu.id_user);
    if (!user) continue;
    listed.push({ id: user._id, pu_id: pu._id, fullname: `${String(user.firstname)} ${String(user.lastname)}`, email: user.email, assigned_request: pu.number_assigned_requests });
  }
  return json(200, listed);
}

/** `Department.findById(id)` as the route casts it: an array is tried element by element. */
function findDepartmentCastError(value: unknown): Record<string, unknown> | undefined {
  for (const item of Array.isArray(value) ? value : [value]) {
    if (!castObjectId(item)) return castErrorJson('ObjectId', item, '_id', 'department');
  }
  return undefined;
}

/**
 * A group member as the `{id_user: {$in: members}}` query casts it (Mongoose casts a value's string form): its id,
 * `null` for null (matches no user), undefined when the cast fails — a number too (`"5"` is no ObjectId).
 */
function queryMemberId(member: unknown): string | null | undefined {
  if (member === null || member === undefined) return null;
  return castObjectId(member);
}

/**
 * A group member through `mongoose.Types.ObjectId(member)` (bson 1): null, undefined and numbers make a new id (no
 * user has it), a string that is not an id throws inside the async handler (no answer).
 */
function constructedMemberId(member: unknown): string | null {
  if (member === null || member === undefined || typeof member === 'number') return null;
  return castObjectId(member) ?? hangOnObjectId();
}

/**
 * The `?department=` filter: the user ids of the department's enabled `groups` (any project's groups), or of its
 * `id_group`; undefined for a department without groups. Answers the route's own errors instead.
 */
function departmentMembers(ctx: RouteContext, departmentId: unknown): (string | null)[] | undefined | Reply {
  const castFailure = findDepartmentCastError(departmentId);
  // The failed lookup answers 500, then the route carries on with the response as its "department" and throws
  // where nothing catches it: the 500 is all the caller sees.
  if (castFailure) return json(500, { success: false, error: castFailure });
  const ids = (Array.isArray(departmentId) ? departmentId : [departmentId]).map((id) => castObjectId(id)!);
  const department = ids.map((id) => ctx.store.departments.get(id)).find((d) => d !== undefined);
  if (!department) return json(404, { success: false, error: `Department ${String(departmentId)} not found` });
  const groups = department.groups;
  if (Array.isArray(groups) && groups.length > 0) {
    const groupIds = (groups as Record<string, unknown>[]).map((g) => g.group_id).filter((id) => !!id);
    if (groupIds.length === 0) return undefined;
    // `mongoose.Types.ObjectId(id)` of an id that is not one throws inside the async handler: no answer.
    const existing = groupIds.map((id) => ctx.store.groups.get(castObjectId(id) ?? hangOnObjectId())).filter((g) => g !== undefined);
    if (existing.length === 0) return json(404, { success: false, error: 'No valid groups found' });
    const enabled = existing.filter((g) => g.enabled !== false);
    if (enabled.length === 0) return json(403, { success: false, error: 'All groups are currently disabled' });
    const members = new Set(enabled.flatMap((g) => (Array.isArray(g.members) ? (g.members as unknown[]) : [])));
    // `{id_user: {$in: members}}`: the query casts each member, and one that does not cast fails it.
    return [...members].map((member) => {
      const id = queryMemberId(member);
      if (id === undefined) throw new QueryCastFailure(member);
      return id;
    });
  }
  const groupId = department.id_group;
  if (!groupId) return undefined;
  const id = castObjectId(groupId);
  if (!id) return json(500, { success: false, error: castErrorJson('ObjectId', groupId, '_id', 'group') });
  const group = ctx.store.groups.get(id);
  if (!group) return json(404, { success: false, error: `Group ${String(groupId)} not found` });
  if (group.enabled === false) return json(403, { success: false, error: `Group ${String(groupId)} is currently disabled` });
  // Here each member goes through `mongoose.Types.ObjectId(id)` first (`group.members.map`: null members throw too;
  // a group stored without members reads as the schema's []).
  if (group.members === null) throw new RouteHang("Cannot read properties of null (reading 'map')");
  return (Array.isArray(group.members) ? (group.members as unknown[]) : []).map(constructedMemberId);
}

const hangOnObjectId = (): never => {
  throw new RouteHang('mongoose.Types.ObjectId() of a value that is not an ObjectId');
};

/** A group member the project_user query cannot cast. */
class QueryCastFailure extends Error {
  constructor(readonly value: unknown) {
    super('CastError on id_user');
  }
}

/**
 * `GET /all`: every project of the server, newest first, as `{_id, name, owner, createdAt, profile_name}` (`owner`
 * is the e-mail of the project's first owner). Only for a caller whose token's `email` claim equals the
 * `ADMIN_EMAIL` environment variable as set; while it is unset, that is any token without an `email` (a guest's).
 * The route verifies the Authorization header's second word itself with the global secret, so Basic credentials
 * and project-signed tokens get 500 after authenticating.
 */
function allProjects(ctx: RouteContext): Reply {
  const denied = requireAuth(ctx);
  if (denied) return denied;
  const header = ctx.req.headers.authorization;
  // Authenticated without a header (`?secret_token=`): the route answers nothing.
  if (!header) return hang();
  const token = header.split(' ')[1];
  const payload = token === undefined ? undefined : verifyJwt(token, ctx.config.globalSecret);
  if (!payload) throw new RouteCrash('jwt.verify throws');
  const adminEmail = ctx.config.adminEmailConfigured ? ctx.config.adminEmail : undefined;
  if (payload.email !== adminEmail) return json(403, { success: false, error: "You don't have the permission required to perform the operation" });
  const documents: Record<string, unknown>[] = [...ctx.store.projects.values(), ...ctx.store.upsertedProjects.values()];
  documents.sort((a, b) => (String(a.createdAt) < String(b.createdAt) ? 1 : String(a.createdAt) > String(b.createdAt) ? -1 : 0));
  return json(
    200,
    documents.map((project) => {
      const owner = ctx.store.projectUsersByProject.get(String(project._id))?.find((pu) => pu.role === 'owner');
      const user = owner?.id_user === undefined ? undefined : ctx.store.users.get(owner.id_user);
      const profile = project.profile as Record<string, unknown> | undefined;
      return copy({ _id: project._id, name: project.name, owner: user?.email, createdAt: project.createdAt, profile_name: profile?.name });
    }),
  );
}
