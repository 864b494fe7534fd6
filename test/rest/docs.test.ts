/**
 * Every ```ts example of docs/rest.md runs, as written, against the local server: the docs cannot rot.
 * Blocks tagged `setup` are prepended to each example; blocks tagged `no-run` are skipped (they need outside input).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTiledeskServer } from '../../src/testing/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(`${root}docs/rest.md`, 'utf8');
const blocks = [...doc.matchAll(/```ts( [\w-]+)?\n([\s\S]*?)```/g)].map((m) => ({ tag: m[1]?.trim(), code: m[2]! }));
const setup = blocks.filter((b) => b.tag === 'setup').map((b) => b.code).join('\n');
const examples = blocks.filter((b) => b.tag === undefined);
// Inside node_modules so the examples' bare imports (undici) resolve; removed afterwards.
const dir = `${root}node_modules/.cache/tiledesk-docs-run/`;

let server: Awaited<ReturnType<typeof startTiledeskServer>>;
const saved = { ...process.env };

beforeAll(async () => {
  server = await startTiledeskServer({ port: 0 });
  Object.assign(process.env, {
    TILEDESK_URL: server.url, TILEDESK_PROJECT_ID: server.project.id,
    TILEDESK_EMAIL: server.owner.email, TILEDESK_PASSWORD: server.owner.password,
  });
  mkdirSync(dir, { recursive: true });
});
afterAll(async () => {
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
  await server.close();
});

describe('docs/rest.md', () => {
  it('has runnable examples', () => {
    expect(examples.length).toBeGreaterThan(10);
  });

  examples.forEach((block, i) => {
    const title = (block.code.split('\n').find((l) => l.trim() && !l.startsWith('import')) ?? '').trim().slice(0, 70);
    it(`example ${i + 1}: ${title}`, async () => {
      const code = block.code
        .replaceAll("from 'tiledesk-sdk'", `from '${root}src/index.ts'`)
        .replaceAll("from 'tiledesk-sdk/schemas'", `from '${root}src/schemas.ts'`);
      const needsClient = !/import \{[^}]*\bTiledeskClient\b[^}]*\} from/.test(code);
      const module = [needsClient ? `import { TiledeskClient } from '${root}src/index.ts';` : '', setup, code, 'export {};'].join('\n');
      const file = `${dir}example-${i + 1}.ts`;
      writeFileSync(file, module);
      const quiet = ['log', 'debug', 'info', 'warn'].map((m) => vi.spyOn(console, m as 'log').mockImplementation(() => {}));
      try {
        await import(pathToFileURL(file).href);
      } finally {
        for (const q of quiet) q.mockRestore();
      }
    });
  });
});
