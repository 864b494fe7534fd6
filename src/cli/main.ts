import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { demoCommand, DEMO_HELP } from './commands/demo.js';
import { importCommand, IMPORT_HELP } from './commands/import.js';
import { serverCommand, SERVER_HELP } from './commands/server.js';
import { tailCommand, TAIL_HELP } from './commands/tail.js';
import { CONNECTION_HELP } from './config.js';
import { createStyle, printable, SecretRegistry, UsageError, wantsColor, type CliIO } from './io.js';

export type { CliIO, OutputStream } from './io.js';

const HELP = `Usage: tiledesk-sdk <command> [options]

Commands:
  import <file>   import conversations from a JSON or NDJSON export, with progress and a final report
  tail            live view of a project's open conversations and new messages (Ctrl-C to quit)
  demo            the whole SDK in one command: starts a local server (or uses TILEDESK_*), imports a
                  sample dataset, then shows live conversations while a visitor chats with a bot
  server          start the local Tiledesk-compatible server (in memory) and print the settings to use it

Options:
  -h, --help      help (also: tiledesk-sdk <command> --help, or tiledesk-sdk help <command>)
  -v, --version   the SDK version

${CONNECTION_HELP}

Docs: README.md, shipped in the package (docs/cli.md in the source repository).`;

const COMMAND_HELP: Record<string, string> = { import: IMPORT_HELP, tail: TAIL_HELP, demo: DEMO_HELP, server: SERVER_HELP };

/**
 * The package root: the nearest directory above `from` whose package.json is this package. Found from the running
 * script rather than `import.meta.url`, which the CommonJS build does not have.
 */
export function findPackageRoot(from: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown }).name === 'tiledesk-sdk') return dir;
      } catch {
        // Not JSON: keep looking further up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function packageRootOf(io: CliIO): string | undefined {
  if (io.packageRoot) return io.packageRoot;
  const script = process.argv[1];
  if (script) {
    try {
      const found = findPackageRoot(dirname(realpathSync(resolve(script))));
      if (found) return found;
    } catch {
      // The script path may not exist (e.g. node -e); fall back to the working directory.
    }
  }
  return findPackageRoot(io.cwd);
}

function version(io: CliIO): string {
  const root = packageRootOf(io);
  if (!root) return 'unknown';
  try {
    return String((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/**
 * Runs the CLI and resolves to its exit code. Never throws and never calls `process.exit`: everything it opened is
 * closed before it resolves, so a process that does not end by itself afterwards has a leak.
 */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const secrets = new SecretRegistry();
  const [command, ...rest] = argv;
  try {
    if (command === '-h' || command === '--help') {
      io.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (command === undefined) {
      // A usage error like any other: the help goes where errors go, so a script's output stays empty.
      io.stderr.write(`${HELP}\n`);
      return 2;
    }
    if (command === 'help') {
      const topic = rest[0];
      if (rest.length > 1) throw new UsageError(`Too many arguments: ${rest.slice(1).join(' ')} (help takes one command: tiledesk-sdk help <command>)`);
      if (topic !== undefined && !COMMAND_HELP[topic]) {
        throw new UsageError(`No help for "${topic}": it is not a command. Commands: import, tail, demo, server (tiledesk-sdk --help).`);
      }
      io.stdout.write(`${topic !== undefined ? COMMAND_HELP[topic] : HELP}\n`);
      return 0;
    }
    if (command === '-v' || command === '--version') {
      io.stdout.write(`${version(io)}\n`);
      return 0;
    }
    switch (command) {
      case 'import':
        return await importCommand(rest, io, secrets);
      case 'tail':
        return await tailCommand(rest, io, secrets);
      case 'demo':
        return await demoCommand(rest, io, secrets, packageRootOf(io));
      case 'server':
        return await serverCommand(rest, io);
      default:
        // `tiledesk-sdk -V`, `--url … import`: options come after the command.
        if (command.startsWith('-')) throw new UsageError(`Unknown option '${command}': options come after the command (tiledesk-sdk <command> [options]; tiledesk-sdk --help).`);
        throw new UsageError(`Unknown command "${command}". Commands: import, tail, demo, server (tiledesk-sdk --help).`);
    }
  } catch (error) {
    return printError(error, io, secrets, command);
  }
}

function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/**
 * Node's wording for an unknown option is about positional arguments ("…place it at the end of the command after
 * '--'…"), which is not what someone who mistyped a flag needs: just the option, and where the list of them is.
 */
function parseArgsMessage(error: Error): string {
  if ((error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /^Unknown option '([^']*)'/.exec(error.message)?.[1];
    if (option !== undefined) return `Unknown option '${option}'`;
  }
  return error.message;
}

function printError(error: unknown, io: CliIO, secrets: SecretRegistry, command: string | undefined): number {
  const style = createStyle(wantsColor(io.stderr, io.env));
  const usage = error instanceof UsageError || isParseArgsError(error);
  const message = error instanceof Error ? parseArgsMessage(error) : String(error);
  const hint = usage && isParseArgsError(error) && command && COMMAND_HELP[command] ? ` (tiledesk-sdk ${command} --help)` : '';
  // Error messages may quote the server: their lines are kept, their control characters shown, not obeyed.
  const shown = (text: string) => secrets.safeText(text).split('\n').map((line) => printable(line)).join('\n');
  io.stderr.write(`${style.red('Error:')} ${shown(message)}${hint}\n`);
  if (!usage && io.env.TILEDESK_DEBUG && error instanceof Error && error.stack) {
    io.stderr.write(`${style.dim(shown(error.stack))}\n`);
  }
  return usage ? 2 : 1;
}
