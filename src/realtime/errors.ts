import { TiledeskError } from '../shared/errors.js';

/**
 * Why the realtime client reports or fails:
 * - `auth_failed`: the server answered the upgrade with HTTP 401/403 (seen in Node), or the token function threw.
 * - `auth_suspected`: in a browser, several closes before open in a row; a browser cannot see the 401, only close 1006.
 * - `handshake_timeout`: the upgrade got no answer in time (the real server never answers a guest token's upgrade).
 * - `handshake_rejected`: the upgrade got another HTTP status (400 = the URL path is not the server's WS path).
 * - `connect_failed`: a network error before open (refused, DNS, TLS), retried; or the WebSocket constructor threw
 *   (`cause`; a browser refuses `ws:` from an `https:` page with a SecurityError), which ends in `failed` at once.
 * - `connection_lost`: an open socket closed or was dropped.
 * - `frame_too_large`: 3 connections in a row closed with 1009 (Message Too Big): Node's `ws` refused a frame longer
 *   than `maxFrameLength` can be, or a proxy refused one. The client ends in `failed` with it instead of reconnecting
 *   to the same frame without end (raise `maxFrameLength`, or subscribe to less); `connect()` starts again.
 * - `pong_timeout`: an open socket stopped answering heartbeats (half-open connection, sleep, network change).
 * - `subscribe_timeout`: no frame arrived on a topic in time; the server refuses subscriptions without telling.
 * - `invalid_topic`, `too_many_topics`: programming errors, thrown synchronously by `subscribe`; `invalid_topic` also
 *   by the `topics` builders, with `argument` naming the id they refuse.
 * - `invalid_option`: thrown by `new` for a `url` that is not a ws:, wss:, http: or https: URL (never quoted: it may
 *   hold a token), an `…Ms` duration outside [0, 2^31) or not a number, a limit (`max…`, `suspectAuthAfter`) that is
 *   negative or not a number (NaN included; `Infinity` is no limit), or a `token` that is neither a string nor a
 *   function; by `on()` for a listener that is no function; by the live stores' `new` for options of the wrong kind
 *   (`restTimeoutMs`, `restLimit`, `snapshotLimit`, `filter`). `option` names it.
 * - `client_closed`, `unsubscribed`: the operation was ended by `close()` or `unsubscribe()`.
 * - `handler_error`: a user handler threw; the dispatch loop went on.
 * - `no_websocket`: no WebSocket implementation was found; pass `options.WebSocket`.
 * - `gap_fill_failed`: a live store's REST gap-fill failed (reported on the store's `error`; the store keeps going).
 * - `item_without_id`: a live store got items without their id (`request_id`, `_id`) and skipped them (store `error`).
 */
export type RealtimeErrorCode =
  | 'auth_failed'
  | 'auth_suspected'
  | 'handshake_timeout'
  | 'handshake_rejected'
  | 'connect_failed'
  | 'connection_lost'
  | 'frame_too_large'
  | 'pong_timeout'
  | 'subscribe_timeout'
  | 'invalid_topic'
  | 'invalid_option'
  | 'too_many_topics'
  | 'client_closed'
  | 'unsubscribed'
  | 'handler_error'
  | 'no_websocket'
  | 'gap_fill_failed'
  | 'item_without_id';

/** Extra context a realtime error may carry; never a token or a URL with one. */
export interface RealtimeErrorDetails {
  /** HTTP status of a rejected upgrade (Node only; browsers cannot see it). */
  status?: number;
  /** WebSocket close code of the socket this error is about. */
  closeCode?: number;
  /** The topic a subscription error is about. */
  topic?: string;
  /** The constructor option an `invalid_option` error is about. */
  option?: string;
  /** The argument of a `topics` builder an `invalid_topic` error is about (`projectId`, `requestId`…). */
  argument?: string;
  cause?: unknown;
}

/**
 * Every error the realtime client reports on `error`, rejects `ready` with, or ends in `failed` with.
 *
 * @example
 * ```ts
 * rt.on('error', (e) => { if (e.code === 'auth_suspected') console.warn(e.message); });
 * ```
 */
export class RealtimeError extends TiledeskError {
  declare readonly code: RealtimeErrorCode;
  declare readonly status?: number;
  declare readonly closeCode?: number;
  declare readonly topic?: string;
  declare readonly option?: string;
  declare readonly argument?: string;

  constructor(code: RealtimeErrorCode, message: string, { cause, ...details }: RealtimeErrorDetails = {}) {
    super(message, { code, cause });
    Object.assign(this, details);
  }
}

/**
 * The server refused the credentials (`auth_failed`), or a browser saw repeated closes before open
 * (`auth_suspected`). After `maxAuthFailures` of them the client ends in state `failed` with this error.
 *
 * @example
 * ```ts
 * rt.on('state', ({ state, error }) => {
 *   if (state === 'failed' && error instanceof RealtimeAuthError) redirectToLogin();
 * });
 * ```
 */
export class RealtimeAuthError extends RealtimeError {}

/**
 * No frame arrived on a topic within `subscribeTimeoutMs`. The Tiledesk server sends no error frame when it refuses
 * a subscription (unknown project, not a member, conversation not visible), so this timeout is how a refusal shows.
 *
 * @example
 * ```ts
 * try { await rt.subscribe(topics.messages(pid, rid)).ready; }
 * catch (e) { if (e instanceof SubscribeTimeoutError) console.warn('not allowed to watch', e.topic); }
 * ```
 */
export class SubscribeTimeoutError extends RealtimeError {}

/** 5xx, 408, 429: the server is down, busy or slow, whatever the token; retried like a network error. */
export function isTransient(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** An `invalid_option` error: `${option} must be ${what}`. */
export function optionError(option: string, what: string): RealtimeError {
  return new RealtimeError('invalid_option', `${option} must be ${what}`, { option });
}

/**
 * Checks an option by its name: a duration (`…Ms`) is a number of ms in [0, 2^31), a limit (`max…`, `…After`,
 * `…Limit`) a number >= 0 (`Infinity`: no limit). NaN is a number but not >= 0; no coercion (`+value` threw a
 * TypeError on a bigint).
 */
export function checkNumberOption(key: string, value: unknown): void {
  const ms = key.endsWith('Ms');
  if (value !== undefined && (ms || /^max|After$|Limit$/.test(key)) && !(typeof value === 'number' && value >= 0 && (!ms || value < 2 ** 31))) {
    throw optionError(key, ms ? 'a number of ms in [0, 2^31)' : 'a number >= 0');
  }
}
