import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXCLUDED_FROM_LOCAL_COMPARISON } from './deviations.js';
import { diffJson } from './harness/diff.js';
import { Masker, sortedByJson, type Json } from './harness/normalize.js';
import { compareObservations, GOLDEN_DIR } from './harness/runner.js';
import { accessScenarios } from './scenarios/access.js';
import { authScenarios } from './scenarios/auth.js';
import { eventScenarios } from './scenarios/events.js';
import { libraryScenarios } from './scenarios/library.js';
import { messageScenarios } from './scenarios/messages.js';
import { peopleScenarios } from './scenarios/people.js';
import { requestScenarios } from './scenarios/requests.js';
import { websocketScenarios } from './scenarios/websocket.js';
import { widgetScenarios } from './scenarios/widget.js';

const allScenarios = [
  ...authScenarios,
  ...accessScenarios,
  ...requestScenarios,
  ...messageScenarios,
  ...peopleScenarios,
  ...websocketScenarios,
  ...eventScenarios,
  ...libraryScenarios,
  ...widgetScenarios,
];

describe('conformance harness: normalisation', () => {
  it('masks ids, tokens, dates and keys made of ids, and names the values a scenario registered', () => {
    const masker = new Masker();
    masker.alias('6b035e8542c85d4c8e0bd15d', 'owner.userId');
    masker.alias('support-group-6b035e8542c85d4c8e0bd162-afe62b247d5849be88ec77ec5da857f5', 'rid1');
    const normalised = masker.value({
      createdBy: '6b035e8542c85d4c8e0bd15d',
      recipient: 'support-group-6b035e8542c85d4c8e0bd162-afe62b247d5849be88ec77ec5da857f5',
      other: '6b035e8542c85d4c8e0bd1a3',
      token: 'JWT eyJhbGciOiJIUzI1NiJ9.eyJfaWQiOiIxIn0.c2ln',
      guest: '4f00709c-8cb6-4d1c-8337-e8512a980f2a',
      firstname: 'guest#4f00',
      createdAt: '2026-11-22T21:28:37.119Z',
      abandoned: { '6b035e8542c85d4c8e0bd164': 1795382917123 },
      duration: 1234,
      status: 200,
      text: 'Invalid project id: foo',
    });
    expect(normalised).toEqual({
      abandoned: { '<oid>': '<epoch-ms>' },
      createdAt: '<date>',
      createdBy: '<owner.userId>',
      duration: '<number>',
      firstname: 'guest#<hex4>',
      guest: '<uuid>',
      other: '<oid>',
      recipient: '<rid1>',
      status: 200,
      text: 'Invalid project id: foo',
      token: '<jwt>',
    });
  });

  it('masks dates printed with String(date), as the CSV exports print them', () => {
    const masker = new Masker();
    expect(masker.string('"x";"Sun Nov 22 2026 23:32:29 GMT+0000 (Coordinated Universal Time)";1')).toBe('"x";"<date string>";1');
    expect(masker.string('Mon Jan 05 2026 01:02:03 GMT-0500 (Eastern Standard Time)')).toBe('<date string>');
  });

  it('sorts object keys, keeps array order, and drops undefined like JSON does', () => {
    const masker = new Masker();
    expect(JSON.stringify(masker.value({ b: [3, 1, 2], a: undefined, c: null }))).toBe('{"b":[3,1,2],"c":null}');
    expect(sortedByJson([{ t: 'b' }, { t: 'a' }])).toEqual([{ t: 'a' }, { t: 'b' }]);
  });
});

describe('conformance harness: comparison', () => {
  it('reports each difference with its path, and nothing for equal values', () => {
    expect(diffJson({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] })).toEqual([]);
    expect(diffJson({ a: 1, b: [1, 2], c: 'x' }, { a: '1', b: [1], d: true })).toEqual([
      '$.a: expected 1, got "1"',
      '$.b: expected 2 items, got 1',
      '$.b[1]: missing, expected 2',
      '$.c: missing, expected "x"',
      '$.d: unexpected true',
    ]);
  });

  it('does not count a racy value written on one side only (the server writes it after answering)', () => {
    const masker = new Masker();
    const without = masker.value({ attributes: {} }) as Json;
    const withIt = masker.value({ attributes: { last_message: { text: 'hi' } } }) as Json;
    expect(diffJson(without, withIt)).toEqual([]);
    expect(diffJson(withIt, without)).toEqual([]);
    // Anything else present on one side only still is a difference.
    expect(diffJson(without, masker.value({ attributes: { source: 'x' } }) as Json)).toEqual(['$.attributes.source: unexpected "x"']);
  });

  it('nor an object that only holds racy values, absent on the other side (the first racy write creates it)', () => {
    const masker = new Masker();
    const bare = masker.value({ request: { status: 200 } }) as Json;
    const written = masker.value({ request: { status: 200, attributes: { last_message: { text: 'hi' } } } }) as Json;
    expect(diffJson(bare, written)).toEqual([]);
    expect(diffJson(written, bare)).toEqual([]);
    // An absent object with anything else in it still is a difference, and so is an empty one.
    const more = masker.value({ request: { status: 200, attributes: { last_message: {}, source: 'x' } } }) as Json;
    expect(diffJson(bare, more)).toEqual(['$.request.attributes: unexpected {"last_message":"<written after the response>","source":"x"}']);
    expect(diffJson(bare, masker.value({ request: { status: 200, attributes: {} } }) as Json)).toEqual(['$.request.attributes: unexpected {}']);
  });

  it('labels observation differences by step', () => {
    const differences = compareObservations(
      [{ step: 'sign in', status: 200 }],
      [{ step: 'sign in', status: 401 }],
    );
    expect(differences).toEqual(['$.#01 sign in.status: expected 200, got 401']);
  });
});

describe('conformance harness: scenarios and golden files', () => {
  it('gives every scenario a unique id and a golden file, and has no golden file without a scenario', () => {
    const ids = allScenarios.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const goldenIds = readdirSync(GOLDEN_DIR)
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .sort();
    expect(goldenIds).toEqual([...ids].sort());
    for (const id of goldenIds) {
      const golden = JSON.parse(readFileSync(`${GOLDEN_DIR}/${id}.json`, 'utf8')) as { id: string; observations: unknown[] };
      expect(golden.id).toBe(id);
      expect(golden.observations.length).toBeGreaterThan(0);
    }
  });

  it('only excludes existing scenarios from the local comparison', () => {
    const ids = new Set(allScenarios.map((s) => s.id));
    for (const id of Object.keys(EXCLUDED_FROM_LOCAL_COMPARISON)) expect(ids.has(id), id).toBe(true);
  });
});
