import { castObjectId, isObjectIdLike } from '../ids.js';
import { expressNotFound, json, type Reply, RouteCrash } from '../http.js';
import { paginate } from '../query.js';
import { projectView } from '../views.js';
import { projectsRoutes, requestsUtilRoutes, testAuthRoutes, usersRoutes } from './account.js';
import { authRoutes } from './auth.js';
import { bodyObject, callerOf, guard, isNotEmpty, requireAuth, type RouteContext, validationError } from './context.js';
import { eventRoutes } from './events.js';
import { messageRoutes, type MultiImportHooks } from './messages.js';
import { departmentRoutes, keyRoutes, leadRoutes, projectUserRoutes } from './project.js';
import { agentRequestRoutes, guestRequestRoutes } from './requests.js';

const HELLO = "Hello from Tiledesk server. It's UP. See the documentation here http://developer.tiledesk.com";

/** Splits and decodes a pathname like Express: a trailing slash is ignored. Undefined when decoding fails. */
export function pathSegments(pathname: string): string[] | undefined {
  const raw = pathname.split('/').slice(1);
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  try {
    return raw.map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

/**
 * The real server's middleware/router order (`app.js`), reduced to the routes this server implements. Each
 * layer may answer or fall through, so unmatched sub-paths end in Express's HTML 404 like on the real one.
 */
export function dispatch(ctx: RouteContext, hooks: MultiImportHooks): Reply {
  const segments = pathSegments(ctx.pathname);
  if (!segments) return { kind: 'json', status: 500, body: { err: 'error' } };
  if (segments.length === 0) {
    if (ctx.method === 'GET' || ctx.method === 'HEAD') return { kind: 'text', status: 200, body: HELLO, contentType: 'text/html; charset=utf-8', etag: true };
    return expressNotFound(ctx.method, ctx.pathname);
  }
  const [first, ...rest] = segments as [string, ...string[]];
  const top = first.toLowerCase();
  const topLevel =
    top === 'auth' ? authRoutes(ctx, rest)
    : top === 'testauth' ? testAuthRoutes(ctx, rest)
    : top === 'users' ? usersRoutes(ctx, rest)
    : top === 'requests_util' ? requestsUtilRoutes(ctx, rest)
    : top === 'projects' ? (projectsRoutes(ctx, rest) ?? projectDetail(ctx, rest))
    : undefined;
  if (topLevel) return topLevel;
  return projectScoped(ctx, first, rest, hooks) ?? expressNotFound(ctx.method, ctx.pathname);
}

/** `GET /projects/:projectid` (agent+). */
function projectDetail(ctx: RouteContext, rest: string[]): Reply | undefined {
  if (ctx.method !== 'GET' || rest.length !== 1) return undefined;
  const projectId = castObjectId(rest[0]);
  ctx.projectId = rest[0];
  ctx.projectOid = projectId ?? rest[0];
  // The role check looks the caller's membership up with `id_project: <id>` first: an id that does not cast
  // fails there (500 {"err":"error"}), before the route's own handling.
  const authenticated = requireAuth(ctx);
  if (authenticated) return authenticated;
  const adminBypass = ctx.caller?.email !== undefined && ctx.caller.email === ctx.config.adminEmail;
  if (!projectId && !adminBypass) throw new RouteCrash('CastError on the membership lookup');
  const denied = guard(ctx, 'agent', true);
  if (denied) return denied;
  if (!projectId) return json(500, { success: false, msg: 'Error getting object.' });
  const project = ctx.store.activeProject(projectId);
  return project ? json(200, projectView(project, ctx.domain.now())) : json(404, { success: false, msg: 'Object not found.' });
}

function projectScoped(ctx: RouteContext, rawProjectId: string, rest: string[], hooks: MultiImportHooks): Reply | undefined {
  if (!isObjectIdLike(rawProjectId)) return json(400, { error: `Invalid project id: ${rawProjectId}` });
  const projectId = castObjectId(rawProjectId)!;
  const project = ctx.store.activeProject(projectId);
  if (!project) return json(400, { error: `Project not found with id: ${rawProjectId}` });
  ctx.project = project;
  ctx.projectId = rawProjectId;
  ctx.projectOid = projectId;
  if (rest.length === 0) return undefined;
  const [area, ...tail] = rest as [string, ...string[]];
  switch (area.toLowerCase()) {
    case 'leads':
      return guard(ctx, 'agent', true) ?? leadRoutes(ctx, tail);
    case 'messages':
      return guard(ctx, 'agent', true) ?? projectMessages(ctx, tail);
    case 'departments':
      return departmentRoutes(ctx, tail);
    case 'project_users':
      return projectUserRoutes(ctx, tail);
    case 'keys':
      return guard(ctx, 'agent', false) ?? keyRoutes(ctx, tail);
    case 'requests': {
      if (tail.length >= 2 && tail[1]!.toLowerCase() === 'messages') {
        const answer = guard(ctx, null, true) ?? messageRoutes(ctx, tail[0]!, tail.slice(2), hooks);
        if (answer) return answer;
      }
      return guard(ctx, 'guest', true) ?? guestRequestRoutes(ctx, tail) ?? guard(ctx, 'agent', true) ?? agentRequestRoutes(ctx, tail);
    }
    case 'events':
      return eventRoutes(ctx, tail);
    default:
      return undefined;
  }
}

/** `/<pid>/messages`: direct messages (POST, agent+) and the project's latest messages (GET, owner). */
function projectMessages(ctx: RouteContext, rest: string[]): Reply | undefined {
  if (rest.length !== 0) return undefined;
  if (ctx.method === 'GET') {
    const denied = guard(ctx, 'owner', false);
    if (denied) return denied;
    let limit = 10;
    if (ctx.query.limit !== undefined && ctx.query.limit !== '') limit = parseInt(String(ctx.query.limit), 10);
    if (limit > 50) limit = 10;
    const page = ctx.query.page !== undefined && ctx.query.page !== '' ? Number(ctx.query.page) : 0;
    const all: unknown[] = [];
    for (const [key, messages] of ctx.store.messagesByConversation) {
      if (!key.startsWith(`${ctx.projectId}\u0000`)) continue;
      // Not `push(...messages)`: spread arguments overflow the stack past ~120,000 messages in one conversation.
      for (const message of messages) all.push(message);
    }
    const sorted = (all as { createdAt: string }[]).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return json(200, paginate(sorted, page * limit, limit));
  }
  if (ctx.method !== 'POST') return undefined;
  const body = bodyObject(ctx);
  const errors: Record<string, unknown>[] = [];
  if (!isNotEmpty(body.recipient)) errors.push(validationError(body.recipient, 'recipient'));
  if (!isNotEmpty(body.recipientFullname)) errors.push(validationError(body.recipientFullname, 'recipientFullname'));
  if (!body.text && (!body.type || body.type === 'text')) {
    const error = validationError(body.text, 'text');
    error.msg = 'Text field is required for messages with type "text"';
    errors.push(error);
  }
  if (errors.length > 0) return json(422, { errors });
  const caller = callerOf(ctx);
  try {
    const message = ctx.domain.createMessage({
      sender: body.sender || caller._id,
      senderFullname: body.senderFullname || caller.fullName,
      recipient: String(body.recipient),
      recipientFullname: body.recipientFullname,
      text: body.text,
      projectId: ctx.projectId!,
      createdBy: caller._id,
      status: 0,
      attributes: body.attributes,
      type: body.type,
      metadata: body.metadata,
      language: body.language,
      channelType: body.channel_type || 'direct',
      channel: body.channel,
    });
    return json(200, message);
  } catch {
    return json(500, { success: false, msg: 'Error saving message.', err: {} });
  }
}
