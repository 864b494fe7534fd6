import { Agent, request } from 'undici';

/** How a raw request authenticates: exactly the header a user would send, nothing derived. */
export type Auth =
  | { jwt: string } // the token as /auth/* returns it ("JWT eyJ…"), sent verbatim
  | { basic: readonly [email: string, password: string] }
  | { header: string }; // any Authorization value, e.g. "Bearer …" or a bare token

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  path: string;
  auth?: Auth;
  /** JSON-encoded and sent with Content-Type: application/json. */
  json?: unknown;
  /** Sent as is (bytes too, e.g. a compressed body); `contentType` defaults to application/json. */
  raw?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
  /** Defaults to 15 s. Steps that expect the server never to answer use a short one. */
  timeoutMs?: number;
}

export interface HttpResponse {
  /** 0 when the server sent no response within the timeout. */
  status: number;
  headers: Record<string, string>;
  text: string;
  json: unknown;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;

/**
 * Both servers order lists by millisecond timestamps (createdAt), and a fast server saves two consecutive writes in
 * the same millisecond, which makes their order undefined. Leaving this gap after each response gives every write of
 * a scenario its own millisecond, on any server.
 */
const GAP_BETWEEN_REQUESTS_MS = 3;

export function authorizationHeader(auth: Auth): string {
  if ('jwt' in auth) return auth.jwt;
  if ('basic' in auth) return `Basic ${Buffer.from(`${auth.basic[0]}:${auth.basic[1]}`).toString('base64')}`;
  return auth.header;
}

/** One undici agent per scenario and server, closed at the end, so no keep-alive socket outlives a scenario. */
export class RawHttp {
  private readonly agent = new Agent({ keepAliveTimeout: 1_000, connections: 8 });
  private lastResponseAt = 0;

  constructor(private readonly baseUrl: string) {}

  async send(req: HttpRequest): Promise<HttpResponse> {
    const wait = this.lastResponseAt + GAP_BETWEEN_REQUESTS_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      return await this.sendNow(req);
    } finally {
      this.lastResponseAt = Date.now();
    }
  }

  private async sendNow(req: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json, text/plain, */*', ...req.headers };
    if (req.auth) headers.authorization = authorizationHeader(req.auth);
    let body: string | Uint8Array | undefined;
    if (req.json !== undefined) body = JSON.stringify(req.json);
    if (req.raw !== undefined) body = req.raw;
    if (body !== undefined) headers['content-type'] = req.contentType ?? 'application/json';
    const timeoutMs = req.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    try {
      // `new URL('//x', base)` would read a path starting with `//` as a host: such paths are appended to the origin.
      const url = req.path.startsWith('//') ? new URL(`${new URL(this.baseUrl).origin}${req.path}`) : new URL(req.path, this.baseUrl);
      const response = await request(url, {
        method: req.method,
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await response.body.text();
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      let json: unknown;
      try {
        json = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.statusCode, headers: flat, text, json };
    } catch (error) {
      if (isTimeout(error)) return { status: 0, headers: {}, text: '', json: undefined };
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: string; code?: string } | null)?.name;
  const code = (error as { code?: string } | null)?.code;
  return (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_ABORTED'
  );
}
