/**
 * Every ```ts example of docs/testing-server.md runs, as written (each starts and closes its own server), and prints
 * what its comments promise (see test/helpers/doc-examples.ts). The vitest suite is `no-run`: it is a test file.
 */
import { expect } from 'vitest';
import { describeDocExamples } from '../helpers/doc-examples.js';

describeDocExamples({
  doc: 'docs/testing-server.md',
  minExamples: 4,
  check: (code, out) => {
    expect(out, 'every example shows its result').not.toBe('');
    if (code.includes('// 200 { perPage: 40, count: 0, requests: [] }')) expect(out).toContain('200 { perPage: 40, count: 0, requests: [] }');
    if (code.includes('nothing leaked')) {
      // console.log breaks an object of four fields over lines; the comment shows it on one.
      const flat = out.replace(/\s+/g, ' ');
      expect(flat).toContain('{ wsConnections: 1, httpConnections: 0, subscriptions: 1, pendingWrites: 0 }');
      expect(flat).toContain('{ wsConnections: 0, httpConnections: 0, subscriptions: 0, pendingWrites: 0 }');
    }
    if (code.includes('// 429 429 200')) expect(out).toContain('429 429 200');
    if (code.includes('// CREATE []')) expect(out).toContain('CREATE []');
  },
});
