import type { QueryValue, RequestOptions } from '../core.js';
import type { PagePromise } from '../pagination.js';
import { call, compact, paged, projectPath, requireObject, Resource, seg } from '../resource.js';
import { ValidationError } from '../errors.js';
import type { Lead } from '../schemas.js';

/** Filters of `leads.list`. */
export interface LeadListQuery {
  /** Page size (default 40 on the server). */
  limit?: number;
  /** First page to read (0-based). */
  page?: number;
  full_text?: string;
  email?: string;
  /**
   * `true`: only leads with an e-mail. `false` is the same as leaving it out (no filter). Not sent with `email`,
   * which implies it: the server's `with_email` replaces the `email` filter (every lead with an e-mail came back).
   */
  with_email?: boolean;
  /** `true`: only leads with a full name. `false` is the same as leaving it out (no filter). */
  with_fullname?: boolean;
  tags?: string;
  /** Lead status (see {@link LeadStatus}); default 100 (normal) on the server. */
  status?: number;
  sort?: string;
  /**
   * Default `-1`. The server also reads `'1'`, `'-1'`, `'ascending'`, `'descending'`, in any case; anything else (in
   * `extra` too) is a `ValidationError` before sending: the server never answers it.
   */
  direction?: 1 | -1 | 'asc' | 'desc';
  /** Any other query parameter the server understands. */
  extra?: Record<string, string | number | boolean>;
}

/** Body of `leads.create` and `leads.update`. */
export interface LeadParams {
  lead_id?: string;
  fullname?: string;
  email?: string;
  phone?: string;
  company?: string;
  note?: string;
  attributes?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** Leads: the contacts behind conversations. */
export class Leads extends Resource {
  /**
   * `await` it for one page, `for await` it for every lead.
   *
   * @example
   * ```ts
   * for await (const lead of client.leads.list({ with_email: true })) console.log(lead.email);
   * ```
   */
  list(query: LeadListQuery = {}, options?: RequestOptions): PagePromise<Lead> {
    return paged(this.ctx, options, 'leadPage', 'leads', query, Infinity, (rest, extra) => {
      const q: Record<string, QueryValue> = { ...extra, ...rest };
      // The server tests these flags for presence: `with_email=false` would filter like `true`. And its `with_email`
      // replaces the `email` filter (every lead with an e-mail): an `email` has one, so the flag is dropped.
      q.with_fullname ||= undefined;
      q.with_email = (!q.email && q.with_email) || undefined;
      return [`${projectPath(this.ctx, options)}/leads`, q];
    });
  }

  /**
   * @example
   * ```ts
   * const lead = await client.leads.get(leadId);
   * ```
   */
  async get(leadId: string, options?: RequestOptions): Promise<Lead> {
    return call(this.ctx, 'GET', `${projectPath(this.ctx, options)}/leads/${seg(leadId, 'leadId', 1)}`, 'lead', options);
  }

  /**
   * Creates a lead. The server's create saves only `lead_id`, `fullname`, `email` and `attributes`; any other field
   * (`phone`, `company`, `note`…) is then set by a {@link Leads.update} of the new lead, whose result is returned (if
   * that update fails, the lead exists without them).
   *
   * @example
   * ```ts
   * const lead = await client.leads.create({ lead_id: 'crm-42', fullname: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0000' });
   * ```
   */
  async create(params: LeadParams, options?: RequestOptions): Promise<Lead> {
    requireObject(params, 'params');
    // The server's save fails on an object here and never answers: the call would only time out.
    for (const k of ['lead_id', 'fullname', 'email']) if (Object(params[k]) === params[k]) throw new ValidationError(k, 'must be a string');
    const { lead_id, fullname, email, attributes, ...rest } = compact(params);
    const lead = await call<Lead>(this.ctx, 'POST', `${projectPath(this.ctx, options)}/leads`, 'lead', options, { lead_id, fullname, email, attributes });
    // The create route drops the rest silently (a phone came back null).
    return Object.keys(rest)[0] ? this.update(lead._id, rest, options) : lead;
  }

  /**
   * Sets the given fields (fields left out are unchanged).
   *
   * The server upserts, without a project: for an `_id` that names no lead it answers 200 with a lead it has just
   * created, which has no `id_project` (and no `lead_id`), is in no project's list, yet `get` returns it. Such a
   * result (`lead.id_project` missing) means the id was wrong. The SDK does not look the lead up first (that would
   * be a second call for every update).
   *
   * @example
   * ```ts
   * await client.leads.update(lead._id, { company: 'Analytical Engines Ltd' });
   * ```
   */
  async update(leadId: string, fields: LeadParams & { status?: number }, options?: RequestOptions): Promise<Lead> {
    requireObject(fields, 'fields');
    return call(this.ctx, 'PUT', `${projectPath(this.ctx, options)}/leads/${seg(leadId, 'leadId', 1)}`, 'lead', options, compact(fields));
  }
}
