import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TiledeskClient } from '../../src/index.js';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import type { Child } from '../cli/helpers.js';
import { runExample as spawnExample, within } from './helpers.js';

let server: TiledeskTestServer;
let admin: TiledeskClient;
const dir = mkdtempSync(join(tmpdir(), 'tiledesk-example-import-'));
/** Every example process started, so none outlives the tests: see afterAll. */
const children: Child[] = [];
const runExample = (...args: Parameters<typeof spawnExample>) => {
  const child = spawnExample(...args);
  children.push(child);
  return child;
};

beforeAll(async () => {
  server = await startTiledeskServer();
  admin = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token } });
});
afterAll(async () => {
  // A test that failed or timed out left its example running, still saving its checkpoint and lock file in `dir`:
  // removing the directory under it failed with ENOTEMPTY (a file created between the removal of the entries and of
  // the directory). Stop those first (before the server, which would make them save their failures), then remove.
  for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  await Promise.all(children.map((child) => child.exited));
  await admin.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('examples/import-conversations', () => {
  it('runs the tutorial flow, then the bulk import with progress and a checkpoint; a second run resumes from it', async () => {
    const env = { TILEDESK_URL: server.url, TILEDESK_PROJECT_ID: server.project.id, TILEDESK_EMAIL: server.owner.email, TILEDESK_PASSWORD: server.owner.password };
    const checkpoint = join(dir, 'example.checkpoint.json');
    const first = runExample('examples/import-conversations/main.ts', ['--checkpoint', checkpoint], env);
    expect(await within(first.exited, 60_000, 'the example to finish')).toBe(0);
    const out = first.stdout.text;
    expect(first.stderr.text).toBe('');

    // Part 1: anonymous visitor → conversation created with `sender` → multi import → read back in order.
    const visitorId = /visitor signed in anonymously: ([\w-]+) \(John\)/.exec(out)?.[1];
    const requestId = /conversation created: (support-group-\S+)/.exec(out)?.[1];
    expect(visitorId).toBeDefined();
    expect(requestId).toBeDefined();
    expect(out).toContain('2 messages imported (clienttimestamp 1665584701710, 1665584701711)');
    expect(out).toContain('read back in order:\n     John: How can i restore my password\n     Chatbot: You can find it here https://tiledesk.com');
    const request = await admin.requests.get(requestId!);
    expect(request.first_text).toBe('How can i restore my password');
    expect((request.lead as { lead_id?: string }).lead_id).toBe(visitorId);
    const history = await admin.messages.list(requestId!, { order: 'clienttimestamp' });
    expect(history.map((m) => [m.sender, m.text, m.attributes?.clienttimestamp])).toEqual([
      [visitorId, 'How can i restore my password', 1665584701710],
      ['chatbot1', 'You can find it here https://tiledesk.com', 1665584701711],
    ]);

    // Part 2: the bulk import.
    expect(out).toContain(`checkpoint: ${checkpoint}`);
    expect(out).toMatch(/36 conversations, 190 messages, \d+ msg\/s, 0 retries\n/);
    expect(out).toContain('conversations: 36 created, 0 continued, 0 already complete, 0 done in an earlier run, 0 failed');
    expect(out).toContain('messages: 190 imported, 0 already present, 0 failed');
    const imported = (await admin.requests.list({ status: 'all', limit: 100 }).toArray()).filter((r) => r.request_id !== requestId);
    expect(imported).toHaveLength(36);

    const second = runExample('examples/import-conversations/main.ts', ['--checkpoint', checkpoint], env);
    expect(await within(second.exited, 60_000, 'the second run to finish')).toBe(0);
    expect(second.stdout.text).toContain('conversations: 0 created, 0 continued, 0 already complete, 36 done in an earlier run, 0 failed');
    expect((await admin.requests.list({ status: 'all', limit: 100 }).toArray()).length).toBe(38); // + the second tutorial conversation
  }, 150_000); // two runs of up to 60 s each (a loaded machine): vitest's 20 s would end the test under a running example

  it('starts the local server by itself when no TILEDESK_URL is set', async () => {
    const child = runExample('examples/import-conversations/main.ts', ['--checkpoint', join(dir, 'local.checkpoint.json')], {});
    expect(await within(child.exited, 60_000, 'the example to finish')).toBe(0);
    expect(child.stdout.text).toMatch(/Local Tiledesk-compatible server at http:\/\/127\.0\.0\.1:\d+ \(in memory\)/);
    expect(child.stdout.text).toContain('messages: 190 imported');
  }, 90_000);
});
