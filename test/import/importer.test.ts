/**
 * `importConversations` against the local server over real sockets: what lands on the server (read back message by
 * message), continuing existing conversations, strict order, chunking, bad input, progress and report, abort,
 * refused credentials, backpressure and the bounded checkpoint.
 */
import { getEventListeners } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ImportAbortedError,
  ImportCheckpointError,
  ImportFailedError,
  TiledeskClient,
  importConversations,
  type ImportCheckpointState,
  type ImportConversation,
  type ImportConversationEvent,
  type FetchLike,
  type ImportProgressEvent,
  type ErrorEvent,
  type RequestEvent,
} from '../../src/index.js';
import { fileCheckpoint } from '../../src/node/index.js';
import { startTiledeskServer } from '../../src/testing/index.js';
import { image, text } from '../../src/messages/index.js';
import { dataset, requestIdOf, T0, verifyImported } from './helpers.js';
import { refusedPort } from '../helpers/net.js';

let server: Awaited<ReturnType<typeof startTiledeskServer>>;
let client: TiledeskClient;
let calls: RequestEvent[] = [];
let namespaceCounter = 0;
/** A namespace per test, so derived request ids never collide between tests sharing the server. */
const freshNamespace = () => `test-${++namespaceCounter}-${Date.now()}`;

beforeAll(async () => {
  server = await startTiledeskServer({ jsonBodyLimit: 16 * 1024 });
  client = new TiledeskClient({
    baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token },
    timeout: 5_000,
    hooks: { onRequest: (e) => calls.push(e) },
  });
});
afterEach(() => {
  server.faults.clear();
  calls = [];
});
afterAll(async () => {
  await client.close();
  await server.close();
});

const fast = { retryDelay: { baseDelayMs: 1, maxDelayMs: 5 }, settleDelayMs: 5 };
const multiCalls = () => calls.filter((c) => c.url.endsWith('/messages/multi'));

