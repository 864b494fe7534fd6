import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { type AuthConfig, hasPermissionOrRole } from './auth.js';
import type { DomainEvents } from './domain.js';
import { castObjectId, isObjectIdLike, uuidv4 } from './ids.js';
import { verifyJwt } from './jwt.js';
import { sortBy } from './query.js';
import type { EventDoc, MessageDoc, ProjectUserDoc, RequestDoc, Store, UserDoc } from './store.js';
import { eventView, populateFailure, projectUserView, requestView } from './views.js';

export interface RealtimeOptions {
  path: string;
  heartbeatIntervalMs: number;
  requestsSnapshotLimit: number;
  messagesSnapshotLimit: number;
  eventsSnapshotLimit: number;
}

interface Client {
  id: string;
  ws: WebSocket;
  user: UserDoc;
  isAlive: boolean;
  timer: ReturnType<typeof setInterval>;
  topics: Set<string>;
  /** Subscriptions still in their database turn (see `subscribe`). */
  pending: Set<ReturnType<typeof setImmediate>>;
}

/**
 * The real server's `websocket/webSocketServer.js` + `pubsub.js`: token in the query string, snapshot-as-CREATE
 * on subscribe, exact-string topic matching, live CREATE/UPDATE, app-level heartbeat with idle termination.
 */
export class Realtime implements DomainEvents {
  private readonly wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
  private readonly clients = new Map<string, Client>();
  /** topic → subscribed clients, in subscription order (the order frames are delivered in). */
  private readonly topics = new Map<string, Map<string, Client>>();
  /** Sockets whose upgrade is deliberately left unanswered (guest tokens, `hangUpgrades`). */
  private readonly heldUpgrades = new Set<Duplex>();
  private outbox: { topic: string; frame: string }[] = [];
  private flushHandle: ReturnType<typeof setImmediate> | undefined;
  private closed = false;
  halfOpen = false;
  hangUpgrades = false;

  constructor(
    private readonly store: Store,
    private readonly auth: AuthConfig,
    private readonly options: RealtimeOptions,
  ) {}

  get connectionCount(): number {
    return this.clients.size;
  }

  get subscriptionCount(): number {
    let count = 0;
    for (const client of this.clients.values()) count += client.topics.size;
    return count;
  }

  // ---- handshake ------------------------------------------------------------------------------------------

