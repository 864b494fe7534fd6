/**
 * `qs.parse` (qs 6.16, the version under Express 4 and body-parser 1.20 on the real server), reduced to the options
 * those two pass: `allowPrototypes: true`, no dots, no comma lists, no charset sentinel, `duplicates: 'combine'`,
 * `strictMerge: true`. What it keeps of qs's behaviour, because routes read the values it builds:
 *
 * - `a[b][c]=1` nests up to `depth` levels (the rest of the key becomes one literal segment, or a RangeError with
 *   `strictDepth`);
 * - `a[0]=x`, `a[1]=y` build arrays (indices below `arrayLimit`, holes compacted), `a[]=x` appends, repeated keys
 *   combine into arrays, `a=1&a[b]=2` becomes `['1', {b: '2'}]`;
 * - objects have the ordinary prototype (so `String(obj)` is "[object Object]"), and a `__proto__` segment is
 *   dropped;
 * - at most `parameterLimit` `&`-separated parts are read, `%5B`/`%5D` count as brackets, `+` is a space and a
 *   malformed `%` escape is kept as is.
 */

export interface QsOptions {
  arrayLimit: number;
  depth: number;
  strictDepth: boolean;
  parameterLimit: number;
}

/** Express 4's "extended" query parser: `qs.parse(str, {allowPrototypes: true, arrayLimit: 1000})`. */
export const EXPRESS_QUERY_OPTIONS: QsOptions = { arrayLimit: 1000, depth: 5, strictDepth: false, parameterLimit: 1000 };

type Value = unknown;
type Container = Record<string, unknown> | unknown[];

const has = (obj: object, key: PropertyKey) => Object.prototype.hasOwnProperty.call(obj, key);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** Objects built from an array that outgrew arrayLimit, with their highest numeric index (qs's overflowChannel). */
const overflow = new WeakMap<object, number>();
/** Arrays/objects made by a `strictMerge` conflict (`a=1&a[b]=2`), with their highest index (qs's conflictChannel). */
const conflicts = new WeakMap<object, number>();

function decode(text: string): string {
  if (!text.includes('%')) return text.includes('+') ? text.replace(/\+/g, ' ') : text;
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function setProperty(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { configurable: true, enumerable: true, value, writable: true });
  else obj[key] = value;
}

function arrayToObject(source: unknown[]): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (let i = 0; i < source.length; ++i) if (source[i] !== undefined) obj[i] = source[i];
  return obj;
}

function maxNumericIndex(obj: object, min: number): number {
  let max = min;
  for (const key of Object.keys(obj)) {
    const num = parseInt(key, 10);
    if (String(num) === key && num > max) max = num;
  }
  return max;
}

function markOverflow<T extends object>(obj: T, maxIndex: number): T {
  overflow.set(obj, maxIndex);
  return obj;
}

function limitedPair(first: unknown, second: unknown, options: QsOptions): Container {
  const pair = [first, second];
  return pair.length > options.arrayLimit ? markOverflow(arrayToObject(pair), 1) : pair;
}

function combine(a: unknown, b: unknown, arrayLimit: number): Container {
  if (isObject(a) && overflow.has(a)) {
    const values = Array.isArray(b) ? b : [b];
    let index = overflow.get(a)!;
    for (const value of values) (a as Record<string, unknown>)[++index] = value;
    overflow.set(a, index);
    return a as Container;
  }
  const result = ([] as unknown[]).concat(a, b);
  return result.length > arrayLimit ? markOverflow(arrayToObject(result), result.length - 1) : result;
}

function merge(target: Value, source: Value, options: QsOptions): Value {
  if (!source) return target;
  if (typeof source !== 'object') {
    if (Array.isArray(target)) {
      const next = target.length;
      if (next >= options.arrayLimit) return markOverflow(arrayToObject(target.concat(source)), next);
      target[next] = source;
    } else if (isObject(target)) {
      if (overflow.has(target)) {
        const index = overflow.get(target)! + 1;
        target[index] = source;
        overflow.set(target, index);
      } else if (conflicts.has(target)) {
        const index = conflicts.get(target)! + 1;
        (target as Record<string, unknown>)[index] = source;
        conflicts.set(target, index);
      } else {
        const pair = limitedPair(target, source, options);
        if (Array.isArray(pair)) conflicts.set(pair, 1);
        return pair;
      }
    } else {
      return limitedPair(target, source, options);
    }
    return target;
  }
  if (!isObject(target)) {
    if (overflow.has(source)) {
      const result: Record<string, unknown> = { 0: target };
      for (const key of Object.keys(source)) result[parseInt(key, 10) + 1] = (source as Record<string, unknown>)[key];
      return markOverflow(result, overflow.get(source)! + 1);
    }
    const combined = [target].concat(source as unknown[]);
    return combined.length > options.arrayLimit ? markOverflow(arrayToObject(combined), combined.length - 1) : combined;
  }
  let mergeTarget: Record<string, unknown> | unknown[] = target as Container;
  if (Array.isArray(target) && !Array.isArray(source)) {
    mergeTarget = arrayToObject(target);
    if (conflicts.has(target)) conflicts.set(mergeTarget, target.length - 1);
  }
  if (Array.isArray(target) && Array.isArray(source)) {
    source.forEach((item, i) => {
      if (has(target, i)) {
        const targetItem = target[i];
        if (isObject(targetItem) && isObject(item)) target[i] = merge(targetItem, item, options);
        else target[target.length] = item;
      } else target[i] = item;
    });
    return target.length > options.arrayLimit ? markOverflow(arrayToObject(target), target.length - 1) : target;
  }
  const acc = mergeTarget as Record<string, unknown>;
  const from = source as Record<string, unknown>;
  for (const key of Object.keys(from)) {
    const value = from[key];
    setProperty(acc, key, has(acc, key) ? merge(acc[key], value, options) : value);
    if (overflow.has(from) && !overflow.has(acc)) markOverflow(acc, maxNumericIndex(acc, overflow.get(from)!));
    if (overflow.has(acc)) {
      const num = parseInt(key, 10);
      if (String(num) === key && num >= 0 && num > overflow.get(acc)!) overflow.set(acc, num);
    }
    if (conflicts.has(acc)) {
      const num = parseInt(key, 10);
      if (String(num) === key && num > conflicts.get(acc)!) conflicts.set(acc, num);
    }
  }
  return acc;
}

