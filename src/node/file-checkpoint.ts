import { hostname } from 'node:os';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { checkpointRemedy, ImportCheckpointError } from '../import/errors.js';
import type { ImportCheckpoint, ImportCheckpointState } from '../import/types.js';

/** A checkpoint kept in a file; see {@link fileCheckpoint}. */
export interface FileCheckpoint extends ImportCheckpoint {
  readonly path: string;
  /** The path too: the advice of an `ImportCheckpointError` names the file to delete. */
  readonly name: string;
  load(): Promise<ImportCheckpointState | undefined>;
  save(state: ImportCheckpointState): Promise<void>;
  /** Deletes the file (a no-op when there is none), e.g. to start an import over. */
  remove(): Promise<void>;
  /**
   * Claims the checkpoint for one run with a lock file next to it (`<path>.lock`, holding the process id and host);
   * `importConversations` calls it and gives the claim back when the run ends. A lock of a process that is no longer
   * running on this host is taken over; any other throws `ImportCheckpointError` (`checkpoint_locked`).
   *
   * To have a checkpoint in use refused before work of your own that comes first (counting a large file for the
   * progress total, say), call it yourself, then give `importConversations` the checkpoint without `lock`
   * (`{ name, load, save }`: the same object would be refused, its lock being held) and call the function it
   * returned once the import has ended.
   */
  lock(): Promise<() => Promise<void>>;
}

let sequence = 0;

/**
 * An import checkpoint in a JSON file. Each save writes a temporary file next to it, flushes it to disk and renames
 * it over the old one, so a crash at any moment leaves either the previous checkpoint or the new one, never a torn
 * file. `load` returns `undefined` when the file does not exist yet. One run at a time uses it: a second import
 * given the same file while the first runs (a cron job that overlaps, a second terminal) is refused with
 * `ImportCheckpointError` (`checkpoint_locked`), as both would send the messages neither had recorded yet.
 *
 * @example
 * ```ts
 * import { importConversations } from 'tiledesk-sdk';
 * import { fileCheckpoint, readConversations } from 'tiledesk-sdk/node';
 *
 * // Run it again after a crash or Ctrl-C: it resumes where it stopped.
 * await importConversations(client, readConversations('export.ndjson'), { checkpoint: fileCheckpoint('export.checkpoint.json') });
 * ```
 */
export function fileCheckpoint(path: string): FileCheckpoint {
  if (typeof path !== 'string' || path === '') throw new TypeError('fileCheckpoint: path must be a non-empty string');
  return {
    path,
    name: path,
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      try {
        return JSON.parse(text) as ImportCheckpointState;
      } catch (cause) {
        throw new ImportCheckpointError('checkpoint_invalid', `The checkpoint file ${path} is not JSON`, cause, undefined, checkpointRemedy('checkpoint_invalid', path));
      }
    },
    async save(state) {
      const temporary = `${path}.${process.pid}.${++sequence}.tmp`;
      const file = await open(temporary, 'w');
      try {
        try {
          await file.writeFile(`${JSON.stringify(state)}\n`, 'utf8');
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(temporary, path);
      } catch (error) {
        // A failed write (a full disk) too, not only a failed rename: each failed save would leave a file behind.
        await rm(temporary, { force: true });
        throw error;
      }
    },
    async remove() {
      await rm(path, { force: true });
    },
    async lock() {
      const lockPath = `${path}.lock`;
      const mine = `${JSON.stringify({ pid: process.pid, host: hostname() })}\n`;
      for (let attempt = 0; ; attempt++) {
        try {
          await writeFile(lockPath, mine, { flag: 'wx' });
          return async () => {
            // Only our own: after a takeover (we were thought gone) the lock is the other run's.
            if ((await readFile(lockPath, 'utf8').catch(() => undefined)) === mine) await rm(lockPath, { force: true });
          };
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          const held = await readFile(lockPath, 'utf8').catch(() => undefined);
          const holder = parseHolder(held);
          // A run that crashed (killed, power lost) left its lock: take it over once, if its process is gone.
          if (attempt === 0 && held !== undefined && holder && holder.host === hostname() && !isRunning(holder.pid)) {
            if ((await readFile(lockPath, 'utf8').catch(() => undefined)) === held) await rm(lockPath, { force: true });
            continue;
          }
          const who = holder ? `process ${holder.pid} on ${holder.host}` : 'another process';
          throw new ImportCheckpointError(
            'checkpoint_locked',
            `The checkpoint ${path} is in use by another import (${who}): two runs would send the same messages twice`,
            undefined,
            undefined,
            // Never "delete the checkpoint": that would start the import over beside the run in progress.
            `Wait for it to end. If no import is running, delete ${lockPath}`,
          );
        }
      }
    },
  };
}

function parseHolder(text: string | undefined): { pid: number; host: string } | undefined {
  try {
    const value = JSON.parse(text ?? '') as { pid?: unknown; host?: unknown };
    return Number.isInteger(value.pid) && typeof value.host === 'string' ? { pid: value.pid as number, host: value.host } : undefined;
  } catch {
    return undefined; // empty (its writer is between creating and writing it) or not ours: treated as held
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // it exists, owned by someone else
  }
}
