/**
 * Differential fuzzing of the two validators of widget messages: the zod-free checks of `tiledesk-sdk/messages`
 * (`parse…`/`safeParse…`, outbound-check.ts, inbound-check.ts) against the zod schemas of
 * `tiledesk-sdk/messages/schemas`. parity.test.ts changes one node of each seed at a time, with a fixed list of
 * values; here a small seeded PRNG applies one to four random mutations per case (see MUTATIONS), so fields go wrong
 * together, and values come from wider pools (unicode, blank characters trim() keeps or drops, huge and non-finite
 * numbers, URL edge cases, nested commands, deep nesting, keys named after Object.prototype members, values JSON
 * cannot hold). The seeds are valid messages: the builders' output, the valid tables, the seed examples, and the real
 * chatbot messages of the corpus (stripped to what the outbound schema accepts, for the outbound cases).
 *
 * Parity means what it means in parity.test.ts: the same outcome, the same issues (path and message, in order) or the
 * same value with its keys in the same order. Besides: `safeParse…` and the schemas never throw, `parse…` throws only
 * an {@link InvalidMessageError} with those issues; `classify` never throws, and reads every message the inbound check
 * refuses as `invalid` with the same issues; `expandCommands` (with any options) never throws on a message the readers
 * accept, and throws an InvalidMessageError on the others; every message the outbound check accepts is one the readers
 * accept and `classify` draws; and random builder calls, with arguments of any type, throw nothing but an
 * InvalidMessageError and build only messages the schema accepts unchanged.
 *
 * Deterministic: a fixed seed and fixed counts, so a failure names a case that fails again on the next run. To search
 * further, change SEED or raise the counts locally (10^5 cases run in about 20 s).
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as builders from '../../src/messages/builders.js';
import {
  InvalidMessageError,
  classify,
  expandCommands,
  parseInboundMessage,
  parseOutboundMessage,
  safeParseInboundMessage,
  safeParseOutboundMessage,
  type MessageParseResult,
} from '../../src/messages/index.js';
import { InboundMessageSchema, OutboundMessageSchema, safeParseWith } from '../../src/messages/schemas.js';
import { builderSamples, seedBuilders } from './fixtures/built-messages.js';
import { corpusEntries, realServerMessages } from './fixtures/load.js';
import { maximalInbound, maximalOutbound } from './fixtures/maximal.js';
import { invalidOutbound, validOutbound } from './fixtures/outbound-cases.js';
import { seedExamples } from './fixtures/seed-examples.js';

type Json = Record<string, unknown>;
type Key = string | number;

// ── A small seeded PRNG (mulberry32) ─────────────────────────────────────────────────────────────────────────

const SEED = 0x5eed_2026;
const OUTBOUND_CASES = 3_000;
const INBOUND_CASES = 3_000;
const BUILDER_CALLS = 3_000;

function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

// ── Value pools ──────────────────────────────────────────────────────────────────────────────────────────────

const BLANKS = ['', ' ', '   ', '\t\n', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u200b', '\u180e', '\r\n \t'];
const UNICODE = [
  'é', 'Ünïcödé', '日本語のテキスト', '👋🤖', '👨‍👩‍👧', 'مرحبا', 'e\u0301', '\u0000', '\ud800', 'a\u2028b', 'ｈｔｔｐｓ://ｅｘａｍｐｌｅ.com',
  'x'.repeat(5_000), ' x ', 'null', 'undefined', 'true', '{}', '[]', '[{', '```', '"', '<b>x</b>',
];
const NUMBERS = [
  0, -0, 1, -1, 1.5, 0.1, 5e-324, 1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, Number.MIN_SAFE_INTEGER,
  Infinity, -Infinity, Number.NaN,
];
const NUMERIC_STRINGS = ['0', '-1', '1e3', 'NaN', 'Infinity', '-Infinity', '0x10', '1_000', ' 100 ', '100px', '100%', '33.5%', '.5', '5.', '1e309'];
const URLS = [
  'https://example.com', 'http://example.com/a.png', 'HTTPS://EXAMPLE.COM', 'https://', 'http://', 'https:///x', 'https://?q',
  'https://#x', 'https://a', 'https://ex ample.com', ' https://example.com', 'https://example.com\n', 'https://example.com/\u00a0x',
  '//example.com', 'www.example.com', 'example.com', 'ftp://example.com', 'data:image/png;base64,AAAA', 'javascript:alert(1)',
  'JavaScript:alert(1)', 'mailto:', 'mailto:a@b.c', 'MAILTO:x', 'tel:', 'tel:+39 000', 'https://例え.jp/パス', 'https://[::1]:8080/',
  'https://user:pass@example.com', `https://example.com/${'a'.repeat(3_000)}`, `http://${'a'.repeat(3_000)} `,
  'https://example.com/a https://example.com/b', '[{"source_name":"x"}]', '[]', '["https://example.com"]',
];
const MIMES = ['audio/mpeg', 'audio/', 'AUDIO/MP3', 'audio', 'application/pdf', 'text/plain; charset=utf-8', 'image/png ;x', 'a/b/c', '/', 'x/y', 'video/mp4'];
const EMAILS = ['a@b.c', 'a@b', '@b.c', 'a@.c', 'a@b.', 'a b@c.d', 'ann@example.com', 'a@b@c.d'];
const TYPES = [
  'text', 'image', 'file', 'frame', 'html', 'gallery', 'redirect', 'url_preview', 'tts', 'message', 'wait', 'settings', 'template',
  'url', 'action', 'buttons', 'TEXT', 'Text', ' text', 'video', '', 'constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf',
];
const KEYS = [
  'zzz', '', ' ', 'type', 'text', 'metadata', 'attributes', 'commands', 'attachment', 'buttons', 'gallery', 'message', 'time', 'src',
  'value', 'link', 'target', 'action', 'show_echo', 'subtype', 'messagelabel', 'parameters', 'member_id', 'fullname', 'preview',
  'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'prototype', 'ключ', '🔑', '0', '-1',
];
const SCALARS: unknown[] = [null, true, false, 0, 1, -1, '', 'x', ...TYPES.slice(0, 6), 'blank', 'self', 'parent', 'info', 'private', 'template'];

/** Random strings of each kind the checks look at. */
const randomString = (r: Rng): string =>
  r.pick([() => r.pick(BLANKS), () => r.pick(UNICODE), () => r.pick(NUMERIC_STRINGS), () => r.pick(URLS), () => r.pick(MIMES), () => r.pick(EMAILS), () => r.pick(TYPES)])();

