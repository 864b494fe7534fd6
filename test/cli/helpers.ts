import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Duplex } from 'node:stream';
import { main, type OutputStream } from '../../src/cli/main.js';
import type { TiledeskTestServer } from '../../src/testing/index.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** An output stream that keeps what is written; `isTTY` false unless asked. */
export class Capture implements OutputStream {
  text = '';
  isTTY: boolean;
  columns = 120;
  rows = 40;
  private waiters: { test: (text: string) => boolean; resolve: () => void }[] = [];

  constructor(tty = false) {
    this.isTTY = tty;
  }

  write(chunk: string): boolean {
    this.text += chunk;
    for (const w of [...this.waiters]) {
      if (w.test(this.text)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
    return true;
  }

  /** Resolves once the output matches; rejects after `timeoutMs` with what was written so far. */
  waitFor(pattern: RegExp | string, timeoutMs = 10_000): Promise<void> {
    const test = (text: string) => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
    if (test(this.text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`Timed out waiting for ${String(pattern)} in output:\n${this.text}`));
      }, timeoutMs);
      const waiter = { test, resolve: () => (clearTimeout(timer), resolve()) };
      this.waiters.push(waiter);
    });
  }
}

export interface CliRun {
  code: Promise<number>;
  stdout: Capture;
  stderr: Capture;
  /** Ctrl-C. */
  interrupt(): void;
}

/** Runs the CLI's `main` in this process with captured output and a fresh environment (no TILEDESK_* leaks in). */
export function startCli(argv: string[], options: { env?: Record<string, string | undefined>; tty?: boolean; cwd?: string } = {}): CliRun {
  const stdout = new Capture(options.tty);
  const stderr = new Capture(false);
  const controller = new AbortController();
  const code = main(argv, {
    stdout,
    stderr,
    env: { NO_COLOR: '1', ...options.env },
    signal: controller.signal,
    cwd: options.cwd ?? root,
    packageRoot: root,
  });
  return { code, stdout, stderr, interrupt: () => controller.abort() };
}

export async function runCli(argv: string[], options: Parameters<typeof startCli>[1] = {}) {
  const run = startCli(argv, options);
  const code = await run.code;
  return { code, stdout: run.stdout.text, stderr: run.stderr.text };
}

export function serverEnv(server: { url: string; project: { id: string }; owner: { token: string } }): Record<string, string> {
  return { TILEDESK_URL: server.url, TILEDESK_PROJECT_ID: server.project.id, TILEDESK_TOKEN: server.owner.token };
}

/**
 * The CLI bundled from source into node_modules/.cache (so its external packages resolve), to run it as a real
 * process: exit codes, signals, and the proof that nothing stays open (the process ends by itself).
 */
export async function bundleCli(): Promise<{ script: string; dispose(): void }> {
  const dir = join(root, 'node_modules/.cache', `tiledesk-cli-test-${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'cli.mjs');
  await build({
    entryPoints: [join(root, 'src/cli/index.ts')],
    bundle: true, format: 'esm', platform: 'node', outfile: script, packages: 'external', logLevel: 'error',
    alias: { '#default-transport': join(root, 'src/rest/default-transport.node.ts'), '#websocket': join(root, 'src/realtime/websocket.node.ts') },
  });
  return { script, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Child {
  process: ChildProcess;
  stdout: Capture;
  stderr: Capture;
  /** Resolves with the exit code (or the signal name) once the process has ended by itself. */
  exited: Promise<number | string>;
}

export function spawnNode(args: string[], env: Record<string, string | undefined>, input?: string): Child {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin!.end(input);
  const stdout = new Capture();
  const stderr = new Capture();
  child.stdout!.setEncoding('utf8').on('data', (d: string) => stdout.write(d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.write(d));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { process: child, stdout, stderr, exited };
}

/** Waits for a promise, failing the test (instead of hanging it) after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]);
}

/**
 * Restarts `server` with a stand-in on its port meanwhile that refuses every token (a revoked or expired one looks like
 * this) and resolves with the exit code `run` ends with during that time.
 */
export async function exitWhileTokensRefused(server: TiledeskTestServer, run: CliRun, what: string): Promise<number | undefined> {
  let code: number | undefined;
  await server.restart({
    whileDown: async () => {
      const refusing = createServer((_, res) => res.writeHead(401).end());
      refusing.on('upgrade', (_, socket: Duplex) => socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'));
      await new Promise<void>((resolve) => refusing.listen(server.port, '127.0.0.1', () => resolve()));
      try {
        code = await within(run.code, 10_000, what);
      } finally {
        refusing.closeAllConnections();
        await new Promise((resolve) => refusing.close(resolve));
      }
    },
  });
  return code;
}
