import { TiledeskClient } from '../rest/client.js';
import { AuthenticationError, BadRequestError, ConnectionError, InvalidResponseError, NotFoundError, PermissionDeniedError } from '../rest/errors.js';
import { NO_SUCH_PROJECT } from '../import/conversation.js';
import { UsageError, type CliIO, type SecretRegistry } from './io.js';

/** Connection flags shared by every command (all optional: each falls back to its `TILEDESK_*` variable). */
export const connectionOptions = {
  url: { type: 'string' },
  'ws-url': { type: 'string' },
  project: { type: 'string' },
  token: { type: 'string' },
  email: { type: 'string' },
  password: { type: 'string' },
} as const;

export interface ConnectionFlags {
  url?: string | undefined;
  'ws-url'?: string | undefined;
  project?: string | undefined;
  token?: string | undefined;
  email?: string | undefined;
  password?: string | undefined;
}

const connectionHelp = (wsUrl: string) => `Connection (flags win over environment variables):
  --url <url>         TILEDESK_URL          REST API root, e.g. http://localhost:3000 or https://api.tiledesk.com/v3
${wsUrl}
  --project <id>      TILEDESK_PROJECT_ID   project id
  --token <jwt>       TILEDESK_TOKEN        an owner, admin or agent token ("JWT eyJ…" or bare)
  --email <email>     TILEDESK_EMAIL        or sign in with e-mail and password
  --password <pw>     TILEDESK_PASSWORD     (prefer the variable: flags show up in the process list)`;

export const CONNECTION_HELP = connectionHelp(`  --ws-url <url>      TILEDESK_WS_URL       realtime URL; derived from the REST URL when it has no path
                                            (ws://host:port/), required otherwise (e.g. wss://eu.rtmv3.tiledesk.com/api/)`);

/**
 * For `import`, which opens no realtime connection: its help said --ws-url was "required otherwise". Still accepted
 * (and TILEDESK_WS_URL read), so that one set of settings fits every command.
 */
export const IMPORT_CONNECTION_HELP = connectionHelp('  --ws-url <url>      TILEDESK_WS_URL       not used by import (the realtime URL of tail and demo)');

/** Resolved settings: where the server is, which project, and how to sign in. */
export interface Connection {
  baseUrl: string;
  /** Undefined when it could not be derived and was not given (only commands that need it ask for it). */
  wsUrl: string | undefined;
  projectId: string;
  credentials: { token: string } | { email: string; password: string };
}

/** Whether any connection setting is given (flags or environment): the demo then runs against that server. */
export function hasConnectionSettings(flags: ConnectionFlags, env: CliIO['env']): boolean {
  const names = ['TILEDESK_URL', 'TILEDESK_WS_URL', 'TILEDESK_PROJECT_ID', 'TILEDESK_TOKEN', 'TILEDESK_EMAIL', 'TILEDESK_PASSWORD'];
  const given = (Object.keys(connectionOptions) as (keyof ConnectionFlags)[]).some((key) => flags[key] !== undefined);
  return given || names.some((n) => nonEmpty(env[n]) !== undefined);
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

/**
 * Why a URL setting is refused, naming the setting and what it should be. Never its value, not even in part: a
 * mistyped URL (`https//user:password@host`, a space in the password) is exactly the one whose credentials no parser
 * found, so no redaction can be relied on to hide them.
 */
function invalidUrl(setting: string, problem: string, example: string): UsageError {
  return new UsageError(`Invalid setting ${setting}: ${problem}; expected an absolute URL such as ${example} (the value is not shown: it may hold credentials)`);
}

/**
 * A URL setting parsed and checked: one of `schemes`, no credentials. Errors name the setting and never quote it;
 * `shown` is how they spell the expected start (`http:// or https://`).
 */
function parseUrl(value: string, setting: string, schemes: readonly string[], shown: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidUrl(setting, `not a URL (check that it starts with ${shown})`, example);
  }
  if (!schemes.includes(url.protocol)) throw invalidUrl(setting, `it does not start with ${shown}`, example);
  if (url.username || url.password) {
    throw new UsageError(`Invalid setting ${setting}: put credentials in TILEDESK_EMAIL/TILEDESK_PASSWORD or TILEDESK_TOKEN, not in the URL`);
  }
  return url;
}

function parseHttpUrl(value: string, setting: string): URL {
  const example = 'http://localhost:3000 or https://api.tiledesk.com/v3';
  const url = parseUrl(value, setting, ['http:', 'https:'], 'http:// or https://', example);
  // The REST client refuses them too, but as an unexpected error (exit 1) naming `baseUrl`, not the setting to fix.
  if (url.search || url.hash) throw invalidUrl(setting, 'it has a query or a fragment (the API root has neither)', example);
  return url;
}

