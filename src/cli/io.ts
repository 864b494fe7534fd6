import { redact, redactSecrets } from '../shared/token.js';

/** Where the CLI writes. `process.stdout` fits; tests pass a buffer. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/** Everything the CLI takes from its surroundings, so `main` can run in a test with no process globals. */
export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM. */
  signal: AbortSignal;
  cwd: string;
  /** The package root (holds package.json and examples/data); found from the running script when absent. */
  packageRoot?: string;
  /** What `import -` reads; `process.stdin` when absent. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/**
 * Secrets known to this run (tokens, passwords). Every line the CLI prints about an error passes through
 * {@link safeText}, which removes them and anything that looks like a credential.
 */
export class SecretRegistry {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (!value) return;
    this.values.add(value);
    // Tokens travel with and without their scheme; mask both spellings.
    const bare = value.replace(/^\s*jwt\s+/i, '');
    if (bare !== value) this.values.add(bare);
  }

  safeText(text: string): string {
    return redact(redactSecrets(text, [...this.values]));
  }
}

/** Thrown for bad usage (unknown flag, missing setting): printed without a stack, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

// Characters a terminal draws in two columns (East Asian wide and fullwidth: Hangul Jamo, CJK, kana, Hangul syllables,
// fullwidth forms; emoji shown as emoji) and in none (combining marks, zero-width format characters such as ZWJ).
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]|\p{Emoji_Presentation}/u;
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u;

function columnsOf(char: string): number {
  if (ZERO_WIDTH.test(char)) return 0;
  return WIDE.test(char) ? 2 : 1;
}

/** The number of terminal columns a string takes (ANSI sequences removed; wide characters count two). */
export function visibleLength(text: string): number {
  let columns = 0;
  for (const char of text.replace(ANSI, '')) columns += columnsOf(char);
  return columns;
}

/** Cuts `text` to `width` terminal columns, with an ellipsis. ANSI sequences are dropped when cutting. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (visibleLength(text) <= width) return text;
  let kept = '';
  let columns = 0;
  for (const char of text.replace(ANSI, '')) {
    const w = columnsOf(char);
    if (columns + w > width - 1) break;
    kept += char;
    columns += w;
  }
  // A wide character that did not fit leaves a column: filled, so what follows stays aligned.
  return `${kept}…${' '.repeat(width - 1 - columns)}`;
}

export function padEnd(text: string, width: number): string {
  const length = visibleLength(text);
  return length >= width ? truncate(text, width) : text + ' '.repeat(width - length);
}

// What a terminal obeys instead of printing: C0 controls (ESC starts the CSI/OSC sequences that move the cursor, clear
// the screen, set the window title, write the clipboard or make hyperlinks; CR and BS rewrite the line), DEL, and C1
// controls (0x9B is CSI by itself on 8-bit terminals). Also the bidi embeddings, overrides and isolates: a terminal that
// applies bidi would reorder the rest of the line with them ("\u202Enimda" reads "admin"); RTL text itself needs none.
const CONTROL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

function showControl(char: string): string {
  const code = char.charCodeAt(0);
  if (code === 9) return ' ';
  // Control Pictures (␛ for ESC, ␍ for CR, ␊ for LF, ␡ for DEL), one column wide; C1 controls have none.
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16)}`;
}

/**
 * Text that came from the server (names, message texts, card titles, button labels and links, ids, error messages)
 * made safe to print on one terminal line: a run of whitespace holding a line break becomes ` ⏎ `, a tab a space,
 * and every other control character a visible symbol (`␛` for ESC) that the terminal prints instead of obeying.
 * Linear in the length of the text.
 */
export function printable(text: string): string {
  return String(text).replace(/\s+/g, (space) => (space.includes('\n') ? ' ⏎ ' : space)).replace(CONTROL, showControl);
}

// The only escape sequences written inside a line: the colours of createStyle (bold, dim, red…cyan, and their resets).
const LINE_OUTPUT = /(\x1b\[(?:1|2|22|3[1-6]|39)m)|[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The last step before a line of a live view reaches the terminal: every control character is shown, as by
 * {@link printable}, except the colour codes of {@link createStyle}. Server text is escaped where it is read already;
 * this keeps a string that some code path forgot from driving the terminal. Idempotent.
 */
export function terminalLine(line: string): string {
  return line.replace(LINE_OUTPUT, (char, colour: string | undefined) => colour ?? showControl(char));
}

/** Colours for a TTY; identity functions otherwise (or with `NO_COLOR`). */
export interface Style {
  enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  cyan(text: string): string;
  magenta(text: string): string;
  blue(text: string): string;
}

export function createStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    red: wrap(31, 39),
    cyan: wrap(36, 39),
    magenta: wrap(35, 39),
    blue: wrap(34, 39),
  };
}

/** Colour on a TTY unless `NO_COLOR` is set (https://no-color.org) or `TERM=dumb`. */
export function wantsColor(stream: OutputStream, env: CliIO['env']): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const numberFormat = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return numberFormat.format(Math.round(n));
}

/** `1 conversation`, `2 conversations`, `1,000 messages`: a count with its noun, singular for one. */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${formatCount(n)} ${nounFor(n, noun, plural)}`;
}

/** The noun that agrees with `n` as printed (rounded): singular for one, else `plural`. */
export function nounFor(n: number, noun: string, plural = `${noun}s`): string {
  return Math.round(n) === 1 ? noun : plural;
}

/** `850ms`, `4.2s`, `3m 05s`, `1h 02m`. Rounded once, up front: `14m 60s` must read `15m 00s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  if (ms < 9_950) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** `HH:MM:SS` in local time. */
export function clock(date: Date): string {
  return date.toTimeString().slice(0, 8);
}

/** `now`, `45s`, `12m`, `3h`, `2d` — how long ago. */
export function age(fromMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - fromMs) / 1000));
  if (s < 10) return 'now';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** Resolves after `ms`, or at once (without throwing) when `signal` aborts. The timer never outlives the wait. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
