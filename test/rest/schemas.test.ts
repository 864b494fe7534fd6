/**
 * The response schemas against every real capture in test/fixtures/real-server (copied from shared/corpus): REST
 * responses and the request and message documents inside the WebSocket frames. Lenient enough for all of them,
 * unknown fields passed through, and still strict on what a user relies on.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MessageStatus, RequestStatus } from '../../src/index.js';
import {
  AuthResultSchema,
  MessageSchema,
  MessageWithRequestSchema,
  MessagesSchema,
  ProjectSchema,
  RequestPageSchema,
  RequestSchema,
  SignupResultSchema,
  responseSchemas,
  type ResponseSchema,
} from '../../src/schemas.js';

const corpus = fileURLToPath(new URL('../fixtures/real-server/', import.meta.url));
const read = (name: string): unknown => JSON.parse(readFileSync(corpus + name, 'utf8'));

const captures: Record<string, ResponseSchema> = {
  '01-signup.json': SignupResultSchema,
  '02-signin.json': AuthResultSchema,
  '03-project.json': ProjectSchema,
  '04-signinAnonymously.json': AuthResultSchema,
  '05-request-create.json': RequestSchema,
  '06-messages-multi.json': MessagesSchema,
  '07-message-basic.json': MessageWithRequestSchema,
  '08-guest-first-message.json': MessageWithRequestSchema,
  '09-guest-second-message.json': MessageWithRequestSchema,
  '10-get-requests.json': RequestPageSchema,
  '11-get-messages.json': MessagesSchema,
  '12-get-request.json': RequestSchema,
  '14-guest-requests-me.json': RequestPageSchema,
  '15-request-close.json': RequestSchema,
};

function issues(schema: ResponseSchema, data: unknown): string[] {
  const r = schema.safeParse(data);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`);
}

describe('real REST captures', () => {
  it('the corpus is there and every JSON capture is covered', () => {
    expect(existsSync(corpus)).toBe(true);
    const json = readdirSync(corpus).filter((f) => f.endsWith('.json'));
    expect(json.sort()).toEqual(Object.keys(captures).sort());
  });

  for (const [file, schema] of Object.entries(captures)) {
    it(file, () => {
      const data = read(file);
      expect(issues(schema, data)).toEqual([]);
      // Lenient means lossless: unknown fields (`__v`, virtuals, fields added by later servers) pass through.
      const parsed = (schema.safeParse(data) as { data: unknown }).data;
      expect(parsed).toEqual(data);
    });
  }

  it('typed fields carry what users rely on', () => {
    const page = RequestPageSchema.parse(read('10-get-requests.json'));
    expect(page.perPage).toBe(40);
    expect(page.requests.every((r) => typeof r.request_id === 'string')).toBe(true);
    const closed = RequestSchema.parse(read('15-request-close.json'));
    expect(closed.status).toBe(RequestStatus.CLOSED);
    const msgs = MessagesSchema.parse(read('11-get-messages.json'));
    expect(msgs.every((m) => m.status === MessageStatus.SENDING)).toBe(true);
  });

  it('every field of a request the server sends is typed (a dashboard read `participatingAgents` and `duration` as unknown)', () => {
    const declared = new Set(Object.keys(RequestSchema.def.shape));
    const page = read('10-get-requests.json') as { requests: Record<string, unknown>[] };
    for (const r of [read('05-request-create.json'), read('12-get-request.json'), read('15-request-close.json'), ...page.requests] as Record<string, unknown>[]) {
      expect(Object.keys(r).filter((k) => k !== '__v' && !declared.has(k))).toEqual([]);
    }
    const closed = RequestSchema.parse(read('15-request-close.json'));
    const typed: { duration?: number; transcript?: string; agents?: string[]; followers?: string[] } = {
      duration: closed.duration, transcript: closed.transcript, agents: closed.participatingAgents?.map((u) => u.email ?? u._id), followers: closed.followers,
    };
    expect(typeof typed.duration).toBe('number');
    expect(typed.agents).toEqual([expect.stringContaining('@')]);
  });

  it('rejects documents missing what every one of them has', () => {
    const req = read('12-get-request.json') as Record<string, unknown>;
    const { request_id: _drop, ...noId } = req;
    // zod/mini ships no message locale: the path is what names the problem.
    expect(issues(RequestSchema, noId)).toEqual([expect.stringMatching(/^request_id: /)]);
    expect(issues(MessageSchema, { ...(read('11-get-messages.json') as object[])[0], status: 'sent' })).toHaveLength(1);
    expect(issues(RequestPageSchema, { perPage: 40, requests: [] })).toHaveLength(1);
  });
});

describe('documents inside real WebSocket frames', () => {
  type Frame = { dir: string; data: { action?: string; payload?: { topic?: string; method?: string; message?: unknown } } };
  const frames: Frame[] = ['ws-agent.jsonl', 'ws-agent-msgs.jsonl', 'ws-guest.jsonl'].flatMap((f) =>
    readFileSync(corpus + f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Frame));
  const docs = (suffix: RegExp) =>
    frames
      .filter((f) => f.dir === 'in' && f.data.action === 'publish' && suffix.test(f.data.payload?.topic ?? ''))
      .flatMap((f) => {
        const m = f.data.payload!.message;
        return Array.isArray(m) ? m : m ? [m] : [];
      });

  it('requests (snapshots are lean, live events populated) all match RequestSchema', () => {
    const requests = docs(/\/requests(\/support-group-[^/]+)?$/);
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) expect(issues(RequestSchema, r)).toEqual([]);
  });

  it('messages (with and without the embedded request) all match MessageWithRequestSchema', () => {
    const messages = docs(/\/messages$/);
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(issues(MessageWithRequestSchema, m)).toEqual([]);
  });
});

describe('responseSchemas', () => {
  it('has a schema for every key the client asks for', () => {
    expect(Object.keys(responseSchemas).sort()).toEqual([
      'auth', 'guestAuth', 'lead', 'leadPage', 'message', 'messageWithRequest', 'messages', 'project', 'projectMemberships',
      'projectUser', 'projectUsers', 'request', 'requestCount', 'requestPage', 'signup', 'user', 'userUpdate',
    ]);
  });
});