describe('importing', () => {
  it('creates each conversation and saves every message once, in order, with its original time and import key', async () => {
    const source = dataset({ conversations: 12, messages: { min: 0, max: 30 }, someIds: true, tag: 'basic' });
    const namespace = freshNamespace();
    const report = await importConversations(client, source, { namespace, concurrency: 4, ...fast });
    const total = source.reduce((n, c) => n + c.messages.length, 0);
    expect(report.conversations).toEqual({ total: 12, created: 12, continued: 0, alreadyComplete: 0, resumed: 0, failed: 0 });
    expect(report.messages).toEqual({ total, imported: total, skipped: 0, resumed: 0, failed: 0, uncertain: 0 });
    expect(report.failures).toEqual([]);
    const check = await verifyImported(client, server.project.id, source, { namespace });
    expect(check).toMatchObject({ conversations: 12, messages: total, duplicates: 0, orderViolations: 0, missing: 0 });

    const requestId = requestIdOf(server.project.id, source[1]!, 1, namespace);
    expect(requestId).toMatch(new RegExp(`^support-group-${server.project.id}-[0-9a-f]{32}$`));
    const request = await client.requests.get(requestId);
    expect(request.first_text).toBe('basic conversation 1');
    const [first] = await client.messages.list(requestId, { order: 'clienttimestamp' });
    expect(first!.attributes).toMatchObject({ import_key: 'basic-c1-m0', import_index: 0 });
    const second = (await client.messages.list(requestId, { order: 'clienttimestamp' }))[1]!;
    expect((second.attributes as { import_key: string }).import_key).toBe('#1');
  });

  it('running the same import again sends no message: everything is found by import key', async () => {
    const source = dataset({ conversations: 6, messages: 7, tag: 'again' });
    const namespace = freshNamespace();
    await importConversations(client, source, { namespace, ...fast });
    calls = [];
    const report = await importConversations(client, source, { namespace, ...fast });
    expect(report.conversations).toMatchObject({ created: 0, continued: 0, alreadyComplete: 6, failed: 0 });
    expect(report.messages).toMatchObject({ imported: 0, skipped: 42 });
    expect(multiCalls()).toHaveLength(0);
    expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ duplicates: 0, missing: 0, orderViolations: 0 });
  });

  it('the same conversation twice in one source (overlapping pages of an export) is imported once', async () => {
    // A slow bulk endpoint, as on a loaded server: the second copy used to read the keys before the first had saved
    // them, and sent every message again.
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, latencyMs: 150 });
    const tickets = dataset({ conversations: 5, messages: 4, someIds: true, conversationIds: true, tag: 'overlap' });
    const source = tickets.flatMap((c) => [c, structuredClone(c)]);
    const namespace = freshNamespace();
    const report = await importConversations(client, source, { namespace, concurrency: 8, ...fast });
    expect(report.conversations).toMatchObject({ total: 10, created: 5, alreadyComplete: 5, failed: 0 });
    expect(report.messages).toMatchObject({ total: 40, imported: 20, skipped: 20 });
    expect(multiCalls()).toHaveLength(5);
    // The second copy looks its conversation up: no create that the server would refuse (500) for a request_id it has.
    expect(calls.filter((c) => c.method === 'POST' && c.url.endsWith('/requests'))).toHaveLength(5);
    expect(await verifyImported(client, server.project.id, tickets, { namespace })).toMatchObject({ conversations: 5, messages: 20, duplicates: 0, missing: 0 });
  });

  it('three copies of a conversation that grows from page to page run one after the other, though the first ends before the third is pulled', async () => {
    // With two slots, the third copy is pulled when the first ends, while the second is still sending (slowly).
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, latencyMs: 150 });
    const [ticket] = dataset({ conversations: 1, messages: 4, someIds: true, conversationIds: true, tag: 'growing' });
    const source = [{ ...ticket!, messages: ticket!.messages.slice(0, 2) }, structuredClone(ticket!), structuredClone(ticket!)];
    const namespace = freshNamespace();
    const report = await importConversations(client, source, { namespace, concurrency: 2, ...fast });
    expect(report.conversations).toMatchObject({ total: 3, created: 1, continued: 1, alreadyComplete: 1, failed: 0 });
    expect(report.messages).toMatchObject({ imported: 4, skipped: 6 });
    expect(await verifyImported(client, server.project.id, [ticket!], { namespace })).toMatchObject({ messages: 4, duplicates: 0, missing: 0 });
  });

  it('continues a conversation found by request_id: only the missing messages are sent', async () => {
    const namespace = freshNamespace();
    const full = dataset({ conversations: 3, messages: 10, tag: 'cont' });
    const half = full.map((c) => ({ ...c, messages: c.messages.slice(0, 4) }));
    await importConversations(client, half, { namespace, ...fast });
    calls = [];
    const report = await importConversations(client, full, { namespace, ...fast });
    expect(report.conversations).toMatchObject({ created: 0, continued: 3 });
    expect(report.messages).toMatchObject({ imported: 18, skipped: 12 });
    const sent = multiCalls().length;
    expect(sent).toBe(3);
    expect(await verifyImported(client, server.project.id, full, { namespace })).toMatchObject({ messages: 30, duplicates: 0, missing: 0, orderViolations: 0 });
  });

  it('a key the server holds twice (left by something else) is counted in duplicatesFound, and not sent again', async () => {
    const namespace = freshNamespace();
    const [conversation] = dataset({ conversations: 1, messages: 3, someIds: true, tag: 'dupfound' });
    await importConversations(client, [{ ...conversation!, messages: conversation!.messages.slice(0, 2) }], { namespace, ...fast });
    const requestId = requestIdOf(server.project.id, conversation!, 0, namespace);
    // Another tool copied message 0 in again, import key and all.
    await client.messages.import(requestId, [{ text: conversation!.messages[0]!.text, attributes: { import_key: conversation!.messages[0]!.id } }]);
    calls = [];
    const report = await importConversations(client, [conversation!], { namespace, ...fast });
    expect(report).toMatchObject({ duplicatesFound: 1, conversations: { continued: 1 }, messages: { imported: 1, skipped: 2 } });
    expect(multiCalls()).toHaveLength(1);
  });

  it('duplicatesFound still counts a key held twice outside the chunk after that chunk was read back', async () => {
    const namespace = freshNamespace();
    const [conversation] = dataset({ conversations: 1, messages: 3, someIds: true, tag: 'dup-after-readback' });
    await importConversations(client, [{ ...conversation!, messages: conversation!.messages.slice(0, 2) }], { namespace, ...fast });
    const requestId = requestIdOf(server.project.id, conversation!, 0, namespace);
    await client.messages.import(requestId, [{ text: conversation!.messages[0]!.text, attributes: { import_key: conversation!.messages[0]!.id } }]);
    // The chunk with the missing message is saved, but answered 500: it is read back.
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 500, after: true, times: 1 });
    const report = await importConversations(client, [conversation!], { namespace, ...fast });
    expect(report).toMatchObject({ reconciliations: 1, duplicatesFound: 1, messages: { imported: 1, skipped: 2 } });
  });

  it('imports into a conversation you created yourself, named by request.request_id (the tutorial flow)', async () => {
    const { user } = await client.auth.signinAnonymously({ firstname: 'John' });
    const req = await client.requests.create({ sender: user._id, first_text: 'How can I restore my password' });
    const source: ImportConversation[] = [{
      request: { request_id: req.request_id },
      messages: [
        { sender: user._id, senderFullname: 'John', text: 'How can I restore my password', timestamp: 1665584701710 },
        { sender: 'chatbot1', senderFullname: 'Bot', text: 'You can find it here https://tiledesk.com', timestamp: 1665584701711 },
      ],
    }];
    const report = await importConversations(client, source, fast);
    expect(report.conversations.continued).toBe(1);
    const listed = await client.messages.list(req.request_id, { order: 'clienttimestamp' });
    expect(listed.map((m) => [m.sender, m.text, (m.attributes as { clienttimestamp: number }).clienttimestamp])).toEqual([
      [user._id, 'How can I restore my password', 1665584701710],
      ['chatbot1', 'You can find it here https://tiledesk.com', 1665584701711],
    ]);
  });

  it('a message another tool saved with a numeric import_key counts as present: it is skipped, not sent again', async () => {
    const req = await client.requests.create({ first_text: 'numeric keys' });
    await client.messages.import(req.request_id, [{ text: 'saved elsewhere', attributes: { import_key: 7 } }]);
    calls = [];
    const report = await importConversations(client, [{ request: { request_id: req.request_id }, messages: [{ id: 7, text: 'saved elsewhere' }, { id: 8, text: 'new' }] }], fast);
    expect(report).toMatchObject({ conversations: { continued: 1 }, messages: { imported: 1, skipped: 1 } });
    const keys = (await client.messages.list(req.request_id)).map((m) => (m.attributes as { import_key?: unknown } | undefined)?.import_key);
    expect(keys.filter((k) => k !== undefined)).toEqual([7, '8']);
  });

  it('a call the server provably never processed (429, connection refused) is sent again as is, without a read-back', async () => {
    let refused = 0;
    const refusing: FetchLike = async (url, init) => {
      if (init.method === 'POST' && url.endsWith('/messages/multi') && refused++ === 0) {
        throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1'), { code: 'ECONNREFUSED' }) });
      }
      return fetch(url, init);
    };
    const refusingClient = new TiledeskClient({
      baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, fetch: refusing, retryBudget: false,
      hooks: { onRequest: (e) => calls.push(e) },
    });
    const namespace = freshNamespace();
    const source = dataset({ conversations: 1, messages: 3, tag: 'not-processed' });
    // The create is answered 429; the first messages call is refused before it connects, the second answered 429:
    // none of them can have saved anything.
    server.faults.route({ method: 'POST', path: `/${server.project.id}/requests`, status: 429, times: 1 });
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 429, times: 1 });
    try {
      const report = await importConversations(refusingClient, source, { namespace, ...fast });
      expect(report).toMatchObject({ retries: 3, reconciliations: 0, conversations: { created: 1 }, messages: { imported: 3, failed: 0, uncertain: 0 } });
    } finally {
      await refusingClient.close();
    }
    expect(calls.filter((c) => c.method === 'GET'), 'nothing looked up or read back').toEqual([]);
    expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ messages: 3, duplicates: 0, missing: 0 });
  });

  it('a messages call refused (401) whose new sign-in then fails is sent again as is: a 401 saves nothing, no read-back', async () => {
    const signedIn = new TiledeskClient({
      baseUrl: server.url, projectId: server.project.id, auth: { email: server.owner.email, password: server.owner.password },
      maxRetries: 0, hooks: { onRequest: (e) => calls.push(e) },
    });
    try {
      await signedIn.projectUsers.me(); // signed in before the faults below
      server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 401, times: 1 });
      server.faults.route({ method: 'POST', path: '/auth/signin', status: 500, times: 1 });
      calls = [];
      const namespace = freshNamespace();
      const source = dataset({ conversations: 1, messages: 2, tag: 'signin-fails' });
      const report = await importConversations(signedIn, source, { namespace, ...fast });
      expect(report).toMatchObject({ retries: 1, reconciliations: 0, messages: { imported: 2, failed: 0, uncertain: 0 } });
      expect(calls.filter((c) => c.method === 'GET'), 'nothing read back').toEqual([]);
      expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ messages: 2, duplicates: 0, missing: 0 });
    } finally {
      await signedIn.close();
    }
  });

  it('a read that keeps failing is attempted maxAttempts times, then the conversation fails with its error', async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 1, messages: 2, tag: 'read-attempts' });
    await importConversations(client, source, { namespace, ...fast });
    // Running it again reads the conversation's messages to learn what it holds: every read answers 503.
    server.faults.route({ method: 'GET', path: /\/messages$/, status: 503 });
    calls = [];
    const report = await importConversations(client, source, { namespace, maxAttempts: 3, ...fast });
    expect(report.failures).toEqual([expect.objectContaining({ status: 503, position: 0 })]);
    expect(calls.filter((c) => c.method === 'GET' && new URL(c.url).pathname.endsWith('/messages'))).toHaveLength(3);
  });

  it('imports messages made by the builders of tiledesk-sdk/messages, with the import\'s own fields added', async () => {
    const source: ImportConversation[] = [{
      messages: [
        { ...text('Pick one').quickReplies('Yes', 'No'), id: 'q-1', sender: 'bot_1', timestamp: T0 },
        { ...image('https://example.com/a.png', { width: 20, height: 10 }), id: 'q-2', sender: 'bot_1', timestamp: T0 + 1 },
        text('Thanks'),
      ],
    }];
    let requestId = '';
    const report = await importConversations(client, source, { namespace: freshNamespace(), ...fast, onConversation: (c) => (requestId = c.requestId!) });
    expect(report.messages.imported).toBe(3);
    const listed = await client.messages.list(requestId, { order: 'clienttimestamp' });
    const [question, picture, thanks] = listed.filter((m) => m.sender === 'bot_1' || m.text === 'Thanks');
    expect((question!.attributes as { attachment?: unknown }).attachment).toEqual({ type: 'template', buttons: [{ type: 'text', value: 'Yes' }, { type: 'text', value: 'No' }] });
    expect([picture!.type, picture!.metadata, (picture!.attributes as { clienttimestamp?: number }).clienttimestamp])
      .toEqual(['image', { src: 'https://example.com/a.png', width: 20, height: 10 }, T0 + 1]);
    expect(thanks!.text).toBe('Thanks');
  });

  it("order 'strict' sends one message per call, so the server's own order is the source order", async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 3, messages: 5, tag: 'strict' });
    await importConversations(client, source, { namespace, order: 'strict', concurrency: 3, ...fast });
    expect(multiCalls()).toHaveLength(15);
    expect(await verifyImported(client, server.project.id, source, { namespace, serverOrder: true })).toMatchObject({ orderViolations: 0, duplicates: 0 });
  });

  it('splits messages into chunks under maxChunkBytes and maxChunkMessages', async () => {
    const namespace = freshNamespace();
    const source: ImportConversation[] = [{
      request: { first_text: 'chunks' },
      messages: Array.from({ length: 40 }, (_, i) => ({ text: `${i} ${'y'.repeat(900)}`, timestamp: T0 + i })),
    }];
    await importConversations(client, source, { namespace, maxChunkBytes: 8_000, maxChunkMessages: 6, ...fast });
    const bodies = multiCalls();
    expect(bodies.length).toBeGreaterThanOrEqual(7);
    expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ messages: 40, duplicates: 0, orderViolations: 0 });
  });

  it('a server whose body limit is below maxChunkBytes (413): chunks are halved, nothing is lost or doubled', async () => {
    const namespace = freshNamespace();
    const source: ImportConversation[] = [{
      request: { first_text: 'halving' },
      messages: Array.from({ length: 30 }, (_, i) => ({ text: `${i} ${'z'.repeat(1500)}`, timestamp: T0 + i })),
    }];
    // The server takes 16 KB; the importer is told 200 KB.
    const report = await importConversations(client, source, { namespace, maxChunkBytes: 200_000, ...fast });
    expect(report.messages.imported).toBe(30);
    expect(report.retries).toBeGreaterThan(0);
    expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ messages: 30, duplicates: 0, orderViolations: 0 });
  });

  it('the halves of a chunk refused with 413 are sent in source order: a server storing each call in order lists them in source order', async () => {
    const ordered = await startTiledeskServer({ jsonBodyLimit: 16 * 1024, multiSaveOrder: 'input' });
    const orderedClient = new TiledeskClient({ baseUrl: ordered.url, projectId: ordered.project.id, auth: { token: ordered.owner.token } });
    try {
      const source: ImportConversation[] = [{
        request: { first_text: 'halves in order' },
        messages: Array.from({ length: 30 }, (_, i) => ({ text: `${i} ${'z'.repeat(1500)}`, timestamp: T0 + i })),
      }];
      const report = await importConversations(orderedClient, source, { maxChunkBytes: 200_000, ...fast });
      expect(report.retries).toBeGreaterThan(0);
      expect(await verifyImported(orderedClient, ordered.project.id, source, { serverOrder: true })).toMatchObject({ messages: 30, duplicates: 0, orderViolations: 0 });
    } finally {
      await orderedClient.close();
      await ordered.close();
    }
  });

  it('a 2xx whose body cannot be used (saved, or not) is reconciled like a 500, not failed', async () => {
    // The messages are saved, but the answer lists none of them: which landed is read back, nothing is sent twice.
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, after: true, status: 200, body: [], times: 1 });
    const namespace = freshNamespace();
    const source = dataset({ conversations: 1, messages: 3, tag: 'bad-2xx' });
    const report = await importConversations(client, source, { namespace, ...fast });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ reconciliations: 1, messages: { imported: 3, failed: 0 } });
    expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ messages: 3, duplicates: 0, missing: 0 });
  });

  it('a 408 on a create or a chunk is retried after a lookup or read-back, not failed', async () => {
    server.faults.route({ method: 'POST', path: /\/requests$/, status: 408, after: true, times: 1 });
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 408, after: true, times: 1 });
    const namespace = freshNamespace();
    const source = dataset({ conversations: 1, messages: 3, tag: '408' });
    const report = await importConversations(client, source, { namespace, ...fast });
    expect(report.failures).toEqual([]);
    // Created by the call that answered 408: found by the lookup, so `continued`.
    expect(report).toMatchObject({ reconciliations: 1, conversations: { continued: 1, failed: 0 }, messages: { imported: 3, failed: 0 } });
    expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ messages: 3, duplicates: 0, missing: 0 });
  });

  it("a hook of the client's that throws after a call was saved: read back like any unknown outcome, not counted failed", async () => {
    // A hook's exception fails the call (documented), but the server may have saved it: the messages call here was.
    let thrown = 0;
    const hooked = new TiledeskClient({
      baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token },
      hooks: {
        onResponse: (e) => {
          if (e.url.endsWith('/messages/multi') && thrown++ === 0) throw new Error('metrics backend down');
        },
      },
    });
    const namespace = freshNamespace();
    const source = dataset({ conversations: 1, messages: 3, tag: 'hook-throws' });
    try {
      const report = await importConversations(hooked, source, { namespace, ...fast });
      expect(report.failures).toEqual([]);
      expect(report).toMatchObject({ reconciliations: 1, messages: { imported: 3, failed: 0, uncertain: 0 } });
    } finally {
      await hooked.close();
    }
    expect(thrown, 'the hook threw once, and the read-back found the messages: nothing sent again').toBe(1);
    expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ messages: 3, duplicates: 0, missing: 0 });
  });

  it('a bad conversation fails alone, before any call, with its position, message index and field', async () => {
    const namespace = freshNamespace();
    const good = dataset({ conversations: 2, messages: 3, tag: 'good' });
    const source = [
      good[0]!,
      { request: { first_text: 'bad' }, messages: [{ text: 'ok' }, { sender: 'u1' }] },
      'not a conversation',
      { request: { first_text: 'bad time' }, messages: [{ text: 'a', timestamp: 'yesterday' }] },
      { request: { first_text: 'dup ids' }, messages: [{ id: 'k', text: 'a' }, { id: 'k', text: 'b' }] },
      // The conversation's sender, not a message's: the field says which.
      { request: { first_text: 'bad sender', sender: 42 }, messages: [{ text: 'a', sender: 'u1' }] },
      good[1]!,
    ] as unknown as ImportConversation[];
    const report = await importConversations(client, source, { namespace, ...fast });
    expect(report.conversations).toMatchObject({ total: 7, created: 2, failed: 5 });
    expect(report.messages).toMatchObject({ imported: 6, failed: 6 });
    expect(report.failures.map((f) => [f.position, f.code, f.index, f.field])).toEqual([
      [1, 'invalid_argument', 1, 'text'],
      [2, 'invalid_argument', undefined, 'conversation'],
      [3, 'invalid_argument', 0, 'timestamp'],
      [4, 'invalid_argument', 1, 'id'],
      [5, 'invalid_argument', undefined, 'request.sender'],
    ]);
    const posted = calls.filter((c) => c.method === 'POST').length;
    expect(posted).toBe(4); // two creates and two imports: nothing for the bad ones
  });

  it('a continued conversation that then fails counts the messages found already there as handled, not missing', async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 1, messages: 5, tag: 'cont-fail' });
    await importConversations(client, [{ ...source[0]!, messages: source[0]!.messages.slice(0, 2) }], { namespace, ...fast });
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 400, body: { success: false, msg: 'refused' } });
    const settled: ImportConversationEvent[] = [];
    const report = await importConversations(client, source, { namespace, ...fast, onConversation: (e) => settled.push(e) });
    expect(report.failures).toEqual([expect.objectContaining({ status: 400, messagesImported: 2, messagesMissing: 3 })]);
    expect(report.messages).toMatchObject({ total: 5, imported: 0, skipped: 2, failed: 3 });
    expect(settled).toEqual([expect.objectContaining({ outcome: 'failed', imported: 0, skipped: 2, failed: 3 })]);
  });

  it('report detail lists are bounded; counts stay exact', async () => {
    const source = Array.from({ length: 5 }, () => ({ messages: [{ sender: 'x' }] })) as ImportConversation[];
    const report = await importConversations(client, source, { namespace: freshNamespace(), maxReportDetails: 2, ...fast });
    expect(report.conversations.failed).toBe(5);
    expect(report.failures).toHaveLength(2);
    expect(report.failuresOmitted).toBe(3);
  });

  it('a conversation the server refuses (403 sender not a member) fails with its status; the others go on', async () => {
    const namespace = freshNamespace();
    const source: ImportConversation[] = [
      { request: { first_text: 'x', sender: 'not-a-member' }, messages: [{ text: 'a' }] },
      { request: { first_text: 'y' }, messages: [{ text: 'b' }] },
    ];
    const report = await importConversations(client, source, { namespace, ...fast });
    expect(report.conversations).toMatchObject({ created: 1, failed: 1 });
    expect(report.failures[0]).toMatchObject({ position: 0, status: 403, code: 'forbidden', messagesMissing: 1 });
  });
});

