#!/usr/bin/env node
// The bundle sizes committed in bench/RESULTS.md ("Browser bundle sizes") are what `npm run size` measures now, to
// the 0.01 kB size-limit prints. Run after `npm run build`. Without this the table drifted: it said 5.92 kB for the
// realtime entry and 10.47 kB for REST while size-limit printed 5.93 and 10.46 (test/docs/figures.test.ts holds the
// prose to the table; this holds the table to the build).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const measured = JSON.parse(execFileSync('npx', ['size-limit', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
const bench = readFileSync(join(root, 'bench', 'RESULTS.md'), 'utf8');
const table = bench.slice(bench.indexOf('## Browser bundle sizes'));
const committed = new Map([...table.matchAll(/^\| `([^`]+)`[^|]*\| \*\*(\d+\.\d+) kB\*\*/gm)].map(([, entry, kB]) => [entry, kB]));

let failed = false;
for (const { name, size } of measured) {
  // size-limit names its checks "<entry label>: <the import>"; the table's rows start with the same import.
  const entry = [...committed.keys()].find((e) => name.includes(e));
  const kB = (size / 1000).toFixed(2);
  if (!entry) {
    console.error(`bench/RESULTS.md has no row for "${name}" (measured ${kB} kB)`);
    failed = true;
  } else if (committed.get(entry) !== kB) {
    console.error(`bench/RESULTS.md says ${committed.get(entry)} kB for \`${entry}\`; the build measures ${kB} kB (${size} B)`);
    failed = true;
  } else console.log(`${kB} kB  ${entry}`);
}
if (failed) {
  console.error('Update the "Browser bundle sizes" table in bench/RESULTS.md (and the prose quoting it) to the measured sizes.');
  process.exit(1);
}
