import { RealtimeError, SubscribeTimeoutError } from './errors.js';
import { LIST_KINDS, type TopicKind } from './topics.js';
import type { BadFrameReport, FrameInfo, SubscriptionHandlers, SubscriptionState } from './types.js';
import { reject, Rejection, type ItemCheck } from './validation.js';

/** What the registry needs from the client that owns it. */
export interface SubscriptionHost {
  /** Sends a frame if the socket is open; false otherwise (the registry re-sends everything on the next open). */
  send(frame: string): boolean;
  readonly subscribeTimeoutMs: number;
  readonly maxTopics: number;
  reportBadFrame(report: BadFrameReport): void;
  reportError(error: RealtimeError): void;
}

/** A frame of the wire protocol: `{ action, payload }`. */
export const wireFrame = (action: string, payload: object) => JSON.stringify({ action, payload });

/**
 * One `subscribe()` call. Several subscriptions may share a topic; the wire subscription lives as long as one of them.
 *
 * @example
 * ```ts
 * const sub = rt.subscribe(topics.requests(projectId), { update: (r) => console.log(r.request_id, r.status) });
 * await sub.ready;      // first frame on the topic, or a SubscribeTimeoutError
 * sub.unsubscribe();
 * ```
 */
export class Subscription<T = unknown> {
  // `declare`d fields are assigned in the constructor: no class-field initialisers are emitted for them.
  declare readonly topic: string;
  declare readonly kind: TopicKind;
  /** Resolves on the first frame for this exact topic; rejects with {@link SubscribeTimeoutError}, or when closed first. */
  declare readonly ready: Promise<void>;
  /** @internal true from each (re)subscribe until the snapshot is routed to this subscription. */
  awaitingSnapshot = true;
  #current: SubscriptionState = 'subscribing';
  #settle: ((error?: RealtimeError) => void) | undefined;
  readonly #handlers: SubscriptionHandlers<T>;
  readonly #check: ItemCheck | undefined;
  readonly #registry: Subscriptions;

