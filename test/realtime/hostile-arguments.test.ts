/**
 * Every option of `new RealtimeClient`, every argument of `subscribe`, `on` and the `topics` builders, and every option
 * of the live stores, replaced in turn by a value of the wrong kind (what plain JavaScript or a config file can pass
 * despite the types): the call either goes through or throws a `RealtimeError` naming what was wrong — never a
 * `TypeError` now or, worse, an uncaught one later from the socket's message handler, which ends a Node process.
 *
 * Targeted tests of each check live in lifecycle.test.ts, subscriptions.test.ts and live-stores.test.ts; this sweep
 * covers the options and arguments added later, or nobody wrote one for.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LiveMessages, LiveRequests, RealtimeClient, RealtimeError, topics } from '../../src/realtime/index.js';
import { Harness } from './helpers.js';

const h = new Harness();
afterAll(() => h.dispose());

const HOSTILE: [string, unknown][] = [
  ['null', null], ['0', 0], ['-1', -1], ['NaN', Number.NaN], ['1.5', 1.5], ['2^31', 2 ** 31], ['true', true], ['a string', 'x'],
  ['an empty string', ''], ['an object', {}], ['an array', []], ['a function', () => 1], ['a bigint', 10n], ['a symbol', Symbol('s')],
];

const OPTIONS = [
  'url', 'token', 'WebSocket', 'handshakeTimeoutMs', 'subscribeTimeoutMs', 'reconnectBaseDelayMs', 'reconnectMaxDelayMs',
  'stableAfterMs', 'maxReconnectAttempts', 'maxAuthFailures', 'suspectAuthAfter', 'idlePingMs', 'pongTimeoutMs',
  'clockJumpMs', 'closeTimeoutMs', 'maxFrameLength', 'maxTopics', 'validate', 'environment', 'now', 'random',
];

/** What went wrong, or undefined when `run` went through or threw a RealtimeError. */
function outcome(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (e) {
    if (e instanceof RealtimeError) return e.code === 'invalid_option' && !e.option ? `invalid_option without an option: ${e.message}` : undefined;
    return `threw ${(e as Error)?.constructor?.name}: ${String((e as Error)?.message).slice(0, 100)}`;
  }
}

describe('RealtimeClient, its topics and its live stores, given arguments of the wrong kind', () => {
  it(`${OPTIONS.length} constructor options × ${HOSTILE.length} values`, async () => {
    const wrong: string[] = [];
    for (const option of OPTIONS) {
      for (const [label, value] of HOSTILE) {
        let client: RealtimeClient | undefined;
        const problem = outcome(() => (client = new RealtimeClient({ url: 'ws://127.0.0.1:9/', token: 'JWT a.b.c', [option]: value } as never)));
        if (problem) wrong.push(`new RealtimeClient({ ${option}: ${label} }): ${problem}`);
        await client?.close();
      }
    }
    expect(wrong).toEqual([]);
  });

  it('subscribe, on, the topics builders and the live stores: a RealtimeError or a call that goes through, and no uncaught error once frames flow', async () => {
    const server = await h.server();
    const rt = h.client(server);
    const pid = server.project.id;
    const wrong: string[] = [];
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      for (const [label, value] of HOSTILE) {
        for (const [name, args] of [
          ['subscribe(topic)', [value]],
          ['subscribe(_, handlers)', [topics.requests(pid), value]],
          ['subscribe(_, _, options)', [topics.requests(pid), {}, value]],
        ] as const) {
          let sub: { unsubscribe(): unknown } | undefined;
          const problem = outcome(() => (sub = (rt.subscribe as (...a: unknown[]) => { unsubscribe(): unknown })(...args)));
          if (problem) wrong.push(`${name} = ${label}: ${problem}`);
          sub?.unsubscribe();
        }
        const problem = outcome(() => rt.on('state', value as never));
        if (problem) wrong.push(`on('state', ${label}): ${problem}`);
        for (const [builder, make] of Object.entries(topics) as [string, (...ids: unknown[]) => unknown][]) {
          for (const position of [0, 1]) {
            const ids: unknown[] = [pid, 'support-group-x'];
            ids[position] = value;
            const built = outcome(() => make(...ids));
            if (built) wrong.push(`topics.${builder} argument ${position + 1} = ${label}: ${built}`);
          }
        }
        for (const option of ['restTimeoutMs', 'restLimit', 'snapshotLimit', 'filter', 'rest']) {
          let store: { close(): void } | undefined;
          const made = outcome(() => (store = new LiveRequests(rt, pid, { [option]: value } as never)));
          if (made) wrong.push(`new LiveRequests(_, _, { ${option}: ${label} }): ${made}`);
          store?.close();
          const madeMessages = outcome(() => (store = new LiveMessages(rt, pid, 'support-group-x', { [option]: value } as never)));
          if (madeMessages) wrong.push(`new LiveMessages(_, _, _, { ${option}: ${label} }): ${madeMessages}`);
          store?.close();
        }
      }
      // Frames flow through whatever was accepted above: a conversation created now is published on the requests topic.
      const kept = rt.subscribe(topics.requests(pid), null as never, null as never);
      await kept.ready;
      await fetch(`${server.url}/${pid}/requests`, {
        method: 'POST', headers: { authorization: server.owner.token, 'content-type': 'application/json' }, body: JSON.stringify({ first_text: 'hello' }),
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      kept.unsubscribe();
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(wrong).toEqual([]);
    expect(uncaught).toEqual([]);
  });
});
