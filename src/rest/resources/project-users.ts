import { notFound, type QueryValue, type RequestOptions } from '../core.js';
import { ValidationError } from '../errors.js';
import { call, Resource, compact, projectPath, requireObject, seg } from '../resource.js';
import type { ProjectUser } from '../schemas.js';

/** Filters of `projectUsers.list`. */
export interface ProjectUserListQuery {
  role?: string | readonly string[];
  presencestatus?: 'online' | 'offline' | (string & {});
  status?: 'active' | 'disabled' | (string & {});
  trashed?: boolean;
}

/** What a member may change about themself. */
export interface UpdateMeParams {
  user_available?: boolean;
  profileStatus?: string;
  max_assigned_chat?: number;
  attributes?: Record<string, unknown>;
  tags?: unknown[];
  [extra: string]: unknown;
}


/** Members of the project (agents; visitors have memberships too but are not listed). */
export class ProjectUsers extends Resource {
  /**
   * @example
   * ```ts
   * const online = await client.projectUsers.list({ presencestatus: 'online' });
   * ```
   */
  async list(query: ProjectUserListQuery = {}, options?: RequestOptions): Promise<ProjectUser[]> {
    requireObject(query, 'query');
    // An empty list sends no `role` at all, and the server then lists every member.
    if (query.role?.length === 0) throw new ValidationError('role', 'must not be empty');
    return this.ctx.core.request({ method: 'GET', path: `${projectPath(this.ctx, options)}/project_users`, query: compact(query as Record<string, QueryValue>), idempotent: true, schema: 'projectUsers', list: true }, options);
  }

  /**
   * The caller's own membership (with `isBusy`).
   *
   * @example
   * ```ts
   * const me = await client.projectUsers.me();
   * console.log(me.role, me.user_available);
   * ```
   */
  async me(options?: RequestOptions): Promise<ProjectUser> {
    return this.#one(`${projectPath(this.ctx, options)}/project_users/me`, options);
  }

  /**
   * @example
   * ```ts
   * const pu = await client.projectUsers.get(projectUserId);
   * ```
   */
  async get(projectUserId: string, options?: RequestOptions): Promise<ProjectUser> {
    return call(this.ctx, 'GET', `${projectPath(this.ctx, options)}/project_users/${seg(projectUserId, 'projectUserId', 1)}`, 'projectUser', options);
  }

  /**
   * A member by user id (or guest uuid).
   *
   * @example
   * ```ts
   * const pu = await client.projectUsers.getByUserId(user._id);
   * ```
   */
  async getByUserId(userId: string, options?: RequestOptions): Promise<ProjectUser> {
    return this.#one(`${projectPath(this.ctx, options)}/project_users/users/${seg(userId, 'userId')}`, options);
  }

  /**
   * Updates the caller's own membership.
   *
   * @example
   * ```ts
   * await client.projectUsers.updateMe({ max_assigned_chat: 5 });
   * ```
   */
  async updateMe(fields: UpdateMeParams, options?: RequestOptions): Promise<ProjectUser> {
    requireObject(fields, 'fields');
    return call(this.ctx, 'PUT', `${projectPath(this.ctx, options)}/project_users`, 'projectUser', options, compact(fields));
  }

  /**
   * Sets the caller available (or not) for new conversations, optionally with a profile status (`"busy"`…).
   *
   * @example
   * ```ts
   * await client.projectUsers.setAvailability(false, 'busy');
   * ```
   */
  async setAvailability(available: boolean, profileStatus?: string, options?: RequestOptions): Promise<ProjectUser> {
    if (typeof available !== 'boolean') throw new ValidationError('available', 'must be a boolean');
    return this.updateMe({ user_available: available, profileStatus }, options); // which drops an undefined status
  }

  /** One membership from a route that answers a list (or, on some server versions, the object itself). */
  #one(path: string, options: RequestOptions | undefined): Promise<ProjectUser> {
    return this.ctx.core.request({
      method: 'GET', path, idempotent: true, schema: 'projectUsers', list: 'first',
      check: (found: ProjectUser[] | ProjectUser, full) => (Array.isArray(found) ? found[0] ?? notFound('GET', full) : found),
    }, options);
  }
}
