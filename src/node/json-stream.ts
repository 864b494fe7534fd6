/**
 * A streaming splitter for a top-level JSON array (`[ {...}, {...} ]`) or a sequence of JSON values (NDJSON, one
 * per line; pretty-printed values separated by whitespace work too). It finds where each top-level element starts
 * and ends — tracking only brackets, strings and escapes — and hands each element to `JSON.parse`, so memory holds
 * one element at a time however large the input. Errors carry the line and column they are at.
 */
import { TiledeskError } from '../shared/errors.js';

/** A place in the input. */
export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  /** Offset in characters from the start of the input. */
  position: number;
}

/**
 * The source file is not a JSON array or NDJSON of conversations: `line` and `column` (1-based) point at the
 * problem, `index` is the element (conversation) it is in, counted from 0.
 *
 * @example
 * ```ts
 * try {
 *   for await (const c of readConversations('export.ndjson')) console.log(c.request?.id);
 * } catch (e) {
 *   if (e instanceof SourceParseError) console.error(`${e.file}:${e.line}:${e.column}: ${e.message}`);
 * }
 * ```
 */
export class SourceParseError extends TiledeskError {
  override readonly name: string = 'SourceParseError';
  declare readonly line: number;
  declare readonly column: number;
  /** Offset in characters from the start of the input. */
  declare readonly position: number;
  /**
   * The element (conversation) the problem is in, when it is inside one, counted from 0 like `ImportFailure.position`.
   * The message counts from 1, as the CLI's list of failed conversations does.
   */
  declare readonly index: number | undefined;
  declare readonly file: string | undefined;
  /**
   * Where the element (conversation) starts, when the problem is about the whole of it: one larger than
   * `maxConversationChars` (then `line`, `column` and `position` point at its first character past the limit), or one
   * the input ends in. The message names it too.
   */
  declare readonly elementStart: SourcePosition | undefined;

  constructor(
    problem: string,
    at: { line: number; column: number; position: number; index?: number | undefined; file?: string | undefined; elementStart?: SourcePosition | undefined },
  ) {
    const where = `${at.file ?? 'input'}:${at.line}:${at.column}`;
    super(`${where}: ${problem}${at.index === undefined ? '' : ` (conversation ${at.index + 1})`}`, { code: 'invalid_source' });
    this.line = at.line;
    this.column = at.column;
    this.position = at.position;
    this.index = at.index;
    this.file = at.file;
    this.elementStart = at.elementStart;
  }
}

// Where the splitter is, between elements. Plain numbers rather than enums: nothing to emit at module load.
/** Before the first character: `[` means an array, `{` a sequence (NDJSON). */
const DETECT = 0;
/** After `[`: an element or `]`. */
const ARRAY_FIRST = 1;
/** After `,`: an element. */
const ARRAY_NEXT = 2;
/** After an element: `,` or `]`. */
const ARRAY_AFTER = 3;
/** NDJSON / concatenated values. */
const SEQUENCE = 4;
/** After the closing `]`: whitespace only. */
const END = 5;

// What kind of element is being read.
const CONTAINER = 0;
const STRING = 1;
const PRIMITIVE = 2;

const QUOTE = 34;
const BACKSLASH = 92;
const NEWLINE = 10;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const COLON = 58;
const BOM = 0xfeff;

/**
 * Deepest nesting of arrays and objects in an element. A conversation export nests a handful of levels; what goes
 * deeper is refused where it crosses the limit, with its line and column, before `JSON.parse` or anything after it
 * (the `JSON.stringify` that sends it, which recurses and overflows the stack at a few thousand levels) sees it.
 */
export const MAX_DEPTH = 1000;

function isWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === NEWLINE;
}

function isDelimiter(c: number): boolean {
  return isWhitespace(c) || c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE || c === OPEN_BRACE || c === OPEN_BRACKET || c === QUOTE || c === COLON;
}

export interface SplitterOptions {
  /**
   * Largest element, in characters (default 64 Mi): a guard against a file whose brackets never close. Exact: an
   * element of more is refused by the `push` that takes it past the limit, with the line and column of its first
   * character past the limit, and where it starts (`elementStart`).
   */
  maxElementChars?: number;
  /** Named in errors. */
  file?: string;
}

