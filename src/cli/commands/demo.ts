import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseCommandArgs } from '../args.js';
import { ImportAbortedError, ImportFailedError } from '../../import/errors.js';
import { SourceParseError } from '../../node/json-stream.js';
import type { ImportReport } from '../../import/types.js';
import { RealtimeClient } from '../../realtime/client.js';
import { TiledeskClient } from '../../rest/client.js';
import type { TiledeskTestServer } from '../../testing/server.js';
import { checkAccess, CONNECTION_HELP, connectionOptions, hasConnectionSettings, obtainToken, resolveConnection } from '../config.js';
import { runDemoScript, type DemoScriptResult } from '../demo-script.js';
import { counted, createStyle, formatCount, formatDuration, UsageError, wantsColor, type CliIO, type SecretRegistry } from '../io.js';
import { LiveView } from '../live-view.js';
import { formatReport } from '../progress.js';
import { checkReadable, importFile, writeWrapperHint, type SourceShape } from './import.js';
import { untilAborted } from './tail.js';

export const DEMO_HELP = `Usage: tiledesk-sdk demo [options]        (in this repository: npm run demo)

The SDK in one command, no account needed:
  1. starts the local Tiledesk-compatible server (in memory), or uses your server when TILEDESK_*
     settings are given;
  2. imports a sample dataset of support conversations with a progress bar (the importer);
  3. shows the project's live conversations (the tail view, realtime client) while simulated visitors
     sign in anonymously and chat over REST, and a bot answers with rich messages made by the
     builders: quick replies, buttons, an image, a gallery, split messages; some chats get closed.
It ends by itself after --duration seconds, or on Ctrl-C, and releases everything it started.

Options:
  --duration <sec>    length of the live part (default 30)
  --data <file>       the dataset to import (default: examples/data/sample-conversations.ndjson)
  --port <n>          port of the local server (default: a free one; not with TILEDESK_* settings)
  --plain             one line per event even on a terminal
  -h, --help          this help

${CONNECTION_HELP}

Against your own server the demo creates real conversations (closed again at the end when the bot
closes them or the demo stops) and imports the dataset once (running it again finds it complete).

Exit code: 0 when it ends (after --duration, or on Ctrl-C), 1 on an error or when conversations of the
dataset failed to import (listed in the import report; the live part still runs, as it needs none of
them), 2 for a usage error.`;

const DATASET = join('examples', 'data', 'sample-conversations.ndjson');

interface Target {
  baseUrl: string;
  wsUrl: string;
  projectId: string;
  token: string;
  who: string;
  local: TiledeskTestServer | undefined;
}

