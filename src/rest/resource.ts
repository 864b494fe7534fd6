import type { CallSpec, QueryValue, RequestCore, RequestOptions, ResponseSchemaKey } from './core.js';
import { isPlainObject } from '../shared/merge.js';
import { ValidationError } from './errors.js';
import { PagePromise } from './pagination.js';
import type { Request } from './schemas.js';

/** What a resource needs from its client. */
export interface ClientContext {
  readonly core: RequestCore;
  readonly projectId: string | undefined;
}

/** Base of every resource: holds the client context. */
export abstract class Resource {
  declare protected readonly ctx: ClientContext;
  constructor(ctx: ClientContext) {
    this.ctx = ctx;
  }

  /**
   * A call on one conversation, `/<projectId>/requests/<requestId><suffix>`, answering the request document; repeated
   * on failure unless it is a POST or `idempotent` is false.
   */
  protected onRequest<T = Request>(
    method: CallSpec['method'],
    requestId: string,
    suffix: string,
    options: RequestOptions | undefined,
    body?: object,
    idempotent?: boolean,
  ): Promise<T> {
    return call(this.ctx, method, `${projectPath(this.ctx, options)}/requests/${seg(requestId, 'requestId')}${suffix}`, 'request', options, body, idempotent);
  }
}

/**
 * One call through the core. Positional on purpose: resources make dozens of these, and positional arguments
 * minify to a fraction of an options object in browser bundles.
 */
export function call<T>(
  ctx: ClientContext,
  method: CallSpec['method'],
  path: string,
  schema: ResponseSchemaKey | undefined,
  options: RequestOptions | undefined,
  body?: object,
  // Every call but a POST may be repeated, unless the resource says otherwise.
  idempotent = method != 'POST',
): Promise<T> {
  return ctx.core.request<T>({ method, path, idempotent, schema, body }, options);
}

/**
 * A path segment from a caller-supplied id: a non-empty string (with `objectId`, a Mongo `_id`), URL-encoded. `.` and `..` (also spelt with `%2e`)
 * are refused: `encodeURIComponent` keeps them, and `fetch` resolves them, so `remove(rid, '..')` would become a
 * DELETE of the conversation itself. A lone surrogate, which `encodeURIComponent` throws a bare `URIError` on, too.
 */
export function seg(value: unknown, field: string, objectId?: unknown): string {
  requireString(value, field);
  if (/^(\.|%2e){1,2}$/i.test(value)) throw new ValidationError(field, 'must not be . or ..');
  // Anything else is a 500 the call retries (a tag's name for its `_id`), and a follower never gets an answer.
  if (objectId && !/^[\da-f]{24}$/i.test(value)) throw new ValidationError(field, 'must be an _id (24 hex digits)');
  try {
    return encodeURIComponent(value);
  } catch {
    throw new ValidationError(field, 'must not hold a lone surrogate');
  }
}

/** `/<projectId>`: `projectId` if given (`projects.get`'s argument), else the call's `projectId` option or the client's. */
export function projectPath(ctx: ClientContext, options: RequestOptions | undefined, projectId?: string): string {
  return `/${seg(projectId ?? options?.projectId ?? ctx.projectId, 'projectId')}`;
}

/** Ms since the epoch of a Date or a number, else a {@link ValidationError} naming `field` (an invalid Date too). */
export function toEpochMs(value: unknown, field: string, index?: number): number {
  if (value instanceof Date) {
    const t = value.getTime();
    if (Number.isNaN(t)) throw new ValidationError(field, 'is an invalid Date', index);
    return t;
  }
  // `Number.isFinite` is false for anything but a finite number: no `typeof` needed.
  if (Number.isFinite(value) && (value as number) >= 0) return value as number;
  throw new ValidationError(field, 'must be a Date or a number of ms since the epoch', index);
}

/** Throws a {@link ValidationError} unless `value` is an object (not null, not an array). */
export function requireObject<T>(value: T, field: string): asserts value is NonNullable<T> {
  if (!isPlainObject(value)) throw new ValidationError(field, 'must be an object');
}

/** Throws a {@link ValidationError} unless `value` is an array (of anything: what `Array.isArray` narrows to). */
export function requireArray(value: unknown, field: string): asserts value is any[] {
  if (!Array.isArray(value)) throw new ValidationError(field, 'must be an array');
}

/** Throws a {@link ValidationError} unless `value` is a non-empty string. */
export function requireString(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(field, 'must be a non-empty string');
}

/** Drops `undefined` values. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}

/** Throws a {@link ValidationError} unless `value` is undefined or an integer in `[min, max]`. */
export function checkInt(value: unknown, field: string, min: number, max = Infinity): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= min && (value as number) <= max)) {
    throw new ValidationError(field, `must be an integer in [${min}, ${max}]`);
  }
}

/** What every list call takes: a page size, the first page to read, and raw query parameters. */
export interface ListQuery {
  limit?: number;
  page?: number;
  extra?: Record<string, string | number | boolean>;
}

/**
 * A paginated GET: `query` is checked to be an object with `limit` in `[1, maxLimit]` and `page` >= 0, then `build`
 * checks the rest and returns the path and the query (`extra` first, so that what the call sets wins). Argument
 * errors surface when the result is awaited or iterated, like network errors.
 */
export function paged<T, Q extends ListQuery>(
  ctx: ClientContext,
  options: RequestOptions | undefined,
  schema: ResponseSchemaKey,
  key: string,
  query: Q,
  maxLimit: number,
  build: (rest: Omit<Q, 'extra' | 'page'>, extra: Q['extra']) => [path: string, query: Record<string, QueryValue>],
): PagePromise<T> {
  try {
    requireObject(query, 'query');
    checkInt(query.limit, 'limit', 1, maxLimit);
    checkInt(query.page, 'page', 0);
    const { extra, page: start, ...rest } = query;
    const [path, q] = build(rest, extra);
    // The server hands `direction` to mongoose's sort, which throws on any other value: `requests.list` answered
    // 500 (retried), `leads.list` never answered. `extra` too: checked after `build` merged it.
    if (!/^(-?1|(a|de)sc(ending)?)$/i.test((q.direction ?? 1) as string)) throw new ValidationError('direction', 'must be 1, -1, asc or desc');
    return new PagePromise<T>(
      (page) => ctx.core
        .request<Record<string, unknown>>({ method: 'GET', path, query: { ...q, page }, idempotent: true, schema, expect: key, list: true }, options)
        .then((r) => ({ items: r[key] as T[], perPage: r.perPage as number, count: r.count as number })),
      start ?? 0,
    );
  } catch (e) {
    return PagePromise.rejected(e);
  }
}
