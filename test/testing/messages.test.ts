import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { http, httpOrTimeout, type Json } from './helpers.js';

let server: TiledeskTestServer;
let P: string;
let owner: string;
let guest: Json;

beforeAll(async () => {
  server = await startTiledeskServer({ jsonBodyLimit: '4kb' });
  P = server.project.id;
  owner = server.owner.token;
  guest = (await http(server, 'POST', '/auth/signinAnonymously', { body: { id_project: P, firstname: 'Vera' } })).json as Json;
});
afterAll(() => server.close());

let counter = 0;
const newRid = () => `support-group-${P}-msg${++counter}`;

describe('sending messages', () => {
  it('creates the conversation from the first message (case A)', async () => {
    const rid = newRid();
    const res = await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: guest.token, body: { text: 'hello' } });
    expect(res.status).toBe(200);
    const message = res.json as Json;
    expect(message).toMatchObject({ sender: guest.user._id, createdBy: guest.user._id, recipient: rid, text: 'hello', status: 0, type: 'text', channel_type: 'group', channel: { name: 'chat21' } });
    expect(message.request).toMatchObject({ request_id: rid, first_text: 'hello', status: 200, requester: { role: 'guest', uuid_user: guest.user._id } });
    expect(message.request.snapshot.agents).toEqual([]);
  });

  it('requires text on a new conversation, with the messages-route 422 shape', async () => {
    for (const body of [{}, { text: '' }]) {
      const res = await http(server, 'POST', `/${P}/requests/${newRid()}/messages`, { token: owner, body });
      expect([res.status, res.json]).toEqual([422, { errors: ['text field is required'] }]);
    }
  });

  it('accepts anything on an existing conversation (case B) and stores last_message', async () => {
    const rid = newRid();
    await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body: { text: 'first' } });
    const empty = await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body: {} });
    expect(empty.status).toBe(200);
    const message = empty.json as Json;
    expect(message.text).toBeUndefined();
    expect(message.request.attributes.last_message._id).toBe(message._id);
    expect(message.request.snapshot.agents).toBeUndefined();
  });

  it('reads a falsy message status as 0 (SENDING): `req.body.status || 0`', async () => {
    const rid = newRid();
    await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body: { text: 'first' } });
    for (const status of ['', false, null]) {
      const res = await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body: { text: 'x', status } });
      expect([status, res.status, (res.json as Json).status]).toEqual([status, 200, 0]);
    }
  });

  it('refuses a message on a form conversation from a caller who is not its first agent, unless a sender is named', async () => {
    const created = await http(server, 'POST', `/${P}/requests`, { token: owner, body: { first_text: 'a form', channel: { name: 'form' }, participants: [server.owner.userId] } });
    const rid = (created.json as Json).request_id as string;
    const denied = await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: server.agent.token, body: { text: 'hi' } });
    expect([denied.status, denied.json]).toEqual([403, { success: false, message: 'Error creating message', err: "You don't belong the conversation" }]);
    const named = await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: server.agent.token, body: { text: 'hi', sender: server.agent.userId } });
    const first = await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body: { text: 'hi' } });
    expect([named.status, first.status]).toEqual([200, 200]);
  });

  it('drops empty attributes and metadata (Mongoose minimize)', async () => {
    const rid = newRid();
    const res = await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body: { text: 'x', attributes: {}, metadata: { a: {} } } });
    expect(res.json).not.toHaveProperty('attributes');
    expect(res.json).not.toHaveProperty('metadata');
  });

  it('lists a conversation in createdAt order and reads one message', async () => {
    const rid = newRid();
    for (const text of ['a', 'b', 'c']) await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body: { text } });
    const listed = (await http(server, 'GET', `/${P}/requests/${rid}/messages`, { token: guest.token })).json as Json[];
    expect(listed.map((m) => m.text)).toEqual(['a', 'b', 'c']);
    expect(listed.map((m) => m.createdAt)).toEqual([...listed.map((m) => m.createdAt)].sort());
    const one = await http(server, 'GET', `/${P}/requests/${rid}/messages/${listed[1]!._id}`, { token: owner });
    expect((one.json as Json).text).toBe('b');
    const missing = await http(server, 'GET', `/${P}/requests/${rid}/messages/aaaaaaaaaaaaaaaaaaaaaaaa`, { token: owner });
    expect([missing.status, missing.json]).toEqual([404, { success: false, msg: 'Object not found.' }]);
  });
});

