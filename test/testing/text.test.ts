/**
 * The `$text` emulation (`src/testing/text.ts`) at the unit level, for what the conformance scenarios
 * (`leads.full-text`, `requests.full-text-search`) do not reach: repeated words in the score, the exact-string boost,
 * the search string's own whitespace, and Greek final sigma.
 */
import { describe, expect, it } from 'vitest';
import { parseTextSearch, textScore } from '../../src/testing/text.js';

const score = (strings: string[], search: string) => textScore(strings, parseTextSearch(search));

describe('textScore', () => {
  it('scores a repeated word 1 + 1/2 + 1/4 …, not once per occurrence', () => {
    // "ada ada": freq 1 + 1/2, coefficient 0.5 × 2/2 + 0.5 = 1.
    expect(score(['ada ada'], 'ada')).toBe(1.5);
    // Three times out of four tokens: (1 + 1/2 + 1/4) × (0.5 × 3/4 + 0.5).
    expect(score(['ada ada x ada'], 'ada')).toBeCloseTo(1.75 * 0.875, 12);
  });

  it('boosts a string that is the word itself only when the two are equal ignoring ASCII case', () => {
    expect(score(['Omega'], 'omega')).toBeCloseTo(1.1, 12);
    // Ω folds to ω (same UTF-8 length), but MongoDB compares the raw string ASCII-case-insensitively: no boost.
    expect(score(['Ωmega'], 'ωmega')).toBe(1);
  });

  it('matches a final sigma with a medial one (case folding maps ς to σ)', () => {
    expect(score(['Σοφοκλής'], 'σοφοκλησ')).toBeDefined();
    expect(score(['σοφοκλησ'], 'Σοφοκλής')).toBeDefined();
  });
});

describe('parseTextSearch', () => {
  it('does not treat a tab as whitespace: "ada\\t-lovelace" negates nothing', () => {
    const search = parseTextSearch('ada\t-lovelace');
    expect([...search.terms]).toEqual(['ada', 'lovelace']);
    expect([...search.negatedTerms]).toEqual([]);
    expect(score(['Ada Lovelace'], 'ada\t-lovelace')).toBeDefined();
    // A space before the dash does negate.
    expect(score(['Ada Lovelace'], 'ada -lovelace')).toBeUndefined();
  });
});