// ── Paths into a value ───────────────────────────────────────────────────────────────────────────────────────

/** Every node of a value (not below `request`, which neither validator reads). */
function nodePaths(value: unknown, path: Key[] = []): Key[][] {
  const out = [path];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...nodePaths(v, [...path, i])));
  else if (typeof value === 'object' && value !== null && !(value instanceof String)) {
    for (const [k, v] of Object.entries(value)) if (k !== 'request') out.push(...nodePaths(v, [...path, k]));
  }
  return out;
}
const objectPaths = (value: unknown) => nodePaths(value).filter((p) => isObject(at(value, p)));
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const at = (value: unknown, path: Key[]): unknown => path.reduce<unknown>((v, k) => (v as Json)[k], value);

/** Sets `path` in `root` (or returns the replacement when `path` is the root); `undefined` deletes. */
function put(root: unknown, path: Key[], replacement: unknown): unknown {
  if (path.length === 0) return replacement === DELETE ? {} : replacement;
  const parent = at(root, path.slice(0, -1)) as Json | unknown[];
  const key = path.at(-1)!;
  if (replacement !== DELETE) ownSet(parent, key, replacement);
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete (parent as Json)[key];
  return root;
}
const DELETE = Symbol('delete');
/** An own property even for `__proto__`, as JSON.parse makes it (not on what holds fixed properties: a boxed string). */
const ownSet = (target: object, key: Key, value: unknown) => {
  if (Object.getOwnPropertyDescriptor(target, key)?.configurable !== false) {
    Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  }
};

// ── Mutations ────────────────────────────────────────────────────────────────────────────────────────────────

