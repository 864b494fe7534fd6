import { InvalidMessageError } from './errors.js';
// Named character references: the ones chat text uses (each name followed by its character), and every accented
// letter by composition (&eacute; is e + U+0301), which covers HTML's Latin-1 letters (Italian, Spanish, French,
// German bot text) without a 96-name table. Any other name is kept as written. &nbsp; is a plain space: the fallback
// is for reading, and collapsing and trimming must see it.
const NAMED = 'nbsp szligßamp&lt<gt>quot"apos\'ndash–mdash—lsquo‘rsquo’ldquo“rdquo”laquo«raquo»hellip…euro€copy©reg®trade™deg°times×bull•middot·';
const ACCENTS: Record<string, string> = { grave: '\u0300', acute: '\u0301', circ: '\u0302', tilde: '\u0303', uml: '\u0308', ring: '\u030A', cedil: '\u0327' };

function namedEntity(name: string): string | undefined {
  // In NAMED each name runs from a non-letter (or the start) to its character, never a letter: a name is found only
  // whole. `name` is letters and digits (the pattern of decodeEntities), nothing a RegExp reads specially.
  const known = NAMED.match(new RegExp(`(^|[^a-z])${name}([^a-z])`, 'i'));
  if (known) return known[2];
  // A letter and an accent's name (`e` + `acute`); a letter that takes no such accent stays two characters.
  const accent = Object.hasOwn(ACCENTS, name.slice(1)) ? ACCENTS[name.slice(1)] : undefined;
  const letter = accent && (name[0] + accent).normalize('NFC');
  return letter?.length === 1 ? letter : undefined;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|#x[\da-f]+|[a-z]+\d*);/gi, (entity, name: string) => {
    if (name[0] !== '#') return namedEntity(name) ?? entity;
    // `#x41` → `0x41` (hexadecimal), `#65` → `065` (decimal: `Number` reads no octal): the pattern let only digits through.
    const code = Number(`0${name.slice(1)}`);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\uFFFD';
  });
}

// Every pass below is linear in the input: the widget's visitors write this markup, so a regex that rescans the rest of
// the text from each unclosed `<script`, `<!--`, `<br` or `<a` (quadratic: 80 KB took seconds) is not an option.

/** Removes each `open … close` span, leftmost first, up to the first close after it; an open with no close is text. */
function cut(text: string, open: RegExp, close: (open: RegExpExecArray) => string): string {
  let out = '';
  let from = 0;
  // Closes not found after some open: not after any later open either, so each is searched for to the end once.
  const missing = new Set<string>();
  for (let m; (m = open.exec(text)); ) {
    const name = close(m);
    if (missing.has(name)) continue;
    const end = new RegExp(name, 'gi');
    end.lastIndex = open.lastIndex;
    if (!end.exec(text)) missing.add(name);
    else {
      out += text.slice(from, m.index);
      open.lastIndex = from = end.lastIndex;
    }
  }
  return out + text.slice(from);
}

/**
 * Readable plain text for an `html` message: scripts, styles and `<head>` dropped, block ends turned into line
 * breaks, tags removed, character references decoded (numeric ones, accented letters such as
 * `&eacute;`, and the names chat text uses; other names are kept as written). The result is text, not markup: put it in the page with
 * `textContent` (or your framework's text binding), never `innerHTML` — decoded `&lt;script&gt;` is `<script>` again.
 * Linear in the length of the markup, whatever it holds.
 *
 * @throws {InvalidMessageError} when `markup` is not a string (`path` is `markup`).
 * @example
 * ```ts
 * htmlToText('<p><b>Hi</b> there</p><p>A &amp; B</p>'); // "Hi there\nA & B"
 * ```
 */
export function htmlToText(markup: string): string {
  if (typeof markup != 'string') throw new InvalidMessageError([{ path: 'markup', message: 'must be a string' }]);
  const stripped = cut(cut(markup, /<(script|style|head|template|noscript)\b/gi, (m) => `</${m[1]!.toLowerCase()}\\s*>`), /<!--/g, () => '-->')
    // Source line breaks are just spaces in HTML; only <br> and block ends start a new line.
    .replace(/\s+/g, ' ')
    .replace(/<br\b(?:"[^"]*"|'[^']*'|[^'"<>])*>|<\/(?:p|div|li|h[1-6]|tr|blockquote|pre|section|article|header|footer|ul|ol|table)\s*>/gi, '\n')
    .replace(/<\/(?:td|th|button)\s*>/gi, ' ')
    // A tag starts `<` + a letter, `/`, `!` or `?`; any other `<` is text ("a < b", "<3"). Quoted attribute values
    // may hold `>` (and `<`); outside them a `<` ends the attempt: a tag that never closes then costs only up to the
    // next `<`, not a scan to the end of the text from each one.
    .replace(/<\/?[A-Za-z](?:"[^"]*"|'[^']*'|[^'"<>])*>|<[!?][^<>]*>/g, '');
  return decodeEntities(stripped)
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').trim())
    .filter((line) => line)
    .join('\n');
}
