/**
 * Token handling. The server issues tokens as `"JWT eyJ…"`; users paste them with or without the prefix.
 * REST wants the `Authorization: JWT <jwt>` header; the WebSocket wants the bare JWT in `?token=`
 * (the server strips only an exact, case-sensitive `"JWT "`, so we send it bare to avoid that trap).
 */

/** The bare JWT, without any `JWT ` scheme prefix. */
export function bareToken(token: string): string {
  return token.replace(/^\s*jwt\s+/i, '').trim();
}

/** The value for an `Authorization` header: `JWT <jwt>`. */
export function jwtAuthorization(token: string): string {
  return `JWT ${bareToken(token)}`;
}

/**
 * Removes anything that looks like a credential from a string: JWTs, `Authorization` values and
 * `token=` query parameters. Used on every message, URL and body excerpt an error or log line carries.
 */
export function redact(text: string): string {
  // The patterns are written where they are used: as four module constants they cost the REST browser bundle 28 B
  // gzip more (their declarations and names).
  // The URL-credentials and JWT patterns match only from the start of a run of their characters (the group before
  // it): tried from every position inside a long run, they took time in the square of its length (2.4 s on a 33 KB
  // error body). A group, not a lookbehind, which Safari before 16.4 cannot parse.
  // A JWT's header is a JSON object, so its base64url starts with "e" then "y" (`{"`, `{ `) or "w" (`{` and a line
  // break or tab): dotted names of long words (`attributes.messagelabel.parameters`, host names) are not tokens.
  return text
    .replace(/(^|[^a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@]+@/gi, '$1$2[redacted]@')
    .replace(/([?&](?:token|secret_token|jwt)=)[^&#\s]+/gi, '$1[redacted]')
    .replace(/\b(JWT|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]')
    .replace(/(^|[^A-Za-z0-9_-])e[wy][A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '$1[redacted-jwt]');
}

/**
 * Replaces every occurrence of the given secrets (a password, a bare token) in `text`, both verbatim and in their
 * JSON-escaped form, so a server that echoes a submitted value (express-validator's `value`) cannot leak it.
 * Secrets shorter than 3 characters are ignored: masking them would shred unrelated text.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 3) continue;
    const escaped = JSON.stringify(secret).slice(1, -1);
    out = out.split(secret).join('[redacted]');
    if (escaped !== secret) out = out.split(escaped).join('[redacted]');
  }
  return out;
}

/**
 * A copy of `headers`, one string per header (a list joined with `, `), with the values of the headers never logged or
 * attached to errors (`authorization`, `cookie`, `set-cookie`, `proxy-authorization`) replaced by `[redacted]`.
 */
export function redactHeaders(headers: Record<string, string | readonly string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = /^(authorization|cookie|set-cookie|proxy-authorization)$/.test(k.toLowerCase()) ? '[redacted]' : [v].flat().join(', ');
  return out;
}
