/**
 * The browsers of the browser suite, behind one small page interface so every test runs unchanged in both engines:
 *
 * - **Chromium**: Debian's `/usr/bin/chromium` (or `CHROMIUM_PATH`) driven by playwright-core over CDP, with the flags
 *   this machine needs (no sandbox as root, no GPU, no QUIC, no background traffic to Google's hosts).
 * - **Firefox**: Debian's `/usr/bin/firefox-esr` (or `FIREFOX_PATH`) driven by puppeteer-core over WebDriver BiDi.
 *   Playwright drives only its own patched Firefox builds, which cannot be downloaded here; puppeteer speaks the
 *   standard protocol that stock Firefox implements.
 *
 * The vitest project (`chromium` or `firefox`, see vitest.browser.config.ts) says which one a run uses. Every page gets
 * a new browser context: no cache, cookies or storage shared between tests.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext as PwContext, type Page as PwPage } from 'playwright-core';
import puppeteer, { type BrowserContext as PpContext, type Page as PpPage } from 'puppeteer-core';
import { inject } from 'vitest';
import type * as Rest from '../../src/index.js';
import type * as Messages from '../../src/messages/index.js';
import type * as MessageSchemas from '../../src/messages/schemas.js';
import type * as Realtime from '../../src/realtime/index.js';

/** What `page/app.js` puts on `window`: the entries, exactly as bundled for the browser. */
export interface PageSdk {
  rest: typeof Rest;
  realtime: typeof Realtime;
  messages: typeof Messages;
  messageSchemas: typeof MessageSchemas;
}

declare global {
  interface Window {
    TD: PageSdk;
    /** Scratch space for state that lives across `page.evaluate` calls (clients, event logs). */
    T: Record<string, any>;
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The browser engine of this vitest project. */
    engine: Engine;
  }
}

export type Engine = 'chromium' | 'firefox';

/** Every wait in the page and on the page has a deadline. */
export const WAIT_MS = 10_000;

/** A page in its own browser context. The subset of a driver's page API the suite uses, the same in both engines. */
export interface BrowserPage {
  readonly engine: Engine;
  /** Uncaught exceptions of the page, for failure messages. */
  readonly problems: string[];
  /** URLs (`ws://…`) of the WebSocket handshakes the page started, from the browser's own network events. */
  readonly webSockets: string[];
  goto(url: string): Promise<void>;
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Polls `fn` in the page until it returns something truthy; fails after {@link WAIT_MS}. */
  waitForFunction(fn: () => unknown): Promise<void>;
  waitForFunction<A>(fn: (arg: A) => unknown, arg: A): Promise<void>;
  /** `visible` (the default) also needs a rendered box; `attached`/`detached`: in the DOM or not. */
  waitForSelector(selector: string, state?: 'attached' | 'detached' | 'visible'): Promise<void>;
  click(selector: string): Promise<void>;
  fill(selector: string, text: string): Promise<void>;
  textContent(selector: string): Promise<string | null>;
  getAttribute(selector: string, name: string): Promise<string | null>;
  screenshot(path: string): Promise<void>;
  /** The browser's own offline emulation: `navigator.onLine`, the `online`/`offline` events and the network. */
  setOffline(offline: boolean): Promise<void>;
  /** `window:<type>` and `document:<type>` for every event listener on them, sorted. */
  eventListeners(): Promise<string[]>;
  /** Closes the page's context, and with it every socket the page had. */
  close(): Promise<void>;
}

