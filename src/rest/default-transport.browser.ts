import { ValidationError } from './errors.js';
import { fetchTransport, type Transport } from './transport.js';

/** Options of the default transport; the browser one has none to honour (the browser pools connections itself). */
export interface DefaultTransportOptions {
  connections?: number;
  keepAliveTimeoutMs?: number;
}

/** Browsers, workers, Deno, Bun: the global `fetch`, looked up at call time so polyfills and mocks installed later win. */
export function createDefaultTransport(_options?: DefaultTransportOptions): Transport {
  if (typeof globalThis.fetch !== 'function') {
    // A typed error naming the option to set, as for any other bad configuration.
    throw new ValidationError('fetch', 'is required where there is no global fetch');
  }
  return fetchTransport((url, init) => globalThis.fetch(url, init));
}
