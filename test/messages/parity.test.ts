/**
 * Everything in `tiledesk-sdk/messages` — builders, `parse…`, readers — checks messages without zod
 * (src/messages/outbound-check.ts, inbound-check.ts), so that entry never bundles it; the zod schemas of
 * `tiledesk-sdk/messages/schemas` stay the contract. This file holds the two validators to the same answers:
 *
 * 1. every message the builders make here (their samples, the seed examples, the table of docs/messages.md, the
 *    CLI demo's bot) parses with the strict zod schema, to the same JSON in the same key order;
 * 2. on every case of the outbound tables, valid or not, and on mutations of them, of the messages above and of a
 *    message of each type that uses every key (each node replaced, removed, duplicated, given an extra key; the
 *    seeds are checked to contain every key the schema types), `safeParseOutboundMessage` (the builders' check) and
 *    the zod schema give the same issues (path and message, in order) or the same value, with keys in the same order;
 * 3. every invalid table case a builder call can express is refused by that call with the same first issue, and
 *    every other case says why no builder call can produce it;
 * 4. `safeParseInboundMessage` (the readers' check) and the inbound zod schema agree on every corpus and real-server
 *    message, every outbound case, and mutations of them (seeds again covering every key); `classify` gives what its
 *    zod-based version (kept below as the oracle) gave on all of those, and `expandCommands` what it gives on the
 *    zod-parsed message.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as builders from '../../src/messages/builders.js';
import { runCheck } from '../../src/messages/check.js';
import {
  InvalidMessageError,
  classify,
  expandCommands,
  htmlToText,
  normalizeTarget,
  safeParseInboundMessage,
  safeParseOutboundMessage,
  type ClassifiedMessage,
  type MessageBuilder,
  type MessageParseResult,
} from '../../src/messages/index.js';
import {
  safeParseWith,
  InboundMessageSchema,
  OutboundActionButtonSchema,
  OutboundGalleryCardSchema,
  OutboundMessageSchema,
  OutboundTextButtonSchema,
  OutboundUrlButtonSchema,
  OutboundWaitCommandSchema,
} from '../../src/messages/schemas.js';
import { outboundChecks } from '../../src/messages/outbound-check.js';
import { DEMO_VISITORS } from '../../src/cli/demo-script.js';
import { builderSamples, seedBuilders } from './fixtures/built-messages.js';
import { corpusEntries, realServerMessages } from './fixtures/load.js';
import { maximalInbound, maximalOutbound } from './fixtures/maximal.js';
import { invalidOutbound, urls, validOutbound } from './fixtures/outbound-cases.js';
import { seedExamples } from './fixtures/seed-examples.js';

const { card, file, frame, gallery, html, image, redirect, split, text, tts, urlPreview, wait } = builders;
type Json = Record<string, unknown>;
const root = fileURLToPath(new URL('../../', import.meta.url));

// ── Corpora ──────────────────────────────────────────────────────────────────────────────────────────────────

/** `| … | \`builder call\` | \`JSON\` |` rows of a markdown table of builder calls and the JSON they write. */
function documentedBuilderCalls(file: string): { call: string; json: string }[] {
  const rows = readFileSync(`${root}${file}`, 'utf8').matchAll(/^\| [^|]+ \| `([a-zA-Z]+\(.*\))` \| `(\{.*\})` \|$/gm);
  return [...rows].map((m) => ({ call: m[1]!, json: m[2]! }));
}
const evaluate = (call: string): MessageBuilder =>
  new Function(...Object.keys(builders), `return ${call};`)(...Object.values(builders)) as MessageBuilder;

// docs/messages.md writes out every call and its exact JSON (README.md's shorter table elides URLs with `…`).
const documented = documentedBuilderCalls('docs/messages.md');
const demoBotMessages = DEMO_VISITORS.flatMap((v) => v.steps.flatMap((s) => ('bot' in s ? [s.bot] : [])));

/** Every builder-made message of this suite's corpora, as [where it comes from, message]. */
const builtMessages: [string, unknown][] = [
  ...builderSamples.map(([name, build]) => [`sample ${name}`, build()] as [string, unknown]),
  ...Object.entries(seedBuilders).map(([name, build]) => [`seed ${name}`, build()] as [string, unknown]),
  ...documented.map(({ call }) => [`docs ${call.slice(0, 60)}`, evaluate(call)] as [string, unknown]),
  ...demoBotMessages.map((m, i) => [`demo bot message ${i}`, m] as [string, unknown]),
];

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

