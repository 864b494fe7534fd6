/**
 * `LiveRequests` and `LiveMessages` in Chromium and Firefox, rendering into the page's DOM the way a dashboard would, fed by the
 * native WebSocket and (for gap fills) the page's `fetch`: the open list stays true through live frames, through
 * changes made while the browser was disconnected, and past the server's snapshot cap.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { TiledeskClient } from '../../src/index.js';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { launchBrowser, openTestPage, Resources, until, type BrowserPage as Page, type TestBrowser } from './helpers.js';

let browser: TestBrowser;
let server: TiledeskTestServer;
let admin: TiledeskClient;
const resources = new Resources();

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startTiledeskServer();
  admin = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token } });
});
afterAll(async () => {
  await browser?.close();
  await admin?.close();
  await server?.close();
});
afterEach(async () => {
  server.faults.hangUpgrades(false);
  await resources.dispose();
  await until(() => server.stats().wsConnections === 0, 'the page’s sockets to be gone');
});

async function openPage(): Promise<Page> {
  return resources.add(await openTestPage(browser), (p) => p.close());
}

/** The open conversations of the project, as the server's own REST list says (the ground truth). */
async function openOnServer(s: TiledeskTestServer = server): Promise<string[]> {
  const client = s === server ? admin : new TiledeskClient({ baseUrl: s.url, projectId: s.project.id, auth: { token: s.owner.token } });
  const ids: string[] = [];
  for await (const r of client.requests.list({ limit: 100 })) ids.push(r.request_id);
  if (client !== admin) await client.close();
  return ids.sort();
}

/**
 * In the page: a RealtimeClient, a TiledeskClient (the REST source for gap fills) and a LiveRequests rendered as
 * `<li data-request-id>` rows, re-rendered on every `change`.
 */
async function startLiveRequests(page: Page, s: TiledeskTestServer, options: { snapshotLimit?: number; rest?: boolean } = {}) {
  await page.evaluate(
    async ({ url, wsUrl, projectId, token, snapshotLimit, withRest }) => {
      const T = window.T;
      const { RealtimeClient, LiveRequests } = window.TD.realtime;
      T.rest = new window.TD.rest.TiledeskClient({ baseUrl: url, projectId, auth: { token } });
      T.rt = new RealtimeClient({ url: wsUrl, token, reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 250, handshakeTimeoutMs: 1_000 });
      T.opens = 0;
      T.rt.on('state', (c: any) => c.state === 'open' && T.opens++);
      T.changes = [];
      T.gaps = [];
      T.live = new LiveRequests(T.rt, projectId, { ...(withRest ? { rest: T.rest } : {}), ...(snapshotLimit ? { snapshotLimit } : {}) });
      const list = document.createElement('ul');
      list.id = 'requests';
      document.body.append(list);
      T.live.on('gap', (g: any) => T.gaps.push(g.reason));
      T.live.on('change', (c: any) => {
        T.changes.push({
          added: c.added.map((r: any) => r.request_id),
          removed: c.removed.map((r: any) => [r.request_id, r.status]),
        });
        list.replaceChildren(
          ...T.live.list().map((r: any) => {
            const li = document.createElement('li');
            li.dataset.requestId = r.request_id;
            li.textContent = r.first_text ?? '';
            return li;
          }),
        );
      });
      await T.live.ready;
    },
    { url: s.url, wsUrl: s.wsUrl, projectId: s.project.id, token: s.owner.token, snapshotLimit: options.snapshotLimit, withRest: options.rest ?? true },
  );
}

const row = (id: string) => `#requests li[data-request-id="${id}"]`;
const listed = (page: Page) => page.evaluate(() => (window.T.live.list() as Array<{ request_id: string }>).map((r) => r.request_id).sort());

it('LiveRequests keeps the open list true: snapshot, a new conversation appears, a closed one leaves', async () => {
  const open = await admin.requests.create({ first_text: 'open before' });
  const closed = await admin.requests.create({ first_text: 'closed before' });
  await admin.requests.close(closed.request_id);

  const page = await openPage();
  await startLiveRequests(page, server);
  expect(await listed(page)).toEqual(await openOnServer());
  expect(await listed(page)).toContain(open.request_id);
  expect(await listed(page)).not.toContain(closed.request_id);

  const fresh = await admin.requests.create({ first_text: 'brand new' });
  await page.waitForSelector(row(fresh.request_id), 'attached');
  expect(await page.textContent(row(fresh.request_id))).toBe('brand new');
  // Newest activity first.
  expect(await page.getAttribute('#requests li:first-child', 'data-request-id')).toBe(fresh.request_id);

  await admin.requests.close(open.request_id);
  await page.waitForSelector(row(open.request_id), 'detached');
  expect(await page.evaluate(() => window.T.changes.at(-1))).toEqual({ added: [], removed: [[open.request_id, 1000]] });
  expect(await listed(page)).toEqual(await openOnServer());
});

