import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: { '#default-transport': src('rest/default-transport.node.ts'), '#websocket': src('realtime/websocket.node.ts') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', 'test/real/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most files wait on sockets and timers, not the CPU: on CI's 2 cores three forks take the suite from 207 s to
    // 80 s (vitest's default there is one).
    maxWorkers: Math.max(3, availableParallelism()),
  },
});
