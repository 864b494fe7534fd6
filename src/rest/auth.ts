import { bareToken, jwtAuthorization } from '../shared/token.js';
import { TokenProviderError, ValidationError } from './errors.js';
import { requireString } from './resource.js';

/** Why the token provider is being asked: the first call that needs a token, or a 401 on the current one. */
export interface TokenProviderContext {
  reason: 'initial' | 'unauthorized';
  signal: AbortSignal;
}

/**
 * How a client authenticates. Tokens work with or without the `JWT ` prefix the server puts on them.
 *
 * - `{ token }`: a token from `signin*`, a custom token exchanged earlier, a bot or subscription token. One with a
 *   line break, a space or a control character inside is refused when the client is made (`ValidationError`).
 * - `{ tokenProvider }`: called when a token is first needed and once more after a 401 (then the call is retried once).
 * - `{ email, password }`: signs in with `/auth/signin` on first use (one password check, not one per call) and
 *   signs in again once after a 401.
 * - `{ basic: { email, password } }`: HTTP Basic on every call, as `curl -u` in Tiledesk's tutorials.
 */
export type AuthOptions =
  | { token: string }
  | { tokenProvider: (context: TokenProviderContext) => string | Promise<string> }
  | { email: string; password: string }
  | { basic: { email: string; password: string } };

/** Secrets the SDK must never print: passwords and bare tokens, masked in every error body it builds. */
export type SecretSink = (secret: string | undefined) => void;

/**
 * Holds the current `Authorization` value. One instance per client; concurrent calls share one in-flight
 * token fetch, and one refresh per 401 no matter how many calls saw it.
 */
export class AuthState {
  #value: string | undefined;
  #pending: Promise<string> | undefined;
  #fetchToken: ((ctx: TokenProviderContext) => Promise<string>) | undefined;
  /** Password and Basic credentials: never printed. */
  #credentials: string[] = [];
  /** The current and the previous bare token: an in-flight call may still carry the previous one. */
  #tokens: string[] = [];

  constructor(
    auth: AuthOptions | undefined,
    signin: (email: string, password: string, signal: AbortSignal) => Promise<string>,
  ) {
    if (!auth) return;
    if ('token' in auth) {
      if (!usable(auth.token)) throw new ValidationError('auth.token', 'must be printable ASCII');
      this.#setToken(auth.token);
    } else if ('tokenProvider' in auth) {
      const provider = auth.tokenProvider;
      if (typeof provider !== 'function') throw new ValidationError('auth.tokenProvider', 'must be a function');
      this.#fetchToken = async (ctx) => {
        let token: unknown;
        try {
          token = await provider(ctx);
        } catch (e) {
          throw new TokenProviderError('the token provider failed', e);
        }
        if (!usable(token)) throw new TokenProviderError('the token provider returned no usable token');
        return token;
      };
    } else {
      const basic = 'basic' in auth;
      const { email, password } = basic ? auth.basic : auth;
      requireString(email, 'auth.email');
      requireString(password, 'auth.password');
      const credentials = base64Utf8(`${email}:${password}`);
      this.#credentials = [password, credentials];
      if (basic) this.#value = `Basic ${credentials}`;
      else this.#fetchToken = (ctx) => signin(email, password, ctx.signal);
    }
  }

  /** Known secrets (password, Basic credentials, tokens) to mask in anything the SDK prints. */
  get secrets(): readonly string[] {
    return [...this.#credentials, ...this.#tokens];
  }

  /** Whether a 401 can be answered by fetching a new token. */
  get refreshable(): boolean {
    return this.#fetchToken !== undefined;
  }

  /**
   * The `Authorization` header value, fetching a token first if needed. A returned promise is shared by every call
   * waiting for the token: each caller races it against its own signal and timeout.
   */
  authorization(): string | Promise<string> | undefined {
    return this.#value ?? (this.#fetchToken && this.#refresh('initial'));
  }

  /**
   * Called after a 401 obtained with `usedValue`: a new header value (or the shared promise of one, like
   * {@link AuthState.authorization}), or `undefined` when no refresh is possible. If another call already refreshed
   * since, its value is reused instead of asking again.
   */
  afterUnauthorized(usedValue: string | undefined): string | Promise<string> | undefined {
    if (!this.#fetchToken) return undefined;
    if (this.#value !== usedValue && this.#value !== undefined) return this.#value;
    this.#value = undefined;
    return this.#refresh('unauthorized');
  }

  /**
   * A caller timed out waiting for `pending`: if it is still the shared fetch, the next call asks for a new token
   * instead of waiting for this one (a fetch that never settled made every later call time out, for ever).
   */
  giveUp(pending: unknown): void {
    if (pending === this.#pending) this.#pending = undefined;
  }

  #refresh(reason: TokenProviderContext['reason']): Promise<string> {
    // The shared fetch must not die with the first caller's signal: it gets its own, and each caller stops waiting
    // on its own terms.
    const p: Promise<string> = (this.#pending ??= this.#fetchToken!({ reason, signal: new AbortController().signal })
      .then((token) => this.#setToken(token))
      .finally(() => {
        // Unless it was given up and another fetch is the shared one now.
        if (this.#pending === p) this.#pending = undefined;
      }));
    return p;
  }

  #setToken(token: string): string {
    this.#tokens = [bareToken(token), ...this.#tokens.slice(0, 1)];
    return (this.#value = jwtAuthorization(token));
  }
}

/**
 * Printable ASCII once any `JWT ` prefix and surrounding whitespace are off: a line break or a space inside made the
 * transport refuse the header, which surfaced only at the first call, as a connection error (and was retried).
 */
export function usable(token: unknown): token is string {
  return typeof token === 'string' && /^[!-~]+$/.test(bareToken(token));
}

/** `btoa` only takes Latin-1; passwords are UTF-8. */
export function base64Utf8(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}
