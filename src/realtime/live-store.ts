import { Emitter } from './emitter.js';
import { linkedSignal, raceSignal } from '../shared/abort.js';
import { isPlainObject, isSafeKey, safeAssign } from '../shared/merge.js';
import type { RealtimeClient } from './client.js';
import { checkNumberOption, optionError, RealtimeError } from './errors.js';
import type { Subscription } from './subscriptions.js';
import type { FrameInfo, SubscriptionState } from './types.js';

/** Per-call options the live stores pass to REST calls. */
export interface LiveRestCallOptions {
  projectId: string;
  signal?: AbortSignal;
}

/**
 * The REST calls live stores use to fill what a capped realtime snapshot hides (100 requests, the oldest 300
 * messages). Structural on purpose: `TiledeskClient` satisfies it as is (`{ rest: client }`), and so does any
 * object with these methods. A call may return an async iterable (read to the end: the complete list), an array
 * (complete), or a page object `{ requests | messages | items: [...], count? }` (complete only with all `count` items).
 *
 * @example
 * ```ts
 * const live = new LiveRequests(rt, projectId, { rest: client }); // client: TiledeskClient
 * const custom: LiveRestSource = {
 *   messages: { list: (requestId, _params, { projectId, signal }) => myFetchAllMessages(projectId, requestId, signal) },
 * };
 * ```
 */
export interface LiveRestSource {
  requests?: {
    /** The project's open conversations (the server's default filter of `GET /<pid>/requests`), every page. */
    list(query: { limit?: number }, options: LiveRestCallOptions): AsyncIterable<unknown> | PromiseLike<unknown>;
  };
  messages?: {
    /** Every message of a conversation, oldest first (`GET /<pid>/requests/<rid>/messages` has no limit). */
    list(requestId: string, params: Record<string, never>, options: LiveRestCallOptions): AsyncIterable<unknown> | PromiseLike<unknown>;
  };
}

/**
 * One batch of changes, emitted at most once per event-loop turn, with net effects. An item sent again unchanged
 * (every snapshot after a reconnect sends every item again) is in none of the lists and keeps its object.
 *
 * @example
 * ```ts
 * live.on('change', ({ added, updated, removed }) => {
 *   for (const r of updated) flash(r.request_id); // only what changed, also after a reconnect
 *   render(live.list());
 * });
 * ```
 */
export interface LiveChange<T> {
  added: T[];
  updated: T[];
  removed: T[];
}

/** Emitted on `gap` when data is known to be missing and no `rest` source can fill it. */
export interface LiveGap {
  reason: 'snapshot_capped';
  topic: string;
  /** Items the capped snapshot held. */
  snapshotSize: number;
}

/** Events of live stores. */
export interface LiveStoreEvents<T> {
  change: (change: LiveChange<T>) => void;
  gap: (gap: LiveGap) => void;
  error: (error: Error) => void;
}

/** Options shared by live stores. */
export interface LiveStoreOptions {
  /** REST source for gap-fill when the snapshot is capped; without it a `gap` event is emitted instead. */
  rest?: LiveRestSource;
  /** At most this many items are read from REST in one fill. Default 5 000. */
  restLimit?: number;
  /** Timeout of one REST fill. Default 30 000 ms. */
  restTimeoutMs?: number;
}

/**
 * Refuses store options of the wrong kind before anything is subscribed, by the client's rules: a NaN or negative
 * `restTimeoutMs` meant no timeout (a REST source that ignores its signal kept `ready` waiting), a `filter` that is no
 * function failed on every frame.
 */
function checkStoreOptions(options: LiveStoreOptions & { filter?: unknown }): void {
  for (const [key, value] of Object.entries(options)) checkNumberOption(key, value);
  if (options.filter !== undefined && typeof options.filter !== 'function') throw optionError('filter', 'a function');
}

type Pending<T> = { kind: 'added' | 'updated' | 'removed'; item: T };

/**
 * Past this many fields (top level and `snapshot`'s together), an incoming version replaces the known one instead of
 * being merged into it; a Tiledesk request has about 40. A merge copies the known item, so without a bound a server
 * could grow one item field by field and make every later frame cost the item's size: 10,000 versions of one request
 * in one frame took 36 s. At 128 a frame of tiny versions costs at most 0.25 µs a byte (0.06 for real documents).
 */