/** Each takes a copy of the case, a random node path in it, and the other seeds (for transplants); returns the new case. */
type Mutation = (r: Rng, value: unknown, path: Key[], donors: readonly unknown[]) => unknown;

const split = (...parts: unknown[]) => ({ type: 'text', text: 'fallback', attributes: { commands: parts } });
const say = (text: string, attributes?: Json) => ({ type: 'message', message: attributes ? { type: 'text', text, attributes } : { type: 'text', text } });

const MUTATIONS: Record<string, Mutation> = {
  /** A key removed, or an element of a list. */
  delete: (_r, v, p) => put(v, p, p.length ? DELETE : {}),
  /** A key misspelt: case changed, snake/camel swapped, a letter added or dropped. */
  rename: (r, v, p) => {
    const key = p.at(-1);
    if (typeof key !== 'string') return put(v, p, DELETE);
    const parent = at(v, p.slice(0, -1)) as Json;
    const renamed = r.pick([
      key.toUpperCase(), key.toLowerCase(), `${key}s`, key.slice(1), key.replace(/_(.)/g, (_m, c: string) => c.toUpperCase()),
      key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), ` ${key}`, `${key}\u200b`,
    ]);
    const child = parent[key];
    delete parent[key];
    ownSet(parent, renamed, child);
    return v;
  },
  /** A value of another type (or null, or nothing). */
  retype: (r, v, p) => put(v, p, r.pick<unknown>([null, undefined, true, 42, 'x', [], {}, [null], [[]], { 0: 'x' }, DELETE])),
  /** Empty, blank, or whitespace that trim() keeps (zero-width) or drops (NBSP, em space, BOM). */
  blank: (r, v, p) => put(v, p, r.pick(BLANKS)),
  /** Zero, negative, tiny, huge and non-finite numbers, and strings that look like numbers. */
  number: (r, v, p) => put(v, p, r.next() < 0.6 ? r.pick(NUMBERS) : r.pick(NUMERIC_STRINGS)),
  null: (_r, v, p) => put(v, p, null),
  /** Wrapped in a list, unwrapped from one, an object made a list or a list an object. */
  container: (r, v, p) => {
    const node = at(v, p);
    const options: unknown[] = [[node], [node, node], {}, []];
    if (Array.isArray(node)) options.push(node[0], { ...node }, Object.fromEntries(Array.from(node, (x, i) => [`k${i}`, x])));
    if (isObject(node)) options.push(Object.values(node), Object.entries(node));
    return put(v, p, structuredClone(r.pick(options)));
  },
  /** An extra key on an object: unknown, known elsewhere, empty, a prototype member's name, or an own `__proto__`. */
  extraKey: (r, v, _p) => {
    const paths = objectPaths(v);
    if (paths.length === 0) return v;
    const target = at(v, r.pick(paths)) as Json;
    const key = r.next() < 0.15 ? '__proto__' : r.pick(KEYS);
    ownSet(target, key, key === '__proto__' ? { polluted: true, type: 'image' } : r.pick<unknown>([1, 'x', null, {}, [], true, undefined]));
    return v;
  },
  /** Commands where they do or do not belong: a split message put in a node, or in an object's attributes. */
  commands: (r, v, p) => {
    const commands = r.pick<unknown[]>([
      [say('a'), { type: 'wait', time: 1 }, say('b')],
      [{ type: 'wait', time: 0 }, say('a', { commands: [say('nested')] })],
      [say('a', { commands: true, parentUid: 'p' })],
      [say('a'), say('b')],
      [{ type: 'wait' }, { type: 'wait', time: 1 }],
      [{ type: 'settings', settings: {} }, say('a')],
      [say('a'), { type: 'wait', time: 1 }, { type: 'message', message: split(say('deep')) }],
      [],
      [{}],
    ]);
    const node = at(v, p);
    if (isObject(node) && r.next() < 0.6) {
      const attributes = isObject(node['attributes']) ? node['attributes'] : {};
      ownSet(attributes, 'commands', structuredClone(commands));
      ownSet(node, 'attributes', attributes);
      return v;
    }
    return put(v, p, r.next() < 0.5 ? split(...structuredClone(commands)) : structuredClone(commands));
  },
  /** Unicode text: accents, emoji sequences, RTL, combining marks, NUL, a lone surrogate, a long string. */
  unicode: (r, v, p) => {
    const node = at(v, p);
    const s = r.pick(UNICODE);
    return put(v, p, typeof node === 'string' && r.next() < 0.5 ? r.pick([`${node}${s}`, `${s}${node}`]) : s);
  },
  /** A node buried under 40 to 200 levels of objects or lists. */
  deep: (r, v, p) => {
    let node = at(v, p);
    const depth = 40 + r.int(160);
    const key = r.pick(['a', 'commands', 'attributes', 'message']);
    for (let i = 0; i < depth; i++) node = r.next() < 0.5 ? [node] : { [key]: node };
    return put(v, p, node);
  },
  /** URL edge cases: relative, schemeless, other schemes, blanks inside or around, IDN, IPv6, credentials, huge. */
  url: (r, v, p) => put(v, p, r.pick(URLS)),
  /** MIME types, emails and other strings the rules match. */
  string: (r, v, p) => put(v, p, randomString(r)),
  /** `type` set to another type's name, a near miss, or a prototype member's name. */
  type: (r, v, p) => {
    const paths = objectPaths(v);
    const target = at(v, paths.length ? r.pick(paths) : p);
    if (isObject(target)) ownSet(target, 'type', r.pick(TYPES));
    return v;
  },
  /** A list changed as a whole: an element duplicated, two swapped, reversed, emptied, or one added from elsewhere. */
  list: (r, v, p, donors) => {
    const lists = nodePaths(v).filter((q) => Array.isArray(at(v, q)));
    if (lists.length === 0) return put(v, p, []);
    const list = at(v, r.pick(lists)) as unknown[];
    const i = r.int(Math.max(list.length, 1));
    switch (r.int(5)) {
      case 0:
        if (list.length) list.splice(i, 0, structuredClone(list[i]));
        break;
      case 1:
        if (list.length > 1) [list[0], list[i]] = [list[i], list[0]];
        break;
      case 2:
        list.reverse();
        break;
      case 3:
        list.length = 0;
        break;
      default: {
        const donor = r.pick(donors);
        list.splice(i, 0, structuredClone(at(donor, r.pick(nodePaths(donor)))));
      }
    }
    return v;
  },
  /** A node replaced by a node of another seed (a card where a button goes, a message where a command goes, …). */
  transplant: (r, v, p, donors) => {
    const donor = r.pick(donors);
    return put(v, p, structuredClone(at(donor, r.pick(nodePaths(donor)))));
  },
  /** A scalar the checks compare against: a target, a subtype, a type, a boolean, a number. */
  scalar: (r, v, p) => put(v, p, r.pick(SCALARS)),
  /** A key whose value is `undefined` (JavaScript callers write them). */
  undefined: (_r, v, p) => put(v, p, undefined),
  /**
   * What JavaScript callers pass that JSON cannot hold: an object without prototype or inheriting its keys, a class
   * instance, a Date, a Map, a boxed string or number, a bigint, a sparse list or one with an extra property.
   */
  javascript: (r, v, p) => {
    const node = at(v, p);
    const options: unknown[] = [new Date(0), new Map([['text', 'x']]), new String('x'), new Number(5), 10n, Object.create(null)];
    if (isObject(node)) options.push(Object.assign(Object.create(null), node), Object.create(node), Object.assign(new (class Message {})(), node));
    if (Array.isArray(node)) {
      const holes = [...node];
      holes.length += 1 + r.int(2);
      options.push(holes, Object.assign([...node], { extra: 1 }));
    }
    return put(v, p, r.pick(options));
  },
};
const KINDS = Object.keys(MUTATIONS);

