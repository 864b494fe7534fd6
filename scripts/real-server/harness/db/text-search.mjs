// MongoDB's $text query operator, which CongoDB lacks (it answers "unknown top level operator: $text", so every
// ?full_text= / ?text= search of tiledesk-server failed with 500 or hung). Emulated from MongoDB's documented
// behaviour for the indexes tiledesk creates: version 3 text indexes, language "none" (no stemming, no stop words),
// weight 1 on every field:
// - tokens are cut at the Unicode Dash, Hyphen, Pattern_Syntax, Quotation_Mark, Terminal_Punctuation and White_Space
//   characters and compared case- and diacritic-insensitively;
// - the $search string's words match when any of them is in a document; "-word" (after whitespace) excludes, a
//   "quoted phrase" must be a (folded) substring of one indexed string, -"phrase" must not;
// - {$meta: "textScore"} is MongoDB's per-field formula (see scoreOf).
// The find / count / aggregate($match first) commands whose filter has a top-level $text are rewritten: $text becomes
// an _id $in list of the matching documents, and a textScore projection or sort is applied here.
// src/testing/text.ts implements the same rules for the local server. This copy does not import it: the harness runs
// from the real server's install directory, apart from the package, and stays independent of the server it is compared with.

const HYPHEN = '\\-\u00AD\u058A\u1806\u2010\u2011\u2E17\u30FB\uFE63\uFF0D\uFF65';
const DELIMITERS = new RegExp(`[\\p{Dash}\\p{Pattern_Syntax}\\p{Quotation_Mark}\\p{Terminal_Punctuation}\\p{White_Space}${HYPHEN}]+`, 'u');
const DIACRITICS = /\p{Diacritic}/gu;

function fold(text) {
  let out = '';
  for (const char of text.normalize('NFD').replace(DIACRITICS, '')) {
    const lower = char.toLowerCase();
    out += lower.length === char.length ? lower : char;
  }
  return out.replace(/ς/g, 'σ').normalize('NFC');
}

function tokens(text) {
  return text.split(DELIMITERS).filter(Boolean).map(fold).filter(Boolean);
}

// The $search string's own tokenizer: whitespace (not the tab), "-" and '"'; everything else is text.
const QUERY_WHITESPACE = new Set([' ', '\n', '\v', '\f', '\r']);
const isText = (char) => !QUERY_WHITESPACE.has(char) && char !== '-' && char !== '"';

export function parseSearch(search) {
  const parsed = { terms: new Set(), negatedTerms: new Set(), phrases: [], negatedPhrases: [] };
  let inPhrase = false;
  let inNegation = false;
  let quoteAt = 0;
  let i = 0;
  const skipWhitespace = () => {
    const from = i;
    while (i < search.length && QUERY_WHITESPACE.has(search[i])) i += 1;
    return i > from;
  };
  skipWhitespace();
  let afterWhitespace = true;
  while (i < search.length) {
    const start = i;
    const char = search[i++];
    if (isText(char)) while (i < search.length && isText(search[i])) i += 1;
    const previousWhitespace = afterWhitespace;
    afterWhitespace = skipWhitespace();
    if (isText(char)) {
      if (inPhrase && inNegation) continue;
      if (inNegation && previousWhitespace) inNegation = false;
      for (const token of tokens(search.slice(start, i))) (inNegation ? parsed.negatedTerms : parsed.terms).add(token);
    } else if (char === '-') {
      if (!inPhrase && previousWhitespace) inNegation = true;
    } else if (inPhrase) {
      (inNegation ? parsed.negatedPhrases : parsed.phrases).push(search.slice(quoteAt + 1, start));
      inPhrase = false; // a negation goes on until whitespace
    } else {
      inPhrase = true;
      if (inNegation && previousWhitespace) inNegation = false;
      quoteAt = start;
    }
  }
  return parsed;
}

const byteLength = (text) => Buffer.byteLength(text, 'utf8');
const asciiLower = (text) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

// Every string at a dotted path, arrays (of strings or of sub-documents) walked.
function stringsAt(value, path) {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item) => stringsAt(item, path));
  if (path.length === 0) return typeof value === 'string' ? [value] : [];
  if (typeof value !== 'object') return [];
  return stringsAt(value[path[0]], path.slice(1));
}

