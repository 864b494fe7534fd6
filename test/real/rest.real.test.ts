/**
 * The REST client against a real Tiledesk server (`npm run test:real`, TILEDESK_REAL_URL): the seed tutorial flow
 * (anonymous sign-in → create request with `sender` → import multi → list messages in order) and every resource
 * method, with the server's real error shapes.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ImportChunkError,
  NotFoundError,
  PermissionDeniedError,
  RequestStatus,
  TiledeskClient,
  UnprocessableEntityError,
  type Request,
} from '../../src/index.js';
import { responseSchemas } from '../../src/schemas.js';
import { realTarget } from '../helpers/target.js';

const target = realTarget();
const baseUrl = target?.url ?? '';
const stamp = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
const email = target?.email ?? `sdk-rest-${stamp}@example.com`;
const password = target?.password ?? `Pw-${stamp}!`;
let projectId = target?.projectId ?? '';
let admin: TiledeskClient;

function signJwt(payload: Record<string, unknown>, secret: string): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

beforeAll(async () => {
  if (!target) throw new Error('TILEDESK_REAL_URL is not set: run this file through `npm run test:real`');
  if (!target.email) {
    const user = await TiledeskClient.signup({ baseUrl, email, password, firstname: 'Sdk', lastname: 'Rest' });
    expect(user.email).toBe(email.toLowerCase());
  }
  const owner = new TiledeskClient({ baseUrl, auth: { email, password } });
  if (!projectId) projectId = (await owner.projects.create({ name: `sdk-rest-${stamp}` }))._id;
  await owner.close();
  // Validating every response here doubles as a check of the schemas against the real server.
  admin = new TiledeskClient({ baseUrl, projectId, auth: { email, password }, responseSchemas });
});

afterAll(async () => {
  await admin?.close();
});

describe('seed tutorial flow', () => {
  it('anonymous sign-in → create request with sender → import multi → list messages in order', async () => {
    const { token, user } = await TiledeskClient.signinAnonymously({ baseUrl, projectId, firstname: 'John' });
    expect(token.startsWith('JWT ')).toBe(true);
    expect(user.firstname).toBe('John');

    // The tutorial authenticates the admin with `curl -u email:password`: HTTP Basic.
    const basic = new TiledeskClient({ baseUrl, projectId, auth: { basic: { email, password } }, responseSchemas });
    const req = await basic.requests.create({ sender: user._id, first_text: 'How can I restore my password' });
    expect(req.request_id).toMatch(new RegExp(`^support-group-${projectId}-`));

    const t0 = Date.parse('2024-05-01T10:00:00Z');
    const input = Array.from({ length: 20 }, (_, i) => ({
      sender: i % 2 === 0 ? user._id : 'chatbot1',
      senderFullname: i % 2 === 0 ? 'John' : 'Bot',
      text: `m${i}`,
      timestamp: i % 3 === 0 ? new Date(t0 + i * 1000) : t0 + i * 1000,
    }));
    const chunks: number[] = [];
    const saved = await basic.messages.import(req.request_id, input, { maxChunkMessages: 8, onChunk: (p) => chunks.push(p.end - p.start) });
    expect(chunks).toEqual([8, 8, 4]);
    expect(saved.map((m) => m.text)).toEqual(input.map((m) => m.text));
    expect(saved.map((m) => (m.attributes as { clienttimestamp?: number }).clienttimestamp)).toEqual(input.map((_, i) => t0 + i * 1000));
    expect(saved[1]!.sender).toBe('chatbot1');

    const listed = await basic.messages.list(req.request_id, { order: 'clienttimestamp' });
    expect(listed.map((m) => m.text)).toEqual(input.map((m) => m.text));

    // The guest reads its own conversation with its own token.
    const guest = basic.withOptions({ auth: { token } });
    const mine = await guest.messages.list(req.request_id, { order: 'clienttimestamp' });
    expect(mine.map((m) => m.text)).toEqual(input.map((m) => m.text));
    await basic.close();
  });

  it('maxChunkMessages: 1 keeps the server’s own createdAt order right', async () => {
    const req = await admin.requests.create({ first_text: 'ordered import' });
    const input = Array.from({ length: 6 }, (_, i) => ({ text: `s${i}` }));
    await admin.messages.import(req.request_id, input, { maxChunkMessages: 1 });
    const listed = await admin.messages.list(req.request_id);
    expect(listed.map((m) => m.text)).toEqual(input.map((m) => m.text));
  });

  it('import into a missing conversation fails with a NotFoundError cause and nothing saved', async () => {
    const error = await admin.messages
      .import(`support-group-${projectId}-${randomUUID().replace(/-/g, '')}`, [{ text: 'x' }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportChunkError);
    expect((error as ImportChunkError).cause).toBeInstanceOf(NotFoundError);
    expect((error as ImportChunkError).maybePartiallySaved).toBe(false);
  });
});

describe('auth', () => {
  it('signin returns a JWT-prefixed token that works with and without the prefix', async () => {
    const { token, user } = await TiledeskClient.signin({ baseUrl, email, password });
    expect(token.startsWith('JWT ')).toBe(true);
    expect(user.email).toBe(email.toLowerCase());
    for (const t of [token, token.slice(4)]) {
      const c = new TiledeskClient({ baseUrl, projectId, auth: { token: t } });
      expect((await c.users.me())._id).toBe(user._id);
      await c.close();
    }
  });

  it('a token provider is asked again after a 401 and the call succeeds', async () => {
    const { token } = await TiledeskClient.signin({ baseUrl, email, password });
    const reasons: string[] = [];
    const c = new TiledeskClient({
      baseUrl, projectId,
      auth: { tokenProvider: ({ reason }) => { reasons.push(reason); return reasons.length === 1 ? 'JWT not.a.validtoken' : token; } },
    });
    expect((await c.users.me()).email).toBe(email.toLowerCase());
    expect(reasons).toEqual(['initial', 'unauthorized']);
    await c.close();
  });

  it('maps the real 401 (plain text), 403 (role) and 422 (express-validator) shapes', async () => {
    const anon = new TiledeskClient({ baseUrl, projectId });
    const e401 = await anon.requests.list().then(() => undefined, (e: unknown) => e);
    expect(e401).toBeInstanceOf(AuthenticationError);
    expect((e401 as AuthenticationError).serverMessage).toBe('Unauthorized');

    const wrong = await TiledeskClient.signin({ baseUrl, email, password: 'not-the-password' }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(AuthenticationError);
    expect(JSON.stringify(wrong)).not.toContain('not-the-password');

    const { token } = await anon.auth.signinAnonymously();
    const guest = anon.withOptions({ auth: { token } });
    const e403 = await guest.requests.list().then(() => undefined, (e: unknown) => e);
    expect(e403).toBeInstanceOf(PermissionDeniedError);
    expect((e403 as PermissionDeniedError).reason).toBe('role');

    const e422 = await anon.auth.signin({ email: 'not-an-email', password: 'x' }).catch((e: unknown) => e);
    expect(e422).toBeInstanceOf(UnprocessableEntityError);
    expect((e422 as UnprocessableEntityError).fieldErrors.map((f) => f.field)).toContain('email');
    await anon.close();
  });

  it('signinWithCustomToken exchanges a token signed with the project secret', async () => {
    const owner = new TiledeskClient({ baseUrl, auth: { email, password } });
    const { token } = await owner.auth.signin({ email, password });
    const res = await fetch(`${baseUrl}/${projectId}/keys/generate`, { method: 'POST', headers: { authorization: token } });
    const { jwtSecret } = (await res.json()) as { jwtSecret: string };
    const custom = signJwt({ _id: `ext-${stamp}`, firstname: 'Ext', email: `ext-${stamp}@example.com`, sub: 'userexternal', aud: `https://tiledesk.com/projects/${projectId}` }, jwtSecret);
    const result = await TiledeskClient.signinWithCustomToken({ baseUrl, token: custom, projectId });
    expect(result.token).toBe(`JWT ${custom}`);
    expect(result.user._id).toBe(`ext-${stamp}`);
    await owner.close();
  });
});

describe('resources', () => {
  let req: Request;

  it('requests: create, get, update, attributes, tags, notes, participants, followers, close, reopen, rate, assign, department, delete', async () => {
    req = await admin.requests.create({ first_text: 'resource tour', attributes: { a: 1 } });
    const id = req.request_id;
    expect((await admin.requests.get(id)).first_text).toBe('resource tour');
    expect((await admin.requests.update(id, { priority: 'high', subject: 'Tour' })).priority).toBe('high');
    expect((await admin.requests.mergeAttributes(id, { b: 2 })).attributes).toMatchObject({ a: 1, b: 2 });

    const tagged = await admin.requests.tags.add(id, ['vip', { tag: 'billing', color: '#43B1F2' }]);
    expect(tagged.tags?.map((t) => t.tag)).toEqual(['vip', 'billing']);
    const vip = tagged.tags!.find((t) => t.tag === 'vip')!;
    expect((await admin.requests.tags.remove(id, vip._id!)).tags?.map((t) => t.tag)).toEqual(['billing']);
    // update replaces the array; strings are shorthand for { tag }.
    expect((await admin.requests.update(id, { tags: ['solo', { tag: 'paid', color: '#00AA00' }] })).tags?.map(({ tag, color }) => [tag, color])).toEqual([['solo', undefined], ['paid', '#00AA00']]);

    const noted = await admin.requests.notes.add(id, 'a note');
    const note = noted.notes!.at(-1)!;
    expect(note.text).toBe('a note');
    expect((await admin.requests.notes.remove(id, note._id)).notes?.some((n) => n._id === note._id)).toBe(false);

    const me = await admin.users.me();
    const pu = await admin.projectUsers.me();
    expect((await admin.requests.participants.remove(id, me._id)).participants).toEqual([]);
    expect((await admin.requests.participants.add(id, me._id)).participants).toEqual([me._id]);
    expect((await admin.requests.participants.set(id, [me._id])).participants).toEqual([me._id]);
    expect((await admin.requests.followers.add(id, pu._id)).followers).toContain(pu._id);
    expect((await admin.requests.followers.remove(id, pu._id)).followers).not.toContain(pu._id);

    expect((await admin.requests.assign(id)).request_id).toBe(id);
    expect((await admin.requests.changeDepartment(id, {})).request_id).toBe(id);
    expect((await admin.requests.rate(id, { rating: 4, rating_message: 'Good' })).rating).toBe(4);
    expect((await admin.requests.close(id)).status).toBe(RequestStatus.CLOSED);
    expect([RequestStatus.ASSIGNED, RequestStatus.UNASSIGNED]).toContain((await admin.requests.reopen(id)).status);

    const count = await admin.requests.count();
    expect(typeof count.assigned).toBe('number');

    const doomed = await admin.requests.create({ first_text: 'to delete' });
    await admin.requests.delete(doomed.request_id);
    await expect(admin.requests.get(doomed.request_id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('requests.list paginates with for await across pages of 1, without duplicates', async () => {
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await admin.requests.create({ first_text: `page ${i}` }));
    const first = await admin.requests.list({ limit: 1, status: [RequestStatus.UNASSIGNED, RequestStatus.ASSIGNED] });
    expect(first.perPage).toBe(1);
    expect(first.items).toHaveLength(1);
    expect(first.hasNextPage()).toBe(true);
    const seen: string[] = [];
    for await (const r of admin.requests.list({ limit: 1, status: [RequestStatus.UNASSIGNED, RequestStatus.ASSIGNED] })) seen.push(r.request_id);
    expect(new Set(seen).size).toBe(seen.length);
    for (const c of created) expect(seen).toContain(c.request_id);
    expect(seen.length).toBe(first.count);
  });

  it('for await visits every conversation when the loop closes each one as it goes', async () => {
    const tag = `sweep-${Date.now()}`;
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await admin.requests.create({ first_text: `sweep ${i}` })).request_id);
    for (const id of created) await admin.requests.tags.add(id, [tag]);
    const closed: string[] = [];
    for await (const r of admin.requests.list({ limit: 2, tags: tag })) {
      await admin.requests.close(r.request_id);
      closed.push(r.request_id);
    }
    expect(closed.sort()).toEqual(created.sort());
    expect((await admin.requests.list({ tags: tag })).count).toBe(0);
  });

  it('requests.listMine lists a visitor’s own conversations', async () => {
    const { token } = await admin.auth.signinAnonymously({ firstname: 'Mine' });
    const guest = admin.withOptions({ auth: { token } });
    const rid = `support-group-${projectId}-${randomUUID().replace(/-/g, '')}`;
    const sent = await guest.messages.send(rid, { text: 'hello from the visitor' });
    expect(sent.request?.request_id).toBe(rid);
    const mine = await guest.requests.listMine().toArray();
    expect(mine.map((r) => r.request_id)).toEqual([rid]);
  });

  it('messages: send, get, list', async () => {
    const created = await admin.requests.create({ first_text: 'messages' });
    const sent = await admin.messages.send(created.request_id, { text: 'single', attributes: { k: 'v' } });
    expect(sent.request?.request_id).toBe(created.request_id);
    expect((await admin.messages.get(created.request_id, sent._id)).text).toBe('single');
    expect((await admin.messages.list(created.request_id)).map((m) => m.text)).toContain('single');
  });

  it('leads: create, get, update, list', async () => {
    const lead = await admin.leads.create({ lead_id: `crm-${stamp}`, fullname: 'Ada Lovelace', email: `ada-${stamp}@example.com` });
    expect((await admin.leads.get(lead._id)).fullname).toBe('Ada Lovelace');
    expect((await admin.leads.update(lead._id, { company: 'Engines' })).company).toBe('Engines');
    const all = await admin.leads.list({ limit: 2 }).toArray();
    expect(all.map((l) => l._id)).toContain(lead._id);
  });

  it('project users: list, me, get, getByUserId, updateMe, setAvailability', async () => {
    const me = await admin.projectUsers.me();
    if (!target?.projectId) expect(me.role).toBe('owner');
    expect((await admin.projectUsers.list()).map((p) => p._id)).toContain(me._id);
    expect((await admin.projectUsers.get(me._id))._id).toBe(me._id);
    const user = await admin.users.me();
    expect((await admin.projectUsers.getByUserId(user._id))._id).toBe(me._id);
    expect((await admin.projectUsers.setAvailability(false)).user_available).toBe(false);
    expect((await admin.projectUsers.updateMe({ user_available: true })).user_available).toBe(true);
  });

  it('projects and users: list, get, me, update', async () => {
    const memberships = await admin.projects.list();
    const ids = memberships.map((m) => (typeof m.id_project === 'string' ? m.id_project : m.id_project._id));
    expect(ids).toContain(projectId);
    const project = await admin.projects.get();
    expect(project._id).toBe(projectId);
    if (!target?.projectId) expect(project.name).toBe(`sdk-rest-${stamp}`);
    // Renames the account and puts the name back (it may be a real, reused account).
    const before = (await admin.users.me()).lastname ?? 'Rest';
    expect((await admin.users.update({ lastname: `${before}-x` })).lastname).toBe(`${before}-x`);
    expect((await admin.users.me()).lastname).toBe(`${before}-x`);
    expect((await admin.users.update({ lastname: before })).lastname).toBe(before);
  });
});

describe('what the server ignores or answers oddly', () => {
  it('leads.create keeps phone, company and note, which the create route drops (a phone came back null)', async () => {
    const lead = await admin.leads.create({ lead_id: `crm-more-${stamp}`, fullname: 'Grace', email: `grace-${stamp}@example.com`, phone: '+44 20 7946 0000', company: 'Navy', note: 'COBOL', attributes: { tier: 1 } });
    expect(lead).toMatchObject({ fullname: 'Grace', phone: '+44 20 7946 0000', company: 'Navy', note: 'COBOL', attributes: { tier: 1 } });
    expect(await admin.leads.get(lead._id)).toMatchObject({ phone: '+44 20 7946 0000', company: 'Navy', note: 'COBOL' });
  });

  it('every direction the client lets through is one the server sorts by (a bad one: no answer from leads, a 500 from requests)', async () => {
    for (const direction of [1, -1, '1', '-1', 'asc', 'DESC', 'ascending', 'Descending']) {
      expect((await admin.leads.list({ direction, limit: 1 } as never)).perPage).toBe(1);
      expect((await admin.requests.list({ direction, limit: 1 } as never)).perPage).toBe(1);
    }
    await expect(admin.leads.list({ direction: 'up' } as never)).rejects.toMatchObject({ name: 'ValidationError', field: 'direction' });
  });

  it('leads.list({ email, with_email }) finds that lead only (the server’s with_email replaces the email filter)', async () => {
    const lead = await admin.leads.create({ lead_id: `only-${stamp}`, email: `only-${stamp}@example.com` });
    await admin.leads.create({ lead_id: `other-${stamp}`, email: `other-${stamp}@example.com` });
    const found = await admin.leads.list({ email: `only-${stamp}@example.com`, with_email: true }).toArray();
    expect(found.map((l) => l._id)).toEqual([lead._id]);
  });

  it('messages.send creates a conversation with the participants array it is given', async () => {
    const me = await admin.users.me();
    const rid = `support-group-${projectId}-${randomUUID().replace(/-/g, '')}`;
    const sent = await admin.messages.send(rid, { text: 'with participants', participants: [me._id] });
    expect(sent.request?.participants).toEqual([me._id]);
    // One id as a string made the server never answer: refused before sending.
    await expect(admin.messages.send(rid, { text: 'x', participants: me._id } as never)).rejects.toMatchObject({ name: 'ValidationError', field: 'participants' });
  });

  it('notes on a missing conversation reject with a NotFoundError (the server answers null with a 200)', async () => {
    const missing = `support-group-${projectId}-${randomUUID().replace(/-/g, '')}`;
    await expect(admin.requests.notes.add(missing, 'lost')).rejects.toBeInstanceOf(NotFoundError);
    await expect(admin.requests.notes.remove(missing, '0123456789abcdef01234567')).rejects.toBeInstanceOf(NotFoundError);
  });
});
