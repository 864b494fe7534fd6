/**
 * One conversation, exactly once: create it (or find it by `request_id`), learn which import keys the server already
 * holds, then send the rest in chunks. A call whose outcome is unknown (5xx, reset, timeout) is never repeated as
 * is: the conversation is read back until two reads agree, and only what is still missing is sent again.
 */
import type { TiledeskClient } from '../rest/client.js';
import type { RequestOptions } from '../rest/core.js';
import {
  AbortError,
  APIError,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
} from '../rest/errors.js';
import { ImportChunkError, planChunks, type ImportMessage } from '../rest/import.js';
import { sleep } from '../shared/abort.js';
import { TiledeskError } from '../shared/errors.js';
import { backoffDelay, type BackoffOptions } from '../shared/backoff.js';
import { IMPORT_KEY_ATTRIBUTE } from './keys.js';
import type { PreparedConversation, PreparedImportMessage } from './prepare.js';

/** State shared by every conversation of a run. */
export interface RunStats {
  /** No call starts before this time (ms since the epoch): a `Retry-After` pauses every conversation, not just one. */
  pausedUntil: number;
  retries: number;
  reconciliations: number;
}

/** Settings of one import run, plus the conversation's own signal. */
export interface RunContext {
  client: TiledeskClient;
  /**
   * Options of every call: the project, the timeout, no retries of the client's own, and the conversation's signal
   * only when the caller gave the import one (linking every call to a signal costs CPU a bulk import feels).
   */
  call: RequestOptions;
  /** Fires when this conversation must stop: ends its waits (backoff, `Retry-After`, settling). */
  signal: AbortSignal;
  stats: RunStats;
  strict: boolean;
  maxChunkBytes: number;
  maxChunkMessages: number;
  maxAttempts: number;
  retryDelay: BackoffOptions;
  maxRetryAfterMs: number;
  settleDelayMs: number;
  /** Called as messages are confirmed saved (and before each retry), for live progress. */
  onSaved(count: number): void;
}

/** How one conversation went; the counts are kept up to date while it runs, so a failure still reports them. */
export interface ConversationProgress {
  kind: 'created' | 'continued' | 'alreadyComplete' | undefined;
  imported: number;
  skipped: number;
  /** Keys seen more than once on the conversation's last read-back. */
  duplicates: number;
  /** Messages of a last attempt with an unknown outcome that could not be read back: saved or not, nobody knows. */
  uncertain: number;
  /**
   * Messages of the call in flight, or of the last one whose outcome is unknown until a read-back says: what a stop
   * at this moment would leave saved or not, nobody knows.
   */
  inDoubt: number;
}

/**
 * What a failed call means for the next step:
 * - `abort`: the run's signal fired; stop.
 * - `auth`: the credentials are refused; nothing else will work either.
 * - `notSent`: the server provably did not process it (429, connection never established; for a messages call,
 *   a request that never went out: see {@link mayHaveBeenSent}); send it again.
 * - `unknown`: it may have been processed, in part (5xx, 408, reset, timeout, a 2xx we could not read, an exception
 *   of the client's own hooks, which may come after the server saved the call).
 * - `rejected`: a 4xx about this call, or refused before it was sent; sending it again would fail the same way.
 */
export type Verdict = 'abort' | 'auth' | 'project' | 'notSent' | 'unknown' | 'rejected';

/**
 * The server's answer (400) when the project id in the path is malformed or names no active project: it comes
 * before authentication, for every call of the run alike, so no conversation can succeed. It names the path's first
 * segment (group 1): the project id, or a path the base URL should not have (the CLI tells them apart).
 * @internal
 */
export const NO_SUCH_PROJECT = /^(?:Invalid project id|Project not found)[^:]*: *(.*)$/i;

/** Abort, refused credentials, no such project: nothing of the run can succeed any more. */
export function stopsTheRun(verdict: Verdict): boolean {
  return verdict === 'abort' || verdict === 'auth' || verdict === 'project';
}

/**
 * A connection to the server could not even be made (refused, no such host, a connect timeout), or its TLS handshake
 * failed (an https:// URL for a plain-HTTP server, a certificate refused). Once a conversation has failed that way
 * after all its attempts, every other would too: the run stops (`unreachable`) rather than failing them one by one,
 * each after its own retries, and settling them as failed in the checkpoint.
 */