// ── Mutations ────────────────────────────────────────────────────────────────────────────────────────────────

const DELETE = Symbol('delete');
/** Values that hit every kind of check: missing, null, numbers (zero, negative, NaN), blank and odd strings, wrong containers. */
const REPLACEMENTS: unknown[] = [
  DELETE, null, 0, -1, 1.5, Number.NaN, '', '  ', 'x', 'https://example.com/a.png', 'audio/mpeg', 'wait', 'message',
  true, [], [{}], {}, { type: 'wait', time: 1 }, { type: 'message', message: { text: 'x' } }, { type: 'url', value: 'x' },
];

/** Paths to every node of a JSON value (not below the keys in `skip`). */
function nodePaths(value: unknown, skip: ReadonlySet<string>, path: (string | number)[] = []): (string | number)[][] {
  const out = [path];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...nodePaths(v, skip, [...path, i])));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) if (!skip.has(k)) out.push(...nodePaths(v, skip, [...path, k]));
  }
  return out;
}

function edited(value: unknown, path: (string | number)[], edit: (parent: Json | unknown[], key: string | number) => void): unknown {
  const copy = structuredClone(value);
  if (path.length === 0) return copy;
  let parent = copy as Json;
  for (const key of path.slice(0, -1)) parent = parent[key] as Json;
  edit(parent as Json | unknown[], path.at(-1)!);
  return copy;
}

/** Copies of `value` each changed at one node: replaced, removed, duplicated in its list, or given an extra key. */
function mutations(value: unknown, skip: ReadonlySet<string> = new Set()): unknown[] {
  const out: unknown[] = [];
  for (const path of nodePaths(plain(value), skip)) {
    const base = plain(value);
    for (const replacement of REPLACEMENTS) {
      if (path.length === 0) {
        if (replacement !== DELETE) out.push(structuredClone(replacement));
        continue;
      }
      out.push(
        edited(base, path, (parent, key) => {
          if (replacement !== DELETE) (parent as Json)[key] = structuredClone(replacement);
          else if (Array.isArray(parent)) parent.splice(key as number, 1);
          else delete parent[key];
        }),
      );
    }
    const key = path.at(-1);
    if (typeof key === 'number') out.push(edited(base, path, (parent) => (parent as unknown[]).splice(key, 0, structuredClone((parent as unknown[])[key]))));
    const node = path.reduce<unknown>((v, k) => (v as Json)[k], base);
    if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
      out.push(edited(base, [...path, 'zzz'], (parent) => ((parent as Json)['zzz'] = 1)));
      // An own `__proto__` key, as JSON.parse makes it: refused by strict objects, dropped by lenient ones.
      out.push(
        edited(base, [...path, '__proto__'], (parent) =>
          Object.defineProperty(parent, '__proto__', { value: { polluted: true }, enumerable: true, configurable: true, writable: true }),
        ),
      );
    }
  }
  return out;
}

// ── Outbound: the builders' check against the schema ─────────────────────────────────────────────────────────

/** A validator's answer: the value it returns (and its JSON, for key order), or its issues. */
type Outcome = { ok: true; value: unknown; json: string } | { ok: false; issues: unknown };
const accepted = (value: unknown): Outcome => ({ ok: true, value, json: JSON.stringify(value) });
const fromCheck = (r: ReturnType<typeof runCheck>): Outcome => (r.issues.length === 0 ? accepted(r.value) : { ok: false, issues: r.issues });
const fromParse = (r: MessageParseResult<unknown>): Outcome => (r.success ? accepted(r.data) : { ok: false, issues: r.error.issues });

/** The zod schemas, with the errors `parse…` give. */
const zodOutbound = (value: unknown) => safeParseWith(OutboundMessageSchema, value, 'invalid outbound message');
const zodInbound = (value: unknown) => safeParseWith(InboundMessageSchema, value, 'invalid inbound message');

const viaSchema = (value: unknown) => fromParse(zodOutbound(value));
const viaBuilderCheck = (value: unknown) => fromParse(safeParseOutboundMessage(value));

