import { castObjectId, isObjectIdLike } from '../ids.js';
import { expressNotFound, json, type Reply, RouteCrash } from '../http.js';
import { paginate } from '../query.js';
import { projectView } from '../views.js';
import { projectsRoutes, requestsUtilRoutes, testAuthRoutes, usersRoutes } from './account.js';
import { authRoutes } from './auth.js';
import { projectOpenRoutes } from './availability.js';
import { chatbotRoutes } from './chatbots.js';
import { bodyObject, callerOf, guard, isNotEmpty, requireAuth, type RouteContext, validationError } from './context.js';
import { eventRoutes } from './events.js';
import { groupRoutes } from './groups.js';
import { labelRoutes } from './labels.js';
import { messageRoutes, type MultiImportHooks } from './messages.js';
import { departmentRoutes, keyRoutes, leadRoutes, projectUserRoutes } from './project.js';
import { projectWriteRoutes } from './projects.js';
import { agentRequestRoutes, guestRequestRoutes } from './requests.js';
import { segmentRoutes } from './segments.js';
import { tagRoutes } from './tags.js';

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
 * The path a router mounted with `app.use(prefix, router)` sees below its prefix, or undefined when none of the
 * router's routes can match it. Express compiles a mount prefix with an optional trailing slash, so one empty
 * segment straight after the prefix is swallowed (`/<pid>/requests//<rid>` is `/<pid>/requests/<rid>`); inside the
 * prefix and inside a route every segment must be non-empty, so any other `//` matches no route (the mount's own
 * middleware has run by then, so authentication still answers first).
 */
export function mountedPath(rest: string[]): string[] | undefined {
  const inner = rest[0] === '' ? rest.slice(1) : rest;
  return inner.includes('') ? undefined : inner;
}

/** A mounted router: its middleware chain (if any), then its routes with the path below the prefix. */
function mount(rest: string[], middleware: (() => Reply | undefined) | undefined, routes: (inner: string[]) => Reply | undefined): Reply | undefined {
  const stopped = middleware?.();
  if (stopped) return stopped;
  const inner = mountedPath(rest);
  return inner ? routes(inner) : undefined;
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
  // Every mount starts with a non-empty segment (`/:projectid/` too), so a path starting `//` matches none.
  if (first === '') return expressNotFound(ctx.method, ctx.pathname);
  const top = first.toLowerCase();
  const authenticated = () => requireAuth(ctx);
  const topLevel =
    top === 'auth' ? mount(rest, undefined, (inner) => authRoutes(ctx, inner))
    : top === 'testauth' ? mount(rest, authenticated, (inner) => testAuthRoutes(ctx, inner))
    : top === 'users' ? mount(rest, authenticated, (inner) => usersRoutes(ctx, inner))
    : top === 'requests_util' ? mount(rest, authenticated, (inner) => requestsUtilRoutes(ctx, inner))
    : top === 'projects'
      ? mount(rest, undefined, (inner) => projectsRoutes(ctx, inner) ?? projectWriteRoutes(ctx, inner) ?? projectOpenRoutes(ctx, inner) ?? projectDetail(ctx, inner))
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
  const agent = () => guard(ctx, 'agent', true);
  switch (area.toLowerCase()) {
    case 'leads':
      return mount(tail, agent, (inner) => leadRoutes(ctx, inner));
    case 'messages':
      return mount(tail, agent, (inner) => projectMessages(ctx, inner));
    case 'departments':
      return mount(tail, undefined, (inner) => departmentRoutes(ctx, inner));
    case 'project_users':
      return mount(tail, undefined, (inner) => projectUserRoutes(ctx, inner));
    case 'keys':
      return mount(tail, () => guard(ctx, 'agent', false), (inner) => keyRoutes(ctx, inner));
    case 'requests': {
      // `/:projectid/requests/:request_id/messages`, mounted before the two request routers.
      if (tail.length >= 2 && tail[0] !== '' && tail[1]!.toLowerCase() === 'messages') {
        const requestId = tail[0]!;
        const answer = mount(tail.slice(2), () => guard(ctx, null, true), (inner) => messageRoutes(ctx, requestId, inner, hooks));
        if (answer) return answer;
      }
      return (
        mount(tail, () => guard(ctx, 'guest', true), (inner) => guestRequestRoutes(ctx, inner)) ??
        mount(tail, agent, (inner) => agentRequestRoutes(ctx, inner))
      );
    }
    case 'faq_kb':
    case 'bots':
      return mount(tail, () => requireAuth(ctx), (inner) => chatbotRoutes(ctx, inner));
    case 'segments':
      return mount(tail, () => guard(ctx, 'agent', true), (inner) => segmentRoutes(ctx, inner));
    case 'groups':
      return mount(tail, () => guard(ctx, 'agent', true), (inner) => groupRoutes(ctx, inner));
    case 'tags':
      return mount(tail, () => guard(ctx, 'agent', true), (inner) => tagRoutes(ctx, inner));
    case 'events':
      return mount(tail, undefined, (inner) => eventRoutes(ctx, inner));
    case 'labels':
      return mount(tail, undefined, (inner) => labelRoutes(ctx, inner));
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
