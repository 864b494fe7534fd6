import { createHash, randomBytes } from 'node:crypto';
import { ObjectIdGenerator, uuidv4 } from './ids.js';

/*
 * Documents are stored as plain objects holding exactly what the real server's Mongo documents hold, with
 * dates already as ISO strings (they sort lexicographically like the Date values they stand for). Views
 * (views.ts) add virtuals and populate references when answering, so each call only pays for what it returns.
 */

export interface UserDoc {
  status: number;
  _id: string;
  email: string;
  firstname?: string;
  lastname?: string;
  emailverified: boolean;
  createdAt: string;
  updatedAt: string;
  __v: number;
  [extra: string]: unknown;
}

export interface ProjectDoc {
  status: number;
  ipFilterEnabled: boolean;
  ipFilter: string[];
  ipFilterDenyEnabled: boolean;
  ipFilterDeny: string[];
  _id: string;
  name: string;
  activeOperatingHours: boolean;
  createdBy: string;
  profile: { trialDays: number; name: string; agents: number; type: string };
  versions: number;
  channels: { name: string }[];
  bannedUsers: unknown[];
  createdAt: string;
  updatedAt: string;
  __v: number;
  [extra: string]: unknown;
}

export interface ProjectUserDoc {
  user_available: boolean;
  number_assigned_requests: number;
  last_login_at: string;
  permissions: string[];
  status: string;
  trashed: boolean;
  _id: string;
  id_project: string;
  id_user?: string;
  uuid_user?: string;
  role: string;
  roleType: number;
  createdBy: string;
  tags: unknown[];
  createdAt: string;
  updatedAt: string;
  __v: number;
  [extra: string]: unknown;
}

export interface DepartmentDoc {
  routing: string;
  default: boolean;
  status: number;
  _id: string;
  name: string;
  id_project: string;
  createdBy: string;
  groups: unknown[];
  tags: unknown[];
  createdAt: string;
  updatedAt: string;
  __v: number;
  id_bot?: string;
  [extra: string]: unknown;
}

export interface LeadDoc {
  tags: string[];
  status: number;
  _id: string;
  lead_id: string;
  fullname?: string;
  email?: string;
  phone?: string | null;
  attributes?: Record<string, unknown>;
  id_project: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  __v: number;
  [extra: string]: unknown;
}

export interface TagDoc {
  tag?: unknown;
  color?: unknown;
  attributes?: unknown;
  _id: string;
  [extra: string]: unknown;
}

/** A group of agents (`models/group.js`); `members` is an untyped array (user ids, as the dashboard sends them). */
export interface GroupDoc {
  members?: unknown;
  enabled?: boolean;
  _id: string;
  name?: string;
  trashed?: boolean;
  id_project?: string;
  createdBy?: string;
  attributes?: unknown;
  createdAt: string;
  updatedAt: string;
  __v: number;
}

