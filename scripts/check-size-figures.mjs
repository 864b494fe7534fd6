#!/usr/bin/env node
// The bundle sizes committed in bench/RESULTS.md ("Browser bundle sizes") are what `npm run size` measures now, to
// the 0.01 kB size-limit prints. Run after `npm run build`. Without this the table drifted: it said 5.92 kB for the
// realtime entry and 10.47 kB for REST while size-limit printed 5.93 and 10.46 (test/docs/figures.test.ts holds the
// prose to the table; this holds the table to the build). A few bytes of slack (SLACK_BYTES): the build names its
// shared chunks by a hash of their contents, so a commit that changes no code of an entry can still move that entry's
// size by a byte or three (the import specifiers of the chunks it loads); such a commit must not fail CI.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const measured = JSON.parse(execFileSync('npx', ['size-limit', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
const bench = readFileSync(join(root, 'bench', 'RESULTS.md'), 'utf8');
const table = bench.slice(bench.indexOf('## Browser bundle sizes'));
const committed = new Map(
  [...table.matchAll(/^\| `([^`]+)`[^|]*\| \*\*(\d+\.\d+) kB\*\* \(([\d,]+) B\)/gm)].map(([, entry, kB, bytes]) => [entry, { kB, bytes: Number(bytes.replaceAll(',', '')) }]),
);
const SLACK_BYTES = 8;

let failed = false;
for (const { name, size } of measured) {
  // size-limit names its checks "<entry label>: <the import>"; the table's rows start with the same import.
  const entry = [...committed.keys()].find((e) => name.includes(e));
  const kB = (size / 1000).toFixed(2);
  if (!entry) {
    console.error(`bench/RESULTS.md has no row for "${name}" (measured ${kB} kB)`);
    failed = true;
  } else if (Math.abs(committed.get(entry).bytes - size) > SLACK_BYTES || (committed.get(entry).bytes / 1000).toFixed(2) !== committed.get(entry).kB) {
    const { kB: said, bytes } = committed.get(entry);
    console.error(`bench/RESULTS.md says ${said} kB (${bytes} B) for \`${entry}\`; the build measures ${kB} kB (${size} B)`);
    failed = true;
  } else console.log(`${kB} kB  ${entry}`);
}
if (failed) {
  console.error('Update the "Browser bundle sizes" table in bench/RESULTS.md (and the prose quoting it) to the measured sizes.');
  process.exit(1);
}
