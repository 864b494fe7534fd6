// Import conversations from another system into Tiledesk.
//
//   node --import ./examples/register.mjs examples/import-conversations/main.ts [file.ndjson] [--checkpoint <file>]
//
// Part 1 is the "Import multiple messages" tutorial done with the SDK: an anonymous visitor, a conversation created
// for them by an admin, its history imported with the original times, read back in order.
// Part 2 imports a whole export (JSON array or NDJSON of { request, messages }) with progress and a checkpoint:
// stop it at any time (Ctrl-C) and run it again; nothing is imported twice.
//
// Settings: TILEDESK_URL, TILEDESK_PROJECT_ID and an admin's TILEDESK_EMAIL + TILEDESK_PASSWORD (or TILEDESK_TOKEN).
// Without TILEDESK_URL it starts the local Tiledesk-compatible server (in memory) and uses its seeded owner.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ImportAbortedError, importConversations, TiledeskClient, type ImportProgressEvent } from 'tiledesk-sdk';
import { fileCheckpoint, readConversations } from 'tiledesk-sdk/node';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { checkpoint: { type: 'string' } } });
const file = resolve(positionals[0] ?? fileURLToPath(new URL('../data/sample-conversations.ndjson', import.meta.url)));

// --- Where to import: your server, or a local one ---------------------------------------------------------------
let baseUrl = process.env.TILEDESK_URL;
let projectId = process.env.TILEDESK_PROJECT_ID;
let email = process.env.TILEDESK_EMAIL;
let password = process.env.TILEDESK_PASSWORD;
const token = process.env.TILEDESK_TOKEN;
let stopLocalServer: (() => Promise<void>) | undefined;

if (!baseUrl) {
  const { startTiledeskServer } = await import('tiledesk-sdk/testing');
  const server = await startTiledeskServer();
  ({ url: baseUrl } = server);
  projectId = server.project.id;
  ({ email, password } = server.owner);
  stopLocalServer = () => server.close();
  console.log(`Local Tiledesk-compatible server at ${baseUrl} (in memory), project ${projectId}\n`);
}
if (!projectId) throw new Error('Set TILEDESK_PROJECT_ID (the project to import into)');
if (!token && (!email || !password)) throw new Error('Set TILEDESK_EMAIL and TILEDESK_PASSWORD (an admin of the project), or TILEDESK_TOKEN');

// The tutorial authenticates the admin with HTTP Basic (`curl -u email:password`); a token works the same way.
const admin = new TiledeskClient({ baseUrl, projectId, auth: token ? { token } : { basic: { email: email!, password: password! } } });
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

try {
  // --- Part 1: the tutorial, step by step ---------------------------------------------------------------------------
  console.log('1. The tutorial, with the SDK');

  // Step 1. An anonymous end user: its `_id` becomes the requester of the conversation.
  const visitor = await TiledeskClient.signinAnonymously({ baseUrl, projectId, firstname: 'John' });
  console.log(`   visitor signed in anonymously: ${visitor.user._id} (${visitor.user.firstname})`);

  // Step 2. The admin creates the conversation for that visitor (`sender`), with the first message as its summary.
  const request = await admin.requests.create({ sender: visitor.user._id, first_text: 'How can i restore my password' });
  console.log(`   conversation created: ${request.request_id}`);

  // Step 3. The history, imported in one call (`…/messages/multi`); `timestamp` becomes attributes.clienttimestamp.
  const saved = await admin.messages.import(request.request_id, [
    { sender: visitor.user._id, senderFullname: 'John', text: 'How can i restore my password', timestamp: 1665584701710 },
    { sender: 'chatbot1', senderFullname: 'Chatbot', text: 'You can find it here https://tiledesk.com', timestamp: 1665584701711 },
  ]);
  console.log(`   ${saved.length} messages imported (clienttimestamp ${saved.map((m) => m.attributes?.clienttimestamp).join(', ')})`);

  // Step 4. Read back in the original order: the server orders by its own save time, so sort by clienttimestamp.
  const history = await admin.messages.list(request.request_id, { order: 'clienttimestamp' });
  console.log('   read back in order:');
  for (const message of history) console.log(`     ${message.senderFullname}: ${message.text}`);

  // --- Part 2: a whole export, with progress and a checkpoint ---------------------------------------------------------
  const checkpointPath = values.checkpoint ?? join(tmpdir(), `tiledesk-import-example-${projectId}.checkpoint.json`);
  console.log(`\n2. Bulk import of ${file}\n   checkpoint: ${checkpointPath} (run again after a crash or Ctrl-C to resume)`);

  const report = await importConversations(admin, readConversations(file), {
    checkpoint: fileCheckpoint(checkpointPath),
    concurrency: 8,
    signal: controller.signal,
    progressIntervalMs: 500,
    onProgress: printProgress,
  });

  const c = report.conversations;
  const m = report.messages;
  console.log(
    `   conversations: ${c.created} created, ${c.continued} continued, ${c.alreadyComplete} already complete, ` +
      `${c.resumed} done in an earlier run, ${c.failed} failed`,
  );
  console.log(`   messages: ${m.imported} imported, ${m.skipped} already present, ${m.failed} failed (${report.retries} retries)`);
  for (const failure of report.failures) console.log(`   ✗ conversation ${failure.position + 1}: ${failure.code}: ${failure.message}`);
  process.exitCode = c.failed > 0 ? 1 : 0;
} catch (error) {
  if (!(error instanceof ImportAbortedError)) throw error;
  console.log('\n   interrupted: run the same command again to resume from the checkpoint');
  process.exitCode = 130;
} finally {
  await admin.close();
  await stopLocalServer?.();
}

function printProgress(e: ImportProgressEvent): void {
  const line =
    `   ${e.conversations.done}${e.conversations.total === undefined ? '' : `/${e.conversations.total}`} conversations, ` +
    `${e.messages.done} messages, ${Math.round(e.messagesPerSecond)} msg/s, ${e.retries} retries`;
  // Redraw one line on a terminal; one line per event in a log.
  if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K${line}${e.final ? '\n' : ''}`);
  else console.log(line);
}
