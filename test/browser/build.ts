/**
 * Builds the SDK the way a user gets it and bundles it the way a user's bundler would.
 *
 * 1. `buildPackage`: tsup, with the repository's own tsup settings, writes the browser-capable entries into a scratch
 *    app outside the repository (`<app>/node_modules/tiledesk-sdk/dist`), next to a copy of package.json. Its
 *    dependencies are symlinked from the repository's node_modules — the Node-only ones (undici, ws) too, so that a
 *    wrong resolution would succeed and be caught by the check below instead of failing as "not found".
 * 2. `bundleForBrowser`: esbuild, `platform: 'browser'` (conditions `browser`, `import`, `default`), from a file in
 *    that app. Nothing of the repository (its tsconfig `paths`, its node_modules lookup) takes part: package.json
 *    `exports`/`imports` decide, so `#default-transport` resolves to the fetch transport and `#websocket` to the
 *    global WebSocket.
 * 3. `nodeOnlyInputs`: every module of a bundle that must never reach a browser.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Platform } from 'esbuild';
import { build as tsup } from 'tsup';
import tsupConfig from '../../tsup.config.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** The entries a browser can import, and the files `#default-transport` and `#websocket` choose between. */
const BROWSER_ENTRIES = {
  index: 'src/index.ts',
  schemas: 'src/schemas.ts',
  realtime: 'src/realtime/index.ts',
  messages: 'src/messages/index.ts',
  'messages-schemas': 'src/messages/schemas.ts',
  'default-transport.node': 'src/rest/default-transport.node.ts',
  'default-transport.browser': 'src/rest/default-transport.browser.ts',
  'websocket.node': 'src/realtime/websocket.node.ts',
  'websocket.browser': 'src/realtime/websocket.browser.ts',
};

/** Symlinked into the scratch app: what the package depends on. */
const DEPENDENCIES = ['zod', 'ws', 'undici'];

/** Creates a scratch app (a fresh temp dir) with the built package installed; returns its path. */
export async function buildPackage(): Promise<string> {
  const app = mkdtempSync(join(tmpdir(), 'tiledesk-browser-app-'));
  const pkg = join(app, 'node_modules', 'tiledesk-sdk');
  mkdirSync(pkg, { recursive: true });
  const settings = Array.isArray(tsupConfig) ? tsupConfig[0] : tsupConfig;
  if (typeof settings !== 'object' || settings === null) throw new Error('tsup.config.ts: expected one options object');
  await tsup({
    ...settings,
    config: false,
    entry: Object.fromEntries(Object.entries(BROWSER_ENTRIES).map(([name, file]) => [name, join(root, file)])),
    outDir: join(pkg, 'dist'),
    format: ['esm'],
    dts: false,
    silent: true,
    tsconfig: join(root, 'tsconfig.json'),
  });
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(root, 'package.json')));
  for (const dep of DEPENDENCIES) symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  return app;
}

export interface BrowserBundle {
  code: string;
  /** Paths of the modules that contributed bytes to the output. */
  inputs: string[];
}

/** Bundles `source` (the contents of a file placed in the scratch app) for a browser, or for Node as a control. */
export async function bundleForBrowser(
  app: string,
  name: string,
  source: string,
  options: { platform?: Platform; minify?: boolean } = {},
): Promise<BrowserBundle> {
  const file = join(app, `${name}.js`);
  writeFileSync(file, source);
  const result = await build({
    entryPoints: [file],
    absWorkingDir: app,
    bundle: true,
    format: 'esm',
    platform: options.platform ?? 'browser',
    target: 'es2022',
    minify: options.minify ?? false,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild wrote nothing for ${name}`);
  return { code: output.text, inputs: contributingInputs(result.metafile) };
}

function contributingInputs(metafile: Metafile): string[] {
  const inputs = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, info] of Object.entries(output.inputs)) if (info.bytesInOutput > 0) inputs.add(path);
  }
  return [...inputs];
}

/** Modules that must never be in a browser bundle: undici, ws, `node:*` built-ins, the Node halves of `#…` imports. */
export function nodeOnlyInputs(bundle: BrowserBundle): string[] {
  return bundle.inputs.filter((path) =>
    /(^|\/)node_modules\/(undici|ws)\/|^node:|(default-transport|websocket)\.node|(^|\/)src\/(testing|node|cli)\//.test(path),
  );
}

/** Bare imports left in the output that a browser could not load (`node:fs`, `require("ws")`…). */
export function unresolvedNodeImports(code: string): string[] {
  const found = code.match(/\bfrom\s*["'](?:node:[^"']+|ws|undici)["']|\brequire\(\s*["'][^"']+["']\s*\)|\bimport\(\s*["']node:[^"']+["']\s*\)/g);
  return found ?? [];
}
