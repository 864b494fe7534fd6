#!/usr/bin/env node
// `npm run test:smoke`: installs the packed tarball (what npm would publish) into fresh projects outside the repo
// and uses it from ESM, CommonJS and TypeScript (moduleResolution node16 and bundler), on this Node and on Node 24.
// Run after `npm run build`. Exits non-zero on the first failure.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'tiledesk-smoke-'));
const quiet = { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' };
const sh = (cmd, args, cwd, extra = {}) => execFileSync(cmd, args, { cwd, ...quiet, timeout: 300_000, ...extra });

function step(name, fn) {
  const t0 = Date.now();
  try {
    const out = fn();
    console.log(`  ✓ ${name} (${Date.now() - t0} ms)${out ? ` — ${String(out).trim().split('\n').pop()}` : ''}`);
  } catch (e) {
    console.error(`  ✗ ${name}\n${e.stdout ?? ''}${e.stderr ?? ''}${e.stdout || e.stderr ? '' : e.stack}`);
    process.exitCode = 1;
    throw e;
  }
}

try {
  console.log(`smoke projects in ${work}`);
  let tarball;
  step('npm pack', () => {
    const [info] = JSON.parse(sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root));
    tarball = join(work, info.filename);
    return info.filename;
  });

  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'smoke-app', private: true, type: 'module' }));
  const devVersions = ['typescript', '@types/node'].map((d) => `${d}@${rootPkg.devDependencies[d]}`);
  step('npm install <tarball> + typescript', () =>
    sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...devVersions], app));

  for (const f of ['esm.mjs', 'cjs.cjs', 'typed.ts', 'typed-cjs.cts']) copyFileSync(join(fixtures, f), join(app, f));
  const node24 = ['-y', '-p', 'node@24', 'node'];
  for (const [label, file] of [['ESM', 'esm.mjs'], ['CommonJS', 'cjs.cjs']]) {
    step(`${label} on Node ${process.versions.node}`, () => sh(process.execPath, [file], app));
    step(`${label} on Node 24`, () => sh('npx', [...node24, file], app));
  }

  const tsc = join(app, 'node_modules/typescript/bin/tsc');
  const configs = {
    node16: { module: 'node16', moduleResolution: 'node16' },
    bundler: { module: 'esnext', moduleResolution: 'bundler' },
  };
  for (const [name, resolution] of Object.entries(configs)) {
    const out = join(app, `out-${name}`);
    writeFileSync(
      join(app, `tsconfig.${name}.json`),
      JSON.stringify({
        compilerOptions: { ...resolution, target: 'es2022', strict: true, types: ['node'], outDir: out, skipLibCheck: false },
        // node16 also compiles a CommonJS consumer (.cts), which resolves the `require` condition's .d.cts types.
        files: name === 'node16' ? ['typed.ts', 'typed-cjs.cts'] : ['typed.ts'],
      }),
    );
    step(`TypeScript, moduleResolution ${name}: tsc`, () => sh(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], app));
    writeFileSync(join(out, 'run.mjs'), "import { main } from './typed.js'; console.log(await main());");
    step(`TypeScript, moduleResolution ${name}: run`, () => sh(process.execPath, [join(out, 'run.mjs')], app));
    if (name === 'node16') {
      writeFileSync(join(out, 'run-cjs.cjs'), "require('./typed-cjs.cjs').main().then(console.log, (e) => { console.error(e); process.exit(1); });");
      step('TypeScript CommonJS (.cts), node16: run', () => sh(process.execPath, [join(out, 'run-cjs.cjs')], app));
    }
  }
  console.log('smoke: all passed');
} catch {
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
