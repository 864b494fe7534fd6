#!/usr/bin/env node
// Realtime dispatch throughput and bundle size.
//
//   node bench/realtime/run.mjs [--frames 40000] [--rounds 7]
//   node bench/realtime/run.mjs --size-only      # the browser-bundle table alone (under a second)
//
// Throughput: frames per second from a loopback `ws` server (bench/realtime/server.mjs, a child process) to a handler,
// on the real live-message frames captured from tiledesk-server (test/fixtures/real-server/ws-agent-msgs.jsonl,
// copied from shared/corpus; ~4 KB each: a message with its whole conversation embedded). Contenders, interleaved in
// every round so drift hits all alike; the median round is reported with CPU time per frame of this process (user + system):
//   raw          `ws` + `JSON.parse` in a `message` listener: the floor anyone pays;
//   off          RealtimeClient, validation off (the default): envelope checks, routing, typed handler;
//   built-in     RealtimeClient, `validate: true` (hand-written structural checks);
//   zod          RealtimeClient, `validate: InboundMessageSchema` from tiledesk-sdk/messages/schemas (zod/mini, Standard Schema).
// Size: `esbuild --bundle --minify --format=esm --platform=browser` on one-line entries, then gzip -9.
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, version as esbuildVersion } from 'esbuild';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: { frames: { type: 'string', default: '40000' }, rounds: { type: 'string', default: '7' }, 'size-only': { type: 'boolean', default: false } },
});
const N = Number(values.frames);
const ROUNDS = Number(values.rounds);
const root = fileURLToPath(new URL('../../', import.meta.url));
const corpus = join(root, 'test/fixtures/real-server/ws-agent-msgs.jsonl');
// Inside node_modules so the bundles' external imports (ws, zod) resolve.
const out = join(root, 'node_modules/.cache/tiledesk-bench-realtime');
mkdirSync(out, { recursive: true });

// ---- size -------------------------------------------------------------------------------------------------------
const entries = {
  'RealtimeClient': "export { RealtimeClient } from 'tiledesk-sdk/realtime';",
  'RealtimeClient + topics': "export { RealtimeClient, topics } from 'tiledesk-sdk/realtime';",
  'RealtimeClient + topics + LiveRequests + LiveMessages': "export { RealtimeClient, topics, LiveRequests, LiveMessages } from 'tiledesk-sdk/realtime';",
};
const sizes = [];
for (const [label, code] of Object.entries(entries)) {
  const entry = join(out, 'entry.js');
  writeFileSync(entry, code);
  const outfile = join(out, 'entry.out.js');
  await build({
    entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser', outfile, logLevel: 'error',
    alias: { 'tiledesk-sdk/realtime': join(root, 'src/realtime/index.ts'), '#websocket': join(root, 'src/realtime/websocket.browser.ts') },
  });
  const bytes = readFileSync(outfile);
  sizes.push([label, bytes.length, gzipSync(bytes, { level: 9 }).length]);
}

function printSizes() {
  console.log(`### Browser bundle (\`esbuild --bundle --minify --format=esm --platform=browser\` from source, gzip -9; esbuild ${esbuildVersion})\n`);
  console.log('| entry | minified | gzip |');
  console.log('|---|---|---|');
  for (const [label, min, gz] of sizes) console.log(`| \`import { ${label.replaceAll(' + ', ', ')} }\` | ${min.toLocaleString('en')} B | **${gz.toLocaleString('en')} B** |`);
}
if (values['size-only']) {
  printSizes();
  process.exit(0);
}

// ---- throughput -------------------------------------------------------------------------------------------------
await build({
  entryPoints: [join(root, 'bench/realtime/client-entry.ts')], bundle: true, format: 'esm', platform: 'node',
  outfile: join(out, 'client.mjs'), packages: 'external', logLevel: 'error',
  alias: { '#websocket': join(root, 'src/realtime/websocket.node.ts') },
});
const { RealtimeClient, InboundMessageSchema } = await import(pathToFileURL(join(out, 'client.mjs')).href);

