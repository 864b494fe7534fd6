/**
 * Faults a real server cannot produce on demand, with msw over the `fetch` transport: 429 storms with and without
 * Retry-After (seconds, HTTP date, retry-after-ms), network errors, bodies that stream too slowly, proxy HTML pages.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ConnectionError,
  InternalServerError,
  RateLimitError,
  TiledeskClient,
  TimeoutError,
  type RetryEvent,
  type TiledeskClientOptions,
} from '../../src/index.js';

const base = 'https://api.example.test/v3';
const pid = '64f0c0ffee0000000000beef';
const mock = setupServer();

beforeAll(() => mock.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mock.resetHandlers());
afterAll(() => mock.close());

function client(options: Partial<TiledeskClientOptions> = {}) {
  const retries: RetryEvent[] = [];
  let attempts = 0;
  const c = new TiledeskClient({
    baseUrl: base, projectId: pid, auth: { token: 'JWT aaaaaaaaaa.bbbbbbbbbb.cccccccccc' },
    // msw patches the global fetch when it starts listening: look it up per call.
    fetch: (url, init) => globalThis.fetch(url, init),
    retryDelay: { baseDelayMs: 2, maxDelayMs: 16 },
    hooks: { onRequest: () => { attempts++; }, onRetry: (e) => { retries.push(e); } },
    ...options,
  });
  return { c, retries, attempts: () => attempts };
}

const page = { perPage: 40, count: 0, requests: [] };

describe('429 storms', () => {
  it('without Retry-After: capped full-jitter backoff, then success', async () => {
    let n = 0;
    mock.use(http.get(`${base}/${pid}/requests`, () => (++n <= 4 ? HttpResponse.json({ message: 'Too Many Requests' }, { status: 429 }) : HttpResponse.json(page))));
    const { c, retries } = client({ maxRetries: 5 });
    expect((await c.requests.list()).count).toBe(0);
    expect(retries).toHaveLength(4);
    retries.forEach((r, i) => {
      expect(r.delayMs).toBeGreaterThanOrEqual(0);
      expect(r.delayMs).toBeLessThanOrEqual(Math.min(16, 2 * 2 ** i));
      expect(r.error).toBeInstanceOf(RateLimitError);
    });
  });

  it('each delay is drawn uniformly below its ceiling (full jitter), not the ceiling itself', async () => {
    let n = 0;
    mock.use(http.get(`${base}/${pid}/requests`, () => (++n <= 4 ? HttpResponse.json({ message: 'Too Many Requests' }, { status: 429 }) : HttpResponse.json(page))));
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const { c, retries } = client({ maxRetries: 5 });
      await c.requests.list();
      // Ceilings 2, 4, 8, 16 (capped at maxDelayMs 16): half of each.
      expect(retries.map((r) => r.delayMs)).toEqual([1, 2, 4, 8]);
    } finally {
      random.mockRestore();
    }
  });

  it('Retry-After as an HTTP date', async () => {
    let n = 0;
    mock.use(http.get(`${base}/${pid}/requests`, () =>
      ++n === 1
        ? new HttpResponse(null, { status: 429, headers: { 'Retry-After': new Date(Date.now() + 1_000).toUTCString() } })
        : HttpResponse.json(page)));
    const { c, retries } = client();
    await c.requests.list();
    expect(retries).toHaveLength(1);
    expect(retries[0]!.delayMs).toBeGreaterThan(0);
    expect(retries[0]!.delayMs).toBeLessThanOrEqual(1_000);
  });

  it('a storm that outlasts the retries surfaces a RateLimitError with retryAfterMs', async () => {
    mock.use(http.get(`${base}/${pid}/requests`, () => new HttpResponse('slow down', { status: 429, headers: { 'retry-after-ms': '5' } })));
    const { c, attempts } = client({ maxRetries: 2 });
    const e = await c.requests.list().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RateLimitError);
    expect((e as RateLimitError).retryAfterMs).toBe(5);
    expect((e as RateLimitError).serverMessage).toBe('slow down');
    expect(attempts()).toBe(3);
  });

  it('concurrent callers share one retry budget', async () => {
    mock.use(http.get(`${base}/${pid}/requests`, () => new HttpResponse(null, { status: 429 })));
    const { c, attempts } = client({ maxRetries: 3, retryBudget: { capacity: 3, refillPerSecond: 0 } });
    await Promise.allSettled(Array.from({ length: 10 }, () => c.requests.list()));
    expect(attempts()).toBe(13);
  });
});

describe('network and body faults', () => {
  it('a network error is a ConnectionError; GETs are retried', async () => {
    let n = 0;
    mock.use(http.get(`${base}/${pid}/requests/r1`, () => (++n === 1 ? HttpResponse.error() : HttpResponse.json({ _id: 'x', request_id: 'r1' }))));
    const { c, attempts } = client();
    expect((await c.requests.get('r1')).request_id).toBe('r1');
    expect(attempts()).toBe(2);

    mock.use(http.post(`${base}/${pid}/requests`, () => HttpResponse.error()));
    await expect(c.requests.create({ first_text: 'x' })).rejects.toBeInstanceOf(ConnectionError);
  });

  it('a body that streams too slowly hits the timeout', async () => {
    mock.use(http.get(`${base}/${pid}/requests/r1`, () => {
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"_id":"x",'));
          // The rest never arrives.
        },
      });
      return new HttpResponse(stream, { headers: { 'content-type': 'application/json' } });
    }));
    const { c } = client({ timeout: 100, maxRetries: 0 });
    await expect(c.requests.get('r1')).rejects.toBeInstanceOf(TimeoutError);
  });

  it('a proxy’s HTML 503 with Retry-After is retried and then reported readably', async () => {
    mock.use(http.get(`${base}/${pid}/requests`, () =>
      new HttpResponse('<html><head><title>503 Service Temporarily Unavailable</title></head><body>nginx</body></html>', {
        status: 503, headers: { 'content-type': 'text/html', 'Retry-After': '0' },
      })));
    const { c, attempts } = client({ maxRetries: 1 });
    const e = await c.requests.list().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InternalServerError);
    expect((e as InternalServerError).serverMessage).toBe('503 Service Temporarily Unavailable');
    expect(attempts()).toBe(2);
  });

  it('the base URL path prefix is part of every URL', async () => {
    const urls: string[] = [];
    mock.use(http.all('*', ({ request }) => { urls.push(request.url); return HttpResponse.json(page); }));
    const { c } = client();
    await c.requests.list({ status: [100, 200], limit: 5 });
    expect(urls).toHaveLength(1);
    const url = new URL(urls[0]!);
    expect(url.origin + url.pathname).toBe(`${base}/${pid}/requests`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ status: '100,200', limit: '5', page: '0' });
  });
});
