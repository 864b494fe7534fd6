/**
 * Turns server output into observations that are equal on two servers that behave alike.
 *
 * Kept: object key sets (sorted), JSON value types, array lengths and every stable literal (status codes, error
 * messages, `perPage`, `channel_type`, default names, counts…). Masked: values that differ between two runs of the
 * same traffic — ids, tokens, timestamps, durations — so that only behaviour is compared.
 *
 * Values the scenario knows (its user ids, project id, request ids, e-mails…) are replaced by a named placeholder
 * such as `<owner.userId>`, which keeps identity visible: `createdBy` must be the caller, not just "some id".
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Numbers that measure time (ms durations, epoch stamps): only their type is compared. */
const VOLATILE_NUMBER_KEYS = new Set([
  'waiting_time',
  'duration',
  'iat',
  'exp',
  // tiledesk-server updates it fire-and-forget after a request is created or closed, so a response shows the old or
  // the new count depending on timing.
  'number_assigned_requests',
  // Mongoose's optimistic-concurrency counter: which writes bump it is a storage detail, not API behaviour.
  '__v',
]);

/** Strings that are today's date in some format (e.g. the quota slot of /requests/count). */
const VOLATILE_STRING_KEYS = new Set(['startDate', 'endDate']);

/**
 * Values the server writes fire-and-forget after it has answered, so a response shows the old value, the new one or
 * (for the first write) none, depending on timing: neither the value nor its presence is compared (see diff.ts).
 */
const RACY_VALUE_KEYS = new Set(['last_message']);

/** What a racy value is normalised to. */
export const RACY = '<written after the response>';

/** Substring patterns for volatile strings nobody registered, in the order they are applied. */
const VOLATILE_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g, '<pem $1>'],
  [/\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/g, '<bcrypt hash>'],
  [/\bJWT eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '<jwt>'],
  [/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, '<jwt-bare>'],
  [/\b\d\d\/\d\d\/\d{4}, \d\d:\d\d:\d\d\b/g, '<datetime>'],
  [/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)/g, '<date>'],
  // `String(date)`, which the CSV exports print: "Sun Nov 22 2026 23:32:29 GMT+0000 (Coordinated Universal Time)".
  [/\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d \d{4} \d\d:\d\d:\d\d GMT[+-]\d{4}(?: \([^)]*\))?/g, '<date string>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b[0-9a-f]{32}\b/gi, '<hex32>'],
  [/\b[0-9a-f]{24}\b/gi, '<oid>'],
  [/guest#[0-9a-f]{4}/g, 'guest#<hex4>'],
];

export class Masker {
  private readonly aliases = new Map<string, string>();
  private orderedAliases: Array<[string, string]> = [];

  /** Replace every occurrence of `value` (whole or inside a string) by `<name>`. */
  alias(value: string | undefined | null, name: string): void {
    if (!value) return;
    this.aliases.set(value, `<${name}>`);
    // Longest first, so a request id containing the project id is replaced whole.
    this.orderedAliases = [...this.aliases].sort((a, b) => b[0].length - a[0].length);
  }

  string(value: string): string {
    let out = value;
    for (const [raw, placeholder] of this.orderedAliases) {
      if (out.includes(raw)) out = out.split(raw).join(placeholder);
    }
    for (const [pattern, placeholder] of VOLATILE_PATTERNS) out = out.replace(pattern, placeholder);
    return out;
  }

  value(input: unknown, key?: string): Json {
    if (input === null || input === undefined) return null;
    if (key !== undefined && RACY_VALUE_KEYS.has(key)) return RACY;
    if (typeof input === 'string') {
      return key !== undefined && VOLATILE_STRING_KEYS.has(key) ? '<date string>' : this.string(input);
    }
    if (typeof input === 'number') {
      if (key !== undefined && VOLATILE_NUMBER_KEYS.has(key)) return '<number>';
      // Epoch milliseconds (e.g. abandoned_by_project_users values) are time, not behaviour.
      if (Number.isInteger(input) && input > 1_000_000_000_000 && input < 10_000_000_000_000) return '<epoch-ms>';
      return input;
    }
    if (typeof input === 'boolean') return input;
    if (Array.isArray(input)) return input.map((item) => this.value(item));
    if (typeof input === 'object') {
      const out: { [key: string]: Json } = {};
      const entries = Object.entries(input as Record<string, unknown>)
        .map(([k, v]) => [this.string(k), k, v] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [maskedKey, rawKey, v] of entries) {
        if (v === undefined) continue;
        out[maskedKey] = this.value(v, rawKey);
      }
      return out;
    }
    return `<${typeof input}>`;
  }
}

/** Sorts an array by the JSON text of its (already normalised) items: for lists whose server order is undefined. */
export function sortedByJson(items: Json[]): Json[] {
  return [...items].sort((a, b) => {
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
