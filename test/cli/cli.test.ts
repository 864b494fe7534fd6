import { getEventListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { hasConnectionSettings, resolveConnection } from '../../src/cli/config.js';
import { age, createStyle, formatDuration, SecretRegistry, sleep, visibleLength, wantsColor, type OutputStream } from '../../src/cli/io.js';
import { formatReport, ProgressView } from '../../src/cli/progress.js';
import { emptyImportReport } from '../../src/import/importer.js';
import type { ImportProgressEvent } from '../../src/import/types.js';
import type { ImportReport } from '../../src/import/types.js';
import { DEMO_HELP, DEMO_OPTIONS } from '../../src/cli/commands/demo.js';
import { IMPORT_HELP, IMPORT_OPTIONS } from '../../src/cli/commands/import.js';
import { SERVER_HELP, SERVER_OPTIONS } from '../../src/cli/commands/server.js';
import { TAIL_HELP, TAIL_OPTIONS } from '../../src/cli/commands/tail.js';
import { root, runCli, within } from './helpers.js';

const version = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;

describe('help and version', () => {
  it('--help lists every command and the TILEDESK_* settings', async () => {
    const { code, stdout, stderr } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const word of ['import <file>', 'tail', 'demo', 'TILEDESK_URL', 'TILEDESK_WS_URL', 'TILEDESK_PROJECT_ID', 'TILEDESK_TOKEN', 'TILEDESK_EMAIL', 'TILEDESK_PASSWORD']) {
      expect(stdout).toContain(word);
    }
  });

  it.each(['import', 'tail', 'demo'])('%s --help describes the command and its options', async (command) => {
    const { code, stdout } = await runCli([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: tiledesk-sdk ${command}`));
    expect(stdout).toContain('TILEDESK_PROJECT_ID');
    const flags: Record<string, string[]> = {
      import: ['--checkpoint', '--concurrency', '--order', '--namespace'],
      tail: ['--watch', '--timeout', '--plain'],
      demo: ['--duration', '--data', '--port'],
    };
    for (const flag of flags[command]!) expect(stdout).toContain(flag);
  });

  it.each([
    ['import', IMPORT_HELP, IMPORT_OPTIONS],
    ['tail', TAIL_HELP, TAIL_OPTIONS],
    ['demo', DEMO_HELP, DEMO_OPTIONS],
    ['server', SERVER_HELP, SERVER_OPTIONS],
  ] as const)('%s --help lists exactly the flags it accepts', (_, help, options) => {
    // Every flag listed at the start of a help line (`  --port <n>`, `  -h, --help`).
    const listed = [...help.matchAll(/^ {2}(?:-\w, )?--([\w-]+)/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(Object.keys(options).sort());
  });

  it('import --help does not ask for the realtime URL, which import does not use; tail and demo do', async () => {
    const wsLine = (text: string) => text.split('\n').find((l) => l.trimStart().startsWith('--ws-url'));
    expect(wsLine((await runCli(['import', '--help'])).stdout)).toBe('  --ws-url <url>      TILEDESK_WS_URL       not used by import (the realtime URL of tail and demo)');
    expect((await runCli(['import', '--help'])).stdout).not.toContain('required otherwise');
    for (const command of ['tail', 'demo']) expect((await runCli([command, '--help'])).stdout).toContain('(ws://host:port/), required otherwise');
  });

  it('the general help names help <command>, which takes one command', async () => {
    expect((await runCli(['--help'])).stdout).toContain('tiledesk-sdk help <command>');
    const two = await runCli(['help', 'import', 'tail']);
    expect([two.code, two.stdout, two.stderr]).toEqual([2, '', 'Error: Too many arguments: tail (help takes one command: tiledesk-sdk help <command>)\n']);
  });

  it('demo --port with TILEDESK_* settings (no local server then) is a usage error, not ignored', async () => {
    const env = { TILEDESK_URL: 'http://127.0.0.1:1', TILEDESK_PROJECT_ID: 'p', TILEDESK_TOKEN: 't0ken-value' };
    for (const [argv, runEnv] of [
      [['demo', '--port', '4000'], env],
      [['demo', '--port', '4000', '--url', 'http://127.0.0.1:1'], {}],
    ] as const) {
      const { code, stdout, stderr } = await runCli([...argv], { env: runEnv });
      expect([code, stdout], argv.join(' ')).toEqual([2, '']);
      expect(stderr).toMatch(/^Error: --port is the port of the local server, which the demo does not start when TILEDESK_\* settings/);
    }
  });

  it('help <command> is the same as <command> --help', async () => {
    expect((await runCli(['help', 'tail'])).stdout).toBe((await runCli(['tail', '--help'])).stdout);
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it('no command prints the help and exits 2; an unknown command or flag is a usage error', async () => {
    const none = await runCli([]);
    expect(none.code).toBe(2);
    // A usage error: the help goes to stderr, as every usage error's message does, and stdout stays empty.
    expect(none.stderr).toContain('Commands:');
    expect(none.stdout).toBe('');
    const unknown = await runCli(['export']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "export"');
    const flag = await runCli(['tail', '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("'--bogus'");
    expect(flag.stderr).toContain('tiledesk-sdk tail --help');
  });

  it('an option before the command is named as an option, not as an unknown command', async () => {
    const version = await runCli(['-V']);
    expect(version.code).toBe(2);
    expect(version.stderr).toBe("Error: Unknown option '-V': options come after the command (tiledesk-sdk <command> [options]; tiledesk-sdk --help).\n");
    const url = await runCli(['--url', 'http://localhost:3000', 'tail']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain("Unknown option '--url': options come after the command");
  });

  it('an unknown flag is named alone, without advice about positional arguments that do not apply', async () => {
    const { code, stderr } = await runCli(['import', '--bogus']);
    expect(code).toBe(2);
    expect(stderr).toBe("Error: Unknown option '--bogus' (tiledesk-sdk import --help)\n");
  });

  it('a flag taking a value given twice, in either form, is a usage error naming it (the last one does not silently win)', async () => {
    const env = { TILEDESK_URL: 'http://127.0.0.1:1', TILEDESK_PROJECT_ID: 'p', TILEDESK_TOKEN: 't0ken-value' };
    const runs: [string[], string][] = [
      [['import', 'a.ndjson', '--checkpoint', 'x.json', '--checkpoint', 'y.json'], '--checkpoint was given twice'],
      [['import', 'a.ndjson', '--checkpoint=x.json', '--checkpoint', 'y.json'], '--checkpoint was given twice'],
      [['import', 'a.ndjson', '--concurrency=2', '--concurrency=4', '--concurrency=8'], '--concurrency was given 3 times'],
      [['tail', '--url', 'http://a.example', '--url', 'http://b.example'], '--url was given twice'],
      [['tail', '--watch', '5', '--watch', '5'], '--watch was given twice'],
      [['demo', '--data', 'a.ndjson', '--data=b.ndjson'], '--data was given twice'],
      [['server', '--port', '0', '--port', '0'], '--port was given twice'],
    ];
    for (const [argv, message] of runs) {
      const { code, stdout, stderr } = await runCli(argv, { env });
      expect([code, stdout, stderr], argv.join(' ')).toEqual([2, '', `Error: ${message}: pass it once\n`]);
    }
    // The values are not quoted: one may be a token or a password.
    const token = await runCli(['tail', '--token', 'S3cret-one', '--token=S3cret-two'], { env });
    expect([token.code, token.stderr]).toEqual([2, 'Error: --token was given twice: pass it once\n']);
  });

  it('a boolean flag given twice means what it means once: accepted (nothing to choose between)', async () => {
    // Past the parsing, each run stops at the next check, which is not about the repeated flag.
    const importRun = await runCli(['import', '--no-count', '--no-count']);
    expect([importRun.code, importRun.stderr]).toEqual([2, 'Error: Missing argument: the file to import (tiledesk-sdk import <file>; tiledesk-sdk import --help)\n']);
    const tail = await runCli(['tail', '--plain', '--plain', '--watch', '0']);
    expect([tail.code, tail.stderr]).toEqual([2, 'Error: Invalid --watch 0: expected an integer from 1 to 500\n']);
    const help = await runCli(['server', '-h', '--help']);
    expect([help.code, help.stdout]).toEqual([0, expect.stringMatching(/^Usage: tiledesk-sdk server/)]);
  });

  it('help for something that is not a command is a usage error, not the general help with exit 0', async () => {
    const { code, stdout, stderr } = await runCli(['help', 'improt']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('No help for "improt": it is not a command. Commands: import, tail, demo, server');
  });
});

describe('settings', () => {
  it('names every missing setting with its flag and variable', async () => {
    const { code, stderr } = await runCli(['tail']);
    expect(code).toBe(2);
    expect(stderr).toContain('Missing settings:');
    expect(stderr).toContain('--url <url> or set TILEDESK_URL');
    expect(stderr).toContain('--project <id> or set TILEDESK_PROJECT_ID');
    expect(stderr).toContain('TILEDESK_TOKEN');
    expect(stderr).toContain('TILEDESK_EMAIL and TILEDESK_PASSWORD');
  });

  it('names the one setting that is missing', async () => {
    const { code, stderr } = await runCli(['tail'], { env: { TILEDESK_URL: 'http://localhost:3000', TILEDESK_EMAIL: 'a@example.com', TILEDESK_PASSWORD: 'pw-123' } });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('Error: Missing setting: the project id: pass --project <id> or set TILEDESK_PROJECT_ID.');
  });

  it('asks for the password when only the e-mail is given', async () => {
    const { stderr } = await runCli(['import', 'x.ndjson'], { env: { TILEDESK_URL: 'http://localhost:3000', TILEDESK_PROJECT_ID: 'p', TILEDESK_EMAIL: 'ops@example.com' } });
    expect(stderr).toContain('the password for ops@example.com: set TILEDESK_PASSWORD');
  });

  it('asks for TILEDESK_WS_URL when the REST URL has a path (no guessing for hosted deployments)', async () => {
    const { code, stderr } = await runCli(['tail'], { env: { TILEDESK_URL: 'https://api.tiledesk.com/v3', TILEDESK_PROJECT_ID: 'p', TILEDESK_TOKEN: 'JWT abc.def.ghi' } });
    expect(code).toBe(2);
    expect(stderr).toContain('set TILEDESK_WS_URL');
    expect(stderr).toContain('/v3');
  });

  it('rejects a URL that is not http(s), and never echoes credentials put in a URL', async () => {
    const bad = await runCli(['tail'], { env: { TILEDESK_URL: 'ftp://example.com', TILEDESK_PROJECT_ID: 'p', TILEDESK_TOKEN: 't0ken-value' } });
    expect(bad.stderr).toContain('Invalid setting TILEDESK_URL');
    const creds = await runCli(['tail'], { env: { TILEDESK_URL: 'http://ops:hunter22@example.com', TILEDESK_PROJECT_ID: 'p', TILEDESK_TOKEN: 't0ken-value' } });
    expect(creds.code).toBe(2);
    expect(creds.stderr).toContain('not in the URL');
    expect(creds.stderr).not.toContain('hunter22');
  });

  it('a REST URL with a query or a fragment is a usage error naming the setting, without quoting it', async () => {
    const env = { TILEDESK_PROJECT_ID: 'p', TILEDESK_TOKEN: 't0ken-value' };
    for (const url of ['http://localhost:3000/?apikey=S3cretInQuery', 'http://localhost:3000#S3cretInFragment']) {
      for (const [setting, argv, runEnv] of [
        ['TILEDESK_URL', ['import', 'examples/data/sample-conversations.ndjson'], { ...env, TILEDESK_URL: url }],
        ['--url', ['tail', '--url', url], env],
      ] as const) {
        const { code, stderr } = await runCli([...argv], { env: runEnv });
        expect(code, `${setting} ${url}`).toBe(2);
        expect(stderr).toContain(`Invalid setting ${setting}: it has a query or a fragment`);
        expect(stderr).not.toContain('S3cret');
      }
    }
  });

  it('never quotes an invalid URL setting (a mistyped URL may hold credentials): names the setting and what it expects', async () => {
    const env = { TILEDESK_PROJECT_ID: 'p', TILEDESK_TOKEN: 't0ken-value' };
    const restUrls = [
      'https//admin:S3cretPassw0rd@api.example.com', // no colon: not a URL at all
      'https://admin:S3cret Passw0rd@api.example.com', // a space in the password
      'https://[admin:S3cretPassw0rd@api.example.com',
      'admin:S3cretPassw0rd@api.example.com', // no scheme: "admin:" would be taken for one
    ];
    const wsUrls = ['wss//admin:S3cretPassw0rd@rt.example.com/', 'wss://admin:S3cretPassw0rd@rt.example.com/', 'admin:S3cretPassw0rd@rt.example.com'];
    const runs: [string, string[], Record<string, string>][] = [
      ...restUrls.flatMap((u): [string, string[], Record<string, string>][] => [
        ['TILEDESK_URL', ['import', 'x.ndjson'], { ...env, TILEDESK_URL: u }],
        ['--url', ['tail', '--url', u], env],
      ]),
      ...wsUrls.flatMap((u): [string, string[], Record<string, string>][] => [
        ['TILEDESK_WS_URL', ['tail'], { ...env, TILEDESK_URL: 'http://localhost:3000', TILEDESK_WS_URL: u }],
        ['--ws-url', ['tail', '--ws-url', u], { ...env, TILEDESK_URL: 'http://localhost:3000' }],
      ]),
    ];
    for (const [setting, argv, runEnv] of runs) {
      const { code, stdout, stderr } = await runCli(argv, { env: runEnv });
      expect(code, `${setting} ${argv.join(' ')}`).toBe(2);
      expect(stderr).toContain(`Invalid setting ${setting}:`);
      expect(stderr).toMatch(/ws/i.test(setting) ? /ws:\/\/|not in the URL/ : /http:\/\/|not in the URL/);
      for (const part of ['S3cret', 'Passw0rd', 'admin', 'example.com']) {
        expect(stderr, `${setting}: ${stderr}`).not.toContain(part);
        expect(stdout).not.toContain(part);
      }
    }
  });

  it('flags win over environment variables', async () => {
    const { stderr } = await runCli(['tail', '--url', 'https://api.example.com/v3'], { env: { TILEDESK_URL: 'http://localhost:3000', TILEDESK_PROJECT_ID: 'p', TILEDESK_TOKEN: 'x.y.z' } });
    expect(stderr).toContain('/v3');
  });
});

describe('settings, as resolved', () => {
  const env = { TILEDESK_URL: 'http://localhost:3000', TILEDESK_PROJECT_ID: 'p' };

  it('registers the token (with and without its JWT scheme) and the password, so no line printed later shows them, nor any other credential', () => {
    const secrets = new SecretRegistry();
    resolveConnection({ token: 'JWT opaque-token-1234' }, { ...env, TILEDESK_PASSWORD: 'hunter2-pw' }, secrets, { webSocket: true });
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJfaWQiOiIxMjMifQ.c2lnbmF0dXJlLXZhbHVl';
    const text = secrets.safeText(`sent opaque-token-1234 as "JWT opaque-token-1234" with hunter2-pw; the server echoed ${jwt}`);
    for (const secret of ['opaque-token-1234', 'hunter2-pw', jwt.split('.')[2]!]) expect(text).not.toContain(secret);
  });

  it('derives the realtime URL from a REST URL without a path (wss: for https:), and needs it only for commands that connect to it', () => {
    const resolve = (url: string, webSocket: boolean) =>
      resolveConnection({}, { ...env, TILEDESK_URL: url, TILEDESK_TOKEN: 'JWT a.b.c' }, new SecretRegistry(), { webSocket });
    expect(resolve('https://tiledesk.example.com', true)).toMatchObject({ baseUrl: 'https://tiledesk.example.com', wsUrl: 'wss://tiledesk.example.com/' });
    expect(resolve('http://localhost:3000/', true)).toMatchObject({ baseUrl: 'http://localhost:3000', wsUrl: 'ws://localhost:3000/' });
    expect(resolve('https://api.tiledesk.com/v3', false)).toMatchObject({ baseUrl: 'https://api.tiledesk.com/v3', wsUrl: undefined });
  });

  it('a REST URL ending in more than one slash is still the root: the realtime URL is derived, the URL shown without them', () => {
    const connection = resolveConnection({}, { ...env, TILEDESK_URL: 'http://localhost:3000//', TILEDESK_TOKEN: 'JWT a.b.c' }, new SecretRegistry(), { webSocket: true });
    expect(connection).toMatchObject({ baseUrl: 'http://localhost:3000', wsUrl: 'ws://localhost:3000/' });
    const withPath = resolveConnection({}, { ...env, TILEDESK_URL: 'https://api.tiledesk.com/v3//', TILEDESK_TOKEN: 'JWT a.b.c' }, new SecretRegistry(), { webSocket: false });
    expect(withPath).toMatchObject({ baseUrl: 'https://api.tiledesk.com/v3', wsUrl: undefined });
  });

  it('import against a REST URL with a path needs no realtime URL', async () => {
    const { code, stderr } = await runCli(['import', 'examples/data/sample-conversations.ndjson', '--no-count'], {
      env: { TILEDESK_URL: 'http://127.0.0.1:1/v3', TILEDESK_PROJECT_ID: 'p', TILEDESK_EMAIL: 'a@example.com', TILEDESK_PASSWORD: 'pw-1234' },
    });
    expect(stderr).not.toContain('realtime URL');
    expect(stderr).toContain('Cannot reach http://127.0.0.1:1/v3');
    expect(code).toBe(1);
  });

  it('a realtime URL carrying a token is refused without quoting it', async () => {
    const { code, stderr } = await runCli(['tail'], { env: { ...env, TILEDESK_TOKEN: 'x.y.z', TILEDESK_WS_URL: 'ws://localhost:3000/?token=s3cret-in-url' } });
    expect(code).toBe(2);
    expect(stderr).toContain('Invalid setting TILEDESK_WS_URL: leave the token out of the URL');
    expect(stderr).not.toContain('s3cret');
  });

  it('--password wins over TILEDESK_PASSWORD, as every flag wins over its variable', () => {
    const connection = resolveConnection({ email: 'ops@example.com', password: 'from-flag' }, { ...env, TILEDESK_PASSWORD: 'from-env' }, new SecretRegistry(), { webSocket: false });
    expect(connection.credentials).toEqual({ email: 'ops@example.com', password: 'from-flag' });
  });

  it('an empty --password falls back to TILEDESK_PASSWORD, as an empty flag does for every setting; spaces are kept', () => {
    const resolve = (password: string) =>
      resolveConnection({ email: 'ops@example.com', password }, { ...env, TILEDESK_PASSWORD: 'from-env' }, new SecretRegistry(), { webSocket: false }).credentials;
    expect(resolve('')).toEqual({ email: 'ops@example.com', password: 'from-env' });
    expect(resolve(' pass phrase ')).toEqual({ email: 'ops@example.com', password: ' pass phrase ' });
  });

  it('blank variables are no connection settings (the demo then starts its own server)', () => {
    expect(hasConnectionSettings({}, { TILEDESK_URL: '', TILEDESK_TOKEN: '  ', HOME: '/home/x' })).toBe(false);
    expect(hasConnectionSettings({}, { TILEDESK_PROJECT_ID: 'p' })).toBe(true);
    expect(hasConnectionSettings({ url: 'http://localhost:3000' }, {})).toBe(true);
  });
});

describe('terminal output', () => {
  it('colours only a TTY; NO_COLOR (not empty) and TERM=dumb turn them off, FORCE_COLOR (not 0) on', () => {
    const tty = { write: () => true, isTTY: true };
    const file = { write: () => true, isTTY: false };
    expect(wantsColor(tty, {})).toBe(true);
    expect(wantsColor(tty, { NO_COLOR: '' })).toBe(true); // https://no-color.org: present and not empty
    expect(wantsColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor(tty, { TERM: 'dumb' })).toBe(false);
    expect(wantsColor(file, {})).toBe(false);
    expect(wantsColor(file, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColor(file, { FORCE_COLOR: '0' })).toBe(false);
  });

  it('ages read now under 10 s, then seconds, minutes, hours and days', () => {
    const cases: [number, string][] = [[0, 'now'], [9_400, 'now'], [10_000, '10s'], [59_000, '59s'], [60_000, '1m'], [3_600_000, '1h'], [86_400_000, '1d'], [-5_000, 'now']];
    expect(cases.map(([ms]) => age(0, ms))).toEqual(cases.map(([, text]) => text));
  });

  it('sleep leaves no listener on the signal it was given, however it ended', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await sleep(0, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await waiting;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('import progress', () => {
  const event = (over: Partial<ImportProgressEvent> & { messagesDone?: number; failed?: number } = {}): ImportProgressEvent => ({
    conversations: { done: 1, failed: over.failed ?? 0, inFlight: 0, total: 2 },
    messages: { done: over.messagesDone ?? 5, imported: 5, skipped: 0, failed: 0, total: 10, importedThisRun: 5 },
    retries: 0,
    elapsedMs: 1_000,
    messagesPerSecond: 5,
    importedPerSecond: 5,
    etaMs: undefined,
    final: false,
    ...over,
  });
  const capture = (): OutputStream & { text: string } => ({ text: '', columns: 200, write(chunk: string) { this.text += chunk; } });

  it('on an 80-column terminal the redrawn line keeps its ETA and retries: shorter bar and words rather than a cut end', () => {
    const big = event({
      conversations: { done: 1_362, failed: 0, inFlight: 8, total: 3_000 },
      messages: { done: 6_815, imported: 6_815, skipped: 0, failed: 0, total: 15_000, importedThisRun: 6_815 },
      messagesPerSecond: 6_052,
      importedPerSecond: 6_052,
      etaMs: 1_400,
    });
    const wide = capture();
    new ProgressView(wide, createStyle(false), { tty: true }).update(big);
    expect(wide.text).toBe(`\r\x1b[2KImporting ${'█'.repeat(11)}${'░'.repeat(13)}  45% 1,362/3,000 conversations · 6,815/15,000 messages · 6,052 msg/s · ETA 1.4s · 0 retries`);
    const lineAt = (columns: number, e: ImportProgressEvent) => {
      const out = { ...capture(), columns };
      new ProgressView(out, createStyle(false), { tty: true }).update(e);
      const line = out.text.replace('\r\x1b[2K', '');
      expect(visibleLength(line)).toBeLessThan(columns);
      return line;
    };
    expect(lineAt(110, big)).toBe(`Importing ${'█'.repeat(5)}${'░'.repeat(5)}  45% 1,362/3,000 conv. · 6,815/15,000 msgs · 6,052 msg/s · ETA 1.4s · 0 retries`);
    const failing = { ...big, retries: 3, conversations: { ...big.conversations, failed: 2 } };
    expect(lineAt(80, failing)).toBe(`Importing ${'█'.repeat(5)}${'░'.repeat(5)}  45% 1,362/3,000 conv. · ETA 1.4s · 3 retries 2 failed`);
    expect(lineAt(70, failing)).toBe('Importing  45% 1,362/3,000 conv. · ETA 1.4s · 3 retries 2 failed');
  });

  it('on a TTY, more messages done than counted shows a full bar at 100%, not a crash', () => {
    const out = capture();
    const view = new ProgressView(out, createStyle(false), { tty: true });
    expect(() => view.update(event({ messagesDone: 12 }))).not.toThrow();
    expect(out.text).toContain(`${'█'.repeat(24)} 100%`);
  });

  it('a redrawn line is ended by finish() (an interruption), once', () => {
    const out = capture();
    const view = new ProgressView(out, createStyle(false), { tty: true });
    view.update(event());
    expect(out.text.endsWith('\n')).toBe(false);
    view.finish();
    view.finish();
    expect(out.text.match(/\n/g)).toHaveLength(1);
  });

  it('the final plain line says done, not imported, when conversations failed', () => {
    const out = capture();
    const view = new ProgressView(out, createStyle(false), { tty: false });
    view.update(event({ final: true, failed: 1 }));
    expect(out.text).toMatch(/^done: 50%, 1\/2 conversations, .*1 failed\n$/);
  });

  it('the rate counts messages this run imported, and the last line of a run that imported none says done, not imported', () => {
    // A run finding every message already there: 282 handled per second, none sent.
    const skipping = event({ messages: { done: 5, imported: 0, skipped: 5, failed: 0, total: 10, importedThisRun: 0 }, messagesPerSecond: 282, importedPerSecond: 0 });
    const out = capture();
    const view = new ProgressView(out, createStyle(false), { tty: false });
    view.update(skipping);
    view.update({ ...skipping, final: true, conversations: { ...skipping.conversations, done: 2 }, messages: { ...skipping.messages, done: 10 } });
    expect(out.text).toBe(
      'progress: 50%, 1/2 conversations, 5/10 messages, 0 msg/s, 0 retries\n' + 'done: 100%, 2/2 conversations, 10/10 messages, none imported, 0 retries\n',
    );
    const tty = capture();
    new ProgressView(tty, createStyle(false), { tty: true }).update({ ...skipping, final: true, messages: { ...skipping.messages, done: 10 } });
    expect(tty.text).toMatch(/^\r\x1b\[2KDone █+ 100% 1\/2 conversations · 10\/10 messages · none imported · in 1\.0s · 0 retries\n$/);
    // From a checkpoint: `imported` counts the earlier runs' messages, this run none.
    const resumed = capture();
    new ProgressView(resumed, createStyle(false), { tty: false }).update(event({ final: true, messages: { done: 10, imported: 10, skipped: 0, failed: 0, total: 10, importedThisRun: 0 }, importedPerSecond: 0 }));
    expect(resumed.text).toMatch(/^done: 100%, .* none imported, 0 retries\n$/);
    // A run that sent some: their rate, not that of everything handled.
    const some = capture();
    new ProgressView(some, createStyle(false), { tty: false }).update(event({ final: true, messagesPerSecond: 282, importedPerSecond: 3 }));
    expect(some.text).toMatch(/^imported: 50%, .*, 3 msg\/s, 0 retries\n$/);
  });

  it('counts one conversation, message or retry in the singular, with or without a total, in every form of the line', () => {
    const one = event({
      conversations: { done: 1, failed: 0, inFlight: 0, total: 1 },
      messages: { done: 1, imported: 1, skipped: 0, failed: 0, total: 1, importedThisRun: 1 },
      retries: 1,
      importedPerSecond: 1,
      final: true,
    });
    const plain = capture();
    new ProgressView(plain, createStyle(false), { tty: false }).update(one);
    expect(plain.text).toBe('imported: 100%, 1/1 conversation, 1/1 message, 1 msg/s, 1 retry\n');
    // A pipe: no totals.
    const piped = capture();
    new ProgressView(piped, createStyle(false), { tty: false }).update({ ...one, final: false, conversations: { ...one.conversations, total: undefined }, messages: { ...one.messages, total: undefined } });
    expect(piped.text).toBe('progress: 1 conversation, 1 message, 1 msg/s, 1 retry\n');
    // The noun agrees with the total: none of one done yet.
    const started = capture();
    new ProgressView(started, createStyle(false), { tty: false }).update({ ...one, final: false, conversations: { ...one.conversations, done: 0 }, messages: { ...one.messages, done: 0 } });
    expect(started.text).toBe('progress: 0%, 0/1 conversation, 0/1 message, 1 msg/s, 1 retry\n');
    const tty = capture();
    new ProgressView(tty, createStyle(false), { tty: true }).update(one);
    expect(tty.text).toBe(`\r\x1b[2KImporting ${'█'.repeat(24)} 100% 1/1 conversation · 1/1 message · 1 msg/s · in 1.0s · 1 retry\n`);
    const narrow = { ...capture(), columns: 80 };
    new ProgressView(narrow, createStyle(false), { tty: true }).update(one);
    expect(narrow.text).toBe(`\r\x1b[2KImporting ${'█'.repeat(10)} 100% 1/1 conv. · 1/1 msg · 1 msg/s · in 1.0s · 1 retry\n`);
  });

  it('the report counts one message per second and one duplicate in the singular', () => {
    const report = emptyImportReport();
    Object.assign(report, { durationMs: 1_000, duplicatesFound: 1 });
    Object.assign(report.conversations, { total: 1, created: 1 });
    Object.assign(report.messages, { total: 1, imported: 1 });
    const text = formatReport(report, createStyle(false));
    expect(text.split('\n')[0]).toBe('Import finished in 1.0s (1 message/s)');
    expect(text).toContain('  Retries 0 · read-backs 0 · 1 duplicate found on the server');
  });

  it('the report gives the rate of the messages imported, and "none imported" when there were none', () => {
    const report = emptyImportReport();
    Object.assign(report, { durationMs: 2_000, messagesPerSecond: 282 });
    Object.assign(report.conversations, { total: 36, alreadyComplete: 36 });
    Object.assign(report.messages, { total: 190, skipped: 190 });
    expect(formatReport(report, createStyle(false)).split('\n')[0]).toBe('Import finished in 2.0s (none imported)');
    Object.assign(report.messages, { imported: 100, skipped: 90 });
    expect(formatReport(report, createStyle(false)).split('\n')[0]).toBe('Import finished in 2.0s (50 messages/s)');
  });

  it('the report of a stopped run names the conversations read but not finished, which the progress line does not count', () => {
    const report = emptyImportReport();
    Object.assign(report.conversations, { total: 40, created: 20, alreadyComplete: 8, failed: 1 });
    // 5 messages each; of the 11 left unfinished, 2 had saved a message, 3 sent without an answer.
    Object.assign(report.messages, { total: 200, imported: 102, skipped: 40, failed: 5, uncertain: 3 });
    const text = formatReport(report, createStyle(false), { stopped: true });
    expect(text).toContain('Conversations  40: 20 created, 0 continued, 8 already complete, 0 done in an earlier run (checkpoint), 1 failed, 11 left unfinished\n');
    // The messages' counts added up to less than their total, with no reason given (3,125 + 0 + 0 + 0 of 3,165).
    expect(text).toContain('Messages       200: 102 imported, 40 skipped (already present), 0 done in an earlier run, 5 failed, 53 in conversations left unfinished\n');
    Object.assign(report.conversations, { total: 29 });
    Object.assign(report.messages, { total: 147 });
    expect(formatReport(report, createStyle(false))).not.toContain('unfinished');
  });

  it('the report counts the failures it does not list, those left out of the report included', () => {
    const failure = { position: 0, code: 'invalid_argument', message: 'bad', messagesImported: 0, messagesMissing: 1 };
    const report = {
      conversations: { total: 9, created: 0, continued: 0, alreadyComplete: 0, resumed: 0, failed: 9 },
      messages: { total: 9, imported: 0, skipped: 0, resumed: 0, failed: 9 },
      retries: 0, reconciliations: 0, duplicatesFound: 0, durationMs: 5, messagesPerSecond: 0,
      failures: [failure, failure, failure],
      failuresOmitted: 6,
    } as unknown as ImportReport;
    expect(formatReport(report, createStyle(false), { maxFailures: 2 })).toContain('… and 7 more');
  });
});

describe('against a server', () => {
  let server: TiledeskTestServer;
  beforeAll(async () => {
    server = await startTiledeskServer();
  });
  afterAll(() => server.close());

  it('a refused password is reported without the password, with the exit code of a refused token', async () => {
    const password = 'Sup3r-Secret-Pw';
    const { code, stdout, stderr } = await runCli(['tail'], {
      env: { TILEDESK_URL: server.url, TILEDESK_PROJECT_ID: server.project.id, TILEDESK_EMAIL: server.owner.email, TILEDESK_PASSWORD: password },
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`Sign-in refused for ${server.owner.email}`);
    expect(stdout + stderr).not.toContain(password);
  });

  it('a refused token is reported without the token, on stderr and stdout', async () => {
    const token = `JWT ${server.signJwt({ _id: server.owner.userId }, 'not-the-server-secret')}`;
    const { code, stdout, stderr } = await runCli(['tail', '--timeout', '5'], {
      env: { TILEDESK_URL: server.url, TILEDESK_PROJECT_ID: server.project.id, TILEDESK_TOKEN: token },
    });
    expect(code).toBe(1);
    expect(stderr).toContain('refused the token');
    expect(stderr).toContain('TILEDESK_TOKEN');
    expect(stdout + stderr).not.toContain(token.slice(4));
    expect(stdout + stderr).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
  });

  it('a URL that answers HTML instead of the API (a web page, a missing /v3) is named with the setting to check', async () => {
    const env = { TILEDESK_URL: server.url, TILEDESK_PROJECT_ID: server.project.id, TILEDESK_EMAIL: server.owner.email, TILEDESK_PASSWORD: 'pw-html-1234' };
    for (const status of [200, 404]) {
      const page = server.faults.route({ path: '/auth/signin', status, headers: { 'Content-Type': 'text/html' }, body: '<!doctype html><html><body>Dashboard</body></html>' });
      const { code, stderr } = await runCli(['tail'], { env });
      page.remove();
      expect(code).toBe(1);
      expect(stderr).toContain(`${server.url} does not answer like the Tiledesk API`);
      expect(stderr).toContain('TILEDESK_URL');
      expect(stderr).not.toContain('pw-html-1234');
    }
  });

  it('an unreachable server is named with the setting to check', async () => {
    const { code, stderr } = await runCli(['import', 'examples/data/sample-conversations.ndjson', '--no-count'], {
      env: { TILEDESK_URL: 'http://127.0.0.1:1', TILEDESK_PROJECT_ID: server.project.id, TILEDESK_EMAIL: 'a@example.com', TILEDESK_PASSWORD: 'pw-1234' },
    });
    expect(code).toBe(1);
    expect(stderr).toContain('Cannot reach http://127.0.0.1:1');
    expect(stderr).toContain('TILEDESK_URL');
    expect(stderr).not.toContain('pw-1234');
  });

  it('an https:// URL for a plain-HTTP server is named with the setting to fix, with a password or a token', async () => {
    // It was OpenSSL's `…:SSL routines:ssl3_get_record:wrong version number:…`, naming no setting.
    const url = server.url.replace('http:', 'https:');
    const credentials = [
      { TILEDESK_EMAIL: server.owner.email, TILEDESK_PASSWORD: 'pw-tls-1234' },
      { TILEDESK_TOKEN: server.owner.token },
    ];
    for (const env of credentials) {
      const { code, stderr } = await runCli(['import', 'examples/data/sample-conversations.ndjson', '--no-count'], {
        env: { TILEDESK_URL: url, TILEDESK_PROJECT_ID: server.project.id, ...env },
      });
      expect(code).toBe(1);
      expect(stderr).toBe(
        `Error: ${url} does not answer TLS (ERR_SSL_WRONG_VERSION_NUMBER). Check TILEDESK_URL / --url: a server that speaks plain HTTP (self-hosted on its port 3000, the local one) needs http://.\n`,
      );
    }
  });

  it('an unreachable server is named at once with a token too, not after every conversation has failed its retries', async () => {
    const token = server.owner.token;
    const { code, stdout, stderr } = await within(
      runCli(['import', 'examples/data/sample-conversations.ndjson'], { env: { TILEDESK_URL: 'http://127.0.0.1:1', TILEDESK_PROJECT_ID: server.project.id, TILEDESK_TOKEN: token } }),
      10_000,
      'the import against an unreachable server to end',
    );
    expect(code).toBe(1);
    expect(stderr).toBe('Error: Cannot reach http://127.0.0.1:1 (ECONNREFUSED). Check TILEDESK_URL / --url and that the server is running.\n');
    expect(stdout).not.toContain('Failed conversations');
    expect(stdout + stderr).not.toContain(token.slice(4));
  });
});

describe('durations in progress lines and reports', () => {
  it('round once, so a carry never shows as 60 seconds or 60 minutes', () => {
    const cases: [number, string][] = [
      [850, '850ms'], [999.6, '1.0s'], [4_200, '4.2s'], [9_960, '10s'], [59_600, '1m 00s'], [185_000, '3m 05s'],
      [899_600, '15m 00s'], [3_599_600, '1h 00m'], [3_720_000, '1h 02m'], [-1, '?'], [Number.NaN, '?'],
    ];
    expect(cases.map(([ms]) => formatDuration(ms))).toEqual(cases.map(([, text]) => text));
  });
});

describe('error lines and import failures show control characters instead of passing them to the terminal', () => {
  // They quote the server (an error body, a failed conversation's reason) and the user's input.
  const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

  it('an error message', async () => {
    const { code, stderr } = await runCli(['import', 'no\x1b]0;title\x07such.ndjson'], {
      env: { TILEDESK_URL: 'http://127.0.0.1:9', TILEDESK_PROJECT_ID: 'p', TILEDESK_TOKEN: 'x.y.z' },
    });
    expect(code).toBe(2);
    expect(stderr).toContain('no␛]0;title␇such.ndjson');
    expect(stderr).not.toMatch(CONTROL);
  });

  it('a failed conversation in the import report', () => {
    const report = {
      conversations: { total: 1, created: 0, continued: 0, alreadyComplete: 0, resumed: 0, failed: 1 },
      messages: { total: 1, imported: 0, skipped: 0, resumed: 0, failed: 1 },
      retries: 0,
      reconciliations: 0,
      duplicatesFound: 0,
      durationMs: 5,
      messagesPerSecond: 0,
      failuresOmitted: 0,
      failures: [{ position: 0, requestId: 'r\x1b[2J', code: 'invalid_argument', message: 'bad\x1b]52;c;eA==\x07\nnext', messagesImported: 0, messagesMissing: 1 }],
    } as unknown as ImportReport;
    const text = formatReport(report, createStyle(false));
    expect(text).toContain('(r␛[2J)');
    expect(text).toContain('bad␛]52;c;eA==␇ ⏎ next');
    expect(text).not.toMatch(CONTROL);
  });
});
