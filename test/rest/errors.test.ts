/**
 * Error mapping for every server error shape (§5 of the protocol notes) and the promise that no token, password or
 * Basic credential ever shows up in an error's message, cause, toJSON, util.inspect, stack, hooks or logs.
 */
import { inspect } from 'node:util';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  TiledeskClient,
  TiledeskError,
  UnprocessableEntityError,
  type FetchLike,
  type Logger,
  type TiledeskClientOptions,
} from '../../src/index.js';
import { redact, redactSecrets } from '../../src/shared/token.js';

const base = 'https://api.example.test';
const pid = '64f0c0ffee0000000000beef';
const mock = setupServer();
beforeAll(() => mock.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mock.resetHandlers());
afterAll(() => mock.close());

const fetchViaMsw: FetchLike = (url, init) => globalThis.fetch(url, init);

function answer(status: number, body: string | object, headers: Record<string, string> = {}) {
  mock.use(http.all('*', () =>
    typeof body === 'string'
      ? new HttpResponse(body, { status, headers: { 'content-type': 'text/plain', ...headers } })
      : HttpResponse.json(body, { status, headers })));
}

function client(options: Partial<TiledeskClientOptions> = {}) {
  return new TiledeskClient({ baseUrl: base, projectId: pid, auth: { token: 'JWT aaaaaaaaaa.bbbbbbbbbb.cccccccccc' }, fetch: fetchViaMsw, maxRetries: 0, ...options });
}

async function failure(p: PromiseLike<unknown>): Promise<APIError> {
  const e = await Promise.resolve(p).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(APIError);
  expect(e).toBeInstanceOf(TiledeskError);
  return e as APIError;
}

describe('every server error shape becomes a typed error', () => {
  const cases: [string, number, string | object, new (...a: never[]) => APIError, string, string][] = [
    ['project middleware 400', 400, { error: `Invalid project id: ${pid}` }, BadRequestError, 'bad_request', `Invalid project id: ${pid}`],
    ['passport 400 (plain text)', 400, 'Bad Request', BadRequestError, 'bad_request', 'Bad Request'],
    ['route 400 with message', 400, { success: false, message: 'No tag specified' }, BadRequestError, 'bad_request', 'No tag specified'],
    ['passport 401 (plain text)', 401, 'Unauthorized', AuthenticationError, 'unauthorized', 'Unauthorized'],
    ['signin 401', 401, { success: false, msg: 'Authentication failed. Wrong password.' }, AuthenticationError, 'unauthorized', 'Authentication failed. Wrong password.'],
    ['ip filter 401', 401, { err: 'error project ip filter' }, AuthenticationError, 'unauthorized', 'error project ip filter'],
    ['role 403', 403, { success: false, msg: 'you dont have the required role.' }, PermissionDeniedError, 'forbidden', 'you dont have the required role.'],
    ['route 404', 404, { success: false, msg: 'Object not found.' }, NotFoundError, 'not_found', 'Object not found.'],
    ['multi 404', 404, { success: false, msg: "Request doesn't exist.", err: null }, NotFoundError, 'not_found', "Request doesn't exist."],
    ['body limit 413', 413, { err: 'Request entity too large', limit: 512000 }, PayloadTooLargeError, 'payload_too_large', 'Request entity too large'],
    ['webhook 429', 429, { message: 'Rate limit exceeded' }, RateLimitError, 'rate_limited', 'Rate limit exceeded'],
    ['route 500', 500, { success: false, msg: 'Error getting requests.', err: {} }, InternalServerError, 'server_error', 'Error getting requests.'],
    ['app 500 (malformed JSON body)', 500, { err: 'error' }, InternalServerError, 'server_error', 'error'],
    ['unexpected 409', 409, { message: 'conflict' }, APIError, 'http_error', 'conflict'],
  ];
  for (const [what, status, body, Class, code, serverMessage] of cases) {
    it(what, async () => {
      answer(status, body);
      const e = await failure(client().requests.get('r1'));
      expect(e).toBeInstanceOf(Class);
      expect(e.status).toBe(status);
      expect(e.code).toBe(code);
      expect(e.method).toBe('GET');
      expect(e.path).toBe(`/${pid}/requests/r1`);
      expect(e.serverMessage).toBe(serverMessage);
      expect(e.body).toBe(typeof body === 'string' ? body : JSON.stringify(body));
      expect(e.message).toBe(`${status} ${serverMessage} (GET /${pid}/requests/r1)`);
    });
  }

  it('403 reasons are told apart', async () => {
    const reasons: [string, string][] = [
      ['you dont belong to the project.', 'not_member'],
      ['you dont have the required role.', 'role'],
      ['you dont have the required permission. Is is empty', 'permission'],
      ['You must be among the participants to close a conversation.', 'not_participant'],
      ['Requests quota exceeded', 'quota'],
    ];
    for (const [msg, reason] of reasons) {
      answer(403, { success: false, msg });
      expect(((await failure(client().requests.get('r1'))) as PermissionDeniedError).reason).toBe(reason);
    }
  });

  it('a 403 whose reason is in `err` under a generic `message` (a message to a form conversation one does not belong to)', async () => {
    // The real server's shape (protocol §5, messages route): `message` says only what failed, `err` says why.
    answer(403, { success: false, message: 'Error creating message', err: "You don't belong the conversation" });
    const e = (await failure(client().requests.get('r1'))) as PermissionDeniedError;
    expect(e.serverMessage).toBe('Error creating message');
    expect(e.reason).toBe('not_participant');
  });

  it('both 422 shapes become {field, message} lists', async () => {
    answer(422, { errors: [{ value: '', msg: 'Invalid value', param: 'first_text', location: 'body' }] });
    let e = (await failure(client().requests.get('r1'))) as UnprocessableEntityError;
    expect(e.fieldErrors).toEqual([{ field: 'first_text', message: 'Invalid value', location: 'body' }]);
    expect(e.serverMessage).toBe('first_text: Invalid value');

    answer(422, { errors: ['text field is required'] });
    e = (await failure(client().requests.get('r1'))) as UnprocessableEntityError;
    expect(e.fieldErrors).toEqual([{ field: 'text', message: 'text field is required' }]);
  });

  it('express-validator 7 names the field `path` (6 said `param`): read as the field too', async () => {
    answer(422, { errors: [{ type: 'field', value: '', msg: 'Invalid value', path: 'first_text', location: 'body' }] });
    const e = (await failure(client().requests.get('r1'))) as UnprocessableEntityError;
    expect(e.fieldErrors).toEqual([{ field: 'first_text', message: 'Invalid value', location: 'body' }]);
    expect(e.serverMessage).toBe('first_text: Invalid value');
  });

  it('413 carries the server’s limit', async () => {
    answer(413, { err: 'Request entity too large', limit: 512000 });
    expect(((await failure(client().requests.get('r1'))) as PayloadTooLargeError).limit).toBe(512000);
  });

  it('a 200 with success:false from an auth endpoint is an error, not a result', async () => {
    answer(200, { success: false, msg: 'Please pass email and password.' });
    const e = await failure(client().auth.signup({ email: 'a@b.c', password: 'pw-123', firstname: 'A', lastname: 'B' }));
    expect(e.serverMessage).toBe('Please pass email and password.');
  });
});

