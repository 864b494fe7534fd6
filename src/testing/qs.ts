/**
 * Query strings and urlencoded bodies read the way the real server's Express 4 and body-parser 1.20 read them: their
 * "extended" parser, qs 6, with the options those two pass. Written from qs's documented behaviour, not its code, and
 * held to the real qs by test/testing/query-string.test.ts (a differential test over generated strings). What routes
 * rely on:
 *
 * - `a[b][c]=1` nests, up to `depth` bracket groups; the rest of the key becomes one literal key (or, with
 *   `strictDepth`, a RangeError: body-parser's 400);
 * - `a[]=x` appends, `a[1]=y&a[0]=x` builds `['x', 'y']` (holes closed up), a repeated key makes a list,
 *   `a=1&a[b]=2` makes `['1', {b: '2'}]`; an index of `arrayLimit` or more is an object key instead;
 * - objects have the ordinary prototype, so a route's `String(value)` is "[object Object]" rather than a crash, and
 *   a `__proto__` key is dropped;
 * - only the first `parameterLimit` `&`-separated parts are read; `%5B`/`%5D` are brackets, `+` is a space, and a
 *   malformed `%` escape is kept as written.
 *
 * Not modelled: what qs does with a list of repeats longer than `arrayLimit`. With Express's and body-parser's
 * options there is none: they read at most as many parts as their `arrayLimit`.
 */

export interface QueryStringOptions {
  /** Indices from this one on are object keys, not list positions. */
  arrayLimit: number;
  /** Bracket groups read per key. */
  depth: number;
  /** Past `depth`, throw instead of keeping the rest of the key as one literal key. */
  strictDepth: boolean;
  /** `&`-separated parts read; later ones are ignored. */
  parameterLimit: number;
}

/** Express 4's query parser: `qs.parse(search, { allowPrototypes: true, arrayLimit: 1000 })`, qs's other defaults. */
export const EXPRESS_QUERY_OPTIONS: QueryStringOptions = { arrayLimit: 1000, depth: 5, strictDepth: false, parameterLimit: 1000 };

type Node = unknown;
type Tree = Record<string, unknown> | unknown[];

const isTree = (value: unknown): value is Tree => typeof value === 'object' && value !== null;
const own = (tree: object, key: PropertyKey) => Object.prototype.hasOwnProperty.call(tree, key);

/** Parses a query string or urlencoded body. Throws a RangeError only past `depth` with `strictDepth`. */
export function parseQueryString(text: string, options: QueryStringOptions): Record<string, unknown> {
  // Flat values first, so a key given twice is one list before any nesting is built.
  const flat = new Map<string, unknown>();
  const parts = text ? text.replace(/%5B/gi, '[').replace(/%5D/gi, ']').split('&', options.parameterLimit) : [];
  for (const part of parts) {
    // `a[b=c]=d`: the value starts after the first `]=` when there is one, so `=` inside brackets stays in the key.
    const closing = part.indexOf(']=');
    const at = closing === -1 ? part.indexOf('=') : closing + 1;
    const key = decode(at === -1 ? part : part.slice(0, at));
    if (!key) continue;
    const value = at === -1 ? '' : decode(part.slice(at + 1));
    flat.set(key, flat.has(key) ? ([] as unknown[]).concat(flat.get(key), value) : value);
  }
  let result: Node = {};
  for (const [key, value] of flat) result = merge(result, nest(segments(key, options), value, options));
  return withoutHoles(result) as Record<string, unknown>;
}

function decode(text: string): string {
  const spaced = text.includes('+') ? text.replace(/\+/g, ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * `a[b][c]` → `['a', '[b]', '[c]']`. A group ends at its balancing `]` (`a[b[c]]` is one group); text after a group
 * that does not open another is dropped; an unclosed `[` takes the rest of the key.
 */
function segments(key: string, options: QueryStringOptions): string[] {
  let open = key.indexOf('[');
  const out = open === 0 ? [] : [open === -1 ? key : key.slice(0, open)];
  while (open !== -1) {
    if (out.length - (key.startsWith('[') ? 0 : 1) === options.depth) {
      if (options.strictDepth) throw new RangeError(`the key nests deeper than ${options.depth} levels`);
      out.push(`[${key.slice(open)}]`);
      break;
    }
    const close = balancingBracket(key, open);
    if (close === -1) {
      out.push(`[${key.slice(open)}]`);
      break;
    }
    out.push(key.slice(open, close + 1));
    open = key.indexOf('[', close + 1);
  }
  return out;
}

function balancingBracket(key: string, open: number): number {
  let level = 0;
  for (let i = open; i < key.length; i++) {
    if (key[i] === '[') level++;
    else if (key[i] === ']' && --level === 0) return i;
  }
  return -1;
}

/** The tree one key stands for: `['a', '[0]', '[b]']` and `v` → `{a: [{b: v}]}`. */
function nest(path: string[], value: unknown, options: QueryStringOptions): Node {
  let node: Node = value;
  for (let i = path.length - 1; i >= 0; i--) {
    const segment = path[i]!;
    if (segment === '[]') {
      node = ([] as unknown[]).concat(node);
      continue;
    }
    const bracketed = segment.startsWith('[') && segment.endsWith(']');
    const name = bracketed ? segment.slice(1, -1) : segment;
    const index = Number(name);
    if (bracketed && /^(0|[1-9]\d*)$/.test(name) && index < options.arrayLimit) {
      const list: unknown[] = [];
      list[index] = node;
      node = list;
    } else node = name === '__proto__' ? {} : { [name]: node };
  }
  return node;
}

/** Adds `source` (one key's tree) into `target` (what the keys before it built). */
function merge(target: Node, source: Node): Node {
  // An empty value adds nothing to a key that already has one (`a[b]=1&a=` keeps `{b: '1'}`), a list item aside.
  if (source === '') return target;
  if (!isTree(source)) {
    if (Array.isArray(target)) {
      target.push(source);
      return target;
    }
    return [target, source];
  }
  if (!isTree(target)) return ([target] as unknown[]).concat(source);
  if (Array.isArray(target) && Array.isArray(source)) {
    source.forEach((item, i) => {
      if (!own(target, i)) target[i] = item;
      else if (isTree(target[i]) && isTree(item)) target[i] = merge(target[i], item);
      else target.push(item);
    });
    return target;
  }
  // A list meeting named keys becomes an object keyed by its indices.
  const into: Record<string, unknown> = Array.isArray(target) ? { ...target } : target;
  for (const [key, value] of Object.entries(source)) {
    if (key === '__proto__') continue;
    into[key] = own(into, key) ? merge(into[key], value) : value;
  }
  return into;
}

function withoutHoles(node: Node): Node {
  if (Array.isArray(node)) return node.filter(() => true).map(withoutHoles);
  if (isTree(node)) {
    const tree = node as Record<string, unknown>;
    for (const key of Object.keys(tree)) tree[key] = withoutHoles(tree[key]);
  }
  return node;
}
