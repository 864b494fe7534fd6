import { execFileSync, spawnSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { createReadStream, createWriteStream, existsSync, linkSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TiledeskClient } from '../../src/index.js';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { formatFailure, formatReport } from '../../src/cli/progress.js';
import { createStyle } from '../../src/cli/io.js';
import { emptyImportReport } from '../../src/import/importer.js';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { Capture, root, runCli, serverEnv, startCli, within } from './helpers.js';

const sample = join(root, 'examples/data/sample-conversations.ndjson');
const sampleLines = readFileSync(sample, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { request: { id: string }; messages: { id: string; text?: string }[] });
const sampleMessages = sampleLines.reduce((n, c) => n + c.messages.length, 0);
const dir = mkdtempSync(join(tmpdir(), 'tiledesk-cli-import-'));

let server: TiledeskTestServer;
let client: TiledeskClient;

beforeEach(async () => {
  server = await startTiledeskServer();
  client = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token } });
});
afterEach(async () => {
  await client.close();
  await server.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function allRequests() {
  return client.requests.list({ status: 'all', limit: 100 }).toArray();
}

describe('tiledesk-sdk import', () => {
  it('imports the file, shows progress and the report, and every message lands once, in order', async () => {
    const { code, stdout, stderr } = await runCli(['import', sample], { env: serverEnv(server) });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`${sampleLines.length} conversations, ${sampleMessages} messages`);
    expect(stdout).toMatch(new RegExp(`imported: 100%, ${sampleLines.length}/${sampleLines.length} conversations, ${sampleMessages}/${sampleMessages} messages`));
    expect(stdout).toContain('Import finished in');
    expect(stdout).toContain(`${sampleLines.length}: ${sampleLines.length} created`);
    expect(stdout).toContain(`${sampleMessages}: ${sampleMessages} imported, 0 skipped (already present)`);

    const requests = await allRequests();
    expect(requests).toHaveLength(sampleLines.length);
    const first = requests.find((r) => r.subject === 'Where is my order?' && r.first_text?.includes('tent'));
    expect(first).toBeDefined();
    const source = sampleLines.find((c) => c.messages[0]!.text === first!.first_text)!;
    const history = await client.messages.list(first!.request_id, { order: 'clienttimestamp' });
    expect(history.map((m) => m.text)).toEqual(source.messages.map((m) => m.text));
  });

  it('running it again imports nothing twice: every conversation is found complete', async () => {
    expect((await runCli(['import', sample], { env: serverEnv(server) })).code).toBe(0);
    const again = await runCli(['import', sample, '--no-count'], { env: serverEnv(server) });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${sampleLines.length}: 0 created, 0 continued, ${sampleLines.length} already complete`);
    expect(again.stdout).toContain(`0 imported, ${sampleMessages} skipped (already present)`);
    expect(await allRequests()).toHaveLength(sampleLines.length);
    // Its rate counts what was sent, which is nothing: not the skipped messages ("282 msg/s"), and its last line
    // says done, as its summary does.
    expect(again.stdout).toMatch(new RegExp(`^done: 100%, ${sampleLines.length} conversations, ${sampleMessages} messages, none imported, 0 retries$`, 'm'));
    expect(again.stdout).toMatch(/^Import finished in [\d.]+m?s \(none imported\)$/m);
    expect(again.stdout).not.toMatch(/^(progress|done|imported): .*[1-9][\d,]* msg\/s/m);
    expect(again.stdout).not.toMatch(/[1-9][\d,]* messages\/s/);
  });

  it('signs in with TILEDESK_EMAIL and TILEDESK_PASSWORD', async () => {
    const { code, stdout } = await runCli(['import', sample, '--concurrency', '2', '--order', 'strict'], {
      env: { TILEDESK_URL: server.url, TILEDESK_PROJECT_ID: server.project.id, TILEDESK_EMAIL: server.agent.email, TILEDESK_PASSWORD: server.agent.password },
    });
    expect(code).toBe(0);
    expect(stdout).toContain(`${sampleLines.length} created`);
  });

  it('--checkpoint keeps progress: a second run skips what the first one settled without asking the server', async () => {
    const checkpoint = join(dir, 'sample.checkpoint.json');
    expect((await runCli(['import', sample, '--checkpoint', checkpoint], { env: serverEnv(server) })).code).toBe(0);
    expect(existsSync(checkpoint)).toBe(true);
    expect(existsSync(`${checkpoint}.lock`)).toBe(false);
    const again = await runCli(['import', sample, '--checkpoint', checkpoint], { env: serverEnv(server) });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${sampleLines.length} done in an earlier run (checkpoint)`);
    // Done from the checkpoint: the last line does not claim it imported anything, at "0 msg/s".
    const n = sampleLines.length;
    expect(again.stdout).toMatch(new RegExp(`^done: 100%, ${n}/${n} conversations, ${sampleMessages}/${sampleMessages} messages, none imported, 0 retries$`, 'm'));
    expect(again.stdout).not.toMatch(/^imported:/m);
    expect(again.stdout).toContain('(none imported)');
    expect(existsSync(`${checkpoint}.lock`)).toBe(false);
  });

  it('a checkpoint of another project is refused with what to do', async () => {
    const checkpoint = join(dir, 'other.checkpoint.json');
    writeFileSync(checkpoint, JSON.stringify({ version: 1, projectId: 'another', namespace: 'import', watermark: 0, settled: [], finished: false,
      totals: { conversations: 0, conversationsFailed: 0, messagesImported: 0, messagesSkipped: 0, messagesFailed: 0 } }));
    const { code, stderr } = await runCli(['import', sample, '--checkpoint', checkpoint], { env: serverEnv(server) });
    expect(code).toBe(2);
    expect(stderr).toContain('another import');
    expect(stderr).toContain('delete');
    // The library's advice (ImportCheckpointError.remedy), said once, naming the file.
    expect(stderr).toContain(`. Use another checkpoint for this import, or delete ${checkpoint} to start over: nothing is imported twice without it`);
    expect(stderr.split('to start over').length).toBe(2);
  });

  it('reads a pipe (<(zcat export.ndjson.gz), a named pipe) once, without counting it first', async () => {
    const fifo = join(dir, 'export.fifo');
    execFileSync('mkfifo', [fifo]);
    // The writer side of the pipe, as zcat would be: it blocks until the import opens the pipe to read.
    const writer = createWriteStream(fifo);
    writer.end(readFileSync(sample));
    const { code, stdout, stderr } = await runCli(['import', fifo], { env: serverEnv(server) });
    // Had the import not opened the pipe, the writer would wait for a reader forever: be that reader.
    if (!writer.closed) createReadStream(fifo).resume();
    await new Promise<void>((resolve) => (writer.closed ? resolve() : writer.on('close', () => resolve())));
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).not.toContain(`${fifo}: `); // the count line ("<file>: N conversations, M messages"): a pipe is read once
    expect(stdout).toContain(`${sampleLines.length}: ${sampleLines.length} created`);
    expect(await allRequests()).toHaveLength(sampleLines.length);
  });

  it('a checkpoint another import is using is refused, saying to wait for it, not to delete the checkpoint', async () => {
    const checkpoint = join(dir, 'busy.checkpoint.json');
    // Another live process holds it, as a second terminal's import would (not this one: the CLI runs in this process,
    // and a lock naming its own process that it does not hold is a restarted container's, taken over).
    writeFileSync(`${checkpoint}.lock`, `${JSON.stringify({ pid: process.ppid, host: hostname() })}\n`);
    const { code, stderr } = await runCli(['import', sample, '--checkpoint', checkpoint], { env: serverEnv(server) });
    expect(code).toBe(2);
    expect(stderr).toContain(`is in use by another import (process ${process.ppid}`);
    expect(stderr).toContain(`If no import is running, delete ${checkpoint}.lock`);
    expect(stderr).not.toContain('to start over');
    expect(existsSync(checkpoint)).toBe(false);
  });

  it('a checkpoint another import is using is refused before the file is counted (minutes for a large one)', async () => {
    const checkpoint = join(dir, 'busy-early.checkpoint.json');
    const lock = `${checkpoint}.lock`;
    const held = `${JSON.stringify({ pid: process.ppid, host: hostname() })}\n`; // another live process
    writeFileSync(lock, held);
    const { code, stdout, stderr } = await runCli(['import', sample, '--checkpoint', checkpoint], { env: serverEnv(server) });
    expect(code).toBe(2);
    expect(stderr).toContain(`is in use by another import (process ${process.ppid}`);
    expect(stderr).toContain(`If no import is running, delete ${lock}.`);
    // Nothing read: not even the count line ("…: 36 conversations, 190 messages").
    expect(stdout).toBe('');
    expect(readFileSync(lock, 'utf8')).toBe(held); // still the other run's
    rmSync(lock);

    // The lock of a process that is gone (killed, power lost) is still taken over, and given back at the end.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(lock, `${JSON.stringify({ pid: gone, host: hostname() })}\n`);
    const resumed = await runCli(['import', sample, '--checkpoint', checkpoint], { env: serverEnv(server) });
    expect([resumed.code, resumed.stderr]).toEqual([0, '']);
    expect(existsSync(lock)).toBe(false);
    expect(await allRequests()).toHaveLength(sampleLines.length);

    // A lock file that cannot be created (its name one character too long here) is named, before anything is read.
    const long = join(dir, `${'c'.repeat(250)}.json`);
    const unlockable = await runCli(['import', sample, '--checkpoint', long], { env: serverEnv(server) });
    expect([unlockable.code, unlockable.stdout]).toEqual([2, '']);
    expect(unlockable.stderr).toBe(`Error: --checkpoint ${long}: cannot create its lock file ${long}.lock (ENAMETOOLONG)\n`);
  });

  it('a file that is one object wrapping the conversations gets a hint naming the key that holds them', async () => {
    const wrapped = { conversations: sampleLines.slice(0, 12), exported_at: '2024-05-01' };
    writeFileSync(join(dir, 'wrapped.json'), JSON.stringify(wrapped, null, 2));
    const { code, stdout, stderr } = await runCli(['import', 'wrapped.json'], { env: serverEnv(server), cwd: dir });
    expect(code).toBe(1);
    expect(stdout).toContain('conversation 1: invalid_argument — messages: must be an array');
    expect(stderr).toBe(
      'Hint: wrapped.json holds a single JSON object, not a list of conversations: its "conversations" key holds an array of 12 objects. ' +
        "The import expects a JSON array of conversations, or NDJSON (one per line): e.g. jq -c '.conversations[]' wrapped.json > wrapped.ndjson.\n",
    );
    // An envelope under another key, not counted first; in an array of one; and piped in (no file for jq to read).
    const envelope = { version: 2, meta: { source: 'helpdesk' }, 'the data': sampleLines.slice(0, 3) };
    writeFileSync(join(dir, 'envelope.ndjson'), `${JSON.stringify(envelope)}\n`);
    const other = await runCli(['import', 'envelope.ndjson', '--no-count'], { env: serverEnv(server), cwd: dir });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`its "the data" key holds an array of 3 objects`);
    expect(other.stderr).toContain(`jq -c '.["the data"][]' envelope.ndjson > envelope.conversations.ndjson.`);
    writeFileSync(join(dir, 'in-array.json'), JSON.stringify([{ data: sampleLines.slice(0, 1) }]));
    const inArray = await runCli(['import', 'in-array.json'], { env: serverEnv(server), cwd: dir });
    expect(inArray.stderr).toContain(`its "data" key holds an array of 1 object. The import expects a JSON array of conversations, or NDJSON (one per line): e.g. jq -c '.[0].data[]' in-array.json > in-array.ndjson.`);
    const piped = new Capture();
    const stdin = Object.assign(Readable.from([JSON.stringify({ data: sampleLines.slice(0, 2) })]), { isTTY: false });
    const pipeCode = await main(['import', '-'], { stdout: new Capture(), stderr: piped, env: { NO_COLOR: '1', ...serverEnv(server) }, signal: new AbortController().signal, cwd: root, packageRoot: root, stdin });
    expect(pipeCode).toBe(1);
    expect(piped.text).toBe('Hint: The input holds a single JSON object, not a list of conversations: its "data" key holds an array of 2 objects. The import expects a JSON array of conversations, or NDJSON (one per line).\n');
    expect(await allRequests()).toHaveLength(0);
  });

  it('no wrapper hint for a conversation missing its messages, or when the file holds more than one object', async () => {
    writeFileSync(join(dir, 'no-messages.ndjson'), `${JSON.stringify({ request: { id: 'x' }, notes: [{ text: 'a' }] })}\n`);
    const one = await runCli(['import', 'no-messages.ndjson'], { env: serverEnv(server), cwd: dir });
    expect(one.code).toBe(1);
    expect(one.stdout).toContain('messages: must be an array');
    expect(one.stderr).toBe(''); // it has a request: a conversation, whatever its other keys hold
    writeFileSync(join(dir, 'no-messages-2.ndjson'), `${JSON.stringify({ request: { id: 'x' } })}\n${JSON.stringify({ conversations: [{ a: 1 }] })}\n`);
    const two = await runCli(['import', 'no-messages-2.ndjson'], { env: serverEnv(server), cwd: dir });
    expect(two.code).toBe(1);
    expect(two.stderr).toBe('');
    writeFileSync(join(dir, 'plain-bad.ndjson'), `${JSON.stringify({ request: { id: 'y' }, tags: ['a'] })}\n`);
    const plain = await runCli(['import', 'plain-bad.ndjson'], { env: serverEnv(server), cwd: dir });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe('');
  });

  it('failed conversations are listed with the reason, the others imported, and the exit code is 1', async () => {
    const file = join(dir, 'with-bad.ndjson');
    const bad = { request: { id: 'bad-1' }, messages: [{ text: 'fine' }, { text: '   ' }] };
    writeFileSync(file, [sampleLines[0], bad, sampleLines[1]].map((c) => JSON.stringify(c)).join('\n'));
    const { code, stdout } = await runCli(['import', file], { env: serverEnv(server) });
    expect(code).toBe(1);
    expect(stdout).toContain('Import finished with failures');
    expect(stdout).toContain('2 created');
    expect(stdout).toContain('1 failed');
    expect(stdout).toMatch(/Failed conversations:\n {2}conversation 2( \([^)]+\))? message 2 \(text\): invalid_argument — .*is required/);
    expect((await allRequests()).map((r) => r.first_text).sort()).toEqual([sampleLines[0]!.messages[0]!.text, sampleLines[1]!.messages[0]!.text].sort());
  });

  it('a run resumed from a checkpoint still reports the conversations that failed in an earlier run, and exits 1', async () => {
    const file = join(dir, 'bad-then-resumed.ndjson');
    const bad = { request: { id: 'bad-2' }, messages: [{ text: '   ' }] };
    writeFileSync(file, [sampleLines[0], bad].map((c) => JSON.stringify(c)).join('\n'));
    const checkpoint = join(dir, 'bad-then-resumed.checkpoint.json');
    expect((await runCli(['import', file, '--checkpoint', checkpoint], { env: serverEnv(server) })).code).toBe(1);
    // The same command again (as after a crash): the checkpoint skips the failed conversation, which is still not imported.
    const again = await runCli(['import', file, '--checkpoint', checkpoint], { env: serverEnv(server) });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('Import finished with failures');
    expect(again.stdout).toContain('2 done in an earlier run (checkpoint, 1 of them failed)');
    expect(again.stderr).toContain('1 conversation failed in an earlier run');
    expect(again.stderr).toContain('run without --checkpoint to retry');
  });

  it('a file that is not JSON is reported with its line and column before anything is sent', async () => {
    const file = join(dir, 'broken.ndjson');
    writeFileSync(file, `${JSON.stringify(sampleLines[0])}\n{"request": {}, "messages": [ }\n`);
    const { code, stderr } = await runCli(['import', file], { env: serverEnv(server) });
    expect(code).toBe(1);
    expect(stderr).toMatch(/not valid JSON\/NDJSON: .*broken\.ndjson:\d+:\d+: .*line 2/);
    expect(await allRequests()).toHaveLength(0);
  });

  it('a conversation nested ~10,000 levels deep is reported with its line and column, not as a stack overflow', async () => {
    const file = join(dir, 'deep.ndjson');
    const depth = 9_990;
    writeFileSync(file, `${JSON.stringify(sampleLines[0])}\n{"request":{},"messages":${'['.repeat(depth)}x${']'.repeat(depth)}}\n`);
    // Counted first (the default), then without the count: the error comes from the import's own read.
    for (const argv of [['import', file], ['import', file, '--no-count']]) {
      const { code, stderr } = await runCli(argv, { env: { ...serverEnv(server), TILEDESK_DEBUG: '1' } });
      expect(code).toBe(1);
      expect(stderr).toMatch(/deep\.ndjson:2:1025: nested deeper than 1000 levels of arrays and objects \(conversation 2\)/);
      expect(stderr).not.toContain('RangeError');
      expect(stderr).not.toContain('call stack');
    }
  });

  it('a missing file or argument is a usage error', async () => {
    const missing = await runCli(['import', 'nope.ndjson'], { env: serverEnv(server) });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`File not found: ${join(root, 'nope.ndjson')}`);
    const none = await runCli(['import'], { env: serverEnv(server) });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Missing argument: the file to import');
    // Pointing to the help as the other usage errors do.
    expect(none.stderr).toBe('Error: Missing argument: the file to import (tiledesk-sdk import <file>; tiledesk-sdk import --help)\n');
    const badConcurrency = await runCli(['import', sample, '--concurrency', '0'], { env: serverEnv(server) });
    expect(badConcurrency.stderr).toContain('Invalid --concurrency 0');
  });

  it('a blank --namespace or an unusable --checkpoint is a usage error before anything is sent', async () => {
    const blank = await runCli(['import', sample, '--namespace', '  '], { env: serverEnv(server) });
    expect([blank.code, blank.stderr]).toEqual([2, expect.stringContaining('Invalid --namespace')]);
    const directory = await runCli(['import', sample, '--checkpoint', dir], { env: serverEnv(server) });
    expect([directory.code, directory.stderr]).toEqual([2, expect.stringContaining(`--checkpoint ${dir} is a directory`)]);
    const missingDir = await runCli(['import', sample, '--checkpoint', join(dir, 'no-such-dir', 'ck.json')], { env: serverEnv(server) });
    expect([missingDir.code, missingDir.stderr]).toEqual([2, expect.stringContaining(`the directory ${join(dir, 'no-such-dir')} does not exist`)]);
    // The advice of a refused checkpoint is to delete it: it must never be the user's data.
    const same = await runCli(['import', sample, '--checkpoint', sample], { env: serverEnv(server) });
    expect([same.code, same.stderr]).toEqual([2, expect.stringContaining('is the file being imported')]);
    expect(same.stderr).not.toContain('delete');
    // The same file under another name (a symbolic or a hard link) is the same data.
    const data = join(dir, 'data.ndjson');
    writeFileSync(data, readFileSync(sample));
    symlinkSync(data, join(dir, 'data-link.ndjson'));
    linkSync(data, join(dir, 'data-hardlink.ndjson'));
    for (const other of ['data-link.ndjson', 'data-hardlink.ndjson']) {
      const linked = await runCli(['import', data, '--checkpoint', join(dir, other)], { env: serverEnv(server) });
      expect([linked.code, linked.stderr], other).toEqual([2, expect.stringContaining('is the file being imported')]);
      expect(linked.stderr).not.toMatch(/delete/i);
    }
    expect(readFileSync(data, 'utf8')).toBe(readFileSync(sample, 'utf8'));
    expect(await allRequests()).toHaveLength(0);
  });

  it('counts one conversation and one message in the singular', async () => {
    const file = join(dir, 'one.ndjson');
    writeFileSync(file, `${JSON.stringify({ request: { first_text: 'hi' }, messages: [{ text: 'hi', sender: 'v1' }] })}\n`);
    const { code, stdout } = await runCli(['import', file], { env: serverEnv(server), cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toContain('one.ndjson: 1 conversation, 1 message\n');
  });

  it('an empty file imports nothing and says so', async () => {
    const empty = join(dir, 'empty.ndjson');
    writeFileSync(empty, '\n');
    const { code, stderr } = await runCli(['import', empty], { env: serverEnv(server) });
    expect(code).toBe(0);
    expect(stderr).toContain('Nothing was imported: ');
    expect(stderr).toContain('holds no conversations');
  });

  it('a project the server does not know is named before the file is read or anything sent', async () => {
    const { code, stdout, stderr } = await runCli(['import', sample], { env: { ...serverEnv(server), TILEDESK_PROJECT_ID: '000000000000000000000000' } });
    expect(code).toBe(1);
    expect(stderr).toBe(
      'Error: The server has no active project 000000000000000000000000 (Project not found with id: 000000000000000000000000). Check TILEDESK_PROJECT_ID / --project.\n',
    );
    expect(stdout).toBe('');
  });

  it('a refused token is named with the setting to check before the file is read, as a refused password is', async () => {
    const { code, stdout, stderr } = await runCli(['import', sample], { env: { ...serverEnv(server), TILEDESK_TOKEN: 'JWT not-a-token' } });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Error: The server refused the token \(401 .*\): check TILEDESK_TOKEN \/ --token \(an owner, admin or agent token of project /);
    expect(stdout).toBe('');
  });

  it('a URL with a path the server reads as a project id (…/v3 on a self-hosted server) is named as the setting to fix', async () => {
    for (const credentials of [{ TILEDESK_TOKEN: server.owner.token }, { TILEDESK_EMAIL: server.owner.email, TILEDESK_PASSWORD: server.owner.password }]) {
      const env = { TILEDESK_URL: `${server.url}/v3`, TILEDESK_PROJECT_ID: server.project.id, ...credentials };
      const { code, stdout, stderr } = await runCli(['import', sample], { env });
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`^Error: ${server.url}/v3 does not answer like the Tiledesk API \\(400 Invalid project id: v3 .*\\)\\. Check TILEDESK_URL / --url`));
      expect(stderr).not.toContain('TILEDESK_PROJECT_ID');
      expect(stdout).toBe('');
    }
  });

  it('a project that goes away during the import stops it at the first answer, with what to check, reported as stopped', async () => {
    const gone = server.faults.route({ method: 'POST', path: `/${server.project.id}/requests`, status: 400, body: { error: `Project not found with id: ${server.project.id}` } });
    const { code, stdout, stderr } = await runCli(['import', sample], { env: serverEnv(server) });
    gone.remove();
    expect(code).toBe(1);
    expect(stderr).toContain(`The server has no active project ${server.project.id}`);
    expect(stderr).toContain('TILEDESK_PROJECT_ID');
    expect(stdout).not.toContain('Import finished');
    expect(stdout).toContain('Import stopped');
  });

  it('the last progress line of a stopped run says stopped, not imported', async () => {
    const gone = server.faults.route({ method: 'POST', path: `/${server.project.id}/requests`, status: 400, body: { error: `Project not found with id: ${server.project.id}` } });
    const unknown = await runCli(['import', sample], { env: serverEnv(server) });
    gone.remove();
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/^stopped: 0%, 0\/36 conversations, 0\/190 messages, /m);
    expect(unknown.stdout).not.toMatch(/^imported:/m);
    const refused = server.faults.route({ method: 'POST', path: `/${server.project.id}/requests`, status: 401, body: 'Unauthorized' });
    const tty = await runCli(['import', sample], { env: serverEnv(server), tty: true });
    refused.remove();
    expect(tty.code).toBe(1);
    expect(tty.stdout).toMatch(/Stopped ·+|Stopped ░+/);
  });

  it('a pipe that is not JSON is reported like a file that is not, naming stdin, with no percentage claimed', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const stdin = Object.assign(Readable.from(['{"request": bad}\n']), { isTTY: false });
    const code = await main(['import', '-'], { stdout, stderr, env: { NO_COLOR: '1', ...serverEnv(server) }, signal: new AbortController().signal, cwd: root, packageRoot: root, stdin });
    expect(code).toBe(1);
    expect(stderr.text).toMatch(/^Error: The input is not valid JSON\/NDJSON: stdin:1:13: /);
    expect(stdout.text).toMatch(/^stopped: 0 conversations, 0 messages, /m);
  });

  it('on a terminal the progress bar is redrawn in place', async () => {
    const { code, stdout } = await runCli(['import', sample], { env: serverEnv(server), tty: true });
    expect(code).toBe(0);
    expect(stdout).toContain('\r\x1b[2K');
    expect(stdout).toMatch(/Importing █+ 100% 36\/36 conversations · 190\/190 messages · [\d,]+ msg\/s · in [\d.]+m?s · 0 retries/);
  });

  it('Ctrl-C stops the import, keeps the checkpoint, and the same command finishes it with nothing twice', async () => {
    const checkpoint = join(dir, 'interrupted.checkpoint.json');
    // Slow calls, so the interruption lands mid-import.
    const slow = server.faults.route({ path: /\/messages\/multi$/, latencyMs: 150 });
    const run = startCli(['import', sample, '--checkpoint', checkpoint, '--concurrency', '2'], { env: serverEnv(server) });
    await run.stdout.waitFor('progress:');
    run.interrupt();
    expect(await within(run.code, 10_000, 'the interrupted import to end')).toBe(130);
    expect(run.stderr.text).toContain(`Interrupted. Progress is saved in ${checkpoint}: run the same command to resume.`);
    slow.remove();
    // The last progress line counts the conversations finished, the summary those read: the difference is named.
    const finished = Number(/^stopped: \d+%, (\d+)\/36 conversations/m.exec(run.stdout.text)?.[1]);
    const counts = /Conversations {2}(\d+): (\d+) created, (\d+) continued, (\d+) already complete, 0 done in an earlier run \(checkpoint\), (\d+) failed(?:, (\d+) left unfinished)?$/m.exec(run.stdout.text);
    expect(counts, run.stdout.text).not.toBeNull();
    const [read, created, continued, complete, failed, unfinished] = counts!.slice(1).map((n) => Number(n ?? 0));
    expect(created! + continued! + complete! + failed!).toBe(finished);
    expect(read).toBe(finished + unfinished!);
    expect(unfinished).toBeGreaterThan(0); // two were in flight, their calls slowed

    const resumed = await runCli(['import', sample, '--checkpoint', checkpoint], { env: serverEnv(server) });
    expect(resumed.code).toBe(0);
    const requests = await allRequests();
    expect(requests).toHaveLength(sampleLines.length);
    let total = 0;
    for (const r of requests) total += (await client.messages.list(r.request_id)).length;
    expect(total).toBe(sampleMessages);
  });
});