/** How many cases were compared, how many `b` refused, and the first cases where the two disagree (none, when they agree). */
function disagreements(cases: unknown[], a: (v: unknown) => Outcome, b: (v: unknown) => Outcome) {
  const differ: unknown[] = [];
  let refused = 0;
  for (const value of cases) {
    const [left, right] = [a(value), b(value)];
    if (!right.ok) refused++;
    // Same outcome, same issues or same value (own keys, undefined-valued keys and prototypes included), same key order.
    if (!isDeepStrictEqual(left, right)) differ.push({ value, left, right });
  }
  return { count: cases.length, refused, differ: differ.slice(0, 3) };
}

/**
 * The sweeps below cut into tests of at most {@link SLICE_CASES} cases and {@link SLICE_CHARS} characters of JSON each:
 * the 40,111 outbound mutations took 25–30 s alone on a 2-CPU machine with the zod schema as one side (its last
 * 5,000, mutations of the messages with every key, as long as the first 35,000 together), and several times that while
 * other suites (and CI's background installs) took the CPUs. Every slice is checked in full, in about a second.
 */
const SLICE_CASES = 2_500;
const SLICE_CHARS = 2_000_000;
/**
 * A hang guard for the sweeps (pure CPU, nothing waits on a clock): a slice takes about a second alone, 10 s at load 12
 * on 2 CPUs, which vitest's 20 s default ended when the load was higher still.
 */
const SWEEPS = { timeout: 60_000 };
/** `cases` as [name, slice] rows for `it.each` (`%s` is the name, e.g. "2501–5000 of 40111"). */
function slices<T>(cases: T[]): [string, T[]][] {
  const rows: [string, T[]][] = [];
  let start = 0;
  let chars = 0;
  cases.forEach((value, i) => {
    chars += JSON.stringify(value)?.length ?? 0;
    if (i + 1 - start < SLICE_CASES && chars < SLICE_CHARS && i + 1 < cases.length) return;
    rows.push([`${start + 1}–${i + 1} of ${cases.length}`, cases.slice(start, i + 1)]);
    start = i + 1;
    chars = 0;
  });
  return rows;
}

/** Messages with keys (known and custom) whose value is undefined. */
const undefinedValued = [
  { text: 'x', senderFullname: undefined, attributes: { subtype: undefined, custom: undefined } },
  { type: 'image', metadata: { src: 'https://example.com/a.png', width: undefined, name: undefined } },
];

/** What the outbound mutations start from: every table case, every builder-made message, and a message of each type with every key. */
const outboundSeeds = [...[...validOutbound, ...invalidOutbound, ...builtMessages].map(([, m]) => m), ...maximalOutbound];
const outboundMutations = outboundSeeds.flatMap((m) => mutations(m));

// ── Schema keys the seeds must contain ──

interface SchemaNode {
  _zod: { def: { type: string; innerType?: SchemaNode; element?: SchemaNode; options?: SchemaNode[]; shape?: Record<string, SchemaNode> } };
}
const keyPath = (prefix: string, key: string) => (prefix ? `${prefix}.${key}` : key);
/** Every key path a zod schema types (`attributes.commands[].message.metadata.src`), union branches merged. */
function schemaKeys(schema: SchemaNode, prefix = '', out = new Set<string>()): Set<string> {
  const def = schema._zod.def;
  if (def.type === 'optional' || def.type === 'nullable') schemaKeys(def.innerType!, prefix, out);
  else if (def.type === 'array') schemaKeys(def.element!, `${prefix}[]`, out);
  else if (def.type === 'union') for (const option of def.options!) schemaKeys(option, prefix, out);
  else if (def.type === 'object') for (const [key, child] of Object.entries(def.shape!)) schemaKeys(child, keyPath(prefix, key), out.add(keyPath(prefix, key)));
  return out;
}
/** Every key path present in a value, in the same notation. */
function dataKeys(value: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) dataKeys(item, `${prefix}[]`, out);
  else if (typeof value === 'object' && value !== null) for (const [key, child] of Object.entries(value)) dataKeys(child, keyPath(prefix, key), out.add(keyPath(prefix, key)));
  return out;
}
const missingKeys = (schema: unknown, seeds: unknown[]) => {
  const present = new Set(seeds.flatMap((seed) => [...dataKeys(plain(seed))]));
  return [...schemaKeys(schema as SchemaNode)].filter((key) => !present.has(key));
};

