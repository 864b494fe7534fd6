import type { QueryValue, RequestOptions } from '../core.js';
import { ValidationError } from '../errors.js';
import { PagePromise, type RawPage } from '../pagination.js';
import { compact, projectPath, requireObject, requireString, seg, type ClientContext } from '../resource.js';
import type { Request, RequestCount, RequestPage } from '../schemas.js';

/** Body of `requests.create`. Only `first_text` is required. */
export interface CreateRequestParams {
  /** The conversation's first text (its summary in the dashboard). */
  first_text: string;
  /** Your own id for the conversation; generated as `support-group-<projectId>-<uuid>` when absent. */
  request_id?: string;
  /** The requester: a user id or a guest uuid with an active membership in the project (else 403). Default: the caller. */
  sender?: string;
  senderFullname?: string;
  email?: string;
  /** Department id (note: `departmentid`, not `department`). */
  departmentid?: string;
  subject?: string;
  sourcePage?: string;
  language?: string;
  userAgent?: string;
  priority?: string;
  location?: Record<string, unknown>;
  attributes?: Record<string, unknown>;
  channel?: { name: string };
  participants?: string[];
  followers?: string[];
  [extra: string]: unknown;
}

/** Fields `requests.update` can change (PATCH). `tags` replaces the whole array. */
export interface UpdateRequestParams {
  lead?: string;
  status?: number;
  tags?: { tag: string; color?: string }[];
  rating?: number;
  rating_message?: string;
  sourcePage?: string;
  language?: string;
  first_text?: string;
  subject?: string;
  location?: Record<string, unknown>;
  priority?: string;
  smartAssignment?: boolean;
  workingStatus?: 'new' | 'pending' | 'open' | (string & {});
  /** Becomes `channel.name`. */
  channelName?: string;
}

/**
 * Filters of `requests.list`. Dates given as `Date` are sent in UTC; strings are sent as they are
 * (`DD/MM/YYYY[ HH:mm[:ss]]`, read in `timezone`, default `Europe/Rome` on the server).
 */
export interface RequestListQuery {
  /** Status codes to include (see {@link RequestStatus}), or `'all'`. Default on the server: open ones (< 1000, not 50/150). */
  status?: readonly number[] | number | 'all';
  /** Page size, 1..100 (the server silently turns anything above 100 into 40). */
  limit?: number;
  /** First page to read (0-based). */
  page?: number;
  sort?: string;
  direction?: 1 | -1 | 'asc' | 'desc';
  dept_id?: string;
  lead?: string;
  participant?: string;
  hasbot?: boolean;
  /** Matches `tags.tag`. */
  tags?: string;
  ticket_id?: number;
  priority?: string;
  /** A channel name; `offline` = email + form, `online` = the rest. */
  channel?: string;
  full_text?: string;
  requester_email?: string;
  start_date?: Date | string;
  end_date?: Date | string;
  timezone?: string;
  /** Include preflight conversations. */
  preflight?: boolean;
  /** `false` excludes dashboard test conversations. */
  draft?: boolean;
  /** Return ids instead of populated `lead`, `department`, `requester`. */
  no_populate?: boolean;
  /** Any other query parameter the server understands. */
  extra?: Record<string, string | number | boolean>;
}

/** Filters of `requests.listMine` (a visitor's own conversations). */
export interface MyRequestListQuery {
  status?: number | 'all';
  limit?: number;
  page?: number;
  preflight?: boolean;
  extra?: Record<string, string | number | boolean>;
}

const pad = (n: number) => String(n).padStart(2, '0');
function formatUtc(d: Date): string {
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function checkPaging(limit: number | undefined, page: number | undefined): void {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 100)) {
    throw new ValidationError('limit', 'must be an integer from 1 to 100 (the server turns larger values into 40)');
  }
  if (page !== undefined && (!Number.isInteger(page) || page < 0)) throw new ValidationError('page', 'must be an integer >= 0');
}

