import { SaveError } from '../domain.js';
import { mongooseDocumentsCsv } from '../csv.js';
import { castObjectId } from '../ids.js';
import { hang, json, type Reply, RouteHang } from '../http.js';
import type { MessageDoc } from '../store.js';
import { populateFailure, requestView } from '../views.js';
import { bodyObject, callerOf, type RouteContext } from './context.js';
import { findSenderProjectUser, senderIdentity } from './requests.js';

/** Hooks the server uses to stage a partial multi import (fault `partialSave`). */
export interface MultiImportHooks {
  /** Save only this many items before answering. */
  saveLimit?: number;
}

/** `/<pid>/requests/:request_id/messages` (any project member; `routes/message.js`). */
export function messageRoutes(ctx: RouteContext, requestId: string, rest: string[], hooks: MultiImportHooks = {}): Reply | undefined {
  if (rest.length === 0) {
    if (ctx.method === 'POST') return sendMessage(ctx, requestId);
    if (ctx.method === 'GET') return json(200, ctx.store.messagesOf(ctx.projectId!, requestId));
    return undefined;
  }
  if (rest.length === 1) {
    const segment = rest[0]!;
    if (ctx.method === 'POST' && segment.toLowerCase() === 'multi') return importMessages(ctx, requestId, hooks);
    if (ctx.method === 'GET' && segment.toLowerCase() === 'csv') {
      const body = mongooseDocumentsCsv(ctx.store.messagesOf(ctx.projectId!, requestId).length);
      return { kind: 'text', status: 200, body, contentType: 'text/csv; charset=utf-8', etag: true };
    }
    if (ctx.method === 'GET') {
      const id = castObjectId(segment);
      if (!id) return json(500, { success: false, msg: 'Error getting object.' });
      const message = ctx.store.messagesById.get(id);
      return message ? json(200, message) : json(404, { success: false, msg: 'Object not found.' });
    }
  }
  return undefined;
}

function sendMessage(ctx: RouteContext, requestId: string): Reply {
  const body = bodyObject(ctx);
  const caller = callerOf(ctx);
  const projectId = ctx.projectId!;
  const sender = body.sender;
  let fullname: unknown = body.senderFullname || caller.fullName;
  let email: unknown = body.email || caller.email;
  const status = body.status || 0;
  const request = ctx.store.findRequest(projectId, requestId);

  if (!request) {
    // Case A: the conversation is created from the first message.
    if (!body.text && (!body.type || body.type === 'text')) return json(422, { errors: ['text field is required'] });
    let requester = ctx.projectUser;
    if (sender) {
      const found = findSenderProjectUser(ctx, sender);
      if (!found) return json(403, { success: false, msg: `Unauthorized. Project_user not found with user id  : ${String(sender)}` });
      requester = found;
      ({ fullname, email } = senderIdentity(ctx, found, fullname, email));
    }
    const lead = ctx.domain.upsertLead(String(sender || caller._id), fullname, email, projectId, body.attributes || caller.attributes, caller.phone);
    // A caller let in without a membership has no project_user: `project_user._id` throws after the lead is saved.
    if (!requester) return hang();
    const contact: Record<string, unknown> = {};
    if (lead.phone) contact.phone = lead.phone;
    // The request schema stores `contact.email` lower-cased and trimmed (the lead keeps it as given).
    if (lead.email) contact.email = String(lead.email).trim().toLowerCase();
    try {
      const created = ctx.domain.createRequest({
        request_id: requestId,
        projectId,
        requester,
        lead,
        first_text: body.text,
        departmentid: body.departmentid,
        sourcePage: body.sourcePage,
        language: body.language,
        userAgent: body.userAgent,
        status: body.request_status,
        createdBy: caller._id,
        attributes: body.attributes,
        subject: body.subject,
        preflight: body.preflight,
        channel: body.channel,
        location: body.location,
        participants: body.participants,
        priority: body.priority,
        followers: body.followers,
        ...(Object.keys(contact).length > 0 ? { contact } : {}),
      });
      const message = ctx.domain.createMessage({
        sender: sender || caller._id,
        senderFullname: fullname,
        recipient: requestId,
        text: body.text,
        projectId,
        createdBy: caller._id,
        status,
        attributes: body.attributes,
        type: body.type,
        metadata: body.metadata,
        language: body.language,
        channel: body.channel,
      });
      // Populating the new request fails on a non-ObjectId participant; the route then only logs: no answer.
      if (populateFailure(created)) return hang();
      return json(200, { ...message, request: requestView(ctx.store, created, 'populatedNew') });
    } catch (error) {
      if (error instanceof SaveError) return json(500, { success: false, msg: 'Error creating request', err: error.json });
      if (error instanceof TypeError) return json(500, { success: false, msg: 'Error creating request', err: {} });
      throw error;
    }
  }

  // Case B: the conversation exists; no validation at all.
  if (request.channel.name === 'form' && !sender && request.participantsAgents[0] !== caller.id) {
    return json(403, { success: false, message: 'Error creating message', err: "You don't belong the conversation" });
  }
  let message: MessageDoc;
  try {
    message = ctx.domain.createMessage({
      sender: sender || caller._id,
      senderFullname: fullname,
      recipient: requestId,
      text: body.text,
      projectId: request.id_project,
      createdBy: null,
      status,
      attributes: body.attributes,
      type: body.type,
      metadata: body.metadata,
      language: body.language,
      channel: body.channel,
    }, false);
  } catch (error) {
    if (error instanceof SaveError) return json(500, { success: false, msg: 'Error creating message', err: error.json });
    throw error;
  }
  ctx.domain.lastMessage(request, message);
  if (typeof sender === 'string' && request.participants.includes(sender)) {
    try {
      ctx.domain.updateWaitingTime(request);
    } catch (error) {
      // The message is saved; only the request's save (waiting time) failed validation.
      if (!(error instanceof SaveError)) throw error;
      ctx.domain.afterMessage(message);
      return json(500, { success: false, msg: 'Error creating message', err: error.json });
    }
  }
  if (populateFailure(request)) {
    ctx.domain.afterMessage(message);
    return hang();
  }
  const answer = json(200, { ...message, request: requestView(ctx.store, request, 'populated') });
  // The message listeners (preflight flip, pending -> open) run after the route has answered.
  ctx.domain.afterMessage(message);
  return answer;
}

