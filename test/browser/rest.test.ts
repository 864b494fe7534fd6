/**
 * `TiledeskClient` in Chromium and Firefox: the bundled SDK, the browser's own `fetch`, a cross-origin page (CORS preflights for
 * JSON bodies and the Authorization header), against the local server started here in Node.
 */
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { launchBrowser, openTestPage, Resources, type BrowserPage, type TestBrowser } from './helpers.js';

let browser: TestBrowser;
let server: TiledeskTestServer;
const resources = new Resources();

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startTiledeskServer();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});
afterEach(async () => {
  server.faults.clear();
  await resources.dispose();
});

async function page(): Promise<BrowserPage> {
  return resources.add(await openTestPage(browser), (p) => p.close());
}

const env = () => ({
  baseUrl: server.url,
  projectId: server.project.id,
  email: server.owner.email,
  password: server.owner.password,
});

it('runs cross-origin, through the page’s own fetch', async () => {
  const p = await page();
  expect(new URL(server.url).origin).not.toBe(inject('pageOrigin'));
  const seen = await p.evaluate(async ({ baseUrl, projectId, email, password }) => {
    const client = new window.TD.rest.TiledeskClient({ baseUrl, projectId, auth: { email, password } });
    const count = await client.requests.count();
    await client.close();
    const calls = performance
      .getEntriesByType('resource')
      .filter((e) => e.name.startsWith(baseUrl))
      .map((e) => [new URL(e.name).pathname, (e as PerformanceResourceTiming).initiatorType]);
    return { count: typeof count, calls };
  }, env());
  expect(seen.calls).toEqual([
    ['/auth/signin', 'fetch'],
    [`/${server.project.id}/requests/count`, 'fetch'],
  ]);
});

it('signs in with email and password (static, instance, auth option, HTTP Basic) and anonymously', async () => {
  const p = await page();
  const out = await p.evaluate(async ({ baseUrl, projectId, email, password }) => {
    const { TiledeskClient } = window.TD.rest;
    const session = await TiledeskClient.signin({ baseUrl, email, password });
    const byToken = new TiledeskClient({ baseUrl, projectId, auth: { token: session.token } });
    const byPassword = new TiledeskClient({ baseUrl, projectId, auth: { email, password } });
    const again = await byPassword.auth.signin({ email, password });
    const basic = new TiledeskClient({ baseUrl, projectId, auth: { basic: { email, password } } }); // btoa in the page
    const visitor = await TiledeskClient.signinAnonymously({ baseUrl, projectId, firstname: 'Browser' });
    const guest = byPassword.withOptions({ auth: { token: visitor.token } });
    const requestId = `support-group-${projectId}-${crypto.randomUUID().replaceAll('-', '')}`;
    const sent = await guest.messages.send(requestId, { text: 'Hello from a browser' });
    const mine = await guest.requests.listMine().toArray();
    const result = {
      tokenPrefix: session.token.slice(0, 4),
      meByToken: (await byToken.users.me()).email,
      meByPassword: (await byPassword.users.me()).email,
      meByBasic: (await basic.users.me()).email,
      againEmail: again.user.email,
      visitorPrefix: visitor.token.slice(0, 4),
      visitorId: visitor.user._id,
      sentSender: sent.sender,
      sentRequestFirstText: sent.request?.first_text,
      mine: mine.map((r) => r.request_id),
      requestId,
    };
    await Promise.all([byToken.close(), byPassword.close(), basic.close()]);
    return result;
  }, env());
  expect(out).toMatchObject({
    tokenPrefix: 'JWT ',
    meByToken: server.owner.email,
    meByPassword: server.owner.email,
    meByBasic: server.owner.email,
    againEmail: server.owner.email,
    visitorPrefix: 'JWT ',
    sentRequestFirstText: 'Hello from a browser',
  });
  expect(out.sentSender).toBe(out.visitorId);
  expect(out.mine).toEqual([out.requestId]);
});

