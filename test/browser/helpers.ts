/**
 * Chromium for the browser suite: Debian's `/usr/bin/chromium` (or `CHROMIUM_PATH`) driven by playwright-core, with
 * the flags this machine needs (no sandbox as root, no GPU, no QUIC, no background traffic to Google's hosts).
 * Playwright gives every launch a new empty profile directory and deletes it on close.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
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

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Every wait in the page and on the page has a deadline. */
export const WAIT_MS = 10_000;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30_000 });
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions and console errors of the page, for failure messages. */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh context (no shared cache or storage) with the test page loaded and `window.TD` ready. */
export async function openTestPage(browser: Browser): Promise<TestPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  await page.goto(`${inject('pageOrigin')}/`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true' && !!window.TD);
  await page.evaluate(() => {
    window.T = {};
  });
  return {
    context,
    page,
    problems,
    close: () => context.close(),
  };
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