export interface TestBrowser {
  readonly engine: Engine;
  newPage(options?: { viewport?: { width: number; height: number } }): Promise<BrowserPage>;
  close(): Promise<void>;
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches the engine of the current vitest project. */
export async function launchBrowser(engine: Engine = inject('engine')): Promise<TestBrowser> {
  const path = engine === 'chromium' ? CHROMIUM : FIREFOX;
  if (!existsSync(path)) {
    const pkg = engine === 'chromium' ? 'chromium' : 'firefox-esr';
    const variable = engine === 'chromium' ? 'CHROMIUM_PATH' : 'FIREFOX_PATH';
    throw new Error(`no ${engine} at ${path}: install Debian's ${pkg} (apt-get install -y ${pkg}) or set ${variable}`);
  }
  return engine === 'chromium' ? launchChromium(path) : launchFirefox(path);
}

async function launchChromium(executablePath: string): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
  return {
    engine: 'chromium',
    async newPage(options = {}) {
      const context = await browser.newContext(options.viewport ? { viewport: options.viewport } : {});
      return new ChromiumPage(context, await context.newPage());
    },
    close: () => browser.close(),
  };
}

async function launchFirefox(executablePath: string): Promise<TestBrowser> {
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath, headless: true, timeout: 30_000 });
  return {
    engine: 'firefox',
    async newPage(options = {}) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      if (options.viewport) await page.setViewport(options.viewport);
      await page.evaluateOnNewDocument(RECORD_LISTENERS);
      return new FirefoxPage(context, page);
    },
    close: () => browser.close(),
  };
}

class ChromiumPage implements BrowserPage {
  readonly engine = 'chromium';
  readonly problems: string[] = [];
  readonly webSockets: string[] = [];

  constructor(
    private readonly context: PwContext,
    private readonly page: PwPage,
  ) {
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (error) => this.problems.push(`pageerror: ${error.message}`));
    page.on('websocket', (ws) => this.webSockets.push(ws.url()));
  }

  async goto(url: string) {
    await this.page.goto(url);
  }
  evaluate(fn: (arg?: any) => any, arg?: unknown): Promise<any> {
    return this.page.evaluate(fn, arg);
  }
  async waitForFunction(fn: (arg?: any) => unknown, arg?: unknown) {
    await this.page.waitForFunction(fn, arg).catch((error: unknown) => Promise.reject(waitFailed(fn, error)));
  }
  async waitForSelector(selector: string, state: 'attached' | 'detached' | 'visible' = 'visible') {
    await this.page.waitForSelector(selector, { state });
  }
  click(selector: string) {
    return this.page.click(selector);
  }
  fill(selector: string, text: string) {
    return this.page.fill(selector, text);
  }
  textContent(selector: string) {
    return this.page.textContent(selector);
  }
  getAttribute(selector: string, name: string) {
    return this.page.getAttribute(selector, name);
  }
  async screenshot(path: string) {
    await this.page.screenshot({ path });
  }
  setOffline(offline: boolean) {
    return this.context.setOffline(offline);
  }
  /** As DevTools sees them: `DOMDebugger.getEventListeners`, which no page script can hide from. */
  async eventListeners() {
    const cdp = await this.context.newCDPSession(this.page);
    try {
      const types: string[] = [];
      for (const expression of ['window', 'document']) {
        const { result } = await cdp.send('Runtime.evaluate', { expression });
        const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId! });
        types.push(...listeners.map((l) => `${expression}:${l.type}`));
      }
      return types.sort();
    } finally {
      await cdp.detach();
    }
  }
  close() {
    return this.context.close();
  }
}

/**
 * Installed before any script of the page: records the listeners added to and removed from `window` and `document`.
 * WebDriver BiDi has no counterpart of DevTools' `getEventListeners`.
 */
const RECORD_LISTENERS = `(() => {
  const live = [];
  const owner = (target) => (target === window ? 'window' : target === document ? 'document' : undefined);
  const capture = (options) => (typeof options === 'boolean' ? options : !!(options && options.capture));
  const { addEventListener, removeEventListener } = EventTarget.prototype;
  const find = (name, type, listener, options) =>
    live.findIndex((l) => l.name === name && l.type === type && l.listener === listener && l.capture === capture(options));
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    const name = owner(this);
    if (name && listener && find(name, type, listener, options) < 0) live.push({ name, type, listener, capture: capture(options) });
    return addEventListener.call(this, type, listener, options);
  };
  EventTarget.prototype.removeEventListener = function (type, listener, options) {
    const name = owner(this);
    const i = name ? find(name, type, listener, options) : -1;
    if (i >= 0) live.splice(i, 1);
    return removeEventListener.call(this, type, listener, options);
  };
  Object.defineProperty(window, '__listeners', { value: () => live.map((l) => l.name + ':' + l.type) });
})();`;

