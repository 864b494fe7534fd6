// The chatbot's logic: what a Tiledesk external-bot call looks like, when to answer it, and what to answer.
// No HTTP here (see server.ts), so it can be read and tested on its own.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { buttons, card, gallery, image, split, text, wait, type OutboundMessage } from 'tiledesk-sdk/messages';

/**
 * The body tiledesk-server POSTs to an external bot's `url` for every new message of a conversation the bot takes
 * part in (see README.md for the full shape and where it comes from).
 */
export interface ExternalBotCall {
  /** When the server sent it (ms). */
  timestamp: number;
  /** The message just created, with its conversation embedded (`request`, without `snapshot`). */
  payload: BotCallMessage;
  /** The bot (faq_kb document): `_id`, `name`, `type`, `url`, `id_project`, … */
  hook: { _id: string; name?: string; [field: string]: unknown };
  /** A JWT for this bot (`sub: "bot"`, `aud: "https://tiledesk.com/bots/<bot id>"`), signed with the bot's secret. */
  token: string;
}

export interface BotCallMessage {
  _id: string;
  sender: string;
  senderFullname?: string;
  /** The conversation's `request_id`. */
  recipient: string;
  text?: string;
  type?: string;
  attributes?: Record<string, unknown>;
  id_project: string;
  request?: { request_id: string; id_project?: string; participants?: string[]; language?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export class BadCallError extends Error {
  override readonly name = 'BadCallError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the fields the bot relies on; throws `BadCallError` naming the first one missing. */
export function readCall(body: unknown): ExternalBotCall {
  if (!isObject(body)) throw new BadCallError('the body is not a JSON object');
  const { payload, hook, token } = body;
  if (!isObject(payload)) throw new BadCallError('payload is missing');
  for (const field of ['_id', 'sender', 'recipient', 'id_project'] as const) {
    if (typeof payload[field] !== 'string' || payload[field] === '') throw new BadCallError(`payload.${field} is missing`);
  }
  if (!isObject(hook) || typeof hook._id !== 'string') throw new BadCallError('hook._id is missing');
  if (typeof token !== 'string') throw new BadCallError('token is missing');
  return body as unknown as ExternalBotCall;
}

/**
 * Whether the call really comes from your Tiledesk server: its `token` must be signed (HS256) with the bot's secret
 * (shown when the bot is created) and be meant for this bot. Do not trust `hook.secret` from the body for this.
 */
export function verifyCall(call: ExternalBotCall, botSecret: string): boolean {
  const [header, claims, signature] = call.token.replace(/^JWT /, '').split('.');
  if (!header || !claims || !signature) return false;
  const expected = createHmac('sha256', botSecret).update(`${header}.${claims}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  try {
    const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
    const { aud, sub } = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { aud?: string; sub?: string };
    return alg === 'HS256' && sub === 'bot' && aud === `https://tiledesk.com/bots/${call.hook._id}`;
  } catch {
    return false;
  }
}

const START = /^[\\/]start$/i;

/**
 * Whether to answer. tiledesk-server already skips system messages (except `\start`), texts containing `\agent` or
 * `\close`, and messages sent as the bot itself; this also skips messages sent by the account the bot replies with
 * (otherwise its own replies would come back to it) and hidden info messages.
 */
export function shouldAnswer(call: ExternalBotCall, ownSenders: ReadonlySet<string>): boolean {
  const { payload } = call;
  const content = (payload.text ?? '').trim();
  // Answering with the webhook token, the bot's messages have `sender` = its bare id (no `bot_` prefix).
  if (ownSenders.has(payload.sender) || payload.sender === call.hook._id || payload.sender === `bot_${call.hook._id}`) return false;
  if (payload.sender === 'system') return START.test(content);
  if (content.includes('\\agent') || content.includes('\\close')) return false;
  const subtype = payload.attributes?.subtype;
  if (subtype === 'info' || subtype === 'info/support') return START.test(content);
  return true;
}

const MENU = ['Pricing', 'Product tour', 'Talk to a human'] as const;

/** The answer to one message: widget messages made with the builders, sent in this order. */
export function answer(call: ExternalBotCall, botName: string): OutboundMessage[] {
  const content = (call.payload.text ?? '').trim().toLowerCase();
  const firstName = START.test(content) ? undefined : call.payload.senderFullname?.trim().split(/\s+/)[0];
  const said = (pattern: RegExp) => pattern.test(content);

  if (START.test(content) || said(/^(hi|hello|hey|ciao|good (morning|afternoon|evening))\b/)) {
    return [
      split(text(`Hi${firstName ? ` ${firstName}` : ''}! 👋 I'm ${botName}.`), wait(600), text('What can I do for you?').quickReplies(...MENU))
        .withSender(botName)
        .toJSON(),
    ];
  }
  if (said(/pric|plan|cost|how much/)) {
    return [
      gallery(
        card({ title: 'Starter', description: 'Free · 1 agent · chat widget', image: 'https://example.com/plans/starter.png', buttons: [buttons.url('Start free', 'https://example.com/signup?plan=starter')] }),
        card({ title: 'Team', description: '€25 per agent / month · chatbots · analytics', image: 'https://example.com/plans/team.png', buttons: [buttons.url('Try Team', 'https://example.com/signup?plan=team'), buttons.text('Talk to a human')] }),
      )
        .withSender(botName)
        .toJSON(),
    ];
  }
  if (said(/tour|product|screenshot|demo/)) {
    return [
      image('https://example.com/images/dashboard.png', { width: 800, height: 500, text: 'The agent dashboard' }).withSender(botName).toJSON(),
      text('Want to see it with your own data?').buttons(buttons.url('Book a demo', 'https://example.com/demo', { target: 'blank' }), buttons.text('Pricing')).withSender(botName).toJSON(),
    ];
  }
  if (said(/human|agent|person|operator/)) {
    return [
      text('Sure, I am moving you to a person. Please wait a moment.').withSender(botName).toJSON(),
      // The handoff command: tiledesk-server removes the bot and routes the conversation to a human. Hidden (info).
      text('\\agent').hidden().withSender(botName).toJSON(),
    ];
  }
  return [text("Sorry, I didn't get that. I can help with:").quickReplies(...MENU).withSender(botName).toJSON()];
}
