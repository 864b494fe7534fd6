import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { EXPRESS_QUERY_OPTIONS, parseQueryString } from './qs.js';

/**
 * What a handler answers. `hang` reproduces the real server's routes that never respond (an exception thrown
 * inside an async callback): the socket stays open and nothing is written until the client gives up.
 */
export type Reply =
  | { kind: 'json'; status: number; body: unknown; cors?: boolean; headers?: Record<string, string> }
  | {
      kind: 'text';
      status: number;
      body: string;
      contentType?: string;
      cors?: boolean;
      headers?: Record<string, string>;
      /** `res.send` adds an ETag; `res.end` (passport) and Express's final handler do not. */
      etag?: boolean;
    }
  | { kind: 'hang' };

export const json = (status: number, body: unknown): Reply => ({ kind: 'json', status, body });
export const hang = (): Reply => ({ kind: 'hang' });

/** Express's default final handler for an unmatched route. */
export function expressNotFound(method: string, path: string): Reply {
  const body =
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n' +
    `<pre>Cannot ${escapeHtml(method)} ${escapeHtml(path)}</pre>\n</body>\n</html>\n`;
  return {
    kind: 'text',
    status: 404,
    body,
    contentType: 'text/html; charset=utf-8',
    headers: { 'Content-Security-Policy': "default-src 'none'", 'X-Content-Type-Options': 'nosniff' },
  };
}

/** The app-level error handler's answer (`app.js`): any thrown error, malformed JSON included. */
export const internalError = (cors = true): Reply => ({ kind: 'json', status: 500, body: { err: 'error' }, cors });

/**
 * Thrown by handlers where the real route throws synchronously (Express catches it → 500 `{"err":"error"}`),
 * e.g. calling `.split` on a repeated query parameter.
 */
export class RouteCrash extends Error {}

/** Thrown where the real route throws inside an async callback: no response is ever sent. */
export class RouteHang extends Error {}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Express's weak ETag (`etag` module): length in hex and a truncated base64 SHA-1. */
export function weakEtag(body: Buffer): string {
  const hash = createHash('sha1').update(body).digest('base64').substring(0, 27);
  return `W/"${body.length.toString(16)}-${hash}"`;
}

/** Writes a reply with the headers Express + cors would send. Returns false when the reply must hang. */
export function writeReply(req: IncomingMessage, res: ServerResponse, reply: Reply): boolean {
  if (reply.kind === 'hang') return false;
  const headers: Record<string, string> = { 'X-Powered-By': 'Express' };
  if (reply.cors !== false) headers['Access-Control-Allow-Origin'] = '*';
  if (reply.headers) Object.assign(headers, reply.headers);
  let payload: Buffer;
  if (reply.kind === 'json') {
    headers['Content-Type'] = 'application/json; charset=utf-8';
    payload = Buffer.from(JSON.stringify(reply.body) ?? '', 'utf8');
  } else {
    if (reply.contentType) headers['Content-Type'] = reply.contentType;
    payload = Buffer.from(reply.body, 'utf8');
  }
  if (reply.kind === 'json' || reply.etag === true) {
    const etag = weakEtag(payload);
    headers.ETag = etag;
    const method = req.method ?? 'GET';
    const fresh = (method === 'GET' || method === 'HEAD') && reply.status >= 200 && reply.status < 300 && isFresh(req.headers, etag);
    if (fresh) {
      delete headers['Content-Type'];
      res.writeHead(304, headers);
      res.end();
      return true;
    }
  }
  headers['Content-Length'] = String(payload.length);
  res.writeHead(reply.status, headers);
  res.end(req.method === 'HEAD' ? undefined : payload);
  return true;
}

/**
 * Express's `req.fresh` (the `fresh` package): a conditional request whose validators all hold. `Cache-Control:
 * no-cache` (which `fetch` adds to every conditional request) forces a full answer; the JSON replies carry no
 * `Last-Modified`, so an `If-Modified-Since` never holds.
 */
function isFresh(headers: IncomingMessage['headers'], etag: string): boolean {
  const noneMatch = headers['if-none-match'];
  const modifiedSince = headers['if-modified-since'];
  if (!noneMatch && !modifiedSince) return false;
  if (/(?:^|,)\s*?no-cache\s*?(?:,|$)/.test(headers['cache-control'] ?? '')) return false;
  if (noneMatch && noneMatch !== '*') {
    const bare = etag.replace(/^W\//, '');
    if (!noneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === bare)) return false;
  }
  return !modifiedSince;
}

/** Query string parsed like Express's default (`qs`, extended): repeated keys → arrays, `a[b]=c` → objects. */
export type QueryValue = string | QueryValue[] | { [key: string]: QueryValue };
export type Query = Record<string, QueryValue>;

