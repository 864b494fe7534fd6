/**
 * Validation of plain JSON values without zod, for everything in `tiledesk-sdk/messages`: builders and
 * `parseOutboundMessage` (outbound-check.ts), readers and `parseInboundMessage` (inbound-check.ts). zod/mini is
 * ≈ 6.5 kB gzip in a browser bundle with the features the schemas use, nearly as much as that whole entry. The zod
 * schemas (`tiledesk-sdk/messages/schemas`) stay the contract and the source of the types; these checks reproduce
 * what those schemas do where it shows — the output (objects rebuilt with their keys in schema
 * order, unknown keys last or refused), every issue's path and wording, and the order of issues — and
 * test/messages/parity.test.ts holds the two to the same results.
 */
import { isPlainObject } from '../shared/merge.js';
import { oneOf, wrongTypeMessage, wrongValueMessage, type MessageIssue } from './errors.js';
import type { Rule } from './rules.js';

/** Checks `value` found at `path`, reports into `issues`, and returns what to keep (objects rebuilt). */
export type Check = (value: unknown, path: string, issues: MessageIssue[]) => unknown;

/**
 * Runs a check from the root of a value: the rebuilt value, and every issue (empty when valid). `checkMessage`
 * (parse.ts) makes the same root call itself, so this is not in the browser bundle; the parity test reads it.
 */
export function runCheck(check: Check, value: unknown): { value: unknown; issues: MessageIssue[] } {
  const issues: MessageIssue[] = [];
  return { value: check(value, '', issues), issues };
}

/** `attributes` + `buttons` + 2 → `attributes.buttons[2]` (the path format of `InvalidMessageError`). */
function pathTo(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/**
 * How many issues so far stop the rules across fields, as in zod: a missing field, a wrong type or value. A failed
 * rule on a value of the right type (a refinement) and an unknown key do not. An object or list notes the count before
 * its fields and runs its own rules only if it has not grown: one counter, not a flag on each issue that `runCheck`
 * would then have to strip. Checks are synchronous and read plain data, so nothing else counts meanwhile.
 */
let stops = 0;

/** Reports an issue that stops the rules across fields (see {@link stops}), and returns `value`. */
function stop(issues: MessageIssue[], path: string, message: string, value: unknown): unknown {
  stops++;
  issues.push({ path, message });
  return value;
}

/** `expected` with its article: `a string`, `an object`. */
function wrongType(expected: string, value: unknown, path: string, issues: MessageIssue[]): unknown {
  return stop(issues, path, wrongTypeMessage(expected, value), value);
}

function refine<T>(value: T, rule: Rule<T> | undefined, path: string, issues: MessageIssue[]): T {
  if (rule && !rule.test(value)) issues.push({ path, message: rule.message });
  return value;
}

export const string =
  (rule?: Rule<string>): Check =>
  (value, path, issues) =>
    typeof value === 'string' ? refine(value, rule, path, issues) : wrongType('a string', value, path, issues);

/** A finite number (zod refuses NaN and ±Infinity too). `Number.isFinite` is false for anything not a number. */
export const number =
  (rule?: Rule<number>): Check =>
  (value, path, issues) =>
    Number.isFinite(value) ? refine(value as number, rule, path, issues) : wrongType('a number', value, path, issues);

export const boolean: Check = (value, path, issues) => (typeof value === 'boolean' ? value : wrongType('a boolean', value, path, issues));

export const anything: Check = (value) => value;

/** Calls `build` at module load, marked side-effect free: a bundle that never uses what it builds drops it all. */
export const pure = /* @__NO_SIDE_EFFECTS__ */ <T>(build: () => T): T => build();

/** One of a few literal values (`z.literal([...])`). */
export const literal =
  (values: readonly unknown[]): Check =>
  (value, path, issues) =>
    values.includes(value) ? value : stop(issues, path, wrongValueMessage(values, value), value);

export const optional =
  (check: Check): Check =>
  (value, path, issues) =>
    value === undefined ? value : check(value, path, issues);

/** Optional, and `null` accepted too: what real senders write for "not set". */
export const maybe =
  (check: Check): Check =>
  (value, path, issues) =>
    value === undefined || value === null ? value : check(value, path, issues);

/** A key that must be absent where it appears; `why` is the message. */
export const forbidden =
  (why: string): Check =>
  (value, path, issues) =>
    value === undefined ? value : stop(issues, path, why, value);

export const list =
  (item: Check, nonEmpty?: Rule<readonly unknown[]>): Check =>
  (value, path, issues) => {
    if (!Array.isArray(value)) return wrongType('an array', value, path, issues);
    const start = stops;
    // A loop, not `map`: `map` skips the holes of a sparse array, which would reach the wire as `null`.
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = item(value[i], pathTo(path, i), issues);
    return stops > start ? out : refine(out, nonEmpty, path, issues);
  };

export interface ObjectOptions {
  /** Keep unknown keys after the known ones; by default (strict) each is refused. */
  loose?: boolean;
  /** Rules across fields, run on the rebuilt object unless a field is missing or has the wrong type. */
  refine?: (value: Record<string, unknown>, report: (path: (string | number)[], message: string) => void) => void;
}

/**
 * An object with these keys, rebuilt with the keys in this order (a key absent from the input stays absent).
 * Unknown keys are refused one by one, so the path names the misspelt field itself.
 */
export function object(shape: Record<string, Check>, options: ObjectOptions = {}): Check {
  const keys = Object.keys(shape);
  return (value, path, issues) => {
    if (!isPlainObject(value)) return wrongType('an object', value, path, issues);
    const start = stops;
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const result = shape[key]!(value[key], pathTo(path, key), issues);
      if (key in value) out[key] = result;
    }
    // `for…in`, as zod does: keys inherited from a prototype count too.
    for (const key in value) {
      if (Object.hasOwn(shape, key)) continue;
      if (options.loose) {
        // Assigning `__proto__` would replace the rebuilt object's prototype: it is dropped, as zod drops it.
        if (key !== '__proto__') out[key] = value[key];
      } else {
        issues.push({ path: pathTo(path, key), message: 'unknown field: the widget does not read it' });
      }
    }
    if (options.refine && stops === start) {
      options.refine(out, (at, message) => issues.push({ path: at.reduce<string>(pathTo, path), message }));
    }
    return out;
  };
}

/**
 * One of several object shapes told apart by their `type` (`defaultType` when it is absent). An unknown `type` is
 * reported on `type` with the accepted values, as the schemas' error formatting does for their unions.
 */
export const byType =
  (branches: Record<string, Check>, defaultType?: string): Check =>
  (value, path, issues) => {
    if (!isPlainObject(value)) return wrongType('an object', value, path, issues);
    const type = value['type'] === undefined ? defaultType : value['type'];
    const branch = typeof type === 'string' && Object.hasOwn(branches, type) ? branches[type] : undefined;
    if (branch) return branch(value, path, issues);
    return stop(issues, pathTo(path, 'type'), `must be ${oneOf(Object.keys(branches))}`, value);
  };

