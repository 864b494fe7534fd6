import { Emitter } from './emitter.js';
import { defaultWebSocket, upgradeFailure } from '#websocket';
import { backoffDelay } from '../shared/backoff.js';
import { isPlainObject } from '../shared/merge.js';
import { bareToken } from '../shared/token.js';
import { checkNumberOption, isTransient, optionError, RealtimeAuthError, RealtimeError } from './errors.js';
import { Subscription, Subscriptions, wireFrame } from './subscriptions.js';
import { kindOf, type Topic, type TopicKind } from './topics.js';
import type { BadFrameReason, BadFrameReport, PayloadValidator, SubscriptionHandlers, TopicPayloads, ValidationOption } from './types.js';
import { BUILT_IN_CHECKS, compileValidator } from './validation.js';

/**
 * `idle` until `connect()` or the first `subscribe()`; `connecting` for the first attempt; `open`; `reconnecting`
 * while backing off and retrying; `closed` after `close()` (terminal); `failed` after too many auth failures or
 * attempts, after 3 connections in a row closed on a frame too large (`frame_too_large`), or at once without a
 * WebSocket implementation or when its constructor throws (`connect_failed`: a browser refuses `ws:` from an
 * `https:` page) (`connect()` starts again).
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';

/** Emitted on `state`. */
export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /**
   * Failed attempts in a row, on `reconnecting`, `open` (those before it) and `failed` (the last one included); reset to
   * 0 only after a connection stayed open for `stableAfterMs`. Always 0 on `idle`, `connecting` and `closed`: `close()`
   * ends the run those attempts belonged to, during a backoff too.
   */
  attempt: number;
  /** On `reconnecting`: the backoff before the next attempt. */
  delayMs?: number;
  /** On `reconnecting` and `failed`: why the last attempt or connection ended. */
  error?: RealtimeError;
}

/** Why a liveness ping was sent. */
export type ProbeReason = 'idle' | 'clock_jump' | 'online' | 'offline' | 'visible' | 'manual';

/** Emitted on `heartbeat`: our pings, and the first frame after each (which proves the socket alive). */
export type HeartbeatInfo = { kind: 'ping'; reason: ProbeReason } | { kind: 'pong'; rttMs: number };

/** Passed to a token function on every connect. */
export interface TokenContext {
  /** Failed attempts in a row so far. */
  attempt: number;
  /** True after an auth failure (or a suspected one): return a fresh token, not a cached one. */
  refresh: boolean;
}

/** A token (`"JWT eyJ…"` or bare), or a function resolved on every connect. It is always sent bare in `?token=`. */
export type TokenSource = string | ((context: TokenContext) => string | Promise<string>);

/** The part of the WebSocket API the client uses: the browser's, `ws`'s, React Native's and test doubles all fit. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: destroys the TCP socket at once (used for dead connections, where a close handshake cannot finish). */
  terminate?(): void;
}

/** A WebSocket constructor, e.g. `globalThis.WebSocket` or `ws`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

interface ListenerTarget {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** Where the client listens for network and page-lifecycle changes; `globalThis` by default (a browser window). */
export interface EnvironmentLike {
  addEventListener?: ListenerTarget['addEventListener'];
  removeEventListener?: ListenerTarget['removeEventListener'];
  navigator?: { onLine?: boolean };
  document?: Partial<ListenerTarget> & { visibilityState?: string };
  /**
   * After a close before open that the WebSocket does not explain (a browser's), the client asks the endpoint over
   * plain HTTP whether the server is up: only then can the close be a rejected token (see `suspectAuthAfter`). Must
   * work detached from this object (a bound function; `globalThis.fetch` is). Without it, every such close counts.
   */
  fetch?: (url: string, init: { signal: AbortSignal; cache: 'no-store' }) => Promise<{ status: number }>;
}

