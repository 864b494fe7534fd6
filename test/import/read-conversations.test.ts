/**
 * `readConversations` (tiledesk-sdk/node): JSON array and NDJSON files streamed in small pieces give exactly what
 * `JSON.parse` of the whole file gives — strings holding brackets, quotes, escapes and multi-byte characters split
 * across reads, nested arrays — and bad input fails with a `SourceParseError` at the right line and column.
 */
import { createReadStream, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportAbortedError, TiledeskClient, importConversations, type FetchLike } from '../../src/index.js';
import { JsonElementSplitter, SourceParseError, readConversations } from '../../src/node/index.js';
import { locateJsonError } from '../../src/node/json-stream.js';
import { dataset, prng } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tiledesk-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;
function file(content: string | Buffer): string {
  const path = join(dir, `f${++fileCounter}.json`);
  writeFileSync(path, content);
  return path;
}

async function readAll(path: string, highWaterMark?: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const c of readConversations(path, highWaterMark === undefined ? {} : { highWaterMark })) out.push(c);
  return out;
}

async function parseError(path: string, highWaterMark?: number): Promise<SourceParseError> {
  const error = await readAll(path, highWaterMark).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SourceParseError);
  return error as SourceParseError;
}

const tricky = [
  {
    request: { id: 'a', first_text: 'brackets ] } [ { in a string', attributes: { nested: [[1, [2, [3]]], { deep: { deeper: [] } }] } },
    messages: [
      { text: 'quote " and escaped \\" and backslash \\\\ and \\n newline', id: 'm1' },
      { text: 'unicode \u005d \u007b é ü 漢字 👋🏽 \u2028', metadata: { list: ['[', ']', '{', '}', ',', ':'] } },
      { text: '', attributes: { n: -1.5e-3, t: true, f: false, z: null } },
    ],
  },
  { request: {}, messages: [] },
  { messages: [{ text: 'ends with a backslash \\' }, { text: '"quoted"' }] },
];

describe('well-formed input', () => {
  for (const hwm of [1, 3, 7, 64 * 1024]) {
    it(`a JSON array with tricky strings and nested arrays, read ${hwm} byte(s) at a time`, async () => {
      const path = file(JSON.stringify(tricky, null, hwm % 2 ? 2 : 0));
      expect(await readAll(path, hwm)).toEqual(tricky);
    });

    it(`NDJSON (CRLF, blank lines), read ${hwm} byte(s) at a time`, async () => {
      const path = file(`${tricky.map((c) => JSON.stringify(c)).join('\r\n\r\n')}\n`);
      expect(await readAll(path, hwm)).toEqual(tricky);
    });
  }

  it('concatenated pretty-printed objects and a UTF-8 BOM', async () => {
    const path = file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(tricky.map((c) => JSON.stringify(c, null, 2)).join('\n'))]));
    expect(await readAll(path, 5)).toEqual(tricky);
  });

  it('a larger generated dataset equals JSON.parse of the whole file, as an array and as NDJSON', async () => {
    const data = JSON.parse(JSON.stringify(dataset({ conversations: 300, messages: { min: 0, max: 12 }, someIds: true })));
    expect(await readAll(file(JSON.stringify(data)), 1000)).toEqual(data);
    expect(await readAll(file(data.map((c: unknown) => JSON.stringify(c)).join('\n')), 777)).toEqual(data);
  });

  it('random strings of escapes and brackets survive any split point', () => {
    const random = prng(7);
    const alphabet = ['\\', '"', '[', ']', '{', '}', ',', ':', 'a', ' ', '\n', 'é', '👋', '\u0000', '\t'];
    const values = Array.from({ length: 200 }, () => ({
      text: Array.from({ length: Math.floor(random() * 30) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''),
      list: [[Math.floor(random() * 10)], 'x'],
    }));
    const text = JSON.stringify(values);
    for (let trial = 0; trial < 40; trial++) {
      const splitter = new JsonElementSplitter();
      const out: unknown[] = [];
      let at = 0;
      while (at < text.length) {
        const next = Math.min(text.length, at + 1 + Math.floor(random() * 50));
        out.push(...splitter.push(text.slice(at, next)));
        at = next;
      }
      out.push(...splitter.end());
      expect(out).toEqual(values);
    }
  });

  it('an empty file and an empty array give no conversations', async () => {
    expect(await readAll(file(''))).toEqual([]);
    expect(await readAll(file('  \n'))).toEqual([]);
    expect(await readAll(file('[ ]'))).toEqual([]);
  });

  it('closes the file when the loop stops early', async () => {
    const path = file(tricky.map((c) => JSON.stringify(c)).join('\n').repeat(1));
    const openFds = () => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path;
      } catch {
        return false;
      }
    }).length;
    for await (const c of readConversations(path, { highWaterMark: 16 })) {
      expect(c).toEqual(tricky[0]);
      expect(openFds()).toBe(1);
      break;
    }
    // return() (the loop's break) resolves once the file is closed: nothing to wait for after it.
    expect(openFds()).toBe(0);
  });
});

