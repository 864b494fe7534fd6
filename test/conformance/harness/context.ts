import { randomBytes } from 'node:crypto';
import { type HttpRequest, type HttpResponse, RawHttp } from './http.js';
import { type Json, Masker } from './normalize.js';
import { HANDSHAKE_TIMEOUT_MS, type HandshakeOutcome, isServerPing, RawSocket, topicOf } from './ws.js';

/** A server the same scenario can be run against: the real tiledesk-server or the local one. */
export interface ConformanceTarget {
  name: 'real' | 'local';
  /** REST base, no trailing slash, e.g. http://127.0.0.1:3000 */
  url: string;
  /** WebSocket base, e.g. ws://127.0.0.1:3000/ */
  wsUrl: string;
  /** The server's heartbeat interval: 30 s on tiledesk-server, short on the local server in tests. */
  heartbeatIntervalMs: number;
}

export interface Observation {
  step: string;
  [key: string]: Json;
}

export interface RecordedCall extends HttpRequest {
  /** Reorders the normalised body where the server's order is not defined. */
  sort?: (body: Json) => Json;
  /** Response headers to record besides content-type and www-authenticate. */
  recordHeaders?: string[];
}

/** See ScenarioContext.open. */
const SERVER_QUIESCE_MS = 500;

export class SetupError extends Error {
  override name = 'SetupError';
}

/**
 * What a scenario uses to talk to one server. Every recorded step becomes one normalised observation; the runner
 * compares the list of observations between servers (or with the golden file).
 */
export class ScenarioContext {
  readonly mask = new Masker();
  /**
   * Observations are normalised when the scenario is over, so that ids the scenario learns (and aliases) later in
   * the flow are masked by name everywhere, including in the response that revealed them.
   */
  private readonly pending: Array<() => Observation> = [];
  private readonly http: RawHttp;
  private readonly sockets: RawSocket[] = [];
  private readonly frameCursor = new Map<RawSocket, number>();

  constructor(readonly target: ConformanceTarget) {
    this.http = new RawHttp(target.url);
  }

  /** A value unique to this run (e-mails, request ids), masked under `name` in observations. */
  unique(prefix: string, name: string): string {
    const value = `${prefix}${randomBytes(6).toString('hex')}`;
    this.alias(value, name);
    return value;
  }

  alias(value: string | undefined | null, name: string): void {
    this.mask.alias(value, name);
  }

  /** Sends a request that is part of the behaviour under test and records its normalised response. */
  async call(step: string, req: RecordedCall): Promise<HttpResponse> {
    const response = await this.http.send(req);
    this.pending.push(() => {
      const observation: Observation = {
        step,
        request: `${req.method} ${this.mask.string(req.path)}`,
        status: response.status === 0 ? 'no response' : response.status,
      };
      if (response.status === 0) return observation;
      observation.contentType = response.headers['content-type'] ?? null;
      const wwwAuthenticate = response.headers['www-authenticate'];
      if (wwwAuthenticate !== undefined) observation.wwwAuthenticate = wwwAuthenticate;
      for (const name of req.recordHeaders ?? []) observation[`header ${name}`] = response.headers[name] ?? null;
      let body: Json = response.json !== undefined ? this.mask.value(response.json) : this.mask.string(response.text);
      if (req.sort && response.json !== undefined) body = req.sort(body);
      observation.body = body;
      return observation;
    });
    return response;
  }

  /** Sends a request without recording it; the scenario records what it needs (e.g. a summary) itself. */
  send(req: HttpRequest): Promise<HttpResponse> {
    return this.http.send(req);
  }

  /** Sends a setup request (not recorded) and insists that it succeeds. */
  async setup(what: string, req: HttpRequest, expectedStatus = 200): Promise<HttpResponse> {
    const response = await this.http.send(req);
    if (response.status !== expectedStatus) {
      throw new SetupError(
        `setup step "${what}" (${req.method} ${req.path}) on the ${this.target.name} server answered ` +
          `${response.status || 'nothing'} instead of ${expectedStatus}: ${response.text.slice(0, 300)}`,
      );
    }
    return response;
  }

  /** Records a value the scenario computed (normalised like a body). */
  record(step: string, value: unknown): void {
    this.pending.push(() => ({ step, value: this.mask.value(value) }));
  }