describe('progress and events', () => {
  it('reports monotonic progress with totals and ETA for an array source, then a final event', async () => {
    const source = dataset({ conversations: 20, messages: 5, tag: 'progress' });
    const events: ImportProgressEvent[] = [];
    const settled: ImportConversationEvent[] = [];
    await importConversations(client, source, {
      namespace: freshNamespace(), concurrency: 3, progressIntervalMs: 0, ...fast,
      onProgress: (e) => events.push(e),
      onConversation: (e) => settled.push(e),
    });
    expect(events.length).toBeGreaterThan(20);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.messages.done).toBeGreaterThanOrEqual(events[i - 1]!.messages.done);
      expect(events[i]!.conversations.done).toBeGreaterThanOrEqual(events[i - 1]!.conversations.done);
    }
    const last = events.at(-1)!;
    expect(last.final).toBe(true);
    expect(last.conversations).toMatchObject({ done: 20, total: 20, failed: 0, inFlight: 0 });
    expect(last.messages).toMatchObject({ done: 100, imported: 100, total: 100 });
    expect(events.some((e) => !e.final && e.etaMs !== undefined)).toBe(true);
    expect(settled.map((e) => e.position).sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    expect(settled.every((e) => e.outcome === 'created' && e.imported === 5 && /^support-group-/.test(e.requestId!))).toBe(true);
  });

  it('a retry shows in progress as it happens, before its wait and the save after it', async () => {
    // A long Retry-After must not look like a stalled import: the retry is reported before the wait starts.
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 429, times: 1 });
    const events: ImportProgressEvent[] = [];
    await importConversations(client, dataset({ conversations: 1, messages: 2, tag: 'progress-retry' }), {
      namespace: freshNamespace(), progressIntervalMs: 0, ...fast, onProgress: (e) => events.push(e),
    });
    expect(events.find((e) => e.retries === 1)?.messages.imported).toBe(0);
    expect(events.at(-1)).toMatchObject({ final: true, retries: 1, messages: { imported: 2 } });
  });

  it('importedThisRun and importedPerSecond count what this run sent, not what it found already there or resumed', async () => {
    const source = dataset({ conversations: 6, messages: 4, tag: 'rate' });
    const namespace = freshNamespace();
    const first: ImportProgressEvent[] = [];
    await importConversations(client, source, { namespace, progressIntervalMs: 0, ...fast, onProgress: (e) => first.push(e) });
    expect(first.at(-1)!.messages).toMatchObject({ imported: 24, importedThisRun: 24 });
    expect(first.at(-1)!.importedPerSecond).toBeGreaterThan(0);

    // Again: every message is found already there, none sent.
    const again: ImportProgressEvent[] = [];
    await importConversations(client, source, { namespace, progressIntervalMs: 0, ...fast, onProgress: (e) => again.push(e) });
    const last = again.at(-1)!;
    expect(last.messages).toMatchObject({ done: 24, skipped: 24, imported: 0, importedThisRun: 0 });
    expect(again.every((e) => e.importedPerSecond === 0 && e.messages.importedThisRun === 0)).toBe(true);

    // From a checkpoint of a finished run: `imported` counts the earlier run's messages, this run none.
    const dir = mkdtempSync(join(tmpdir(), 'import-rate-'));
    try {
      const checkpoint = fileCheckpoint(join(dir, 'ck.json'));
      const namespace2 = freshNamespace();
      await importConversations(client, source, { namespace: namespace2, checkpoint, ...fast });
      const resumed: ImportProgressEvent[] = [];
      await importConversations(client, source, { namespace: namespace2, checkpoint, progressIntervalMs: 0, ...fast, onProgress: (e) => resumed.push(e) });
      expect(resumed.at(-1)!.messages).toMatchObject({ done: 24, imported: 24, importedThisRun: 0 });
      expect(resumed.at(-1)!.importedPerSecond).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a throwing onProgress stops the import with ImportFailedError (reason callback), and is not called again', async () => {
    let called = 0;
    const error = await importConversations(client, dataset({ conversations: 5, messages: 2, tag: 'cb' }), {
      namespace: freshNamespace(), progressIntervalMs: 0, ...fast,
      onProgress: () => {
        called++;
        throw new Error('boom');
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFailedError);
    expect((error as ImportFailedError).reason).toBe('callback');
    // The conversations in flight finish (their progress is not reported), nor is there a final event.
    expect((error as ImportFailedError).report.conversations.created).toBe(5);
    expect(called).toBe(1);
  });

  it('an onProgress that throws on the final event fails the run (reason callback) with the full report: its error is not lost', async () => {
    const boom = new Error('could not write the summary');
    const dir = mkdtempSync(join(tmpdir(), 'import-final-callback-'));
    try {
      const checkpoint = fileCheckpoint(join(dir, 'ck.json'));
      const error = await importConversations(client, dataset({ conversations: 3, messages: 2, tag: 'cb-final' }), {
        namespace: freshNamespace(), checkpoint, ...fast,
        onProgress: (e) => {
          if (e.final) throw boom;
        },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportFailedError);
      expect(error).toMatchObject({ reason: 'callback', cause: boom });
      expect((error as ImportFailedError).report.messages).toMatchObject({ imported: 6, total: 6 });
      // Everything was imported before the event: the checkpoint says so, and running again sends nothing.
      expect((await checkpoint.load())!.finished).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an async onConversation that rejects stops the import (reason callback), as a throw does: no unhandled rejection', async () => {
    const boom = new Error('could not record the mapping');
    let called = 0;
    const error = await importConversations(client, dataset({ conversations: 6, messages: 2, tag: 'cb-async' }), {
      namespace: freshNamespace(), concurrency: 1, ...fast,
      onConversation: async () => {
        called++;
        await new Promise((resolve) => setImmediate(resolve));
        throw boom;
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFailedError);
    expect(error).toMatchObject({ reason: 'callback', cause: boom });
    // Not called again once its rejection stopped the run (the conversations in flight then still finish).
    expect(called).toBeGreaterThanOrEqual(1);
    expect(called).toBeLessThanOrEqual((error as ImportFailedError).report.conversations.created);
  });

  it('the import settles only once the promises its async callbacks returned have: what they record is there', async () => {
    const recorded: string[] = [];
    let finalWritten = false;
    const report = await importConversations(client, dataset({ conversations: 4, messages: 2, tag: 'cb-async-wait' }), {
      namespace: freshNamespace(), ...fast,
      onConversation: async (c) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        recorded.push(c.requestId!);
      },
      onProgress: async (e) => {
        if (!e.final) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
        finalWritten = true;
      },
    });
    expect(report.conversations.created).toBe(4);
    expect(recorded).toHaveLength(4);
    expect(finalWritten).toBe(true);
  });

  it('an async callback whose promise never settles holds the import only until the signal aborts', async () => {
    const controller = new AbortController();
    const settled = importConversations(client, dataset({ conversations: 2, messages: 2, tag: 'cb-async-hang' }), {
      namespace: freshNamespace(), ...fast, signal: controller.signal,
      onConversation: () => {
        setTimeout(() => controller.abort(), 50);
        return new Promise<void>(() => {});
      },
    }).then((report) => report, (error: unknown) => error);
    const outcome = await settled;
    // The import itself had finished: it resolves with its report, or rejects as aborted; either way it settles.
    if (outcome instanceof Error) expect(outcome).toBeInstanceOf(ImportAbortedError);
    else expect(outcome).toMatchObject({ conversations: { created: 2 } });
  });

  it('a throwing onConversation stops the import (reason callback) and is not called again for the conversations that finish after', async () => {
    let called = 0;
    // Four conversations in flight at once, the first to settle throws: the other three still finish.
    const error = await importConversations(client, dataset({ conversations: 4, messages: 2, tag: 'cb-conversation' }), {
      namespace: freshNamespace(), concurrency: 4, ...fast,
      onConversation: () => {
        called++;
        throw new Error('boom');
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ImportFailedError', reason: 'callback' });
    expect((error as ImportFailedError).report.conversations.created).toBe(4);
    expect(called).toBe(1);
  });
});

describe('stopping', () => {
  it('an AbortSignal stops the import with ImportAbortedError and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, latencyMs: 30 });
    let done = 0;
    const error = await importConversations(client, dataset({ conversations: 40, messages: 3, tag: 'abort' }), {
      namespace: freshNamespace(), concurrency: 2, signal: controller.signal, ...fast,
      onConversation: () => {
        if (++done === 3) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportAbortedError);
    const report = (error as ImportAbortedError).report;
    expect(report.conversations.created).toBeGreaterThanOrEqual(3);
    expect(report.conversations.created).toBeLessThan(40);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('aborting during a long Retry-After wait returns at once and leaves no timer behind', async () => {
    // The wait is the one timer longer than the client's 30 s per-call timeout: abort as soon as it is armed, and
    // check that exactly those timers are cleared. (A process-wide timer count would also see the in-process
    // server's keep-alive socket timers, which come and go with load.)
    const CALL_TIMEOUT_MS = 30_000;
    const controller = new AbortController();
    const pendingWaits = new Set<unknown>();
    let armedWaits = 0;
    const realSetTimeout = globalThis.setTimeout;
    const realClearTimeout = globalThis.clearTimeout;
    const setSpy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number, ...args: unknown[]) => {
      const timer = realSetTimeout(fn, ms, ...args);
      if ((ms ?? 0) > CALL_TIMEOUT_MS) {
        armedWaits++;
        pendingWaits.add(timer);
        queueMicrotask(() => controller.abort());
      }
      return timer;
    }) as typeof setTimeout);
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout').mockImplementation(((timer?: Parameters<typeof clearTimeout>[0]) => {
      pendingWaits.delete(timer);
      realClearTimeout(timer);
    }) as typeof clearTimeout);
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 429, headers: { 'Retry-After': '50' } });
    const started = Date.now();
    const error = await importConversations(client, dataset({ conversations: 4, messages: 2, tag: 'ra' }), {
      namespace: freshNamespace(), signal: controller.signal, maxRetryAfterMs: 120_000, ...fast,
    })
      .catch((e: unknown) => e)
      .finally(() => {
        setSpy.mockRestore();
        clearSpy.mockRestore();
      });
    expect(error).toBeInstanceOf(ImportAbortedError);
    expect((error as ImportAbortedError).report.retries).toBeGreaterThan(0);
    expect(armedWaits, 'the Retry-After wait was armed before the abort').toBeGreaterThan(0);
    expect(pendingWaits.size, 'every Retry-After wait timer was cleared').toBe(0);
    expect(Date.now() - started, 'returned at once, not after the 50 s wait').toBeLessThan(CALL_TIMEOUT_MS);
  });

  it('a stop right after a read-back found the whole chunk saved leaves nothing uncertain', async () => {
    const stop = new AbortController();
    // The first chunk is saved but answered 500; the read-back finds it all: stop before the second goes out.
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 500, after: true, times: 1 });
    const stopped = await importConversations(client, dataset({ conversations: 1, messages: 10, tag: 'after-readback' }), {
      namespace: freshNamespace(), signal: stop.signal, maxChunkMessages: 5, progressIntervalMs: 0, ...fast,
      onProgress: (e) => e.messages.imported >= 5 && stop.abort(),
    }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(ImportAbortedError);
    expect((stopped as ImportAbortedError).report).toMatchObject({ reconciliations: 1, messages: { imported: 5, uncertain: 0 } });
  });

  it('a stop between two chunks leaves nothing uncertain: the chunk before it was confirmed saved', async () => {
    const stop = new AbortController();
    const stopped = await importConversations(client, dataset({ conversations: 1, messages: 10, tag: 'between-chunks' }), {
      namespace: freshNamespace(), signal: stop.signal, maxChunkMessages: 5, progressIntervalMs: 0, ...fast,
      // The first chunk's save is confirmed: stop before the second goes out.
      onProgress: (e) => e.messages.imported >= 5 && stop.abort(),
    }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(ImportAbortedError);
    expect((stopped as ImportAbortedError).report.messages).toMatchObject({ imported: 5, uncertain: 0 });
  });

  it('the last progress event of a stopped run counts what the conversations it left in flight saved, as the report does', async () => {
    const stop = new AbortController();
    const events: ImportProgressEvent[] = [];
    const stopped = await importConversations(client, dataset({ conversations: 1, messages: 10, tag: 'stopped-progress' }), {
      namespace: freshNamespace(), signal: stop.signal, maxChunkMessages: 5, progressIntervalMs: 0, ...fast,
      onProgress: (e) => {
        events.push(e);
        if (e.messages.imported >= 5) stop.abort();
      },
    }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(ImportAbortedError);
    const { report } = stopped as ImportAbortedError;
    expect(report.messages).toMatchObject({ imported: 5, skipped: 0, failed: 0 });
    const last = events.at(-1)!;
    expect(last.final).toBe(true);
    // The event before it counted the 5 saved in the conversation then in flight: the last one does not drop them.
    expect(last.messages).toMatchObject({ done: 5, imported: 5, importedThisRun: 5 });
    expect(last.conversations).toMatchObject({ done: 0, inFlight: 0 });
  });

  it('a stop in a conversation that had found messages already there: progress never goes back, and the report counts them skipped', async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 1, messages: 20, tag: 'stopped-skipped' });
    // An earlier run saved the first 10: this one finds them there (skipped), then is stopped between two chunks.
    await importConversations(client, [{ ...source[0]!, messages: source[0]!.messages.slice(0, 10) }], { namespace, ...fast });
    const dir = mkdtempSync(join(tmpdir(), 'import-stopped-skipped-'));
    try {
      const checkpoint = fileCheckpoint(join(dir, 'ck.json'));
      const stop = new AbortController();
      const events: ImportProgressEvent[] = [];
      const stopped = await importConversations(client, source, {
        namespace, checkpoint, signal: stop.signal, maxChunkMessages: 5, progressIntervalMs: 0, ...fast,
        onProgress: (e) => {
          events.push(e);
          if (e.messages.imported >= 5) stop.abort();
        },
      }).catch((e: unknown) => e);
      expect(stopped).toBeInstanceOf(ImportAbortedError);
      const { report } = stopped as ImportAbortedError;
      expect(report.messages).toMatchObject({ imported: 5, skipped: 10, failed: 0 });
      for (let i = 1; i < events.length; i++) {
        expect(events[i]!.messages.done, `event ${i}`).toBeGreaterThanOrEqual(events[i - 1]!.messages.done);
        expect(events[i]!.messages.skipped, `event ${i}`).toBeGreaterThanOrEqual(events[i - 1]!.messages.skipped);
      }
      expect(events.at(-1)).toMatchObject({ final: true, messages: { done: 15, skipped: 10, imported: 5 } });
      // The checkpoint counts settled conversations only: the run that finishes this one counts all 15 skipped.
      expect((await checkpoint.load())!.totals).toMatchObject({ messagesImported: 0, messagesSkipped: 0 });
      const resumed = await importConversations(client, source, { namespace, checkpoint, ...fast });
      expect(resumed.messages).toMatchObject({ imported: 5, skipped: 15 });
      expect((await checkpoint.load())!.totals).toMatchObject({ messagesImported: 5, messagesSkipped: 15 });
      expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ missing: 0, duplicates: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('after a stop, messages.imported counts confirmed saves and messages.uncertain the calls the stop cut short: the truth is between the two', async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 1, messages: 6, tag: 'cut-short' });
    const stop = new AbortController();
    // The second chunk reaches the server and is saved, but the run is stopped before the answer arrives.
    let chunks = 0;
    const cutting: FetchLike = async (url, init) => {
      if (!(init.method === 'POST' && url.endsWith('/messages/multi') && ++chunks === 2)) return fetch(url, init);
      await (await fetch(url, { ...init, signal: new AbortController().signal })).text();
      stop.abort();
      throw init.signal.reason;
    };
    const cuttingClient = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, fetch: cutting });
    let stopped: ImportAbortedError;
    try {
      stopped = (await importConversations(cuttingClient, source, { namespace, signal: stop.signal, maxChunkMessages: 2, ...fast }).catch((e: unknown) => e)) as ImportAbortedError;
    } finally {
      await cuttingClient.close();
    }
    expect(stopped).toBeInstanceOf(ImportAbortedError);
    expect(stopped.report.messages).toEqual({ total: 6, imported: 2, skipped: 0, resumed: 0, failed: 0, uncertain: 2 });
    // What the server holds: 4 = imported + uncertain. Running it again finds them and sends the rest.
    const again = await importConversations(client, source, { namespace, maxChunkMessages: 2, ...fast });
    expect(again.messages).toEqual({ total: 6, imported: 2, skipped: 4, resumed: 0, failed: 0, uncertain: 0 });
    // A run that was not stopped mid-call: nothing uncertain, every count exact.
    const third = await importConversations(client, source, { namespace, ...fast });
    expect(third.messages).toEqual({ total: 6, imported: 0, skipped: 6, resumed: 0, failed: 0, uncertain: 0 });
  });

  /**
   * Two conversations with a `tokenProvider`: the create of conversation 1 gets a 401, so the client asks for a new
   * token, which the test holds back; conversation 0's create answer is handed over (`created`) once that refresh is
   * under way, so its messages call waits for the token and never goes out. `multi` lists the messages calls that reached the transport, `errors` what
   * the client's `onError` heard.
   */
  function tokenWait(tag: string) {
    let refreshAsked!: () => void;
    const refreshing = new Promise<void>((resolve) => (refreshAsked = resolve));
    let handedOver!: () => void;
    const created = new Promise<void>((resolve) => (handedOver = resolve));
    const held: Promise<string>[] = [];
    let tokens = 0;
    const multi: string[] = [];
    const errors: ErrorEvent[] = [];
    const fetchHeld: FetchLike = async (url, init) => {
      if (init.method === 'POST' && url.endsWith('/messages/multi')) multi.push(url);
      if (init.method === 'POST' && url.endsWith('/requests')) {
        if (init.body?.includes(`${tag} conversation 1`)) {
          return { status: 401, headers: new Headers({ 'content-type': 'text/plain' }), text: async () => 'Unauthorized' };
        }
        const res = await fetch(url, init);
        const body = await res.text();
        await refreshing;
        handedOver();
        return { status: res.status, headers: res.headers, text: async () => body };
      }
      return fetch(url, init);
    };
    const tokenClient = new TiledeskClient({
      baseUrl: server.url, projectId: server.project.id, fetch: fetchHeld, retryBudget: false,
      auth: {
        tokenProvider: () => {
          if (++tokens === 1) return server.owner.token;
          refreshAsked();
          const never = new Promise<string>(() => undefined);
          held.push(never);
          return never;
        },
      },
      hooks: { onError: (e) => errors.push(e) },
    });
    return { tokenClient, created, multi, errors };
  }
  const waitedForItsToken = (errors: ErrorEvent[], name: string) =>
    errors.filter((e) => e.method === 'POST' && e.url.endsWith('/messages/multi') && e.attempts === 0 && e.error.name === name);

  it('a call stopped while it waited for its token never went out: its messages are not uncertain, and running again sends them', async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 2, messages: 2, tag: 'token-stop' });
    const { tokenClient, created, multi, errors } = tokenWait('token-stop');
    const stop = new AbortController();
    let stopped: ImportAbortedError;
    try {
      const run = importConversations(tokenClient, source, { namespace, signal: stop.signal, concurrency: 2, ...fast }).catch((e: unknown) => e);
      await created;
      // From conversation 0's create answer to its messages call waiting for the token is all in this turn of the
      // event loop (no I/O): stop on the next one.
      await new Promise((resolve) => setImmediate(resolve));
      stop.abort();
      stopped = (await run) as ImportAbortedError;
    } finally {
      await tokenClient.close();
    }
    expect(stopped).toBeInstanceOf(ImportAbortedError);
    expect(waitedForItsToken(errors, 'AbortError'), 'conversation 0 had started its messages call').toHaveLength(1);
    expect(multi, 'no messages call reached the transport').toEqual([]);
    expect(stopped.report.messages).toEqual({ total: 4, imported: 0, skipped: 0, resumed: 0, failed: 0, uncertain: 0 });
    const again = await importConversations(client, source, { namespace, ...fast });
    expect(again.messages).toEqual({ total: 4, imported: 4, skipped: 0, resumed: 0, failed: 0, uncertain: 0 });
    expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ messages: 4, duplicates: 0, missing: 0 });
  });

  it('a call that timed out waiting for its token never went out: not read back, not uncertain', async () => {
    const source = dataset({ conversations: 2, messages: 2, tag: 'token-timeout' });
    const { tokenClient, multi, errors } = tokenWait('token-timeout');
    let report: Awaited<ReturnType<typeof importConversations>>;
    try {
      // One attempt per call: the messages call fails on its timeout, and a read-back (the token never comes) would too.
      report = await importConversations(tokenClient, source, { namespace: freshNamespace(), concurrency: 2, timeout: 500, maxAttempts: 1, ...fast });
    } finally {
      await tokenClient.close();
    }
    expect(waitedForItsToken(errors, 'TimeoutError'), 'conversation 0 had started its messages call').toHaveLength(1);
    expect(multi).toEqual([]);
    const first = report.failures.find((f) => f.position === 0);
    expect(first).toMatchObject({ code: 'timeout', messagesImported: 0, messagesMissing: 2 });
    expect(first).not.toHaveProperty('messagesUncertain');
    expect(report.messages).toMatchObject({ imported: 0, failed: 4, uncertain: 0 });
    expect(report.reconciliations, 'nothing to read back').toBe(0);
  });

  it("a failure after a last attempt with an unknown outcome counts what that attempt saved", async () => {
    // The only attempt saves 2 of the 3 messages, then answers 500: the server holds 2, and the failure says so.
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, partialSave: 2 });
    const report = await importConversations(client, dataset({ conversations: 1, messages: 3, tag: 'last-try' }), { namespace: freshNamespace(), maxAttempts: 1, ...fast });
    expect(report.failures).toEqual([expect.objectContaining({ status: 500, messagesImported: 2, messagesMissing: 1 })]);
    expect(report.failures[0]).not.toHaveProperty('messagesUncertain');
    expect(report.messages).toMatchObject({ imported: 2, failed: 1, uncertain: 0 });
  });

  it('when that conversation cannot be read back either, the messages of the last attempt are counted uncertain', async () => {
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, partialSave: 2 });
    server.faults.route({ method: 'GET', path: /\/messages$/, status: 503 });
    const report = await importConversations(client, dataset({ conversations: 1, messages: 3, tag: 'last-try-dark' }), { namespace: freshNamespace(), maxAttempts: 1, ...fast });
    expect(report.failures).toEqual([expect.objectContaining({ status: 500, messagesImported: 0, messagesMissing: 3, messagesUncertain: 3 })]);
    // The report says it too: imported is not exact (the server holds 2 of these 3).
    expect(report.messages).toMatchObject({ imported: 0, failed: 3, uncertain: 3 });
  });

  it('an attempt with an unknown outcome before the last, followed by a read-back that fails, counts its messages uncertain too', async () => {
    // Attempt 1 of 2 saves 2 of the 3 messages and answers 500; the read-back that should say which landed fails
    // (503 on every try): the server holds 2, so "3 missing" is only an upper bound and must say so.
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, partialSave: 2 });
    server.faults.route({ method: 'GET', path: /\/messages$/, status: 503 });
    const report = await importConversations(client, dataset({ conversations: 1, messages: 3, tag: 'mid-try-dark' }), { namespace: freshNamespace(), maxAttempts: 2, ...fast });
    expect(report.failures).toEqual([expect.objectContaining({ status: 503, messagesImported: 0, messagesMissing: 3, messagesUncertain: 3 })]);
    expect(report.messages).toMatchObject({ imported: 0, failed: 3, uncertain: 3 });
  });

  it('a shorter Retry-After received meanwhile does not cut short the pause a longer one asked for', async () => {
    // Both conversations' messages calls are in flight; the first is answered "429, wait 800 ms", and once the import
    // has taken that in, the second "429, wait 300 ms". No call may go out before the 800 ms are over.
    let arrived = 0;
    let bothIn!: () => void;
    const barrier = new Promise<void>((resolve) => (bothIn = resolve));
    let firstTakenIn!: () => void;
    const tookFirst = new Promise<void>((resolve) => (firstTakenIn = resolve));
    /** Until the first 429 is answered, 0: only calls made during its pause are early. */
    let notBefore = 0;
    const early: string[] = [];
    const pacing: FetchLike = async (url, init) => {
      if (Date.now() < notBefore) early.push(`${init.method} ${url}`);
      if (init.method === 'POST' && url.endsWith('/messages/multi') && arrived < 2) {
        const mine = ++arrived;
        if (mine === 2) bothIn();
        await barrier;
        if (mine === 2) await tookFirst;
        else notBefore = Date.now() + 800;
        const retryAfterMs = mine === 1 ? '800' : '300';
        return { status: 429, headers: new Headers({ 'content-type': 'application/json', 'retry-after-ms': retryAfterMs }), text: async () => '{}' };
      }
      return fetch(url, init);
    };
    const paced = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, fetch: pacing, retryBudget: false });
    try {
      const report = await importConversations(paced, dataset({ conversations: 2, messages: 2, tag: 'pause-kept' }), {
        namespace: freshNamespace(), concurrency: 2, progressIntervalMs: 0, ...fast,
        onProgress: (e) => e.retries >= 1 && firstTakenIn(),
      });
      expect(report).toMatchObject({ retries: 2, messages: { imported: 4 } });
    } finally {
      await paced.close();
    }
    expect(early).toEqual([]);
  });

  it('refused credentials on the read-back after a last attempt stop the import (reason auth), not just that conversation', async () => {
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 500 });
    server.faults.route({ method: 'GET', path: /\/messages$/, status: 401 });
    const error = await importConversations(client, dataset({ conversations: 1, messages: 2, tag: 'last-read-auth' }), { namespace: freshNamespace(), maxAttempts: 1, ...fast })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ImportFailedError', reason: 'auth' });
  });

  it('your abort wins over refused credentials that arrive with it: ImportAbortedError', async () => {
    const stop = new AbortController();
    // The abort comes as the 401 is heard, before the import has taken it in.
    const aborting = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, hooks: { onError: () => stop.abort() } });
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 401 });
    try {
      const error = await importConversations(aborting, dataset({ conversations: 1, messages: 2, tag: 'abort-wins' }), { namespace: freshNamespace(), signal: stop.signal, ...fast })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportAbortedError);
    } finally {
      await aborting.close();
    }
  });

  it('after a last attempt with an unknown outcome, the conversation is read once, not maxAttempts times, before it fails', async () => {
    // Every messages call answers 500 (nothing saved); the reads after attempts 1 and 2 work (two each: read, settle,
    // read again), then the server stops answering reads too.
    let reads = 0;
    const tiring: FetchLike = async (url, init) => {
      if (init.method === 'GET' && new URL(url).pathname.endsWith('/messages') && ++reads > 4) {
        return { status: 503, headers: new Headers({ 'content-type': 'application/json' }), text: async () => '{}' };
      }
      return fetch(url, init);
    };
    const tiringClient = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, fetch: tiring });
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 500 });
    try {
      const report = await importConversations(tiringClient, dataset({ conversations: 1, messages: 2, tag: 'one-last-read' }), { namespace: freshNamespace(), maxAttempts: 3, ...fast });
      expect(report.failures).toEqual([expect.objectContaining({ status: 500, messagesImported: 0, messagesMissing: 2, messagesUncertain: 2 })]);
    } finally {
      await tiringClient.close();
    }
    expect(reads).toBe(5);
  });

  it('a Retry-After of exactly maxRetryAfterMs is waited out', async () => {
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 429, headers: { 'Retry-After': '1' }, times: 1 });
    const report = await importConversations(client, dataset({ conversations: 1, messages: 2, tag: 'ra-edge' }), { namespace: freshNamespace(), maxRetryAfterMs: 1000, ...fast });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ retries: 1, messages: { imported: 2 } });
  });

  it('a Retry-After longer than maxRetryAfterMs fails the conversation instead of waiting', async () => {
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 429, headers: { 'Retry-After': '3600' } });
    const report = await importConversations(client, dataset({ conversations: 2, messages: 2, tag: 'long' }), { namespace: freshNamespace(), ...fast });
    expect(report.conversations.failed).toBe(2);
    expect(report.failures[0]).toMatchObject({ status: 429, code: 'rate_limited', messagesMissing: 2 });
  });

  it('an already aborted signal sends nothing', async () => {
    const error = await importConversations(client, dataset({ conversations: 3, messages: 3 }), { signal: AbortSignal.abort(), ...fast }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportAbortedError);
    expect(calls).toHaveLength(0);
  });

  for (const when of ['before the call', 'while the checkpoint loads'] as const) it(`an abort ${when} does not start reading the source: nothing of it is left running`, async () => {
    const stop = new AbortController();
    if (when === 'before the call') stop.abort();
    let pagesRequested = 0;
    let finishPage!: () => void;
    // A helpdesk's API, paged: its first page is still loading when the import settles.
    async function* helpdesk(): AsyncGenerator<ImportConversation> {
      pagesRequested++;
      await new Promise<void>((resolve) => (finishPage = resolve));
      yield* dataset({ conversations: 2, messages: 1, tag: 'abort-unread' });
    }
    const checkpoint = {
      load: () => {
        stop.abort();
        return undefined;
      },
      save: () => undefined,
    };
    const error = await importConversations(client, helpdesk(), {
      namespace: freshNamespace(), signal: stop.signal, ...(when === 'before the call' ? {} : { checkpoint }), ...fast,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportAbortedError);
    expect(pagesRequested).toBe(0);
    expect(calls).toEqual([]);
    finishPage?.();
  });

  it('an abort while the checkpoint is saved before the first conversation starts sends nothing', async () => {
    const stop = new AbortController();
    // The run saves before it starts a conversation (to record how far it may go): the abort comes during that save.
    const checkpoint = { load: () => undefined, save: () => stop.abort() };
    const error = await importConversations(client, dataset({ conversations: 3, messages: 2, tag: 'abort-in-save' }), {
      namespace: freshNamespace(), checkpoint, signal: stop.signal, ...fast,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportAbortedError);
    expect(calls).toEqual([]);
  });

  it('refused credentials stop the whole import at once (ImportFailedError, reason auth)', async () => {
    const bad = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: 'JWT not-a-token' } });
    const error = await importConversations(bad, dataset({ conversations: 50, messages: 2 }), { namespace: freshNamespace(), ...fast }).catch((e: unknown) => e);
    await bad.close();
    expect(error).toBeInstanceOf(ImportFailedError);
    expect((error as ImportFailedError).reason).toBe('auth');
    expect((error as ImportFailedError).report.conversations.total).toBeLessThan(50);
    expect(JSON.stringify((error as ImportFailedError).toJSON())).not.toContain('not-a-token');
  });

  it('an account that is not a member of the project stops the whole import at once (reason auth), like refused credentials', async () => {
    const stranger = { email: `stranger-${Date.now()}@example.com`, password: 'stranger-password' };
    server.seed({ users: [stranger] });
    const outsider = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: stranger, hooks: { onRequest: (e) => calls.push(e) } });
    calls = [];
    const error = await importConversations(outsider, dataset({ conversations: 40, messages: 2 }), { namespace: freshNamespace(), concurrency: 2, ...fast })
      .catch((e: unknown) => e);
    await outsider.close();
    expect(error).toBeInstanceOf(ImportFailedError);
    expect(error).toMatchObject({ reason: 'auth', cause: { status: 403, reason: 'not_member' } });
    // The sign-in, then one refused call per conversation in flight.
    expect(calls.filter((c) => !c.url.endsWith('/auth/signin')).length).toBeLessThanOrEqual(2);
  });

  it('refused credentials stop the conversations in flight after their current call, though the import was given no signal', async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 2, messages: 1, tag: 'auth-mid-run' });
    source[0]!.messages = dataset({ conversations: 1, messages: 12, tag: 'auth-mid-run-long' })[0]!.messages;
    const refusedId = requestIdOf(server.project.id, source[1]!, 1, namespace);
    // Conversation 1's messages call is refused at once; conversation 0 sends its 12 messages one call at a time, slowly.
    server.faults.route({ method: 'POST', path: `/${server.project.id}/requests/${refusedId}/messages/multi`, status: 401 });
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, latencyMs: 40 });
    const log: string[] = [];
    const watched = new TiledeskClient({
      baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token },
      hooks: { onRequest: (e) => log.push(e.url), onError: (e) => log.push(`refused ${(e.error as { status?: number }).status}`) },
    });
    try {
      const error = await importConversations(watched, source, { namespace, concurrency: 2, maxChunkMessages: 1, ...fast }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ImportFailedError', reason: 'auth' });
    } finally {
      await watched.close();
    }
    const refusedAt = log.indexOf('refused 401');
    expect(refusedAt).toBeGreaterThan(0);
    // At most the call conversation 0 had in flight when the 401 came back.
    expect(log.slice(refusedAt + 1).filter((u) => u.endsWith('/messages/multi')).length).toBeLessThanOrEqual(1);
  });

  it('refused credentials after the whole source was read: the checkpoint is not marked finished', async () => {
    // Both conversations are in flight when the source ends (a slot to spare); then the server refuses the token.
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, status: 401, latencyMs: 50 });
    let stored: ImportCheckpointState | undefined;
    const checkpoint = { load: () => stored, save: (s: ImportCheckpointState) => void (stored = structuredClone(s)) };
    const error = await importConversations(client, dataset({ conversations: 2, messages: 2, tag: 'late-auth' }), { namespace: freshNamespace(), concurrency: 4, checkpoint, ...fast })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ImportFailedError', reason: 'auth' });
    expect(stored).toMatchObject({ finished: false, watermark: 0 });
  });

  it('an abort while the source is still producing its next conversation returns without waiting for it', async () => {
    // An async generator cannot be closed while its next() is pending: the import must not wait on it.
    const [first] = dataset({ conversations: 1, messages: 1, tag: 'pending-next' });
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    async function* source() {
      yield first!;
      await blocked;
    }
    const controller = new AbortController();
    const outcome = await importConversations(client, source(), {
      namespace: freshNamespace(), signal: controller.signal, ...fast,
      onConversation: () => controller.abort(),
    }).catch((e: unknown) => e);
    release();
    expect(outcome).toBeInstanceOf(ImportAbortedError);
    expect((outcome as ImportAbortedError).report.conversations.created).toBe(1);
  });

  it('a project the server does not know stops the whole import at once (ImportFailedError, reason project)', async () => {
    for (const projectId of ['000000000000000000000000', 'not-an-object-id']) {
      calls = [];
      const error = await importConversations(client, dataset({ conversations: 40, messages: 2 }), { projectId, namespace: freshNamespace(), concurrency: 2, ...fast })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportFailedError);
      expect(error).toMatchObject({ reason: 'project', cause: { status: 400 } });
      // One failed call per conversation in flight, not one per conversation of the source.
      expect(calls.length).toBeLessThanOrEqual(2);
    }
  });

  it('a server that cannot be reached stops the import (reason unreachable), rather than failing every conversation', async () => {
    // Each conversation used to fail on its own, after all its attempts (40 conversations took 84 s with the default
    // retries), and was settled as failed in the checkpoint: running again with it retried none of them.
    const down = new TiledeskClient({ baseUrl: `http://127.0.0.1:${await refusedPort()}`, projectId: server.project.id, auth: { token: server.owner.token } });
    const source = dataset({ conversations: 40, messages: 2, tag: 'unreachable' });
    const namespace = freshNamespace();
    let stored: ImportCheckpointState | undefined;
    const checkpoint = { load: () => stored, save: (s: ImportCheckpointState) => void (stored = structuredClone(s)) };
    const error = await importConversations(down, source, { namespace, concurrency: 2, checkpoint, maxAttempts: 2, ...fast }).catch((e: unknown) => e);
    await down.close();
    expect(error).toBeInstanceOf(ImportFailedError);
    expect(error).toMatchObject({ reason: 'unreachable', cause: { causeCode: 'ECONNREFUSED' } });
    expect((error as ImportFailedError).report.conversations).toMatchObject({ failed: 0, created: 0 });
    expect(stored).toMatchObject({ finished: false, watermark: 0 });
    // Once the server is reachable, the same checkpoint imports every conversation.
    const report = await importConversations(client, source, { namespace, checkpoint, ...fast });
    expect(report.conversations).toMatchObject({ created: 40, failed: 0, resumed: 0 });
  });

  it('so does a TLS handshake that fails (an https:// URL for a plain-HTTP server)', async () => {
    const tls = new TiledeskClient({ baseUrl: server.url.replace('http:', 'https:'), projectId: server.project.id, auth: { token: server.owner.token } });
    const error = await importConversations(tls, dataset({ conversations: 20, messages: 1, tag: 'tls' }), { namespace: freshNamespace(), concurrency: 2, maxAttempts: 2, ...fast })
      .catch((e: unknown) => e);
    await tls.close();
    expect(error).toBeInstanceOf(ImportFailedError);
    expect(error).toMatchObject({ reason: 'unreachable', cause: { causeCode: 'ERR_SSL_WRONG_VERSION_NUMBER' }, report: { conversations: { failed: 0 } } });
  });

  it('options that would switch a safeguard off are refused before anything is sent', async () => {
    for (const [options, field] of [
      [{ timeout: -1 }, 'timeout'],
      [{ timeout: Number.NaN }, 'timeout'],
      [{ retryDelay: { baseDelayMs: 1000 } }, 'retryDelay.maxDelayMs'],
      [{ retryDelay: { baseDelayMs: -5, maxDelayMs: 10 } }, 'retryDelay.baseDelayMs'],
      [{ retryDelay: 100 }, 'retryDelay'],
    ] as const) {
      await expect(importConversations(client, dataset({ conversations: 1, messages: 1 }), options as never)).rejects.toMatchObject({ code: 'invalid_argument', field });
    }
    expect(calls).toHaveLength(0);
  });

  it('a source whose iterator cannot even be created fails with reason source and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    const source = { [Symbol.iterator]: () => { throw new Error('cannot open'); } } as unknown as ImportConversation[];
    const error = await importConversations(client, source, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFailedError);
    expect((error as ImportFailedError).reason).toBe('source');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it("a source's own cleanup (its finally) has run when a stopped import settles, asynchronous as it may be", async () => {
    let closed = false;
    async function* source() {
      try {
        yield* dataset({ conversations: 10, messages: 1, tag: 'source-cleanup' });
      } finally {
        // A cursor or a file closed asynchronously.
        await new Promise((resolve) => setTimeout(resolve, 20));
        closed = true;
      }
    }
    const error = await importConversations(client, source(), {
      namespace: freshNamespace(), concurrency: 1, ...fast,
      onConversation: () => {
        throw new Error('stop here');
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ImportFailedError', reason: 'callback' });
    expect(closed).toBe(true);
  });

  it('an error thrown by the source stops the import (reason source) after the conversations in flight settle', async () => {
    const namespace = freshNamespace();
    const good = dataset({ conversations: 3, messages: 2, tag: 'src' });
    function* source() {
      yield* good;
      throw new Error('disk on fire');
    }
    const error = await importConversations(client, source(), { namespace, ...fast }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFailedError);
    expect((error as ImportFailedError).reason).toBe('source');
    expect((error as ImportFailedError).report.messages.imported).toBe(6);
    expect(await verifyImported(client, server.project.id, good, { namespace })).toMatchObject({ missing: 0, duplicates: 0 });
  });

  it('a source whose next() breaks the iterator protocol (null) stops the import after the conversations in flight settle', async () => {
    const namespace = freshNamespace();
    const good = dataset({ conversations: 3, messages: 2, tag: 'protocol' });
    // Slow saves, so the three are still in flight when the fourth next() answers null.
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, latencyMs: 200 });
    let index = 0;
    const source = {
      [Symbol.asyncIterator]: () => ({
        next: async () => (index < good.length ? { done: false, value: good[index++] } : null),
      }),
    } as unknown as AsyncIterable<ImportConversation>;
    const error = await importConversations(client, source, { namespace, concurrency: 3, ...fast }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFailedError);
    expect((error as ImportFailedError).reason).toBe('source');
    // Settled before the import did: counted in its report, none still sending after it.
    expect((error as ImportFailedError).report.messages.imported).toBe(6);
    expect(await verifyImported(client, server.project.id, good, { namespace })).toMatchObject({ missing: 0, duplicates: 0 });
  });
});

