/**
 * Builds a fixture of test/import/fixtures into one script a child process can run with plain `node` (a lock names
 * a process id, a crash kills a process: those tests need real processes). Inside node_modules, so the bundle's
 * external imports (undici, ws) resolve. Returns the script's path and a `remove` for afterAll.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

export async function bundleChild(fixture: string): Promise<{ script: string; remove: () => void }> {
  const dir = join(root, 'node_modules/.cache', `tiledesk-${fixture}-${process.pid}`);
  const script = join(dir, `${fixture}.mjs`);
  mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: [join(root, 'test/import/fixtures', `${fixture}.ts`)],
    bundle: true, format: 'esm', platform: 'node', outfile: script, packages: 'external', logLevel: 'error',
    alias: { '#default-transport': join(root, 'src/rest/default-transport.node.ts'), '#websocket': join(root, 'src/realtime/websocket.node.ts') },
  });
  return { script, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
