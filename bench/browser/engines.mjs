// The two browser engines of the browser benches, launched as the browser suite launches them (test/browser/helpers.ts):
// Debian's chromium through playwright-core, Debian's firefox-esr through puppeteer-core over WebDriver BiDi.
// Each opens one page in a fresh context; `close` ends the browser.
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

export const engines = {
  chromium: async () => {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await (await browser.newContext()).newPage();
    return { page, close: () => browser.close() };
  },
  firefox: async () => {
    const browser = await puppeteer.launch({ browser: 'firefox', executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', headless: true });
    const page = await (await browser.createBrowserContext()).newPage();
    return { page, close: () => browser.close() };
  },
};