describe('1. every builder-made message parses with the strict schema, unchanged', () => {
  it('covers the samples, the seed examples, the docs table and the demo bot', () => {
    expect(builtMessages.length).toBeGreaterThanOrEqual(builderSamples.length + Object.keys(seedExamples).length + documented.length + 5);
    expect(documented.length).toBeGreaterThanOrEqual(19);
  });

  it.each(documented.map((d) => [d.call, d.json]))('the docs are right about %s', (call, json) => {
    expect(JSON.stringify(evaluate(call))).toBe(json);
  });

  it.each(builtMessages)('%s', (_where, message) => {
    const parsed = zodOutbound(plain(message));
    expect(parsed.success && JSON.stringify(parsed.data)).toBe(JSON.stringify(message));
  });
});

describe('2. the builders’ check and the outbound schema give the same answer', SWEEPS, () => {
  it('mutates every key the outbound schema types (the seeds contain them all)', () => {
    expect(missingKeys(OutboundMessageSchema, outboundSeeds)).toEqual([]);
  });

  it('on every case of the outbound tables', () => {
    const cases = [...invalidOutbound.map(([, m]) => m), ...validOutbound.map(([, m]) => m)];
    expect(disagreements(cases, viaBuilderCheck, viaSchema)).toMatchObject({ count: cases.length, differ: [] });
  });

  // Not JSON, but what JavaScript callers pass (options, withAttributes): the schema keeps a key whose value is undefined.
  it('on keys given the value undefined', () => {
    expect(disagreements(undefinedValued, viaBuilderCheck, viaSchema)).toMatchObject({ count: undefinedValued.length, refused: 0, differ: [] });
  });

  it('on every builder-made message and every seed example', () => {
    const cases = [...builtMessages.map(([, m]) => plain(m)), ...Object.values(seedExamples)];
    expect(disagreements(cases, viaBuilderCheck, viaSchema)).toMatchObject({ count: cases.length, differ: [] });
  });

  it.each(slices(outboundMutations))('on mutations %s of all of them (each node replaced, removed, duplicated, or given an extra key)', (_slice, cases) => {
    expect(disagreements(cases, viaBuilderCheck, viaSchema).differ).toEqual([]);
  });

  it('those mutations are many, and both outcomes occur in bulk, so the agreement is not the trivial one', () => {
    // The builders' check refuses exactly what the schema refuses (the slices above), and takes a twentieth of the time.
    const refused = outboundMutations.filter((m) => !viaBuilderCheck(m).ok).length;
    expect(outboundMutations.length).toBeGreaterThan(20_000);
    expect(refused).toBeGreaterThan(outboundMutations.length / 3);
    expect(outboundMutations.length - refused).toBeGreaterThan(1_000);
  });

  it.each([
    ['quick reply', outboundChecks.textButton, OutboundTextButtonSchema, { type: 'text', value: 'Yes' }],
    ['URL button', outboundChecks.urlButton, OutboundUrlButtonSchema, { type: 'url', value: 'Docs', link: 'https://example.com', target: 'self' }],
    ['action button', outboundChecks.actionButton, OutboundActionButtonSchema, { type: 'action', value: 'Go', action: 'go', show_echo: false }],
    ['gallery card', outboundChecks.galleryCard, OutboundGalleryCardSchema, { preview: { src: '' }, title: 'A', buttons: [{ type: 'text', value: 'x' }] }],
    ['wait', outboundChecks.waitCommand, OutboundWaitCommandSchema, { type: 'wait', time: 0 }],
  ] as const)('on the %s the builders check on their own, and mutations of it', (_what, check, schema, part) => {
    const cases = [part, ...mutations(part)];
    const own = (v: unknown) => fromCheck(runCheck(check, v));
    const zod = (v: unknown) => fromParse(safeParseWith(schema, v, 'part'));
    expect(disagreements(cases, own, zod)).toMatchObject({ count: cases.length, differ: [] });
  });
});

// ── 3. Builder calls for the invalid table ──

