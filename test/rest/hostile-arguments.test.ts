/**
 * Every argument of every call, replaced in turn by a value of the wrong kind (what a JavaScript caller, or data read
 * from elsewhere, can pass despite the types): the call either goes through or ends with a typed `TiledeskError`,
 * never a `TypeError`, `URIError` or `RangeError` from inside the SDK. A `ValidationError` is thrown before anything is
 * sent; a value the server decides about may be sent, and answers like any other call.
 *
 * Targeted tests of each check live beside the resources (client.test.ts, import.test.ts); this sweep covers the calls
 * and arguments nobody wrote one for.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TiledeskClient, TiledeskError, ValidationError, type FetchLike } from '../../src/index.js';

const pid = '64f0c0ffee0000000000beef';
const rid = `support-group-${pid}-0123456789abcdef0123456789abcdef`;
const oid = '64f0c0ffee0000000000cafe';

const cycle: Record<string, unknown> = {};
cycle.self = cycle;
const HOSTILE: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['0', 0],
  ['NaN', Number.NaN],
  ['-1', -1],
  ['Infinity', Infinity],
  ['true', true],
  ['empty string', ''],
  ['blank string', '   '],
  ['..', '..'],
  ['lone surrogate', '\uD800'],
  ['line break', 'a\r\nb'],
  ['long string', 'x'.repeat(100_000)],
  ['empty object', {}],
  ['empty array', []],
  ['array of null', [null]],
  ['function', () => 1],
  ['symbol', Symbol('s')],
  ['bigint', 10n],
  ['date', new Date(Number.NaN)],
  ['cycle', cycle],
  ['object with wrong fields', { text: 5, sender: {}, timestamp: 'soon', attributes: 'x', first_text: [], email: 5, password: 5, token: 5, name: 5 }],
];

type Call = [name: string, run: (c: TiledeskClient, ...args: unknown[]) => Promise<unknown>, args: unknown[]];
const m = { sender: oid, senderFullname: 'A', text: 'hi', timestamp: 1_714_557_600_000 };
const RUN = (f: (c: TiledeskClient, ...a: never[]) => Promise<unknown>) => f as Call[1];
const CALLS: Call[] = [
  ['auth.signin', RUN((c, p, o) => c.auth.signin(p, o)), [{ email: 'a@example.com', password: 'pw' }, {}]],
  ['auth.signinAnonymously', RUN((c, p, o) => c.auth.signinAnonymously(p, o)), [{ firstname: 'A' }, {}]],
  ['auth.signinWithCustomToken', RUN((c, p, o) => c.auth.signinWithCustomToken(p, o)), [{ token: 'JWT a.b.c' }, {}]],
  ['auth.signup', RUN((c, p, o) => c.auth.signup(p, o)), [{ email: 'a@example.com', password: 'pw', firstname: 'A', lastname: 'B' }, {}]],
  ['requests.create', RUN((c, p, o) => c.requests.create(p, o)), [{ first_text: 'hello', sender: oid }, {}]],
  ['requests.get', RUN((c, id, o) => c.requests.get(id, o)), [rid, {}]],
  ['requests.list', RUN((c, q, o) => c.requests.list(q, o).toArray()), [{ status: [100, 200] }, {}]],
  ['requests.listMine', RUN((c, q, o) => c.requests.listMine(q, o).toArray()), [{}, {}]],
  ['requests.count', RUN((c, q, o) => c.requests.count(q, o)), [{}, {}]],
  ['requests.update', RUN((c, id, f, o) => c.requests.update(id, f, o)), [rid, { language: 'en' }, {}]],
  ['requests.close', RUN((c, id, p, o) => c.requests.close(id, p, o)), [rid, {}, {}]],
  ['requests.reopen', RUN((c, id, o) => c.requests.reopen(id, o)), [rid, {}]],
  ['requests.assign', RUN((c, id, p, o) => c.requests.assign(id, p, o)), [rid, {}, {}]],
  ['requests.changeDepartment', RUN((c, id, p, o) => c.requests.changeDepartment(id, p, o)), [rid, { departmentid: oid }, {}]],
  ['requests.mergeAttributes', RUN((c, id, a, o) => c.requests.mergeAttributes(id, a, o)), [rid, { a: 1 }, {}]],
  ['requests.rate', RUN((c, id, p, o) => c.requests.rate(id, p, o)), [rid, { rating: 5 }, {}]],
  ['requests.delete', RUN((c, id, o) => c.requests.delete(id, o)), [rid, {}]],
  ['requests.participants.add', RUN((c, id, x, o) => c.requests.participants.add(id, x, o)), [rid, oid, {}]],
  ['requests.participants.set', RUN((c, id, x, o) => c.requests.participants.set(id, x, o)), [rid, [oid], {}]],
  ['requests.participants.remove', RUN((c, id, x, o) => c.requests.participants.remove(id, x, o)), [rid, oid, {}]],
  ['requests.followers.add', RUN((c, id, x, o) => c.requests.followers.add(id, x, o)), [rid, oid, {}]],
  ['requests.tags.add', RUN((c, id, x, o) => c.requests.tags.add(id, x, o)), [rid, ['vip'], {}]],
  ['requests.tags.remove', RUN((c, id, x, o) => c.requests.tags.remove(id, x, o)), [rid, oid, {}]],
  ['requests.notes.add', RUN((c, id, x, o) => c.requests.notes.add(id, x, o)), [rid, 'a note', {}]],
  ['requests.notes.remove', RUN((c, id, x, o) => c.requests.notes.remove(id, x, o)), [rid, oid, {}]],
  ['messages.send', RUN((c, id, x, o) => c.messages.send(id, x, o)), [rid, { text: 'hi' }, {}]],
  ['messages.list', RUN((c, id, p, o) => c.messages.list(id, p, o)), [rid, { order: 'clienttimestamp' }, {}]],
  ['messages.get', RUN((c, id, x, o) => c.messages.get(id, x, o)), [rid, oid, {}]],
  ['messages.import', RUN((c, id, x, o) => c.messages.import(id, x, o)), [rid, [m, { ...m, text: 'again' }], {}]],
  ['leads.list', RUN((c, q, o) => c.leads.list(q, o).toArray()), [{}, {}]],
  ['leads.get', RUN((c, id, o) => c.leads.get(id, o)), [oid, {}]],
  ['leads.create', RUN((c, p, o) => c.leads.create(p, o)), [{ lead_id: 'lead-1', fullname: 'A' }, {}]],
  ['leads.update', RUN((c, id, f, o) => c.leads.update(id, f, o)), [oid, { fullname: 'B' }, {}]],
  ['projectUsers.list', RUN((c, q, o) => c.projectUsers.list(q, o)), [{}, {}]],
  ['projectUsers.me', RUN((c, o) => c.projectUsers.me(o)), [{}]],
  ['projectUsers.get', RUN((c, id, o) => c.projectUsers.get(id, o)), [oid, {}]],
  ['projectUsers.getByUserId', RUN((c, id, o) => c.projectUsers.getByUserId(id, o)), [oid, {}]],
  ['projectUsers.updateMe', RUN((c, f, o) => c.projectUsers.updateMe(f, o)), [{ profileStatus: 'busy' }, {}]],
  ['projectUsers.setAvailability', RUN((c, a, s, o) => c.projectUsers.setAvailability(a, s, o)), [true, 'busy', {}]],
  ['projects.list', RUN((c, o) => c.projects.list(o)), [{}]],
  ['projects.get', RUN((c, id, o) => c.projects.get(id, o)), [pid, {}]],
  ['projects.create', RUN((c, p, o) => c.projects.create(p, o)), [{ name: 'P' }, {}]],
  ['users.me', RUN((c, o) => c.users.me(o)), [{}]],
  ['users.update', RUN((c, f, o) => c.users.update(f, o)), [{ lastname: 'B' }, {}]],
];

/** Option values of the wrong kind, each in an otherwise valid options object (the last argument of every call). */
const HOSTILE_OPTIONS: [string, unknown][] = [
  ['signal: "x"', { signal: 'x' }],
  ['signal: {}', { signal: {} }],
  ['timeout: -1', { timeout: -1 }],
  ['timeout: NaN', { timeout: Number.NaN }],
  ['timeout: "5"', { timeout: '5' }],
  ['maxRetries: -1', { maxRetries: -1 }],
  ['headers: line break', { headers: { 'x-a': 'a\r\nb' } }],
  ['headers: [[1]]', { headers: [[1]] }],
];
/** Calls that name a project: only they read `projectId` (the others ignore it). */
const PROJECT_OPTIONS: [string, unknown][] = [
  ['projectId: 5', { projectId: 5 }],
  ['projectId: ".."', { projectId: '..' }],
];
const projectless = new Set(['auth.signin', 'auth.signinWithCustomToken', 'auth.signup', 'projects.list', 'projects.get', 'projects.create', 'users.me', 'users.update']);