class FirefoxPage implements BrowserPage {
  readonly engine = 'firefox';
  readonly problems: string[] = [];
  readonly webSockets: string[] = [];

  constructor(
    private readonly context: PpContext,
    private readonly page: PpPage,
  ) {
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (error) => this.problems.push(`pageerror: ${(error as Error).message}`));
    // BiDi reports a WebSocket handshake as the HTTP request it is (http://…, `Sec-Fetch-Mode: websocket`).
    page.on('request', (request) => {
      if (request.headers()['sec-fetch-mode'] === 'websocket') this.webSockets.push(request.url().replace(/^http/, 'ws'));
    });
  }

  async goto(url: string) {
    await this.page.goto(url);
  }
  evaluate(fn: (arg?: any) => any, arg?: unknown): Promise<any> {
    return this.page.evaluate(fn, arg);
  }
  async waitForFunction(fn: (arg?: any) => unknown, arg?: unknown) {
    await this.page
      .waitForFunction(fn, { polling: 20, timeout: WAIT_MS }, arg)
      .catch((error: unknown) => Promise.reject(waitFailed(fn, error)));
  }
  async waitForSelector(selector: string, state: 'attached' | 'detached' | 'visible' = 'visible') {
    await this.waitForFunction(
      ({ selector, state }) => {
        const el = document.querySelector(selector);
        if (state === 'detached') return !el;
        if (state === 'attached') return !!el;
        return !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
      },
      { selector, state },
    );
  }
  async click(selector: string) {
    await this.waitForSelector(selector);
    await this.page.click(selector);
  }
  async fill(selector: string, text: string) {
    await this.page.locator(selector).fill(text);
  }
  async textContent(selector: string) {
    await this.waitForSelector(selector, 'attached');
    return this.page.$eval(selector, (el) => el.textContent);
  }
  async getAttribute(selector: string, name: string) {
    await this.waitForSelector(selector, 'attached');
    return this.page.$eval(selector, (el, name) => el.getAttribute(name), name);
  }
  async screenshot(path: string) {
    await this.page.screenshot({ path: path as `${string}.png` });
  }
  setOffline(offline: boolean) {
    return this.page.setOfflineMode(offline);
  }
  async eventListeners() {
    return ((await this.page.evaluate(() => (window as unknown as { __listeners(): string[] }).__listeners())) as string[]).sort();
  }
  close() {
    return this.context.close();
  }
}

/** Names the condition that was never met: a driver's own timeout error does not. */
function waitFailed(fn: (arg?: any) => unknown, cause: unknown): Error {
  const message = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new Error(`${message}: waiting in the page for ${String(fn).replace(/\s+/g, ' ').slice(0, 300)}`, { cause });
}

/** A fresh page (own context) with the test page loaded and `window.TD` ready. */
export async function openTestPage(browser: TestBrowser): Promise<BrowserPage> {
  const page = await browser.newPage();
  await page.goto(`${inject('pageOrigin')}/`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true' && !!window.TD);
  await page.evaluate(() => {
    window.T = {};
  });
  return page;
}

/**
 * Tracks what a test opened (pages, servers) and releases all of it, in reverse order, even after a failure.
 * Page-side clients are closed by closing their context; the server then sees every socket gone.
 */
export class Resources {
  private readonly closers: Array<() => Promise<unknown> | unknown> = [];

  add<T>(resource: T, close: (resource: T) => Promise<unknown> | unknown): T {
    this.closers.push(() => close(resource));
    return resource;
  }

  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    for (const close of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length) throw errors[0];
  }
}

/** Polls a Node-side condition (server state) with a deadline. */
export async function until(condition: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
