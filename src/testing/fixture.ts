import type { Domain } from './domain.js';
import { minimize, RequestStatus } from './domain.js';
import { uuidv4 } from './ids.js';
import type { LeadDoc, MessageDoc, ProjectUserDoc, RequestDoc, UserDoc } from './store.js';

/**
 * Data to load into a running server with `server.seed(fixture)` or `startTiledeskServer({ seed })`. Everything
 * goes into the seeded project. Plain JSON, so fixtures can live in `.json` files.
 *
 * @example
 * ```json
 * {
 *   "users": [{ "email": "sam@example.com", "password": "s3cret", "firstname": "Sam", "role": "agent" }],
 *   "conversations": [{
 *     "request_id": "support-group-demo-1",
 *     "first_text": "Hi, my order is late",
 *     "visitor": { "fullname": "Ada", "email": "ada@example.com" },
 *     "messages": [
 *       { "text": "Hi, my order is late", "sender": "visitor" },
 *       { "text": "Looking into it", "sender": "sam@example.com", "createdAt": "2024-01-01T10:00:05.000Z" }
 *     ]
 *   }]
 * }
 * ```
 */
export interface Fixture {
  /** Users to sign up; with `role` they also join the seeded project (agents, admins, …). */
  users?: FixtureUser[];
  /** Conversations (requests) of the seeded project, with their messages. */
  conversations?: FixtureConversation[];
}

export interface FixtureUser {
  email: string;
  password: string;
  firstname?: string;
  lastname?: string;
  /** Project role: owner, admin, supervisor, agent, teammate, user. Omit to create the user only. */
  role?: string;
  /** Default true: routing assigns new conversations to available agents. */
  available?: boolean;
}

export interface FixtureConversation {
  /** Default: a generated `support-group-<projectId>-<uuid>`. */
  request_id?: string;
  first_text: string;
  /** Default 200 when there are participants, else 100. Use 1000 for closed conversations. */
  status?: number;
  /** User ids or emails of seeded users, or `bot_<id>`. Default: the seeded agent. */
  participants?: string[];
  /** The visitor who opened the conversation: a guest with this name/email (a new uuid unless `id`). */
  visitor?: { id?: string; fullname?: string; email?: string };
  attributes?: Record<string, unknown>;
  subject?: string;
  tags?: string[];
  preflight?: boolean;
  /** ISO date; default now. Messages without `createdAt` follow it one second apart. */
  createdAt?: string;
  messages?: FixtureMessage[];
}

export interface FixtureMessage {
  text?: string;
  /** `"visitor"`, a seeded user's email or id, `"system"`, or any sender string. Default: the visitor. */
  sender?: string;
  senderFullname?: string;
  type?: string;
  attributes?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  /** Default 200 (RECEIVED), what the real server stores for server-created messages. */
  status?: number;
  createdAt?: string;
}

/** What `seed()` created, so tests can address it. */
export interface SeedResult {
  users: { email: string; userId: string; projectUserId?: string }[];
  conversations: { request_id: string; _id: string; visitorId: string; messageIds: string[] }[];
}

/**
 * Loads a fixture directly into the store: no events are published and nothing is routed, so seeding a large
 * history is cheap. Throws a TypeError on malformed input (a test bug, better loud than silently partial).
 */