/** Answers every call with one object that is every kind of record at once, so that only the arguments can fail. */
const answerAll: FetchLike = async (url, init) => {
  const path = new URL(String(url)).pathname;
  const record = { _id: oid, request_id: rid, id_project: pid, text: 'hi', token: 'JWT a.b.c', user: { _id: oid }, updatedUser: { _id: oid } };
  const lists: [RegExp, unknown][] = [
    [/\/messages\/multi$/, [record, record]],
    [/\/(requests|requests\/me|leads)$/, { requests: [record], leads: [record], perPage: 40, count: 1 }],
    [/\/messages$|\/project_users(\/users\/[^/]+)?$|^\/projects$/, [record]],
  ];
  const list = init?.method === 'GET' || /multi$/.test(path) ? lists.find(([re]) => re.test(path))?.[1] : undefined;
  return new Response(JSON.stringify(list ?? record), { status: 200, headers: { 'content-type': 'application/json' } });
};

const client = new TiledeskClient({ baseUrl: 'https://api.example.test', projectId: pid, auth: { token: 'JWT a.b.c' }, fetch: answerAll, maxRetries: 0, timeout: 5_000 });
afterAll(() => client.close());

async function outcome(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (e) {
    if (e instanceof TiledeskError) {
      if (e instanceof ValidationError && !e.field) return `ValidationError without a field: ${e.message}`;
      return undefined;
    }
    return `threw ${(e as Error)?.constructor?.name}: ${String((e as Error)?.message).slice(0, 120)}`;
  }
}

