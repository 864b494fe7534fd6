import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:browser`: the SDK bundled for the browser and run in headless Chromium against the local server.
// Test files run in Node (they own the local server, its fault controls and the browser) and drive the page.
const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Node-side code of the tests (the local server, REST calls that set up data) uses the Node transport.
    alias: { '#default-transport': src('rest/default-transport.node.ts') },
  },
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/browser/global-setup.ts'],
    // One file at a time: Chromium, the local server and vitest share two cores.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
