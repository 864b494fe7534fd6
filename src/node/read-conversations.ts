import { createReadStream } from 'node:fs';
import type { ImportConversation } from '../import/types.js';
import { JsonElementSplitter } from './json-stream.js';

/** Options of {@link readConversations}. */
export interface ReadConversationsOptions {
  /** Largest single conversation, in characters (default 64 Mi): a guard against a file whose brackets never close. */
  maxConversationChars?: number;
  /** Bytes read from the file at a time (default 64 KiB). */
  highWaterMark?: number;
}

/**
 * Streams the conversations of a file: a JSON array (`[ {...}, {...} ]`) or NDJSON (one JSON object per line),
 * told apart by the first character. The file is read in small pieces and each conversation is parsed on its own,
 * so memory holds a few conversations at a time however large the file. Read lazily, it gives
 * `importConversations` backpressure: the file is read only as fast as conversations are imported. Bad input throws
 * a `SourceParseError` with the line and column, bytes that are not UTF-8 included. Breaking out of the loop (or an aborted import) closes the file.
 *
 * @example
 * ```ts
 * import { importConversations } from 'tiledesk-sdk';
 * import { readConversations } from 'tiledesk-sdk/node';
 *
 * const report = await importConversations(client, readConversations('export.ndjson'));
 * ```
 */
export async function* readConversations(path: string, options: ReadConversationsOptions = {}): AsyncGenerator<ImportConversation, void, undefined> {
  const splitter = new JsonElementSplitter({ maxElementChars: options.maxConversationChars, file: path });
  const stream = createReadStream(path, { highWaterMark: options.highWaterMark ?? 64 * 1024 });
  // Decodes UTF-8 across chunk boundaries (a character split between two reads stays whole). Fatal: a lenient
  // decoder would import U+FFFD in place of every bad byte (a Latin-1 export, say), silently.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of stream) {
      let text: string;
      try {
        text = decoder.decode(chunk as Buffer, { stream: true });
      } catch {
        // Hand out what precedes the bad bytes, then fail where they are.
        const lenient = new TextDecoder('utf-8').decode(chunk as Buffer);
        for (const element of splitter.push(lenient.slice(0, Math.max(0, lenient.indexOf('\uFFFD'))))) yield element as ImportConversation;
        throw splitter.errorHere('the file is not valid UTF-8 here (re-encode it: e.g. iconv -f latin1 -t utf-8)');
      }
      for (const element of splitter.push(text)) yield element as ImportConversation;
    }
    let rest: string;
    try {
      rest = decoder.decode();
    } catch {
      throw splitter.errorHere('the file ends in the middle of a UTF-8 character');
    }
    for (const element of splitter.push(rest)) yield element as ImportConversation;
    for (const element of splitter.end()) yield element as ImportConversation;
  } finally {
    stream.destroy();
  }
}
