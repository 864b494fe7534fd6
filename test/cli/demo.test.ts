import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TiledeskClient } from '../../src/index.js';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { printSummary } from '../../src/cli/commands/demo.js';
import { createStyle } from '../../src/cli/io.js';
import { emptyImportReport } from '../../src/import/importer.js';
import { bundleCli, Capture, exitWhileTokensRefused, root, runCli, serverEnv, spawnNode, startCli, within } from './helpers.js';

/**
 * Each demo runs as a child process, its end awaited by `within(…, 30_000)`: those are the hang guards. The tests'
 * own timeout is above them (vitest's 20 s ended the first test, which took 8 s at load 12, before its guard could say
 * what it was waiting for).
 */
const DEMO = { timeout: 60_000 };

describe('tiledesk-sdk demo on the embedded server', DEMO, () => {
  it('imports the sample, shows visitors chatting with a rich-message bot and a conversation closing, then ends by itself', async () => {
    const { code, stdout, stderr } = await within(runCli(['demo', '--duration', '4']), 30_000, 'the demo to end');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // 1. The local server and the import.
    expect(stdout).toMatch(/Server {3}http:\/\/127\.0\.0\.1:\d+ \(local, in memory/);
    expect(stdout).toContain('examples/data/sample-conversations.ndjson: 36 conversations, 190 messages');
    expect(stdout).toContain('imported: 100%, 36/36 conversations, 190/190 messages');
    expect(stdout).toMatch(/Imported {5}36 conversations, 190 messages \(importConversations/);
    expect(stdout).toContain('Conversations  36: 36 created');
    // 2. The live view: the imported conversations, then the visitors and the bot's rich messages.
    expect(stdout).toContain('open conversations');
    expect(stdout).toMatch(/\+ new conversation support-group-\w+-\w+ from Ada Lovelace: "Hi! Do you have a plan for small teams\?"/);
    expect(stdout).toMatch(/Demo bot: ↳ Hi Ada 👋 I'm the demo bot\./);
    expect(stdout).toContain('What would you like to know? [Pricing] [Features] [Talk to a human]');
    expect(stdout).toContain('Demo bot: ▤ gallery of 2');
    expect(stdout).toContain('Demo bot: 🖼 image 600×400 https://example.com/images/widget-preview.png');
    expect(stdout).toContain('[Track order A-1042 ↗ https://example.com/track/A-1042] [Talk to a human ⚡]');
    expect(stdout).toMatch(/- closed support-group-\w+-\w+ \(Ada Lovelace\)/);
    // 3. The summary.
    expect(stdout).toContain('Demo finished');
    expect(stdout).toMatch(/Live {9}3 visitors sent 8 messages, the bot answered with 8 messages made by the builders/);
    expect(stdout).toMatch(/Watched {6}3 new conversations, 2 closed, \d+ messages \(/);
    expect(stdout).toContain('The local server is stopped');
    // The server is gone with the demo: the command that keeps one running is where to go next.
    expect(stdout).toContain('Next: tiledesk-sdk server (a local server that keeps running)');
  });

  it('rejects a bad duration and a missing dataset with the flag to fix', async () => {
    const duration = await runCli(['demo', '--duration', 'soon']);
    expect(duration.code).toBe(2);
    expect(duration.stderr).toContain('Invalid --duration soon');
    const emptyPort = await within(runCli(['demo', '--duration', '0.5', '--port', '']), 30_000, 'the demo to end');
    expect([emptyPort.code, emptyPort.stderr]).toEqual([2, expect.stringContaining('Invalid --port : expected an integer')]);
    const data = await runCli(['demo', '--data', 'missing.ndjson']);
    expect(data.code).toBe(2);
    // The user's own file, not "the sample dataset": named with the flag that gave it.
    expect(data.stderr).toBe(`Error: File not found: ${join(root, 'missing.ndjson')} (--data): expected a JSON or NDJSON file of { "request", "messages" } objects.\n`);
  });

  it('a port in use is a usage error naming the flag, as for tiledesk-sdk server (exit 2)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const busy = await runCli(['demo', '--port', String(port), '--duration', '1']);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toBe(`Error: Port ${port} is already in use: pass --port <a free port>, or leave --port out for any free one\n`);
      expect(busy.stdout).toBe('');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('counts one imported conversation and one message in the singular in its summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiledesk-cli-demo-one-'));
    try {
      const file = join(dir, 'one.ndjson');
      writeFileSync(file, `${JSON.stringify({ request: { id: 'one-1', subject: 'One' }, messages: [{ id: 'one-1-1', text: 'Hello', sender: 'v1', senderFullname: 'Val' }] })}\n`);
      const { code, stdout } = await within(runCli(['demo', '--duration', '0.5', '--data', file]), 30_000, 'the demo to end');
      expect(code).toBe(0);
      expect(stdout).toMatch(/^ {2}Imported {5}1 conversation, 1 message \(/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the demo summary', () => {
  it('counts one of everything in the singular', () => {
    const report = emptyImportReport();
    Object.assign(report.conversations, { total: 3, created: 1, alreadyComplete: 1, failed: 1 });
    Object.assign(report.messages, { total: 3, imported: 1 });
    const stdout = new Capture();
    const io = { stdout, stderr: new Capture(), env: {}, signal: new AbortController().signal, cwd: root };
    printSummary(io, createStyle(false), {
      report,
      script: { visitors: 1, visitorMessages: 1, botMessages: 1, openRequestIds: [] },
      view: { stats: { openAtStart: 0, newConversations: 1, closedConversations: 1, messages: 1 } },
      local: true,
      elapsedMs: 1_000,
      dataFile: 'one.ndjson',
    });
    expect(stdout.text).toContain('  Imported     1 conversation, 1 message; 1 conversation was already there; 1 conversation failed (');
    expect(stdout.text).toContain('  Live         1 visitor sent 1 message, the bot answered with 1 message made by the builders');
    expect(stdout.text).toContain('  Watched      1 new conversation, 1 closed, 1 message (RealtimeClient + LiveRequests)');
  });
});

describe('tiledesk-sdk demo --data', DEMO, () => {
  const sampleLines = readFileSync(join(root, 'examples/data/sample-conversations.ndjson'), 'utf8').trim().split('\n');

  it('a file that is one object wrapping the conversations gets the hint import gives, naming the key and a jq command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiledesk-cli-demo-wrapped-'));
    try {
      const wrapped = { conversations: sampleLines.slice(0, 5).map((l) => JSON.parse(l) as unknown), exported_at: '2024-05-01' };
      writeFileSync(join(dir, 'wrapped.json'), JSON.stringify(wrapped, null, 2));
      const { code, stdout, stderr } = await within(runCli(['demo', '--duration', '0.5', '--data', 'wrapped.json'], { cwd: dir }), 30_000, 'the demo to end');
      // The one "conversation" read failed: exit code 1, as import's.
      expect(code).toBe(1);
      expect(stdout).toContain('conversation 1: invalid_argument — messages: must be an array');
      expect(stderr).toBe(
        'Hint: wrapped.json holds a single JSON object, not a list of conversations: its "conversations" key holds an array of 5 objects. ' +
          "The import expects a JSON array of conversations, or NDJSON (one per line): e.g. jq -c '.conversations[]' wrapped.json > wrapped.ndjson.\n" +
          'Import failures: 1 conversation of wrapped.json failed (listed in the report). The demo goes on with its live part, and exits with 1 at the end, as import does.\n',
      );
      // The sample itself gets none.
      expect(stdout).toContain('Demo finished');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('failed conversations are said, the live part still runs, and the exit code is 1, as import\'s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiledesk-cli-demo-failed-'));
    try {
      // The second and third conversations have a text message without text: refused, the others imported.
      const bad = (id: string) => JSON.stringify({ request: { id, subject: 'Bad' }, messages: [{ id: `${id}-1`, text: 'Hi', sender: 'v1' }, { id: `${id}-2`, text: '', sender: 'v1' }] });
      writeFileSync(join(dir, 'partial.ndjson'), `${sampleLines[0]}\n${bad('bad-1')}\n${bad('bad-2')}\n${sampleLines[1]}\n`);
      const { code, stdout, stderr } = await within(runCli(['demo', '--duration', '0.5', '--data', 'partial.ndjson'], { cwd: dir }), 30_000, 'the demo to end');
      expect(stdout).toContain('Import finished with failures');
      expect(stdout).toContain('conversation 2 message 2 (text): invalid_argument');
      expect(stderr).toBe('Import failures: 2 conversations of partial.ndjson failed (listed in the report). The demo goes on with its live part, and exits with 1 at the end, as import does.\n');
      expect(stdout).toContain('Demo finished');
      expect(stdout).toMatch(/^ {2}Imported {5}2 conversations, \d+ messages; 2 conversations failed \(/m);
      expect(code).toBe(1);

      // One failed conversation, in the singular.
      writeFileSync(join(dir, 'one-bad.ndjson'), `${bad('bad-1')}\n`);
      const one = await within(runCli(['demo', '--duration', '0.5', '--data', 'one-bad.ndjson'], { cwd: dir }), 30_000, 'the demo to end');
      expect(one.stderr).toBe('Import failures: 1 conversation of one-bad.ndjson failed (listed in the report). The demo goes on with its live part, and exits with 1 at the end, as import does.\n');
      expect(one.stdout).toMatch(/^ {2}Imported {5}0 conversations, 0 messages; 1 conversation failed \(/m);
      expect(one.code).toBe(1);

      // However the demo ends: Ctrl-C during the live part too (its usual exit code 0).
      const interrupted = startCli(['demo', '--duration', '600', '--data', 'one-bad.ndjson'], { cwd: dir });
      await interrupted.stdout.waitFor('watching project', 20_000);
      interrupted.interrupt();
      expect(await within(interrupted.code, 20_000, 'the interrupted demo to end')).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a pipe (<(zcat export.ndjson.gz), a named pipe) is read once, not counted first; a directory is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiledesk-cli-demo-pipe-'));
    try {
      const fifo = join(dir, 'export.fifo');
      execFileSync('mkfifo', [fifo]);
      // The writer side, as zcat would be: it blocks until the demo opens the pipe to read.
      const writer = createWriteStream(fifo);
      writer.end(`${sampleLines.slice(0, 3).join('\n')}\n`);
      const { code, stdout, stderr } = await within(runCli(['demo', '--duration', '0.5', '--data', fifo]), 30_000, 'the demo to end');
      // Had the demo not opened the pipe, the writer would wait for a reader forever: be that reader.
      if (!writer.closed) createReadStream(fifo).resume();
      await new Promise<void>((resolve) => (writer.closed ? resolve() : writer.on('close', () => resolve())));
      expect([code, stderr]).toEqual([0, '']);
      expect(stdout).toContain('Conversations  3: 3 created');
      expect(stdout).toMatch(/Imported {5}3 conversations, /);

      const directory = await runCli(['demo', '--duration', '0.5', '--data', dir]);
      expect([directory.code, directory.stdout, directory.stderr]).toEqual([2, '', `Error: Not a file: ${dir}\n`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file or a pipe that is not valid JSON/NDJSON is said as import says it, with the line and column (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiledesk-cli-demo-syntax-'));
    try {
      const bad = `${sampleLines[0]}\nnot json\n`;
      writeFileSync(join(dir, 'bad.ndjson'), bad);
      const file = await within(runCli(['demo', '--duration', '0.5', '--data', 'bad.ndjson'], { cwd: dir }), 30_000, 'the demo to end');
      expect([file.code, file.stderr]).toEqual([1, `Error: The file is not valid JSON/NDJSON: ${join(dir, 'bad.ndjson')}:2:1: unexpected 'n' (conversation 2)\n`]);

      // A pipe is not counted first: the import itself meets the bad line.
      const fifo = join(dir, 'export.fifo');
      execFileSync('mkfifo', [fifo]);
      const writer = createWriteStream(fifo);
      writer.end(bad);
      const pipe = await within(runCli(['demo', '--duration', '0.5', '--data', fifo]), 30_000, 'the demo to end');
      if (!writer.closed) createReadStream(fifo).resume();
      await new Promise<void>((resolve) => (writer.closed ? resolve() : writer.on('close', () => resolve())));
      expect([pipe.code, pipe.stderr]).toEqual([1, `Error: The file is not valid JSON/NDJSON: ${fifo}:2:1: unexpected 'n' (conversation 2)\n`]);
      expect(pipe.stdout).not.toContain('Demo finished');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tiledesk-sdk demo interrupted', DEMO, () => {
  it('Ctrl-C during the import says so instead of ending silently on a progress line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiledesk-cli-demo-'));
    try {
      // Large enough that the import is still running when Ctrl-C comes.
      const data = join(dir, 'big.ndjson');
      const line = (i: number) => JSON.stringify({ request: { first_text: `hi ${i}` }, messages: Array.from({ length: 10 }, (_, j) => ({ text: `m${j}`, sender: `u${i}` })) });
      writeFileSync(data, `${Array.from({ length: 3000 }, (_, i) => line(i)).join('\n')}\n`);
      const run = startCli(['demo', '--data', data]);
      await run.stdout.waitFor('progress:', 20_000);
      run.interrupt();
      expect(await within(run.code, 20_000, 'the interrupted demo to end')).toBe(0);
      expect(run.stderr.text).toBe('Interrupted during the import: the demo stopped before its live part. The local server is stopped; nothing was kept.\n');
      expect(run.stdout.text).toMatch(/^stopped: \d+%/m);
      expect(run.stdout.text).not.toContain('Demo finished');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tiledesk-sdk demo against a server given by TILEDESK_*', DEMO, () => {
  let server: TiledeskTestServer;
  beforeAll(async () => {
    server = await startTiledeskServer();
  });
  afterAll(() => server.close());

  it('uses that server, imports once, and leaves no demo conversation open', async () => {
    const env = { ...serverEnv(server), TILEDESK_TOKEN: undefined, TILEDESK_EMAIL: server.owner.email, TILEDESK_PASSWORD: server.owner.password };
    const first = await within(runCli(['demo', '--duration', '2'], { env }), 30_000, 'the demo to end');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Server   ${server.url} (from your TILEDESK_* settings)`);
    expect(first.stdout).toContain(`signed in as ${server.owner.email}`);
    expect(first.stdout).toContain('36 created');
    expect(first.stdout + first.stderr).not.toContain(server.owner.password);

    const again = await within(runCli(['demo', '--duration', '1'], { env }), 30_000, 'the second demo to end');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('36 already complete');
    // The summary says what this run sent: nothing, the dataset being there already.
    expect(again.stdout).toMatch(/Imported {5}0 conversations, 0 messages; 36 conversations were already there/);

    const client = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token } });
    try {
      const open = await client.requests.list({ limit: 100 }).toArray();
      // Only the imported history stays open; every conversation the visitors opened was closed.
      expect(open.every((r) => (r.attributes as { source?: string } | undefined)?.source === 'helpdesk-export')).toBe(true);
    } finally {
      await client.close();
    }
    expect(server.stats()).toMatchObject({ wsConnections: 0, subscriptions: 0 });
  });

  it('a project the server does not know or a refused token is named with the setting to check, before anything is imported', async () => {
    const unknown = await within(runCli(['demo', '--duration', '1'], { env: { ...serverEnv(server), TILEDESK_PROJECT_ID: '000000000000000000000000' } }), 30_000, 'the demo to end');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('The server has no active project 000000000000000000000000');
    expect(unknown.stderr).toContain('Check TILEDESK_PROJECT_ID / --project.');
    expect(unknown.stdout).toBe('');
    const refused = await within(runCli(['demo', '--duration', '1'], { env: { ...serverEnv(server), TILEDESK_TOKEN: 'JWT not-a-token' } }), 30_000, 'the demo to end');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error: The server refused the token \(401 .*\): check TILEDESK_TOKEN \/ --token /);
    expect(refused.stdout).toBe('');
  });

  it('with a token it says so, not "signed in as your token"', async () => {
    const run = await within(runCli(['demo', '--duration', '0.5'], { env: serverEnv(server) }), 30_000, 'the demo to end');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Project  ${server.project.id} · with your token\n`);
  });
});

describe('tiledesk-sdk demo when the realtime connection fails for good', DEMO, () => {
  it('a token refused on a reconnect ends it with exit code 1 and says so, as tail does, instead of running out --duration', async () => {
    const server = await startTiledeskServer({ heartbeatIntervalMs: 1000 });
    const run = startCli(['demo', '--duration', '600'], { env: serverEnv(server) });
    try {
      await run.stdout.waitFor('watching project', 30_000);
      expect(await exitWhileTokensRefused(server, run, 'the demo to end')).toBe(1);
      expect(run.stderr.text).toContain('Realtime connection failed');
      expect(run.stderr.text).toContain('the token was refused');
      expect(run.stdout.text).not.toContain('Demo finished');
      expect(run.stdout.text + run.stderr.text).not.toContain(server.owner.token.slice(4));
    } finally {
      run.interrupt();
      await within(run.code, 10_000, 'the demo to stop');
      await server.close();
    }
  }, 60_000);
});

describe('tiledesk-sdk demo as a process', DEMO, () => {
  let cli: Awaited<ReturnType<typeof bundleCli>>;
  beforeAll(async () => {
    cli = await bundleCli();
  });
  afterAll(() => cli.dispose());

  it('--duration ends it with exit code 0 and nothing left running (the process exits by itself)', async () => {
    const child = spawnNode([cli.script, 'demo', '--duration', '2'], {});
    try {
      expect(await within(child.exited, 30_000, 'the demo process to exit')).toBe(0);
      expect(child.stdout.text).toContain('Demo finished');
      expect(child.stderr.text).toBe('');
    } finally {
      child.process.kill('SIGKILL');
    }
  });

  it('Ctrl-C ends it early, cleanly, with exit code 0', async () => {
    const child = spawnNode([cli.script, 'demo', '--duration', '120'], {});
    try {
      await child.stdout.waitFor('+ new conversation', 20_000);
      child.process.kill('SIGINT');
      expect(await within(child.exited, 10_000, 'the demo process to exit')).toBe(0);
      expect(child.stdout.text).toContain('Demo finished');
      expect(child.stdout.text).toContain('The local server is stopped');
    } finally {
      child.process.kill('SIGKILL');
    }
  });
});
