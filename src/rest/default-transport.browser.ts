import { fetchTransport, type Transport } from './transport.js';

/** Options of the default transport; the browser one has none to honour (the browser pools connections itself). */
export interface DefaultTransportOptions {
  connections?: number;
  keepAliveTimeoutMs?: number;
}

/** Browsers, workers, Deno, Bun: the global `fetch`, looked up at call time so polyfills and mocks installed later win. */
export function createDefaultTransport(_options: DefaultTransportOptions = {}): Transport {
  if (typeof globalThis.fetch !== 'function') {
    throw new TypeError('tiledesk-sdk: no global fetch in this environment; pass the `fetch` option to TiledeskClient');
  }
  return fetchTransport((url, init) => globalThis.fetch(url, init));
}
