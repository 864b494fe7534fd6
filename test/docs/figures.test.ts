/**
 * The bundle sizes the README and the docs quote are the ones measured in bench/RESULTS.md ("Browser bundle sizes",
 * `npm run size`), rounded to the 0.1 kB the prose uses. When a fix changes a size, bench/RESULTS.md is updated with
 * it; this keeps the prose from quoting an older measurement (docs/messages.md said 7.7 kB after the entry had grown
 * to 7.86 kB, while the README said 7.9 kB).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers/doc-examples.js';

const read = (file: string) => readFileSync(`${root}${file}`, 'utf8');

/** The measured size (kB) of each entry of bench/RESULTS.md's bundle-size table, by the import its row shows. */
function measuredSizes(): Map<string, number> {
  const bench = read('bench/RESULTS.md');
  const section = bench.slice(bench.indexOf('## Browser bundle sizes'));
  const sizes = new Map<string, number>();
  for (const [, entry, kB] of section.matchAll(/^\| `([^`]+)`[^|]*\| \*\*(\d+(?:\.\d+)?) kB\*\*/gm)) sizes.set(entry!, Number(kB));
  return sizes;
}

const ENTRY = {
  realtime: "import { RealtimeClient } from 'tiledesk-sdk/realtime'",
  messages: "import * from 'tiledesk-sdk/messages'",
  rest: "import { TiledeskClient } from 'tiledesk-sdk'",
};

/** Where the prose quotes a size: the document, a pattern whose first group is the figure, and the entry it is of. */
const CLAIMS: { doc: string; pattern: RegExp; entry: keyof typeof ENTRY }[] = [
  { doc: 'README.md', pattern: /current truth\. (\d+\.\d) kB gzip in a browser/, entry: 'realtime' },
  { doc: 'README.md', pattern: /split messages… (\d+\.\d) kB gzip, no zod/, entry: 'messages' },
  { doc: 'README.md', pattern: /`tiledesk-sdk\/messages` loads no zod \((\d+\.\d) kB gzip/, entry: 'messages' },
  { doc: 'docs/realtime.md', pattern: /`import \{ RealtimeClient \}` costs (\d+\.\d) kB gzip/, entry: 'realtime' },
  { doc: 'docs/messages.md', pattern: /so the whole entry is (\d+\.\d) kB gzip/, entry: 'messages' },
  { doc: 'docs/messages.md', pattern: /the whole `tiledesk-sdk\/messages` entry (\d+\.\d) kB, no zod/, entry: 'messages' },
  { doc: 'docs/rest.md', pattern: /^\| `TiledeskClient` \| (\d+\.\d) kB \|/m, entry: 'rest' },
];

describe('bundle sizes quoted in the docs', () => {
  const sizes = measuredSizes();

  it('bench/RESULTS.md has a measured size for every entry the docs quote', () => {
    for (const entry of Object.values(ENTRY)) expect(sizes.get(entry), entry).toBeGreaterThan(0);
  });

  it.each(CLAIMS.map((c) => [c.doc, c.entry, c] as const))('%s quotes the measured %s size', (_doc, _entry, claim) => {
    const quoted = claim.pattern.exec(read(claim.doc));
    expect(quoted, `${claim.doc} no longer says ${claim.pattern}: update this test with its new wording`).not.toBeNull();
    const measured = sizes.get(ENTRY[claim.entry])!;
    expect(Number(quoted![1]), `${claim.doc}: ${quoted![0]} (bench/RESULTS.md: ${measured} kB)`).toBe(Math.round(measured * 10) / 10);
  });
});
