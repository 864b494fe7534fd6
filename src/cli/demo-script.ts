import { randomUUID } from 'node:crypto';
import { actionMessage, buttons, card, gallery, image, split, text, wait } from '../messages/builders.js';
import { TiledeskClient } from '../rest/client.js';
import type { SendMessageParams } from '../rest/resources/messages.js';
import { sleep } from './io.js';

/** One step of a scripted chat. Bot messages are built with the message builders, exactly as a chatbot would. */
export type DemoStep =
  | { visitor: string | SendMessageParams }
  | { bot: SendMessageParams }
  | { close: true };

export interface DemoVisitor {
  firstname: string;
  lastname: string;
  /** When the visitor starts, as a fraction of the live phase. */
  startAt: number;
  steps: DemoStep[];
}

const BOT_NAME = 'Demo bot';
const bot = (message: { toJSON(): object }): DemoStep => ({ bot: message.toJSON() as SendMessageParams });

/** Three visitors: pricing questions answered with a gallery, an order problem handed to a human, a product tour. */
export const DEMO_VISITORS: readonly DemoVisitor[] = [
  {
    firstname: 'Ada',
    lastname: 'Lovelace',
    startAt: 0,
    steps: [
      { visitor: 'Hi! Do you have a plan for small teams?' },
      bot(split(text("Hi Ada 👋 I'm the demo bot."), wait(700), text('What would you like to know?').quickReplies('Pricing', 'Features', 'Talk to a human')).withSender(BOT_NAME)),
      { visitor: 'Pricing' },
      bot(
        gallery(
          card({ title: 'Basic', description: 'Free · 1 agent · chat widget', image: 'https://example.com/plans/basic.png', buttons: [buttons.url('Choose Basic', 'https://example.com/pricing#basic')] }),
          card({ title: 'Team', description: '€25 per agent / month · bots · analytics', image: 'https://example.com/plans/team.png', buttons: [buttons.url('Choose Team', 'https://example.com/pricing#team')] }),
        ).withSender(BOT_NAME),
      ),
      { visitor: "Thanks, that's all!" },
      bot(text('Happy to help! I am closing this chat; write again any time.').withSender(BOT_NAME)),
      { close: true },
    ],
  },
  {
    firstname: 'Marco',
    lastname: 'Rossi',
    startAt: 0.22,
    steps: [
      { visitor: "My order A-1042 hasn't arrived yet" },
      bot(
        text('Sorry about that, Marco. You can follow the parcel here:')
          .buttons(buttons.url('Track order A-1042', 'https://example.com/track/A-1042'), buttons.action('Talk to a human', 'handoff', { showEcho: true }))
          .withSender(BOT_NAME),
      ),
      // What the widget sends when the visitor clicks an action button.
      { visitor: actionMessage('Talk to a human', 'handoff').toJSON() as SendMessageParams },
      bot(text('Sure: an agent will join this chat shortly (typical reply time: 2 minutes).').withSender(BOT_NAME)),
    ],
  },
  {
    firstname: 'Yuki',
    lastname: 'Tanaka',
    startAt: 0.45,
    steps: [
      { visitor: 'Can I see what the chat widget looks like?' },
      bot(image('https://example.com/images/widget-preview.png', { width: 600, height: 400, text: 'The chat widget on a website' }).withSender(BOT_NAME)),
      { visitor: 'Nice! How do I install it?' },
      bot(
        split(
          text('It takes one snippet of HTML.'),
          wait(600),
          text('Here is the guide:').buttons(buttons.url('Install the widget', 'https://developer.tiledesk.com/widget/web-sdk')),
        ).withSender(BOT_NAME),
      ),
      { visitor: 'Great, thanks!' },
      bot(text('You are welcome! 👋').withSender(BOT_NAME)),
      { close: true },
    ],
  },
];

export interface DemoScriptContext {
  admin: TiledeskClient;
  baseUrl: string;
  projectId: string;
  /** Length of the live phase; visitors start at their `startAt` fraction of it. */
  durationMs: number;
  signal: AbortSignal;
  /** Reports a step that failed (the demo goes on). */
  onError: (who: string, error: unknown) => void;
}

export interface DemoScriptResult {
  visitors: number;
  botMessages: number;
  visitorMessages: number;
  /** Conversations the script opened and did not close. */
  openRequestIds: string[];
}

/**
 * Plays the visitors: each signs in anonymously, opens a conversation with its first message (REST), and the bot
 * (the signed-in account) answers with builder-made messages; some conversations end closed. Steps are spaced so the
 * whole script fits in the live phase. Stops at once when `signal` aborts.
 */
export async function runDemoScript(ctx: DemoScriptContext, visitors: readonly DemoVisitor[] = DEMO_VISITORS): Promise<DemoScriptResult> {
  const result: DemoScriptResult = { visitors: 0, botMessages: 0, visitorMessages: 0, openRequestIds: [] };
  const longest = Math.max(...visitors.map((v) => v.steps.length));
  // Every visitor finishes by 85% of the live phase and at least 1.5 s before its end (short runs), leaving the
  // final state on screen for a moment.
  const latestStart = Math.max(...visitors.map((v) => v.startAt)) * ctx.durationMs;
  const finishBy = Math.max(latestStart, Math.min(0.85 * ctx.durationMs, ctx.durationMs - 1500));
  const paceMs = Math.min(1800, Math.max(60, (finishBy - latestStart) / longest));

  await Promise.all(
    visitors.map(async (visitor) => {
      await sleep(visitor.startAt * ctx.durationMs, ctx.signal);
      if (ctx.signal.aborted) return;
      const who = `${visitor.firstname} ${visitor.lastname}`;
      let requestId: string | undefined;
      let guest: TiledeskClient | undefined;
      try {
        const session = await ctx.admin.auth.signinAnonymously({ firstname: visitor.firstname, lastname: visitor.lastname }, { signal: ctx.signal });
        guest = ctx.admin.withOptions({ auth: { token: session.token } });
        result.visitors += 1;
        requestId = `support-group-${ctx.projectId}-${randomUUID().replaceAll('-', '')}`;
        let open = false;
        for (const [index, step] of visitor.steps.entries()) {
          if (index > 0) await sleep(paceMs, ctx.signal);
          if (ctx.signal.aborted) break;
          if ('visitor' in step) {
            const message = typeof step.visitor === 'string' ? { text: step.visitor } : step.visitor;
            await guest.messages.send(requestId, { ...message, senderFullname: who }, { signal: ctx.signal });
            result.visitorMessages += 1;
            open = true;
          } else if ('bot' in step) {
            await ctx.admin.messages.send(requestId, step.bot, { signal: ctx.signal });
            result.botMessages += 1;
          } else {
            await ctx.admin.requests.close(requestId, {}, { signal: ctx.signal });
            open = false;
          }
        }
        if (open) result.openRequestIds.push(requestId);
      } catch (error) {
        if (ctx.signal.aborted) {
          if (requestId) result.openRequestIds.push(requestId);
          return;
        }
        ctx.onError(who, error);
      }
    }),
  );
  return result;
}
