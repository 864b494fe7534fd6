/**
 * The live-dashboard example (`examples/live-dashboard/`) in Chromium and Firefox, run the way its header says
 * (`serve.ts --port 0 --json`, against its own local server, the SDK from src/ so no build is needed): sign in through
 * its form, see the seeded conversations, a conversation created over REST appears, one closed over REST leaves, a
 * reply typed in the page reaches the server, and the page's own Close button closes one. Screenshots go to
 * test/browser/screenshots/ (git-ignored), named after the engine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TiledeskClient } from '../../src/index.js';
import { root } from './build.js';
import { launchBrowser, type BrowserPage, type TestBrowser } from './helpers.js';

const SERVE = 'examples/live-dashboard/serve.ts';
const SCREENSHOTS = join(root, 'test/browser/screenshots');

interface Served {
  url: string;
  apiUrl: string;
  wsUrl: string;
  projectId: string;
  email: string;
  password: string;
  owner: { email: string; password: string };
}

let child: ChildProcess | undefined;
let served: Served;
let browser: TestBrowser;
let page: BrowserPage;
let admin: TiledeskClient;

/** Starts the example's server and reads the one JSON line it prints; fails after 30 s. */
function serve(): Promise<Served> {
  if (!existsSync(join(root, SERVE))) throw new Error(`${SERVE} is missing: the live-dashboard example is not there`);
  const env: NodeJS.ProcessEnv = { ...process.env, TILEDESK_SDK_FROM: 'src' };
  for (const name of ['TILEDESK_URL', 'TILEDESK_WS_URL', 'TILEDESK_PROJECT_ID']) delete env[name];
  child = spawn(process.execPath, ['--import', './examples/register.mjs', SERVE, '--port', '0', '--json'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = child;
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error('timed out after 30 s waiting for the dashboard’s JSON line')), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(new Error(`${error.message}\nstderr: ${err.slice(-2_000)}`));
    };
    proc.stderr!.on('data', (chunk: Buffer) => (err += chunk));
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.trim().startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as Served);
      } catch (error) {
        fail(error as Error);
      }
    });
    proc.once('exit', (code) => fail(new Error(`the dashboard exited early (code ${code})`)));
  });
}

/** SIGTERM (the example closes its servers), then SIGKILL if it has not exited within 5 s. */
async function stopServe(): Promise<void> {
  const proc = child;
  child = undefined;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

beforeAll(async () => {
  try {
    served = await serve();
    browser = await launchBrowser();
    admin = new TiledeskClient({ baseUrl: served.apiUrl, projectId: served.projectId, auth: { email: served.owner.email, password: served.owner.password } });
    page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    mkdirSync(SCREENSHOTS, { recursive: true });
  } catch (error) {
    await cleanup();
    throw error;
  }
}, 60_000);

async function cleanup(): Promise<void> {
  await admin?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await stopServe();
}
afterAll(cleanup);

/** test/browser/screenshots/<engine>-<name>.png */
const shot = (name: string) => join(SCREENSHOTS, `${browser.engine}-${name}.png`);
const row = (id: string) => `#conversations tr[data-request-id="${id}"]`;
const rowIds = () =>
  page.evaluate(() => [...document.querySelectorAll('#conversations tr[data-request-id]')].map((r) => r.getAttribute('data-request-id')!).sort());
/** Waits for an element matching `selector` whose text contains `text`. */
const withText = (selector: string, text: string) =>
  page.waitForFunction(([s, t]) => [...document.querySelectorAll(s)].some((el) => el.textContent?.includes(t)), [selector, text] as const);
async function openOnServer(): Promise<string[]> {
  const ids: string[] = [];
  for await (const r of admin.requests.list({ limit: 100 })) ids.push(r.request_id);
  return ids.sort();
}

it('signs in through the page and lists the open conversations over its live connection', async () => {
  await page.goto(served.url);
  await page.waitForSelector('#login-form');
  await page.screenshot(shot('dashboard-0-sign-in'));
  // The owner sees every conversation of the project (an agent only those it takes part in).
  await page.fill('#email', served.owner.email);
  await page.fill('#password', served.owner.password);
  await page.click('#sign-in');
  await page.waitForSelector('#status[data-phase="live"][data-connection="open"]');
  await page.waitForSelector('#conversations tr[data-request-id]');
  const rows = await rowIds();
  expect(rows).toEqual(await openOnServer());
  expect(rows.length).toBeGreaterThan(0); // the example seeds a few
  expect(await page.textContent('#count')).toBe(String(rows.length));
  await page.screenshot(shot('dashboard-1-signed-in'));
});

it('a conversation created over REST appears; one closed over REST leaves', async () => {
  const created = await admin.requests.create({ first_text: 'Browser test: is my parcel insured?' });
  await page.waitForSelector(row(created.request_id));
  expect(await page.getAttribute(row(created.request_id), 'class')).toContain('new');
  expect(await page.textContent(`${row(created.request_id)} td.text`)).toBe('Browser test: is my parcel insured?');
  await page.screenshot(shot('dashboard-2-new-conversation'));

  const [another] = (await rowIds()).filter((id) => id !== created.request_id);
  await admin.requests.close(another!);
  await page.waitForSelector(row(another!), 'detached');
  expect(await rowIds()).toEqual(await openOnServer());
  expect(await rowIds()).toContain(created.request_id);
  await page.screenshot(shot('dashboard-3-closed-left'));
});

it('drives a conversation from the page: live thread, a reply typed in the page, the page’s Close button', async () => {
  const created = await admin.requests.create({ first_text: 'Browser test: can you call me back?' });
  await page.click(row(created.request_id));
  await page.waitForSelector('#reply-form:not([hidden])');

  await admin.messages.send(created.request_id, { text: 'Sent over REST while the page watches' });
  await withText('#thread li[data-message-id]', 'Sent over REST while the page watches');

  await page.fill('#reply-text', 'Typed in the browser');
  await page.click('#send-reply');
  await withText('#thread li.mine', 'Typed in the browser');
  expect((await admin.messages.list(created.request_id)).map((m) => m.text)).toContain('Typed in the browser');
  await page.screenshot(shot('dashboard-4-thread'));

  await page.click('#close-conversation');
  await page.waitForSelector(row(created.request_id), 'detached');
  expect((await admin.requests.get(created.request_id)).status).toBe(1000);
  expect(await rowIds()).toEqual(await openOnServer());

  await page.click('#sign-out');
  await page.waitForSelector('#status[data-phase="signed-out"]');
});
