import { TiledeskError } from '../shared/errors.js';
import { redact } from '../shared/token.js';

/** One problem with one field, from either of the server's 422 shapes or from client-side validation. */
export interface FieldError {
  /** The field the server or the SDK complains about (`first_text`, `text`, `password`…); `''` when the server did not say. */
  field: string;
  message: string;
  /** Where the field was read from (`body`, `query`…), when the server says. */
  location?: string;
}

/** What every error about one HTTP call carries. */
export interface RequestErrorInfo {
  method: string;
  /** The request path (query tokens redacted), e.g. `/64f…/requests/support-group-…`. */
  path: string;
  /** Attempts made, retries included. */
  attempts?: number;
}

/** What every error about an HTTP response carries. */
export interface ResponseErrorInfo extends RequestErrorInfo {
  status: number;
  /** Response headers, with `set-cookie` and other sensitive values redacted. */
  headers: Record<string, string>;
  /** The raw response body, redacted (credentials masked) and capped at 32 KB. */
  body: string;
  /** The body parsed as JSON, when it was JSON. */
  data?: unknown;
  /** The server's own message (`msg`, `message`, `error` or `err`, or the plain-text body). */
  serverMessage?: string;
}

/**
 * Base class of every error about an HTTP call: status errors, connection failures, timeouts and aborts.
 *
 * @example
 * ```ts
 * try { await client.requests.get(id); }
 * catch (e) { if (e instanceof APIError) console.error(e.status, e.method, e.path, e.serverMessage); }
 * ```
 */
export class APIError extends TiledeskError {
  // Explicit so the name survives minification (class names are mangled in user bundles).
  override readonly name: string = 'APIError';

  /** HTTP status, or `undefined` when no response arrived (connection error, timeout, abort). */
  readonly status: number | undefined;
  readonly method: string;
  readonly path: string;
  readonly serverMessage: string | undefined;
  /** Redacted raw body; `''` when no response arrived. */
  readonly body: string;
  readonly data: unknown;
  readonly headers: Record<string, string>;
  readonly attempts: number;

  constructor(
    message: string,
    info: RequestErrorInfo & Partial<ResponseErrorInfo> & { code: string; cause?: unknown },
  ) {
    super(message, { code: info.code, cause: info.cause });
    this.status = info.status;
    this.method = info.method;
    this.path = redact(info.path);
    this.serverMessage = info.serverMessage === undefined ? undefined : redact(info.serverMessage);
    this.body = info.body ?? '';
    this.data = info.data;
    this.headers = info.headers ?? {};
    this.attempts = info.attempts ?? 1;
  }
}

/** 400: malformed input, an unknown project id, or a route-level check (`{"success":false,"error":…}`). */
export class BadRequestError extends APIError {
  override readonly name: string = 'BadRequestError';
}

/** 401: missing, bad or unknown credentials. The server answers in plain text (`Unauthorized`), which is handled. */
export class AuthenticationError extends APIError {
  override readonly name: string = 'AuthenticationError';
}

/** Why a 403 happened, read from the server's message. */
export type PermissionDeniedReason = 'not_member' | 'role' | 'permission' | 'not_participant' | 'quota' | 'unknown';

/** 403: not a member of the project, a role or permission too low, not a participant, a quota exceeded. */
export class PermissionDeniedError extends APIError {
  override readonly name: string = 'PermissionDeniedError';

  readonly reason: PermissionDeniedReason;
  constructor(message: string, info: ConstructorParameters<typeof APIError>[1]) {
    super(message, info);
    this.reason = permissionReason(info.serverMessage ?? '');
  }
}

/** 404: the request, message, lead or route does not exist (a missing conversation on `messages/multi` too). */
export class NotFoundError extends APIError {
  override readonly name: string = 'NotFoundError';
}

/** 413: the JSON body is over the server's limit (`JSON_BODY_LIMIT`, 500 KB by default). */
export class PayloadTooLargeError extends APIError {
  override readonly name: string = 'PayloadTooLargeError';

  /** The limit the server reported, when it did. */
  readonly limit: number | string | undefined;
  constructor(message: string, info: ConstructorParameters<typeof APIError>[1]) {
    super(message, info);
    const d = info.data as { limit?: unknown; limit_file_size?: unknown } | undefined;
    const limit = d?.limit ?? d?.limit_file_size;
    this.limit = typeof limit === 'number' || typeof limit === 'string' ? limit : undefined;
  }
}

/** 422: validation failed. Both server shapes (express-validator objects and plain strings) become {@link FieldError}s. */
export class UnprocessableEntityError extends APIError {
  override readonly name: string = 'UnprocessableEntityError';

  readonly fieldErrors: FieldError[];
  constructor(message: string, info: ConstructorParameters<typeof APIError>[1]) {
    super(message, info);
    this.fieldErrors = fieldErrorsOf(info.data);
  }
}

/** 429: too many requests. `retryAfterMs` comes from `retry-after-ms` or `Retry-After`, when the server sent one. */
export class RateLimitError extends APIError {
  override readonly name: string = 'RateLimitError';

