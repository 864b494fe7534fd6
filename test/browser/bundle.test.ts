/**
 * What a user's bundler makes of each public entry for a browser: the whole entry (`import * as`, nothing tree-shaken
 * away) contains no Node-only module, picks the fetch transport and the browser's own WebSocket. The same entry
 * bundled for Node is the control: there the resolver must pick undici, so the check can fail.
 */
import { describe, expect, inject, it } from 'vitest';
import { bundleForBrowser, nodeOnlyInputs, unresolvedNodeImports } from './build.js';

const app = inject('appDir');
const whole = (entry: string) => `import * as entry from '${entry}'; globalThis.entry = entry;`;

describe.each([
  ['tiledesk-sdk', 'rest'],
  ['tiledesk-sdk/schemas', 'schemas'],
  ['tiledesk-sdk/realtime', 'realtime'],
  ['tiledesk-sdk/messages', 'messages'],
  ['tiledesk-sdk/messages/schemas', 'message-schemas'],
])('%s bundled for the browser', (entry, name) => {
  it('contains no Node-only module (undici, ws, node:*, the undici transport, testing/node/cli code)', async () => {
    const bundle = await bundleForBrowser(app, `whole-${name}`, whole(entry));
    expect(bundle.inputs.some((path) => path.includes('node_modules/tiledesk-sdk/dist/'))).toBe(true);
    expect(nodeOnlyInputs(bundle)).toEqual([]);
    expect(unresolvedNodeImports(bundle.code)).toEqual([]);
  });
});

it('REST: #default-transport resolves to the fetch transport in a browser and to undici in Node', async () => {
  const browser = await bundleForBrowser(app, 'transport-browser', whole('tiledesk-sdk'));
  expect(browser.inputs.filter((p) => p.includes('default-transport'))).toEqual([
    expect.stringMatching(/dist\/default-transport\.browser\.js$/),
  ]);
  const node = await bundleForBrowser(app, 'transport-node', whole('tiledesk-sdk'), { platform: 'node' });
  expect(node.inputs.filter((p) => p.includes('default-transport'))).toEqual([
    expect.stringMatching(/dist\/default-transport\.node\.js$/),
  ]);
  // The control: the checks used above do see Node-only code when it is there.
  expect(nodeOnlyInputs(node).length + unresolvedNodeImports(node.code).length).toBeGreaterThan(0);
});

it('realtime: #websocket resolves to the global WebSocket in a browser and to ws in Node', async () => {
  const browser = await bundleForBrowser(app, 'ws-browser', whole('tiledesk-sdk/realtime'));
  expect(browser.inputs.filter((p) => /websocket\.|\/ws\//.test(p) && !p.includes('/src/'))).toEqual([expect.stringMatching(/dist\/websocket\.browser\.js$/)]);
  expect(nodeOnlyInputs(browser)).toEqual([]);
  // The control: for Node the same entry gets the ws half, and ws with it.
  const node = await bundleForBrowser(app, 'ws-node', whole('tiledesk-sdk/realtime'), { platform: 'node' });
  expect(node.inputs.filter((p) => p.includes('dist/websocket.'))).toEqual([expect.stringMatching(/dist\/websocket\.node\.js$/)]);
  expect(node.inputs).toContainEqual(expect.stringMatching(/node_modules\/ws\/lib\/websocket\.js$/));
});
