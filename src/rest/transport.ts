/**
 * The seam between the request core and the network. A transport sends one HTTP request and hands back the
 * status, the headers and a way to read the body; everything else (auth, retries, timeouts, errors) is the core's.
 * The core passes an `AbortSignal` that covers the whole exchange, body included: a transport must reject
 * `text()` when it fires.
 */
export interface TransportRequest {
  method: string;
  /** `scheme://host[:port]`, no trailing slash. */
  origin: string;
  /** Path and query, starting with `/` (the base URL's own path prefix included). */
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
}

export interface TransportResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  /** Reads the whole body as text. Called at most once. */
  text(): Promise<string>;
}

/**
 * @example
 * ```ts
 * const transport: Transport = { request: async (req) => myHttp(req) };
 * ```
 */
export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  /**
   * True when `request()` and `text()` reject as soon as the signal aborts, whatever the server does (undici's
   * `request` does): the core then does not race them against the signal itself. Leave it unset when unsure.
   */
  readonly abortable?: boolean;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}

/** The `fetch` signature the SDK needs (the global one, undici's, node-fetch, a test double…). */
export type FetchLike = (input: string, init: {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}) => Promise<{
  status: number;
  headers: { forEach(cb: (value: string, key: string) => void): void };
  text(): Promise<string>;
}>;

/** A transport over any `fetch`: the browser default, and what a user-supplied `fetch` option becomes. */
export function fetchTransport(fetchImpl: FetchLike): Transport {
  return {
    async request(req) {
      const init: Parameters<FetchLike>[1] = { method: req.method, headers: req.headers, signal: req.signal };
      if (req.body !== undefined) init.body = req.body;
      const res = await fetchImpl(req.origin + req.path, init);
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => {
        headers[key.toLowerCase()] = value;
      });
      return { status: res.status, headers, text: () => res.text() };
    },
  };
}
