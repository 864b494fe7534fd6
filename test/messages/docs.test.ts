/**
 * Every ```ts example of docs/messages.md runs, as written, against the local server, and prints what its comments
 * promise (see test/helpers/doc-examples.ts).
 */
import { expect } from 'vitest';
import { describeDocExamples } from '../helpers/doc-examples.js';

describeDocExamples({
  doc: 'docs/messages.md',
  minExamples: 5,
  check: (code, out) => {
    if (code.includes('// split "Hi 👋\\nHow can I help?"')) expect(out).toContain('split "Hi 👋\\nHow can I help?"');
    if (code.includes('// attributes.attachment.buttons[2].link')) {
      expect(out).toContain('attributes.attachment.buttons[2].link');
      expect(out).toContain("[ 'metadata.src' ]");
      expect(out).toContain("{ type: 'text', text: 'Hello' }");
    }
    if (code.includes('// true "Mon & Tue')) expect(out).toBe('true "Mon & Tue: 9–18\\nClosed on Sundays"');
    if (code.includes('// replies[1].metadata.src')) expect(out).toBe('replies[1].metadata.src\ninvalid button: link: is required');
    if (code.includes('// options.defaultWaitMs → ')) expect(out).toBe('options.defaultWaitMs → invalid options: options.defaultWaitMs: must be ≥ 0');
    if (code.includes('// 500 text How can I help?')) {
      expect(out).toBe(['0 text Hi', '0 typing… 500', '500 text How can I help?'].join('\n'));
    }
  },
});
