/**
 * Every ```ts block of README.md runs, as written, against the local server, so the front page cannot rot
 * (see test/helpers/doc-examples.ts). Together the examples import every public entry.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeDocExamples, ENTRIES, root, tsBlocks } from '../helpers/doc-examples.js';

describe('README.md covers every entry', () => {
  it('imports each public entry in some example', () => {
    const code = tsBlocks(readFileSync(`${root}README.md`, 'utf8')).map((b) => b.code).join('\n');
    const imported = new Set([...code.matchAll(/from '(tiledesk-sdk[^']*)'/g)].map((m) => m[1]));
    expect([...imported].sort()).toEqual(Object.keys(ENTRIES).sort());
  });
});

describeDocExamples({
  doc: 'README.md',
  minExamples: 7,
  // A checkpoint left by an earlier run belongs to another server's project: keep them in the scratch dir.
  rewrite: (code, scratch) => code.replace(/fileCheckpoint\('/g, `fileCheckpoint('${scratch}`),
  check: (code, output) => {
    expect(output, 'every example shows its result').not.toBe('');
    if (code.includes('// 429 2000')) expect(output).toBe('429 2000');
  },
});
