/**
 * Runs once, in the main vitest process, before the browser suite: builds the package into a scratch app, bundles
 * the test page's code (`page/app.js`) for the browser, refuses to go on if a Node-only module got in, and serves
 * the page from its own origin (so every call to the local Tiledesk server is a real cross-origin `fetch`/WebSocket).
 * The teardown stops the static server and deletes the scratch app, whatever happened.
 */
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import { buildPackage, bundleForBrowser, nodeOnlyInputs, unresolvedNodeImports } from './build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>`: serves `/` (the test page) and `/app.js` (its bundle). */
    pageOrigin: string;
    /** The scratch app with the built package in node_modules/tiledesk-sdk. */
    appDir: string;
  }
}

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>tiledesk-sdk browser tests</title></head>
<body><main id="out"></main><script type="module" src="/app.js"></script></body>
</html>`;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let app: string | undefined;
  let server: Server | undefined;
  const teardown = async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    if (app) rmSync(app, { recursive: true, force: true });
  };
  try {
    app = await buildPackage();
    const source = readFileSync(new URL('./page/app.js', import.meta.url), 'utf8');
    const bundle = await bundleForBrowser(app, 'app', source);
    const bad = [...nodeOnlyInputs(bundle), ...unresolvedNodeImports(bundle.code)];
    if (bad.length) throw new Error(`Node-only modules in the browser bundle of the test page: ${bad.join(', ')}`);

    const routes: Record<string, [string, string]> = {
      '/': ['text/html; charset=utf-8', PAGE],
      '/app.js': ['text/javascript; charset=utf-8', bundle.code],
    };
    server = createServer((req, res) => {
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': route[0], 'cache-control': 'no-store' }).end(route[1]);
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    project.provide('pageOrigin', `http://127.0.0.1:${port}`);
    project.provide('appDir', app);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