/** A builder call that expresses each invalid table case, by name; `as never` marks values a JS caller could pass. */
const url = 'https://example.com/a.png';
const ok = { type: 'text', value: 'OK' } as const;
const docs = { type: 'url', value: 'Docs', link: 'https://example.com/docs' } as const;
const rawCard = { preview: { src: url }, title: 'A' };
const expressedBy: Record<string, () => unknown> = {
  'an image without src': () => image(undefined as never, { width: 200 }),
  'an image with a relative src': () => image('logo.png'),
  'an image with a negative width': () => image(url, { width: -1 }),
  'a frame without src': () => frame(undefined as never),
  'a frame with a javascript: src': () => frame('javascript:alert(1)'),
  'a frame with a non-size width': () => frame('https://example.com', { width: 'wide' }),
  'a file without metadata.type': () => file('https://example.com/a.pdf', {} as never),
  'a file with a non-MIME type': () => file('https://example.com/a.pdf', { type: 'pdf' }),
  // It threw a TypeError (the default name is read from src) until the differential test called it.
  'a file without src': () => file(undefined as never, { type: 'application/pdf' }),
  'a file with blank text (not audio)': () => file('https://example.com/a.pdf', { type: 'application/pdf', text: ' \n' }),
  'a tts without an audio type': () => tts('https://example.com/a', 'hi', { type: 'text/plain' }),
  'a text message without text': () => text(undefined as never),
  'a blank text': () => text('   '),
  'a blank html': () => html(''),
  'a url button without link': () => text('Pick one').quickReplies('OK', 'OK').buttons({ type: 'url', value: 'Docs' } as never),
  'a url button with a bare domain': () => text('Pick one').buttons({ ...docs, link: 'www.example.com' }),
  'a url button with a javascript: link': () => text('Pick one').buttons({ ...docs, link: 'javascript:alert(1)' }),
  'an unknown target': () => text('Pick one').quickReplies('OK').buttons({ ...docs, target: '_blank' } as never),
  'an empty button list': () => text('Pick one').buttons(),
  'a button without value': () => text('Pick one').buttons({ type: 'text' } as never),
  'an unknown button type': () => text('Pick one').quickReplies('OK').buttons({ type: 'postback', value: 'x' } as never),
  'a misspelt button field': () => text('Pick one').buttons({ type: 'action', value: 'Go', action: 'go', showEcho: true } as never),
  'an action button without action': () => text('Pick one').buttons({ type: 'action', value: 'Go' } as never),
  'an attachment of another type': () => text('x').withAttributes({ attachment: { type: 'buttons', buttons: [ok] } }),
  'two adjacent waits': () => split(text('a'), wait(500), wait(500), text('b')),
  'two adjacent messages': () => split(wait(500), text('a'), text('b')),
  'an empty command list': () => split(),
  'commands with no message': () => split(wait(500)),
  'a wait without time': () => split(text('a'), { type: 'wait' } as never, text('b')),
  'a negative wait': () => split(text('a'), { type: 'wait', time: -1 }, text('b')),
  'a quick reply on a part that is not the last': () => split(text('a').quickReplies('OK'), wait(500), text('b')),
  'buttons on the split message itself': () => split(text('a')).withAttributes({ attachment: { type: 'template', buttons: [ok] } }),
  'nested commands': () => split(split(text('b'))),
  'commands on an image': () => image(url).withAttributes({ commands: [{ type: 'message', message: { type: 'text', text: 'a' } }] }),
  'an invalid part': () => split(text('a'), wait(1), { type: 'image', metadata: {} } as never),
  'an empty gallery': () => gallery(),
  'a gallery card without preview': () => gallery(card({ title: 'A', image: url }), { title: 'B' } as never),
  'a gallery card with an empty button list': () => gallery({ ...rawCard, buttons: [] }),
  'a gallery card with a bad button': () => gallery({ ...rawCard, buttons: [{ type: 'url', value: 'x' } as never] }),
  'a redirect with buttons': () => redirect('https://example.com').withAttributes({ attachment: { type: 'template', buttons: [ok] } }),
  'a redirect to an unknown target': () => redirect('https://example.com', { target: 'top' as never }),
  'an unknown subtype': () => text('x').withAttributes({ subtype: 'hidden' }),
  'a non-boolean disableInputMessage': () => text('x').withAttributes({ disableInputMessage: 'true' }),
  'an invalid updateUserEmail': () => text('x').updateUser({ email: 'andrea' }),
  'an unknown messagelabel key': () => text('x').hidden().withAttributes({ messagelabel: { key: 'HELLO' } }),
  'a join label without member_id': () => text('x').hidden().withAttributes({ messagelabel: { key: 'MEMBER_JOINED_GROUP', parameters: { fullname: 'Ann' } } }),
  'a join label without parameters': () => text('x').hidden().withAttributes({ messagelabel: { key: 'MEMBER_JOINED_GROUP' } }),
  'a leave label without parameters': () => text('x').hidden().withAttributes({ messagelabel: { key: 'MEMBER_LEFT_GROUP' } }),
  'a leave label naming nobody': () => text('x').hidden().withAttributes({ messagelabel: { key: 'MEMBER_LEFT_GROUP', parameters: { fullname: '', member_id: 7 } } }),
  'a non-string tempUID': () => text('x').withAttributes({ tempUID: 42 }),
  'a non-string parentUid': () => text('x').withAttributes({ parentUid: { id: 'p' } }),
  'a non-string sourcePage': () => text('x').withAttributes({ sourcePage: 1 }),
  'a non-string sourceTitle': () => text('x').withAttributes({ sourceTitle: ['Home'] }),
  'a non-boolean updateconversation': () => text('x').withAttributes({ updateconversation: 'false' }),
  'a non-string attributes.type': () => text('x').withAttributes({ type: 7 }),
  'a url_preview whose text holds no URL (an empty bubble)': () => urlPreview(['See example.com and our docs']),
  // Sources that are not a list are the text as they are (a TypeError until the differential test passed one).
  'a url_preview whose text is a source object, not a string': () => urlPreview({ source_name: 'https://example.com/a' } as never),
  'a url_preview with 11 distinct URLs (the widget drops the 11th)': () => urlPreview(urls(11)),
  'a url_preview with an 11th URL among repeated ones': () => urlPreview([...urls(10), ...urls(10), 'https://example.org']),
  'a url_preview whose text starts like JSON sources but is no JSON, and holds no URL': () => urlPreview(['[{ see our guide }]']),
  'a url_preview whose text is a quoted string holding no URL': () => urlPreview(['"Our guide"']),
  'a url_preview fencing 11 distinct URLs that are no JSON': () => urlPreview(['```', ...urls(11), '```']),
  'a url_preview whose quoted sources are broken past the widget’s fixes': () => urlPreview([JSON.stringify('[{"source_name":"Guide"}, ,  ]')]),
  "a split message whose commands is ''": () => text('x').withAttributes({ commands: '' }),
  'a split message whose commands is null': () => text('x').withAttributes({ commands: null }),
};

