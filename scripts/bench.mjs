#!/usr/bin/env node
// `npm run bench [-- area…]`: runs the benchmark scripts of each area in turn (all by default) and prints their
// results. Each area's numbers, with the machine they came from, are recorded in bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const AREAS = {
  rest: ['bench/rest/bench.mjs', 'bench/rest/size.mjs'],
  realtime: ['bench/realtime/run.mjs'],
  messages: ['bench/messages/run.mjs'],
  import: ['bench/import/run.mjs'],
  size: ['bench/size.mjs'],
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((a) => !(a in AREAS));
if (unknown.length) {
  console.error(`unknown area(s): ${unknown.join(', ')}; choose from ${Object.keys(AREAS).join(', ')}`);
  process.exit(2);
}
let failed = false;
for (const area of wanted.length ? wanted : Object.keys(AREAS)) {
  for (const script of AREAS[area]) {
    if (!existsSync(script)) continue;
    console.log(`\n### ${area}: node ${script}\n`);
    const r = spawnSync(process.execPath, ['--expose-gc', script], { stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`${script} exited with ${r.status ?? r.signal}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