export interface NoteDoc {
  _id: string;
  text: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface RequestSnapshot {
  department?: DepartmentDoc;
  availableAgentsCount?: number;
  requester?: ProjectUserDoc;
  lead?: LeadDoc;
  /** Stored (`select:false`): only the list snapshot and visibility filters read it. */
  agents?: ProjectUserDoc[];
}

export interface RequestDoc {
  status: number;
  preflight: boolean;
  hasBot: boolean;
  participants: string[];
  priority: string;
  followers: string[];
  participantsAgents: string[];
  participantsBots: string[];
  _id: string;
  request_id: string;
  requester?: string;
  lead?: string;
  first_text: string;
  department?: string;
  assigned_at?: string;
  id_project: string;
  createdBy: string;
  channel: { name: string };
  /** `null` items are kept as Mongoose stores them (`PUT …/tag [null]`). */
  tags: Array<TagDoc | null>;
  notes: NoteDoc[];
  createdAt: string;
  snapshot: RequestSnapshot;
  channelOutbound: { name: string };
  smartAssignment: boolean;
  updatedAt: string;
  ticket_id?: number;
  __v: number;
  attributes?: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface MessageDoc {
  senderFullname: string | null;
  type: unknown;
  channel_type: string;
  status: number;
  _id: string;
  sender: string;
  recipient: string;
  recipientFullname?: string;
  text?: string | null;
  id_project: string;
  createdBy: string;
  attributes?: unknown;
  metadata?: unknown;
  language?: string;
  channel: { name: string };
  createdAt: string;
  updatedAt: string;
  __v: number;
}

/** A project event (`pubmodules/events/event.js`): `POST /<pid>/events`, published on `/<pid>/events/<puId>`. */
export interface EventDoc {
  /** Always the schema default, misspelled as on the real server. */
  status: string;
  _id: string;
  name: string;
  /** Mixed: whatever was sent, minimized; absent when nothing was left. */
  attributes?: unknown;
  /** The URL spelling of the project id (a String path, compared verbatim like `request.id_project`). */
  id_project: string;
  /** The poster's project_user; absent when the caller has none (the membership bypass). */
  project_user?: string;
  /** `req.user.id`: a user id or a guest's uuid. */
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  __v: number;
}

/**
 * A tag of the project's tag library (`models/tagLibrary.js`, `/<pid>/tags`), not to be confused with the tags
 * stored inside a conversation or a lead. Only `_id` and the timestamps are always there: a tag upserted by
 * `PUT /<pid>/tags/<unknown id>` has no project and no creator.
 */
/** One language of a project's labels (`LabelEntrySchema`). */
export interface LabelEntry {
  lang: string;
  data: unknown;
  default: boolean | null;
  _id: string;
}

/** A project's labels document (`Label`), one per project. */
export interface LabelDoc {
  _id: string;
  data: LabelEntry[];
  /** The URL spelling of the project id (a String path). */
  id_project: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  __v: number;
}

export interface TagLibraryDoc {
  _id: string;
  tag?: string | null;
  color?: string | null;
  /** The URL spelling of the project id (a String path). */
  id_project?: string;
  createdBy?: string;
  createdAt: string;
  updatedAt: string;
  __v: number;
}

/**
 * A chatbot (`models/faq_kb.js`, `/<pid>/faq_kb` and its alias `/<pid>/bots`). `secret` is `select: false`: only the
 * answer to the create shows it.
 */
export interface ChatbotDoc {
  webhook_enabled: unknown;
  type: unknown;
  secret: string;
  language: unknown;
  public: unknown;
  certified: unknown;
  intentsEngine: unknown;
  tags: unknown[];
  score: number;
  trained: unknown;
  certifiedTags: unknown[];
  _id: string;
  name: string;
  slug?: unknown;
  /** The URL spelling of the project id (a String path); the project's own identity bot has the canonical id. */
  id_project: string;
  trashed?: unknown;
  trashedAt?: string;
  createdBy: string;
  agents_available?: unknown;
  createdAt: string;
  updatedAt: string;
  __v: number;
  [extra: string]: unknown;
}

/** A lead segment (`models/segment.js`, `/<pid>/segments`): filters the leads list with `?segment=<id>`. */
export interface SegmentDoc {
  match?: unknown;
  /** 100, or 0 once deleted (a soft delete: still read by id and by the leads filter). */
  status: number;
  _id: string;
  name?: unknown;
  /** `{field, operator, value}` items, no `_id`. */
  filters: Array<Record<string, unknown>>;
  /** The URL spelling of the project id; absent on a segment upserted by PUT or DELETE of an unknown id. */
  id_project?: string;
  createdBy?: string;
  createdAt: string;
  updatedAt: string;
  __v: number;
}

interface UserSecret {
  salt: string;
  hash: string;
}

/** Secondary key of messages and per-request indexes; NUL cannot appear in ids taken from a URL path. */
export const conversationKey = (projectId: string, requestId: string): string => `${projectId}\u0000${requestId}`;

/**
 * All data of one server, indexed for the calls the routes make: nothing on the request path scans a whole
 * collection except list endpoints, which scan one project.
 */
export class Store {
  readonly ids = new ObjectIdGenerator();
  /** `Project_user.last_login_at` defaults to `new Date()` evaluated once at module load on the real server. */
  readonly bootTime: string;

  readonly users = new Map<string, UserDoc>();
  readonly usersByEmail = new Map<string, UserDoc>();
  private readonly secrets = new Map<string, UserSecret>();

