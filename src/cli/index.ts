#!/usr/bin/env node
// The `tiledesk-sdk` command line (import, tail, demo, server). Node only; built to dist/cli.js.
import { main } from './main.js';

const controller = new AbortController();
let interrupts = 0;
const interrupt = () => {
  interrupts += 1;
  // The first Ctrl-C asks every command to stop and release what it holds; a second one does not wait.
  if (interrupts > 1) process.exit(130);
  controller.abort();
};
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);
// The reader went away (`tiledesk-sdk tail | head`): stop like on Ctrl-C instead of dying on EPIPE.
const onOutputError = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  controller.abort();
};
process.stdout.on('error', onOutputError);
process.stderr.on('error', onOutputError);

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
  cwd: process.cwd(),
}).then(
  (code) => {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    // No process.exit here: the process ends once nothing is left open, which is the proof that nothing leaked.
    process.exitCode = code;
  },
  (error: unknown) => {
    // main() reports its own errors; reaching this is a bug, and its message may not be redacted: print little.
    process.stderr.write(`tiledesk-sdk: internal error (${error instanceof Error ? error.name : typeof error})\n`);
    process.exit(70);
  },
);
