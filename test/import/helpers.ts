/**
 * Shared by the importer tests: deterministic datasets, and the check every test relies on — read each conversation
 * back from the server and compare it with the source, message by message (present exactly once, in order).
 */
import { expect } from 'vitest';
import type { ImportConversation, ImportSourceMessage, Message, TiledeskClient } from '../../src/index.js';
import { derivedMessageKey, derivedRequestId } from '../../src/import/keys.js';

export const T0 = Date.parse('2024-05-01T10:00:00Z');

/** A small pseudo-random generator, so datasets are the same on every run. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DatasetOptions {
  conversations: number;
  /** Messages per conversation: fixed, or between min and max. */
  messages: number | { min: number; max: number };
  seed?: number;
  /** Give every other message a source `id` (the rest get derived keys). */
  someIds?: boolean;
  /** Give conversations a `request.id`. */
  conversationIds?: boolean;
  /** Prefix making texts unique per test. */
  tag?: string;
}

/**
 * Conversations alternating a visitor and a bot, with timestamps as Date, number and ISO string, and some equal
 * timestamps (ties broken by position).
 */
export function dataset(options: DatasetOptions): ImportConversation[] {
  const random = prng(options.seed ?? 1);
  const tag = options.tag ?? 't';
  const out: ImportConversation[] = [];
  for (let c = 0; c < options.conversations; c++) {
    const count = typeof options.messages === 'number'
      ? options.messages
      : options.messages.min + Math.floor(random() * (options.messages.max - options.messages.min + 1));
    const messages: ImportSourceMessage[] = [];
    let time = T0 + c * 3_600_000;
    for (let m = 0; m < count; m++) {
      // Every fourth message shares its predecessor's millisecond.
      if (m % 4 !== 3) time += 1000 + Math.floor(random() * 5000);
      const shape = m % 3;
      const message: ImportSourceMessage = {
        sender: m % 2 === 0 ? `visitor-${c}` : 'chatbot1',
        senderFullname: m % 2 === 0 ? `Visitor ${c}` : 'Bot',
        text: `${tag} c${c} m${m} ${'x'.repeat(Math.floor(random() * 40))}`,
        timestamp: shape === 0 ? new Date(time) : shape === 1 ? time : new Date(time).toISOString(),
      };
      if (options.someIds && m % 2 === 0) message.id = `${tag}-c${c}-m${m}`;
      messages.push(message);
    }
    const request: ImportConversation['request'] = { first_text: `${tag} conversation ${c}` };
    if (options.conversationIds) request!.id = `${tag}-conv-${c}`;
    out.push({ request, messages });
  }
  return out;
}

function timeOf(m: ImportSourceMessage): number | undefined {
  const t = m.timestamp ?? m.attributes?.clienttimestamp;
  if (t === undefined) return undefined;
  return t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
}

/** The `request_id` the importer gives a source conversation (the same rule as `src/import/prepare.ts`). */
export function requestIdOf(projectId: string, conversation: ImportConversation, position: number, namespace = 'import'): string {
  if (conversation.request?.request_id) return conversation.request.request_id;
  const first = conversation.messages[0];
  const id = conversation.request?.id;
  return derivedRequestId(projectId, namespace, position, id === undefined ? undefined : String(id), first ? [first.sender ?? null, first.text ?? null, timeOf(first) ?? null] : null);
}

export function keyOf(requestId: string, message: ImportSourceMessage, index: number): string {
  const own = message.attributes?.import_key;
  if (own !== undefined) return String(own);
  return message.id !== undefined ? String(message.id) : derivedMessageKey(requestId, index);
}

export interface VerifyResult {
  conversations: number;
  messages: number;
  duplicates: number;
  orderViolations: number;
  missing: number;
}

/**
 * Reads every conversation back and compares it with the source: each message present exactly once (by import
 * key), in source order when read by `clienttimestamp`, with its text, sender and original time. `serverOrder`
 * also requires the server's own order (createdAt) to be the source order.
 */
export async function verifyImported(
  client: TiledeskClient,
  projectId: string,
  source: readonly ImportConversation[],
  options: { namespace?: string; serverOrder?: boolean; concurrency?: number } = {},
): Promise<VerifyResult> {
  const result: VerifyResult = { conversations: 0, messages: 0, duplicates: 0, orderViolations: 0, missing: 0 };
  const positions = source.map((_, i) => i);
  const workers = Array.from({ length: options.concurrency ?? 8 }, async () => {
    for (let p = positions.shift(); p !== undefined; p = positions.shift()) {
      const conversation = source[p]!;
      const requestId = requestIdOf(projectId, conversation, p, options.namespace);
      const expected = conversation.messages.map((m, i) => keyOf(requestId, m, i));
      const ordered = await client.messages.list(requestId, { order: 'clienttimestamp' });
      const imported = ordered.filter((m) => typeof (m.attributes as Record<string, unknown> | undefined)?.import_key === 'string');
      const keys = imported.map((m) => (m.attributes as Record<string, string>).import_key!);
      const counts = new Map<string, number>();
      for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
      for (const k of expected) {
        const n = counts.get(k) ?? 0;
        if (n === 0) result.missing++;
        if (n > 1) result.duplicates += n - 1;
      }
      const unique = keys.filter((k, i) => keys.indexOf(k) === i);
      if (unique.join('\n') !== expected.join('\n')) result.orderViolations++;
      if (options.serverOrder) {
        const serverKeys = (await client.messages.list(requestId))
          .map((m: Message) => (m.attributes as Record<string, unknown> | undefined)?.import_key)
          .filter((k): k is string => typeof k === 'string');
        if (serverKeys.join('\n') !== expected.join('\n')) result.orderViolations++;
      }
      // Content, message by message.
      imported.forEach((m, i) => {
        const src = conversation.messages[(m.attributes as { import_index: number }).import_index]!;
        expect(m.text, `conversation ${p} message ${i}`).toBe(src.text);
        if (src.sender !== undefined) expect(m.sender).toBe(src.sender);
        if (src.senderFullname !== undefined) expect(m.senderFullname).toBe(src.senderFullname);
        expect((m.attributes as { clienttimestamp?: number }).clienttimestamp).toBe(timeOf(src));
      });
      result.conversations++;
      result.messages += imported.length;
    }
  });
  await Promise.all(workers);
  return result;
}
