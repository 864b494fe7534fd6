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

/** The latest time a Date can hold (ms since the epoch); later numbers read back as an Invalid Date. */
const MAX_DATE_MS = 8.64e15;

/**
 * ISO-8601 as exports write it: a date, then optionally a time (after `T` or a space, with optional seconds and
 * fraction) and a zone (`Z`, `±hh`, `±hhmm`, `±hh:mm`). Groups: year, month, day, time, zone.
 */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)(z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * Milliseconds since the epoch from a Date, a number of ms or an ISO-8601 string; `undefined` if it is none of
 * these. Only ISO-8601 is read (not whatever `Date.parse` guesses: "01/05/2024" would be January 5th, "message 12"
 * a date in 2001), and a date-time must carry its zone ({@link isZonelessDateTime}); a date alone is midnight UTC.
 */
export function toEpochMs(value: unknown): number | undefined {
  if (value instanceof Date) value = value.getTime();
  if (typeof value === 'number') return value >= 0 && value <= MAX_DATE_MS ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = ISO_8601.exec(value.trim());
  if (!m || (m[4] !== undefined && m[5] === undefined)) return undefined;
  const [, year, month, day, time = '00:00', zone = 'Z'] = m;
  // Date.parse rolls 2024-02-30 over to March 1st: check the day exists.
  if (new Date(Date.UTC(+year!, +month! - 1, +day!)).getUTCDate() !== +day!) return undefined;
  const offset = /^[+-]\d{2}$/.test(zone) ? `${zone}:00` : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone.toUpperCase();
  const t = Date.parse(`${year}-${month}-${day}T${time.replace(',', '.')}${offset}`);
  return t >= 0 && t <= MAX_DATE_MS ? t : undefined;
}

/**
 * An ISO-8601 date-time without a zone ("2024-05-01T10:00:00"). JavaScript reads it in the machine's own zone, so
 * the same export would give other times, and other derived conversation ids, on a machine elsewhere.
 */
export function isZonelessDateTime(value: unknown): boolean {
  const m = typeof value === 'string' ? ISO_8601.exec(value.trim()) : null;
  return m !== null && m[4] !== undefined && m[5] === undefined;
}