const MERGED_FIELDS_MAX = 128;

/** Fields of an item as {@link MERGED_FIELDS_MAX} counts them. */
function fieldCount(item: Record<string, unknown>): number {
  return Object.keys(item).length + (isPlainObject(item.snapshot) ? Object.keys(item.snapshot).length : 0);
}

/**
 * State built from a topic's snapshot and live events: upsert by id, field-by-field merges safe against
 * `__proto__`/`constructor` keys, reconciliation on every snapshot, change events batched per turn.
 * @internal base of {@link LiveRequests} and {@link LiveMessages}.
 */
export abstract class LiveStore<T extends Record<string, unknown>> {
  /** Resolves once the first snapshot (and any REST fill it started) is applied; rejects if the subscription fails. */
  readonly ready: Promise<void>;
  protected readonly subscription: Subscription<T>;
  protected readonly items = new Map<string, T>();
  private readonly events = new Emitter<LiveStoreEvents<T>>();
  /** Mutation sequence per key: a REST result must not remove what changed after the request was sent. */
  private readonly touched = new Map<string, number>();
  private sequence = 0;
  /** Removals so far: a fill during which this moved read shifted pages. */
  private removals = 0;
  private pending = new Map<string, Pending<T>>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private sorted: T[] | undefined;
  private fill: { abort: () => void } | undefined;
  private closed = false;
  private settleReady: ((error?: Error) => void) | undefined;
  /** {@link fieldCount} of each version made: deciding whether to merge must not cost the size of a huge one. */
  private readonly fieldCounts = new WeakMap<T, number>();
  /**
   * Keys that live frames changed while the store waited for its snapshot, on the connection `epoch`. A fresh
   * registration gets its snapshot before any live frame, so such frames mean the topic was already registered on
   * this socket (another subscription holds it) and the snapshot answers a query that may predate them.
   */
  private early: { epoch: number; keys: Set<string> } | undefined;
  /**
   * The topic was held on this client already when the store subscribed (another store or subscription): frames
   * before the store's first snapshot may then be newer than it (see `early`). Otherwise the registration is new and
   * the server sends its snapshot first, so such frames were sent by an older one, its unsubscribe still on its way
   * (a store made again after another closed, a remount): older than the snapshot, which has what they said.
   */
  private readonly joined: boolean;

