import type { RequestOptions } from '../core.js';
import { InvalidResponseError, ValidationError } from '../errors.js';
import { ImportChunkError, planChunks, checkMessage, prepareMessage, PREPARED, type ChunkRange, type ImportMessage, type PreparedMessage } from '../import.js';
import { call, checkInt, Resource, projectPath, requireArray, requireObject, seg } from '../resource.js';
import type { Message, MessageWithRequest } from '../schemas.js';

/**
 * Body of `messages.send`: a plain object, or a message made with the builders of `tiledesk-sdk/messages`
 * (`text('Hi').quickReplies('Yes', 'No')` is accepted as is).
 */
export interface SendMessageParams {
  /** Required (non-empty) for `type` `"text"`, the default. */
  text?: string | undefined;
  type?: string | undefined;
  /** Who sends it: must be an active member of the project (else 403). Default: the caller. */
  sender?: string | undefined;
  senderFullname?: string | undefined;
  email?: string | undefined;
  attributes?: Record<string, unknown> | undefined;
  metadata?: Record<string, unknown> | undefined;
  language?: string | undefined;
  channel?: { name: string } | undefined;
  /** A message status code; the server stores `0` (SENDING) when absent. */
  status?: number | undefined;
  // Read only when the conversation does not exist yet: it is then created with these (protocol §3.2, case A).
  departmentid?: string | undefined;
  sourcePage?: string | undefined;
  userAgent?: string | undefined;
  /** Status of the conversation being created (not of the message). */
  request_status?: number | undefined;
  subject?: string | undefined;
  preflight?: boolean | undefined;
  location?: Record<string, unknown> | undefined;
  /**
   * An array (one id as a string is a `ValidationError`: the server never answered it). Its first id must be a
   * project member's user id: for anything else (`bot_…` of no bot, a guest uuid) the server never answers either,
   * and the conversation it leaves behind cannot be read.
   */
  participants?: string[] | undefined;
  priority?: string | undefined;
  /** An array of project_user `_id`s (a string is a `ValidationError`; the server answered a 500). */
  followers?: string[] | undefined;
}

/** Options of `messages.import`. */
export interface ImportOptions extends RequestOptions {
  /**
   * Largest JSON body per call, in bytes. Default 512000: the server's default `JSON_BODY_LIMIT` of `500KB`.
   * Lower it if your server is configured lower.
   */
  maxChunkBytes?: number;
  /**
   * Most messages per call (default 100). The server saves a chunk's messages concurrently, so their `createdAt`
   * order is not the input order; `1` gives one call per message and keeps the server's order right (slower).
   */
  maxChunkMessages?: number;
  /** Called after each saved chunk, e.g. to checkpoint progress. */
  onChunk?: (progress: ImportProgress) => void;
}

export interface ImportProgress extends ChunkRange {
  chunkIndex: number;
  chunkCount: number;
  /** The saved messages of this chunk, in input order. */
  saved: Message[];
}

