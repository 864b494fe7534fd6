#!/usr/bin/env node
// Checks what `npm pack` would publish: every file must match the allow-list (no tests, sources, env files or
// fixtures), and every file the package.json points at (exports, imports, bin, main/module/types, the node10 stubs)
// must be inside the tarball. Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ALLOWED = [
  /^package\.json$/,
  /^(README|CHANGELOG)\.md$/,
  /^LICENSE$/,
  /^(schemas|realtime|messages|messages\/schemas|testing|node)\/package\.json$/,
  /^examples\/data\/sample-conversations\.ndjson$/, // the demo's dataset (`npx tiledesk-sdk demo`)
  /^dist\/[\w.-]+\.(js|cjs|d\.ts|d\.cts)(\.map)?$/,
];

const [pack] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
);
const files = new Set(pack.files.map((f) => f.path));
const problems = [];
for (const f of files) if (!ALLOWED.some((re) => re.test(f))) problems.push(`not on the allow-list: ${f}`);

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const targets = new Set();
const collect = (v) => {
  if (typeof v === 'string') targets.add(v.replace(/^\.\//, ''));
  else if (v && typeof v === 'object') Object.values(v).forEach(collect);
};
collect(pkg.exports);
collect(pkg.imports);
collect(pkg.bin);
[pkg.main, pkg.module, pkg.types].forEach(collect);
for (const stub of ['schemas', 'realtime', 'messages', 'messages/schemas', 'testing', 'node']) {
  const s = JSON.parse(readFileSync(`${stub}/package.json`, 'utf8'));
  for (const k of ['main', 'module', 'types']) targets.add(`dist/${s[k].replace(/^(\.\.\/)+dist\//, '')}`);
}
for (const t of targets) if (!files.has(t)) problems.push(`referenced by package.json but not packed: ${t}`);

const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
console.log(`npm pack: ${files.size} files, ${kb(pack.size)} packed, ${kb(pack.unpackedSize)} unpacked`);
if (problems.length) {
  console.error(problems.map((p) => `  ✗ ${p}`).join('\n'));
  process.exit(1);
}
console.log('  ✓ every file is on the allow-list and every package.json target is packed');
