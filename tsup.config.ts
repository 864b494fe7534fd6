import { defineConfig } from 'tsup';

// One build for every subpath export. `#default-transport` and `#websocket` stay external so the package.json
// "imports" map picks the Node (undici, ws) or the browser (fetch, the global WebSocket) implementation at resolve
// time: no Node-only module can reach a browser bundle, and Node users get them without configuring anything.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    schemas: 'src/schemas.ts',
    realtime: 'src/realtime/index.ts',
    messages: 'src/messages/index.ts',
    'messages-schemas': 'src/messages/schemas.ts',
    testing: 'src/testing/index.ts',
    node: 'src/node/index.ts',
    cli: 'src/cli/index.ts',
    'default-transport.node': 'src/rest/default-transport.node.ts',
    'default-transport.browser': 'src/rest/default-transport.browser.ts',
    'websocket.node': 'src/realtime/websocket.node.ts',
    'websocket.browser': 'src/realtime/websocket.browser.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  // Unminified output keeps stack traces readable; maps with embedded sources would triple the install size.
  sourcemap: false,
  clean: true,
  splitting: true,
  treeshake: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['#default-transport', '#websocket', /^node:/, 'undici', 'ws', 'zod'],
});
