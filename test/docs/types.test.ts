/**
 * Every ```ts block of the documentation type-checks, `no-run` blocks included, as a user's editor sees it: strict,
 * the public entries resolved to their sources. Running an example (the docs tests) does not catch a wrong option
 * shape that happens not to throw, a name used but never imported, or code a strict project refuses.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { docExamples, root } from '../helpers/doc-examples.js';

const DOCS = ['README.md', 'docs/rest.md', 'docs/realtime.md', 'docs/messages.md', 'docs/import.md', 'docs/testing-server.md'];
const scratch = `${root}node_modules/.cache/doc-types-${process.pid}/`;

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Type errors of these modules, each as `where: message`, with a checker configured by the repository's tsconfig. */
function typeErrors(files: Record<string, { source: string; where: (line: number) => string }>): string[] {
  mkdirSync(scratch, { recursive: true });
  for (const [name, { source }] of Object.entries(files)) writeFileSync(`${scratch}${name}`, source);
  const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, { noEmit: true }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const program = ts.createProgram(Object.keys(files).map((name) => `${scratch}${name}`), config.options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const name = d.file?.fileName.slice(scratch.length);
    const file = name === undefined ? undefined : files[name];
    if (!file || d.start === undefined) return `${d.file?.fileName ?? 'tsconfig'}: ${message}`;
    return `${file.where(d.file!.getLineAndCharacterOfPosition(d.start).line)}: ${message}`;
  });
}

describe('documentation examples', () => {
  it('type-check, strict, against the sources (errors point at the Markdown line)', () => {
    const files: Parameters<typeof typeErrors>[0] = {};
    for (const doc of DOCS) {
      for (const { example, source, codeLine } of docExamples(doc)) {
        files[`${doc.replace(/\W+/g, '-')}-${example.line}.ts`] = {
          source,
          where: (line) => (line < codeLine ? `${doc}, setup or prelude of the block at line ${example.line}` : `${doc}:${example.line + line - codeLine}`),
        };
      }
    }
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(45);
    expect(typeErrors(files)).toEqual([]);
  }, 120_000);

  it('would report a wrong option shape (the check has types to check against)', () => {
    const errors = typeErrors({
      'control.ts': {
        source: "import { TiledeskClient } from 'tiledesk-sdk';\nnew TiledeskClient({ baseUrl: 'http://x', retryDelay: 500 });\n",
        where: (line) => `control.ts:${line + 1}`,
      },
    });
    expect(errors).toEqual([expect.stringMatching(/^control\.ts:2: Type 'number' is not assignable to type '\{ baseDelayMs: number; maxDelayMs: number; \}'/)]);
  }, 120_000);
});