  readonly projects = new Map<string, ProjectDoc>();
  readonly projectSecrets = new Map<string, string>();
  /**
   * Documents `PUT|PATCH|DELETE /projects/:id` inserted for an id without a project (upsert): stored without the
   * schema's defaults, so no status filter ever finds them; only those routes read them again.
   */
  readonly upsertedProjects = new Map<string, Record<string, unknown>>();

  readonly projectUsers = new Map<string, ProjectUserDoc>();
  /** project id → its project_users in creation order. */
  readonly projectUsersByProject = new Map<string, ProjectUserDoc[]>();
  /** project id → its team members (`roleType` 1): routing reads them on every new conversation. */
  private readonly teamByProject = new Map<string, ProjectUserDoc[]>();
  /** `${projectId}\0${id_user or uuid_user}` → project_users of that person (usually one). */
  private readonly projectUsersByPerson = new Map<string, ProjectUserDoc[]>();

  /** `${projectId}\0${email}` of invitations sent to e-mails without an account. */
  readonly pendingInvitations = new Map<string, Record<string, unknown>>();

  readonly departments = new Map<string, DepartmentDoc>();
  readonly departmentsByProject = new Map<string, DepartmentDoc[]>();

  readonly leads = new Map<string, LeadDoc>();
  readonly leadsByProject = new Map<string, LeadDoc[]>();
  private readonly leadsByLeadId = new Map<string, LeadDoc>();
  /** The oldest lead of each lead_id in any project: what `Lead.findOneAndUpdate({lead_id})` finds. */
  private readonly firstLeadByLeadId = new Map<string, LeadDoc>();

  /** `request_id` is unique across projects (a unique index on the real server). */
  readonly requestsByRequestId = new Map<string, RequestDoc>();
  readonly requestsById = new Map<string, RequestDoc>();
  /** project id → requests in creation order (Map keeps insertion order and deletes in O(1)). */
  readonly requestsByProject = new Map<string, Map<string, RequestDoc>>();
  /** project id → requests in creation order, newest last (routing reads it backwards). */
  readonly requestsInOrder = new Map<string, RequestDoc[]>();
  private readonly ticketCounters = new Map<string, number>();

  readonly messagesById = new Map<string, MessageDoc>();
  /** conversationKey → messages in createdAt order. */
  readonly messagesByConversation = new Map<string, MessageDoc[]>();

  /** `GET /events/:id` looks an event up in every project, as `Event.findById` does. */
  readonly eventsById = new Map<string, EventDoc>();
  /** `id_project` (URL spelling) → events in creation order. */
  readonly eventsByProject = new Map<string, EventDoc[]>();

  /** Project labels by `id_project` (URL spelling): `Label.findOne({id_project})`. */
  readonly labels = new Map<string, LabelDoc>();

  /** The tag library, by `_id` across projects (`findById`, `findByIdAndUpdate` and `remove({_id})` ignore the project). */
  readonly libraryTags = new Map<string, TagLibraryDoc>();
  /** `id_project` (URL spelling) → its library tags in creation order. */
  private readonly libraryTagsByProject = new Map<string, Map<string, TagLibraryDoc>>();

  /** Segments by `_id`, every project (`findById` and the updates ignore the project). */
  readonly segments = new Map<string, SegmentDoc>();

  /** Groups by `_id`, every project, in creation order (`Group.find` has no sort). */
  readonly groups = new Map<string, GroupDoc>();

  /** Chatbots by `_id`, every project. */
  readonly chatbots = new Map<string, ChatbotDoc>();
  /** `id_project` → its chatbots in creation order. */
  private readonly chatbotsByProject = new Map<string, Map<string, ChatbotDoc>>();
  /**
   * The `secret` of every chatbot: the real schema's default is `uuidv4()` evaluated once when the model loads, so
   * every bot a server process creates gets the same one.
   */
  readonly chatbotSecret = uuidv4();

  constructor(now: number = Date.now()) {
    this.bootTime = new Date(now).toISOString();
  }

  newId(nowMs?: number): string {
    return this.ids.next(nowMs);
  }

