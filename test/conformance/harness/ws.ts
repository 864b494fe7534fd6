import WebSocket from 'ws';

/** What the HTTP upgrade ended in. The real server answers bad tokens with HTTP, and guest tokens with nothing. */
export type HandshakeOutcome =
  | { kind: 'open' }
  | { kind: 'http'; status: number; contentType: string | null; body: string }
  | { kind: 'no-response' }
  | { kind: 'error'; message: string };

export interface ReceivedFrame {
  /** Parsed JSON, or the raw text when the frame was not JSON. */
  data: unknown;
  binary: boolean;
}

export const HANDSHAKE_TIMEOUT_MS = 5_000;

/** A raw `ws` client that only records: no reconnects, no heartbeats unless the scenario sends them. */
export class RawSocket {
  readonly frames: ReceivedFrame[] = [];
  closeEvent: { code: number; reason: string } | undefined;
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const text = data.toString();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Non-JSON frames are recorded as text.
      }
      this.frames.push({ data: parsed, binary: isBinary });
      this.notify();
    });
    socket.on('close', (code, reason) => {
      this.closeEvent = { code, reason: reason.toString() };
      this.notify();
    });
    socket.on('error', () => {
      // A terminated connection reports both 'error' and 'close'; 'close' carries what is recorded.
    });
  }

  static async connect(
    url: string,
    handshakeTimeoutMs = HANDSHAKE_TIMEOUT_MS,
  ): Promise<{ outcome: HandshakeOutcome; socket?: RawSocket }> {
    const socket = new WebSocket(url);
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: HandshakeOutcome, open?: RawSocket) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(open ? { outcome, socket: open } : { outcome });
      };
      const timer = setTimeout(() => {
        socket.terminate();
        finish({ kind: 'no-response' });
      }, handshakeTimeoutMs);
      socket.once('open', () => finish({ kind: 'open' }, new RawSocket(socket)));
      socket.once('unexpected-response', (req, res) => {
        const chunks: Buffer[] = [];
        const done = () => {
          finish({
            kind: 'http',
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? null,
            body: Buffer.concat(chunks).toString(),
          });
          req.destroy();
        };
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', done);
        res.once('error', done);
        res.once('close', done);
      });
      socket.once('error', (error) => finish({ kind: 'error', message: error.message }));
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  sendBinary(bytes: Uint8Array): void {
    this.socket.send(bytes, { binary: true });
  }

  /** Resolves true once `condition` holds, false after `timeoutMs` (the scenario records what it got either way). */
  waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return;
        cleanup();
        resolve(true);
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve(false);
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  /** Waits until `count` frames arrived on `topic` (publish frames only). */
  waitForTopic(topic: string, count: number, timeoutMs = 5_000): Promise<boolean> {
    return this.waitFor(() => this.framesOn(topic).length >= count, timeoutMs);
  }

  framesOn(topic: string): ReceivedFrame[] {
    return this.frames.filter((frame) => topicOf(frame.data) === topic);
  }

  /** Lets frames that are on their way arrive, so that extra frames show up in the observation. */
  settle(ms = 400): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  waitForClose(timeoutMs: number): Promise<boolean> {
    return this.waitFor(() => this.closeEvent !== undefined, timeoutMs);
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.terminate();
    }
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export function topicOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const payload = (data as { payload?: unknown }).payload;
  if (typeof payload !== 'object' || payload === null) return undefined;
  const topic = (payload as { topic?: unknown }).topic;
  return typeof topic === 'string' ? topic : undefined;
}

export function isServerPing(data: unknown): boolean {
  const frame = data as { action?: unknown; payload?: { message?: { text?: unknown } } } | null;
  return frame?.action === 'heartbeat' && frame.payload?.message?.text === 'ping';
}
