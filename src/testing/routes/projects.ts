import { castBoolean, castDate, castNumber, castString, castSubdocuments, fail, pick, UpdateFailure } from '../casts.js';
import { isPlainObject, minimize } from '../domain.js';
import { json, type Reply, RouteCrash } from '../http.js';
import { castObjectId } from '../ids.js';
import type { ProjectDoc } from '../store.js';
import { projectView } from '../views.js';
import { bodyObject, callerOf, requireAuth, requireRole, type RouteContext } from './context.js';

/**
 * `PUT|PATCH|DELETE /projects/:projectid` (`routes/project.js`). PUT and PATCH need an admin, DELETE the owner
 * (`hasRole`, no types: the ADMIN_EMAIL shortcut of `hasRoleOrTypes` does not apply, but the no-e-mail bypass does).
 *
 * All three are one `Project.findByIdAndUpdate(id, update, {new: true, upsert: true})`: no status filter, so a
 * deleted project is still updated (and answered with `status: 0`), and an id without a project is upserted —
 * which only a caller that passes the role check without a membership (the no-e-mail bypass) can reach.
 */
export function projectWriteRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const method = ctx.method;
  if (rest.length !== 1 || (method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE')) return undefined;
  const projectId = castObjectId(rest[0]);
  ctx.projectId = rest[0];
  ctx.projectOid = projectId ?? rest[0];
  const denied = requireAuth(ctx);
  if (denied) return denied;
  // The membership lookup casts `id_project` first: an id that does not cast fails there.
  if (!projectId) throw new RouteCrash('CastError on the membership lookup');
  const roleDenied = requireRole(ctx, method === 'DELETE' ? 'owner' : 'admin', false);
  if (roleDenied) return roleDenied;

  if (method === 'DELETE') return json(200, saveUpdate(ctx, projectId, [['status', 0]]));

  const body = bodyObject(ctx);
  const fields = method === 'PUT' ? PUT_FIELDS : PATCH_FIELDS;
  const update: [string, unknown][] = [];
  // Only a caller whose `req.user.attributes.isSuperadmin` is true may replace the profile: a user who set that
  // attribute on itself with `PUT /users`, or a caller let in by the no-e-mail bypass (which sets it).
  if (method === 'PUT' && body.profile) {
    const attributes = callerOf(ctx).attributes;
    if (!isPlainObject(attributes) || attributes.isSuperadmin !== true) {
      return json(403, { success: false, error: "You don't have the permission required to modify the project profile" });
    }
    update.push(['profile', body.profile]);
  }
  for (const field of fields) {
    const value = body[field];
    if (value !== undefined && value !== null) update.push([field, value]);
  }
  try {
    return json(200, saveUpdate(ctx, projectId, update.map(([path, value]) => [path, castProjectPath(ctx, path, value)])));
  } catch (error) {
    if (!(error instanceof UpdateFailure)) throw error;
    return json(500, { success: false, msg: method === 'PUT' ? 'Error updating object.' : 'Error patching object.' });
  }
}

/** The fields PATCH copies from the body, in the route's order (dotted keys are literal body keys). */
const PATCH_FIELDS: readonly string[] = [
  'name',
  'activeOperatingHours',
  'operatingHours',
  'settings',
  'settings.email.autoSendTranscriptToRequester',
  'settings.email.notification.conversation.assigned',
  'settings.email.notification.conversation.pooled',
  'settings.email.templates.assignedRequest',
  'settings.email.templates.assignedEmailMessage',
  'settings.email.templates.pooledRequest',
  'settings.email.templates.pooledEmailMessage',
  'settings.email.templates.newMessage',
  'settings.email.templates.ticket',
  'settings.email.templates.sendTranscript',
  'settings.email.from',
  'settings.email.config.host',
  'settings.email.config.port',
  'settings.email.config.secure',
  'settings.email.config.user',
  'settings.email.config.pass',
  'settings.chat_limit_on',
  'settings.max_agent_assigned_chat',
  'settings.reassignment_on',
  'settings.reassignment_delay',
  'settings.automatic_unavailable_status_on',
  'settings.automatic_idle_chats',
  'widget',
  'versions',
  'channels',
  'ipFilterEnabled',
  'ipFilter',
  'ipFilterDenyEnabled',
  'ipFilterDeny',
  'bannedUsers',
];

/** PUT copies PATCH's fields and a few more (`timeSlots`, two templates, the newer settings). */
const PUT_FIELDS: readonly string[] = [
  ...PATCH_FIELDS.slice(0, 3),
  'timeSlots',
  ...PATCH_FIELDS.slice(3, 12),
  'settings.email.templates.newMessageFollower',
  ...PATCH_FIELDS.slice(12, 14),
  'settings.email.templates.emailDirect',
  ...PATCH_FIELDS.slice(14, 26),
  'settings.current_agent_my_chats_only',
  'settings.chatbots_attributes_hidden',
  'settings.allow_send_emoji',
  'settings.allowed_urls',
  'settings.allowed_urls_list',
  'settings.allowed_upload_extentions',
  ...PATCH_FIELDS.slice(26),
];

/** The Mixed (`type: Object`) fields of the profile sub-schema are stored minimized like the project's own. */
const mixed = (value: unknown): unknown => minimize(value);

const PROFILE_CASTS: Record<string, (value: unknown) => unknown> = {
  name: castString,
  trialDays: castNumber,
  agents: castNumber,
  type: castString,
  quotes: mixed,
  customization: mixed,
  subStart: castDate,
  subEnd: castDate,
  subscriptionId: castString,
  extra1: castString,
  extra2: castString,
  extra3: castString,
  subscription_creation_date: castDate,
  last_stripe_event: castString,
};

/** The profile of a new project (the sub-schema's defaults). */
export function defaultProfile(): ProjectDoc['profile'] {
  return { trialDays: 14, name: 'Sandbox', agents: 0, type: 'free' };
}

/** `update[path]` cast as Mongoose casts it against the project schema. */
function castProjectPath(ctx: RouteContext, path: string, value: unknown): unknown {
  switch (path) {
    case 'name':
      return castString(value);
    case 'activeOperatingHours':
    case 'ipFilterEnabled':
    case 'ipFilterDenyEnabled':
      return castBoolean(value);
    case 'versions':
      return castNumber(value);
    case 'ipFilter':
    case 'ipFilterDeny':
      return (Array.isArray(value) ? value : [value]).map(castString);
    case 'channels':
      // `name` is required, but findByIdAndUpdate runs no validators: `[{}]` is stored.
      return castSubdocuments(value, (item) => pick(item, { name: castString }));
    case 'bannedUsers':
      return castSubdocuments(value, (item) => {
        const id = item._id === undefined ? ctx.store.newId() : (castObjectId(item._id) ?? fail('ObjectId'));
        return { _id: id, ...pick(item, { id: castString, ip: castString }) };
      });
    case 'profile': {
      // A single nested sub-document: replaced whole, its defaults filled in.
      if (!isPlainObject(value)) return fail('profile');
      return { ...defaultProfile(), ...pick(value, PROFILE_CASTS) };
    }
    default:
      // operatingHours, timeSlots, settings, widget and the dotted settings are Mixed: stored as sent.
      return value;
  }
}

/**
 * Applies a cast update like `findByIdAndUpdate(..., {new: true, upsert: true})` and answers the new document.
 * A dotted path must find objects (or nothing) on its way and must not overlap another path of the same update
 * (MongoDB refuses both); nothing is written when any part fails.
 */
function saveUpdate(ctx: RouteContext, projectId: string, update: [string, unknown][]): Record<string, unknown> {
  const paths = update.map(([path]) => path);
  for (const path of paths) {
    if (paths.some((other) => other !== path && other.startsWith(`${path}.`))) fail(`conflict at ${path}`);
  }
  const project = ctx.store.projects.get(projectId);
  const existing: Record<string, unknown> | undefined = project ?? ctx.store.upsertedProjects.get(projectId);
  const now = ctx.domain.iso();
  // An id without a project: MongoDB inserts the update alone (no schema defaults: they only show in the answer).
  const target: Record<string, unknown> = existing ? structuredClone(existing) : { _id: projectId, createdAt: now, __v: 0 };
  for (const [path, value] of update) setPath(target, path, value);
  target.updatedAt = now;
  for (const key of ['settings', 'widget', 'operatingHours', 'timeSlots']) {
    if (!(key in target)) continue;
    const reduced = minimize(target[key]);
    if (reduced === undefined) delete target[key];
    else target[key] = reduced;
  }
  if (!existing) ctx.store.upsertedProjects.set(projectId, target);
  else {
    for (const key of Object.keys(existing)) if (!(key in target)) delete existing[key];
    Object.assign(existing, target);
  }
  return projectView(project ?? withSchemaDefaults(existing ?? target), ctx.domain.now());
}

function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = doc;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (!isPlainObject(next)) fail(`cannot create a field in ${key}`);
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/** An upserted document as Mongoose hydrates it: the schema defaults added to what was stored. */
function withSchemaDefaults(stored: Record<string, unknown>): ProjectDoc {
  const defaults = { status: 100, ipFilterEnabled: false, ipFilter: [], ipFilterDenyEnabled: false, ipFilterDeny: [], profile: defaultProfile(), versions: 20115, channels: [{ name: 'chat21' }], bannedUsers: [] };
  return { ...defaults, ...structuredClone(stored) } as unknown as ProjectDoc;
}
