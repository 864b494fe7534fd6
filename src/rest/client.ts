import { createDefaultTransport } from '#default-transport';
import { RetryBudget } from '../shared/backoff.js';
import { AuthState, type AuthOptions } from './auth.js';
import { nonNegative, RequestCore, type HeadersInput, type Hooks, type ResponseSchemas } from './core.js';
import { ValidationError, type APIError } from './errors.js';
import { requireObject, requireString } from './resource.js';
import { Auth, type SigninAnonymouslyParams, type SigninParams, type SigninWithCustomTokenParams, type SignupParams } from './resources/auth.js';
import { Leads } from './resources/leads.js';
import { Messages } from './resources/messages.js';
import { ProjectUsers } from './resources/project-users.js';
import { Projects, Users } from './resources/projects.js';
import { Requests } from './resources/requests.js';
import type { AuthResult, User } from './schemas.js';
import { fetchTransport, type FetchLike, type Transport } from './transport.js';

/**
 * Where log lines go: `console` fits, so do pino and winston loggers. Requests and responses are logged at
 * `debug`, retries at `info`, failures at `warn`, all with headers redacted; filter with your logger's own level.
 */
export interface Logger {
  debug(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
}

export interface TiledeskClientOptions {
  /**
   * The API root, with any path prefix: `https://api.tiledesk.com/v3`, `http://localhost:3000`, a white-label host.
   */
  baseUrl: string;
  /** The project every project-scoped call uses unless the call passes its own `projectId`. */
  projectId?: string;
  auth?: AuthOptions;
  /** Per-attempt timeout in ms, covering the response body (default 30 000). Some server routes never answer bad input. */
  timeout?: number;
  /** Retries per call for failures worth retrying (default 2). */
  maxRetries?: number;
  /** Full-jitter backoff between retries: uniform in `[0, min(maxDelayMs, baseDelayMs·2^n)]` (default 500 / 8 000 ms). */
  retryDelay?: { baseDelayMs?: number; maxDelayMs?: number };
  /** Longest `Retry-After` / `retry-after-ms` the client waits for; a longer hint fails the call at once (default 60 000). */
  maxRetryAfterMs?: number;
  /**
   * Retries the whole client may make: a token bucket of `capacity` refilled at `refillPerSecond`, so a storm of
   * failures does not multiply the load (default 10, 1/s). `false` disables the budget.
   */
  retryBudget?: { capacity?: number; refillPerSecond?: number } | false;
  /**
   * Headers added to every call: a record, a `Headers`, or an array (any iterable) of `[name, value]` pairs, as `fetch`
   * takes them; a name whose value is `undefined` or `null` is left out. Names are case-insensitive; a call's own
   * `headers` win, and the client's `Authorization` (from `auth`) wins over both. Refused with a `ValidationError` naming the header (never quoting its value) when the client is
   * made: a name that is not an RFC 9110 token (letters, digits, ``!#$%&'*+-.^_`|~``), a value with a line break or
   * anything but printable ASCII, space and tab; an entry that is not a pair (`headers[i]`).
   *
   * @example
   * ```ts
   * new TiledeskClient({ baseUrl, auth, headers: { 'X-Request-Source': 'crm-sync' } });
   * new TiledeskClient({ baseUrl, auth, headers: new Headers({ 'X-Request-Source': 'crm-sync' }) });
   * new TiledeskClient({ baseUrl, auth, headers: [['X-Request-Source', 'crm-sync']] });
   * ```
   */
  headers?: HeadersInput;
  /** Your own `fetch` (a proxy agent, a test double, an edge runtime's): always used when given. */
  fetch?: FetchLike;
  /**
   * Sockets per origin of the default Node transport: an integer >= 1 (default 64). Calls beyond it wait for a socket;
   * their `timeout` and `signal` count while they wait. Unused with `fetch` and in browsers.
   */
  connections?: number;
  /** Observers of every call: one object, or several (metrics and tracing, say), called in order. */
  hooks?: Hooks | readonly Hooks[];
  logger?: Logger;
  /** Validate every response against these schemas (`import { responseSchemas } from 'tiledesk-sdk/schemas'`). Off by default. */
  responseSchemas?: ResponseSchemas;
}

/** Options of the static sign-in helpers: a client's options, without `auth`. */
export type StaticOptions = Omit<TiledeskClientOptions, 'auth'>;

function loggerHooks(logger: Logger): Hooks {
  return {
    onRequest: (e) => logger.debug(`tiledesk → ${e.method} ${e.url}`, { attempt: e.attempt, headers: e.headers }),
    onResponse: (e) => logger.debug(`tiledesk ← ${e.status} ${e.method} ${e.url}`, { attempt: e.attempt, ms: Math.round(e.durationMs), headers: e.responseHeaders }),
    onRetry: (e) => logger.info(`tiledesk retry ${e.method} ${e.url} in ${e.delayMs} ms`, { attempt: e.attempt, error: e.error.message }),
    onError: (e) => logger.warn(`tiledesk failed ${e.method} ${e.url}`, { attempts: e.attempts, code: e.error.code, status: (e.error as APIError).status, error: e.error.message }),
  };
}


/** Checked where the mistake is made: a hook that is not a function would otherwise fail the first call it observes. */
function checkedHooks(hooks: Hooks | readonly Hooks[] | undefined): Hooks[] {
  // A copy: the logger's hooks are appended to it.
  const list: Hooks[] = [hooks ?? []].flat();
  list.forEach((h, i) => {
    const field = Array.isArray(hooks) ? `hooks[${i}]` : 'hooks';
    requireObject(h, field);
    for (const name of ['onRequest', 'onResponse', 'onRetry', 'onError'] as const) if (h[name] !== undefined && typeof h[name] !== 'function') throw new ValidationError(`${field}.${name}`, 'must be a function');
  });
  return list;
}

/** What clients made by `withOptions` share with their parent; spread as it is into the core's config. */
interface Shared {
  transport: Transport;
  budget: RetryBudget | undefined;
}

/**
 * The Tiledesk REST client. One instance per set of credentials; it holds a keep-alive connection pool in Node, so
 * reuse it and `close()` it when done.
 *
 * @example
 * ```ts
 * import { TiledeskClient } from 'tiledesk-sdk';
 *
 * const { token, user } = await TiledeskClient.signinAnonymously({ baseUrl, projectId, firstname: 'John' });
 * const admin = new TiledeskClient({ baseUrl, projectId, auth: { email, password } });
 * const req = await admin.requests.create({ sender: user._id, first_text: 'How can I restore my password' });
 * await admin.messages.import(req.request_id, [{ sender: user._id, text: 'Hi', timestamp: Date.now() }]);
 * for await (const r of admin.requests.list({ status: [100, 200] })) console.log(r.request_id);
 * await admin.close();
 * ```
 */
export class TiledeskClient {
  // `declare`: assigned in the constructor, so no class-field initialisers are emitted for them.
  declare readonly baseUrl: string;
  declare readonly projectId: string | undefined;
  /** @internal The request core every resource calls. */
  declare readonly core: RequestCore;
  declare readonly auth: Auth;
  declare readonly requests: Requests;
  declare readonly messages: Messages;
  declare readonly leads: Leads;
  declare readonly projectUsers: ProjectUsers;
  declare readonly projects: Projects;
  declare readonly users: Users;

