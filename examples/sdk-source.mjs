// Where each public entry of the package lives in this repository's sources. Used when the examples run against the
// sources (TILEDESK_SDK_FROM=src) instead of the built package (dist/, the default: what an app installs).
// test/examples checks that it lists every entry of package.json "exports".
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../', import.meta.url));

/** Public entry → source file (relative to the repository root). */
export const SDK_ENTRIES = {
  'tiledesk-sdk': 'src/index.ts',
  'tiledesk-sdk/schemas': 'src/schemas.ts',
  'tiledesk-sdk/realtime': 'src/realtime/index.ts',
  'tiledesk-sdk/messages': 'src/messages/index.ts',
  'tiledesk-sdk/messages/schemas': 'src/messages/schemas.ts',
  'tiledesk-sdk/testing': 'src/testing/index.ts',
  'tiledesk-sdk/node': 'src/node/index.ts',
};

/**
 * The package's own `#…` imports, as package.json "imports" maps them: the `node` file under the `node` condition
 * (undici, ws), the `browser` one elsewhere (fetch, the global WebSocket).
 */
export const PACKAGE_IMPORTS = {
  '#default-transport': { node: 'src/rest/default-transport.node.ts', browser: 'src/rest/default-transport.browser.ts' },
  '#websocket': { node: 'src/realtime/websocket.node.ts', browser: 'src/realtime/websocket.browser.ts' },
};

/** True when the examples should use the sources. */
export function sdkFromSource(env = process.env) {
  return env.TILEDESK_SDK_FROM === 'src';
}
