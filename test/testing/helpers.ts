import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { connect, type Server as NetServer, type Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll } from 'vitest';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';

/** Every network wait in these tests is bounded; a hang shows up as this timeout, not as a stuck run. */
export const TIMEOUT_MS = 3_000;

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** One raw HTTP call with a bounded wait. `body` objects are sent as JSON; strings are sent verbatim. */
export async function http(
  server: TiledeskTestServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== undefined) headers.authorization = options.token;
  let body: string | undefined;
  if (typeof options.body === 'string') {
    body = options.body;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(server.url + path, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? TIMEOUT_MS) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Like {@link http} but resolves `'timeout'` instead of throwing when nothing is answered in time. */
export async function httpOrTimeout(server: TiledeskTestServer, method: string, path: string, options: Parameters<typeof http>[3] = {}): Promise<HttpResult | 'timeout'> {
  try {
    return await http(server, method, path, options);
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
    throw error;
  }
}

export type Frame = { action: string; payload: { topic?: string; method?: string; message?: unknown; [key: string]: unknown } };

/** A WebSocket test client that records every frame and waits for frames with a deadline. */
export class WsClient {
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  private waiters: { predicate: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private closeWaiters: ((code: number) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const resolve of this.closeWaiters) resolve(code);
      this.closeWaiters = [];
    });
    ws.on('error', () => undefined);
  }

  static open(url: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: TIMEOUT_MS });
      const client = new WsClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`unexpected response ${res.statusCode}`));
        ws.terminate();
      });
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  subscribe(topic: string): void {
    this.send({ action: 'subscribe', payload: { topic } });
  }

  /** Resolves with the first (already received or future) frame matching `predicate`. */
  next(predicate: (f: Frame) => boolean, timeoutMs = TIMEOUT_MS): Promise<Frame> {
    const seen = this.frames.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (frame: Frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error('no matching frame in time'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Frames published on exactly this topic, in arrival order. */
  onTopic(topic: string): Frame[] {
    return this.frames.filter((f) => f.action === 'publish' && f.payload.topic === topic);
  }

  /** Waits until the socket closes and returns the close code. */
  closed(timeoutMs = TIMEOUT_MS): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket did not close in time')), timeoutMs);
      this.closeWaiters.push((code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Sends a raw upgrade request and returns the first response line + body, or 'hang' if none arrives. */
export function rawUpgrade(server: TiledeskTestServer, path: string, waitMs = 500): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('hang');
    }, waitMs);
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    socket.on('data', (chunk) => {
      data += String(chunk);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve(`${head.split('\r\n')[0]}|${body}`);
    });
  });
}

/** What {@link trackAccepted} saw of one local server: the sockets it accepted and its listening server. */
export interface Accepted {
  /** Every connection the server accepted while tracked, in order (HTTP, WebSocket and held upgrades alike). */
  readonly sockets: Socket[];
  /** The listening `net.Server` that accepted them (one unless the test started another on the same port). */
  readonly servers: Set<NetServer>;
  /** Which of `servers` have emitted `close`: closed, and Node's own count of their connections at 0. */
  readonly closedServers: Set<NetServer>;
  /** The sockets that have not emitted `close` (their handle not released), labelled by the order they were accepted in. */
  openSockets(): string[];
  stop(): void;
}

/**
 * Tracks the connections `server` accepts from now on, one by one, through Node's `net.server.socket` diagnostics
 * channel (net publishes every connection a server accepts), and the listening server that accepted them (the
 * socket's `server`). The check rests on Node's own objects, not on the bookkeeping `stats()` reads from the code
 * under test, and counts nothing of vitest's, other tests' or other servers' (process-wide handle counts did).
 */
export function trackAccepted(server: TiledeskTestServer): Accepted {
  const sockets: Socket[] = [];
  const servers = new Set<NetServer>();
  const closedServers = new Set<NetServer>();
  const closedSockets = new Set<Socket>();
  const onSocket = (message: unknown) => {
    const { socket } = message as { socket: Socket & { server?: NetServer } };
    const listener = socket.server;
    const address = listener?.address();
    if (!listener || typeof address !== 'object' || address?.port !== server.port) return;
    sockets.push(socket);
    // Published right after the server's own `connection` listener ran: `close` (which takes a turn of the event
    // loop after the handle is closed) cannot have been emitted yet. Not `socket.closed`: it is set as soon as destroy()
    // asks for the handle's close, before the handle is released.
    socket.once('close', () => closedSockets.add(socket));
    if (!servers.has(listener)) {
      servers.add(listener);
      listener.once('close', () => closedServers.add(listener));
    }
  };
  subscribe('net.server.socket', onSocket);
  return {
    sockets,
    servers,
    closedServers,
    openSockets: () => sockets.flatMap((s, i) => (closedSockets.has(s) ? [] : [`accepted #${i}${s.destroyed ? ' (destroyed, close not yet emitted)' : ''}`])),
    stop: () => unsubscribe('net.server.socket', onSocket),
  };
}

/** Polls `condition` until true, or throws after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The bare JWT of a `JWT …` token, for the WebSocket `?token=`. */
export const bare = (token: string) => token.replace(/^JWT /, '');

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One local server for the test file: started before its tests, closed after them; `P` is its project id. */
export function fileServer(options?: Parameters<typeof startTiledeskServer>[0]): { readonly server: TiledeskTestServer; readonly P: string } {
  const file = {} as { server: TiledeskTestServer; P: string };
  beforeAll(async () => {
    file.server = await startTiledeskServer(options);
    file.P = file.server.project.id;
  });
  afterAll(() => file.server.close());
  return file;
}