describe('tiledesk-sdk import --concurrency', () => {
  it('above the pool default of 64 puts that many calls on the wire, and after Ctrl-C counts exactly those sent without an answer', async () => {
    const conversations = 80;
    const file = join(dir, 'wide.ndjson');
    writeFileSync(file, `${Array.from({ length: conversations }, (_, i) => JSON.stringify({ request: { id: `wide-${i}` }, messages: [{ id: 'm', text: `hi ${i}` }] })).join('\n')}\n`);
    const hung = server.faults.route({ method: 'POST', path: /\/messages\/multi$/, hang: true });
    // The messages calls whose request was written to a socket (undici reports it as it writes).
    let written = 0;
    let allWritten!: () => void;
    const everyOne = new Promise<void>((resolve) => (allWritten = resolve));
    const onSend = (message: unknown) => {
      const { request } = message as { request: { method: string; path: string } };
      if (request.method === 'POST' && request.path.endsWith('/messages/multi') && ++written === conversations) allWritten();
    };
    diagnostics.subscribe('undici:client:sendHeaders', onSend);
    const run = startCli(['import', file, '--concurrency', String(conversations)], { env: serverEnv(server) });
    try {
      // With the pool's 64 sockets, 16 of them waited for a socket the hung calls never gave back.
      await within(everyOne, 10_000, `${conversations} messages calls written to the server`);
      run.interrupt();
      expect(await within(run.code, 10_000, 'the interrupted import to end')).toBe(130);
      expect(run.stdout.text).toContain(`  ${conversations} sent without an answer: saved or not`);
    } finally {
      run.interrupt();
      await within(run.code, 10_000, 'the import to end');
      diagnostics.unsubscribe('undici:client:sendHeaders', onSend);
      hung.remove();
    }
  });
});

