import { parseCommandArgs } from '../args.js';
import { RealtimeClient } from '../../realtime/client.js';
import { TiledeskClient } from '../../rest/client.js';
import { checkAccess, CONNECTION_HELP, connectionOptions, obtainToken, resolveConnection } from '../config.js';
import { createStyle, UsageError, wantsColor, type CliIO, type SecretRegistry } from '../io.js';
import { LiveView } from '../live-view.js';

export const TAIL_HELP = `Usage: tiledesk-sdk tail [options]

A live view of a project's open conversations and their new messages, through the realtime (WebSocket)
API: new conversations appear, closed ones leave, messages are shown as the widget would draw them
(buttons, images, galleries, split messages). Full screen on a terminal; one line per event otherwise
(pipe it to a file or grep it). Ctrl-C quits and closes the connection.

Options:
  --watch <n>         follow the messages of the n most recently updated conversations (default 50)
  --timeout <sec>     give up when the first snapshot has not arrived after this long (default 20)
  --plain             one line per event even on a terminal
  -h, --help          this help

${CONNECTION_HELP}

The realtime API accepts owner, admin and agent accounts only (a visitor's token is refused at start).

Example:
  TILEDESK_URL=http://localhost:3000 TILEDESK_PROJECT_ID=65f… TILEDESK_TOKEN="JWT eyJ…" tiledesk-sdk tail`;

/** The flags `tail` accepts, each listed in its help (a test checks both ways). */
export const TAIL_OPTIONS = {
  ...connectionOptions,
  watch: { type: 'string' },
  timeout: { type: 'string' },
  plain: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function positiveInt(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`Invalid ${flag} ${value}: expected an integer from 1 to ${max}`);
  return n;
}

export async function tailCommand(argv: string[], io: CliIO, secrets: SecretRegistry): Promise<number> {
  const { values } = parseCommandArgs({ args: argv, strict: true, allowPositionals: false, options: TAIL_OPTIONS });
  if (values.help) {
    io.stdout.write(`${TAIL_HELP}\n`);
    return 0;
  }
  const maxWatched = positiveInt(values.watch, '--watch', 50, 500);
  const timeoutMs = positiveInt(values.timeout, '--timeout', 20, 3600) * 1000;
  const connection = resolveConnection(values, io.env, secrets, { webSocket: true });
  const token = await obtainToken(connection, secrets, io.signal);
  if (token === undefined || io.signal.aborted) return 0;

  const style = createStyle(wantsColor(io.stdout, io.env));
  const rest = new TiledeskClient({ baseUrl: connection.baseUrl, projectId: connection.projectId, auth: { token } });
  try {
    // A project the server does not know, or a visitor's token, gets no answer on the WebSocket: asked over REST
    // first, it is named at once rather than as a realtime server that does not answer after --timeout.
    await checkAccess(rest, connection, io.signal);
  } catch (error) {
    await rest.close();
    throw error;
  }
  if (io.signal.aborted) {
    await rest.close();
    return 0;
  }
  // One auth failure is final for a command line tool: retrying a refused token only delays the error.
  const rt = new RealtimeClient({ url: connection.wsUrl!, token, maxAuthFailures: 1 });
  const view = new LiveView({
    rt,
    projectId: connection.projectId,
    rest,
    out: io.stdout,
    style,
    secrets,
    tty: io.stdout.isTTY === true && !values.plain,
    maxWatched,
    title: `Tiledesk tail · ${connection.baseUrl}`,
  });
  try {
    await Promise.race([view.start(timeoutMs), untilAborted(io.signal)]);
    // A connection that failed for good (the token refused on a reconnect) would leave a view that never changes again.
    const failure = await Promise.race([view.failed, untilAborted(io.signal).then(() => undefined)]);
    if (failure && !io.signal.aborted) throw failure;
    return 0;
  } finally {
    view.close();
    await rt.close();
    await rest.close();
    if (io.stdout.isTTY !== true || values.plain) io.stdout.write('stopped\n');
  }
}

/** Resolves when `signal` aborts; the listener is removed when it does. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
