// Bundles page.ts for browsers with esbuild: platform `browser`, so the `browser` condition applies and the package's
// `#default-transport` import resolves to its fetch transport; no Node-only module (undici, ws, node:*) can get in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { DEFAULT_TRANSPORT, repositoryRoot, SDK_ENTRIES } from '../sdk-source.mjs';

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
 * Resolves `tiledesk-sdk/*` to src/ and `#default-transport` the way package.json "imports" says for a browser (its
 * `node` branch does not apply), then to the matching source file.
 */
function sdkFromSource(): Plugin {
  return {
    name: 'tiledesk-sdk-source',
    setup(b) {
      b.onResolve({ filter: /^(tiledesk-sdk(\/[\w-]+)?|#default-transport)$/ }, (args) => {
        if (args.path !== '#default-transport') {
          const entry = (SDK_ENTRIES as Record<string, string>)[args.path];
          if (!entry) return { errors: [{ text: `${args.path} is not an entry of tiledesk-sdk` }] };
          return { path: join(repositoryRoot, entry) };
        }
        const pkg = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as { imports: Record<string, Record<string, Record<string, string>>> };
        const branches = pkg.imports['#default-transport']!;
        const branch = Object.keys(branches).find((condition) => CONDITIONS.includes(condition))!;
        const target = branches[branch]!.import!; // e.g. ./dist/default-transport.browser.js
        const kind = /default-transport\.(\w+)\.js$/.exec(target)?.[1] as keyof typeof DEFAULT_TRANSPORT | undefined;
        if (!kind || !DEFAULT_TRANSPORT[kind]) return { errors: [{ text: `unexpected #default-transport target ${target}` }] };
        return { path: join(repositoryRoot, DEFAULT_TRANSPORT[kind]) };
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
    // The repository's tsconfig maps #default-transport to the Node transport for its own tests; a browser bundle
    // must follow package.json instead, so no tsconfig is read.
    tsconfigRaw: {},
    plugins: options.sdk === 'source' ? [sdkFromSource()] : [],
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild wrote nothing');
  const inputs = Object.values(result.metafile.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([path]) => path));
  return { js: output.text, inputs };
}