/** The flags `demo` accepts, each listed in its help (a test checks both ways). */
export const DEMO_OPTIONS = {
  ...connectionOptions,
  duration: { type: 'string' },
  data: { type: 'string' },
  port: { type: 'string' },
  plain: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export async function demoCommand(argv: string[], io: CliIO, secrets: SecretRegistry, packageRoot: string | undefined): Promise<number> {
  const { values } = parseCommandArgs({ args: argv, strict: true, allowPositionals: false, options: DEMO_OPTIONS });
  if (values.help) {
    io.stdout.write(`${DEMO_HELP}\n`);
    return 0;
  }
  const durationSeconds = values.duration === undefined ? 30 : Number(values.duration);
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0 || durationSeconds > 86_400) {
    throw new UsageError(`Invalid --duration ${values.duration}: expected a number of seconds, e.g. 30`);
  }
  // Number('') is 0 (any free port): an empty --port ("$UNSET") is refused instead.
  const port = values.port === undefined ? 0 : values.port.trim() === '' ? NaN : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`Invalid --port ${values.port}: expected an integer from 0 to 65535 (0 picks a free one)`);
  const remote = hasConnectionSettings(values, io.env);
  // Against your server no local one is started: a --port would be ignored without a word.
  if (remote && values.port !== undefined) {
    throw new UsageError('--port is the port of the local server, which the demo does not start when TILEDESK_* settings (or connection flags) are given: leave out --port, or those settings');
  }
  const dataFile = values.data !== undefined ? resolve(io.cwd, values.data) : packageRoot ? join(packageRoot, DATASET) : undefined;
  if (values.data !== undefined && !existsSync(dataFile!)) {
    throw new UsageError(`File not found: ${dataFile} (--data): expected a JSON or NDJSON file of { "request", "messages" } objects.`);
  }
  if (!dataFile || !existsSync(dataFile)) {
    throw new UsageError(
      `The sample dataset was not found${dataFile ? ` at ${dataFile}` : ''}. Pass --data <file> (a JSON or NDJSON file of { "request", "messages" } objects).`,
    );
  }
  // As for `import`: a directory is refused, and a pipe (`--data <(zcat export.ndjson.gz)`), which can be read only
  // once, is not counted first (the count read it all, and the import then waited for a writer long gone).
  const dataKind = await checkReadable(dataFile, io);

  const out = io.stdout;
  const style = createStyle(wantsColor(out, io.env));
  const tty = out.isTTY === true && !values.plain;

  const target = remote ? await connectRemote(values, io, secrets) : await startLocal(port);
  if (target === undefined) return 0;
  const admin = new TiledeskClient({ baseUrl: target.baseUrl, projectId: target.projectId, auth: { token: target.token } });
  const rt = new RealtimeClient({ url: target.wsUrl, token: target.token, maxAuthFailures: 1 });
  let view: LiveView | undefined;
  let report: ImportReport | undefined;
  // Conversations of the dataset that failed to import: the demo goes on (its live part needs none of them) but
  // exits with 1 however it ends, as `import` does, so that a script running `demo --data` can tell.
  let importFailures = 0;
  let script: DemoScriptResult | undefined;
  let completed = false;
  const started = Date.now();
  const exitCode = () => (importFailures > 0 ? 1 : 0);
  try {
    out.write(`${style.bold('Tiledesk SDK demo')}\n`);
    out.write(
      target.local
        ? `  Server   ${target.baseUrl} ${style.dim('(local, in memory: started for this demo and gone when it ends)')}\n`
        : `  Server   ${target.baseUrl} ${style.dim('(from your TILEDESK_* settings)')}\n`,
    );
    out.write(`  Project  ${target.projectId} ${style.dim(`· ${target.who}`)}\n`);
    out.write(`  ${style.bold('1.')} Import ${relativeName(dataFile, io.cwd)}\n`);
    out.write(`  ${style.bold('2.')} Live conversations for ${formatDuration(durationSeconds * 1000)} while visitors chat with a bot ${style.dim('(Ctrl-C ends it early)')}\n\n`);

    try {
      const display = relativeName(dataFile, io.cwd);
      const shape: SourceShape = { read: 0, ended: false };
      report = await importFile(io, style, {
        file: dataFile,
        client: admin,
        options: { namespace: 'tiledesk-sdk-demo', concurrency: 4 },
        label: display,
        count: dataKind === 'file',
        shape,
      });
      out.write(`${formatReport(report, style)}\n`);
      const errStyle = createStyle(wantsColor(io.stderr, io.env));
      // A --data file that wraps its conversations in one object: said as `import` says it.
      await writeWrapperHint(io, errStyle, shape, { file: dataFile, display, kind: dataKind });
      importFailures = report.conversations.failed;
      if (importFailures > 0) {
        io.stderr.write(
          `${errStyle.red('Import failures:')} ${counted(importFailures, 'conversation')} of ${display} failed (listed in the report). ` +
            'The demo goes on with its live part, and exits with 1 at the end, as import does.\n',
        );
      }
      out.write('\n');
    } catch (error) {
      if (error instanceof ImportAbortedError) {
        // Not silent: the live part and the summary never came, and the output ends on a progress line.
        io.stderr.write(
          `${createStyle(wantsColor(io.stderr, io.env)).yellow('Interrupted')} during the import: the demo stopped before its live part.` +
            `${target.local ? ' The local server is stopped; nothing was kept.' : ' Running it again imports only what is missing.'}\n`,
        );
        return 0;
      }
      // Said as `import` says it: a counted file fails in the count, a pipe when the import reaches the bad line.
      const syntax = error instanceof SourceParseError ? error : error instanceof ImportFailedError && error.cause instanceof SourceParseError ? error.cause : undefined;
      if (syntax) throw new Error(`The file is not valid JSON/NDJSON: ${syntax.message}`);
      throw error;
    }
    if (io.signal.aborted) return exitCode();

    if (target.local) {
      out.write(
        style.dim(
          `Watch it from another terminal too: TILEDESK_URL=${target.baseUrl} TILEDESK_PROJECT_ID=${target.projectId} ` +
            `TILEDESK_EMAIL=${target.local.owner.email} TILEDESK_PASSWORD=${target.local.owner.password} npx tiledesk-sdk tail\n\n`,
        ),
      );
    }
    const liveView = new LiveView({ rt, projectId: target.projectId, rest: admin, out, style, secrets, tty, title: 'Tiledesk SDK demo', initialListLimit: 8 });
    view = liveView;
    await Promise.race([liveView.start(), untilAborted(io.signal)]);
    if (io.signal.aborted) return exitCode();

    const durationMs = durationSeconds * 1000;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    io.signal.addEventListener('abort', onAbort, { once: true });
    const deadline = setTimeout(() => stop.abort(), durationMs);
    // A connection that failed for good (the token refused on a reconnect) would leave a view that never changes
    // again until --duration ends: the demo stops there and says why, as `tail` does.
    let failure: Error | undefined;
    void liveView.failed.then((error) => {
      failure = error;
      stop.abort();
    });
    try {
      script = await runDemoScript({
        admin,
        baseUrl: target.baseUrl,
        projectId: target.projectId,
        durationMs,
        signal: stop.signal,
        onError: (who, error) => liveView.notice(style.yellow(`! ${who}: ${secrets.safeText(error instanceof Error ? error.message : String(error))}`)),
      });
      // The script is done: the final state stays on screen until the end of the live phase (or Ctrl-C).
      await untilAborted(stop.signal);
    } finally {
      clearTimeout(deadline);
      io.signal.removeEventListener('abort', onAbort);
    }
    if (failure && !io.signal.aborted) throw failure;
    completed = true;
    return exitCode();
  } finally {
    view?.close();
    await rt.close();
    // On your server, leave no demo conversation open (the local server disappears anyway).
    if (!target.local && script) await closeQuietly(admin, script.openRequestIds);
    await admin.close();
    await target.local?.close();
    if (completed && report) printSummary(io, style, { report, script, view, local: target.local !== undefined, elapsedMs: Date.now() - started, dataFile });
  }
}

