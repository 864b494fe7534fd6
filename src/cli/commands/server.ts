import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCommandArgs } from '../args.js';
import type { Fixture } from '../../testing/fixture.js';
import { createStyle, UsageError, wantsColor, type CliIO } from '../io.js';
import { untilAborted } from './tail.js';

export const SERVER_HELP = `Usage: tiledesk-sdk server [options]

Starts the local Tiledesk-compatible server (tiledesk-sdk/testing: in memory, on 127.0.0.1) and prints
its URLs, the seeded project and accounts, and the export lines of the TILEDESK_* settings that the other
commands and the README's examples read. Runs until Ctrl-C; nothing is kept when it stops.

Options:
  --port <n>           TCP port on 127.0.0.1 (default: $PORT, else 3000; 0 picks a free one)
  --seed <file>        a JSON fixture to load: users, conversations, messages (docs/testing-server.md)
  --secret <s>         global JWT secret (default nodeauthsecret, the real server's default)
  --heartbeat-ms <n>   WebSocket heartbeat interval (default 30000, like the real server)
  --json               print the connection details as one JSON line (for scripts)
  -h, --help           this help

Example:
  tiledesk-sdk server --port 0
  # in another terminal, paste the export lines it printed, then:
  tiledesk-sdk tail`;

/** The flags `server` accepts, each listed in its help (a test checks both ways). */
export const SERVER_OPTIONS = {
  port: { type: 'string' },
  seed: { type: 'string' },
  secret: { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function integer(value: string | undefined, flag: string, fallback: number, min: number, max: number, example: string): number {
  if (value === undefined) return fallback;
  // An empty variable is an unset one; an empty flag (`--port "$UNSET"`) is a mistake, which Number('') reads as 0.
  if (value.trim() === '' && !flag.startsWith('--')) return fallback;
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`Invalid ${flag} ${value}: expected an integer from ${min} to ${max}, e.g. ${example}`);
  return n;
}

function readFixture(file: string, cwd: string): Fixture {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `Fixture not found: ${path}` : `Cannot read the fixture ${path}: ${code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as Fixture;
  } catch (error) {
    throw new UsageError(`The fixture ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function serverCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs({ args: argv, strict: true, allowPositionals: false, options: SERVER_OPTIONS });
  if (values.help) {
    io.stdout.write(`${SERVER_HELP}\n`);
    return 0;
  }
  const port = values.port !== undefined
    ? integer(values.port, '--port', 3000, 0, 65_535, '3000')
    : integer(io.env.PORT, 'PORT', 3000, 0, 65_535, '3000');
  const heartbeatIntervalMs = integer(values['heartbeat-ms'], '--heartbeat-ms', 30_000, 1, 2 ** 31 - 1, '30000');
  if (values.secret === '') throw new UsageError('Invalid --secret: it is empty');
  const seed = values.seed === undefined ? undefined : readFixture(values.seed, io.cwd);

  // Loaded only here: `import` and `tail` never pull the local server in.
  const { startTiledeskServer } = await import('../../testing/server.js');
  let server: Awaited<ReturnType<typeof startTiledeskServer>>;
  try {
    server = await startTiledeskServer({ port, heartbeatIntervalMs, ...(values.secret === undefined ? {} : { secret: values.secret }) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(`Port ${port} is already in use: pass --port <a free port>, or --port 0 for any free one`);
    }
    throw error;
  }
  try {
    if (seed !== undefined) {
      try {
        server.seed(seed);
      } catch (error) {
        throw new UsageError(`The fixture ${values.seed} was refused: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const details = {
      url: server.url,
      wsUrl: server.wsUrl,
      projectId: server.project.id,
      projectJwtSecret: server.project.jwtSecret,
      globalSecret: server.secret,
      owner: { email: server.owner.email, password: server.owner.password, token: server.owner.token },
      agent: { email: server.agent.email, password: server.agent.password, token: server.agent.token },
    };
    const style = createStyle(wantsColor(io.stdout, io.env));
    io.stdout.write(
      values.json
        ? `${JSON.stringify(details)}\n`
        : `${style.bold('Local Tiledesk-compatible server')} ${style.dim('(in memory; data is lost on exit)')}

  REST       ${details.url}            (routes at the root, e.g. ${details.url}/${details.projectId}/requests)
  WebSocket  ${details.wsUrl}?token=<JWT>
  Project    ${details.projectId}  (project jwtSecret for custom tokens: ${details.projectJwtSecret})

  Owner      ${details.owner.email} / ${details.owner.password}
  Agent      ${details.agent.email} / ${details.agent.password}

  Owner token (Authorization header):
  ${details.owner.token}

  Try:  curl -s ${details.url}/${details.projectId}/requests -H "Authorization: ${details.owner.token}"

  The settings the examples of the README and docs and the CLI read (paste them into another terminal):
  export TILEDESK_URL=${details.url} TILEDESK_WS_URL=${details.wsUrl} TILEDESK_PROJECT_ID=${details.projectId}
  export TILEDESK_EMAIL=${details.owner.email} TILEDESK_PASSWORD=${details.owner.password}
  export TILEDESK_JWT_SECRET=${details.projectJwtSecret}

Press Ctrl-C to stop.
`,
    );
    await untilAborted(io.signal);
    return 0;
  } finally {
    await server.close();
  }
}