  /** Opens a WebSocket to `${wsUrl}${path}${query}` and records how the handshake ended. */
  async connect(
    step: string,
    options: { token?: string; path?: string; rawQuery?: string; handshakeTimeoutMs?: number },
  ): Promise<RawSocket | undefined> {
    const base = new URL(this.target.wsUrl);
    const path = options.path ?? base.pathname;
    let query = options.rawQuery ?? '';
    if (options.token !== undefined) query = `?token=${encodeURIComponent(options.token)}`;
    const url = `${base.protocol}//${base.host}${path}${query}`;
    const { outcome, socket } = await RawSocket.connect(url, options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS);
    this.pending.push(() => ({ step, handshake: this.describeHandshake(outcome) }));
    if (socket) {
      this.sockets.push(socket);
      this.frameCursor.set(socket, 0);
    }
    return socket;
  }

  /**
   * Opens a WebSocket that the scenario needs (not recorded) and insists that it opens. It first lets the server
   * finish the fire-and-forget work of earlier requests: tiledesk-server publishes request/message events after it
   * has answered, and such a late event would otherwise race the snapshot of a subscription made right after.
   */
  async open(token: string): Promise<RawSocket> {
    await new Promise((resolve) => setTimeout(resolve, SERVER_QUIESCE_MS));
    const { outcome, socket } = await RawSocket.connect(`${this.target.wsUrl}?token=${encodeURIComponent(token)}`);
    if (!socket) {
      throw new SetupError(`WebSocket to the ${this.target.name} server did not open: ${JSON.stringify(outcome)}`);
    }
    this.sockets.push(socket);
    this.frameCursor.set(socket, 0);
    return socket;
  }

  /**
   * Records the frames received since the last call, grouped by topic (frames of different topics may interleave
   * differently; within a topic the order is the server's). Server heartbeat pings are timer-driven and left out
   * unless asked for.
   */
  frames(step: string, socket: RawSocket, options: { includeServerPings?: boolean } = {}): void {
    const from = this.frameCursor.get(socket) ?? 0;
    const received = socket.frames.slice(from);
    this.frameCursor.set(socket, socket.frames.length);
    this.pending.push(() => {
      const byTopic: { [topic: string]: Json[] } = {};
      for (const frame of received) {
        if (!options.includeServerPings && isServerPing(frame.data)) continue;
        const topic = topicOf(frame.data);
        const key = topic === undefined ? '(no topic)' : this.mask.string(topic);
        (byTopic[key] ??= []).push(this.describeFrame(frame.data, frame.binary));
      }
      const sorted: { [topic: string]: Json[] } = {};
      for (const key of Object.keys(byTopic).sort()) sorted[key] = byTopic[key] as Json[];
      return { step, frames: sorted };
    });
  }

  /** Records how and whether the socket was closed by the server. */
  closeState(step: string, socket: RawSocket): void {
    const closed: Json = socket.closeEvent
      ? { code: socket.closeEvent.code, reason: socket.closeEvent.reason }
      : 'open';
    this.pending.push(() => ({ step, closed }));
  }

  /** The normalised observations of everything recorded so far. */
  observations(): Observation[] {
    return this.pending.map((make) => make());
  }

  async dispose(): Promise<void> {
    for (const socket of this.sockets) socket.close();
    await this.http.close();
  }

  private describeHandshake(outcome: HandshakeOutcome): Json {
    switch (outcome.kind) {
      case 'open':
        return 'open';
      case 'no-response':
        return 'no response';
      case 'error':
        return { error: this.mask.string(outcome.message) };
      case 'http':
        return { status: outcome.status, contentType: outcome.contentType, body: this.mask.string(outcome.body) };
    }
  }

  private describeFrame(data: unknown, binary: boolean): Json {
    if (typeof data !== 'object' || data === null) return { binary, text: this.mask.string(String(data)) };
    const frame = data as { action?: unknown; payload?: { method?: unknown; message?: unknown } };
    if (frame.action !== 'publish' || typeof frame.payload !== 'object' || frame.payload === null) {
      return this.mask.value(data);
    }
    const message = frame.payload.message;
    const kind = message === null ? 'null' : Array.isArray(message) ? 'array' : typeof message;
    const described: { [key: string]: Json } = {
      action: 'publish',
      method: 'method' in frame.payload ? this.mask.value(frame.payload.method) : '(absent)',
      kind,
      message: this.mask.value(message),
    };
    if (Array.isArray(message)) described.length = message.length;
    const otherPayloadKeys = Object.keys(frame.payload)
      .filter((key) => !['topic', 'method', 'message'].includes(key))
      .sort();
    if (otherPayloadKeys.length > 0) described.otherPayloadKeys = otherPayloadKeys;
    const otherFrameKeys = Object.keys(frame)
      .filter((key) => !['action', 'payload'].includes(key))
      .sort();
    if (otherFrameKeys.length > 0) described.otherFrameKeys = otherFrameKeys;
    return described;
  }
}
