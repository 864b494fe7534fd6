import { TiledeskError } from '../shared/errors.js';

/** One problem found in a message, located by a path such as `attributes.attachment.buttons[2].link`. */
export interface MessageIssue {
  /** Dotted path from the message root (`''` is the message itself). */
  readonly path: string;
  /** What is wrong and, where it helps, what the widget would do with it. */
  readonly message: string;
}

/**
 * Thrown when a message does not match a schema: by the builders (a widget message that would not render),
 * by {@link parseOutboundMessage} and {@link parseInboundMessage}, and by {@link expandCommands} (for its message, or
 * for its options: `options.defaultWaitMs`). `path` names the first offending field; `issues` lists all of them.
 *
 * @example
 * ```ts
 * try { buttons.url('Docs', 'docs.example.com'); }
 * catch (e) { if (e instanceof InvalidMessageError) console.error(e.path, e.issues); } // "link"
 * ```
 */
export class InvalidMessageError extends TiledeskError {
  /** Path of the first issue, e.g. `attributes.attachment.buttons[2].link`. */
  declare readonly path: string;
  declare readonly issues: readonly MessageIssue[];

  constructor(issues: readonly MessageIssue[], context = 'invalid message') {
    const shown = issues.slice(0, 5).map((issue) => `${issue.path || '(message)'}: ${issue.message}`);
    if (issues.length > shown.length) shown.push(`… ${issues.length - shown.length} more`);
    super(`${context}: ${shown.join('; ')}`, { code: 'invalid_message' });
    this.path = issues[0]?.path ?? '';
    this.issues = issues;
  }
}

/** The subset of a zod issue this module reads; zod/mini and classic produce the same shape. */
interface RawIssue {
  readonly code?: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
  readonly values?: readonly unknown[];
  readonly errors?: readonly (readonly RawIssue[])[];
}

/** `['attributes', 'attachment', 'buttons', 2, 'link']` → `attributes.attachment.buttons[2].link`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/**
 * Converts zod issues to {@link MessageIssue}s. Unknown keys become one issue per key, so the path names the
 * misspelt field itself (`attributes.attachment.buttons[0].showEcho`), not its parent.
 */
export function toMessageIssues(issues: readonly RawIssue[], prefix: readonly PropertyKey[] = []): MessageIssue[] {
  const out: MessageIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: 'unknown field: the widget does not read it' });
    } else if (issue.code === 'invalid_union' && issue.errors?.length) {
      out.push(...unionIssues(issue, path));
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}

const isTypeMismatch = (issue: RawIssue) =>
  (issue.code === 'invalid_value' && issue.path.length === 1 && issue.path[0] === 'type') ||
  (issue.code === 'invalid_type' && issue.path.length === 0);

/**
 * Message, button and command unions are told apart by `type` (plain unions: a discriminated union costs ~0.7 kB
 * more in the browser bundle). Report the branch whose `type` matched, as a discriminated union would; if none
 * did, say which `type` values are accepted.
 */
function unionIssues(issue: RawIssue, path: PropertyKey[]): MessageIssue[] {
  const branches = issue.errors ?? [];
  let best: readonly RawIssue[] | undefined;
  for (const branch of branches) if (!branch.some(isTypeMismatch) && (!best || branch.length < best.length)) best = branch;
  if (best) return toMessageIssues(best, path);
  const accepted = branches.flatMap((branch) => branch.filter(isTypeMismatch).flatMap((i) => i.values ?? []));
  if (accepted.length) return [{ path: formatPath([...path, 'type']), message: `must be ${oneOf([...new Set(accepted)])}` }];
  // Every branch rejected the value itself (not an object, missing, …): all say the same, take the first.
  const root = branches[0]?.find((i) => i.path.length === 0);
  return [{ path: formatPath(path), message: root?.message ?? issue.message }];
}

/** Zod raw issue as handed to a per-parse error map (only the fields used here). */
interface RawErrorMapIssue {
  readonly code?: string;
  readonly input?: unknown;
  readonly expected?: string;
  readonly values?: readonly unknown[];
  readonly origin?: string;
  readonly minimum?: unknown;
  readonly maximum?: unknown;
  readonly inclusive?: boolean;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return typeof value === 'number' || typeof value === 'boolean' ? `${typeof value} ${value}` : typeof value;
}

/** `"a"` or `one of "a", "b"`: the accepted values, as issue messages list them. */
export function oneOf(values: readonly unknown[]): string {
  const shown = values.filter((v) => v !== undefined && v !== null).map((v) => JSON.stringify(v));
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(', ')}`;
}

/**
 * Per-parse error map: readable English for every issue a message schema can raise, without loading a zod
 * locale (which would add several kB to the browser bundle). Schema-level messages take precedence over it.
 */
export function messageErrorMap(issue: RawErrorMapIssue): string {
  const missing = issue.input === undefined;
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'never' ? 'is not allowed here' : wrongTypeMessage(withArticle(issue.expected ?? 'value'), issue.input);
    case 'invalid_value':
      return wrongValueMessage(issue.values ?? [], issue.input);
    case 'invalid_union':
      return missing ? 'is required' : `matches none of the accepted shapes, got ${describeValue(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      if (issue.origin === 'array') return `must contain at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}`;
      return `must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return `must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`;
    case 'invalid_format':
      return 'has an invalid format';
    default:
      return 'is invalid';
  }
}

// The zod-free checks (check.ts) raise only these two kinds of issue: calling them directly, not the whole error
// map, keeps the map's other branches out of `tiledesk-sdk/messages`.

/** `string` → `a string`, `object` → `an object`: zod names the type alone. */
function withArticle(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

/**
 * `must be a string, got number 5`, or `is required` when the value is missing. `expected` comes with its article
 * (`a string`): the zod-free checks pass it so, which keeps the article rule out of `tiledesk-sdk/messages`.
 */
export function wrongTypeMessage(expected: string, input: unknown): string {
  return input === undefined ? 'is required' : `must be ${expected}, got ${describeValue(input)}`;
}

/** `must be one of "a", "b", got …`, or `is required (…)` when the value is missing. */
export function wrongValueMessage(values: readonly unknown[], input: unknown): string {
  return input === undefined ? `is required (${oneOf(values)})` : `must be ${oneOf(values)}, got ${describeValue(input)}`;
}
