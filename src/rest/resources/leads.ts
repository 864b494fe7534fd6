import type { RequestOptions } from '../core.js';
import { ValidationError } from '../errors.js';
import { PagePromise, type RawPage } from '../pagination.js';
import { compact, projectPath, requireObject, seg, type ClientContext } from '../resource.js';
import type { Lead, LeadPage } from '../schemas.js';

/** Filters of `leads.list`. */
export interface LeadListQuery {
  /** Page size (default 40 on the server). */
  limit?: number;
  /** First page to read (0-based). */
  page?: number;
  full_text?: string;
  email?: string;
  with_email?: boolean;
  with_fullname?: boolean;
  tags?: string;
  /** Lead status (see {@link LeadStatus}); default 100 (normal) on the server. */
  status?: number;
  sort?: string;
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
export class Leads {
  constructor(private readonly ctx: ClientContext) {}

  /**
   * `await` it for one page, `for await` it for every lead.
   *
   * @example
   * ```ts
   * for await (const lead of client.leads.list({ with_email: true })) console.log(lead.email);
   * ```
   */
  list(query: LeadListQuery = {}, options?: RequestOptions): PagePromise<Lead> {
    let path: string;
    try {
      requireObject(query, 'query');
      if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 1)) throw new ValidationError('limit', 'must be an integer >= 1');
      if (query.page !== undefined && (!Number.isInteger(query.page) || query.page < 0)) throw new ValidationError('page', 'must be an integer >= 0');
      path = `${projectPath(this.ctx, options)}/leads`;
    } catch (e) {
      return PagePromise.rejected(e);
    }
    const { extra, page: start, ...rest } = query;
    return new PagePromise(
      (page) => this.ctx.core
        .request<LeadPage>({ method: 'GET', path, query: { ...extra, ...rest, page }, idempotent: true, schema: 'leadPage' }, options)
        .then((r): RawPage<Lead> => ({ items: r.leads, perPage: r.perPage, count: r.count })),
      start ?? 0,
    );
  }

  /**
   * @example
   * ```ts
   * const lead = await client.leads.get(leadId);
   * ```
   */
  async get(leadId: string, options?: RequestOptions): Promise<Lead> {
    return this.ctx.core.request({ method: 'GET', path: `${projectPath(this.ctx, options)}/leads/${seg(leadId, 'leadId')}`, idempotent: true, schema: 'lead' }, options);
  }

  /**
   * @example
   * ```ts
   * const lead = await client.leads.create({ lead_id: 'crm-42', fullname: 'Ada Lovelace', email: 'ada@example.com' });
   * ```
   */
  async create(params: LeadParams, options?: RequestOptions): Promise<Lead> {
    requireObject(params, 'params');
    return this.ctx.core.request({ method: 'POST', path: `${projectPath(this.ctx, options)}/leads`, body: compact(params), idempotent: false, schema: 'lead' }, options);
  }

  /**
   * Sets the given fields (fields left out are unchanged).
   *
   * @example
   * ```ts
   * await client.leads.update(lead._id, { company: 'Analytical Engines Ltd' });
   * ```
   */
  async update(leadId: string, fields: LeadParams & { status?: number }, options?: RequestOptions): Promise<Lead> {
    requireObject(fields, 'fields');
    return this.ctx.core.request({ method: 'PUT', path: `${projectPath(this.ctx, options)}/leads/${seg(leadId, 'leadId')}`, body: compact(fields), idempotent: true, schema: 'lead' }, options);
  }
}