  // ---- users -------------------------------------------------------------------------------------------

  addUser(user: UserDoc, password: string): void {
    this.users.set(user._id, user);
    this.usersByEmail.set(user.email, user);
    this.setPassword(user._id, password);
  }

  setPassword(userId: string, password: string): void {
    const salt = randomBytes(8).toString('hex');
    this.secrets.set(userId, { salt, hash: hashPassword(salt, password) });
  }

  checkPassword(userId: string, password: string): boolean {
    const secret = this.secrets.get(userId);
    return secret !== undefined && secret.hash === hashPassword(secret.salt, password);
  }

  /** A bcrypt-looking value for the few real responses that leak the stored hash. */
  passwordHashFor(userId: string): string {
    const secret = this.secrets.get(userId);
    return `$2a$10$${(secret?.hash ?? '').slice(0, 53)}`;
  }

  // ---- projects ----------------------------------------------------------------------------------------

  addProject(project: ProjectDoc): void {
    this.projects.set(project._id, project);
    this.projectUsersByProject.set(project._id, []);
    this.departmentsByProject.set(project._id, []);
    this.leadsByProject.set(project._id, []);
    this.requestsByProject.set(project._id, new Map());
  }

  activeProject(projectId: string): ProjectDoc | undefined {
    const project = this.projects.get(projectId);
    return project && project.status === 100 ? project : undefined;
  }

  // ---- project users -----------------------------------------------------------------------------------

  addProjectUser(pu: ProjectUserDoc): void {
    this.projectUsers.set(pu._id, pu);
    list(this.projectUsersByProject, pu.id_project).push(pu);
    if (pu.roleType === 1) list(this.teamByProject, pu.id_project).push(pu);
    if (pu.id_user !== undefined) list(this.projectUsersByPerson, `${pu.id_project}\u0000${pu.id_user}`).push(pu);
    if (pu.uuid_user !== undefined && pu.uuid_user !== pu.id_user) list(this.projectUsersByPerson, `${pu.id_project}\u0000${pu.uuid_user}`).push(pu);
  }

  /** A hard delete (`findByIdAndRemove`): gone from every index. */
  removeProjectUser(pu: ProjectUserDoc): void {
    this.projectUsers.delete(pu._id);
    const drop = (values: ProjectUserDoc[] | undefined) => {
      const index = values ? values.indexOf(pu) : -1;
      if (values && index !== -1) values.splice(index, 1);
    };
    drop(this.projectUsersByProject.get(pu.id_project));
    drop(this.teamByProject.get(pu.id_project));
    if (pu.id_user !== undefined) drop(this.projectUsersByPerson.get(`${pu.id_project}\u0000${pu.id_user}`));
    if (pu.uuid_user !== undefined) drop(this.projectUsersByPerson.get(`${pu.id_project}\u0000${pu.uuid_user}`));
  }

  /** `{id_project, id_user|uuid_user: person, ...filter}` → the first match, in creation order. */
  findProjectUser(projectId: string, person: string, by: 'id_user' | 'uuid_user' | 'any', filter?: (pu: ProjectUserDoc) => boolean): ProjectUserDoc | undefined {
    const candidates = this.projectUsersByPerson.get(`${projectId}\u0000${person}`);
    if (!candidates) return undefined;
    for (const pu of candidates) {
      if (by === 'id_user' && pu.id_user !== person) continue;
      if (by === 'uuid_user' && pu.uuid_user !== person) continue;
      if (filter && !filter(pu)) continue;
      return pu;
    }
    return undefined;
  }

  /** Every membership of `person` (user id or uuid) in a project, in creation order. */
  projectUsersOf(projectId: string, person: string): readonly ProjectUserDoc[] {
    return this.projectUsersByPerson.get(`${projectId}\u0000${person}`) ?? [];
  }

  /** Active agents (`roleType` 1) of a project, in creation order. */
  domainAgents(projectId: string): ProjectUserDoc[] {
    return (this.teamByProject.get(projectId) ?? []).filter((pu) => pu.roleType === 1 && pu.status === 'active');
  }

  // ---- departments -------------------------------------------------------------------------------------

