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
  let agent: Agent | undefined;
  const pool = () =>
    (agent ??= new Agent({
      connections: options.connections ?? 64,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
    }));
  return {
    // The body undici returns ends as soon as the signal aborts, and so does a request on a socket. One still queued
    // for a socket of the pool (all `connections` busy) ends only when it leaves the queue: an abort or a timeout
    // waited for the hung call ahead of it. Raced here, and only here: not the body too, as the core would.
    abortable: true,
    async request(req) {
      const res = await raceSignal(pool().request({
        origin: req.origin,
        path: req.path,
        method: req.method as 'GET',
        headers: req.headers,
        body: req.body ?? null,
        signal: req.signal,
      }), req.signal);
      return { status: res.statusCode, headers: res.headers, text: () => res.body.text() };
    },
    async close() {
      const a = agent;
      agent = undefined;
      await a?.close();
    },
  };
}
