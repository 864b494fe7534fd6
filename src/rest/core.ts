/**
 * The one request path. Every REST call of the SDK goes through {@link RequestCore.request}: auth header, timeout
 * (covering the body), the caller's AbortSignal, retries with capped full-jitter backoff and server hints, the
 * client-wide retry budget, hooks, error mapping and opt-in response validation all live here and nowhere else.
 *
 * Here and in the rest of src/rest, a table or pattern read in one place is written in that place, not as a module
 * constant: in a browser bundle each module constant costs a declaration and a two-letter name (43 B gzip for seven).
 */
import { linkedSignal, raceSignal, sleep } from '../shared/abort.js';
import { backoffDelay, type BackoffOptions, type RetryBudget } from '../shared/backoff.js';
import { isPlainObject } from '../shared/merge.js';
import { TiledeskError } from '../shared/errors.js';
import { redact, redactHeaders, redactSecrets } from '../shared/token.js';
import type { AuthState } from './auth.js';
import {
  AbortError,
  APIError,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  InternalServerError,
  InvalidResponseError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
  type TokenProviderError,
  UnprocessableEntityError,
  ValidationError,
  fieldErrorsOf,
  permissionReason,
} from './errors.js';
import type { Transport, TransportResponse } from './transport.js';

/**
 * Request headers, in the shapes `fetch` takes: a record, a `Headers`, or an array (any iterable: a `Map`, a
 * generator) of `[name, value]` pairs. Names are case-insensitive: of two spellings of one name, the last wins. A name
 * whose value is `undefined` or `null` is left out (an unset environment variable is not sent as "undefined").
 *
 * @example
 * ```ts
 * const headers: HeadersInput = [['X-Request-Source', 'crm-sync'], ['X-Tenant', 'acme']];
 * ```
 */
export type HeadersInput = Record<string, string | undefined> | Iterable<readonly [string, string]>;

/** Options every method accepts as its last argument. */
export interface RequestOptions {
  /** Aborts the call (and any wait between retries). Listeners are removed when the call settles. */
  signal?: AbortSignal;
  /** Per-attempt timeout in ms, covering the response body. Overrides the client's `timeout`. */
  timeout?: number;
  /** Retries for this call. Overrides the client's `maxRetries`. */
  maxRetries?: number;
  /**
   * Extra headers for this call, in the shapes and under the checks of the client's `headers`, which they override
   * name by name (case-insensitively); refused when the call starts, before anything is sent.
   *
   * @example
   * ```ts
   * await client.requests.count({}, { headers: new Headers({ 'X-Request-Source': 'crm-sync-retry' }) });
   * ```
   */
  headers?: HeadersInput;
  /** Project for this call, instead of the client's `projectId`. */
  projectId?: string;
}

/** `fallback` when `value` is undefined, else a number >= 0 (`Infinity` included) or a {@link ValidationError} naming `field`. */
export function nonNegative(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value == 'number' && value >= 0)) throw new ValidationError(field, 'must be a number >= 0');
  return value;
}

/** Keys of the response schemas the client can validate against (see `responseSchemas`). */
export type ResponseSchemaKey =
  | 'auth'
  | 'guestAuth'
  | 'signup'
  | 'request'
  | 'requestPage'
  | 'requestCount'
  | 'message'
  | 'messageWithRequest'
  | 'messages'
  | 'lead'
  | 'leadPage'
  | 'projectUser'
  | 'projectUsers'
  | 'project'
  | 'projectMemberships'
  | 'user'
  | 'userUpdate';

