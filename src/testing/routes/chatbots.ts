import { castBoolean, castString, UpdateFailure } from '../casts.js';
import { SaveError } from '../domain.js';
import { json, type Reply } from '../http.js';
import { castObjectId } from '../ids.js';
import { queryFilter } from '../query.js';
import type { ChatbotDoc } from '../store.js';
import { chatbotView, copy, departmentView } from '../views.js';

export { chatbotView };
import { bodyObject, callerOf, guard, type RouteContext } from './context.js';

/**
 * Chatbots, `/<pid>/faq_kb` and the same router at `/<pid>/bots` (`routes/faq_kb.js`): the basic CRUD. The mount only
 * authenticates; each route checks its own role, so a path without a route is Express's 404 after authentication.
 * Training, publishing, forking, import/export and the bot's own token are not implemented (404 here).
 */
export function chatbotRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const method = ctx.method;
  if (rest.length === 0) {
    if (method === 'GET') return guard(ctx, 'agent', true) ?? listChatbots(ctx);
    if (method === 'POST') return guard(ctx, 'admin', false) ?? createChatbot(ctx);
    return undefined;
  }
  if (rest.length !== 1) return undefined;
  const rawId = rest[0]!;
  if (method === 'GET') return guard(ctx, 'admin', true) ?? getChatbot(ctx, rawId);
  if (method === 'PUT') return guard(ctx, 'admin', true) ?? updateChatbot(ctx, rawId);
  if (method === 'DELETE') return guard(ctx, 'admin', false) ?? deleteChatbot(ctx, rawId);
  return undefined;
}


const notFound = (ctx: RouteContext, rawId: string) =>
  json(404, { success: false, msg: `Chatbot not found with id ${rawId} for project ${ctx.projectId}` });

/** `POST /` (admin+, no bot tokens): `faqService.create`; the answer is the saved document, `secret` included. */
function createChatbot(ctx: RouteContext): Reply {
  let bot: ChatbotDoc;
  try {
    bot = ctx.domain.createChatbot(ctx.projectId!, callerOf(ctx).id, bodyObject(ctx));
  } catch (error) {
    // The service rejects with a string, and the route answers it under a misspelled key.
    if (error instanceof SaveError) return json(500, { succes: false, error: 'Error saving object.' });
    throw error;
  }
  const answer = { ...bot };
  // The tilebot module's `faqbot.create` listener points a tilebot at the server's own tilebot endpoint, after the
  // answer: it shows from the next read on.
  if (bot.type === 'tilebot') bot.url = `http://localhost:${ctx.req.socket.localPort}/modules/tilebot/ext/${bot._id}`;
  return json(200, answer);
}

/**
 * `GET /` (agent+): the project's chatbots that are not trashed, in creation order, without the identity bot unless
 * `all=true`; `public` and `certified` filter as sent (a value that does not cast → 500). An agent sees only the bots
 * with `agents_available` true or unset, and fewer fields.
 */
function listChatbots(ctx: RouteContext): Reply {
  const q = ctx.query;
  const restricted = ctx.projectUser?.role === 'agent';
  const filters: Array<(bot: ChatbotDoc) => boolean> = [(bot) => bot.trashed === undefined || bot.trashed === null || bot.trashed === false];
  if (restricted) filters.push((bot) => bot.agents_available === undefined || bot.agents_available === null || bot.agents_available === true);
  if (q.all !== 'true') filters.push((bot) => bot.type !== 'identity');
  try {
    for (const field of ['public', 'certified'] as const) {
      if (q[field] === undefined) continue;
      const matches = queryFilter(q[field], 'Boolean', field, 'faq_kb');
      filters.push((bot) => matches(bot[field]));
    }
  } catch {
    return json(500, { success: false, message: 'Unable to get chatbots' });
  }
  if (q.text !== undefined) {
    // `$text` over the text index (name, description, tags): a whole-word, case-insensitive match here.
    if (typeof q.text !== 'string') return json(500, { success: false, message: 'Unable to get chatbots' });
    const words = q.text.toLowerCase().split(/\W+/).filter(Boolean);
    filters.push((bot) => {
      const indexed = [bot.name, bot.description, ...bot.tags].filter((v): v is string => typeof v === 'string').join(' ').toLowerCase().split(/\W+/);
      return words.some((word) => indexed.includes(word));
    });
  }
  const bots = ctx.store.chatbotsOf(ctx.projectId!).filter((bot) => filters.every((keep) => keep(bot)));
  return json(200, bots.map((bot) => (restricted ? agentView(bot) : chatbotView(bot))));
}