describe('bounded memory', () => {
  it('pulls the source lazily: never more than `concurrency` conversations ahead of those settled', async () => {
    let pulled = 0;
    let settledCount = 0;
    let maxAhead = 0;
    const all = dataset({ conversations: 60, messages: 2, tag: 'lazy' });
    async function* source() {
      for (const c of all) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - settledCount);
        yield c;
      }
    }
    await importConversations(client, source(), { namespace: freshNamespace(), concurrency: 4, ...fast, onConversation: () => settledCount++ });
    expect(settledCount).toBe(60);
    // Not one read ahead either: the next conversation is pulled only once a slot is free for it.
    expect(maxAhead).toBeLessThanOrEqual(4);
  });

  it('checkpoint saves never overlap: a slow store is not given a state before the last one is saved', async () => {
    // Were they to overlap, an older state finishing last would be the one the store keeps.
    let pending = 0;
    let mostPending = 0;
    const states: ImportCheckpointState[] = [];
    const slowStore = {
      load: () => undefined,
      save: async (state: ImportCheckpointState) => {
        mostPending = Math.max(mostPending, ++pending);
        await new Promise((resolve) => setTimeout(resolve, 15));
        states.push(structuredClone(state));
        pending--;
      },
    };
    // A window of 2 makes the run save for its lease often, while saves after settled conversations are under way.
    const report = await importConversations(client, dataset({ conversations: 30, messages: 1, tag: 'slow-store' }), {
      namespace: freshNamespace(), concurrency: 2, maxWindow: 2, checkpointIntervalMs: 0, checkpoint: slowStore, ...fast,
    });
    expect(report.messages.imported).toBe(30);
    expect(mostPending).toBe(1);
    expect(states.at(-1)).toMatchObject({ finished: true, watermark: 30 });
  });

  it('a slow conversation holding the watermark: the source is not pulled past the window either', async () => {
    const namespace = freshNamespace();
    const all = dataset({ conversations: 12, messages: 1, tag: 'lazy-window' });
    const slowId = requestIdOf(server.project.id, all[0]!, 0, namespace);
    const settledPositions = new Set<number>();
    let othersSettled!: () => void;
    const othersDone = new Promise<void>((resolve) => (othersSettled = resolve));
    // Conversation 0's messages call is answered only once 1, 2 and 3 have settled: it holds the watermark at 0.
    const holding: FetchLike = async (url, init) => {
      if (init.method === 'POST' && url.endsWith(`/requests/${slowId}/messages/multi`)) await othersDone;
      return fetch(url, init);
    };
    const holdingClient = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, fetch: holding });
    let watermark = 0;
    let pulled = 0;
    let mostAhead = 0;
    async function* source() {
      for (const c of all) {
        mostAhead = Math.max(mostAhead, ++pulled - watermark);
        yield c;
      }
    }
    try {
      await importConversations(holdingClient, source(), {
        namespace, concurrency: 2, maxWindow: 4, ...fast,
        onConversation: (e) => {
          settledPositions.add(e.position);
          while (settledPositions.has(watermark)) watermark++;
          if ([1, 2, 3].every((p) => settledPositions.has(p))) othersSettled();
        },
      });
    } finally {
      await holdingClient.close();
    }
    expect(settledPositions.size).toBe(12);
    // 1 to 3 settle while 0 is held; 4 is not even read until 0 settles.
    expect(mostAhead).toBe(4);
  });

  it('the checkpoint stays within the window however long a slow conversation holds the watermark', async () => {
    const states: ImportCheckpointState[] = [];
    const source = dataset({ conversations: 80, messages: 1, tag: 'window' });
    const slowId = requestIdOf(server.project.id, source[0]!, 0, 'window-ns');
    server.faults.route({ method: 'POST', path: `/${server.project.id}/requests/${slowId}/messages/multi`, latencyMs: 400 });
    const report = await importConversations(client, source, {
      namespace: 'window-ns', concurrency: 4, maxWindow: 10, checkpointIntervalMs: 0, ...fast,
      checkpoint: { load: () => undefined, save: (s) => void states.push(structuredClone(s)) },
    });
    expect(report.messages.imported).toBe(80);
    expect(Math.max(...states.map((s) => s.settled.length))).toBeLessThanOrEqual(10);
    expect(states.at(-1)).toMatchObject({ watermark: 80, settled: [], finished: true, totals: { conversations: 80, messagesImported: 80 } });
  });

  it('resumes from a checkpoint with a long list of settled positions (a large maxWindow)', async () => {
    const settled = Array.from({ length: 200_000 }, (_, i) => i + 2);
    const namespace = freshNamespace();
    const checkpoint = {
      load: (): ImportCheckpointState => ({
        version: 1, projectId: server.project.id, namespace, watermark: 0, settled, finished: false,
        totals: { conversations: 200_000, conversationsFailed: 0, messagesImported: 0, messagesSkipped: 0, messagesFailed: 0 },
      }),
      save: () => undefined,
    };
    const report = await importConversations(client, dataset({ conversations: 3, messages: 1, tag: 'wide' }), { namespace, checkpoint, ...fast });
    expect(report.conversations).toMatchObject({ total: 3, created: 2, resumed: 1 });
  });

  for (const format of ['current', 'older (without inFlightBelow)'] as const) it(`resuming with a smaller window looks up, and lets settle, what the earlier run's larger window had in flight (${format} checkpoint)`, async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 13, messages: 3, tag: 'narrower', conversationIds: true });
    const X = 10;
    const xId = requestIdOf(server.project.id, source[X]!, X, namespace);
    // The earlier run (a window of 20) had started conversation 10 when it died: its first message saved, its
    // second still landing on the server (it lands just after the resumed run's first read of the conversation).
    await importConversations(client, [{ request: source[X]!.request, messages: source[X]!.messages.slice(0, 1) }], { namespace, ...fast });
    const landLate = () => importConversations(client, [{ request: source[X]!.request, messages: source[X]!.messages.slice(0, 2) }], { namespace, ...fast });
    let landed = false;
    const lateFetch: FetchLike = async (url, init) => {
      const response = await fetch(url, init);
      if (landed || init.method !== 'GET' || !url.includes(`/requests/${xId}/messages`)) return response;
      const body = await response.text();
      landed = true;
      await landLate();
      return new Response(body, { status: response.status, headers: response.headers });
    };
    // An older checkpoint does not say how far the earlier run went; a conversation it settled past 10 (12) does.
    let stored: ImportCheckpointState = {
      version: 1, projectId: server.project.id, namespace, watermark: 2, finished: false,
      ...(format === 'current' ? { settled: [], inFlightBelow: 22 } : { settled: [12] }),
      source: requestIdOf(server.project.id, source[0]!, 0, namespace),
      totals: { conversations: 2, conversationsFailed: 0, messagesImported: 6, messagesSkipped: 0, messagesFailed: 0 },
    };
    const checkpoint = { load: () => stored, save: (s: ImportCheckpointState) => void (stored = structuredClone(s)) };
    const resumedClient = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, fetch: lateFetch });
    try {
      // Concurrency 1 and a window of 4: conversation 10 is far past what this run alone would look up.
      const report = await importConversations(resumedClient, source, { namespace, checkpoint, concurrency: 1, maxWindow: 4, ...fast });
      expect(landed).toBe(true);
      expect(report.conversations).toMatchObject(format === 'current' ? { resumed: 2, created: 10, continued: 1, failed: 0 } : { resumed: 3, created: 9, continued: 1, failed: 0 });
    } finally {
      await resumedClient.close();
    }
    expect(await verifyImported(client, server.project.id, [source[X]!], { namespace })).toEqual({ conversations: 1, messages: 3, duplicates: 0, orderViolations: 0, missing: 0 });
  });

  for (const format of ['current', 'older (without inFlightBelow)'] as const) it(`a conversation an earlier run left in flight is looked up, not created again, and read until two reads agree (${format} checkpoint)`, async () => {
    const namespace = freshNamespace();
    const [conversation] = dataset({ conversations: 1, messages: 4, tag: 'landing', conversationIds: true });
    const id = requestIdOf(server.project.id, conversation!, 0, namespace);
    // The earlier run saved message 0; messages 1 and 2 are still landing: one just after each of the resumed run's
    // first two reads of the conversation.
    const upTo = (n: number) => importConversations(client, [{ request: conversation!.request, messages: conversation!.messages.slice(0, n) }], { namespace, ...fast });
    await upTo(1);
    let reads = 0;
    const landing: FetchLike = async (url, init) => {
      const response = await fetch(url, init);
      if (init.method !== 'GET' || !url.includes(`/requests/${id}/messages`) || ++reads > 2) return response;
      const body = await response.text();
      await upTo(reads + 1);
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const resumedCalls: RequestEvent[] = [];
    const resumedClient = new TiledeskClient({
      baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, fetch: landing, hooks: { onRequest: (e) => resumedCalls.push(e) },
    });
    const checkpoint = {
      load: (): ImportCheckpointState => ({
        version: 1, projectId: server.project.id, namespace, watermark: 0, settled: [], ...(format === 'current' ? { inFlightBelow: 1 } : {}), finished: false,
        totals: { conversations: 0, conversationsFailed: 0, messagesImported: 0, messagesSkipped: 0, messagesFailed: 0 },
      }),
      save: () => undefined,
    };
    try {
      const report = await importConversations(resumedClient, [conversation!], { namespace, checkpoint, ...fast });
      expect(reads).toBeGreaterThan(2);
      expect(report.conversations).toMatchObject({ continued: 1, failed: 0 });
      expect(report.messages).toMatchObject({ imported: 1, skipped: 3 });
    } finally {
      await resumedClient.close();
    }
    // Found by a lookup: a create with a request_id that exists fails on the server (500), after side effects.
    expect(resumedCalls.filter((c) => c.method === 'POST' && c.url.endsWith('/requests'))).toEqual([]);
    expect(await verifyImported(client, server.project.id, [conversation!], { namespace })).toEqual({ conversations: 1, messages: 4, duplicates: 0, orderViolations: 0, missing: 0 });
  });

  it("a resumed run with a smaller window that stops again keeps the earlier run's in-flight range in the checkpoint", async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 24, messages: 1, tag: 'keep-range' });
    // The earlier run may have left anything below 22 in flight; this one (a window of 4) stops after one conversation.
    let stored: ImportCheckpointState = {
      version: 1, projectId: server.project.id, namespace, watermark: 2, settled: [], inFlightBelow: 22, finished: false,
      source: requestIdOf(server.project.id, source[0]!, 0, namespace),
      totals: { conversations: 2, conversationsFailed: 0, messagesImported: 2, messagesSkipped: 0, messagesFailed: 0 },
    };
    const checkpoint = { load: () => stored, save: (s: ImportCheckpointState) => void (stored = structuredClone(s)) };
    const stop = new AbortController();
    const error = await importConversations(client, source, {
      namespace, checkpoint, concurrency: 1, maxWindow: 4, signal: stop.signal, ...fast, onConversation: () => stop.abort(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportAbortedError);
    expect(stored.watermark).toBe(3);
    // The next run must still look up (not create) what the earlier run may have left in flight, up to 21.
    expect(stored.inFlightBelow).toBeGreaterThanOrEqual(22);
  });

  it('a conversation a resumed run looks up and does not find is created at once: a 404 is an answer, not retried', async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 3, messages: 1, tag: 'not-found' });
    // The earlier run may have started any of the three (it got no further): each is looked up first.
    const checkpoint = {
      load: (): ImportCheckpointState => ({
        version: 1, projectId: server.project.id, namespace, watermark: 0, settled: [], inFlightBelow: 3, finished: false,
        totals: { conversations: 0, conversationsFailed: 0, messagesImported: 0, messagesSkipped: 0, messagesFailed: 0 },
      }),
      save: () => undefined,
    };
    calls = [];
    const report = await importConversations(client, source, { namespace, checkpoint, ...fast });
    expect(report).toMatchObject({ retries: 0, conversations: { created: 3 } });
    expect(calls.filter((c) => c.method === 'GET' && /\/requests\/[^/]+$/.test(new URL(c.url).pathname))).toHaveLength(3);
  });

  it('a checkpoint, whenever the run dies, covers every conversation started since it was saved', async () => {
    // The watermark moves on between two saves; conversations started then must be looked up on resume too.
    const namespace = freshNamespace();
    const source = dataset({ conversations: 60, messages: 1, tag: 'lease', conversationIds: true });
    const positionOf = new Map(source.map((c, p) => [requestIdOf(server.project.id, c, p, namespace), p]));
    let onDisk: ImportCheckpointState | undefined;
    let saves = 0;
    const uncovered: { position: number; inFlightBelow: number | undefined }[] = [];
    const watching: FetchLike = (url, init) => {
      if (init.method === 'POST' && url.endsWith('/requests') && init.body) {
        const position = positionOf.get((JSON.parse(init.body) as { request_id: string }).request_id)!;
        if (!(position < (onDisk?.inFlightBelow ?? 0))) uncovered.push({ position, inFlightBelow: onDisk?.inFlightBelow });
      }
      return fetch(url, init);
    };
    const watched = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, fetch: watching });
    try {
      const report = await importConversations(watched, source, {
        namespace, concurrency: 2, maxWindow: 4, checkpointIntervalMs: 3_600_000, ...fast,
        checkpoint: { load: () => undefined, save: (s) => void ((onDisk = structuredClone(s)), saves++) },
      });
      expect(report.conversations.created).toBe(60);
    } finally {
      await watched.close();
    }
    expect(uncovered).toEqual([]);
    // Not a save per conversation: one each time the watermark has moved about a window.
    expect(saves).toBeLessThanOrEqual(16);
    expect(onDisk).toMatchObject({ finished: true, watermark: 60 });
  });

  it('an older checkpoint (without inFlightBelow) gets one saved before the resumed run starts a conversation', async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 6, messages: 1, tag: 'old-ck', conversationIds: true });
    let onDisk: ImportCheckpointState = {
      version: 1, projectId: server.project.id, namespace, watermark: 0, settled: [], finished: false,
      totals: { conversations: 0, conversationsFailed: 0, messagesImported: 0, messagesSkipped: 0, messagesFailed: 0 },
    };
    const uncovered: number[] = [];
    const positionOf = new Map(source.map((c, p) => [requestIdOf(server.project.id, c, p, namespace), p]));
    const watching: FetchLike = (url, init) => {
      if (init.method === 'POST' && url.endsWith('/requests') && init.body) {
        const position = positionOf.get((JSON.parse(init.body) as { request_id: string }).request_id)!;
        if (!(position < (onDisk.inFlightBelow ?? 0))) uncovered.push(position);
      }
      return fetch(url, init);
    };
    const watched = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, fetch: watching });
    try {
      const report = await importConversations(watched, source, {
        namespace, concurrency: 2, maxWindow: 4, checkpointIntervalMs: 3_600_000, ...fast,
        checkpoint: { load: () => structuredClone(onDisk), save: (s) => void (onDisk = structuredClone(s)) },
      });
      expect(report.conversations.failed).toBe(0);
    } finally {
      await watched.close();
    }
    expect(uncovered).toEqual([]);
  });

  it("the checkpoint's totals count only what settled conversations saved: a stopped conversation's messages once, when it settles", async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 1, messages: 6, tag: 'totals' });
    let stored: ImportCheckpointState | undefined;
    const checkpoint = { load: () => stored, save: (s: ImportCheckpointState) => void (stored = structuredClone(s)) };
    const stop = new AbortController();
    // Stopped after the first chunk of the conversation was saved, while its second was being sent.
    let chunks = 0;
    const stopping: FetchLike = (url, init) => {
      if (init.method === 'POST' && url.endsWith('/messages/multi') && ++chunks === 2) stop.abort();
      return fetch(url, init);
    };
    const stoppingClient = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, fetch: stopping });
    try {
      const error = await importConversations(stoppingClient, source, { namespace, checkpoint, signal: stop.signal, maxChunkMessages: 2, ...fast }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportAbortedError);
      expect((error as ImportAbortedError).report.messages.imported).toBe(2);
    } finally {
      await stoppingClient.close();
    }
    expect(stored).toMatchObject({ watermark: 0, totals: { conversations: 0, messagesImported: 0 } });
    const report = await importConversations(client, source, { namespace, checkpoint, maxChunkMessages: 2, ...fast });
    expect(report.messages).toMatchObject({ imported: 4, skipped: 2 });
    expect(stored).toMatchObject({ finished: true, totals: { conversations: 1, messagesImported: 4, messagesSkipped: 2 } });
  });

  it('refuses a checkpoint written by another import', async () => {
    const checkpoint = {
      load: (): ImportCheckpointState => ({
        version: 1, projectId: server.project.id, namespace: 'other', watermark: 3, settled: [], finished: false,
        totals: { conversations: 3, conversationsFailed: 0, messagesImported: 3, messagesSkipped: 0, messagesFailed: 0 },
      }),
      save: () => undefined,
    };
    await expect(importConversations(client, [], { namespace: 'mine', checkpoint })).rejects.toBeInstanceOf(ImportCheckpointError);
    await expect(importConversations(client, [], { checkpoint: { load: () => ({ version: 2 }) as never, save: () => undefined } }))
      .rejects.toMatchObject({ code: 'checkpoint_invalid' });
    // Positions below the watermark cannot be "settled above" it, nor can the in-flight range end below it: a checkpoint
    // saying so was not written by this SDK, and read as is would skip or redo conversations.
    const valid: ImportCheckpointState = {
      version: 1, projectId: server.project.id, namespace: 'import', watermark: 5, settled: [7], inFlightBelow: 20, finished: false,
      totals: { conversations: 6, conversationsFailed: 0, messagesImported: 6, messagesSkipped: 0, messagesFailed: 0 },
    };
    for (const broken of [{ ...valid, settled: [3, 7] }, { ...valid, inFlightBelow: 2 }]) {
      await expect(importConversations(client, [], { checkpoint: { load: () => broken, save: () => undefined } })).rejects.toMatchObject({ code: 'checkpoint_invalid' });
    }
  });

  it('a refused checkpoint says what to do in the error itself (remedy, also the end of message), naming it when it has a name', async () => {
    const another: ImportCheckpointState = {
      version: 1, projectId: server.project.id, namespace: 'other', watermark: 1, settled: [], finished: false, source: 'someone-else',
      totals: { conversations: 1, conversationsFailed: 0, messagesImported: 1, messagesSkipped: 0, messagesFailed: 0 },
    };
    const refused = async (state: unknown, namespace: string, name?: string, source: ImportConversation[] = []) => {
      const checkpoint = { load: () => state as ImportCheckpointState, save: () => undefined, ...(name === undefined ? {} : { name }) };
      const error = await importConversations(client, source, { namespace, checkpoint, ...fast }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportCheckpointError);
      const { code, remedy, message } = error as ImportCheckpointError;
      expect(message.endsWith(`. ${remedy}`)).toBe(true);
      expect(message).not.toContain(server.owner.token);
      return { code, remedy };
    };
    expect(await refused({ version: 2 }, 'mine')).toEqual({
      code: 'checkpoint_invalid', remedy: expect.stringMatching(/^Delete the checkpoint to start over, or use another checkpoint: nothing is imported twice/),
    });
    expect(await refused({ version: 2 }, 'mine', 'the row import:42')).toMatchObject({ remedy: expect.stringMatching(/^Delete the row import:42 to start over/) });
    expect(await refused(another, 'mine', '/data/import.ckpt.json')).toEqual({
      code: 'checkpoint_mismatch', remedy: expect.stringMatching(/^Use another checkpoint for this import, or delete \/data\/import\.ckpt\.json to start over/),
    });
    // Another source: resume with the right one, or start over, knowing which conversations that would import again.
    const source = dataset({ conversations: 2, messages: 1, tag: 'remedy', conversationIds: true });
    const other = await refused({ ...another, namespace: 'mine' }, 'mine', 'ck.json', source);
    expect(other.code).toBe('checkpoint_mismatch');
    expect(other.remedy).toMatch(/^Resume with the source ck\.json was written for\. To import this one instead, use another checkpoint or delete ck\.json/);
    expect(other.remedy).toContain('those that moved would be imported again');
    expect(calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('refuses a checkpoint written for another source, before sending anything, and leaves it as it was', async () => {
    // The same checkpoint file given to next week's export: its positions are other conversations.
    let stored: ImportCheckpointState | undefined;
    const checkpoint = { load: () => stored, save: (s: ImportCheckpointState) => void (stored = structuredClone(s)) };
    const namespace = freshNamespace();
    const first = dataset({ conversations: 4, messages: 2, tag: 'src-a', conversationIds: true });
    await importConversations(client, first, { namespace, checkpoint, ...fast });
    const saved = structuredClone(stored);
    calls = [];
    const second = dataset({ conversations: 6, messages: 2, tag: 'src-b', conversationIds: true });
    await expect(importConversations(client, second, { namespace, checkpoint, ...fast })).rejects.toMatchObject({ code: 'checkpoint_mismatch' });
    expect(calls).toEqual([]);
    expect(stored).toEqual(saved);
    // The same source (grown by a conversation) resumes from it.
    const grown = [...first, ...dataset({ conversations: 1, messages: 2, tag: 'src-a2', conversationIds: true })];
    const report = await importConversations(client, grown, { namespace, checkpoint, ...fast });
    expect(report.conversations).toMatchObject({ total: 5, resumed: 4, created: 1 });
    // A checkpoint saved before its first conversation was seen (or by an earlier version) has no source to check.
    const { source: _source, ...unmarked } = saved!;
    stored = structuredClone(unmarked) as ImportCheckpointState;
    const resumed = await importConversations(client, grown, { namespace, checkpoint, ...fast });
    expect(resumed.conversations).toMatchObject({ resumed: 4, alreadyComplete: 1 });
  });

  it('refuses a new export of the same source with a conversation removed (or added) before the watermark, instead of skipping another one as done', async () => {
    let stored: ImportCheckpointState | undefined;
    const checkpoint = { load: () => stored, save: (s: ImportCheckpointState) => void (stored = structuredClone(s)) };
    const namespace = freshNamespace();
    const source = dataset({ conversations: 10, messages: 2, tag: 'reexport', conversationIds: true });
    const stop = new AbortController();
    await importConversations(client, source, {
      namespace, checkpoint, signal: stop.signal, concurrency: 1, checkpointIntervalMs: 0, ...fast,
      onConversation: (c) => c.position === 4 && stop.abort(),
    }).catch((e: unknown) => expect(e).toBeInstanceOf(ImportAbortedError));
    expect(stored).toMatchObject({ watermark: 5 });
    const saved = structuredClone(stored);
    calls = [];
    // Exported again after conversation 1 was deleted: conversation 5 now sits at position 4, below the watermark.
    const reexported = source.filter((_, i) => i !== 1);
    await expect(importConversations(client, reexported, { namespace, checkpoint, ...fast })).rejects.toMatchObject({ code: 'checkpoint_mismatch' });
    expect(calls).toEqual([]);
    expect(stored).toEqual(saved);
    await expect(importConversations(client, [...source.slice(0, 3), ...dataset({ conversations: 1, messages: 1, tag: 'inserted', conversationIds: true }), ...source.slice(3)], {
      namespace, checkpoint, ...fast,
    })).rejects.toMatchObject({ code: 'checkpoint_mismatch' });
    // The unchanged source resumes, and imports every conversation.
    const report = await importConversations(client, source, { namespace, checkpoint, ...fast });
    expect(report.conversations).toMatchObject({ total: 10, resumed: 5, failed: 0 });
    expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ conversations: 10, missing: 0, duplicates: 0 });
  });

  /**
   * A run stopped while conversation 2 was still in flight and conversation 3, run beside it, had settled: the
   * checkpoint says watermark 2, settled [3]. Returns that checkpoint's store.
   */
  async function stoppedOutOfOrder(source: ImportConversation[], namespace: string) {
    let stored: ImportCheckpointState | undefined;
    const checkpoint = { load: () => stored, save: (s: ImportCheckpointState) => void (stored = structuredClone(s)) };
    const held = requestIdOf(server.project.id, source[2]!, 2, namespace);
    // Conversation 2's create never answers (until the stop): conversation 3 settles before it.
    const holding: FetchLike = (url, init) =>
      init.method === 'POST' && url.endsWith('/requests') && init.body?.includes(held)
        ? new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true }))
        : fetch(url, init);
    const holdingClient = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, fetch: holding });
    const stop = new AbortController();
    try {
      await expect(importConversations(holdingClient, source, {
        namespace, checkpoint, signal: stop.signal, concurrency: 2, checkpointIntervalMs: 0, ...fast,
        onConversation: (c) => c.position === 3 && stop.abort(),
      })).rejects.toBeInstanceOf(ImportAbortedError);
    } finally {
      await holdingClient.close();
    }
    expect(stored).toMatchObject({ watermark: 2, settled: [3] });
    return { checkpoint, get stored() { return stored; } };
  }

  it('refuses a source with a conversation added or removed between the watermark and a position settled out of order, instead of skipping one as done', async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 8, messages: 2, tag: 'gap', conversationIds: true });
    const run = await stoppedOutOfOrder(source, namespace);
    const saved = structuredClone(run.stored);
    const inserted = dataset({ conversations: 1, messages: 2, tag: 'gap-new', conversationIds: true })[0]!;
    // Added at position 2: conversation 2 (never finished) moves to position 3, which the checkpoint counts as done.
    // Removed at position 2: conversation 4 (never started) moves to position 3.
    for (const changed of [[...source.slice(0, 2), inserted, ...source.slice(2)], source.filter((_, i) => i !== 2)]) {
      calls = [];
      const error = await importConversations(client, changed, { namespace, checkpoint: run.checkpoint, ...fast }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportCheckpointError);
      expect(error).toMatchObject({ code: 'checkpoint_mismatch', position: 3 });
      expect((error as Error).message).toContain('position 3');
      expect((error as Error).message).toContain(requestIdOf(server.project.id, source[3]!, 3, namespace));
      expect((error as Error).message).toContain(requestIdOf(server.project.id, changed[3]!, 3, namespace));
      // Refused before anything was sent, and the checkpoint is left as it was.
      expect(calls).toEqual([]);
      expect(run.stored).toEqual(saved);
    }
    // Shorter than the position the checkpoint counts as done: refused too.
    await expect(importConversations(client, source.slice(0, 3), { namespace, checkpoint: run.checkpoint, ...fast }))
      .rejects.toMatchObject({ code: 'checkpoint_mismatch', position: 3 });
    expect(calls).toEqual([]);
    // The unchanged source resumes and imports every conversation once.
    const report = await importConversations(client, source, { namespace, checkpoint: run.checkpoint, ...fast });
    expect(report.conversations).toMatchObject({ total: 8, resumed: 3, failed: 0 });
    expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ conversations: 8, missing: 0, duplicates: 0 });
  });

  it('a resumed run stopped before it has read every conversation the checkpoint counts as done reports them done, as its last progress event does', async () => {
    const namespace = freshNamespace();
    const source = dataset({ conversations: 8, messages: 2, tag: 'early-stop', conversationIds: true });
    const run = await stoppedOutOfOrder(source, namespace);
    // Watermark 2 and position 3 settled out of order: 3 conversations (6 messages) done. Stopped as the source gives
    // its k-th conversation: before any (within milliseconds of the start), below the watermark, at the held position 2.
    for (const read of [0, 1, 2, 3]) {
      const stop = new AbortController();
      async function* stopping() {
        for (const [i, conversation] of source.entries()) {
          if (i === read) stop.abort();
          yield conversation;
        }
      }
      const events: ImportProgressEvent[] = [];
      const stopped = await importConversations(client, stopping(), {
        namespace, checkpoint: run.checkpoint, signal: stop.signal, progressIntervalMs: 0, ...fast, onProgress: (e) => events.push(e),
      }).catch((e: unknown) => e);
      expect(stopped, `stopped after reading ${read}`).toBeInstanceOf(ImportAbortedError);
      const { conversations: c, messages: m } = (stopped as ImportAbortedError).report;
      const last = events.at(-1)!;
      expect(last.final).toBe(true);
      expect(last.conversations.done, `stopped after reading ${read}`).toBe(3);
      expect(c, `stopped after reading ${read}`).toMatchObject({ resumed: 3, created: 0, continued: 0, alreadyComplete: 0, failed: 0 });
      // Read but not settled (position 2, held until position 3 is checked) counts in total only.
      expect(c.total).toBe(read === 3 ? 4 : 3);
      expect(last.messages.done).toBe(6);
      expect(m).toMatchObject({ resumed: 6, imported: 0, skipped: 0, failed: 0, total: read === 3 ? 8 : 6 });
    }
    // Resumed to the end: the same counts, read this time.
    const report = await importConversations(client, source, { namespace, checkpoint: run.checkpoint, ...fast });
    expect(report.conversations).toMatchObject({ total: 8, resumed: 3, failed: 0 });
    expect(report.messages).toMatchObject({ total: 16, resumed: 6 });
    expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ conversations: 8, missing: 0, duplicates: 0 });
  });

  it('conversations without ids: a change between the watermark and a settled position is refused as well', async () => {
    // Their request_id comes from their position: the one moved to position 3 has another, and is still caught.
    const namespace = freshNamespace();
    const source = dataset({ conversations: 6, messages: 2, tag: 'gap-noid' });
    const run = await stoppedOutOfOrder(source, namespace);
    const changed = source.filter((_, i) => i !== 2);
    calls = [];
    await expect(importConversations(client, changed, { namespace, checkpoint: run.checkpoint, ...fast }))
      .rejects.toMatchObject({ code: 'checkpoint_mismatch', position: 3 });
    expect(calls).toEqual([]);
    const report = await importConversations(client, source, { namespace, checkpoint: run.checkpoint, ...fast });
    expect(report.conversations).toMatchObject({ total: 6, resumed: 3, failed: 0 });
    expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ conversations: 6, missing: 0, duplicates: 0 });
  });

  it('a checkpoint whose first conversation was invalid still records the source, and refuses another one', async () => {
    let stored: ImportCheckpointState | undefined;
    const checkpoint = { load: () => stored, save: (s: ImportCheckpointState) => void (stored = structuredClone(s)) };
    const namespace = freshNamespace();
    const bad = { request: { id: 'bad-first' }, messages: 'not a list' } as unknown as ImportConversation;
    const first = [bad, ...dataset({ conversations: 3, messages: 2, tag: 'inv-a', conversationIds: true })];
    const report = await importConversations(client, first, { namespace, checkpoint, ...fast });
    expect(report.conversations).toMatchObject({ failed: 1, created: 3 });
    expect(stored?.source).toEqual(expect.any(String));
    expect(stored?.belowWatermark).toEqual(expect.any(String));
    calls = [];
    // Another export, whose first conversation is invalid in another way: not this checkpoint's source.
    const other = [{ request: { id: 'bad-other' }, messages: 7 } as unknown as ImportConversation, ...dataset({ conversations: 5, messages: 2, tag: 'inv-b', conversationIds: true })];
    await expect(importConversations(client, other, { namespace, checkpoint, ...fast })).rejects.toMatchObject({ code: 'checkpoint_mismatch', position: 0 });
    expect(calls).toEqual([]);
    // The same source, grown, resumes.
    const grown = [...first, ...dataset({ conversations: 1, messages: 2, tag: 'inv-a2', conversationIds: true })];
    const again = await importConversations(client, grown, { namespace, checkpoint, ...fast });
    expect(again.conversations).toMatchObject({ total: 5, resumed: 4, created: 1 });
  });
});