describe('message validation (Mongoose casts and required paths)', () => {
  const send = async (body: Json) => {
    const rid = newRid();
    await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body: { text: 'open' } });
    return http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body });
  };

  it('rejects an empty type as a required path, with the ValidationError as err', async () => {
    const res = await send({ text: 't', type: '' });
    expect(res.status).toBe(500);
    expect(res.json).toEqual({
      success: false,
      msg: 'Error creating message',
      err: {
        errors: { type: { name: 'ValidatorError', message: 'Path `type` is required.', properties: { message: 'Path `type` is required.', type: 'required', path: 'type', value: '' }, kind: 'required', path: 'type', value: '' } },
        _message: 'message validation failed',
        name: 'ValidationError',
        message: 'message validation failed: type: Path `type` is required.',
      },
    });
  });

  it('reports every field that does not cast to a string, sender and createdBy alike', async () => {
    const res = await send({ text: 't', sender: ['a'] });
    const err = (res.json as Json).err;
    expect(Object.keys(err.errors).sort()).toEqual(['createdBy', 'sender']);
    expect(err.errors.sender).toMatchObject({ kind: 'string', stringValue: '"[ \'a\' ]"', valueType: 'Array', reason: null });
    expect(err.message).toBe(`message validation failed: sender: ${err.errors.sender.message}, createdBy: ${err.errors.createdBy.message}`);
  });

  it('stores an explicit null text as null and takes the _id of an object sender', async () => {
    const nullText = (await send({ text: null })).json as Json;
    expect(nullText.text).toBeNull();
    const objectSender = (await send({ text: 'x', sender: { _id: 'someone' } })).json as Json;
    expect([objectSender.sender, objectSender.createdBy]).toEqual(['someone', 'someone']);
  });
});

