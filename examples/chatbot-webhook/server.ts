// An external chatbot for Tiledesk: an HTTP endpoint that receives tiledesk-server's external-bot calls and answers
// with widget messages made by the SDK's builders, sent with `client.messages.send`.
//
//   node --import ./examples/register.mjs examples/chatbot-webhook/server.ts
//
// Settings (environment):
//   TILEDESK_URL, and TILEDESK_TOKEN or TILEDESK_EMAIL + TILEDESK_PASSWORD: the account the bot answers with (an agent
//     of the project). With BOT_REPLY_WITH=webhook-token it answers with the token of each call instead (the bot itself).
//   TILEDESK_BOT_SECRET   optional: the bot's secret; calls whose token it did not sign are refused (401)
//   BOT_NAME              shown as the sender of the answers (default "Example bot")
//   PORT                  default 3030 (0: any free port)
// Without TILEDESK_URL it starts the local Tiledesk-compatible server, simulates one call the way tiledesk-server
// makes it (a visitor says "hi"), prints the bot's answer from the conversation, and keeps serving until Ctrl-C.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { TiledeskClient } from 'tiledesk-sdk';
import type { TiledeskTestServer } from 'tiledesk-sdk/testing';
import { answer, BadCallError, readCall, shouldAnswer, verifyCall, type ExternalBotCall } from './bot.js';

export interface ChatbotOptions {
  /** Sends the answers: a client signed in as an agent of the project, or any client when `replyWith` is `webhook-token`. */
  client: TiledeskClient;
  botName?: string;
  /** The bot's secret, to refuse calls that do not come from your Tiledesk server. */
  botSecret?: string;
  /** `account` (default): answer as `client`'s user. `webhook-token`: answer with each call's `token` (as the bot). */
  replyWith?: 'account' | 'webhook-token';
  /** Senders whose messages are never answered: the user `client` is signed in as, so its own answers do not loop. */
  ownSenders?: Iterable<string>;
  /** Where errors of background answers go (default: stderr). */
  onError?: (error: unknown, call: ExternalBotCall) => void;
}

const MAX_BODY = 1024 * 1024;
const REMEMBERED_CALLS = 1000;

/**
 * The webhook endpoint: `POST /webhook` (and `POST /`). It answers the HTTP call at once with 200 — tiledesk-server
 * does not wait for the bot's messages, and may send a call again when it sees an error — then sends the bot's
 * messages to the conversation, one after the other. A message seen before (same `payload._id`) is not answered twice.
 */
export function createChatbot(options: ChatbotOptions): Server {
  const botName = options.botName ?? 'Example bot';
  const ownSenders = new Set(options.ownSenders ?? []);
  const seen = new Set<string>();
  const onError = options.onError ?? ((error: unknown) => console.error('chatbot: could not answer:', error instanceof Error ? error.message : error));

  async function reply(call: ExternalBotCall): Promise<void> {
    const client = options.replyWith === 'webhook-token' ? options.client.withOptions({ auth: { token: call.token } }) : options.client;
    const requestId = call.payload.request?.request_id ?? call.payload.recipient;
    for (const message of answer(call, botName)) {
      await client.messages.send(requestId, message, { projectId: call.payload.id_project });
    }
  }

  return createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/') return send(res, 200, 'text/plain', `${botName}: POST Tiledesk external-bot calls to /webhook\n`);
    if (req.method !== 'POST' || (req.url !== '/webhook' && req.url !== '/')) return send(res, 404, 'application/json', '{"error":"not found"}');
    readJson(req)
      .then((body) => {
        const call = readCall(body);
        if (options.botSecret !== undefined && !verifyCall(call, options.botSecret)) {
          return send(res, 401, 'application/json', '{"error":"the token is not signed with this bot\'s secret"}');
        }
        send(res, 200, 'application/json', '{"success":true}');
        if (seen.has(call.payload._id) || !shouldAnswer(call, ownSenders)) return;
        if (seen.size >= REMEMBERED_CALLS) seen.delete(seen.values().next().value as string);
        seen.add(call.payload._id);
        reply(call).catch((error: unknown) => onError(error, call));
      })
      .catch((error: unknown) => {
        if (error instanceof BadCallError) return send(res, 400, 'application/json', JSON.stringify({ error: error.message }));
        if (error instanceof BodyTooLarge) return send(res, 413, 'application/json', '{"error":"body too large"}');
        return send(res, 400, 'application/json', '{"error":"the body is not JSON"}');
      });
  });
}

