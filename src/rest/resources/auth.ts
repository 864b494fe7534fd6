import { usable } from '../auth.js';
import type { CallSpec, RequestOptions } from '../core.js';
import { ValidationError } from '../errors.js';
import { bareToken, jwtAuthorization } from '../../shared/token.js';
import { projectPath, requireObject, requireString, Resource } from '../resource.js';
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
    const { email, password } = params;
    requireString(email, 'email');
    requireString(password, 'password');
    return this.#post('/auth/signin', { body: { email, password }, idempotent: true, schema: 'auth', secrets: [password], expect: 'token' }, options);
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
    // The project a path would name (checked the same way); a project id needs no encoding. The bodies of this class
    // are object literals: JSON leaves out their undefined fields, no `compact` needed.
    const body = { id_project: projectPath(this.ctx, options, projectId).slice(1), firstname, lastname, email, attributes };
    return this.#post('/auth/signinAnonymously', { body, idempotent: false, schema: 'guestAuth', expect: 'token' }, options);
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
    // A line break inside would make the transport refuse the header: a ConnectionError, retried.
    if (!usable(params.token)) throw new ValidationError('token', 'must be printable ASCII');
    return this.#post(
      '/auth/signinWithCustomToken',
      {
        body: { id_project: params.projectId }, auth: jwtAuthorization(params.token),
        idempotent: true, schema: 'auth', secrets: [bareToken(params.token)], expect: 'token',
      },
      options,
    );
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
    const body = { email, password, firstname, lastname, phone, disableEmail };
    const result = await this.#post<{ user: User }>('/auth/signup', { body, idempotent: false, schema: 'signup', secrets: [password], expect: 'user' }, options);
    return result.user;
  }

  /**
   * POSTs to an auth route, without the client's own credentials (`auth: false`) unless `call.auth` says otherwise.
   * These routes may answer 200 with `{ success: false, msg }`: the core turns that into an `APIError` (`auth_failed`).
   */
  #post<T>(path: string, call: Omit<CallSpec, 'method' | 'path'>, options: RequestOptions | undefined): Promise<T> {
    return this.ctx.core.request({ method: 'POST', path, auth: false, ...call }, options);
  }
}
