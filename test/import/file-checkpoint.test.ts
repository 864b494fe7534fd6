/**
 * `fileCheckpoint` (tiledesk-sdk/node): round trip, atomic replacement (no torn or temporary file left), a missing
 * file reads as "no checkpoint", a corrupt one is a typed error; one run at a time (the lock file).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportCheckpointError, type ImportCheckpointState } from '../../src/index.js';
import { fileCheckpoint } from '../../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tiledesk-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

  it.each([
    ['held on another host (its process cannot be checked)', () => `${JSON.stringify({ pid: 2 ** 22 + 7, host: `${hostname()}-elsewhere` })}\n`],
    ['empty (its writer is between creating and writing it)', () => ''],
  ])('lock(): a lock %s is not taken over', async (_what, content) => {
    const path = join(dir, `h-${content().length}.json`);
    writeFileSync(`${path}.lock`, content());
    await expect(fileCheckpoint(path).lock()).rejects.toMatchObject({ code: 'checkpoint_locked' });
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(content());
  });
});