/** `count` cases, each a seed with one to four random mutations; the kinds used are counted into `used`. */
function generate(seeds: readonly unknown[], count: number, seed: number, used: Map<string, number>): unknown[] {
  const r = prng(seed);
  const cases: unknown[] = [];
  for (let n = 0; n < count; n++) {
    let value: unknown = structuredClone(r.pick(seeds));
    const steps = 1 + (r.next() < 0.5 ? 0 : r.next() < 0.6 ? 1 : r.next() < 0.7 ? 2 : 3);
    for (let s = 0; s < steps; s++) {
      const kind = r.pick(KINDS);
      used.set(kind, (used.get(kind) ?? 0) + 1);
      value = MUTATIONS[kind]!(r, value, r.pick(nodePaths(value)), seeds);
    }
    cases.push(value);
  }
  return cases;
}

// ── Outcomes, as parity.test.ts compares them ────────────────────────────────────────────────────────────────

type Outcome = { ok: true; value: unknown; json: string } | { ok: false; issues: unknown };
/** JSON with its keys in order, and a bigint (which JSON cannot hold) written as `10n`. */
const json = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
const fromParse = (r: MessageParseResult<unknown>): Outcome =>
  r.success ? { ok: true, value: r.data, json: json(r.data) } : { ok: false, issues: r.error.issues };

