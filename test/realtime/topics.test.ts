/** Topic builders produce the exact canonical strings the server matches; the parser recognises only those. */
import { describe, expect, it } from 'vitest';
import { parseTopic, RealtimeError, topics, type ParsedTopic } from '../../src/realtime/index.js';

const P = '65f0a1b2c3d4e5f601234567';
const R = `support-group-${P}-0123456789abcdef0123456789abcdef`;

describe('topics', () => {
  it('builds every canonical topic exactly (no trailing slash, no event-name suffix)', () => {
    expect(topics.requests(P)).toBe(`/${P}/requests`);
    expect(topics.request(P, R)).toBe(`/${P}/requests/${R}`);
    expect(topics.messages(P, R)).toBe(`/${P}/requests/${R}/messages`);
    expect(topics.projectUser(P, 'pu1')).toBe(`/${P}/project_users/pu1`);
    expect(topics.projectUserByUserId(P, 'u1')).toBe(`/${P}/project_users/users/u1`);
    expect(topics.events(P, 'pu1')).toBe(`/${P}/events/pu1`);
    expect(topics.bot(P, 'b1')).toBe(`/${P}/bots/b1`);
  });

  it('refuses ids that would change the topic’s shape', () => {
    for (const bad of ['', 'a/b', ' x', 'x ', undefined as unknown as string]) {
      expect(() => topics.messages(P, bad), String(bad)).toThrow(expect.objectContaining({ code: 'invalid_topic' }));
      expect(() => topics.requests(bad), String(bad)).toThrow(expect.objectContaining({ code: 'invalid_topic' }));
    }
  });

  it('refuses an id that is not a string with a typed error, whatever it is (a bigint made JSON.stringify throw)', () => {
    const hostile = { toString: () => { throw new Error('toString'); }, toJSON: () => { throw new Error('toJSON'); } };
    for (const bad of [1n, 42, null, Symbol('id'), Object.create(null), hostile, ['p1']] as unknown as string[]) {
      expect(() => topics.requests(bad), typeof bad).toThrow(RealtimeError);
      expect(() => topics.messages(P, bad), typeof bad).toThrow(
        expect.objectContaining({ code: 'invalid_topic', message: expect.stringMatching(/, got (bigint|number|object|symbol)$/) }),
      );
    }
  });

  it('parses what it builds back into its parts', () => {
    const cases: Array<[string, ParsedTopic]> = [
      [topics.requests(P), { kind: 'requests', projectId: P }],
      [topics.request(P, R), { kind: 'request', projectId: P, requestId: R }],
      [topics.messages(P, R), { kind: 'messages', projectId: P, requestId: R }],
      [topics.projectUser(P, 'pu1'), { kind: 'projectUser', projectId: P, id: 'pu1' }],
      [topics.projectUserByUserId(P, 'u1'), { kind: 'projectUserByUserId', projectId: P, id: 'u1' }],
      [topics.events(P, 'pu1'), { kind: 'events', projectId: P, id: 'pu1' }],
      [topics.bot(P, 'b1'), { kind: 'bot', projectId: P, id: 'b1' }],
    ];
    for (const [topic, parsed] of cases) expect(parseTopic(topic), topic).toEqual(parsed);
  });

  it('rejects spellings that get a snapshot but never a live event', () => {
    for (const topic of [
      `/${P}/requests/`,
      `/${P}/requests/${R}/messages/`,
      `//${P}/requests`,
      `${P}/requests`,
      `/${P}/events/pu1/login`,
      `/${P}/foo/${R}/messages`,
      `/${P}/requests/${R}/notes`,
      `/${P}/project_users/users`,
      `/${P}/project_users/users/u1/x`,
      `/${P}/bots`,
      // Segments the builders refuse: surrounding spaces make another topic for the server.
      `/${P}/requests/ ${R}`,
      `/${P}/requests/${R} /messages`,
      `/ ${P}/requests`,
      `/${P}/events/pu1\t`,
      `/${P}`,
      '/',
      '',
    ]) {
      expect(parseTopic(topic), topic).toBeUndefined();
    }
  });
});
