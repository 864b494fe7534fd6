/**
 * The one request path. Every REST call of the SDK goes through {@link RequestCore.request}: auth header, timeout
 * (covering the body), the caller's AbortSignal, retries with capped full-jitter backoff and server hints, the
 * client-wide retry budget, hooks, error mapping and opt-in response validation all live here and nowhere else.
 */
import { linkedSignal, sleep } from '../shared/abort.js';
import { backoffDelay, type BackoffOptions, type RetryBudget } from '../shared/backoff.js';
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
  UnprocessableEntityError,
  ValidationError,
} from './errors.js';
import type { Transport, TransportResponse } from './transport.js';

/** Options every method accepts as its last argument. */
export interface RequestOptions {
  /** Aborts the call (and any wait between retries). Listeners are removed when the call settles. */
  signal?: AbortSignal;
  /** Per-attempt timeout in ms, covering the response body. Overrides the client's `timeout`. */
  timeout?: number;
  /** Retries for this call. Overrides the client's `maxRetries`. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
  /** Project for this call, instead of the client's `projectId`. */
  projectId?: string;
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

/** Emitted when a call fails for good (after any retries). */
export interface ErrorEvent {
  method: string;
  url: string;
  attempts: number;
  error: APIError;
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
  /** Serialised as JSON; a string is sent as is. */
  body?: unknown;
  /** Whether repeating the call is harmless. Only such calls are retried on 5xx, timeouts and resets. */
  idempotent: boolean;
  /** `false`: no Authorization header (sign-in endpoints). A string: this exact header value. Default: the client's auth. */
  auth?: false | string;
  schema?: ResponseSchemaKey;
  /** Values that must never appear in an error (e.g. the password of a sign-in call). */
  secrets?: readonly string[];
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
  hooks: Hooks | undefined;
  headers: Record<string, string>;
  schemas: ResponseSchemas | undefined;
}

const BODY_CAP = 32 * 1024;

interface Base {
  origin: string;
  prefix: string;
}

/** Parses and checks a base URL: http(s), no credentials, no query; any path prefix (`/v3`) is kept. */
export function parseBaseUrl(baseUrl: unknown): Base {
  if (typeof baseUrl !== 'string' || !baseUrl) throw new ValidationError('baseUrl', 'must be a non-empty URL string');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ValidationError('baseUrl', 'is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError('baseUrl', 'must use http: or https:');
  if (url.username || url.password) throw new ValidationError('baseUrl', 'must not contain credentials; use the `auth` option');
  if (url.search || url.hash) throw new ValidationError('baseUrl', 'must not contain a query or a fragment');
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

export class RequestCore {
  private readonly base: Base;

  constructor(readonly config: CoreConfig) {
    this.base = parseBaseUrl(config.baseUrl);
  }

  /** Sends one call, with retries, and returns the parsed JSON body. */
  async request<T>(spec: CallSpec, options: RequestOptions = {}): Promise<T> {
    const { config } = this;
    const { signal: userSignal } = options;
    const timeout = options.timeout ?? config.timeout;
    const maxRetries = options.maxRetries ?? config.maxRetries;
    const path = this.base.prefix + spec.path + queryString(spec.query);
    const url = this.base.origin + path;
    const body = spec.body === undefined ? undefined : typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
    const hooks = config.hooks;

    let authValue: string | undefined;
    if (spec.auth === undefined) {
      const a = config.auth.authorization(userSignal);
      try {
        authValue = typeof a === 'object' ? await a : a;
      } catch (e) {
        throw userSignal?.aborted ? this.abortError(spec.method, path, 0, e) : e;
      }
    } else if (spec.auth !== false) authValue = spec.auth;

    let refreshed = false;
    let retries = 0;
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { accept: 'application/json', ...config.headers, ...options.headers };
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      if (authValue !== undefined) headers.authorization = authValue;
      if (hooks?.onRequest) hooks.onRequest({ method: spec.method, url: redact(url), headers: redactHeaders(headers), attempt });
      const started = hooks?.onResponse ? performance.now() : 0;

      let res: TransportResponse;
      let text: string;
      const linked = linkedSignal(userSignal, timeout);
      try {
        res = await config.transport.request({ method: spec.method, origin: this.base.origin, path, headers, body, signal: linked.signal });
        text = await res.text();
      } catch (cause) {
        let error: APIError;
        let retryable: boolean;
        if (userSignal?.aborted) {
          error = this.abortError(spec.method, path, attempt, cause);
          retryable = false;
        } else if (linked.timedOut()) {
          error = new TimeoutError(`Request timed out after ${timeout} ms (${spec.method} ${path})`, {
            code: 'timeout', method: spec.method, path, attempts: attempt, timeoutMs: timeout, cause,
          });
          retryable = spec.idempotent;
        } else {
          const code = errorCode(cause);
          const detail = redactSecrets(causeMessage(cause), config.auth.secrets);
          const connError = new ConnectionError(`Connection error${code ? ` (${code})` : ''}: ${detail} (${spec.method} ${path})`, {
            code: 'connection_error', method: spec.method, path, attempts: attempt, cause, causeCode: code,
          });
          error = connError;
          // A refused connection proves the server never saw the call, so even a POST may be repeated.
          retryable = spec.idempotent || connError.neverConnected;
        }
        if (retryable && retries < maxRetries) {
          const delay = this.retryDelay(retries, undefined);
          if (delay !== undefined && (await this.waitForRetry(spec, url, attempt, delay, error, userSignal))) {
            retries++;
            continue;
          }
        }
        throw this.fail(spec, url, attempt, error);
      } finally {
        linked.dispose();
      }

      const status = res.status;
      if (hooks?.onResponse) {
        hooks.onResponse({
          method: spec.method, url: redact(url), headers: redactHeaders(headers), attempt, status,
          responseHeaders: flatHeaders(res.headers), durationMs: performance.now() - started,
        });
      }

      if (status >= 200 && status < 300) return this.parseSuccess<T>(spec, path, status, res, text, attempt);

      if (status === 401 && !refreshed && spec.auth === undefined && config.auth.refreshable) {
        refreshed = true;
        try {
          authValue = await config.auth.afterUnauthorized(authValue, userSignal);
        } catch (e) {
          throw userSignal?.aborted ? this.abortError(spec.method, path, attempt, e) : e;
        }
        continue;
      }

      const secrets = [...config.auth.secrets, ...(spec.secrets ?? [])];
      const retryHint = retryAfterMs(res.headers);
      const error = errorFromResponse(status, res.headers, text, { method: spec.method, path, attempts: attempt, secrets, retryAfterMs: retryHint });
      const retryable = status === 429 || (spec.idempotent && (status === 408 || status >= 500));
      if (retryable && retries < maxRetries) {
        const delay = this.retryDelay(retries, retryHint);
        if (delay !== undefined && (await this.waitForRetry(spec, url, attempt, delay, error, userSignal))) {
          retries++;
          continue;
        }
      }
      throw this.fail(spec, url, attempt, error);
    }
  }

  /** Releases the transport's pooled connections. */
  async close(): Promise<void> {
    await this.config.transport.close?.();
  }

  private parseSuccess<T>(spec: CallSpec, path: string, status: number, res: TransportResponse, text: string, attempts: number): T {
    if (text === '') return undefined as T;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (cause) {
      throw new InvalidResponseError(`Response is not JSON (${spec.method} ${path})`, {
        code: 'invalid_response', method: spec.method, path, status, attempts, cause,
        headers: flatHeaders(res.headers, true), body: capBody(redactSecrets(redact(text), this.config.auth.secrets)),
      });
    }
    const schema = spec.schema && this.config.schemas?.[spec.schema];
    if (!schema) return data as T;
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data as T;
    const issues = parsed.error.issues.map((i) => ({ path: i.path, message: i.message }));
    const first = issues[0];
    throw new InvalidResponseError(
      `Response does not match the ${spec.schema} schema${first ? ` at ${first.path.map(String).join('.') || '(root)'}: ${first.message}` : ''} (${spec.method} ${path})`,
      {
        code: 'invalid_response', method: spec.method, path, status, attempts, issues,
        headers: flatHeaders(res.headers, true), body: capBody(redactSecrets(redact(text), this.config.auth.secrets)),
      },
    );
  }

  /** The delay before retry number `retries` (0-based), or `undefined` when the server asks for longer than allowed. */
  private retryDelay(retries: number, hintMs: number | undefined): number | undefined {
    if (hintMs !== undefined) return hintMs <= this.config.maxRetryAfterMs ? hintMs : undefined;
    return backoffDelay(retries, this.config.backoff);
  }

  /** Spends a budget token, reports the retry and waits. False when the budget is exhausted. */
  private async waitForRetry(
    spec: CallSpec, url: string, attempt: number, delayMs: number, error: APIError, signal: AbortSignal | undefined,
  ): Promise<boolean> {
    if (this.config.budget && !this.config.budget.tryAcquire()) return false;
    this.config.hooks?.onRetry?.({ method: spec.method, url: redact(url), attempt, delayMs, error });
    try {
      await sleep(delayMs, signal);
    } catch (e) {
      throw this.abortError(spec.method, error.path, attempt, e);
    }
    return true;
  }

  private fail(spec: CallSpec, url: string, attempts: number, error: APIError): APIError {
    this.config.hooks?.onError?.({ method: spec.method, url: redact(url), attempts, error });
    return error;
  }

  private abortError(method: string, path: string, attempts: number, cause: unknown): AbortError {
    return new AbortError(`Request aborted (${method} ${path})`, { code: 'aborted', method, path, attempts, cause });
  }
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  let out = '';
  for (const key of Object.keys(query)) {
    const v = query[key];
    if (v === undefined || v === null) continue;
    const s = Array.isArray(v) ? v.join(',') : String(v);
    out += `${out ? '&' : '?'}${encodeURIComponent(key)}=${encodeURIComponent(s)}`;
  }
  return out;
}

function header(headers: TransportResponse['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `retry-after-ms` (float ms) wins over `Retry-After` (seconds or an HTTP date). */
export function retryAfterMs(headers: TransportResponse['headers'], now = Date.now()): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  }
  const ra = header(headers, 'retry-after');
  if (ra === undefined || ra.trim() === '') return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function flatHeaders(headers: TransportResponse['headers'], redacted = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(headers)) {
    const v = headers[key];
    if (v !== undefined) out[key] = Array.isArray(v) ? v.join(', ') : v;
  }
  return redacted ? redactHeaders(out) : out;
}

function capBody(text: string): string {
  return text.length > BODY_CAP ? `${text.slice(0, BODY_CAP)}…[truncated]` : text;
}

const HTML_TITLE = /<title[^>]*>([\s\S]*?)<\/title>/i;
const HTML_PRE = /<pre[^>]*>([\s\S]*?)<\/pre>/i;

/** The server's own words, from whichever of its error shapes this is. */
function serverMessageOf(data: unknown, text: string): string | undefined {
  if (data !== undefined) {
    if (typeof data === 'string') return data;
    if (data && typeof data === 'object') {
      const o = data as Record<string, unknown>;
      for (const k of ['msg', 'message', 'error', 'err'] as const) if (typeof o[k] === 'string' && o[k]) return o[k] as string;
      if (Array.isArray(o.errors) && o.errors.length > 0) {
        return o.errors.map((e) => (typeof e === 'string' ? e : `${(e as { param?: string; path?: string }).param ?? (e as { path?: string }).path ?? ''}: ${(e as { msg?: string }).msg ?? 'Invalid value'}`)).join('; ');
      }
    }
    return undefined;
  }
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  if (trimmed.startsWith('<')) {
    const m = HTML_PRE.exec(trimmed) ?? HTML_TITLE.exec(trimmed);
    const inner = (m?.[1] ?? trimmed).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
    return inner.slice(0, 200) || undefined;
  }
  return trimmed.slice(0, 200);
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout',
  413: 'Payload Too Large', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** Maps any error response to the typed error for its status; every string it keeps is redacted first. */
export function errorFromResponse(
  status: number,
  headers: TransportResponse['headers'],
  text: string,
  info: { method: string; path: string; attempts: number; secrets: readonly (string | undefined)[]; retryAfterMs?: number | undefined },
): APIError {
  const safeText = capBody(redactSecrets(redact(text), info.secrets));
  let data: unknown;
  if (safeText && /^\s*[[{"]/.test(safeText)) {
    try {
      data = JSON.parse(safeText);
    } catch {
      data = undefined;
    }
  }
  const serverMessage = serverMessageOf(data, safeText);
  const message = `${status} ${serverMessage ?? STATUS_TEXT[status] ?? 'HTTP error'} (${info.method} ${info.path})`;
  const base = {
    method: info.method, path: info.path, attempts: info.attempts, status,
    headers: flatHeaders(headers, true), body: safeText, data, serverMessage,
  };
  switch (status) {
    case 400: return new BadRequestError(message, { ...base, code: 'bad_request' });
    case 401: return new AuthenticationError(message, { ...base, code: 'unauthorized' });
    case 403: return new PermissionDeniedError(message, { ...base, code: 'forbidden' });
    case 404: return new NotFoundError(message, { ...base, code: 'not_found' });
    case 413: return new PayloadTooLargeError(message, { ...base, code: 'payload_too_large' });
    case 422: return new UnprocessableEntityError(message, { ...base, code: 'unprocessable_entity' });
    case 429: return new RateLimitError(message, { ...base, code: 'rate_limited', retryAfterMs: info.retryAfterMs });
  }
  if (status >= 500) return new InternalServerError(message, { ...base, code: 'server_error' });
  return new APIError(message, { ...base, code: 'http_error' });
}

function errorCode(cause: unknown): string | undefined {
  for (let e: unknown = cause, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function causeMessage(cause: unknown): string {
  const inner = (cause as { cause?: { message?: unknown } } | undefined)?.cause?.message;
  const outer = (cause as { message?: unknown } | undefined)?.message;
  const msg = typeof inner === 'string' && inner ? inner : typeof outer === 'string' ? outer : String(cause);
  return msg.slice(0, 300);
}
