import type { RequestOptions } from '../core.js';
import { call, projectPath, Resource, requireObject, requireString } from '../resource.js';
import type { Project, ProjectMembership, User } from '../schemas.js';

/** Projects the caller belongs to. */
export class Projects extends Resource {
  /**
   * The caller's agent memberships, each with its project in `id_project`.
   *
   * @example
   * ```ts
   * for (const m of await client.projects.list()) console.log(m.role, typeof m.id_project === 'object' ? m.id_project.name : m.id_project);
   * ```
   */
  async list(options?: RequestOptions): Promise<ProjectMembership[]> {
    return this.ctx.core.request({ method: 'GET', path: '/projects', idempotent: true, schema: 'projectMemberships', list: true }, options);
  }

  /**
   * One project (default: the client's project).
   *
   * @example
   * ```ts
   * const project = await client.projects.get();
   * ```
   */
  async get(projectId?: string, options?: RequestOptions): Promise<Project> {
    return call(this.ctx, 'GET', `/projects${projectPath(this.ctx, options, projectId)}`, 'project', options);
  }

  /**
   * Creates a project owned by the caller (with a default department).
   *
   * @example
   * ```ts
   * const project = await client.projects.create({ name: 'Support' });
   * ```
   */
  async create(params: { name: string; [extra: string]: unknown }, options?: RequestOptions): Promise<Project> {
    requireString(params?.name, 'name');
    return call(this.ctx, 'POST', '/projects', 'project', options, params);
  }
}

/** Profile fields a user may change. */
export interface UpdateUserParams {
  firstname?: string;
  lastname?: string;
  attributes?: Record<string, unknown>;
  description?: string;
  public_email?: string;
  public_website?: string;
  phone?: string;
}

/** The signed-in user. */
export class Users extends Resource {
  /**
   * @example
   * ```ts
   * const me = await client.users.me();
   * ```
   */
  async me(options?: RequestOptions): Promise<User> {
    return call(this.ctx, 'GET', '/users', 'user', options);
  }

  /**
   * @example
   * ```ts
   * const me = await client.users.update({ firstname: 'Ada' });
   * ```
   */
  async update(fields: UpdateUserParams, options?: RequestOptions): Promise<User> {
    requireObject(fields, 'fields');
    const r = await this.ctx.core.request<{ updatedUser: User }>({ method: 'PUT', path: '/users', body: fields, idempotent: true, schema: 'userUpdate', expect: 'updatedUser' }, options);
    return r.updatedUser;
  }
}