/** What an agent's list keeps: everything but these. */
const HIDDEN_FROM_AGENTS = new Set(['webhook_enabled', 'intentsEngine', 'score', 'url', 'attributes', 'trained', 'certifiedTags', 'createdBy', 'createdAt', 'updatedAt', '__v']);

function agentView(bot: ChatbotDoc): Record<string, unknown> {
  const out = chatbotView(bot);
  for (const key of HIDDEN_FROM_AGENTS) delete out[key];
  return out;
}

/** `GET /:id` (admin+): `findOne({_id, id_project})`; `?departmentid=` of an existing department adds it as `department`. */
function getChatbot(ctx: RouteContext, rawId: string): Reply {
  const id = castObjectId(rawId);
  if (!id) return json(500, { success: false, msg: 'Error getting object.' });
  const bot = ctx.store.findChatbot(ctx.projectId!, id);
  if (!bot) return notFound(ctx, rawId);
  const view = chatbotView(bot);
  if (ctx.query.departmentid) {
    // `Department.findById`: a department of any project; one that does not cast or is missing adds nothing.
    const departmentId = castObjectId(ctx.query.departmentid);
    const department = departmentId ? ctx.store.departments.get(departmentId) : undefined;
    if (department) view.department = departmentView(department, true);
  }
  return json(200, view);
}

/** The fields `PUT /:id` copies when they are not undefined, each with its schema cast. */
const UPDATABLE: Record<string, (value: unknown) => unknown> = {
  name: castString,
  description: castString,
  url: castString,
  webhook_url: castString,
  webhook_enabled: castBoolean,
  type: castString,
  trashed: castBoolean,
  public: castBoolean,
  certified: castBoolean,
  mainCategory: castString,
  intentsEngine: castString,
  tags: (value) => (value === null ? null : (Array.isArray(value) ? value : [value]).map((tag) => castString(tag))),
  trained: castBoolean,
  short_description: castString,
  title: castString,
  certifiedTags: (value) => (value === null ? null : Array.isArray(value) ? value : [value]),
  agents_available: castBoolean,
  slug: castString,
};

/**
 * `PUT /:id` (admin+): `findOneAndUpdate({_id, id_project}, update, {new: true})` with `modified: true`, no
 * validators, no upsert. `trashed: true` (the boolean) is the dashboard's soft delete: the slug becomes
 * `<slug>-trashed-<ms>` and `trashedAt` is set, and the bot leaves the list.
 */
function updateChatbot(ctx: RouteContext, rawId: string): Reply {
  const failed = json(500, { success: false, msg: 'Error updating object.' });
  const id = castObjectId(rawId);
  if (!id) return failed;
  const body = bodyObject(ctx);
  const update: Record<string, unknown> = {};
  try {
    for (const [field, cast] of Object.entries(UPDATABLE)) if (body[field] !== undefined) update[field] = cast(body[field]);
  } catch (error) {
    if (!(error instanceof UpdateFailure)) throw error;
    return failed;
  }
  update.modified = true;
  const bot = ctx.store.findChatbot(ctx.projectId!, id);
  const now = ctx.domain.now();
  if (body.trashed === true && bot && bot.slug) {
    update.trashedAt = ctx.domain.iso(now);
    update.slug = `${String(bot.slug)}-trashed-${now}`;
  }
  if (!bot) return notFound(ctx, rawId);
  // The unique index `{id_project, slug}`.
  const slug = update.slug;
  if (slug !== undefined && slug !== null && ctx.store.chatbotsOf(bot.id_project).some((other) => other !== bot && other.slug === slug)) {
    return json(500, { success: false, msg: 'Error updating object.', error: `Slug already exists: ${String(slug)}`, error_code: 12001 });
  }
  Object.assign(bot, update, { updatedAt: ctx.domain.iso(now) });
  return json(200, chatbotView(bot));
}

/** `DELETE /:id` (admin+, no bot tokens): `findOneAndDelete({_id, id_project})`. */
function deleteChatbot(ctx: RouteContext, rawId: string): Reply {
  const id = castObjectId(rawId);
  if (!id) return json(500, { success: false, msg: 'Error deleting object.' });
  const bot = ctx.store.findChatbot(ctx.projectId!, id);
  if (!bot) return notFound(ctx, rawId);
  ctx.store.removeChatbot(bot);
  return json(200, { success: true, message: `Chatbot with id ${rawId} deleted successfully` });
}
