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

/**
 * Parsed declaration and source files (lib, @types, zod, src) shared by the checks of this file, per set of extra
 * options: each check is its own program, as before, but parsing and binding the same few hundred files again for
 * each of them took most of this file's 30-40 s. The scratch modules are read afresh every time.
 */
const parsed = new Map<string, ts.SourceFile | undefined>();

function sharedHost(options: ts.CompilerOptions, optionsKey: string): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreateNewSourceFile) => {
    if (fileName.startsWith(scratch) || shouldCreateNewSourceFile) {
      return getSourceFile(fileName, languageVersionOrOptions, onError, shouldCreateNewSourceFile);
    }
    const key = `${optionsKey}|${JSON.stringify(languageVersionOrOptions)}|${fileName}`;
    if (!parsed.has(key)) parsed.set(key, getSourceFile(fileName, languageVersionOrOptions, onError));
    return parsed.get(key);
  };
  return host;
}

/**
 * Type errors of these modules, each as `where: message`, with a checker configured by the repository's tsconfig
 * (plus `options`). With `options`, only errors inside these modules count: the sources are not written for every
 * flag a user may set, and users check the package's declarations (or skip them), not its sources.
 */
function typeErrors(files: Record<string, { source: string; where: (line: number) => string }>, options?: ts.CompilerOptions): string[] {
  mkdirSync(scratch, { recursive: true });
  for (const [name, { source }] of Object.entries(files)) writeFileSync(`${scratch}${name}`, source);
  const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, { noEmit: true }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const compilerOptions = { ...config.options, ...options };
  const rootNames = Object.keys(files).map((name) => `${scratch}${name}`);
  const program = ts.createProgram(rootNames, compilerOptions, sharedHost(compilerOptions, JSON.stringify(options ?? {})));
  // With `options` only the scratch modules' errors count: asking for theirs alone is the same list, without
  // checking every source file they import for errors that would be left out anyway.
  const diagnostics = options
    ? rootNames.flatMap((name) => {
        const file = program.getSourceFile(name)!;
        const declarations = compilerOptions.declaration || compilerOptions.composite ? program.getDeclarationDiagnostics(file) : [];
        return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file), ...declarations];
      })
    : ts.getPreEmitDiagnostics(program);
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const name = d.file?.fileName.slice(scratch.length);
    const file = name === undefined ? undefined : files[name];
    if (!file || d.start === undefined) return `${d.file?.fileName ?? 'tsconfig'}: ${message}`;
    return `${file.where(d.file!.getLineAndCharacterOfPosition(d.start).line)}: ${message}`;
  });
}

/** Every example of DOCS as a scratch module (`keep` picks which), its errors pointing at the Markdown line. */
function docFiles(keep: (code: string) => boolean = () => true): Parameters<typeof typeErrors>[0] {
  const files: Parameters<typeof typeErrors>[0] = {};
  for (const doc of DOCS) {
    for (const { example, source, codeLine } of docExamples(doc)) {
      if (!keep(example.code)) continue;
      files[`${doc.replace(/\W+/g, '-')}-${example.line}.ts`] = {
        source,
        where: (line) => (line < codeLine ? `${doc}, setup or prelude of the block at line ${example.line}` : `${doc}:${example.line + line - codeLine}`),
      };
    }
  }
  return files;
}

