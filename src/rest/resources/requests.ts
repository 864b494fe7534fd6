import type { QueryValue, RequestOptions } from '../core.js';
import { ValidationError } from '../errors.js';
import type { PagePromise } from '../pagination.js';
import { call, compact, paged, projectPath, requireArray, requireObject, requireString, Resource, seg, toEpochMs, type ClientContext } from '../resource.js';
import type { Request, RequestCount } from '../schemas.js';

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
  /** Not read by the server's create (a type error, so that it is not lost unnoticed): the department goes in `departmentid`. */
  department?: never;
  /** Not read by the server's create (a type error): routing sets the status. */
  status?: never;
  /** Not read by the server's create (a type error): add them afterwards with `requests.tags.add`. */
  tags?: never;
  /** Not read by the server's create (a type error). */
  preflight?: never;
  [extra: string]: unknown;
}

/**
 * Fields `requests.update` can change (PATCH). `tags` replaces the whole array. The server skips an empty value (`''`,
 * `0`, `null`) of any field but `smartAssignment` and `workingStatus`, so such a value is refused: a field cannot be cleared.
 */
export interface UpdateRequestParams {
  lead?: string;
  status?: number;
  /** Strings are shorthand for `{ tag }`. */
  tags?: (string | { tag: string; color?: string })[];
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
  /**
   * Field to sort by (default `createdAt`, newest first with the default `direction`). A field that changes while a
   * `for await` reads, such as `updatedAt`, moves items onto pages already read: the loop misses them.
   */
  sort?: string;
  /**
   * Default `-1`. The server also reads `'1'`, `'-1'`, `'ascending'`, `'descending'`, in any case; anything else (in
   * `extra` too) is a `ValidationError` before sending: the server answers it with a 500.
   */
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
  /**
   * Text search. With it the server applies neither `sort` nor `direction`: results come by relevance, or, with
   * `extra: { no_textscore: true }`, in no defined order (the server's code; not observable on an in-memory database).
   */
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

/** `DD/MM/YYYY HH:mm:ss` in UTC: the first format the server tries, so it cannot be misread. */
function dateParam(value: Date | string | undefined, field: string): string | undefined {
  if (!(value instanceof Date)) return value;
  toEpochMs(value, field); // refuses an invalid Date
  const [date, time] = value.toISOString().split('T') as [string, string];
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y} ${time.slice(0, 8)}`;
}

function requestListQuery(q: Omit<RequestListQuery, 'extra' | 'page'>, extra: RequestListQuery['extra']): Record<string, QueryValue> {
  const { status, start_date, end_date, timezone, ...rest } = q;
  const list = typeof status === 'number' ? [status] : status;
  // An empty or non-numeric list would make the server drop the filter and return closed conversations too.
  if (list !== undefined && list !== 'all' && !(Array.isArray(list) && list.length > 0 && list.every(Number.isInteger))) {
    throw new ValidationError('status', "must be a status code, a non-empty array of them, or 'all'");
  }
  const dates = start_date instanceof Date || end_date instanceof Date;
  if (dates && timezone !== undefined) throw new ValidationError('timezone', 'cannot be combined with Date bounds, which are sent in UTC');
  return {
    ...extra,
    ...rest,
    // Compacted: an unset filter must not replace the same parameter given in `extra`.
    ...compact({
      // A comma list: the server splits one string, and answers 500 to a repeated `status`.
      status: list && String(list),
      start_date: dateParam(start_date, 'start_date'),
      end_date: dateParam(end_date, 'end_date'),
      timezone: dates ? 'UTC' : timezone,
    }),
  };
}

/** Conversations: create, read, list, update, close, route, participants, tags, notes… */
export class Requests extends Resource {
  /**
   * `requests.participants.add/set/remove`: user ids or `bot_<id>`. Any other string (a guest uuid) is sent, but the
   * 2.19.16 server then answers 500 to reading the conversation and to `list` (docs/rest.md, server quirks).
   */
  declare readonly participants: Participants;
  /** `requests.followers.add/set/remove`: project_user `_id`s (anything else is refused: the server never answers it). */
  declare readonly followers: Followers;
  /** `requests.tags.add/remove`. */
  declare readonly tags: Tags;
  /** `requests.notes.add/remove`. */
  declare readonly notes: Notes;

  constructor(ctx: ClientContext) {
    super(ctx);
    this.participants = new Members(ctx, 'participants');
    this.followers = new Members(ctx, 'followers');
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
    for (const k of ['request_id', 'sender'] as const) if (params[k] !== undefined) requireString(params[k], k);
    return call(this.ctx, 'POST', `${projectPath(this.ctx, options)}/requests`, 'request', options, compact(params));
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
    return this.onRequest('GET', requestId, '', options);
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
    // The server turns a limit above 100 into 40: refuse it rather than return a page of surprising size.
    return paged(this.ctx, options, 'requestPage', 'requests', query, 100, (rest, extra) => [`${projectPath(this.ctx, options)}/requests`, requestListQuery(rest, extra)]);
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
    return paged(this.ctx, options, 'requestPage', 'requests', query, 100, (rest, extra) => [`${projectPath(this.ctx, options)}/requests/me`, { ...extra, ...rest }]);
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
    requireObject(query, 'query');
    return call(this.ctx, 'GET', `${projectPath(this.ctx, options)}/requests/count${query.merge_assigned ? '?merge_assigned=1' : ''}`, 'requestCount', options);
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
    const body = compact(fields as Record<string, unknown>);
    // The server skips a falsy value and answers 200 (`subject: ''` would clear nothing), but for `smartAssignment`
    // and `workingStatus`: of the fields above, the only ones starting with `sm` or `w`.
    for (const k in body) if (!body[k] && !/^(sm|w)/.test(k)) throw new ValidationError(`fields.${k}`, 'is ignored when empty');
    // The server stores whatever it gets here; a null tag then hangs the conversation's CSV export for good.
    if (body.tags !== undefined) body.tags = tagList(body.tags, 'fields.tags');
    return this.onRequest('PATCH', requestId, '', options, body);
  }

  /**
   * Closes a conversation (status 1000, transcript, `closed_at`). Agents must be participants; owners and admins need not.
   * A missing conversation is a 500 (`InternalServerError`, after the retries), not a `NotFoundError`: the server's answer.
   *
   * @example
   * ```ts
   * const closed = await client.requests.close(id);
   * ```
   */
  async close(requestId: string, params: { force?: boolean } = {}, options?: RequestOptions): Promise<Request> {
    requireObject(params, 'params');
    return this.onRequest('PUT', requestId, '/close', options, { force: params.force });
  }

  /**
   * Reopens a closed conversation (status 200 with participants, else 100). A missing conversation is a 500
   * (`InternalServerError`, after the retries), not a `NotFoundError`: the server's answer.
   *
   * @example
   * ```ts
   * await client.requests.reopen(id);
   * ```
   */
  async reopen(requestId: string, options?: RequestOptions): Promise<Request> {
    return this.onRequest('PUT', requestId, '/reopen', options, {});
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
    requireObject(params, 'params');
    return this.onRequest('PUT', requestId, '/assign', options, compact(params));
  }

  /**
   * Moves the conversation to a department and routes it again. Not retried: each call reroutes. A missing
   * conversation is a 500 (`InternalServerError`), not a `NotFoundError`: the server's answer.
   *
   * @example
   * ```ts
   * await client.requests.changeDepartment(id, { departmentid: salesDept });
   * ```
   */
  async changeDepartment(requestId: string, params: { departmentid?: string; nobot?: boolean }, options?: RequestOptions): Promise<Request> {
    requireObject(params, 'params');
    return this.onRequest('PUT', requestId, '/departments', options, compact(params), false);
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
    return this.onRequest('PATCH', requestId, '/attributes', options, attributes);
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
    if (!Number.isFinite(params.rating)) throw new ValidationError('rating', 'must be a number');
    return this.onRequest('PATCH', requestId, '/rating', options, compact(params));
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
    return this.onRequest('DELETE', requestId, '', options);
  }
}

/** Participants or followers of a conversation (one implementation, two sub-paths). */
export class Members extends Resource {
  declare private readonly kind: 'participants' | 'followers';
  constructor(ctx: ClientContext, kind: 'participants' | 'followers') {
    super(ctx);
    this.kind = kind;
  }

  /**
   * Adds one member. Not retried on failure. A missing conversation is a 500 (`InternalServerError`), not a
   * `NotFoundError`: the server's answer.
   *
   * @example
   * ```ts
   * await client.requests.participants.add(id, agentUserId);
   * await client.requests.followers.add(id, projectUserId);
   * ```
   */
  async add(requestId: string, member: string, options?: RequestOptions): Promise<Request> {
    // Followers are project_user `_id`s: for anything else the server never answers. Participants are any id.
    seg(member, 'member', this.kind == 'followers');
    return this.onRequest('POST', requestId, `/${this.kind}`, options, { member });
  }

  /**
   * Replaces the whole list. A missing conversation is a 500 (participants: `InternalServerError` after the retries),
   * not a `NotFoundError`: the server's answer.
   *
   * @example
   * ```ts
   * await client.requests.participants.set(id, [agentA, agentB]);
   * ```
   */
  async set(requestId: string, members: readonly string[], options?: RequestOptions): Promise<Request> {
    // A non-array body makes the participants endpoint hang on the server (followers answer 500): check before sending.
    requireArray(members, 'members');
    members.forEach((v, i) => seg(v, `members[${i}]`, this.kind == 'followers'));
    return this.onRequest('PUT', requestId, `/${this.kind}`, options, members);
  }

  /**
   * Removes one member.
   *
   * @example
   * ```ts
   * await client.requests.participants.remove(id, agentUserId);
   * ```
   */
  async remove(requestId: string, member: string, options?: RequestOptions): Promise<Request> {
    return this.onRequest('DELETE', requestId, `/${this.kind}/${seg(member, 'member', this.kind == 'followers')}`, options);
  }
}

/** `requests.participants`: user ids or `bot_<id>` (see {@link Requests.participants}). */
export type Participants = Members;
/** `requests.followers`: project_user `_id`s. */
export type Followers = Members;

/** Tags of a conversation. */
/** Tags as the server stores them: strings become `{ tag }`; anything without a non-empty `tag` is refused. */
function tagList(tags: unknown, field: string): { tag: string; color?: string }[] {
  requireArray(tags, field);
  return tags.map((t, i) => {
    const at = `${field}[${i}]`;
    if (typeof t === 'string') {
      requireString(t, at);
      return { tag: t };
    }
    requireObject(t, at);
    requireString(t.tag, `${at}.tag`);
    return t;
  });
}

export class Tags extends Resource {
  /**
   * Appends tags whose name is not there yet. Strings are shorthand for `{ tag }`.
   *
   * @example
   * ```ts
   * const req = await client.requests.tags.add(id, ['vip', { tag: 'billing', color: '#43B1F2' }]);
   * ```
   */
  async add(requestId: string, tags: readonly (string | { tag: string; color?: string })[], options?: RequestOptions): Promise<Request> {
    const list = tagList(tags, 'tags');
    if (!list[0]) throw new ValidationError('tags', 'must not be empty');
    return this.onRequest('PUT', requestId, '/tag', options, list);
  }

  /**
   * Removes one tag by its **`_id`** (from `request.tags`), not by its name: a name is refused with a `ValidationError`
   * (the server answered it with a 500).
   *
   * @example
   * ```ts
   * const tag = req.tags?.find((t) => t.tag === 'vip');
   * if (tag?._id) await client.requests.tags.remove(id, tag._id);
   * ```
   */
  async remove(requestId: string, tagId: string, options?: RequestOptions): Promise<Request> {
    return this.onRequest('DELETE', requestId, `/tag/${seg(tagId, 'tagId', 1)}`, options);
  }
}

/** Internal notes on a conversation. */
export class Notes extends Resource {
  /**
   * Adds a note (agents must be participants). Not retried: a repeat would add it twice. A missing conversation is a
   * `NotFoundError` (the server answers owners and admins `null` with a 200).
   *
   * @example
   * ```ts
   * const req = await client.requests.notes.add(id, 'Customer called back');
   * ```
   */
  async add(requestId: string, text: string, options?: RequestOptions): Promise<Request> {
    requireString(text, 'text');
    return this.onRequest('POST', requestId, '/notes', options, { text });
  }

  /**
   * @example
   * ```ts
   * await client.requests.notes.remove(id, req.notes![0]!._id);
   * ```
   */
  async remove(requestId: string, noteId: string, options?: RequestOptions): Promise<Request> {
    return this.onRequest('DELETE', requestId, `/notes/${seg(noteId, 'noteId', 1)}`, options);
  }
}