it('creates conversations, lists them and pages through them (await one page, for-await all pages)', async () => {
  const p = await page();
  const out = await p.evaluate(async ({ baseUrl, projectId, email, password }) => {
    const client = new window.TD.rest.TiledeskClient({ baseUrl, projectId, auth: { email, password } });
    const marker = crypto.randomUUID().slice(0, 8);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await client.requests.create({ first_text: `${marker} #${i}` })).request_id);
    const first = await client.requests.list({ limit: 2 });
    const second = first.hasNextPage() ? await first.nextPage() : undefined;
    const all: string[] = [];
    for await (const r of client.requests.list({ limit: 2 })) if (r.first_text?.startsWith(marker)) all.push(r.request_id);
    const got = await client.requests.get(created[0]!);
    await client.close();
    return {
      created,
      firstPage: { size: first.items.length, perPage: first.perPage, hasNext: first.hasNextPage() },
      secondPageSize: second?.items.length,
      all,
      got: got.first_text,
      marker,
    };
  }, env());
  expect(out.firstPage).toEqual({ size: 2, perPage: 2, hasNext: true });
  expect(out.secondPageSize).toBe(2);
  expect([...out.all].sort()).toEqual([...out.created].sort());
  expect(out.got).toBe(`${out.marker} #0`);
});

it('sends and lists messages, and imports a history read back in order', async () => {
  const p = await page();
  const out = await p.evaluate(async ({ baseUrl, projectId, email, password }) => {
    const { TiledeskClient, ImportChunkError, NotFoundError } = window.TD.rest;
    const client = new TiledeskClient({ baseUrl, projectId, auth: { email, password } });
    const { request_id } = await client.requests.create({ first_text: 'import me' });
    const sent = await client.messages.send(request_id, { text: 'How can I help?', attributes: { source: 'browser' } });
    const listed = (await client.messages.list(request_id)).map((m) => m.text);
    const start = Date.UTC(2024, 4, 1, 10);
    const history = Array.from({ length: 12 }, (_, i) => ({ text: `h${i}`, timestamp: new Date(start + i * 1000) }));
    const chunks: number[] = [];
    const saved = await client.messages.import(request_id, history, { maxChunkMessages: 5, onChunk: (c) => chunks.push(c.end) });
    const readBack = (await client.messages.list(request_id, { order: 'clienttimestamp' })).map((m) => m.text);
    let missing: unknown;
    try {
      await client.messages.import(`support-group-${projectId}-missing`, [{ text: 'x' }]);
    } catch (e) {
      missing = e instanceof ImportChunkError && {
        name: e.name,
        notFound: e.cause instanceof NotFoundError,
        maybePartiallySaved: e.maybePartiallySaved,
        start: e.start,
      };
    }
    await client.close();
    return { sent: [sent.text, sent.attributes?.source, sent.request?.request_id === request_id], listed, saved: saved.length, chunks, readBack, missing };
  }, env());
  expect(out.sent).toEqual(['How can I help?', 'browser', true]);
  expect(out.listed).toEqual(['How can I help?']);
  expect(out.saved).toBe(12);
  expect(out.chunks).toEqual([5, 10, 12]);
  expect(out.readBack).toHaveLength(13);
  expect(out.readBack.filter((text) => text?.startsWith('h'))).toEqual(Array.from({ length: 12 }, (_, i) => `h${i}`));
  expect(out.missing).toEqual({ name: 'ImportChunkError', notFound: true, maybePartiallySaved: false, start: 0 });
});

it('maps HTTP errors to typed errors: 404, and 401 with its plain-text body, without leaking the token', async () => {
  const p = await page();
  const badToken = server.signJwt({ _id: server.owner.userId }, 'not-the-secret');
  const out = await p.evaluate(
    async ({ baseUrl, projectId, email, password, badToken }) => {
      const { TiledeskClient, NotFoundError, AuthenticationError, APIError, TiledeskError } = window.TD.rest;
      const describe = (e: unknown) =>
        e instanceof APIError
          ? {
              name: e.name,
              code: e.code,
              status: e.status,
              serverMessage: e.serverMessage,
              isTiledeskError: e instanceof TiledeskError,
              isNotFound: e instanceof NotFoundError,
              isAuthentication: e instanceof AuthenticationError,
              leaksToken: JSON.stringify(e.toJSON()).includes(badToken) || e.message.includes(badToken),
            }
          : { name: String(e) };
      const client = new TiledeskClient({ baseUrl, projectId, auth: { email, password } });
      const bad = new TiledeskClient({ baseUrl, projectId, auth: { token: badToken } });
      const errors: unknown[] = [];
      for (const call of [() => client.requests.get('support-group-does-not-exist'), () => bad.users.me()]) {
        try {
          await call();
          errors.push('resolved');
        } catch (e) {
          errors.push(describe(e));
        }
      }
      await Promise.all([client.close(), bad.close()]);
      return errors;
    },
    { ...env(), badToken },
  );
  expect(out[0]).toMatchObject({ name: 'NotFoundError', code: 'not_found', status: 404, isTiledeskError: true, isNotFound: true });
  expect(out[1]).toEqual({
    name: 'AuthenticationError',
    code: 'unauthorized',
    status: 401,
    serverMessage: 'Unauthorized',
    isTiledeskError: true,
    isNotFound: false,
    isAuthentication: true,
    leaksToken: false,
  });
});

