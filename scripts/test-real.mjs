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

// The files run one after another (fileParallelism: false keeps the server's fire-and-forget events of one scenario
// out of another's observations). The heartbeat file is a 66 s wait that sends nothing but pongs: on a full run it
// goes beside the others, in a vitest of its own, instead of adding its minute to CI.
const SIDE_FILE = 'test/real/heartbeat.real.test.ts';
const SIDE_GLOB = '**/heartbeat.real.test.ts';
async function runVitest(env) {
  if (process.argv.length > 2) return vitest(vitestArgs, env);
  const [main, side] = await Promise.all([vitest([...vitestArgs, '--exclude', SIDE_GLOB], env), vitest([...vitestArgs, SIDE_FILE], env)]);
  return main || side;
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
  process.exit(await runVitest(process.env));
}

if (process.platform !== 'linux') skip(`the real-server script needs Linux (this is ${process.platform})`);
const toolsPresent = spawnSync('bash', ['-c', 'command -v curl >/dev/null'], { encoding: 'utf8' });
if (toolsPresent.status !== 0) skip('bash and curl are needed to run the real server');

const ports = { TD_PORT: String(await freePort()), TD_DB_PORT: String(await freePort()), TD_REDIS_PORT: String(await freePort()) };
const env = { ...process.env, ...ports };

const setup = realServer('setup', env);
if (setup.status !== 0) skip(`the real tiledesk-server could not be installed (${setup.lastLines})`);

const start = realServer('start', env);
if (start.status !== 0) skip(`the real tiledesk-server could not be started (${start.lastLines})`);

let stopped = false;
const stop = () => {
  if (stopped) return;
  stopped = true;
  realServer('stop', env);
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stop();
    process.exit(130);
  });
}

const url = `http://127.0.0.1:${ports.TD_PORT}`;
console.log(`[test:real] real tiledesk-server on ${url}`);
let exitCode = 1;
try {
  exitCode = await runVitest({ ...env, TILEDESK_REAL_URL: url, TILEDESK_REAL_WS_URL: `ws://127.0.0.1:${ports.TD_PORT}/` });
} finally {
  stop();
}
process.exit(exitCode);
