/**
 * Zod schemas of widget messages: `import { OutboundMessageSchema } from 'tiledesk-sdk/messages/schemas'`.
 *
 * An entry of its own, like `tiledesk-sdk/schemas` for REST responses: `tiledesk-sdk/messages` (builders, readers,
 * `parse…`) never loads zod, in Node or in a bundle, whatever the bundler does with side-effect annotations; apps
 * import these only to compose the schemas into their own, generate JSON Schema, or hand one to
 * `RealtimeClient`'s `validate` option. The types they infer are exported by both entries.
 */
import type * as z from 'zod/mini';
import { InvalidMessageError, messageErrorMap, toMessageIssues } from './errors.js';
import type { MessageParseResult } from './parse.js';

export * from './outbound.js';
export * from './inbound.js';
export { InvalidMessageError, type MessageIssue } from './errors.js';
export type { MessageParseResult } from './parse.js';

/**
 * Runs any of these schemas, or one composed from them, with the readable errors of `parseOutboundMessage`: an
 * {@link InvalidMessageError} whose `path` names the field (`attributes.attachment.buttons[2].link`).
 *
 * @example
 * ```ts
 * import { OutboundButtonSchema, safeParseWith } from 'tiledesk-sdk/messages/schemas';
 *
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
