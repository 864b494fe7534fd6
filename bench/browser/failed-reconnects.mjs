// How soon each browser engine really connects again after a WebSocket connection failed, with no SDK in between:
// a page opens 12 WebSockets in a row to an endpoint that answers every upgrade with 503, each as soon as the one
// before has closed, and the server records when each upgrade request arrives. Firefox spaces them out (RFC 6455
// §7.2.3, `network.websocket.delay-failed-reconnects`); Chromium does not. docs/realtime.md#browsers cites the result.
//
//   node bench/browser/failed-reconnects.mjs    (needs Debian's chromium and firefox-esr, like npm run test:browser)
import { createServer } from 'node:http';
import { engines } from './engines.mjs';

const ATTEMPTS = 12;

for (const [name, launch] of Object.entries(engines)) {
  let t0 = 0;
  const arrivals = [];
  const server = createServer((req, res) => res.end('<!doctype html><title>bench</title>'));
  server.on('upgrade', (req, socket) => {
    arrivals.push(Date.now() - t0);
    socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const { page, close } = await launch();
  try {
    await page.goto(`${origin}/`);
    t0 = Date.now();
    await page.evaluate(async ({ url, attempts }) => {
      for (let i = 0; i < attempts; i++) await new Promise((resolve) => (new WebSocket(url).onclose = resolve));
    }, { url: `${origin.replace('http', 'ws')}/`, attempts: ATTEMPTS });
  } finally {
    await close();
    server.close();
  }
  const gaps = arrivals.slice(1).map((ms, i) => ((ms - arrivals[i]) / 1000).toFixed(2));
  console.log(`${name}: ${arrivals.length} upgrades in ${(arrivals.at(-1) / 1000).toFixed(2)} s; gaps (s): ${gaps.join(', ')}`);
}