  protected constructor(
    private readonly rt: RealtimeClient,
    readonly topic: string,
    protected readonly storeOptions: LiveStoreOptions & { snapshotLimit?: number },
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => {
        this.settleReady = undefined;
        if (error) reject(error);
        else resolve();
      };
    });
    this.ready.catch(() => {});
    checkStoreOptions(storeOptions);
    const held = rt.stats.topics;
    this.subscription = rt.subscribe<T>(topic, {
      snapshot: (items) => this.onSnapshot(items),
      create: (item, info) => this.onLive(item, info),
      update: (item, info) => this.onLive(item, info),
      state: (state, error) => this.onSubscriptionState(state, error),
    });
    this.joined = rt.stats.topics === held;
  }

  /** Listens to `change`, `gap` or `error`; returns a function that removes the listener. */
  on<E extends keyof LiveStoreEvents<T>>(event: E, listener: LiveStoreEvents<T>[E]): () => void {
    return this.events.on(event, listener);
  }

  off<E extends keyof LiveStoreEvents<T>>(event: E, listener: LiveStoreEvents<T>[E]): void {
    this.events.off(event, listener);
  }

  /** The subscription state of the underlying topic. */
  get state(): SubscriptionState {
    return this.subscription.state;
  }

  get size(): number {
    return this.items.size;
  }

  get(id: string): T | undefined {
    return this.items.get(id);
  }

  /**
   * Every item, in the store's order. The same array is returned until something changes (cheap for UIs); an item
   * keeps its object until a version that differs arrives.
   */
  list(): readonly T[] {
    if (!this.sorted) this.sorted = [...this.items.values()].sort((a, b) => this.compare(a, b));
    return this.sorted;
  }

  /** Unsubscribes, cancels any REST fill and pending change event, removes listeners. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.subscription.unsubscribe();
    this.fill?.abort();
    clearTimeout(this.flushTimer);
    this.pending.clear();
    this.settleReady?.(new RealtimeError('client_closed', 'the live store was closed', { topic: this.topic }));
    this.events.removeAllListeners();
  }

  protected abstract keyOf(item: unknown): string | undefined;
  protected abstract compare(a: T, b: T): number;
  /**
   * Applies a snapshot: upserts, then removes what the snapshot proves gone; returns whether it was capped. Keys in
   * `live` changed after the snapshot may have been queried: the snapshot neither applies nor removes them.
   */
  protected abstract reconcile(items: T[], live: ReadonlySet<string>): boolean;
  /** Applies one item from a live frame or from REST. */
  protected abstract apply(item: T, info?: FrameInfo): void;
  protected abstract loadRest(signal: AbortSignal): AsyncIterable<unknown> | PromiseLike<unknown> | undefined;

  private onSnapshot(items: T[]): void {
    if (this.closed) return;
    // Only frames of this connection (`reconnects` counts sockets): a snapshot after a reconnect is the whole truth.
    const early = this.early?.epoch === this.rt.stats.reconnects ? this.early.keys : new Set<string>();
    this.early = undefined;
    this.reportKeyless(items);
    const capped = this.reconcile(items, early);
    if (!capped) return this.settleReady?.();
    const done = this.fillFromRest();
    if (done) void done.then(() => this.settleReady?.());
    else {
      this.events.emit('gap', { reason: 'snapshot_capped', topic: this.topic, snapshotSize: items.length });
      this.settleReady?.();
    }
  }

  private onLive(item: T, info: FrameInfo): void {
    if (this.closed || this.reportKeyless([item])) return;
    // Frames before the store's snapshot (see `joined`). On a topic it joined, from the registration already there
    // and perhaps newer than the snapshot, which neither applies nor removes what they changed: without that, a store
    // created on a topic another store held brought back a conversation closed during its snapshot's query and
    // dropped one created then (see `early`). On one it did not, from an older registration: the snapshot is newer,
    // and such a frame, taken as newer, kept a conversation the snapshot proved closed open for good.
    if (this.subscription.awaitingSnapshot) {
      if (!this.joined) return;
      const epoch = this.rt.stats.reconnects;
      if (this.early?.epoch !== epoch) this.early = { epoch, keys: new Set() };
      const key = this.keyOf(item);
      if (key !== undefined) this.early.keys.add(key);
    }
    this.apply(item, info);
  }

  /**
   * Items without the store's id cannot be stored. The client reports them (`badFrame`, `invalid_payload`) only when
   * it validates; without that they would vanish unexplained. Returns whether any was found.
   */
  private reportKeyless(items: readonly unknown[]): boolean {
    let keyless = 0;
    for (const item of items) if (this.keyOf(item) === undefined) keyless++;
    if (keyless) {
      this.reportError(
        new RealtimeError('item_without_id', `${keyless} of ${items.length} items on ${this.topic} have no id: skipped`, { topic: this.topic }),
      );
    }
    return keyless > 0;
  }

  /** Reports a problem on `error`; the store keeps going. @internal */
  protected reportError(error: Error): void {
    this.events.emit('error', error);
  }

  private onSubscriptionState(state: SubscriptionState, error?: Error): void {
    if (state === 'error' && error) {
      this.early = undefined; // a failed client may connect() again without counting a reconnect
      this.settleReady?.(error);
      this.events.emit('error', error);
    } else if (state === 'unsubscribed' && !this.closed) {
      this.close(); // the client was closed under us
    }
  }

  /**
   * Starts a REST fill if a source is configured; resolves when applied (errors are reported, never thrown).
   * `rounds`: REST lists page by offset, so an item leaving the list while the pages are read shifts the next page
   * by one and an item is never read; the fill then runs again, at most this many more times.
   */
  private fillFromRest(rounds = 2): Promise<void> | undefined {
    this.fill?.abort();
    const cancel = new AbortController();
    const { signal, dispose } = linkedSignal(cancel.signal, this.storeOptions.restTimeoutMs ?? 30_000);
    let source: AsyncIterable<unknown> | PromiseLike<unknown> | undefined;
    try {
      source = this.loadRest(signal);
    } catch (cause) {
      source = Promise.reject(cause);
    }
    if (!source) {
      dispose();
      return undefined;
    }
    const fill = { abort: () => cancel.abort() };
    this.fill = fill;
    const startedAt = this.sequence;
    const removalsBefore = this.removals;
    // Raced: a source that ignores the signal must not hold `ready` past restTimeoutMs.
    return raceSignal(collect(source, this.storeOptions.restLimit ?? 5_000), signal)
      .then(({ items, complete }): Promise<void> | undefined => {
        if (signal.aborted || this.closed) return;
        const shifted = this.removals !== removalsBefore;
        this.reportKeyless(items);
        const seen = new Set<string>();
        for (const item of items) {
          const key = this.keyOf(item);
          if (key === undefined) continue;
          seen.add(key);
          // Live frames that arrived meanwhile win, removals included: a conversation closed while the pages were
          // read must not come back with the status REST read before.
          if ((this.touched.get(key) ?? 0) > startedAt) continue;
          this.apply(item as T);
        }
        // A complete REST list is authoritative for everything that did not change since it was requested. Not when
        // the pages shifted and another round reads them again: a held item that went unread is not gone, and a
        // request dropped here would be remembered as gone (see `drop`), its next read ignored.
        const again = shifted && rounds > 0;
        if (complete && !again) {
          for (const key of [...this.items.keys()]) {
            if (!seen.has(key) && (this.touched.get(key) ?? 0) <= startedAt) this.drop(key);
          }
        }
        if (again) {
          dispose();
          return this.fillFromRest(rounds - 1);
        }
      })
      .catch((cause: unknown) => {
        if (cancel.signal.aborted || this.closed) return;
        this.events.emit('error', new RealtimeError('gap_fill_failed', `REST gap-fill for ${this.topic} failed`, { topic: this.topic, cause }));
      })
      .finally(() => {
        dispose();
        if (this.fill !== fill) return;
        this.fill = undefined;
        // Removal marks are needed only while a fill is in flight.
        for (const key of this.touched.keys()) if (!this.items.has(key)) this.touched.delete(key);
      });
  }

  /**
   * The version `incoming` makes of the known item: merged into it (see {@link mergeItems}), within bounds. Stores
   * nothing. @internal
   */
  protected merged(key: string, incoming: T): T {
    const known = this.items.get(key);
    const merge = known !== undefined && (this.fieldCounts.get(known) ?? Infinity) + fieldCount(incoming) <= MERGED_FIELDS_MAX;
    const next = mergeItems(merge ? known : ({} as T), incoming);
    this.fieldCounts.set(next, fieldCount(next));
    return next;
  }

  /** Inserts or merges one item; records the change for the next batch. */
  protected upsert(key: string, incoming: T): T {
    return this.put(key, this.merged(key, incoming));
  }

  /** Stores a version made by {@link merged}; records the change for the next batch. @internal */
  protected put(key: string, next: T): T {
    const known = this.items.get(key);
    // Every snapshot after a reconnect sends every item again, mostly unchanged: each was reported as updated and
    // replaced by an equal copy, so a dashboard re-rendered and flagged them all and `list()` was a new array though
    // nothing had changed. Still marked as touched: a REST fill in flight must not remove what a frame just showed.
    if (known !== undefined && sameValue(known, next)) {
      this.touched.set(key, ++this.sequence);
      return known;
    }
    this.items.set(key, next);
    this.record(key, known !== undefined ? 'updated' : 'added', next);
    return next;
  }

  /**
   * Removes a held item that a complete list (a snapshot, a complete REST fill) lacks, so it left after the version
   * held. LiveRequests also remembers that it left. @internal
   */
  protected drop(key: string): void {
    this.remove(key);
  }

  /** Removes an item; `last` (the version that made it leave, e.g. the UPDATE to status 1000) is what `removed` reports. */
  protected remove(key: string, last?: Record<string, unknown>): void {
    const existing = this.items.get(key);
    // While a fill is in flight, the removal is marked so that the fill's older copy does not bring the item back,
    // and counted as a shift of the pages. Also for an item the store does not hold: one beyond a capped snapshot,
    // closed while the pages are read, came back with the status REST had read, and the page its leaving shifted
    // went unread, which made a held conversation in it look gone from the complete list.
    if (this.fill) {
      this.touched.set(key, ++this.sequence);
      this.removals++;
    } else this.touched.delete(key);
    if (!existing) return;
    this.items.delete(key);
    this.record(key, 'removed', (last as T | undefined) ?? existing);
  }

  private record(key: string, kind: Pending<T>['kind'], item: T): void {
    this.sorted = undefined;
    if (kind !== 'removed') this.touched.set(key, ++this.sequence);
    const before = this.pending.get(key);
    if (!before) this.pending.set(key, { kind, item });
    else if (kind === 'removed') {
      if (before.kind === 'added') this.pending.delete(key); // added and removed within one batch: nothing happened
      else this.pending.set(key, { kind, item });
    } else {
      // added stays added; removed then back again is an update of what the listener knew.
      this.pending.set(key, { kind: before.kind === 'added' ? 'added' : 'updated', item });
    }
    if (this.flushTimer === undefined) this.flushTimer = setTimeout(() => this.flush(), 0);
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.pending.size === 0 || this.closed) return;
    const change: LiveChange<T> = { added: [], updated: [], removed: [] };
    for (const { kind, item } of this.pending.values()) change[kind].push(item);
    this.pending = new Map();
    this.events.emit('change', change);
  }
}