/** Messages of a conversation. */
export class Messages extends Resource {
  /**
   * Sends one message. If the conversation does not exist it is created (upsert), which `import` does not do.
   * Not retried on failure: the message may have been saved. Its fields are checked as `import` checks them (a
   * `ValidationError` naming the field: a `channel` string was a 500, an object `text` got no answer, nor did
   * `participants` given as a string).
   *
   * @example
   * ```ts
   * const msg = await guest.messages.send(requestId, { text: 'Hello!' });
   * console.log(msg.request?.status);
   * ```
   */
  async send(requestId: string, message: SendMessageParams, options?: RequestOptions): Promise<MessageWithRequest> {
    requireObject(message, 'message');
    checkMessage(message as Record<string, unknown>);
    return call(this.ctx, 'POST', this.#base(requestId, options), 'messageWithRequest', options, message);
  }

  /**
   * Every message of a conversation; `[]` for a conversation that does not exist (the server's answer: no
   * `NotFoundError`). The server orders them by `createdAt` (its save time), which for imported
   * messages is not their original order; `order: 'clienttimestamp'` sorts by `attributes.clienttimestamp`
   * (messages without one keep their place relative to `createdAt`), then, for equal times, by
   * `attributes.import_index` (the position `importConversations` gives each message), then by server order.
   *
   * @example
   * ```ts
   * const msgs = await client.messages.list(requestId, { order: 'clienttimestamp' });
   * ```
   */
  async list(requestId: string, params: { order?: 'server' | 'clienttimestamp' } = {}, options?: RequestOptions): Promise<Message[]> {
    requireObject(params, 'params');
    const msgs = await this.ctx.core.request<Message[]>({ method: 'GET', path: this.#base(requestId, options), idempotent: true, schema: 'messages', list: true }, options);
    if (params.order !== 'clienttimestamp') return msgs;
    const keyed = msgs.map((m, i) => {
      const attrs = m.attributes as { clienttimestamp?: unknown; import_index?: unknown } | null | undefined;
      const ts = attrs?.clienttimestamp;
      const position = attrs?.import_index;
      return { m, i, k: typeof ts === 'number' ? ts : Date.parse(m.createdAt), p: typeof position === 'number' ? position : NaN };
    });
    // Original times often share a millisecond (or a second): the source position breaks such ties, unless one of the
    // two has none (NaN: the difference is NaN, falsy, and server order decides).
    return keyed.sort((a, b) => a.k - b.k || a.p - b.p || a.i - b.i).map((x) => x.m);
  }

  /**
   * One message by id.
   *
   * @example
   * ```ts
   * const msg = await client.messages.get(requestId, messageId);
   * ```
   */
  async get(requestId: string, messageId: string, options?: RequestOptions): Promise<Message> {
    return call(this.ctx, 'GET', `${this.#base(requestId, options)}/${seg(messageId, 'messageId', 1)}`, 'message', options);
  }

  /**
   * Imports many messages into an **existing** conversation (`…/messages/multi`; a missing one gives a
   * `NotFoundError` as the cause), keeping their order. Every message is validated first; nothing is sent if one
   * is bad (`ValidationError` with its `index` and `field`) or an option is (a `ValidationError` naming it). Large
   * arrays are split into chunks under the body limit, sent one after the other. A failed chunk is not retried (the server has no rollback): an
   * {@link ImportChunkError} says which chunk failed, what it sent and what was saved before.
   *
   * @example
   * ```ts
   * const saved = await admin.messages.import(req.request_id, [
   *   { sender: guestId, text: 'How can I restore my password', timestamp: new Date('2024-05-01T10:00:00Z') },
   *   { sender: 'chatbot1', senderFullname: 'Bot', text: 'Here: https://…', timestamp: 1714557601000 },
   * ]);
   * ```
   */
  async import(requestId: string, messages: readonly ImportMessage[], options?: ImportOptions | null): Promise<Message[]> {
    const { onChunk, maxChunkBytes = 500 * 1024, maxChunkMessages = 100, ...requestOptions } = options ?? {};
    checkInt(maxChunkBytes, 'maxChunkBytes', 64);
    checkInt(maxChunkMessages, 'maxChunkMessages', 1);
    // A non-array body makes this endpoint hang forever on the server: check everything before sending anything.
    requireArray(messages, 'messages');
    const path = `${this.#base(requestId, requestOptions)}/multi`;
    const prepared = messages.map((m, i) => ((m as Partial<PreparedMessage> | null)?.[PREPARED] ? (m as PreparedMessage) : prepareMessage(m, i, maxChunkBytes)));
    const chunks = planChunks(prepared.map((p) => p.bytes), maxChunkBytes, maxChunkMessages);

    const saved: Message[] = [];
    for (let c = 0; c < chunks.length; c++) {
      const chunk = chunks[c]!;
      const items = prepared.slice(chunk.start, chunk.end);
      let result: Message[];
      try {
        result = await this.ctx.core.request<Message[]>({
          method: 'POST', path, body: `[${items.map((p) => p.json).join(',')}]`, idempotent: false, schema: 'messages',
          // An array of objects (the core checks `list`), as many as were sent: in the core, so that onError hears of
          // it like of any unusable answer.
          list: true,
          check: (r: unknown[], full) => {
            if (r.length !== items.length) {
              throw new InvalidResponseError(`Expected an array of ${items.length} saved messages (POST ${full})`, {
                code: 'invalid_response', method: 'POST', path: full, status: 200,
              });
            }
          },
        }, requestOptions);
      } catch (cause) {
        // Refused before it was sent (an option of the wrong kind): the same for every chunk, so nothing was sent.
        if (cause instanceof ValidationError) throw cause;
        throw new ImportChunkError({
          chunkIndex: c, chunkCount: chunks.length, start: chunk.start, end: chunk.end,
          sent: items.map((p) => p.body), saved: saved.slice(), cause,
        });
      }
      saved.push(...result);
      onChunk?.({ ...chunk, chunkIndex: c, chunkCount: chunks.length, saved: result });
    }
    return saved;
  }

  #base(requestId: string, options: RequestOptions | undefined): string {
    return `${projectPath(this.ctx, options)}/requests/${seg(requestId, 'requestId')}/messages`;
  }
}
