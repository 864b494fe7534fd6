/**
 * What the prose and the tables of the docs name exists: links and their anchors, the CLI's commands and flags, error
 * codes, options and members. The code blocks are run and type-checked by the other tests here, but a table row or a
 * link is not code: a renamed option, a removed error code or a moved heading would leave the docs pointing at
 * nothing, and a new option or code would go undocumented. Each check compares both ways where the docs claim to be
 * complete (an options table, an error-code table), and one way where they only mention.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as rest from '../../src/index.js';
import { TiledeskError } from '../../src/index.js';
import { runCli } from '../cli/helpers.js';
import { root } from '../helpers/doc-examples.js';

const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** The user-facing Markdown: README, docs/ (not the generated docs/api), the examples' READMEs. */
const DOCS = [
  'README.md',
  ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  'examples/README.md',
  ...readdirSync(join(root, 'examples'))
    .filter((d) => existsSync(join(root, 'examples', d, 'README.md')))
    .map((d) => `examples/${d}/README.md`),
];

const withoutCode = (markdown: string) => markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '``');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to `-`, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} +(.+?) *$/gm)) {
    const slug = heading!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** The section under a heading: from it to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`no heading ${heading}`);
  const level = heading.indexOf(' ');
  const end = lines.findIndex((l, i) => i > start && /^#{1,6} /.test(l) && l.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The backticked names in the first cell of each row of the first table after `heading`, one list per row. */
function firstColumn(markdown: string, heading: string): string[][] {
  const text = section(markdown, heading);
  const table = text.slice(text.indexOf('\n|')).split('\n\n')[0]!;
  return table
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[-:| ]+\|$/.test(l))
    .slice(1)
    .map((row) => [...row.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

const program = ts.createProgram(
  ['src/index.ts', 'src/realtime/index.ts', 'src/testing/index.ts'].map((f) => join(root, f)),
  { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
);
const checker = program.getTypeChecker();

function exported(entry: string, name: string): ts.Symbol {
  const module = checker.getSymbolAtLocation(program.getSourceFile(join(root, entry))!)!;
  const symbol = checker.getExportsOfModule(module).find((s) => s.name === name);
  if (!symbol) throw new Error(`${entry} does not export ${name}`);
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** The property names of an exported interface or type. */
function members(entry: string, name: string): string[] {
  return checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(exported(entry, name))).map((p) => p.name).sort();
}

/** The string literals of an exported union type. */
function literals(entry: string, name: string): string[] {
  const type = checker.getDeclaredTypeOfSymbol(exported(entry, name));
  return (type.isUnion() ? type.types : [type]).map((t) => (t as ts.StringLiteralType).value).sort();
}

describe('links between the docs', () => {
  it.each(DOCS)('%s: every relative link reaches a file, and its #anchor a heading', (doc) => {
    const broken: string[] = [];
    for (const [, target] of withoutCode(read(doc)).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, anchor] = target!.split('#');
      const file = path ? resolve(dirname(join(root, doc)), path) : join(root, doc);
      if (!existsSync(file)) broken.push(`${target}: no ${relative(root, file)}`);
      else if (anchor && statSync(file).isFile() && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
        broken.push(`${target}: no heading with that anchor in ${relative(root, file)}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the anchor check knows a heading from a missing one', () => {
    const found = anchors('# Title\n## `tail`\n## Retries, timeouts, abort\n```\n# not a heading\n```\n## Retries, timeouts, abort\n');
    expect([...found]).toEqual(['title', 'tail', 'retries-timeouts-abort', 'retries-timeouts-abort-1']);
  });
});

describe('docs/cli.md and the command', () => {
  const cli = read('docs/cli.md');

  it('has a section for every command the CLI lists, and lists no other', async () => {
    const help = (await runCli(['--help'])).stdout;
    const commands = [...section(`## x\n${help}`, '## x').split('Options:')[0]!.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThanOrEqual(4);
    const sections = [...cli.matchAll(/^## `([a-z]+)`$/gm)].map((m) => m[1]!);
    expect(sections.sort()).toEqual([...commands].sort());
  });

  it.each(['demo', 'import', 'tail', 'server'])('`%s`: every flag of its --help is documented in its section, and the section names no other', async (command) => {
    const help = (await runCli([command, '--help'])).stdout;
    const flagsOf = (text: string) => new Set([...text.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]!));
    const own = [...flagsOf(help.split('Connection (flags win')[0]!)].filter((f) => f !== 'help');
    const connection = flagsOf(section(cli, '## Settings'));
    const documented = flagsOf(section(cli, `## \`${command}\``));
    expect(own.filter((f) => !documented.has(f)), 'flags of --help missing from docs/cli.md').toEqual([]);
    const known = new Set([...flagsOf(help), ...connection]);
    expect([...documented].filter((f) => !known.has(f)), 'flags in docs/cli.md the command does not take').toEqual([]);
  });
});

describe('error codes', () => {
  it('docs/realtime.md lists every RealtimeErrorCode, and only those', () => {
    const documented = firstColumn(read('docs/realtime.md'), '## Errors').flat().sort();
    expect(documented).toEqual(literals('src/realtime/index.ts', 'RealtimeErrorCode'));
  });

  it('docs/rest.md lists error classes that tiledesk-sdk exports, each a TiledeskError', () => {
    // A row may qualify its class with the code it has there (`APIError`, `code: 'auth_failed'`): names only.
    const classes = firstColumn(read('docs/rest.md'), '## Errors').flat().filter((name) => /^[A-Za-z]\w*$/.test(name));
    expect(classes.length).toBeGreaterThanOrEqual(15);
    for (const name of classes) {
      const value = (rest as Record<string, unknown>)[name];
      expect(typeof value === 'function' && (value as { prototype: unknown }).prototype instanceof TiledeskError, name).toBe(true);
    }
  });

  it("docs/import.md's errors table names the checkpoint codes and the failure reasons the types have", () => {
    const rows = section(read('docs/import.md'), '## Errors').split('\n');
    const row = (name: string) => rows.find((l) => l.startsWith(`| \`${name}\``)) ?? '';
    const checkpoint = row('ImportCheckpointError');
    const codes = [...checkpoint.matchAll(/`(checkpoint_\w+)`/g)].map((m) => m[1]!).sort();
    const ctor = checker.getTypeOfSymbol(exported('src/index.ts', 'ImportCheckpointError'));
    const codeParameter = ctor.getConstructSignatures()[0]!.getParameters()[0]!;
    const codeType = checker.getTypeOfSymbol(codeParameter);
    const declared = (codeType.isUnion() ? codeType.types : [codeType]).map((t) => (t as ts.StringLiteralType).value).sort();
    expect(codes).toEqual(declared);

    const failed = row('ImportFailedError');
    const reasonType = checker.getTypeOfSymbol(checker.getPropertyOfType(checker.getDeclaredTypeOfSymbol(exported('src/index.ts', 'ImportFailedError')), 'reason')!);
    const reasons = (reasonType.isUnion() ? reasonType.types : [reasonType]).map((t) => (t as ts.StringLiteralType).value);
    expect(reasons.length).toBeGreaterThanOrEqual(5);
    for (const reason of reasons) expect(failed, `reason ${reason}`).toContain(`\`${reason}\``);
  });
});

describe('options and members tables', () => {
  const cases = [
    { doc: 'docs/realtime.md', heading: '### Options', entry: 'src/realtime/index.ts', type: 'RealtimeClientOptions' },
    { doc: 'docs/testing-server.md', heading: '## Options', entry: 'src/testing/index.ts', type: 'TiledeskServerOptions' },
    { doc: 'docs/testing-server.md', heading: '## What you get', entry: 'src/testing/index.ts', type: 'TiledeskTestServer' },
    { doc: 'docs/import.md', heading: '## Options', entry: 'src/index.ts', type: 'ImportConversationsOptions' },
  ];
  it.each(cases.map((c) => [c.doc, c.type, c] as const))('%s documents every member of %s, and no other', (_doc, _type, c) => {
    const documented = firstColumn(read(c.doc), c.heading)
      .flat()
      .map((name) => name.replace(/\(.*$/, ''))
      .sort();
    expect(documented).toEqual(members(c.entry, c.type));
  });
});
