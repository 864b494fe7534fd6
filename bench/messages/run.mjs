#!/usr/bin/env node
// Bundle size and parse rate of tiledesk-sdk/messages, zod/mini (what ships) vs zod classic (same schema code,
// `zod/mini` aliased to `zod`). Run from the repository root: `node bench/messages/run.mjs`.
// Prints a markdown report; bench/messages/RESULTS.md records one run and the equivalent CLI commands.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const out = mkdtempSync(join(tmpdir(), 'messages-bench-'));
const variants = { 'zod/mini': {}, 'zod classic': { 'zod/mini': 'zod' } };

async function bundle(entry, alias, platform, extra = {}) {
  const outfile = join(out, `${Math.random().toString(36).slice(2)}.js`);
  await build({ entryPoints: [entry], bundle: true, minify: platform === 'browser', format: 'esm', platform, alias, outfile, logLevel: 'error', ...extra });
  return outfile;
}

function sizes(file) {
  const code = readFileSync(file);
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length };
}

const kB = (n) => (n / 1000).toFixed(1);
const entries = [
  ['`tiledesk-sdk/messages`, whole entry (`entry.ts`)', 'bench/messages/entry.ts', false],
  ['`tiledesk-sdk/messages/schemas`, whole entry (`entry-schemas.ts`)', 'bench/messages/entry-schemas.ts', true],
  ['builders + readers, no `parse…` (`entry-builders-readers.ts`)', 'bench/messages/entry-builders-readers.ts', false],
  ['builders only (`entry-builders.ts`, chatbot authors)', 'bench/messages/entry-builders.ts', false],
  ['readers only (`entry-readers.ts`, dashboards)', 'bench/messages/entry-readers.ts', false],
];

try {
  console.log('### Browser bundle (esbuild --bundle --minify --format=esm --platform=browser, gzip -9)\n');
  console.log('| entry | zod | minified | gzip | own code only (zod external), gzip |');
  console.log('|---|---|---|---|---|');
  for (const [label, entry, withZod] of entries) {
    // Only the schemas entry imports zod: one row for each other entry, the classic variant would be the same bundle.
    for (const [zodName, alias] of Object.entries(variants).slice(0, withZod ? undefined : 1)) {
      const full = sizes(await bundle(entry, alias, 'browser'));
      const own = sizes(await bundle(entry, alias, 'browser', { external: ['zod', 'zod/*'] }));
      console.log(`| ${label} | ${withZod ? zodName : 'none'} | ${kB(full.min)} kB | **${kB(full.gz)} kB** | ${kB(own.gz)} kB |`);
    }
  }

  console.log('\n### Parse rate (Node ' + process.version + ', median of 7 × 300 ms after warm-up)\n');
  console.log('| validator | inbound msg/s | outbound msg/s |');
  console.log('|---|---|---|');
  let zodFree = '';
  const runs = [
    ['zod/mini', variants['zod/mini'], []],
    ['zod classic (JIT)', variants['zod classic'], []],
    ['zod classic, jitless', variants['zod classic'], ['--jitless']],
  ];
  for (const [label, alias, args] of runs) {
    // The fixture loader finds its files next to itself (import.meta.url); keep that true inside the bundle.
    const fixtures = pathToFileURL(resolve('test/messages/fixtures/load.ts')).href;
    const script = await bundle('bench/messages/parse-rate.ts', alias, 'node', { define: { 'import.meta.url': JSON.stringify(fixtures) } });
    const [inbound, outbound, readersCheck, buildersCheck] = JSON.parse(execFileSync(process.execPath, [script, ...args], { encoding: 'utf8' }));
    const fmt = (r) => `${Math.round(r.perSecond / 1000)}k (${r.count} msgs)`;
    console.log(`| ${label} | ${fmt(inbound)} | ${fmt(outbound)} |`);
    if (label === 'zod/mini') zodFree = `| zod-free \`parse…\` of \`tiledesk-sdk/messages\` (the builders' and readers' checks) | ${fmt(readersCheck)} | ${fmt(buildersCheck)} |`;
  }
  console.log(zodFree);
} finally {
  rmSync(out, { recursive: true, force: true });
}
