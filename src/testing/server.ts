import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { AuthConfig } from './auth.js';
import { Domain, type MultiSaveOrder } from './domain.js';
import { type FaultControls, type FaultRule, FaultTable } from './faults.js';
import { type Fixture, loadFixture, type SeedResult } from './fixture.js';
import { internalError, parseByteLimit, parseQuery, readBody, type Reply, RouteCrash, RouteHang, writeReply } from './http.js';
import { type JwtPayload, signJwt } from './jwt.js';
import { Realtime } from './realtime.js';
import { dispatch } from './routes/app.js';
import { userToken } from './routes/auth.js';
import type { RouteContext } from './routes/context.js';
import type { MultiImportHooks } from './routes/messages.js';
import { Store, type UserDoc } from './store.js';

/** Options of {@link startTiledeskServer}. */
export interface TiledeskServerOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Server heartbeat period; a client silent for a whole period is terminated. Default 30 000 (the real value). */
  heartbeatIntervalMs?: number;
  /**
   * JSON/urlencoded body limit, in `bytes` syntax, of the inflated body when it is sent gzip- or deflate-encoded.
   * Default `'500kb'` (512 000 bytes), like `JSON_BODY_LIMIT`.
   */
  jsonBodyLimit?: string | number;
  /** WebSocket path (`WS_SERVER_PATH`); must match exactly. Default `'/'`. */
  wsPath?: string;
  /**
   * Snapshot caps: `/requests` (default 100, newest `updatedAt`), `/messages` (default 300, oldest) and
   * `/events/<puId>` (default 20, newest `createdAt`).
   */
  snapshotLimits?: { requests?: number; messages?: number; events?: number };
  /** Data to load after the default project is created. */
  seed?: Fixture;
  /** Global JWT secret (`GLOBAL_SECRET`). Default `'nodeauthsecret'`, the real server's default. */
  secret?: string;
  /** The email the real server treats as super admin (`ADMIN_EMAIL`). Default `'admin@tiledesk.com'`. */
  adminEmail?: string;
  /**
   * How `…/messages/multi` stores one call's items. `'interleaved'` (default), as measured on the real server:
   * the saves run concurrently, so items land out of input order and share a few `createdAt` milliseconds, and
   * `GET …/messages` (sorted by `createdAt`, ties in storage order) does not return them in input order once a
   * call has more than 5 items. The POST response stays in input order; `_id`s ascend in input order. `'input'`:
   * stored one after the other in input order.
   */
  multiSaveOrder?: MultiSaveOrder;
}

/** A seeded account: credentials plus a ready `Authorization` value. */
export interface SeededUser {
  email: string;
  password: string;
  /** `"JWT eyJ…"`, usable as the `Authorization` header or (bare) in the WebSocket `?token=`. */
  token: string;
  userId: string;
  projectUserId: string;
}

/** What `stats()` reports; tests assert zeros after `close()` or after their own cleanup. */
export interface ServerStats {
  /** Open WebSocket connections. */
  wsConnections: number;
  /** Open TCP connections that are not WebSockets (keep-alive, in-flight, hung, held upgrades). */
  httpConnections: number;
  /** Registered topic subscriptions across all WebSocket connections. */
  subscriptions: number;
  /**
   * Writes the server still owes for answers it has already sent (the `updatedAt` of a new conversation or of a
   * lead's conversations, a preflight conversation's reroute), as tiledesk-server's listeners make them just after
   * the answer. Wait for 0 before reading what they change.
   */
  pendingWrites: number;
}

/** A running local Tiledesk-compatible server. Create it with {@link startTiledeskServer}. */
export interface TiledeskTestServer {
  /** REST base URL, routes at the root: `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** WebSocket URL: `ws://127.0.0.1:PORT/` (plus `wsPath`). */
  readonly wsUrl: string;
  readonly port: number;
  /** The seeded project, with its Default Department and a project `jwtSecret` for custom tokens. */
  readonly project: { id: string; name: string; jwtSecret: string; defaultDepartmentId: string };
  /** Project owner (not `admin@tiledesk.com`, whose role checks the real server bypasses). */
  readonly owner: SeededUser;
  /** A member with role `agent`. */
  readonly agent: SeededUser;
  /** The global JWT secret. */
  readonly secret: string;
  readonly faults: FaultControls;
  /** Signs an HS256 JWT with `secret` (default: the global secret), without the `JWT ` prefix. */
  signJwt(payload: JwtPayload, secret?: string): string;
  /** Loads users and conversations into the seeded project. */
  seed(fixture: Fixture): SeedResult;
  stats(): ServerStats;
  /**
   * Closes the listener and every socket, then listens again on the same port. Data is kept. `whileDown` runs in
   * between, for an outage as long as a test needs: connections to the port are refused until it settles (it may
   * even put another server on the port, a proxy answering 502 for instance, as long as that one is closed again).
   *
   * @example
   * await server.restart({ whileDown: () => new Promise((r) => setTimeout(r, 5_000)) }); // a 5 s outage
   */
  restart(options?: { whileDown?: () => Promise<unknown> }): Promise<void>;
  /** Releases every socket, timer and listener. Idempotent. */
  close(): Promise<void>;
}

