/**
 * The built `tiledesk-sdk/messages` is one file holding schemas, builders and readers. Apps that import only builders
 * and readers must not bundle the schemas or zod: the schema definitions are marked side-effect free so a bundler
 * drops them. Checked on the package as built and installed in an app, as a user's bundler sees it.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

it('builders and readers bundle without zod; the schemas need it', async () => {
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
    const everyBuilderAndReader =
      'actionMessage, audio, buttons, card, classify, expandCommands, file, frame, gallery, html, htmlToText, image, ' +
      'normalizeTarget, redirect, split, text, tts, urlPreview, wait, InvalidMessageError, DEFAULT_WAIT_MS';
    const readersAndBuilders = await bundle(`import { ${everyBuilderAndReader} } from 'tiledesk-sdk/messages'; console.log(${everyBuilderAndReader});`);
    // The outbound rules made it in (builders check with them); zod did not, nor the schemas built with it.
    expect(readersAndBuilders.code).toContain('must be an absolute http(s) URL');
    expect(readersAndBuilders.zod).toBe(0);
    expect(readersAndBuilders.code).not.toContain('_zod');

    // The control: the same check does see zod when the schemas are imported.
    const schemas = await bundle("import { OutboundMessageSchema } from 'tiledesk-sdk/messages'; console.log(OutboundMessageSchema);");
    expect(schemas.zod).toBeGreaterThan(0);
    expect(schemas.code).toContain('_zod');
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}, 60_000);
