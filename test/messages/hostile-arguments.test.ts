/**
 * Every function of `tiledesk-sdk/messages`, each argument replaced in turn by a value of the wrong kind (what plain
 * JavaScript, or data read from elsewhere, can pass despite the types), and every builder's chained methods too: the
 * call either goes through or throws an `InvalidMessageError` naming what was wrong — never a bare `TypeError` or
 * `RangeError` from inside the entry.
 *
 * Targeted tests of each rule live beside the builders and readers; this sweep covers the functions and arguments
 * added later, or nobody wrote one for.
 */
import { describe, expect, it } from 'vitest';
import * as messages from '../../src/messages/index.js';
import { InvalidMessageError } from '../../src/messages/index.js';

const deep = JSON.parse(`${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}`);
const cycle: Record<string, unknown> = {};
cycle.self = cycle;
const HOSTILE: [string, unknown][] = [
  ['undefined', undefined], ['null', null], ['0', 0], ['NaN', Number.NaN], ['-1', -1], ['true', true], ['a string', 'x'],
  ['an empty string', ''], ['an object', {}], ['an array', []], ['an array of null', [null]], ['a function', () => 1],
  ['a symbol', Symbol('s')], ['a bigint', 10n], ['deeply nested', deep], ['a cycle', cycle],
];

/** Valid arguments each function is called with, before one is replaced. */
const VALID: Record<string, unknown[]> = {
  text: ['Hello'], image: ['https://example.com/a.png', { width: 10, height: 10 }], file: ['https://example.com/a.pdf', { type: 'application/pdf' }],
  audio: ['https://example.com/a.mp3', 'audio/mpeg'], frame: ['https://example.com', { height: 100 }], html: ['<p>hi</p>'],
  gallery: [messages.card({ title: 'A' }), messages.card({ title: 'B' })], split: [messages.text('Hi'), messages.wait(500), messages.text('Bye')],
  redirect: ['https://example.com'], wait: [100], tts: ['https://example.com/a.mp3', 'hi'], urlPreview: ['https://example.com'], actionMessage: ['go'],
  card: [{ title: 'A' }], htmlToText: ['<p>a</p>'], classify: [{ text: 'hi', type: 'text' }], expandCommands: [{ text: 'hi', type: 'text' }, {}],
  parseInboundMessage: [{ text: 'hi' }], parseOutboundMessage: [{ text: 'hi' }], safeParseInboundMessage: [{ text: 'hi' }],
  safeParseOutboundMessage: [{ text: 'hi' }], normalizeTarget: ['blank'],
};

/** A value a function returned: builders return an object with chainable methods and `build()`. */
function exercise(value: unknown, wrong: string[], where: string): number {
  const prototype = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : null;
  if (!prototype || prototype === Object.prototype || prototype === Array.prototype) return 0;
  let methods = 0;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const method = (value as Record<string, unknown>)[name];
    if (typeof method !== 'function' || name === 'constructor') continue;
    methods++;
    for (const [label, hostile] of HOSTILE) {
      const problem = attempt(() => (method as (...a: unknown[]) => unknown).call(value, hostile, hostile));
      if (problem) wrong.push(`${where}.${name}(${label}): ${problem}`);
    }
  }
  return methods;
}

function attempt(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (e) {
    if (e instanceof InvalidMessageError) return e.path === undefined ? `InvalidMessageError without a path: ${e.message}` : undefined;
    return `threw ${(e as Error)?.constructor?.name}: ${String((e as Error)?.message).slice(0, 100)}`;
  }
}

describe('tiledesk-sdk/messages, given arguments of the wrong kind', () => {
  const functions = Object.entries(messages).filter(([name, f]) => typeof f === 'function' && !/^[A-Z]/.test(name)) as [string, (...a: unknown[]) => unknown][];

  it('every exported function has valid arguments in this sweep (a new one must be added)', () => {
    expect(functions.map(([name]) => name).filter((name) => !(name in VALID))).toEqual([]);
  });

  it(`every argument of every function, and every method of what the builders return, × ${HOSTILE.length} values`, () => {
    const wrong: string[] = [];
    let methods = 0;
    for (const [name, f] of functions) {
      const args = VALID[name] ?? [];
      // The valid call must go through, and what it returns is exercised in turn.
      try {
        methods += exercise(f(...args), wrong, name);
      } catch (e) {
        wrong.push(`${name}(valid arguments) threw: ${(e as Error).message}`);
      }
      for (let i = 0; i < Math.max(args.length, 1) + 1; i++) {
        for (const [label, value] of HOSTILE) {
          const replaced = [...args];
          replaced[i] = value;
          const p = attempt(() => f(...replaced));
          if (p) wrong.push(`${name} argument ${i + 1} = ${label}: ${p}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(methods).toBeGreaterThan(50); // the builders' chained methods were reached
  });
});
