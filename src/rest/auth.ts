import { raceSignal } from '../shared/abort.js';
import { bareToken, jwtAuthorization } from '../shared/token.js';
import { TokenProviderError, ValidationError } from './errors.js';

/** Why the token provider is being asked: the first call that needs a token, or a 401 on the current one. */
export interface TokenProviderContext {
  reason: 'initial' | 'unauthorized';
  signal: AbortSignal;
}

/**
 * How a client authenticates. Tokens work with or without the `JWT ` prefix the server puts on them.
 *
 * - `{ token }`: a token from `signin*`, a custom token exchanged earlier, a bot or subscription token.
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
  private value: string | undefined;
  private pending: Promise<string> | undefined;
  private readonly fetchToken: ((ctx: TokenProviderContext) => Promise<string>) | undefined;
  private password: string | undefined;
  private basicSecret: string | undefined;
  /** The current and the previous bare token: enough to mask what an in-flight call may still carry. */
  private tokens: string[] = [];

  constructor(
    auth: AuthOptions | undefined,
    signin: (email: string, password: string, signal: AbortSignal) => Promise<string>,
  ) {
    if (!auth) return;
    if ('token' in auth) {
      if (typeof auth.token !== 'string' || !bareToken(auth.token)) throw new ValidationError('auth.token', 'must be a non-empty string');
      this.setToken(auth.token);
    } else if ('tokenProvider' in auth) {
      if (typeof auth.tokenProvider !== 'function') throw new ValidationError('auth.tokenProvider', 'must be a function');
      const provider = auth.tokenProvider;
      this.fetchToken = async (ctx) => {
        let token: unknown;
        try {
          token = await provider(ctx);
        } catch (e) {
          throw new TokenProviderError('the token provider failed', e);
        }
        if (typeof token !== 'string' || !bareToken(token)) throw new TokenProviderError('the token provider returned no token');
        return token;
      };
    } else if ('basic' in auth) {
      const { email, password } = auth.basic ?? {};
      checkCredentials(email, password, 'auth.basic.');
      this.password = password;
      this.basicSecret = base64Utf8(`${email}:${password}`);
      this.value = `Basic ${this.basicSecret}`;
    } else if ('email' in auth) {
      checkCredentials(auth.email, auth.password, 'auth.');
      this.password = auth.password;
      const { email, password } = auth;
      this.fetchToken = (ctx) => signin(email, password, ctx.signal);
    } else {
      throw new ValidationError('auth', 'expected { token }, { tokenProvider }, { email, password } or { basic: { email, password } }');
    }
  }

  /** Known secrets (password, Basic credentials, tokens) to mask in anything the SDK prints. */
  get secrets(): (string | undefined)[] {
    return [this.password, this.basicSecret, ...this.tokens];
  }

  /** Whether a 401 can be answered by fetching a new token. */
  get refreshable(): boolean {
    return this.fetchToken !== undefined;
  }

  /** The `Authorization` header value, fetching a token first if needed. */
  authorization(signal: AbortSignal | undefined): string | Promise<string> | undefined {
    if (this.value !== undefined) return this.value;
    if (!this.fetchToken) return undefined;
    return this.refresh('initial', signal);
  }

  /**
   * Called after a 401 obtained with `usedValue`. Resolves to a new header value, or `undefined` when no refresh is
   * possible. If another call already refreshed since, its value is reused instead of asking again.
   */
  async afterUnauthorized(usedValue: string | undefined, signal: AbortSignal | undefined): Promise<string | undefined> {
    if (!this.fetchToken) return undefined;
    if (this.value !== undefined && this.value !== usedValue) return this.value;
    if (this.value === usedValue) this.value = undefined;
    return this.refresh('unauthorized', signal);
  }

  private refresh(reason: TokenProviderContext['reason'], signal: AbortSignal | undefined): Promise<string> {
    // The shared fetch must not die with the first caller's signal: give it its own, and let each caller stop waiting.
    this.pending ??= this.fetchToken!({ reason, signal: new AbortController().signal })
      .then((token) => {
        this.setToken(token);
        return this.value!;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return raceSignal(this.pending, signal);
  }

  private setToken(token: string): void {
    this.value = jwtAuthorization(token);
    this.tokens = [bareToken(token), ...this.tokens.slice(0, 1)];
  }
}

function checkCredentials(email: unknown, password: unknown, prefix: string): asserts password is string {
  if (typeof email !== 'string' || !email) throw new ValidationError(`${prefix}email`, 'must be a non-empty string');
  if (typeof password !== 'string' || !password) throw new ValidationError(`${prefix}password`, 'must be a non-empty string');
}

/** `btoa` only takes Latin-1; passwords are UTF-8. */
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