/** Table cases no builder call produces, and why. */
const notExpressible: Record<string, string> = {
  'an image without metadata': 'image() always writes metadata (with src)',
  'an unknown message type': 'every builder writes its own type',
  'an unknown top-level key (the server drops it)': 'builders write only the documented keys; custom data goes in attributes',
  'an unknown command type': 'split() turns every part that is not a wait into a message command',
  'a gallery without attachment': 'gallery() always writes its attachment',
  'not an object': 'builders always return an object',
  'a file without text (not audio)': 'file() writes the [name](src) link when given no text',
  'a url_preview whose text is an empty JSON array (an empty bubble)': 'urlPreview([]) writes an empty text, refused as holding no URL',
};

describe('3. the builders refuse every invalid case they can express, with the schema’s first issue', () => {
  it('accounts for every case of the invalid table, once', () => {
    const names = invalidOutbound.map(([name]) => name).sort();
    expect([...Object.keys(expressedBy), ...Object.keys(notExpressible)].sort()).toEqual(names);
    expect(Object.keys(expressedBy).length).toBe(65);
  });

  it.each(invalidOutbound.filter(([name]) => name in expressedBy))('%s → %s', (name, message, path) => {
    const schema = zodOutbound(message);
    if (schema.success) throw new Error('the table case should be invalid');
    let thrown: unknown;
    try {
      expressedBy[name]!();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidMessageError);
    const error = thrown as InvalidMessageError;
    expect(error.path).toBe(path);
    expect(error.issues[0]).toEqual(schema.error.issues[0]);
  });
});

// ── 4. Inbound: the readers' check against the schema, and classify against its zod-based version ──────────