export function loadFixture(domain: Domain, projectId: string, defaultAgent: UserDoc | undefined, fixture: Fixture): SeedResult {
  const store = domain.store;
  const result: SeedResult = { users: [], conversations: [] };
  const byEmail = (value: string): UserDoc | undefined => store.usersByEmail.get(value.toLowerCase()) ?? store.users.get(value);

  for (const spec of fixture.users ?? []) {
    if (typeof spec.email !== 'string' || typeof spec.password !== 'string') throw new TypeError('fixture user needs email and password');
    const user = byEmail(spec.email) ?? domain.createUser({ email: spec.email, password: spec.password, firstname: spec.firstname, lastname: spec.lastname });
    let pu: ProjectUserDoc | undefined;
    if (spec.role) {
      pu = store.findProjectUser(projectId, user._id, 'id_user') ?? domain.addMember(projectId, { id_user: user._id }, spec.role, 1, user._id, spec.available ?? true);
    }
    result.users.push({ email: user.email, userId: user._id, ...(pu ? { projectUserId: pu._id } : {}) });
  }

  const department = store.defaultDepartment(projectId);
  for (const spec of fixture.conversations ?? []) {
    if (typeof spec.first_text !== 'string') throw new TypeError('fixture conversation needs first_text');
    const requestId = spec.request_id ?? domain.newRequestId(projectId);
    if (store.requestsByRequestId.has(requestId)) throw new TypeError(`duplicate request_id in fixture: ${requestId}`);
    const createdMs = spec.createdAt ? Date.parse(spec.createdAt) : domain.now();
    if (Number.isNaN(createdMs)) throw new TypeError(`invalid createdAt: ${spec.createdAt}`);
    const visitorId = spec.visitor?.id ?? uuidv4();
    const visitorName = spec.visitor?.fullname ?? `guest#${visitorId.substring(0, 4)}`;
    const requester = store.findProjectUser(projectId, visitorId, 'uuid_user') ?? domain.addMember(projectId, { uuid_user: visitorId }, 'guest', 2, visitorId, true);
    const lead: LeadDoc = domain.upsertLead(visitorId, visitorName, spec.visitor?.email, projectId, undefined);
    const participants = (spec.participants ?? (defaultAgent ? [defaultAgent._id] : [])).map((p) => (p.startsWith('bot_') ? p : byEmail(p)?._id ?? p));
    const iso = new Date(createdMs).toISOString();
    const attributes = minimize(spec.attributes) as Record<string, unknown> | undefined;
    const request: RequestDoc = {
      status: spec.status ?? (participants.length > 0 ? RequestStatus.ASSIGNED : RequestStatus.UNASSIGNED),
      preflight: spec.preflight === true,
      hasBot: participants[0]?.startsWith('bot_') === true,
      participants,
      priority: 'medium',
      followers: [],
      participantsAgents: participants.filter((p) => !p.startsWith('bot_')),
      participantsBots: participants.filter((p) => p.startsWith('bot_')).map((p) => p.slice(4)),
      _id: store.newId(createdMs),
      request_id: requestId,
      requester: requester._id,
      lead: lead._id,
      first_text: spec.first_text,
      ...(spec.subject !== undefined ? { subject: spec.subject } : {}),
      ...(department ? { department: department._id } : {}),
      ...(participants.length > 0 ? { assigned_at: iso } : {}),
      ...(attributes ? { attributes } : {}),
      id_project: projectId,
      createdBy: visitorId,
      channel: { name: 'chat21' },
      tags: (spec.tags ?? []).map((tag) => ({ tag, _id: store.newId(createdMs) })),
      notes: [],
      createdAt: iso,
      snapshot: {
        ...(department ? { department: { ...department } } : {}),
        availableAgentsCount: domain.agentsOf(projectId).filter((pu) => pu.user_available).length,
        requester: { ...requester },
        lead: { ...lead },
      },
      channelOutbound: { name: 'chat21' },
      smartAssignment: true,
      updatedAt: iso,
      ticket_id: store.nextTicketId(projectId),
      __v: 0,
    };
    if (typeof attributes?.sourcePage === 'string' && attributes.sourcePage.includes('td_draft=true')) request.draft = true;
    store.addRequest(request);
    domain.refreshAssignment(request);

    const messageIds: string[] = [];
    const docs: MessageDoc[] = [];
    let clock = createdMs;
    for (const m of spec.messages ?? []) {
      const at = m.createdAt ? Date.parse(m.createdAt) : clock;
      if (Number.isNaN(at)) throw new TypeError(`invalid message createdAt: ${m.createdAt}`);
      clock = at + 1000;
      const senderUser = m.sender && m.sender !== 'visitor' ? byEmail(m.sender) : undefined;
      const sender = !m.sender || m.sender === 'visitor' ? visitorId : senderUser?._id ?? m.sender;
      const senderFullname = m.senderFullname ?? (senderUser ? `${senderUser.firstname ?? ''} ${senderUser.lastname ?? ''}` : sender === visitorId ? visitorName : m.sender === 'system' ? 'Bot' : undefined);
      const when = new Date(at).toISOString();
      const doc = {
        senderFullname: senderFullname ?? 'Guest',
        type: m.type ?? 'text',
        channel_type: 'group',
        status: m.status ?? 200,
        _id: store.newId(at),
        sender,
        recipient: requestId,
        ...(m.text !== undefined ? { text: m.text } : {}),
        id_project: projectId,
        createdBy: sender,
        ...(minimize(m.metadata) !== undefined ? { metadata: minimize(m.metadata) } : {}),
        ...(minimize(m.attributes) !== undefined ? { attributes: minimize(m.attributes) } : {}),
        channel: { name: 'chat21' },
        createdAt: when,
        updatedAt: when,
        __v: 0,
      };
      docs.push(doc);
      messageIds.push(doc._id);
    }
    // Stored oldest first, ties in list order (a stable sort): a history listed newest first is then appended in
    // order instead of each message being inserted before all the others.
    docs.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    for (const doc of docs) store.addMessage(doc);
    if (request.status === RequestStatus.CLOSED) {
      request.closed_at = new Date(clock).toISOString();
      request.duration = clock - createdMs;
    }
    result.conversations.push({ request_id: requestId, _id: request._id, visitorId, messageIds });
  }
  return result;
}