/**
 * Field-by-field merge of an incoming version into the known one, for the shapes the server mixes (protocol §7.7):
 * - fields the incoming version omits are kept (an UPDATE carries no `snapshot.lead`/`requester`/`department`);
 * - `snapshot` is merged one level deep for the same reason (and so never keeps forbidden keys either);
 * - a populated document is not replaced by its bare id (snapshots carry `lead: "<id>"` where live frames carried
 *   the lead itself);
 * - `__proto__`, `constructor` and `prototype` keys are never copied.
 *
 * @example
 * ```ts
 * mergeItems({ status: 200, lead: { _id: 'L', fullname: 'Ann' } }, { status: 1000, lead: 'L' });
 * // → { status: 1000, lead: { _id: 'L', fullname: 'Ann' } }
 * ```
 */
export function mergeItems<T extends Record<string, unknown>>(known: T, incoming: Record<string, unknown>): T {
  const merged = safeAssign(known, incoming) as Record<string, unknown>;
  for (const key of Object.keys(incoming)) {
    if (!isSafeKey(key)) continue;
    const before = known[key];
    const after = incoming[key];
    if (typeof after === 'string' && isPlainObject(before) && (before._id === after || before.id === after)) merged[key] = before;
    else if (key === 'snapshot' && isPlainObject(after)) merged[key] = safeAssign(isPlainObject(before) ? before : {}, after);
  }
  return merged as T;
}

