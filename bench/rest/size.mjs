// Browser bundle size of the REST entry, as a user's bundler sees it (ESM, `browser` condition, minified, gzip -9).
//
//   node bench/rest/size.mjs
//
// First the way users get it: the package built with tsup (dist/, `#default-transport` resolved through
// package.json "imports" under the `browser` condition), installed in a scratch folder, bundled from
// `import { TiledeskClient } from 'tiledesk-sdk'`. Then, from source: the client alone (what `import { TiledeskClient }
// from 'tiledesk-sdk'` costs), the client with opt-in response validation (`responseSchemas` from
// `tiledesk-sdk/schemas`, zod/mini), the schemas alone, and the same schemas written with classic zod, which is why
// the SDK uses zod/mini. Also fails loudly if anything Node-only, or zod for the client, reaches the browser bundle.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tmp = join(root, 'node_modules/.cache/tiledesk-size');
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });

// Classic-zod twin of src/rest/schemas.ts, for comparison only (classic has no top-level `extend`: use the method).
const classic = readFileSync(join(root, 'src/rest/schemas.ts'), 'utf8')
  .replace("import * as z from 'zod/mini';", "import * as z from 'zod';")
  .replace(/z\.extend\((\w+), /g, '$1.extend(')
  .replaceAll("from './", `from '${join(root, 'src/rest')}/`);
writeFileSync(join(tmp, 'schemas-classic.ts'), classic);

// 1. The built package, as installed.
{
  const { build: tsup } = await import('tsup');
  // Outside the repository, so nothing of ours (tsconfig `paths`) influences resolution: only package.json does.
  const app = mkdtempSync(join(tmpdir(), 'tiledesk-size-app-'));
  const pkg = join(app, 'node_modules/tiledesk-sdk');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  await tsup({ outDir: join(pkg, 'dist'), dts: false, sourcemap: false, silent: true });
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(root, 'package.json')));
  for (const dep of ['undici']) symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
  writeFileSync(join(app, 'entry.js'), "import { TiledeskClient } from 'tiledesk-sdk'; globalThis.x = TiledeskClient;");
  const result = await build({
    entryPoints: [join(app, 'entry.js')], bundle: true, minify: true, format: 'esm', platform: 'browser',
    conditions: ['browser'], write: false, metafile: true, logLevel: 'error', logLimit: 3, absWorkingDir: app,
  }).finally(() => rmSync(app, { recursive: true, force: true }));
  const code = result.outputFiles[0].contents;
  const inputs = Object.entries(Object.values(result.metafile.outputs)[0].inputs).filter(([, v]) => v.bytesInOutput > 0).map(([k]) => k);
  const bad = inputs.filter((i) => /undici|^node:|default-transport\.node|zod/.test(i));
  if (bad.length) {
    console.error(`built package: unexpected modules in the browser bundle: ${bad.join(', ')}`);
    process.exitCode = 1;
  }
  console.log('| entry | min bytes | gzip -9 bytes | brotli bytes |');
  console.log('|---|---:|---:|---:|');
  console.log(`| built package: \`import { TiledeskClient } from 'tiledesk-sdk'\` | ${code.length} | ${gzipSync(code, { level: 9 }).length} | ${brotliCompressSync(code).length} |`);
  console.log();
}

// 2. From source.
const entries = {
  'TiledeskClient': `import { TiledeskClient } from '${root}src/index.ts'; globalThis.x = TiledeskClient;`,
  'TiledeskClient + responseSchemas (zod/mini)': `import { TiledeskClient } from '${root}src/index.ts'; import { responseSchemas } from '${root}src/schemas.ts'; globalThis.x = [TiledeskClient, responseSchemas];`,
  'responseSchemas alone, zod/mini': `import { responseSchemas } from '${root}src/schemas.ts'; globalThis.x = responseSchemas;`,
  'responseSchemas alone, classic zod': `import { responseSchemas } from '${join(tmp, 'schemas-classic.ts')}'; globalThis.x = responseSchemas;`,
};

console.log('| entry (esbuild --bundle --minify --format=esm --platform=browser --conditions=browser) | min bytes | gzip -9 bytes | brotli bytes |');
console.log('|---|---:|---:|---:|');
let failed = false;
for (const [name, source] of Object.entries(entries)) {
  const file = join(tmp, 'entry.ts');
  writeFileSync(file, source);
  const result = await build({
    entryPoints: [file],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    write: false,
    alias: { '#default-transport': join(root, 'src/rest/default-transport.browser.ts') },
    logLevel: 'error',
    metafile: true,
  });
  const code = result.outputFiles[0].contents;
  // Modules that contribute bytes to the output (the metafile's `inputs` also lists modules tree-shaken away).
  const output = Object.values(result.metafile.outputs)[0];
  const inputs = Object.entries(output.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([k]) => k);
  const nodeOnly = inputs.filter((i) => /undici|^node:|default-transport\.node/.test(i));
  if (nodeOnly.length) {
    console.error(`${name}: Node-only modules in the browser bundle: ${nodeOnly.join(', ')}`);
    failed = true;
  }
  if (name === 'TiledeskClient' && inputs.some((i) => i.includes('zod'))) {
    console.error('TiledeskClient alone pulls in zod');
    failed = true;
  }
  console.log(`| ${name} | ${code.length} | ${gzipSync(code, { level: 9 }).length} | ${brotliCompressSync(code).length} |`);
}
rmSync(tmp, { recursive: true, force: true });
if (failed) process.exitCode = 1;
