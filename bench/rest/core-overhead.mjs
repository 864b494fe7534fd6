// CPU the request core adds to one call, without any network: a transport that answers at once, 16 calls in flight.
//
//   node bench/rest/core-overhead.mjs [--calls 100000] [--rounds 6]
//
// Compares a transport that vouches for its signal (`abortable: true`, as Node's default undici transport does) with
// one the core must race against the signal (a user's `fetch`, the browser default). Medians of the rounds.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '6' } } });
const N = Number(values.calls);
const ROUNDS = Number(values.rounds);
const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, 'node_modules/.cache/tiledesk-bench');
mkdirSync(out, { recursive: true });
await build({ entryPoints: [join(root, 'src/rest/core.ts')], bundle: true, format: 'esm', platform: 'node', outfile: join(out, 'core.mjs'), packages: 'external', logLevel: 'error' });
const { RequestCore } = await import(pathToFileURL(join(out, 'core.mjs')).href);

const body = JSON.stringify({ _id: 'r1', request_id: 'support-group-x', status: 200, first_text: 'hello', attributes: { a: 1 } });
const auth = { authorization: () => 'JWT x', secrets: [], refreshable: false, giveUp() {}, afterUnauthorized: () => 'JWT x' };
const core = (abortable) =>
  new RequestCore({
    baseUrl: 'http://127.0.0.1:1',
    transport: { abortable, request: async () => ({ status: 200, headers: { 'content-type': 'application/json' }, text: async () => body }) },
    auth, timeout: 60_000, maxRetries: 2, backoff: { baseDelayMs: 500, maxDelayMs: 8_000 }, maxRetryAfterMs: 60_000,
    budget: undefined, hooks: [], headers: {}, schemas: undefined,
  });
const spec = { method: 'GET', path: '/p/requests/r1', idempotent: true };

async function cpuPerCall(abortable) {
  const c = core(abortable);
  const start = process.cpuUsage();
  for (let i = 0; i < N; i += 16) await Promise.all(Array.from({ length: 16 }, () => c.request(spec)));
  const { user, system } = process.cpuUsage(start);
  return (user + system) / N;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const vouched = [];
const raced = [];
await cpuPerCall(true); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  vouched.push(await cpuPerCall(true));
  raced.push(await cpuPerCall(false));
}
console.log(`node ${process.version}, ${N} calls × ${ROUNDS} rounds, 16 in flight, no network`);
console.log('| transport | core CPU µs/call (median) |\n|---|---:|');
console.log(`| \`abortable: true\` (Node's default undici transport) | ${median(vouched).toFixed(2)} |`);
console.log(`| raced against the signal (a user's \`fetch\`, browsers) | ${median(raced).toFixed(2)} |`);
