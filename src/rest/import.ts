/**
 * Pure helpers of `messages.import`: validate and normalise every message, then cut the list into chunks whose
 * serialised JSON stays under the server's body limit. Nothing here touches the network.
 */
import { isPlainObject } from '../shared/merge.js';
import { TiledeskError } from '../shared/errors.js';
import { largestField, toJson } from './core.js';
import { ConnectionError, APIError, ValidationError } from './errors.js';
import { toEpochMs } from './resource.js';
import type { Message } from './schemas.js';

/** The fields of a message to import that the SDK reads (see {@link ImportMessage}). */
export interface ImportMessageFields {
  /** Required (non-empty) for `type` `"text"`, the default. */
  text?: string | undefined;
  /** Any string: a user id, a guest uuid, `"bot_…"`, `"chatbot1"`. Defaults to the caller on the server. */
  sender?: string | undefined;
  /** Defaults to the **caller's** name on the server, even when `sender` is someone else: set it. */
  senderFullname?: string | undefined;
  type?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  attributes?: (Record<string, unknown> & { clienttimestamp?: number | Date | undefined }) | undefined;
  language?: string | undefined;
  channel?: { name: string } | undefined;
  /** A {@link MessageStatus} code; the server stores `0` (SENDING) when absent. */
  status?: number | undefined;
  /** When the message was originally sent; stored as `attributes.clienttimestamp` (ms since epoch). */
  timestamp?: Date | number | undefined;
}

/**
 * One message to import: its known fields, and any other field, sent as it is (the server ignores what it does not
 * read). The first member of the union lets a value typed with only the known fields in, such as a message made by the
 * builders of `tiledesk-sdk/messages`: TypeScript refuses an interface without an index signature where one is
 * declared.
 */
export type ImportMessage = ImportMessageFields | (ImportMessageFields & { [extra: string]: unknown });

/**
 * Brands what {@link prepareMessage} returns, so `messages.import` can send an already prepared message without
 * validating and serialising it again (`importConversations` prepares every message up front). A symbol cannot come
 * from JSON, so user input can never pass for prepared.
 */
export const PREPARED: unique symbol = /* @__PURE__ */ Symbol('tiledesk.preparedMessage');

/** A message validated and normalised, serialised once. */
export interface PreparedMessage {
  body: Record<string, unknown>;
  json: string;
  bytes: number;
  [PREPARED]: true;
}

/**
 * UTF-8 size of a string produced by `JSON.stringify` (whose surrogates always come in pairs: lone ones are
 * escaped, so encoding it loses nothing).
 */
export function jsonUtf8Length(json: string): number {
  // Most chat text is ASCII: one native scan settles it, without encoding a copy.
  return /[^\x00-\x7f]/.test(json) ? new TextEncoder().encode(json).length : json.length;
}

/** `[start, end)` indexes into the input array. */
export interface ChunkRange {
  start: number;
  end: number;
  bytes: number;
}

/** The type of each field, as the error names it, with the fields of that type and its check, in the order checked. */
const FIELD_TYPES: [type: string, fields: readonly string[], ok: (value: unknown) => boolean][] = [
  ['a string', ['text', 'sender', 'senderFullname', 'type', 'language'], (v) => typeof v == 'string'],
  ['an object', ['metadata', 'attributes', 'channel'], isPlainObject],
  ['a number', ['status'], Number.isFinite],
  // Read when `messages.send` creates the conversation: one id as a string there and the server never answers.
  ['an array', ['participants', 'followers'], Array.isArray],
];

/**
 * The checks of one message that `messages.send` and `import` share: each field the server reads has its type (a
 * `channel` string is a 500, a `text` object never answered, an `attributes` string was stored as it is, `participants`
 * and `followers` are arrays), a text
 * message (the default type) has a non-blank `text`, a `channel` has a string `name`. A {@link ValidationError} names
 * the field (and `index`).
 */
export function checkMessage(input: Record<string, unknown>, index?: number): void {
  for (const [type, fields, ok] of FIELD_TYPES) {
    for (const field of fields) {
      const v = input[field];
      if (v !== undefined && !ok(v)) throw new ValidationError(field, `must be ${type}`, index);
    }
  }
  // `text` is a string or undefined by now; `\S` finds one that is not all whitespace without trimming a copy.
  if ((input.type === undefined || input.type === 'text') && !/\S/.test((input.text as string | undefined) ?? '')) {
    throw new ValidationError('text', 'is required (non-empty) for a text message', index);
  }
  if (input.channel !== undefined && typeof (input.channel as { name?: unknown }).name !== 'string') {
    throw new ValidationError('channel.name', 'must be a string', index);
  }
}

