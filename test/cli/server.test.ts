/**
 * `tiledesk-sdk server`: the local server for users of the installed package, who have no `npm run server` (a script
 * of this repository). The README and the docs tell them to start it and paste the `export` lines it prints.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TiledeskClient } from '../../src/index.js';
import { RealtimeClient, topics } from '../../src/realtime/index.js';
import { runCli, startCli, within } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'tiledesk-cli-server-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The settings of the printed `export` lines, as a shell would set them. */
function exported(stdout: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [, line] of stdout.matchAll(/^\s*export (.+)$/gm)) {
    for (const [, name, value] of line!.matchAll(/(\w+)=(\S+)/g)) settings[name!] = value!;
  }
  return settings;
}

describe('tiledesk-sdk server', () => {
  it('serves until Ctrl-C and prints export lines that the SDK (REST and realtime) can use as they are', async () => {
    const run = startCli(['server', '--port', '0']);
    try {
      await within(run.stdout.waitFor('Press Ctrl-C to stop.'), 15_000, 'the server to start');
      const env = exported(run.stdout.text);
      expect(Object.keys(env).sort()).toEqual([
        'TILEDESK_EMAIL', 'TILEDESK_JWT_SECRET', 'TILEDESK_PASSWORD', 'TILEDESK_PROJECT_ID', 'TILEDESK_URL', 'TILEDESK_WS_URL',
      ]);
      // docs/rest.md's custom-token example signs its JWT with TILEDESK_JWT_SECRET: the project's secret.
      const claims = { sub: 'userexternal', aud: `https://tiledesk.com/projects/${env.TILEDESK_PROJECT_ID}`, _id: 'customer-42' };
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
      const customJwt = `${unsigned}.${createHmac('sha256', env.TILEDESK_JWT_SECRET!).update(unsigned).digest('base64url')}`;
      const session = await TiledeskClient.signinWithCustomToken({ baseUrl: env.TILEDESK_URL!, projectId: env.TILEDESK_PROJECT_ID!, token: customJwt });
      expect(session.user._id).toBe('customer-42');

      const { token } = await TiledeskClient.signin({ baseUrl: env.TILEDESK_URL!, email: env.TILEDESK_EMAIL!, password: env.TILEDESK_PASSWORD! });
      const client = new TiledeskClient({ baseUrl: env.TILEDESK_URL!, projectId: env.TILEDESK_PROJECT_ID!, auth: { token } });
      const rt = new RealtimeClient({ url: env.TILEDESK_WS_URL!, token });
      try {
        await client.requests.create({ first_text: 'Hello from the server command' });
        const open: string[] = [];
        await rt.subscribe(topics.requests(env.TILEDESK_PROJECT_ID!), { snapshot: (rs) => open.push(...rs.map((r) => r.first_text ?? '')) }).ready;
        expect(open).toEqual(['Hello from the server command']);
      } finally {
        await rt.close();
        await client.close();
      }
    } finally {
      run.interrupt();
    }
    expect(await within(run.code, 10_000, 'the server to stop')).toBe(0);
    expect(run.stderr.text).toBe('');
  });

  it('--json prints one line of details; --seed loads a fixture; the port is released on Ctrl-C', async () => {
    const fixture = join(scratch, 'fixture.json');
    writeFileSync(fixture, JSON.stringify({ conversations: [{ request_id: 'support-group-seeded-1', first_text: 'Seeded', messages: [{ text: 'Seeded' }] }] }));
    const run = startCli(['server', '--port', '0', '--json', '--seed', fixture, '--secret', 'another-secret', '--heartbeat-ms', '5000']);
    let url = '';
    try {
      await within(run.stdout.waitFor('\n'), 15_000, 'the details line');
      const details = JSON.parse(run.stdout.text) as { url: string; projectId: string; globalSecret: string; owner: { token: string } };
      url = details.url;
      expect(details.globalSecret).toBe('another-secret');
      const client = new TiledeskClient({ baseUrl: details.url, projectId: details.projectId, auth: { token: details.owner.token } });
      try {
        expect((await client.requests.get('support-group-seeded-1')).first_text).toBe('Seeded');
      } finally {
        await client.close();
      }
    } finally {
      run.interrupt();
    }
    expect(await within(run.code, 10_000, 'the server to stop')).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('names a port in use, a bad port, and a fixture that is missing, not JSON or refused (exit 2)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const busy = await runCli(['server', '--port', String(port)]);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`Port ${port} is already in use`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    const bad = await runCli(['server', '--port', 'http']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid --port http');
    // An empty flag (`--port "$UNSET"`) is a mistake, not the default (3000) nor any free port (0).
    for (const flag of ['--port', '--heartbeat-ms']) {
      // With --heartbeat-ms, --port 0 too (a free port, should it start); --port itself once: a repeated flag is refused.
      const empty = startCli(flag === '--port' ? ['server', flag, ''] : ['server', '--port', '0', flag, '']);
      try {
        expect(await within(empty.code, 10_000, `server ${flag} '' to end`), flag).toBe(2);
      } finally {
        empty.interrupt();
        await empty.code;
      }
      expect(empty.stderr.text).toContain(`Invalid ${flag} : expected an integer`);
    }
    const badEnv = await runCli(['server'], { env: { PORT: '-1' } });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('Invalid PORT -1');

    const missing = await runCli(['server', '--port', '0', '--seed', join(scratch, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Fixture not found');
    writeFileSync(join(scratch, 'broken.json'), '{"users": [');
    const broken = await runCli(['server', '--port', '0', '--seed', join(scratch, 'broken.json')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('is not JSON');
    writeFileSync(join(scratch, 'refused.json'), JSON.stringify({ conversations: [{ request_id: 'dup' }, { request_id: 'dup' }] }));
    const refused = await runCli(['server', '--port', '0', '--seed', join(scratch, 'refused.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('was refused');
  });

  it('is listed in the help, and has its own', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/^ {2}server {10}start the local Tiledesk-compatible server/m);
    const help = await runCli(['help', 'server']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: tiledesk-sdk server [options]');
    expect((await runCli(['server', '--help'])).stdout).toBe(help.stdout);
  });
});
