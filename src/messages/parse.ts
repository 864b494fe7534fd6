/**
 * `parse…` for messages you did not build: a chatbot's JSON reply, a REST document, a WebSocket frame. They run the
 * zod-free checks the builders and readers run (outbound-check.ts, inbound-check.ts), which
 * test/messages/parity.test.ts holds to the zod schemas' exact answers: the same value with keys in the same order,
 * the same issues with the same paths and wording. Validating a message therefore bundles no zod; the zod schemas
 * themselves, for apps that compose them, are the `tiledesk-sdk/messages/schemas` entry.
 */
import type { Check } from './check.js';
import { InvalidMessageError, type MessageIssue } from './errors.js';
import { inboundMessage } from './inbound-check.js';
import type { InboundMessage } from './inbound.js';
import { outboundChecks } from './outbound-check.js';
import type { OutboundMessage } from './outbound.js';

/** Result of a `safeParse…` call: the typed message, or the error that `parse…` would have thrown. */
export type MessageParseResult<T> = { success: true; data: T } | { success: false; error: InvalidMessageError };

/** Runs one of the zod-free checks; `context` starts the error message (`invalid outbound message: …`; `invalid message` when absent). */
export function checkMessage<T>(check: Check, input: unknown, context?: string): MessageParseResult<T> {
  // The root call of `runCheck` (check.ts), made here: calling it costs the messages entry 28 B gzip.
  const issues: MessageIssue[] = [];
  const value = check(input, '', issues);
  if (issues.length > 0) return { success: false, error: new InvalidMessageError(issues, context) };
  return { success: true, data: value as T };
}

/** The data of a successful result; throws the error of a failed one. */
export function unwrap<T>(result: MessageParseResult<T>): T {
  if (!result.success) throw result.error;
  return result.data;
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
  return unwrap(safeParseOutboundMessage(input));
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
  return checkMessage(outboundChecks.message, input, 'invalid outbound message');
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
  return unwrap(safeParseInboundMessage(input));
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
  return checkMessage(inboundMessage, input, 'invalid inbound message');
}