  #options: TiledeskClientOptions;
  #shared: Shared;
  #ownsTransport: boolean;

  constructor(options: TiledeskClientOptions);
  /** @internal */
  constructor(options: TiledeskClientOptions, shared: Shared);
  constructor(options: TiledeskClientOptions, shared?: Shared) {
    requireObject(options, 'options');
    if (options.projectId !== undefined) requireString(options.projectId, 'projectId');
    // A number option by its dotted name (`retryDelay.baseDelayMs`), which the error names.
    const option = (field: string, fallback: number) =>
      nonNegative(field.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], options), field, fallback);
    const maxRetries = option('maxRetries', 2);
    const timeout = option('timeout', 30_000);
    const maxRetryAfterMs = option('maxRetryAfterMs', 60_000);
    // NaN or a negative delay would retry at once: a retry storm instead of a backoff.
    const backoff = {
      baseDelayMs: option('retryDelay.baseDelayMs', 500),
      maxDelayMs: option('retryDelay.maxDelayMs', 8_000),
    };

    this.#options = options;
    this.baseUrl = options.baseUrl;
    this.projectId = options.projectId;
    this.#ownsTransport = shared === undefined;
    this.#shared = shared ?? {
      transport: options.fetch ? fetchTransport(options.fetch) : createDefaultTransport({ connections: options.connections }),
      budget: options.retryBudget === false
        ? undefined
        : new RetryBudget(
          option('retryBudget.capacity', 10),
          option('retryBudget.refillPerSecond', 1),
        ),
    };

    const hooks = checkedHooks(options.hooks);
    if (options.logger) hooks.push(loggerHooks(options.logger));
    // The core is built before the auth state because `{ email, password }` auth signs in through the core; the
    // core reads the state, assigned below, only when a call is made.
    let authState: AuthState;
    this.core = new RequestCore({
      ...this.#shared, // the transport and the retry budget
      baseUrl: options.baseUrl,
      get auth() {
        return authState;
      },
      timeout,
      maxRetries,
      backoff,
      maxRetryAfterMs,
      hooks,
      headers: options.headers,
      schemas: options.responseSchemas,
    });
    this.auth = new Auth(this);
    authState = new AuthState(options.auth, (email, password, signal) =>
      this.auth.signin({ email, password }, { signal }).then((r) => r.token),
    );
    this.requests = new Requests(this);
    this.messages = new Messages(this);
    this.leads = new Leads(this);
    this.projectUsers = new ProjectUsers(this);
    this.projects = new Projects(this);
    this.users = new Users(this);
  }

  /**
   * A client with other credentials (or another project) that shares this one's connection pool and retry budget.
   * Closing it does not close the pool; closing the original does.
   *
   * @example
   * ```ts
   * const guest = admin.withOptions({ auth: { token: guestToken } });
   * await guest.messages.send(requestId, { text: 'Hello' });
   * ```
   */
  withOptions(overrides: Partial<Omit<TiledeskClientOptions, 'fetch' | 'connections' | 'retryBudget'>>): TiledeskClient {
    return new TiledeskClient({ ...this.#options, headers: this.core.headers, ...overrides }, this.#shared);
  }

  /**
   * Closes the pooled connections this client opened (a no-op for clients made by `withOptions`).
   *
   * @example
   * ```ts
   * const client = new TiledeskClient({ baseUrl, projectId, auth: { token } });
   * try { await client.requests.count(); } finally { await client.close(); }
   * ```
   */
  async close(): Promise<void> {
    if (this.#ownsTransport) await this.core.close();
  }

  /**
   * Signs in with e-mail and password; resolves to `{ token, user }` (`token` is `"JWT …"`).
   *
   * @example
   * ```ts
   * const { token } = await TiledeskClient.signin({ baseUrl, email, password });
   * const client = new TiledeskClient({ baseUrl, projectId, auth: { token } });
   * ```
   */
  static signin(options: StaticOptions & SigninParams): Promise<AuthResult> {
    return once(options, (c) => c.auth.signin(options));
  }

  /**
   * Creates an anonymous visitor of `projectId`; resolves to `{ token, user }` (`user._id` is the visitor's uuid).
   *
   * @example
   * ```ts
   * const { token, user } = await TiledeskClient.signinAnonymously({ baseUrl, projectId, firstname: 'John' });
   * ```
   */
  static signinAnonymously(options: StaticOptions & SigninAnonymouslyParams): Promise<AuthResult> {
    return once(options, (c) => c.auth.signinAnonymously(options));
  }

  /**
   * Exchanges a JWT you signed with the project's secret for a Tiledesk session.
   *
   * @example
   * ```ts
   * const { token, user } = await TiledeskClient.signinWithCustomToken({ baseUrl, token: myJwt });
   * ```
   */
  static signinWithCustomToken(options: StaticOptions & SigninWithCustomTokenParams): Promise<AuthResult> {
    return once(options, (c) => c.auth.signinWithCustomToken(options));
  }

  /**
   * Registers a user.
   *
   * @example
   * ```ts
   * const user = await TiledeskClient.signup({ baseUrl, email, password, firstname: 'Ada', lastname: 'Lovelace' });
   * ```
   */
  static signup(options: StaticOptions & SignupParams): Promise<User> {
    return once(options, (c) => c.auth.signup(options));
  }
}

/** A short-lived client for one static call; the static helpers' options double as the call's parameters. */
async function once<T>(options: StaticOptions, run: (client: TiledeskClient) => Promise<T>): Promise<T> {
  const client = new TiledeskClient(options);
  return run(client).finally(() => client.close());
}