function statusParam(status: RequestListQuery['status']): QueryValue {
  if (status === undefined || status === 'all') return status;
  const list = typeof status === 'number' ? [status] : status;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => Number.isInteger(s))) {
    // An empty or non-numeric list would make the server drop the filter and return closed conversations too.
    throw new ValidationError('status', "must be a status code, a non-empty list of status codes, or 'all'");
  }
  return list;
}

function requestListParams(q: RequestListQuery): Record<string, QueryValue> {
  const { status, limit, page: _page, start_date, end_date, timezone, extra, ...rest } = q;
  checkPaging(limit, _page);
  const usesDates = start_date instanceof Date || end_date instanceof Date;
  if (usesDates && timezone !== undefined) {
    throw new ValidationError('timezone', 'cannot be combined with Date bounds (they are sent in UTC); pass date strings instead');
  }
  for (const [field, v] of [['start_date', start_date], ['end_date', end_date]] as const) {
    if (v instanceof Date && Number.isNaN(v.getTime())) throw new ValidationError(field, 'is an invalid Date');
  }
  return {
    ...extra,
    ...rest,
    status: statusParam(status),
    limit,
    start_date: start_date instanceof Date ? formatUtc(start_date) : start_date,
    end_date: end_date instanceof Date ? formatUtc(end_date) : end_date,
    timezone: usesDates ? 'UTC' : timezone,
  };
}

/** Conversations: create, read, list, update, close, route, participants, tags, notes… */
export class Requests {
  /** `requests.participants.add/set/remove`. */
  readonly participants: Participants;
  /** `requests.followers.add/set/remove` (project_user ids). */
  readonly followers: Followers;
  /** `requests.tags.add/remove`. */
  readonly tags: Tags;
  /** `requests.notes.add/remove`. */
  readonly notes: Notes;

  constructor(private readonly ctx: ClientContext) {
    this.participants = new Participants(ctx);
    this.followers = new Followers(ctx);
    this.tags = new Tags(ctx);
    this.notes = new Notes(ctx);
  }

  /**
   * Creates a conversation (agent, bot or subscription credentials). Not retried on failure: the server may have
   * created it.
   *
   * @example
   * ```ts
   * const req = await admin.requests.create({ sender: guest._id, first_text: 'How can I restore my password' });
   * console.log(req.request_id);
   * ```
   */
  async create(params: CreateRequestParams, options?: RequestOptions): Promise<Request> {
    requireObject(params, 'params');
    requireString(params.first_text, 'first_text');
    if (params.request_id !== undefined) requireString(params.request_id, 'request_id');
    if (params.sender !== undefined) requireString(params.sender, 'sender');
    return this.ctx.core.request({ method: 'POST', path: `${projectPath(this.ctx, options)}/requests`, body: compact(params), idempotent: false, schema: 'request' }, options);
  }

  /**
   * One conversation by `request_id`, populated.
   *
   * @example
   * ```ts
   * const req = await client.requests.get('support-group-…');
   * ```
   */
  async get(requestId: string, options?: RequestOptions): Promise<Request> {
    return this.ctx.core.request({ method: 'GET', path: `${projectPath(this.ctx, options)}/requests/${seg(requestId, 'requestId')}`, idempotent: true, schema: 'request' }, options);
  }

  /**
   * Lists conversations visible to the caller. `await` it for one page, `for await` it for all.
   *
   * @example
   * ```ts
   * for await (const r of client.requests.list({ status: [RequestStatus.UNASSIGNED, RequestStatus.ASSIGNED] })) {
   *   console.log(r.request_id, r.first_text);
   * }
   * ```
   */
  list(query: RequestListQuery = {}, options?: RequestOptions): PagePromise<Request> {
    let params: Record<string, QueryValue>;
    let path: string;
    try {
      requireObject(query, 'query');
      params = requestListParams(query);
      path = `${projectPath(this.ctx, options)}/requests`;
    } catch (e) {
      return PagePromise.rejected(e);
    }
    return new PagePromise(
      (page) => this.ctx.core
        .request<RequestPage>({ method: 'GET', path, query: { ...params, page }, idempotent: true, schema: 'requestPage' }, options)
        .then((r): RawPage<Request> => ({ items: r.requests, perPage: r.perPage, count: r.count })),
      query.page ?? 0,
    );
  }

