/**
 * `fileCheckpoint(path).lock()` raced by real processes on the lock of a run that crashed: several runs started
 * together after a crash (a cron job and a restarted service, say) must end with exactly one holding the checkpoint,
 * every other refused with `checkpoint_locked` naming it. Each contender is its own process (a lock names a process
 * id), started at the same moment (each waits for a `go` line once loaded).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleChild } from './child-bundle.js';

let childBundle: Awaited<ReturnType<typeof bundleChild>>;
const dir = mkdtempSync(join(tmpdir(), 'tiledesk-lock-race-'));
const children = new Set<ChildProcess>();

beforeAll(async () => {
  childBundle = await bundleChild('lock-child');
});

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  childBundle?.remove();
});

interface Contender {
  child: ChildProcess;
  send: (line: string) => void;
  line: () => Promise<string>;
  exited: Promise<number | string>;
}

function contender(): Contender {
  const child = spawn(process.execPath, [childBundle.script], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  void exited.then(() => children.delete(child));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const line = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`contender ${child.pid} ended without a line (exit ${await exited})`);
    return value as string;
  };
  return { child, send: (text) => child.stdin!.write(`${text}\n`), line, exited };
}

const CONTENDERS = 8;
const ROUNDS = 20;

describe('fileCheckpoint lock, raced by processes', () => {
  it(`${CONTENDERS} processes taking over a dead run's lock at once: exactly one holds it, every other is checkpoint_locked naming it (${ROUNDS} rounds)`, async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const contenders = Array.from({ length: CONTENDERS }, contender);
    for (const { line } of contenders) expect(await line()).toBe('ready');
    for (let round = 0; round < ROUNDS; round++) {
      const path = join(dir, `round-${round}.json`);
      writeFileSync(`${path}.lock`, `${JSON.stringify({ pid: gone, host: hostname() })}\n`);
      for (const { send } of contenders) send(`go ${path}`);
      const outcomes = await Promise.all(contenders.map(async ({ line }) => JSON.parse(await line()) as { won?: true; code?: string; message?: string }));
      const winners = contenders.filter((_, i) => outcomes[i]!.won);
      expect(winners.map(({ child }) => child.pid), `round ${round}: ${JSON.stringify(outcomes)}`).toHaveLength(1);
      const holder = `process ${winners[0]!.child.pid} on ${hostname()}`;
      for (const outcome of outcomes.filter((o) => !o.won)) {
        expect(outcome.code).toBe('checkpoint_locked');
        expect(outcome.message).toContain(holder);
      }
      for (const { send } of contenders) send('release');
      for (const { line } of contenders) expect(await line()).toBe('released');
      // The winner gave it back; nobody left a temporary or takeover file.
      expect(existsSync(`${path}.lock`)).toBe(false);
      expect(readdirSync(dir).filter((f) => f.startsWith(`round-${round}.`))).toEqual([]);
    }
    for (const { child } of contenders) child.stdin!.end();
    expect(await Promise.all(contenders.map(({ exited }) => exited))).toEqual(contenders.map(() => 0));
  }, 60_000);
});
