import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { timersSetFrom } from '../helpers/timers.js';
import { startTiledeskServer, type TiledeskServerOptions, type TiledeskTestServer } from '../../src/testing/index.js';
import {
  RealtimeClient,
  type ConnectionState,
  type EnvironmentLike,
  type RealtimeClientOptions,
  type RealtimeMessage,
  type RealtimeRequest,
  type WebSocketConstructor,
  type WebSocketLike,
} from '../../src/realtime/index.js';

/** Client options that make every lifecycle path fast enough for `npm test` (the defaults are tuned for the real server). */
export const FAST: Partial<RealtimeClientOptions> = {
  reconnectBaseDelayMs: 5,
  reconnectMaxDelayMs: 40,
  handshakeTimeoutMs: 1_000,
  subscribeTimeoutMs: 1_000,
  pongTimeoutMs: 1_000,
  idlePingMs: 5_000,
  closeTimeoutMs: 200,
  environment: null,
};

/** Tracks clients and servers a test creates, and releases them all. */
export class Harness {
  private readonly clients: RealtimeClient[] = [];
  private readonly servers: Array<{ close(): Promise<void> | void }> = [];

  async server(options: TiledeskServerOptions = {}): Promise<TiledeskTestServer> {
    const server = await startTiledeskServer({ port: 0, ...options });
    this.servers.push(server);
    return server;
  }

  client(server: { wsUrl: string; owner?: { token: string } } | string, options: Partial<RealtimeClientOptions> = {}): RealtimeClient {
    const url = typeof server === 'string' ? server : server.wsUrl;
    const token = typeof server === 'string' ? 'JWT x.y.z' : server.owner!.token;
    const rt = new RealtimeClient({ url, token, ...FAST, ...options });
    this.clients.push(rt);
    return rt;
  }

  track<T extends { close(): Promise<void> | void }>(resource: T): T {
    this.servers.push(resource);
    return resource;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((rt) => rt.close()));
    await Promise.all(this.servers.splice(0).map((s) => s.close()));
  }
}

/** Polls until `condition` holds (for state reached through sockets), failing after `ms`. */
export async function until(condition: () => boolean, what = 'condition', ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves on the next `state` change to `state` (or one of several). */
export function nextState(rt: RealtimeClient, ...states: ConnectionState[]): Promise<ConnectionState> {
  return new Promise((resolve) => {
    const off = rt.on('state', ({ state }) => {
      if (!states.includes(state)) return;
      off();
      resolve(state);
    });
  });
}

/** A small REST helper for setting up conversations on the local server. */
export function rest(server: TiledeskTestServer, token = server.owner.token) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}/${server.project.id}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', Authorization: token },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    /**
     * Creates a conversation and waits for the server's second write of it: as tiledesk-server's snapshot listener
     * does, the local server moves a new conversation's `updatedAt` once more just after answering. Without the wait,
     * "most recently updated" (the order of a capped `/requests` snapshot) could differ from the creation order.
     */
    createRequest: async (text = 'hello') => {
      const created = await call<RealtimeRequest>('POST', '/requests', { first_text: text });
      for (const deadline = Date.now() + 5_000; ; ) {
        const now = await call<RealtimeRequest>('GET', `/requests/${created.request_id}`);
        if (now.updatedAt !== created.updatedAt) return now;
        if (Date.now() > deadline) throw new Error(`the second write of ${created.request_id} did not come within 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    },
    sendMessage: (requestId: string, text: string) => call<RealtimeMessage>('POST', `/requests/${requestId}/messages`, { text }),
    importMessages: (requestId: string, texts: string[]) =>
      call<RealtimeMessage[]>('POST', `/requests/${requestId}/messages/multi`, texts.map((text) => ({ text }))),
    close: (requestId: string) => call<RealtimeRequest>('PUT', `/requests/${requestId}/close`, {}),
    patch: (requestId: string, body: Record<string, unknown>) => call<RealtimeRequest>('PATCH', `/requests/${requestId}`, body),
    listRequests: () => call<{ requests: RealtimeRequest[]; count: number; perPage: number }>('GET', '/requests?limit=100'),
    listMessages: (requestId: string) => call<RealtimeMessage[]>('GET', `/requests/${requestId}/messages`),
  };
}

/**
 * A raw `ws` server for frames no Tiledesk server produces on demand (not JSON, binary, unknown actions, oversized,
 * `__proto__` keys). Every connection gets `onConnection`; `send` goes to every open socket.
 */
export async function frameServer(onMessage?: (data: string, socket: NodeWebSocket) => void): Promise<{
  url: string;
  send(data: string | Buffer): void;
  sockets(): number;
  close(): Promise<void>;
}> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (socket) => socket.on('message', (data) => onMessage?.(String(data), socket)));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/`,
    send: (data) => {
      for (const socket of wss.clients) if (socket.readyState === NodeWebSocket.OPEN) socket.send(data);
    },
    sockets: () => wss.clients.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of wss.clients) socket.terminate();
        wss.close();
        http.close(() => resolve());
      }),
  };
}

