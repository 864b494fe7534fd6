import { inspect } from 'node:util';
import { createContext, Script } from 'node:vm';
import { type QueryValue, RouteCrash } from './http.js';

/*
 * The bits of Mongo/Mongoose query semantics the list endpoints rely on: casting query-string values to the
 * schema type (and the CastError JSON a failed cast produces), sort specs, and BSON comparison order.
 */

export type Json = Record<string, unknown>;

/** A Mongoose CastError as it serialises into `err` of a route's 500 body. */
export class CastFailure extends Error {
  constructor(readonly json: Json) {
    super(String(json.message));
  }
}

const NUMBER_REASON = { generatedMessage: true, code: 'ERR_ASSERTION', actual: false, expected: true, operator: '==' };

/** A copy with plain prototypes, so objects parsed from a query string (null prototype) describe like qs's. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  }
  return value;
}

/** Mongoose's `CastError` rendering of a value: `util.inspect` in double quotes, and the constructor name. */
export function describeCastValue(value: unknown): { stringValue: string; valueType: string; value: unknown } {
  const copy = plain(value);
  let stringValue = inspect(copy).replace(/^'|'$/g, '"');
  if (!stringValue.startsWith('"')) stringValue = `"${stringValue}"`;
  let valueType: string;
  if (copy === null || copy === undefined) valueType = String(copy);
  else if (typeof copy !== 'object') valueType = typeof copy;
  else valueType = typeof (copy as { constructor?: unknown }).constructor === 'function' ? (copy as { constructor: { name: string } }).constructor.name : 'object';
  return { stringValue, valueType, value: copy };
}

/**
 * A Mongoose CastError as JSON. `kind` is what the schema type reports: `ObjectId`, `Number`, `Boolean`,
 * `Embedded` — and lower-case `string`/`number`/`boolean` where Mongoose passes the type name itself.
 */
export function castErrorJson(kind: string, value: unknown, path: string, model: string | undefined, reason?: Json | null): Json {
  const { stringValue, valueType, value: shown } = describeCastValue(value);
  let why: Json | null | undefined = reason;
  if (why === undefined) {
    if (kind === 'Number') why = { ...NUMBER_REASON };
    else if (kind === 'Boolean') {
      why = { stringValue, valueType, kind: 'boolean', value: shown, name: 'CastError', message: `Cast to boolean failed for value ${stringValue} (type ${valueType}) at path "undefined"` };
    } else if (kind === 'string' || kind === 'number') why = null;
    // `$exists` casts with castBoolean, whose CastError has no reason at all.
    else if (kind === 'boolean') why = undefined;
    else why = {};
  }
  const json: Json = { stringValue, valueType, kind, value: shown, path };
  if (why !== undefined) json.reason = why;
  json.name = 'CastError';
  json.message = `Cast to ${kind} failed for value ${stringValue} (type ${valueType}) at path "${path}"${model === undefined ? '' : ` for model "${model}"`}`;
  return json;
}

export function castError(kind: 'ObjectId' | 'Number' | 'Boolean' | 'String', value: unknown, path: string, model: string | undefined): CastFailure {
  return new CastFailure(castErrorJson(kind === 'String' ? 'string' : kind, value, path, model));
}

const HEX24 = /^[0-9a-fA-F]{24}$/;

export function castObjectIdOrThrow(value: unknown, path: string, model: string): string {
  if (typeof value === 'string' && HEX24.test(value)) return value.toLowerCase();
  if (typeof value === 'string' && value.length === 12) return Buffer.from(value, 'latin1').toString('hex');
  throw castError('ObjectId', value, path, model);
}

export function castNumberOrThrow(value: unknown, path: string, model: string): number {
  if (typeof value === 'number' && !Number.isNaN(value)) return value;
  if (typeof value === 'boolean') return Number(value);
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  throw castError('Number', value, path, model);
}

export function castBooleanOrThrow(value: unknown, path: string, model: string): boolean {
  if (value === true || value === 'true' || value === 1 || value === '1' || value === 'yes') return true;
  if (value === false || value === 'false' || value === 0 || value === '0' || value === 'no') return false;
  throw castError('Boolean', value, path, model);
}

/** mquery's sort value check: 1/-1/asc/desc/ascending/descending (case-insensitive); anything else throws. */
export function sortDirection(value: unknown): 1 | -1 {
  const text = String(value || 1).toLowerCase();
  if (!/^(?:ascending|asc|descending|desc|1|-1)$/.test(text)) throw new RouteCrash(`Invalid sort value: ${text}`);
  return text === 'ascending' || text === 'asc' || text === '1' ? 1 : -1;
}