describe('secrets never leak', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJfaWQiOiJ1MSIsInN1YiI6InVzZXIifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
  const password = 'correct horse "battery" staple';
  const email = 'owner@example.com';
  const basic = Buffer.from(`${email}:${password}`).toString('base64');
  const forbidden = [jwt, password, JSON.stringify(password).slice(1, -1), basic];

  function everything(e: unknown, logs: string[]): string {
    const err = e as Error & { cause?: unknown };
    return [
      String(err), err.message, err.stack ?? '', JSON.stringify(err), inspect(err, { depth: 10, showHidden: true }),
      inspect(err.cause, { depth: 10, showHidden: true }), JSON.stringify(err.cause ?? null), ...logs,
    ].join('\n');
  }

  function capture(): { logger: Logger; hooks: TiledeskClientOptions['hooks']; logs: string[] } {
    const logs: string[] = [];
    const log = (...a: unknown[]) => logs.push(JSON.stringify(a));
    return {
      logs,
      logger: { debug: log, info: log, warn: log },
      hooks: { onRequest: (e) => log(e), onResponse: (e) => log(e), onRetry: (e) => log(e, inspect(e.error)), onError: (e) => log(e, inspect(e.error)) },
    };
  }

  it('a token echoed by the server, in every view of the error, hooks and logs', async () => {
    answer(500, { success: false, msg: `Bad token JWT ${jwt}`, echo: { authorization: `JWT ${jwt}`, url: `/x?secret_token=JWT%20${jwt}` } }, { 'set-cookie': `sid=${jwt}` });
    const { logger, hooks, logs } = capture();
    const e = await failure(client({ auth: { token: `JWT ${jwt}` }, logger, hooks, maxRetries: 1, retryDelay: { baseDelayMs: 1, maxDelayMs: 1 } }).requests.list());
    const all = everything(e, logs);
    for (const secret of forbidden) expect(all).not.toContain(secret);
    expect(logs.length).toBeGreaterThan(4);
    expect(all).toContain('[redacted]');
  });

  it('a password echoed in a 422 (express-validator `value`) and Basic credentials', async () => {
    answer(422, { errors: [{ value: password, msg: 'Invalid value', param: 'password', location: 'body' }] });
    const { logger, hooks, logs } = capture();
    const e = await failure(client({ auth: { basic: { email, password } }, logger, hooks }).users.me());
    const all = everything(e, logs);
    for (const secret of forbidden) expect(all).not.toContain(secret);
    expect((e as UnprocessableEntityError).fieldErrors[0]!.field).toBe('password');
  });

  it('the password of a failed sign-in', async () => {
    answer(401, { success: false, msg: `Authentication failed for ${email} with password ${password}` });
    const { logger, hooks, logs } = capture();
    const e = await failure(client({ auth: { email, password }, logger, hooks }).users.me());
    expect(e).toBeInstanceOf(AuthenticationError);
    for (const secret of forbidden) expect(everything(e, logs)).not.toContain(secret);
  });

  it('a transport error quoting the URL with a token, the Authorization header and the password', async () => {
    const leaky: FetchLike = async (url, init) => {
      const inner = Object.assign(
        new Error(`connect ECONNREFUSED ${url}?token=JWT%20${jwt} Authorization: ${init.headers.authorization} body=${password} https://${email}:${encodeURIComponent(password)}@host/`),
        { code: 'ECONNREFUSED' },
      );
      throw new TypeError('fetch failed', { cause: inner });
    };
    const { logger, hooks, logs } = capture();
    const e = await failure(client({ auth: { basic: { email, password } }, fetch: leaky, logger, hooks, maxRetries: 0 }).requests.list());
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as ConnectionError).causeCode).toBe('ECONNREFUSED');
    const all = everything(e, logs);
    for (const secret of [...forbidden, encodeURIComponent(password)]) expect(all).not.toContain(secret);
  });

  it('the password of a static signin or signup whose transport error quotes the request body', async () => {
    // Logging and proxy fetch wrappers often quote the request in their errors.
    const quoting: FetchLike = async (url, init) => {
      throw new TypeError(`request to ${url} failed, body=${init.body}`);
    };
    const { logger, hooks, logs } = capture();
    const opts = { baseUrl: base, fetch: quoting, maxRetries: 0, logger, hooks };
    for (const call of [
      () => TiledeskClient.signin({ ...opts, email, password }),
      () => TiledeskClient.signup({ ...opts, email, password, firstname: 'Ada', lastname: 'Lovelace' }),
    ]) {
      const e = await failure(call());
      expect(e).toBeInstanceOf(ConnectionError);
      expect(e.message).toContain('"password":"[redacted]"');
      for (const secret of forbidden) expect(everything(e, logs)).not.toContain(secret);
    }
  });

  it('a 2xx the call cannot use (an HTML page, a sign-in answer without its token) that echoes the password', async () => {
    // A captive portal's page, and a proxy that answers a sign-in with what it was sent.
    for (const body of [`<html>Signed in as ${email} (${password})</html>`, { success: true, echo: { email, password } }]) {
      answer(200, body);
      const { logger, hooks, logs } = capture();
      const e = await failure(TiledeskClient.signin({ baseUrl: base, fetch: fetchViaMsw, maxRetries: 0, logger, hooks, email, password }));
      expect(e.name).toBe('InvalidResponseError');
      expect(e.body).toContain('[redacted]');
      for (const secret of forbidden) expect(everything(e, logs)).not.toContain(secret);
    }
  });

  it("a token in a call's query (a search for a token a customer pasted) in hooks, logs and the error's path", async () => {
    answer(500, { success: false, msg: 'Error getting requests.' });
    const { logger, hooks, logs } = capture();
    const e = await failure(client({ logger, hooks }).requests.list({ full_text: jwt }));
    expect(logs.length).toBeGreaterThan(2);
    for (const secret of forbidden) expect(everything(e, logs)).not.toContain(secret);
  });

  it('the token a call was sent with, after another call refreshed it (opaque tokens only the SDK can recognise)', async () => {
    const tokens = ['opaque-token-one-8f3a91', 'opaque-token-two-2c7d40'];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    mock.use(http.all('*', async ({ request }) => {
      const sent = request.headers.get('authorization')?.replace(/^JWT /, '');
      // A server that quotes the token it refused, without its scheme.
      if (new URL(request.url).pathname.endsWith('/requests/r1')) {
        await held;
        return HttpResponse.json({ success: false, msg: `Error for session ${sent}` }, { status: 500 });
      }
      return sent === tokens[1] ? HttpResponse.json({ _id: 'u1', email }) : new HttpResponse('Unauthorized', { status: 401 });
    }));
    const { logger, hooks, logs } = capture();
    const c = client({ auth: { tokenProvider: ({ reason }) => (reason === 'initial' ? tokens[0]! : tokens[1]!) }, logger, hooks });
    const pending = failure(c.requests.get('r1')); // sent with the first token, answered after the refresh
    expect((await c.users.me())._id).toBe('u1'); // a 401, a refresh, then the second token
    release();
    const e = await pending;
    expect(e.serverMessage).toBe('Error for session [redacted]');
    for (const secret of tokens) expect(everything(e, logs)).not.toContain(secret);
  });

  it('Basic credentials a proxy echoes bare, without their `Basic` scheme', async () => {
    answer(401, { success: false, msg: `credentials ${basic} refused` });
    const { logger, hooks, logs } = capture();
    const e = await failure(client({ auth: { basic: { email, password } }, logger, hooks }).users.me());
    expect(e.serverMessage).toBe('credentials [redacted] refused');
    for (const secret of forbidden) expect(everything(e, logs)).not.toContain(secret);
  });

  it('the custom token of signinWithCustomToken, even one that does not look like a JWT', async () => {
    const opaque = 'opaque-custom-token-9f1c2e';
    answer(401, { success: false, msg: `Refused token ${opaque}` });
    const { logger, hooks, logs } = capture();
    const e = await failure(client({ logger, hooks }).auth.signinWithCustomToken({ token: opaque }));
    expect(e).toBeInstanceOf(AuthenticationError);
    const all = everything(e, logs);
    expect(all).not.toContain(opaque);
    expect(all).toContain('Refused token [redacted]');
  });

  it('request headers in hooks are redacted', async () => {
    answer(200, { perPage: 40, count: 0, requests: [] });
    const { hooks, logs } = capture();
    await client({ auth: { token: jwt }, hooks, headers: { cookie: `sid=${jwt}` } }).requests.list();
    expect(logs.join('\n')).not.toContain(jwt);
    expect(logs.join('\n')).toContain('"authorization":"[redacted]"');
  });
});

