import { open, readFile, rename, rm } from 'node:fs/promises';
import { ImportCheckpointError } from '../import/errors.js';
import type { ImportCheckpoint, ImportCheckpointState } from '../import/types.js';

/** A checkpoint kept in a file; see {@link fileCheckpoint}. */
export interface FileCheckpoint extends ImportCheckpoint {
  readonly path: string;
  load(): Promise<ImportCheckpointState | undefined>;
  save(state: ImportCheckpointState): Promise<void>;
  /** Deletes the file (a no-op when there is none), e.g. to start an import over. */
  remove(): Promise<void>;
}

let sequence = 0;

/**
 * An import checkpoint in a JSON file. Each save writes a temporary file next to it, flushes it to disk and renames
 * it over the old one, so a crash at any moment leaves either the previous checkpoint or the new one, never a torn
 * file. `load` returns `undefined` when the file does not exist yet.
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
        throw new ImportCheckpointError('checkpoint_invalid', `The checkpoint file ${path} is not JSON`, cause);
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
  };
}
