/**
 * Every option of `importConversations`, given in turn a value of the wrong kind (what a JavaScript caller or a
 * config file can pass despite the types): the import either runs or rejects with a `ValidationError` naming that
 * option before anything is sent — never a `TypeError` from deep inside the run, and never a half-done import.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APIError, ImportFailedError, TiledeskClient, TiledeskError, ValidationError, importConversations, type RequestEvent } from '../../src/index.js';
import { startTiledeskServer } from '../../src/testing/index.js';
import { dataset } from './helpers.js';

let server: Awaited<ReturnType<typeof startTiledeskServer>>;
let client: TiledeskClient;
let sent: RequestEvent[] = [];

beforeAll(async () => {
  server = await startTiledeskServer();
  client = new TiledeskClient({
    baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token }, timeout: 5_000,
    hooks: { onRequest: (e) => sent.push(e) },
  });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

const HOSTILE: [string, unknown][] = [
  ['null', null],
  ['0', 0],
  ['-1', -1],
  ['NaN', Number.NaN],
  ['1.5', 1.5],
  ['true', true],
  ['a string', 'x'],
  ['an empty object', {}],
  ['an array', []],
  ['a function', () => undefined],
];

const OPTIONS = [
  'projectId', 'concurrency', 'order', 'maxChunkBytes', 'maxChunkMessages', 'requestDefaults', 'namespace', 'checkpoint',
  'checkpointIntervalMs', 'onProgress', 'onConversation', 'progressIntervalMs', 'total', 'signal', 'timeout',
  'maxAttempts', 'retryDelay', 'maxRetryAfterMs', 'settleDelayMs', 'maxWindow', 'maxReportDetails',
] as const;

describe('importConversations: every option of the wrong kind', () => {
  it(`${OPTIONS.length} options × ${HOSTILE.length} values: a ValidationError naming the option before anything is sent, or a run that completes`, async () => {
    const wrong: string[] = [];
    let run = 0;
    for (const option of OPTIONS) {
      for (const [label, value] of HOSTILE) {
        sent = [];
        const conversations = dataset({ conversations: 1, messages: 2, tag: `hostile-${++run}` });
        let outcome: unknown;
        try {
          outcome = await importConversations(client, conversations, { namespace: `hostile-${run}`, settleDelayMs: 0, [option]: value });
        } catch (e) {
          outcome = e;
        }
        if (outcome instanceof ValidationError) {
          if (outcome.field !== option && !outcome.field.startsWith(`${option}.`)) wrong.push(`${option} = ${label}: ValidationError names ${outcome.field}`);
          if (sent.length > 0) wrong.push(`${option} = ${label}: refused after ${sent.length} calls were sent`);
        } else if (option === 'projectId' && typeof value === 'string' && outcome instanceof ImportFailedError && outcome.cause instanceof APIError) {
          // A string is a project id for the server to judge: it answers 400, a typed error.
        } else if (outcome instanceof Error) {
          wrong.push(`${option} = ${label}: ${outcome instanceof TiledeskError ? '' : 'untyped '}${outcome.constructor.name}: ${outcome.message.slice(0, 120)}`);
        } else {
          const report = outcome as { conversations: { imported: number; failed: number } };
          // A 1.5 ms `timeout` is a timeout, and fails conversations as it should.
          if (report.conversations.failed > 0 && option !== 'timeout') wrong.push(`${option} = ${label}: ran, but ${report.conversations.failed} conversation(s) failed`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});
