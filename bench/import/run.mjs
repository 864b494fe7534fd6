#!/usr/bin/env node
// Conversation import benchmark.
//
//   node bench/import/run.mjs [--conversations 10000] [--per 10] [--concurrency 16] [--rounds 3]
//                             [--stream-conversations 100000] [--official-rounds 1] [--sdk bundled|dist]
//
// Imports conversations × per messages into the local Tiledesk server (src/testing), which runs in its own process
// (a fresh one for every run), with each contender in its own process too, so peak RSS and CPU are the contender's:
//   raw              undici.request in a plain loop: POST /requests, then one POST …/messages/multi per conversation;
//   client           the same calls through TiledeskClient (requests.create + messages.import): the REST client's share;
//   sdk              importConversations (import keys, deterministic ids, exactly-once bookkeeping, progress);
//   sdk+checkpoint   the same with a file checkpoint;
//   official         @tiledesk/tiledesk-client: no bulk import, so one sendSupportMessage per message.
// All use `concurrency` conversations in flight. Rounds are interleaved; medians are reported. Then the importer
// streams a generated NDJSON file of stream-conversations × per messages (readConversations) for peak RSS.
import { fork, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { writeNdjson } from './dataset.mjs';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '10000' },
    per: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
    'official-rounds': { type: 'string', default: '1' },
    'stream-conversations': { type: 'string', default: '100000' },
    pin: { type: 'string', default: 'on' },
    // `bundled` (default): the SDK as an application bundling it gets it. `dist`: the built package as Node loads it
    // unbundled (`import 'tiledesk-sdk'`; run `npm run build` first).
    sdk: { type: 'string', default: 'bundled' },
  },
});
const count = Number(values.conversations);
const perConversation = Number(values.per);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const officialRounds = Number(values['official-rounds']);
const streamConversations = Number(values['stream-conversations']);
const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
// Inside node_modules so the bundles' external imports (undici, zod) resolve.
const out = join(root, 'node_modules/.cache/tiledesk-bench-import');
mkdirSync(out, { recursive: true });

// What an application bundling the SDK gets: only what the contenders use. With `--sdk dist`, the built package
// unbundled, as `import 'tiledesk-sdk'` loads it in Node (no zod either: the schemas live in `tiledesk-sdk/schemas`).
const entry = join(out, 'sdk-entry.ts');
writeFileSync(entry, [
  `export { TiledeskClient, importConversations } from '${join(root, 'src/index.ts')}';`,
  `export { readConversations, fileCheckpoint } from '${join(root, 'src/node/index.ts')}';`,
].join('\n'));
const alias = { '#default-transport': join(root, 'src/rest/default-transport.node.ts') };
const common = { bundle: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'error', alias };
await build({ ...common, entryPoints: [entry], outfile: join(out, 'sdk.mjs') });
writeFileSync(join(out, 'sdk-dist.mjs'), [
  `export { TiledeskClient, importConversations } from '${join(root, 'dist/index.js')}';`,
  `export { readConversations, fileCheckpoint } from '${join(root, 'dist/node.js')}';`,
].join('\n'));
const sdkModule = join(out, values.sdk === 'dist' ? 'sdk-dist.mjs' : 'sdk.mjs');
await build({ ...common, entryPoints: [join(root, 'src/testing/index.ts')], outfile: join(out, 'testing.mjs') });

// In production the importer and the server do not share CPUs. With 2+ CPUs and taskset, the server runs on CPU 0
// and the contender on CPU 1, so a contender's own CPU time does not slow the server it is measured against.
const pin = values.pin !== 'off' && cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