export function unreachable(error: unknown): boolean {
  const e = error instanceof ImportChunkError ? error.cause : error;
  return e instanceof ConnectionError && (e.neverConnected || /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(e.causeCode ?? ''));
}

export function classify(error: unknown): Verdict {
  const e = error instanceof ImportChunkError ? error.cause : error;
  if (e instanceof AbortError) return 'abort';
  if (e instanceof AuthenticationError) return 'auth';
  if (e instanceof PermissionDeniedError && (e.reason === 'not_member' || e.reason === 'role' || e.reason === 'permission')) return 'auth';
  if (e instanceof BadRequestError && NO_SUCH_PROJECT.test(e.serverMessage ?? '')) return 'project';
  if (e instanceof RateLimitError) return 'notSent';
  if (e instanceof ConnectionError) return e.neverConnected ? 'notSent' : 'unknown';
  if (e instanceof APIError) {
    const status = e.status;
    if (status === undefined || status === 408 || status >= 500 || (status >= 200 && status < 300)) return 'unknown';
    return 'rejected';
  }
  // A ValidationError or a TokenProviderError: nothing was sent. Anything else is not the SDK's own (a hook threw).
  return e instanceof TiledeskError ? 'rejected' : 'unknown';
}

/**
 * Whether the request of a failed `messages.import` call may have reached the server. Not when the call failed
 * before its request was handed to the transport: refused by the SDK (a `ValidationError`, the token provider's
 * error), stopped or timed out while it waited for its token (an `APIError` with `attempts: 0`), or failed with the
 * sign-in that token waited for (the sign-in call's error, about its own path). Then nothing of it can be saved: it is
 * not in doubt, and needs no read-back. An exception of the client's hooks may come after the server saved the call.
 * Once handed to the transport it may have been sent, unless its error proves otherwise (a refused connection: see
 * {@link classify}): no transport says when a request went out (`hooks.onRequest` fires as it is handed over), so a
 * call stopped while it waited for a socket of the pool, or for its connection to open, counts as sent.
 */
export function mayHaveBeenSent(error: unknown): boolean {
  const e = error instanceof ImportChunkError ? error.cause : error;
  if (!(e instanceof TiledeskError)) return true;
  return e instanceof APIError && e.attempts > 0 && e.path.endsWith('/messages/multi');
}

/**
 * Called before every call: throws if the conversation must stop (calls do not always carry the signal), and waits
 * out any shared pause (a `Retry-After` some other conversation received); no promise at all when there is none.
 */
function waitForPause(ctx: RunContext): Promise<void> | undefined {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const wait = ctx.stats.pausedUntil - Date.now();
  return wait > 0 ? sleep(wait, ctx.signal) : undefined;
}

/**
 * Waits before attempt `attempt + 1`: the server's `Retry-After` (shared by every conversation) when it sent one,
 * otherwise full-jitter backoff. A `Retry-After` longer than `maxRetryAfterMs` gives up at once.
 */
async function backOff(ctx: RunContext, attempt: number, error: unknown): Promise<void> {
  if (error instanceof RateLimitError && error.retryAfterMs !== undefined) {
    if (error.retryAfterMs > ctx.maxRetryAfterMs) throw error;
    ctx.stats.pausedUntil = Math.max(ctx.stats.pausedUntil, Date.now() + error.retryAfterMs);
  } else {
    const delay = backoffDelay(attempt, ctx.retryDelay);
    if (delay > 0) await sleep(delay, ctx.signal);
  }
  ctx.stats.retries++;
  ctx.onSaved(0);
  await waitForPause(ctx);
}

/** An idempotent call (a read), attempted up to `maxAttempts` times on anything but a 4xx, an abort or refused credentials. */
async function withRetries<T>(ctx: RunContext, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const pause = waitForPause(ctx);
    if (pause) await pause;
    try {
      return await run();
    } catch (error) {
      const verdict = classify(error);
      if (stopsTheRun(verdict) || verdict === 'rejected' || attempt >= ctx.maxAttempts) throw error;
      await backOff(ctx, attempt - 1, error);
    }
  }
}