/** `classify` as it was when it read messages with the inbound zod schema: the oracle for the current one. */
function classifyWithZod(message: unknown): ClassifiedMessage {
  const RENDERED_BUTTONS = new Set(['text', 'url', 'action']);
  const parsed = zodInbound(message);
  if (!parsed.success) {
    const raw = (typeof message === 'object' && message !== null ? (message as Record<string, unknown>)['text'] : undefined);
    return { kind: 'invalid', reason: parsed.error.message, error: parsed.error, text: typeof raw === 'string' ? raw.trim() : '', message };
  }
  const m = parsed.data;
  const attributes = m.attributes ?? {};
  const metadata = m.metadata ?? {};
  const text = (m.text ?? '').trim();
  const buttons = (attributes.attachment?.buttons ?? []).filter((b) => RENDERED_BUTTONS.has(b.type ?? ''));
  const src = metadata.src ?? '';
  const mimeType = metadata.type;
  const invalid = (reason: string): ClassifiedMessage => ({ kind: 'invalid', reason, error: undefined, text, message: m });
  const asText: ClassifiedMessage = { kind: 'text', text, buttons, message: m };

  if (Array.isArray(attributes.commands)) return { kind: 'split', commands: attributes.commands, message: m };
  if (attributes.commands === true && !attributes.parentUid) return invalid('commands is true, not a list: the widget throws');
  if (attributes.subtype === 'private') return { kind: 'private', message: m };
  if (attributes.subtype === 'info' || attributes.subtype === 'info/support') {
    const label = attributes.messagelabel ?? undefined;
    const parameters = label?.parameters ?? {};
    if (label?.key === 'MEMBER_JOINED_GROUP' && typeof parameters['member_id'] !== 'string') {
      return invalid('attributes.messagelabel.parameters.member_id must be a string for MEMBER_JOINED_GROUP: the widget throws without it');
    }
    if (label?.key === 'MEMBER_LEFT_GROUP' && typeof parameters['member_id'] !== 'string' && !parameters['fullname']) {
      return invalid('attributes.messagelabel.parameters.fullname or parameters.member_id is required for MEMBER_LEFT_GROUP: the widget throws or shows "undefined" without them');
    }
    return { kind: 'info', text, label, message: m };
  }
  const type = m.type || 'text';
  if (type === 'url_preview' || mimeType === 'url_preview' || attributes.type === 'url_preview') {
    return { kind: 'url_preview', text, message: m };
  }
  switch (type) {
    case 'text':
      return asText;
    case 'html':
      return { kind: 'html', untrusted: true, markup: m.text ?? '', fallbackText: htmlToText(m.text ?? ''), buttons, message: m };
    case 'image':
      if (!src) return asText;
      return { kind: 'image', src, width: metadata.width, height: metadata.height, name: metadata.name ?? undefined, text, buttons, message: m };
    case 'frame':
      if (!src) return asText;
      return { kind: 'frame', src, width: metadata.width, height: metadata.height, text, buttons, message: m };
    case 'file':
    case 'tts':
      if (!src) return asText;
      if (typeof mimeType !== 'string') return invalid(`a ${type} message with metadata.src but no metadata.type crashes the widget`);
      if (mimeType.includes('audio')) {
        return type === 'tts'
          ? { kind: 'tts', src, mimeType, text, voiceSettings: metadata.voiceSettings, message: m }
          : { kind: 'audio', src, mimeType, buttons, message: m };
      }
      if (type === 'tts') return asText;
      return { kind: 'file', src, mimeType, name: metadata.name ?? undefined, text, buttons, message: m };
    case 'gallery': {
      const cards = attributes.attachment?.gallery;
      if (!cards) return asText;
      return { kind: 'gallery', cards, text, message: m };
    }
    case 'redirect':
      if (!src) return invalid('a redirect message without metadata.src makes the widget open an empty link');
      return { kind: 'redirect', link: src, target: normalizeTarget(metadata.target), message: m };
    default:
      return { kind: 'unsupported', type, text, buttons, message: m };
  }
}

/** Errors compared by what users read from them. */
const comparable = (c: ClassifiedMessage) =>
  c.kind === 'invalid' && c.error ? { ...c, error: { message: c.error.message, path: c.error.path, issues: c.error.issues } } : c;

const viaInboundSchema = (value: unknown) => fromParse(zodInbound(value));
const viaReaderCheck = (value: unknown) => fromParse(safeParseInboundMessage(value));

