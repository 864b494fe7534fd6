// Module hooks for examples/register.mjs (they run on Node's loader thread).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transform } from 'esbuild';
import { PACKAGE_IMPORTS, repositoryRoot, SDK_ENTRIES, sdkFromSource } from './sdk-source.mjs';

const fromSource = sdkFromSource();
const inRepository = (url) => url.startsWith(pathToFileURL(repositoryRoot).href) && !url.includes('/node_modules/');

export async function resolve(specifier, context, nextResolve) {
  if (fromSource) {
    const entry = SDK_ENTRIES[specifier] ?? PACKAGE_IMPORTS[specifier]?.node;
    if (entry) return { url: pathToFileURL(repositoryRoot + entry).href, shortCircuit: true };
  }
  // TypeScript sources import their siblings as `./x.js`; the file on disk is `x.ts`.
  const parent = context.parentURL;
  if (parent && inRepository(parent) && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
    const target = new URL(specifier, parent);
    if (!existsSync(target)) {
      const ts = new URL(specifier.replace(/\.js$/, '.ts'), parent);
      if (existsSync(ts)) return { url: ts.href, shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.endsWith('.ts') && inRepository(url)) {
    const file = fileURLToPath(url);
    const { code } = await transform(await readFile(file, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: file,
    });
    return { format: 'module', source: code, shortCircuit: true };
  }
  return nextLoad(url, context);
}
