/**
 * Every call of the client, answered with every kind of response a broken proxy, a wrong base URL or another server
 * version can send: the call ends with a typed `TiledeskError` (or a value of the shape its type promises), never a
 * `TypeError` from reading the body, a rejection that escapes, or an error that carries the token.
 *
 * The targeted tests of each shape live in faults.test.ts and errors.test.ts; this sweep is there so that a call added
 * later, or a response shape nobody thought of for one call, is covered too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TiledeskClient, TiledeskError, type FetchLike, type TiledeskClientOptions } from '../../src/index.js';

const TOKEN = 'JWT hostile0token.payloadpayload.signaturesignature';
const PASSWORD = 'hostile-password-9f3a';
const base = 'https://api.example.test';
const pid = '64f0c0ffee0000000000beef';
const rid = `support-group-${pid}-0123456789abcdef0123456789abcdef`;
const oid = '64f0c0ffee0000000000cafe';

/** Nested deeper than any walk of a body may recurse without a limit. */
const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;

/** [label, status, content-type, body] */
const RESPONSES: [string, number, string | undefined, string][] = [];
const BODIES: [string, string, string | undefined][] = [
  ['empty', '', undefined],
  ['null', 'null', 'application/json'],
  ['number', '42', 'application/json'],
  ['string', '"hello"', 'application/json'],
  ['true', 'true', 'application/json'],
  ['empty object', '{}', 'application/json'],
  ['empty array', '[]', 'application/json'],
  ['array of null', '[null]', 'application/json'],
  ['array of scalars', '[1,"a",true]', 'application/json'],
  ['fields of the wrong type', '{"_id":{},"request_id":7,"requests":"x","count":"many","perPage":-1,"token":5,"user":"u","project_user":[1],"id_project":[],"messages":{},"success":"yes"}', 'application/json'],
  ['lists of null', '{"requests":[null],"leads":[null],"perPage":1,"count":1,"project_user":[null]}', 'application/json'],
  ['malformed JSON', '{"_id": "a",', 'application/json'],
  ['JSON said, HTML sent', '<html><body><h1>502 Bad Gateway</h1></body></html>', 'application/json'],
  ['HTML page', '<!DOCTYPE html><html><head><title>Error</title></head><body><pre>Cannot GET /x</pre></body></html>', 'text/html'],
  ['plain text', 'Unauthorized', 'text/plain'],
  ['no content type', '{"_id":"a"}', undefined],
  ['deeply nested', deep, 'application/json'],
  ['token echoed', JSON.stringify({ error: `bad token ${TOKEN}`, message: `Authorization: ${TOKEN}`, token: TOKEN }), 'application/json'],
];
for (const status of [200, 201, 204, 302, 400, 401, 403, 404, 413, 422, 429, 500, 503]) {
  for (const [label, body, type] of BODIES) {
    if (status === 204 && body !== '') continue; // a 204 has no body (the Response constructor refuses one)
    RESPONSES.push([`${status} ${label}`, status, type, body]);
  }
}

type Call = [name: string, run: (c: TiledeskClient) => Promise<unknown>, returns: 'object' | 'array' | 'any'];

const message = { sender: oid, senderFullname: 'A', text: 'hi', timestamp: 1_714_557_600_000 };
const CALLS: Call[] = [
  ['auth.signin', (c) => c.auth.signin({ email: 'a@example.com', password: PASSWORD }), 'object'],
  ['auth.signinAnonymously', (c) => c.auth.signinAnonymously({ firstname: 'A' }), 'object'],
  ['auth.signinWithCustomToken', (c) => c.auth.signinWithCustomToken({ token: TOKEN }), 'object'],
  ['auth.signup', (c) => c.auth.signup({ email: 'a@example.com', password: PASSWORD, firstname: 'A', lastname: 'B' }), 'object'],
  ['requests.create', (c) => c.requests.create({ first_text: 'hello', sender: oid }), 'object'],
  ['requests.get', (c) => c.requests.get(rid), 'object'],
  ['requests.list', (c) => c.requests.list().toArray(), 'array'],
  ['requests.list page', (c) => c.requests.list().then((p) => p.items), 'array'],
  ['requests.listMine', (c) => c.requests.listMine().toArray(), 'array'],
  ['requests.count', (c) => c.requests.count(), 'object'],
  ['requests.update', (c) => c.requests.update(rid, { language: 'en' }), 'object'],
  ['requests.close', (c) => c.requests.close(rid), 'object'],
  ['requests.reopen', (c) => c.requests.reopen(rid), 'object'],
  ['requests.assign', (c) => c.requests.assign(rid), 'object'],
  ['requests.changeDepartment', (c) => c.requests.changeDepartment(rid, { departmentid: oid }), 'object'],
  ['requests.mergeAttributes', (c) => c.requests.mergeAttributes(rid, { a: 1 }), 'object'],
  ['requests.rate', (c) => c.requests.rate(rid, { rating: 5 }), 'object'],
  ['requests.delete', (c) => c.requests.delete(rid), 'object'],
  ['requests.participants.add', (c) => c.requests.participants.add(rid, oid), 'object'],
  ['requests.participants.set', (c) => c.requests.participants.set(rid, [oid]), 'object'],
  ['requests.participants.remove', (c) => c.requests.participants.remove(rid, oid), 'object'],
  ['requests.followers.add', (c) => c.requests.followers.add(rid, oid), 'object'],
  ['requests.tags.add', (c) => c.requests.tags.add(rid, ['vip']), 'object'],
  ['requests.tags.remove', (c) => c.requests.tags.remove(rid, oid), 'object'],
  ['requests.notes.add', (c) => c.requests.notes.add(rid, 'a note'), 'object'],
  ['requests.notes.remove', (c) => c.requests.notes.remove(rid, oid), 'object'],
  ['messages.send', (c) => c.messages.send(rid, { text: 'hi' }), 'object'],
  ['messages.list', (c) => c.messages.list(rid), 'array'],
  ['messages.list by clienttimestamp', (c) => c.messages.list(rid, { order: 'clienttimestamp' }), 'array'],
  ['messages.get', (c) => c.messages.get(rid, oid), 'object'],
  ['messages.import', (c) => c.messages.import(rid, [message, { ...message, text: 'again' }]), 'array'],
  ['leads.list', (c) => c.leads.list().toArray(), 'array'],
  ['leads.get', (c) => c.leads.get(oid), 'object'],
  ['leads.create', (c) => c.leads.create({ lead_id: 'lead-1', fullname: 'A' }), 'object'],
  ['leads.update', (c) => c.leads.update(oid, { fullname: 'B' }), 'object'],
  ['projectUsers.list', (c) => c.projectUsers.list(), 'array'],
  ['projectUsers.me', (c) => c.projectUsers.me(), 'object'],
  ['projectUsers.get', (c) => c.projectUsers.get(oid), 'object'],
  ['projectUsers.getByUserId', (c) => c.projectUsers.getByUserId(oid), 'object'],
  ['projectUsers.updateMe', (c) => c.projectUsers.updateMe({ profileStatus: 'busy' }), 'object'],
  ['projectUsers.setAvailability', (c) => c.projectUsers.setAvailability(true), 'object'],
  ['projects.list', (c) => c.projects.list(), 'array'],
  ['projects.get', (c) => c.projects.get(), 'object'],
  ['projects.create', (c) => c.projects.create({ name: 'P' }), 'object'],
  ['users.me', (c) => c.users.me(), 'object'],
  ['users.update', (c) => c.users.update({ lastname: 'B' }), 'object'],
];