function child(script, args, cpu) {
  const proc = pin
    ? spawn('taskset', ['-c', String(cpu), process.execPath, join(here, script), ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    : fork(join(here, script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const firstMessage = new Promise((resolve, reject) => {
    proc.once('message', resolve);
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { proc, firstMessage };
}

async function runOnce(contender, extra = {}) {
  const server = child('server.mjs', [join(out, 'testing.mjs')], 0);
  const target = await server.firstMessage;
  try {
    const run = child('contender.mjs', [sdkModule, JSON.stringify({ ...target, contender, concurrency, count, perConversation, ...extra })], 1);
    const result = await run.firstMessage;
    await new Promise((resolve) => run.proc.once('exit', resolve));
    return result;
  } finally {
    server.proc.send('close');
    await new Promise((resolve) => server.proc.once('exit', resolve));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { raw: [], client: [], sdk: [], 'sdk+checkpoint': [], official: [] };
for (let round = 0; round < rounds; round++) {
  for (const contender of Object.keys(results)) {
    if (contender === 'official' && round >= officialRounds) continue;
    const r = await runOnce(contender);
    results[contender].push(r);
    console.error(`round ${round + 1}: ${contender.padEnd(15)} ${Math.round((r.messages * 1000) / r.ms).toString().padStart(7)} msg/s  ${r.maxRssMB.toFixed(0)} MB RSS  ${((r.cpuMs * 1000) / r.messages).toFixed(1)} µs CPU/msg`);
  }
}

const summary = Object.fromEntries(Object.entries(results).filter(([, runs]) => runs.length > 0).map(([name, runs]) => [name, {
  runs: runs.length,
  messages: runs[0].messages,
  msgsPerSec: median(runs.map((r) => (r.messages * 1000) / r.ms)),
  cpuUsPerMsg: median(runs.map((r) => (r.cpuMs * 1000) / r.messages)),
  maxRssMB: Math.max(...runs.map((r) => r.maxRssMB)),
}]));

// Each round runs every contender back to back, so a ratio within a round is less exposed to drift in machine load.
const pairedRatio = (name, base) => {
  const n = Math.min(results[name].length, results[base]?.length ?? 0);
  if (n === 0) return undefined;
  const rate = (r) => r.messages / r.ms;
  return median(Array.from({ length: n }, (_, i) => rate(results[name][i]) / rate(results[base][i])));
};

let stream;
if (streamConversations > 0) {
  const file = join(tmpdir(), `tiledesk-bench-import-${process.pid}.ndjson`);
  await writeNdjson(file, streamConversations, perConversation);
  const bytes = statSync(file).size;
  try {
    const r = await runOnce('sdk', { file });
    stream = { messages: r.messages, fileMB: bytes / 1e6, msgsPerSec: (r.messages * 1000) / r.ms, maxRssMB: r.maxRssMB, cpuUsPerMsg: (r.cpuMs * 1000) / r.messages };
    console.error(`stream: ${r.messages} messages from a ${(bytes / 1e6).toFixed(0)} MB NDJSON file, ${Math.round(stream.msgsPerSec)} msg/s, ${r.maxRssMB.toFixed(0)} MB RSS`);
  } finally {
    rmSync(file, { force: true });
  }
}

const machine = `${cpus().length} vCPU ${cpus()[0]?.model ?? ''}, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(1)).join('/')}, ${pin ? 'server pinned to CPU 0, contender to CPU 1' : 'not pinned'}`;
const ratio = (s, base) => (base ? `${(s.msgsPerSec / base.msgsPerSec).toFixed(2)}×` : 'n/a');
const row = (name, s) => `| ${name} | ${Math.round(s.msgsPerSec).toLocaleString('en')} | ${s.cpuUsPerMsg.toFixed(1)} | ${s.maxRssMB.toFixed(0)} | ${ratio(s, summary.raw)} | ${ratio(s, summary.official)} |`;
console.log(`\n${machine}; ${count} conversations × ${perConversation} messages, concurrency ${concurrency}, median of ${rounds} rounds (official: ${officialRounds})\n`);
console.log('| contender | msg/s | client CPU µs/msg | peak RSS MB | vs raw | vs official | vs raw, paired by round |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [name, s] of Object.entries(summary)) {
  const paired = pairedRatio(name, 'raw');
  console.log(`${row(name, s)} ${paired === undefined ? 'n/a' : `${paired.toFixed(2)}×`} |`);
}
const perRound = (name) => results[name].map((r, i) => (results.raw[i] ? ((r.messages / r.ms) / (results.raw[i].messages / results.raw[i].ms)).toFixed(2) : '')).join(' ');
console.log(`\nper-round ratio to raw: sdk ${perRound('sdk')}; sdk+checkpoint ${perRound('sdk+checkpoint')}; client ${perRound('client')}`);
if (stream) console.log(`\nstreamed: ${stream.messages.toLocaleString('en')} messages from a ${stream.fileMB.toFixed(0)} MB NDJSON file: ${Math.round(stream.msgsPerSec).toLocaleString('en')} msg/s, peak RSS ${stream.maxRssMB.toFixed(0)} MB, ${stream.cpuUsPerMsg.toFixed(1)} µs CPU/msg`);
writeFileSync(join(out, 'results.json'), JSON.stringify({ machine, summary, stream, results }, null, 2));
