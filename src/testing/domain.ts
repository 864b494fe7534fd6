import { RouteHang } from './http.js';
import { projectIsOpenNow } from './hours.js';
import { castErrorJson } from './query.js';
import { castObjectId, compactUuid, uuidv4 } from './ids.js';
import { castBoolean, castString } from './casts.js';
import { populateFailure } from './views.js';
import type {
  ChatbotDoc,
  DepartmentDoc,
  EventDoc,
  LeadDoc,
  MessageDoc,
  NoteDoc,
  ProjectDoc,
  ProjectUserDoc,
  RequestDoc,
  Store,
  TagDoc,
  UserDoc,
} from './store.js';

/** What the realtime layer listens to; mirrors the real server's `request.create`/`request.update`/`message.create`/`project_user.update`. */
export interface DomainEvents {
  requestCreated(request: RequestDoc): void;
  /** `populated: false` where the emitting code path publishes the document as saved (ids, no participating*). */
  requestUpdated(request: RequestDoc, populated?: boolean): void;
  messageCreated(message: MessageDoc): void;
  projectUserUpdated(pu: ProjectUserDoc): void;
  /** `event.emit`; `user` is `req.user` as the poster authenticated (it travels in the live frame). */
  eventCreated(event: EventDoc, user: unknown): void;
}

