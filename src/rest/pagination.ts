import { ValidationError } from './errors.js';

/** One page of a list endpoint, as the server described it. */
export interface Page<T> {
  items: T[];
  /** The page size the server actually used (it replaces a `limit` above 100 by 40 on requests). */
  perPage: number;
  /** Total matching items, as counted by the server. */
  count: number;
  /** 0-based page number. */
  page: number;
  hasNextPage(): boolean;
  /** Fetches the following page; rejects with a `ValidationError` (field `page`, nothing sent) when there is none. */
  nextPage(): Promise<Page<T>>;
}

export interface RawPage<T> {
  items: T[];
  perPage: number;
  count: number;
}

type FetchPage<T> = (page: number) => Promise<RawPage<T>>;

function hasMore(raw: RawPage<unknown>, page: number): boolean {
  // `count` is 0 when the server was told not to count; then a full page is the only hint.
  return raw.items.length > 0 && raw.perPage > 0 && (raw.count > 0 ? (page + 1) * raw.perPage < raw.count : raw.items.length >= raw.perPage);
}

function toPage<T>(raw: RawPage<T>, page: number, fetchPage: FetchPage<T>): Page<T> {
  return {
    items: raw.items,
    perPage: raw.perPage,
    count: raw.count,
    page,
    hasNextPage: () => hasMore(raw, page),
    nextPage: () => {
      if (!hasMore(raw, page)) return Promise.reject(new ValidationError('page', 'has no next page'));
      return fetchPage(page + 1).then((next) => toPage(next, page + 1, fetchPage));
    },
  };
}

/**
 * The result of a list call: `await` it for the first page, or `for await` over it for every item of every page.
 * Nothing is sent until you do one of the two. Pagination follows the server's `perPage` and `count`. Items already
 * seen in this iteration (by `_id`) are skipped, since new conversations shift later pages while you read; when the
 * `count` drops (conversations closed meanwhile, by the loop's body too), the pages they pulled back are read again.
 *
 * @example
 * ```ts
 * const first = await client.requests.list({ limit: 50 });
 * for await (const r of client.requests.list({ status: [100, 200] })) console.log(r.request_id);
 * ```
 */
export class PagePromise<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  #first: Promise<RawPage<T>> | undefined;
  #fetchPage: FetchPage<T>;
  #startPage: number;

  constructor(fetchPage: FetchPage<T>, startPage: number) {
    this.#fetchPage = fetchPage;
    this.#startPage = startPage;
  }

  /** With `catch` and `finally`, makes it a `Promise<Page<T>>` to TypeScript: fetchers typed `() => T | Promise<T>` infer the page. */
  get [Symbol.toStringTag]() {
    return 'PagePromise';
  }

  /** A list call whose arguments were rejected: the error surfaces on `await` or on iteration, like any other. */
  static rejected<T>(error: unknown): PagePromise<T> {
    return new PagePromise<T>(() => Promise.reject(error), 0);
  }

  #firstRaw(): Promise<RawPage<T>> {
    return (this.#first ??= this.#fetchPage(this.#startPage));
  }

  then<A = Page<T>, B = never>(
    onfulfilled?: ((value: Page<T>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#firstRaw()
      .then((raw) => toPage(raw, this.#startPage, this.#fetchPage))
      .then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<Page<T> | B> {
    return this.then(undefined, onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<Page<T>> {
    return this.then().finally(onfinally);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    const start = this.#startPage;
    const seen = new Set<unknown>();
    let page = start;
    /** The furthest page fetched: before it, pages read again after items left may well hold nothing new. */
    let furthest = start;
    let raw = await this.#firstRaw();
    let count = raw.count;
    for (;;) {
      let fresh = 0;
      for (const item of raw.items) {
        const id = (item as { _id?: unknown })._id;
        if (id !== undefined) {
          if (seen.has(id)) continue;
          seen.add(id);
        }
        fresh++;
        yield item;
      }
      // A page of nothing new: a server (or proxy) that ignores `page` would otherwise be read forever. Unless the
      // count grew: a page's worth of new conversations at the head shifts a page already read into this one.
      if ((!fresh && page >= furthest && !(raw.count > count)) || !hasMore(raw, page)) return;
      count = raw.count;
      furthest = Math.max(furthest, ++page);
      raw = await this.#fetchPage(page);
      // Items that left the list meanwhile (closed by the loop's own body, or by anyone) moved every later item back
      // as many places, onto pages already read: go back that far and read on; what was seen is skipped. Each round
      // lowers the count, so this ends.
      for (let left; (left = count - raw.count) > 0; ) {
        count = raw.count;
        page = Math.max(start, page - Math.ceil(left / raw.perPage));
        raw = await this.#fetchPage(page);
      }
    }
  }

  /**
   * Collects every item (of every page) into an array, stopping after `max` items. A `max` that is not a number >= 0
   * (`NaN` from a bad setting) is a `ValidationError`, not a read of every page.
   */
  async toArray(max = Infinity): Promise<T[]> {
    const out: T[] = [];
    if (!(max >= 0)) throw new ValidationError('max', 'must be a number >= 0');
    // `max` 0 reads no page.
    if (max > 0) for await (const item of this) if (out.push(item) >= max) break;
    return out;
  }
}