it('retries a 429 and a 503 through the browser’s fetch, then succeeds', async () => {
  const p = await page();
  const P = server.project.id;
  server.faults.route({ method: 'GET', path: `/${P}/requests/count`, status: 429, headers: { 'Retry-After': '0' }, times: 1 });
  server.faults.route({ method: 'GET', path: `/${P}/requests/count`, status: 503, body: 'maintenance', times: 1 });
  const out = await p.evaluate(async ({ baseUrl, projectId, email, password }) => {
    const retries: Array<[number, string]> = [];
    const client = new window.TD.rest.TiledeskClient({
      baseUrl,
      projectId,
      auth: { email, password },
      retryDelay: { baseDelayMs: 10, maxDelayMs: 50 },
      hooks: { onRetry: (e) => retries.push([e.attempt, e.error.code]) },
    });
    const count = await client.requests.count();
    await client.close();
    return { retries, countIsObject: typeof count === 'object' };
  }, env());
  expect(out.retries).toEqual([
    [1, 'rate_limited'],
    [2, 'server_error'],
  ]);
});

it('timeouts, aborts and unreachable servers become TimeoutError, AbortError and ConnectionError in the browser', async () => {
  const p = await page();
  const P = server.project.id;
  server.faults.route({ method: 'GET', path: `/${P}/requests/count`, hang: true });
  // A port nothing listens on: the browser reports only an opaque "Failed to fetch".
  const closed = await startTiledeskServer();
  const deadUrl = closed.url;
  await closed.close();
  const out = await p.evaluate(
    async ({ baseUrl, projectId, email, password, deadUrl }) => {
      const { TiledeskClient, TimeoutError, ConnectionError, AbortError } = window.TD.rest;
      const client = new TiledeskClient({ baseUrl, projectId, auth: { email, password }, maxRetries: 0 });
      await client.users.me(); // signed in before the hung route is hit
      const outcome = async (call: () => Promise<unknown>) => {
        try {
          await call();
          return 'resolved';
        } catch (e) {
          return {
            name: (e as Error).name,
            code: (e as { code?: string }).code,
            timeout: e instanceof TimeoutError,
            connection: e instanceof ConnectionError,
            abort: e instanceof AbortError,
          };
        }
      };
      const controller = new AbortController();
      const aborted = outcome(() => client.requests.count({}, { signal: controller.signal }));
      setTimeout(() => controller.abort(), 100);
      const dead = new TiledeskClient({ baseUrl: deadUrl, projectId, auth: { token: 'JWT x' }, maxRetries: 1, retryDelay: { baseDelayMs: 10, maxDelayMs: 20 } });
      const result = {
        timedOut: await outcome(() => client.requests.count({}, { timeout: 300 })),
        aborted: await aborted,
        unreachable: await outcome(() => dead.users.me()),
      };
      await Promise.all([client.close(), dead.close()]);
      return result;
    },
    { ...env(), deadUrl },
  );
  expect(out.timedOut).toEqual({ name: 'TimeoutError', code: 'timeout', timeout: true, connection: true, abort: false });
  expect(out.aborted).toEqual({ name: 'AbortError', code: 'aborted', timeout: false, connection: false, abort: true });
  expect(out.unreachable).toEqual({ name: 'ConnectionError', code: 'connection_error', timeout: false, connection: true, abort: false });
});