  /** @internal use `RealtimeClient.subscribe`. */
  constructor(topic: string, kind: TopicKind, handlers: SubscriptionHandlers<T>, check: ItemCheck | undefined, registry: Subscriptions) {
    this.topic = topic;
    this.kind = kind;
    this.#handlers = handlers;
    this.#check = check;
    this.#registry = registry;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => {
        this.#settle = undefined;
        if (error) reject(error);
        else resolve();
      };
    });
    // Nobody is obliged to await `ready`: a rejection nobody observes must not crash the process.
    this.ready.catch(() => {});
  }

  /** `subscribing` → `subscribed` (→ `subscribing` again while reconnecting), `error` after a timeout, `unsubscribed`. */
  get state(): SubscriptionState {
    return this.#current;
  }

  /** Stops delivery; the server is told once no other subscription holds the topic. Idempotent. */
  unsubscribe(): void {
    this.#registry.remove(this);
  }

  /** @internal */
  setState(state: SubscriptionState, error?: RealtimeError): void {
    // `unsubscribed` is final, even when a handler ends the subscription in the middle of a dispatch.
    if (state === this.#current || this.#current === 'unsubscribed') return;
    this.#current = state;
    if (state === 'subscribed') this.#settle?.();
    else if (error) this.#settle?.(error);
    this.#call(this.#handlers.state, state, error);
  }

  /** @internal hot path: every frame for this topic goes through here. */
  receive(items: unknown[], info: FrameInfo): void {
    if (this.#current === 'unsubscribed') return;
    const list = this.#check ? this.#validated(items) : (items as T[]);
    const { snapshot, create, update } = this.#handlers;
    if (info.snapshot && snapshot) return this.#call(snapshot, list, info);
    const handler = info.method === 'UPDATE' ? update : create;
    // Checked at each item: a handler may end the subscription (unsubscribe(), close()) halfway through a frame (a
    // change TypeScript does not see, hence the cast).
    for (const item of list) if ((this.#current as SubscriptionState) !== 'unsubscribed') this.#call(handler, item, info);
  }

  #validated(items: unknown[]): T[] {
    const out: T[] = [];
    for (const item of items) {
      let value: unknown;
      try {
        value = this.#check!(item);
      } catch {
        // A validator written for the server's documents may throw on anything else (a null item): thrown from
        // the socket's message handler, it crashed a Node process.
        value = reject('the validator threw');
      }
      if (value instanceof Rejection) this.#registry.host.reportBadFrame({ reason: 'invalid_payload', topic: this.topic, detail: value.detail });
      else out.push(value as T);
    }
    return out;
  }

  #call<A extends unknown[]>(handler: ((...args: A) => void) | undefined, ...args: A): void {
    if (!handler) return;
    try {
      handler.apply(this.#handlers, args);
    } catch (cause) {
      this.#registry.host.reportError(
        new RealtimeError('handler_error', `a handler for ${this.topic} threw`, { topic: this.topic, cause }),
      );
    }
  }
}

interface TopicEntry {
  readonly topic: string;
  readonly list: boolean;
  readonly subs: Subscription<any>[];
  timer?: ReturnType<typeof setTimeout>;
  /**
   * A single-item topic's item exists: a frame carried it. Live frames on these topics are UPDATEs, but for the one
   * CREATE of a conversation watched before it existed, so a CREATE after that is the answer to a subscribe.
   */
  held?: boolean;
}

/**
 * The set of topics the client wants, which is also the queue while disconnected: subscribing and unsubscribing
 * only edit the set (deduplicated, bounded by `maxTopics`), and every open socket gets one subscribe per topic.
 * @internal
 */
export class Subscriptions {
  readonly #entries = new Map<string, TopicEntry>();

  declare readonly host: SubscriptionHost;

  constructor(host: SubscriptionHost) {
    this.host = host;
  }

  get size(): number {
    return this.#entries.size;
  }

  add(sub: Subscription<any>): void {
    let entry = this.#entries.get(sub.topic);
    if (!entry) {
      if (this.#entries.size >= this.host.maxTopics) {
        throw new RealtimeError('too_many_topics', `more than ${this.host.maxTopics} topics`, { topic: sub.topic });
      }
      entry = { topic: sub.topic, list: LIST_KINDS.has(sub.kind), subs: [] };
      this.#entries.set(sub.topic, entry);
    }
    entry.subs.push(sub);
    // Also for a topic already held: the server keeps one registration but answers with a fresh snapshot, which
    // is what the new subscription needs (it is routed only to subscriptions waiting for one). Not while a subscribe
    // is in flight: its snapshot serves the newcomer too, and a second one, on a single-item topic an object like a
    // live CREATE, reached every handler as new (and could undo a live UPDATE that came between the two).
    if (!entry.timer) this.#request(entry);
  }

  remove(sub: Subscription<any>): void {
    const entry = this.#entries.get(sub.topic);
    const index = entry ? entry.subs.indexOf(sub) : -1;
    if (!entry || index < 0) return;
    entry.subs.splice(index, 1);
    sub.setState('unsubscribed', new RealtimeError('unsubscribed', `unsubscribed from ${sub.topic}`, { topic: sub.topic }));
    if (entry.subs.length > 0) return;
    // The server registers a subscription only after its database lookups and handles an unsubscribe that arrives
    // meanwhile at once, removing nothing: sent while the subscribe is in flight, it would leave the topic subscribed
    // for the life of the socket. Then the topic's first frame, which proves the registration, is answered with the
    // unsubscribe (see dispatch); a silently refused topic never gets one and needs none. Nothing is remembered
    // meanwhile: a set of such topics grew with every refused topic given up until the socket dropped.
    const inFlight = entry.timer !== undefined;
    clearTimeout(entry.timer);
    this.#entries.delete(sub.topic);
    if (!inFlight) this.host.send(wireFrame('unsubscribe', { topic: sub.topic }));
  }

  /** A socket opened: the server knows nothing of us, so every topic is subscribed again. */
  onOpen(): void {
    for (const entry of this.#entries.values()) {
      for (const sub of entry.subs) sub.awaitingSnapshot = true;
      this.#request(entry);
    }
  }

  /** The socket is gone: every subscription waits for the snapshot of the next connection. */
  onDrop(): void {
    for (const entry of this.#entries.values()) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      // Copies here and below: a state or frame handler may unsubscribe (splicing `subs`) while we iterate.
      for (const sub of entry.subs.slice()) {
        sub.awaitingSnapshot = true;
        if (sub.state === 'subscribed') sub.setState('subscribing');
      }
    }
  }

  /** The client failed: pending `ready` promises reject with the reason; subscriptions stay for a later `connect()`. */
  rejectPending(error: RealtimeError): void {
    for (const entry of this.#entries.values()) {
      for (const sub of entry.subs.slice()) if (sub.state === 'subscribing') sub.setState('error', error);
    }
  }

  /** `close()`, which is final: every subscription ends; nothing is sent (the socket is closing anyway). */
  clear(error: RealtimeError): void {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const entry of entries) {
      clearTimeout(entry.timer);
      for (const sub of entry.subs.slice()) sub.setState('unsubscribed', error);
    }
  }

  /**
   * Routes one publish frame. The payload is normalised to a list (`null` → `[]`, object → `[object]`). A CREATE is
   * the snapshot when it is an array, or the answer to a subscribe of this socket on a single-item topic.
   * Returns false when no subscription holds the topic (a frame in flight after an unsubscribe).
   */
  dispatch(topic: string, method: 'CREATE' | 'UPDATE', message: unknown): boolean {
    const entry = this.#entries.get(topic);
    if (!entry) {
      // The server holds a topic nobody wants: given up before its snapshot (see remove), or registered again by a
      // subscribe answered late. Sent after a frame, an unsubscribe always removes it; a redundant one removes nothing.
      this.host.send(wireFrame('unsubscribe', { topic }));
      return false;
    }
    const isArray = Array.isArray(message);
    let items: unknown[];
    if (isArray) items = message;
    else if (message === null) items = [];
    else if (typeof message === 'object') items = [message];
    else {
      this.host.reportBadFrame({ reason: 'bad_envelope', topic });
      return true;
    }
    // A copy: a handler may unsubscribe (splicing `entry.subs`) while we deliver.
    const subs = entry.subs.slice();
    // On a single-item topic, a CREATE while a subscription waits, or once the item is known: the answer to a
    // subscribe, also to one whose subscription timed out or left (a count of subscribes sent lost those given up
    // before their answer when the topic was taken again, as a remount does). Delivered as a live CREATE, it showed
    // the item to the other subscriptions as new, and could undo an UPDATE that came between.
    const snapshot = method === 'CREATE' && (isArray || (!entry.list && (entry.held || subs.some((s) => s.awaitingSnapshot))));
    entry.held ||= items.length > 0;
    const info: FrameInfo = { topic, method, snapshot };
    if (!snapshot) {
      for (const sub of subs) sub.receive(items, info);
      return true;
    }
    // Answered before the handlers run: the registration is proven, so one that ends the last subscription sends the
    // unsubscribe at once (the server kept the topic until its next frame), and a subscription one makes asks for a
    // snapshot of its own (it waited for this one, already routed, and timed out as if the server had refused it).
    clearTimeout(entry.timer);
    entry.timer = undefined;
    for (const sub of subs) {
      // Also when nobody waits: a second snapshot on one socket (two subscribes in flight together) answers a query
      // that may predate live frames its subscriptions already had, so a closed conversation came back open.
      if (!sub.awaitingSnapshot) continue;
      sub.awaitingSnapshot = false;
      sub.setState('subscribed');
      sub.receive(items, info);
    }
    return true;
  }

  #request(entry: TopicEntry): void {
    if (!this.host.send(wireFrame('subscribe', { topic: entry.topic }))) return;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.#timeout(entry), this.host.subscribeTimeoutMs);
  }

  #timeout(entry: TopicEntry): void {
    entry.timer = undefined;
    const error = new SubscribeTimeoutError(
      'subscribe_timeout',
      `no frame on ${entry.topic} within ${this.host.subscribeTimeoutMs} ms: the server refuses silently ` +
        '(unknown project, not a member, conversation not visible)',
      { topic: entry.topic },
    );
    for (const sub of entry.subs.slice()) if (sub.awaitingSnapshot && sub.state === 'subscribing') sub.setState('error', error);
    this.host.reportError(error);
  }
}
