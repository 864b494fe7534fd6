/**
 * Every ```ts example of docs/import.md runs, as written, against the local server, in a scratch directory (the
 * examples write their own files), and prints what its comments promise (see test/helpers/doc-examples.ts).
 */
import { expect } from 'vitest';
import { describeDocExamples } from '../helpers/doc-examples.js';

describeDocExamples({
  doc: 'docs/import.md',
  minExamples: 8,
  chdir: true,
  check: (code, out) => {
    if (code.includes('// 1 2\n')) expect(out).toContain('1 2');
    if (code.includes('// 15 30')) expect(out).toContain('15 30');
    if (code.includes('// 1 2 3')) expect(out).toContain('1 2 3');
    if (code.includes('= 100')) {
      const [, a, b, c] = /(\d+) \+ (\d+) \+ (\d+) = 100/.exec(out) ?? [];
      expect(Number(a) + Number(b) + Number(c)).toBe(100);
      expect(Number(a)).toBeGreaterThan(0); // the checkpoint really skipped some
      expect(out).toContain('true');
    }
    if (code.includes('broken.ndjson:2:22')) expect(out).toContain('broken.ndjson:2:22');
  },
});