/** Runs `call`; an error is returned, never thrown, so a case can be reported. */
function attempt<T>(call: () => T): { value: T } | { thrown: unknown } {
  try {
    return { value: call() };
  } catch (thrown) {
    return { thrown };
  }
}
const describeThrown = (thrown: unknown) => (thrown instanceof Error ? `${thrown.name}: ${thrown.message.slice(0, 200)}` : String(thrown));

interface Report {
  cases: number;
  refused: number;
  /** Cases whose outcomes differ (the first few), each with both outcomes. */
  differ: unknown[];
  /** Calls that threw what they should not (the first few). */
  thrown: unknown[];
}

/**
 * Runs both sides of one direction (`parse…`/`safeParse…` and the zod schema) on every case: `safeParse…` and the
 * schema never throw, `parse…` throws only an {@link InvalidMessageError} with the issues `safeParse…` gave.
 */
function compare(
  cases: readonly unknown[],
  check: (v: unknown) => MessageParseResult<unknown>,
  parse: (v: unknown) => unknown,
  zod: (v: unknown) => MessageParseResult<unknown>,
): Report {
  const report: Report = { cases: cases.length, refused: 0, differ: [], thrown: [] };
  for (const value of cases) {
    const own = attempt(() => check(value));
    const schema = attempt(() => zod(value));
    const thrown = attempt(() => parse(value));
    if (!('value' in own) || !('value' in schema)) {
      report.thrown.push({ value, own: 'thrown' in own && describeThrown(own.thrown), schema: 'thrown' in schema && describeThrown(schema.thrown) });
      continue;
    }
    const [left, right] = [fromParse(own.value), fromParse(schema.value)];
    if (!right.ok) report.refused++;
    if (!isDeepStrictEqual(left, right)) report.differ.push({ value, check: left, schema: right });
    const parsed = 'value' in thrown ? ({ ok: true } as const) : thrown.thrown;
    if (left.ok ? !('value' in thrown) : !(parsed instanceof InvalidMessageError) || !isDeepStrictEqual(parsed.issues, left.issues)) {
      report.thrown.push({ value, parse: 'thrown' in thrown ? describeThrown(thrown.thrown) : 'returned' });
    }
  }
  return report;
}

/** `expandCommands` options as JavaScript callers might pass them, valid: none, null, extremes, keys it does not know. */
const EXPAND_OPTIONS: unknown[] = [undefined, null, {}, { defaultWaitMs: 0 }, { mode: 'history', defaultWaitMs: 1e308 }, { mode: 'live', other: 1 }];
/** …and refused: not an object, unknown modes, waits that are no duration. */
const REFUSED_EXPAND_OPTIONS: unknown[] = [
  'history', 0, { mode: 'x' }, { mode: null }, { defaultWaitMs: Number.NaN }, { defaultWaitMs: -1 }, { defaultWaitMs: Infinity },
  { defaultWaitMs: '500' }, { defaultWaitMs: null },
];

// ── Seeds: valid messages ────────────────────────────────────────────────────────────────────────────────────

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const zodOutbound = (value: unknown) => safeParseWith(OutboundMessageSchema, value, 'invalid outbound message');
const zodInbound = (value: unknown) => safeParseWith(InboundMessageSchema, value, 'invalid inbound message');

