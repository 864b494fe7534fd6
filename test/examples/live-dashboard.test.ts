import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TiledeskClient } from '../../src/index.js';
import { text } from '../../src/messages/index.js';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import type { Dashboard as DashboardType, DashboardState } from '../../examples/live-dashboard/dashboard.js';
import { buildDashboard } from '../../examples/live-dashboard/build.js';
import { PACKAGE_IMPORTS, SDK_ENTRIES } from '../../examples/sdk-source.mjs';
import { root, runExample, within } from './helpers.js';

// The example imports the package by its public name; here that name means the sources.
vi.mock('tiledesk-sdk', () => import('../../src/index.js'));
vi.mock('tiledesk-sdk/realtime', () => import('../../src/realtime/index.js'));
vi.mock('tiledesk-sdk/messages', () => import('../../src/messages/index.js'));

/** Modules that must never reach a browser. */
const NODE_ONLY = /(^|\/)node_modules\/(undici|ws)\/|^node:|(default-transport|websocket)\.node|(^|\/)src\/(testing|node|cli)\//;

describe('examples/sdk-source.mjs', () => {
  it('lists every entry of package.json "exports" and both branches of each of its "imports"', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, unknown>; imports: Record<string, Record<string, { import: string }>> };
    const names = Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? 'tiledesk-sdk' : `tiledesk-sdk/${k.slice(2)}`));
    expect(Object.keys(SDK_ENTRIES).sort()).toEqual(names.sort());
    expect(Object.keys(PACKAGE_IMPORTS).sort()).toEqual(Object.keys(pkg.imports).sort());
    for (const [name, sources] of Object.entries(PACKAGE_IMPORTS)) {
      // dist/<name>.<kind>.js is tsup's output of the source file named the same under src/.
      const built = (file: string) => `./dist/${file.split('/').pop()!.replace(/\.ts$/, '.js')}`;
      expect(pkg.imports[name]!.node!.import).toBe(built(sources.node));
      expect(pkg.imports[name]!.default!.import).toBe(built(sources.browser));
      expect([sources.node, sources.browser].map((f) => /\.(node|browser)\.ts$/.exec(f)?.[1])).toEqual(['node', 'browser']);
    }
  });
});