/**
 * Reads the connection from flags, then `TILEDESK_*` variables. Every missing setting is named in one error, with
 * the flag and the variable that provide it. Secret values are registered so no later message can print them.
 */
export function resolveConnection(
  flags: ConnectionFlags,
  env: CliIO['env'],
  secrets: SecretRegistry,
  needs: { webSocket: boolean },
): Connection {
  const url = nonEmpty(flags.url) ?? nonEmpty(env.TILEDESK_URL);
  const wsFlag = nonEmpty(flags['ws-url']) ?? nonEmpty(env.TILEDESK_WS_URL);
  const projectId = nonEmpty(flags.project) ?? nonEmpty(env.TILEDESK_PROJECT_ID);
  const token = nonEmpty(flags.token) ?? nonEmpty(env.TILEDESK_TOKEN);
  const email = nonEmpty(flags.email) ?? nonEmpty(env.TILEDESK_EMAIL);
  // Not trimmed (a password may start or end with a space), but an empty flag falls back as other settings' do.
  const password = flags.password || env.TILEDESK_PASSWORD;
  secrets.add(token);
  secrets.add(password);

  const missing: string[] = [];
  if (!url) missing.push('the API URL: pass --url <url> or set TILEDESK_URL (e.g. http://localhost:3000)');
  if (!projectId) missing.push('the project id: pass --project <id> or set TILEDESK_PROJECT_ID');
  if (!token) {
    if (!email && !password) {
      missing.push('credentials: set TILEDESK_TOKEN (or --token), or TILEDESK_EMAIL and TILEDESK_PASSWORD (or --email and --password)');
    } else if (!email) {
      missing.push('the e-mail to sign in with: pass --email or set TILEDESK_EMAIL (a password alone is not enough)');
    } else if (!password) {
      missing.push(`the password for ${email}: set TILEDESK_PASSWORD (or pass --password)`);
    }
  }

  let baseUrl: URL | undefined;
  if (url) baseUrl = parseHttpUrl(url, flags.url ? '--url' : 'TILEDESK_URL');
  let wsUrl: string | undefined;
  if (wsFlag) {
    wsUrl = checkWsUrl(wsFlag, flags['ws-url'] ? '--ws-url' : 'TILEDESK_WS_URL');
  } else if (baseUrl) {
    wsUrl = deriveWsUrl(baseUrl);
    if (!wsUrl && needs.webSocket) {
      missing.push(
        `the realtime URL: the API URL has a path (${baseUrl.pathname}), so the WebSocket URL cannot be derived from it; ` +
          'pass --ws-url or set TILEDESK_WS_URL (Tiledesk cloud: wss://eu.rtmv3.tiledesk.com/api/)',
      );
    }
  }

  if (missing.length === 1) throw new UsageError(`Missing setting: ${missing[0]}.`);
  if (missing.length > 1) throw new UsageError(`Missing settings:\n${missing.map((m) => `  - ${m}`).join('\n')}`);

  return {
    baseUrl: baseUrl!.href.replace(/\/+$/, ''),
    wsUrl,
    projectId: projectId!,
    credentials: token ? { token } : { email: email!, password: password! },
  };
}

/** Self-hosted servers serve the WebSocket on the API's host at `/`; with a path prefix the URL is deployment-specific. */
function deriveWsUrl(base: URL): string | undefined {
  // `http://host:3000//` is the root too: the REST client drops trailing slashes.
  if (base.pathname.replace(/\/+$/, '') !== '') return undefined;
  return `${base.protocol === 'https:' ? 'wss:' : 'ws:'}//${base.host}/`;
}

function checkWsUrl(value: string, setting: string): string {
  // http(s) is accepted too: the client turns it into ws(s).
  const url = parseUrl(value, setting, ['ws:', 'wss:', 'http:', 'https:'], 'ws:// or wss://', 'ws://localhost:3000/ or wss://eu.rtmv3.tiledesk.com/api/');
  if (url.searchParams.has('token')) {
    throw new UsageError(`Invalid setting ${setting}: leave the token out of the URL; set TILEDESK_TOKEN instead`);
  }
  return url.href;
}

/**
 * The token for REST and the WebSocket. E-mail and password are exchanged once, up front, so a wrong password is
 * reported at once and clearly, not as a realtime handshake failure later. `undefined` when `signal` aborted the
 * sign-in: Ctrl-C, which each command ends as it ends any Ctrl-C.
 */
