import { describe, expect, it } from 'vitest';
import { seedBuilders } from './fixtures/built-messages.js';
import { IMPLICIT_TEXT_TYPE, seedExamples, type SeedExampleName } from './fixtures/seed-examples.js';
import { outboundValidators } from './fixtures/validators.js';

/**
 * The documented JSON as the builders write it: `type` made explicit where the seed relies on its documented
 * default (`"text"`), and the HTML example's empty `attributes: {}` dropped (an empty object carries nothing).
 */
function documented(name: SeedExampleName): Record<string, unknown> {
  const example = JSON.parse(JSON.stringify(seedExamples[name])) as Record<string, unknown>;
  const attributes = example['attributes'];
  if (typeof attributes === 'object' && attributes !== null && Object.keys(attributes).length === 0) delete example['attributes'];
  return IMPLICIT_TEXT_TYPE.has(name) ? { type: 'text', ...example } : example;
}

const names = Object.keys(seedExamples) as SeedExampleName[];

describe('seed "Widget protocol specs" examples', () => {
  it('has a builder for every documented example', () => {
    expect(Object.keys(seedBuilders).sort()).toEqual([...names].sort());
  });

  it.each(names)('%s: the builder writes exactly the documented JSON', (name) => {
    const message = seedBuilders[name]();
    expect(JSON.parse(JSON.stringify(message))).toStrictEqual(documented(name));
    // Same keys in the same order, so the serialised body is byte-for-byte the documented one.
    expect(JSON.stringify(message)).toBe(JSON.stringify(documented(name)));
  });

  describe.each(outboundValidators)('%s', (_validator, { parse }) => {
    it.each(names)('%s: the documented JSON parses as outbound, as written and as built', (name) => {
      expect(parse(seedExamples[name])).toEqual(seedExamples[name]);
      expect(parse(documented(name))).toStrictEqual(documented(name));
      expect(parse(seedBuilders[name]())).toStrictEqual(documented(name));
    });
  });

  it('keeps the three implicit-type examples free of any type in the seed itself', () => {
    for (const name of IMPLICIT_TEXT_TYPE) expect(seedExamples[name as SeedExampleName]).not.toHaveProperty('type');
  });
});
