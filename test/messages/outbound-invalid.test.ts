import { describe, expect, it } from 'vitest';
import { InvalidMessageError } from '../../src/messages/index.js';
import { invalidOutbound, validOutbound, withButtons } from './fixtures/outbound-cases.js';
import { outboundValidators } from './fixtures/validators.js';

describe.each(outboundValidators)('%s', (_name, { parse: parseOutboundMessage, safeParse: safeParseOutboundMessage }) => {
  describe('outbound rejects what the widget does not render correctly', () => {
    it.each(invalidOutbound)('%s → %s', (_what, message, path) => {
      const result = safeParseOutboundMessage(message);
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(result.error).toBeInstanceOf(InvalidMessageError);
      expect(result.error.code).toBe('invalid_message');
      expect(result.error.path).toBe(path);
      expect(result.error.message).toContain(path === '' ? '(message)' : path);
      expect(() => parseOutboundMessage(message)).toThrow(InvalidMessageError);
    });

    it('lists every issue, not only the first', () => {
      const result = safeParseOutboundMessage(withButtons({ type: 'url', value: 'a' }, { type: 'action', value: 'b' }));
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(result.error.issues.map((i) => i.path)).toEqual([
        'attributes.attachment.buttons[0].link',
        'attributes.attachment.buttons[1].action',
      ]);
    });

    // Names every object inherits are not types: looked up as branches they were functions, and the message passed.
    it.each(['toString', 'constructor', 'hasOwnProperty', '__proto__'])('refuses type %j, on a message, a button and a command', (type) => {
      const cases: [unknown, string][] = [
        [{ type, text: 'x' }, 'type'],
        [withButtons({ type, value: 'x' }), 'attributes.attachment.buttons[0].type'],
        [{ text: 'x', attributes: { commands: [{ type, message: { text: 'a' } }] } }, 'attributes.commands[0].type'],
        [{ text: 'x', attributes: { commands: [{ type: 'message', message: { type, text: 'a' } }] } }, 'attributes.commands[0].message.type'],
      ];
      for (const [message, path] of cases) {
        const result = safeParseOutboundMessage(message);
        expect(!result.success && result.error.issues.map((i) => i.path)).toEqual([path]);
      }
    });

    it('says which types exist when the type is unknown', () => {
      const result = safeParseOutboundMessage({ type: 'video', text: 'x' });
      if (result.success) throw new Error('expected a failure');
      expect(result.error.issues[0]?.message).toMatch(/"text".*"image".*"file".*"frame".*"html".*"gallery".*"redirect"/);
    });
  });

  describe('outbound accepts what the widget renders', () => {
    it.each(validOutbound)('%s', (_what, message) => {
      expect(parseOutboundMessage(message)).toStrictEqual(message);
    });
  });

  // What JSON.stringify throws at could not be sent (TiledeskClient refused it only when sending): refused in every
  // open object, naming the key. Not in the shared tables, which the mutation sweeps copy as JSON.
  describe('values JSON cannot write are refused where the schemas leave objects open', () => {
    const self: Record<string, unknown> = { a: 1 };
    self['self'] = self;
    const throwingToJson = { toJSON: () => { throw new Error('no'); } };
    it.each([
      ['a bigint custom attribute', { text: 'x', attributes: { orderId: 10n } }, 'attributes.orderId'],
      ['a bigint deep in a custom attribute', { text: 'x', attributes: { order: { lines: [{ qty: 1n }] } } }, 'attributes.order'],
      ['a circular custom attribute', { text: 'x', attributes: { self } }, 'attributes.self'],
      ['a custom attribute whose toJSON throws', { text: 'x', attributes: { when: throwingToJson } }, 'attributes.when'],
      ['a bigint in flowAttributes', { text: 'x', attributes: { flowAttributes: { step: 1n } } }, 'attributes.flowAttributes.step'],
      ['a bigint in a label’s parameters', { text: 'x', attributes: { subtype: 'info', messagelabel: { key: 'CHAT_CLOSED', parameters: { at: 1n } } } }, 'attributes.messagelabel.parameters.at'],
      ['a bigint in voiceSettings', { type: 'tts', text: 'Hi', metadata: { src: 'https://example.com/a.mp3', type: 'audio/mpeg', voiceSettings: { rate: 1n } } }, 'metadata.voiceSettings.rate'],
      ['a bigint in a part’s attributes', { text: 'x', attributes: { commands: [{ type: 'message', message: { text: 'a', attributes: { n: 1n } } }] } }, 'attributes.commands[0].message.attributes.n'],
    ])('%s → %s', (_what, message, path) => {
      const result = safeParseOutboundMessage(message);
      expect(!result.success && result.error.issues).toEqual([{ path, message: 'is not JSON-serialisable' }]);
    });

    it('the check runs after the fields’ own (a wrong field type first stops it, as any rule across fields)', () => {
      const result = safeParseOutboundMessage({ text: 'x', attributes: { disableInputMessage: 'yes', orderId: 10n } });
      expect(!result.success && result.error.issues.map((i) => i.path)).toEqual(['attributes.disableInputMessage']);
    });

    it('values JSON drops or rewrites without throwing are kept as before (a function, undefined, NaN, a Date)', () => {
      const attributes = { f: () => 1, u: undefined, n: Number.NaN, d: new Date(0) };
      expect(parseOutboundMessage({ text: 'x', attributes }).attributes).toStrictEqual(attributes);
    });
  });
});