const OWNER = { email: 'owner@example.com', password: 'owner-password', firstname: 'Olivia', lastname: 'Owner' };
const AGENT = { email: 'agent@example.com', password: 'agent-password', firstname: 'Andy', lastname: 'Agent' };
/** Body reads that stall (a client that stops mid-body) give up after this long. */
const BODY_TIMEOUT_MS = 30_000;

/**
 * Starts a local, in-memory server that speaks the Tiledesk REST and WebSocket protocol like
 * `@tiledesk/tiledesk-server` 2.19 (status codes, error bodies, JSON shapes, frames and their order), seeded
 * with a project, its owner and an agent. Listens on 127.0.0.1 only.
 *
 * @example
 * ```ts
 * import { startTiledeskServer } from 'tiledesk-sdk/testing';
 *
 * const server = await startTiledeskServer({ heartbeatIntervalMs: 500 });
 * const res = await fetch(`${server.url}/${server.project.id}/requests`, {
 *   headers: { Authorization: server.owner.token },
 * });
 * console.log(res.status, await res.json()); // 200 { perPage: 40, count: 0, requests: [] }
 * await server.close();
 * ```
 */
export async function startTiledeskServer(options: TiledeskServerOptions = {}): Promise<TiledeskTestServer> {
  const server = new LocalTiledeskServer(options);
  await server.listen(options.port ?? 0);
  if (options.seed) server.seed(options.seed);
  return server;
}

class LocalTiledeskServer implements TiledeskTestServer {
  readonly secret: string;
  readonly project: TiledeskTestServer['project'];
  readonly owner: SeededUser;
  readonly agent: SeededUser;
  readonly faults: FaultControls;

  private readonly store = new Store();
  private readonly domain: Domain;
  private readonly realtime: Realtime;
  private readonly faultTable = new FaultTable();
  private readonly authConfig: AuthConfig;
  private readonly bodyLimit: number;
  private readonly wsPath: string;
  private readonly http: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private halfOpenOn = false;
  private boundPort = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  private defaultAgent: UserDoc;