  /** The `upgrade` listener: ws 7's checks, then the server's `verifyClient`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.closed) return void socket.destroy();
    if (this.hangUpgrades || this.halfOpen) return this.hold(socket);
    const url = req.url ?? '/';
    const queryIndex = url.indexOf('?');
    const pathname = queryIndex === -1 ? url : url.slice(0, queryIndex);
    const key = typeof req.headers['sec-websocket-key'] === 'string' ? req.headers['sec-websocket-key'].trim() : '';
    const version = Number(req.headers['sec-websocket-version']);
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (req.method !== 'GET' || upgrade !== 'websocket' || !/^[+/0-9A-Za-z]{22}==$/.test(key) || (version !== 8 && version !== 13) || pathname !== this.options.path) {
      return abortHandshake(socket, 400);
    }
    const params = new URLSearchParams(queryIndex === -1 ? '' : url.slice(queryIndex + 1));
    const tokens = params.getAll('token');
    // A repeated `token` is an array on the real server: `token.replace` throws inside verifyClient.
    if (tokens.length > 1) return this.hold(socket);
    const raw = tokens[0];
    if (!raw) return abortHandshake(socket, 401, 'Unauthorized');
    const token = raw.replace('JWT ', '');
    const payload = verifyJwt(token, this.auth.globalSecret);
    if (!payload) return abortHandshake(socket, 401, 'Unauthorized');
    const doc = payload._doc as Record<string, unknown> | undefined;
    const identifier = payload._id ?? (doc && typeof doc === 'object' ? doc._id : undefined);
    if (identifier === undefined && (doc === undefined || doc === null)) return this.hold(socket);
    if (identifier === undefined || identifier === null) return abortHandshake(socket, 401, 'Unauthorized');
    const userId = castObjectId(identifier);
    // `User.findOne({_id: <uuid>})` is a CastError whose callback never calls back: the upgrade hangs.
    if (!userId) return this.hold(socket);
    const user = this.store.users.get(userId);
    if (!user || user.status !== 100) return abortHandshake(socket, 401, 'Unauthorized');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, user));
  }

  private hold(socket: Duplex): void {
    this.heldUpgrades.add(socket);
    socket.once('close', () => this.heldUpgrades.delete(socket));
  }

  private accept(ws: WebSocket, user: UserDoc): void {
    if (this.closed) return void ws.terminate();
    const client: Client = {
      id: uuidv4(),
      ws,
      user,
      isAlive: true,
      topics: new Set(),
      pending: new Set(),
      timer: setInterval(() => this.heartbeat(client), this.options.heartbeatIntervalMs),
    };
    this.clients.set(client.id, client);
    ws.on('message', (data, isBinary) => {
      try {
        this.receive(client, data as Buffer, isBinary);
      } catch {
        // A frame the server cannot handle is dropped, as pubsub.js does; it must never take the process down.
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', () => this.forget(client));
  }

  private forget(client: Client): void {
    clearInterval(client.timer);
    for (const handle of client.pending) clearImmediate(handle);
    client.pending.clear();
    for (const topic of client.topics) this.topics.get(topic)?.delete(client.id);
    for (const topic of client.topics) if (this.topics.get(topic)?.size === 0) this.topics.delete(topic);
    client.topics.clear();
    this.clients.delete(client.id);
  }

  private heartbeat(client: Client): void {
    if (this.halfOpen) return;
    if (client.isAlive === false) {
      client.ws.terminate();
      return;
    }
    client.isAlive = false;
    this.send(client, JSON.stringify({ action: 'heartbeat', payload: { message: { text: 'ping' } } }));
  }

  private send(client: Client, frame: string): void {
    if (client.ws.readyState === WebSocket.OPEN) client.ws.send(frame);
  }

  // ---- client frames --------------------------------------------------------------------------------------

  private receive(client: Client, data: Buffer, isBinary: boolean): void {
    if (this.halfOpen) return;
    client.isAlive = true;
    if (isBinary) return;
    let message: unknown;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const frame = message as Record<string, unknown>;
    const payload = (typeof frame.payload === 'object' && frame.payload !== null ? frame.payload : {}) as Record<string, unknown>;
    switch (frame.action) {
      case 'me':
        this.send(client, JSON.stringify({ action: 'me', payload: { id: client.id, userId: null } }));
        return;
      case 'heartbeat': {
        const inner = payload.message as Record<string, unknown> | undefined;
        // Loose equality, as in pubsub.js (`text == 'ping'`).
        if (inner && typeof inner === 'object' && String(inner.text) === 'ping' && inner.text !== null) {
          this.send(client, JSON.stringify({ action: 'heartbeat', payload: { message: { text: 'pong' } } }));
        }
        return;
      }
      case 'subscribe':
        if (payload.topic) this.subscribe(client, payload.topic);
        return;
      case 'unsubscribe':
        if (typeof payload.topic === 'string' && payload.topic) this.unsubscribe(client, payload.topic);
        return;
      case 'publish':
      case 'broadcast':
        if (payload.topic) this.relay(client, payload.topic, payload.message, frame.action === 'broadcast');
        return;
      default:
        return;
    }
  }

  private relay(from: Client, topic: unknown, message: unknown, excludeSender: boolean): void {
    if (typeof topic !== 'string') return;
    const subscribers = this.topics.get(topic);
    if (!subscribers) return;
    const frame = JSON.stringify({ action: 'publish', payload: { topic, message } });
    for (const client of subscribers.values()) if (!excludeSender || client !== from) this.send(client, frame);
  }

  private unsubscribe(client: Client, topic: string): void {
    this.topics.get(topic)?.delete(client.id);
    if (this.topics.get(topic)?.size === 0) this.topics.delete(topic);
    client.topics.delete(topic);
  }

  /**
   * The real server registers a subscription only after awaiting its database lookups (pubsub.js `await onSubscribe`),
   * while `publish`, `unsubscribe`… frames are handled at once: a frame sent right behind a `subscribe` is handled
   * before the subscription exists (a client's own publish is not relayed back to it; an unsubscribe removes nothing).
   * One event-loop turn stands for those lookups.
   */
  private subscribe(client: Client, topic: unknown): void {
    if (typeof topic !== 'string') return;
    const handle = setImmediate(() => {
      client.pending.delete(handle);
      this.register(client, topic);
    });
    client.pending.add(handle);
  }