const corpus = corpusEntries().map((e) => e.message as unknown);
const captured = realServerMessages().map((c) => c.message);
const received = [...corpus, ...captured];
/** The parts the widget would show, for every split message received. */
const parts = received.flatMap((m) => expandCommands(m).flatMap((s) => (s.type === 'message' ? [s.message as unknown] : [])));
/** Outbound messages are messages too, and they cover every kind `classify` tells apart. */
const sent = [...builtMessages.map(([, m]) => plain(m)), ...validOutbound.map(([, m]) => m), ...invalidOutbound.map(([, m]) => m)];
/** What only other senders write: a private message, a part the widget split off, falsy and non-list commands, a type it does not support, non-messages. */
const odd = [
  { text: 'x', attributes: { subtype: 'private' } },
  { text: 'x', attributes: { commands: true, parentUid: 'p' } },
  { text: 'x', attributes: { commands: true } },
  { text: 'x', attributes: { commands: '' } },
  { text: 'x', attributes: { commands: 0 } },
  { type: 'image', metadata: { src: 'https://example.com/a.png' }, attributes: { commands: '' } },
  { text: 'x', attributes: { commands: 'soon' } },
  { text: 'x', attributes: { commands: [{}, { type: 1 }] } },
  { type: 'video', text: 'watch', metadata: { src: 'https://example.com/v.mp4' } },
  { type: 'file', metadata: { src: 'https://example.com/a' } },
  null, 42, 'hello', [], { text: 42 }, { attributes: [] },
];
// `request` (the conversation embedded in server messages) is `unknown` to the schema: nothing below it is checked.
const inboundSeeds = [...corpus, ...captured.slice(0, 8), ...builtMessages.map(([, m]) => m), maximalInbound];
const inboundMutations = inboundSeeds.flatMap((m) => mutations(m, new Set(['request'])));

describe('4. the readers agree with the inbound schema and with the zod-based classify', SWEEPS, () => {
  it('mutates every key the inbound schema types (the seeds contain them all)', () => {
    expect(missingKeys(InboundMessageSchema, inboundSeeds)).toEqual([]);
  });

  it('read every corpus and real-server message, every part, and every outbound case as the schema does', () => {
    const cases = [...received, ...parts, ...sent, ...odd];
    expect(disagreements(cases, viaReaderCheck, viaInboundSchema)).toMatchObject({ count: cases.length, differ: [] });
  });

  it('read keys given the value undefined as the schema does', () => {
    expect(disagreements(undefinedValued, viaReaderCheck, viaInboundSchema)).toMatchObject({ count: undefinedValued.length, refused: 0, differ: [] });
  });

  it.each(slices(inboundMutations))('read mutations %s as the schema does', (_slice, cases) => {
    expect(disagreements(cases, viaReaderCheck, viaInboundSchema).differ).toEqual([]);
  });

  it('those mutations are many, and the schema refuses thousands of them', () => {
    // The readers' check refuses exactly what the schema refuses (the slices above), and takes a fraction of the time.
    expect(inboundMutations.length).toBeGreaterThan(25_000);
    expect(inboundMutations.filter((m) => !viaReaderCheck(m).ok).length).toBeGreaterThan(5_000);
  });

  const classified = [...received, ...parts, ...sent, ...odd, ...inboundMutations];
  it.each(slices(classified))('classify every corpus and real-server message, every part, every outbound case and every mutation as before: %s', (_slice, cases) => {
    const differ = cases.filter((m) => !isDeepStrictEqual(comparable(classify(m)), comparable(classifyWithZod(m))));
    expect(differ.slice(0, 3)).toEqual([]);
  });

  it('every kind occurs among them, so every branch of classify was compared', () => {
    const kinds = new Set(classified.map((m) => classify(m).kind));
    expect([...kinds].sort()).toEqual(
      ['audio', 'file', 'frame', 'gallery', 'html', 'image', 'info', 'invalid', 'private', 'redirect', 'split', 'text', 'tts', 'unsupported', 'url_preview'],
    );
  });

  it.each(slices([...received, ...inboundMutations]))(
    'expand every received message and mutation as from its zod-parsed form (the only input expandCommands read differently): %s',
    (_slice, cases) => {
      for (const m of cases) {
        const parsed = zodInbound(m);
        if (!parsed.success) continue;
        expect(expandCommands(m)).toStrictEqual(expandCommands(parsed.data));
        expect(expandCommands(m, { mode: 'history' })).toStrictEqual(expandCommands(parsed.data, { mode: 'history' }));
      }
    },
  );
});

