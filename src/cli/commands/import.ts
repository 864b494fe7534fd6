import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { parseCommandArgs } from '../args.js';
import { ImportAbortedError, ImportCheckpointError, ImportFailedError } from '../../import/errors.js';
import { emptyImportReport, importConversations } from '../../import/importer.js';
import { CLOSES_PROMPTLY } from '../../import/source-close.js';
import type { ImportCheckpoint, ImportConversation, ImportConversationsOptions, ImportProgressEvent, ImportReport } from '../../import/types.js';
import { isPlainObject } from '../../shared/merge.js';
import { fileCheckpoint } from '../../node/file-checkpoint.js';
import { SourceParseError } from '../../node/json-stream.js';
import { readConversations } from '../../node/read-conversations.js';
import { TiledeskClient } from '../../rest/client.js';
import { checkAccess, connectionOptions, describeConnectionError, IMPORT_CONNECTION_HELP, obtainToken, resolveConnection, type Connection } from '../config.js';
import { counted, createStyle, formatCount, UsageError, wantsColor, type CliIO, type SecretRegistry, type Style } from '../io.js';
import { formatReport, ProgressView } from '../progress.js';

export const IMPORT_HELP = `Usage: tiledesk-sdk import <file> [options]

Imports conversations from a JSON array or NDJSON file of { "request": {...}, "messages": [...] } objects
(<file> may be - for stdin, or a pipe), each message exactly once and in order, with a progress bar and a
final report. Running it again never duplicates anything: conversations are found by request_id, messages
by their import key.

Options:
  --checkpoint <file>   save progress here; after a crash or Ctrl-C, run the same command to resume
  --concurrency <n>     conversations imported at the same time (default 8)
  --order <mode>        clienttimestamp (default: fast, chunks of messages; read back ordered by
                        attributes.clienttimestamp) or strict (one message per call: the server's own
                        order is the source order; raise --concurrency)
  --namespace <name>    names this import in derived request ids (default "import"); use a new one to
                        import a second export without ids into the same project
  --no-count            do not read the file once up front to count it (no percentage or ETA then;
                        always so for a pipe: - for stdin, or <(zcat export.ndjson.gz))
  -h, --help            this help

${IMPORT_CONNECTION_HELP}

Exit code: 0 when every conversation was imported, 1 when some failed (listed with the reason),
2 for a usage error, 130 when interrupted (progress is kept in the checkpoint).

Example:
  TILEDESK_URL=http://localhost:3000 TILEDESK_PROJECT_ID=65f… TILEDESK_EMAIL=owner@example.com \\
  TILEDESK_PASSWORD=… tiledesk-sdk import export.ndjson --checkpoint export.checkpoint.json`;

interface ImportRun {
  file: string;
  /** The file as the user wrote it, for messages. */
  display: string;
  connection: Connection;
  checkpointPath: string | undefined;
  options: Pick<ImportConversationsOptions, 'concurrency' | 'order' | 'namespace'>;
  count: boolean;
}

/** The flags `import` accepts, each listed in its help (a test checks both ways). */
export const IMPORT_OPTIONS = {
  ...connectionOptions,
  checkpoint: { type: 'string' },
  concurrency: { type: 'string' },
  order: { type: 'string' },
  namespace: { type: 'string' },
  'no-count': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parseImportArgs(argv: string[], io: CliIO, secrets: SecretRegistry): ImportRun | 'help' {
  const { values, positionals } = parseCommandArgs({ args: argv, allowPositionals: true, strict: true, options: IMPORT_OPTIONS });
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('Missing argument: the file to import (tiledesk-sdk import <file>; tiledesk-sdk import --help)');
  if (positionals.length > 1) throw new UsageError(`Too many arguments: ${positionals.slice(1).join(' ')} (import takes one file)`);
  const options: ImportRun['options'] = {};
  if (values.concurrency !== undefined) {
    const n = Number(values.concurrency);
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`Invalid --concurrency ${values.concurrency}: expected an integer from 1 to 256`);
    options.concurrency = n;
  }
  if (values.order !== undefined) {
    if (values.order !== 'clienttimestamp' && values.order !== 'strict') {
      throw new UsageError(`Invalid --order ${values.order}: expected clienttimestamp or strict`);
    }
    options.order = values.order;
  }
  if (values.namespace !== undefined) {
    if (values.namespace.trim() === '') throw new UsageError('Invalid --namespace: expected a non-empty name');
    options.namespace = values.namespace;
  }
  if (values.checkpoint !== undefined && values.checkpoint.trim() === '') throw new UsageError('Invalid --checkpoint: expected a file path');
  const connection = resolveConnection(values, io.env, secrets, { webSocket: false });
  const stdin = positionals[0] === STDIN;
  return {
    file: stdin ? STDIN : resolve(io.cwd, positionals[0]!),
    display: stdin ? 'stdin' : positionals[0]!,
    connection,
    checkpointPath: values.checkpoint === undefined ? undefined : resolve(io.cwd, values.checkpoint),
    options,
    count: !values['no-count'],
  };
}