const ERROR_PATH_CALLS = new Set(['auth.signin', 'requests.get', 'requests.list', 'messages.list', 'messages.import', 'projectUsers.me', 'users.update']);

let current: [string, number, string | undefined, string] = RESPONSES[0]!;
const hostileFetch: FetchLike = async () => {
  const [, status, type, body] = current;
  return new Response(status === 204 ? null : body, { status, headers: type ? { 'content-type': type } : {} });
};

const common: Partial<TiledeskClientOptions> = { baseUrl: base, projectId: pid, fetch: hostileFetch, maxRetries: 0, timeout: 5_000 };
const clients = {
  token: new TiledeskClient({ ...common, auth: { token: TOKEN } } as TiledeskClientOptions),
  // Every call first signs in, through the same hostile answers.
  password: new TiledeskClient({ ...common, auth: { email: 'a@example.com', password: PASSWORD } } as TiledeskClientOptions),
};
afterAll(() => Promise.all(Object.values(clients).map((c) => c.close())));

function json(value: unknown): string {
  try {
    return String(JSON.stringify(value));
  } catch {
    return typeof value; // too deep to print
  }
}
const show = (value: unknown) => json(value).slice(0, 80);

/** What went wrong, or undefined when the call ended as a user may rely on. */
async function verdict(run: () => Promise<unknown>, returns: Call[2]): Promise<string | undefined> {
  let value: unknown;
  try {
    value = await run();
  } catch (e) {
    if (!(e instanceof TiledeskError)) return `threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
    const seen = `${e.message} ${json(e)} ${String((e as { serverMessage?: unknown }).serverMessage ?? '')}`;
    if (seen.includes(TOKEN.slice(4)) || seen.includes(PASSWORD)) return `a secret in ${e.constructor.name}: ${e.message}`;
    return undefined;
  }
  if (returns === 'array' && !Array.isArray(value)) return `resolved with ${show(value)}, not a list`;
  if (returns === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    return `resolved with ${show(value)}, not an object`;
  }
  return undefined;
}

describe('every call, every hostile response: a typed error or a value of the promised shape', () => {
  for (const [kind, client] of Object.entries(clients)) {
    it(`${CALLS.length} calls × ${RESPONSES.filter((r) => r[1] < 300).length} 2xx responses, ${ERROR_PATH_CALLS.size} × ${RESPONSES.filter((r) => r[1] >= 300).length} others (${kind} auth)`, async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      const wrong: string[] = [];
      try {
        for (const response of RESPONSES) {
          current = response;
          // A 2xx is read by each call its own way; an error status, by the core alike for all (a few calls stand for
          // each way a call reaches it: one object, a page, a list, a chunked import, a sign-in).
          for (const [name, run, returns] of response[1] < 300 ? CALLS : CALLS.filter(([n]) => ERROR_PATH_CALLS.has(n))) {
            const problem = await verdict(() => run(client), returns);
            if (problem) wrong.push(`${name} ← ${response[0]}: ${problem}`);
          }
        }
        // A rejection nobody awaits surfaces a turn later.
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      expect(wrong).toEqual([]);
      expect(unhandled).toEqual([]);
    }, 60_000);
  }
});
