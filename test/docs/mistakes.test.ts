/**
 * docs/rest.md's table of the usual first mistakes (a wrong password, an unknown project, a server not running, a
 * wrong URL scheme, an unset variable…) says what each throws and with which message: each row is made here against
 * the local server, and its class and message checked against the table, so the table cannot drift from the client.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TiledeskClient } from '../../src/index.js';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { root } from '../helpers/doc-examples.js';
import { refusedPort } from '../helpers/net.js';

interface Row {
  mistake: string;
  thrown: string;
  message: string;
}

/** The rows of the table headed `| mistake | thrown | message |`: the first code span of `thrown` and of `message`. */
function tableRows(): Row[] {
  const markdown = readFileSync(`${root}docs/rest.md`, 'utf8');
  const table = markdown.slice(markdown.indexOf('| mistake | thrown | message |')).split('\n\n')[0]!;
  const code = (cell: string) => /`([^`]+)`/.exec(cell)?.[1] ?? '';
  return table
    .split('\n')
    .slice(2)
    .map((line) => {
      const [mistake = '', thrown = '', message = ''] = line.split(' | ').map((cell) => cell.replace(/^\| /, '').replace(/ \|$/, ''));
      return { mistake, thrown: code(thrown), message: code(message) };
    });
}

/** The table's message as a pattern: `…` stands for any text. */
function pattern(message: string): RegExp {
  return new RegExp(`^${message.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*?')}$`, 's');
}

let server: TiledeskTestServer;
let deadPort: number;
beforeAll(async () => {
  server = await startTiledeskServer();
  deadPort = await refusedPort();
});
afterAll(() => server.close());

describe("docs/rest.md's usual mistakes", () => {
  /** Each mistake, in the table's order; the error it throws, with the test's ports written as the table's 3000. */
  const mistakes: [string, () => Promise<unknown>][] = [
    ['a wrong password', () => TiledeskClient.signin({ baseUrl: server.url, email: server.owner.email, password: 'not-the-password' })],
    ['an e-mail with no account', () => TiledeskClient.signin({ baseUrl: server.url, email: 'nobody@example.com', password: 'pw' })],
    ['a project id the server does not know', () => call({ projectId: '65f000000000000000000000' }, (c) => c.requests.list())],
    ['a path on a self-hosted', () => call({ baseUrl: `${server.url}/v3` }, (c) => c.requests.list())],
    ['the server is not running', () => call({ baseUrl: `http://127.0.0.1:${deadPort}` }, (c) => c.requests.list())],
    ['`https://` for a plain-HTTP server', () => call({ baseUrl: server.url.replace('http:', 'https:') }, (c) => c.requests.list())],
    ['no scheme', () => call({ baseUrl: process.env.TILEDESK_NO_SUCH_VARIABLE! }, (c) => c.requests.list())],
    ['no `projectId`', () => call({ projectId: undefined }, (c) => c.requests.list())],
    ['an unset e-mail or password variable', () => call({ auth: { email: process.env.TILEDESK_NO_SUCH_VARIABLE!, password: 'pw' } }, (c) => c.requests.list())],
  ];

  async function call(options: Partial<ConstructorParameters<typeof TiledeskClient>[0]>, use: (c: TiledeskClient) => PromiseLike<unknown>) {
    const client = new TiledeskClient({
      baseUrl: server.url, projectId: server.project.id, auth: { email: server.owner.email, password: server.owner.password }, maxRetries: 0, ...options,
    });
    try {
      return await use(client);
    } finally {
      await client.close();
    }
  }

  it('has a row for each mistake made here, in order', () => {
    const rows = tableRows();
    expect(rows.map((r) => r.mistake.slice(0, 20))).toEqual(mistakes.map(([m]) => expect.stringContaining(m.slice(0, 20))));
  });

  it.each(mistakes.map(([mistake, make], i) => ({ mistake, make, i })))('$mistake: the class and message the table gives', async ({ make, i }) => {
    const row = tableRows()[i]!;
    const error = await make().then(() => undefined, (e: unknown) => e as Error);
    expect(error, row.mistake).toBeInstanceOf(Error);
    expect(error!.name).toBe(row.thrown);
    const message = error!.message
      .replaceAll(`https://127.0.0.1:${server.port}`, 'https://localhost:3000')
      .replaceAll(`:${deadPort}`, ':3000');
    expect(message).toMatch(pattern(row.message));
  });
});
