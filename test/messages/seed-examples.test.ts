import { describe, expect, it } from 'vitest';
import {
  actionMessage,
  buttons,
  file,
  frame,
  html,
  image,
  parseOutboundMessage,
  split,
  text,
  wait,
  type MessageBuilder,
} from '../../src/messages/index.js';
import { IMPLICIT_TEXT_TYPE, seedExamples, type SeedExampleName } from './fixtures/seed-examples.js';

/** Each seed example, written with the builders. */
const built: Record<SeedExampleName, () => MessageBuilder> = {
  text: () => text('Hello'),
  quickReplies: () => text('Hello with buttons').quickReplies('REPLY ONE', 'REPLY TWO'),
  urlBlank: () => text('Hello with buttons (blank)').buttons(buttons.url('SITE 1', 'http://www.tiledesk.com', { target: 'blank' })),
  urlParent: () => text('Hello with buttons (parent)').buttons(buttons.url('SITE 2', 'http://www.ietf.org', { target: 'parent' })),
  urlSelf: () =>
    text('Hello with buttons (self)').buttons(
      buttons.url('Dante', 'https://en.m.wikipedia.org/wiki/Dante_Alighieri', { target: 'self' }),
    ),
  actionButtons: () =>
    text('Hello with buttons').buttons(buttons.action('EXECUTE AN ACTION', 'my-action-name', { showEcho: true })),
  actionMessage: () => actionMessage('This is an action for the backend', 'my-action-name'),
  image: () => image('http://www.tiledesk.com/logo.jpg', { text: 'Hello with image', width: 200, height: 200 }),
  file: () =>
    file('http://www.mywebsite.com/sales-report.pdf', {
      type: 'application/pdf',
      name: 'sales-report.pdf',
      text: 'My document is sent as attachment',
    }),
  frame: () => frame('https://www.youtube.com/embed/H1WfFkp4puw', { text: 'This is a video!' }),
  disabledInput: () =>
    text('Do you agree? Please press one of the buttons to proceed')
      .disableInput('Press a button to continue')
      .quickReplies('Yes, I do', 'No, I do not'),
  updateUser: () =>
    text('Thanks Andrea, we got your data and will take care of it!').updateUser({
      fullname: 'Andrea',
      email: 'andrea@tiledesk.com',
    }),
  hidden: () => text('start').hidden(),
  split: () =>
    split(
      text("Hello 👋. I'm a bot 🤖"),
      wait(500),
      text("I'm beautiful"),
      wait(1000),
      text('Do you need help?'),
      wait(2000),
      text('I can really help you with joy!').buttons(
        buttons.url('Get Help', 'https://gethelp.tiledesk.com/articles/install-widget-on-your-website/', { target: 'self' }),
        buttons.url('Wikipedia', 'https://it.m.wikipedia.org/wiki/E_Street_Band', { target: 'self' }),
      ),
    ).withText("Hello 👋. I'm a bot 🤖 I'm beautiful Do you need help I can really help you with joy!"),
  html: () => html(seedExamples.html.text),
};

/**
 * The documented JSON as the builders write it: `type` made explicit where the seed relies on its documented
 * default (`"text"`), and the HTML example's empty `attributes: {}` dropped (an empty object carries nothing).
 */
function documented(name: SeedExampleName): Record<string, unknown> {
  const example = JSON.parse(JSON.stringify(seedExamples[name])) as Record<string, unknown>;
  const attributes = example['attributes'];
  if (typeof attributes === 'object' && attributes !== null && Object.keys(attributes).length === 0) delete example['attributes'];
  return IMPLICIT_TEXT_TYPE.has(name) ? { type: 'text', ...example } : example;
}

const names = Object.keys(seedExamples) as SeedExampleName[];

describe('seed "Widget protocol specs" examples', () => {
  it('has a builder for every documented example', () => {
    expect(Object.keys(built).sort()).toEqual([...names].sort());
  });

  it.each(names)('%s: the builder writes exactly the documented JSON', (name) => {
    const message = built[name]();
    expect(JSON.parse(JSON.stringify(message))).toStrictEqual(documented(name));
    // Same keys in the same order, so the serialised body is byte-for-byte the documented one.
    expect(JSON.stringify(message)).toBe(JSON.stringify(documented(name)));
  });

  it.each(names)('%s: the documented JSON parses as outbound, as written and as built', (name) => {
    expect(parseOutboundMessage(seedExamples[name])).toEqual(seedExamples[name]);
    expect(parseOutboundMessage(documented(name))).toStrictEqual(documented(name));
    expect(parseOutboundMessage(built[name]())).toStrictEqual(documented(name));
  });

  it('keeps the three implicit-type examples free of any type in the seed itself', () => {
    for (const name of IMPLICIT_TEXT_TYPE) expect(seedExamples[name as SeedExampleName]).not.toHaveProperty('type');
  });
});
