import { castObjectId } from './ids.js';
import { castError } from './query.js';
import type { ChatbotDoc, DepartmentDoc, EventDoc, LeadDoc, ProjectDoc, ProjectUserDoc, RequestDoc, Store, UserDoc } from './store.js';

/*
 * The real server answers with Mongoose documents, and which fields appear depends on how each route loaded
 * them: `toJSON` adds virtuals (`id`, `isAuthenticated`, `hasBot`, …), `toObject` on a populated parent skips
 * the virtuals of populated children, `.lean()` skips all of them, `select:false` hides `snapshot.agents`.
 * Each function below reproduces one of those load paths, as captured from the real server.
 */

type Json = Record<string, unknown>;

/** Copies own keys whose value is not undefined (JSON.stringify would drop them anyway, but key sets matter). */
export function copy(doc: object): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(doc)) if (value !== undefined) out[key] = value;
  return out;
}

export function userView(user: UserDoc): Json {
  return copy(user);
}

/** The fields `/auth/signin` and `GET /users` select: `'email firstname lastname password emailverified id'`. */
export function userSelectedView(user: UserDoc): Json {
  const out: Json = { _id: user._id, email: user.email };
  if (user.firstname !== undefined) out.firstname = user.firstname;
  if (user.lastname !== undefined) out.lastname = user.lastname;
  out.emailverified = user.emailverified;
  return out;
}

export function projectView(project: ProjectDoc, nowMs: number): Json {
  const out = copy(project);
  const profile = project.profile as Record<string, unknown>;
  out.trialExpired = false;
  // The real virtual: whole days since the trial ended (-14 for a fresh sandbox project, one more each day).
  out.trialDaysLeft = Math.floor((nowMs - (Date.parse(project.createdAt) + Number(profile.trialDays) * DAY_MS)) / DAY_MS);
  out.isActiveSubscription = isActiveSubscription(project, nowMs);
  out.id = project._id;
  return out;
}

/** The project's `isActiveSubscription` virtual: '' for a payment plan without `subEnd` (its initial value). */
export function isActiveSubscription(project: ProjectDoc, nowMs: number): boolean | '' {
  const profile = project.profile as Record<string, unknown>;
  if (profile.type !== 'payment') return false;
  if (!profile.subEnd) return '';
  return nowMs <= Date.parse(String(profile.subEnd)) + 3 * DAY_MS;
}

const DAY_MS = 86_400_000;

export interface ProjectUserViewOptions {
  /** toJSON virtuals: `isAuthenticated`, `id`. */
  virtuals: boolean;
  /** Populate `id_user`: the whole user, or the few fields a route selects. */
  user?: 'full' | 'firstLast' | 'firstLastEmail';
  isBusy?: boolean;
}

export function projectUserView(store: Store, pu: ProjectUserDoc, options: ProjectUserViewOptions): Json {
  const out = copy(pu);
  if (options.user && pu.id_user !== undefined) {
    const user = store.users.get(pu.id_user);
    if (user) {
      if (options.user === 'full') out.id_user = userView(user);
      else {
        const selected: Json = { _id: user._id, firstname: user.firstname, lastname: user.lastname };
        if (options.user === 'firstLastEmail') selected.email = user.email;
        out.id_user = copy(selected);
      }
    } else out.id_user = null;
  }
  if (options.virtuals) {
    out.isAuthenticated = pu.role !== 'guest';
    out.id = pu._id;
  }
  if (options.isBusy !== undefined) out.isBusy = options.isBusy;
  return out;
}

/** A chatbot as read back: `secret` is `select: false`. */
export function chatbotView(bot: ChatbotDoc): Json {
  const { secret: _secret, ...rest } = bot;
  return copy(rest);
}

export function departmentView(department: DepartmentDoc, virtuals: boolean): Json {
  const out = copy(department);
  if (virtuals) {
    out.hasBot = department.id_bot !== undefined && department.id_bot !== null;
    out.id = department._id;
  }
  return out;
}

export function leadView(lead: LeadDoc): Json {
  return copy(lead);
}

/** An event as saved and as read back (REST, WebSocket snapshot): `project_user` is an id. */
export function eventView(event: EventDoc): Json {
  return copy(event);
}

/** How a request was loaded; see the file comment. */
export type RequestShape =
  /** `res.json(savedRequest)` right after creation: unpopulated, virtuals, snapshot with `agents: []`. */
  | 'saved'
  /** `.populate(...)` + `toJSON`: REST reads, per-request WS snapshot. */
  | 'populated'
  /** The freshly saved document populated (live CREATE, message POST that created the request). */
  | 'populatedNew'
  /** `request.toObject()` of a populated doc with `snapshot` replaced (live UPDATE). */
  | 'liveUpdate'
  /** The same for an unpopulated doc (an UPDATE emitted straight from `findOneAndUpdate`). */
  | 'liveUpdatePlain'
  /** `.populate(...).lean()`: the `request` embedded in live message frames. */
  | 'leanPopulated'
  /** `.lean()` with `+snapshot.agents` and the ids the WS list adds: `/<pid>/requests` snapshot. */
  | 'wsList'
  /** Unpopulated `toJSON` of a loaded (not new) document, e.g. `?no_populate=true`. */
  | 'plain'
  /** `findOneAndDelete` result: like `plain`, but the stored `snapshot.agents` (project users) come along. */
  | 'deleted'
  /** Populated after routing: the in-memory `snapshot.agents` (the agents routing considered) is serialised too. */
  | 'routed';