const built = [...builderSamples.map(([, build]) => build()), ...Object.values(seedBuilders).map((build) => build())].map(plain);
const corpus = corpusEntries().map((e) => e.message as unknown);
const captured = realServerMessages().map((c) => c.message);
/** The issue's path (`attributes.commands[1].type`) as keys. */
const keysOf = (path: string): Key[] => [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? m[1]! : Number(m[2])));
/**
 * A real chatbot message as an outbound body: the keys tybot adds for itself (`_tdActionType`, a button's `uid`, …)
 * and each node the outbound schema refuses removed, a few times over, until the schema accepts what is left.
 */
function asOutbound(message: unknown): unknown {
  let value = structuredClone(message);
  for (let round = 0; round < 20; round++) {
    const result = zodOutbound(value);
    if (result.success) return result.data;
    const path = keysOf(result.error.issues[0]!.path);
    if (path.length === 0) return undefined;
    // A missing field is removed with its parent, a refused value on its own.
    value = put(value, at(value, path) === undefined ? path.slice(0, -1) : path, DELETE);
  }
  return undefined;
}
const realOutbound = corpus.map(asOutbound).filter((m) => m !== undefined);
/** Every valid message at hand: builders' output, the valid tables, the seed examples, and real chatbot messages the widget renders. */
const outboundSeeds = [...built, ...validOutbound.map(([, m]) => m), ...maximalOutbound, ...Object.values(seedExamples), ...realOutbound];
/** Every message at hand the readers accept: the real ones (corpus and real server), and all of the above. */
const inboundSeeds = [...corpus, ...captured, maximalInbound, ...outboundSeeds, ...invalidOutbound.map(([, m]) => m)].filter((m) => zodInbound(m).success);

const used = new Map<string, number>();
const outboundCases = generate(outboundSeeds, OUTBOUND_CASES, SEED, used);
const inboundCases = generate(inboundSeeds, INBOUND_CASES, SEED + 1, used);

// ── Builders called with what JavaScript callers might pass ─────────────────────────────────────────────────

const circular: Json = { a: 1 };
circular['self'] = circular;
const GOOD = ['Hello', 'https://example.com/a.png', 'https://example.com/a.pdf', 'application/pdf', 'audio/mpeg', 'self', 'handoff', 'Ann'];
/**
 * Any argument: a good one, a string from the pools, or another type (a list, an object, a Date, a function, a circular
 * object). Not a bigint, which the builders refuse as JSON cannot write it (builders.test.ts): left out so that the
 * seeded cases stay the ones these tests were written against.
 */
function argument(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 1 ? 3 : 6)) {
    case 0:
      return r.pick(GOOD);
    case 1:
      return randomString(r);
    case 2:
      return r.pick<unknown>([undefined, null, true, 0, -1, Number.NaN, 1e308, new Date(0), () => 'x', circular, {}, []]);
    case 3:
      return r.pick<unknown>([[], [argument(r, depth + 1)], [r.pick(GOOD), r.pick(GOOD)], [{ source_name: argument(r, depth + 1) }]]);
    default:
      return options(r, depth + 1);
  }
}
const OPTION_KEYS = [
  'type', 'name', 'text', 'width', 'height', 'target', 'showEcho', 'title', 'description', 'image', 'buttons', 'voiceSettings',
  'displayFields', 'backgroundColor', 'email', 'fullname', 'subtype', 'commands', 'attachment', 'zzz',
];
/** An options object (or attributes, or a user): one to three keys, each a good value or any argument. */
function options(r: Rng, depth: number): Json {
  const out: Json = {};
  for (let i = r.int(3); i >= 0; i--) out[r.pick(OPTION_KEYS)] = r.next() < 0.5 ? r.pick(GOOD) : argument(r, depth + 1);
  return out;
}
/** A builder's result, or a button or card as the factories make them, or what `argument` gives. */
function part(r: Rng, depth: number): unknown {
  if (depth > 2 || r.next() < 0.3) return argument(r, depth);
  const result = attempt(() => call(r, depth + 1));
  return 'value' in result ? result.value : argument(r, depth);
}
/** Mostly a good argument, so that calls get past their first check. */
const a = (r: Rng, depth: number) => (r.next() < 0.8 ? r.pick(GOOD) : argument(r, depth));
const many = (r: Rng, depth: number, make: (r: Rng, depth: number) => unknown) => Array.from({ length: r.int(4) }, () => make(r, depth));
const never = (value: unknown) => value as never;

