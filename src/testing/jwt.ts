import { createHmac, timingSafeEqual } from 'node:crypto';

/** Claims of a token; the real server puts the whole user document in the payload, so anything goes. */
export type JwtPayload = Record<string, unknown>;

const base64url = (input: Buffer | string): string => Buffer.from(input).toString('base64url');

/**
 * Signs an HS256 JWT the way jsonwebtoken 8 does: `iat` added unless present, options mapped to claims.
 */
export function signJwt(
  payload: JwtPayload,
  secret: string,
  options: { issuer?: string; subject?: string; audience?: string; jwtid?: string; noTimestamp?: boolean } = {},
): string {
  const claims: JwtPayload = { ...payload };
  if (!options.noTimestamp && claims.iat === undefined) claims.iat = Math.floor(Date.now() / 1000);
  if (options.audience !== undefined) claims.aud = options.audience;
  if (options.issuer !== undefined) claims.iss = options.issuer;
  if (options.subject !== undefined) claims.sub = options.subject;
  if (options.jwtid !== undefined) claims.jti = options.jwtid;
  const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

/** Decodes without verifying (what the real server does to pick the key from `aud`). */
export function decodeJwt(token: string): { header: JwtPayload; payload: JwtPayload } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!isRecord(header) || !isRecord(payload)) return undefined;
    return { header, payload };
  } catch {
    return undefined;
  }
}

/**
 * Verifies an HS256 token like jsonwebtoken 8 without an `algorithms` list: signature, then `exp`/`nbf` only
 * when present. `aud` and `iss` are not checked, as on the real server. Returns the payload or undefined.
 */
export function verifyJwt(token: string, secret: string | undefined, nowMs: number = Date.now()): JwtPayload | undefined {
  if (!secret) return undefined;
  // jws's shape check: three base64url segments and nothing else (no padding, no whitespace).
  if (!/^[a-zA-Z0-9\-_]+?\.[a-zA-Z0-9\-_]+?\.([a-zA-Z0-9\-_]+)?$/.test(token)) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const decoded = decodeJwt(token);
  if (!decoded || decoded.header.alg !== 'HS256') return undefined;
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const { payload } = decoded;
  const nowSeconds = Math.floor(nowMs / 1000);
  // jsonwebtoken: a present `nbf`/`exp` that is not a number ("123", null) makes the token invalid.
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > nowSeconds)) return undefined;
  if (payload.exp !== undefined && (typeof payload.exp !== 'number' || nowSeconds >= payload.exp)) return undefined;
  return payload;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
