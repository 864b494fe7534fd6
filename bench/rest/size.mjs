// Browser bundle size of the REST entry, as a user's bundler sees it (ESM, `browser` condition, minified, gzip -9).
//
//   node bench/rest/size.mjs
//
// Three entries: the client alone (what `import { TiledeskClient } from 'tiledesk-sdk'` costs), the client with
// opt-in response validation (`responseSchemas`, zod/mini), and the same schemas written with classic zod, which is
// why the SDK uses zod/mini. Also fails loudly if anything Node-only reaches the browser bundle.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tmp = join(root, 'node_modules/.cache/tiledesk-size');
mkdirSync(tmp, { recursive: true });

// Classic-zod twin of src/rest/schemas.ts, for comparison only (classic has no top-level `extend`: use the method).
const classic = readFileSync(join(root, 'src/rest/schemas.ts'), 'utf8')
  .replace("import * as z from 'zod/mini';", "import * as z from 'zod';")
  .replace(/z\.extend\((\w+), /g, '$1.extend(')
  .replaceAll("from './", `from '${join(root, 'src/rest')}/`);
writeFileSync(join(tmp, 'schemas-classic.ts'), classic);

const entries = {
  'TiledeskClient': `import { TiledeskClient } from '${root}src/index.ts'; globalThis.x = TiledeskClient;`,
  'TiledeskClient + responseSchemas (zod/mini)': `import { TiledeskClient, responseSchemas } from '${root}src/index.ts'; globalThis.x = [TiledeskClient, responseSchemas];`,
  'responseSchemas alone, zod/mini': `import { responseSchemas } from '${root}src/rest/schemas.ts'; globalThis.x = responseSchemas;`,
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
process.exitCode = failed ? 1 : 0;