export function getPath(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (current === null || current === undefined) return undefined;
    if (Array.isArray(current)) {
      const values = current.map((item) => getPath(item, part)).filter((v) => v !== undefined);
      current = values.length > 0 ? values : undefined;
      continue;
    }
    if (typeof current !== 'object') return undefined;
    current = (current as Json)[part];
  }
  return current;
}

/**
 * BSON comparison order of the types this server stores: null/missing < numbers < strings < objects < arrays <
 * booleans. (Dates are stored as ISO strings and ObjectIds as lower-case hex, which compare in the same order as
 * the BSON values they stand for, as long as a field never mixes them with other strings.)
 */
function typeRank(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (typeof value === 'number') return 2;
  if (typeof value === 'string') return 3;
  if (Array.isArray(value)) return 5;
  if (typeof value === 'object') return 4;
  if (typeof value === 'boolean') return 8;
  return 9;
}

/**
 * MongoDB's string order: binary, i.e. by UTF-8 bytes, which is code point order — so `"Z" < "a"` and `"é"` after
 * every ASCII letter. JavaScript's `<` compares UTF-16 code units, which differs for characters above U+FFFF
 * (surrogate pairs sort before U+E000–U+FFFF there), so it is not used directly.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    // A surrogate encodes a code point above U+FFFF: greater than any single code unit that is not one.
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** BSON comparison of two values (as `$gt`/`$lt` and sorting see them once a sort key is chosen). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 2) return (a as number) - (b as number);
  if (ra === 3) return compareStrings(a as string, b as string);
  if (ra === 8) return Number(a) - Number(b);
  if (ra === 5) {
    const x = a as unknown[];
    const y = b as unknown[];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = compareValues(x[i], y[i]);
      if (c !== 0) return c;
    }
    return x.length - y.length;
  }
  if (ra === 4) {
    // Embedded documents: field by field, each by value type, then name, then value; a prefix sorts first.
    const x = Object.entries(a as Record<string, unknown>).filter(([, v]) => v !== undefined);
    const y = Object.entries(b as Record<string, unknown>).filter(([, v]) => v !== undefined);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const [kx, vx] = x[i]!;
      const [ky, vy] = y[i]!;
      const c = typeRank(vx) - typeRank(vy) || compareStrings(kx, ky) || compareValues(vx, vy);
      if (c !== 0) return c;
    }
    return x.length - y.length;
  }
  return 0;
}

/**
 * The value MongoDB sorts a document by: an array field sorts by its smallest element ascending and its largest
 * descending, and an empty array sorts before null and missing fields.
 */
function sortKey(value: unknown, direction: 1 | -1): { empty: boolean; value: unknown } {
  if (!Array.isArray(value)) return { empty: false, value };
  const flat = value.flat(1);
  if (flat.length === 0) return { empty: true, value: undefined };
  let best = flat[0];
  for (const item of flat) if (direction * compareValues(item, best) < 0) best = item;
  return { empty: false, value: best };
}

/** Stable sort by one field with MongoDB semantics, ties in storage order (a collection scan in insertion order). */
export function sortBy<T>(docs: T[], field: string, direction: 1 | -1): T[] {
  const keyed = docs.map((doc, index) => ({ doc, index, key: sortKey(getPath(doc, field), direction) }));
  keyed.sort((x, y) => {
    if (x.key.empty !== y.key.empty) return direction * (x.key.empty ? -1 : 1);
    return direction * compareValues(x.key.value, y.key.value) || x.index - y.index;
  });
  return keyed.map((k) => k.doc);
}

/** `.skip(skip).limit(limit)` with Mongo's treatment of NaN (ignored) and negative limits (absolute value). */
export function paginate<T>(docs: T[], skip: number, limit: number): T[] {
  const start = Number.isFinite(skip) && skip > 0 ? Math.floor(skip) : 0;
  const count = Number.isFinite(limit) && limit !== 0 ? Math.abs(Math.trunc(limit)) : undefined;
  return count === undefined ? docs.slice(start) : docs.slice(start, start + count);
}

/** A query operator this server does not evaluate (`$all`, `$type`, `$not`, …) or one Mongoose rejects. */
export class UnsupportedQuery extends Error {}

/**
 * The schema type of a path a route filters on with a raw query-string value. `StringArray` is an array of
 * strings (`participants`); `Mixed` is not cast at all (`attributes.*`).
 */
export type PathKind = 'String' | 'Number' | 'ObjectId' | 'Boolean' | 'StringArray' | 'Mixed';

/**
 * A query-string value used verbatim as the filter of one path (`{email: req.query.email}`), cast the way
 * Mongoose 5 casts it: a string is equality, a repeated parameter (array) is `$in`, `x[$ne]=y` is an operator
 * whose operand is cast to the path's type. What Mongoose rejects throws: a {@link CastFailure} (answered with
 * its JSON) or an {@link UnsupportedQuery} (a plain Error, which serialises to `{}`). `errorPath` is the name the
 * CastError reports (the last segment for sub-document paths).
 */