  /**
   * The caller's own conversations (for visitor tokens from `signinAnonymously`, which cannot use `list`).
   *
   * @example
   * ```ts
   * const guest = new TiledeskClient({ baseUrl, projectId, auth: { token: guestToken } });
   * for await (const r of guest.requests.listMine()) console.log(r.request_id);
   * ```
   */
  listMine(query: MyRequestListQuery = {}, options?: RequestOptions): PagePromise<Request> {
    let path: string;
    try {
      requireObject(query, 'query');
      checkPaging(query.limit, query.page);
      path = `${projectPath(this.ctx, options)}/requests/me`;
    } catch (e) {
      return PagePromise.rejected(e);
    }
    const { extra, limit, page: start, ...rest } = query;
    return new PagePromise(
      (page) => this.ctx.core
        .request<RequestPage>({ method: 'GET', path, query: { ...extra, ...rest, limit, page }, idempotent: true, schema: 'requestPage' }, options)
        .then((r): RawPage<Request> => ({ items: r.requests, perPage: r.perPage, count: r.count })),
      start ?? 0,
    );
  }

  /**
   * Counts of unassigned / assigned / bot-assigned conversations.
   *
   * @example
   * ```ts
   * const { unassigned } = await client.requests.count();
   * ```
   */
  async count(query: { merge_assigned?: boolean } = {}, options?: RequestOptions): Promise<RequestCount> {
    return this.ctx.core.request({ method: 'GET', path: `${projectPath(this.ctx, options)}/requests/count`, query: { merge_assigned: query.merge_assigned ? 1 : undefined }, idempotent: true, schema: 'requestCount' }, options);
  }

  /**
   * Changes fields (PATCH). Setting `status` here skips the close flow; use {@link Requests.close} to close.
   *
   * @example
   * ```ts
   * await client.requests.update(id, { priority: 'high', subject: 'Password reset' });
   * ```
   */
  async update(requestId: string, fields: UpdateRequestParams, options?: RequestOptions): Promise<Request> {
    requireObject(fields, 'fields');
    return this.ctx.core.request({ method: 'PATCH', path: `${this.base(requestId, options)}`, body: compact(fields as Record<string, unknown>), idempotent: true, schema: 'request' }, options);
  }

  /**
   * Closes a conversation (status 1000, transcript, `closed_at`). Agents must be participants; owners and admins need not.
   *
   * @example
   * ```ts
   * const closed = await client.requests.close(id);
   * ```
   */
  async close(requestId: string, params: { force?: boolean } = {}, options?: RequestOptions): Promise<Request> {
    return this.ctx.core.request({ method: 'PUT', path: `${this.base(requestId, options)}/close`, body: compact({ force: params.force }), idempotent: true, schema: 'request' }, options);
  }

  /**
   * Reopens a closed conversation (status 200 with participants, else 100).
   *
   * @example
   * ```ts
   * await client.requests.reopen(id);
   * ```
   */
  async reopen(requestId: string, options?: RequestOptions): Promise<Request> {
    return this.ctx.core.request({ method: 'PUT', path: `${this.base(requestId, options)}/reopen`, body: {}, idempotent: true, schema: 'request' }, options);
  }

  /**
   * Routes an unassigned conversation (a no-op when it is already assigned, served or closed).
   *
   * @example
   * ```ts
   * await client.requests.assign(id, { departmentid: dept, nobot: true });
   * ```
   */
  async assign(requestId: string, params: { departmentid?: string; nobot?: boolean } = {}, options?: RequestOptions): Promise<Request> {
    return this.ctx.core.request({ method: 'PUT', path: `${this.base(requestId, options)}/assign`, body: compact(params), idempotent: true, schema: 'request' }, options);
  }

  /**
   * Moves the conversation to a department and routes it again. Not retried: each call reroutes.
   *
   * @example
   * ```ts
   * await client.requests.changeDepartment(id, { departmentid: salesDept });
   * ```
   */
  async changeDepartment(requestId: string, params: { departmentid?: string; nobot?: boolean }, options?: RequestOptions): Promise<Request> {
    requireObject(params, 'params');
    return this.ctx.core.request({ method: 'PUT', path: `${this.base(requestId, options)}/departments`, body: compact(params), idempotent: false, schema: 'request' }, options);
  }