  constructor(options: TiledeskServerOptions) {
    // Named here: Node's own errors for these (`The "key" argument must be…`, `limit.trim is not a function`) do not
    // say which option was wrong.
    const { port, secret, adminEmail, wsPath, jsonBodyLimit } = options;
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65_536)) throw new RangeError('port must be an integer from 0 to 65535');
    for (const [name, value] of Object.entries({ secret, adminEmail, wsPath })) {
      if (value !== undefined && (typeof value !== 'string' || value === '')) throw new TypeError(`${name} must be a non-empty string`);
    }
    if (wsPath !== undefined && !wsPath.startsWith('/')) throw new TypeError("wsPath must start with '/'");
    if (jsonBodyLimit !== undefined && typeof jsonBodyLimit !== 'string' && !(typeof jsonBodyLimit === 'number' && jsonBodyLimit >= 0)) {
      throw new TypeError("jsonBodyLimit must be a number of bytes >= 0 or a string such as '500kb'");
    }
    this.secret = options.secret ?? 'nodeauthsecret';
    this.authConfig = { globalSecret: this.secret, adminEmail: options.adminEmail ?? 'admin@tiledesk.com', adminEmailConfigured: options.adminEmail !== undefined };
    this.bodyLimit = parseByteLimit(options.jsonBodyLimit ?? '500kb');
    this.wsPath = options.wsPath ?? '/';
    const heartbeat = options.heartbeatIntervalMs ?? 30_000;
    if (!(heartbeat > 0)) throw new RangeError('heartbeatIntervalMs must be > 0');
    this.realtime = new Realtime(this.store, this.authConfig, {
      path: this.wsPath,
      heartbeatIntervalMs: heartbeat,
      requestsSnapshotLimit: options.snapshotLimits?.requests ?? 100,
      messagesSnapshotLimit: options.snapshotLimits?.messages ?? 300,
      eventsSnapshotLimit: options.snapshotLimits?.events ?? 20,
    });
    const multiSaveOrder = options.multiSaveOrder ?? 'interleaved';
    if (multiSaveOrder !== 'interleaved' && multiSaveOrder !== 'input') throw new RangeError("multiSaveOrder must be 'interleaved' or 'input'");
    this.domain = new Domain(this.store, this.realtime, multiSaveOrder);

    const owner = this.domain.createUser({ ...OWNER });
    const { project, ownerPu, department } = this.domain.createProject('Local Project', owner);
    const agent = this.domain.createUser({ ...AGENT });
    const agentPu = this.domain.addMember(project._id, { id_user: agent._id }, 'agent', 1, owner._id, true);
    this.defaultAgent = agent;
    const jwtSecret = this.generateProjectSecret(project._id);
    this.project = { id: project._id, name: project.name, jwtSecret, defaultDepartmentId: department._id };
    this.owner = { email: owner.email, password: OWNER.password, token: userToken(this.secret, owner), userId: owner._id, projectUserId: ownerPu._id };
    this.agent = { email: agent.email, password: AGENT.password, token: userToken(this.secret, agent), userId: agent._id, projectUserId: agentPu._id };

    this.http = createServer({ keepAliveTimeout: 5_000 }, (req, res) => void this.handle(req, res));
    this.http.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.realtime.handleUpgrade(req, socket, head));
    // No 'clientError' listener: the real server (Express) has none, so Node's own answer is the reference: 431 for
    // headers over the 16 kB limit, 408 for a request that timed out, 400 for anything else unparsable, and nothing
    // once a response has started on the connection.

    const table = this.faultTable;
    this.faults = {
      route: (rule: FaultRule) => table.add(rule),
      clear: () => table.clear(),
      dropSockets: () => this.dropSockets(),
      halfOpen: (on: boolean) => {
        this.halfOpenOn = on;
        this.realtime.halfOpen = on;
      },
      hangUpgrades: (on: boolean) => {
        this.realtime.hangUpgrades = on;
      },
    };
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.boundPort}${this.wsPath}`;
  }

  private generateProjectSecret(projectId: string): string {
    const secret = this.domain.newGuestId();
    this.store.projectSecrets.set(projectId, secret);
    return secret;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.http.once('error', onError);
      this.http.listen(port, '127.0.0.1', () => {
        this.http.off('error', onError);
        const address = this.http.address();
        this.boundPort = typeof address === 'object' && address ? address.port : port;
        resolve();
      });
    });
  }

  signJwt(payload: JwtPayload, secret: string = this.secret): string {
    return signJwt(payload, secret);
  }

  seed(fixture: Fixture): SeedResult {
    return loadFixture(this.domain, this.project.id, this.defaultAgent, fixture);
  }

  stats(): ServerStats {
    const wsConnections = this.realtime.connectionCount;
    // Every accepted WebSocket is one tracked socket; held (unanswered) upgrades count as HTTP connections.
    return {
      wsConnections,
      httpConnections: Math.max(0, this.sockets.size - wsConnections),
      subscriptions: this.realtime.subscriptionCount,
      pendingWrites: this.domain.pendingWrites,
    };
  }

  private dropSockets(): void {
    this.realtime.dropAll();
    for (const socket of this.sockets) destroyHard(socket);
  }

  async restart(options: { whileDown?: () => Promise<unknown> } = {}): Promise<void> {
    if (this.closed) throw new Error('server is closed');
    await this.stopListening();
    try {
      await options.whileDown?.();
    } finally {
      if (!this.closed) await this.listen(this.boundPort);
    }
  }

  private async stopListening(): Promise<void> {
    this.realtime.dropAll();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.destroyAllSockets();
    await closed;
  }

  /** Destroys every tracked socket and waits for their `close` events, so `stats()` reads zero afterwards. */
  private async destroyAllSockets(): Promise<void> {
    const pending = [...this.sockets].map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.destroyed && !this.sockets.has(socket)) return resolve();
          socket.once('close', () => resolve());
          socket.destroy();
        }),
    );
    this.http.closeAllConnections();
    // `close` follows `destroy` within a tick or two; the bound only guards against a platform surprise.
    let bound: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(pending), new Promise<void>((resolve) => (bound = setTimeout(resolve, 1_000)))]);
    clearTimeout(bound);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.faultTable.clear();
      this.realtime.close();
      this.domain.dispose();
      if (this.http.listening) await this.stopListening();
      else await this.destroyAllSockets();
    })();
    return this.closing;
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  // ---- one HTTP request ---------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.handleUnsafe(req, res);
    } catch {
      // Never let a handler bug take the process (or the other tests) down: answer like Express would.
      if (!res.headersSent && !res.destroyed) writeReply(req, res, internalError());
    }
  }

  private async handleUnsafe(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.halfOpenOn || this.closed) return hold(req);
    const rawUrl = req.url ?? '/';
    const queryIndex = rawUrl.indexOf('?');
    const pathname = queryIndex === -1 ? rawUrl : rawUrl.slice(0, queryIndex);
    const method = (req.method ?? 'GET').toUpperCase();
    const fault = this.faultTable.match(method, pathname);
    if (fault?.latencyMs) {
      const socket = req.socket;
      await this.delay(fault.latencyMs);
      if (socket.destroyed || this.closed) return;
    }
    if (fault?.reset) return destroyHard(req.socket);
    if (fault?.hang) return hold(req);
    const answerFaultNow = fault !== undefined && fault.status !== undefined && !fault.after && fault.partialSave === undefined;
    if (answerFaultNow) {
      req.resume();
      writeReply(req, res, faultReply(fault));
      return;
    }

    const body = await readBody(req, this.bodyLimit, BODY_TIMEOUT_MS);
    if (this.halfOpenOn) return hold(req);
    if (!body.ok) {
      if (body.reason === 'aborted') return void req.socket.destroy();
      // body-parser errors reach the app error handler before `cors()` runs: no CORS header on these. A body nested
      // too deep to be stored stands for the failed database write of a route, which answers after `cors()`.
      // Too many form parameters is a PayloadTooLargeError without a `limit`, so the same handler answers without one.
      const reply: Reply =
        body.reason === 'too-large'
          ? { kind: 'json', status: 413, body: { err: 'Request entity too large', limit: this.bodyLimit }, cors: false }
          : body.reason === 'too-many-parameters'
            ? { kind: 'json', status: 413, body: { err: 'Request entity too large' }, cors: false }
            : internalError(body.reason === 'too-deep');
      writeReply(req, res, reply);
      return;
    }
    if (method === 'OPTIONS') return void writePreflight(req, res);

    const hooks: MultiImportHooks = fault?.partialSave !== undefined ? { saveLimit: fault.partialSave } : {};
    const ctx: RouteContext = {
      req,
      method: method === 'HEAD' ? 'GET' : method,
      pathname,
      query: parseQuery(queryIndex === -1 ? '' : rawUrl.slice(queryIndex + 1)),
      body: body.body,
      store: this.store,
      domain: this.domain,
      config: this.authConfig,
    };
    let reply: Reply;
    try {
      reply = dispatch(ctx, hooks);
      if (reply.kind === 'text' && reply.status === 404 && method === 'HEAD') reply = { ...reply, body: reply.body.replace('Cannot GET', 'Cannot HEAD') };
    } catch (error) {
      if (error instanceof RouteHang) return hold(req);
      if (!(error instanceof RouteCrash)) {
        // Unexpected: still answer as the real error handler does rather than crashing.
      }
      reply = internalError();
    }
    if (fault && (fault.after || fault.partialSave !== undefined)) {
      writeReply(req, res, fault.status !== undefined ? faultReply(fault) : fault.partialSave !== undefined ? partialSaveReply() : reply);
      return;
    }
    if (!writeReply(req, res, reply)) hold(req);
  }
}

/** Keeps a request unanswered; the socket stays tracked so `close()`/`dropSockets()` release it. */
function hold(req: IncomingMessage): void {
  req.resume();
}

function destroyHard(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed) {
    try {
      socket.resetAndDestroy();
      return;
    } catch {
      // Not connected any more: a plain destroy is all that is left.
    }
  }
  socket.destroy();
}

function faultReply(rule: FaultRule): Reply {
  const status = rule.status ?? 500;
  const headers = { ...(rule.headers ?? {}) };
  if (typeof rule.body === 'string') {
    const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? 'text/plain; charset=utf-8';
    return { kind: 'text', status, body: rule.body, contentType, headers };
  }
  return { kind: 'json', status, body: rule.body === undefined ? { message: STATUS_CODES[status] ?? 'Error' } : rule.body, headers };
}

function partialSaveReply(): Reply {
  return { kind: 'json', status: 500, body: { success: false, msg: 'Error inserting multiple messages.', err: {} } };
}

/** `cors()` answering a preflight: 204 with the allowed methods and the requested headers reflected. */
function writePreflight(req: IncomingMessage, res: ServerResponse): void {
  const headers: Record<string, string> = {
    'X-Powered-By': 'Express',
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET,HEAD,PUT,PATCH,POST,DELETE',
    Vary: 'Access-Control-Request-Headers',
  };
  const requested = req.headers['access-control-request-headers'];
  if (typeof requested === 'string' && requested) headers['Access-Control-Allow-Headers'] = requested;
  headers['Content-Length'] = '0';
  res.writeHead(204, headers);
  res.end();
}