/**
 * Whether two JSON values are equal, key order aside. Past 32 levels of nesting (no Tiledesk document has 10) they
 * count as different: comparing a deeper value would cost stack, and treating it as changed is always safe. Its cost
 * stays within the frame's own size, amortised: what a merge kept is the same object (`===`); a known field read to
 * its end either equals the incoming one (as large, in the frame) or differs and is replaced by it, once.
 */
function sameValue(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (depth > 32 || typeof a != 'object' || typeof b != 'object' || !a || !b || Array.isArray(a) != Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return keys.length == Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameValue((a as never)[key], (b as never)[key], depth + 1));
}

/** Epoch ms of an ISO date field; NaN when absent or unparsable. */
export function timeOf(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value) : NaN;
}

async function collect(source: AsyncIterable<unknown> | PromiseLike<unknown>, limit: number): Promise<{ items: unknown[]; complete: boolean }> {
  const items: unknown[] = [];
  if (typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    for await (const item of source as AsyncIterable<unknown>) {
      if (items.length >= limit) return { items, complete: false };
      items.push(item);
    }
    return { items, complete: true };
  }
  const value = await source;
  if (Array.isArray(value)) return { items: value.slice(0, limit), complete: value.length <= limit };
  if (isPlainObject(value)) {
    const list = [value.requests, value.messages, value.items].find(Array.isArray) as unknown[] | undefined;
    if (list) {
      const count = typeof value.count === 'number' ? value.count : undefined;
      return { items: list.slice(0, limit), complete: list.length <= limit && count !== undefined && list.length >= count };
    }
  }
  throw new TypeError('the REST source returned neither an array, an async iterable nor a page object');
}
