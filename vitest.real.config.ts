import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:real`: conformance scenarios and SDK flows against a real Tiledesk server (TILEDESK_REAL_URL).
export default defineConfig({
  resolve: {
    alias: {
      '#default-transport': fileURLToPath(new URL('./src/rest/default-transport.node.ts', import.meta.url)),
      '#websocket': fileURLToPath(new URL('./src/realtime/websocket.node.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/conformance/**/*.test.ts', 'test/real/**/*.real.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