function scoreOf(document, fields, search) {
  const strings = fields.flatMap((field) => stringsAt(document, field.split('.')));
  const scores = new Map();
  for (const raw of strings) {
    const list = tokens(raw);
    const stats = new Map();
    for (const token of list) {
      const entry = stats.get(token) ?? { count: 0, freq: 0, exp: 0 };
      entry.exp = entry.exp === 0 ? 1 : entry.exp * 2;
      entry.count += 1;
      entry.freq += 1 / entry.exp;
      stats.set(token, entry);
    }
    const rawLength = list.length === 1 ? byteLength(raw) : -1; // only a one-token string can equal its token
    for (const [token, { count, freq }] of [...stats].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const coefficient = (0.5 * count) / list.length + 0.5;
      const boost = rawLength === byteLength(token) && asciiLower(raw) === asciiLower(token) ? 1.1 : 1;
      scores.set(token, (scores.get(token) ?? 0) + freq * coefficient * boost);
    }
  }
  let score;
  for (const term of search.terms) if (scores.has(term)) score = (score ?? 0) + scores.get(term);
  if (score === undefined) return undefined;
  for (const term of search.negatedTerms) if (scores.has(term)) return undefined;
  const folded = strings.map(fold);
  if (search.phrases.some((phrase) => !folded.some((text) => text.includes(fold(phrase))))) return undefined;
  if (search.negatedPhrases.some((phrase) => folded.some((text) => text.includes(fold(phrase))))) return undefined;
  return score;
}

const isTextScoreMeta = (value) => value !== null && typeof value === 'object' && value.$meta === 'textScore';
const hexOf = (id) => (id && typeof id.toHexString === 'function' ? id.toHexString() : JSON.stringify(id));

/** Wraps CongoDB's command router so that $text works. */
export function installTextSearch(server, storage) {
  const route = server.commandRouter.route.bind(server.commandRouter);

  async function match(database, collection, filter) {
    const indexes = await storage.getIndexes(database, collection);
    const textIndex = indexes.find((index) => Object.values(index.key ?? {}).includes('text'));
    if (!textIndex) return { error: { ok: 0, errmsg: 'text index required for $text query', code: 27, codeName: 'IndexNotFound' } };
    const fields = Object.entries(textIndex.key).filter(([, kind]) => kind === 'text').map(([field]) => field);
    const spec = filter.$text ?? {};
    if (typeof spec.$search !== 'string') return { error: { ok: 0, errmsg: '$search required and must be a string', code: 2, codeName: 'BadValue' } };
    const search = parseSearch(spec.$search);
    const scores = new Map();
    const ids = [];
    for (const document of await storage.findAll(database, collection)) {
      const score = scoreOf(document, fields, search);
      if (score === undefined) continue;
      scores.set(hexOf(document._id), score);
      ids.push(document._id);
    }
    const rest = { ...filter };
    delete rest.$text;
    const rewritten = Object.keys(rest).length === 0 ? { _id: { $in: ids } } : { $and: [rest, { _id: { $in: ids } }] };
    return { rewritten, scores };
  }

  server.commandRouter.route = async (parsed) => {
    const { command, database } = parsed;
    if (command.find && command.filter && command.filter.$text) {
      const found = await match(database, command.find, command.filter);
      if (found.error) return found.error;
      const projection = { ...(command.projection ?? {}) };
      const scoreFields = Object.keys(projection).filter((key) => isTextScoreMeta(projection[key]));
      for (const key of scoreFields) delete projection[key];
      const sort = command.sort ?? {};
      const sortByScore = Object.values(sort).some(isTextScoreMeta);
      const skip = command.skip ?? 0;
      const limit = command.limit ?? 0;
      const inner = { ...command, filter: found.rewritten, projection, batchSize: 1e9, singleBatch: true };
      if (sortByScore) {
        delete inner.sort;
        delete inner.skip;
        delete inner.limit;
      }
      if (Object.keys(projection).length === 0) delete inner.projection;
      const response = await route({ ...parsed, command: inner });
      if (!response || response.ok !== 1) return response;
      let documents = response.cursor.firstBatch;
      const scoreOfDocument = (document) => found.scores.get(hexOf(document._id)) ?? 0;
      if (sortByScore) {
        // Ties keep storage order (MongoDB leaves them undefined).
        documents = documents.map((document, index) => ({ document, index }))
          .sort((a, b) => scoreOfDocument(b.document) - scoreOfDocument(a.document) || a.index - b.index)
          .map(({ document }) => document)
          .slice(skip, limit > 0 ? skip + limit : undefined);
      }
      // The storage hands out its own objects: the score goes on a copy.
      if (scoreFields.length > 0) documents = documents.map((document) => ({ ...document, ...Object.fromEntries(scoreFields.map((key) => [key, scoreOfDocument(document)])) }));
      response.cursor.firstBatch = documents;
      return response;
    }
    if (command.count && command.query && command.query.$text) {
      const found = await match(database, command.count, command.query);
      if (found.error) return found.error;
      return route({ ...parsed, command: { ...command, query: found.rewritten } });
    }
    const first = Array.isArray(command.pipeline) ? command.pipeline[0] : undefined;
    if (command.aggregate && first && first.$match && first.$match.$text) {
      const found = await match(database, command.aggregate, first.$match);
      if (found.error) return found.error;
      return route({ ...parsed, command: { ...command, pipeline: [{ $match: found.rewritten }, ...command.pipeline.slice(1)] } });
    }
    return route(parsed);
  };
}