/** Options of {@link RealtimeClient}. Every duration is in milliseconds. */
export interface RealtimeClientOptions {
  /** The WebSocket endpoint, e.g. `ws://localhost:3000/` or `wss://eu.rtmv3.tiledesk.com/api/`; its path must match exactly. */
  url: string;
  token: TokenSource;
  /** Default: `ws` in Node, the global WebSocket elsewhere (browsers, workers, Deno, Bun). */
  WebSocket?: WebSocketConstructor;
  /**
   * Give up on an unanswered upgrade after this long (the server never answers a guest token's). Default 10 000.
   * A probe cuts short an attempt pending for 1 s or more, once per attempt (see {@link RealtimeClient.probe}).
   */
  handshakeTimeoutMs?: number;
  /**
   * A subscription with no frame this long after its subscribe was sent is reported as refused. Default 10 000.
   * The clock starts on an open socket: while the client is reconnecting, `ready` waits (see `connect()`).
   */
  subscribeTimeoutMs?: number;
  /** Backoff: delay before retry n is uniform in [0, min(max, base·2^n)]. Defaults 500 and 30 000. */
  reconnectBaseDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** A connection open this long resets the attempt counter. Default 10 000. */
  stableAfterMs?: number;
  /** Failed attempts in a row before `failed`. Default Infinity (a dashboard should outlive server restarts). */
  maxReconnectAttempts?: number;
  /**
   * Auth failures (HTTP 401/403, token function errors, suspected ones) in a row before `failed` (0 acts as 1). Default 3.
   * A token function that fails while the browser is offline (`navigator.onLine` false) is not counted: its fetch could not work.
   */
  maxAuthFailures?: number;
  /**
   * Closes before open without a diagnostic (how a browser sees a 401) that count as one suspected auth failure.
   * Closes while the browser is offline or the server does not answer plain HTTP do not count
   * (see {@link EnvironmentLike.fetch}). Default 3.
   */
  suspectAuthAfter?: number;
  /** Send a ping when nothing was sent for this long; the server drops sockets silent for a 30 s interval. Default 15 000. */
  idlePingMs?: number;
  /** Drop and reconnect when no frame arrives this long after a ping. Default 10 000. */
  pongTimeoutMs?: number;
  /** A liveness timer firing this much later than due means sleep or throttling: probe at once. Default 5 000. */
  clockJumpMs?: number;
  /** How long `close()` waits for the closing handshake before destroying the socket. Default 1 000. */
  closeTimeoutMs?: number;
  /**
   * Longer text frames (in characters) are dropped unparsed and reported. Default 16 Mi. With the default WebSocket
   * of Node (`ws`), a frame over 3 bytes a character is refused before it is read: the connection ends
   * (`connection_lost`, close code 1009) and the client reconnects. After 3 connections in a row closed with 1009
   * (by `ws`, or by a proxy refusing a frame), the client ends in `failed` with `frame_too_large` instead of
   * meeting the same frame again without end.
   */
  maxFrameLength?: number;
  /** Distinct topics held or queued at once. Default 1 000. */
  maxTopics?: number;
  /** Payload validation; off by default. See {@link ValidationOption}. */
  validate?: ValidationOption;
  /** Network/page-lifecycle events source; `null` disables them. Default `globalThis`. */
  environment?: EnvironmentLike | null;
  /** Wall clock, injectable for tests of sleep/resume. Default `Date.now`. */
  now?: () => number;
  /** Jitter source in [0, 1), injectable for tests. Default `Math.random`. */
  random?: () => number;
}

/** Options of one subscription. */
export interface SubscribeOptions {
  /** Overrides the client's `validate` for this subscription. */
  validate?: boolean | PayloadValidator;
}

/** Counters for monitoring; bad frames are counted here and reported on `badFrame`, never thrown. */
export interface RealtimeStats {
  framesReceived: number;
  badFrames: number;
  /** Frames relayed from another client's `publish`/`broadcast` (no `method`): unauthenticated, never delivered. */
  relayedIgnored: number;
  /** Frames for a topic no subscription holds (in flight after an unsubscribe). */
  unrouted: number;
  reconnects: number;
  topics: number;
}

/** Events of {@link RealtimeClient}. */
export interface RealtimeEvents {
  state: (change: StateChange) => void;
  error: (error: RealtimeError) => void;
  badFrame: (report: BadFrameReport) => void;
  heartbeat: (info: HeartbeatInfo) => void;
}

/** The options in effect: the defaults, and those given. */
type Options = Required<Omit<RealtimeClientOptions, 'environment' | 'WebSocket'>>;

/** `readyState` values. A const enum: inlined, so the names cost the browser bundle nothing. */
const enum ReadyState {
  Open = 1,
  Closed = 3,
}
const noop = () => {};

/**
 * A WebSocket client for the Tiledesk realtime API that survives what real servers and networks do: token refresh on
 * every connect, handshake timeout, capped full-jitter backoff, auth failures told apart and bounded, app-level
 * heartbeats, sleep/resume and network/visibility probes, resubscription of every topic after a reconnect.
 *
 * @example
 * ```ts
 * import { RealtimeClient, topics } from 'tiledesk-sdk/realtime';
 * const rt = new RealtimeClient({ url: 'wss://eu.rtmv3.tiledesk.com/api/', token: () => auth.freshToken() });
 * rt.on('state', ({ state }) => console.log(state));
 * const sub = rt.subscribe(topics.messages(projectId, requestId), {
 *   snapshot: (messages) => render(messages),
 *   create: (message) => append(message),
 * });
 * await sub.ready;
 * await rt.close();
 * ```
 */
export class RealtimeClient {
  readonly #events = new Emitter<RealtimeEvents>();
  readonly #subscriptions: Subscriptions;
  readonly #options: Options;
  readonly #WebSocketImpl: WebSocketConstructor | undefined;
  readonly #environment: EnvironmentLike | null;
  readonly #counters = { framesReceived: 0, badFrames: 0, relayedIgnored: 0, unrouted: 0, reconnects: 0 };

  #current: ConnectionState = 'idle';
  #failure: RealtimeError | undefined;
  /** What `connect()` returns until the next open, failed or closed. */
  #connecting: Promise<void> | undefined;
  #settleConnecting: ((change: StateChange) => void) | undefined;
  /** Counts state changes: a listener that changes the state again makes the change being announced stale. */
  #stateChanges = 0;
  /** The lifecycle run in progress; `close()` and `fail()` mark it stopped. */
  #run: { stopped: boolean } | undefined;
  /** Cuts short whatever the lifecycle is awaiting (token, handshake, backoff) when `close()` is called. */
  #interrupt: (() => void) | undefined;
  /**
   * What a probe does when no socket is open (network back online, tab visible again): cuts a backoff pause short, or
   * abandons a handshake stuck for a while (see #handshake). Cleared when the step that set it ends.
   */
  #wake: (() => void) | undefined;
  /** Ends the open connection's wait with a reason (pong timeout, close). */
  #endConnection: ((error: RealtimeError) => void) | undefined;
  #socket: WebSocketLike | undefined;
  #detachEnvironment: (() => void) | undefined;
  #livenessTimer: ReturnType<typeof setTimeout> | undefined;
  #livenessDueAt = 0;
  #lastSentAt = 0;
  /** When our unanswered ping was sent; 0 when none is outstanding. */
  #pingSentAt = 0;
  /** Why that ping was sent: after a clock jump, a late tick does not probe again (see #checkLiveness). */
  #pingReason: ProbeReason | undefined;

