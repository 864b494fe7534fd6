import { SaveError } from '../domain.js';
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
    if (ctx.method === 'GET' && segment.toLowerCase() === 'csv') return { kind: 'text', status: 200, body: messagesCsv(ctx.store.messagesOf(ctx.projectId!, requestId)), contentType: 'text/csv; charset=utf-8', etag: true };
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
    if (!requester) return hang();
    const lead = ctx.domain.upsertLead(String(sender || caller._id), fullname, email, projectId, body.attributes || caller.attributes, caller.phone);
    const contact: Record<string, unknown> = {};
    if (lead.phone) contact.phone = lead.phone;
    if (lead.email) contact.email = lead.email;
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
        sender: String(sender || caller._id),
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
      sender: String(sender || caller._id),
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
  ctx.domain.afterMessage(message);
  if (typeof sender === 'string' && request.participants.includes(sender)) ctx.domain.updateWaitingTime(request);
  if (populateFailure(request)) return hang();
  return json(200, { ...message, request: requestView(ctx.store, request, 'populated') });
}

/**
 * `…/messages/multi`: no upsert (404), no validation, defaults per item, response in input order. A body that
 * is not an array (or holds a `null` item) makes the real route throw inside a callback and never answer.
 */
function importMessages(ctx: RouteContext, requestId: string, hooks: MultiImportHooks): Reply {
  const caller = callerOf(ctx);
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(404, { success: false, msg: "Request doesn't exist.", err: null });
  const items = ctx.body;
  if (!Array.isArray(items)) return hang();
  const limit = hooks.saveLimit ?? items.length;
  const saved: MessageDoc[] = [];
  let failure: SaveError | undefined;
  let stuck = false;
  for (let index = 0; index < items.length && index < limit; index++) {
    const item = items[index] as unknown;
    if (item === null || item === undefined) return hang();
    const fields = (typeof item === 'object' ? item : {}) as Record<string, unknown>;
    try {
      saved.push(
        ctx.domain.createMessage({
          sender: String(fields.sender || caller._id),
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
        }),
      );
    } catch (error) {
      // Every save was already started on the real server: the others still land, then the route fails.
      // Every save was started at once on the real server: one that never settles hangs the response, the
      // others still land.
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
  return json(200, saved);
}

function messagesCsv(messages: readonly MessageDoc[]): string {
  const header = ['_id', 'sender', 'senderFullname', 'recipient', 'text', 'type', 'status', 'createdAt'] as const;
  const rows = messages.map((m) => header.map((k) => JSON.stringify(String(m[k] ?? ''))).join(';'));
  return [header.join(';'), ...rows].join('\r\n');
}