it('LiveRequests reconciles after a reconnect what changed while the browser was disconnected', async () => {
  const leaving = await admin.requests.create({ first_text: 'will be closed while away' });
  const page = await openPage();
  await startLiveRequests(page, server);
  await page.waitForSelector(row(leaving.request_id), 'attached');

  // Keep the browser out: every socket dropped, every new upgrade left unanswered.
  server.faults.hangUpgrades(true);
  server.faults.dropSockets();
  await page.waitForFunction(() => window.T.rt.state === 'reconnecting');
  await admin.requests.close(leaving.request_id);
  const arrived = await admin.requests.create({ first_text: 'created while away' });
  // No live frame can have reached the page.
  const present = (selector: string) => page.evaluate((s) => document.querySelector(s) !== null, selector);
  expect(await present(row(arrived.request_id))).toBe(false);
  expect(await present(row(leaving.request_id))).toBe(true);

  server.faults.hangUpgrades(false);
  await page.waitForSelector(row(arrived.request_id), 'attached');
  await page.waitForSelector(row(leaving.request_id), 'detached');
  expect(await page.evaluate(() => window.T.opens)).toBe(2);
  expect(await listed(page)).toEqual(await openOnServer());
});

it('LiveRequests fills past a capped snapshot over REST (page fetch), and reports the gap without REST', async () => {
  const capped = resources.add(await startTiledeskServer({ snapshotLimits: { requests: 2 } }), (s) => s.close());
  const client = resources.add(
    new TiledeskClient({ baseUrl: capped.url, projectId: capped.project.id, auth: { token: capped.owner.token } }),
    (c) => c.close(),
  );
  for (let i = 0; i < 4; i++) await client.requests.create({ first_text: `capped #${i}` });

  const withRest = await openPage();
  await startLiveRequests(withRest, capped, { snapshotLimit: 2 });
  expect(await listed(withRest)).toHaveLength(4);
  expect(await listed(withRest)).toEqual(await openOnServer(capped));

  const withoutRest = await openPage();
  await startLiveRequests(withoutRest, capped, { snapshotLimit: 2, rest: false });
  expect(await listed(withoutRest)).toHaveLength(2);
  expect(await withoutRest.evaluate(() => window.T.gaps)).toEqual(['snapshot_capped']);
});

it('LiveMessages keeps one conversation’s messages in order: snapshot, live sends, an import from the page, and after a restart', async () => {
  const { request_id } = await admin.requests.create({ first_text: 'm0' });
  await admin.messages.send(request_id, { text: 'm1' });
  const page = await openPage();
  await page.evaluate(
    async ({ url, wsUrl, projectId, token, requestId }) => {
      const T = window.T;
      T.rest = new window.TD.rest.TiledeskClient({ baseUrl: url, projectId, auth: { token } });
      T.rt = new window.TD.realtime.RealtimeClient({ url: wsUrl, token, reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 250 });
      T.thread = new window.TD.realtime.LiveMessages(T.rt, projectId, requestId, { rest: T.rest });
      await T.thread.ready;
    },
    { url: server.url, wsUrl: server.wsUrl, projectId: server.project.id, token: server.owner.token, requestId: request_id },
  );
  const texts = () => page.evaluate(() => (window.T.thread.list() as Array<{ text?: string }>).map((m) => m.text));
  const serverTexts = async () => (await admin.messages.list(request_id)).map((m) => m.text);
  expect(await texts()).toEqual(await serverTexts());

  await admin.messages.send(request_id, { text: 'live one' });
  await page.waitForFunction(() => window.T.thread.list().some((m: any) => m.text === 'live one'));

  // Imported from the page itself: one multi call, stored interleaved by the server, shown in input order.
  const imported = Array.from({ length: 8 }, (_, i) => `imported ${i}`);
  const sizeBefore = await page.evaluate(() => window.T.thread.size as number);
  await page.evaluate(
    async ({ requestId, imported }) => {
      await window.T.rest.messages.import(requestId, imported.map((text: string) => ({ text })));
    },
    { requestId: request_id, imported },
  );
  await page.waitForFunction((n) => window.T.thread.size >= n, sizeBefore + imported.length);
  const afterImport = await texts();
  expect(afterImport).toHaveLength(sizeBefore + imported.length);
  expect(afterImport.slice(-imported.length)).toEqual(imported);
  expect(afterImport).toEqual(await serverTexts().then((texts) => [...texts.filter((t) => !t?.startsWith('imported')), ...imported]));
  expect(await page.evaluate(() => window.T.thread.request?.request_id)).toBe(request_id);

  await server.restart();
  await page.waitForFunction(() => window.T.rt.state === 'open' && window.T.rt.stats.reconnects >= 1);
  await admin.messages.send(request_id, { text: 'after restart' });
  await page.waitForFunction(() => window.T.thread.list().some((m: any) => m.text === 'after restart'));
  expect(await texts()).toEqual([...afterImport, 'after restart']);
});