  readonly retryAfterMs: number | undefined;
  constructor(message: string, info: ConstructorParameters<typeof APIError>[1] & { retryAfterMs?: number }) {
    super(message, info);
    this.retryAfterMs = info.retryAfterMs;
  }
}

/** 5xx: the server failed (quota exhaustion on request creation is a 500 too). */
export class InternalServerError extends APIError {
  override readonly name: string = 'InternalServerError';
}

/** No response arrived: refused, reset, DNS failure, TLS failure, a body cut off mid-way. */
export class ConnectionError extends APIError {
  override readonly name: string = 'ConnectionError';
  /** The transport's error code (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`…), when it gave one. */
  readonly causeCode: string | undefined;
  constructor(message: string, info: ConstructorParameters<typeof APIError>[1] & { causeCode?: string | undefined }) {
    super(message, info);
    this.causeCode = info.causeCode;
  }

  /** True when the connection was never established, so the server cannot have seen the request. */
  get neverConnected(): boolean {
    return this.causeCode !== undefined && NEVER_CONNECTED.has(this.causeCode);
  }
}

/** Transport error codes proving the request never reached the server. */
const NEVER_CONNECTED: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT',
]);

/** The call's timeout elapsed before the whole response body was read. */
export class TimeoutError extends ConnectionError {
  override readonly name: string = 'TimeoutError';

  readonly timeoutMs: number;
  constructor(message: string, info: ConstructorParameters<typeof APIError>[1] & { timeoutMs: number }) {
    super(message, info);
    this.timeoutMs = info.timeoutMs;
  }
}

/** The caller's `AbortSignal` aborted the call. */
export class AbortError extends APIError {
  override readonly name: string = 'AbortError';
}

/** A 2xx response whose body is not what the endpoint returns (not JSON, or rejected by the opt-in response schemas). */
export class InvalidResponseError extends APIError {
  override readonly name: string = 'InvalidResponseError';

  /** Schema issues, when opt-in response validation failed. */
  readonly issues: readonly { path: readonly PropertyKey[]; message: string }[];
  constructor(
    message: string,
    info: ConstructorParameters<typeof APIError>[1] & { issues?: readonly { path: readonly PropertyKey[]; message: string }[] },
  ) {
    super(message, info);
    this.issues = info.issues ?? [];
  }
}

/**
 * Bad input caught before anything was sent: the message says which argument, `field` names it and `index`
 * gives the position in an array argument (e.g. the 12th message of an import).
 *
 * @example
 * ```ts
 * try { await client.messages.import(id, msgs); }
 * catch (e) { if (e instanceof ValidationError) console.error(e.index, e.field, e.message); }
 * ```
 */
export class ValidationError extends TiledeskError {
  override readonly name: string = 'ValidationError';

  readonly field: string;
  readonly index: number | undefined;
  constructor(field: string, message: string, index?: number) {
    super(index === undefined ? `${field}: ${message}` : `[${index}].${field}: ${message}`, { code: 'invalid_argument' });
    this.field = field;
    this.index = index;
  }
}

/** The token provider threw or returned something that is not a token. */
export class TokenProviderError extends TiledeskError {
  override readonly name: string = 'TokenProviderError';

  constructor(message: string, cause?: unknown) {
    super(message, { code: 'token_provider_failed', cause });
  }
}

const NOT_MEMBER = /dont belong to the project/i;
const ROLE = /required role/i;
const PERMISSION = /required permission/i;
const PARTICIPANT = /participat|belong the conversation/i;
const QUOTA = /quota/i;

function permissionReason(message: string): PermissionDeniedReason {
  if (NOT_MEMBER.test(message)) return 'not_member';
  if (ROLE.test(message)) return 'role';
  if (PERMISSION.test(message)) return 'permission';
  if (PARTICIPANT.test(message)) return 'not_participant';
  if (QUOTA.test(message)) return 'quota';
  return 'unknown';
}

const REQUIRED_FIELD = /^\s*['"]?([\w.[\]]+)['"]? field/i;

/** Both 422 shapes: `{errors:[{param|path,msg,location}]}` (express-validator 6/7) and `{errors:["text field is required"]}`. */
export function fieldErrorsOf(data: unknown): FieldError[] {
  const errors = (data as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  const out: FieldError[] = [];
  for (const e of errors) {
    if (typeof e === 'string') {
      out.push({ field: REQUIRED_FIELD.exec(e)?.[1] ?? '', message: e });
    } else if (e && typeof e === 'object') {
      const o = e as Record<string, unknown>;
      const field = typeof o.param === 'string' ? o.param : typeof o.path === 'string' ? o.path : '';
      const message = typeof o.msg === 'string' ? o.msg : typeof o.message === 'string' ? o.message : 'Invalid value';
      const fe: FieldError = { field, message };
      if (typeof o.location === 'string') fe.location = o.location;
      out.push(fe);
    }
  }
  return out;
}
