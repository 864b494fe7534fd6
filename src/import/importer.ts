import type { TiledeskClient } from '../rest/client.js';
import { AbortError, APIError, ValidationError } from '../rest/errors.js';
import { raceSignal } from '../shared/abort.js';
import { TiledeskError } from '../shared/errors.js';
import { isPlainObject } from '../shared/merge.js';
import { classify, importConversation, stopsTheRun, unreachable, type ConversationProgress, type RunContext } from './conversation.js';
import { checkpointRemedy, ImportAbortedError, ImportCheckpointError, ImportFailedError } from './errors.js';
import { stableHash } from './keys.js';
import { prepareConversation, type PrepareSettings } from './prepare.js';
import type {
  ImportCheckpointState,
  ImportConversation,
  ImportConversationEvent,
  ImportConversationsOptions,
  ImportFailure,
  ImportProgressEvent,
  ImportReport,
  ImportSource,
  ImportTotals,
} from './types.js';
import { CLOSES_PROMPTLY } from './source-close.js';
import { SettledWindow } from './window.js';

type Stop = { reason: 'abort' } | { reason: ImportFailedError['reason']; error: unknown };

function intOption(value: number | undefined, field: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new ValidationError(field, `must be an integer >= ${min}`);
  return value;
}

function zeroTotals(): ImportTotals {
  return { conversations: 0, conversationsFailed: 0, messagesImported: 0, messagesSkipped: 0, messagesFailed: 0 };
}

function checkState(state: unknown, projectId: string, namespace: string, where: string | undefined): ImportCheckpointState {
  const s = state as ImportCheckpointState;
  const valid =
    isPlainObject(state) && s.version === 1 && typeof s.projectId === 'string' && typeof s.namespace === 'string' &&
    Number.isInteger(s.watermark) && s.watermark >= 0 && Array.isArray(s.settled) &&
    s.settled.every((p) => Number.isInteger(p) && p >= s.watermark) && (s.source === undefined || typeof s.source === 'string') &&
    (s.belowWatermark === undefined || typeof s.belowWatermark === 'string') &&
    (s.settledIds === undefined ||
      (Array.isArray(s.settledIds) && s.settledIds.length === s.settled.length && s.settledIds.every((id) => id === null || typeof id === 'string'))) &&
    (s.inFlightBelow === undefined || (Number.isInteger(s.inFlightBelow) && s.inFlightBelow >= s.watermark)) && isPlainObject(s.totals) &&
    Object.keys(zeroTotals()).every((k) => Number.isFinite((s.totals as unknown as Record<string, unknown>)[k]));
  if (!valid) {
    throw new ImportCheckpointError(
      'checkpoint_invalid',
      `The checkpoint${where === undefined ? '' : ` (${where})`} is not an import checkpoint (version 1) this SDK can read`,
      undefined,
      undefined,
      checkpointRemedy('checkpoint_invalid', where),
    );
  }
  if (s.projectId !== projectId || s.namespace !== namespace) {
    throw new ImportCheckpointError(
      'checkpoint_mismatch',
      `The checkpoint belongs to another import (project ${s.projectId}, namespace "${s.namespace}"), not project ${projectId}, namespace "${namespace}"`,
      undefined,
      undefined,
      checkpointRemedy('checkpoint_mismatch', where),
    );
  }
  return s;
}

/**
 * The identity of a conversation that has no `request_id` (it is invalid), as a checkpoint records it: a hash of
 * its JSON. Without one, a checkpoint whose first conversation (or the one below its watermark) was invalid could
 * not tell its source from another.
 */
function invalidIdentity(item: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(item);
  } catch {
    // Circular, or a BigInt: only an array or generator source can give one. Its type is all that can be told.
  }
  return `invalid:${stableHash(json ?? typeof item)}`;
}

/** A conversation's identity, as an error message names it. */
function described(id: string | undefined): string {
  return id?.startsWith('invalid:') ? `an invalid conversation (${id})` : String(id);
}

/** Counts an array source up front, for progress and ETA; other sources are not read ahead. */
function countArraySource(source: ImportSource): { conversations: number; messages: number } | undefined {
  if (!Array.isArray(source)) return undefined;
  let messages = 0;
  for (const c of source as unknown[]) if (isPlainObject(c) && Array.isArray(c.messages)) messages += c.messages.length;
  return { conversations: source.length, messages };
}