export function requestView(store: Store, request: RequestDoc, shape: RequestShape, routedAgents?: ProjectUserDoc[]): Json {
  const populate = shape === 'populated' || shape === 'populatedNew' || shape === 'liveUpdate' || shape === 'leanPopulated' || shape === 'routed';
  const nestedVirtuals = shape !== 'liveUpdate' && shape !== 'liveUpdatePlain' && shape !== 'leanPopulated' && shape !== 'wsList';
  const out: Json = {};
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined) continue;
    if (key === 'snapshot') {
      if (shape === 'liveUpdate' || shape === 'liveUpdatePlain') continue;
      out.snapshot = snapshotView(store, request, shape, nestedVirtuals, routedAgents);
      continue;
    }
    if (populate && key === 'requester') {
      const pu = store.projectUsers.get(value as string);
      out.requester = pu ? projectUserView(store, pu, { virtuals: nestedVirtuals, user: 'full' }) : null;
      continue;
    }
    if (populate && key === 'lead') {
      const lead = store.leads.get(value as string);
      out.lead = lead ? leadView(lead) : null;
      continue;
    }
    if (populate && key === 'department') {
      const department = store.departments.get(value as string);
      out.department = department ? departmentView(department, nestedVirtuals) : null;
      continue;
    }
    out[key] = value;
  }
  if (shape === 'wsList') {
    out.id = request._id;
    out.requester_id = request.lead ?? null;
    return out;
  }
  if (shape === 'leanPopulated') {
    // The message event adds the department's bot (`Faq_kb.findById(id_bot)`, any project): null when there is
    // none, left out when the id does not cast (the lookup fails and the event goes on without it).
    const department = request.department !== undefined ? store.departments.get(request.department) : undefined;
    if (department?.id_bot && out.department && typeof out.department === 'object') {
      const botId = castObjectId(String(department.id_bot));
      if (botId !== undefined) {
        const bot = store.chatbots.get(botId);
        (out.department as Json).bot = bot ? chatbotView(bot) : null;
      }
    }
    out.participatingBots = [];
    out.participatingAgents = participatingAgents(store, request);
    return out;
  }
  // The virtual is `this.lead._id`: a populated lead that does not exist (PATCHed to an unknown id) gives null.
  out.requester_id = request.lead !== undefined && (!populate || store.leads.has(request.lead)) ? request.lead : null;
  if (populate) {
    out.participatingAgents = participatingAgents(store, request);
    out.participatingBots = [];
  } else if (shape === 'saved') {
    // On a new document an unpopulated virtual-populate getter yields [] when its local array is empty.
    if (request.participantsAgents.length === 0) out.participatingAgents = [];
    if (request.participantsBots.length === 0) out.participatingBots = [];
  }
  out.id = request._id;
  if (shape === 'liveUpdate' || shape === 'liveUpdatePlain') {
    // The server re-reads the stored `snapshot.agents` for this: `{}` only when there are none.
    const agents = request.snapshot.agents;
    out.snapshot = agents && agents.length > 0 ? { agents: agents.map((a) => ({ id_user: a.id_user })) } : {};
  }
  return out;
}

/**
 * Populating `participatingAgents`/`participatingBots` casts every participant id to an ObjectId: one that is
 * not (e.g. a participant "agent-1") makes the whole populate fail with this CastError on the real server.
 */
export function populateFailure(request: RequestDoc): Json | undefined {
  for (const id of request.participantsBots) if (!castObjectId(id)) return castError('ObjectId', id, '_id', 'faq_kb').json;
  for (const id of request.participantsAgents) if (!castObjectId(id)) return castError('ObjectId', id, '_id', 'user').json;
  return undefined;
}

function participatingAgents(store: Store, request: RequestDoc): Json[] {
  const users: Json[] = [];
  for (const id of request.participantsAgents) {
    const user = store.users.get(id);
    if (user) users.push(userView(user));
  }
  return users;
}

function snapshotView(store: Store, request: RequestDoc, shape: RequestShape, virtuals: boolean, routedAgents?: ProjectUserDoc[]): Json {
  const snapshot = request.snapshot;
  const out: Json = {};
  if (snapshot.department) out.department = departmentView(snapshot.department, virtuals);
  if (snapshot.availableAgentsCount !== undefined) out.availableAgentsCount = snapshot.availableAgentsCount;
  if (snapshot.requester) {
    const requester = projectUserView(store, snapshot.requester, { virtuals });
    if (shape === 'wsList') requester.isAuthenticated = snapshot.requester.role !== 'guest';
    out.requester = requester;
  }
  if (snapshot.lead) out.lead = leadView(snapshot.lead);
  if (shape === 'saved' || shape === 'populatedNew') out.agents = [];
  if (shape === 'deleted') out.agents = (snapshot.agents ?? []).map((pu) => projectUserView(store, pu, { virtuals: true }));
  if (shape === 'routed') {
    out.agents = (routedAgents ?? store.domainAgents(request.id_project)).map((pu) => projectUserView(store, pu, { virtuals: true }));
  }
  if (shape === 'wsList' && snapshot.agents) out.agents = snapshot.agents.length > 0 ? snapshot.agents.map((a) => ({ id_user: a.id_user })) : [];
  return out;
}
