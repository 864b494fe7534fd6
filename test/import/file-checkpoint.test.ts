/**
 * `fileCheckpoint` (tiledesk-sdk/node): round trip, atomic replacement (no torn or temporary file left, the directory
 * flushed after the rename), a missing file reads as "no checkpoint", a corrupt one is a typed error; one run at a
 * time (the lock file), a crashed run's lock taken over by one run only. Races between processes:
 * file-checkpoint-race.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ImportCheckpointError, type ImportCheckpointState } from '../../src/index.js';
import { fileCheckpoint } from '../../src/node/index.js';

/**
 * The module's file operations, observable: `before` runs before each (it may hold it, or throw instead of it),
 * `opened` may replace a file handle. Both unset (every call passes straight through) outside the tests using them.
 */
const fsHooks = vi.hoisted(() => ({
  before: undefined as ((name: string, args: unknown[]) => Promise<void> | void) | undefined,
  opened: undefined as ((path: string, handle: FileHandle) => FileHandle) | undefined,
}));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const wrapped: Record<string, unknown> = { ...actual };
  for (const name of ['link', 'open', 'readFile', 'rename', 'rm', 'unlink', 'writeFile'] as const) {
    const original = actual[name] as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]) => {
      await fsHooks.before?.(name, args);
      const result = await original(...args);
      return name === 'open' && fsHooks.opened ? fsHooks.opened(String(args[0]), result as FileHandle) : result;
    };
  }
  return { ...wrapped, default: wrapped };
});
afterEach(() => {
  fsHooks.before = undefined;
  fsHooks.opened = undefined;
});

const dir = mkdtempSync(join(tmpdir(), 'tiledesk-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const filesOf = (name: string) => readdirSync(dir).filter((f) => f === name || f.startsWith(`${name}.`));
const gonePid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const holding = (pid: number, host = hostname()) => `${JSON.stringify({ pid, host })}\n`;
const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });
/** A file's mtime set `seconds` back. */
const age = (file: string, seconds: number) => utimesSync(file, new Date(Date.now() - seconds * 1000), new Date(Date.now() - seconds * 1000));

const state = (watermark: number): ImportCheckpointState => ({
  version: 1, projectId: 'p1', namespace: 'import', watermark, settled: [watermark + 2, watermark + 5], finished: false,
  totals: { conversations: watermark + 2, conversationsFailed: 1, messagesImported: 10 * watermark, messagesSkipped: 0, messagesFailed: 3 },
});