/**
 * What a browser shows of a failed handshake: an `error` event without a message, then close 1006. Wraps `ws` so the
 * client cannot tell a 401 from a refused connection, exactly as in a browser.
 */
export const BrowserLikeWebSocket: WebSocketConstructor = class {
  private readonly socket: NodeWebSocket;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: unknown) => void) | null = null;

  constructor(url: string) {
    this.socket = new NodeWebSocket(url);
    this.socket.on('open', () => this.onopen?.({ type: 'open' }));
    this.socket.on('message', (data, isBinary) => this.onmessage?.({ data: isBinary ? data : String(data) }));
    this.socket.on('error', () => this.onerror?.({ type: 'error' }));
    this.socket.on('close', (code) => this.onclose?.({ code, reason: '' }));
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  send(data: string): void {
    this.socket.send(data);
  }

  close(code?: number): void {
    this.socket.close(code);
  }
} satisfies new (url: string) => WebSocketLike;

/** A browser-like environment (window + document) that counts its listeners. */
export class FakeEnvironment implements EnvironmentLike {
  navigator = { onLine: true };
  /** The reachability probe after a blind close; none (every blind close counts) unless a test sets one. */
  fetch?: EnvironmentLike['fetch'];
  private readonly windowListeners = new Map<string, Set<() => void>>();
  private readonly documentListeners = new Map<string, Set<() => void>>();
  document = {
    visibilityState: 'visible',
    addEventListener: (type: string, listener: () => void) => add(this.documentListeners, type, listener),
    removeEventListener: (type: string, listener: () => void) => this.documentListeners.get(type)?.delete(listener),
  };

  addEventListener(type: string, listener: () => void): void {
    add(this.windowListeners, type, listener);
  }

  removeEventListener(type: string, listener: () => void): void {
    this.windowListeners.get(type)?.delete(listener);
  }

  get listenerCount(): number {
    let count = 0;
    for (const set of [...this.windowListeners.values(), ...this.documentListeners.values()]) count += set.size;
    return count;
  }

  fire(type: 'online' | 'offline' | 'pageshow'): void {
    for (const listener of [...(this.windowListeners.get(type) ?? [])]) listener();
  }

  /** A page-lifecycle event on `document` (`resume`: a frozen tab runs again). */
  fireOnDocument(type: 'resume'): void {
    for (const listener of [...(this.documentListeners.get(type) ?? [])]) listener();
  }

  becomeVisible(): void {
    this.becomeVisibility('visible');
  }

  becomeHidden(): void {
    this.becomeVisibility('hidden');
  }

  private becomeVisibility(state: 'visible' | 'hidden'): void {
    this.document.visibilityState = state;
    for (const listener of [...(this.documentListeners.get('visibilitychange') ?? [])]) listener();
  }
}

function add(map: Map<string, Set<() => void>>, type: string, listener: () => void): void {
  let set = map.get(type);
  if (!set) map.set(type, (set = new Set()));
  set.add(listener);
}

export { stopTrackingTimers } from '../helpers/timers.js';

const CLIENT_SOURCE = new URL('../../src/realtime/', import.meta.url).pathname;

/**
 * Timers the client starts from now on (until {@link stopTrackingTimers}) that have neither fired nor been cleared,
 * each with the stack that set it: those set while client code (src/realtime/) is on the stack, which includes what it
 * calls synchronously (`ws` closing a socket). Exact where a count of the process's timers is not: the local server's
 * deferred writes, undici's keep-alive, vitest and other tests' clients set timers of their own at any moment.
 */
export function clientTimers(): Map<unknown, string> {
  return timersSetFrom(CLIENT_SOURCE);
}