/** `req.query` as Express 4 builds it (see qs.ts): nested objects, indexed arrays, ordinary prototypes. */
export function parseQuery(search: string): Query {
  return parseQueryString(search, EXPRESS_QUERY_OPTIONS) as Query;
}

/** `bytes.parse` as used by body-parser: `'500kb'` → 512000. */
export function parseByteLimit(limit: string | number): number {
  if (typeof limit === 'number') return limit;
  const match = /^((-|\+)?(\d+(?:\.\d+)?)) *(kb|mb|gb|tb|pb|b)?$/i.exec(limit.trim());
  if (!match) throw new TypeError(`invalid byte limit: ${limit}`);
  const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 };
  return Math.floor(parseFloat(match[1]!) * (units[(match[4] ?? 'b').toLowerCase()] ?? 1));
}

/** Outcome of reading a body the way `bodyParser.json` + `bodyParser.urlencoded` do. */
export type BodyResult =
  | { ok: true; body: unknown }
  | { ok: false; reason: 'too-large' | 'too-many-parameters' | 'malformed' | 'too-deep' | 'unsupported-encoding' | 'unsupported-charset' | 'aborted' };

/** body-parser's `parameterLimit` default for urlencoded bodies: more `&`-separated pieces is a 413. */
export const FORM_PARAMETER_LIMIT = 1_000;

/** body-parser's `parameterCount`: the `&`-separated pieces of a form body, or undefined past `limit`. */
function formParameterCount(text: string, limit: number): number | undefined {
  let count = 0;
  let index = -1;
  do {
    if (++count > limit) return undefined;
    index = text.indexOf('&', index + 1);
  } while (index !== -1);
  return count;
}

/**
 * Deepest object/array nesting a JSON body may have. `JSON.parse` accepts any depth, but what the routes store is
 * serialised again on every read, and `JSON.stringify` overflows the stack at a few thousand levels: one such body
 * stored in a conversation made every later list of its project answer 500 (and its WebSocket snapshot throw).
 * MongoDB itself refuses documents nested deeper than 100 levels, so nothing a real server could store is refused.
 */
export const MAX_JSON_DEPTH = 1_000;

/** Whether a JSON text (already known to parse) nests objects/arrays deeper than `limit`. One pass, no recursion. */
function nestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * The Content-Type as body-parser sees it: type-is (media-typer) parses the header strictly, and a header it cannot
 * parse (`application/json; charset=`, `application/json;;`) matches no parser, so the body is ignored. The charset
 * (lower-cased) is that of the `content-type` package, which reads the same grammar.
 */
