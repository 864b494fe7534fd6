import { TiledeskError } from '../shared/errors.js';
import type { ImportReport } from './types.js';

/**
 * The import was stopped by your `AbortSignal`. Conversations in flight were left as they were (the server may hold
 * part of them); the checkpoint, if any, was saved, so running the same import again resumes and completes them
 * without duplicates. `report` says what was done before the stop.
 *
 * @example
 * ```ts
 * try {
 *   await importConversations(client, source, { signal: controller.signal, checkpoint });
 * } catch (e) {
 *   if (e instanceof ImportAbortedError) console.log('stopped after', e.report.messages.imported, 'messages');
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
   * `source`, `checkpoint` or `callback` (yours threw).
   */
  declare readonly reason: 'auth' | 'project' | 'source' | 'checkpoint' | 'callback';
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
 * (`checkpoint_locked`: two runs would send the same messages twice).
 *
 * @example
 * ```ts
 * try { await importConversations(client, source, { checkpoint: fileCheckpoint('import.ckpt.json') }); }
 * catch (e) { if (e instanceof ImportCheckpointError) console.error(e.code, e.position, e.message); }
 * ```
 */
export class ImportCheckpointError extends TiledeskError {
  override readonly name: string = 'ImportCheckpointError';
  /**
   * For a `checkpoint_mismatch` found in the source: the 0-based position of the conversation the checkpoint counts
   * as done that this source does not have there (the message names both conversations' `request_id`s).
   */
  declare readonly position?: number;

  constructor(code: 'checkpoint_mismatch' | 'checkpoint_invalid' | 'checkpoint_locked', message: string, cause?: unknown, position?: number) {
    super(message, { code, cause });
    if (position !== undefined) this.position = position;
  }
}
