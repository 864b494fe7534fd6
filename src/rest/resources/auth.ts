import type { RequestOptions } from '../core.js';
import { APIError } from '../errors.js';
import { bareToken, jwtAuthorization } from '../../shared/token.js';
import { compact, requireObject, requireString, Resource } from '../resource.js';
import type { AuthResult, User } from '../schemas.js';

export interface SigninParams {
  email: string;
  password: string;
}

export interface SigninAnonymouslyParams {
  /** Default: the client's project. */
  projectId?: string;
  firstname?: string;
  lastname?: string;
  email?: string;
  attributes?: Record<string, unknown>;
}

export interface SigninWithCustomTokenParams {
  /** A JWT you signed with the project's `jwtSecret` (`aud: https://tiledesk.com/projects/<id>`, `sub: userexternal`). */
  token: string;
  /** Needed only for tokens with a generic `aud`. */
  projectId?: string;
}

export interface SignupParams {
  email: string;
  password: string;
  firstname: string;
  lastname: string;
  phone?: string;
  /** Skip the verification e-mail. */
  disableEmail?: boolean;
}

function checkSuccess<T extends { success?: boolean }>(r: T, method: string, path: string): T {
  if (r && r.success === false) {
    const msg = (r as { msg?: unknown; message?: unknown }).msg ?? (r as { message?: unknown }).message;
    throw new APIError(`${typeof msg === 'string' ? msg : 'Request refused'} (${method} ${path})`, {
      code: 'auth_failed', method, path, status: 200, serverMessage: typeof msg === 'string' ? msg : undefined,
    });
  }
  return r;
}

/** Sign-in and sign-up. Tokens come back as the server gives them (`"JWT eyJ…"`); the SDK accepts either form. */
export class Auth extends Resource {
  /**
   * @example
   * ```ts
   * const { token, user } = await client.auth.signin({ email, password });
   * ```
   */
  async signin(params: SigninParams, options?: RequestOptions): Promise<AuthResult> {
    requireObject(params, 'params');
    requireString(params.email, 'email');
    requireString(params.password, 'password');
    const path = '/auth/signin';
    const r = await this.ctx.core.request<AuthResult>(
      { method: 'POST', path, body: { email: params.email, password: params.password }, auth: false, idempotent: true, schema: 'auth', secrets: [params.password] },
      options,
    );
    return checkSuccess(r, 'POST', path);
  }

  /**
   * Creates a new anonymous visitor (each call creates another one: keep the token to stay the same visitor).
   *
   * @example
   * ```ts
   * const { token, user } = await client.auth.signinAnonymously({ firstname: 'John' });
   * ```
   */
  async signinAnonymously(params: SigninAnonymouslyParams = {}, options?: RequestOptions): Promise<AuthResult> {
    requireObject(params, 'params');
    const { projectId, firstname, lastname, email, attributes } = params;
    const pid = projectId ?? options?.projectId ?? this.ctx.projectId;
    requireString(pid, 'projectId');
    const path = '/auth/signinAnonymously';
    const r = await this.ctx.core.request<AuthResult>(
      { method: 'POST', path, body: compact({ id_project: pid, firstname, lastname, email, attributes }), auth: false, idempotent: false, schema: 'guestAuth' },
      options,
    );
    return checkSuccess(r, 'POST', path);
  }

  /**
   * Exchanges a token you signed (your own user directory) for a Tiledesk session.
   *
   * @example
   * ```ts
   * const { token, user } = await client.auth.signinWithCustomToken({ token: jwtSignedWithProjectSecret });
   * ```
   */
  async signinWithCustomToken(params: SigninWithCustomTokenParams, options?: RequestOptions): Promise<AuthResult> {
    requireObject(params, 'params');
    requireString(params.token, 'token');
    const path = '/auth/signinWithCustomToken';
    const r = await this.ctx.core.request<AuthResult>(
      {
        method: 'POST', path, body: compact({ id_project: params.projectId }), auth: jwtAuthorization(params.token),
        idempotent: true, schema: 'auth', secrets: [bareToken(params.token)],
      },
      options,
    );
    return checkSuccess(r, 'POST', path);
  }

  /**
   * Registers a user. The e-mail is stored lower-cased.
   *
   * @example
   * ```ts
   * const user = await client.auth.signup({ email, password, firstname: 'Ada', lastname: 'Lovelace' });
   * ```
   */
  async signup(params: SignupParams, options?: RequestOptions): Promise<User> {
    requireObject(params, 'params');
    const { email, password, firstname, lastname, phone, disableEmail } = params;
    for (const f of ['email', 'password', 'firstname', 'lastname'] as const) requireString(params[f], f);
    const path = '/auth/signup';
    const r = await this.ctx.core.request<{ success?: boolean; user: User }>(
      { method: 'POST', path, body: compact({ email, password, firstname, lastname, phone, disableEmail }), auth: false, idempotent: false, schema: 'signup', secrets: [password] },
      options,
    );
    return checkSuccess(r, 'POST', path).user;
  }
}