/**
 * `…/messages/multi`: no upsert (404), no validation, defaults per item, response in input order. A body that
 * is not an array (or holds a `null` item) makes the real route throw inside a callback and never answer.
 *
 * The real route starts every save at once; Mongoose spreads them over its connection pool, so the documents
 * reach the database in an interleaved order and most of them share one `createdAt` millisecond. Reads sort by
 * `createdAt` alone, so `GET …/messages` shows that storage order, not the input order (measured: 20 items came
 * back as `0 5 10 15 1 6 11 16 2 …`). `multiSaveOrder: 'interleaved'` (the default) reproduces that
 * deterministically; `'input'` stores the items in input order, one after the other.
 */
function importMessages(ctx: RouteContext, requestId: string, hooks: MultiImportHooks): Reply {
  const caller = callerOf(ctx);
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(404, { success: false, msg: "Request doesn't exist.", err: null });
  const items = ctx.body;
  if (!Array.isArray(items)) return hang();
  const limit = Math.min(hooks.saveLimit ?? items.length, items.length);
  // `req.body.forEach` throws at a null item: the saves already started still land, nothing is answered.
  const nullAt = items.findIndex((item, index) => index < limit && (item === null || item === undefined));
  const started = nullAt === -1 ? limit : nullAt;
  // `_id`s are assigned when each document is built, in input order, before any save.
  const batch = items.slice(0, started).map((item: unknown, index) => ({ index, id: ctx.store.newId(), fields: (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown> }));
  const interleaved = ctx.domain.multiSaveOrder === 'interleaved';
  const saveOrder = interleaved ? interleave(batch) : batch;
  const times = interleaved ? saveTimes(ctx, request.id_project, requestId, batch.length) : undefined;
  const saved: { index: number; message: MessageDoc }[] = [];
  let failure: SaveError | undefined;
  let stuck = nullAt !== -1;
  for (const { index, id, fields } of saveOrder) {
    try {
      const message = ctx.domain.createMessage({
        sender: fields.sender || caller._id,
        senderFullname: fields.senderFullname || caller.fullName,
        recipient: requestId,
        text: fields.text,
        projectId: request.id_project,
        createdBy: null,
        status: fields.status || 0,
        attributes: fields.attributes,
        type: fields.type,
        metadata: fields.metadata,
        language: fields.language,
        channel: fields.channel,
        id,
        createdAtMs: times?.[index],
      });
      saved.push({ index, message });
    } catch (error) {
      // Every save was started at once on the real server: one that never settles hangs the response, one that
      // fails makes it a 500, and the others still land either way.
      if (error instanceof RouteHang) {
        stuck = true;
        continue;
      }
      if (!(error instanceof SaveError)) throw error;
      failure ??= error;
    }
  }
  if (stuck) return hang();
  if (failure) return json(500, { success: false, msg: 'Error inserting multiple messages.', err: failure.json });
  return json(200, saved.sort((a, b) => a.index - b.index).map((entry) => entry.message));
}

/** Mongoose's default connection pool: concurrent saves are spread over this many connections. */
const POOL_SIZE = 5;
/** About how many concurrent saves the real server stamps within one millisecond (measured: 50 in one, 100 in two). */
const SAVES_PER_MILLISECOND = 50;

/**
 * The order the saves of one multi call reach the database: items are dealt to the pool's connections in turn
 * and each connection's items land together, per millisecond window of input items. Up to {@link POOL_SIZE}
 * items keep their order; beyond that, item 5 lands right after item 0.
 */
function interleave<T extends { index: number }>(batch: readonly T[]): T[] {
  const order: T[] = [];
  for (let windowStart = 0; windowStart < batch.length; windowStart += SAVES_PER_MILLISECOND) {
    const window = batch.slice(windowStart, windowStart + SAVES_PER_MILLISECOND);
    for (let lane = 0; lane < POOL_SIZE; lane++) {
      for (let position = lane; position < window.length; position += POOL_SIZE) order.push(window[position]!);
    }
  }
  return order;
}

/**
 * `createdAt` (ms) per input index: one millisecond per window of input items, ending now. Never earlier than
 * the conversation's latest message, so earlier calls still read back before this one.
 */
function saveTimes(ctx: RouteContext, projectId: string, requestId: string, count: number): number[] {
  const now = ctx.domain.now();
  const history = ctx.store.messagesOf(projectId, requestId);
  const latest = history.length > 0 ? Date.parse(history[history.length - 1]!.createdAt) : Number.NEGATIVE_INFINITY;
  const windows = Math.ceil(count / SAVES_PER_MILLISECOND);
  return Array.from({ length: count }, (_, index) => Math.max(now - (windows - 1) + Math.floor(index / SAVES_PER_MILLISECOND), latest));
}
