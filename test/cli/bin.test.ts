/**
 * The command as users get it: the package built with the repository's tsup settings into a scratch app
 * (`node_modules/tiledesk-sdk`, next to a copy of package.json), run through the `bin` link npm would create.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tsupConfig from '../../tsup.config.js';
import { startTiledeskServer } from '../../src/testing/index.js';
import { root, spawnNode, within } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string>; scripts: Record<string, string> };
let app: string;
let bin: string;

beforeAll(async () => {
  const { build } = await import('tsup');
  app = mkdtempSync(join(tmpdir(), 'tiledesk-cli-bin-'));
  const dir = join(app, 'node_modules', 'tiledesk-sdk');
  mkdirSync(dir, { recursive: true });
  const settings = Array.isArray(tsupConfig) ? tsupConfig[0] : tsupConfig;
  if (typeof settings !== 'object' || settings === null) throw new Error('tsup.config.ts: expected one options object');
  const entry = Object.fromEntries(Object.entries(settings.entry as Record<string, string>).map(([name, file]) => [name, join(root, file)]));
  await build({ ...settings, config: false, entry, outDir: join(dir, 'dist'), format: ['esm'], dts: false, sourcemap: false, silent: true, tsconfig: join(root, 'tsconfig.json') });
  copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
  for (const dep of ['zod', 'undici', 'ws']) symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  // What npm does with "bin": a link in node_modules/.bin.
  mkdirSync(join(app, 'node_modules', '.bin'));
  bin = join(app, 'node_modules', '.bin', 'tiledesk-sdk');
  symlinkSync(join(dir, pkg.bin['tiledesk-sdk']!), bin);
}, 120_000);
afterAll(() => rmSync(app, { recursive: true, force: true }));

describe('the built tiledesk-sdk command', () => {
  it('package.json wires the bin and npm run demo to dist/cli.js', () => {
    expect(pkg.bin).toEqual({ 'tiledesk-sdk': './dist/cli.js' });
    expect(pkg.scripts.demo).toBe('node dist/cli.js demo');
  });

  it('is executable through its bin link (shebang) and prints its version and help', () => {
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const env = { PATH: process.env.PATH, NO_COLOR: '1' };
    expect(execFileSync(bin, ['--version'], { env, encoding: 'utf8', timeout: 20_000 }).trim()).toBe(pkg.version);
    expect(execFileSync(bin, ['--help'], { env, encoding: 'utf8', timeout: 20_000 })).toContain('Usage: tiledesk-sdk <command>');
  });

  it('runs the demo (local server, import, live view) and exits 0 with nothing left running', async () => {
    const child = spawnNode([bin, 'demo', '--duration', '1', '--data', join(root, 'examples/data/sample-conversations.ndjson')], {});
    try {
      expect(await within(child.exited, 60_000, 'the built demo to exit')).toBe(0);
      expect(child.stderr.text).toBe('');
      expect(child.stdout.text).toContain('Conversations  36: 36 created');
      expect(child.stdout.text).toContain('+ new conversation');
      expect(child.stdout.text).toContain('Demo finished');
    } finally {
      child.process.kill('SIGKILL');
    }
  });

  it('import - reads the conversations from stdin (zcat export.ndjson.gz | tiledesk-sdk import -)', async () => {
    const server = await startTiledeskServer();
    const data = readFileSync(join(root, 'examples/data/sample-conversations.ndjson'), 'utf8');
    const env = { TILEDESK_URL: server.url, TILEDESK_PROJECT_ID: server.project.id, TILEDESK_TOKEN: server.owner.token };
    const child = spawnNode([bin, 'import', '-'], env, data);
    try {
      const code = await within(child.exited, 60_000, 'the import from stdin to exit');
      expect([code, child.stderr.text, child.stdout.text]).toEqual([0, '', expect.stringContaining('Conversations  36: 36 created')]);
      expect(child.stderr.text).toBe('');
      expect(child.stdout.text).toContain('Conversations  36: 36 created');
    } finally {
      child.process.kill('SIGKILL');
      await server.close();
    }
  });
});