describe('multi import', () => {
  it('answers 404 when the conversation does not exist (no upsert)', async () => {
    const res = await http(server, 'POST', `/${P}/requests/${newRid()}/messages/multi`, { token: owner, body: [{ text: 'x' }] });
    expect([res.status, res.json]).toEqual([404, { success: false, msg: "Request doesn't exist.", err: null }]);
  });

  it('saves items in order with the documented defaults', async () => {
    const rid = newRid();
    await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body: { text: 'open' } });
    const res = await http(server, 'POST', `/${P}/requests/${rid}/messages/multi`, {
      token: owner,
      body: [{ text: 't1' }, { text: 't2', sender: 'andrealeo' }, { text: 't3', sender: 'rocco', senderFullname: 'Rocco', status: 100, channel: { name: 'email' } }, {}],
    });
    expect(res.status).toBe(200);
    const saved = res.json as Json[];
    expect(saved.map((m) => m.text)).toEqual(['t1', 't2', 't3', undefined]);
    expect(saved[0]).toMatchObject({ sender: server.owner.userId, createdBy: server.owner.userId, senderFullname: 'Olivia Owner', status: 0, channel_type: 'group', channel: { name: 'chat21' } });
    expect(saved[1]).toMatchObject({ sender: 'andrealeo', createdBy: 'andrealeo', senderFullname: 'Olivia Owner' });
    expect(saved[2]).toMatchObject({ sender: 'rocco', senderFullname: 'Rocco', status: 100, channel: { name: 'email' } });
    expect(saved.every((m) => !('request' in m))).toBe(true);
  });

  describe('read-back order of one call (multiSaveOrder)', () => {
    const texts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ text: `${prefix}${i}` }));
    const importAndRead = async (target: TiledeskTestServer, chunks: number[]) => {
      const pid = target.project.id;
      const rid = `support-group-${pid}-order${++counter}`;
      await http(target, 'POST', `/${pid}/requests/${rid}/messages`, { token: target.owner.token, body: { text: 'open' } });
      const posted: Json[][] = [];
      for (const [call, n] of chunks.entries()) {
        const res = await http(target, 'POST', `/${pid}/requests/${rid}/messages/multi`, { token: target.owner.token, body: texts(`c${call}m`, n) });
        expect(res.status).toBe(200);
        posted.push(res.json as Json[]);
      }
      const listed = ((await http(target, 'GET', `/${pid}/requests/${rid}/messages`, { token: target.owner.token })).json as Json[]).slice(1);
      return { posted, listed };
    };

    it('by default stores a call out of input order, as the real server does, while the POST answer keeps it', async () => {
      const { posted, listed } = await importAndRead(server, [20]);
      const inputOrder = texts('c0m', 20).map((m) => m.text);
      expect(posted[0]!.map((m) => m.text)).toEqual(inputOrder);
      expect(listed.map((m) => m.text)).not.toEqual(inputOrder);
      expect([...listed.map((m) => m.text)].sort()).toEqual([...inputOrder].sort());
      // Reads sort by createdAt alone: the call shares a millisecond, ties come in storage order.
      expect(new Set(listed.map((m) => m.createdAt)).size).toBe(1);
      // _ids are assigned before the saves, so they still ascend in input order.
      const byId = [...listed].sort((a, b) => (a._id < b._id ? -1 : 1)).map((m) => m.text);
      expect(byId).toEqual(inputOrder);
    });

    it('keeps small calls in order and successive calls after each other', async () => {
      const { listed } = await importAndRead(server, [5, 60, 3]);
      const calls = listed.map((m) => String(m.text).split('m')[0]);
      expect(calls).toEqual([...Array(5).fill('c0'), ...Array(60).fill('c1'), ...Array(3).fill('c2')]);
      expect(listed.slice(0, 5).map((m) => m.text)).toEqual(texts('c0m', 5).map((m) => m.text));
      expect(listed.slice(5, 65).map((m) => m.text)).not.toEqual(texts('c1m', 60).map((m) => m.text));
      const createdAt = listed.map((m) => m.createdAt);
      expect(createdAt).toEqual([...createdAt].sort());
    });

    it('never dates a large call (several milliseconds ending now) before the messages already there', async () => {
      // A frozen clock: every save lands in the same millisecond, so only that guarantee keeps the calls in order.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-01-01T00:00:00.000Z') });
      try {
        const frozen = await startTiledeskServer();
        try {
          const { listed } = await importAndRead(frozen, [1, 120]);
          expect(listed.map((m) => String(m.text).split('m')[0])).toEqual(['c0', ...Array(120).fill('c1')]);
          expect(new Set(listed.map((m) => m.createdAt))).toEqual(new Set(['2026-01-01T00:00:00.000Z']));
        } finally {
          await frozen.close();
        }
      } finally {
        vi.useRealTimers();
      }
    });

    it("stores items in input order with multiSaveOrder: 'input'", async () => {
      const ordered = await startTiledeskServer({ multiSaveOrder: 'input' });
      try {
        const { listed } = await importAndRead(ordered, [20]);
        expect(listed.map((m) => m.text)).toEqual(texts('c0m', 20).map((m) => m.text));
      } finally {
        await ordered.close();
      }
    });

    it('rejects an unknown multiSaveOrder', async () => {
      await expect(startTiledeskServer({ multiSaveOrder: 'random' as 'input' })).rejects.toThrow(RangeError);
    });
  });

  it('answers [] for an empty array', async () => {
    const rid = newRid();
    await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body: { text: 'open' } });
    const res = await http(server, 'POST', `/${P}/requests/${rid}/messages/multi`, { token: owner, body: [] });
    expect([res.status, res.json]).toEqual([200, []]);
  });

  it('answers 413 with the limit in bytes over the JSON body limit, without CORS', async () => {
    const rid = newRid();
    await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body: { text: 'open' } });
    const res = await http(server, 'POST', `/${P}/requests/${rid}/messages/multi`, { token: owner, body: [{ text: 'x'.repeat(5000) }] });
    expect([res.status, res.json, res.headers.get('access-control-allow-origin')]).toEqual([413, { err: 'Request entity too large', limit: 4096 }, null]);
  });

  it('never answers a non-array body, like the real server', async () => {
    const rid = newRid();
    await http(server, 'POST', `/${P}/requests/${rid}/messages`, { token: owner, body: { text: 'open' } });
    const res = await httpOrTimeout(server, 'POST', `/${P}/requests/${rid}/messages/multi`, { token: owner, body: { text: 'not an array' }, timeoutMs: 300 });
    expect(res).toBe('timeout');
    const after = (await http(server, 'GET', `/${P}/requests/${rid}/messages`, { token: owner })).json as Json[];
    expect(after).toHaveLength(1);
  });
});
