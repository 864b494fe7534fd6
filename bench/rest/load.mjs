// What loading the package costs a Node process: resident memory added and wall time of the import itself.
//
//   npm run build && node bench/rest/load.mjs [--rounds 15]
//
// Each sample is a fresh `node` process (nothing cached in-process) that records its RSS, loads one entry of the
// built package through its public name (package self-reference resolves it like an installed copy), and reports
// the time the import took and the RSS it added. Medians over the rounds, entries interleaved.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 15;

const probe = (load) => `
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  ${load};
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms, rss: process.memoryUsage().rss - rss0 }));
`;
const cases = {
  "import('tiledesk-sdk')": ['--input-type=module', '-e', probe("await import('tiledesk-sdk')")],
  "require('tiledesk-sdk')": ['-e', probe("require('tiledesk-sdk')")],
  "import('tiledesk-sdk/schemas')": ['--input-type=module', '-e', probe("await import('tiledesk-sdk/schemas')")],
  // For attribution: the two dependencies the entries above may load.
  "import('zod/mini') alone": ['--input-type=module', '-e', probe("await import('zod/mini')")],
  "import('undici') alone": ['--input-type=module', '-e', probe("await import('undici')")],
};

const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < rounds; i++) {
  for (const [name, args] of Object.entries(cases)) {
    try {
      samples[name].push(JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })));
    } catch {
      delete cases[name]; // e.g. an entry this build does not have
      delete samples[name];
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`Node ${process.version}, ${rounds} fresh processes per entry, medians`);
console.log('| entry | load time | RSS added |');
console.log('|---|---:|---:|');
for (const [name, s] of Object.entries(samples)) {
  console.log(`| \`${name}\` | ${median(s.map((x) => x.ms)).toFixed(0)} ms | ${(median(s.map((x) => x.rss)) / 2 ** 20).toFixed(1)} MB |`);
}
