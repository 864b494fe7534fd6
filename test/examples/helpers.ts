import { join } from 'node:path';
import type { Message } from '../../src/index.js';
import { buttons, card, gallery } from '../../src/messages/index.js';
import { root, spawnNode, type Child } from '../cli/helpers.js';

export { root, within } from '../cli/helpers.js';

/**
 * Runs an example exactly as its README says (`node --import ./examples/register.mjs <file>`), against the SDK's
 * sources (TILEDESK_SDK_FROM=src) so the test does not depend on a fresh `npm run build`.
 */
export function runExample(file: string, args: string[], env: Record<string, string | undefined>): Child {
  return spawnNode(['--import', './examples/register.mjs', join(root, file), ...args], { TILEDESK_SDK_FROM: 'src', ...env });
}

/** The stored message, limited to the keys of what the builders made (the server adds ids, dates, status…). */
export function asSent(message: Message, expected: object): Record<string, unknown> {
  return Object.fromEntries(Object.keys(expected).map((k) => [k, (message as Record<string, unknown>)[k]]));
}

/** What examples/chatbot-webhook answers to a question about prices, built here independently of the example. */
export function pricingGallery(botName: string) {
  return gallery(
    card({ title: 'Starter', description: 'Free · 1 agent · chat widget', image: 'https://example.com/plans/starter.png', buttons: [buttons.url('Start free', 'https://example.com/signup?plan=starter')] }),
    card({ title: 'Team', description: '€25 per agent / month · chatbots · analytics', image: 'https://example.com/plans/team.png', buttons: [buttons.url('Try Team', 'https://example.com/signup?plan=team'), buttons.text('Talk to a human')] }),
  ).withSender(botName).toJSON();
}
