import { describe, expect, it } from 'vitest';
import { InvalidMessageError } from '../../src/messages/index.js';
import { corpusEntries, realServerMessages } from './fixtures/load.js';
import { inboundValidators } from './fixtures/validators.js';

const corpus = corpusEntries();
const captured = realServerMessages();

describe.each(inboundValidators)('%s', (_name, { parse: parseInboundMessage, safeParse: safeParseInboundMessage }) => {

  describe('inbound: the chatbot corpus', () => {
    it.each(corpus.map((entry, i) => [i + 1, entry.source, entry.message] as const))(
      'entry %i (%s) parses and comes back unchanged, unknown fields included',
      (_n, _source, message) => {
        expect(parseInboundMessage(message)).toStrictEqual(message);
      },
    );

    it('keeps the fields only real senders add, with their original values', () => {
      const byAction = (type: string) => corpus.filter((e) => e.message['_tdActionType'] === type);
      const replyWithButtons = parseInboundMessage(byAction('reply')[1]!.message);
      expect(replyWithButtons['_tdActionId']).toBe('d38726cf9a6e4461821cbb9073bfed95');
      const commands = replyWithButtons.attributes?.commands;
      if (!Array.isArray(commands)) throw new Error('expected commands');
      const firstButton = commands[1]?.message?.attributes?.attachment?.buttons?.[0];
      expect(firstButton).toMatchObject({ attributes: '', alias: '', uid: '29fa9a2c2a12468392737a8502073347' });

      const conditional = corpus.find((e) => e.source.endsWith('conversation-filters_in_reply_bot.js'))!;
      const parsed = parseInboundMessage(conditional.message).attributes?.commands;
      if (!Array.isArray(parsed)) throw new Error('expected commands');
      expect(parsed[1]?.message?.['_tdJSONCondition']).toMatchObject({ type: 'expression' });

      const jsonButtons = corpus.find((e) => e.source.endsWith('conversation-reply_json_buttons_bot.js'))!;
      expect(JSON.stringify(parseInboundMessage(jsonButtons.message))).toContain('"json_buttons":"[{\\"type\\":\\"action\\"');
    });
  });

  describe('inbound: messages captured from the real server', () => {
    it('finds the captured messages (frames, message routes, embedded last_message)', () => {
      const origins = new Set(captured.map((c) => c.origin.split(/[:[]/)[0]));
      expect(origins).toContain('ws-agent-msgs.jsonl');
      expect(origins).toContain('11-get-messages.json');
      expect(captured.some((c) => c.origin.includes('last_message'))).toBe(true);
    });

    it.each(captured.map((c) => [c.origin, c.message] as const))('%s parses and comes back unchanged', (_origin, message) => {
      expect(parseInboundMessage(message)).toStrictEqual(message);
    });
  });

  describe('inbound: what it refuses', () => {
    it.each([
      ['a non-object', 'hello', ''],
      ['null', null, ''],
      ['a numeric text', { text: 42 }, 'text'],
      ['a string attributes', { text: 'x', attributes: 'nope' }, 'attributes'],
      ['a non-array buttons list', { text: 'x', attributes: { attachment: { buttons: {} } } }, 'attributes.attachment.buttons'],
      ['a command without type', { text: 'x', attributes: { commands: [{ time: 5 }] } }, 'attributes.commands[0].type'],
      ['a string commands', { text: 'x', attributes: { commands: 'soon' } }, 'attributes.commands'],
      ['a numeric commands', { text: 'x', attributes: { commands: 1 } }, 'attributes.commands'],
      ['a numeric metadata.src', { type: 'image', metadata: { src: 1 } }, 'metadata.src'],
    ])('%s, naming the path', (_what, input, path) => {
      const result = safeParseInboundMessage(input);
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(result.error).toBeInstanceOf(InvalidMessageError);
      expect(result.error.code).toBe('invalid_message');
      expect(result.error.path).toBe(path);
    });

    it('accepts null for optional fields and keeps it', () => {
      const message = { text: 'x', metadata: null, attributes: { subtype: null, attachment: { buttons: null }, commands: null }, timestamp: null };
      expect(parseInboundMessage(message)).toStrictEqual(message);
    });

    // The widget splits a message only when `msg.attributes && msg.attributes.commands` is truthy.
    it.each([[''], [0], [false], [null]])('reads commands: %j as no commands, kept as given', (commands) => {
      const message = { text: 'x', attributes: { commands } };
      expect(parseInboundMessage(message)).toStrictEqual(message);
    });

    it('says a string commands must be an array', () => {
      const result = safeParseInboundMessage({ text: 'x', attributes: { commands: 'soon' } });
      expect(!result.success && result.error.issues).toEqual([{ path: 'attributes.commands', message: 'must be an array, got the string "soon"' }]);
    });

    it('does not carry a "__proto__" key over from untrusted JSON', () => {
      const parsed = parseInboundMessage(JSON.parse('{"text":"x","__proto__":{"polluted":true}}'));
      expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
      expect((parsed as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });
  });
});
