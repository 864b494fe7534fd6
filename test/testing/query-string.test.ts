/**
 * The local server's query-string and form parser against the real thing: qs 6.16, which the real server's Express 4
 * and body-parser 1.20 call, with the options they pass. Users' code sends `?status[]=…`, nested form fields and odd
 * keys; whatever shape the real server builds from them, the local one must build too.
 */
import qs from 'qs';
import { describe, expect, it } from 'vitest';
import { EXPRESS_QUERY_OPTIONS, parseQueryString, type QueryStringOptions } from '../../src/testing/qs.js';

/** Express 4.22: `qs.parse(str, { allowPrototypes: true, arrayLimit: 1000 })`. */
const express = (text: string) => qs.parse(text, { allowPrototypes: true, arrayLimit: 1000 });
/** body-parser 1.20's extended urlencoded parser, for a body of `parts` parts. */
const bodyParser = (text: string, parts: number) =>
  qs.parse(text, { allowPrototypes: true, arrayLimit: Math.max(100, parts), depth: 32, strictDepth: true, parameterLimit: 1000 });
const formOptions = (parts: number): QueryStringOptions => ({ arrayLimit: Math.max(100, parts), depth: 32, strictDepth: true, parameterLimit: 1000 });

const CASES = [
  '', 'a', 'a=', '=x', '&&a=1&', 'a=1&a=2', 'a=1&a=2&a[]=3', 'a+b=c+d', 'a=%20%41', 'a=%E0%A4%A', '%=%', 'a%5Bb%5D=1', 'a%5bb%5d=1',
  '[a]=b', '[a][b]=c', 'a[b=c]=d', 'a[]', 'a[]=1&a[]=2', 'a[][]=1', 'a[0][]=1&a[0][]=2', 'a[1]=b&a[15]=c', 'a[1]=y&a[0]=x',
  'a=1&a[b]=2', 'a[b]=2&a=1', 'a[b]=1&a[b]=2', 'a[0]=1&a[b]=2', 'a[b]=2&a[0]=1', 'a[0]=x&a=y', 'a=y&a[0]=x', 'a[]=1&a[0]=2',
  'a[0]=2&a[]=1', 'a[0][b]=1&a[0][c]=2', 'a[0][b]=1&a[1][b]=2', 'a[][b]=1&a[][b]=2', 'a[b][]=1&a[b][]=2&a[c]=3',
  'a[999]=x', 'a[1000]=x', 'a[1001]=x&a[]=y', 'a[]=x&a[1001]=y', 'a[ 1]=x', 'a[01]=x', 'a[-1]=x', 'a[1.5]=x',
  'a[b[c]]=d', 'a[b]c]=d', 'a[b]c[d]=e', 'a[=1', 'a]=1', 'a[[b]=1', 'a[b][=1', 'a[]]=1',
  'a[b][c][d][e][f]=1', 'a[b][c][d][e][f][g]=1', 'a[b][c][d][e][f][g][h]=1', '[a][b][c][d][e][f][g]=1',
  '__proto__[x]=1', 'a[__proto__][b]=1', '__proto__=1', 'a[__proto__]=1', 'hasOwnProperty=1', 'toString[a]=1', 'a[constructor][prototype]=1',
  'limit[$gt]=1', 'status[]=100&status[]=200', 'dept_id[$in]=a&dept_id[$in]=b', 'x=1&' + 'y=2&'.repeat(1_100),
  `${'a[]=x&'.repeat(999)}a[]=y`, `${'a=x&'.repeat(999)}a[b]=y`,
];

/** Random keys and values from the pieces qs treats specially. */
function generated(count: number, seed: number): string[] {
  let state = seed;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  const names = ['a', 'b', '0', '1', '2', '10', '', ' ', '__proto__', '$in', 'x y'];
  const groups = (): string => {
    let key = '';
    for (let i = random(9); i > 0; i--) {
      const pick = random(10);
      key += pick === 0 ? '[]' : pick === 1 ? '[' : pick === 2 ? ']' : pick === 3 ? `[${names[random(names.length)]}[${names[random(names.length)]}]]` : `[${names[random(names.length)]}]`;
    }
    return key;
  };
  const values = ['x', 'y', '', '%20', '+', '%E0%A4%A', '1=2', '%5B%5D'];
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const parts: string[] = [];
    for (let p = 1 + random(6); p > 0; p--) {
      const root = random(6) === 0 ? '' : ['a', 'b', '__proto__'][random(3)]!;
      const key = root + groups();
      parts.push(random(8) === 0 ? key : `${key}=${values[random(values.length)]}`);
    }
    out.push(parts.join('&'));
  }
  return out;
}

describe('query strings, as Express 4 reads them', () => {
  it.each(CASES)('%j', (text) => {
    expect(shape(parseQueryString(text, EXPRESS_QUERY_OPTIONS))).toEqual(shape(express(text)));
  });

  it('matches qs on 5,000 generated strings', () => {
    const differences = generated(5_000, 7)
      .filter((text) => !isDeepStrictEqual(parseQueryString(text, EXPRESS_QUERY_OPTIONS), express(text)))
      .map((text) => ({ text, local: JSON.stringify(parseQueryString(text, EXPRESS_QUERY_OPTIONS)), qs: JSON.stringify(express(text)) }));
    expect(differences.slice(0, 5)).toEqual([]);
  });
});

describe('form bodies, as body-parser reads them', () => {
  const parts = (text: string) => text.split('&').length;

  it.each(CASES.filter((text) => parts(text) <= 1_000))('%j', (text) => {
    const real = outcome(() => bodyParser(text, parts(text)));
    const local = outcome(() => parseQueryString(text, formOptions(parts(text))));
    expect(shape(local)).toEqual(shape(real));
  });

  it('past 32 levels a form is refused (body-parser answers 400 there), at 32 it is read', () => {
    const deep = (levels: number) => `a${'[b]'.repeat(levels)}=1`;
    expect(() => bodyParser(deep(33), 1)).toThrow(RangeError);
    expect(() => parseQueryString(deep(33), formOptions(1))).toThrow(RangeError);
    expect(shape(parseQueryString(deep(32), formOptions(1)))).toEqual(shape(bodyParser(deep(32), 1)));
  });

  it('matches qs on 2,000 generated bodies', () => {
    const differences = generated(2_000, 11).filter(
      (text) => !isDeepStrictEqual(outcome(() => parseQueryString(text, formOptions(parts(text)))), outcome(() => bodyParser(text, parts(text)))),
    );
    expect(differences.slice(0, 5)).toEqual([]);
  });
});

/**
 * What a route can observe of a parsed value: lists (holes included) versus objects, keys in order, which prototype an
 * object has (an ordinary one, so `String(value)` works). Not `toStrictEqual`, which compares `constructor` properties
 * and so fails on `a[constructor]=1` however equal the two are.
 */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return { list: Array.from({ length: value.length }, (_, i) => (i in value ? shape(value[i]) : '<hole>')) };
  if (typeof value !== 'object' || value === null) return value;
  const proto = Object.getPrototypeOf(value) === Object.prototype ? 'Object' : String(Object.getPrototypeOf(value));
  return { proto, entries: Object.keys(value).map((key) => [key, shape((value as Record<string, unknown>)[key])]) };
}

/** A parse's value, or the name of what it threw (body-parser turns a RangeError into its 400). */
function outcome(parse: () => unknown): { value: unknown } | { threw: string } {
  try {
    return { value: parse() };
  } catch (error) {
    return { threw: (error as Error).name };
  }
}

function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(shape(a)) === JSON.stringify(shape(b));
}
