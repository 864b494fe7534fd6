import { TiledeskError } from '../shared/errors.js';
import { redact } from '../shared/token.js';
import type { ImportReport } from './types.js';

/**
 * The import was stopped by your `AbortSignal`. Conversations in flight were left as they were (the server may hold
 * part of them); the checkpoint, if any, was saved, so running the same import again resumes and completes them
 * without duplicates. `report` says what was done before the stop: `report.messages.imported` counts the saves the
 * server confirmed, `report.messages.uncertain` the messages of calls the stop cut short once sent (saved or not; a
 * call still waiting for its token had not gone out, and is not counted).
 *
 * @example
 * ```ts
 * try {
 *   await importConversations(client, source, { signal: controller.signal, checkpoint });
 * } catch (e) {
 *   if (e instanceof ImportAbortedError) console.log('stopped after', e.report.messages.imported, 'messages, maybe', e.report.messages.uncertain, 'more');
 * }
 * ```
 */
export class ImportAbortedError extends TiledeskError {
  override readonly name: string = 'ImportAbortedError';
  declare readonly report: ImportReport;

  constructor(report: ImportReport, cause?: unknown) {
    super('Import aborted', { code: 'import_aborted', cause });
    this.report = report;
  }
}

/**
 * The import stopped before the end of the source because going on could not help: the credentials were refused
 * (401, or a 403 saying the caller is not a member or lacks the role), the source could not be read (its error,
 * e.g. a `SourceParseError` with line and column, is the `cause`), the checkpoint could not be saved, or your
 * `onProgress` threw. Conversations that failed on their own (a bad message, a 4xx, retries exhausted) do not
 * stop the import: they are listed in the final report instead. The checkpoint was saved before this was thrown.
 *
 * @example
 * ```ts
 * try {
 *   await importConversations(client, readConversations('export.ndjson'), { checkpoint });
 * } catch (e) {
 *   if (e instanceof ImportFailedError) console.error(e.reason, e.message, e.report.messages.imported);
 * }
 * ```
 */
export class ImportFailedError extends TiledeskError {
  override readonly name: string = 'ImportFailedError';
  /**
   * What stopped it: `auth` (credentials refused), `project` (the server knows no active project by that id),
   * `unreachable` (no connection to the server could be made, or no TLS handshake, after a conversation's every attempt: the others would
   * fail the same way, so none is counted failed and a resumed run imports them), `source`, `checkpoint` or `callback`
   * (yours threw).
   */
  declare readonly reason: 'auth' | 'project' | 'unreachable' | 'source' | 'checkpoint' | 'callback';
  declare readonly report: ImportReport;

  constructor(reason: ImportFailedError['reason'], report: ImportReport, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`Import stopped (${reason}): ${detail}`, { code: 'import_failed', cause });
    this.reason = reason;
    this.report = report;
  }
}

/**
 * A checkpoint cannot be used: it was written by another import (another project, `namespace` or source) or for
 * another version of the source (conversations added or removed before one it counts as done: resuming from it would
 * skip the wrong conversations), it is not a checkpoint this version understands, or another run is using it
 * (`checkpoint_locked`: two runs would send the same messages twice). Thrown before anything is sent. `message` says
 * what is wrong, then what to do about it: that advice alone is `remedy`.
 *
 * @example
 * ```ts
 * try { await importConversations(client, source, { checkpoint: fileCheckpoint('import.ckpt.json') }); }
 * catch (e) { if (e instanceof ImportCheckpointError) console.error(e.code, e.position, e.remedy); }
 * ```
 */
export class ImportCheckpointError extends TiledeskError {
  override readonly name: string = 'ImportCheckpointError';
  /**
   * For a `checkpoint_mismatch` found in the source: the 0-based position of the conversation the checkpoint counts
   * as done that this source does not have there (the message names both conversations' `request_id`s).
   */
  declare readonly position?: number;
  /**
   * What to do about it, one sentence, also the end of `message`: naming the file to delete when the checkpoint has a
   * `name` (`fileCheckpoint`: its path). `checkpoint_invalid`: delete the checkpoint or use another (an import run
   * without its checkpoint still sends nothing twice). `checkpoint_mismatch`: use the checkpoint's own import or
   * source, or another checkpoint. `checkpoint_locked`: wait for the other run (`fileCheckpoint`: or, if none is
   * running, delete its lock file; never the checkpoint, which would start the import over beside that run).
   */
  declare readonly remedy: string;

  /**
   * @param message What is wrong; `message` is this, then `remedy`.
   * @param remedy What to do; by default the advice for `code` (and, for a mismatch, whether `position` is given).
   */
  constructor(
    code: 'checkpoint_mismatch' | 'checkpoint_invalid' | 'checkpoint_locked',
    message: string,
    cause?: unknown,
    position?: number,
    remedy: string = checkpointRemedy(code, undefined, position),
  ) {
    super(`${message}. ${remedy}`, { code, cause });
    if (position !== undefined) this.position = position;
    this.remedy = redact(remedy);
  }
}

/**
 * The advice of an {@link ImportCheckpointError}. `where` names the checkpoint (a file's path) when known; `position`
 * is set for a source that differs from the checkpoint's, unset for a checkpoint of another project or namespace.
 */
export function checkpointRemedy(code: ImportCheckpointError['code'], where: string | undefined, position?: number): string {
  const it = where ?? 'the checkpoint';
  const safe = 'nothing is imported twice without it (what the server has is found by request_id and import key)';
  if (code === 'checkpoint_locked') return 'Wait for the other run to end; if none is running, give back the claim its lock() holds';
  if (code === 'checkpoint_invalid') return `Delete ${it} to start over, or use another checkpoint: ${safe}`;
  if (position === undefined) return `Use another checkpoint for this import, or delete ${it} to start over: ${safe}`;
  return (
    `Resume with the source ${it} was written for. To import this one instead, use another checkpoint or delete ${it}: ` +
    'conversations already imported are found by request_id, messages by import key, and none is sent twice, except ' +
    'conversations with neither request.request_id nor request.id: they are known by their position, so those that moved would be imported again'
  );
}