  addDepartment(department: DepartmentDoc): void {
    this.departments.set(department._id, department);
    list(this.departmentsByProject, department.id_project).push(department);
  }

  removeDepartment(department: DepartmentDoc): void {
    this.departments.delete(department._id);
    const siblings = this.departmentsByProject.get(department.id_project);
    const index = siblings?.indexOf(department) ?? -1;
    if (index !== -1) siblings!.splice(index, 1);
  }

  defaultDepartment(projectId: string): DepartmentDoc | undefined {
    return this.departmentsByProject.get(projectId)?.find((d) => d.default === true);
  }

  // ---- leads -------------------------------------------------------------------------------------------

  addLead(lead: LeadDoc): void {
    this.leads.set(lead._id, lead);
    list(this.leadsByProject, lead.id_project).push(lead);
    const key = `${lead.id_project}\u0000${lead.lead_id}`;
    if (!this.leadsByLeadId.has(key)) this.leadsByLeadId.set(key, lead);
    if (lead.lead_id !== undefined && !this.firstLeadByLeadId.has(lead.lead_id)) this.firstLeadByLeadId.set(lead.lead_id, lead);
  }

  /** `Lead.remove({_id})`: true when a lead was removed. */
  removeLead(id: string): boolean {
    const lead = this.leads.get(id);
    if (!lead) return false;
    this.leads.delete(id);
    const inProject = this.leadsByProject.get(lead.id_project);
    const index = inProject ? inProject.indexOf(lead) : -1;
    if (inProject && index !== -1) inProject.splice(index, 1);
    const key = `${lead.id_project}\u0000${lead.lead_id}`;
    if (this.leadsByLeadId.get(key) === lead) {
      this.leadsByLeadId.delete(key);
      const next = inProject?.find((other) => other.lead_id === lead.lead_id);
      if (next) this.leadsByLeadId.set(key, next);
    }
    if (this.firstLeadByLeadId.get(lead.lead_id) === lead) {
      this.firstLeadByLeadId.delete(lead.lead_id);
      for (const other of this.leads.values()) {
        if (other.lead_id !== lead.lead_id) continue;
        this.firstLeadByLeadId.set(other.lead_id, other);
        break;
      }
    }
    return true;
  }

  leadByLeadId(projectId: string, leadId: string): LeadDoc | undefined {
    return this.leadsByLeadId.get(`${projectId}\u0000${leadId}`);
  }

  /** The oldest lead with this lead_id, whatever its project (the service's updates filter on `lead_id` alone). */
  firstLeadWithLeadId(leadId: string): LeadDoc | undefined {
    return this.firstLeadByLeadId.get(leadId);
  }

  // ---- requests ----------------------------------------------------------------------------------------

  addRequest(request: RequestDoc): void {
    this.requestsByRequestId.set(request.request_id, request);
    this.requestsById.set(request._id, request);
    let byProject = this.requestsByProject.get(request.id_project);
    if (!byProject) this.requestsByProject.set(request.id_project, (byProject = new Map()));
    byProject.set(request._id, request);
    list(this.requestsInOrder, request.id_project).push(request);
  }

  /** `Request.findOne({request_id, id_project})`. */
  findRequest(projectId: string, requestId: string): RequestDoc | undefined {
    const request = this.requestsByRequestId.get(requestId);
    return request && request.id_project === projectId ? request : undefined;
  }

  removeRequest(request: RequestDoc): void {
    this.requestsByRequestId.delete(request.request_id);
    this.requestsById.delete(request._id);
    this.requestsByProject.get(request.id_project)?.delete(request._id);
    const ordered = this.requestsInOrder.get(request.id_project);
    const index = ordered ? ordered.lastIndexOf(request) : -1;
    if (ordered && index !== -1) ordered.splice(index, 1);
  }

  nextTicketId(projectId: string): number {
    const next = (this.ticketCounters.get(projectId) ?? 0) + 1;
    this.ticketCounters.set(projectId, next);
    return next;
  }

  // ---- messages ----------------------------------------------------------------------------------------