/** Feed it text with {@link JsonElementSplitter.push}, then call {@link JsonElementSplitter.end}; each returns the parsed elements completed. */
export class JsonElementSplitter {
  readonly #maxChars: number;
  readonly #file: string | undefined;
  #mode: number = DETECT;
  #kind: number = CONTAINER;
  #inElement = false;
  #inString = false;
  #escaped = false;
  #depth = 0;
  #pieces: string[] = [];
  #chars = 0;
  /** Where the current element started. */
  #startLine = 0;
  #startColumn = 0;
  #startPosition = 0;
  #index = 0;
  #failure: unknown;
  /** Absolute offset of the current chunk's first character, and of the current line's first character. */
  #offset = 0;
  #line = 1;
  #lineStart = 0;

  constructor(options: SplitterOptions = {}) {
    this.#maxChars = options.maxElementChars ?? 64 * 1024 * 1024;
    this.#file = options.file;
  }

  /** Elements completed so far. */
  get count(): number {
    return this.#index;
  }

  push(chunk: string): unknown[] {
    if (this.#failure) throw this.#failure;
    const out: unknown[] = [];
    try {
      this.#scan(chunk, out);
    } catch (error) {
      // Elements completed before the bad spot are still handed out; the error comes with the next call.
      if (out.length === 0) throw error;
      this.#failure = error;
    }
    return out;
  }

  #scan(chunk: string, out: unknown[]): void {
    const n = chunk.length;
    let i = 0;
    let pieceStart = 0;
    // Next backslash and next quote at or after `i` in this chunk (n when none), looked up again only once `i` has
    // passed them, so scanning stays linear: a string of many escapes (`\u0416…`, Python's ensure_ascii) would
    // otherwise search to its closing quote once per escape.
    let nextBackslash = -1;
    let nextQuote = -1;
    while (i < n) {
      if (this.#inElement) {
        if (this.#inString) {
          if (this.#escaped) {
            this.#escaped = false;
            i++;
            continue;
          }
          if (nextQuote < i) {
            nextQuote = chunk.indexOf('"', i);
            if (nextQuote === -1) nextQuote = n;
          }
          if (nextBackslash < i) {
            nextBackslash = chunk.indexOf('\\', i);
            if (nextBackslash === -1) nextBackslash = n;
          }
          if (nextBackslash < nextQuote) {
            this.#escaped = true;
            i = nextBackslash + 1;
            continue;
          }
          if (nextQuote === n) {
            i = n;
            break;
          }
          i = nextQuote + 1;
          this.#inString = false;
          if (this.#kind === STRING) {
            out.push(this.#finish(chunk, pieceStart, i));
          }
          continue;
        }
        const c = chunk.charCodeAt(i);
        if (this.#kind === CONTAINER) {
          if (c === QUOTE) this.#inString = true;
          else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
            if (++this.#depth > MAX_DEPTH) throw this.#error(i, `nested deeper than ${MAX_DEPTH} levels of arrays and objects`, true);
          }
          else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
            if (--this.#depth === 0) {
              i++;
              out.push(this.#finish(chunk, pieceStart, i));
              continue;
            }
          } else if (c === NEWLINE) this.#newline(i);
          i++;
          continue;
        }
        // A number, true, false or null: ends at the first delimiter, which belongs to what follows.
        if (isDelimiter(c)) {
          out.push(this.#finish(chunk, pieceStart, i));
          continue;
        }
        i++;
        continue;
      }

      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) {
        this.#newline(i);
        i++;
        continue;
      }
      if (isWhitespace(c) || (c === BOM && this.#offset + i === 0)) {
        i++;
        continue;
      }
      switch (this.#mode) {
        case DETECT:
          if (c === OPEN_BRACKET) {
            this.#mode = ARRAY_FIRST;
            i++;
            continue;
          }
          if (c === OPEN_BRACE) {
            this.#mode = SEQUENCE;
            continue;
          }
          throw this.#error(i, `expected a JSON array ('[') or NDJSON objects ('{'), found ${describe(c)}`, false);
        case ARRAY_FIRST:
          if (c === CLOSE_BRACKET) {
            this.#mode = END;
            i++;
            continue;
          }
          break;
        case ARRAY_NEXT:
          if (c === CLOSE_BRACKET) throw this.#error(i, "trailing ',' before ']'", false);
          break;
        case ARRAY_AFTER:
          if (c === COMMA) this.#mode = ARRAY_NEXT;
          else if (c === CLOSE_BRACKET) this.#mode = END;
          else throw this.#error(i, `expected ',' or ']' after an element, found ${describe(c)}`, false);
          i++;
          continue;
        case END:
          throw this.#error(i, `unexpected ${describe(c)} after the closing ']'`, false);
        case SEQUENCE:
          break;
      }
      // The start of an element.
      if (c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE || c === COLON) throw this.#error(i, `unexpected ${describe(c)}`, false);
      this.#inElement = true;
      this.#pieces = [];
      this.#chars = 0;
      this.#startLine = this.#line;
      this.#startColumn = this.#offset + i - this.#lineStart + 1;
      this.#startPosition = this.#offset + i;
      pieceStart = i;
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.#kind = CONTAINER;
        this.#depth = 1;
      } else if (c === QUOTE) {
        this.#kind = STRING;
        this.#inString = true;
      } else {
        this.#kind = PRIMITIVE;
      }
      i++;
    }
    if (this.#inElement) {
      // Still open at the end of this piece of input: refused now if it is already too large, before anything more
      // is read or held.
      if (this.#chars + n - pieceStart > this.#maxChars) throw this.#tooLarge(chunk, pieceStart, ' (unclosed bracket or string?)');
      this.#chars += n - pieceStart;
      this.#pieces.push(chunk.slice(pieceStart));
    }
    this.#offset += n;
  }

  /**
   * The current element has more than `maxElementChars` characters, the last of them in `chunk` (its part from
   * `pieceStart` follows the pieces held): the error points at its first character past the limit, and names where
   * it starts.
   */
  #tooLarge(chunk: string, pieceStart: number, hint: string): SourceParseError {
    const max = this.#maxChars;
    const start = { line: this.#startLine, column: this.#startColumn, position: this.#startPosition };
    const position = start.position + max;
    // The line breaks of the element before that character: in the pieces held, then in this chunk up to it.
    let line = start.line;
    let lastBreak = -1;
    let offset = start.position;
    const count = (text: string, end: number) => {
      for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
        line++;
        lastBreak = offset + i;
      }
      offset += text.length;
    };
    for (const piece of this.#pieces) count(piece, piece.length);
    // `chunk` from `pieceStart` starts at `offset` now: the character past the limit is `position - offset` into it.
    count(chunk.slice(pieceStart), position - offset);
    return new SourceParseError(
      `an element is larger than ${max} characters: it starts at line ${start.line}, column ${start.column}, and passes the limit here${hint}`,
      { line, column: lastBreak < 0 ? start.column + max : position - lastBreak, position, index: this.#index, file: this.#file, elementStart: start },
    );
  }

  /** Call once the input is over: returns a last element (a bare number ends only here) or throws if the input is cut short. */
  /** An error at the point the input has reached (e.g. bytes that are not UTF-8 come next). */
  errorHere(problem: string): SourceParseError {
    return new SourceParseError(problem, { ...this.#here(), index: this.#inElement ? this.#index : undefined, file: this.#file });
  }

  end(): unknown[] {
    if (this.#failure) throw this.#failure;
    const out: unknown[] = [];
    if (this.#inElement) {
      if (this.#kind === PRIMITIVE) {
        out.push(this.#finish('', 0, 0));
      } else {
        throw new SourceParseError(
          `unexpected end of input: ${this.#inString ? 'a string is not terminated' : `${this.#depth} bracket(s) not closed`} in the element that starts at line ${this.#startLine}, column ${this.#startColumn}`,
          { ...this.#here(), index: this.#index, file: this.#file, elementStart: { line: this.#startLine, column: this.#startColumn, position: this.#startPosition } },
        );
      }
    }
    if (this.#mode === ARRAY_FIRST || this.#mode === ARRAY_NEXT || this.#mode === ARRAY_AFTER) {
      throw new SourceParseError("unexpected end of input: the array is not closed with ']'", { ...this.#here(), file: this.#file });
    }
    return out;
  }

  #newline(i: number): void {
    this.#line++;
    this.#lineStart = this.#offset + i + 1;
  }

  #here(): { line: number; column: number; position: number } {
    return { line: this.#line, column: this.#offset - this.#lineStart + 1, position: this.#offset };
  }

  #error(i: number, problem: string, inElement: boolean): SourceParseError {
    const position = this.#offset + i;
    return new SourceParseError(problem, {
      line: this.#line, column: position - this.#lineStart + 1, position, index: inElement ? this.#index : undefined, file: this.#file,
    });
  }

  #finish(chunk: string, pieceStart: number, end: number): unknown {
    // Also when it closes in the piece of input that took it past the limit: the limit is exact, not one piece late.
    if (this.#chars + end - pieceStart > this.#maxChars) throw this.#tooLarge(chunk, pieceStart, '');
    const last = chunk.slice(pieceStart, end);
    const text = this.#pieces.length === 0 ? last : this.#pieces.join('') + last;
    this.#pieces = [];
    this.#inElement = false;
    this.#inString = false;
    this.#escaped = false;
    if (this.#mode !== SEQUENCE) this.#mode = ARRAY_AFTER;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      const problem = locateJsonError(text);
      const before = text.slice(0, problem.offset);
      const newlines = before.split('\n').length - 1;
      const line = this.#startLine + newlines;
      const column = newlines === 0 ? this.#startColumn + problem.offset : problem.offset - before.lastIndexOf('\n');
      throw new SourceParseError(problem.message, { line, column, position: this.#startPosition + problem.offset, index: this.#index, file: this.#file });
    }
    this.#index++;
    return value;
  }
}

function describe(c: number): string {
  if (c === NEWLINE) return 'a line break';
  // Invisible ones by their code point: a BOM between two exports concatenated, a control character.
  return c === BOM || c < 0x20 ? `U+${c.toString(16).toUpperCase().padStart(4, '0')}` : `'${String.fromCharCode(c)}'`;
}

/**
 * Where and why `text` is not valid JSON: a small checker, run only after `JSON.parse` failed (whose messages do not
 * always give a position). Iterative, with its own stack of open containers: any depth is checked without
 * recursion, so a deeply nested element gets a position like any other, never a stack overflow.
 */
export function locateJsonError(text: string): { offset: number; message: string } {
  let i = 0;
  const fail = (message: string): never => {
    throw { offset: i, message };
  };
  const ws = () => {
    while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  };
  const found = () => (i >= text.length ? 'the end of the element' : describe(text.charCodeAt(i)));
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${found()}`);
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        i++;
        return;
      }
      if (c < 0x20) fail('a control character (e.g. a raw line break) inside a string');
      if (c === BACKSLASH) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape in a string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('bad escape in a string');
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail(`unexpected ${found()}`);
    i += m![0].length;
  };
  /** An object member's name and colon, up to its value. */
  const member = () => {
    ws();
    if (text.charCodeAt(i) !== QUOTE) fail(`expected a double-quoted property name, found ${found()}`);
    string();
    ws();
    if (text.charCodeAt(i) !== COLON) fail(`expected ':' after a property name, found ${found()}`);
    i++;
  };
  // The containers open around the current position, innermost last (OPEN_BRACE or OPEN_BRACKET).
  const open: number[] = [];
  try {
    for (;;) {
      // A value.
      ws();
      const c = text.charCodeAt(i);
      if (i >= text.length) fail('unexpected end of the element: a value is missing');
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        i++;
        ws();
        if (text.charCodeAt(i) !== (c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) {
          open.push(c);
          if (c === OPEN_BRACE) member();
          continue;
        }
        i++;
      } else if (c === QUOTE) string();
      else if (c === 116) literal('true');
      else if (c === 102) literal('false');
      else if (c === 110) literal('null');
      else number();
      // After a value: the next member or element of the container it is in, or that container's end (and so on
      // outwards).
      for (;;) {
        const container = open.at(-1);
        if (container === undefined) break;
        ws();
        const d = text.charCodeAt(i);
        const close = container === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
        if (d === COMMA) {
          i++;
          if (container === OPEN_BRACE) member();
          break;
        }
        if (d !== close) fail(container === OPEN_BRACE ? `expected ',' or '}' in an object, found ${found()}` : `expected ',' or ']' in an array, found ${found()}`);
        i++;
        open.pop();
      }
      if (open.length === 0) break;
    }
    ws();
    if (i < text.length) fail(`unexpected ${found()} after the value`);
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'offset' in e) return e as { offset: number; message: string };
    throw e;
  }
  return { offset: 0, message: 'invalid JSON' };
}
