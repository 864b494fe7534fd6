// CPU and throughput of Node's default transport alone (no request core), against the same transport at another
// commit: what a change to src/rest/default-transport.node.ts costs, without the noise of the whole client.
//
//   node bench/rest/transport.mjs [--against 5d4669a] [--requests 20000] [--rounds 7]
//
// 16 calls in flight over loopback to bench/rest/server.mjs (a child process), rounds interleaved in alternating
// order, medians.
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values } = parseArgs({
  options: { against: { type: 'string', default: '5d4669a' }, requests: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '7' } },
});
const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, 'node_modules/.cache/tiledesk-bench');
mkdirSync(out, { recursive: true });
const file = 'src/rest/default-transport.node.ts';
// The other commit's transport, its imports pointed at today's modules (they are not what is compared).
const other = execFileSync('git', ['show', `${values.against}:${file}`], { cwd: root, encoding: 'utf8' })
  .replace("'../shared/abort.js'", JSON.stringify(join(root, 'src/shared/abort.ts')))
  .replace("'./resource.js'", JSON.stringify(join(root, 'src/rest/resource.ts')));
writeFileSync(join(out, 'transport-other.ts'), other);
const load = async (entry, name) => {
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile: join(out, name), packages: 'external', logLevel: 'error' });
  return (await import(pathToFileURL(join(out, name)).href)).createDefaultTransport();
};
const contenders = { [`at ${values.against}`]: await load(join(out, 'transport-other.ts'), 'transport-other.mjs'), now: await load(join(root, file), 'transport-now.mjs') };

const server = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), { stdio: 'inherit' });
const { port } = await new Promise((resolve) => server.once('message', resolve));
const origin = `http://127.0.0.1:${port}`;
const headers = { authorization: 'JWT x', accept: 'application/json' };

async function round(transport, n) {
  let sent = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (sent++ < n) {
      const res = await transport.request({ method: 'GET', origin, path: '/p/requests/r', headers, body: undefined, signal: new AbortController().signal });
      await res.text();
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  return { rps: n / ((performance.now() - t0) / 1000), cpuUs: (cpu.user + cpu.system) / n };
}

const N = Number(values.requests);
for (const t of Object.values(contenders)) await round(t, N / 4); // warm-up
const results = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
const names = Object.keys(contenders);
for (let i = 0; i < Number(values.rounds); i++) for (const k of i % 2 ? names : [...names].reverse()) results[k].push(await round(contenders[k], N));
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
console.log(`node ${process.version}, ${N} requests × ${values.rounds} rounds, 16 in flight, loopback`);
console.log('| transport | req/s | CPU µs/req |\n|---|---:|---:|');
for (const k of names) console.log(`| ${k} | ${median(results[k].map((r) => r.rps)).toFixed(0)} | ${median(results[k].map((r) => r.cpuUs)).toFixed(1)} |`);
server.kill();
for (const t of Object.values(contenders)) await t.close();
