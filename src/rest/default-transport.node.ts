import { Agent } from 'undici';
import { raceSignal } from '../shared/abort.js';
import { checkInt } from './resource.js';
import type { Transport } from './transport.js';

/** Options of the default transport. */
export interface DefaultTransportOptions {
  /** Sockets per origin (default 64). */
  connections?: number;
  /** How long an idle keep-alive socket is kept (default 4 s, below Node's server default of 5 s to avoid reuse races). */
  keepAliveTimeoutMs?: number;
}

/**
 * Node: undici's `request` over a keep-alive pool owned by the client (closed by `client.close()`).
 * On Node 20 this is about twice as fast as the global `fetch`, which wraps the same pool in WHATWG streams
 * (see bench/rest/RESULTS.md).
 */
export function createDefaultTransport(options: DefaultTransportOptions = {}): Transport {
  // Checked when the client is made: undici refuses a bad value only at the first call, as a ConnectionError retried
  // on every call. (The browser transport has no pool and ignores it.)
  checkInt(options.connections, 'connections', 1);
  const connections = options.connections ?? 64;
  /** Calls between `request()` and the end of their body: each holds a socket of the pool, or waits for one. */
  let inFlight = 0;
  let agent: Agent | undefined;
  const pool = () =>
    (agent ??= new Agent({
      connections,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
    }));
  return {
    // undici ends a request on a socket, and the body it returns, as soon as the signal aborts; one still queued for a
    // socket (all `connections` busy) only when it leaves the queue, so an abort or a timeout waited for the hung call
    // ahead of it. Only such a call is raced against its signal: a race on every call costs about 2 µs (bench/rest).
    abortable: true,
    async request(req) {
      const queued = inFlight >= connections;
      // Counted until undici lets the call go: its body read, or its request failed (a queued call given up on below
      // still waits in the queue until then).
      inFlight++;
      const pending = (async () =>
        pool().request({
          origin: req.origin,
          path: req.path,
          method: req.method as 'GET',
          headers: req.headers,
          body: req.body ?? null,
          signal: req.signal,
        }))().catch((error: unknown) => {
        inFlight--;
        throw explainTlsMismatch(error, req.origin);
      });
      const res = await (queued ? raceSignal(pending, req.signal) : pending);
      return { status: res.statusCode, headers: res.headers, text: () => res.body.text().finally(() => inFlight--) };
    },
    async close() {
      const a = agent;
      agent = undefined;
      await a?.close();
    },
  };
}

/**
 * An https:// URL for a plain-HTTP server (a self-hosted one on port 3000, the local test server) fails the TLS
 * handshake with OpenSSL's own words (`…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:…`), which
 * name neither the URL nor the fix. The code is kept: it is the `causeCode` of the `ConnectionError`.
 */
function explainTlsMismatch(error: unknown, origin: string): unknown {
  if (error instanceof Error && (error as { code?: unknown }).code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    error.message = `${origin} does not answer TLS: if the server speaks plain HTTP (self-hosted on its port 3000, the local test server), use an http:// URL`;
  }
  return error;
}