describe('redact: what it removes from messages, URLs and bodies', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
  it.each([
    [`${jwt}`, '[redacted-jwt]'],
    [`token was ${jwt}, refused`, 'token was [redacted-jwt], refused'],
    [`{"token":"${jwt}"}`, '{"token":"[redacted-jwt]"}'],
    [`Authorization: Bearer abc.def-ghi`, 'Authorization: Bearer [redacted]'],
    [`wss://host/?token=${jwt}&x=1`, 'wss://host/?token=[redacted]&x=1'],
    ['GET https://ann:secret@host/api failed', 'GET https://[redacted]@host/api failed'],
    ['(https://ann:secret@host/api)', '(https://[redacted]@host/api)'],
    // Opaque values: only their place tells they are credentials.
    ['Authorization: Basic YW5uOnNlY3JldA==', 'Authorization: Basic [redacted]'],
    ['redirect to https://app/#/?jwt=JWT%20opaque-1234&x=1', 'redirect to https://app/#/?jwt=[redacted]&x=1'],
    ['GET /x?secret_token=opaque-1234', 'GET /x?secret_token=[redacted]'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('redactSecrets masks a secret verbatim and JSON-escaped, but ignores one under 3 characters (it would shred the text)', () => {
    expect(redactSecrets('value "pa\\"ss" and pa"ss', ['pa"ss'])).toBe('value "[redacted]" and [redacted]');
    expect(redactSecrets('Invalid value for field', ['a', 'va', undefined, ''])).toBe('Invalid value for field');
  });

  it('leaves long runs of letters and ordinary dotted names alone (and reads them in linear time: bench/rest/redact.mjs)', () => {
    const run = 'a'.repeat(40_000);
    expect(redact(run)).toBe(run);
    expect(redact(`${run}://`)).toBe(`${run}://`);
    expect(redact('see docs.example.com and v1.2.3')).toBe('see docs.example.com and v1.2.3');
    // Three dotted words of 8+ letters used to read as a JWT: a message path, a host name, a package name.
    for (const name of ['attributes.messagelabel.parameters.member_id', 'tiledesk.eu-west-1.internal1', 'services.realtime1.handlers']) {
      expect(redact(`at ${name}: refused`)).toBe(`at ${name}: refused`);
    }
  });
});
