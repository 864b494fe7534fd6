/**
 * Deterministic identities: the `request_id` of a conversation the source gives none for, and the import key of
 * each message. Both must come out the same on every run (and in every runtime) so a resumed or repeated import
 * finds what an earlier run saved.
 */

/** Attribute holding a message's import key: its identity for exactly-once. */
export const IMPORT_KEY_ATTRIBUTE = 'import_key';
/** Attribute holding a message's 0-based position in its source conversation; readers break timestamp ties with it. */
export const IMPORT_INDEX_ATTRIBUTE = 'import_index';

/**
 * 128-bit non-cryptographic string hash (cyrb128), as 32 hex digits. Pure JS so the same input gives the same id in
 * Node, browsers and workers alike (Web Crypto is async and missing on plain-http pages).
 */
export function stableHash(input: string): string {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < input.length; i++) {
    const k = input.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1, h2, h3, h4].map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('');
}

/**
 * The `request_id` of a conversation whose source gives none, in the server's own format
 * (`support-group-<projectId>-<32 hex>`, which some routes require). From the source's `id` when it has one,
 * otherwise from its position plus its first message, so a different export imported into the same project
 * does not collide with this one.
 */
export function derivedRequestId(projectId: string, namespace: string, position: number, sourceId: string | undefined, firstMessage: unknown): string {
  const identity = sourceId !== undefined ? ['id', namespace, sourceId] : ['position', namespace, position, firstMessage ?? null];
  return `support-group-${projectId}-${stableHash(JSON.stringify(identity))}`;
}

/**
 * The import key of a message the source gives no id for: its position in its conversation. Keys only need to be
 * unique within a conversation (that is where they are read back and compared), and every message carries its key,
 * so a short one keeps bodies, storage and read-backs small. A source id that happens to read `#<n>` in the same
 * conversation is caught before anything is sent, as a repeated key.
 */
export function derivedMessageKey(_requestId: string, index: number): string {
  return `#${index}`;
}

/** Milliseconds since the epoch from a Date, a number of ms or an ISO-8601 string; `undefined` if it is none of these. */
export function toEpochMs(value: unknown): number | undefined {
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isNaN(t) ? undefined : t;
  }
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const t = Date.parse(value);
    return Number.isNaN(t) || t < 0 ? undefined : t;
  }
  return undefined;
}