async function findConversation(ctx: RunContext, requestId: string): Promise<boolean> {
  try {
    await withRetries(ctx, () => ctx.client.requests.get(requestId, ctx.call));
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/** Import key → how many messages of the conversation carry it. */
type KeyCounts = Map<string, number>;

async function readKeys(ctx: RunContext, requestId: string): Promise<KeyCounts> {
  const messages = await withRetries(ctx, () => ctx.client.messages.list(requestId, {}, ctx.call));
  const counts: KeyCounts = new Map();
  for (const m of messages) {
    const key = (m.attributes as Record<string, unknown> | null | undefined)?.[IMPORT_KEY_ATTRIBUTE];
    if (typeof key === 'string' || typeof key === 'number') counts.set(String(key), (counts.get(String(key)) ?? 0) + 1);
  }
  return counts;
}

function sameCounts(a: KeyCounts, b: KeyCounts): boolean {
  if (a.size !== b.size) return false;
  for (const [k, n] of a) if (b.get(k) !== n) return false;
  return true;
}

/**
 * What the server holds once it has settled: read, wait `settleDelayMs`, read again, until two reads agree (at most
 * five rounds). The real server answers a failed multi import while saves it already started are still landing.
 */
async function settledKeys(ctx: RunContext, requestId: string): Promise<KeyCounts> {
  ctx.stats.reconciliations++;
  let previous = await readKeys(ctx, requestId);
  for (let round = 0; round < 5 && ctx.settleDelayMs > 0; round++) {
    await sleep(ctx.settleDelayMs, ctx.signal);
    const next = await readKeys(ctx, requestId);
    if (sameCounts(previous, next)) return next;
    previous = next;
  }
  return previous;
}

function countDuplicates(counts: KeyCounts, messages: readonly PreparedImportMessage[]): number {
  let duplicates = 0;
  for (const m of messages) duplicates += Math.max(0, (counts.get(m.key) ?? 0) - 1);
  return duplicates;
}

/**
 * Creates the conversation, or finds it: exactly once. A create that fails with an unknown outcome (the server's
 * 500 "Unable to create request" is also what a duplicate `request_id` gives) is followed by a lookup; only when
 * the conversation is provably absent is it created again. Resolves to whether it existed already.
 */
async function ensureConversation(ctx: RunContext, conversation: PreparedConversation, lookUpFirst: boolean): Promise<boolean> {
  if (lookUpFirst && (await findConversation(ctx, conversation.requestId))) return true;
  for (let attempt = 1; ; attempt++) {
    const pause = waitForPause(ctx);
    if (pause) await pause;
    try {
      await ctx.client.requests.create(conversation.create, ctx.call);
      return false;
    } catch (error) {
      const verdict = classify(error);
      if (stopsTheRun(verdict) || verdict === 'rejected') throw error;
      if (verdict === 'unknown' && (await findConversation(ctx, conversation.requestId))) return true;
      if (attempt >= ctx.maxAttempts) throw error;
      await backOff(ctx, attempt - 1, error);
    }
  }
}

/**
 * Imports one prepared conversation. `mayBeInFlight`: an earlier run may have stopped while working on it (a resumed
 * window), so look it up before creating and let its last saves settle before reading what it holds.
 */
export async function importConversation(
  ctx: RunContext,
  conversation: PreparedConversation,
  progress: ConversationProgress,
  mayBeInFlight: boolean,
): Promise<void> {
  const { requestId } = conversation;
  const existed = await ensureConversation(ctx, conversation, mayBeInFlight);
  let pending = conversation.messages;
  if (existed) {
    const present = mayBeInFlight ? await settledKeys(ctx, requestId) : await readKeys(ctx, requestId);
    progress.duplicates = countDuplicates(present, conversation.messages);
    pending = conversation.messages.filter((m) => !present.has(m.key));
    progress.skipped = conversation.messages.length - pending.length;
    ctx.onSaved(0);
    if (pending.length === 0) {
      progress.kind = 'alreadyComplete';
      return;
    }
  }
  await sendMissing(ctx, requestId, conversation.messages, pending, progress);
  progress.kind = existed ? 'continued' : 'created';
}

async function sendMissing(
  ctx: RunContext,
  requestId: string,
  all: readonly PreparedImportMessage[],
  pending: readonly PreparedImportMessage[],
  progress: ConversationProgress,
): Promise<void> {
  const perCall = ctx.strict ? 1 : ctx.maxChunkMessages;
  const queue = planChunks(pending.map((m) => m.prepared.bytes), ctx.maxChunkBytes, perCall).map((r) => pending.slice(r.start, r.end));
  const saved = (count: number) => {
    progress.imported += count;
    ctx.onSaved(count);
  };
  while (queue.length > 0) {
    let chunk: PreparedImportMessage[] = queue.shift()!;
    for (let attempt = 1; ; attempt++) {
      const pause = waitForPause(ctx);
      if (pause) await pause;
      progress.inDoubt = chunk.length;
      try {
        await ctx.client.messages.import(
          requestId,
          // Already validated and serialised: `messages.import` recognises prepared messages and sends them as they are.
          chunk.map((m) => m.prepared) as unknown as ImportMessage[],
          { ...ctx.call, maxChunkBytes: ctx.maxChunkBytes, maxChunkMessages: chunk.length },
        );
        progress.inDoubt = 0;
        saved(chunk.length);
        break;
      } catch (error) {
        const cause = error instanceof ImportChunkError ? error.cause : error;
        const sent = mayHaveBeenSent(cause);
        let verdict = classify(cause);
        // A timeout or a failed sign-in before the request went out: nothing to read back, just send it again.
        if (!sent && verdict === 'unknown') verdict = 'notSent';
        // Refused, provably not processed, or never sent (a stop while it waited for its token): nothing of it was
        // saved. (Cut short by the stop once sent, or unknown: in doubt.)
        if (!sent || (verdict !== 'abort' && verdict !== 'unknown')) progress.inDoubt = 0;
        if (stopsTheRun(verdict)) throw cause;
        if (verdict === 'rejected') {
          // A server configured below `maxChunkBytes`: nothing was saved, so halve the chunk and go on.
          if (cause instanceof PayloadTooLargeError && chunk.length > 1) {
            const half = Math.ceil(chunk.length / 2);
            queue.unshift(chunk.slice(0, half), chunk.slice(half));
            ctx.stats.retries++;
            break;
          }
          throw cause;
        }
        if (attempt >= ctx.maxAttempts) {
          // Before the conversation is reported failed, its counts should say what the server holds: one read (the
          // server has just failed `maxAttempts` calls); a failed read leaves the counts an upper bound, `uncertain`.
          if (verdict === 'unknown') {
            await readBack({ ...ctx, maxAttempts: 1 }, requestId, all, chunk, progress, saved).catch((e: unknown) => {
              if (stopsTheRun(classify(e))) throw e;
            });
          }
          throw cause;
        }
        await backOff(ctx, attempt - 1, cause);
        if (verdict === 'unknown') {
          const missing = await readBack(ctx, requestId, all, chunk, progress, saved);
          if (missing.length === 0) break;
          chunk = missing;
        }
      }
    }
  }
}

/**
 * After an attempt at `chunk` with an unknown outcome: reads the conversation back, counts what of the chunk landed,
 * and returns what did not. When the read fails, the conversation fails on it; the chunk's messages, which the
 * attempt may have saved, are then counted missing only as an upper bound (`uncertain`).
 */
async function readBack(
  ctx: RunContext,
  requestId: string,
  all: readonly PreparedImportMessage[],
  chunk: PreparedImportMessage[],
  progress: ConversationProgress,
  saved: (count: number) => void,
): Promise<PreparedImportMessage[]> {
  let present: KeyCounts;
  try {
    present = await settledKeys(ctx, requestId);
  } catch (error) {
    if (!stopsTheRun(classify(error))) progress.uncertain = chunk.length;
    throw error;
  }
  progress.inDoubt = 0;
  progress.duplicates = countDuplicates(present, all);
  const missing = chunk.filter((m) => !present.has(m.key));
  saved(chunk.length - missing.length);
  return missing;
}