  addMessage(message: MessageDoc): void {
    this.messagesById.set(message._id, message);
    const messages = list(this.messagesByConversation, conversationKey(message.id_project, message.recipient));
    const last = messages[messages.length - 1];
    if (!last || last.createdAt <= message.createdAt) {
      messages.push(message);
      return;
    }
    // Older than the newest (a wall clock stepping back, a conversation holding later-dated messages): it goes after
    // the last message not newer than it, where a stable sort puts it, found by binary search. Sorting the whole
    // conversation on every such insert made a 25,000-item import into it take 12 s.
    let low = 0;
    let high = messages.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (messages[middle]!.createdAt > message.createdAt) high = middle;
      else low = middle + 1;
    }
    messages.splice(low, 0, message);
  }

  messagesOf(projectId: string, requestId: string): readonly MessageDoc[] {
    return this.messagesByConversation.get(conversationKey(projectId, requestId)) ?? [];
  }

  /** `Message.deleteMany({recipient})`: every project, as on the real server. */
  deleteMessagesByRecipient(recipient: string): void {
    for (const [key, messages] of this.messagesByConversation) {
      if (!key.endsWith(`\u0000${recipient}`)) continue;
      for (const message of messages) this.messagesById.delete(message._id);
      this.messagesByConversation.delete(key);
    }
  }

  // ---- events ------------------------------------------------------------------------------------------

  addEvent(event: EventDoc): void {
    this.eventsById.set(event._id, event);
    list(this.eventsByProject, event.id_project).push(event);
  }

  eventsOf(projectId: string): readonly EventDoc[] {
    return this.eventsByProject.get(projectId) ?? [];
  }

  // ---- chatbots ----------------------------------------------------------------------------------------

  addChatbot(bot: ChatbotDoc): void {
    this.chatbots.set(bot._id, bot);
    let inProject = this.chatbotsByProject.get(bot.id_project);
    if (!inProject) this.chatbotsByProject.set(bot.id_project, (inProject = new Map()));
    inProject.set(bot._id, bot);
  }

  removeChatbot(bot: ChatbotDoc): void {
    this.chatbots.delete(bot._id);
    this.chatbotsByProject.get(bot.id_project)?.delete(bot._id);
  }

  chatbotsOf(projectId: string): ChatbotDoc[] {
    return [...(this.chatbotsByProject.get(projectId)?.values() ?? [])];
  }

  /** `Faq_kb.findOne({_id, id_project})`. */
  findChatbot(projectId: string, id: string): ChatbotDoc | undefined {
    const bot = this.chatbots.get(id);
    return bot && bot.id_project === projectId ? bot : undefined;
  }

  // ---- tag library -------------------------------------------------------------------------------------

  addLibraryTag(tag: TagLibraryDoc): void {
    this.libraryTags.set(tag._id, tag);
    if (tag.id_project === undefined) return;
    let inProject = this.libraryTagsByProject.get(tag.id_project);
    if (!inProject) this.libraryTagsByProject.set(tag.id_project, (inProject = new Map()));
    inProject.set(tag._id, tag);
  }

  removeLibraryTag(tag: TagLibraryDoc): void {
    this.libraryTags.delete(tag._id);
    if (tag.id_project !== undefined) this.libraryTagsByProject.get(tag.id_project)?.delete(tag._id);
  }

  libraryTagsOf(projectId: string): TagLibraryDoc[] {
    return [...(this.libraryTagsByProject.get(projectId)?.values() ?? [])];
  }

  /**
   * The tag the unique index `{id_project, tag}` finds for a name, other than `except`. Null and missing names are
   * never duplicates, as on the loopback real server's database (see docs/testing-server.md).
   */
  libraryTagNamed(projectId: string, name: unknown, except?: TagLibraryDoc): TagLibraryDoc | undefined {
    if (name === null || name === undefined) return undefined;
    for (const tag of this.libraryTagsByProject.get(projectId)?.values() ?? []) {
      if (tag !== except && tag.tag === name) return tag;
    }
    return undefined;
  }
}

function list<K, V>(map: Map<K, V[]>, key: K): V[] {
  let values = map.get(key);
  if (!values) map.set(key, (values = []));
  return values;
}

function hashPassword(salt: string, password: string): string {
  return createHash('sha256').update(salt).update('\u0000').update(password).digest('hex');
}