function relativeName(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel.startsWith('..') ? file : rel;
}

async function startLocal(port: number): Promise<Target> {
  // Loaded only here: `import` and `tail` never pull the local server in.
  const { startTiledeskServer } = await import('../../testing/server.js');
  let server: TiledeskTestServer;
  try {
    server = await startTiledeskServer({ port });
  } catch (error) {
    // As `server` says it: a usage error naming the flag, not `listen EADDRINUSE` with exit 1.
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(`Port ${port} is already in use: pass --port <a free port>, or leave --port out for any free one`);
    }
    throw error;
  }
  return {
    baseUrl: server.url,
    wsUrl: server.wsUrl,
    projectId: server.project.id,
    token: server.owner.token,
    who: `signed in as ${server.owner.email} (the seeded owner)`,
    local: server,
  };
}

/** `undefined` after a Ctrl-C while signing in. */
async function connectRemote(values: Parameters<typeof resolveConnection>[0], io: CliIO, secrets: SecretRegistry): Promise<Target | undefined> {
  const connection = resolveConnection(values, io.env, secrets, { webSocket: true });
  const token = await obtainToken(connection, secrets, io.signal);
  if (token === undefined) return undefined;
  // An unknown project or a refused token named at once, not as an import stopped without saying what to check.
  const client = new TiledeskClient({ baseUrl: connection.baseUrl, projectId: connection.projectId, auth: { token } });
  try {
    await checkAccess(client, connection, io.signal);
  } finally {
    await client.close();
  }
  if (io.signal.aborted) return undefined;
  const who = 'email' in connection.credentials ? `signed in as ${connection.credentials.email}` : 'with your token';
  return { baseUrl: connection.baseUrl, wsUrl: connection.wsUrl!, projectId: connection.projectId, token, who, local: undefined };
}

async function closeQuietly(admin: TiledeskClient, requestIds: readonly string[]): Promise<void> {
  const signal = AbortSignal.timeout(5000);
  await Promise.all(requestIds.map((id) => admin.requests.close(id, {}, { signal, maxRetries: 0 }).catch(() => undefined)));
}

/** The closing summary; exported for its tests. */
export function printSummary(
  io: CliIO,
  style: ReturnType<typeof createStyle>,
  s: { report: ImportReport; script: DemoScriptResult | undefined; view: Pick<LiveView, 'stats'> | undefined; local: boolean; elapsedMs: number; dataFile: string },
): void {
  const out = io.stdout;
  const { conversations: c, messages: m } = s.report;
  // What this run sent; a second demo against the same server finds the dataset there and sends nothing.
  const there = c.alreadyComplete ? `; ${counted(c.alreadyComplete, 'conversation')} ${c.alreadyComplete === 1 ? 'was' : 'were'} already there` : '';
  // Listed in the import report above; the reason of the exit code 1.
  const failed = c.failed ? `; ${style.red(`${counted(c.failed, 'conversation')} failed`)}` : '';
  out.write(`\n${style.bold(style.green('Demo finished'))} after ${formatDuration(s.elapsedMs)}.\n`);
  out.write(`  Imported     ${counted(c.created + c.continued, 'conversation')}, ${counted(m.imported, 'message')}${there}${failed} (importConversations + readConversations)\n`);
  if (s.script) {
    out.write(
      `  Live         ${counted(s.script.visitors, 'visitor')} sent ${counted(s.script.visitorMessages, 'message')}, the bot answered with ` +
        `${counted(s.script.botMessages, 'message')} made by the builders (tiledesk-sdk/messages)\n`,
    );
  }
  if (s.view) {
    out.write(
      `  Watched      ${counted(s.view.stats.newConversations, 'new conversation')}, ${formatCount(s.view.stats.closedConversations)} closed, ` +
        `${counted(s.view.stats.messages, 'message')} (RealtimeClient + LiveRequests)\n`,
    );
  }
  out.write(s.local ? style.dim('  The local server is stopped; nothing was kept.\n') : style.dim('  Connections closed.\n'));
  // Only the README ships in the package: docs/ and examples/ are not there to point at.
  const server = s.local ? 'tiledesk-sdk server (a local server that keeps running), ' : '';
  out.write(style.dim(`  Next: ${server}tiledesk-sdk import --help, tiledesk-sdk tail --help, and the README (in the package).\n`));
}
