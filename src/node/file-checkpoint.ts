import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { link, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
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
   * `importConversations` calls it and gives the claim back when the run ends. Any other claim while it is held is
   * refused with `ImportCheckpointError` (`checkpoint_locked`) naming the holder; of runs that start together exactly
   * one gets it.
   *
   * The lock file is created with its content at once (a temporary file linked to its name; where the file system
   * has no hard links, created then written). A lock a run left behind is taken over: one naming a process that is
   * no longer running on this host (killed, power lost) or naming the process that finds it without being held by
   * it (a restarted container: pid 1 under the same hostname again), and an empty one (a crash of an earlier version between
   * creating and writing it) once a minute old. One holding anything else, or naming another host (its process
   * cannot be checked), is never taken over: delete it if no import is running. Takeovers are one at a time (each
   * holds `<path>.lock.takeover` while it checks that the lock is still the one it found abandoned, then replaces
   * it), so two runs started together after a crash do not both take it over; a run that finds another taking over
   * waits for it (up to 2 s), then is refused naming the new holder. A takeover file whose holder is no longer
   * running on this host (killed during its takeover) is removed; only then, if two runs remove it at the same
   * instant, can both go on (a crash during a crash's takeover, then a race within milliseconds).
   *
   * To have a checkpoint in use refused before work of your own that comes first (counting a large file for the
   * progress total, say), call it yourself, then give `importConversations` the checkpoint without `lock`
   * (`{ name, load, save }`: the same object would be refused, its lock being held) and call the function it
   * returned once the import has ended.
   *
   * @example
   * ```ts
   * import { fileCheckpoint } from 'tiledesk-sdk/node';
   *
   * const checkpoint = fileCheckpoint('export.checkpoint.json');
   * const release = await checkpoint.lock(); // ImportCheckpointError (checkpoint_locked) if another run has it
   * try {
   *   // … count the file, then importConversations(client, source, { checkpoint: { name: checkpoint.name, load: checkpoint.load, save: checkpoint.save } })
   * } finally {
   *   await release();
   * }
   * ```
   */
  lock(): Promise<() => Promise<void>>;
}

/**
 * How old an empty lock file must be to be taken over. Earlier versions created the lock, then wrote it, as this one
 * still does where there are no hard links: a run killed in between (microseconds) left it empty. A minute is far
 * above that time even on a machine swapping hard (too short, and a lock being written would be taken over: two
 * runs), and a run after a crash in that instant is refused for at most that long (or deletes the file).
 */
const EMPTY_LOCK_ABANDONED_MS = 60_000;
/** How long a claim waits for another run's takeover under way (a few file operations and one fsync) to end. */
const TAKEOVER_WAIT_MS = 2_000;
const TAKEOVER_POLL_MS = 10;
/** `link` fails with these where the file system has no hard links (FAT, some network and FUSE file systems). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS']);
/** A directory cannot be opened (Windows: EISDIR; no read permission) or fsynced (Windows: EPERM; some file systems). */
const NO_DIRECTORY_SYNC = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'EBADF', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

let sequence = 0;

/**
 * Inodes of the lock and takeover files this process created and has not removed. A file naming this process was
 * left by an earlier one with the same id unless it is here: in a container the import often runs as pid 1 under a
 * hostname kept across restarts, so the lock of a run that was killed names the run that finds it, which is running.
 * Kept on `globalThis`: a process that loads both the ESM and the CJS build has two copies of this module.
 */
const ownFiles: Set<bigint> = ((globalThis as Record<symbol, unknown>)[Symbol.for('tiledesk-sdk.fileCheckpoint.ownFiles')] ??= new Set<bigint>()) as Set<bigint>;

/**
 * An import checkpoint in a JSON file. Each save writes a temporary file next to it, flushes it to disk, renames
 * it over the old one and flushes the directory (where the platform can), so a crash at any moment leaves either
 * the previous checkpoint or the new one, never a torn file, and a save that returned survives a power loss. `load`
 * returns `undefined` when the file does not exist yet. One run at a time uses it: a second import given the same file while the first runs
 * (a cron job that overlaps, a second terminal) is refused with `ImportCheckpointError` (`checkpoint_locked`), as
 * both would send the messages neither had recorded yet; the lock of a run that crashed is taken over (see
 * {@link FileCheckpoint.lock}).
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
      // The rename is an entry of the directory: until the directory is flushed, a power loss can bring back the
      // previous checkpoint (safe, as resuming from it sends nothing twice, but work is redone).
      await syncDirectory(dirname(path));
    },
    async remove() {
      await rm(path, { force: true });
    },
    async lock() {
      const lockPath = `${path}.lock`;
      const mine = `${JSON.stringify({ pid: process.pid, host: hostname() })}\n`;
      const giveUpAt = Date.now() + TAKEOVER_WAIT_MS;
      const refuse = (who: string, remedy = `Wait for it to end. If no import is running, delete ${lockPath}`) =>
        new ImportCheckpointError(
          'checkpoint_locked',
          `The checkpoint ${path} is in use by another import (${who}): two runs would send the same messages twice`,
          undefined,
          undefined,
          // Never "delete the checkpoint": that would start the import over beside the run in progress.
          remedy,
        );
      // Each turn that does not end it follows a change someone else made (the lock given back, taken over), or
      // waits for a takeover under way: bounded all the same (a dangling link named like the lock would be forever).
      let refusal = () => refuse('another process');
      for (;;) {
        if (Date.now() >= giveUpAt) throw refusal();
        const created = await createExclusive(lockPath, mine);
        if (created) return releaser(lockPath, created);
        const found = await inspect(lockPath);
        if (found === undefined) continue; // given back meanwhile
        const verdict = judge(found, lockPath);
        refusal = () => refuse(verdict.who);
        if (!verdict.abandoned) throw refusal();
        const outcome = await takeOver(lockPath, found, mine);
        if (outcome === 'again') continue;
        if ('ino' in outcome) return releaser(lockPath, outcome);
        // Another run is taking it over: once it is done, the next turn sees (and names) the lock's new holder.
        refusal = () =>
          refuse(
            `${outcome.who}, taking over the lock of ${verdict.who}`,
            `Wait for it to end. If no import is running, delete ${lockPath} and ${lockPath}.takeover`,
          );
        await new Promise((resolve) => setTimeout(resolve, TAKEOVER_POLL_MS));
      }
    },
  };
}

/** A lock (or takeover) file as read: its content and what tells it from a file of the same content made later. */
interface Found {
  text: string;
  ino: bigint;
  mtimeNs: bigint;
  mtimeMs: number;
}

/** What `lock()` returns: gives the claim back, only if the lock is still ours (it was not taken over meanwhile). */
function releaser(lockPath: string, ours: Pick<Found, 'text' | 'ino'>): () => Promise<void> {
  return async () => {
    const found = await inspect(lockPath).catch(() => undefined);
    if (found?.text === ours.text && found.ino === ours.ino) await removeOwn(lockPath, ours.ino);
  };
}

/**
 * Serialises the takeover of an abandoned lock (`stale`, as `lock()` found it) with `<lock>.takeover`, created
 * exclusively: only its holder checks that the lock is still that very file (content, inode, mtime), removes it and
 * creates its own. Without it, a run that had found the same abandoned lock could remove the lock another had just
 * put in its place, and both would go on. Returns our lock, `'again'` (the lock changed: look again), or the run
 * taking it over.
 */
async function takeOver(lockPath: string, stale: Found, mine: string): Promise<Pick<Found, 'text' | 'ino'> | 'again' | { who: string }> {
  const takeoverPath = `${lockPath}.takeover`;
  const claim = await createExclusive(takeoverPath, mine);
  if (!claim) {
    const other = await inspect(takeoverPath);
    if (other === undefined) return 'again';
    const verdict = judge(other, takeoverPath);
    if (!verdict.abandoned) return { who: verdict.who };
    // Its holder died while taking over (a crash in a window of milliseconds, after another crash). The one window
    // left: two runs finding that same takeover file at the same instant, one removing it, recreating its own, and
    // the other removing that between its check and its rm; even then both would also need to interleave the same
    // way on the lock itself below.
    const again = await inspect(takeoverPath);
    if (again && same(again, other)) await rm(takeoverPath, { force: true });
    return 'again';
  }
  try {
    const now = await inspect(lockPath);
    if (!now || !same(now, stale)) return 'again';
    await rm(lockPath, { force: true });
    // A run creating the lock from scratch (it found none) may get there first: then it holds it, and we look again.
    return (await createExclusive(lockPath, mine)) ?? 'again';
  } finally {
    const now = await inspect(takeoverPath).catch(() => undefined);
    if (now?.ino === claim.ino && now.text === claim.text) await removeOwn(takeoverPath, claim.ino);
  }
}

/**
 * Creates `target` holding `content`, unless it exists (`undefined`). The content is written to a temporary file,
 * flushed, then hard-linked to the name: the lock appears whole or not at all, never empty. Where the file system
 * has no hard links (or the temporary name would be too long), it is created then written instead.
 */
async function createExclusive(target: string, content: string): Promise<Pick<Found, 'text' | 'ino'> | undefined> {
  const created = await createWhole(target, content);
  if (created) ownFiles.add(created.ino);
  return created;
}

async function removeOwn(file: string, ino: bigint): Promise<void> {
  await rm(file, { force: true });
  ownFiles.delete(ino);
}

async function createWhole(target: string, content: string): Promise<Pick<Found, 'text' | 'ino'> | undefined> {
  const temporary = `${target}.${process.pid}.${++sequence}.${randomBytes(4).toString('hex')}.tmp`;
  let file;
  try {
    file = await open(temporary, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENAMETOOLONG') throw error;
    return createInPlace(target, content);
  }
  try {
    let ino: bigint;
    try {
      await file.writeFile(content, 'utf8');
      await file.sync();
      ino = (await file.stat({ bigint: true })).ino;
    } finally {
      await file.close();
    }
    try {
      await link(temporary, target);
      return { text: content, ino };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') return undefined;
      if (!NO_HARD_LINKS.has(code)) throw error;
    }
  } finally {
    await rm(temporary, { force: true });
  }
  return createInPlace(target, content);
}

/** `createExclusive` without hard links: a process killed between creating and writing leaves it empty. */
async function createInPlace(target: string, content: string): Promise<Pick<Found, 'text' | 'ino'> | undefined> {
  let file = await openUnless(target, 'wx', ['EEXIST']);
  if (!file) return undefined;
  try {
    await file.writeFile(content, 'utf8');
    await file.sync();
    return { text: content, ino: (await file.stat({ bigint: true })).ino };
  } catch (error) {
    await file.close().catch(() => undefined);
    file = undefined;
    await rm(target, { force: true }); // ours, and empty or torn: it would otherwise be held for a minute
    throw error;
  } finally {
    await file?.close();
  }
}

/** Reads a lock file and its identity from one open file; `undefined` when there is none. */
async function inspect(file: string): Promise<Found | undefined> {
  const handle = await openUnless(file, 'r', ['ENOENT']);
  if (!handle) return undefined;
  try {
    const info = await handle.stat({ bigint: true });
    return { text: await handle.readFile('utf8'), ino: info.ino, mtimeNs: info.mtimeNs, mtimeMs: Number(info.mtimeMs) };
  } finally {
    await handle.close();
  }
}

function same(a: Found, b: Found): boolean {
  return a.text === b.text && a.ino === b.ino && a.mtimeNs === b.mtimeNs;
}

/** Whether a lock (or takeover) file was left by a run that is gone, and who holds it, for the error. */
function judge(found: Found, file: string): { abandoned: boolean; who: string } {
  const holder = parseHolder(found.text);
  if (holder) {
    const here = holder.host === hostname();
    const gone = holder.pid === process.pid ? !ownFiles.has(found.ino) : !isRunning(holder.pid);
    return { abandoned: here && gone, who: `process ${holder.pid} on ${holder.host}` };
  }
  // Empty, or NUL bytes (a power loss after the file's size was written, not its data): one of ours, torn.
  if (/^[\s\0]*$/.test(found.text)) {
    const age = Date.now() - found.mtimeMs;
    return { abandoned: age > EMPTY_LOCK_ABANDONED_MS, who: `a process that has not written its id in ${file} yet; an empty lock is taken over once a minute old` };
  }
  // Not what any version writes: maybe another program's file of that name. Never removed by us.
  return { abandoned: false, who: `unknown: ${file} does not hold a process id and host` };
}

function parseHolder(text: string): { pid: number; host: string } | undefined {
  try {
    const value = JSON.parse(text) as { pid?: unknown; host?: unknown } | null;
    return Number.isInteger(value?.pid) && (value!.pid as number) > 0 && typeof value!.host === 'string' ? { pid: value!.pid as number, host: value!.host } : undefined;
  } catch {
    return undefined;
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

/** Flushes a directory's entries (a rename) to disk, where the platform can; where it cannot, there is nothing to do. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await openUnless(directory, 'r', NO_DIRECTORY_SYNC);
  if (!handle) return;
  try {
    await handle.sync();
  } catch (error) {
    if (!NO_DIRECTORY_SYNC.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle.close();
  }
}

/** Opens `file`, or `undefined` when that fails with one of `codes` (what the caller expects and handles). */
async function openUnless(file: string, flags: string, codes: Iterable<string>): Promise<FileHandle | undefined> {
  try {
    return await open(file, flags);
  } catch (error) {
    if ([...codes].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
}