/** One random call of a builder or factory, then zero to three random methods on what it built. */
function call(r: Rng, depth = 0): unknown {
  const { actionMessage, audio, buttons, card, file, frame, gallery, html, image, redirect, split, text, tts, urlPreview, wait } = builders;
  const made = r.pick<() => unknown>([
    () => text(never(a(r, depth))),
    () => actionMessage(never(a(r, depth)), never(a(r, depth))),
    () => image(never(a(r, depth)), never(argument(r, depth))),
    () => file(never(a(r, depth)), never(r.next() < 0.5 ? { type: r.pick(GOOD) } : argument(r, depth))),
    () => audio(never(a(r, depth)), never(argument(r, depth))),
    () => frame(never(a(r, depth)), never(argument(r, depth))),
    () => html(never(a(r, depth))),
    () => card(never(r.next() < 0.5 ? { title: a(r, depth), image: a(r, depth), buttons: many(r, depth, part) } : argument(r, depth))),
    () => gallery(...(many(r, depth, part) as never[])),
    () => redirect(never(a(r, depth)), never(argument(r, depth))),
    () => urlPreview(never(r.next() < 0.7 ? many(r, depth, a) : argument(r, depth)), never(argument(r, depth))),
    () => tts(never(a(r, depth)), never(a(r, depth)), never(argument(r, depth))),
    () => wait(never(r.next() < 0.5 ? r.int(2000) : argument(r, depth))),
    () => split(...(many(r, depth, part) as never[])),
    () => buttons.text(never(a(r, depth))),
    () => buttons.url(never(a(r, depth)), never(a(r, depth)), never(argument(r, depth))),
    () => buttons.action(never(a(r, depth)), never(a(r, depth)), never(argument(r, depth))),
  ])();
  let built = made as Record<string, (...args: unknown[]) => unknown>;
  for (let i = r.int(4); i > 0 && typeof built?.['withText'] === 'function'; i--) {
    const method = r.pick(['withText', 'withSender', 'withAttributes', 'hidden', 'disableInput', 'updateUser', 'buttons', 'quickReplies']);
    const args =
      method === 'buttons' ? many(r, depth, part)
      : method === 'quickReplies' ? many(r, depth, a)
      : [method === 'withAttributes' || method === 'updateUser' ? options(r, depth) : a(r, depth)];
    built = built[method]!(...args) as typeof built;
  }
  return built;
}