  private register(client: Client, topic: string): void {
    let frame: string;
    try {
      const snapshot = this.snapshotFor(client, topic);
      if (snapshot === refused) return;
      frame = JSON.stringify({ action: 'publish', payload: { topic, method: 'CREATE', message: snapshot } });
    } catch {
      // This runs in its own event-loop turn, where nothing catches: a throw would be an uncaught exception in the
      // user's test process. A snapshot that cannot be built or serialised (a seeded BigInt, …) is dropped the way
      // pubsub.js drops a subscription whose lookups failed: no frame, no registration.
      return;
    }
    let subscribers = this.topics.get(topic);
    if (!subscribers) this.topics.set(topic, (subscribers = new Map()));
    subscribers.set(client.id, client);
    client.topics.add(topic);
    this.send(client, frame);
  }

  /** §6.3: the snapshot for a topic, or `refused` (no frame, no registration). */
  private snapshotFor(client: Client, topic: string): unknown {
    const parts = topic.split('/');
    const projectId = castObjectId(parts[1]);
    if (!projectId || !this.store.activeProject(projectId)) return refused;
    // Requests and messages store `id_project` as a string: only the exact (lower-case) spelling matches.
    const rawProjectId = parts[1]!;
    const me = client.user._id;
    const member = () => this.store.findProjectUser(projectId, me, 'id_user', (pu) => pu.status === 'active');

    if (topic.endsWith('/messages')) {
      const pu = member();
      if (!pu) return refused;
      const request = this.visibleRequest(rawProjectId, parts[3], pu, me);
      if (!request) return refused;
      return this.store.messagesOf(rawProjectId, request.request_id).slice(0, this.options.messagesSnapshotLimit);
    }
    if (topic.endsWith('/requests')) {
      const pu = member();
      if (!pu) return refused;
      const visible: RequestDoc[] = [];
      for (const request of this.store.requestsByProject.get(rawProjectId)?.values() ?? []) {
        if (request.status >= 1000 || request.status <= 50 || request.status === 150) continue;
        if (request.preflight !== false || request.draft === true) continue;
        if (!this.canSee(pu, request, me)) continue;
        visible.push(request);
      }
      visible.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
      return visible.slice(0, this.options.requestsSnapshotLimit).map((r) => requestView(this.store, r, 'wsList'));
    }
    if (topic.includes('/project_users/users/')) {
      if (!member()) return refused;
      const target = parts[4];
      if (target === undefined) return refused;
      const byUser = isObjectIdLike(target);
      const person = byUser ? castObjectId(target) ?? target : target;
      const pu = this.store.findProjectUser(projectId, person, byUser ? 'id_user' : 'uuid_user', (p) => p.status === 'active');
      return pu ? projectUserView(this.store, pu, { virtuals: true, isBusy: false }) : refused;
    }
    if (topic.includes('/project_users/')) {
      const puId = castObjectId(parts[3]);
      const pu = puId ? this.store.projectUsers.get(puId) : undefined;
      if (!pu || pu.id_project !== projectId || pu.id_user !== me || pu.roleType !== 1 || pu.status !== 'active') return refused;
      return projectUserView(this.store, pu, { virtuals: true, isBusy: false });
    }
    if (topic.includes('/events/')) {
      // No membership check. An id that does not cast is a CastError (refused); a fourth segment filters by name.
      const puId = castObjectId(parts[3]);
      if (!puId) return refused;
      const name = parts[4];
      const events = this.store.eventsOf(rawProjectId).filter((e) => e.project_user === puId && (!name || e.name === name));
      return sortBy(events, 'createdAt', -1).slice(0, this.options.eventsSnapshotLimit).map(eventView);
    }
    if (topic.includes('/bots/')) {
      return castObjectId(parts[3]) ? null : refused;
    }
    const pu = member();
    if (!pu) return refused;
    const request = this.visibleRequest(rawProjectId, parts[3], pu, me);
    if (request && populateFailure(request)) return refused;
    return request ? requestView(this.store, request, 'populated') : null;
  }

  private visibleRequest(projectId: string, requestId: string | undefined, pu: ProjectUserDoc, me: string): RequestDoc | undefined {
    if (requestId === undefined) return undefined;
    const request = this.store.findRequest(projectId, requestId);
    return request && this.canSee(pu, request, me) ? request : undefined;
  }

  private canSee(pu: ProjectUserDoc, request: RequestDoc, me: string): boolean {
    if (hasPermissionOrRole(pu, 'request_read_all', ['owner', 'admin'])) return true;
    if (request.participants.includes(me)) return true;
    return hasPermissionOrRole(pu, 'request_read_group', ['agent']) && (request.snapshot.agents ?? []).some((a) => a.id_user === me);
  }

  // ---- live events (DomainEvents) -------------------------------------------------------------------------

