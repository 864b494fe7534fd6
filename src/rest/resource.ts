import type { RequestCore, RequestOptions } from './core.js';
import { ValidationError } from './errors.js';

/** What a resource needs from its client. */
export interface ClientContext {
  readonly core: RequestCore;
  readonly projectId: string | undefined;
}

/** A path segment from a caller-supplied id: must be a non-empty string, and is URL-encoded. */
export function seg(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(field, 'must be a non-empty string');
  return encodeURIComponent(value);
}

/** `/<projectId>`, from the call's `projectId` option or the client's. */
export function projectPath(ctx: ClientContext, options: RequestOptions | undefined): string {
  const id = options?.projectId ?? ctx.projectId;
  if (id === undefined) throw new ValidationError('projectId', 'is required: set it on the client or pass it in the call options');
  return `/${seg(id, 'projectId')}`;
}

/** Throws a {@link ValidationError} unless `value` is a plain object. */
export function requireObject<T>(value: T, field: string): asserts value is NonNullable<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(field, 'must be an object');
}

/** Throws a {@link ValidationError} unless `value` is a non-empty string. */
export function requireString(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(field, 'must be a non-empty string');
}

/** Drops `undefined` values so they are not sent as `null`-ish noise. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}