class BodyTooLarge extends Error {}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new BodyTooLarge());
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type }).end(body);
}

export function listen(server: Server, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

// ---------------------------------------------------------------------------------------------------------------------
// Run as a program.

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3030);
  const botName = process.env.BOT_NAME ?? 'Example bot';
  const replyWith = process.env.BOT_REPLY_WITH === 'webhook-token' ? 'webhook-token' : 'account';
  let baseUrl = process.env.TILEDESK_URL;
  let token = process.env.TILEDESK_TOKEN;
  let local: TiledeskTestServer | undefined;

  if (!baseUrl) {
    const { startTiledeskServer } = await import('tiledesk-sdk/testing');
    local = await startTiledeskServer();
    baseUrl = local.url;
    token = local.agent.token;
    console.log(`Local Tiledesk-compatible server at ${baseUrl} (in memory); the bot answers as ${local.agent.email}`);
  } else if (!token && replyWith === 'account') {
    const email = process.env.TILEDESK_EMAIL;
    const password = process.env.TILEDESK_PASSWORD;
    if (!email || !password) throw new Error('Set TILEDESK_TOKEN, or TILEDESK_EMAIL and TILEDESK_PASSWORD: the account the bot answers with');
    ({ token } = await TiledeskClient.signin({ baseUrl, email, password }));
  }

  const client = new TiledeskClient({ baseUrl, ...(token ? { auth: { token } } : {}) });
  const ownSenders = token ? [(await client.users.me())._id] : [];
  const server = createChatbot({ client, botName, replyWith, ownSenders, ...(process.env.TILEDESK_BOT_SECRET ? { botSecret: process.env.TILEDESK_BOT_SECRET } : {}) });
  const url = await listen(server, port);
  console.log(`${botName} listening on ${url}/webhook`);
  if (!local) console.log('In Tiledesk: Settings > Bots > Add bot > External, with this URL (reachable from your server), then route a department to it.');

  const stop = async () => {
    await close(server);
    await client.close();
    await local?.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  if (local) {
    await selfCheck(local, `${url}/webhook`);
    if (process.argv.includes('--once')) await stop();
    else console.log('Serving until Ctrl-C.');
  }
}

/** A visitor says "hi"; the call tiledesk-server would make for it is sent to the bot; the bot's answer is printed. */
async function selfCheck(local: TiledeskTestServer, webhook: string): Promise<void> {
  const projectId = local.project.id;
  const visitor = await TiledeskClient.signinAnonymously({ baseUrl: local.url, projectId, firstname: 'Ada' });
  const guest = new TiledeskClient({ baseUrl: local.url, projectId, auth: { token: visitor.token } });
  const botId = randomUUID().replaceAll('-', '').slice(0, 24);
  const requestId = `support-group-${projectId}-${randomUUID().replaceAll('-', '')}`;
  try {
    const { request, ...message } = await guest.messages.send(requestId, { text: 'hi', senderFullname: 'Ada' });
    // As tiledesk-server does: the conversation embedded without its snapshot, the bot among its participants.
    const { snapshot: _snapshot, ...conversation } = request ?? { request_id: requestId, participants: [] };
    const call = {
      timestamp: Date.now(),
      payload: { ...message, request: { ...conversation, participants: [...(conversation.participants ?? []), `bot_${botId}`] } },
      hook: { _id: botId, name: 'Example bot', type: 'external', url: webhook, id_project: projectId },
      token: local.signJwt({ _id: botId, name: 'Example bot', sub: 'bot', aud: `https://tiledesk.com/bots/${botId}`, iss: 'https://tiledesk.com' }, 'the-bot-secret'),
    };
    console.log(`Simulated call: Ada said "hi" in ${requestId}`);
    await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'tiledesk-bot' }, body: JSON.stringify(call) });
    const admin = new TiledeskClient({ baseUrl: local.url, projectId, auth: { token: local.owner.token } });
    try {
      for (let i = 0; i < 50; i++) {
        const messages = await admin.messages.list(requestId);
        const answers = messages.filter((m) => m.sender !== message.sender);
        if (answers.length > 0) {
          for (const m of answers) console.log(`  ${m.senderFullname}: ${JSON.stringify({ type: m.type, text: m.text, attributes: m.attributes })}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      console.log('  (no answer yet)');
    } finally {
      await admin.close();
    }
  } finally {
    await guest.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