describe('every argument of every call, of the wrong kind: a typed error or a call that goes through', () => {
  it('the valid arguments of the sweep go through (so a failure below is the hostile value’s)', async () => {
    const failed: string[] = [];
    for (const [name, run, args] of CALLS) {
      const e = await run(client, ...args).then(() => undefined, (x: unknown) => x);
      if (e) failed.push(`${name}: ${(e as Error).message}`);
    }
    expect(failed).toEqual([]);
  });

  it(`${CALLS.length} calls, each argument × ${HOSTILE.length} values, and ${HOSTILE_OPTIONS.length} bad options`, async () => {
    const wrong: string[] = [];
    for (const [name, run, args] of CALLS) {
      for (let i = 0; i < args.length; i++) {
        for (const [label, value] of HOSTILE) {
          const problem = await outcome(() => run(client, ...args.map((a, j) => (j === i ? value : a))));
          if (problem) wrong.push(`${name} argument ${i + 1} = ${label}: ${problem}`);
        }
      }
      for (const [label, options] of [...HOSTILE_OPTIONS, ...(projectless.has(name) ? [] : PROJECT_OPTIONS)]) {
        const problem = await outcome(() => run(client, ...args.slice(0, -1), options));
        if (problem) wrong.push(`${name} options ${label}: ${problem}`);
        // Every one of these options is refused before anything is sent.
        else if (!(await run(client, ...args.slice(0, -1), options).then(() => false, (e: unknown) => e instanceof ValidationError))) {
          wrong.push(`${name} options ${label}: not refused`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);
});