export async function obtainToken(connection: Connection, secrets: SecretRegistry, signal: AbortSignal): Promise<string | undefined> {
  if ('token' in connection.credentials) return connection.credentials.token;
  const { email, password } = connection.credentials;
  const client = new TiledeskClient({ baseUrl: connection.baseUrl, timeout: 15_000 });
  try {
    const { token } = await client.auth.signin({ email, password }, { signal });
    secrets.add(token);
    return token;
  } catch (error) {
    if (signal.aborted) return undefined;
    if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) {
      // Exit 1 as for a refused token: the settings were well formed, the server said no.
      throw new Error(`Sign-in refused for ${email}: check TILEDESK_EMAIL and TILEDESK_PASSWORD (or --email/--password).`);
    }
    // A web page (the dashboard's URL, the cloud API without /v3) answers the sign-in with HTML, or a 404; a
    // self-hosted server given a path (…/v3, …/api) reads its first segment as a project id.
    if (error instanceof InvalidResponseError || error instanceof NotFoundError || isNoSuchProject(error)) throw notTheApi(connection, error);
    throw describeConnectionError(error, connection.baseUrl);
  } finally {
    await client.close();
  }
}

/**
 * Turns "cannot reach the server" and "https:// for a plain-HTTP server" into a message naming the URL and the
 * setting. Other errors pass through.
 */
export function describeConnectionError(error: unknown, baseUrl: string): unknown {
  if (error instanceof ConnectionError && error.neverConnected) {
    return new Error(`Cannot reach ${baseUrl} (${error.causeCode ?? error.code}). Check TILEDESK_URL / --url and that the server is running.`);
  }
  if (error instanceof ConnectionError && error.causeCode === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return new Error(`${baseUrl} does not answer TLS (${error.causeCode}). Check TILEDESK_URL / --url: a server that speaks plain HTTP (self-hosted on its port 3000, the local one) needs http://.`);
  }
  return error;
}

function isNoSuchProject(error: unknown): error is BadRequestError {
  return error instanceof BadRequestError && NO_SUCH_PROJECT.test(error.serverMessage ?? '');
}

function notTheApi(connection: Connection, error: Error): Error {
  return new Error(
    `${connection.baseUrl} does not answer like the Tiledesk API (${error.message}). ` +
      'Check TILEDESK_URL / --url: the REST API root, e.g. http://localhost:3000 or https://api.tiledesk.com/v3.',
  );
}

/**
 * One call before the work starts (before a file is counted, a WebSocket opened), so that the setting at fault is
 * named at once: an unreachable server, a project id the server does not know, a path in the URL that the server
 * reads as a project id, a refused token, a visitor's token. Any other answer lets the command go on. Returns quietly
 * when `signal` aborted the call: each command ends that as any Ctrl-C.
 */
export async function checkAccess(client: TiledeskClient, connection: Connection, signal: AbortSignal): Promise<void> {
  try {
    await client.projectUsers.me({ signal, maxRetries: 0, timeout: 15_000 });
  } catch (error) {
    if (signal.aborted) return;
    const { projectId } = connection;
    const who = 'email' in connection.credentials ? connection.credentials.email : 'The token';
    if (isNoSuchProject(error)) {
      // The server names the first segment of the path: the project id, or a path the URL should not have.
      const named = NO_SUCH_PROJECT.exec(error.serverMessage ?? '')?.[1]?.trim();
      if (named !== projectId && new URL(connection.baseUrl).pathname.split('/')[1] === named) throw notTheApi(connection, error);
      throw new Error(`The server has no active project ${projectId} (${error.serverMessage}). Check TILEDESK_PROJECT_ID / --project.`);
    }
    if (error instanceof AuthenticationError) {
      throw new Error(
        'token' in connection.credentials
          ? `The server refused the token (${error.message}): check TILEDESK_TOKEN / --token (an owner, admin or agent token of project ${projectId}).`
          : `The server refused the token it gave ${who} (${error.message}): check TILEDESK_URL / --url.`,
      );
    }
    if (error instanceof PermissionDeniedError && error.reason === 'not_member') {
      throw new Error(`${who} is not a member of project ${projectId} (${error.serverMessage}). Check TILEDESK_PROJECT_ID / --project, or use an account of that project.`);
    }
    if (error instanceof PermissionDeniedError && (error.reason === 'role' || error.reason === 'permission')) {
      throw new Error(
        `${who} has no owner, admin or agent role in project ${projectId} (${error.serverMessage}). ` +
          "Use such an account (a visitor's token is not enough): check TILEDESK_TOKEN, or TILEDESK_EMAIL/TILEDESK_PASSWORD.",
      );
    }
    const described = describeConnectionError(error, connection.baseUrl);
    if (described !== error) throw described;
    // Any other answer: the server is there, and the command reports what goes wrong later in its own words.
  }
}
