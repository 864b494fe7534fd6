import type * as z from 'zod/mini';
import { InvalidMessageError, messageErrorMap, toMessageIssues } from './errors.js';
import { InboundMessageSchema, type InboundMessage } from './inbound.js';
import { OutboundMessageSchema, type OutboundMessage } from './outbound.js';

/** Result of a `safeParse…` call: the typed message, or the error that `parse…` would have thrown. */
export type MessageParseResult<T> = { success: true; data: T } | { success: false; error: InvalidMessageError };

/**
 * Runs any of the message schemas (or one composed from them) with the same readable errors as
 * {@link parseOutboundMessage}; the builders use it for buttons and cards.
 *
 * @example
 * ```ts
 * const r = safeParseWith(OutboundButtonSchema, { type: 'url', value: 'Docs' }, 'invalid button');
 * if (!r.success) r.error.path; // "link"
 * ```
 */
export function safeParseWith<S extends z.core.$ZodType>(
  schema: S,
  input: unknown,
  context: string,
): MessageParseResult<z.output<S>> {
  const result = (schema as unknown as z.ZodMiniType).safeParse(input, { error: messageErrorMap as never });
  if (result.success) return { success: true, data: result.data as z.output<S> };
  return { success: false, error: new InvalidMessageError(toMessageIssues(result.error.issues), context) };
}

/**
 * Validates a message you are about to send against what the widget renders correctly.
 *
 * @throws {InvalidMessageError} naming the offending path, e.g. `attributes.attachment.buttons[2].link`.
 * @example
 * ```ts
 * const body = parseOutboundMessage(JSON.parse(rawReply)); // typed OutboundMessage
 * ```
 */
export function parseOutboundMessage(input: unknown): OutboundMessage {
  const result = safeParseOutboundMessage(input);
  if (!result.success) throw result.error;
  return result.data;
}

/**
 * Non-throwing {@link parseOutboundMessage}.
 *
 * @example
 * ```ts
 * const r = safeParseOutboundMessage(reply);
 * if (!r.success) console.warn(r.error.issues); // [{ path: 'metadata.type', message: 'is required' }]
 * ```
 */
export function safeParseOutboundMessage(input: unknown): MessageParseResult<OutboundMessage> {
  return safeParseWith(OutboundMessageSchema, input, 'invalid outbound message');
}

/**
 * Reads a message as real senders produce it (REST, WebSocket frames, chat21 envelopes, chatbot bodies),
 * keeping every unknown field. Fails only on values no sender produces, e.g. a non-object or `text: 42`.
 *
 * @throws {InvalidMessageError} naming the offending path.
 * @example
 * ```ts
 * const message = parseInboundMessage(frame.payload.message);
 * message.attributes?.attachment?.buttons?.forEach((b) => console.log(b.type, b.value));
 * ```
 */
export function parseInboundMessage(input: unknown): InboundMessage {
  const result = safeParseInboundMessage(input);
  if (!result.success) throw result.error;
  return result.data;
}

/**
 * Non-throwing {@link parseInboundMessage}.
 *
 * @example
 * ```ts
 * const r = safeParseInboundMessage(doc);
 * if (r.success) render(r.data);
 * ```
 */
export function safeParseInboundMessage(input: unknown): MessageParseResult<InboundMessage> {
  return safeParseWith(InboundMessageSchema, input, 'invalid inbound message');
}
