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
});