/** Validates one message and returns what will be sent; throws a {@link ValidationError} naming index and field. */
export function prepareMessage(input: unknown, index: number, maxChunkBytes: number): PreparedMessage {
  if (!isPlainObject(input)) throw new ValidationError('message', 'must be an object', index);
  checkMessage(input, index);
  const { timestamp, ...body } = input;
  const attrs = input.attributes as Record<string, unknown> | undefined;
  let clientTs: number | undefined;
  if (attrs?.clienttimestamp !== undefined) clientTs = toEpochMs(attrs.clienttimestamp, 'attributes.clienttimestamp', index);
  if (timestamp !== undefined) clientTs = toEpochMs(timestamp, 'timestamp', index);
  if (clientTs !== undefined && clientTs !== attrs?.clienttimestamp) body.attributes = { ...attrs, clienttimestamp: clientTs };

  const json = toJson(body, 'message', index);
  const bytes = jsonUtf8Length(json);
  if (bytes + 2 > maxChunkBytes) {
    throw new ValidationError(
      largestField(body) ?? 'message',
      `makes the message ${bytes} bytes as JSON, over the ${maxChunkBytes}-byte chunk limit`,
      index,
    );
  }
  return { body, json, bytes, [PREPARED]: true };
}

/**
 * Greedy split keeping order: a chunk's body (`[` + items joined by `,` + `]`) never exceeds `maxBytes`, and it
 * holds at most `maxMessages` items.
 */
export function planChunks(sizes: readonly number[], maxBytes: number, maxMessages: number): ChunkRange[] {
  const chunks: ChunkRange[] = [];
  let start = 0;
  // `[` and, per item, the item and the `,` or `]` after it.
  let bytes = 1;
  for (let i = 0; i < sizes.length; i++) {
    const added = sizes[i]! + 1;
    if (i > start && (bytes + added > maxBytes || i - start >= maxMessages)) {
      chunks.push({ start, end: i, bytes });
      start = i;
      bytes = 1;
    }
    bytes += added;
  }
  if (sizes.length > start) chunks.push({ start, end: sizes.length, bytes });
  return chunks;
}

/**
 * A chunk of `messages.import` failed. Chunks before it were saved (their messages are in `saved`); chunks after it
 * were not sent. The failed chunk itself was **not retried** (the server saves its items concurrently and has no
 * rollback): check `maybePartiallySaved` and reconcile before sending `sent` again.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof ImportChunkError) {
 *     console.log(`chunk ${e.chunkIndex + 1}/${e.chunkCount}: messages ${e.start}..${e.end - 1}`, e.cause);
 *     if (!e.maybePartiallySaved) await client.messages.import(id, input.slice(e.start));
 *   }
 * }
 * ```
 */
export class ImportChunkError extends TiledeskError {
  override readonly name: string = 'ImportChunkError';
  declare readonly chunkIndex: number;
  declare readonly chunkCount: number;
  /** Index (in the input array) of the chunk's first message. */
  declare readonly start: number;
  /** Index just past the chunk's last message. */
  declare readonly end: number;
  /** HTTP status of the failure, when there was a response. */
  declare readonly status: number | undefined;
  /**
   * False only when the server provably saved nothing of this chunk: its request never went out (stopped or timed out
   * before it was sent, the token provider or the sign-in it waited for failed), the server refused it with a 4xx
   * other than 408, or the connection was never established. True after a 5xx, a 408, a timeout, a reset or an abort
   * mid-flight.
   */
  declare readonly maybePartiallySaved: boolean;
  /** What was sent for this chunk (normalised messages, in order). Not in `toJSON`: it can be large. */
  declare readonly sent: readonly Record<string, unknown>[];
  /** Messages saved by the earlier chunks, in input order. Not in `toJSON`. */
  declare readonly saved: readonly Message[];

  constructor(info: {
    chunkIndex: number;
    chunkCount: number;
    start: number;
    end: number;
    sent: Record<string, unknown>[];
    saved: Message[];
    cause: unknown;
  }) {
    const { sent, saved, cause, ...range } = info;
    super(`import chunk ${info.chunkIndex + 1}/${info.chunkCount} (messages ${info.start}..${info.end - 1}) failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      code: 'import_chunk_failed',
      cause,
    });
    // chunkIndex, chunkCount, start, end; then what the failure says.
    Object.assign(this, range, { status: cause instanceof APIError ? cause.status : undefined, maybePartiallySaved: !provablyNothingSaved(cause) });
    Object.defineProperties(this, { sent: { value: sent }, saved: { value: saved } });
  }
}

function provablyNothingSaved(cause: unknown): boolean {
  // The SDK's own errors other than APIError (a ValidationError, the token provider's) come before sending; a hook's
  // exception may come after the server saved the chunk.
  if (!(cause instanceof APIError)) return cause instanceof TiledeskError;
  if (cause.status !== undefined) return cause.status >= 400 && cause.status < 500 && cause.status !== 408;
  // No attempt: stopped or timed out while it waited for its token, or before its first attempt.
  return !cause.attempts || (cause instanceof ConnectionError && cause.neverConnected);
}