function failureOf(error: unknown, position: number, requestId: string | undefined, imported: number, missing: number, uncertain: number): ImportFailure {
  const failure: ImportFailure = {
    position,
    requestId,
    code: error instanceof TiledeskError ? error.code : 'unexpected',
    message: error instanceof Error ? error.message : String(error),
    messagesImported: imported,
    messagesMissing: missing,
  };
  if (uncertain > 0) failure.messagesUncertain = uncertain;
  if (error instanceof APIError && error.status !== undefined) failure.status = error.status;
  if (error instanceof ValidationError) {
    failure.field = error.field;
    if (error.index !== undefined) failure.index = error.index;
  }
  return failure;
}

/**
 * Imports conversations `{ request, messages }` into a project, each message exactly once, in order.
 *
 * For each conversation (pulled from `source` only as fast as the `concurrency` slots free up, so memory stays
 * bounded however large the source): create it with a deterministic `request_id`, or find it and continue it; then
 * send its messages in chunks under the server's body limit. Every message carries `attributes.import_key` (the
 * source's `id`, else `#<position>`), `attributes.import_index` and, when the source has a time,
 * `attributes.clienttimestamp` (ms). A call that may have been half-processed (5xx, reset, timeout) is never
 * repeated blindly: the conversation is read back and only missing messages are sent. 429 (honouring
 * `Retry-After`), connection errors, timeouts and 5xx are retried with backoff, up to `maxAttempts` per call.
 *
 * Conversations that fail on their own are listed in the report; the import goes on. It stops early, throwing
 * {@link ImportAbortedError} (your signal) or {@link ImportFailedError} (credentials refused, unreadable source,
 * checkpoint not saved), after saving the checkpoint. With a `checkpoint`, running the same import again resumes
 * where it stopped; without one, running it again is still safe (everything already there is skipped), just slower.
 *
 * @example
 * ```ts
 * import { TiledeskClient, importConversations } from 'tiledesk-sdk';
 * import { fileCheckpoint, readConversations } from 'tiledesk-sdk/node';
 *
 * const client = new TiledeskClient({ baseUrl, projectId, auth: { email, password } });
 * const report = await importConversations(client, readConversations('export.ndjson'), {
 *   concurrency: 16,
 *   checkpoint: fileCheckpoint('export.checkpoint.json'),
 *   onProgress: (p) => console.log(`${p.messages.done} messages, ${Math.round(p.messagesPerSecond)}/s`),
 * });
 * console.log(report.messages.imported, report.messages.skipped, report.failures);
 * await client.close();
 * ```
 */
export async function importConversations(
  client: TiledeskClient,
  source: ImportSource,
  options: ImportConversationsOptions = {},
): Promise<ImportReport> {
  if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object');
  const { checkpoint, signal } = options;
  // Checked before the checkpoint is locked or anything sent: each was a bare TypeError, or a run stopped midway.
  if (checkpoint != null && (typeof checkpoint.load !== 'function' || typeof checkpoint.save !== 'function')) {
    throw new ValidationError('checkpoint', 'must have load() and save() methods (`fileCheckpoint(path)`, or your own)');
  }
  if (signal != null && typeof signal.addEventListener !== 'function') throw new ValidationError('signal', 'must be an AbortSignal');
  for (const name of ['onProgress', 'onConversation'] as const) {
    if (options[name] != null && typeof options[name] !== 'function') throw new ValidationError(name, 'must be a function');
  }
  const release = typeof checkpoint?.lock === 'function' ? await checkpoint.lock() : undefined;
  try {
    return await runImport(client, source, options);
  } finally {
    // Not giving the claim back changes nothing about what was imported; a file lock of a process that has exited
    // is taken over by the next run anyway.
    await Promise.resolve()
      .then(release)
      .catch(() => undefined);
  }
}