export function queryFilter(raw: QueryValue, kind: PathKind, errorPath: string, model: string): (actual: unknown) => boolean {
  const cast = (value: QueryValue): unknown => {
    switch (kind) {
      case 'Number':
        return castNumberOrThrow(value, errorPath, model);
      case 'ObjectId':
        return castObjectIdOrThrow(value, errorPath, model);
      case 'Boolean':
        return castBooleanOrThrow(value, errorPath, model);
      case 'Mixed':
        return value;
      default:
        if (typeof value === 'string') return value;
        throw castError('String', value, errorPath, model);
    }
  };
  if (typeof raw === 'string') {
    const wanted = cast(raw);
    return (actual) => matchesValue(actual, wanted);
  }
  if (Array.isArray(raw)) {
    // An array path compares the whole array; any other path turns a list into `$in`.
    if (kind === 'StringArray') {
      const wanted = raw.map(cast);
      return (actual) => JSON.stringify(actual) === JSON.stringify(wanted);
    }
    const wanted = raw.map(cast);
    return (actual) => wanted.some((value) => matchesValue(actual, value));
  }
  const keys = Object.keys(raw);
  if (!keys.some((key) => key.startsWith('$'))) {
    // An object is a literal sub-document to match: an array or Mixed path just finds nothing equal to it.
    if (kind === 'StringArray' || kind === 'Mixed') return (actual) => JSON.stringify(actual) === JSON.stringify(raw);
    throw castError(kind === 'String' ? 'String' : kind, raw, errorPath, model);
  }
  const tests: ((actual: unknown) => boolean)[] = [];
  let regexFlags = '';
  let regexSource: string | undefined;
  const comparable = kind === 'String' || kind === 'Number' || kind === 'ObjectId' || kind === 'StringArray' || kind === 'Mixed';
  for (const key of keys) {
    const operand = raw[key]!;
    switch (key) {
      case '$eq': {
        const value = cast(operand);
        tests.push((actual) => matchesValue(actual, value));
        break;
      }
      case '$ne': {
        const value = cast(operand);
        tests.push((actual) => !matchesValue(actual, value));
        break;
      }
      case '$in':
      case '$nin': {
        const values = (Array.isArray(operand) ? operand : [operand]).map(cast);
        const inList = (actual: unknown) => values.some((value) => matchesValue(actual, value));
        tests.push(key === '$in' ? inList : (actual) => !inList(actual));
        break;
      }
      case '$exists': {
        let wanted: boolean;
        if (kind === 'Mixed') wanted = Boolean(operand) && operand !== '';
        else {
          const parsed = operand === 'true' || operand === '1' || operand === 'yes' ? true : operand === 'false' || operand === '0' || operand === 'no' ? false : undefined;
          if (parsed === undefined) throw new CastFailure(castErrorJson('boolean', operand, errorPath, model));
          wanted = parsed;
        }
        tests.push((actual) => (actual !== undefined) === wanted);
        break;
      }
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        if (!comparable) return unknownOperator(kind, key, operand, errorPath, model);
        const bound = cast(operand);
        const accept = { $gt: (c: number) => c > 0, $gte: (c: number) => c >= 0, $lt: (c: number) => c < 0, $lte: (c: number) => c <= 0 }[key];
        // Comparison operators only match values of the same BSON type (type bracketing).
        tests.push((actual) => anyValue(actual, (value) => typeof value === typeof bound && accept(compareValues(value, bound))));
        break;
      }
      case '$regex':
      case '$options':
        if (kind !== 'String' && kind !== 'StringArray' && kind !== 'Mixed') return unknownOperator(kind, key, operand, errorPath, model);
        if (typeof operand !== 'string') throw castError('String', operand, errorPath, model);
        if (key === '$regex') regexSource = operand;
        else regexFlags = operand;
        break;
      default:
        return unknownOperator(kind, key, operand, errorPath, model);
    }
  }
  if (regexSource !== undefined) {
    // Mongo's `x` (extended) flag has no JavaScript equivalent; `i`, `m` and `s` mean the same.
    const pattern = new RegExp(regexSource, [...new Set(regexFlags.replace(/[^ims]/g, ''))].join(''));
    const matches = boundedRegexTest(pattern);
    tests.push((actual) => anyValue(actual, (value) => typeof value === 'string' && matches(value)));
  }
  return (actual) => tests.every((test) => test(actual));
}