/** `import -`: the conversations come from stdin. */
const STDIN = '-';

/** A file, or a pipe (stdin, `<(zcat …)`), which can be read only once: it is not counted first. */
export async function checkReadable(file: string, io: CliIO): Promise<'file' | 'pipe'> {
  if (file === STDIN) {
    if ((io.stdin ?? process.stdin).isTTY) throw new UsageError('stdin is a terminal: pipe the conversations in (zcat export.ndjson.gz | tiledesk-sdk import -)');
    return 'pipe';
  }
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `File not found: ${file}` : `Cannot read ${file} (${code ?? String(error)})`);
  }
  if (info.isFIFO() || info.isSocket()) return 'pipe';
  if (!info.isFile()) throw new UsageError(`Not a file: ${file}`);
  return 'file';
}

/**
 * Checked before anything is read or sent, because a checkpoint is first written after the first conversations
 * settle: a small import would otherwise run in full and then fail. And never the file being imported, which the
 * "delete it to start over" advice of a refused checkpoint would then be about.
 */
async function checkCheckpointPath(path: string | undefined, file: string): Promise<void> {
  if (path === undefined) return;
  const info = await stat(path).catch(() => undefined);
  // The same file under another name too (a symbolic or hard link): its device and inode.
  const data = info && file !== STDIN ? await stat(file).catch(() => undefined) : undefined;
  if (path === file || (data && info && data.dev === info.dev && data.ino === info.ino)) {
    throw new UsageError(`--checkpoint ${path} is the file being imported: choose another file for the checkpoint`);
  }
  if (info?.isDirectory()) throw new UsageError(`--checkpoint ${path} is a directory: expected a file (e.g. ${path.replace(/\/+$/, '')}/import.checkpoint.json)`);
  const parent = await stat(dirname(path)).catch(() => undefined);
  if (!parent?.isDirectory()) throw new UsageError(`--checkpoint ${path}: the directory ${dirname(path)} does not exist`);
}

/**
 * Claims the checkpoint (its lock file) before signing in and counting the file (minutes for a large one): one
 * another import is using was otherwise refused only once the count was done. The import is given the checkpoint
 * without its `lock`, the claim being held here until the command ends (`release`).
 */
