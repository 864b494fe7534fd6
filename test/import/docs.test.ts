/**
 * Every ```ts example of docs/import.md runs, as written, against the local server, in a scratch directory (the
 * examples write their own files): the docs cannot rot. Blocks tagged `setup` are prepended to each example.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTiledeskServer } from '../../src/testing/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(`${root}docs/import.md`, 'utf8');
const blocks = [...doc.matchAll(/```ts( [\w-]+)?\n([\s\S]*?)```/g)].map((m) => ({ tag: m[1]?.trim(), code: m[2]! }));
const setup = blocks.filter((b) => b.tag === 'setup').map((b) => b.code).join('\n');
const examples = blocks.filter((b) => b.tag === undefined);
// Inside node_modules so the examples' bare imports resolve; removed afterwards. Examples run with it as cwd.
const dir = `${root}node_modules/.cache/tiledesk-import-docs-${process.pid}/`;

let server: Awaited<ReturnType<typeof startTiledeskServer>>;
const savedEnv = { ...process.env };
const savedCwd = process.cwd();

beforeAll(async () => {
  server = await startTiledeskServer();
  Object.assign(process.env, {
    TILEDESK_URL: server.url, TILEDESK_PROJECT_ID: server.project.id,
    TILEDESK_EMAIL: server.owner.email, TILEDESK_PASSWORD: server.owner.password,
  });
  mkdirSync(dir, { recursive: true });
  process.chdir(dir);
});
afterAll(async () => {
  process.chdir(savedCwd);
  process.env = savedEnv;
  rmSync(dir, { recursive: true, force: true });
  await server.close();
});

describe('docs/import.md', () => {
  it('has runnable examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  examples.forEach((block, i) => {
    const title = (block.code.split('\n').find((l) => l.trim() && !l.startsWith('import')) ?? '').trim().slice(0, 70);
    it(`example ${i + 1}: ${title}`, async () => {
      const code = block.code
        .replaceAll("from 'tiledesk-sdk/node'", `from '${root}src/node/index.ts'`)
        .replaceAll("from 'tiledesk-sdk'", `from '${root}src/index.ts'`);
      const needsClient = !/import \{[^}]*\bTiledeskClient\b[^}]*\} from/.test(code);
      const module = [needsClient ? `import { TiledeskClient } from '${root}src/index.ts';` : '', setup, code, 'export {};'].join('\n');
      const file = `${dir}example-${i + 1}.ts`;
      writeFileSync(file, module);
      const lines: string[] = [];
      const quiet = ['log', 'debug', 'info', 'warn'].map((m) => vi.spyOn(console, m as 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))));
      try {
        await import(pathToFileURL(file).href);
      } finally {
        for (const q of quiet) q.mockRestore();
      }
      // The outputs the comments in the docs promise.
      const out = lines.join('\n');
      if (code.includes('// 1 2\n')) expect(out).toContain('1 2');
      if (code.includes('// 15 30')) expect(out).toContain('15 30');
      if (code.includes('// 1 2 3')) expect(out).toContain('1 2 3');
      if (code.includes('= 100')) {
        const [, a, b, c] = /(\d+) \+ (\d+) \+ (\d+) = 100/.exec(out) ?? [];
        expect(Number(a) + Number(b) + Number(c)).toBe(100);
        expect(Number(a)).toBeGreaterThan(0); // the checkpoint really skipped some
        expect(out).toContain('true');
      }
      if (code.includes('broken.ndjson:2:22')) expect(out).toContain('broken.ndjson:2:22');
    });
  });
});