// A hang guard: the fuzzing is pure CPU, 1-3 s per test alone, 7 s at load 12 on 2 CPUs (vitest's default is 20 s).
describe(`differential fuzzing of the validators, the readers and the builders (seed ${SEED.toString(16)})`, { timeout: 60_000 }, () => {
  it('starts from valid messages of every source, and uses every kind of mutation', () => {
    expect(outboundSeeds.every((m) => zodOutbound(m).success && safeParseOutboundMessage(m).success)).toBe(true);
    expect(outboundSeeds.length).toBeGreaterThan(50);
    expect(inboundSeeds.length).toBeGreaterThan(outboundSeeds.length + corpus.length);
    expect(realOutbound.length).toBeGreaterThan(corpus.length / 2);
    expect(KINDS.filter((kind) => (used.get(kind) ?? 0) < 100)).toEqual([]);
  });

  it(`outbound: ${OUTBOUND_CASES} mutated messages, parseOutboundMessage and OutboundMessageSchema agree`, () => {
    const report = compare(outboundCases, safeParseOutboundMessage, parseOutboundMessage, zodOutbound);
    expect(report.differ).toEqual([]);
    expect(report.thrown).toEqual([]);
    // Both outcomes in bulk, so the agreement is not the trivial one.
    expect(report.refused).toBeGreaterThan(report.cases / 3);
    expect(report.cases - report.refused).toBeGreaterThan(report.cases / 10);
  });

  it(`inbound: ${INBOUND_CASES} mutated messages, parseInboundMessage and InboundMessageSchema agree`, () => {
    const report = compare(inboundCases, safeParseInboundMessage, parseInboundMessage, zodInbound);
    expect(report.differ).toEqual([]);
    expect(report.thrown).toEqual([]);
    expect(report.refused).toBeGreaterThan(report.cases / 10);
    expect(report.cases - report.refused).toBeGreaterThan(report.cases / 3);
  });

  it('classify and expandCommands (with valid options) never throw on a message the readers accept, and refuse bad options by name; classify reports the readers’ issues on the others', () => {
    const r = prng(SEED + 3);
    const problems: unknown[] = [];
    for (const value of [...inboundCases, ...outboundCases]) {
      const classified = attempt(() => classify(value));
      if (!('value' in classified)) {
        problems.push({ value, classify: describeThrown(classified.thrown) });
        continue;
      }
      const read = safeParseInboundMessage(value);
      if (read.success) {
        for (const options of [{ mode: 'live' }, { mode: 'history' }, r.pick(EXPAND_OPTIONS)]) {
          const expanded = attempt(() => expandCommands(value, options as never));
          if (!('value' in expanded)) problems.push({ value, options, expandCommands: describeThrown(expanded.thrown) });
        }
        const options = r.pick(REFUSED_EXPAND_OPTIONS);
        const refused = attempt(() => expandCommands(value, options as never));
        if (!('thrown' in refused) || !(refused.thrown instanceof InvalidMessageError) || !refused.thrown.path.startsWith('options')) {
          problems.push({ value, options, expandCommands: 'did not throw InvalidMessageError naming the option' });
        }
      } else {
        if (classified.value.kind !== 'invalid' || !isDeepStrictEqual(classified.value.error?.issues, read.error.issues)) {
          problems.push({ value, classify: classified.value.kind });
        }
        const expanded = attempt(() => expandCommands(value));
        if (!('thrown' in expanded) || !(expanded.thrown instanceof InvalidMessageError)) problems.push({ value, expandCommands: 'did not throw InvalidMessageError' });
      }
    }
    expect(problems.slice(0, 3)).toEqual([]);
  });

  it('every message the outbound check accepts is read back by the readers, and classify draws it', () => {
    const accepted = outboundCases.filter((m) => safeParseOutboundMessage(m).success);
    expect(accepted.length).toBeGreaterThan(OUTBOUND_CASES / 10);
    const unread = accepted.filter((m) => !safeParseInboundMessage(m).success || classify(m).kind === 'invalid');
    expect(unread.slice(0, 3)).toEqual([]);
  });

  it(`${BUILDER_CALLS} random builder calls throw nothing but InvalidMessageError, and what they build the schema accepts as it is`, () => {
    const r = prng(SEED + 2);
    const problems: unknown[] = [];
    let messages = 0;
    for (let n = 0; n < BUILDER_CALLS; n++) {
      // Each call has a seed of its own: `call(prng(seed))` repeats a failing one.
      const seed = Math.floor(r.next() * 2 ** 32);
      const result = attempt(() => call(prng(seed)));
      if ('thrown' in result) {
        if (!(result.thrown instanceof InvalidMessageError)) problems.push({ seed, thrown: describeThrown(result.thrown) });
        continue;
      }
      // Buttons, cards and waits are checked as parts of the messages they go into.
      if (typeof result.value !== 'object' || result.value === null || !('toJSON' in result.value)) continue;
      messages++;
      const message = JSON.parse(json(result.value)) as unknown;
      const parsed = zodOutbound(message);
      if (!parsed.success || json(parsed.data) !== json(message)) problems.push({ seed, message, schema: parsed.success || parsed.error.issues });
    }
    expect(problems.slice(0, 3)).toEqual([]);
    expect(messages).toBeGreaterThan(BUILDER_CALLS / 10);
  });
});
