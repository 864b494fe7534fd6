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
  /** Attempts made, retries included: 0 when the call ended before its first (stopped, or waiting for its token). */
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

/** What the request core passes when it builds an {@link APIError}; extra fields land on the error as they are. */
export type APIErrorInit = RequestErrorInfo & Partial<ResponseErrorInfo> & {
  code: string;
  cause?: unknown;
  [extra: string]: unknown;
};

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
  declare readonly status: number | undefined;
  declare readonly method: string;
  declare readonly path: string;
  declare readonly serverMessage: string | undefined;
  /** Redacted raw body; `''` when no response arrived. */
  declare readonly body: string;
  declare readonly data: unknown;
  declare readonly headers: Record<string, string>;
  declare readonly attempts: number;

  constructor(message: string, init: APIErrorInit) {
    const { code, cause, path, serverMessage, ...rest } = init;
    super(message, { code, cause });
    // Fields are copied in one go (rather than one constructor per subclass) to keep browser bundles small.
    Object.assign(this, { status: undefined, body: '', data: undefined, headers: {}, attempts: 1 }, rest, {
      path: redact(path),
      serverMessage: serverMessage && redact(serverMessage),
    });
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
  declare readonly reason: PermissionDeniedReason;
}

/** 404: the request, message, lead or route does not exist (a missing conversation on `messages/multi` too). */
export class NotFoundError extends APIError {
  override readonly name: string = 'NotFoundError';
}

/** 413: the JSON body is over the server's limit (`JSON_BODY_LIMIT`, 500 KB by default). */
export class PayloadTooLargeError extends APIError {
  override readonly name: string = 'PayloadTooLargeError';
  /** The limit the server reported, when it did. */
  declare readonly limit: number | string | undefined;
}

/** 422: validation failed. Both server shapes (express-validator objects and plain strings) become {@link FieldError}s. */
export class UnprocessableEntityError extends APIError {
  override readonly name: string = 'UnprocessableEntityError';
  declare readonly fieldErrors: FieldError[];
}

/** 429: too many requests. `retryAfterMs` comes from `retry-after-ms` or `Retry-After`, when the server sent one. */
export class RateLimitError extends APIError {
  override readonly name: string = 'RateLimitError';
  declare readonly retryAfterMs: number | undefined;
}

/** 5xx: the server failed (quota exhaustion on request creation is a 500 too). */
export class InternalServerError extends APIError {
  override readonly name: string = 'InternalServerError';
}

/** No response arrived: refused, reset, DNS failure, TLS failure, a body cut off mid-way. */
export class ConnectionError extends APIError {
  override readonly name: string = 'ConnectionError';
  /** The transport's error code (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`…), when it gave one. */
  declare readonly causeCode: string | undefined;

  /** True when the connection was never established, so the server cannot have seen the request. */
  get neverConnected(): boolean {
    // Transport error codes proving the request never reached the server.
    return /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_CONNECT_TIMEOUT)$/.test(this.causeCode ?? '');
  }
}

/** The call's timeout elapsed before the whole response body was read. */
export class TimeoutError extends ConnectionError {
  override readonly name: string = 'TimeoutError';
  declare readonly timeoutMs: number;
}

/** The caller's `AbortSignal` aborted the call. */
export class AbortError extends APIError {
  override readonly name: string = 'AbortError';
}

/** A 2xx response whose body is not what the endpoint returns (not JSON, not the object or list of objects the call promises, or rejected by the opt-in response schemas). */
export class InvalidResponseError extends APIError {
  override readonly name: string = 'InvalidResponseError';
  /** Schema issues, when opt-in response validation failed. */
  declare readonly issues: readonly { path: readonly PropertyKey[]; message: string }[] | undefined;
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

  declare readonly field: string;
  declare readonly index: number | undefined;
  constructor(field: string, message: string, index?: number) {
    super(index === undefined ? `${field}: ${message}` : `[${index}].${field}: ${message}`, { code: 'invalid_argument' });
    Object.assign(this, { field, index });
  }
}

/** The token provider threw or returned something that is not a token. */
export class TokenProviderError extends TiledeskError {
  override readonly name: string = 'TokenProviderError';

  constructor(message: string, cause?: unknown) {
    super(message, { code: 'token_provider_failed', cause });
  }
}

/** The first pattern the server's message matches gives the reason. */
export function permissionReason(message: string): PermissionDeniedReason {
  const reasons: [RegExp, PermissionDeniedReason][] = [
    [/dont belong to the project/i, 'not_member'],
    [/required role/i, 'role'],
    [/required permission/i, 'permission'],
    [/particip|belong the conversation/i, 'not_participant'],
    [/quota/i, 'quota'],
  ];
  return reasons.find(([pattern]) => pattern.test(message))?.[1] ?? 'unknown';
}


/** Both 422 shapes: `{errors:[{param|path,msg,location}]}` (express-validator 6/7) and `{errors:["text field is required"]}`. */
export function fieldErrorsOf(data: unknown): FieldError[] {
  const errors = (data as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors)
    ? errors.flatMap((e): FieldError[] => {
      if (typeof e === 'string') return [{ field: /^\s*['"]?([\w.[\]]+)['"]? field/i.exec(e)?.[1] ?? '', message: e }];
      if (!e || typeof e !== 'object') return [];
      const o = e as Record<string, unknown>;
      const fe: FieldError = { field: firstString(o.param, o.path) ?? '', message: firstString(o.msg, o.message) ?? 'Invalid value' };
      if (typeof o.location === 'string') fe.location = o.location;
      return [fe];
    })
    : [];
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((v) => typeof v === 'string') as string | undefined;
}