/** Removes the holes of sparse arrays, everywhere in the tree (qs's `compact`). */
function compact(value: Value): Value {
  const seen = new WeakSet<object>();
  const visit = (node: unknown): unknown => {
    if (!isObject(node) || seen.has(node)) return node;
    seen.add(node);
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      for (let i = 0; i < node.length; ++i) if (node[i] !== undefined) out.push(visit(node[i]));
      if (conflicts.has(node)) conflicts.set(out, conflicts.get(node)!);
      return out;
    }
    for (const key of Object.keys(node)) setProperty(node, key, visit(node[key]));
    return node;
  };
  return visit(value);
}

/** `splitKeyIntoSegments`: "a[b][c]" → ['a', '[b]', '[c]'], balanced brackets, at most `depth` groups. */
function splitKey(key: string, options: QsOptions): string[] {
  if (options.depth <= 0) return [key];
  const segments: string[] = [];
  const first = key.indexOf('[');
  const parent = first >= 0 ? key.slice(0, first) : key;
  if (parent) segments.push(parent);
  let open = first;
  let collected = 0;
  while (open >= 0 && collected < options.depth) {
    let level = 1;
    let i = open + 1;
    let close = -1;
    while (i < key.length && close < 0) {
      const c = key.charCodeAt(i);
      if (c === 0x5b) level += 1;
      else if (c === 0x5d) {
        level -= 1;
        if (level === 0) close = i;
      }
      i += 1;
    }
    if (close < 0) {
      segments.push(`[${key.slice(open)}]`);
      return segments;
    }
    segments.push(key.slice(open, close + 1));
    collected += 1;
    open = key.indexOf('[', close + 1);
  }
  if (open >= 0) {
    if (options.strictDepth) throw new RangeError(`Input depth exceeded depth option of ${options.depth} and strictDepth is true`);
    segments.push(`[${key.slice(open)}]`);
  }
  return segments;
}

function parseObject(chain: string[], value: unknown, options: QsOptions): unknown {
  let leaf = value;
  for (let i = chain.length - 1; i >= 0; --i) {
    const root = chain[i]!;
    let obj: unknown;
    if (root === '[]') {
      obj = isObject(leaf) && overflow.has(leaf) ? leaf : combine([], leaf, options.arrayLimit);
    } else {
      const container: Record<string, unknown> = {};
      const cleanRoot = root.startsWith('[') && root.endsWith(']') ? root.slice(1, -1) : root;
      const index = parseInt(cleanRoot, 10);
      const isIndex = !Number.isNaN(index) && root !== cleanRoot && String(index) === cleanRoot && index >= 0;
      if (isIndex && index < options.arrayLimit) {
        const array: unknown[] = [];
        array[index] = leaf;
        obj = array;
      } else if (isIndex) {
        container[index] = leaf;
        obj = markOverflow(container, index);
      } else {
        if (cleanRoot !== '__proto__') container[cleanRoot] = leaf;
        obj = container;
      }
    }
    leaf = obj;
  }
  return leaf;
}

/** Parses a query string or urlencoded body. Throws a RangeError only with `strictDepth` (body-parser's 400). */
export function parseQs(text: string, options: QsOptions): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (!text) return result;
  const clean = text.replace(/%5B/gi, '[').replace(/%5D/gi, ']');
  const parts = clean.split('&', options.parameterLimit);
  const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const part of parts) {
    const bracketEquals = part.indexOf(']=');
    const pos = bracketEquals === -1 ? part.indexOf('=') : bracketEquals + 1;
    const isEmptyBracketKey = pos > 1 && part.slice(pos - 2, pos) === '[]';
    const key = decode(pos === -1 ? part : part.slice(0, pos));
    let value: unknown = pos === -1 ? '' : decode(part.slice(pos + 1));
    if (isEmptyBracketKey) value = Array.isArray(value) ? [value] : value;
    if (has(values, key)) values[key] = combine(values[key], value, options.arrayLimit);
    else values[key] = value;
  }
  let out: unknown = result;
  for (const key of Object.keys(values)) {
    if (!key) continue;
    out = merge(out, parseObject(splitKey(key, options), values[key], options), options);
  }
  return compact(out) as Record<string, unknown>;
}
