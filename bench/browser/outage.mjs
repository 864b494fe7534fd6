// What a server outage costs a browser `RealtimeClient` with the default options: does it ride the outage out, or end
// in `failed` because its closes before open were taken for a rejected token (a browser cannot see the HTTP status)?
// The page's client connects to the local server; the server then goes down for OUTAGE_S seconds, during which a
// stand-in "proxy" on its port answers every request and upgrade with 502 and no CORS headers (what nginx in front of a
// stopped backend does); then the server is back. Two variants, each in a fresh browser:
//   probe     the default environment (the page's window, with fetch): each close before open is followed by a GET
//             of the WebSocket URL; a failed or 5xx probe means "down", not "bad token"
//   no probe  the same environment without fetch: every close before open counts (as before the probe existed)
//
//   npm run build && node bench/browser/outage.mjs [outage in seconds, default 120]
//   (needs Debian's chromium and firefox-esr, like npm run test:browser)
import { createServer } from 'node:http';
import { build } from 'esbuild';
import { engines } from './engines.mjs';
import { startTiledeskServer } from '../../dist/testing.js';

const OUTAGE_S = Number(process.argv[2] ?? 120);
const AFTER_S = 45; // how long to wait for the reconnect once the server is back (the backoff cap is 30 s)

// The package as a browser app gets it: dist/realtime.js, `#websocket` resolved by package.json "imports" (not by the
// repository's tsconfig `paths`, which point it at the Node file for the Node tests).
const bundle = await build({
  stdin: { contents: "export { RealtimeClient } from './dist/realtime.js';", resolveDir: process.cwd() },
  bundle: true, format: 'iife', globalName: 'TD', platform: 'browser', write: false, logLevel: 'error', tsconfigRaw: '{}',
});
const page = `<!doctype html><title>outage bench</title><script>${bundle.outputFiles[0].text}</script>`;
const origin = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
await new Promise((resolve) => origin.listen(0, '127.0.0.1', resolve));
const pageUrl = `http://127.0.0.1:${origin.address().port}/`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// The local server and the browser drivers do not hold the event loop open while a page works: this does.
const keepAlive = setInterval(() => {}, 60_000);
const rows = [];
for (const [engine, launch] of Object.entries(engines)) {
  for (const variant of ['probe', 'no probe']) {
    const server = await startTiledeskServer();
    const { page: tab, close } = await launch();
    try {
      await tab.goto(pageUrl);
      await tab.evaluate(({ url, token, probe }) => {
        const env = probe ? window : { addEventListener: window.addEventListener.bind(window), removeEventListener: window.removeEventListener.bind(window), navigator, document };
        window.log = [];
        window.t0 = 0;
        window.rt = new TD.RealtimeClient({ url, token, environment: env });
        window.rt.on('state', (s) => window.log.push([s.state, s.error?.code, performance.now()]));
        return window.rt.connect();
      }, { url: server.wsUrl, token: server.owner.token, probe: variant === 'probe' });

      let upgrades = 0;
      let probes = 0;
      let backAt = 0;
      await server.restart({
        whileDown: async () => {
          const proxy = createServer((req, res) => {
            probes++;
            res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>502 Bad Gateway</h1>');
          });
          proxy.on('upgrade', (req, socket) => {
            upgrades++;
            socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
          });
          await new Promise((resolve) => proxy.listen(server.port, '127.0.0.1', resolve));
          await tab.evaluate(() => (window.t0 = performance.now()));
          await sleep(OUTAGE_S * 1000);
          proxy.closeAllConnections();
          await new Promise((resolve) => proxy.close(resolve));
          backAt = await tab.evaluate(() => performance.now() - window.t0);
        },
      });
      const deadline = Date.now() + AFTER_S * 1000;
      while (Date.now() < deadline && !(await tab.evaluate(() => ['open', 'failed'].includes(window.rt.state)))) await sleep(100);
      const { log, t0 } = await tab.evaluate(() => ({ log: window.log, t0: window.t0 }));
      const failed = log.find(([state]) => state === 'failed');
      const reopened = log.find(([state, , at]) => state === 'open' && at > t0);
      rows.push({
        engine,
        variant,
        upgrades,
        probes,
        outcome: failed
          ? `failed (${failed[1]}) ${((failed[2] - t0) / 1000).toFixed(1)} s into the outage`
          : reopened
            ? `open again ${((reopened[2] - t0 - backAt) / 1000).toFixed(1)} s after the server was back`
            : `still ${log.at(-1)?.[0]} ${AFTER_S} s after the server was back`,
      });
      console.log(rows.at(-1));
      await tab.evaluate(() => window.rt.close());
    } finally {
      await close();
      await server.close();
    }
  }
}
origin.close();
clearInterval(keepAlive);

console.log(`\n${OUTAGE_S} s outage (502 without CORS headers), default client options:\n`);
console.log('| engine | variant | upgrades during the outage | probes | outcome |\n|---|---|---:|---:|---|');
for (const r of rows) console.log(`| ${r.engine} | ${r.variant} | ${r.upgrades} | ${r.probes} | ${r.outcome} |`);
