// REST throughput benchmark: tiledesk-sdk vs raw undici.request vs @tiledesk/tiledesk-client vs global fetch.
//
//   node bench/rest/bench.mjs [--requests 20000] [--concurrency 16] [--rounds 5]
//
// Every contender makes the same GET /<project>/requests/<id> with an Authorization header against the same
// loopback server (bench/rest/server.mjs, in a child process), parses the JSON body, with the same number of
// requests in flight. Reported: requests/s (wall) and CPU time per request of this process (user + system),
// median over rounds; contenders are interleaved in each round so drift hits all of them alike.
import { fork } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { Agent, request as undiciRequest, setGlobalDispatcher } from 'undici';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '5' },
  },
});
const N = Number(values.requests);
const C = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const root = fileURLToPath(new URL('../../', import.meta.url));

// Build the SDK from source the way Node users get it: ESM, the node transport behind `#default-transport`.
// Inside node_modules so the bundle's external imports (undici, zod) resolve; removed at the end.
const out = join(root, 'node_modules/.cache/tiledesk-bench');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'src/index.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  outfile: join(out, 'sdk.mjs'),
  packages: 'external',
  alias: { '#default-transport': join(root, 'src/rest/default-transport.node.ts') },
  logLevel: 'error',
});
const { TiledeskClient } = await import(pathToFileURL(join(out, 'sdk.mjs')).href);
const require = createRequire(join(root, 'package.json'));
const { TiledeskClient: Official } = require('@tiledesk/tiledesk-client');

const server = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), { stdio: 'inherit' });
const { port, bytes } = await new Promise((resolve) => server.once('message', resolve));
const origin = `http://127.0.0.1:${port}`;
const projectId = '6b035e8542c85d4c8e0bd162';
const requestId = 'support-group-6b035e8542c85d4c8e0bd162-afe62b247d5849be88ec77ec5da857f5';
const token = 'JWT eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJfaWQiOiI2YjAzNWU4NTQyYzg1ZDRjOGUwYmQxNWQifQ.c2lnbmF0dXJlLXBsYWNlaG9sZGVy';
const path = `/${projectId}/requests/${requestId}`;

// Raw undici and fetch both get a keep-alive pool as large as the SDK's own.
const rawAgent = new Agent({ connections: 64, keepAliveTimeout: 4_000 });
setGlobalDispatcher(new Agent({ connections: 64, keepAliveTimeout: 4_000 }));
const sdk = new TiledeskClient({ baseUrl: origin, projectId, auth: { token }, retryBudget: false });
const official = new Official({ APIKEY: '__APIKEY__', APIURL: origin, projectId, token });

const contenders = {
  'undici.request (raw)': async () => {
    const res = await undiciRequest(origin + path, { dispatcher: rawAgent, headers: { authorization: token, accept: 'application/json' } });
    return res.body.json();
  },
  'tiledesk-sdk': () => sdk.requests.get(requestId),
  '@tiledesk/tiledesk-client': () => official.getRequestById(requestId),
  'global fetch': async () => {
    const res = await fetch(origin + path, { headers: { authorization: token, accept: 'application/json' } });
    return res.json();
  },
};

async function run(fn, n) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const r = await fn();
      if (!r || r.request_id !== requestId) throw new Error('bad response');
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: C }, worker));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { rps: (n / ms) * 1000, cpuUs: (cpu.user + cpu.system) / n };
}

const results = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
for (const fn of Object.values(contenders)) await run(fn, 2_000); // warm-up: JIT, pools
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(contenders)) results[name].push(await run(fn, N));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = Object.entries(results).map(([name, rs]) => ({ name, rps: median(rs.map((x) => x.rps)), cpuUs: median(rs.map((x) => x.cpuUs)) }));
const raw = rows[0];
const off = rows.find((r) => r.name.startsWith('@tiledesk'));
console.log(`node ${process.version}, ${N} requests × ${ROUNDS} rounds, concurrency ${C}, ${bytes}-byte JSON body, loopback`);
console.log('| client | req/s | CPU µs/req | vs raw undici | vs official client |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.name} | ${Math.round(r.rps)} | ${r.cpuUs.toFixed(1)} | ${(r.rps / raw.rps).toFixed(2)}× | ${(r.rps / off.rps).toFixed(2)}× |`);
}

await sdk.close();
await rawAgent.close();
server.disconnect();
rmSync(out, { recursive: true, force: true });