// URLs and e-mail addresses come from whoever wrote the message. The patterns used to backtrack quadratically on a
// long value that fails only at its end (100 KB took seconds); the test timeout is the failure mode.
describe.each(outboundValidators)('%s on 150 KB values that fail at their last character', (_name, { safeParse }) => {
  const long = 'a'.repeat(150 * 1024);
  const cases: [string, string, (value: string) => unknown, string][] = [
    ['an http URL', `http://${long}`, (src) => ({ type: 'image', text: 'x', metadata: { src, width: 1, height: 1 } }), 'metadata.src'],
    ['an https link', `https://${long}`, (link) => withButtons({ type: 'url', value: 'Open', link }), 'attributes.attachment.buttons[0].link'],
    ['a mailto: link', `mailto:${long}`, (link) => withButtons({ type: 'url', value: 'Mail', link }), 'attributes.attachment.buttons[0].link'],
    ['an e-mail address of dots', `a@${'.'.repeat(long.length)}`, (email) => ({ type: 'text', text: 'x', attributes: { updateUserEmail: email } }), 'attributes.updateUserEmail'],
    ['an e-mail address', `a@${long}.${long}`, (email) => ({ type: 'text', text: 'x', attributes: { updateUserEmail: email } }), 'attributes.updateUserEmail'],
  ];

  // A url_preview's URLs end at their last character that is not trailing punctuation: found without trimming a
  // run of dots off each (`[.,;:!?]+$` tries the run from each of its dots).
  it('a url_preview with a run of dots after each URL: the 11th still refused, 10 accepted', { timeout: 5000 }, () => {
    const text = (n: number) => Array.from({ length: n }, (_, i) => `https://example.com/${i}${'.'.repeat(15 * 1024)}x.`).join(' ');
    const refused = safeParse({ type: 'url_preview', text: text(11) });
    expect(!refused.success && refused.error.issues.map((i) => i.path)).toEqual(['text']);
    expect(safeParse({ type: 'url_preview', text: text(10) }).success).toBe(true);
  });

  it.each(cases)('%s: refused with a trailing space, accepted without', { timeout: 5000 }, (_what, value, message, path) => {
    const refused = safeParse(message(`${value} `));
    expect(refused.success).toBe(false);
    if (!refused.success) expect(refused.error.issues.map((i) => i.path)).toEqual([path]);
    // As before, the patterns only ask for a host (and, for e-mail, a dot inside the domain): dots alone will do.
    expect(safeParse(message(value)).success).toBe(true);
  });
});