/**
 * How long a `$regex` may run on one value before that value counts as not matching. MongoDB runs patterns with
 * PCRE's match limit (10 million steps), and a value on which the limit is hit just does not match; here a
 * backtracking pattern such as `^(a+)+$` would otherwise block the server's process, which is the user's test
 * process: 40 s on a 30-character value, twice as long for each character more. Far above what any linear
 * pattern takes on a 500 kB value.
 */
const REGEX_VALUE_BUDGET_MS = 100;

let regexSandbox: { context: ReturnType<typeof createContext> & { job?: () => unknown }; script: Script } | undefined;
/** Set while {@link withRegexFastPass} runs its work: one watchdog then bounds every test it makes. */
let regexFastPass = false;

/**
 * `job()` under a watchdog: a `vm` timeout interrupts even a regular expression mid-match, which nothing else does.
 * Done is what the job says, not the timeout error: Node reports a timeout whenever the watchdog's thread fired
 * before it was torn down, which on a loaded machine (the thread started late) follows jobs that took microseconds.
 */
function runWithTimeout(job: () => unknown, timeoutMs: number): { done: true; value: unknown } | { done: false } {
  regexSandbox ??= { context: createContext({}), script: new Script('job()') };
  const { context, script } = regexSandbox;
  let outcome: { done: true; value: unknown } | { done: false } = { done: false };
  context.job = () => {
    outcome = { done: true, value: job() };
  };
  try {
    script.runInContext(context, { timeout: timeoutMs });
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw error;
  } finally {
    context.job = undefined;
  }
  return outcome;
}

/**
 * `pattern.test`, where a value that takes longer than {@link REGEX_VALUE_BUDGET_MS} does not match. Each distinct
 * value is tested once per filter: a watchdog costs about 0.07 ms.
 */
function boundedRegexTest(pattern: RegExp): (value: string) => boolean {
  const seen = new Map<string, boolean>();
  return (value) => {
    let result = seen.get(value);
    if (result === undefined) {
      if (regexFastPass) result = pattern.test(value);
      else {
        const run = runWithTimeout(() => pattern.test(value), REGEX_VALUE_BUDGET_MS);
        result = run.done && run.value === true;
      }
      seen.set(value, result);
    }
    return result;
  };
}

/** Whether a parsed query string holds a `$regex` operator (`x[$regex]=…`), the only way a pattern gets in. */
export function hasRegexOperator(query: Record<string, QueryValue>): boolean {
  return Object.values(query).some((value) => typeof value === 'object' && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, '$regex'));
}

/**
 * Runs `work`, which must have no side effects (it may run twice), testing every `$regex` natively under one
 * watchdog for the whole of it; only when that runs out of {@link REGEX_VALUE_BUDGET_MS} is it run again with a
 * watchdog per value. One per value throughout made a `$regex` filter over 10,000 conversations 4.5 times slower.
 */
export function withRegexFastPass<T>(work: () => T): T {
  let run: ReturnType<typeof runWithTimeout>;
  try {
    run = runWithTimeout(() => {
      regexFastPass = true;
      return work();
    }, REGEX_VALUE_BUDGET_MS);
  } finally {
    // A terminated run never reaches its own `finally` blocks.
    regexFastPass = false;
  }
  return run.done ? (run.value as T) : work();
}

/** What an operator a schema type has no handler for fails with, per type. */
function unknownOperator(kind: PathKind, key: string, operand: QueryValue, path: string, model: string): never {
  // SchemaNumber throws a CastError of its own (lower-case kind, no reason); Boolean casts the operand first.
  if (kind === 'Number') throw new CastFailure(castErrorJson('number', operand, path, model));
  if (kind === 'Boolean') castBooleanOrThrow(operand, path, model);
  throw new UnsupportedQuery(`Can't use ${key} with ${kind}.`);
}

/** {@link queryFilter} for a String path. */
export function stringQueryFilter(raw: QueryValue, path: string, model: string): (actual: unknown) => boolean {
  return queryFilter(raw, 'String', path, model);
}

/** {@link queryFilter} for a Number path. */
export function numberQueryFilter(raw: QueryValue, path: string, model: string): (actual: unknown) => boolean {
  return queryFilter(raw, 'Number', path, model);
}

function anyValue(actual: unknown, test: (value: unknown) => boolean): boolean {
  return Array.isArray(actual) ? actual.some(test) : test(actual);
}

/** `{field: value}` equality as Mongo applies it to arrays (any element) and scalars. */
export function matchesValue(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((item) => matchesValue(item, expected)) || JSON.stringify(actual) === JSON.stringify(expected);
  if (Array.isArray(expected)) return expected.some((item) => matchesValue(actual, item));
  if (expected === null) return actual === null || actual === undefined;
  return actual === expected;
}