/** Anything with zod's `safeParse` (zod classic, zod/mini, or your own). */
export interface ResponseSchema {
  safeParse(data: unknown):
    | { success: true; data: unknown }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

export type ResponseSchemas = Partial<Record<ResponseSchemaKey, ResponseSchema>>;

/** Emitted before each attempt. Headers are redacted. */
export interface RequestEvent {
  method: string;
  url: string;
  headers: Record<string, string>;
  attempt: number;
}

/** Emitted when a response (any status) has been read in full. */
export interface ResponseEvent extends RequestEvent {
  status: number;
  responseHeaders: Record<string, string>;
  durationMs: number;
}

/** Emitted before waiting for a retry. */
export interface RetryEvent {
  method: string;
  url: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: APIError;
}

/**
 * Emitted once for every error a call throws, after any retries: HTTP and connection errors, timeouts, aborts, unusable
 * 2xx answers, a sign-in refused with `success: false`, and the token provider's failure. Bad arguments
 * (`ValidationError`) are thrown before any call is made and are not reported.
 */
export interface ErrorEvent {
  method: string;
  url: string;
  /** Attempts made; `0` when the call failed before sending anything (its token could not be had). */
  attempts: number;
  error: APIError | TokenProviderError;
}

/**
 * Observation points of the request core. A hook that throws fails the call, so keep them cheap and safe.
 *
 * @example
 * ```ts
 * new TiledeskClient({ baseUrl, hooks: { onRetry: (e) => metrics.increment('tiledesk.retry', { status: e.error.status }) } });
 * ```
 */
export interface Hooks {
  onRequest?(event: RequestEvent): void;
  onResponse?(event: ResponseEvent): void;
  onRetry?(event: RetryEvent): void;
  onError?(event: ErrorEvent): void;
}

/** One call, as a resource describes it. */
export interface CallSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under the base URL, segments already encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  /** An object or array is serialised as JSON; a string is sent as is. */
  body?: object | string;
  /** Whether repeating the call is harmless. Only such calls are retried on 5xx, timeouts and resets. */
  idempotent: boolean;
  /** `false`: no Authorization header (sign-in endpoints). A string: this exact header value. Default: the client's auth. */
  auth?: false | string;
  schema?: ResponseSchemaKey;
  /** Values that must never appear in an error (e.g. the password of a sign-in call). */
  secrets?: readonly string[];
  /** A field the caller reads from a 2xx body: without it, the call fails with an `InvalidResponseError`. */
  expect?: string;
  /**
   * `true`: the body (or its `expect` field) must be an array of objects (lists are iterated and their items' `_id`
   * read). `'first'`: such an array or one object (a route some server versions answer with the object itself).
   * Otherwise the body (or its `expect` field) must be one object, or a non-empty string for `expect: 'token'`.
   */
  list?: true | 'first';
  /**
   * Checks (and may replace: a result other than `undefined`) the body once `expect`, `list` and the schema passed.
   * `path` is the call's full path. What it throws fails the call like any other error, `onError` included.
   */
  check?(data: unknown, path: string): unknown;
}

export type QueryValue = string | number | boolean | readonly (string | number)[] | undefined | null;

export interface CoreConfig {
  baseUrl: string;
  transport: Transport;
  auth: AuthState;
  timeout: number;
  maxRetries: number;
  backoff: BackoffOptions;
  maxRetryAfterMs: number;
  budget: RetryBudget | undefined;
  hooks: readonly Hooks[];
  headers: HeadersInput | undefined;
  schemas: ResponseSchemas | undefined;
}


interface Base {
  origin: string;
  prefix: string;
}

/** Parses and checks a base URL: http(s), no credentials, no query; any path prefix (`/v3`) is kept. */
export function parseBaseUrl(baseUrl: unknown): Base {
  let url: URL | undefined;
  try {
    url = new URL(baseUrl as string);
  } catch {
    // Left undefined: refused below.
  }
  // The URL itself is never echoed: it might carry credentials.
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash) {
    throw new ValidationError('baseUrl', 'must be an http(s) URL without credentials, query or fragment');
  }
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

export class RequestCore {
  #config: CoreConfig;
  #base: Base;
  /** The client's headers, checked and lower-cased once (a generator given as `headers` can be read only once). */
  declare readonly headers: Record<string, string>;
  /** Errors already reported to `onError`: a sign-in's failure reaches the call that waited for its token too. */
  #reported = new WeakSet<object>();

  constructor(config: CoreConfig) {
    this.#config = config;
    this.#base = parseBaseUrl(config.baseUrl);
    this.headers = headerMap(config.headers, { accept: 'application/json' });
  }

