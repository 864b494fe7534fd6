/**
 * MongoDB's `$text` search as tiledesk-server's text indexes get it: version 3 indexes with `default_language: "none"`
 * (`DEFAULT_FULLTEXT_INDEX_LANGUAGE` unset), so no stemming and no stop words. What a user's search then sees:
 *
 * - **Tokens.** Indexed strings are cut at every character Unicode lists as Dash, Hyphen, Pattern_Syntax,
 *   Quotation_Mark, Terminal_Punctuation or White_Space — `.`, `@`, `-`, `'`, `+`, `,`, `/`, `(`… — but not at `_`
 *   or digits: `ada.lovelace@example.com` is the four tokens `ada lovelace example com`, `O'Brien` is `o brien`,
 *   `Jean-Luc` is `jean luc`. Tokens are compared case- and diacritic-insensitively (`Émile` = `emile`).
 * - **Search string.** Its words are cut the same way and **any** of them matches (`ada@example.com` finds every
 *   lead at `example.com`, best first where the route sorts by score). A word starting with `-` after a space (or at
 *   the start) excludes the documents having it, up to the next space (`-foo-bar` excludes `foo` and `bar`); a
 *   `"quoted phrase"` must appear as written (case and diacritics aside) in one indexed string, and `-"phrase"` must
 *   not. Without any positive word nothing matches.
 * - **Score** (`{$meta: "textScore"}`): per indexed string, each distinct token scores
 *   `weight × (1 + 1/2 + 1/4 … one term per occurrence) × (0.5 + 0.5 × occurrences / tokens)`, × 1.1 when the token
 *   is the whole string; a document's score is the sum over the search's distinct positive words it contains.
 */

const HYPHEN = '\\-\u00AD\u058A\u1806\u2010\u2011\u2E17\u30FB\uFE63\uFF0D\uFF65';
const DELIMITERS = new RegExp(`[\\p{Dash}\\p{Pattern_Syntax}\\p{Quotation_Mark}\\p{Terminal_Punctuation}\\p{White_Space}${HYPHEN}]+`, 'u');
const DIACRITICS = /\p{Diacritic}/gu;
// ASCII has no special case mappings, and its only diacritic marks are ^ and ` (delimiters between tokens).
const ASCII = /^[\x00-\x7f]*$/;

/** Case-folded, diacritics stripped; delimiters kept (phrases compare whole strings this way). */
export function foldText(text: string): string {
  if (ASCII.test(text)) return text.replace(/[\^`]/g, '').toLowerCase();
  let out = '';
  for (const char of text.normalize('NFD').replace(DIACRITICS, '')) {
    const lower = char.toLowerCase();
    // Simple case folding maps one code point to one: keep a character whose lower case is longer (U+0130).
    out += lower.length === char.length ? lower : char;
  }
  return out.replace(/ς/g, 'σ').normalize('NFC');
}

/** The index's tokens of one string, in order (repeats kept). */
export function textTokens(text: string): string[] {
  return text
    .split(DELIMITERS)
    .filter((token) => token !== '')
    .map(foldText)
    .filter((token) => token !== '');
}

export interface TextSearch {
  /** Words of which a document needs one (phrase words included). */
  readonly terms: ReadonlySet<string>;
  readonly negatedTerms: ReadonlySet<string>;
  readonly phrases: readonly string[];
  readonly negatedPhrases: readonly string[];
}

// The search string's own tokenizer knows only whitespace (not the tab), `-` and `"`: everything else is text, which
// the index tokenizer then cuts further.
const QUERY_WHITESPACE = new Set([' ', '\n', '\v', '\f', '\r']);
const isQueryText = (char: string) => !QUERY_WHITESPACE.has(char) && char !== '-' && char !== '"';

/** Parses a `$search` string. */
export function parseTextSearch(search: string): TextSearch {
  const terms = new Set<string>();
  const negatedTerms = new Set<string>();
  const phrases: string[] = [];
  const negatedPhrases: string[] = [];
  let inPhrase = false;
  let inNegation = false;
  let quoteAt = 0;
  let i = 0;
  const skipWhitespace = () => {
    const from = i;
    while (i < search.length && QUERY_WHITESPACE.has(search[i]!)) i += 1;
    return i > from;
  };
  skipWhitespace();
  let afterWhitespace = true; // the start counts as whitespace: "-foo" negates foo
  while (i < search.length) {
    const start = i;
    const char = search[i]!;
    i += 1;
    if (isQueryText(char)) while (i < search.length && isQueryText(search[i]!)) i += 1;
    const previousWhitespace = afterWhitespace;
    afterWhitespace = skipWhitespace();
    if (isQueryText(char)) {
      if (inPhrase && inNegation) continue;
      // A negation lasts until the next whitespace: "- foo" does not negate foo, "-foo-bar" negates both.
      if (inNegation && previousWhitespace) inNegation = false;
      for (const token of textTokens(search.slice(start, i))) (inNegation ? negatedTerms : terms).add(token);
    } else if (char === '-') {
      if (!inPhrase && previousWhitespace) inNegation = true;
    } else if (inPhrase) {
      // The end of a phrase does not end a negation: -"a b"-"c d" negates both phrases.
      (inNegation ? negatedPhrases : phrases).push(search.slice(quoteAt + 1, start));
      inPhrase = false;
    } else {
      inPhrase = true;
      if (inNegation && previousWhitespace) inNegation = false;
      quoteAt = start;
    }
  }
  return { terms, negatedTerms, phrases, negatedPhrases };
}

const utf8Length = (text: string) => new TextEncoder().encode(text).length;
const asciiLower = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

/**
 * The score of a document whose indexed strings (in index order, each array element on its own) are `strings`, or
 * `undefined` when the search does not match it.
 */
export function textScore(strings: readonly string[], search: TextSearch): number | undefined {
  const scores = new Map<string, number>();
  for (const raw of strings) {
    const tokens = textTokens(raw);
    const stats = new Map<string, { count: number; freq: number; exp: number }>();
    for (const token of tokens) {
      const entry = stats.get(token) ?? { count: 0, freq: 0, exp: 0 };
      entry.exp = entry.exp === 0 ? 1 : entry.exp * 2;
      entry.count += 1;
      entry.freq += 1 / entry.exp;
      stats.set(token, entry);
    }
    // Only a string that is one token, as long in UTF-8 as the folded token, can get the boost.
    const rawLength = tokens.length === 1 ? utf8Length(raw) : -1;
    for (const [token, { count, freq }] of [...stats].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const coefficient = (0.5 * count) / tokens.length + 0.5;
      const boost = rawLength === utf8Length(token) && asciiLower(raw) === asciiLower(token) ? 1.1 : 1;
      scores.set(token, (scores.get(token) ?? 0) + freq * coefficient * boost);
    }
  }
  let score = 0;
  let matched = false;
  for (const term of search.terms) {
    const termScore = scores.get(term);
    if (termScore === undefined) continue;
    matched = true;
    score += termScore;
  }
  if (!matched) return undefined;
  for (const term of search.negatedTerms) if (scores.has(term)) return undefined;
  if (search.phrases.length === 0 && search.negatedPhrases.length === 0) return score;
  const folded = strings.map(foldText);
  for (const phrase of search.phrases) if (!folded.some((text) => text.includes(foldText(phrase)))) return undefined;
  for (const phrase of search.negatedPhrases) if (folded.some((text) => text.includes(foldText(phrase)))) return undefined;
  return score;
}

/** The strings of `values` an index field reads: strings, and the strings of an array (other values are skipped). */
export function indexedStrings(...values: unknown[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string') out.push(item);
  }
  return out;
}