/** A Mongoose validation/cast failure: routes turn it into their own 500 body (`err` is its JSON form). */
export class SaveError extends Error {
  constructor(
    message: string,
    readonly json: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * Collects the errors Mongoose reports when building and validating a new document: cast errors in the order the
 * fields are set, then `required` failures; throws them as one `ValidationError`.
 */
class DocumentValidation {
  private readonly errors: [string, Record<string, unknown>][] = [];

  constructor(private readonly model: string) {}

  /** Mongoose's `castString`: strings, numbers, booleans and objects with their own `toString`; an `_id` string wins. */
  string(path: string, value: unknown): string | null | undefined {
    if (value === undefined || value === null) return value;
    if (typeof value === 'object' && typeof (value as { _id?: unknown })._id === 'string') return (value as { _id: string })._id;
    if (typeof value !== 'object' || (!Array.isArray(value) && typeof (value as { toString?: unknown }).toString === 'function' && (value as object).toString !== Object.prototype.toString)) return String(value);
    this.cast(path, castErrorJson('string', value, path, undefined));
    return undefined;
  }

  number(path: string, value: unknown): number | undefined {
    const n = typeof value === 'boolean' ? Number(value) : typeof value === 'number' || (typeof value === 'string' && value.trim() !== '') ? Number(value) : Number.NaN;
    if (!Number.isNaN(n) && (typeof value !== 'object' || value === null)) return n;
    this.cast(path, castErrorJson('Number', value, path, undefined));
    return undefined;
  }

  cast(path: string, error: Record<string, unknown>): void {
    this.errors.push([path, error]);
  }

  /** `required: true` on a String path: null, undefined and '' fail, unless the path already failed to cast. */
  required(path: string, value: unknown): void {
    if (this.errors.some(([failed]) => failed === path)) return;
    if (typeof value === 'string' ? value !== '' : value !== undefined && value !== null) return;
    const message = `Path \`${path}\` is required.`;
    const properties: Record<string, unknown> = { message, type: 'required', path };
    if (value !== undefined) properties.value = value;
    this.errors.push([path, { name: 'ValidatorError', message, properties, kind: 'required', path, ...(value !== undefined ? { value } : {}) }]);
  }

  throwIfAny(): void {
    if (this.errors.length === 0) return;
    const name = `${this.model} validation failed`;
    throw new SaveError(name, {
      errors: Object.fromEntries(this.errors),
      _message: name,
      name: 'ValidationError',
      message: `${name}: ${this.errors.map(([path, error]) => `${path}: ${String(error.message)}`).join(', ')}`,
    });
  }
}

/** See `TiledeskServerOptions.multiSaveOrder`. */
export type MultiSaveOrder = 'interleaved' | 'input';

export const RequestStatus = { TEMP: 50, UNASSIGNED: 100, ABANDONED: 150, ASSIGNED: 200, SERVED: 300, CLOSED: 1000 } as const;

const TOUCHING_OPERATOR = 'A new support request has been assigned to you';

/** Per project and agent: how many open, non-draft, non-pending requests list the agent (kept incrementally). */
type AssignedCounts = Map<string, number>;

/** A write the real server makes after the route has answered, with no event; see {@link Domain.defer}. */
interface DeferredWrite {
  /** Runs only once the clock is past this (ms): the write then carries a later `updatedAt` than the one before. */
  after: number;
  run(at: string): void;
}

/** How many 1 ms waits a deferred write makes for the clock to move before it runs anyway (a frozen fake clock). */
const DEFERRED_MAX_WAITS = 100;

/**
 * Business rules of the real server's services (requestService, messageService, leadService,
 * departmentService, conciergeBot), on top of the indexed store.
 */
export class Domain {
  /** Which agents each request currently counts for, so a change only adjusts the difference. */
  private readonly countedFor = new WeakMap<RequestDoc, readonly string[]>();
  private readonly assignedCounts: AssignedCounts = new Map();
  /** Deferred writes, run in order; each one's timestamp is later than the previous one's. */
  private readonly deferred: DeferredWrite[] = [];
  private deferredHandle: { immediate?: ReturnType<typeof setImmediate>; timer?: ReturnType<typeof setTimeout> } = {};
  private deferredWaits = 0;
  private lastDeferredMs = Number.NEGATIVE_INFINITY;
  private disposed = false;

  constructor(
    readonly store: Store,
    private readonly events: DomainEvents,
    /** How `…/messages/multi` stores its items; see `TiledeskServerOptions.multiSaveOrder`. */
    readonly multiSaveOrder: MultiSaveOrder = 'interleaved',
    private readonly clock: () => number = Date.now,
  ) {}

  now(): number {
    return this.clock();
  }

  iso(ms: number = this.clock()): string {
    return new Date(ms).toISOString();
  }

  /**
   * Queues a write that tiledesk-server's listeners make after the route has answered (a `setImmediate` and a
   * database round trip later): `updatedAt` bumps, which publish nothing, and conciergeBot's reroute of a
   * preflight conversation, which publishes as a route does. Writes run in order, in a later
   * event-loop turn (so the answer that caused one never shows it, and the next request of a client always does),
   * each once the clock has passed both `after` and the previous deferred write, so their `updatedAt` values are
   * strictly increasing, as on the real server, where they are tens of milliseconds apart.
   */
  defer(write: DeferredWrite): void {
    if (this.disposed) return;
    this.deferred.push(write);
    this.scheduleDeferred(false);
  }

  /** How many deferred writes are still queued. */
  get pendingWrites(): number {
    return this.deferred.length;
  }

  /** Cancels the deferred writes still queued (the server is closing). */
  dispose(): void {
    this.disposed = true;
    this.deferred.length = 0;
    if (this.deferredHandle.immediate) clearImmediate(this.deferredHandle.immediate);
    if (this.deferredHandle.timer) clearTimeout(this.deferredHandle.timer);
    this.deferredHandle = {};
  }

  private scheduleDeferred(wait: boolean): void {
    if (this.deferredHandle.immediate || this.deferredHandle.timer) return;
    const run = () => {
      this.deferredHandle = {};
      this.runDeferred();
    };
    if (wait) this.deferredHandle.timer = setTimeout(run, 1);
    else this.deferredHandle.immediate = setImmediate(run);
  }

  private runDeferred(): void {
    while (this.deferred.length > 0) {
      const write = this.deferred[0]!;
      const now = this.clock();
      if (now <= Math.max(write.after, this.lastDeferredMs) && this.deferredWaits < DEFERRED_MAX_WAITS) {
        this.deferredWaits += 1;
        this.scheduleDeferred(true);
        return;
      }
      this.deferred.shift();
      this.deferredWaits = 0;
      this.lastDeferredMs = now;
      write.run(this.iso(now));
    }
  }

  // ---- users & projects ---------------------------------------------------------------------------------

  createUser(fields: { email: string; password: string; firstname?: string; lastname?: string; phone?: unknown; emailverified?: boolean }): UserDoc {
    const at = this.iso();
    const user: UserDoc = {
      status: 100,
      _id: this.store.newId(),
      email: fields.email.toLowerCase(),
      firstname: fields.firstname,
      lastname: fields.lastname,
      emailverified: fields.emailverified ?? false,
      createdAt: at,
      updatedAt: at,
      __v: 0,
    };
    if (fields.phone !== undefined && fields.phone !== null) user.phone = String(fields.phone);
    if (user.firstname === undefined) delete user.firstname;
    if (user.lastname === undefined) delete user.lastname;
    this.store.addUser(user, fields.password);
    return user;
  }

  /** `POST /projects`: the project, its owner project_user and a "Default Department". */
  createProject(name: string, owner: UserDoc, createdBy: string = owner._id): { project: ProjectDoc; ownerPu: ProjectUserDoc; department: DepartmentDoc } {
    const at = this.iso();
    const project: ProjectDoc = {
      status: 100,
      ipFilterEnabled: false,
      ipFilter: [],
      ipFilterDenyEnabled: false,
      ipFilterDeny: [],
      _id: this.store.newId(),
      name,
      activeOperatingHours: false,
      createdBy,
      profile: { trialDays: 14, name: 'Sandbox', agents: 0, type: 'free' },
      versions: 20115,
      channels: [{ name: 'chat21' }],
      bannedUsers: [],
      createdAt: at,
      updatedAt: at,
      __v: 0,
    };
    this.store.addProject(project);
    const ownerPu = this.addMember(project._id, { id_user: owner._id }, 'owner', 1, createdBy, true);
    const department = this.createDepartment(project._id, 'Default Department', createdBy, true);
    // The trigger module's `project.create` listener gives every project an identity bot, "Bot".
    this.createChatbot(project._id, 'system', { name: 'Bot', type: 'identity', subtype: 'chatbot', description: 'An identity bot' });
    return { project, ownerPu, department };
  }

  /**
   * `faqService.create`: `new Faq_kb({...}).save()` with the fields the service copies (`public`, `certified` and
   * `trashed` forced false), then the schema's pre-save hook that picks a slug unique in the project. Throws
   * {@link SaveError} where the save fails (a value that does not cast, no name, a slug that is no valid pattern).
   */
  createChatbot(projectId: string, createdBy: string, data: Record<string, unknown>): ChatbotDoc {
    const fail = (): never => {
      throw new SaveError('Error saving object.');
    };
    const text = (value: unknown) => {
      try {
        return castString(value);
      } catch {
        return fail();
      }
    };
    const flag = (value: unknown) => {
      try {
        return castBoolean(value);
      } catch {
        return fail();
      }
    };
    const given = <T>(value: T, fallback: unknown) => (value === undefined ? fallback : value);
    const type = given(text(data.type), 'internal');
    const name = text(data.name);
    // The slug hook runs on whatever the name cast to: no name at all breaks it.
    if (typeof name !== 'string') return fail();
    const at = this.iso();
    const bot: ChatbotDoc = {
      webhook_enabled: given(flag(data.webhook_enabled), false),
      type,
      secret: this.store.chatbotSecret,
      language: given(text(data.language), 'en'),
      public: false,
      certified: false,
      intentsEngine: given(text(data.intentsEngine), 'none'),
      tags: [],
      score: 0,
      trained: true,
      certifiedTags: [],
      _id: this.store.newId(),
      name,
      slug: this.uniqueSlug(projectId, (text(data.slug) as string | null | undefined) || slugOf(name)),
      description: text(data.description),
      url: text(data.url),
      id_project: projectId,
      webhook_url: text(data.webhook_url),
      subtype: given(text(data.subtype), type === 'tilebot' ? 'chatbot' : undefined),
      mainCategory: text(data.mainCategory),
      trashed: false,
      createdBy,
      attributes: minimize(data.attributes),
      agents_available: false,
      createdAt: at,
      updatedAt: at,
      __v: 0,
    };
    if (name === '') fail();
    for (const key of Object.keys(bot)) if (bot[key] === undefined) delete bot[key];
    this.store.addChatbot(bot);
    return bot;
  }

  /** The pre-save hook: `base`, or `base-<n+1>` when the project has `base` (n the highest `base-<n>`). */
  private uniqueSlug(projectId: string, base: string): string {
    let pattern: RegExp;
    let numbered: RegExp;
    try {
      // Built from the slug as written, like the real hook's `$regex`: a slug with pattern characters misbehaves.
      pattern = new RegExp(`^${base}(?:-\\d+)?$`);
      numbered = new RegExp(`^${base}-(\\d+)$`);
    } catch {
      throw new SaveError('Error saving object.');
    }
    const existing = this.store.chatbotsOf(projectId).filter((bot) => typeof bot.slug === 'string' && pattern.test(bot.slug));
    if (!existing.some((bot) => bot.slug === base)) return base;
    let highest = 0;
    for (const bot of existing) {
      const match = numbered.exec(bot.slug as string);
      if (match) highest = Math.max(highest, parseInt(match[1]!, 10));
    }
    return `${base}-${highest + 1}`;
  }

  createDepartment(projectId: string, name: string, createdBy: string, isDefault: boolean, routing = 'assigned'): DepartmentDoc {
    const at = this.iso();
    const department: DepartmentDoc = {
      routing,
      default: isDefault,
      status: 1,
      _id: this.store.newId(),
      name,
      id_project: projectId,
      createdBy,
      groups: [],
      tags: [],
      createdAt: at,
      updatedAt: at,
      __v: 0,
    };
    this.store.addDepartment(department);
    return department;
  }

  addMember(
    projectId: string,
    who: { id_user?: string; uuid_user?: string },
    role: string,
    roleType: number,
    createdBy: string,
    userAvailable = true,
  ): ProjectUserDoc {
    const at = this.iso();
    const pu: ProjectUserDoc = {
      user_available: userAvailable,
      number_assigned_requests: 0,
      last_login_at: this.store.bootTime,
      permissions: [],
      status: 'active',
      trashed: false,
      _id: this.store.newId(),
      id_project: projectId,
      ...(who.id_user !== undefined ? { id_user: who.id_user } : {}),
      ...(who.uuid_user !== undefined ? { uuid_user: who.uuid_user } : {}),
      role,
      roleType,
      createdBy,
      tags: [],
      createdAt: at,
      updatedAt: at,
      __v: 0,
    };
    this.store.addProjectUser(pu);
    return pu;
  }

  // ---- leads --------------------------------------------------------------------------------------------

  /**
   * `leadService.createIfNotExistsWithLeadId`: the project's first lead with that lead_id, as it is when the e-mail
   * is the same. Otherwise `updateWitId` runs `Lead.findOneAndUpdate({lead_id})` with no project filter: it updates
   * (and answers) the oldest lead with that lead_id in **any** project, so the conversation may get another
   * project's lead.
   */
  upsertLead(leadId: string, fullname: unknown, email: unknown, projectId: string, attributes: unknown, phone?: unknown): LeadDoc {
    const found = this.store.leadByLeadId(projectId, leadId);
    const emailValue = email === undefined || email === null ? undefined : String(email);
    if (found) {
      // `lead.email == email`: undefined and null compare equal.
      if ((found.email ?? undefined) === emailValue) return found;
      const existing = this.store.firstLeadWithLeadId(leadId) ?? found;
      existing.fullname = fullname === undefined || fullname === null ? undefined : String(fullname);
      existing.email = emailValue;
      if (existing.fullname === undefined) delete existing.fullname;
      if (existing.email === undefined) delete existing.email;
      if (phone !== undefined) existing.phone = normalizePhone(phone);
      existing.updatedAt = this.iso();
      this.leadUpdated(existing, true);
      return existing;
    }
    const at = this.iso();
    const lead: LeadDoc = {
      tags: [],
      status: 100,
      _id: this.store.newId(),
      lead_id: leadId,
      ...(fullname !== undefined && fullname !== null ? { fullname: String(fullname) } : {}),
      ...(emailValue !== undefined ? { email: emailValue } : {}),
      phone: normalizePhone(phone),
      ...(minimize(attributes) !== undefined ? { attributes: minimize(attributes) as Record<string, unknown> } : {}),
      id_project: projectId,
      createdBy: 'system',
      createdAt: at,
      updatedAt: at,
      __v: 0,
    };
    this.store.addLead(lead);
    return lead;
  }

  /**
   * The `lead.update` listeners: every request of the lead gets it as `snapshot.lead`, and a name/email change
   * posts a "Lead updated" system message into the lead's latest chat21 conversation.
   */
  leadUpdated(lead: LeadDoc, nameOrEmailChanged: boolean): void {
    const requests = this.store.requestsInOrder.get(lead.id_project) ?? [];
    let latest: RequestDoc | undefined;
    const matched: RequestDoc[] = [];
    for (const request of requests) {
      if (request.lead !== lead._id) continue;
      request.snapshot.lead = { ...lead };
      matched.push(request);
      if (request.channel.name === 'chat21' && (!latest || request.createdAt >= latest.createdAt)) latest = request;
    }
    // updateLeadQueued's `Request.updateMany({lead, id_project}, {$set: {'snapshot.lead': lead}})` runs a
    // `setImmediate` later, after the route has answered (and, for a new conversation whose visitor changed name or
    // e-mail, before that conversation is stored): one `updatedAt` for all of them, and no request.update event.
    if (matched.length > 0) this.defer({ after: Number.NEGATIVE_INFINITY, run: (at) => this.bumpUpdatedAt(matched, at) });
    if (!nameOrEmailChanged || !latest) return;
    this.createMessage({
      sender: 'system',
      senderFullname: 'Bot',
      recipient: latest.request_id,
      text: 'Lead updated',
      projectId: latest.id_project,
      createdBy: 'system',
      status: 0,
      attributes: { subtype: 'info/support', updateconversation: false, messagelabel: { key: 'LEAD_UPDATED' }, updateUserEmail: lead.email, updateUserFullname: lead.fullname },
      language: latest.language,
    });
  }

  /** Sets `updatedAt` of those of `requests` that are still stored (a write by `request_id`, no event). */
  private bumpUpdatedAt(requests: readonly RequestDoc[], at: string): void {
    for (const request of requests) {
      if (this.store.findRequest(request.id_project, request.request_id) === request) request.updatedAt = at;
    }
  }

  /** `leadService.createWitId` (POST /leads): always a new lead; undefined when the save would fail. */
  createLead(leadId: unknown, fullname: unknown, email: unknown, projectId: string, createdBy: string, attributes: unknown): LeadDoc | undefined {
    for (const value of [leadId, fullname, email]) if (value !== undefined && value !== null && typeof value === 'object') return undefined;
    const at = this.iso();
    const minimized = minimize(attributes);
    const lead: LeadDoc = {
      tags: [],
      status: 100,
      _id: this.store.newId(),
      lead_id: leadId === undefined || leadId === null || leadId === '' ? uuidv4() : String(leadId),
      ...(fullname !== undefined && fullname !== null ? { fullname: String(fullname) } : {}),
      ...(email !== undefined && email !== null ? { email: String(email) } : {}),
      phone: null,
      ...(minimized !== undefined ? { attributes: minimized as Record<string, unknown> } : {}),
      id_project: projectId,
      createdBy: createdBy || 'system',
      createdAt: at,
      updatedAt: at,
      __v: 0,
    };
    this.store.addLead(lead);
    return lead;
  }

  // ---- routing ------------------------------------------------------------------------------------------

  /** Agents of a project: `Project_user.find({id_project, roleType: 1, status: 'active'})`. */
  agentsOf(projectId: string): ProjectUserDoc[] {
    return this.store.domainAgents(projectId);
  }

  /**
   * `departmentService.getOperators` with `assigned` routing: available agents in round robin after the
   * last assigned request (random when there is none).
   */
  operatorsFor(
    projectId: string,
    departmentId: string | undefined,
    nobot = false,
  ): { department: DepartmentDoc; agents: ProjectUserDoc[]; operator?: ProjectUserDoc; bot?: string } | undefined {
    const department =
      departmentId === undefined || departmentId === 'default'
        ? this.store.defaultDepartment(projectId)
        : this.findDepartment(departmentId);
    if (!department) return undefined;
    // A department with a bot gives the conversation to `bot_<id_bot>` (unless the caller asked for `nobot`),
    // whether or not such a bot exists.
    if (department.id_bot !== undefined && department.id_bot !== null && !nobot) {
      const agents = this.agentsOf(projectId);
      if (agents.length > 0 && this.openNow(projectId) === undefined) return undefined;
      return { department, agents, bot: `bot_${String(department.id_bot)}` };
    }
    // Group routing (`Group.find({_id: id_group, enabled not false})`, after the bot check): the same routing among
    // the agents the group lists. An id that does not cast fails the lookup, and so does a member that does not
    // cast in the agents query; with no such group (or a disabled one) the real service reads the first (missing)
    // group inside a database callback, which throws where nothing catches it: the call is never answered.
    let agents = this.agentsOf(projectId);
    if (department.id_group !== undefined && department.id_group !== null) {
      const groupId = castObjectId(department.id_group);
      if (!groupId) return undefined;
      const group = this.store.groups.get(groupId);
      if (!group || group.enabled === false) throw new RouteHang('group routing: group[0] is undefined');
      const members = Array.isArray(group.members) ? (group.members as unknown[]) : [];
      // The query casts each member's string form: null matches no one, a number (or any other value) fails it.
      if (members.some((member) => member !== null && member !== undefined && !castObjectId(member))) return undefined;
      agents = agents.filter((pu) => pu.id_user !== undefined && members.some((member) => typeof member === 'string' && castObjectId(member) === pu.id_user));
    }
    // Agents count as available only while the project is open (operating hours); an hours error fails routing.
    const open = agents.length > 0 ? this.openNow(projectId) : true;
    if (open === undefined) return undefined;
    const available = open ? agents.filter((pu) => pu.user_available === true) : [];
    if (department.routing !== 'assigned' || available.length === 0) return { department, agents };
    const last = this.lastRoutedRequest(projectId);
    let operator: ProjectUserDoc | undefined;
    if (!last) operator = available[Math.floor(Math.random() * available.length)];
    else {
      const lastOperator = last.participants[0];
      const index = available.findIndex((pu) => (pu.id_user ?? pu.uuid_user) === lastOperator);
      operator = available[index + 1 >= available.length ? 0 : index + 1];
    }
    return { department, agents, operator };
  }

  /** Whether the project's operating hours have it open now; undefined when they are in error. */
  private openNow(projectId: string): boolean | undefined {
    const outcome = projectIsOpenNow(projectId, projectId, this.store.activeProject(projectId), this.now());
    return 'open' in outcome ? outcome.open : undefined;
  }

  /** `Department.findOne({_id})`: by id alone, so a department of another project (or of none) is found too. */
  private findDepartment(departmentId: string): DepartmentDoc | undefined {
    const id = castObjectId(departmentId);
    return id ? this.store.departments.get(id) : undefined;
  }

  /**
   * The request's `snapshot.department` is validated with the department schema when the request is saved: a
   * department written through an update (an upsert has no project and no creator; PUT/PATCH run no validators)
   * can fail it, and the save with it.
   */
  private assertDepartmentSnapshot(department: DepartmentDoc): void {
    const blank = (value: unknown) => value === undefined || value === null || value === '';
    if (blank(department.name) || blank(department.id_project) || blank(department.createdBy)) throw new SaveError('snapshot.department validation');
    const groups = Array.isArray(department.groups) ? (department.groups as Record<string, unknown>[]) : [];
    if (groups.some((member) => blank(member.group_id) || member.percentage === undefined || member.percentage === null)) throw new SaveError('snapshot.department validation');
  }

  /** `Request.find({hasBot:false, preflight:false, status:{$gt:100}, participants non-empty}).sort({_id:-1}).limit(1)`. */
  private lastRoutedRequest(projectId: string): RequestDoc | undefined {
    const all = this.store.requestsInOrder.get(projectId);
    if (!all) return undefined;
    for (let i = all.length - 1; i >= 0; i--) {
      const r = all[i]!;
      if (!r.hasBot && !r.preflight && r.status > 100 && r.participants.length > 0) return r;
    }
    return undefined;
  }

  // ---- requests -----------------------------------------------------------------------------------------

  /** `requestService.create`. Throws SaveError for what the real server reports as a failed create. */
  createRequest(input: {
    request_id: string;
    projectId: string;
    requester?: ProjectUserDoc;
    /** The project_user copied into `snapshot.requester` (default: `requester`). */
    snapshotRequester?: ProjectUserDoc;
    lead: LeadDoc;
    first_text: unknown;
    departmentid?: unknown;
    sourcePage?: unknown;
    language?: unknown;
    userAgent?: unknown;
    status?: unknown;
    createdBy: string;
    attributes?: unknown;
    subject?: unknown;
    preflight?: unknown;
    channel?: unknown;
    location?: unknown;
    participants?: unknown;
    priority?: unknown;
    followers?: unknown;
    contact?: Record<string, unknown>;
  }): RequestDoc {
    const { projectId } = input;
    if (this.store.requestsByRequestId.has(input.request_id)) {
      // The duplicate key is only found by the insert, after the ticket sequence was advanced.
      this.store.nextTicketId(projectId);
      throw new SaveError('duplicate request_id');
    }
    if (input.first_text === undefined || input.first_text === null || input.first_text === '') throw new SaveError('first_text required');
    if (typeof input.first_text === 'object') throw new SaveError('first_text cast');
    const departmentId = input.departmentid === undefined || input.departmentid === null || input.departmentid === '' ? 'default' : String(input.departmentid);
    const routing = this.operatorsFor(projectId, departmentId);
    if (!routing) throw new SaveError('Error getting operators');
    // `requestService.create` works on the value as sent: a string's "participants" are its characters (the
    // first one becomes the assignee), a non-string first participant has no `startsWith` (500), and `push` onto
    // an empty string fails. The stored field is the value cast to [String].
    const given = input.participants;
    const participants = Array.isArray(given) ? given.map((p) => (p === null || p === undefined ? p : String(p))) as string[] : [];
    if (given !== undefined && given !== null && !Array.isArray(given)) participants.push(String(given));
    const working: unknown[] = Array.isArray(given) ? [...given] : typeof given === 'string' ? [...given] : [];
    let status = toNumberOr(input.status, undefined);
    const participantsAgents: string[] = [];
    const participantsBots: string[] = [];
    let hasBot = false;
    let departmentRef: string | undefined;
    let assignedAt: string | undefined;
    const channel = castChannel(input.channel);
    if (input.priority !== undefined && input.priority !== null && typeof input.priority === 'object') throw new SaveError('priority cast');
    if (status === RequestStatus.TEMP) {
      if (working.length === 0) departmentRef = routing.department._id;
    } else {
      if (working.length === 0) {
        if (routing.operator || routing.bot) {
          if (given === '') throw new SaveError('participants.push is not a function');
          const operator = routing.bot ?? routing.operator?.id_user ?? routing.operator?.uuid_user ?? '';
          participants.push(operator);
          working.push(operator);
        }
        departmentRef = routing.department._id;
      }
      if (working.length > 0) {
        status = RequestStatus.ASSIGNED;
        const first = working[0];
        if (typeof first !== 'string') throw new SaveError('firstParticipant.startsWith is not a function');
        if (first.startsWith('bot_')) {
          hasBot = true;
          participantsBots.push(first.replace('bot_', ''));
        } else participantsAgents.push(first);
        assignedAt = this.iso();
      } else status = RequestStatus.UNASSIGNED;
    }
    if (departmentRef !== undefined) this.assertDepartmentSnapshot(routing.department);
    const at = this.iso();
    const attributes = minimize(input.attributes) as Record<string, unknown> | undefined;
    const isDraft = typeof attributes?.sourcePage === 'string' && attributes.sourcePage.includes('td_draft=true');
    const request: RequestDoc = {
      status: status ?? RequestStatus.UNASSIGNED,
      preflight: input.preflight === true || input.preflight === 'true',
      hasBot,
      participants,
      priority: input.priority === undefined || input.priority === null ? 'medium' : String(input.priority),
      followers: castFollowers(input.followers),
      participantsAgents,
      participantsBots,
      _id: this.store.newId(),
      request_id: input.request_id,
      requester: input.requester?._id,
      lead: input.lead._id,
      first_text: String(input.first_text),
      ...(optionalString('subject', input.subject)),
      department: departmentRef,
      ...(optionalString('sourcePage', input.sourcePage)),
      ...(optionalString('language', input.language)),
      ...(optionalString('userAgent', input.userAgent)),
      assigned_at: assignedAt,
      ...(attributes !== undefined ? { attributes } : {}),
      id_project: projectId,
      createdBy: input.createdBy,
      channel,
      ...(input.location !== undefined && input.location !== null ? { location: castLocation(input.location) } : {}),
      tags: [],
      notes: [],
      createdAt: at,
      snapshot: {
        ...(departmentRef !== undefined ? { department: { ...routing.department } } : {}),
        availableAgentsCount: routing.agents.filter((pu) => pu.user_available === true).length,
        ...((input.snapshotRequester ?? input.requester) ? { requester: { ...(input.snapshotRequester ?? input.requester)! } } : {}),
        lead: { ...input.lead },
      },
      ...(input.contact ? { contact: input.contact } : {}),
      channelOutbound: { name: 'chat21' },
      smartAssignment: !(channel.name === 'form' || channel.name === 'email'),
      updatedAt: at,
      ticket_id: this.store.nextTicketId(projectId),
      __v: 0,
    };
    if (request.department === undefined) delete request.department;
    if (request.assigned_at === undefined) delete request.assigned_at;
    if (request.requester === undefined) delete request.requester;
    if (isDraft) request.draft = true;
    this.store.addRequest(request);
    this.refreshAssignment(request);
    if (!request.preflight) this.events.requestCreated(request);
    // `request.create.simple` populates the new request and then (unless the populate fails) emits
    // `request.snapshot.update`, whose listener (updateRequestSnapshotQueued) runs
    // `findOneAndUpdate({$set: {'snapshot.agents': …}})` a `setImmediate` later: `updatedAt` moves once more, tens
    // of milliseconds after the answer, with no event, preflight or not. It stores the agents routing considered, which
    // decide what agents see. (The loopback real server's in-memory database lost them on every read until the harness
    // copied documents before an exclusion projection: scripts/real-server/harness/db/start-db.mjs.)
    if (!populateFailure(request)) {
      const agents = routing.agents.map((pu) => ({ ...pu }));
      this.defer({
        after: Date.parse(at),
        run: (when) => {
          this.bumpUpdatedAt([request], when);
          if (this.store.findRequest(request.id_project, request.request_id) === request) request.snapshot.agents = agents;
        },
      });
    }
    this.recountAssigned(projectId, this.participatingUserIds(request));
    return request;
  }

  /**
   * The routing-queue listener: recounts `number_assigned_requests` of these agents (open, non-draft,
   * non-pending requests they take part in) and publishes a `project_user.update` for each.
   */
  recountAssigned(projectId: string, userIds: readonly string[]): void {
    for (const userId of new Set(userIds)) {
      if (userId.startsWith('bot_')) continue;
      const pu = this.store.findProjectUser(castObjectId(projectId) ?? projectId, userId, 'id_user');
      if (!pu) continue;
      pu.number_assigned_requests = this.assignedCounts.get(`${projectId}\u0000${userId}`) ?? 0;
      pu.updatedAt = this.iso();
      this.events.projectUserUpdated(pu);
    }
  }

  /** Users behind `participatingAgents` (only ids of existing users populate). */
  private participatingUserIds(request: RequestDoc): string[] {
    return request.participantsAgents.filter((id) => this.store.users.has(id));
  }

  /** Marks a mutation: `updatedAt` and the `request.update` event (which the WS filters on preflight/status). */
  touch(request: RequestDoc, emit = true, populated = true): void {
    request.updatedAt = this.iso();
    this.refreshAssignment(request);
    if (emit) this.events.requestUpdated(request, populated);
  }

  /** Re-derives which agents `request` counts for in `number_assigned_requests`; call after any change. */
  refreshAssignment(request: RequestDoc, removed = false): void {
    const before = this.countedFor.get(request) ?? [];
    const counts = !removed && request.status < 1000 && request.draft !== true && request.workingStatus !== 'pending';
    const after = counts ? [...new Set(request.participantsAgents)] : [];
    if (before.length === 0 && after.length === 0) return;
    for (const userId of before) this.adjustCount(request.id_project, userId, -1);
    for (const userId of after) this.adjustCount(request.id_project, userId, +1);
    this.countedFor.set(request, after);
  }

  private adjustCount(projectId: string, userId: string, delta: number): void {
    const key = `${projectId}\u0000${userId}`;
    const next = (this.assignedCounts.get(key) ?? 0) + delta;
    if (next <= 0) this.assignedCounts.delete(key);
    else this.assignedCounts.set(key, next);
  }

  changeStatus(request: RequestDoc, status: number): void {
    request.status = status;
    this.touch(request);
  }

  /** `closeRequestByRequestId`: UPDATE with status 1000 first, then transcript and closed fields, then "Chat closed". */
  closeRequest(request: RequestDoc, closedBy: string | undefined, force: boolean): RequestDoc {
    if (!force && request.status === RequestStatus.CLOSED) {
      this.systemMessage(request, 'Chat closed', { subtype: 'info/support', updateconversation: false, messagelabel: { key: 'CHAT_CLOSED' } });
      this.recountAssigned(request.id_project, this.participatingUserIds(request));
      return request;
    }
    this.changeStatus(request, RequestStatus.CLOSED);
    request.transcript = this.transcriptOf(request);
    const closedAt = this.now();
    request.duration = Math.abs(Date.parse(request.createdAt) - closedAt);
    if (closedBy !== undefined) request.closed_by = closedBy;
    request.closed_at = this.iso(closedAt);
    request.updatedAt = this.iso();
    this.systemMessage(request, 'Chat closed', { subtype: 'info/support', updateconversation: false, messagelabel: { key: 'CHAT_CLOSED' } });
    this.recountAssigned(request.id_project, this.participatingUserIds(request));
    return request;
  }

  reopenRequest(request: RequestDoc): RequestDoc {
    if (request.status === RequestStatus.ASSIGNED || request.status === RequestStatus.UNASSIGNED) return request;
    this.assertSavable(request);
    request.status = request.participants.length > 0 ? RequestStatus.ASSIGNED : RequestStatus.UNASSIGNED;
    request.__v += 1;
    this.touch(request);
    this.systemMessage(request, 'Chat reopened', { subtype: 'info/support', updateconversation: true, messagelabel: { key: 'CHAT_REOPENED' } });
    return request;
  }

  private transcriptOf(request: RequestDoc): string {
    return this.store
      .messagesOf(request.id_project, request.request_id)
      .map((m) => `${italianUtcDate(m.createdAt)} ${m.senderFullname ?? ''}: ${m.text ?? ''}`)
      .join('\r\n');
  }

  private systemMessage(request: RequestDoc, text: string, attributes: Record<string, unknown>): void {
    this.createMessage({
      sender: 'system',
      senderFullname: 'Bot',
      recipient: request.request_id,
      text,
      projectId: request.id_project,
      createdBy: 'system',
      status: 0,
      attributes,
      language: request.language,
    });
  }

  setParticipants(request: RequestDoc, participants: string[]): RequestDoc {
    const old = request.participants;
    if (arraysEqual(old, participants)) return request;
    this.assertSavable(request);
    request.participants = participants;
    const agents: string[] = [];
    const bots: string[] = [];
    if (participants.length > 0) {
      let hasBot = false;
      for (const p of participants) {
        if (p.startsWith('bot_')) {
          hasBot = true;
          bots.push(p.replace('bot_', ''));
        } else agents.push(p);
      }
      request.hasBot = hasBot;
    }
    request.participantsAgents = agents;
    request.participantsBots = bots;
    request.status = participants.length > 0 ? RequestStatus.ASSIGNED : RequestStatus.UNASSIGNED;
    delete request.waiting_time;
    request.__v += 1;
    this.touch(request);
    this.welcomeAgentOnJoin(request);
    // Sets, not `includes` per item: replacing 18,000 participants with 18,000 others took over a second.
    const oldSet = new Set(old);
    const newSet = new Set(participants);
    this.recountAssigned(request.id_project, [...participants.filter((p) => !oldSet.has(p)), ...old.filter((p) => !newSet.has(p))]);
    return request;
  }

  addParticipant(request: RequestDoc, member: string): RequestDoc {
    if (request.participants.includes(member)) return request;
    this.assertSavable(request);
    request.participants.push(member);
    if (member.startsWith('bot_')) {
      request.hasBot = true;
      request.participantsBots.push(member.replace('bot_', ''));
    } else {
      request.participantsAgents.push(member);
      request.hasBot = false;
    }
    request.status = RequestStatus.ASSIGNED;
    request.assigned_at = this.iso();
    request.__v += 1;
    this.touch(request);
    this.welcomeAgentOnJoin(request, member);
    this.recountAssigned(request.id_project, [member]);
    return request;
  }

  removeParticipant(request: RequestDoc, member: string): RequestDoc {
    const index = request.participants.indexOf(member);
    if (index === -1) return request;
    this.assertSavable(request);
    request.participants.splice(index, 1);
    if (member.startsWith('bot_')) {
      request.hasBot = false;
      const botIndex = request.participantsBots.indexOf(member.replace('bot_', ''));
      request.participantsBots.splice(botIndex, 1);
    } else {
      const agentIndex = request.participantsAgents.indexOf(member);
      request.participantsAgents.splice(agentIndex, 1);
      // Mongoose `minimize`: no project_user found means an empty object, which is not stored.
      const pu = this.store.findProjectUser(request.id_project, member, 'id_user');
      if (pu) {
        const attributes = (request.attributes ??= {});
        const abandoned = (attributes.abandoned_by_project_users ??= {}) as Record<string, number>;
        abandoned[pu._id] = this.now();
      }
    }
    if (request.status !== RequestStatus.CLOSED) request.status = request.participants.length > 0 ? RequestStatus.ASSIGNED : RequestStatus.UNASSIGNED;
    request.__v += 1;
    this.touch(request);
    this.recountAssigned(request.id_project, [member]);
    return request;
  }

  /**
   * `doc.save()` validates every loaded sub-document. Tags written by `PUT …/tag` skip validation
   * (findOneAndUpdate), so one without a `tag` name (`[{color:"red"}]`, `["a"]`) makes every later save of the
   * request fail, which routes that save report as their own 500 (or 400).
   */
  assertSavable(request: RequestDoc): void {
    const errors: Record<string, unknown> = {};
    request.tags.forEach((tag, index) => {
      if (tag === null || (typeof tag.tag === 'string' && tag.tag !== '')) return;
      const message = 'Path `tag` is required.';
      errors[`tags.${index}.tag`] = { name: 'ValidatorError', message, properties: { message, type: 'required', path: 'tag' }, kind: 'required', path: 'tag' };
    });
    const paths = Object.keys(errors);
    if (paths.length === 0) return;
    throw new SaveError('request validation failed', {
      errors,
      _message: 'request validation failed',
      name: 'ValidationError',
      message: `request validation failed: ${paths.map((path) => `${path}: Path \`tag\` is required.`).join(', ')}`,
    });
  }

  /**
   * The agents the last routing of a request considered (the project's, or its group's): the in-memory
   * `snapshot.agents` a reroute answers with, also when nothing is saved (a routing that saves stores them too).
   */
  readonly routedAgents = new WeakMap<RequestDoc, ProjectUserDoc[]>();

  /** `requestService.route`: route to an operator of the given (or default) department. */
  routeRequest(request: RequestDoc, departmentId: string | undefined, nobot = false): RequestDoc {
    const routing = this.operatorsFor(request.id_project, departmentId ?? 'default', nobot);
    if (!routing) throw new SaveError('Error getting operators');
    this.routedAgents.set(request, routing.agents);
    const before = { status: request.status, department: request.department, participants: [...request.participants] };
    const participants: string[] = [];
    const agents: string[] = [];
    const bots: string[] = [];
    let status: number = RequestStatus.UNASSIGNED;
    let assignedAt: string | undefined;
    if (routing.bot) {
      participants.push(routing.bot);
      bots.push(routing.bot.replace('bot_', ''));
    } else if (routing.operator) {
      const id = routing.operator.id_user ?? routing.operator.uuid_user ?? '';
      participants.push(id);
      agents.push(id);
    }
    if (participants.length > 0) {
      status = RequestStatus.ASSIGNED;
      assignedAt = this.iso();
    }
    const unchanged = before.status === status && before.department === routing.department._id && arraysEqual(before.participants, participants);
    if (!unchanged) {
      this.assertSavable(request);
      this.assertDepartmentSnapshot(routing.department);
      request.status = status;
      request.participants = participants;
      request.participantsAgents = agents;
      request.participantsBots = bots;
      request.hasBot = bots.length > 0;
      request.department = routing.department._id;
      if (assignedAt !== undefined) request.assigned_at = assignedAt;
      else delete request.assigned_at;
      delete request.waiting_time;
      request.snapshot.department = routing.department;
      request.snapshot.availableAgentsCount = routing.agents.filter((pu) => pu.user_available === true).length;
      request.__v += 1;
      // The saved routing writes `snapshot.agents`: every later UPDATE and list snapshot reads them back
      // (`{agents:[{id_user}]}`), and they decide what agents see (`request_read_group`).
      request.snapshot.agents = routing.agents.map((pu) => ({ ...pu }));
      this.touch(request);
    } else {
      // Nothing is saved, but the UPDATE carries the in-memory document routing prepared: waiting time
      // cleared, a fresh assigned_at.
      request.updatedAt = this.iso();
      const transient: RequestDoc = { ...request, waiting_time: undefined, ...(assignedAt !== undefined ? { assigned_at: assignedAt } : {}) };
      this.events.requestUpdated(transient);
    }
    this.welcomeAgentOnJoin(request);
    this.recountAssigned(request.id_project, [...request.participants.filter((p) => !before.participants.includes(p)), ...before.participants.filter((p) => !request.participants.includes(p))]);
    return request;
  }

  /** conciergeBot's `welcomeAgentOnJoin`: a "TOUCHING_OPERATOR" system message when humans are assigned. */
  private welcomeAgentOnJoin(request: RequestDoc, member?: string): void {
    if (request.participantsBots.length > 0 || request.participants.some((p) => p.startsWith('bot_'))) return;
    if (request.status !== RequestStatus.ASSIGNED || request.participants.length === 0) return;
    let touchText = request.first_text.replace(/[\n\r]+/g, ' ');
    if (touchText.length > 30) touchText = touchText.substring(0, 30);
    if (typeof request.subject === 'string' && request.subject) touchText = request.subject;
    touchText = touchText.replace(/\\/g, '');
    this.createMessage({
      sender: 'system',
      senderFullname: 'Bot',
      recipient: request.request_id,
      text: `${TOUCHING_OPERATOR}: ${touchText}`,
      projectId: request.id_project,
      createdBy: 'system',
      status: 0,
      attributes: {
        subtype: 'info',
        updateconversation: true,
        updateconversationfor: member !== undefined ? [member] : [...request.participants],
        forcenotification: true,
        messagelabel: { key: 'TOUCHING_OPERATOR' },
      },
      language: request.language,
    });
  }

  addNote(request: RequestDoc, text: string, createdBy: string): RequestDoc {
    const at = this.iso();
    const note: NoteDoc = { _id: this.store.newId(), text, createdBy, createdAt: at, updatedAt: at };
    request.notes.push(note);
    this.touch(request);
    return request;
  }

  removeNote(request: RequestDoc, noteId: string): RequestDoc {
    request.notes = request.notes.filter((n) => n._id !== noteId);
    this.touch(request);
    return request;
  }

  /**
   * `PUT …/tag`: each item whose `tag` is not already present is appended, compared the way the route does it
   * (`current.some(tag => tag.tag === t.tag)`), which throws — no answer — on a null item once tags exist.
   */
  addTags(request: RequestDoc, tags: unknown[]): RequestDoc {
    const current = [...request.tags];
    // Where each name and the first null item sit in `current`, so each item is decided in constant time: walking
    // `current` per item, as the route's `some` does, took 44 s for 30,000 tags in one body.
    const firstByName = new Map<unknown, number>();
    let firstNull = -1;
    const remember = (doc: TagDoc | null, at: number) => {
      if (doc === null) {
        if (firstNull === -1) firstNull = at;
      } else if (!firstByName.has(doc.tag)) firstByName.set(doc.tag, at);
    };
    current.forEach(remember);
    for (const tag of tags) {
      if (current.length > 0) {
        // `some` reads `.tag` of a null item (on either side) before it reaches a match.
        if (tag === null || tag === undefined) throw new RouteHang('tag of null');
        const match = firstByName.get((tag as Record<string, unknown>).tag) ?? Number.POSITIVE_INFINITY;
        if (firstNull !== -1 && firstNull < match) throw new RouteHang('tag of null');
        if (match !== Number.POSITIVE_INFINITY) continue;
      }
      const doc = tag === null || tag === undefined ? null : this.tagDoc(tag);
      remember(doc, current.length);
      current.push(doc);
    }
    request.tags = current;
    request.__v += 1;
    this.touch(request);
    return request;
  }

  tagDoc(tag: unknown): TagDoc {
    const source = isPlainObject(tag) ? tag : {};
    const out: TagDoc = { _id: this.store.newId() };
    if (source.tag !== undefined) out.tag = source.tag === null ? null : String(source.tag);
    if (source.color !== undefined) out.color = source.color === null ? null : String(source.color);
    if (source.attributes !== undefined) out.attributes = source.attributes;
    return { ...(out.tag !== undefined ? { tag: out.tag } : {}), ...(out.color !== undefined ? { color: out.color } : {}), ...(out.attributes !== undefined ? { attributes: out.attributes } : {}), _id: out._id };
  }

  removeTag(request: RequestDoc, tagId: string): RequestDoc {
    request.tags = request.tags.filter((t) => t === null || t._id !== tagId);
    this.touch(request);
    return request;
  }

  mergeAttributes(request: RequestDoc, data: Record<string, unknown>): RequestDoc {
    this.assertSavable(request);
    const attributes = (request.attributes ??= {});
    for (const key of Object.keys(data)) {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
      attributes[key] = data[key];
    }
    const minimized = minimize(attributes) as Record<string, unknown> | undefined;
    if (minimized === undefined) delete request.attributes;
    else request.attributes = minimized;
    this.touch(request);
    return request;
  }

  setFollowers(request: RequestDoc, followers: string[]): RequestDoc {
    this.assertSavable(request);
    request.followers = followers;
    request.__v += 1;
    this.touch(request);
    return request;
  }

  deleteRequest(request: RequestDoc): void {
    this.refreshAssignment(request, true);
    this.store.deleteMessagesByRecipient(request.request_id);
    this.store.removeRequest(request);
  }

  // ---- messages -----------------------------------------------------------------------------------------

  /**
   * `messageService.save` + the `message.create` listeners: publish, the preflight flip of conciergeBot,
   * `workingStatus` pending→open. Throws SaveError where Mongoose validation or casting would fail.
   */
  createMessage(input: {
    sender: unknown;
    senderFullname: unknown;
    recipient: string;
    recipientFullname?: unknown;
    text: unknown;
    projectId: string;
    createdBy: string | null | undefined;
    status: unknown;
    attributes?: unknown;
    type?: unknown;
    metadata?: unknown;
    language?: unknown;
    channelType?: unknown;
    channel?: unknown;
    /** A pre-allocated `_id` (Mongoose assigns it when the document is built, before saving). */
    id?: string;
    /** Save time in ms; default now. */
    createdAtMs?: number;
  }, effects = true): MessageDoc {
    // A non-string `text` throws inside a `message.create.simple.before` listener whose promise nobody catches:
    // the message is never saved and the route never answers.
    if (input.text !== undefined && input.text !== null && typeof input.text !== 'string') throw new RouteHang('non-string text');
    // `new Message({...})` sets the fields in this order; cast failures are reported in it, then `required`.
    const check = new DocumentValidation('message');
    const sender = check.string('sender', input.sender);
    const senderFullname = input.senderFullname === undefined ? 'Guest' : check.string('senderFullname', input.senderFullname);
    const recipient = check.string('recipient', input.recipient);
    const recipientFullname = check.string('recipientFullname', input.recipientFullname);
    const type = input.type === undefined ? 'text' : check.string('type', input.type);
    const text = input.text as string | null | undefined;
    const createdBy = check.string('createdBy', input.createdBy || input.sender);
    const status = input.status === undefined || input.status === null ? 200 : check.number('status', input.status);
    const language = check.string('language', input.language);
    const channelType = input.channelType === undefined ? 'group' : check.string('channel_type', input.channelType);
    const channel = input.channel === undefined || input.channel === null ? { name: 'chat21' } : messageChannel(input.channel, check);
    check.required('sender', sender);
    check.required('recipient', recipient);
    check.required('type', type);
    check.required('channel_type', channelType);
    check.required('createdBy', createdBy);
    check.throwIfAny();
    const at = this.iso(input.createdAtMs);
    const message: MessageDoc = {
      senderFullname: senderFullname ?? null,
      type,
      channel_type: channelType!,
      status: status!,
      _id: input.id ?? this.store.newId(),
      sender: sender!,
      recipient: recipient!,
      ...(recipientFullname !== undefined && recipientFullname !== null ? { recipientFullname } : {}),
      // An explicit null is stored (and answered) as null.
      ...(text !== undefined ? { text } : {}),
      id_project: input.projectId,
      createdBy: createdBy!,
      ...(minimize(input.metadata) !== undefined ? { metadata: minimize(input.metadata) } : {}),
      ...(minimize(input.attributes) !== undefined ? { attributes: minimize(input.attributes) } : {}),
      ...(language !== undefined && language !== null ? { language } : {}),
      channel: channel!,
      createdAt: at,
      updatedAt: at,
      __v: 0,
    };
    this.store.addMessage(message);
    this.events.messageCreated(message);
    if (effects) this.afterMessage(message);
    return message;
  }

  /**
   * conciergeBot's `message.create` listener (preflight flip) and the requester's pending→open switch. The
   * real server runs them asynchronously, after the route has stored `attributes.last_message`; routes that
   * do that call this themselves once they have.
   */
  afterMessage(message: MessageDoc): void {
    const request = this.store.findRequest(message.id_project, message.recipient);
    if (!request) return;
    const lead = request.lead ? this.store.leads.get(request.lead) : undefined;
    if (request.preflight === true && lead && message.sender === lead.lead_id && message.text !== request.first_text) {
      // `message.request` is the conversation as read when the message was published: still TEMP and without a
      // bot, conciergeBot reroutes it in its department once the first text is changed.
      const reroute = request.status === RequestStatus.TEMP && request.hasBot === false;
      let firstText = message.text ?? '';
      if (message.type === 'image') firstText = 'Image';
      if (message.type === 'frame') firstText = 'Frame';
      if (firstText) {
        request.first_text = firstText;
        request.preflight = false;
        this.touch(request);
        // Then `leadService.updateStatusWitId(lead_id, …, NORMAL)`: `Lead.findOneAndUpdate({lead_id})` (no project
        // filter: the oldest lead with that lead_id) and `lead.update`, which moves all of that lead's conversations.
        const target = this.store.firstLeadWithLeadId(lead.lead_id) ?? lead;
        target.status = 100;
        target.updatedAt = this.iso();
        this.leadUpdated(target, false);
        // `requestService.reroute(…, nobot false)`, not awaited: `route` in the stored department (a bot
        // department gives it to its bot, operating hours apply), one UPDATE, "TOUCHING_OPERATOR" for an agent.
        // Its save takes more round trips than the lead's `updateMany`, so it is the conversation's last write
        // (the `updatedAt` read back is the UPDATE frame's): queued after that bump. A conversation without a
        // department (participants given at creation) or a routing error is only logged.
        const department = request.department;
        if (reroute && department !== undefined) {
          this.defer({
            after: Number.NEGATIVE_INFINITY,
            run: () => {
              try {
                this.routeRequest(request, department, false);
              } catch (error) {
                if (!(error instanceof SaveError)) throw error;
              }
            },
          });
        }
      }
    }
    if (lead && message.sender === lead.lead_id && request.workingStatus === 'pending') {
      request.workingStatus = 'open';
      // `findOneAndUpdate` without populate: the UPDATE carries ids for lead, requester and department.
      this.touch(request, true, false);
      this.recountAssigned(request.id_project, request.participantsAgents);
    }
  }

  /** `updateWaitingTimeByRequestId`: only the first answer of a participant sets it (and emits an update). */
  updateWaitingTime(request: RequestDoc): void {
    if (request.waiting_time) return;
    this.assertSavable(request);
    const now = this.now();
    request.waiting_time = now - Date.parse(request.createdAt);
    request.first_response_at = this.iso(now);
    this.touch(request);
  }

  lastMessage(request: RequestDoc, message: MessageDoc): void {
    request.attributes = { ...(request.attributes ?? {}), last_message: { ...message } };
    request.updatedAt = this.iso();
  }

  newGuestId(): string {
    return uuidv4();
  }

  newRequestId(projectId: string): string {
    return `support-group-${projectId}-${compactUuid()}`;
  }

  projectUserUpdated(pu: ProjectUserDoc): void {
    this.events.projectUserUpdated(pu);
  }

  // ---- events -------------------------------------------------------------------------------------------

  /** `eventService.emit` from `POST /<pid>/events`: saves the event; throws a {@link SaveError} when `name` does not cast. */
  createEvent(input: { name: unknown; attributes: unknown; projectId: string; projectUser?: string; createdBy: string }, user: unknown): EventDoc {
    const check = new DocumentValidation('event');
    const name = check.string('name', input.name);
    check.required('name', name);
    check.throwIfAny();
    const at = this.iso();
    const event: EventDoc = {
      // The schema default, misspelled on the real server; the route never sets a status.
      status: 'stardard',
      _id: this.store.newId(),
      name: name as string,
      attributes: minimize(input.attributes),
      id_project: input.projectId,
      project_user: input.projectUser,
      createdBy: input.createdBy,
      createdAt: at,
      updatedAt: at,
      __v: 0,
    };
    if (event.attributes === undefined) delete event.attributes;
    if (event.project_user === undefined) delete event.project_user;
    this.store.addEvent(event);
    this.events.eventCreated(event, user);
    return event;
  }
}

// ---- helpers ------------------------------------------------------------------------------------------------

/** The chatbot model's `generateSlug`: lower case, no accents, only letters, digits, spaces, `-` and `_`, then dashes. */
export function slugOf(name: string): string {
  return name
    .toLowerCase()
    .trim()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9\s\-_]/g, '')
    .replace(/\s+/g, '-')
    .replace(/_/g, '-')
    .replace(/-+/g, '-');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Mongoose `minimize`: empty objects (recursively) are not stored. Returns undefined when nothing is left. */
export function minimize(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  let kept = 0;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '__proto__') continue;
    const reduced = minimize(inner);
    if (reduced === undefined) continue;
    out[key] = reduced;
    kept++;
  }
  return kept === 0 ? undefined : out;
}

/** The message's `channel` sub-document; what fails is added to `check` (undefined then). */
function messageChannel(channel: unknown, check: DocumentValidation): { name: string } | undefined {
  if (!isPlainObject(channel)) {
    check.cast('channel', { ...castErrorJson('Embedded', channel, 'channel', undefined, { path: 'channel' }) });
    return undefined;
  }
  if (channel.name === undefined || channel.name === null || channel.name === '') {
    const required = { name: 'ValidatorError', message: 'Path `name` is required.', properties: { message: 'Path `name` is required.', type: 'required', path: 'name' }, kind: 'required', path: 'name' };
    check.cast('channel.name', required);
    check.cast('channel', { errors: { name: required }, _message: 'Validation failed', name: 'ValidationError', message: 'Validation failed: name: Path `name` is required.' });
    return undefined;
  }
  if (typeof channel.name === 'object') {
    check.cast('channel.name', castErrorJson('string', channel.name, 'name', undefined));
    return undefined;
  }
  return { name: String(channel.name) };
}

function castChannel(channel: unknown, strict = false): { name: string } {
  if (channel === undefined || channel === null) return { name: 'chat21' };
  // `channel.name` is required: an empty name fails the save like a missing one.
  if (isPlainObject(channel) && channel.name !== undefined && channel.name !== null && channel.name !== '' && typeof channel.name !== 'object') return { name: String(channel.name) };
  if (strict || channel !== undefined) throw new SaveError('channel validation');
  return { name: 'chat21' };
}

/** `followers` is an array of project_user ObjectIds: anything that does not cast fails the save. */
function castFollowers(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const ids = (Array.isArray(value) ? value : [value]).map((item) => castObjectId(item));
  if (ids.some((id) => id === undefined)) throw new SaveError('followers cast');
  return ids as string[];
}

const LOCATION_STRINGS = ['country', 'city', 'streetAddress', 'region', 'zipcode', 'ipAddress'] as const;

/**
 * The `location` sub-document (`models/location.js`): only its own fields are kept (strings), and `geometry`
 * always appears, with `coordinates: []` by default. Anything that does not cast fails the save.
 */
export function castLocation(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw new SaveError('location cast');
  const out: Record<string, unknown> = {};
  for (const key of LOCATION_STRINGS) {
    const field = value[key];
    if (field === undefined) continue;
    if (field !== null && typeof field === 'object') throw new SaveError(`location.${key} cast`);
    out[key] = field === null ? null : String(field);
  }
  const geometry = isPlainObject(value.geometry) ? value.geometry : {};
  if (value.geometry !== undefined && value.geometry !== null && !isPlainObject(value.geometry)) throw new SaveError('location.geometry cast');
  const coordinates = geometry.coordinates === undefined || geometry.coordinates === null ? [] : Array.isArray(geometry.coordinates) ? geometry.coordinates : [geometry.coordinates];
  const numbers = coordinates.map((c) => (typeof c === 'number' ? c : typeof c === 'string' && c.trim() !== '' && !Number.isNaN(Number(c)) ? Number(c) : Number.NaN));
  if (numbers.some((n) => Number.isNaN(n))) throw new SaveError('location.geometry.coordinates cast');
  const type = geometry.type;
  if (type !== undefined && type !== null && type !== 'Point') throw new SaveError('location.geometry.type enum');
  out.geometry = { ...(type === 'Point' ? { type } : {}), coordinates: numbers };
  return out;
}

function optionalString(key: string, value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object') throw new SaveError(`${key} cast`);
  return { [key]: String(value) };
}

function toNumberOr(value: unknown, fallback: number | undefined): number | undefined {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  return Number.isNaN(n) ? fallback : n;
}

export function arraysEqual(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function normalizePhone(phone: unknown): string | null {
  if (phone === undefined || phone === null) return null;
  let trimmed = String(phone).trim();
  if (!trimmed) return null;
  if (trimmed.startsWith('00')) trimmed = `+${trimmed.slice(2)}`;
  const hasPlus = trimmed.startsWith('+');
  const digits = trimmed.replace(/\D/g, '');
  return digits ? (hasPlus ? `+${digits}` : digits) : null;
}

/** `Date.toLocaleString('it', {timeZone: 'UTC'})`, e.g. `22/11/2026, 21:28:42`. */
function italianUtcDate(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
