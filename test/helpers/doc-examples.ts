/**
 * Runs every ```ts block of a Markdown document, as written, against a local server, so documentation cannot rot.
 *
 * - A block tagged `setup` (```ts setup) is prepended to every example: the settings examples read.
 * - A block tagged `prelude` (```ts prelude) shows the imports the examples assume: an example (or the setup) that uses
 *   one of its names without the example importing it gets that import added.
 * - Blocks tagged `no-run` are shown to readers only (they need a browser or outside input); say why next to them.
 *   They are still type-checked, with every other block, by test/docs/types.test.ts.
 * - `from 'tiledesk-sdk…'` imports are pointed at the sources; each example is written to a scratch directory inside
 *   node_modules (so bare imports resolve) and imported; its console output is captured for `check`, formatted as
 *   `console.log` prints it (objects inspected, not `[object Object]`).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTiledeskServer, type TiledeskServerOptions, type TiledeskTestServer } from '../../src/testing/index.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** The package's public names and the sources they stand for. */
export const ENTRIES: Readonly<Record<string, string>> = {
  'tiledesk-sdk': 'src/index.ts',
  'tiledesk-sdk/realtime': 'src/realtime/index.ts',
  'tiledesk-sdk/messages': 'src/messages/index.ts',
  'tiledesk-sdk/messages/schemas': 'src/messages/schemas.ts',
  'tiledesk-sdk/schemas': 'src/schemas.ts',
  'tiledesk-sdk/testing': 'src/testing/index.ts',
  'tiledesk-sdk/node': 'src/node/index.ts',
};

export interface DocBlock {
  tag: string | undefined;
  code: string;
  line: number;
}

export interface DocExamplesOptions {
  /** The document, relative to the repository root. */
  doc: string;
  /** The fewest runnable examples the document must have (guards against a broken block regex). */
  minExamples: number;
  /** Local server options. */
  server?: TiledeskServerOptions;
  /** Environment variables the setup block reads. Default: TILEDESK_URL, _WS_URL, _PROJECT_ID, _EMAIL, _PASSWORD. */
  env?: (server: TiledeskTestServer) => Record<string, string>;
  /** Run examples with the scratch directory as the working directory (examples that write files). */
  chdir?: boolean;
  /** Extra source rewrites before an example runs (e.g. pointing the files it writes into the scratch directory). */
  rewrite?: (code: string, scratchDir: string) => string;
  /** Assertions on an example's captured console output (the results its comments promise). */
  check?: (code: string, output: string) => void;
}

/** Splits a Markdown document into its ```ts blocks; `line` is the 1-based line of a block's first line of code. */
export function tsBlocks(markdown: string): DocBlock[] {
  return [...markdown.matchAll(/```ts( [\w-]+)?\n([\s\S]*?)```/g)].map((m) => ({
    tag: m[1]?.trim(),
    code: m[2]!,
    line: markdown.slice(0, m.index).split('\n').length + 1,
  }));
}

const NAMED_IMPORT = /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'([^']+)'/g;

function importedNames(code: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const [, list, from] of code.matchAll(NAMED_IMPORT)) {
    for (const item of list!.split(',')) {
      const name = item.replace(/^\s*type\s+/, '').split(/\s+as\s+/).pop()!.trim();
      if (name) names.set(name, from!);
    }
  }
  return names;
}

/**
 * A document's examples as complete modules: the `prelude` imports an example relies on, then `setup`, then the code,
 * which starts at line `codeLine` (0-based) of `source`.
 */
export function docExamples(doc: string): { example: DocBlock; source: string; codeLine: number }[] {
  const blocks = tsBlocks(readFileSync(`${root}${doc}`, 'utf8'));
  const setup = blocks.filter((b) => b.tag === 'setup').map((b) => b.code).join('\n');
  const prelude = importedNames(blocks.filter((b) => b.tag === 'prelude').map((b) => b.code).join('\n'));
  return blocks
    .filter((b) => b.tag === undefined || b.tag === 'no-run')
    .map((example) => {
      const own = importedNames(example.code);
      const missing = [...prelude].filter(([name]) => !own.has(name) && new RegExp(`\\b${name}\\b`).test(`${setup}\n${example.code}`));
      const added = missing.map(([name, from]) => `import { ${name} } from '${from}';`).join(' ');
      const before = `${added}\n${setup}\n`;
      return { example, source: `${before}${example.code}\nexport {};\n`, codeLine: before.split('\n').length - 1 };
    });
}

export function defaultEnv(server: TiledeskTestServer): Record<string, string> {
  return {
    TILEDESK_URL: server.url,
    TILEDESK_WS_URL: server.wsUrl,
    TILEDESK_PROJECT_ID: server.project.id,
    TILEDESK_EMAIL: server.owner.email,
    TILEDESK_PASSWORD: server.owner.password,
  };
}

/** Declares a `describe` block with one test per runnable example of `options.doc`. */
export function describeDocExamples(options: DocExamplesOptions): void {
  const examples = docExamples(options.doc).filter(({ example }) => example.tag === undefined);
  const scratch = `${root}node_modules/.cache/doc-examples-${options.doc.replace(/\W+/g, '-')}-${process.pid}/`;
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  let server: TiledeskTestServer;

  describe(options.doc, () => {
    beforeAll(async () => {
      server = await startTiledeskServer({ port: 0, ...options.server });
      Object.assign(process.env, (options.env ?? defaultEnv)(server));
      mkdirSync(scratch, { recursive: true });
      if (options.chdir) process.chdir(scratch);
    });
    afterAll(async () => {
      if (options.chdir) process.chdir(savedCwd);
      process.env = savedEnv;
      rmSync(scratch, { recursive: true, force: true });
      await server.close();
    });

    it('has runnable examples', () => {
      expect(examples.length).toBeGreaterThanOrEqual(options.minExamples);
    });

    examples.forEach(({ example, source }, i) => {
      const title = (example.code.split('\n').find((l) => l.trim() && !l.startsWith('import')) ?? '').trim().slice(0, 70);
      it(`example ${i + 1}: ${title}`, async () => {
        let code = source.replace(/from '(tiledesk-sdk[^']*)'/g, (whole, name: string) =>
          ENTRIES[name] ? `from '${root}${ENTRIES[name]}'` : whole,
        );
        if (options.rewrite) code = options.rewrite(code, scratch);
        const file = `${scratch}example-${i + 1}.ts`;
        writeFileSync(file, code);
        const lines: string[] = [];
        const capture = (['log', 'debug', 'info', 'warn'] as const).map((m) =>
          vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void lines.push(format(...args))),
        );
        try {
          await import(pathToFileURL(file).href);
        } finally {
          for (const c of capture) c.mockRestore();
        }
        options.check?.(example.code, lines.join('\n'));
      });
    });
  });
}