async function claimCheckpoint(path: string): Promise<{ checkpoint: ImportCheckpoint; release: () => Promise<void> }> {
  const file = fileCheckpoint(path);
  let release: () => Promise<void>;
  try {
    release = await file.lock();
  } catch (error) {
    // Its message ends with the library's advice: wait, or delete the lock file (never the checkpoint).
    if (error instanceof ImportCheckpointError) throw new UsageError(`${error.message}.`);
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--checkpoint ${path}: cannot create its lock file ${path}.lock (${code ?? String(error)})`);
  }
  return { checkpoint: { name: file.name, load: () => file.load(), save: (state) => file.save(state) }, release };
}

/** What the import read of its source, for the hint about a file that wraps its conversations in one object. */
export interface SourceShape {
  /** Conversations read. */
  read: number;
  /** The source ended (not only the run). */
  ended: boolean;
  /** The first conversation was an object without `messages` holding an array of objects under this key. */
  wrapper?: { key: string; length: number } | undefined;
}

/**
 * The key of `value` (an object without `messages` or `request`) holding a non-empty array of objects: an export envelope such as
 * `{"conversations": [...]}` or `{"data": [...]}`, read as one conversation. One whose objects have `messages` first.
 */
export function wrappedConversations(value: unknown): { key: string; length: number } | undefined {
  // A `request` or `messages` key: a conversation (a bad one), whatever its other keys hold.
  if (!isPlainObject(value) || 'messages' in value || 'request' in value) return undefined;
  let found: { key: string; length: number } | undefined;
  for (const [key, v] of Object.entries(value)) {
    if (!Array.isArray(v) || v.length === 0 || !v.every(isPlainObject)) continue;
    if (v.every((item) => Array.isArray((item as { messages?: unknown }).messages))) return { key, length: v.length };
    found ??= { key, length: v.length };
  }
  return found;
}

/** The source, watched: how many conversations it held, and the shape of the first one. */
function watched(source: AsyncGenerator<ImportConversation, void, undefined>, shape: SourceShape): AsyncIterable<ImportConversation> {
  const iterator = {
    async next(): Promise<IteratorResult<ImportConversation, void>> {
      const item = await source.next();
      if (item.done) shape.ended = true;
      else if (++shape.read === 1) shape.wrapper = wrappedConversations(item.value);
      return item;
    },
    return: (value?: void) => source.return(value),
    // `readConversations` ends a read under way when closed: the import may wait for it (see importConversations).
    [CLOSES_PROMPTLY]: true,
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

/** The file an import read, for the wrapper hint: its path, and its name as the user wrote it (what `jq` is given). */
export interface HintSource {
  file: string;
  display: string;
  kind: 'file' | 'pipe';
}

/**
 * Said after the report of a file that is one object wrapping the conversations: the import read it as a single
 * conversation and reported only "messages: must be an array". Shared by `import` and `demo --data`.
 */
export async function writeWrapperHint(io: CliIO, style: Style, shape: SourceShape, source: HintSource): Promise<void> {
  const hint = await wrapperHint(shape, source);
  if (hint) io.stderr.write(`${style.yellow('Hint:')} ${hint}\n`);
}

async function wrapperHint(shape: SourceShape, source: HintSource): Promise<string | undefined> {
  if (!shape.wrapper || !shape.ended || shape.read !== 1) return undefined;
  const { key, length } = shape.wrapper;
  const what = source.file === STDIN ? 'The input' : source.display;
  let hint =
    `${what} holds a single JSON object, not a list of conversations: its ${JSON.stringify(key)} key holds an array of ${counted(length, 'object')}. ` +
    'The import expects a JSON array of conversations, or NDJSON (one per line)';
  const command = source.kind === 'file' ? await jqCommand(source, key) : undefined;
  if (command) hint += `: e.g. ${command}`;
  return `${hint}.`;
}

/** A jq command writing the wrapped conversations as NDJSON, when the file's top level is known and it can be quoted. */
async function jqCommand(source: HintSource, key: string): Promise<string | undefined> {
  if (key.includes("'")) return undefined;
  const top = await firstCharacter(source.file);
  if (top !== '{' && top !== '[') return undefined;
  // `.[0]["a b"]`, not `.[0].["a b"]`, which jq before 1.7 does not parse.
  const member = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  const path = top === '[' ? `.[0]${member}[]` : `${member.startsWith('[') ? '.' : ''}${member}[]`;
  const base = source.display.replace(/\.(nd)?json$/i, '');
  const output = `${base}.ndjson` === source.display ? `${base}.conversations.ndjson` : `${base}.ndjson`;
  return `jq -c '${path}' ${shellQuote(source.display)} > ${shellQuote(output)}`;
}

/** The first character of a file that is not white space (or a byte-order mark). */
async function firstCharacter(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(4096), position: 0 });
    return /^\uFEFF?\s*(.)/.exec(buffer.subarray(0, bytesRead).toString('utf8'))?.[1];
  } finally {
    await handle.close();
  }
}

function shellQuote(word: string): string {
  return /^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** One pass over the file: totals for the percentage and ETA, and syntax errors found before anything is sent. */
export async function countConversations(file: string, signal: AbortSignal): Promise<{ conversations: number; messages: number }> {
  let conversations = 0;
  let messages = 0;
  for await (const conversation of readConversations(file)) {
    if (signal.aborted) break;
    conversations += 1;
    const list = (conversation as { messages?: unknown } | null)?.messages;
    if (Array.isArray(list)) messages += list.length;
  }
  return { conversations, messages };
}

export interface ImportFileOptions {
  file: string;
  client: TiledeskClient;
  /** Already claimed (see `claimCheckpoint`): given to the import as it is. */
  checkpoint?: ImportCheckpoint | undefined;
  options?: ImportRun['options'];
  /** Read the file once first to count it (percentage and ETA). */
  count?: boolean;
  label?: string;
  /** Filled in with what the import read of the source. */
  shape?: SourceShape;
}

/**
 * Imports a file with the progress view and prints the report. Shared by `import` and `demo`. Returns the report;
 * throws `ImportAbortedError` (Ctrl-C) or `ImportFailedError` (the run could not go on), both carrying the report.
 */
export async function importFile(io: CliIO, style: Style, run: ImportFileOptions): Promise<ImportReport> {
  const out = io.stdout;
  let total: { conversations: number; messages: number } | undefined;
  if (run.count !== false) {
    total = await countConversations(run.file, io.signal);
    if (io.signal.aborted) throw new ImportAbortedError(emptyImportReport());
    out.write(`${style.dim(`${run.label ?? run.file}: ${counted(total.conversations, 'conversation')}, ${counted(total.messages, 'message')}`)}\n`);
  }
  const progress = new ProgressView(out, style, { tty: out.isTTY === true });
  const checkpoint = run.checkpoint;
  // The last event comes before the run says how it ended: held back, so a stopped run's line does not read "imported".
  let last: ImportProgressEvent | undefined;
  let stopped = true;
  try {
    const source = run.file === STDIN ? readConversations((io.stdin ?? process.stdin) as Readable, { name: 'stdin' }) : readConversations(run.file);
    const report = await importConversations(run.client, run.shape ? watched(source, run.shape) : source, {
      ...run.options,
      ...(checkpoint ? { checkpoint } : {}),
      ...(total ? { total } : {}),
      signal: io.signal,
      progressIntervalMs: out.isTTY ? 100 : 500,
      onProgress: (event) => (event.final ? (last = event) : progress.update(event)),
    });
    stopped = false;
    return report;
  } finally {
    if (last) progress.update(last, { stopped });
    progress.finish();
  }
}

export async function importCommand(argv: string[], io: CliIO, secrets: SecretRegistry): Promise<number> {
  const run = parseImportArgs(argv, io, secrets);
  if (run === 'help') {
    io.stdout.write(`${IMPORT_HELP}\n`);
    return 0;
  }
  const kind = await checkReadable(run.file, io);
  await checkCheckpointPath(run.checkpointPath, run.file);
  const claim = run.checkpointPath === undefined ? undefined : await claimCheckpoint(run.checkpointPath);
  try {
    return await importWithCheckpoint(run, io, secrets, kind, claim?.checkpoint);
  } finally {
    // Not giving it back changes nothing imported; a lock of a process that has exited is taken over by the next run.
    await claim?.release().catch(() => undefined);
  }
}

async function importWithCheckpoint(run: ImportRun, io: CliIO, secrets: SecretRegistry, kind: 'file' | 'pipe', checkpoint: ImportCheckpoint | undefined): Promise<number> {
  const style = createStyle(wantsColor(io.stdout, io.env));
  const errStyle = createStyle(wantsColor(io.stderr, io.env));
  const token = await obtainToken(run.connection, secrets, io.signal);
  if (token === undefined) return interruptedBeforeImporting(io, errStyle);
  // A socket per conversation in flight (each has one call at a time): with fewer (the pool's default is 64), calls
  // past it waited in the pool, --concurrency above 64 bought nothing, and after Ctrl-C such a call counted among
  // those "sent without an answer" though it had never gone out.
  const connections = run.options.concurrency === undefined ? {} : { connections: run.options.concurrency };
  const client = new TiledeskClient({ baseUrl: run.connection.baseUrl, projectId: run.connection.projectId, auth: { token }, ...connections });
  try {
    // Before the file is counted (minutes for a large one): an unreachable server (which, with a token, would fail
    // conversation by conversation, each after its retries), an unknown project or a refused token is named at once.
    await checkAccess(client, run.connection, io.signal);
    if (io.signal.aborted) return interruptedBeforeImporting(io, errStyle);
    const shape: SourceShape = { read: 0, ended: false };
    const report = await importFile(io, style, {
      file: run.file,
      label: run.display,
      client,
      checkpoint,
      options: run.options,
      count: run.count && kind === 'file',
      shape,
    });
    // The checkpoint counts a failed conversation as done, so a resumed run skips it: its own report would say
    // "0 failed" (and exit 0) while the conversation is still not imported.
    const state = run.checkpointPath === undefined ? undefined : await fileCheckpoint(run.checkpointPath).load().catch(() => undefined);
    const failedEarlier = state ? Math.max(0, state.totals.conversationsFailed - report.conversations.failed) : 0;
    io.stdout.write(`${formatReport(report, style, { failedEarlier })}\n`);
    if (report.conversations.total === 0) io.stderr.write(`${errStyle.yellow('Nothing was imported:')} ${run.display} holds no conversations.\n`);
    await writeWrapperHint(io, errStyle, shape, { file: run.file, display: run.display, kind });
    if (failedEarlier > 0) {
      io.stderr.write(
        `${errStyle.yellow('Not retried:')} ${formatCount(failedEarlier)} conversation${failedEarlier === 1 ? '' : 's'} failed in an earlier run ` +
          `(the checkpoint counts ${failedEarlier === 1 ? 'it' : 'them'} as done): run without --checkpoint to retry, nothing is imported twice.\n`,
      );
    }
    return report.conversations.failed + failedEarlier > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof ImportAbortedError) {
      // The import saves a checkpoint before its first call: none yet means Ctrl-C came while the file was counted.
      if (run.checkpointPath && !existsSync(run.checkpointPath)) return interruptedBeforeImporting(io, errStyle);
      if (error.report.conversations.total > 0) io.stdout.write(`${formatReport(error.report, style, { stopped: true })}\n`);
      io.stderr.write(
        `${errStyle.yellow('Interrupted.')} ${
          run.checkpointPath
            ? `Progress is saved in ${run.checkpointPath}: run the same command to resume.`
            : 'Run the same command to finish: nothing is imported twice (add --checkpoint <file> to skip finished conversations without asking the server).'
        }\n`,
      );
      return 130;
    }
    if (error instanceof ImportFailedError) {
      if (error.report.conversations.total > 0) io.stdout.write(`${formatReport(error.report, style, { stopped: true })}\n`);
      throw new Error(importFailedMessage(error, run));
    }
    if (error instanceof SourceParseError) throw new Error(`The file is not valid JSON/NDJSON: ${error.message}`);
    // Its message ends with the library's advice (`remedy`), naming the file to delete when that is the fix.
    if (error instanceof ImportCheckpointError) throw new UsageError(`${error.message}.`);
    throw describeConnectionError(error, run.connection.baseUrl);
  } finally {
    await client.close();
  }
}

function interruptedBeforeImporting(io: CliIO, style: Style): number {
  io.stderr.write(`${style.yellow('Interrupted')} before anything was imported.\n`);
  return 130;
}

function importFailedMessage(error: ImportFailedError, run: ImportRun): string {
  const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
  switch (error.reason) {
    case 'auth':
      return `The server refused the credentials while importing (${cause}). Use an owner, admin or agent account of project ${run.connection.projectId}.`;
    case 'project':
      return `The server has no active project ${run.connection.projectId} (${cause}). Check TILEDESK_PROJECT_ID / --project.`;
    case 'unreachable':
      return `Cannot reach ${run.connection.baseUrl} any more (${cause}). ${
        run.checkpointPath ? `Progress is saved in ${run.checkpointPath}: run the same command` : 'Run the same command (nothing is imported twice)'
      } once the server is up.`;
    case 'source':
      // A pipe is not counted first, so its syntax errors come from the import itself.
      if (error.cause instanceof SourceParseError) return `The ${run.file === STDIN ? 'input' : 'file'} is not valid JSON/NDJSON: ${cause}`;
      return `Could not read ${run.display}: ${cause}`;
    case 'checkpoint':
      return `Could not save the checkpoint ${run.checkpointPath ?? ''}: ${cause}`;
    default:
      return error.message;
  }
}
