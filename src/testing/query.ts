import { RouteCrash } from './http.js';

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

function valueType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'Array';
  return typeof value;
}

export function castError(kind: 'ObjectId' | 'Number' | 'Boolean', value: unknown, path: string, model: string | undefined): CastFailure {
  const stringValue = `"${typeof value === 'string' ? value : JSON.stringify(value)}"`;
  let reason: Json = {};
  if (kind === 'Number') reason = { ...NUMBER_REASON };
  if (kind === 'Boolean') {
    reason = {
      stringValue,
      valueType: valueType(value),
      kind: 'boolean',
      value,
      name: 'CastError',
      message: `Cast to boolean failed for value ${stringValue} (type ${valueType(value)}) at path "undefined"`,
    };
  }
  return new CastFailure({
    stringValue,
    valueType: valueType(value),
    kind,
    value,
    path,
    reason,
    name: 'CastError',
    message: `Cast to ${kind} failed for value ${stringValue} (type ${valueType(value)}) at path "${path}"${model === undefined ? '' : ` for model "${model}"`}`,
  });
}

const HEX24 = /^[0-9a-fA-F]{24}$/;

export function castObjectIdOrThrow(value: unknown, path: string, model: string): string {
  if (typeof value === 'string' && HEX24.test(value)) return value.toLowerCase();
  if (typeof value === 'string' && value.length === 12) return Buffer.from(value, 'latin1').toString('hex');
  throw castError('ObjectId', value, path, model);
}

export function castNumberOrThrow(value: unknown, path: string, model: string): number {
  if (typeof value === 'number') return value;
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

/** BSON comparison order: missing/null < numbers < strings < objects < arrays < booleans. */
function typeRank(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return 1;
  if (typeof value === 'string') return 2;
  if (Array.isArray(value)) return 4;
  if (typeof value === 'object') return 3;
  if (typeof value === 'boolean') return 5;
  return 6;
}

export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) return (a as number) - (b as number);
  if (ra === 2) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  if (ra === 5) return Number(a) - Number(b);
  if (ra === 3 || ra === 4) {
    const sa = JSON.stringify(a);
    const sb = JSON.stringify(b);
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  }
  return 0;
}

/** Stable sort by one field, like Mongo on a collection scanned in insertion order. */
export function sortBy<T>(docs: T[], field: string, direction: 1 | -1): T[] {
  const keyed = docs.map((doc, index) => ({ doc, index, key: getPath(doc, field) }));
  keyed.sort((x, y) => direction * compareValues(x.key, y.key) || x.index - y.index);
  return keyed.map((k) => k.doc);
}

/** `.skip(skip).limit(limit)` with Mongo's treatment of NaN (ignored) and negative limits (absolute value). */
export function paginate<T>(docs: T[], skip: number, limit: number): T[] {
  const start = Number.isFinite(skip) && skip > 0 ? Math.floor(skip) : 0;
  const count = Number.isFinite(limit) && limit !== 0 ? Math.abs(Math.trunc(limit)) : undefined;
  return count === undefined ? docs.slice(start) : docs.slice(start, start + count);
}

/** `{field: value}` equality as Mongo applies it to arrays (any element) and scalars. */
export function matchesValue(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((item) => matchesValue(item, expected)) || JSON.stringify(actual) === JSON.stringify(expected);
  if (Array.isArray(expected)) return expected.some((item) => matchesValue(actual, item));
  if (expected === null) return actual === null || actual === undefined;
  return actual === expected;
}