describe('examples/live-dashboard: the browser bundle', () => {
  it('holds the realtime client, the live stores and the fetch transport, and no Node-only module', async () => {
    const bundle = await buildDashboard({ sdk: 'source' });
    for (const part of ['src/realtime/client.ts', 'src/realtime/live-requests.ts', 'src/realtime/live-messages.ts', 'src/rest/default-transport.browser.ts', 'src/realtime/websocket.browser.ts']) {
      expect(bundle.inputs).toContain(part);
    }
    expect(bundle.inputs.filter((i) => NODE_ONLY.test(i))).toEqual([]);
    expect(bundle.js).not.toMatch(/\bfrom\s*["'](node:[^"']+|ws|undici)["']|\brequire\(\s*["']/);
  });

  it('is served with the page and its settings by serve.ts, which prints the URL and the credentials', async () => {
    const child = runExample('examples/live-dashboard/serve.ts', ['--port', '0', '--json'], {});
    try {
      await child.stdout.waitFor(/\n/, 30_000);
      const info = JSON.parse(child.stdout.text.split('\n')[0]!) as { url: string; apiUrl: string; wsUrl: string; projectId: string; email: string; password: string };
      expect(info).toMatchObject({ email: 'agent@example.com', password: 'agent-password' });
      expect(info.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);

      const html = await (await fetch(info.url)).text();
      for (const id of ['login-form', 'email', 'password', 'sign-in', 'status', 'conversations', 'thread', 'reply-form', 'reply-text', 'close-conversation', 'sign-out']) {
        expect(html).toContain(`id="${id}"`);
      }
      expect(html).toContain('<script type="module" src="./dashboard.js"></script>');

      const served = await fetch(new URL('dashboard.js', info.url));
      expect(served.headers.get('content-type')).toContain('text/javascript');
      // The same bundle as the one checked above: built from the same sources with the same settings.
      expect(await served.text()).toBe((await buildDashboard({ sdk: 'source' })).js);
      expect(await (await fetch(new URL('config.json', info.url))).json()).toEqual({
        apiUrl: info.apiUrl, wsUrl: info.wsUrl, projectId: info.projectId, email: info.email, password: info.password,
      });
      // The page's server is reachable from the page's origin (CORS) with the printed credentials.
      const signin = await fetch(`${info.apiUrl}/auth/signin`, {
        method: 'POST', headers: { 'content-type': 'application/json', origin: new URL(info.url).origin },
        body: JSON.stringify({ email: info.email, password: info.password }),
      });
      expect(signin.status).toBe(200);
      expect(signin.headers.get('access-control-allow-origin')).toBe('*');
    } finally {
      child.process.kill('SIGTERM');
      expect(await within(child.exited, 10_000, 'serve.ts to stop')).toBe(0);
    }
  });
});

describe('examples/live-dashboard: the data logic, in Node, against the local server', () => {
  let server: TiledeskTestServer;
  let owner: TiledeskClient;
  let dashboard: DashboardType;

  beforeAll(async () => {
    server = await startTiledeskServer();
    owner = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token } });
    // Visitors' conversations go to the one available agent: the one the dashboard signs in as.
    await owner.projectUsers.setAvailability(false);
  });
  afterEach(async () => {
    await dashboard?.signOut();
  });
  afterAll(async () => {
    await owner.close();
    await server.close();
  });

  function until(check: (state: DashboardState) => boolean, what: string): Promise<DashboardState> {
    if (check(dashboard.state)) return Promise.resolve(dashboard.state);
    let stop = () => {};
    return within(
      new Promise<DashboardState>((resolve) => {
        stop = dashboard.subscribe((state) => check(state) && resolve(state));
      }).finally(() => stop()),
      10_000,
      what,
    );
  }

  async function visitor(name: string, says: string) {
    const session = await owner.auth.signinAnonymously({ firstname: name });
    const guest = owner.withOptions({ auth: { token: session.token } });
    const requestId = `support-group-${server.project.id}-${randomUUID().replaceAll('-', '')}`;
    await guest.messages.send(requestId, { text: says, senderFullname: name });
    return { requestId, guest };
  }

  it('signs in as the agent, lists open conversations live, shows the selected thread, replies and closes', async () => {
    const { Dashboard } = await import('../../examples/live-dashboard/dashboard.js');
    const before = await visitor('Grace', 'Opened before sign-in');
    dashboard = new Dashboard({ apiUrl: server.url, wsUrl: server.wsUrl, projectId: server.project.id });
    await dashboard.signIn(server.agent.email, server.agent.password);
    expect(dashboard.state).toMatchObject({ phase: 'live', connection: 'open', user: { email: server.agent.email } });
    expect(dashboard.state.rows.map((r) => [r.requestId, r.firstText, r.isNew])).toEqual([[before.requestId, 'Opened before sign-in', false]]);

    // A new conversation appears at the top, marked new.
    const ada = await visitor('Ada', 'Hello from Ada');
    const withAda = await until((s) => s.rows.some((r) => r.requestId === ada.requestId), 'the new conversation to appear');
    expect(withAda.rows[0]).toMatchObject({ requestId: ada.requestId, shortId: ada.requestId.slice(-6), status: 'assigned', firstText: 'Hello from Ada', isNew: true });

    // Selecting it shows its messages; new ones arrive live, drawn as the widget would (quick replies here).
    dashboard.select(ada.requestId);
    await until((s) => s.thread.length === 1, 'the thread to load');
    expect(dashboard.state.thread[0]).toMatchObject({ senderName: 'Ada', mine: false, view: { kind: 'text', text: 'Hello from Ada' } });
    await owner.messages.send(ada.requestId, text('Which plan?').quickReplies('Basic', 'Pro').withSender('Bot').toJSON());
    const withButtons = await until((s) => s.thread.length === 2, 'the bot message');
    expect(withButtons.thread[1]!.view).toMatchObject({ kind: 'text', text: 'Which plan?', buttons: [{ type: 'text', value: 'Basic' }, { type: 'text', value: 'Pro' }] });

    await dashboard.reply('Hi Ada, how can I help?');
    const replied = await until((s) => s.thread.some((m) => m.mine), 'the reply to show');
    expect(replied.thread.at(-1)).toMatchObject({ mine: true, senderName: 'Andy Agent', view: { kind: 'text', text: 'Hi Ada, how can I help?' } });

    // Closing it removes it from the list and marks the open thread closed.
    await dashboard.closeConversation();
    const closed = await until((s) => !s.rows.some((r) => r.requestId === ada.requestId), 'the closed conversation to leave');
    expect(closed.selectedClosed).toBe(true);
    expect(closed.rows.map((r) => r.requestId)).toEqual([before.requestId]);

    await dashboard.signOut();
    expect(dashboard.state.phase).toBe('signed-out');
    await waitFor(() => server.stats().wsConnections === 0);
  });

  it('reports a refused password, and goes live again with the right one', async () => {
    const { Dashboard } = await import('../../examples/live-dashboard/dashboard.js');
    dashboard = new Dashboard({ apiUrl: server.url, wsUrl: server.wsUrl, projectId: server.project.id });
    await dashboard.signIn(server.agent.email, 'wrong-password');
    expect(dashboard.state.phase).toBe('failed');
    expect(dashboard.state.error).toBeTruthy();
    await dashboard.signIn(server.agent.email, server.agent.password);
    expect(dashboard.state.phase).toBe('live');
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
