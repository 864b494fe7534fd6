// Bundles page.ts for browsers with esbuild: platform `browser`, so the `browser` condition applies and the package's
// `#default-transport` and `#websocket` imports resolve to fetch and the global WebSocket; no Node-only module
// (undici, ws, node:*) can get in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { PACKAGE_IMPORTS, repositoryRoot, SDK_ENTRIES } from '../sdk-source.mjs';

export interface DashboardBundle {
  /** The bundle (ES module). */
  js: string;
  /** Every module with bytes in the bundle (paths relative to the repository root). */
  inputs: string[];
}

export interface BuildOptions {
  /** `package` (default): `tiledesk-sdk` is this package as built in dist/. `source`: its sources in src/. */
  sdk?: 'package' | 'source';
  minify?: boolean;
}

const CONDITIONS = ['browser', 'import', 'default'];

/**
 * Resolves `tiledesk-sdk/*` to src/, and the package's `#…` imports the way package.json "imports" says for a browser
 * (their `node` branch does not apply), then to the matching source file.
 */
function sdkFromSource(): Plugin {
  return {
    name: 'tiledesk-sdk-source',
    setup(b) {
      b.onResolve({ filter: /^(tiledesk-sdk(\/[\w-]+)?|#[\w-]+)$/ }, (args) => {
        if (!args.path.startsWith('#')) {
          const entry = (SDK_ENTRIES as Record<string, string>)[args.path];
          if (!entry) return { errors: [{ text: `${args.path} is not an entry of tiledesk-sdk` }] };
          return { path: join(repositoryRoot, entry) };
        }
        const sources = (PACKAGE_IMPORTS as Record<string, { node: string; browser: string }>)[args.path];
        const pkg = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as { imports: Record<string, Record<string, Record<string, string>>> };
        const branches = pkg.imports[args.path];
        if (!sources || !branches) return { errors: [{ text: `${args.path} is not an import of tiledesk-sdk` }] };
        const branch = Object.keys(branches).find((condition) => CONDITIONS.includes(condition))!;
        const target = branches[branch]!.import!; // e.g. ./dist/websocket.browser.js
        const kind = /\.(node|browser)\.js$/.exec(target)?.[1] as 'node' | 'browser' | undefined;
        if (!kind) return { errors: [{ text: `unexpected ${args.path} target ${target}` }] };
        return { path: join(repositoryRoot, sources[kind]) };
      });
    },
  };
}

export async function buildDashboard(options: BuildOptions = {}): Promise<DashboardBundle> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
    absWorkingDir: repositoryRoot,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    target: 'es2022',
    minify: options.minify ?? false,
    sourcemap: 'inline',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // The repository's tsconfig maps the `#…` imports to their Node files for its own tests; a browser bundle
    // must follow package.json instead, so no tsconfig is read.
    tsconfigRaw: {},
    plugins: options.sdk === 'source' ? [sdkFromSource()] : [],
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild wrote nothing');
  const inputs = Object.values(result.metafile.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([path]) => path));
  return { js: output.text, inputs };
}
