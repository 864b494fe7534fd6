/**
 * Every ```ts block of README.md runs, as written, against the local server, so the front page cannot rot. The block
 * tagged `setup` (the settings every example reads) is prepended to each; blocks tagged `no-run` are skipped.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');
const blocks = [...readme.matchAll(/```ts( [\w-]+)?\n([\s\S]*?)```/g)].map((m) => ({ tag: m[1]?.trim(), code: m[2]! }));
const setup = blocks.filter((b) => b.tag === 'setup').map((b) => b.code).join('\n');
const examples = blocks.filter((b) => b.tag === undefined);
// Inside node_modules so the examples' bare imports resolve; removed afterwards.
const dir = `${root}node_modules/.cache/tiledesk-readme-run/`;
const ENTRIES: Record<string, string> = {
  'tiledesk-sdk': 'src/index.ts',
  'tiledesk-sdk/schemas': 'src/schemas.ts',
  'tiledesk-sdk/realtime': 'src/realtime/index.ts',
  'tiledesk-sdk/messages': 'src/messages/index.ts',
  'tiledesk-sdk/testing': 'src/testing/index.ts',
  'tiledesk-sdk/node': 'src/node/index.ts',
};

let server: TiledeskTestServer;
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = await startTiledeskServer({ port: 0 });
  Object.assign(process.env, {
    TILEDESK_URL: server.url,
    TILEDESK_WS_URL: server.wsUrl,
    TILEDESK_PROJECT_ID: server.project.id,
    TILEDESK_EMAIL: server.owner.email,
    TILEDESK_PASSWORD: server.owner.password,
  });
  mkdirSync(dir, { recursive: true });
});

afterAll(async () => {
  process.env = savedEnv;
  rmSync(dir, { recursive: true, force: true });
  await server.close();
});

describe('README.md', () => {
  it('has a setup block and an example for every capability', () => {
    expect(setup).toContain('TILEDESK_URL');
    const imported = new Set(examples.flatMap((b) => [...b.code.matchAll(/from '(tiledesk-sdk[^']*)'/g)].map((m) => m[1])));
    expect([...imported].sort()).toEqual(Object.keys(ENTRIES).sort());
  });

  examples.forEach((block, i) => {
    const title = (block.code.split('\n').find((l) => l.trim() && !l.startsWith('import')) ?? '').trim().slice(0, 70);
    it(`example ${i + 1}: ${title}`, async () => {
      const code = block.code
        .replace(/from '(tiledesk-sdk[^']*)'/g, (_, name: string) => `from '${root}${ENTRIES[name]}'`)
        // Checkpoint files go to the scratch dir: one left by an earlier run belongs to another server's project.
        .replace(/fileCheckpoint\('/g, `fileCheckpoint('${dir}`);
      const file = `${dir}example-${i + 1}.ts`;
      writeFileSync(file, `${setup}\n${code}\nexport {};\n`);
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        await import(pathToFileURL(file).href);
        expect(log).toHaveBeenCalled(); // every example shows its result
      } finally {
        log.mockRestore();
        warn.mockRestore();
      }
    });
  });
});