describe('documentation examples', () => {
  it('type-check, strict, against the sources (errors point at the Markdown line)', () => {
    const files = docFiles();
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(45);
    expect(typeErrors(files)).toEqual([]);
  }, 120_000);

  it('type-check in a Node project, whose lib has no DOM (as @tsconfig/node20 sets it), browser pages aside', () => {
    // The repository's own lib includes DOM, where `Response.json()` is `Promise<any>`; under Node's types alone it is
    // `Promise<unknown>`, and testing-server.md's vitest example (`guest.token` of a `.json()`) did not compile in a
    // Node backend. Blocks that use a page's globals are browser code, which a Node project does not hold.
    const nodeOnly = docFiles((code) => !/\b(location|addEventListener|document|window)\b/.test(code));
    expect(Object.keys(nodeOnly).length).toBeGreaterThanOrEqual(45);
    expect(typeErrors(nodeOnly, { lib: ['lib.es2023.d.ts'] })).toEqual([]);
  }, 120_000);

  it('builders\' messages go to messages.send under exactOptionalPropertyTypes too', () => {
    // The builders' types come from zod (`text?: string | undefined`); a body type without `| undefined` refused them
    // in projects that set this flag (the README's and docs/messages.md's examples did not compile there).
    const source = [
      "import { TiledeskClient } from 'tiledesk-sdk';",
      "import { text, image, file, frame, audio, split, wait, gallery, card, buttons } from 'tiledesk-sdk/messages';",
      "const client = new TiledeskClient({ baseUrl: 'http://x', projectId: 'p' });",
      "const built = [text('Hi').quickReplies('Yes'), image('https://x/a.png', { width: 2 }).withText('c'), file('https://x/r.pdf', { type: 'application/pdf' }),",
      "  frame('https://x'), audio('https://x/a.mp3'), split(text('a'), wait(5), text('b')), gallery(card({ title: 'T', buttons: [buttons.url('D', 'https://x')] })),",
      "  text('x').hidden(), text('x').disableInput('p'), text('x').updateUser({ fullname: 'A' })] as const;",
      "for (const m of built) void client.messages.send('r', m);",
      '',
    ].join('\n');
    const errors = typeErrors({ 'exact-optional.ts': { source, where: (line) => `exact-optional.ts:${line + 1}` } }, { exactOptionalPropertyTypes: true });
    expect(errors).toEqual([]);
  }, 120_000);

  it('builders\' messages go to messages.import and importConversations; other fields still pass, wrong types do not', () => {
    // The import message types declare an index signature (any other field is sent as it is), which an interface
    // without one (a builder's type) does not satisfy: `messages.import(id, [text('x')])` did not compile.
    const source = [
      "import { TiledeskClient, importConversations, type ImportMessage, type ImportSourceMessage } from 'tiledesk-sdk';",
      "import { text, image, split, wait, gallery, card, buttons } from 'tiledesk-sdk/messages';",
      "const client = new TiledeskClient({ baseUrl: 'http://x', projectId: 'p' });",
      "const built = [text('Hi').quickReplies('Yes'), image('https://x/a.png'), split(text('a'), wait(5), text('b')), gallery(card({ title: 'T', buttons: [buttons.url('D', 'https://x')] }))] as const;",
      "void client.messages.import('r', [...built, { text: 'mine', timestamp: 1, crm_id: 'c-1' }]);",
      "const typed: ImportMessage[] = [text('x'), { text: 'y', extra: true }];",
      "const source: ImportSourceMessage[] = [{ ...text('x'), id: 7, sender: 'u' }, text('y').quickReplies('Ok')];",
      "void importConversations(client, [{ messages: [...built, ...source, { id: 'm', text: 'z', extra: 1 }] }], { concurrency: 1 }).then(() => typed);",
      "void client.messages.import('r', [{ text: 5 }]);",
      "void importConversations(client, [{ messages: [{ timestamp: true }] }]);",
      '',
    ].join('\n');
    const where = (line: number) => `import-types.ts:${line + 1}`;
    for (const options of [undefined, { exactOptionalPropertyTypes: true }]) {
      const errors = typeErrors({ 'import-types.ts': { source, where } }, options);
      expect(errors, JSON.stringify(options)).toEqual([
        expect.stringMatching(/^import-types\.ts:9: Type 'number' is not assignable to type 'string/),
        expect.stringMatching(/^import-types\.ts:10: .*Type 'boolean' is not assignable to type 'ImportTime/),
      ]);
    }
  }, 120_000);

  it('requests.create refuses by type the fields the server’s create does not read (a department went to the default one)', () => {
    const source = [
      "import { TiledeskClient } from 'tiledesk-sdk';",
      "const client = new TiledeskClient({ baseUrl: 'http://x', projectId: 'p' });",
      "void client.requests.create({ first_text: 'x', departmentid: 'd', priority: 'high', crm_id: 7 });",
      "void client.requests.create({ first_text: 'x', department: 'd' });",
      "void client.requests.create({ first_text: 'x', status: 50 });",
      "void client.requests.create({ first_text: 'x', tags: ['vip'] });",
      "void client.requests.create({ first_text: 'x', preflight: true });",
      '',
    ].join('\n');
    const errors = typeErrors({ 'create-types.ts': { source, where: (line) => `create-types.ts:${line + 1}` } });
    expect(errors).toEqual([4, 5, 6, 7].map((line) => expect.stringMatching(new RegExp(`^create-types\\.ts:${line}: Type '.*' is not assignable to type 'undefined'`))));
  }, 120_000);

  it('would report a wrong option shape (the check has types to check against)', () => {
    const errors = typeErrors({
      'control.ts': {
        source: "import { TiledeskClient } from 'tiledesk-sdk';\nnew TiledeskClient({ baseUrl: 'http://x', retryDelay: 500 });\n",
        where: (line) => `control.ts:${line + 1}`,
      },
    });
    expect(errors).toEqual([expect.stringMatching(/^control\.ts:2: Type 'number' has no properties in common with type '\{ baseDelayMs\?: number/)]);
  }, 120_000);
});