describe('tiledesk-sdk import, a resumed run stopped at once', () => {
  it('its last progress line and its report count the same conversations and messages done in an earlier run', async () => {
    // A checkpoint with the first half of the sample done: the same first conversations, so it fits the whole file.
    const half = sampleLines.slice(0, 18);
    const halfMessages = half.reduce((n, c) => n + c.messages.length, 0);
    writeFileSync(join(dir, 'first-half.ndjson'), `${half.map((c) => JSON.stringify(c)).join('\n')}\n`);
    const checkpoint = join(dir, 'first-half.checkpoint.json');
    expect((await runCli(['import', 'first-half.ndjson', '--checkpoint', checkpoint], { env: serverEnv(server), cwd: dir })).code).toBe(0);

    // Ctrl-C as the import starts, right after the count: before it has read a conversation of the file.
    const run = startCli(['import', sample, '--checkpoint', checkpoint], { env: serverEnv(server) });
    await run.stdout.waitFor(`${sampleLines.length} conversations, ${sampleMessages} messages\n`);
    run.interrupt();
    expect(await within(run.code, 10_000, 'the interrupted import to end')).toBe(130);
    const text = run.stdout.text;
    expect(text).toMatch(new RegExp(`^stopped: \\d+%, 18/36 conversations, ${halfMessages}/${sampleMessages} messages, `, 'm'));
    expect(text).toContain('Conversations  18: 0 created, 0 continued, 0 already complete, 18 done in an earlier run (checkpoint), 0 failed\n');
    expect(text).toContain(`Messages       ${halfMessages}: 0 imported, 0 skipped (already present), ${halfMessages} done in an earlier run, 0 failed\n`);

    const resumed = await runCli(['import', sample, '--checkpoint', checkpoint], { env: serverEnv(server) });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Conversations  36: 18 created, 0 continued, 0 already complete, 18 done in an earlier run (checkpoint), 0 failed\n');
    expect(await allRequests()).toHaveLength(sampleLines.length);
  });
});

