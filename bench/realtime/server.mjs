// Frame source for bench/realtime/run.mjs, in its own process so that sending costs no CPU in the measured one.
// Every connection: waits for the client's first frame (a `subscribe`, or `{"action":"go"}` from the raw contender),
// answers a subscribe with an empty snapshot, then streams `count` live message frames. The frames are encoded to
// WebSocket wire format once, in 1,000-frame blocks written straight to the TCP socket, so the sender is never the
// bottleneck and the receiving process (the one measured) runs flat out.
import { readFileSync } from 'node:fs';
import { WebSocketServer } from 'ws';

const corpus = process.argv[2];
const frames = readFileSync(corpus, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line))
  .filter((r) => r.dir === 'in' && r.data.action === 'publish' && r.data.payload.topic.endsWith('/messages') && !Array.isArray(r.data.payload.message))
  .map((r) => Buffer.from(JSON.stringify(r.data)));
const topic = JSON.parse(frames[0].toString()).payload.topic;

/** Unmasked server-to-client text frames (RFC 6455 §5.2), concatenated. */
function encode(payloads) {
  return Buffer.concat(
    payloads.flatMap((payload) => {
      const n = payload.length;
      const head = n < 126 ? Buffer.from([0x81, n]) : n < 65536 ? Buffer.from([0x81, 126, n >> 8, n & 255]) : null;
      if (!head) throw new Error('frame too large for this encoder');
      return [head, payload];
    }),
  );
}
const BLOCK = 1000;
// Frame order within a block follows the corpus, so block boundaries do not bias the mix.
const block = encode(Array.from({ length: BLOCK }, (_, i) => frames[i % frames.length]));

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (socket, req) => {
  const count = Number(new URL(req.url, 'http://x').searchParams.get('count'));
  socket.once('message', (data) => {
    const first = JSON.parse(String(data));
    if (first.action === 'subscribe') socket.send(JSON.stringify({ action: 'publish', payload: { topic, method: 'CREATE', message: [] } }));
    const tcp = socket._socket;
    let sent = 0;
    const pump = () => {
      while (sent < count) {
        const n = Math.min(BLOCK, count - sent);
        const chunk = n === BLOCK ? block : encode(Array.from({ length: n }, (_, i) => frames[(sent + i) % frames.length]));
        sent += n;
        if (!tcp.write(chunk)) return void tcp.once('drain', pump);
      }
    };
    pump();
  });
});
wss.on('listening', () =>
  process.send({ port: wss.address().port, topic, sizes: frames.map((f) => f.length) }),
);
process.on('disconnect', () => process.exit(0));
