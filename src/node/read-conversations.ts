import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { CLOSES_PROMPTLY } from '../import/source-close.js';
import type { ImportConversation } from '../import/types.js';
import { JsonElementSplitter } from './json-stream.js';

/** Options of {@link readConversations}. */
export interface ReadConversationsOptions {
  /**
   * Largest single conversation, in characters (default 64 Mi): a guard against a file whose brackets never close.
   * Exact: a conversation of more is a `SourceParseError` thrown by the read that takes it past the limit, before the
   * next one: its `index`, the `line`, `column` and `position` of its first character past the limit, and
   * `elementStart`, where it starts (the message names both).
   */
  maxConversationChars?: number;
  /** Bytes read from the file at a time (default 64 KiB). */
  highWaterMark?: number;
  /** What errors call a stream source (`SourceParseError.file`); default `stream`. A path names itself. */
  name?: string;
}

/**
 * Streams the conversations of a file, or of a stream of its bytes (stdin, a gunzip stream, an HTTP download): a
 * JSON array (`[ {...}, {...} ]`) or NDJSON (one JSON object per line), told apart by the first character. The file
 * is read in small pieces and each conversation is parsed on its own, so memory holds a few conversations at a time
 * however large the file. Read lazily, it gives
 * `importConversations` backpressure: the file is read only as fast as conversations are imported. Bad input throws
 * a `SourceParseError` with the line and column, bytes that are not UTF-8 included. Breaking out of the loop (or an
 * aborted import) closes the file at once, even in the middle of a large conversation: `return()` stops the read
 * under way and resolves once the file is closed.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { createGunzip } from 'node:zlib';
 * import { importConversations } from 'tiledesk-sdk';
 * import { readConversations } from 'tiledesk-sdk/node';
 *
 * const report = await importConversations(client, readConversations('export.ndjson'));
 * // A compressed export, without unpacking it first:
 * const gz = readConversations(createReadStream('export.ndjson.gz').pipe(createGunzip()), { name: 'export.ndjson.gz' });
 * ```
 */
export function readConversations(
  source: string | Readable,
  options: ReadConversationsOptions = {},
): AsyncGenerator<ImportConversation, void, undefined> {
  const control: ReadControl = { stream: undefined, closing: false };
  const generator = read(source, options, control);
  // The generator's own `return()` waits for a read under way to reach a `yield`: inside a large conversation,
  // that is reading on to its end (up to `maxConversationChars`). Destroying the stream first ends that read now;
  // this resolves once the file is closed.
  const queuedReturn = generator.return.bind(generator);
  generator.return = async (value) => {
    control.closing = true;
    const stream = control.stream;
    if (stream && !stream.closed) {
      const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
      stream.destroy();
      await closed;
    }
    return queuedReturn(value);
  };
  Object.defineProperty(generator, CLOSES_PROMPTLY, { value: true });
  return generator;
}

interface ReadControl {
  stream: Readable | undefined;
  /** `return()` was called: the stream's end (premature close) is not an error. */
  closing: boolean;
}

async function* read(source: string | Readable, options: ReadConversationsOptions, control: ReadControl): AsyncGenerator<ImportConversation, void, undefined> {
  const file = typeof source === 'string' ? source : (options.name ?? 'stream');
  const splitter = new JsonElementSplitter({ maxElementChars: options.maxConversationChars, file });
  const stream = typeof source === 'string' ? createReadStream(source, { highWaterMark: options.highWaterMark ?? 64 * 1024 }) : source;
  control.stream = stream;
  // Fatal: a lenient decoder would import U+FFFD in place of every bad byte (a Latin-1 export, say), silently.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // The start of a character the last read cut in two, decoded with the next read: so every decode is of whole
  // characters, and bad bytes are found in bytes we hold (the decoder's own carry-over would hide them).
  let carry: Buffer | undefined;
  let decoded = 0;
  try {
    for await (const chunk of stream) {
      // A stream with an encoding set hands out strings: its bytes are what is checked and decoded here.
      const piece = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      const bytes = carry ? Buffer.concat([carry, piece]) : piece;
      const whole = wholeCharacters(bytes);
      carry = whole < bytes.length ? Buffer.from(bytes.subarray(whole)) : undefined;
      let text: string;
      try {
        // `stream: true` though nothing is left to carry: each call would otherwise start a new stream and drop a
        // U+FEFF at the start of any read, not only the file's BOM.
        text = decoder.decode(bytes.subarray(0, whole), { stream: true });
        decoded += whole;
      } catch {
        // Hand out what precedes the bad bytes, then fail where they are.
        for (const element of splitter.push(textBeforeBadBytes(bytes.subarray(0, whole), decoded > 0))) yield element as ImportConversation;
        throw splitter.errorHere(NOT_UTF8);
      }
      for (const element of splitter.push(text)) yield element as ImportConversation;
    }
    if (carry) throw splitter.errorHere(isUtf8Prefix(carry) ? 'the file ends in the middle of a UTF-8 character' : NOT_UTF8);
    for (const element of splitter.end()) yield element as ImportConversation;
  } catch (error) {
    if (control.closing) return;
    throw error;
  } finally {
    stream.destroy();
  }
}

const NOT_UTF8 = 'the file is not valid UTF-8 here (re-encode it: e.g. iconv -f latin1 -t utf-8)';

/** Whether `bytes` (a last character cut short) could begin a character, as opposed to a sequence none begins with. */
function isUtf8Prefix(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** How many bytes of `bytes` end on a character boundary: all but a last character whose bytes are not all there yet. */
function wholeCharacters(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if (b < 0x80) return bytes.length;
    if (b < 0xc0) continue; // a continuation byte: look further back for its lead
    // A lead byte: 2 bytes from 0xC2, 3 from 0xE0, 4 from 0xF0 (anything else is invalid: left to the decoder).
    const length = b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    return length > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/**
 * The text before the first invalid sequence of `bytes` (which holds one): the longest prefix a streaming decoder
 * takes without an error, found by bisection, less the incomplete character it holds back, which is the bad one.
 */
function textBeforeBadBytes(bytes: Uint8Array, afterStart: boolean): string {
  // `ignoreBOM` for a piece from the middle of the file, where a U+FEFF is text like any other.
  const decode = (length: number) => new TextDecoder('utf-8', { fatal: true, ignoreBOM: afterStart }).decode(bytes.subarray(0, length), { stream: true });
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 1) {
    const middle = (good + bad) >>> 1;
    try {
      decode(middle);
      good = middle;
    } catch {
      bad = middle;
    }
  }
  return decode(good);
}