describe('return()', () => {
  it('ends a read under way quietly: the pending next() is done, not a stream error', async () => {
    // The first conversation is 1 MiB read 256 bytes at a time: next() is still reading it when return() comes.
    const path = file(`${JSON.stringify({ messages: [{ text: 'x'.repeat(1024 * 1024) }] })}\n`);
    const conversations = readConversations(path, { highWaterMark: 256 });
    const pending = conversations.next();
    await new Promise((resolve) => setImmediate(resolve));
    await conversations.return(undefined);
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
  });
});

describe('an aborted import', () => {
  it.runIf(process.platform === 'linux')('closes the file at once, though the reader is in the middle of a huge conversation', async () => {
    // One small conversation, then one of 4 MiB read 256 bytes at a time: the abort comes while it is being read.
    const small = JSON.stringify({ request: { id: 'small' }, messages: [{ text: 'hi' }] });
    const path = file(`${small}\n${JSON.stringify({ request: { id: 'huge' }, messages: [{ text: 'x'.repeat(4 * 1024 * 1024) }] })}\n`);
    const fdsOf = () => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
    const position = (fd: string) => Number(/^pos:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? 0);
    const stop = new AbortController();
    // The first call (creating the small conversation) waits until the reader is well into the huge one, then aborts.
    const fetch: FetchLike = async (_url, init) => {
      for (let [fd] = fdsOf(); fd === undefined || position(fd) < small.length + 64 * 1024; [fd] = fdsOf()) await new Promise((r) => setImmediate(r));
      stop.abort();
      return new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true }));
    };
    const client = new TiledeskClient({ baseUrl: 'http://127.0.0.1:9', projectId: 'p1', auth: { token: 't' }, fetch });
    try {
      const error = await importConversations(client, readConversations(path, { highWaterMark: 256 }), { concurrency: 2, signal: stop.signal }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportAbortedError);
      expect(fdsOf()).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe('malformed input: SourceParseError with line and column', () => {
  it('a missing colon on NDJSON line 3', async () => {
    const e = await parseError(file('{"messages":[]}\n{"messages":[]}\n{"a" 1}\n'));
    expect([e.line, e.column, e.index, e.code]).toEqual([3, 6, 2, 'invalid_source']);
    expect(e.message).toContain("expected ':'");
    expect(e.message).toMatch(/f\d+\.json:3:6/);
  });

  it('an error deep inside a pretty-printed element points at its own line', async () => {
    const text = '[\n  {\n    "messages": [\n      {"text": "ok"},\n      {"text": tru}\n    ]\n  }\n]';
    const e = await parseError(file(text), 4);
    expect([e.line, e.column, e.index]).toEqual([5, 16, 0]);
  });

  it('an error in a later pretty-printed element points at its own line: the lines of the elements before it count', async () => {
    const text = '[\n  {\n    "messages": []\n  },\n  {\n    "messages": [\n      {"text": tru}\n    ]\n  }\n]';
    const e = await parseError(file(text), 5);
    expect([e.line, e.column, e.index]).toEqual([7, 16, 1]);
    // Found by the splitter itself (not JSON.parse): an element nested too deep, on line 4.
    const deep = await parseError(file(`[\n  {\n    "messages": []\n  }, {"a":${'['.repeat(1_000)}]}]`));
    expect([deep.line, deep.index]).toEqual([4, 1]);
  });

  it('a missing comma between array elements', async () => {
    const e = await parseError(file('[{"a":1}\n {"b":2}]'));
    expect([e.line, e.column]).toEqual([2, 2]);
    expect(e.message).toContain("expected ',' or ']'");
  });

  it('a trailing comma, content after the array, a file that is neither array nor objects', async () => {
    expect(await parseError(file('[{"a":1},\n]'))).toMatchObject({ line: 2, column: 1, message: expect.stringContaining("trailing ',' before ']'") });
    expect(await parseError(file('[{"a":1}] x'))).toMatchObject({ line: 1, column: 11 });
    expect(await parseError(file('\n\n  hello'))).toMatchObject({ line: 3, column: 3 });
  });

  it("a ',' or ':' where a conversation should start is named as such", async () => {
    for (const [text, line, column, found] of [
      ['[,{"a":1}]', 1, 2, "','"],
      ['{"a":1}\n,{"b":2}', 2, 1, "','"],
      ['{"a":1}\n:{"b":2}', 2, 1, "':'"],
    ] as const) {
      expect(await parseError(file(text))).toMatchObject({ line, column, index: undefined, message: expect.stringContaining(`unexpected ${found}`) });
    }
  });

  it('a U+FEFF between conversations is refused: only the one at the very start of the file is a BOM', async () => {
    // Two exports concatenated (`cat a.ndjson b.ndjson`) put the second file's BOM between two conversations.
    const e = await parseError(file('\uFEFF{"a":1}\n\uFEFF{"b":2}\n'));
    expect([e.line, e.column]).toEqual([2, 1]);
    // Named by its code point: printed as is, it is invisible.
    expect(e.message).toContain('unexpected U+FEFF');
  });

  it('a raw line break inside a string', async () => {
    const e = await parseError(file('{"text":"ok"}\n{"text":"a\nb"}\n'));
    expect([e.line, e.column, e.index]).toEqual([2, 11, 1]);
    expect(e.message).toContain('control character');
  });

  it('input cut short: an unterminated string, an unclosed object, an unclosed array', async () => {
    const cut = await parseError(file('{"messages":[]}\n{"text":"abc'));
    expect(cut.message).toContain('a string is not terminated in the element that starts at line 2, column 1');
    expect(cut.elementStart).toEqual({ line: 2, column: 1, position: 16 });
    // Cut right after a whole multi-byte character: a string cut short, not a character.
    expect((await parseError(file('{"messages":[]}\n{"text":"café'))).message).toContain('a string is not terminated');
    expect((await parseError(file('[{"messages":[{"text":"x"}]'), 3)).message).toContain('bracket(s) not closed');
    const e = await parseError(file('[{"messages":[]},\n{"messages":[]}\n'));
    expect(e.message).toContain("the array is not closed");
    expect(e.line).toBe(3);
    // Cut right after a ',': conversations may be missing, so it is not a complete array either.
    expect((await parseError(file('[{"messages":[]},\n{"messages":[]},\n'))).message).toContain('the array is not closed');
  });

  it('a conversation larger than maxConversationChars (a bracket that never closes)', async () => {
    const path = file(`[{"text":"${'x'.repeat(5000)}`);
    const error = await (async () => {
      for await (const _ of readConversations(path, { maxConversationChars: 1000, highWaterMark: 256 })) void _;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceParseError);
    expect((error as SourceParseError).message).toContain('larger than 1000 characters');
  });

  // The cap used to be checked only for a conversation still open at the end of a read: one that closed in the read
  // crossing the limit got through, up to a whole read (64 KiB by default) larger than the cap.
  it('maxConversationChars is exact: a conversation of that many characters is read, one of a character more is refused, whatever the reads', async () => {
    const sized = (chars: number) => `{"messages":[{"text":"${'x'.repeat(chars - 26)}"}]}`;
    expect(sized(1000)).toHaveLength(1000);
    const path = file(`${sized(1000)}\n${sized(1001)}\n${sized(30)}\n`);
    const array = file(`[${sized(1000)},\n  ${sized(1001)}]`);
    for (const highWaterMark of [1, 256, 999, 1000, 1001, 64 * 1024]) {
      for (const [source, column] of [[path, 1], [array, 3]] as const) {
        const seen: unknown[] = [];
        const error = await (async () => {
          for await (const c of readConversations(source, { maxConversationChars: 1000, highWaterMark })) seen.push(c);
        })().catch((e: unknown) => e);
        expect(seen, `highWaterMark ${highWaterMark}`).toEqual([JSON.parse(sized(1000))]);
        expect(error, `highWaterMark ${highWaterMark}`).toBeInstanceOf(SourceParseError);
        // It points at the 1,001st character (the line is the conversation alone) and names where it starts.
        expect(error).toMatchObject({ line: 2, column: column + 1000, index: 1, elementStart: { line: 2, column } });
        expect((error as SourceParseError).position).toBe((error as SourceParseError).elementStart!.position + 1000);
        expect((error as Error).message).toContain('larger than 1000 characters');
        expect((error as Error).message).toContain(`starts at line 2, column ${column}`);
      }
    }
    // The splitter alone, given the whole input at once.
    const splitter = new JsonElementSplitter({ maxElementChars: 1000 });
    expect(splitter.push(`${sized(1000)}\n`)).toHaveLength(1);
    expect(() => splitter.push(`${sized(1001)}\n`)).toThrow(SourceParseError);
  });

  // The error used to name only where the conversation starts: in a pretty-printed export, many lines before the
  // place it crossed the limit (a string never closed, say), and always the same whatever the limit.
  it('a conversation over maxConversationChars is reported where it crosses the limit, and where it starts', async () => {
    const pretty = '{"messages": [\n  {"text": "0123456789"},\n  {"text": "0123456789"},\n  {"text": "0123456789"}\n]}';
    // Line 2 starts at position 16 (after `{"messages":[]}` and its line break); the conversation's lines take 15 and
    // 26 characters with their breaks, so its character 51 (position 16 + 50) is on line 4, column 50 - 41 + 1.
    const closed = file(`{"messages":[]}\n${pretty}\n`);
    // And one whose string never closes: refused on the read that takes it past the limit, wherever it is.
    const open = file(`{"messages":[]}\n${pretty.slice(0, 41)}  {"text": "${'x'.repeat(200)}`);
    for (const highWaterMark of [1, 7, 50, 64, 64 * 1024]) {
      for (const path of [closed, open]) {
        const error = await (async () => {
          for await (const _ of readConversations(path, { maxConversationChars: 50, highWaterMark })) void _;
        })().catch((e: unknown) => e);
        expect(error, `highWaterMark ${highWaterMark}`).toBeInstanceOf(SourceParseError);
        expect(error).toMatchObject({ line: 4, column: 10, position: 66, index: 1, elementStart: { line: 2, column: 1, position: 16 } });
        expect((error as Error).message).toMatch(/\(conversation 2\)$/); // counted from 1 in the message, as in the CLI's failure list
        expect((error as Error).message).toMatch(new RegExp(`^${path.replace(/[\\/.]/g, '\\$&')}:4:10: an element is larger than 50 characters: it starts at line 2, column 1`));
      }
    }
    // A limit further on moves the place, not the start (line 5 starts at position 16 + 67).
    expect(await readAll(closed)).toHaveLength(2);
    const later = await (async () => {
      for await (const _ of readConversations(closed, { maxConversationChars: 70 })) void _;
    })().catch((e: unknown) => e);
    expect(later).toMatchObject({ line: 5, column: 4, position: 86, elementStart: { line: 2, column: 1, position: 16 } });
  });

  // An element nested ~10,000 deep used to overflow the stack of the error locator: a bare RangeError, no position.
  it('an element nested deeper than 1,000 levels, valid or not, fails where it crosses the limit', async () => {
    const deep = (depth: number, inner: string) => `{"request":{},"messages":${'['.repeat(depth)}${inner}${']'.repeat(depth)}}`;
    // The 1,000th "[" opens level 1,001 (the object is level 1), at column 25 + 1,000.
    for (const [inner, hwm] of [['x', undefined], ['x', 4096], ['1', undefined], ['"ok"', 1000]] as const) {
      for (const depth of [1_000, 9_990]) {
        const seen: unknown[] = [];
        const error = await (async () => {
          for await (const c of readConversations(file(`{"messages":[]}\n${deep(depth, inner)}\n`), hwm === undefined ? {} : { highWaterMark: hwm })) {
            seen.push(c);
          }
        })().catch((e: unknown) => e);
        expect(seen).toEqual([{ messages: [] }]);
        expect(error).toBeInstanceOf(SourceParseError);
        expect(error).toMatchObject({ line: 2, column: 1025, index: 1, message: expect.stringContaining('nested deeper than 1000 levels') });
      }
    }
    // 1,000 levels exactly are read.
    expect(await readAll(file(deep(999, '1')))).toHaveLength(1);
  });

  it('the error locator is iterative: an invalid value 100,000 levels deep gets its position', () => {
    const depth = 100_000;
    expect(locateJsonError(`${'['.repeat(depth)}tru${']'.repeat(depth)}`)).toEqual({ offset: depth, message: "unexpected 't'" });
    expect(locateJsonError(`${'{"a":'.repeat(depth)}1,}${'}'.repeat(depth - 1)}`)).toEqual({
      offset: depth * 5 + 2,
      message: "expected a double-quoted property name, found '}'",
    });
    expect(locateJsonError(`${'[{"a":'.repeat(depth)}1}}`)).toEqual({ offset: depth * 6 + 2, message: "expected ',' or ']' in an array, found '}'" });
    expect(locateJsonError(`${'[{"a":'.repeat(depth)}1}]}`)).toEqual({ offset: depth * 6 + 4, message: "expected ',' or ']' in an array, found the end of the element" });
  });

  it('conversations before the bad one are still yielded', async () => {
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const c of readConversations(file('{"messages":[]}\n{"messages":[1]}\n{"messages":]}\n'))) seen.push(c);
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(2);
    expect(error).toMatchObject({ line: 3, index: 2 });
  });

  it('bytes that are not UTF-8 (a Latin-1 export) fail where they are instead of becoming U+FFFD', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('{"messages":[{"text":"ok"}]}\n{"messages":[{"text":"caf'),
      Buffer.from([0xe9]), // é in Latin-1
      Buffer.from('"}]}\n'),
    ]);
    for (const hwm of [undefined, 7]) {
      const seen: unknown[] = [];
      const error = await (async () => {
        for await (const c of readConversations(file(latin1), hwm === undefined ? {} : { highWaterMark: hwm })) seen.push(c);
      })().catch((e: unknown) => e);
      expect(seen).toEqual([{ messages: [{ text: 'ok' }] }]);
      expect(error).toBeInstanceOf(SourceParseError);
      expect(error).toMatchObject({ line: 2, column: 26, index: 1, message: expect.stringContaining('not valid UTF-8') });
    }
    // A file cut inside a multi-byte character.
    const cut = await parseError(file(Buffer.concat([Buffer.from('{"messages":[]}\n'), Buffer.from('é').subarray(0, 1)])));
    expect(cut.message).toContain('ends in the middle of a UTF-8 character');
    // A file ending in bytes no character starts with (F0 must be followed by 90..BF) is bad bytes, not a cut file.
    const bad = await parseError(file(Buffer.concat([Buffer.from('{"messages":[]}\n'), Buffer.from([0xf0, 0x80])])));
    expect(bad).toMatchObject({ line: 2, column: 1, message: expect.stringContaining('not valid UTF-8') });
    expect(bad.message).not.toContain('middle of a UTF-8 character');
  });

  it('bytes that are not UTF-8 are located by their bytes: not at a real U+FFFD before them, nor at a character split between two reads', async () => {
    const bad = (before: string) => Buffer.concat([Buffer.from(before), Buffer.from([0xe9]), Buffer.from('"}]}\n')]);
    const cases = [
      // A U+FFFD the export really holds (a replacement made long ago), in the same read as the bad byte.
      { bytes: bad('{"messages":[{"text":"\uFFFD ok"}]}\n{"messages":[{"text":"two"}]}\n{"messages":[{"text":"caf'), highWaterMark: undefined, line: 3, column: 26, seen: 2 },
      // 'é' cut between the first read (32 bytes) and the second, which holds the bad byte.
      { bytes: bad(`{"a":"${'x'.repeat(25)}é"}\n{"b":"x`), highWaterMark: 32, line: 2, column: 8, seen: 1 },
      // A 4-byte character (👋) cut after its third byte by the first read.
      { bytes: bad(`{"a":"${'x'.repeat(23)}👋"}\n{"b":"x`), highWaterMark: 32, line: 2, column: 8, seen: 1 },
      // A 3-byte character (…, E2 80 A6) cut after its second byte, 0x80.
      { bytes: bad(`{"a":"${'x'.repeat(24)}…"}\n{"b":"x`), highWaterMark: 32, line: 2, column: 8, seen: 1 },
    ];
    for (const c of cases) {
      const seen: unknown[] = [];
      const error = await (async () => {
        for await (const conversation of readConversations(file(c.bytes), c.highWaterMark === undefined ? {} : { highWaterMark: c.highWaterMark })) seen.push(conversation);
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SourceParseError);
      expect(error).toMatchObject({ line: c.line, column: c.column, index: c.seen, message: expect.stringContaining('not valid UTF-8') });
      expect(seen).toHaveLength(c.seen);
    }
  });

  it('a U+FEFF at the start of a read that also holds bad bytes is kept in the conversations before them', async () => {
    const text = `${'x'.repeat(40)}\uFEFFy`;
    const bytes = Buffer.concat([Buffer.from(`{"messages":[{"text":"${text}"}]}\n{"messages":[{"text":"caf`), Buffer.from([0xe9]), Buffer.from('"}]}\n')]);
    // The second read starts at the U+FEFF and ends after the bad byte.
    const highWaterMark = bytes.indexOf(Buffer.from('\uFEFF'));
    expect(bytes.indexOf(0xe9)).toBeLessThan(2 * highWaterMark);
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const c of readConversations(file(bytes), { highWaterMark })) seen.push(c);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ messages: [{ text }] }]);
    expect(error).toMatchObject({ name: 'SourceParseError', line: 2, message: expect.stringContaining('not valid UTF-8') });
  });

  it('a U+FEFF inside the text at the start of a read is kept; only the file\'s own BOM is skipped', async () => {
    const text = `${'x'.repeat(20)}\uFEFFy`;
    const bytes = Buffer.from(`\uFEFF{"messages":[{"text":"${text}"}]}\n`);
    for (const highWaterMark of [undefined, 1, 2, 3, bytes.indexOf(Buffer.from('\uFEFFy'))]) {
      expect(await readAll(file(bytes), highWaterMark)).toEqual([{ messages: [{ text }] }]);
    }
  });
});

describe('a stream of bytes instead of a path', () => {
  const conversations = dataset({ conversations: 40, messages: { min: 1, max: 6 }, someIds: true, tag: 'stream' });
  const ndjson = conversations.map((c) => JSON.stringify(c)).join('\n');

  it('reads a gzipped export through a gunzip stream, as JSON.parse of the whole file would', async () => {
    const path = file(gzipSync(ndjson));
    const out: unknown[] = [];
    for await (const c of readConversations(createReadStream(path).pipe(createGunzip()))) out.push(c);
    expect(out).toEqual(JSON.parse(`[${ndjson.split('\n').join(',')}]`));
  });

  it('names the stream in a SourceParseError by options.name', async () => {
    const input = new PassThrough();
    input.end('{"request":{}}\n{"request":');
    const error = await (async () => {
      for await (const _ of readConversations(input, { name: 'stdin' })) void _;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceParseError);
    expect(error).toMatchObject({ file: 'stdin', line: 2 });
  });

  it('breaking out of the loop destroys the stream it was given', async () => {
    const input = new PassThrough();
    input.write(`${ndjson}\n`);
    for await (const _ of readConversations(input)) break;
    expect(input.destroyed).toBe(true);
  });
});
