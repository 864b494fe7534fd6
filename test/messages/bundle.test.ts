/**
 * `tiledesk-sdk/messages` (builders, readers, `parse…`) never bundles zod, whatever the app imports from it and
 * whether or not its bundler tree-shakes; only `tiledesk-sdk/messages/schemas` brings zod in. Checked on the package
 * as built and installed in an app, as a user's bundler sees it.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

it('the messages entry bundles without zod, even whole; the schemas entry needs it', async () => {
  const { build: tsup } = await import('tsup');
  const app = mkdtempSync(join(tmpdir(), 'tiledesk-messages-'));
  try {
    const pkg = join(app, 'node_modules/tiledesk-sdk');
    await tsup({ outDir: join(pkg, 'dist'), dts: false, sourcemap: false, silent: true });
    writeFileSync(join(pkg, 'package.json'), readFileSync(`${root}package.json`));
    symlinkSync(`${root}node_modules/zod`, join(app, 'node_modules/zod'));
    const bundle = async (source: string) => {
      writeFileSync(join(app, 'entry.js'), source);
      const result = await build({
        entryPoints: [join(app, 'entry.js')], absWorkingDir: app, bundle: true, minify: true, format: 'esm',
        platform: 'browser', write: false, metafile: true, logLevel: 'silent',
      });
      const inputs = Object.entries(Object.values(result.metafile.outputs)[0]!.inputs);
      return { code: result.outputFiles[0]!.text, zod: inputs.filter(([path, v]) => path.includes('zod') && v.bytesInOutput > 0).length };
    };
    // The whole namespace, used as a value: nothing can be tree-shaken away.
    const whole = await bundle("import * as messages from 'tiledesk-sdk/messages'; console.log(messages);");
    // The outbound rules and the parse functions made it in; zod did not.
    expect(whole.code).toContain('must be an absolute http(s) URL');
    expect(whole.code).toContain('invalid outbound message');
    expect(whole.zod).toBe(0);
    expect(whole.code).not.toContain('_zod');

    // The control: the same check does see zod when the schemas are imported.
    const schemas = await bundle("import { OutboundMessageSchema } from 'tiledesk-sdk/messages/schemas'; console.log(OutboundMessageSchema);");
    expect(schemas.zod).toBeGreaterThan(0);
    expect(schemas.code).toContain('_zod');
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}, 60_000);