  /**
   * Sends one call, with retries, and returns the parsed JSON body (or what `spec.check` makes of it). Every SDK error
   * it throws has been reported to `onError` once: those of a nested call (the sign-in a token waits for) already were.
   */
  async request<T>(spec: CallSpec, options: RequestOptions | null = {}): Promise<T> {
    const config = this.#config;
    const path = this.#base.prefix + spec.path + queryString(spec.query);
    // Bad arguments are thrown before the `try`: nothing was sent, and onError does not hear of them.
    const body = typeof spec.body === 'object' ? toJson(spec.body, 'body') : spec.body;
    const { signal: userSignal, headers: extraHeaders } = options ?? {};
    // A NaN or negative timeout (a deadline already past) would be no timeout at all; anything but a signal (the
    // controller itself, say) a bare TypeError once the call had started.
    const timeout = nonNegative(options?.timeout, 'timeout', config.timeout);
    const maxRetries = nonNegative(options?.maxRetries, 'maxRetries', config.maxRetries);
    if (userSignal != null && typeof userSignal.addEventListener != 'function') throw new ValidationError('signal', 'must be an AbortSignal');
    // One spelling per name: a caller's `Authorization` or `Content-Type` next to the client's own would both be sent.
    const given = headerMap(extraHeaders, { ...this.headers });
    // What hooks see, redacted: the origin carries no credentials (parseBaseUrl refuses them).
    const url = this.#base.origin + path;
    let attempt = 0;
    try {
      const observed = config.hooks.length > 0;

      // Built only when an error is: not on the success path of every call.
      const secrets = () => [...config.auth.secrets, ...(spec.secrets ?? [])];
      // What every error of the call records of it, as of the attempt that failed.
      const info = () => ({ method: spec.method, path, attempts: attempt });
      const timeoutError = (cause: unknown) =>
        new TimeoutError(`Request timed out after ${timeout} ms (${spec.method} ${path})`, { ...info(), code: 'timeout', timeoutMs: timeout, cause });
      const abortError = (cause: unknown) =>
        new AbortError(`Request aborted (${spec.method} ${path})`, { ...info(), code: 'aborted', cause });
      // A token being fetched (shared with other calls) is waited for like a response: until the caller's signal or
      // the timeout, so a token provider that never settles cannot hang the call.
      const token = async (pending: string | Promise<string | undefined> | undefined) => {
        if (typeof pending !== 'object') return pending;
        const linked = linkedSignal(userSignal, timeout);
        try {
          return await raceSignal(pending, linked.signal);
        } catch (e) {
          if (userSignal?.aborted) throw abortError(e);
          if (!linked.timedOut()) throw e;
          config.auth.giveUp(pending);
          throw timeoutError(e);
        } finally {
          linked.dispose();
        }
      };

      let authValue = spec.auth === undefined ? await token(config.auth.authorization()) : spec.auth || undefined;
      // Stopped before its first attempt: the transport never sees it, so the error can say nothing was sent.
      if (userSignal?.aborted) throw abortError(userSignal.reason);

      let refreshed = false;
      let retries = 0;
      for (attempt = 1; ; attempt++) {
        const headers = { ...given };
        if (body !== undefined) headers['content-type'] ??= 'application/json';
        if (authValue !== undefined) headers.authorization = authValue;
        const event = observed ? { method: spec.method, url: redact(url), headers: redactHeaders(headers), attempt } : undefined;
        if (event) this.#emit('onRequest', event);
        const started = observed ? performance.now() : 0;

        let res: TransportResponse | undefined;
        let text = '';
        let failure: { cause: unknown } | undefined;
        const linked = linkedSignal(userSignal, timeout);
        // Raced against the signal too, so a transport (a user's fetch) that ignores it cannot outlive the timeout; not
        // one that vouches for it (Node's default): two races were half of what the core adds to a call (bench/rest).
        const raced = config.transport.abortable ? undefined : linked.signal;
        try {
          res = await raceSignal(config.transport.request({ method: spec.method, origin: this.#base.origin, path, headers, body, signal: linked.signal }), raced);
          text = await raceSignal(res.text(), raced);
        } catch (cause) {
          failure = { cause };
        } finally {
          linked.dispose();
        }

        let error: APIError;
        let retryable: boolean;
        let hint: number | undefined;
        // `res` is set when nothing failed: a transport answering `undefined` fails at `res.text()`.
        if (failure) {
          const cause = scrubCause(failure.cause, secrets());
          if (userSignal?.aborted) throw abortError(cause);
          if (linked.timedOut()) {
            error = timeoutError(cause);
            retryable = spec.idempotent;
          } else {
            const code = errorCode(cause);
            const connError = new ConnectionError(`Connection error${code ? ` (${code})` : ''}: ${redactSecrets(causeMessage(cause), secrets())} (${spec.method} ${path})`, {
              ...info(), code: 'connection_error', cause, causeCode: code,
            });
            error = connError;
            // A refused connection proves the server never saw the call, so even a POST may be repeated.
            retryable = spec.idempotent || connError.neverConnected;
          }
        } else {
          const { status, headers: responseHeaders } = res!;
          if (event) this.#emit('onResponse', { ...event, status, responseHeaders: redactHeaders(responseHeaders), durationMs: performance.now() - started });
          if (status >= 200 && status < 300) {
            // A 2xx the call cannot use fails it as surely as a 500, and onError (the logger) hears of it.
            const invalid = (problem: string, extra?: { cause?: unknown; issues?: { path: readonly PropertyKey[]; message: string }[] }) =>
              new InvalidResponseError(`Response ${problem} (${spec.method} ${path})`, {
                ...info(), code: 'invalid_response', status, ...extra,
                headers: redactHeaders(responseHeaders), body: capBody(redactedHead(text, secrets())),
              });
            // Parsed JSON: any value, read below only through `?.`.
            let data: Record<string, unknown> | null | undefined;
            if (text) {
              try {
                data = JSON.parse(text);
              } catch (cause) {
                throw invalid('is not JSON', { cause });
              }
            }
            // The auth routes' refusal (`{ success: false, msg }` with a 200) goes on as an error response, below.
            if (spec.auth === undefined || data?.success !== false) {
              const v = spec.expect ? data?.[spec.expect] : data;
              // A route that found nothing to act on may answer `null` with a 200 (a note added to a missing conversation).
              if (v === null && !spec.expect && spec.list !== true) notFound(spec.method, path);
              // What the call promises (a token, one object, a list of objects, or either with `list: 'first'`) or an error
              // saying so: `{}`, `42` or an empty 204 would otherwise reach the caller, typed as a Request say, and fail
              // later as a bare TypeError far from the call.
              const promised = spec.expect === 'token'
                ? typeof v == 'string' && v
                : Array.isArray(v) ? spec.list && v.every(isPlainObject) : spec.list != true && isPlainObject(v);
              if (!promised) {
                throw invalid(spec.expect ? `has no ${spec.expect}${spec.list && v ? ' list of objects' : ''}` : `is not ${spec.list ? 'a list of objects' : 'an object'}`);
              }
              const schema = spec.schema && config.schemas?.[spec.schema];
              if (schema && text) {
                const parsed = schema.safeParse(data);
                if (!parsed.success) {
                  const issues = parsed.error.issues.map((i) => ({ path: i.path, message: i.message }));
                  const first = issues[0];
                  throw invalid(`does not match the ${spec.schema} schema${first ? ` at ${first.path.map(String).join('.') || '(root)'}: ${first.message}` : ''}`, { issues });
                }
                data = parsed.data as typeof data;
              }
              return (spec.check?.(data, path) ?? data) as T;
            }
          }
          if (status === 401 && !refreshed && spec.auth === undefined && config.auth.refreshable) {
            refreshed = true;
            authValue = await token(config.auth.afterUnauthorized(authValue));
            continue;
          }
          hint = retryAfterMs(responseHeaders);
          error = errorFromResponse(status, responseHeaders, text, info(), secrets(), hint);
          retryable = status === 429 || (spec.idempotent && (status === 408 || status >= 500));
        }

        if (retryable && retries < maxRetries) {
          // A server hint is obeyed up to `maxRetryAfterMs`; asked to wait longer, the call fails now instead.
          const delay = hint === undefined ? backoffDelay(retries, config.backoff) : hint <= config.maxRetryAfterMs ? hint : undefined;
          // Each retry spends a token of the client-wide budget; none left, the call fails now.
          if (delay !== undefined && (config.budget?.tryAcquire() ?? true)) {
            this.#emit('onRetry', { method: spec.method, url: redact(url), attempt, delayMs: delay, error });
            try {
              await sleep(delay, userSignal);
            } catch (e) {
              throw abortError(e);
            }
            retries++;
            continue;
          }
        }
        throw error;
      }
    } catch (error) {
      // Every failure of the call, wherever it was built (the core, the token provider, `spec.check`), is reported
      // once; a hook's own exception is not the SDK's failure and goes to the caller as it is.
      if (error instanceof TiledeskError && !this.#reported.has(error)) {
        this.#reported.add(error);
        this.#emit('onError', { method: spec.method, url: redact(url), attempts: attempt, error: error as APIError | TokenProviderError });
      }
      throw error;
    }
  }

  /** Releases the transport's pooled connections. */
  async close(): Promise<void> {
    await this.#config.transport.close?.();
  }

  #emit<K extends keyof Hooks>(name: K, event: Parameters<NonNullable<Hooks[K]>>[0]): void {
    for (const h of this.#config.hooks) (h[name] as ((e: typeof event) => void) | undefined)?.(event);
  }
}

/**
 * `JSON.stringify`, or a {@link ValidationError} with its reason (a BigInt, a cycle, a `toJSON` that throws) naming the
 * top-level field that cannot be JSON (else the largest one, else `field`): it was a bare `TypeError` from the core.
 */
export function toJson(body: unknown, field: string, index?: number): string {
  try {
    return JSON.stringify(body);
  } catch (e) {
    throw new ValidationError(largestField(body) ?? field, `is not JSON-serialisable (${(e as Error).message})`, index);
  }
}

/** The top-level field that cannot be JSON, else the largest as JSON: what to blame for a body that is too big. */
export function largestField(body: unknown): string | undefined {
  let best: string | undefined;
  let bestSize = -1;
  for (const [k, v] of Object.entries(body as object)) {
    let size: number;
    try {
      size = JSON.stringify(v)?.length ?? 0;
    } catch {
      return k;
    }
    if (size > bestSize) {
      best = k;
      bestSize = size;
    }
  }
  return best;
}

/**
 * Adds `headers` (a record, a `Headers`, or any iterable of `[name, value]` pairs: what `fetch` takes) to `into` under
 * lower-cased names. Refused: an entry that is not a pair, a name that is not an RFC 9110 token (letters, digits and
 * ``!#$%&'*+-.^_`|~``: no `:`, space, quote or bracket), and, without quoting it (it may be a secret), a value no
 * transport sends: a line break or anything but printable ASCII, space and tab (it was a retried ConnectionError).
 */
function headerMap(headers: HeadersInput | undefined, into: Record<string, string>): Record<string, string> {
  // A string is iterable too: its characters are not pairs, and are refused.
  [...((headers as Partial<Iterable<unknown>>)?.[Symbol.iterator] ? (headers as Iterable<unknown>) : Object.entries(headers ?? {}))].forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length != 2) throw new ValidationError(`headers[${i}]`, 'must be a [name, value] pair');
    const [name, value] = pair;
    if (value == null) return; // left out, as an undefined query parameter is
    if (!/^[\w!#-'*+.^`|~-]+$/.test(name)) throw new ValidationError(`headers.${name}`, 'must be a valid header name');
    if (!/^[\t -~]*$/.test(value)) throw new ValidationError(`headers.${name}`, 'must be printable ASCII');
    into[`${name}`.toLowerCase()] = value;
  });
  return into;
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  const params = new URLSearchParams();
  // An array becomes a repeated parameter (`role=owner&role=agent`), which Express reads as an array.
  for (const [key, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) for (const x of [v].flat()) params.append(key, String(x));
  const qs = `${params}`;
  return qs && `?${qs}`;
}

/** `retry-after-ms` (ms) wins over `Retry-After` (seconds or an HTTP date). */
export function retryAfterMs(headers: TransportResponse['headers'], now = Date.now()): number | undefined {
  // `Number('')` is 0: an empty header must not override a valid `Retry-After`.
  const ms = Number(headers['retry-after-ms'] || NaN);
  if (ms >= 0) return Math.ceil(ms);
  const ra = headers['retry-after'];
  if (typeof ra !== 'string' || !ra.trim()) return undefined;
  const seconds = Number(ra);
  const wait = Number.isNaN(seconds) ? Date.parse(ra) - now : seconds * 1000;
  // A date in the past waits 0; an unreadable one (NaN) is no hint.
  return wait >= 0 ? Math.ceil(wait) : wait < 0 ? 0 : undefined;
}

/** At most 32 KiB (32,768 characters) of a body, marked when cut. */
function capBody(text: string): string {
  return text.length > 32768 ? `${text.slice(0, 32768)}…[truncated]` : text;
}

/**
 * The first MB of a body, redacted: all an error reads of it. Redacting a huge body costs time for nothing, and a run
 * of 10 M token characters overflows the regex engine's stack (a token straddling the cut is gone with the cap).
 */
function redactedHead(text: string, secrets: readonly (string | undefined)[]): string {
  return redactSecrets(redact(text.slice(0, 1 << 20)), secrets);
}

/** The server's own words, from whichever of its error shapes (`msg`, `message`, `error`, `err`, `errors`, text, HTML) this is. */
function serverMessageOf(data: unknown, text: string): string | undefined {
  if (data !== undefined) {
    if (typeof data === 'string') return data;
    for (const k of ['msg', 'message', 'error', 'err']) {
      const m = (data as Record<string, unknown> | null)?.[k];
      if (typeof m === 'string' && m) return m;
    }
    return fieldErrorsOf(data).map((f) => (f.field ? `${f.field}: ${f.message}` : f.message)).join('; ') || undefined;
  }
  // Plain text (`Unauthorized`) or an HTML page (Express' `Cannot GET …`, a proxy's 502): keep the readable part.
  // Only the start of the page is read, and no tag pattern runs past the next `<`: on a page of unclosed `<pre`,
  // `<pre[^>]*>` over the whole body took 10 s for 160 KB.
  const head = text.slice(0, 8192);
  const inner = /<pre[^<>]*>([\s\S]*?)<\/pre>|<title[^<>]*>([\s\S]*?)<\/title>/i.exec(head);
  const readable = (inner ? inner[1] ?? inner[2] ?? '' : head).replace(/<[^<>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return readable.slice(0, 200) || undefined;
}

/** Throws for a 2xx that found nothing (a `null` body, an empty list where one item is read): a {@link NotFoundError}, as a 404. */
export function notFound(method: string, path: string): never {
  throw new NotFoundError(`404 Not found (${method} ${path})`, { code: 'not_found', method, path, status: 404 });
}

/** Maps any error response to the typed error for its status; every string it keeps is redacted first. */
export function errorFromResponse(
  status: number,
  headers: TransportResponse['headers'],
  text: string,
  request: { method: string; path: string; attempts: number },
  secrets: readonly (string | undefined)[],
  retryAfterMs?: number,
): APIError {
  // Parsed up to 1 MB (a capped body is no longer JSON); only the stored copy is capped.
  const full = redactedHead(text, secrets);
  // Any JSON value; typed for the 413 fields read through `?.`.
  let data: { limit?: unknown; limit_file_size?: unknown } | undefined;
  if (/^\s*[[{"]/.test(full)) {
    try {
      data = JSON.parse(full);
    } catch {
      // Not JSON after all: `data` stays undefined.
    }
  }
  const serverMessage = serverMessageOf(data, full);
  const byStatus: Record<number, [typeof APIError, string]> = {
    // A 2xx only when an auth route refuses with `{ success: false }`.
    200: [APIError, 'auth_failed'],
    400: [BadRequestError, 'bad_request'],
    401: [AuthenticationError, 'unauthorized'],
    403: [PermissionDeniedError, 'forbidden'],
    404: [NotFoundError, 'not_found'],
    413: [PayloadTooLargeError, 'payload_too_large'],
    422: [UnprocessableEntityError, 'unprocessable_entity'],
    429: [RateLimitError, 'rate_limited'],
  };
  const [Class, code] = byStatus[status] ?? (status >= 500 ? [InternalServerError, 'server_error'] : [APIError, 'http_error']);
  return new Class(`${status} ${serverMessage ?? 'HTTP error'} (${request.method} ${request.path})`, {
    code, ...request, status,
    headers: redactHeaders(headers), body: capBody(full), data, serverMessage,
    // From the whole body: the server may say why in `err`, under a generic `message` ("Error creating message").
    ...(status === 403 && { reason: permissionReason(full) }),
    ...(status === 413 && { limit: data?.limit ?? data?.limit_file_size }),
    ...(status === 422 && { fieldErrors: fieldErrorsOf(data) }),
    ...(status === 429 && { retryAfterMs }),
  });
}

/**
 * Transport errors may quote the request (URL, headers, body); keep only a copy whose message has every known
 * secret masked (the `TiledeskError` base then masks anything token-like).
 */
function scrubCause(cause: unknown, secrets: readonly (string | undefined)[]): unknown {
  // The copy is only ever the cause of an SDK error, whose base keeps a string `code` only, so `code: undefined`
  // adds nothing; an empty code counts as none (the core reads `causeCode` back from the copy).
  return cause instanceof Error
    ? Object.assign(new Error(redactSecrets(causeMessage(cause), secrets)), { name: cause.name, code: errorCode(cause) || undefined })
    : cause;
}

/** The first string `code` along the cause chain (fetch hides the socket error one level down). */
function errorCode(cause: unknown): string | undefined {
  for (let e = cause as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

function causeMessage(cause: unknown): string {
  const c = cause as { message?: string; cause?: { message?: string } } | undefined;
  return String(c?.cause?.message || c?.message || cause).slice(0, 300);
}
