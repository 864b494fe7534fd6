import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TiledeskClient } from '../../src/index.js';
import { buttons, image, split, text, wait } from '../../src/messages/index.js';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { createStyle, SecretRegistry } from '../../src/cli/io.js';
import { LiveView } from '../../src/cli/live-view.js';
import { RealtimeClient, topics } from '../../src/realtime/index.js';
import { FAST, frameServer } from '../realtime/helpers.js';
import { bundleCli, Capture, exitWhileTokensRefused, serverEnv, spawnNode, startCli, within, type CliRun } from './helpers.js';

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

  it('the later lines of a split message line up under its first one, whatever the width of the sender name', async () => {
    const open = await admin.requests.create({ first_text: 'Hi' });
    run = startCli(['tail'], { env: serverEnv(server) });
    await run.stdout.waitFor('watching project');
    await waitUntil(() => server.stats().subscriptions >= 2);
    await admin.messages.send(open.request_id, split(text('One'), wait(300), text('Two')).withSender('山田太郎').toJSON());
    await run.stdout.waitFor('↳ Two');
    const lines = run.stdout.text.split('\n');
    const first = lines.find((line) => line.includes('↳ One'))!;
    const last = lines.find((line) => line.includes('↳ Two'))!;
    // Columns on a terminal: the CJK characters and the emoji take two each.
    const columns = (text: string) => [...text].reduce((n, char) => n + (/[\u3000-\u9fff]|\p{Emoji_Presentation}/u.test(char) ? 2 : 1), 0);
    // The later parts sit two columns in, under the first part, as with any plain ASCII name.
    expect(columns(last.slice(0, last.indexOf('↳')))).toBe(columns(first.slice(0, first.indexOf('↳'))) + 2);
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

  it('Ctrl-C while signing in ends it like any Ctrl-C: exit 0, no error', async () => {
    const hung = server.faults.route({ path: '/auth/signin', hang: true });
    const result = startCli(['tail'], {
      env: { TILEDESK_URL: server.url, TILEDESK_PROJECT_ID: server.project.id, TILEDESK_EMAIL: server.owner.email, TILEDESK_PASSWORD: server.owner.password },
    });
    result.interrupt();
    expect(await within(result.code, 10_000, 'tail to stop')).toBe(0);
    expect(result.stderr.text).toBe('');
    hung.remove();
  });

  it('with a guest token it says at once that an owner, admin or agent account is needed, before the WebSocket never answers', async () => {
    const guest = await admin.auth.signinAnonymously({ firstname: 'Nope' });
    const result = startCli(['tail', '--timeout', '2'], { env: { ...serverEnv(server), TILEDESK_TOKEN: guest.token } });
    expect(await within(result.code, 15_000, 'tail to give up')).toBe(1);
    expect(result.stderr.text).toContain(`The token has no owner, admin or agent role in project ${server.project.id}`);
    expect(result.stderr.text).toContain("a visitor's token is not enough");
    expect(result.stderr.text).not.toContain('No answer from the realtime server');
    expect(result.stderr.text + result.stdout.text).not.toContain(guest.token.slice(4));
  });

  it('a project the server does not know is named at once, not as a realtime server that does not answer', async () => {
    const result = startCli(['tail', '--timeout', '2'], { env: { ...serverEnv(server), TILEDESK_PROJECT_ID: '000000000000000000000000' } });
    expect(await within(result.code, 15_000, 'tail to give up')).toBe(1);
    expect(result.stderr.text).toBe(
      'Error: The server has no active project 000000000000000000000000 (Project not found with id: 000000000000000000000000). Check TILEDESK_PROJECT_ID / --project.\n',
    );
    expect(result.stdout.text).toBe('');
  });

  it('a refused token is named with the setting to check before the WebSocket is opened', async () => {
    const token = `JWT ${server.signJwt({ _id: server.owner.userId }, 'not-the-server-secret')}`;
    const result = startCli(['tail', '--timeout', '2'], { env: { ...serverEnv(server), TILEDESK_TOKEN: token } });
    expect(await within(result.code, 15_000, 'tail to give up')).toBe(1);
    expect(result.stderr.text).toMatch(/^Error: The server refused the token \(401 .*\): check TILEDESK_TOKEN \/ --token /);
    expect(result.stdout.text).toBe('');
    expect(result.stderr.text).not.toContain(token.slice(4));
  });
});

