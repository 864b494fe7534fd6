#!/usr/bin/env node
// arethetypeswrong on the package as built: `npm pack --ignore-scripts` into a temporary folder, then `attw <tarball>`.
// `attw --pack .` runs a plain `npm pack`, whose `prepare` script rebuilds the package with tsup (about 20 s, a third
// build in CI after `npm ci`'s own prepare run and the build step). publint and check-package.mjs already check the
// built package without scripts; so does this. Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tiledesk-attw-'));
try {
  const [info] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  execFileSync(join(root, 'node_modules', '.bin', 'attw'), [join(work, info.filename)], { cwd: root, stdio: 'inherit' });
} catch (error) {
  // attw prints its own report; a failed npm pack prints to stderr (inherited above).
  process.exitCode = typeof error.status === 'number' && error.status !== 0 ? error.status : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
