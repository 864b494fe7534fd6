import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TiledeskClient, type Message } from '../../src/index.js';
import { split, text, wait } from '../../src/messages/index.js';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import type { Child } from '../cli/helpers.js';
import { asSent, pricingGallery, runExample, within } from './helpers.js';

const BOT_SECRET = 'bot-secret-1f2e3d';
let server: TiledeskTestServer;
let admin: TiledeskClient;
let bot: Child;
let webhook: string;
const botId = randomUUID().replaceAll('-', '').slice(0, 24);

async function startBot(env: Record<string, string>): Promise<{ child: Child; url: string }> {
  const child = runExample('examples/chatbot-webhook/server.ts', [], { TILEDESK_URL: server.url, PORT: '0', ...env });
  await child.stdout.waitFor(/listening on (http:\S+)\/webhook\n/, 30_000);
  return { child, url: /listening on (http:\S+)\/webhook\n/.exec(child.stdout.text)![1]! };
}

beforeAll(async () => {
  server = await startTiledeskServer();
  admin = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token } });
  ({ child: bot, url: webhook } = await startBot({ TILEDESK_TOKEN: server.agent.token, TILEDESK_BOT_SECRET: BOT_SECRET, BOT_NAME: 'Acme bot' }));
});
afterAll(async () => {
  bot?.process.kill('SIGTERM');
  if (bot) await within(bot.exited, 10_000, 'the bot to stop');
  await admin.close();
  await server.close();
});

/** A visitor's message, and the call tiledesk-server makes for it (services/BotSubscriptionNotifier.js). */
async function visitorMessage(text: string, requestId = `support-group-${server.project.id}-${randomUUID().replaceAll('-', '')}`) {
  const visitor = await admin.auth.signinAnonymously({ firstname: 'Ada', lastname: 'Lovelace' });
  const guest = admin.withOptions({ auth: { token: visitor.token } });
  const { request, ...message } = await guest.messages.send(requestId, { text, senderFullname: 'Ada Lovelace' });
  const { snapshot: _snapshot, ...conversation } = request!;
  const call = {
    timestamp: Date.now(),
    payload: { ...message, request: { ...conversation, participants: [...(conversation.participants ?? []), `bot_${botId}`] } },
    hook: { _id: botId, name: 'Acme bot', type: 'external', url: `${webhook}/webhook`, id_project: server.project.id, language: 'en', secret: BOT_SECRET },
    token: server.signJwt({ _id: botId, name: 'Acme bot', type: 'external', id_project: server.project.id, iss: 'https://tiledesk.com', sub: 'bot', aud: `https://tiledesk.com/bots/${botId}`, jti: randomUUID() }, BOT_SECRET),
  };
  return { requestId, message, call };
}

