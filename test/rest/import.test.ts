/**
 * `messages.import`: validation before anything is sent, chunking under the body limit, order, timestamps, and what a
 * failed chunk reports (never retried blindly) — against the local server, with its body limit and fault controls.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  APIError,
  ConnectionError,
  ImportChunkError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  TiledeskClient,
  TokenProviderError,
  ValidationError,
  type ImportMessage,
  type RequestEvent,
} from '../../src/index.js';
import { planChunks, prepareMessage } from '../../src/rest/import.js';
import { startTiledeskServer } from '../../src/testing/index.js';
import { image, text } from '../../src/messages/index.js';

const LIMIT = 4096;
let server: Awaited<ReturnType<typeof startTiledeskServer>>;
let client: TiledeskClient;
let sent: RequestEvent[] = [];

beforeAll(async () => {
  // A small body limit, so a few dozen messages need several chunks.
  server = await startTiledeskServer({ port: 0, jsonBodyLimit: LIMIT });
  client = new TiledeskClient({
    baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token },
    retryDelay: { baseDelayMs: 1, maxDelayMs: 5 },
    hooks: { onRequest: (e) => sent.push(e) },
  });
});
afterEach(() => server.faults.clear());
afterAll(async () => {
  await client.close();
  await server.close();
});

const multiCalls = () => sent.filter((e) => e.url.endsWith('/messages/multi'));

async function conversation(): Promise<string> {
  const r = await client.requests.create({ first_text: 'import target' });
  sent = [];
  return r.request_id;
}

describe('planChunks', () => {
  it('keeps order and never exceeds the byte or count limits', () => {
    const sizes = [10, 20, 30, 5, 5, 40, 1];
    const chunks = planChunks(sizes, 50, 3);
    expect(chunks.map((c) => [c.start, c.end])).toEqual([[0, 2], [2, 5], [5, 7]]);
    for (const c of chunks) {
      const body = 2 + sizes.slice(c.start, c.end).reduce((a, b) => a + b, 0) + (c.end - c.start - 1);
      expect(c.bytes).toBe(body);
      expect(body).toBeLessThanOrEqual(50);
      expect(c.end - c.start).toBeLessThanOrEqual(3);
    }
    expect(planChunks([], 50, 3)).toEqual([]);
  });

  it('a chunk may be exactly maxBytes; one byte more starts the next', () => {
    // `[` + 23 + `,` + 24 + `]` = 50 bytes.
    expect(planChunks([23, 24], 50, 3)).toEqual([{ start: 0, end: 2, bytes: 50 }]);
    expect(planChunks([23, 25], 50, 3)).toEqual([{ start: 0, end: 1, bytes: 25 }, { start: 1, end: 2, bytes: 27 }]);
  });

  it('the byte count is the real UTF-8 size of the JSON body', () => {
    const p = prepareMessage({ text: 'héllo 👋' }, 0, 1000);
    expect(p.bytes).toBe(Buffer.byteLength(JSON.stringify({ text: 'héllo 👋' })));
  });
});

describe('validation before sending', () => {
  const cases: [string, unknown[], number, string][] = [
    ['a non-object', [{ text: 'ok' }, 'nope'], 1, 'message'],
    ['a text message without text', [{ text: 'ok' }, { text: 'ok' }, { sender: 'u1' }], 2, 'text'],
    ['blank text', [{ text: '   ' }], 0, 'text'],
    ['attributes that are not an object', [{ text: 'a', attributes: 'x' }], 0, 'attributes'],
    ["type 'text' given explicitly, without text", [{ type: 'text', sender: 'u1' }], 0, 'text'],
    ['a bad timestamp', [{ text: 'a', timestamp: 'yesterday' }], 0, 'timestamp'],
    ['an invalid Date', [{ text: 'a', timestamp: new Date('nope') }], 0, 'timestamp'],
    ['a bad clienttimestamp', [{ text: 'a', attributes: { clienttimestamp: 'x' } }], 0, 'attributes.clienttimestamp'],
    ['a sender that is not a string', [{ text: 'a', sender: 42 }], 0, 'sender'],
    ['a status that is not a number', [{ text: 'a', status: '200' }], 0, 'status'],
    // JSON has no NaN or Infinity: they would reach the server as null.
    ['a status that is NaN', [{ text: 'a' }, { text: 'b', status: Number.NaN }], 1, 'status'],
    ['a status that is Infinity', [{ text: 'a', status: Number.POSITIVE_INFINITY }], 0, 'status'],
    ['a channel without name', [{ text: 'a', channel: {} }], 0, 'channel.name'],
    ['a single message over the body limit', [{ text: 'a' }, { text: 'x'.repeat(LIMIT) }], 1, 'text'],
  ];
  for (const [what, input, index, field] of cases) {
    it(`rejects ${what} with its index and field, sending nothing`, async () => {
      const id = await conversation();
      const e = await client.messages.import(id, input as ImportMessage[], { maxChunkBytes: LIMIT }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).index).toBe(index);
      expect((e as ValidationError).field).toBe(field);
      expect((e as ValidationError).message).toContain(`[${index}].${field}`);
      expect(sent).toHaveLength(0);
    });
  }

  it('a message whose body alone is exactly maxChunkBytes is sent; one byte more is refused before sending', async () => {
    const id = await conversation();
    // `[{"text":"…"}]`: 13 bytes around the text.
    const fits = { text: 'f'.repeat(LIMIT - 13) };
    expect(await client.messages.import(id, [fits], { maxChunkBytes: LIMIT })).toHaveLength(1);
    sent = [];
    const e = await client.messages.import(id, [{ text: 'o'.repeat(LIMIT - 12) }], { maxChunkBytes: LIMIT }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect(e).toMatchObject({ index: 0, field: 'text' });
    expect(sent).toHaveLength(0);
  });

  it('rejects a non-array (the real server hangs on one) and unserialisable values', async () => {
    const id = await conversation();
    await expect(client.messages.import(id, { text: 'x' } as unknown as ImportMessage[])).rejects.toMatchObject({ field: 'messages' });
    await expect(client.messages.import(id, [{ text: 'a', metadata: { n: 1n } }])).rejects.toMatchObject({ index: 0, field: 'metadata' });
    expect(sent).toHaveLength(0);
  });
});

describe('chunked import', () => {
  it('splits under the body limit, keeps order, and stores Date/number timestamps as attributes.clienttimestamp', async () => {
    const id = await conversation();
    const t0 = Date.UTC(2024, 4, 1, 10);
    const input: ImportMessage[] = Array.from({ length: 60 }, (_, i) => ({
      sender: i % 2 ? 'chatbot1' : 'visitor-1',
      text: `message ${i} ${'·'.repeat(i % 7 * 20)}`,
      timestamp: i % 2 ? new Date(t0 + i) : t0 + i,
      attributes: { n: i },
    }));
    const progress: [number, number][] = [];
    const saved = await client.messages.import(id, input, { maxChunkBytes: LIMIT, onChunk: (p) => progress.push([p.start, p.end]) });

    expect(progress.length).toBeGreaterThan(1);
    expect(multiCalls()).toHaveLength(progress.length);
    expect(progress.flatMap(([s, e]) => Array.from({ length: e - s }, (_, k) => s + k))).toEqual(input.map((_, i) => i));
    expect(saved.map((m) => m.text)).toEqual(input.map((m) => m.text));
    expect(saved.map((m) => (m.attributes as { clienttimestamp: number }).clienttimestamp)).toEqual(input.map((_, i) => t0 + i));
    expect(saved.map((m) => (m.attributes as { n: number }).n)).toEqual(input.map((_, i) => i));

    const listed = await client.messages.list(id, { order: 'clienttimestamp' });
    expect(listed.map((m) => m.text)).toEqual(input.map((m) => m.text));
  });

  it('`timestamp` wins over `attributes.clienttimestamp`; the other attributes are kept', async () => {
    const id = await conversation();
    const t = Date.UTC(2024, 4, 1, 10);
    const [saved] = await client.messages.import(id, [{ text: 'a', timestamp: new Date(t), attributes: { clienttimestamp: t - 60_000, n: 1 } }]);
    expect(saved!.attributes).toMatchObject({ clienttimestamp: t, n: 1 });
  });

  it('maxChunkMessages caps messages per call', async () => {
    const id = await conversation();
    await client.messages.import(id, Array.from({ length: 7 }, (_, i) => ({ text: `m${i}` })), { maxChunkMessages: 3 });
    expect(multiCalls()).toHaveLength(3);
  });

  it('imports messages made by the builders of tiledesk-sdk/messages as the widget reads them', async () => {
    const id = await conversation();
    const stamp = Date.UTC(2024, 4, 1, 10);
    const saved = await client.messages.import(id, [
      text('Pick one').quickReplies('Yes', 'No'),
      { ...image('https://example.com/a.png', { width: 20, height: 10 }), sender: 'bot_1', timestamp: stamp },
    ]);
    expect(saved.map((m) => m.type)).toEqual(['text', 'image']);
    const stored = await client.messages.list(id, { order: 'clienttimestamp' });
    const buttons = (stored.find((m) => m.text === 'Pick one')?.attributes as { attachment?: { buttons?: unknown[] } })?.attachment?.buttons;
    expect(buttons).toEqual([{ type: 'text', value: 'Yes' }, { type: 'text', value: 'No' }]);
    const picture = stored.find((m) => m.type === 'image')!;
    expect([picture.sender, picture.metadata, (picture.attributes as { clienttimestamp?: number }).clienttimestamp])
      .toEqual(['bot_1', { src: 'https://example.com/a.png', width: 20, height: 10 }, stamp]);
  });

  it('an empty list sends nothing', async () => {
    const id = await conversation();
    expect(await client.messages.import(id, [])).toEqual([]);
    expect(sent).toHaveLength(0);
  });
});

describe('a failed chunk', () => {
  it('into a missing conversation: NotFoundError cause, nothing saved, no retry', async () => {
    await conversation();
    const e = await client.messages.import(`support-group-${server.project.id}-${'f'.repeat(32)}`, [{ text: 'x' }]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ImportChunkError);
    const err = e as ImportChunkError;
    expect(err.cause).toBeInstanceOf(NotFoundError);
    expect(err.status).toBe(404);
    expect(err.maybePartiallySaved).toBe(false);
    expect(multiCalls()).toHaveLength(1);
  });

  it('partially saved on the server (500 after 2 items): reports the chunk, what was sent and what was saved, and is not retried', async () => {
    const id = await conversation();
    const input = Array.from({ length: 9 }, (_, i) => ({ text: `m${i}` }));
    let calls = 0;
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, partialSave: 2, times: 1 });
    const e = await client.messages
      .import(id, input, { maxChunkMessages: 3, onChunk: () => { calls++; } })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ImportChunkError);
    const err = e as ImportChunkError;
    expect(err.chunkIndex).toBe(0);
    expect(err.chunkCount).toBe(3);
    expect([err.start, err.end]).toEqual([0, 3]);
    expect(err.cause).toBeInstanceOf(InternalServerError);
    expect(err.maybePartiallySaved).toBe(true);
    expect(err.sent.map((m) => m.text)).toEqual(['m0', 'm1', 'm2']);
    expect(err.saved).toEqual([]);
    expect(calls).toBe(0);
    expect(multiCalls()).toHaveLength(1);
    // The server kept what it saved: exactly what the importer must reconcile.
    expect((await client.messages.list(id)).map((m) => m.text)).toEqual(['m0', 'm1']);
    expect(JSON.stringify(err)).not.toContain('"sent"');
  });

  it('a later chunk failing keeps the earlier chunks in `saved`', async () => {
    const id = await conversation();
    const input = Array.from({ length: 6 }, (_, i) => ({ text: `m${i}` }));
    let chunk = 0;
    const e = await client.messages
      .import(id, input, {
        maxChunkMessages: 2,
        onChunk: () => {
          chunk++;
          if (chunk === 2) server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 503, times: 5 });
        },
      })
      .catch((x: unknown) => x);
    const err = e as ImportChunkError;
    expect(err).toBeInstanceOf(ImportChunkError);
    expect(err.chunkIndex).toBe(2);
    expect(err.saved.map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(err.sent.map((m) => m.text)).toEqual(['m4', 'm5']);
    expect(multiCalls()).toHaveLength(3);
  });

  it('a 408 or a connection reset after sending: the server may have saved part of it, and it is not retried', async () => {
    for (const [fault, status, cause] of [[{ status: 408 }, 408, APIError], [{ reset: true }, undefined, ConnectionError]] as const) {
      const id = await conversation();
      server.faults.route({ method: 'POST', path: /\/messages\/multi$/, times: 1, ...fault });
      const e = await client.messages.import(id, [{ text: 'a' }, { text: 'b' }]).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ImportChunkError);
      const err = e as ImportChunkError;
      expect(err.status).toBe(status);
      expect(err.cause).toBeInstanceOf(cause);
      expect(err.maybePartiallySaved).toBe(true);
      expect(multiCalls()).toHaveLength(1);
      server.faults.clear();
    }
  });

  it('a chunk whose request never went out (stopped before sending, or its token never came): provably nothing saved', async () => {
    const id = await conversation();
    const input = Array.from({ length: 4 }, (_, i) => ({ text: `m${i}` }));
    const stop = new AbortController();
    const stopped = (await client.messages
      .import(id, input, { maxChunkMessages: 2, signal: stop.signal, onChunk: () => stop.abort() })
      .catch((x: unknown) => x)) as ImportChunkError;
    expect(stopped).toBeInstanceOf(ImportChunkError);
    expect(stopped.chunkIndex).toBe(1);
    expect(stopped.cause).toBeInstanceOf(AbortError);
    expect(stopped.maybePartiallySaved).toBe(false);

    let tokens = 0;
    const flaky = new TiledeskClient({
      baseUrl: server.url, projectId: server.project.id,
      auth: { tokenProvider: () => (++tokens === 1 ? server.owner.token : Promise.reject(new Error('vault unreachable'))) },
    });
    try {
      // The second chunk's 401 asks the provider for a new token, which fails: that chunk is never sent again.
      const onChunk = () => server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 401, times: 1 });
      const refused = (await flaky.messages.import(id, input, { maxChunkMessages: 2, onChunk }).catch((x: unknown) => x)) as ImportChunkError;
      expect(refused).toBeInstanceOf(ImportChunkError);
      expect(refused.cause).toBeInstanceOf(TokenProviderError);
      expect(refused.maybePartiallySaved).toBe(false);
    } finally {
      await flaky.close();
    }
    expect((await client.messages.list(id)).map((m) => m.text)).toEqual(['m0', 'm1', 'm0', 'm1']);
  });

  it('over the server’s body limit: PayloadTooLargeError, provably nothing saved', async () => {
    const id = await conversation();
    const e = await client.messages
      .import(id, Array.from({ length: 40 }, (_, i) => ({ text: `${i} ${'z'.repeat(200)}` })), { maxChunkBytes: LIMIT * 4 })
      .catch((x: unknown) => x);
    const err = e as ImportChunkError;
    expect(err.cause).toBeInstanceOf(PayloadTooLargeError);
    expect(err.maybePartiallySaved).toBe(false);
    expect(await client.messages.list(id)).toEqual([]);
  });
});