  private hasSubscribers(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** Queues a frame; frames go out in one `setImmediate`, like the real server's per-event `setImmediate`. */
  private publish(topic: string, method: 'CREATE' | 'UPDATE', message: unknown): void {
    this.outbox.push({ topic, frame: JSON.stringify({ action: 'publish', payload: { topic, method, message } }) });
    this.flushHandle ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushHandle = undefined;
    const pending = this.outbox;
    this.outbox = [];
    if (this.halfOpen || this.closed) return;
    for (const { topic, frame } of pending) {
      const subscribers = this.topics.get(topic);
      if (!subscribers) continue;
      for (const client of subscribers.values()) this.send(client, frame);
    }
  }

  requestCreated(request: RequestDoc): void {
    if (request.preflight !== false) return;
    const list = `/${request.id_project}/requests`;
    const single = `${list}/${request.request_id}`;
    if (!this.hasSubscribers(list) && !this.hasSubscribers(single)) return;
    // When populating fails the server publishes the saved document as it is.
    const view = requestView(this.store, request, populateFailure(request) ? 'saved' : 'populatedNew');
    this.publish(list, 'CREATE', view);
    this.publish(single, 'CREATE', view);
  }

  requestUpdated(request: RequestDoc, populated = true): void {
    if (request.preflight !== false || !(request.status > 50)) return;
    const list = `/${request.id_project}/requests`;
    const single = `${list}/${request.request_id}`;
    const toList = request.draft !== true && this.hasSubscribers(list);
    if (!toList && !this.hasSubscribers(single)) return;
    // Routes emit the update only after populating succeeded.
    if (populateFailure(request)) return;
    const view = requestView(this.store, request, populated ? 'liveUpdate' : 'liveUpdatePlain');
    if (toList) this.publish(list, 'UPDATE', view);
    this.publish(single, 'UPDATE', view);
  }

  messageCreated(message: MessageDoc): void {
    const request = this.store.findRequest(message.id_project, message.recipient);
    if (!request) return;
    const topic = `/${message.id_project}/requests/${request.request_id}/messages`;
    if (!this.hasSubscribers(topic)) return;
    // The message event is populated with its request; when that fails the frame has no `request` and is dropped.
    if (populateFailure(request)) return;
    this.publish(topic, 'CREATE', { ...message, request: requestView(this.store, request, 'leanPopulated') });
  }

  projectUserUpdated(pu: ProjectUserDoc): void {
    const byId = `/${pu.id_project}/project_users/${pu._id}`;
    const byUser = `/${pu.id_project}/project_users/users/${pu.uuid_user ?? pu.id_user}`;
    if (!this.hasSubscribers(byId) && !this.hasSubscribers(byUser)) return;
    const view = projectUserView(this.store, pu, { virtuals: true, user: 'firstLast', isBusy: false });
    this.publish(byId, 'UPDATE', view);
    this.publish(byUser, 'UPDATE', view);
  }

  eventCreated(event: EventDoc, user: unknown): void {
    // Events without a project_user (a caller let in without a membership) are not published.
    if (event.project_user === undefined) return;
    // Only the exact topic: subscribers of `/<pid>/events/<puId>/<name>` get the snapshot, never live frames.
    const topic = `/${event.id_project}/events/${event.project_user}`;
    if (!this.hasSubscribers(topic)) return;
    const pu = this.store.projectUsers.get(event.project_user);
    if (!pu) return;
    // The saved event populated with its project_user (and that one's user), plus the poster and the `id`.
    const message: Record<string, unknown> = { ...eventView(event), project_user: projectUserView(this.store, pu, { virtuals: true, user: 'full' }) };
    message.user = user;
    message.id = event._id;
    this.publish(topic, 'CREATE', message);
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------

  /** Terminates every connection (close code 1006 on the client) and every held upgrade. */
  dropAll(): void {
    for (const client of [...this.clients.values()]) {
      client.ws.terminate();
      this.forget(client);
    }
    for (const socket of this.heldUpgrades) socket.destroy();
    this.heldUpgrades.clear();
  }

  close(): void {
    this.closed = true;
    this.dropAll();
    if (this.flushHandle) clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    this.outbox = [];
    this.wss.close();
  }

  reopen(): void {
    this.closed = false;
  }
}

const refused = Symbol('refused');

/** ws 7's `abortHandshake`: a bare HTTP response on the raw socket, then destroy. */
function abortHandshake(socket: Duplex, code: number, message?: string): void {
  const body = message ?? STATUS_CODES[code] ?? '';
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