describe('tiledesk-sdk import, Ctrl-C before importing', () => {
  it('while signing in or counting: exit 130, and no claim of progress saved in a checkpoint never written', async () => {
    const checkpoint = join(dir, 'never-written.checkpoint.json');
    const hung = server.faults.route({ path: '/auth/signin', hang: true });
    const signingIn = startCli(['import', sample, '--checkpoint', checkpoint], {
      env: { TILEDESK_URL: server.url, TILEDESK_PROJECT_ID: server.project.id, TILEDESK_EMAIL: server.owner.email, TILEDESK_PASSWORD: server.owner.password },
    });
    signingIn.interrupt();
    expect(await within(signingIn.code, 10_000, 'the interrupted sign-in to end')).toBe(130);
    expect(signingIn.stderr.text).toBe('Interrupted before anything was imported.\n');
    hung.remove();

    const counting = startCli(['import', sample, '--checkpoint', checkpoint], { env: serverEnv(server) });
    counting.interrupt();
    expect(await within(counting.code, 10_000, 'the interrupted count to end')).toBe(130);
    expect(counting.stderr.text).toBe('Interrupted before anything was imported.\n');
    expect(existsSync(checkpoint)).toBe(false);
    expect(await allRequests()).toHaveLength(0);
  });
});

describe('import failure lines', () => {
  it('say how many of the missing messages may be saved after all, when the server could not tell', () => {
    const failure = { position: 4, requestId: 'r1', code: 'timeout', message: 'Request timed out', messagesImported: 2, messagesMissing: 5 };
    expect(formatFailure(failure)).toBe('conversation 5 (r1): timeout — Request timed out [2 saved, 5 missing]');
    expect(formatFailure({ ...failure, messagesUncertain: 3 })).toBe('conversation 5 (r1): timeout — Request timed out [2 saved, 5 missing, 3 of them maybe saved]');
  });

  it('the report of a stopped run says how many messages were sent without an answer, as "imported" does not count them', () => {
    const report = emptyImportReport();
    Object.assign(report.messages, { total: 6, imported: 2, uncertain: 2 });
    const text = formatReport(report, createStyle(false), { stopped: true });
    expect(text).toContain('Messages       6: 2 imported, 0 skipped (already present), 0 done in an earlier run, 0 failed\n');
    expect(text).toContain('  2 sent without an answer: saved or not, running again settles them (never twice)\n');
    expect(formatReport(emptyImportReport(), createStyle(false))).not.toContain('without an answer');
  });
});
