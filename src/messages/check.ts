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

/**
 * An issue while checking. `continues` marks the issues after which rules across fields still run, as in zod: a
 * failed rule on a value of the right type (a refinement) and an unknown key, but not a missing field or a wrong type.
 */
export interface FoundIssue extends MessageIssue {
  readonly continues?: true;
}

/** Checks `value` found at `path`, reports into `issues`, and returns what to keep (objects rebuilt). */
export type Check = (value: unknown, path: string, issues: FoundIssue[]) => unknown;

/** Runs a check from the root of a value: the rebuilt value, and every issue (empty when valid). */
export function runCheck(check: Check, value: unknown): { value: unknown; issues: MessageIssue[] } {
  const issues: FoundIssue[] = [];
  const out = check(value, '', issues);
  return { value: out, issues: issues.map(({ path, message }) => ({ path, message })) };
}

/** `attributes` + `buttons` + 2 → `attributes.buttons[2]` (the path format of `InvalidMessageError`). */
function pathTo(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function wrongType(expected: string, value: unknown, path: string, issues: FoundIssue[]): unknown {
  issues.push({ path, message: wrongTypeMessage(expected, value) });
  return value;
}

function refine<T>(value: T, rule: Rule<T> | undefined, path: string, issues: FoundIssue[]): T {
  if (rule && !rule.test(value)) issues.push({ path, message: rule.message, continues: true });
  return value;
}

export const string =
  (rule?: Rule<string>): Check =>
  (value, path, issues) =>
    typeof value === 'string' ? refine(value, rule, path, issues) : wrongType('string', value, path, issues);

/** A finite number (zod refuses NaN and ±Infinity too). `Number.isFinite` is false for anything not a number. */
export const number =
  (rule?: Rule<number>): Check =>
  (value, path, issues) =>
    Number.isFinite(value) ? refine(value as number, rule, path, issues) : wrongType('number', value, path, issues);

export const boolean: Check = (value, path, issues) => (typeof value === 'boolean' ? value : wrongType('boolean', value, path, issues));

export const anything: Check = (value) => value;

/** Calls `build` at module load, marked side-effect free: a bundle that never uses what it builds drops it all. */
export const pure = /* @__NO_SIDE_EFFECTS__ */ <T>(build: () => T): T => build();

/** One of a few literal values (`z.literal([...])`). */
export const literal =
  (values: readonly unknown[]): Check =>
  (value, path, issues) => {
    if (!values.includes(value)) issues.push({ path, message: wrongValueMessage(values, value) });
    return value;
  };

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
  (value, path, issues) => {
    if (value !== undefined) issues.push({ path, message: why });
    return value;
  };

export const list =
  (item: Check, nonEmpty?: Rule<readonly unknown[]>): Check =>
  (value, path, issues) => {
    if (!Array.isArray(value)) return wrongType('array', value, path, issues);
    const start = issues.length;
    // A loop, not `map`: `map` skips the holes of a sparse array, which would reach the wire as `null`.
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = item(value[i], pathTo(path, i), issues);
    return stoppedSince(issues, start) ? out : refine(out, nonEmpty, path, issues);
  };

/** Whether an issue reported since `start` stops the rules that follow (see {@link FoundIssue}). */
function stoppedSince(issues: FoundIssue[], start: number): boolean {
  return issues.slice(start).some((issue) => !issue.continues);
}

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
  const known = new Set(keys);
  return (value, path, issues) => {
    if (!isPlainObject(value)) return wrongType('object', value, path, issues);
    const start = issues.length;
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const result = shape[key]!(value[key], pathTo(path, key), issues);
      if (key in value) out[key] = result;
    }
    // `for…in`, as zod does: keys inherited from a prototype count too.
    for (const key in value) {
      if (known.has(key)) continue;
      if (options.loose) {
        // Assigning `__proto__` would replace the rebuilt object's prototype: it is dropped, as zod drops it.
        if (key !== '__proto__') out[key] = value[key];
      } else {
        issues.push({ path: pathTo(path, key), message: 'unknown field: the widget does not read it', continues: true });
      }
    }
    if (options.refine && !stoppedSince(issues, start)) {
      options.refine(out, (at, message) => issues.push({ path: at.reduce<string>(pathTo, path), message, continues: true }));
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
    if (!isPlainObject(value)) return wrongType('object', value, path, issues);
    const type = value['type'] === undefined ? defaultType : value['type'];
    const branch = typeof type === 'string' && Object.hasOwn(branches, type) ? branches[type] : undefined;
    if (branch) return branch(value, path, issues);
    issues.push({ path: pathTo(path, 'type'), message: `must be ${oneOf(Object.keys(branches))}` });
    return value;
  };

