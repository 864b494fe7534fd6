import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:browser`: the SDK bundled for the browser and run against the local server in two engines, one vitest
// project each: headless Chromium (playwright-core, CDP) and headless Firefox (puppeteer-core, WebDriver BiDi).
// `--project chromium` or `--project firefox` runs one. Test files run in Node (they own the local server, its fault
// controls and the browser) and drive the page through test/browser/helpers.ts.
const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Node-side code of the tests (the local server, REST calls that set up data) uses the Node transport.
    alias: { '#default-transport': src('rest/default-transport.node.ts'), '#websocket': src('realtime/websocket.node.ts') },
  },
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/browser/global-setup.ts'],
    // One file at a time, across both projects: a browser, the local server and vitest share two cores.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'chromium', provide: { engine: 'chromium' } },
      },
      {
        extends: true,
        // bundle.test.ts checks what esbuild makes of the package; no browser runs it, so once is enough.
        test: { name: 'firefox', exclude: ['test/browser/bundle.test.ts'], provide: { engine: 'firefox' } },
      },
    ],
  },
});