describe('tiledesk-sdk tail: connection problems', () => {
  it('a realtime server that cannot be reached is named as such, not blamed on a guest token', async () => {
    const result = startCli(['tail', '--timeout', '2'], {
      env: { ...serverEnv(server), TILEDESK_WS_URL: 'ws://127.0.0.1:1/' },
    });
    expect(await within(result.code, 15_000, 'tail to give up')).toBe(1);
    expect(result.stderr.text).toContain('Cannot connect to the realtime server within 2s');
    expect(result.stderr.text).toContain('ECONNREFUSED');
    expect(result.stderr.text).not.toContain('guest');
    expect(result.stderr.text).not.toContain(server.owner.token.slice(4));
  });

  it('a REST server that cannot be reached is named at once, with the setting to check', async () => {
    const result = startCli(['tail', '--timeout', '2'], {
      env: { TILEDESK_URL: 'http://127.0.0.1:1', TILEDESK_PROJECT_ID: server.project.id, TILEDESK_TOKEN: server.owner.token },
    });
    expect(await within(result.code, 15_000, 'tail to give up')).toBe(1);
    expect(result.stderr.text).toBe('Error: Cannot reach http://127.0.0.1:1 (ECONNREFUSED). Check TILEDESK_URL / --url and that the server is running.\n');
  });

  it('a token refused on a reconnect ends it with exit code 1 and says so, instead of a view that never changes again', async () => {
    run = startCli(['tail'], { env: serverEnv(server) });
    await run.stdout.waitFor('watching project');
    const tail = run;
    const code = await exitWhileTokensRefused(server, tail, 'tail to end');
    run = undefined;
    expect(code).toBe(1);
    expect(tail.stderr.text).toContain('Realtime connection failed');
    expect(tail.stderr.text).toContain('the token was refused');
    expect(tail.stdout.text + tail.stderr.text).not.toContain(server.owner.token.slice(4));
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

  it('rows with wide (CJK) names and texts fit the terminal width: none wraps and scrolls the screen', async () => {
    await admin.requests.create({ first_text: '日本語のテキストです。'.repeat(10), attributes: { userFullname: '山田太郎'.repeat(6) } });
    run = startCli(['tail'], { env: serverEnv(server), tty: true });
    run.stdout.columns = 60;
    await run.stdout.waitFor('Open conversations (1)');
    const frame = run.stdout.text.split('\x1b[H').at(-1)!;
    const lines = frame.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split('\n');
    expect(lines.some((line) => line.includes('山田'))).toBe(true);
    // Each of these characters takes two columns on a terminal.
    const columns = (line: string) => [...line].reduce((n, char) => n + (/[\u3000-\u9fff]/.test(char) ? 2 : 1), 0);
    for (const line of lines) expect(columns(line), line).toBeLessThanOrEqual(60);
  });

  it('on a small terminal (a split pane) the frame fits: no line wraps, no line scrolls the screen', async () => {
    for (let i = 0; i < 5; i++) await admin.requests.create({ first_text: `Question number ${i} about a rather long topic` });
    run = startCli(['tail'], { env: serverEnv(server), tty: true });
    run.stdout.columns = 30;
    run.stdout.rows = 8;
    await run.stdout.waitFor('Open conversations');
    const frame = run.stdout.text.split('\x1b[H').at(-1)!;
    const lines = frame.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(8);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(30);
  });
});

describe('tiledesk-sdk tail: flags', () => {
  it('--watch and --timeout take whole numbers within their range (exit 2 otherwise)', async () => {
    for (const argv of [['--watch', '0'], ['--watch', '1.5'], ['--watch', '501'], ['--timeout', '0'], ['--timeout', '3601'], ['--timeout', 'soon']]) {
      const result = startCli(['tail', ...argv], { env: serverEnv(server) });
      expect(await within(result.code, 10_000, 'tail to refuse'), argv.join(' ')).toBe(2);
      expect(result.stderr.text, argv.join(' ')).toContain(`Invalid ${argv[0]} ${argv[1]}: expected an integer from 1 to`);
    }
  });

  it('--plain gives one line per event on a terminal too', async () => {
    run = startCli(['tail', '--plain'], { env: serverEnv(server), tty: true });
    await run.stdout.waitFor('watching project');
    expect(run.stdout.text).not.toContain('\x1b[?1049h');
  });

  it('an upgrade refused at start ends it at the first refusal with exit code 1, saying what to check', async () => {
    for (const [status, hint] of [[401, 'the token was refused'], [400, 'wrong WebSocket path? check TILEDESK_WS_URL']] as const) {
      let upgrades = 0;
      const refusing = createServer((_, res) => res.writeHead(404).end());
      refusing.on('upgrade', (_, socket) => {
        upgrades += 1;
        socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      });
      await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
        const result = startCli(['tail', '--timeout', '60'], { env: { ...serverEnv(server), TILEDESK_URL: url } });
        expect(await within(result.code, 10_000, 'tail to give up'), String(status)).toBe(1);
        expect(upgrades, String(status)).toBe(1);
        expect(result.stderr.text).toContain('Realtime connection failed');
        expect(result.stderr.text).toContain(hint);
        expect(result.stderr.text + result.stdout.text).not.toContain(server.owner.token.slice(4));
      } finally {
        refusing.closeAllConnections();
        await new Promise((resolve) => refusing.close(resolve));
      }
    }
  });
});

describe('LiveView on a scripted server', () => {
  const pid = '65f000000000000000000001';
  const at = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
  const request = (id: string, s: number, extra: Record<string, unknown> = {}) => ({ _id: `_${id}`, request_id: id, status: 200, first_text: id, updatedAt: at(s), attributes: { userFullname: `Visitor ${id}` }, ...extra });
  const message = (id: string, rid: string, text: string, extra: Record<string, unknown> = {}) => ({ _id: id, recipient: rid, type: 'text', text, sender: 'u1', senderFullname: 'Sam', createdAt: at(0), ...extra });

  it('announces only new conversations, follows the most recent ones within --watch, shows each message once, and says why one left', async () => {
    const actions: string[] = [];
    const snapshots: Record<string, unknown> = {
      [topics.requests(pid)]: [request('r1', 3), request('r2', 2), request('r3', 1)],
      [topics.messages(pid, 'r1')]: [message('m1', 'r1', 'already there')],
      // A conversation that appears live shows the last 10 messages of its snapshot.
      [topics.messages(pid, 'r4')]: Array.from({ length: 12 }, (_, i) => message(`h${i}`, 'r4', `earlier h${String(i).padStart(2, '0')}`)),
    };
    const raw = await frameServer((data, socket) => {
      const { action, payload } = JSON.parse(data) as { action: string; payload: { topic: string } };
      if (action !== 'subscribe' && action !== 'unsubscribe') return;
      actions.push(`${action} ${payload.topic}`);
      if (action === 'subscribe') socket.send(JSON.stringify({ action: 'publish', payload: { topic: payload.topic, method: 'CREATE', message: snapshots[payload.topic] ?? [] } }));
    });
    const publish = (topic: string, method: string, m: unknown) => raw.send(JSON.stringify({ action: 'publish', payload: { topic, method, message: m } }));
    const rt = new RealtimeClient({ url: raw.url, token: 'JWT x.y.z', ...FAST });
    const out = new Capture();
    const view = new LiveView({ rt, projectId: pid, out, style: createStyle(false), secrets: new SecretRegistry(), tty: false, maxWatched: 2 });
    const held = () => {
      const topicsHeld = new Set<string>();
      for (const a of actions) {
        const [action, topic] = a.split(' ') as [string, string];
        if (action === 'subscribe') topicsHeld.add(topic);
        else topicsHeld.delete(topic);
      }
      return [...topicsHeld].filter((t) => t.endsWith('/messages')).sort();
    };
    try {
      await view.start(5_000);
      await waitUntil(() => held().length === 2);
      expect(held()).toEqual([topics.messages(pid, 'r1'), topics.messages(pid, 'r2')]);

      // A new conversation: the least recently updated one followed (r2) makes room for it.
      publish(topics.requests(pid), 'CREATE', request('r4', 4));
      await out.waitFor('+ new conversation r4 from Visitor r4');
      await waitUntil(() => held().includes(topics.messages(pid, 'r4')));
      expect(held()).toEqual([topics.messages(pid, 'r1'), topics.messages(pid, 'r4')]);

      // The snapshot's message again (the subscribe race), then a new one; a system line goes without its sender.
      publish(topics.messages(pid, 'r1'), 'CREATE', message('m1', 'r1', 'already there'));
      publish(topics.messages(pid, 'r1'), 'CREATE', message('m2', 'r1', 'new here'));
      publish(topics.messages(pid, 'r4'), 'CREATE', message('m3', 'r4', 'Chat closed', { sender: 'system', senderFullname: 'System', attributes: { subtype: 'info' } }));
      await out.waitFor('(Chat closed)');
      await out.waitFor('Sam: new here');

      publish(topics.requests(pid), 'UPDATE', request('r1', 5, { status: 150 }));
      publish(topics.requests(pid), 'UPDATE', request('r3', 6, { draft: true }));
      publish(topics.requests(pid), 'UPDATE', request('r4', 7, { status: 1000 }));
      await out.waitFor('- closed r4 (Visitor r4)');
      view.notice('a line of our own \x1b[2J');
      await waitUntil(() => held().length === 0);

      const text = out.text;
      expect(text.match(/\+ new conversation/g)).toHaveLength(1);
      expect(text).not.toContain('already there');
      expect(text.match(/new here/g)).toHaveLength(1);
      expect(text).toMatch(/#r4 \(Chat closed\)/);
      expect(text).toContain('- abandoned r1 (Visitor r1)');
      expect(text).toContain('- left the list r3 (Visitor r3)');
      expect(text).toContain('a line of our own ␛[2J');
      expect(text).not.toMatch(/earlier h0[01]/);
      for (let i = 2; i < 12; i++) expect(text).toContain(`Sam: earlier h${String(i).padStart(2, '0')}`);
      expect(view.stats).toMatchObject({ openAtStart: 3, newConversations: 1, closedConversations: 1 });
    } finally {
      view.close();
      await rt.close();
      await raw.close();
    }
  });
});

describe('LiveView', () => {
  it('closed while its first snapshot arrives (Ctrl-C at that moment), it neither enters the alternate screen nor keeps a timer', async () => {
    const rt = new RealtimeClient({ url: server.wsUrl, token: server.owner.token });
    const out = new Capture(true);
    const view = new LiveView({ rt, projectId: server.project.id, out, style: createStyle(false), secrets: new SecretRegistry(), tty: true });
    // Runs just after the view learns that the snapshot is there, before it goes on.
    void (view as unknown as { requests: { ready: Promise<unknown> } }).requests.ready.then(() => view.close());
    await view.start().catch(() => undefined);
    await rt.close();
    expect(out.text).toBe('');
    expect((view as unknown as { tickTimer?: unknown }).tickTimer).toBeUndefined();
  });
});

// A visitor (anyone who can open the widget) picks their name and writes the messages; none of it may drive the
// agent's terminal: OSC 0 retitles the window, OSC 52 writes the clipboard, OSC 8 makes a link, CSI 2J clears the
// screen, CR rewrites the line, 0x9B is CSI on 8-bit terminals.
describe('tiledesk-sdk tail: what visitors write is shown, never obeyed by the terminal', () => {
  const name = 'Eve\x1b]0;pwned-title\x07';
  const says = 'hello \x1b]52;c;ZWNobyBwd25lZA==\x07 \x1b[2J\x1b[H[fake] Admin: paste your password \x1b]8;;https://evil.example\x07click\x1b]8;;\x07\rX\x9b2J\x7f';
  const shownName = 'Eve␛]0;pwned-title␇';
  const shownText = 'hello ␛]52;c;ZWNobyBwd25lZA==␇ ␛[2J␛[H[fake] Admin: paste your password ␛]8;;https://evil.example␇click␛]8;;␇␍X\\x9b2J␡';
  /** C0 controls but the line feed, DEL, C1 controls. */
  const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

  it('line mode: names, message texts, first texts and button labels come out with their control characters visible', async () => {
    await admin.requests.create({ first_text: `Older ${says}`, attributes: { userFullname: `Mallory\x1b[2J` } });
    run = startCli(['tail'], { env: serverEnv(server) });
    await run.stdout.waitFor('watching project');
    const rid = newRequestId();
    await visitorSays(name, rid, says);
    await run.stdout.waitFor(`#${rid.slice(-6)} ${shownName}: ${shownText}`);
    await admin.messages.send(rid, { text: 'Pick', senderFullname: 'Bot\x1b[8m', attributes: { attachment: { type: 'template', buttons: [{ type: 'text', value: 'Yes\x1b]8;;https://evil.example\x07' }] } } });
    await run.stdout.waitFor('Bot␛[8m: Pick [Yes␛]8;;https://evil.example␇]');
    await admin.requests.close(rid);
    await run.stdout.waitFor(`- closed ${rid} (${shownName})`);
    expect(run.stdout.text).toContain('Mallory␛[2J');
    expect(run.stdout.text).toContain(`from ${shownName}: "hello \\u001b]52;c;`);
    expect(run.stdout.text).not.toMatch(CONTROL);
  });

  it("full screen: the only escape sequences are the view's own", async () => {
    await admin.requests.create({ first_text: `Older ${says}`, attributes: { userFullname: `Mallory\x1b[2J` } });
    run = startCli(['tail'], { env: serverEnv(server), tty: true });
    await run.stdout.waitFor('Open conversations (1)');
    const rid = newRequestId();
    await visitorSays(name, rid, says);
    await run.stdout.waitFor(`${shownName}: ${shownText}`.slice(0, 60));
    await run.stdout.waitFor('Open conversations (2)');
    expect(run.stdout.text).toContain('Mallory␛[2J');
    run.interrupt();
    expect(await within(run.code, 10_000, 'tail to stop')).toBe(0);
    // Alternate screen and cursor on/off, home, clear to end of line, clear below: what the view itself writes.
    const own = /\x1b\[\?1049[hl]|\x1b\[\?25[hl]|\x1b\[[HKJ]/g;
    expect(run.stdout.text.replace(own, '')).not.toMatch(CONTROL);
    run = undefined;
  });
});

describe('tiledesk-sdk tail full screen: counts', () => {
  it('the header counts one message in the singular', async () => {
    run = startCli(['tail'], { env: serverEnv(server), tty: true });
    await run.stdout.waitFor('Open conversations (0)');
    await visitorSays('Ada', newRequestId(), 'One message');
    await run.stdout.waitFor('Open conversations (1)');
    await run.stdout.waitFor('1 new · 0 closed · 1 message since start');
    expect(run.stdout.text).not.toContain('1 messages');
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