  /**
   * Shallow-merges `attributes` into the conversation's attributes.
   *
   * @example
   * ```ts
   * await client.requests.mergeAttributes(id, { orderId: 'A-1042' });
   * ```
   */
  async mergeAttributes(requestId: string, attributes: Record<string, unknown>, options?: RequestOptions): Promise<Request> {
    requireObject(attributes, 'attributes');
    return this.ctx.core.request({ method: 'PATCH', path: `${this.base(requestId, options)}/attributes`, body: attributes, idempotent: true, schema: 'request' }, options);
  }

  /**
   * Rates a conversation (visitor tokens may rate their own).
   *
   * @example
   * ```ts
   * await guest.requests.rate(id, { rating: 5, rating_message: 'Great' });
   * ```
   */
  async rate(requestId: string, params: { rating: number; rating_message?: string }, options?: RequestOptions): Promise<Request> {
    requireObject(params, 'params');
    if (typeof params.rating !== 'number' || !Number.isFinite(params.rating)) throw new ValidationError('rating', 'must be a number');
    return this.ctx.core.request({ method: 'PATCH', path: `${this.base(requestId, options)}/rating`, body: compact(params), idempotent: true, schema: 'request' }, options);
  }

  /**
   * Deletes a conversation and its messages (owner, or the `request_delete` permission).
   *
   * @example
   * ```ts
   * await client.requests.delete(id);
   * ```
   */
  async delete(requestId: string, options?: RequestOptions): Promise<Request> {
    return this.ctx.core.request({ method: 'DELETE', path: this.base(requestId, options), idempotent: true, schema: 'request' }, options);
  }

  private base(requestId: string, options: RequestOptions | undefined): string {
    return `${projectPath(this.ctx, options)}/requests/${seg(requestId, 'requestId')}`;
  }
}

function requestBase(ctx: ClientContext, requestId: string, options: RequestOptions | undefined): string {
  return `${projectPath(ctx, options)}/requests/${seg(requestId, 'requestId')}`;
}

function stringList(values: unknown, field: string): string[] {
  if (!Array.isArray(values)) throw new ValidationError(field, 'must be an array of strings');
  values.forEach((v, i) => requireString(v, `${field}[${i}]`));
  return values as string[];
}

/** Members of a conversation: user ids, guest uuids or `bot_<id>`. */
export class Participants {
  constructor(private readonly ctx: ClientContext) {}

  /**
   * @example
   * ```ts
   * await client.requests.participants.add(id, agentUserId);
   * ```
   */
  async add(requestId: string, member: string, options?: RequestOptions): Promise<Request> {
    requireString(member, 'member');
    return this.ctx.core.request({ method: 'POST', path: `${requestBase(this.ctx, requestId, options)}/participants`, body: { member }, idempotent: false, schema: 'request' }, options);
  }

  /**
   * Replaces the whole participant list.
   *
   * @example
   * ```ts
   * await client.requests.participants.set(id, [agentA, agentB]);
   * ```
   */
  async set(requestId: string, members: readonly string[], options?: RequestOptions): Promise<Request> {
    // A non-array body makes this endpoint hang on the server: check before sending.
    const body = stringList(members, 'members');
    return this.ctx.core.request({ method: 'PUT', path: `${requestBase(this.ctx, requestId, options)}/participants`, body, idempotent: true, schema: 'request' }, options);
  }

  /**
   * @example
   * ```ts
   * await client.requests.participants.remove(id, agentUserId);
   * ```
   */
  async remove(requestId: string, member: string, options?: RequestOptions): Promise<Request> {
    return this.ctx.core.request({ method: 'DELETE', path: `${requestBase(this.ctx, requestId, options)}/participants/${seg(member, 'member')}`, idempotent: true, schema: 'request' }, options);
  }
}

/** Followers of a conversation (project_user ids). */
export class Followers {
  constructor(private readonly ctx: ClientContext) {}

