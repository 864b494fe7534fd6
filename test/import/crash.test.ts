/**
 * A real crash: the import runs in a child process reading an NDJSON file with a file checkpoint, and is killed
 * with SIGKILL mid-import (twice); then it is resumed from the checkpoint. Every message must end up on the server
 * exactly once, in order — including those of conversations that were half imported, or fully imported but not
 * yet recorded in the checkpoint, when the process died.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleChild } from './child-bundle.js';
import { TiledeskClient, importConversations } from '../../src/index.js';
import { fileCheckpoint, readConversations } from '../../src/node/index.js';
import { startTiledeskServer } from '../../src/testing/index.js';
import { dataset, requestIdOf, verifyImported } from './helpers.js';

let childBundle: Awaited<ReturnType<typeof bundleChild>>;
const dir = mkdtempSync(join(tmpdir(), 'tiledesk-crash-'));
let server: Awaited<ReturnType<typeof startTiledeskServer>>;
let client: TiledeskClient;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  childBundle = await bundleChild('import-child');
  server = await startTiledeskServer();
  client = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token } });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await client?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
  childBundle?.remove();
});

/** Starts the child import; resolves once the checkpoint's watermark reaches `killAt`, then SIGKILLs it. */
async function runAndKill(file: string, checkpointPath: string, killAt: number): Promise<{ watermark: number; exited: boolean }> {
  const child = spawn(process.execPath, [childBundle.script, server.url, server.project.id, server.owner.token, file, checkpointPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exited = false;
  void exit.then(() => (exited = true));
  const checkpoint = fileCheckpoint(checkpointPath);
  const deadline = Date.now() + 30_000;
  let watermark = 0;
  while (!exited && Date.now() < deadline) {
    watermark = (await checkpoint.load().catch(() => undefined))?.watermark ?? 0;
    if (watermark >= killAt) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGKILL');
  await exit;
  children.delete(child);
  return { watermark, exited: exited && watermark < killAt };
}

describe('crash and resume', () => {
  // Two child imports (up to runAndKill's 30 s deadline each) and the resumed import: 3-4 s alone, 17 s at load 12.
  // The test's timeout is a hang guard above the deadlines it already has (vitest's 20 s ended it first).
  it('SIGKILL mid-import twice, then resume from the file checkpoint: every message exactly once, in order', { timeout: 120_000 }, async () => {
    const source = dataset({ conversations: 150, messages: { min: 0, max: 25 }, someIds: true, seed: 21, tag: 'crash' });
    const total = source.reduce((n, c) => n + c.messages.length, 0);
    const file = join(dir, 'export.ndjson');
    writeFileSync(file, `${source.map((c) => JSON.stringify(c)).join('\n')}\n`);
    const checkpointPath = join(dir, 'export.checkpoint.json');
    // Slow chunks, so the process is always in the middle of several conversations when it dies.
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, latencyMs: 15 });

    const first = await runAndKill(file, checkpointPath, 40);
    expect(first.exited).toBe(false);
    const afterFirst = (await fileCheckpoint(checkpointPath).load())!;
    expect(afterFirst.finished).toBe(false);
    expect(afterFirst.watermark).toBeLessThan(150);

    // What the dead process left: conversations past the watermark that it had started (in part or in full).
    let startedPastWatermark = 0;
    for (let p = afterFirst.watermark; p < 150; p++) {
      if (afterFirst.settled.includes(p)) continue;
      const listed = await client.messages.list(requestIdOf(server.project.id, source[p]!, p, 'crash')).catch(() => undefined);
      if (listed && listed.length > 0) startedPastWatermark++;
    }
    expect(startedPastWatermark).toBeGreaterThan(0);

    const second = await runAndKill(file, checkpointPath, afterFirst.watermark + 40);
    expect(second.exited).toBe(false);
    const afterSecond = (await fileCheckpoint(checkpointPath).load())!;
    expect(afterSecond.watermark).toBeGreaterThan(afterFirst.watermark);
    server.faults.clear();

    const report = await importConversations(client, readConversations(file), {
      checkpoint: fileCheckpoint(checkpointPath), namespace: 'crash', concurrency: 6, maxChunkMessages: 5, settleDelayMs: 5,
    });
    expect(report.failures).toEqual([]);
    expect(report.conversations.resumed).toBeGreaterThanOrEqual(afterSecond.watermark);
    expect(report.conversations.total).toBe(150);
    expect(report.messages.imported + report.messages.skipped + report.messages.resumed).toBe(total);
    const finalState = (await fileCheckpoint(checkpointPath).load())!;
    expect(finalState).toMatchObject({ finished: true, watermark: 150, settled: [] });
    expect(finalState.totals.conversations).toBe(150);

    const check = await verifyImported(client, server.project.id, source, { namespace: 'crash' });
    console.log(JSON.stringify({ scenario: 'crash-resume', ...check, killedAt: [afterFirst.watermark, afterSecond.watermark], startedPastWatermark }));
    expect(check).toEqual({ conversations: 150, messages: total, duplicates: 0, orderViolations: 0, missing: 0 });

    // Once finished, running it again touches nothing.
    const again = await importConversations(client, readConversations(file), { checkpoint: fileCheckpoint(checkpointPath), namespace: 'crash' });
    expect(again.conversations.resumed).toBe(150);
    expect(again.messages.imported).toBe(0);
  });
});
