import { isPlainObject } from '../shared/merge.js';
import type { TopicKind } from './topics.js';
import type { PayloadValidator } from './types.js';

/**
 * Returned by a compiled validator for an item that failed; `detail` is the first issue, safe to report. A class, so
 * that no item (a validator's output, an event's payload) is ever taken for one by its shape.
 */
export class Rejection {
  constructor(readonly detail: string) {}
}

/** A validator turned into one call: the (possibly transformed) item, or a {@link Rejection}. */
export type ItemCheck = (item: unknown) => unknown;

const hasStringId = (item: unknown): item is Record<string, unknown> => isPlainObject(item) && typeof item._id === 'string';

const isRequest = (r: unknown) => hasStringId(r) && typeof r.request_id === 'string' && typeof r.status === 'number';

/** The built-in structural checks of `validate: true`: only what the SDK and its live stores rely on. */
export const BUILT_IN_CHECKS: Readonly<Record<TopicKind, (item: unknown) => boolean>> = {
  requests: isRequest,
  request: isRequest,
  messages: (m) => hasStringId(m) && typeof m.createdAt === 'string',
  projectUser: hasStringId,
  projectUserByUserId: hasStringId,
  events: isPlainObject,
  bot: hasStringId,
};

export const reject = (detail: string): Rejection => new Rejection(detail);

/** Turns a predicate or a Standard Schema into an {@link ItemCheck}. Async schemas are refused: dispatch stays synchronous. */
export function compileValidator(validator: PayloadValidator): ItemCheck {
  if (typeof validator === 'function') return (item) => (validator(item) ? item : reject('rejected by the validator'));
  const standard = validator['~standard'];
  return (item) => {
    const result = standard.validate(item) as { value?: unknown; issues?: ReadonlyArray<{ message: string }> } | Promise<unknown>;
    if (typeof (result as Promise<unknown>).then === 'function') return reject('async validators are not supported');
    const { issues, value } = result as { value?: unknown; issues?: ReadonlyArray<{ message: string }> };
    return issues ? reject(issues[0]?.message ?? 'invalid') : value;
  };
}