const server = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), [corpus], { stdio: 'inherit' });
const { port, topic, sizes: frameSizes } = await new Promise((resolve) => server.once('message', resolve));
const url = `ws://127.0.0.1:${port}/?count=${N}`;

function measure(start) {
  return new Promise((resolve, reject) => {
    let t0 = 0n;
    let cpu0;
    let count = 0;
    const onFrame = () => {
      if (count++ === 0) {
        t0 = process.hrtime.bigint();
        cpu0 = process.cpuUsage();
      }
      if (count === N) {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const cpu = process.cpuUsage(cpu0);
        // The first frame starts the clock: N - 1 frames were timed.
        resolve({ perSecond: (N - 1) / seconds, cpuMicrosPerFrame: (cpu.user + cpu.system) / (N - 1) });
      }
    };
    start(onFrame).catch(reject);
  });
}

const contenders = {
  raw: (onFrame) =>
    new Promise((resolve) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.on('message', (data) => {
        const frame = JSON.parse(data);
        if (frame.action === 'publish') onFrame(frame);
      });
      ws.once('open', () => ws.send('{"action":"go"}'));
      resolve(() => ws.terminate());
    }),
  off: (onFrame) => viaClient(onFrame, {}),
  'built-in': (onFrame) => viaClient(onFrame, { validate: true }),
  zod: (onFrame) => viaClient(onFrame, { validate: { messages: InboundMessageSchema } }),
};
let invalid = 0;

async function viaClient(onFrame, options) {
  const rt = new RealtimeClient({ url, token: 'JWT bench.bench.bench', environment: null, ...options });
  rt.on('badFrame', () => invalid++);
  rt.subscribe(topic, { create: onFrame });
  return () => rt.close();
}

const results = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
for (let round = 0; round < ROUNDS + 1; round++) {
  for (const [name, start] of Object.entries(contenders)) {
    let stop;
    const result = await measure(async (onFrame) => {
      stop = await start(onFrame);
    });
    await stop();
    if (round > 0) results[name].push(result); // round 0 warms up the JIT for every contender
  }
}
server.kill();

const median = (list, key) => [...list].sort((a, b) => a[key] - b[key])[Math.floor(list.length / 2)][key];
const raw = median(results.raw, 'perSecond');
const avgSize = Math.round(frameSizes.reduce((a, b) => a + b, 0) / frameSizes.length);
const rawCpu = median(results.raw, 'cpuMicrosPerFrame');
console.log(`### Dispatch throughput (Node ${process.version}, ${cpus().length} × ${cpus()[0].model.trim()}, load average ${loadavg()[0].toFixed(1)})\n`);
console.log(`${N} frames per run, ${ROUNDS} rounds after a warm-up round, medians; frames ${frameSizes.join('/')} B (mean ${avgSize} B).`);
console.log('"× raw" compares frames/s (wall clock); "× raw, CPU" compares CPU time per frame, which other load on the machine disturbs less.\n');
console.log('| contender | frames/s | × raw | CPU µs/frame | × raw, CPU |');
console.log('|---|---|---|---|---|');
const labels = {
  raw: 'raw `ws` + `JSON.parse`',
  off: 'RealtimeClient, validation off (default)',
  'built-in': 'RealtimeClient, `validate: true` (built-in checks)',
  zod: 'RealtimeClient, `validate: { messages: InboundMessageSchema }` (zod/mini)',
};
for (const name of Object.keys(contenders)) {
  const rate = median(results[name], 'perSecond');
  const cpu = median(results[name], 'cpuMicrosPerFrame');
  console.log(`| ${labels[name]} | ${Math.round(rate).toLocaleString('en')} | ${(rate / raw).toFixed(2)} | ${cpu.toFixed(1)} | ${(rawCpu / cpu).toFixed(2)} |`);
}
if (invalid) console.log(`\n(${invalid} items failed validation)`);

console.log('');
printSizes();
