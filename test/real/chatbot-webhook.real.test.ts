/**
 * The external-bot webhook of the real tiledesk-server (services/BotSubscriptionNotifier.js), captured rather than
 * reconstructed from its sources: an `external` bot whose `url` is a listener of this test, a visitor's message, and
 * the call that arrives — checked against what examples/chatbot-webhook/README.md documents. Then the example itself
 * (examples/chatbot-webhook/server.ts) is the bot's `url` and answers the real server's calls, in both reply modes.
 *
 * The real server must be able to reach this machine: by default the listeners' address is 127.0.0.1, right for the
 * loopback server `npm run test:real` starts; for a remote server set TILEDESK_REAL_WEBHOOK_HOST to an address of
 * this machine it can reach.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TiledeskClient, type Message } from '../../src/index.js';
import { split, text, wait } from '../../src/messages/index.js';
import { readCall, verifyCall } from '../../examples/chatbot-webhook/bot.js';
import type { Child } from '../cli/helpers.js';
import { asSent, pricingGallery, runExample, within } from '../examples/helpers.js';
import { realTarget } from '../helpers/target.js';

const target = realTarget();
const baseUrl = target?.url ?? '';
const stamp = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
const email = target?.email ?? `sdk-bot-${stamp}@example.com`;
const password = target?.password ?? `Pw-${stamp}!`;
const listenHost = process.env.TILEDESK_REAL_WEBHOOK_HOST ?? '127.0.0.1';
let projectId = target?.projectId ?? '';
let admin: TiledeskClient;
let adminToken: string;
let adminId: string;

interface Bot {
  _id: string;
  secret: string;
  url: string;
  name: string;
}

/** Bots have no SDK resource (they are out of its scope): created with a plain call, as the dashboard does. */
async function createExternalBot(name: string, url: string): Promise<Bot> {
  const res = await fetch(`${baseUrl}/${projectId}/faq_kb`, {
    method: 'POST',
    headers: { authorization: adminToken, 'content-type': 'application/json' },
    body: JSON.stringify({ name, type: 'external', url }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Bot;
}

/** A visitor opens a conversation, the bot is added to it, and the visitor says `said`. */
async function conversationWithBot(bot: Bot, said: string) {
  const visitor = await admin.auth.signinAnonymously({ firstname: 'Ada', lastname: 'Lovelace' });
  const guest = admin.withOptions({ auth: { token: visitor.token } });
  const requestId = `support-group-${projectId}-${crypto.randomUUID().replaceAll('-', '')}`;
  await guest.messages.send(requestId, { text: 'Hello', senderFullname: 'Ada Lovelace' });
  await admin.requests.participants.add(requestId, `bot_${bot._id}`);
  const { request: _request, ...message } = await guest.messages.send(requestId, { text: said, senderFullname: 'Ada Lovelace' });
  return { requestId, visitorId: visitor.user._id, message, guest };
}

/** Reads until `done` holds for what `read` returns; fails after 20 s with `what` and the last value. */
async function eventually<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string, everyMs = 100): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)?.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Messages of the conversation after the visitor's `said` one, once there are `count` of them. */
async function repliesAfter(requestId: string, saidId: string, count: number): Promise<Message[]> {
  return eventually(
    async () => {
      const all = await admin.messages.list(requestId);
      return all.slice(all.findIndex((m) => m._id === saidId) + 1).filter((m) => m.sender !== 'system');
    },
    (found) => found.length >= count,
    `${count} replies in ${requestId}`,
  );
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

beforeAll(async () => {
  if (!target) throw new Error('TILEDESK_REAL_URL is not set: run this file through `npm run test:real`');
  if (!target.email) await TiledeskClient.signup({ baseUrl, email, password, firstname: 'Sdk', lastname: 'Bot' });
  const signedIn = await TiledeskClient.signin({ baseUrl, email, password });
  adminToken = signedIn.token;
  adminId = signedIn.user._id;
  const owner = new TiledeskClient({ baseUrl, auth: { token: adminToken } });
  if (!projectId) projectId = (await owner.projects.create({ name: `sdk-bot-${stamp}` }))._id;
  await owner.close();
  admin = new TiledeskClient({ baseUrl, projectId, auth: { token: adminToken } });
});

afterAll(async () => {
  await admin?.close();
});

describe('the call tiledesk-server makes to an external bot (captured)', () => {
  interface Captured {
    path: string | undefined;
    headers: IncomingHttpHeaders;
    body: unknown;
  }
  const calls: Captured[] = [];
  let listener: Server;
  let bot: Bot;

  beforeAll(async () => {
    listener = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        calls.push({ path: req.url, headers: req.headers, body: JSON.parse(body) as unknown });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
      });
    });
    await new Promise<void>((resolve) => listener.listen(0, listenHost, resolve));
    bot = await createExternalBot('Capture bot', `http://${listenHost}:${(listener.address() as AddressInfo).port}/webhook`);
  });
  afterAll(async () => {
    listener.closeAllConnections();
    await new Promise((resolve) => listener.close(resolve));
  });

  async function callFor(messageId: string): Promise<Captured> {
    const call = await eventually(
      () => calls.find((c) => (c.body as { payload?: { _id?: string } }).payload?._id === messageId),
      (found) => found !== undefined,
      `the call for message ${messageId}`,
      50,
    );
    return call!;
  }

  it('creating an external bot answers its secret (once: later reads leave it out)', () => {
    expect(bot).toMatchObject({ name: 'Capture bot', type: 'external', id_project: projectId });
    expect(typeof bot.secret).toBe('string');
    expect(bot.secret.length).toBeGreaterThan(8);
  });

  it('POST <bot url>: JSON with the User-Agent and Origin the README documents', async () => {
    const { message } = await conversationWithBot(bot, 'How much does it cost?');
    const call = await callFor(message._id);
    expect(call.path).toBe('/webhook');
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers['user-agent']).toBe('tiledesk-bot');
    // WEBHOOK_ORIGIN, whose default is http://localhost:3000 whatever the server's own address.
    expect(call.headers.origin).toMatch(/^https?:\/\//);
  });

  it('{ timestamp, payload: the message with its conversation (no snapshot), hook: the bot with its secret, token }', async () => {
    const before = Date.now();
    const { requestId, visitorId, message } = await conversationWithBot(bot, 'pricing?');
    const { body } = await callFor(message._id);
    const call = readCall(body);

    expect(call.timestamp).toBeGreaterThanOrEqual(before - 5_000);
    expect(call.payload).toMatchObject({
      _id: message._id,
      sender: visitorId,
      senderFullname: 'Ada Lovelace',
      recipient: requestId,
      text: 'pricing?',
      type: 'text',
      id_project: projectId,
    });
    const conversation = call.payload.request!;
    expect(conversation.request_id).toBe(requestId);
    expect(conversation.participants).toContain(`bot_${bot._id}`);
    expect(conversation).toMatchObject({ hasBot: true, participantsBots: [bot._id] });
    expect(conversation).not.toHaveProperty('snapshot');
    // Populated: the lead and the requester are documents, not ids.
    expect(conversation.lead).toMatchObject({ lead_id: visitorId, fullname: 'Ada Lovelace' });
    expect(conversation.requester).toMatchObject({ uuid_user: visitorId, role: 'guest' });

    // The bot document, secret included (selected for signing, then sent along).
    expect(call.hook).toMatchObject({ _id: bot._id, name: 'Capture bot', type: 'external', url: bot.url, secret: bot.secret });
  });

  it('token: a bare JWT of the bot (no secret in it) signed HS256 with the bot secret, sub "bot", aud .../bots/<id>', async () => {
    const { message } = await conversationWithBot(bot, 'hi there');
    const call = readCall((await callFor(message._id)).body);

    expect(call.token).not.toMatch(/^JWT /);
    const claims = claimsOf(call.token);
    expect(claims).toMatchObject({ _id: bot._id, name: 'Capture bot', iss: 'https://tiledesk.com', sub: 'bot', aud: `https://tiledesk.com/bots/${bot._id}` });
    expect(typeof claims.jti).toBe('string');
    expect(claims).not.toHaveProperty('secret');
    expect(claims).not.toHaveProperty('exp');
    // The example's check: right secret yes, any other no.
    expect(verifyCall(call, bot.secret)).toBe(true);
    expect(verifyCall(call, `${bot.secret}x`)).toBe(false);
  });

  it('the token is accepted on REST calls (Authorization: JWT <token>): the bot can answer as itself', async () => {
    const { requestId, message } = await conversationWithBot(bot, 'anyone there?');
    const call = readCall((await callFor(message._id)).body);
    const asBot = admin.withOptions({ auth: { token: call.token } });
    const sent = await asBot.messages.send(requestId, { text: 'Yes, the bot is here.' });
    // The sender is the bot's bare id: no `bot_` prefix, unlike its participant entry.
    expect(sent.sender).toBe(bot._id);
    expect(sent.senderFullname).toBe('Capture bot');
  });

  it('\\agent acts once the message is RECEIVED (status 200): routed again without bots, the bot leaves', async () => {
    const { requestId, message } = await conversationWithBot(bot, 'I want a person');
    const asBot = admin.withOptions({ auth: { token: readCall((await callFor(message._id)).body).token } });
    const botLeft = async () =>
      eventually(async () => (await admin.requests.get(requestId)).participants ?? [], (p) => !p.includes(`bot_${bot._id}`), 'the bot to leave');
    // tiledesk-server runs `\agent`, `\close`… on `message.received`, i.e. when a message's status becomes RECEIVED:
    // chat21 sets it on delivery. Posted over REST a message is SENDING (0) until then; status 200 acts at once.
    await asBot.messages.send(requestId, { text: '\\agent', attributes: { subtype: 'info' }, status: 200 });
    expect(await botLeft()).toEqual([adminId]);
  });
});