function parseContentType(header: string): { type: string; charset?: string } | undefined {
  if (!header) return undefined;
  const semicolon = header.indexOf(';');
  const typeMatch = /^ *([A-Za-z0-9][A-Za-z0-9!#$&^_-]{0,126})\/([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}) *$/.exec((semicolon === -1 ? header : header.slice(0, semicolon)).toLowerCase());
  if (!typeMatch) return undefined;
  const param = /; *([!#$%&'*+\-.0-9A-Z^_`a-z|~]+) *= *("(?:[ !\u0023-\u005b\u005d-\u007e\u0080-\u00ff]|\\[\u0020-\u007e])*"|[!#$%&'*+\-.0-9A-Z^_`a-z|~]+) */g;
  let index = semicolon;
  let charset: string | undefined;
  if (index !== -1) {
    param.lastIndex = index;
    let match: RegExpExecArray | null;
    while ((match = param.exec(header))) {
      if (match.index !== index) return undefined;
      index += match[0].length;
      let value = match[2]!;
      if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\([\u0000-\u007f])/g, '$1');
      if (match[1]!.toLowerCase() === 'charset') charset = value.toLowerCase();
    }
    if (index !== header.length) return undefined;
  }
  return { type: `${typeMatch[1]}/${typeMatch[2]}`, ...(charset ? { charset } : {}) };
}

/**
 * The `utf-*` charsets this server decodes a JSON body in, as iconv-lite does under body-parser (which refuses any
 * charset not starting with `utf-`). iconv-lite also knows utf-7 and utf-32, which are refused here.
 */
const DECODABLE_JSON_CHARSETS = new Set(['utf-8', 'utf-16', 'utf-16le', 'utf-16be']);

/** iconv-lite's decoding: a byte-order mark is dropped; utf-16 without one is read little-endian. */
function decodeBody(bytes: Buffer, charset: string): string {
  let encoding = charset === 'utf-16' ? 'utf-16le' : charset;
  let start = 0;
  if (charset === 'utf-16' && bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf-16be';
  if (encoding === 'utf-8' && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  // TextDecoder drops a matching utf-16 byte-order mark itself.
  return encoding === 'utf-8' ? bytes.toString('utf8', start) : new TextDecoder(encoding).decode(bytes);
}

/**
 * Reads and parses the request body. JSON (strict: top level must be an object or array) and urlencoded are
 * parsed; any other content type leaves `{}` like body-parser. A `Content-Encoding` of `gzip` or `deflate` is
 * inflated, any other but `identity` is refused (unsupported-encoding). Over `limit` bytes, counted after
 * inflating → too-large (413).
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyResult> {
  const contentType = parseContentType(String(req.headers['content-type'] ?? ''));
  const isJson = contentType?.type === 'application/json';
  const isForm = contentType?.type === 'application/x-www-form-urlencoded';
  // type-is's `hasBody`: a Content-Length, even 0, counts (an empty body still meets the charset check).
  const hasBody = req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
  if (!hasBody || (!isJson && !isForm)) {
    req.resume();
    return Promise.resolve({ ok: true, body: {} });
  }
  // body-parser checks the charset before it reads anything: JSON takes any `utf-*` it can decode, a form only
  // utf-8; anything else is its 415, which the app's error handler answers like malformed JSON.
  const charset = contentType!.charset ?? 'utf-8';
  if (isJson ? !DECODABLE_JSON_CHARSETS.has(charset) : charset !== 'utf-8') {
    req.resume();
    return Promise.resolve({ ok: false, reason: 'unsupported-charset' });
  }
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
    req.resume();
    return Promise.resolve({ ok: false, reason: 'unsupported-encoding' });
  }
  // body-parser compares the declared length with the limit only when nothing is inflated: a compressed length
  // says nothing about the size that counts.
  const declared = Number(req.headers['content-length']);
  if (encoding === 'identity' && Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ ok: false, reason: 'too-large' });
  }
  // The same streams as body-parser (`createGunzip`, `createInflate`), so what fails to inflate there fails here.
  // Streamed rather than inflated in one go, so that a small body inflating to gigabytes (a zip bomb) is refused
  // as soon as `limit` is passed.
  const inflater = encoding === 'gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : undefined;
  const source: Readable = inflater ?? req;
  if (inflater) {
    // Errors after the outcome is settled (the rest of a refused body) have no one left to hear them.
    inflater.on('error', () => undefined);
    req.pipe(inflater);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      source.off('data', onData);
      source.off('end', onEnd);
      inflater?.off('error', onInflateError);
      req.off('error', onError);
      req.off('aborted', onError);
      if (inflater) {
        req.unpipe(inflater);
        inflater.destroy();
      }
      if (!result.ok || inflater) req.resume();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish({ ok: false, reason: 'too-large' });
      chunks.push(chunk);
    };
    const onEnd = () => {
      const text = decodeBody(Buffer.concat(chunks), charset);
      if (isForm) {
        const count = formParameterCount(text, FORM_PARAMETER_LIMIT);
        if (count === undefined) return finish({ ok: false, reason: 'too-many-parameters' });
        // body-parser's extended parser: depth 32 with strictDepth (deeper is its 400), arrays up to the part count.
        try {
          return finish({ ok: true, body: parseQueryString(text, { arrayLimit: Math.max(100, count), depth: 32, strictDepth: true, parameterLimit: FORM_PARAMETER_LIMIT }) });
        } catch {
          return finish({ ok: false, reason: 'malformed' });
        }
      }
      if (text.length === 0) return finish({ ok: true, body: {} });
      const first = /^[\x20\x09\x0a\x0d]*(.)/.exec(text)?.[1];
      if (first !== '{' && first !== '[') return finish({ ok: false, reason: 'malformed' });
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return finish({ ok: false, reason: 'malformed' });
      }
      finish(nestedDeeperThan(text, MAX_JSON_DEPTH) ? { ok: false, reason: 'too-deep' } : { ok: true, body });
    };
    const onError = () => finish({ ok: false, reason: 'aborted' });
    // A body that does not inflate is body-parser's 400, which the app's error handler answers like malformed JSON.
    const onInflateError = () => finish({ ok: false, reason: 'malformed' });
    // A client that stops sending mid-body must not pin the handler (and its socket) forever.
    const timer = setTimeout(() => finish({ ok: false, reason: 'aborted' }), timeoutMs);
    source.on('data', onData);
    source.on('end', onEnd);
    inflater?.on('error', onInflateError);
    req.on('error', onError);
    req.on('aborted', onError);
  });
}
