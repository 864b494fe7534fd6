import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TiledeskClient } from '../../src/index.js';
import { buttons, image, split, text, wait } from '../../src/messages/index.js';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { bundleCli, serverEnv, spawnNode, startCli, within, type CliRun } from './helpers.js';

let server: TiledeskTestServer;
let admin: TiledeskClient;
let run: CliRun | undefined;

beforeEach(async () => {
  server = await startTiledeskServer({ heartbeatIntervalMs: 1000 });
  admin = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token } });
});
afterEach(async () => {
  if (run) {
    run.interrupt();
    await within(run.code, 10_000, 'tail to stop');
    run = undefined;
  }
  await admin.close();
  await server.close();
});

const newRequestId = () => `support-group-${server.project.id}-${randomUUID().replaceAll('-', '')}`;

async function visitorSays(firstname: string, requestId: string, message: string) {
  const session = await admin.auth.signinAnonymously({ firstname });
  const guest = admin.withOptions({ auth: { token: session.token } });
  return guest.messages.send(requestId, { text: message, senderFullname: firstname });
}

describe('tiledesk-sdk tail (line mode)', () => {
  it('lists the open conversations, then shows a new one, its messages as the widget draws them, and its closing', async () => {
    const existing = await admin.requests.create({ first_text: 'An older question', attributes: { userFullname: 'Grace Hopper' } });
    run = startCli(['tail'], { env: serverEnv(server) });
    await run.stdout.waitFor('watching project');
    expect(run.stdout.text).toMatch(new RegExp(`watching project ${server.project.id}: 1 open conversation\\n`));
    expect(run.stdout.text).toContain(`#${existing.request_id.slice(-6)}`);
    expect(run.stdout.text).toContain('Grace Hopper');

    const rid = newRequestId();
    await visitorSays('Ada', rid, 'Hello, is anyone there?');
    await run.stdout.waitFor(`+ new conversation ${rid} from Ada: "Hello, is anyone there?"`);
    await run.stdout.waitFor(/#\w{6} Ada: Hello, is anyone there\?/);

    await admin.messages.send(rid, text('Pick one').quickReplies('Pricing', 'Support').withSender('Bot').toJSON());
    await run.stdout.waitFor('Bot: Pick one [Pricing] [Support]');
    await admin.messages.send(rid, image('https://example.com/a.png', { width: 20, height: 10 }).withSender('Bot').toJSON());
    await run.stdout.waitFor('Bot: 🖼 image 20×10 https://example.com/a.png');
    await admin.messages.send(rid, split(text('One'), wait(300), text('Two').buttons(buttons.url('Docs', 'https://example.com/docs'))).withSender('Bot').toJSON());
    await run.stdout.waitFor(/Bot: ↳ One\n.*… typing 0\.3s\n.*↳ Two \[Docs ↗ https:\/\/example\.com\/docs\]/);

    await admin.requests.close(rid);
    await run.stdout.waitFor(`- closed ${rid} (Ada)`);

    run.interrupt();
    expect(await within(run.code, 10_000, 'tail to stop')).toBe(0);
    expect(run.stdout.text.trimEnd().endsWith('stopped')).toBe(true);
    run = undefined;
    // Nothing left open on the server side either.
    await within(waitUntil(() => server.stats().wsConnections === 0 && server.stats().subscriptions === 0), 5000, 'the socket to close');
  });

  it('a message in a conversation that was already open is shown once', async () => {
    const open = await admin.requests.create({ first_text: 'Where is my parcel?' });
    run = startCli(['tail'], { env: serverEnv(server) });
    await run.stdout.waitFor('watching project');
    await waitUntil(() => server.stats().subscriptions >= 2);
    await admin.messages.send(open.request_id, { text: 'On its way!', senderFullname: 'Sam' });
    await run.stdout.waitFor('Sam: On its way!');
    expect(run.stdout.text.match(/Sam: On its way!/g)).toHaveLength(1);
  });

  it('with a guest token it says why the realtime server does not answer', async () => {
    const guest = await admin.auth.signinAnonymously({ firstname: 'Nope' });
    const result = startCli(['tail', '--timeout', '2'], { env: { ...serverEnv(server), TILEDESK_TOKEN: guest.token } });
    expect(await within(result.code, 15_000, 'tail to give up')).toBe(1);
    expect(result.stderr.text).toContain('No answer from the realtime server within 2s');
    expect(result.stderr.text).toContain('owner, admin or agent');
    expect(result.stderr.text + result.stdout.text).not.toContain(guest.token.slice(4));
  });
});

describe('tiledesk-sdk tail (full screen)', () => {
  it('draws the conversations in the alternate screen and restores the terminal on exit', async () => {
    await admin.requests.create({ first_text: 'Terminal question', attributes: { userFullname: 'Linus' } });
    run = startCli(['tail'], { env: serverEnv(server), tty: true });
    await run.stdout.waitFor('Open conversations (1)');
    expect(run.stdout.text.startsWith('\x1b[?1049h')).toBe(true);
    expect(run.stdout.text).toContain('Linus');
    const rid = newRequestId();
    await visitorSays('Marie', rid, 'A live one');
    await run.stdout.waitFor('Open conversations (2)');
    await run.stdout.waitFor('+ new conversation');
    run.interrupt();
    expect(await within(run.code, 10_000, 'tail to stop')).toBe(0);
    expect(run.stdout.text.endsWith('\x1b[?25h\x1b[?1049l')).toBe(true);
    run = undefined;
  });
});

describe('tiledesk-sdk tail as a process', () => {
  let cli: Awaited<ReturnType<typeof bundleCli>>;
  beforeAll(async () => {
    cli = await bundleCli();
  });
  afterAll(() => cli.dispose());

  it('Ctrl-C (SIGINT) ends it with exit code 0, and the process ends by itself', async () => {
    const child = spawnNode([cli.script, 'tail'], serverEnv(server));
    try {
      await child.stdout.waitFor('watching project', 15_000);
      const rid = newRequestId();
      await visitorSays('Ada', rid, 'From a real process');
      await child.stdout.waitFor(`+ new conversation ${rid}`);
      child.process.kill('SIGINT');
      expect(await within(child.exited, 10_000, 'the process to exit')).toBe(0);
      expect(child.stdout.text).toContain('stopped');
      expect(child.stderr.text).toBe('');
    } finally {
      child.process.kill('SIGKILL');
    }
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
