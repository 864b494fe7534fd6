#!/usr/bin/env node
// `npm run test:real`: the conformance scenarios and SDK flows against a real Tiledesk server.
//
// - TILEDESK_REAL_URL set: run against that server (nothing is installed or started).
// - Otherwise: scripts/real-server/real-server.sh installs (once, into ~/.cache/tiledesk-sdk-real-server) and starts
//   the unmodified tiledesk-server on free loopback ports, the suite runs against it, and it is stopped again.
// - If the real server cannot be installed or started, one line starting with "SKIPPED test:real:" says why and the
//   exit status is 0: that is never reported as a pass. Failing tests exit non-zero.
// Extra arguments go to vitest (e.g. `npm run test:real -- test/conformance/auth.test.ts`).
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const realServerScript = join(root, 'scripts', 'real-server', 'real-server.sh');
const vitestArgs = ['vitest', 'run', '--config', 'vitest.real.config.ts', ...process.argv.slice(2)];

function skip(reason) {
  console.log(`\nSKIPPED test:real: ${reason}\n`);
  process.exit(0);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function vitest(args, env) {
  return new Promise((resolve) => {
    const child = spawn('npx', args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

// The files of one vitest run one after another (fileParallelism: false keeps the server's fire-and-forget events of
// one scenario out of another's observations). They mostly wait (silence windows, hang timeouts, a 66 s heartbeat),
// so a full run that starts its own servers splits them over two real servers, each with its own database and Redis,
// side by side: 380 s one after another, 250 s side by side (2 cores, servers started). The heartbeat file goes beside the first half: it
// sends nothing but pongs. With TILEDESK_REAL_URL (one server) they stay one run, the heartbeat file beside it.
// The halves are balanced by their last measured durations: 194 s and 228 s once widget.test.ts stopped waiting out
// 16 s of timeouts, so rest.real.test.ts (15 s) moved to the first half (about 209 s and 213 s).
const HEARTBEAT = 'test/real/heartbeat.real.test.ts';
const FIRST_HALF = [
  'test/conformance/websocket.test.ts',
  'test/conformance/widget.test.ts',
  'test/conformance/events.test.ts',
  'test/conformance/access.test.ts',
  'test/conformance/library.test.ts',
  'test/conformance/harness.test.ts',
  'test/real/chatbot-webhook.real.test.ts',
  'test/real/rest.real.test.ts',
];
const excluding = (files) => files.flatMap((file) => ['--exclude', file]);

/** Runs the suite against one server (`envs` of length 1) or split over two; resolves with the exit status. */
async function runVitest(envs) {
  if (process.argv.length > 2) return vitest(vitestArgs, envs[0]);
  const runs =
    envs.length === 1
      ? [vitest([...vitestArgs, ...excluding([HEARTBEAT])], envs[0]), vitest([...vitestArgs, HEARTBEAT], envs[0])]
      : [
          vitest([...vitestArgs, ...FIRST_HALF], envs[0]),
          vitest([...vitestArgs, HEARTBEAT], envs[0]),
          vitest([...vitestArgs, ...excluding([...FIRST_HALF, HEARTBEAT])], envs[1]),
        ];
  const codes = await Promise.all(runs);
  return codes.find((code) => code !== 0) ?? 0;
}

/** Runs a real-server.sh command with its output shown; returns its exit status and the last lines it printed. */
function realServer(command, env) {
  const started = Date.now();
  const result = spawnSync('bash', [realServerScript, command], { cwd: root, env, encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  process.stdout.write(output);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`[test:real] real-server ${command}: exit ${result.status} after ${seconds}s`);
  const lastLines = output.trim().split('\n').slice(-3).join(' | ');
  return { status: result.status ?? 1, lastLines };
}

if (process.env.TILEDESK_REAL_URL) {
  console.log(`[test:real] against TILEDESK_REAL_URL=${process.env.TILEDESK_REAL_URL}`);
  process.exit(await runVitest([process.env]));
}

if (process.platform !== 'linux') skip(`the real-server script needs Linux (this is ${process.platform})`);
const toolsPresent = spawnSync('bash', ['-c', 'command -v curl >/dev/null'], { encoding: 'utf8' });
if (toolsPresent.status !== 0) skip('bash and curl are needed to run the real server');

// Two servers (see runVitest) only for a full run; one is enough for a chosen file.
const serverCount = process.argv.length > 2 ? 1 : 2;
const taken = new Set();
async function unusedPort() {
  for (;;) {
    const port = String(await freePort());
    if (!taken.has(port)) return taken.add(port), port;
  }
}
const servers = [];
for (let i = 0; i < serverCount; i++) {
  const ports = { TD_PORT: await unusedPort(), TD_DB_PORT: await unusedPort(), TD_REDIS_PORT: await unusedPort() };
  servers.push({ ports, env: { ...process.env, ...ports } });
}

const setup = realServer('setup', servers[0].env);
if (setup.status !== 0) skip(`the real tiledesk-server could not be installed (${setup.lastLines})`);

const started = [];
const stop = () => {
  for (const server of started.splice(0)) realServer('stop', server.env);
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stop();
    process.exit(130);
  });
}
for (const [i, server] of servers.entries()) {
  const start = realServer('start', server.env);
  if (start.status === 0) {
    started.push(server);
    continue;
  }
  realServer('stop', server.env); // a failed start may leave some of its processes
  if (i === 0) skip(`the real tiledesk-server could not be started (${start.lastLines})`);
  console.log('[test:real] a second server did not start: every file runs against the first one');
  servers.length = 1;
  break;
}

let exitCode = 1;
try {
  const envs = servers.map(({ ports, env }) => {
    const url = `http://127.0.0.1:${ports.TD_PORT}`;
    console.log(`[test:real] real tiledesk-server on ${url}`);
    return { ...env, TILEDESK_REAL_URL: url, TILEDESK_REAL_WS_URL: `ws://127.0.0.1:${ports.TD_PORT}/` };
  });
  exitCode = await runVitest(envs);
} finally {
  stop();
}
process.exit(exitCode);