  /**
   * @example
   * ```ts
   * await client.requests.followers.add(id, projectUserId);
   * ```
   */
  async add(requestId: string, member: string, options?: RequestOptions): Promise<Request> {
    requireString(member, 'member');
    return this.ctx.core.request({ method: 'POST', path: `${requestBase(this.ctx, requestId, options)}/followers`, body: { member }, idempotent: false, schema: 'request' }, options);
  }

  /**
   * @example
   * ```ts
   * await client.requests.followers.set(id, [projectUserId]);
   * ```
   */
  async set(requestId: string, members: readonly string[], options?: RequestOptions): Promise<Request> {
    const body = stringList(members, 'members');
    return this.ctx.core.request({ method: 'PUT', path: `${requestBase(this.ctx, requestId, options)}/followers`, body, idempotent: true, schema: 'request' }, options);
  }

  /**
   * @example
   * ```ts
   * await client.requests.followers.remove(id, projectUserId);
   * ```
   */
  async remove(requestId: string, member: string, options?: RequestOptions): Promise<Request> {
    return this.ctx.core.request({ method: 'DELETE', path: `${requestBase(this.ctx, requestId, options)}/followers/${seg(member, 'member')}`, idempotent: true, schema: 'request' }, options);
  }
}

/** Tags of a conversation. */
export class Tags {
  constructor(private readonly ctx: ClientContext) {}

  /**
   * Appends tags whose name is not there yet. Strings are shorthand for `{ tag }`.
   *
   * @example
   * ```ts
   * const req = await client.requests.tags.add(id, ['vip', { tag: 'billing', color: '#43B1F2' }]);
   * ```
   */
  async add(requestId: string, tags: readonly (string | { tag: string; color?: string })[], options?: RequestOptions): Promise<Request> {
    if (!Array.isArray(tags) || tags.length === 0) throw new ValidationError('tags', 'must be a non-empty array');
    const body = tags.map((t, i) => {
      if (typeof t === 'string') {
        requireString(t, `tags[${i}]`);
        return { tag: t };
      }
      requireObject(t, `tags[${i}]`);
      requireString(t.tag, `tags[${i}].tag`);
      return compact({ tag: t.tag, color: t.color });
    });
    return this.ctx.core.request({ method: 'PUT', path: `${requestBase(this.ctx, requestId, options)}/tag`, body, idempotent: true, schema: 'request' }, options);
  }

  /**
   * Removes one tag by its **`_id`** (from `request.tags`), not by its name.
   *
   * @example
   * ```ts
   * const tag = req.tags?.find((t) => t.tag === 'vip');
   * if (tag?._id) await client.requests.tags.remove(id, tag._id);
   * ```
   */
  async remove(requestId: string, tagId: string, options?: RequestOptions): Promise<Request> {
    return this.ctx.core.request({ method: 'DELETE', path: `${requestBase(this.ctx, requestId, options)}/tag/${seg(tagId, 'tagId')}`, idempotent: true, schema: 'request' }, options);
  }
}

/** Internal notes on a conversation. */
export class Notes {
  constructor(private readonly ctx: ClientContext) {}

  /**
   * Adds a note (agents must be participants). Not retried: a repeat would add it twice.
   *
   * @example
   * ```ts
   * const req = await client.requests.notes.add(id, 'Customer called back');
   * ```
   */
  async add(requestId: string, text: string, options?: RequestOptions): Promise<Request> {
    requireString(text, 'text');
    return this.ctx.core.request({ method: 'POST', path: `${requestBase(this.ctx, requestId, options)}/notes`, body: { text }, idempotent: false, schema: 'request' }, options);
  }

  /**
   * @example
   * ```ts
   * await client.requests.notes.remove(id, req.notes![0]!._id);
   * ```
   */
  async remove(requestId: string, noteId: string, options?: RequestOptions): Promise<Request> {
    return this.ctx.core.request({ method: 'DELETE', path: `${requestBase(this.ctx, requestId, options)}/notes/${seg(noteId, 'noteId')}`, idempotent: true, schema: 'request' }, options);
  }
}