async function runImport(client: TiledeskClient, source: ImportSource, options: ImportConversationsOptions): Promise<ImportReport> {
  const projectId = options.projectId ?? client.projectId;
  if (typeof projectId !== 'string' || projectId.trim() === '') throw new ValidationError('projectId', 'is required (on the client or in the options)');
  const iterate = (source as AsyncIterable<unknown>)?.[Symbol.asyncIterator] ?? (source as Iterable<unknown>)?.[Symbol.iterator];
  if (typeof iterate !== 'function') throw new ValidationError('source', 'must be an Iterable or AsyncIterable of conversations');
  const namespace = options.namespace ?? 'import';
  if (typeof namespace !== 'string' || namespace === '') throw new ValidationError('namespace', 'must be a non-empty string');
  const concurrency = intOption(options.concurrency, 'concurrency', 8, 1);
  const maxChunkBytes = intOption(options.maxChunkBytes, 'maxChunkBytes', 500 * 1024, 64);
  const maxChunkMessages = intOption(options.maxChunkMessages, 'maxChunkMessages', 100, 1);
  const maxAttempts = intOption(options.maxAttempts, 'maxAttempts', 8, 1);
  const maxWindow = intOption(options.maxWindow, 'maxWindow', Math.max(64, concurrency * 16), concurrency);
  const maxReportDetails = intOption(options.maxReportDetails, 'maxReportDetails', 100, 0);
  const settleDelayMs = intOption(options.settleDelayMs, 'settleDelayMs', 500, 0);
  const checkpointIntervalMs = intOption(options.checkpointIntervalMs, 'checkpointIntervalMs', 1000, 0);
  const progressIntervalMs = intOption(options.progressIntervalMs, 'progressIntervalMs', 250, 0);
  const maxRetryAfterMs = intOption(options.maxRetryAfterMs, 'maxRetryAfterMs', 60_000, 0);
  if (options.order !== undefined && options.order !== 'clienttimestamp' && options.order !== 'strict') {
    throw new ValidationError('order', "must be 'clienttimestamp' or 'strict'");
  }
  if (options.requestDefaults !== undefined && !isPlainObject(options.requestDefaults)) throw new ValidationError('requestDefaults', 'must be an object');
  if (options.timeout !== undefined && !(typeof options.timeout === 'number' && options.timeout >= 0)) throw new ValidationError('timeout', 'must be a number >= 0');
  const retryDelay = options.retryDelay ?? { baseDelayMs: 250, maxDelayMs: 10_000 };
  if (!isPlainObject(retryDelay)) throw new ValidationError('retryDelay', 'must be an object { baseDelayMs, maxDelayMs }');
  for (const key of ['baseDelayMs', 'maxDelayMs'] as const) {
    const value = retryDelay[key];
    if (!(typeof value === 'number' && value >= 0 && Number.isFinite(value))) throw new ValidationError(`retryDelay.${key}`, 'must be a finite number >= 0');
  }
  const { checkpoint, onProgress, onConversation, signal: userSignal } = options;

  const resumedState = checkpoint ? await checkpoint.load() : undefined;
  /** How errors' advice names the checkpoint (`fileCheckpoint`: its path). */
  const where = typeof checkpoint?.name === 'string' && checkpoint.name !== '' ? checkpoint.name : undefined;
  const resumed = resumedState === undefined ? undefined : checkState(resumedState, projectId, namespace, where);
  const window = new SettledWindow(resumed?.watermark ?? 0, resumed?.settled ?? []);
  const earlier: ImportTotals = resumed ? { ...resumed.totals } : zeroTotals();
  // Conversations an earlier run may have been working on when it stopped: looked up before being created.
  // (A loop, not `Math.max(...settled)`: a spread of a long list overflows the stack.)
  // A checkpoint with `inFlightBelow` says how far the earlier run may have gone, whatever its window; an older one
  // does not, so this run's window stands in for the earlier run's.
  let inFlightBefore: { from: number; to: number } | undefined;
  if (resumed) {
    let span = resumed.inFlightBelow === undefined ? maxWindow : resumed.inFlightBelow - resumed.watermark;
    for (const p of resumed.settled) span = Math.max(span, p - resumed.watermark + 1);
    inFlightBefore = { from: resumed.watermark, to: resumed.watermark + span };
  }
  // No conversation at or past `lease` starts before a save has recorded a higher `inFlightBelow`, so that the
  // checkpoint on disk, whenever the run dies, covers every conversation it may have left in flight: those started
  // after the last save included, when the watermark had moved on since. An older checkpoint, without the field,
  // gets it before the first conversation starts. `reach`: what every save records at least (never lowered, so the
  // earlier run's range stays covered until it is settled).
  let reach = inFlightBefore?.to ?? 0;
  let lease = resumed?.inFlightBelow === undefined ? 0 : reach;
  const counted = countArraySource(source);
  const total = { conversations: options.total?.conversations ?? counted?.conversations, messages: options.total?.messages ?? counted?.messages };

  // One controller for the run (it races the source's `next()`), and one per conversation in flight, all aborted
  // together from here: a single shared signal would carry a listener per call in flight.
  const controller = new AbortController();
  const inFlight = new Set<AbortController>();
  const abortAll = (reason: unknown) => {
    controller.abort(reason);
    for (const c of inFlight) c.abort(reason);
  };
  const onUserAbort = () => abortAll(userSignal?.reason);
  if (userSignal?.aborted) controller.abort(userSignal.reason);
  else userSignal?.addEventListener('abort', onUserAbort, { once: true });

  const started = Date.now();
  const report = emptyImportReport();
  // Conversations in flight: what they saved so far counts in progress before they settle.
  const live = new Set<ConversationProgress>();
  // Saved, and found already there, by conversations that did not settle (the run stopped): in this run's report
  // (progress counted them while they ran: the last event must not go back), not in the checkpoint's totals (the run
  // that finishes those conversations finds all of it there, and counts it skipped).
  let unsettledImported = 0;
  let unsettledSkipped = 0;
  let running = 0;
  /** Per `request_id` in flight, the copy that runs last: a later copy waits for it. */
  const byRequestId = new Map<string, Promise<void>>();
  let stop: Stop | undefined;
  let sourceDone = false;

  const ctx: RunContext = {
    client,
    call: { projectId, timeout: options.timeout, maxRetries: 0 },
    signal: controller.signal,
    stats: { pausedUntil: 0, retries: 0, reconciliations: 0 },
    strict: options.order === 'strict',
    maxChunkBytes,
    maxChunkMessages,
    maxAttempts,
    retryDelay,
    maxRetryAfterMs,
    settleDelayMs,
    onSaved: () => emitProgress(false),
  };
  const prepareSettings: PrepareSettings = { projectId, namespace, maxChunkBytes, requestDefaults: options.requestDefaults };
  // Project and namespace alone do not tell one export from the next: the same checkpoint file given another source
  // would skip its first `watermark` conversations as done. Its first conversation's identity tells them apart.
  let sourceIdentity = resumed?.source;
  // The first conversation does not tell a new export of the same system apart (one with a conversation deleted or
  // inserted before the watermark): the one just below the watermark does, and for a change between the watermark
  // and a position settled out of order, the one at that position. Ids of settled positions are kept until the
  // watermark passes them (with a checkpoint only: nothing else prunes them).
  let belowWatermark = resumed?.belowWatermark;
  const settledIds = new Map<number, string>();
  /** Positions the checkpoint counts as done, with the conversation it recorded there: checked as they are read. */
  const expectedIds = new Map<number, string>();
  if (resumed) {
    if (resumed.belowWatermark !== undefined && resumed.watermark > 0) expectedIds.set(resumed.watermark - 1, resumed.belowWatermark);
    resumed.settledIds?.forEach((id, i) => id !== null && expectedIds.set(resumed.settled[i]!, id));
    for (const [position, id] of expectedIds) settledIds.set(position, id);
  }
  // Conversations between the watermark and the last position the checkpoint has an identity for are read, and held,
  // until that position is checked: a source changed in between is refused before any of them is sent (one moved
  // there from a position the earlier run left in flight would be skipped as done; those after it, imported under
  // other positions, get other derived `request_id`s). Only conversations an earlier run left in flight are held.
  let checkBelow = 0;
  for (const position of expectedIds.keys()) checkBelow = Math.max(checkBelow, position + 1);
  const held: { value: unknown; position: number }[] = [];
  let wrongSource: ImportCheckpointError | undefined;
  const identityOf = (item: unknown, position: number): string => {
    try {
      return prepareConversation(item, position, prepareSettings).requestId;
    } catch {
      return invalidIdentity(item); // It fails on its own when run; its identity still tells the source apart.
    }
  };
  /** Refuses a source whose conversation at `position` is not the one the checkpoint recorded there. */
  const checkSource = (item: unknown, position: number): ImportCheckpointError | undefined => {
    const expected = position === 0 ? sourceIdentity : undefined;
    const recorded = expectedIds.get(position);
    if (expected === undefined && recorded === undefined && position !== 0) return undefined;
    const id = identityOf(item, position);
    if (position === 0) {
      if (expected !== undefined && id !== expected) {
        return new ImportCheckpointError(
          'checkpoint_mismatch',
          `The checkpoint belongs to another source: its first conversation is ${described(expected)}, this source's is ${described(id)}`,
          undefined,
          0,
          checkpointRemedy('checkpoint_mismatch', where, 0),
        );
      }
      sourceIdentity = id;
    }
    if (recorded !== undefined && id !== recorded) {
      return new ImportCheckpointError(
        'checkpoint_mismatch',
        `The checkpoint does not match this source: it counts the conversation at position ${position} as done, ${described(recorded)}, ` +
          `but this source's conversation at position ${position} is ${described(id)} (were conversations added or removed before it?)`,
        undefined,
        position,
        checkpointRemedy('checkpoint_mismatch', where, position),
      );
    }
    return undefined;
  };

  // Stops pulling from the source. Conversations in flight are stopped only when finishing them is pointless (your
  // abort, refused credentials): their waits end at once, and so do their calls when you gave a signal (otherwise a
  // call in flight finishes first). When the source broke, a checkpoint save or a callback failed, they finish.
  const halt = (s: Stop) => {
    if (stop) return;
    stop = s;
    if (s.reason === 'abort' || s.reason === 'auth' || s.reason === 'project' || s.reason === 'unreachable') abortAll(new AbortError('Import stopped', { code: 'aborted', method: '', path: '' }));
    settled();
  };

  // ---- progress --------------------------------------------------------------------------------------------------
  let lastProgress = 0;
  function progressEvent(final: boolean): ImportProgressEvent {
    const elapsedMs = Date.now() - started;
    let liveImported = 0;
    let liveSkipped = 0;
    for (const p of live) {
      liveImported += p.imported;
      liveSkipped += p.skipped;
    }
    const handled = report.messages.imported + report.messages.skipped + report.messages.failed + liveImported + liveSkipped;
    const rate = elapsedMs > 0 ? (handled * 1000) / elapsedMs : 0;
    // Those of conversations a stop left unsettled included: they were sent and saved this run.
    const importedThisRun = report.messages.imported + liveImported;
    const settledThisRun = report.conversations.created + report.conversations.continued + report.conversations.alreadyComplete + report.conversations.failed;
    const conversationsDone = earlier.conversations + settledThisRun;
    // Those of conversations a stop left unsettled included, as the report counts them (the checkpoint does not: a
    // resumed run finds them there and counts them skipped): the last event of a stopped run had dropped them.
    const messagesImported = earlier.messagesImported + report.messages.imported + liveImported;
    const messagesSkipped = earlier.messagesSkipped + report.messages.skipped + liveSkipped;
    const messagesFailed = earlier.messagesFailed + report.messages.failed;
    const messagesDone = messagesImported + messagesSkipped + messagesFailed;
    let etaMs: number | undefined;
    if (total.messages !== undefined && rate > 0) etaMs = Math.max(0, ((total.messages - messagesDone) * 1000) / rate);
    else if (total.conversations !== undefined && settledThisRun > 0) {
      etaMs = Math.max(0, ((total.conversations - conversationsDone) * elapsedMs) / settledThisRun);
    }
    return {
      conversations: { done: conversationsDone, failed: earlier.conversationsFailed + report.conversations.failed, inFlight: running, total: total.conversations },
      messages: { done: messagesDone, imported: messagesImported, skipped: messagesSkipped, failed: messagesFailed, total: total.messages, importedThisRun },
      retries: ctx.stats.retries,
      elapsedMs,
      messagesPerSecond: rate,
      importedPerSecond: elapsedMs > 0 ? (importedThisRun * 1000) / elapsedMs : 0,
      etaMs: final ? 0 : etaMs,
      final,
    };
  }
  function emitProgress(final: boolean): void {
    if (!onProgress || (stop && !final) || (final && stop?.reason === 'callback')) return;
    const now = Date.now();
    if (!final && now - lastProgress < progressIntervalMs) return;
    lastProgress = now;
    invoke(onProgress, progressEvent(final));
  }

  // ---- your callbacks ----------------------------------------------------------------------------------------------
  /**
   * Promises returned by callbacks (an `async` one) still pending. They are not awaited one by one (a callback is
   * not in the way of the import), but the run settles only after them, and a rejection stops it as a throw does:
   * it was an unhandled rejection, which ends a Node process, while the import resolved.
   */
  const callbacksPending = new Set<Promise<void>>();
  function invoke<T>(callback: (event: T) => unknown, event: T): void {
    try {
      const result = callback(event);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then !== 'function') return;
      const tracked: Promise<void> = Promise.resolve(result as PromiseLike<unknown>).then(
        () => void callbacksPending.delete(tracked),
        (error: unknown) => {
          callbacksPending.delete(tracked);
          halt({ reason: 'callback', error });
        },
      );
      callbacksPending.add(tracked);
    } catch (error) {
      halt({ reason: 'callback', error });
    }
  }
  async function callbacksSettled(): Promise<void> {
    // Your signal ends the wait: a callback promise that never settles must not hold the import for ever.
    while (callbacksPending.size > 0 && !userSignal?.aborted) {
      await raceSignal(Promise.all(callbacksPending), userSignal).catch(() => undefined);
    }
  }

  // ---- checkpoint ------------------------------------------------------------------------------------------------
  let lastSave = Date.now();
  let saving: Promise<void> | undefined;
  function checkpointState(finished: boolean): ImportCheckpointState {
    // Two windows ahead: a save is needed only once the watermark has moved a whole window since the last one.
    reach = Math.max(reach, window.watermark + 2 * maxWindow);
    if (window.watermark > (resumed?.watermark ?? 0)) belowWatermark = settledIds.get(window.watermark - 1);
    for (const p of settledIds.keys()) if (p < window.watermark - 1) settledIds.delete(p);
    const settledAbove = window.settledAbove();
    return {
      version: 1,
      projectId: projectId as string,
      namespace,
      watermark: window.watermark,
      settled: settledAbove,
      ...(sourceIdentity === undefined ? {} : { source: sourceIdentity }),
      ...(belowWatermark === undefined ? {} : { belowWatermark }),
      ...(settledAbove.length === 0 ? {} : { settledIds: settledAbove.map((p) => settledIds.get(p) ?? null) }),
      inFlightBelow: reach,
      totals: {
        conversations: earlier.conversations + report.conversations.created + report.conversations.continued + report.conversations.alreadyComplete + report.conversations.failed,
        conversationsFailed: earlier.conversationsFailed + report.conversations.failed,
        messagesImported: earlier.messagesImported + report.messages.imported - unsettledImported,
        messagesSkipped: earlier.messagesSkipped + report.messages.skipped - unsettledSkipped,
        messagesFailed: earlier.messagesFailed + report.messages.failed,
      },
      finished,
    };
  }
  async function save(finished: boolean): Promise<void> {
    if (!checkpoint) return;
    lastSave = Date.now();
    const state = checkpointState(finished);
    try {
      await checkpoint.save(state);
      lease = Math.max(lease, state.inFlightBelow!);
    } catch (error) {
      halt({ reason: 'checkpoint', error });
    }
  }
  function maybeSave(): void {
    if (!checkpoint || saving || Date.now() - lastSave < checkpointIntervalMs) return;
    saving = save(false).finally(() => (saving = undefined));
  }
  /** Saves now (whatever `checkpointIntervalMs`), unless a save under way already covers `position`. */
  async function extendLease(position: number): Promise<void> {
    while (saving && position >= lease) await saving;
    if (position < lease || stop) return;
    saving = save(false).finally(() => (saving = undefined));
    await saving;
  }

  // ---- scheduling ------------------------------------------------------------------------------------------------
  let wake: (() => void) | undefined;
  const nextSettle = () => new Promise<void>((resolve) => (wake = resolve));
  const settled = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  function recordFailure(failure: ImportFailure): void {
    report.conversations.failed++;
    if (report.failures.length < maxReportDetails) report.failures.push(failure);
    else report.failuresOmitted++;
  }

  async function runOne(item: unknown, position: number): Promise<void> {
    const progress: ConversationProgress = { kind: undefined, imported: 0, skipped: 0, duplicates: 0, uncertain: 0, inDoubt: 0 };
    const messageCount = isPlainObject(item) && Array.isArray(item.messages) ? item.messages.length : 0;
    let requestId: string | undefined;
    let failure: ImportFailure | undefined;
    const own = new AbortController();
    if (controller.signal.aborted) own.abort(controller.signal.reason);
    inFlight.add(own);
    live.add(progress);
    try {
      const conversation = prepareConversation(item, position, prepareSettings);
      requestId = conversation.requestId;
      const mayBeInFlight = inFlightBefore !== undefined && position >= inFlightBefore.from && position < inFlightBefore.to;
      const call = userSignal ? { ...ctx.call, signal: own.signal } : ctx.call;
      // The same conversation twice in a source (overlapping pages of a helpdesk's API): run one copy after the
      // other, so the second reads back what the first saved instead of sending it all again.
      const earlierCopy = byRequestId.get(requestId);
      let done!: () => void;
      const mine = new Promise<void>((resolve) => (done = resolve));
      byRequestId.set(requestId, mine);
      try {
        if (earlierCopy) await raceSignal(earlierCopy, own.signal);
        await importConversation({ ...ctx, call, signal: own.signal }, conversation, progress, mayBeInFlight || earlierCopy !== undefined);
      } finally {
        done();
        if (byRequestId.get(requestId) === mine) byRequestId.delete(requestId);
      }
      report.conversations[progress.kind ?? 'created']++;
    } catch (error) {
      inFlight.delete(own);
      const verdict = classify(error);
      const gone = unreachable(error);
      if (controller.signal.aborted || stopsTheRun(verdict) || gone) {
        // Not settled: a resumed run looks at this conversation again and sends only what is missing.
        halt(
          controller.signal.aborted ? { reason: 'abort' }
          : verdict === 'auth' || verdict === 'project' ? { reason: verdict, error }
          : gone ? { reason: 'unreachable', error }
          : { reason: 'abort' },
        );
        live.delete(progress);
        report.messages.imported += progress.imported;
        report.messages.skipped += progress.skipped;
        report.messages.uncertain += progress.inDoubt;
        unsettledImported += progress.imported;
        unsettledSkipped += progress.skipped;
        return;
      }
      const missing = messageCount - progress.imported - progress.skipped;
      failure = failureOf(error, position, requestId, progress.imported + progress.skipped, missing, progress.uncertain);
      recordFailure(failure);
      report.messages.failed += missing;
      report.messages.uncertain += progress.uncertain;
    }
    inFlight.delete(own);
    live.delete(progress);
    report.messages.imported += progress.imported;
    report.messages.skipped += progress.skipped;
    report.duplicatesFound += progress.duplicates;
    window.settle(position);
    if (checkpoint) settledIds.set(position, requestId ?? invalidIdentity(item));
    if (onConversation && !(stop && stop.reason === 'callback')) {
      const event: ImportConversationEvent = {
        position, requestId, outcome: failure ? 'failed' : (progress.kind ?? 'created'),
        imported: progress.imported, skipped: progress.skipped, failed: failure?.messagesMissing ?? 0,
      };
      if (failure) event.failure = failure;
      invoke(onConversation, event);
    }
    maybeSave();
    emitProgress(false);
  }

  let iterator: AsyncIterator<unknown> | Iterator<unknown> | undefined;
  let pendingNext = false;
  let nextPosition = 0;
  try {
    iterator = iterate.call(source) as AsyncIterator<unknown> | Iterator<unknown>;
    while (!stop) {
      let value: unknown;
      let position: number;
      if (held.length > 0 && nextPosition >= checkBelow) {
        ({ value, position } = held.shift()!);
      } else {
        // Past the positions to check, the source is pulled only as fast as slots free up.
        if (nextPosition >= checkBelow) {
          while (!stop && (running >= concurrency || nextPosition - window.watermark >= maxWindow)) await nextSettle();
          if (stop) break;
        }
        // Stopped already (before the run, or while the checkpoint loaded): a `next()` would start work in the source
        // (an async generator's page fetch) that its `return()` could not stop, still running after the run settles.
        if (controller.signal.aborted) {
          halt({ reason: 'abort' });
          break;
        }
        let item: IteratorResult<unknown>;
        try {
          pendingNext = true;
          item = await raceSignal(Promise.resolve(iterator.next()), controller.signal);
          pendingNext = false;
        } catch (error) {
          halt(controller.signal.aborted ? { reason: 'abort' } : { reason: 'source', error });
          break;
        }
        if (item.done) {
          // Shorter than a position the checkpoint recorded a conversation at: conversations were removed.
          if (nextPosition < checkBelow) {
            wrongSource = new ImportCheckpointError(
              'checkpoint_mismatch',
              `The checkpoint does not match this source: it counts the conversation at position ${checkBelow - 1} as done, ` +
                `${described(expectedIds.get(checkBelow - 1))}, but this source ends after ${nextPosition} conversation${nextPosition === 1 ? '' : 's'} (were conversations removed?)`,
              undefined,
              checkBelow - 1,
              checkpointRemedy('checkpoint_mismatch', where, checkBelow - 1),
            );
          } else sourceDone = true;
          break;
        }
        position = nextPosition++;
        value = item.value;
        wrongSource = checkSource(value, position);
        if (wrongSource) break;
        const messageCount = isPlainObject(value) && Array.isArray(value.messages) ? value.messages.length : 0;
        report.conversations.total++;
        report.messages.total += messageCount;
        if (window.isSettled(position)) {
          if (checkpoint && position >= (resumed?.watermark ?? 0) && !settledIds.has(position)) settledIds.set(position, identityOf(value, position));
          report.conversations.resumed++;
          report.messages.resumed += messageCount;
          continue;
        }
        if (position < checkBelow) {
          held.push({ value, position });
          continue;
        }
      }
      while (!stop && (running >= concurrency || position - window.watermark >= maxWindow)) await nextSettle();
      if (stop) break;
      if (checkpoint && position >= lease) {
        await extendLease(position);
        if (stop) break;
      }
      running++;
      void runOne(value, position).finally(() => {
        running--;
        settled();
      });
    }
    while (running > 0) await nextSettle();
  } catch (error) {
    // Only the source can throw here: its iterator method, or a `next()` that breaks the protocol (a null result).
    // Conversations in flight still finish, as when it throws from `next()`: the import must not settle under them.
    halt({ reason: 'source', error });
    while (running > 0) await nextSettle();
  } finally {
    userSignal?.removeEventListener('abort', onUserAbort);
    try {
      // A `next()` still pending (an abort raced it) would make an async generator's `return()` wait for it: do not
      // await then, unless the source ends that read itself (`readConversations` destroys its stream, so the file
      // is closed when the import settles). The source failing to close changes nothing about what was imported.
      const closing = Promise.resolve(iterator?.return?.()).catch(() => undefined);
      if (!pendingNext || (iterator as { [CLOSES_PROMPTLY]?: boolean } | undefined)?.[CLOSES_PROMPTLY] === true) await closing;
    } catch {
      // A synchronous throw from `return()`: same as above.
    }
  }
  // Before any save: the checkpoint stays the other source's.
  if (wrongSource) throw wrongSource;
  if (userSignal?.aborted && !stop && !sourceDone) halt({ reason: 'abort' });
  // A run stopped before it read every conversation the checkpoint counts as done (within milliseconds of its start,
  // or while reading up to the last position settled out of order): an earlier run still settled them, and the
  // progress events count them (from the checkpoint's totals). The report counts them too, or the two disagreed.
  // (A source that ended before them is another one, refused above when the checkpoint has their ids.)
  if (resumed && !sourceDone) {
    let unread = Math.max(0, resumed.watermark - nextPosition);
    for (const p of resumed.settled) if (p >= nextPosition) unread++;
    if (unread > 0) {
      const earlierMessages = earlier.messagesImported + earlier.messagesSkipped + earlier.messagesFailed;
      const unreadMessages = Math.max(0, earlierMessages - report.messages.resumed);
      report.conversations.total += unread;
      report.conversations.resumed += unread;
      report.messages.total += unreadMessages;
      report.messages.resumed += unreadMessages;
    }
  }

  // Before the last save: a callback that rejects now stops the run, which is then not marked finished.
  await callbacksSettled();
  await saving;
  await save(sourceDone && !stop);
  report.retries = ctx.stats.retries;
  report.reconciliations = ctx.stats.reconciliations;
  report.durationMs = Date.now() - started;
  const handled = report.messages.imported + report.messages.skipped + report.messages.failed;
  report.messagesPerSecond = report.durationMs > 0 ? (handled * 1000) / report.durationMs : 0;
  if ((stop as Stop | undefined)?.reason !== 'callback') emitProgress(true);
  await callbacksSettled();
  // Read after the final event: an `onProgress` that throws on it fails the run too (the import itself is done, and
  // the checkpoint says so), rather than its error being lost.
  const finalStop = stop as Stop | undefined;
  if (!finalStop) return report;
  if (finalStop.reason === 'abort') throw new ImportAbortedError(report, userSignal?.reason);
  throw new ImportFailedError(finalStop.reason, report, finalStop.error);
}

/** A report of an import that has done nothing yet (what a run stopped before its first conversation reports). */
export function emptyImportReport(): ImportReport {
  return {
    conversations: { total: 0, created: 0, continued: 0, alreadyComplete: 0, resumed: 0, failed: 0 },
    messages: { total: 0, imported: 0, skipped: 0, resumed: 0, failed: 0, uncertain: 0 },
    retries: 0,
    reconciliations: 0,
    duplicatesFound: 0,
    failures: [],
    failuresOmitted: 0,
    durationMs: 0,
    messagesPerSecond: 0,
  };
}