describe('one run per checkpoint', () => {
  it('a second import on a file checkpoint in use is refused before it sends anything; the first imports every message once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiledesk-lock-'));
    try {
      const path = join(dir, 'ck.json');
      const source = dataset({ conversations: 8, messages: { min: 4, max: 12 }, tag: 'lock' });
      const namespace = freshNamespace();
      const secondCalls: RequestEvent[] = [];
      const secondClient = new TiledeskClient({
        baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, hooks: { onRequest: (e) => secondCalls.push(e) },
      });
      let second: Promise<unknown> | undefined;
      const report = await importConversations(client, source, {
        namespace, checkpoint: fileCheckpoint(path), concurrency: 2, ...fast,
        // Started while the first run is under way (a cron job that overlaps it): both would send what neither had recorded.
        onProgress: () => {
          second ??= importConversations(secondClient, source, { namespace, checkpoint: fileCheckpoint(path), ...fast }).catch((e: unknown) => e);
        },
      });
      expect(await second).toMatchObject({ name: 'ImportCheckpointError', code: 'checkpoint_locked' });
      expect(secondCalls).toEqual([]);
      expect(report.conversations.failed).toBe(0);
      expect(await verifyImported(client, server.project.id, source, { namespace })).toMatchObject({ duplicates: 0, missing: 0 });

      // Given back when the run ended: the next run resumes from it.
      expect(existsSync(`${path}.lock`)).toBe(false);
      const again = await importConversations(secondClient, source, { namespace, checkpoint: fileCheckpoint(path), ...fast });
      expect(again.conversations.resumed).toBe(8);
      await secondClient.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
