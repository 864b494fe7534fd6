/**
 * Every Node ```ts example of docs/realtime.md runs, as written, against the local server, closes its clients and
 * prints what its comments promise (see test/helpers/doc-examples.ts). The browser dashboard and the `LiveRestSource`
 * declaration are `no-run`.
 */
import { expect } from 'vitest';
import { describeDocExamples } from '../helpers/doc-examples.js';

describeDocExamples({
  doc: 'docs/realtime.md',
  minExamples: 3,
  check: (code, out) => {
    if (code.includes('// 0 open conversations')) expect(out).toBe('0 open conversations'); // a new project
    if (code.includes('// CREATE: It left the warehouse today')) {
      expect(out).toBe(
        ['state: subscribed', 'snapshot: 0 true', 'CREATE: It left the warehouse today', 'state: unsubscribed'].join('\n'),
      );
    }
    if (code.includes("'valid'")) expect(out).toMatch(/^\d+ valid\n0$/);
    expect(out).not.toMatch(/\[realtime\]|dropped/); // no errors, no bad frames
  },
});