describe('fileCheckpoint', () => {
  it('loads undefined when there is no file, then what was saved last', async () => {
    const checkpoint = fileCheckpoint(join(dir, 'a.json'));
    expect(await checkpoint.load()).toBeUndefined();
    await checkpoint.save(state(1));
    await checkpoint.save(state(7));
    expect(await checkpoint.load()).toEqual(state(7));
    expect(await fileCheckpoint(join(dir, 'a.json')).load()).toEqual(state(7));
  });

  it('replaces the file by rename: concurrent saves never leave a torn file or a temporary file behind', async () => {
    const path = join(dir, 'b.json');
    const checkpoint = fileCheckpoint(path);
    await Promise.all(Array.from({ length: 25 }, (_, i) => checkpoint.save(state(i))));
    const loaded = await checkpoint.load();
    expect(loaded!.watermark).toBeGreaterThanOrEqual(0);
    expect(loaded).toEqual(state(loaded!.watermark));
    expect(readdirSync(dir).filter((f) => f.startsWith('b.json'))).toEqual(['b.json']);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(loaded);
  });

  it('a file that is not JSON is an ImportCheckpointError (checkpoint_invalid)', async () => {
    const path = join(dir, 'c.json');
    writeFileSync(path, '{"version":1,');
    const error = await fileCheckpoint(path).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportCheckpointError);
    expect((error as ImportCheckpointError).code).toBe('checkpoint_invalid');
    // What to do, in the error itself (not only in the CLI): naming the file to delete.
    expect((error as ImportCheckpointError).remedy.startsWith(`Delete ${path} to start over, or use another checkpoint`)).toBe(true);
    expect((error as Error).message).toBe(`The checkpoint file ${path} is not JSON. ${(error as ImportCheckpointError).remedy}`);
  });

  it('remove() deletes it, and is a no-op when it is gone', async () => {
    const checkpoint = fileCheckpoint(join(dir, 'd.json'));
    await checkpoint.save(state(2));
    await checkpoint.remove();
    await checkpoint.remove();
    expect(await checkpoint.load()).toBeUndefined();
  });

  it('a save into a directory that does not exist rejects and leaves nothing behind', async () => {
    const checkpoint = fileCheckpoint(join(dir, 'missing-dir', 'e.json'));
    await expect(checkpoint.save(state(1))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a save that fails while writing leaves no temporary file behind (one per failed save, on a full disk)', async () => {
    const checkpoint = fileCheckpoint(join(dir, 'f.json'));
    const unwritable = { ...state(1), totals: { ...state(1).totals, messagesImported: 1n } } as unknown as ImportCheckpointState;
    await expect(checkpoint.save(unwritable)).rejects.toBeInstanceOf(TypeError);
    expect(readdirSync(dir).filter((f) => f.startsWith('f.json'))).toEqual([]);
  });

  it('lock(): one claim at a time; the second is checkpoint_locked naming the holder, and works once the first is given back', async () => {
    const path = join(dir, 'f.json');
    const release = await fileCheckpoint(path).lock();
    const error = await fileCheckpoint(path).lock().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportCheckpointError);
    expect(error).toMatchObject({ code: 'checkpoint_locked' });
    expect((error as Error).message).toContain(`process ${process.pid} on ${hostname()}`);
    expect((error as Error).message).toContain(`delete ${path}.lock`);
    // The advice is the lock file's, never the checkpoint's: deleting that would start the import over beside the run.
    expect((error as ImportCheckpointError).remedy).toBe(`Wait for it to end. If no import is running, delete ${path}.lock`);
    expect((error as Error).message.endsWith((error as ImportCheckpointError).remedy)).toBe(true);
    await release();
    expect(existsSync(`${path}.lock`)).toBe(false);
    const again = await fileCheckpoint(path).lock();
    await again();
  });

  it('lock(): a lock left by a process that has exited (killed mid-run) is taken over', async () => {
    const path = join(dir, 'g.json');
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(`${path}.lock`, `${JSON.stringify({ pid: gone, host: hostname() })}\n`);
    const release = await fileCheckpoint(path).lock();
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
    await release();
  });

  it('lock(): a lock naming this very process that this process does not hold (a restarted container: same pid, same host) is taken over', async () => {
    // In a container the import often runs as pid 1 under a hostname kept across restarts: the lock of the run that
    // was killed then names the new run itself, which is running. Held by us it would be refused (test above); not
    // held by this process, it was left by a previous one with the same id.
    const path = join(dir, 'g-restart.json');
    const mine = `${JSON.stringify({ pid: process.pid, host: hostname() })}\n`;
    writeFileSync(`${path}.lock`, mine);
    const release = await fileCheckpoint(path).lock();
    // Now held by this process: refused to a second claim, as any held lock.
    await expect(fileCheckpoint(path).lock()).rejects.toMatchObject({ code: 'checkpoint_locked' });
    await release();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('lock(): a lock held by a second copy of the module in this process (the ESM and the CJS build both loaded) is refused', async () => {
    const path = join(dir, 'g-copies.json');
    vi.resetModules();
    const copy = await import('../../src/node/file-checkpoint.js');
    const release = await copy.fileCheckpoint(path).lock();
    await expect(fileCheckpoint(path).lock()).rejects.toMatchObject({ code: 'checkpoint_locked' });
    await release();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it.each([
    ['held on another host (its process cannot be checked)', () => `${JSON.stringify({ pid: 2 ** 22 + 7, host: `${hostname()}-elsewhere` })}\n`],
  ])('lock(): a lock %s is not taken over', async (_what, content) => {
    const path = join(dir, `h-${content().length}.json`);
    writeFileSync(`${path}.lock`, content());
    await expect(fileCheckpoint(path).lock()).rejects.toMatchObject({ code: 'checkpoint_locked' });
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(content());
  });

  it('save() flushes the directory after the rename: else a power loss can bring the previous checkpoint back', async () => {
    const path = join(dir, 's1.json');
    const calls: string[] = [];
    fsHooks.before = (name, args) => {
      if (name === 'rename' || (name === 'open' && args[0] === dir)) calls.push(`${name} ${args[0] === dir ? 'directory' : 'file'}`);
    };
    fsHooks.opened = (opened, handle) => {
      if (opened === dir) {
        const sync = handle.sync.bind(handle);
        handle.sync = () => (calls.push('sync directory'), sync());
      }
      return handle;
    };
    await fileCheckpoint(path).save(state(3));
    expect(calls).toEqual(['rename file', 'open directory', 'sync directory']);
    expect(await fileCheckpoint(path).load()).toEqual(state(3));
    expect(filesOf('s1.json')).toEqual(['s1.json']);
  });

  it.each([
    ['the directory cannot be opened (Windows)', 'open', 'EISDIR'],
    ['the directory cannot be opened (no read permission)', 'open', 'EACCES'],
    ['fsync of a directory is refused (Windows)', 'sync', 'EPERM'],
    ['fsync of a directory is not supported (some file systems)', 'sync', 'EINVAL'],
  ])('save() where %s (%s: %s) still saves, leaving no temporary file', async (_what, where, code) => {
    const path = join(dir, `s2-${code}.json`);
    fsHooks.before = (name, args) => {
      if (where === 'open' && name === 'open' && args[0] === dir) throw errno(code);
    };
    fsHooks.opened = (opened, handle) => {
      if (where === 'sync' && opened === dir) handle.sync = () => Promise.reject(errno(code));
      return handle;
    };
    await fileCheckpoint(path).save(state(4));
    expect(await fileCheckpoint(path).load()).toEqual(state(4));
    expect(filesOf(`s2-${code}.json`)).toEqual([`s2-${code}.json`]);
  });

  it('save() rejects when flushing the directory fails for real (EIO: a failing disk), the new checkpoint in place', async () => {
    const path = join(dir, 's3.json');
    fsHooks.opened = (opened, handle) => {
      if (opened === dir) handle.sync = () => Promise.reject(errno('EIO'));
      return handle;
    };
    await expect(fileCheckpoint(path).save(state(5))).rejects.toMatchObject({ code: 'EIO' });
    fsHooks.opened = undefined;
    expect(await fileCheckpoint(path).load()).toEqual(state(5));
    expect(filesOf('s3.json')).toEqual(['s3.json']);
  });

  it('lock(): the lock file appears with its content (a flushed temporary file linked to its name), never empty', async () => {
    const path = join(dir, 'l1.json');
    const links: { content: string; existed: boolean; target: unknown }[] = [];
    const inPlace: unknown[] = [];
    fsHooks.before = (name, args) => {
      if (name === 'link') links.push({ content: readFileSync(args[0] as string, 'utf8'), existed: existsSync(args[1] as string), target: args[1] });
      if ((name === 'open' || name === 'writeFile') && args[0] === `${path}.lock`) inPlace.push(args);
    };
    const release = await fileCheckpoint(path).lock();
    expect(links).toEqual([{ content: holding(process.pid), existed: false, target: `${path}.lock` }]);
    expect(inPlace.filter((args) => (args as unknown[]).some((a) => a === 'wx' || (a as { flag?: string })?.flag === 'wx'))).toEqual([]);
    expect(filesOf('l1.json')).toEqual(['l1.json.lock']);
    await release();
    expect(filesOf('l1.json')).toEqual([]);
  });

  it('lock(): where the file system has no hard links (EPERM), the lock is created in place, and still refused while held', async () => {
    const path = join(dir, 'l2.json');
    fsHooks.before = (name) => {
      if (name === 'link') throw errno('EPERM');
    };
    const release = await fileCheckpoint(path).lock();
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(holding(process.pid));
    await expect(fileCheckpoint(path).lock()).rejects.toMatchObject({ code: 'checkpoint_locked', message: expect.stringContaining(`process ${process.pid} on ${hostname()}`) });
    expect(filesOf('l2.json')).toEqual(['l2.json.lock']);
    await release();
    expect(filesOf('l2.json')).toEqual([]);
  });

  it('lock(): two runs taking over the same abandoned lock at once: the later one cannot remove the lock the first put in its place', async () => {
    // The interleaving of two processes started together after a crash, made deterministic: the first run to remove
    // the abandoned lock is held just before removing it, until the other has claimed the checkpoint or has run into
    // the takeover under way. (Both runs are in this process: each sees the other's lock as held, as its pid runs.)
    const path = join(dir, 'i.json');
    const lockPath = `${path}.lock`;
    writeFileSync(lockPath, holding(gonePid()));
    let held = false;
    let otherSettled: Promise<unknown> | undefined;
    let sawTakeover!: () => void;
    const otherSawTakeover = new Promise<void>((resolve) => (sawTakeover = resolve));
    fsHooks.before = async (name, args) => {
      if (held && args.includes(`${lockPath}.takeover`)) sawTakeover();
      if (!held && (name === 'rm' || name === 'unlink') && args[0] === lockPath) {
        held = true;
        await Promise.race([otherSettled, otherSawTakeover]);
      }
    };
    const claims = [fileCheckpoint(path).lock(), fileCheckpoint(path).lock()];
    otherSettled = Promise.race(claims.map((claim) => claim.then(() => undefined, () => undefined))); // the held one cannot settle
    const outcomes = await Promise.allSettled(claims);
    expect(held).toBe(true);
    const won = outcomes.filter((o): o is PromiseFulfilledResult<() => Promise<void>> => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(ImportCheckpointError);
    expect(lost[0]!.reason).toMatchObject({ code: 'checkpoint_locked', message: expect.stringContaining(`(process ${process.pid} on ${hostname()})`) });
    expect(readFileSync(lockPath, 'utf8')).toBe(holding(process.pid));
    await won[0]!.value();
    expect(filesOf('i.json')).toEqual([]);
  });

  it('lock(): a takeover file left by a run that died while taking over is removed, and the lock taken over', async () => {
    const path = join(dir, 't1.json');
    writeFileSync(`${path}.lock`, holding(gonePid()));
    writeFileSync(`${path}.lock.takeover`, holding(gonePid()));
    const release = await fileCheckpoint(path).lock();
    expect(filesOf('t1.json')).toEqual(['t1.json.lock']);
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(holding(process.pid));
    await release();
    expect(filesOf('t1.json')).toEqual([]);
  });

  it('lock(): a takeover under way by a live run is waited for, then refused naming the lock it put in place', async () => {
    const path = join(dir, 't2.json');
    const lockPath = `${path}.lock`;
    writeFileSync(lockPath, holding(gonePid()));
    writeFileSync(`${lockPath}.takeover`, holding(process.ppid)); // a live process, taking it over
    let seen = false;
    let done = false;
    fsHooks.opened = (opened, handle) => ((seen ||= opened === `${lockPath}.takeover`), handle);
    fsHooks.before = () => {
      if (!seen || done) return;
      done = true; // The other run's takeover ends, after this one has found it under way.
      rmSync(lockPath);
      writeFileSync(lockPath, holding(process.ppid)); // the other run's: another live process
      rmSync(`${lockPath}.takeover`);
    };
    const error = await fileCheckpoint(path).lock().catch((e: unknown) => e);
    expect(done).toBe(true);
    expect(error).toMatchObject({ code: 'checkpoint_locked', message: expect.stringContaining(`(process ${process.ppid} on ${hostname()})`) });
    expect(filesOf('t2.json')).toEqual(['t2.json.lock']);
  });

  it('lock(): a takeover by a live run that does not end is not broken into: refused after a while, naming it', async () => {
    const path = join(dir, 't3.json');
    const lockPath = `${path}.lock`;
    const gone = gonePid();
    writeFileSync(lockPath, holding(gone));
    writeFileSync(`${lockPath}.takeover`, holding(process.ppid));
    const error = await fileCheckpoint(path).lock().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'checkpoint_locked' });
    expect((error as Error).message).toContain(`(process ${process.ppid} on ${hostname()}, taking over the lock of process ${gone} on ${hostname()})`);
    expect((error as ImportCheckpointError).remedy).toBe(`Wait for it to end. If no import is running, delete ${lockPath} and ${lockPath}.takeover`);
    expect(readFileSync(lockPath, 'utf8')).toBe(holding(gone));
    expect(readFileSync(`${lockPath}.takeover`, 'utf8')).toBe(holding(process.ppid));
    expect(filesOf('t3.json')).toEqual(['t3.json.lock', 't3.json.lock.takeover']);
  });

  it.each([
    ['empty', ''],
    ['NUL bytes (a power loss after its size was written, not its data)', '\0'.repeat(40)],
  ])('lock(): a lock file that is %s and over a minute old (its writer crashed) is taken over', async (_what, content) => {
    const path = join(dir, `e-${content.length}.json`);
    writeFileSync(`${path}.lock`, content);
    age(`${path}.lock`, 61);
    const release = await fileCheckpoint(path).lock();
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(holding(process.pid));
    expect(filesOf(`e-${content.length}.json`)).toEqual([`e-${content.length}.json.lock`]);
    await release();
    expect(filesOf(`e-${content.length}.json`)).toEqual([]);
  });

  it('lock(): an empty lock file less than a minute old is held (its writer may be about to write it), the error saying when it is taken over', async () => {
    const path = join(dir, 'e-fresh.json');
    writeFileSync(`${path}.lock`, '');
    age(`${path}.lock`, 50);
    const error = await fileCheckpoint(path).lock().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'checkpoint_locked' });
    expect((error as Error).message).toContain(`(a process that has not written its id in ${path}.lock yet; an empty lock is taken over once a minute old)`);
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe('');
  });

  it.each([
    ['text that is not JSON', 'locked by nightly-backup\n'],
    ['JSON of another shape', '{"owner":"nightly-backup"}\n'],
    ['a prefix of a lock', '{"pid":12'],
  ])('lock(): a lock file holding %s is never taken over, however old (it may be another program\'s)', async (_what, content) => {
    const path = join(dir, `u-${content.length}.json`);
    writeFileSync(`${path}.lock`, content);
    age(`${path}.lock`, 3600);
    const error = await fileCheckpoint(path).lock().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'checkpoint_locked' });
    expect((error as Error).message).toContain(`(unknown: ${path}.lock does not hold a process id and host)`);
    expect((error as ImportCheckpointError).remedy).toBe(`Wait for it to end. If no import is running, delete ${path}.lock`);
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(content);
    expect(filesOf(`u-${content.length}.json`)).toEqual([`u-${content.length}.json.lock`]);
  });

  it('lock(): a lock name that exists without being a file (a dangling link) is refused after a while, not looked at for ever', async () => {
    const path = join(dir, 'd-link.json');
    symlinkSync(join(dir, 'nowhere'), `${path}.lock`);
    await expect(fileCheckpoint(path).lock()).rejects.toMatchObject({ code: 'checkpoint_locked', message: expect.stringContaining('(another process)') });
    expect(filesOf('d-link.json')).toEqual(['d-link.json.lock']);
  });
});