describe('examples/chatbot-webhook against the real server', () => {
  async function startExample(env: Record<string, string>): Promise<{ child: Child; bot: Bot }> {
    const child = runExample('examples/chatbot-webhook/server.ts', [], { TILEDESK_URL: baseUrl, PORT: '0', BOT_NAME: 'Acme bot', ...env });
    await child.stdout.waitFor(/listening on (http:\S+)\/webhook\n/, 30_000);
    const port = new URL(/listening on (http:\S+)\/webhook\n/.exec(child.stdout.text)![1]!).port;
    return { child, bot: await createExternalBot('Acme bot', `http://${listenHost}:${port}/webhook`) };
  }

  async function stop(child: Child): Promise<void> {
    child.process.kill('SIGTERM');
    await within(child.exited, 10_000, 'the bot to stop');
  }

  it('BOT_REPLY_WITH=webhook-token: a department routes the conversation to the bot, which answers as itself', async () => {
    const { child, bot } = await startExample({ BOT_REPLY_WITH: 'webhook-token' });
    try {
      // As in production: a department whose bot takes every new conversation (`id_bot`).
      const dept = await fetch(`${baseUrl}/${projectId}/departments`, {
        method: 'POST',
        headers: { authorization: adminToken, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Bot first ${stamp}`, routing: 'assigned', id_bot: bot._id }),
      });
      expect(dept.status).toBe(200);
      const departmentid = ((await dept.json()) as { _id: string })._id;
      const visitor = await admin.auth.signinAnonymously({ firstname: 'Ada', lastname: 'Lovelace' });
      const guest = admin.withOptions({ auth: { token: visitor.token } });
      const requestId = `support-group-${projectId}-${crypto.randomUUID().replaceAll('-', '')}`;
      const { request, ...first } = await guest.messages.send(requestId, { text: 'How much does it cost?', senderFullname: 'Ada Lovelace', departmentid });
      expect(request?.participants).toEqual([`bot_${bot._id}`]);

      const [plans] = await repliesAfter(requestId, first._id, 1);
      const expected = pricingGallery('Acme bot');
      expect(asSent(plans!, expected)).toEqual(expected);
      // Sent with the call's token, as the bot: `sender` is the bot's bare id (no `bot_` prefix).
      expect(plans!.sender).toBe(bot._id);

      const human = await guest.messages.send(requestId, { text: 'I want to talk to a human', senderFullname: 'Ada Lovelace' });
      const handoff = await repliesAfter(requestId, human._id, 2);
      expect(handoff.slice(0, 2).map((m) => [m.sender, m.text, m.attributes?.subtype])).toEqual([
        [bot._id, 'Sure, I am moving you to a person. Please wait a moment.', undefined],
        [bot._id, '\\agent', 'info'],
      ]);
      expect(child.stderr.text).toBe('');
    } finally {
      await stop(child);
    }
  });

  it('account mode: answers as the agent it signs in as, and does not answer its own answers', async () => {
    const { child, bot } = await startExample({ TILEDESK_EMAIL: email, TILEDESK_PASSWORD: password });
    try {
      const { requestId, message, guest } = await conversationWithBot(bot, 'hello');
      const [greeting] = await repliesAfter(requestId, message._id, 1);
      const expected = split(text("Hi Ada! 👋 I'm Acme bot."), wait(600), text('What can I do for you?').quickReplies('Pricing', 'Product tour', 'Talk to a human'))
        .withSender('Acme bot')
        .toJSON();
      expect(asSent(greeting!, expected)).toEqual(expected);
      expect(greeting!.sender).toBe(adminId);

      // The server also calls the bot for the agent's own answer; were it answered, an extra reply would come
      // before the answer to this next message.
      const next = await guest.messages.send(requestId, { text: 'product tour', senderFullname: 'Ada Lovelace' });
      const replies = await repliesAfter(requestId, next._id, 2);
      expect(replies.map((m) => [m.sender, m.type])).toEqual([[adminId, 'image'], [adminId, 'text']]);
      const all = await admin.messages.list(requestId);
      expect(all.filter((m) => m.sender === adminId).map((m) => m.type)).toEqual(['text', 'image', 'text']);
      expect(child.stderr.text).toBe('');
    } finally {
      await stop(child);
    }
  });
});