  constructor(options: RealtimeClientOptions) {
    const o: Record<string, unknown> = {
      handshakeTimeoutMs: 10_000,
      subscribeTimeoutMs: 10_000,
      reconnectBaseDelayMs: 500,
      reconnectMaxDelayMs: 30_000,
      stableAfterMs: 10_000,
      maxReconnectAttempts: Infinity,
      maxAuthFailures: 3,
      suspectAuthAfter: 3,
      idlePingMs: 15_000,
      pongTimeoutMs: 10_000,
      clockJumpMs: 5_000,
      closeTimeoutMs: 1_000,
      maxFrameLength: 16_777_216,
      maxTopics: 1_000,
      validate: false,
      now: Date.now,
      random: Math.random,
    };
    // The options given, without the undefined ones (so defaults apply). Durations and limits are checked here, where
    // the caller is, because a bad one fails late and badly: a NaN, negative or ≥ 2^31 ms timer fires at once, so a
    // reconnect delay or a heartbeat would spin; a count is never `>=` a NaN limit, so that limit silently went away.
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined) continue;
      checkNumberOption(key, value);
      o[key] = value;
    }
    if (typeof options.token !== 'string' && typeof options.token !== 'function') throw optionError('token', 'a string or a function');
    // Accepts the REST-style `http(s)://` spelling too; the path is kept exactly (the server matches it exactly).
    let url: URL | undefined;
    try {
      url = new URL(options.url.replace(/^http/i, 'ws'));
    } catch {
      // URL's own error quotes its input, which may hold a `?token=`.
    }
    if (!url || !/^wss?:$/.test(url.protocol)) throw optionError('url', 'a ws(s): or http(s): URL');
    url.searchParams.delete('token');
    url.hash = ''; // WebSocket constructors throw on a fragment, at every attempt
    o.url = url.href;
    this.#options = o as Options;
    this.#WebSocketImpl = options.WebSocket ?? defaultWebSocket(this.#options.maxFrameLength);
    this.#environment = options.environment === undefined ? (globalThis as EnvironmentLike) : options.environment;
    this.#subscriptions = new Subscriptions({
      ...this.#options,
      send: (frame) => this.#send(frame),
      reportBadFrame: (report) => this.#reportBadFrame(report),
      reportError: (error) => this.#events.emit('error', error),
    });
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.#current;
  }

  /** A snapshot of the counters. */
  get stats(): RealtimeStats {
    return { ...this.#counters, topics: this.#subscriptions.size };
  }

  /**
   * Listens to `state`, `error`, `badFrame` or `heartbeat`; returns a function that removes the listener. Listeners
   * run in the order they were added; once one changes the state (`connect()` after `failed`, `close()`), the ones
   * after it hear the new state, not the old one.
   *
   * @example
   * ```ts
   * const off = rt.on('state', ({ state, error }) => console.log(state, error?.code));
   * off();
   * ```
   */
  on<E extends keyof RealtimeEvents>(event: E, listener: RealtimeEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Removes a listener added with {@link on}.
   *
   * @example
   * ```ts
   * rt.off('state', onState);
   * ```
   */
  off<E extends keyof RealtimeEvents>(event: E, listener: RealtimeEvents[E]): void {
    this.#events.off(event, listener);
  }

  /**
   * Starts connecting (from `idle`, or again after `failed`); resolves once open, rejects if the client fails or is
   * closed first. Calls while connecting or reconnecting, from a `state` listener too, return the same promise.
   * Subscribing connects too, so calling this is optional. Through an outage it waits as long as the client retries
   * (`maxReconnectAttempts`, default without end), and so does a subscription's `ready`; for a deadline of your own,
   * race it: `await Promise.race([rt.connect(), sleep(5_000).then(() => { throw … })])`.
   *
   * @example
   * ```ts
   * await rt.connect();
   * ```
   */
  connect(): Promise<void> {
    if (this.#current === 'closed') return Promise.reject(closedError());
    if (this.#current === 'open') return Promise.resolve();
    // Calls while a run is under way share one wait: each used to add a `state` listener, kept until the next open
    // (through an outage, without end). A run ends only in failed or closed, which settle the wait.
    const wait =
      (this.#run && this.#connecting) ||
      // Settled by #setState before any listener hears the change: a listener may answer it with close(), or with a
      // connect() that must find this wait settled and start a new one.
      (this.#connecting = new Promise((resolve, reject) => {
        this.#settleConnecting = ({ state, error }) => {
          if (state === 'open') resolve();
          else if (state === 'failed' || state === 'closed') reject(error ?? closedError());
          else return;
          this.#connecting = this.#settleConnecting = undefined;
        };
      }));
    // Not from inside the executor: #start() emits `connecting` at once, and a connect() from that listener has to
    // find this wait in #connecting, not make a second one.
    this.#start();
    return wait;
  }

  /**
   * Subscribes to a topic (see {@link topics}); connects if idle. While disconnected, subscribe and unsubscribe only
   * edit the wanted set, which every new connection subscribes in full. Throws `invalid_topic` for a non-canonical
   * topic (the server would never send it live events) and `too_many_topics` beyond `maxTopics`.
   *
   * @example
   * ```ts
   * const sub = rt.subscribe(topics.requests(projectId), {
   *   snapshot: (requests) => console.log(requests.length, 'open'),
   *   update: (request) => console.log(request.request_id, request.status),
   * });
   * await sub.ready;
   * ```
   */
  subscribe<K extends TopicKind>(
    topic: Topic<K>,
    handlers?: SubscriptionHandlers<TopicPayloads[K]>,
    options?: SubscribeOptions,
  ): Subscription<TopicPayloads[K]>;
  subscribe<T = unknown>(topic: string, handlers?: SubscriptionHandlers<T>, options?: SubscribeOptions): Subscription<T>;
  subscribe(topic: string, handlers?: SubscriptionHandlers<unknown>, options?: SubscribeOptions): Subscription<unknown> {
    if (this.#current === 'closed') throw closedError();
    const kind = kindOf(topic);
    if (!kind) {
      throw new RealtimeError(
        'invalid_topic',
        `"${String(topic)}" is not a canonical topic: the server would send it no live events`, // String(): a Symbol throws in a template
        { topic },
      );
    }
    const option = options?.validate ?? this.#options.validate;
    // One validator for every kind, or a map (a kind it lacks gets the built-in check, as `true` does).
    const check = option
      ? compileValidator(
          typeof option === 'function' || (option !== true && '~standard' in option)
            ? (option as PayloadValidator)
            : ((option as Partial<Record<TopicKind, PayloadValidator>>)[kind] ?? BUILT_IN_CHECKS[kind]),
        )
      : undefined;
    // `null` (plain JavaScript) as no handlers: read from the socket's message handler, it threw an uncaught TypeError.
    const sub = new Subscription(topic, kind, handlers || {}, check, this.#subscriptions);
    this.#subscriptions.add(sub);
    if (this.#current === 'failed') sub.setState('error', this.#failure); // set whenever failed
    if (this.#current === 'idle') this.#start();
    return sub;
  }

  /**
   * Sends a ping now and reconnects if nothing answers within `pongTimeoutMs`; while backing off, retries at once;
   * during a handshake pending for 1 s or more (an attempt that may be stuck on a network the device has left),
   * abandons it and starts a fresh one at once instead of waiting out `handshakeTimeoutMs`. The abandoned attempt
   * counts as nothing: no `error`, no state change, no failed attempt, no backoff. Once per attempt: the fresh one is
   * left to its own `handshakeTimeoutMs`, so probes coming without end cannot restart attempts without end.
   * The client already does this on `online`/`visibilitychange` in browsers; call it on your own signals (an app
   * returning to the foreground in React Native, a network change reported by the OS).
   *
   * @example
   * ```ts
   * AppState.addEventListener('change', (s) => s === 'active' && rt.probe());
   * ```
   */
  probe(): void {
    this.#probeNow('manual');
  }

  /**
   * Ends everything: the socket (closing handshake, destroyed after `closeTimeoutMs`), timers, environment listeners,
   * subscriptions (their pending `ready` rejects with `client_closed`) and listeners of this client. Terminal.
   *
   * Terminal: a page that calls it on `pagehide` should do so only when the page is discarded (`!event.persisted`).
   * A page put in the back/forward cache comes back with the same client: closed, it would stay closed; left open,
   * the browser closes its socket and the client reconnects when the page is shown again.
   *
   * @example
   * ```ts
   * window.addEventListener('pagehide', (event) => event.persisted || void rt.close());
   * ```
   */
  async close(): Promise<void> {
    if (this.#current === 'closed') return;
    const socket = this.#socket;
    this.#stopRun();
    // Before the subscription handlers below run: a connect() from one of them must find the client closed, not
    // start a run (and open a socket) that nothing would end.
    this.#setState('closed');
    this.#subscriptions.clear(closedError());
    this.#endConnection?.(closedError());
    this.#events.removeAllListeners();
    if (!socket) return;
    // A closing handshake, bounded: a half-open peer would otherwise keep a Node process alive for ws's 30 s.
    await this.#bounded<void>(
      (settle) => {
        detach(socket);
        if (socket.readyState === ReadyState.Closed) return settle();
        socket.onclose = settle;
        try {
          socket.close(1000);
        } catch {
          abandon(socket);
          settle();
        }
      },
      () => abandon(socket),
      noop,
      this.#options.closeTimeoutMs,
    );
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The connection lifecycle, top to bottom: token → handshake → open (resubscribe, keep alive) → drop → backoff → …
  // ---------------------------------------------------------------------------------------------------------------

  /** Never called once closed: connect() and subscribe() return or throw first. */
  #start(): void {
    if (this.#run) return;
    const run = { stopped: false };
    this.#run = run;
    this.#failure = undefined;
    this.#attachEnvironment();
    this.#lifecycle(run).catch((cause: unknown) => {
      // Unreachable by design; if it happens, fail loudly rather than hang in a state that looks alive.
      this.#fail(run, new RealtimeError('connect_failed', 'lifecycle error', { cause }));
    });
  }

  async #lifecycle(run: { stopped: boolean }): Promise<void> {
    const o = this.#options;
    let attempt = 0; // failed attempts in a row: the backoff exponent
    let authFailures = 0; // confirmed or suspected, since the last open
    let blindCloses = 0; // closes before open without any diagnostic, since the last open or suspicion
    let refresh = false; // ask the token function for a fresh token
    let tooLarge = 0; // connections in a row closed with 1009 (a frame too large to take)
    this.#setState('connecting');
    // Read once, when the client was created: no retry could find one, and connect() used to wait for ever.
    if (!this.#WebSocketImpl) return this.#fail(run, new RealtimeError('no_websocket', 'no WebSocket implementation: pass options.WebSocket'));

    while (!run.stopped) {
      let error: RealtimeError;

      // Whether the browser was online when the attempt began, not when it failed (see 2.).
      const online = this.#environment?.navigator?.onLine !== false;

      // 1. The token is resolved on every connect, so a refreshed token is what a reconnect uses. A token function
      // that threw while offline (a fetch from the app's backend, on a device waking before its network) says
      // nothing about the token: not counted, or maxAuthFailures ended the client before the network was back.
      const token = await this.#resolveToken({ attempt, refresh });
      if (run.stopped) return;

      if (token instanceof RealtimeError) {
        error = token;
        if (online) authFailures++;
        refresh = true;
      } else {
        refresh = false;

        // 2. The handshake, bounded by handshakeTimeoutMs. Whether the browser was online when it began, not when it
        // failed: Chromium can deliver the close of an attempt made offline just after it is back online (1 in 30
        // round trips here), and that close said nothing about the token. Gone offline during the attempt, the probe
        // below fails (only where there is no fetch to probe with can that one close count). The fresh attempt
        // after a probe abandoned one (see #handshake) keeps this reading: at worst (the abandoned one began offline)
        // its close does not count, which only puts a suspicion off.
        const socket = await this.#handshake(token);
        if (run.stopped) {
          // close() ran between the socket opening and this line: it could not see the socket yet.
          if (!(socket instanceof RealtimeError)) abandon(socket);
          return;
        }

        if (!(socket instanceof RealtimeError)) {
          // 3. Open: resubscribe every topic, keep the connection alive, wait until it ends.
          authFailures = 0;
          blindCloses = 0;
          const openedAt = this.#options.now();
          error = await this.#serve(socket, attempt);
          if (run.stopped) return;
          if (this.#options.now() - openedAt >= o.stableAfterMs) attempt = 0;
        } else {
          error = socket;
          if (error.code === 'auth_failed' || error.code === 'handshake_rejected') {
            authFailures++;
            refresh = true;
          } else if (
            // A blind close: before open, without a diagnostic (see #handshake). Any other outcome (a handshake
            // timeout, a close while offline or while the server does not answer) breaks the row.
            !(error.code === 'connect_failed' && error.closeCode !== undefined && online && (await this.#serverAnswers()))
          ) {
            blindCloses = 0;
          } else if (++blindCloses >= o.suspectAuthAfter) {
            // A browser shows a 401 exactly like an unreachable server; this server answers HTTP, so it is up: after a
            // few such closes in a row, assume the token.
            blindCloses = 0;
            authFailures++;
            refresh = true;
            error = new RealtimeAuthError(
              'auth_suspected',
              `${o.suspectAuthAfter} closes before open in a row: likely a rejected token (a browser cannot see a 401)`,
            );
          }
        }
      }

      // A frame too large to take ends the connection with 1009 (Message Too Big; see maxFrameLength). A server that
      // sends it on every connection (a snapshot too large) was met again without end: 3 in a row end the run, as auth
      // failures do. Any other outcome breaks the row.
      tooLarge = error.closeCode === 1009 ? tooLarge + 1 : 0;
      if (tooLarge > 2) {
        error = new RealtimeError('frame_too_large', '3 connections in a row closed on a frame too large (code 1009): see maxFrameLength');
      }

      // 4. Give up for good, or back off (full jitter) and go round again.
      if (run.stopped) return; // close() ran during the probe of #serverAnswers
      this.#events.emit('error', error);
      if (run.stopped) return; // an error listener called close()
      // `maxAuthFailures: 0` gives up at the first auth failure, not at the first error of any kind. A WebSocket that
      // could not be created (see #handshake) gives up at once: it was retried without end, "reconnecting" for good.
      if (
        (authFailures && authFailures >= o.maxAuthFailures) ||
        tooLarge > 2 ||
        attempt >= o.maxReconnectAttempts ||
        (error.code === 'connect_failed' && error.cause)
      ) {
        return this.#fail(run, error, attempt + 1);
      }
      const delayMs = backoffDelay(attempt, { baseDelayMs: o.reconnectBaseDelayMs, maxDelayMs: o.reconnectMaxDelayMs }, o.random);
      attempt++;
      this.#counters.reconnects++;
      this.#setState('reconnecting', { attempt, delayMs, error });
      if (run.stopped) return; // a state listener called close(): nothing would interrupt the pause
      // The backoff, cut short by close() or by a network/visibility change (#wake).
      await this.#bounded<void>((settle) => (this.#wake = settle), noop, noop, delayMs);
    }
  }

  /**
   * One bounded step of the lifecycle (or close()'s closing handshake): `start` settles it, or `ms` pass
   * (`timedOut`), or close() interrupts it (`closed`). Only the first outcome counts, so a late one (a token that comes after its timeout) cannot clear the
   * interrupt of the step that followed — which would leave close() unable to end it.
   */
  #bounded<T>(
    start: (settle: (value: T) => void) => void,
    timedOut: () => T,
    closed: () => T,
    ms = this.#options.handshakeTimeoutMs,
  ): Promise<T> {
    return new Promise((resolve) => {
      let pending = true;
      const settle = (value: T) => {
        if (!pending) return;
        pending = false;
        clearTimeout(timer);
        this.#interrupt = this.#wake = undefined;
        resolve(value);
      };
      const timer = setTimeout(() => settle(timedOut()), ms);
      this.#interrupt = () => settle(closed());
      start(settle);
    });
  }

  /** The token, bare, or the error to report; bounded so a hung token function cannot stall us. */
  #resolveToken(context: TokenContext): Promise<string | RealtimeError> {
    const source = this.#options.token;
    return this.#bounded<string | RealtimeError>(
      (settle) =>
        new Promise<string>((r) => r(typeof source === 'string' ? source : source(context)))
          .then(
            (value: unknown) =>
              (typeof value === 'string' ? bareToken(value) : '') || new RealtimeAuthError('auth_failed', 'the token function returned no token'),
            (cause: unknown) => new RealtimeAuthError('auth_failed', 'the token function threw', { cause }),
          )
          .then(settle),
      () => new RealtimeAuthError('auth_failed', 'the token function timed out'),
      closedError,
    );
  }

  /**
   * After a blind close: is the server up? A refused connection, a timeout, a 5xx, 408 or 429, or a proxy's error
   * page without CORS headers (fetch rejects it) mean down or busy, and the close says nothing about the token.
   * Without `fetch` in the environment, assume up. The probe URL carries no token.
   */
  async #serverAnswers(): Promise<boolean> {
    const probe = this.#environment?.fetch;
    if (!probe) return true;
    const controller = new AbortController();
    return this.#bounded<boolean>(
      (settle) =>
        new Promise<{ status: number }>((r) => r(probe(this.#options.url.replace(/^ws/, 'http'), { signal: controller.signal, cache: 'no-store' })))
          .then(({ status }) => !isTransient(status), () => false)
          .then(settle),
      () => false,
      () => false,
    ).finally(() => controller.abort()); // also ends the body, which nobody reads
  }

  /**
   * Opens one socket; resolves with it once open, or with why it never opened. `retry`: the fresh attempt that
   * replaces one a probe abandoned, which no probe abandons (probes without end cannot restart attempts without end).
   */
  async #handshake(token: string, retry?: boolean): Promise<WebSocketLike | RealtimeError> {
    const WebSocketImpl = this.#WebSocketImpl!; // checked by #lifecycle
    const startedAt = this.#options.now();
    let socket: WebSocketLike;
    try {
      const url = new URL(this.#options.url);
      url.searchParams.set('token', token);
      socket = new WebSocketImpl(url.href);
    } catch (cause) {
      // The one connect_failed with a cause, which #lifecycle reads as final: a constructor that throws (a browser
      // refusing ws: from an https: page, SecurityError) throws again at every attempt, with no network in between.
      return new RealtimeError('connect_failed', 'could not create the WebSocket', { cause });
    }
    let diagnostic: string | undefined;
    const result = await this.#bounded<WebSocketLike | RealtimeError>(
      (settle) => {
        const finish = (result: WebSocketLike | RealtimeError) => {
          detach(socket);
          settle(result);
        };
        // A probe (network back or changed, page shown again) while this attempt has been pending for 1 s: it may be
        // stuck on a network the device has left, and would be waited out to handshakeTimeoutMs. Interrupted instead
        // (abandoned as by close()) for a fresh attempt at once (below), counted as nothing: no error, no failed
        // attempt, no backoff. Younger, it likely began after the change: left alone, so the burst of events a phone
        // fires on unlocking does not restart it. #bounded clears #wake once settled: a late probe cannot interrupt
        // the step after this one.
        if (!retry) this.#wake = () => this.#options.now() - startedAt < 1_000 || this.#interrupt!();
        socket.onopen = () => finish(socket);
        socket.onerror = (event: unknown) => {
          diagnostic = errorText(event);
        };
        // Why a socket closed before opening. Node's `ws` says why (an HTTP status, a network error): reading it is
        // the platform's part, `upgradeFailure` of `#websocket`. A browser says nothing: that blind kind alone carries
        // a `closeCode`, which is what a browser shows for an unreachable server and for a 401 alike.
        socket.onclose = (event: { code?: number } | undefined) => {
          const closeCode = event?.code ?? 1006;
          finish(diagnostic ? upgradeFailure(diagnostic) : new RealtimeError('connect_failed', `closed before open (code ${closeCode})`, { closeCode }));
        };
      },
      () => {
        abandon(socket);
        return new RealtimeError(
          'handshake_timeout',
          `no answer to the upgrade within ${this.#options.handshakeTimeoutMs} ms (a guest token never gets one)`,
        );
      },
      () => {
        abandon(socket);
        return closedError();
      },
    );
    // Interrupted while the run goes on (close() ends the run first): by a probe, above. The same token again.
    return this.#run && (result as RealtimeError).code === 'client_closed' ? this.#handshake(token, true) : result;
  }

  /** The open phase: resolves with the reason the connection ended. */
  #serve(socket: WebSocketLike, attempt: number): Promise<RealtimeError> {
    return new Promise((resolve) => {
      let diagnostic: string | undefined;
      this.#endConnection = (error) => {
        this.#endConnection = undefined;
        this.#socket = undefined;
        clearTimeout(this.#livenessTimer);
        detach(socket);
        this.#subscriptions.onDrop();
        resolve(error);
      };
      socket.onmessage = this.#onFrame;
      socket.onerror = (event: unknown) => {
        diagnostic = errorText(event);
      };
      socket.onclose = (event: { code?: number } | undefined) => {
        const code = event?.code ?? 1006;
        this.#endConnection?.(
          new RealtimeError('connection_lost', `the connection closed (code ${code}${diagnostic ? `: ${diagnostic}` : ''})`, {
            closeCode: code,
          }),
        );
      };
      this.#socket = socket;
      this.#lastSentAt = this.#options.now();
      this.#pingSentAt = 0;
      this.#armLiveness();
      this.#subscriptions.onOpen();
      this.#setState('open', { attempt });
    });
  }

  #fail(run: { stopped: boolean }, error: RealtimeError, attempt?: number): void {
    // A run already ended (closed, or failed and restarted) must not touch the subscriptions of the next one.
    if (run.stopped) return;
    // Subscription handlers first, while this run is still the current one: a connect() from one joins it (and is
    // rejected with it) instead of starting a run that `failed` would then misreport, and a close() from one ends
    // it, which leaves nothing to fail (`failed` after `closed` made closed not terminal).
    this.#subscriptions.rejectPending(error);
    if (run.stopped) return;
    this.#stopRun();
    this.#failure = error;
    this.#setState('failed', { error, attempt });
    // Subscribed by those handlers while this run was failing: refused now as on a failed client, not left pending
    // until a connect() no one may make. Unless a `failed` listener restarted or closed the client: its run has them.
    if (this.#current === 'failed') this.#subscriptions.rejectPending(error);
  }

  #stopRun(): void {
    if (this.#run) this.#run.stopped = true;
    this.#run = undefined;
    this.#interrupt?.();
    this.#detachEnvironment?.();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Frames: the hot path. Bad input is counted and reported, never thrown.
  // ---------------------------------------------------------------------------------------------------------------

  readonly #onFrame = (event: { data: unknown }): void => {
    this.#counters.framesReceived++;
    if (this.#pingSentAt) {
      // Any frame after a ping proves the socket alive.
      const rttMs = this.#options.now() - this.#pingSentAt;
      this.#pingSentAt = 0;
      this.#events.emit('heartbeat', { kind: 'pong', rttMs });
    }
    const data = event.data;
    if (typeof data !== 'string') {
      // A binary frame is what the WebSocket made of it: an ArrayBuffer or Buffer (`byteLength`), or a Blob (`size`).
      const binary = data as { byteLength?: number; size?: number } | null;
      return this.#reportBadFrame({ reason: 'binary', size: binary?.byteLength ?? binary?.size });
    }
    // Every other way a frame can be bad ends at the one report at the bottom, `reason` saying which.
    const size = data.length;
    let reason: BadFrameReason = 'oversized';
    if (size <= this.#options.maxFrameLength) {
      let frame: unknown;
      reason = 'not_json';
      try {
        frame = JSON.parse(data);
        reason = 'bad_envelope';
      } catch {
        // reported below
      }
      if (isPlainObject(frame)) {
        const payload = frame.payload;
        if (frame.action === 'publish') {
          if (isPlainObject(payload) && typeof payload.topic === 'string') {
            const method = payload.method;
            if (method === 'CREATE' || method === 'UPDATE') {
              if (!this.#subscriptions.dispatch(payload.topic, method, payload.message)) this.#counters.unrouted++;
            } else if (method === undefined) {
              // Relayed from another client's publish/broadcast: unauthenticated content, never handed to user code.
              this.#counters.relayedIgnored++;
            } else {
              this.#reportBadFrame({ reason: 'unknown_method', size, topic: payload.topic });
            }
            return;
          }
        } else if (frame.action === 'heartbeat') {
          const text = isPlainObject(payload) && isPlainObject(payload.message) ? payload.message.text : undefined;
          if (text === 'ping') return void this.#send(wireFrame('heartbeat', { message: { text: 'pong' } }));
          if (text === 'pong') return;
        } else {
          // includes `me`, which only answers a `me` request; we never send one
          reason = 'unknown_action';
        }
      }
    }
    this.#reportBadFrame({ reason, size });
  };

  #send(frame: string): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== ReadyState.Open) return false;
    try {
      socket.send(frame);
    } catch {
      return false;
    }
    this.#lastSentAt = this.#options.now();
    return true;
  }

  #reportBadFrame(report: BadFrameReport): void {
    this.#counters.badFrames++;
    this.#events.emit('badFrame', report);
  }

  #setState(state: ConnectionState, info?: Partial<StateChange>): void {
    const previous = this.#current;
    if (previous === state && state !== 'reconnecting') return;
    this.#current = state;
    const change = ++this.#stateChanges;
    const event = { attempt: 0, ...info, state, previous };
    this.#settleConnecting?.(event);
    // A listener's connect() or close() announces a newer state to every listener; the later listeners of this one
    // must not hear it afterwards (a status display would show `failed` while the client reconnects).
    this.#events.emit('state', event, () => change === this.#stateChanges);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Liveness: answer pings, ping when idle, drop when unanswered, probe after clock jumps and environment changes.
  // ---------------------------------------------------------------------------------------------------------------

  /** One timer per connection, due at the pong deadline or when the idle ping is due. */
  #armLiveness(): void {
    clearTimeout(this.#livenessTimer);
    const now = this.#options.now();
    const due = this.#pingSentAt ? this.#pingSentAt + this.#options.pongTimeoutMs : this.#lastSentAt + this.#options.idlePingMs;
    this.#livenessDueAt = Math.max(due, now);
    this.#livenessTimer = setTimeout(this.#checkLiveness, this.#livenessDueAt - now);
  }

  readonly #checkLiveness = (): void => {
    if (!this.#socket) return;
    const now = this.#options.now();
    // A wall clock set back leaves these in the future, and every deadline put off by the step (no ping, no pong
    // timeout for an hour): nothing can have been sent later than now.
    this.#lastSentAt = Math.min(this.#lastSentAt, now);
    this.#pingSentAt = Math.min(this.#pingSentAt, now);
    if (now - this.#livenessDueAt > this.#options.clockJumpMs && !(this.#pingSentAt && this.#pingReason === 'clock_jump')) {
      // The timer fired far too late: the machine slept or the tab was throttled. Any deadline measured across that
      // gap is meaningless, and the socket may be dead without knowing it: probe afresh. Once: in a throttled tab
      // every tick is late, and a new probe at each one kept a dead socket open for good.
      this.#ping('clock_jump');
    } else if (this.#pingSentAt && now >= this.#pingSentAt + this.#options.pongTimeoutMs) {
      return this.#drop(new RealtimeError('pong_timeout', `no answer to a ping within ${this.#options.pongTimeoutMs} ms`));
    } else if (!this.#pingSentAt && now - this.#lastSentAt >= this.#options.idlePingMs) {
      this.#ping('idle');
    }
    if (this.#socket) this.#armLiveness();
  };

  #ping(reason: ProbeReason): void {
    // A socket that takes no frame is closing (its close event may take a while with a dead peer): move on now.
    if (!this.#send(wireFrame('heartbeat', { message: { text: 'ping' } }))) {
      return this.#drop(new RealtimeError('connection_lost', 'the socket stopped accepting frames'));
    }
    // An unanswered ping keeps its deadline: restarted by every probe (tab switches, probe() on an app's signals), it
    // kept a dead socket open for as long as they came faster than pongTimeoutMs. Unless that deadline is past: the
    // timers were held back (sleep, throttling; a clock jump always is) and it measures the gap, not the socket.
    if (!this.#pingSentAt || this.#lastSentAt >= this.#pingSentAt + this.#options.pongTimeoutMs) {
      this.#pingSentAt = this.#lastSentAt;
      this.#pingReason = reason;
    }
    this.#events.emit('heartbeat', { kind: 'ping', reason });
  }

  #probeNow(reason: ProbeReason): void {
    if (this.#socket) {
      this.#ping(reason);
      if (this.#socket) this.#armLiveness();
    } else {
      this.#wake?.();
    }
  }

  /** Abandons a dead connection: no closing handshake can complete on it. */
  #drop(error: RealtimeError): void {
    const socket = this.#socket;
    this.#endConnection?.(error);
    if (socket) abandon(socket);
  }

  /**
   * Browser network and page-lifecycle events, listened to only while the lifecycle runs. Called by #start() alone,
   * so never while attached: every run ends in #stopRun(), which detaches.
   */
  #attachEnvironment(): void {
    // Without an environment (Node, `environment: null`) nothing is bound and detaching has nothing to do.
    const env = this.#environment;
    const doc = env?.document;
    const win = listenerTarget(env);
    const page = listenerTarget(doc);
    const visible = () => {
      if (doc?.visibilityState !== 'hidden') this.#probeNow('visible');
    };
    const bindings: Array<[ListenerTarget | undefined, string, () => void]> = [
      [win, 'online', () => this.#probeNow('online')],
      [win, 'offline', () => this.#probeNow('offline')],
      [win, 'pageshow', visible],
      [page, 'visibilitychange', visible],
      [page, 'resume', visible],
    ];
    for (const [target, type, listener] of bindings) target?.addEventListener(type, listener);
    this.#detachEnvironment = () => {
      for (const [target, type, listener] of bindings) target?.removeEventListener(type, listener);
      this.#detachEnvironment = undefined;
    };
  }
}

function listenerTarget(value: unknown): ListenerTarget | undefined {
  const target = value as Partial<ListenerTarget> | undefined;
  return typeof target?.addEventListener === 'function' && typeof target.removeEventListener === 'function' ? (target as ListenerTarget) : undefined;
}

function errorText(event: unknown): string | undefined {
  const e = event as { message?: unknown; error?: { message?: unknown } } | undefined;
  const text = e?.message ?? e?.error?.message;
  return typeof text === 'string' && text ? text : undefined;
}

/** Stops listening to a socket; `ws` throws on an 'error' event nobody listens to, hence a no-op. */
function detach(socket: WebSocketLike): void {
  socket.onopen = socket.onclose = socket.onmessage = null;
  socket.onerror = noop;
}

/** Detaches and destroys a socket we no longer want (dead, timed out, or closed by the user mid-handshake). */
function abandon(socket: WebSocketLike): void {
  detach(socket);
  try {
    if (socket.terminate) socket.terminate();
    else socket.close();
  } catch {
    // already closed
  }
}

function closedError(): RealtimeError {
  return new RealtimeError('client_closed', 'the realtime client was closed');
}

