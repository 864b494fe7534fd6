/** Topic builders produce the exact canonical strings the server matches; the parser recognises only those. */
import { describe, expect, it } from 'vitest';
import { parseTopic, RealtimeError, topics, type ParsedTopic, type TopicKind } from '../../src/realtime/index.js';

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

  it('takes ids with any well-formed character, emoji included', () => {
    expect(topics.request(P, 'r 😀?#%')).toBe(`/${P}/requests/r 😀?#%`);
  });

  it('refuses ids that would change the topic’s shape, and lone surrogates', () => {
    for (const bad of ['', 'a/b', ' x', 'x ', '\ud83d', 'a\ude00b', 'x\ude00\ud83d', undefined as unknown as string]) {
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

  it('refuses an id that makes the server read the topic as another kind, naming the argument', () => {
    const cases: Array<[() => string, string, string]> = [
      // The server reads any topic ending in /messages or /requests as those lists.
      [() => topics.request(P, 'messages'), 'requestId', `/${P}/requests/messages`],
      [() => topics.request(P, 'requests'), 'requestId', `/${P}/requests/requests`],
      [() => topics.projectUser(P, 'messages'), 'projectUserId', `/${P}/project_users/messages`],
      [() => topics.projectUserByUserId(P, 'requests'), 'userId', `/${P}/project_users/users/requests`],
      [() => topics.events(P, 'messages'), 'projectUserId', `/${P}/events/messages`],
      [() => topics.bot(P, 'requests'), 'botId', `/${P}/bots/requests`],
      // `/project_users/users` reads like the by-user topic (and project_user ids are ObjectIds).
      [() => topics.projectUser(P, 'users'), 'projectUserId', `/${P}/project_users/users`],
      // Then it looks for /project_users/, /events/, /bots/ anywhere, in this order.
      [() => topics.request('events', R), 'projectId', `/events/requests/${R}`],
      [() => topics.request('project_users', R), 'projectId', `/project_users/requests/${R}`],
      [() => topics.bot('events', 'b1'), 'projectId', '/events/bots/b1'],
      [() => topics.events('project_users', 'pu1'), 'projectId', '/project_users/events/pu1'],
    ];
    for (const [build, argument, topic] of cases) {
      let error: unknown;
      try {
        build();
      } catch (e) {
        error = e;
      }
      expect(error, topic).toBeInstanceOf(RealtimeError);
      expect(error, topic).toMatchObject({ code: 'invalid_topic', argument, message: expect.stringContaining(JSON.stringify(topic)) });
      expect((error as Error).message, topic).toMatch(new RegExp(`^${argument} "`));
    }
    expect(() => topics.requests(P + '/x')).toThrow(expect.objectContaining({ code: 'invalid_topic', argument: 'projectId' }));
    expect(() => topics.messages(P, ' r1')).toThrow(expect.objectContaining({ code: 'invalid_topic', argument: 'requestId' }));
  });

  it('keeps ids the server reads right, whatever they hold: words in other places, spaces inside, any character', () => {
    expect(topics.messages(P, 'messages')).toBe(`/${P}/requests/messages/messages`);
    expect(topics.messages(P, 'requests')).toBe(`/${P}/requests/requests/messages`);
    expect(topics.request(P, 'events')).toBe(`/${P}/requests/events`);
    expect(topics.request(P, 'users')).toBe(`/${P}/requests/users`);
    expect(topics.projectUserByUserId(P, 'users')).toBe(`/${P}/project_users/users/users`);
    expect(topics.bot(P, 'users')).toBe(`/${P}/bots/users`);
    expect(topics.events('bots', 'pu1')).toBe('/bots/events/pu1');
    expect(topics.messages('events', R)).toBe(`/events/requests/${R}/messages`);
    // Nothing is encoded: the server matches the topic string as it is.
    for (const id of ['a b', 'r?x=1#y', '%2F', 'é😀', 'messages2', 'MESSAGES', '.', '..']) {
      expect(topics.request(P, id)).toBe(`/${P}/requests/${id}`);
      expect(parseTopic(topics.request(P, id))).toEqual({ kind: 'request', projectId: P, requestId: id });
    }
  });

  describe('as the server reads topics (webSocketServer.js onSubscribeCallback and its publishes)', () => {
    // The server's reading, written out as it is: the first test that matches decides, and the ids come from fixed
    // positions of the split topic.
    function serverReading(topic: string): { kind: TopicKind; ids: Record<string, string | undefined> } {
      const urlSub = topic.split('/');
      const kind: TopicKind = topic.endsWith('/messages')
        ? 'messages'
        : topic.endsWith('/requests')
          ? 'requests'
          : topic.includes('/project_users/users/')
            ? 'projectUserByUserId'
            : topic.includes('/project_users/')
              ? 'projectUser'
              : topic.includes('/events/')
                ? 'events'
                : topic.includes('/bots/')
                  ? 'bot'
                  : 'request';
      return { kind, ids: { projectId: urlSub[1], requestId: urlSub[3], projectUserId: urlSub[3], userId: urlSub[4], botId: urlSub[3] } };
    }
    // Where the server publishes the live events of each kind (the same ids in the same places).
    const published: Record<TopicKind, (ids: Record<string, string | undefined>) => string> = {
      requests: (i) => `/${i.projectId}/requests`,
      request: (i) => `/${i.projectId}/requests/${i.requestId}`,
      messages: (i) => `/${i.projectId}/requests/${i.requestId}/messages`,
      projectUser: (i) => `/${i.projectId}/project_users/${i.projectUserId}`,
      projectUserByUserId: (i) => `/${i.projectId}/project_users/users/${i.userId}`,
      events: (i) => `/${i.projectId}/events/${i.projectUserId}`,
      bot: (i) => `/${i.projectId}/bots/${i.botId}`,
    };
    /** The kind a subscriber of `topic` gets both the snapshot and the live events of, or undefined. */
    function served(topic: string): TopicKind | undefined {
      const { kind, ids } = serverReading(topic);
      if (published[kind](ids) !== topic) return undefined;
      if (Object.values(ids).some((id) => id !== undefined && id.trim() !== id)) return undefined;
      // Refused by the SDK on purpose: project_user ids are ObjectIds, and this one reads like the by-user topic.
      if (kind === 'projectUser' && ids.projectUserId === 'users') return undefined;
      return kind;
    }
    const WORDS = ['p1', 'x', 'messages', 'requests', 'project_users', 'users', 'events', 'bots'];
    function* topicsOf(length: number, prefix = ''): Generator<string> {
      if (length === 0) return yield prefix;
      for (const word of WORDS) yield* topicsOf(length - 1, `${prefix}/${word}`);
    }

    it('parseTopic gives the kind the server serves for every topic made of its words (1 to 5 segments)', () => {
      const wrong: string[] = [];
      let canonical = 0;
      for (let length = 1; length <= 5; length++) {
        for (const topic of topicsOf(length)) {
          const kind = served(topic);
          const parsed = parseTopic(topic);
          if (parsed?.kind !== kind) wrong.push(`${topic}: ${parsed?.kind} instead of ${kind}`);
          if (!parsed || !kind) continue;
          canonical++;
          const { ids } = serverReading(topic);
          const id = kind === 'request' || kind === 'messages' ? parsed.requestId : kind === 'requests' ? undefined : parsed.id;
          const expected = kind === 'request' || kind === 'messages' ? ids.requestId : kind === 'requests' ? undefined : topic.split('/').at(-1);
          if (parsed.projectId !== ids.projectId || id !== expected) wrong.push(`${topic}: parts ${JSON.stringify(parsed)}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(canonical).toBeGreaterThan(100);
    });

    it('every builder either makes a topic the server serves as its kind, or throws invalid_topic naming an argument', () => {
      const builders: Array<[TopicKind, (a: string, b: string) => string, string[]]> = [
        ['requests', (a) => topics.requests(a), ['projectId']],
        ['request', topics.request, ['projectId', 'requestId']],
        ['messages', topics.messages, ['projectId', 'requestId']],
        ['projectUser', topics.projectUser, ['projectId', 'projectUserId']],
        ['projectUserByUserId', topics.projectUserByUserId, ['projectId', 'userId']],
        ['events', topics.events, ['projectId', 'projectUserId']],
        ['bot', topics.bot, ['projectId', 'botId']],
      ];
      for (const [kind, build, names] of builders) {
        for (const a of WORDS) {
          for (const b of WORDS) {
            const ids = names.length === 1 ? [a] : [a, b];
            const expected = published[kind](Object.fromEntries(names.map((name, i) => [name, ids[i]])));
            let topic: string | undefined;
            let error: unknown;
            try {
              topic = build(a, b);
            } catch (e) {
              error = e;
            }
            if (served(expected) === kind) expect(topic, expected).toBe(expected);
            else expect(error, expected).toMatchObject({ code: 'invalid_topic', argument: expect.toBeOneOf(names) });
          }
        }
      }
    });
  });
});