async function post(url: string, body: unknown) {
  const res = await fetch(`${url}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'tiledesk-bot', origin: 'http://localhost:3000' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function answersIn(requestId: string, visitorId: string, count: number): Promise<Message[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answers = (await admin.messages.list(requestId)).filter((m) => m.sender !== visitorId && m.sender !== 'system');
    if (answers.length >= count) return answers;
    if (Date.now() > deadline) throw new Error(`expected ${count} answers in ${requestId}, got ${answers.length}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}


describe('examples/chatbot-webhook', () => {
  it('answers a greeting with a split message with quick replies, stored exactly as built, sent as the bot account', async () => {
    const { requestId, message, call } = await visitorMessage('Hello there');
    expect(await post(webhook, call)).toEqual({ status: 200, body: { success: true } });
    const [reply] = await answersIn(requestId, message.sender, 1);
    const expected = split(text("Hi Ada! 👋 I'm Acme bot."), wait(600), text('What can I do for you?').quickReplies('Pricing', 'Product tour', 'Talk to a human'))
      .withSender('Acme bot')
      .toJSON();
    expect(asSent(reply!, expected)).toEqual(expected);
    expect(reply!.sender).toBe(server.agent.userId);
  });

  it('answers "pricing" with a gallery, and a request for a person with the hidden \\agent handoff command', async () => {
    const pricing = await visitorMessage('How much does it cost?');
    await post(webhook, pricing.call);
    const [plans] = await answersIn(pricing.requestId, pricing.message.sender, 1);
    const expected = pricingGallery('Acme bot');
    expect(asSent(plans!, expected)).toEqual(expected);

    const human = await visitorMessage('I want to talk to a human');
    await post(webhook, human.call);
    const answers = await answersIn(human.requestId, human.message.sender, 2);
    expect(answers.map((m) => [m.text, m.attributes?.subtype])).toEqual([
      ['Sure, I am moving you to a person. Please wait a moment.', undefined],
      ['\\agent', 'info'],
    ]);
  });

  it('answers the \\start system message, not other system messages, its own messages, or a call seen before', async () => {
    const { requestId, message, call } = await visitorMessage('hi');
    await post(webhook, call);
    await answersIn(requestId, message.sender, 1);
    // The same call again (tiledesk-server may resend it): acknowledged, not answered twice.
    expect((await post(webhook, call)).status).toBe(200);
    const own = { ...call, payload: { ...call.payload, _id: randomUUID(), sender: server.agent.userId, text: 'hello from the bot account' } };
    expect((await post(webhook, own)).status).toBe(200);
    // Sent with a webhook token, the bot's own messages carry its bare id as `sender` (seen on the real server).
    const ownAsBot = { ...call, payload: { ...call.payload, _id: randomUUID(), sender: botId, text: 'hello from the bot itself' } };
    expect((await post(webhook, ownAsBot)).status).toBe(200);
    const system = { ...call, payload: { ...call.payload, _id: randomUUID(), sender: 'system', text: 'Chat closed', attributes: { subtype: 'info/support' } } };
    expect((await post(webhook, system)).status).toBe(200);
    const start = { ...call, payload: { ...call.payload, _id: randomUUID(), sender: 'system', text: '\\start', attributes: { subtype: 'info' } } };
    expect((await post(webhook, start)).status).toBe(200);
    // Only \start got an answer: the greeting again, without a name (system sent it).
    const answers = await answersIn(requestId, message.sender, 2);
    expect(answers.map((m) => m.text?.split('\n')[0])).toEqual(["Hi Ada! 👋 I'm Acme bot.", "Hi! 👋 I'm Acme bot."]);
  });

  it('refuses calls whose token is not signed with the bot secret, and bodies that are not calls', async () => {
    const { call } = await visitorMessage('hi');
    const forged = { ...call, token: server.signJwt({ _id: botId, sub: 'bot', aud: `https://tiledesk.com/bots/${botId}` }, 'guessed-secret') };
    expect(await post(webhook, forged)).toEqual({ status: 401, body: { error: "the token is not signed with this bot's secret" } });
    const otherBot = { ...call, token: server.signJwt({ _id: botId, sub: 'bot', aud: 'https://tiledesk.com/bots/another' }, BOT_SECRET) };
    expect((await post(webhook, otherBot)).status).toBe(401);
    expect(await post(webhook, { payload: { text: 'hi' } })).toEqual({ status: 400, body: { error: 'payload._id is missing' } });
    expect(await post(webhook, '{not json')).toEqual({ status: 400, body: { error: 'the body is not JSON' } });
  });

  it('with BOT_REPLY_WITH=webhook-token it answers with the token each call carries', async () => {
    const second = await startBot({ BOT_REPLY_WITH: 'webhook-token' });
    try {
      const { requestId, message, call } = await visitorMessage('product tour please');
      // The local server has no bots, so an owner token stands in for the bot token tiledesk-server would send.
      await post(second.url, { ...call, token: server.owner.token.replace(/^JWT /, '') });
      const answers = await answersIn(requestId, message.sender, 2);
      expect(answers.map((m) => [m.sender, m.type])).toEqual([[server.owner.userId, 'image'], [server.owner.userId, 'text']]);
      expect(answers[0]!.metadata).toEqual({ src: 'https://example.com/images/dashboard.png', width: 800, height: 500 });
    } finally {
      second.child.process.kill('SIGTERM');
      await within(second.child.exited, 10_000, 'the second bot to stop');
    }
  });

  it('without settings it starts the local server and simulates one call (--once ends it)', async () => {
    const child = runExample('examples/chatbot-webhook/server.ts', ['--once'], { PORT: '0' });
    expect(await within(child.exited, 30_000, 'the self-check to end')).toBe(0);
    expect(child.stdout.text).toContain('Simulated call: Ada said "hi"');
    expect(child.stdout.text).toMatch(/ {2}Example bot: \{"type":"text","text":"Hi Ada! 👋 I'm Example bot\.\\nWhat can I do for you\?","attributes":\{"commands":/);
  });
});
