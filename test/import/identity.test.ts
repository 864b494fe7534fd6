/**
 * Deterministic identities and times: a resumed or repeated import finds its conversations and messages only if
 * every run (and every runtime, and every future SDK version) derives the same ids. Also the read order that
 * `messages.list({ order: 'clienttimestamp' })` gives imported messages with equal times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TiledeskClient, importConversations, type ImportConversation } from '../../src/index.js';
import { derivedRequestId, stableHash, toEpochMs } from '../../src/import/keys.js';
import { prepareConversation } from '../../src/import/prepare.js';
import { startTiledeskServer } from '../../src/testing/index.js';

const settings = { projectId: 'p1', namespace: 'import', maxChunkBytes: 512_000, requestDefaults: undefined };

describe('derived ids', () => {
  it('the hash is pinned: changing it would make every earlier import unfindable', () => {
    expect(stableHash('')).toBe('027ae52ecfc796215593990d4b41437c');
    expect(stableHash('tiledesk')).toBe('29976b55f0a2cdc20ac38ebde03af93a');
    expect(derivedRequestId('p1', 'import', 3, undefined, ['u', 'hi', 1])).toBe('support-group-p1-6c85c4fc9bae42a228656720f21aa88e');
  });

  it('a conversation keeps its request_id whatever form its first timestamp takes, and whatever follows', () => {
    const t = Date.parse('2024-05-01T10:00:00.000Z');
    const ids = [new Date(t), t, '2024-05-01T10:00:00.000Z', '2024-05-01T12:00:00+02:00'].map((timestamp) =>
      prepareConversation({ messages: [{ sender: 'u', text: 'hi', timestamp }] }, 0, settings).requestId);
    expect(new Set(ids).size).toBe(1);
    const longer = prepareConversation({ messages: [{ sender: 'u', text: 'hi', timestamp: t }, { text: 'later' }] }, 0, settings);
    expect(longer.requestId).toBe(ids[0]);
  });

  it('differs by position, namespace, project and first message; a source id replaces position and content', () => {
    const base = { messages: [{ text: 'hi' }] };
    const id = (c: unknown, position = 0, s = settings) => prepareConversation(c, position, s).requestId;
    const all = [
      id(base), id(base, 1), id(base, 0, { ...settings, namespace: 'other' }), id(base, 0, { ...settings, projectId: 'p2' }),
      id({ messages: [{ text: 'hello' }] }),
    ];
    expect(new Set(all).size).toBe(5);
    expect(id({ request: { id: 'ext-1' }, messages: [{ text: 'a' }] }, 0)).toBe(id({ request: { id: 'ext-1' }, messages: [{ text: 'b' }] }, 9));
    expect(id({ request: { request_id: 'mine' }, messages: [] })).toBe('mine');
  });

  it('a numeric id past 2^53 (its digits already lost by JSON.parse) is refused, not merged with its neighbour', () => {
    // Snowflake ids (Twitter, Discord): 1234567890123456789 and …790 both parse to 1234567890123456800.
    const [a, b] = JSON.parse('[1234567890123456789, 1234567890123456790]') as number[];
    for (const conversation of [
      { request: { id: a }, messages: [{ text: 'first ticket' }] },
      { request: { id: b }, messages: [{ text: 'second ticket' }] },
    ]) {
      expect(() => prepareConversation(conversation, 0, settings)).toThrow(expect.objectContaining({ field: 'request.id', message: expect.stringMatching(/as a string/) }));
    }
    expect(() => prepareConversation({ messages: [{ text: 'a', id: a }] }, 0, settings)).toThrow(expect.objectContaining({ field: 'id', index: 0 }));
    expect(() => prepareConversation({ messages: [{ text: 'a', attributes: { import_key: b } }] }, 0, settings)).toThrow(
      expect.objectContaining({ field: 'attributes.import_key', index: 0 }),
    );
    // Exact numbers still work, and so do the same ids written as strings.
    expect(prepareConversation({ request: { id: Number.MAX_SAFE_INTEGER }, messages: [{ text: 'a', id: 2 ** 53 - 1 }] }, 0, settings).messages[0]!.key).toBe('9007199254740991');
    expect(prepareConversation({ request: { id: '1234567890123456789' }, messages: [] }, 0, settings).requestId).not.toBe(
      prepareConversation({ request: { id: '1234567890123456790' }, messages: [] }, 0, settings).requestId,
    );
  });

  it('a blank id is refused naming its field, never used as an identity', () => {
    // Two conversations with `id: " "` would be merged into one; two messages with `id: ""` would skip each other.
    for (const [conversation, field, index] of [
      [{ request: { id: '  ' }, messages: [{ text: 'a' }] }, 'request.id', undefined],
      [{ request: { request_id: ' ' }, messages: [{ text: 'a' }] }, 'request.request_id', undefined],
      [{ messages: [{ text: 'a' }, { text: 'b', id: '' }] }, 'id', 1],
      [{ messages: [{ text: 'a', attributes: { import_key: ' ' } }] }, 'attributes.import_key', 0],
    ] as const) {
      expect(() => prepareConversation(conversation, 0, settings)).toThrow(expect.objectContaining({ code: 'invalid_argument', field, index }));
    }
  });

  it('an id that is NaN or infinite is refused naming its field: every such id would read the same', () => {
    // Only an array or generator source can hold one (JSON has none): two conversations with `id: NaN` would be merged.
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      for (const [conversation, field, index] of [
        [{ request: { id: bad }, messages: [{ text: 'a' }] }, 'request.id', undefined],
        [{ messages: [{ text: 'a' }, { text: 'b', id: bad }] }, 'id', 1],
        [{ messages: [{ text: 'a', attributes: { import_key: bad } }] }, 'attributes.import_key', 0],
      ] as const) {
        expect(() => prepareConversation(conversation, 0, settings)).toThrow(expect.objectContaining({ code: 'invalid_argument', field, index }));
      }
    }
  });

  it('a bad field is named as the source spells it: request.sender, attributes, attributes.import_key', () => {
    for (const [conversation, field, index] of [
      [{ request: { sender: '  ' }, messages: [{ text: 'a' }] }, 'request.sender', undefined],
      [{ messages: [{ text: 'a' }, { text: 'b', attributes: 'vip' }] }, 'attributes', 1],
      [{ messages: [{ text: 'a', attributes: { import_key: 'k' } }, { text: 'b', attributes: { import_key: 'k' } }] }, 'attributes.import_key', 1],
    ] as const) {
      expect(() => prepareConversation(conversation, 0, settings)).toThrow(expect.objectContaining({ code: 'invalid_argument', field, index }));
    }
  });

  it('message keys: attributes.import_key, else the source id, else #<position>', () => {
    const c = prepareConversation({ request: { request_id: 'r1' }, messages: [{ text: 'a', attributes: { import_key: 'own' } }, { text: 'b', id: 42 }, { text: 'c' }] }, 0, settings);
    expect(c.messages.map((m) => m.key)).toEqual(['own', '42', '#2']);
    // A source id that reads like a derived key of the same conversation is refused up front, never merged.
    expect(() => prepareConversation({ messages: [{ text: 'a', id: '#1' }, { text: 'b' }] }, 0, settings)).toThrow(/\[1\]\.id: repeats the key "#1"/);
    expect(c.messages.map((m) => (m.prepared.body.attributes as { import_index: number }).import_index)).toEqual([0, 1, 2]);
  });

  it('times: Date, ms and ISO strings, in timestamp or attributes.clienttimestamp, become ms', () => {
    const t = Date.parse('2024-05-01T10:00:00.250Z');
    expect([toEpochMs(new Date(t)), toEpochMs(t), toEpochMs('2024-05-01T10:00:00.250Z')]).toEqual([t, t, t]);
    expect([toEpochMs('yesterday'), toEpochMs(-1), toEpochMs(Number.NaN), toEpochMs(new Date('x')), toEpochMs('')]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const c = prepareConversation({ messages: [{ text: 'a', attributes: { clienttimestamp: '2024-05-01T10:00:00.250Z', x: 1 } }, { text: 'b' }] }, 0, settings);
    expect(c.messages[0]!.prepared.body.attributes).toMatchObject({ clienttimestamp: t, x: 1 });
    expect(c.messages[1]!.prepared.body.attributes).not.toHaveProperty('clienttimestamp');
    expect(c.messages[0]!.prepared.body).not.toHaveProperty('timestamp');
    // Both given: `timestamp` wins, as in messages.import.
    const both = prepareConversation({ messages: [{ text: 'a', timestamp: t, attributes: { clienttimestamp: t - 60_000 } }] }, 0, settings);
    expect(both.messages[0]!.prepared.body.attributes).toMatchObject({ clienttimestamp: t });
  });

  it('times are read as ISO-8601 only, the same on every machine; a guess, a zoneless date-time or seconds is refused naming the field', () => {
    const t = Date.parse('2024-05-01T10:00:00.000Z');
    // The spellings exports use, all one instant: space or T, offsets with or without a colon, fractions.
    const same = ['2024-05-01T10:00:00Z', '2024-05-01 12:00:00+0200', '2024-05-01T12:00+02', '2024-05-01T10:00:00.000000z', ' 2024-05-01T05:00:00-05:00 ', '2024-05-01T10:00:00,0Z'];
    expect(same.map(toEpochMs)).toEqual(same.map(() => t));
    expect(toEpochMs('2024-05-01')).toBe(Date.parse('2024-05-01T00:00:00Z'));
    // What Date.parse would guess: January 5th (US order), a day in 2001, March 1st for February 30th.
    for (const guess of ['01/05/2024 10:00', 'message 12', '2024-02-30T10:00:00Z', 'Wed, 01 May 2024 10:00:00 GMT', '1714557600.000100']) {
      expect(toEpochMs(guess), guess).toBeUndefined();
    }
    expect([toEpochMs(9e15), toEpochMs(new Date(8.64e15))]).toEqual([undefined, 8.64e15]);
    const refusal = (timestamp: unknown) => {
      try {
        prepareConversation({ messages: [{ text: 'a' }, { text: 'b', timestamp }] }, 0, settings);
      } catch (e) {
        return e as { field: string; index: number; message: string };
      }
      throw new Error(`${String(timestamp)} was accepted`);
    };
    // Without a zone the instant (and the derived request_id) would depend on the machine's TZ.
    expect(refusal('2024-05-01T10:00:00')).toMatchObject({ field: 'timestamp', index: 1, message: expect.stringMatching(/no time zone: add 'Z'/) });
    expect(refusal(1714557600)).toMatchObject({ field: 'timestamp', index: 1, message: expect.stringMatching(/a time in seconds\? Multiply it by 1000/) });
    expect(refusal('01/05/2024 10:00')).toMatchObject({ field: 'timestamp', message: expect.stringMatching(/ISO-8601/) });
    // A null time (a missing value an export wrote out) is refused too, not read as "no time".
    expect(refusal(null)).toMatchObject({ field: 'timestamp', index: 1, message: expect.stringMatching(/ISO-8601/) });
  });

  it('first_text: the source’s, else the first message with text, else requestDefaults’, else a fixed label; requestDefaults fill in the rest', () => {
    const opts = { ...settings, requestDefaults: { departmentid: 'd1', first_text: 'default' } };
    expect(prepareConversation({ messages: [{ type: 'image', metadata: {} }, { text: 'second' }] }, 0, settings).create.first_text).toBe('second');
    expect(prepareConversation({ messages: [] }, 0, settings).create.first_text).toBe('Imported conversation');
    expect(prepareConversation({ request: { first_text: 'own' }, messages: [] }, 0, opts).create).toMatchObject({ first_text: 'own', departmentid: 'd1' });
    // A blank text (an image's caption left empty) is not a first_text.
    expect(prepareConversation({ messages: [{ type: 'image', text: ' ', metadata: {} }, { text: 'second' }] }, 0, settings).create.first_text).toBe('second');
    // A conversation without any text takes requestDefaults' first_text, not the fixed label.
    expect(prepareConversation({ messages: [{ type: 'image', metadata: {} }] }, 0, opts).create.first_text).toBe('default');
    expect(prepareConversation({ messages: [{ text: 'first' }] }, 0, opts).create.first_text).toBe('first');
    // The source's own fields win over requestDefaults.
    expect(prepareConversation({ request: { departmentid: 'd2' }, messages: [] }, 0, opts).create).toMatchObject({ departmentid: 'd2' });
  });
});

describe("messages.list({ order: 'clienttimestamp' }) with equal times", () => {
  let server: Awaited<ReturnType<typeof startTiledeskServer>>;
  let client: TiledeskClient;
  beforeAll(async () => {
    // Items stored in the order sent, so the first test controls the server's own order exactly.
    server = await startTiledeskServer({ multiSaveOrder: 'input' });
    client = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token } });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('breaks ties by import_index even when the server saved them in another order', async () => {
    const { request_id } = await client.requests.create({ first_text: 'ties' });
    const t = 1_714_557_600_000;
    // Saved in the order c, a, b (as the real server's concurrent saves may do), all at the same time.
    await client.messages.import(request_id, [
      { text: 'c', timestamp: t, attributes: { import_index: 2 } },
      { text: 'a', timestamp: t, attributes: { import_index: 0 } },
      { text: 'b', timestamp: t, attributes: { import_index: 1 } },
      { text: 'earlier, no index', timestamp: t - 1 },
    ]);
    expect((await client.messages.list(request_id, { order: 'clienttimestamp' })).map((m) => m.text)).toEqual(['earlier, no index', 'a', 'b', 'c']);
    expect((await client.messages.list(request_id)).map((m) => m.text)).toEqual(['c', 'a', 'b', 'earlier, no index']);
  });

  it('an imported conversation whose source times tie reads back in source order', async () => {
    const t = 1_714_557_600_000;
    const source: ImportConversation[] = [{ request: { first_text: 'same second' }, messages: ['q', 'r', 's', 't'].map((text) => ({ text, timestamp: t })) }];
    let requestId = '';
    await importConversations(client, source, { namespace: 'ties', onConversation: (e) => (requestId = e.requestId!) });
    expect((await client.messages.list(requestId, { order: 'clienttimestamp' })).map((m) => m.text)).toEqual(['q', 'r', 's', 't']);
  });
});
