import { createServer } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { stopTrackingTimers, timersSetFrom } from '../helpers/timers.js';
import { bare, eventually, http, httpOrTimeout, type Json, rawUpgrade, sleep, trackAccepted, WsClient } from './helpers.js';

let server: TiledeskTestServer;
let P: string;
let owner: string;

beforeAll(async () => {
  server = await startTiledeskServer();
  P = server.project.id;
  owner = server.owner.token;
});
afterEach(() => {
  server.faults.clear();
  server.faults.halfOpen(false);
  server.faults.hangUpgrades(false);
});
afterAll(() => server.close());

const requests = () => `/${P}/requests`;

describe('fault rules', () => {
  it('answers a chosen status with headers and body for `times` matches, then the real handler again', async () => {
    server.faults.route({ method: 'GET', path: requests(), status: 429, headers: { 'Retry-After': '2' }, times: 2 });
    const first = await http(server, 'GET', requests(), { token: owner });
    expect([first.status, first.headers.get('retry-after'), first.json]).toEqual([429, '2', { message: 'Too Many Requests' }]);
    expect((await http(server, 'GET', requests(), { token: owner })).status).toBe(429);
    expect((await http(server, 'GET', requests(), { token: owner })).status).toBe(200);
  });

  it('matches method and path (string = exact pathname, RegExp = test)', async () => {
    server.faults.route({ method: 'POST', path: /\/requests$/, status: 503, body: 'maintenance' });
    expect((await http(server, 'GET', requests(), { token: owner })).status).toBe(200);
    const res = await http(server, 'POST', requests(), { token: owner, body: { first_text: 'x' } });
    expect([res.status, res.text, res.headers.get('content-type')]).toEqual([503, 'maintenance', 'text/plain; charset=utf-8']);
  });

  it('never fires with rate 0 and can be removed', async () => {
    server.faults.route({ path: requests(), status: 500, rate: 0 });
    expect((await http(server, 'GET', requests(), { token: owner })).status).toBe(200);
    const rule = server.faults.route({ path: requests(), status: 500 });
    expect((await http(server, 'GET', requests(), { token: owner })).status).toBe(500);
    rule.remove();
    server.faults.clear();
    expect((await http(server, 'GET', requests(), { token: owner })).status).toBe(200);
  });

  it('delays with latencyMs, then runs the real handler', async () => {
    server.faults.route({ path: requests(), latencyMs: 200 });
    const early = await httpOrTimeout(server, 'GET', requests(), { token: owner, timeoutMs: 50 });
    expect(early).toBe('timeout');
    const res = await http(server, 'GET', requests(), { token: owner });
    expect(res.status).toBe(200);
  });

  it('resets the connection', async () => {
    server.faults.route({ path: requests(), reset: true, times: 1 });
    await expect(http(server, 'GET', requests(), { token: owner })).rejects.toThrow();
    expect((await http(server, 'GET', requests(), { token: owner })).status).toBe(200);
  });

  it('hangs until the client gives up', async () => {
    server.faults.route({ path: requests(), hang: true, times: 1 });
    expect(await httpOrTimeout(server, 'GET', requests(), { token: owner, timeoutMs: 200 })).toBe('timeout');
  });

  it('with `after`, stores the write and still answers the fault', async () => {
    server.faults.route({ method: 'POST', path: requests(), status: 502, after: true, times: 1 });
    const rid = `support-group-${P}-after-fault`;
    const res = await http(server, 'POST', requests(), { token: owner, body: { first_text: 'saved anyway', request_id: rid } });
    expect(res.status).toBe(502);
    expect((await http(server, 'GET', `${requests()}/${rid}`, { token: owner })).status).toBe(200);
  });

  it('with `partialSave`, imports only the first N messages then fails like the real route', async () => {
    const rid = `support-group-${P}-partial`;
    await http(server, 'POST', `${requests()}/${rid}/messages`, { token: owner, body: { text: 'open' } });
    server.faults.route({ method: 'POST', path: /\/messages\/multi$/, partialSave: 2, times: 1 });
    const res = await http(server, 'POST', `${requests()}/${rid}/messages/multi`, { token: owner, body: [{ text: '1' }, { text: '2' }, { text: '3' }] });
    expect([res.status, res.json]).toEqual([500, { success: false, msg: 'Error inserting multiple messages.', err: {} }]);
    const stored = (await http(server, 'GET', `${requests()}/${rid}/messages`, { token: owner })).json as Json[];
    expect(stored.map((m) => m.text)).toEqual(['open', '1', '2']);
  });
});

describe('socket controls', () => {
  it('dropSockets closes WebSockets abnormally (1006) and in-flight HTTP connections', async () => {
    const client = await WsClient.open(`${server.wsUrl}?token=${bare(owner)}`);
    server.faults.route({ path: requests(), hang: true, times: 1 });
    const pending = httpOrTimeout(server, 'GET', requests(), { token: owner }).catch((error: unknown) => error);
    await eventually(() => server.stats().httpConnections > 0);
    server.faults.dropSockets();
    expect(await client.closed()).toBe(1006);
    expect(await pending).toBeInstanceOf(Error);
    await eventually(() => server.stats().wsConnections === 0 && server.stats().httpConnections === 0);
  });

  it('halfOpen keeps sockets but answers nothing, on REST and WebSocket', async () => {
    const client = await WsClient.open(`${server.wsUrl}?token=${bare(owner)}`);
    server.faults.halfOpen(true);
    expect(await httpOrTimeout(server, 'GET', requests(), { token: owner, timeoutMs: 200 })).toBe('timeout');
    client.send({ action: 'me' });
    await sleep(100);
    expect(client.frames).toEqual([]);
    server.faults.halfOpen(false);
    client.send({ action: 'me' });
    await client.next((f) => f.action === 'me');
    expect((await http(server, 'GET', requests(), { token: owner })).status).toBe(200);
    client.close();
  });

  it('hangUpgrades leaves upgrade requests unanswered', async () => {
    server.faults.hangUpgrades(true);
    expect(await rawUpgrade(server, `/?token=${bare(owner)}`, 200)).toBe('hang');
    server.faults.hangUpgrades(false);
    expect(await rawUpgrade(server, '/?token=abc')).toBe('HTTP/1.1 401 Unauthorized|Unauthorized');
  });
});

describe('options', () => {
  it('serves the WebSocket on wsPath only and signs with the configured secret', async () => {
    const custom = await startTiledeskServer({ wsPath: '/v2/ws', secret: 'custom-secret' });
    try {
      expect(custom.wsUrl).toBe(`ws://127.0.0.1:${custom.port}/v2/ws`);
      expect(await rawUpgrade(custom, `/?token=${bare(custom.owner.token)}`)).toBe('HTTP/1.1 400 Bad Request|Bad Request');
      const client = await WsClient.open(`${custom.wsUrl}?token=${bare(custom.owner.token)}`);
      client.close();
      const withDefaultSecret = custom.signJwt({ _id: custom.owner.userId }, 'nodeauthsecret');
      expect((await http(custom, 'GET', '/users', { token: `JWT ${withDefaultSecret}` })).status).toBe(401);
      expect((await http(custom, 'GET', '/users', { token: `JWT ${custom.signJwt({ _id: custom.owner.userId })}` })).status).toBe(200);
    } finally {
      await custom.close();
    }
  });
});

describe('options of the wrong kind', () => {
  it('are refused when the server starts, naming the option (Node\'s own errors did not), and no port is left open', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ port: -1 }, /^port must be an integer from 0 to 65535$/],
      [{ port: 1.5 }, /^port must be/],
      [{ port: '3000' }, /^port must be/],
      [{ secret: 5 }, /^secret must be a non-empty string$/],
      [{ secret: '' }, /^secret must be a non-empty string$/],
      [{ adminEmail: {} }, /^adminEmail must be a non-empty string$/],
      [{ wsPath: 'ws' }, /^wsPath must start with '\/'$/],
      [{ jsonBodyLimit: true }, /^jsonBodyLimit must be a number of bytes >= 0 or a string/],
      [{ jsonBodyLimit: -1 }, /^jsonBodyLimit must be/],
      [{ heartbeatIntervalMs: 0 }, /^heartbeatIntervalMs must be > 0$/],
    ];
    for (const [options, message] of cases) {
      const e = await startTiledeskServer(options as never).then((s) => s.close().then(() => 'started'), (x: unknown) => x);
      expect(e, JSON.stringify(options)).toBeInstanceOf(Error);
      expect((e as Error).message, JSON.stringify(options)).toMatch(message);
    }
  });
});

describe('restart, seed and close', () => {
  it('restart keeps data and the port, and drops live connections', async () => {
    const local = await startTiledeskServer();
    try {
      const token = local.owner.token;
      const created = (await http(local, 'POST', `/${local.project.id}/requests`, { token, body: { first_text: 'survives' } })).json as Json;
      const client = await WsClient.open(`${local.wsUrl}?token=${bare(token)}`);
      const port = local.port;
      await local.restart();
      expect(await client.closed()).toBe(1006);
      expect(local.port).toBe(port);
      const res = await http(local, 'GET', `/${local.project.id}/requests/${created.request_id}`, { token });
      expect((res.json as Json).first_text).toBe('survives');
    } finally {
      await local.close();
    }
  });

  it('restart({ whileDown }) refuses connections until whileDown settles, lets another server use the port meanwhile, and listens again even when it throws', async () => {
    const local = await startTiledeskServer();
    try {
      const port = local.port;
      const seen: string[] = [];
      await local.restart({
        whileDown: async () => {
          seen.push(await fetch(`${local.url}/`).then((r) => `answered ${r.status}`, (e: Error) => `refused: ${(e.cause as { code?: string })?.code}`));
          // A stand-in on the same port, as a proxy in front of a stopped server would be.
          const proxy = createServer((_, res) => res.writeHead(502).end());
          await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
          seen.push(`stand-in ${(await fetch(`${local.url}/`)).status}`);
          await new Promise((resolve) => proxy.close(resolve));
        },
      });
      expect(seen).toEqual(['refused: ECONNREFUSED', 'stand-in 502']);
      expect(local.port).toBe(port);
      expect((await fetch(`${local.url}/`)).status).toBe(200);

      await expect(local.restart({ whileDown: () => Promise.reject(new Error('outage script failed')) })).rejects.toThrow('outage script failed');
      expect((await fetch(`${local.url}/`)).status).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('loads a fixture: users, conversations with messages and their timestamps', async () => {
    const local = await startTiledeskServer({
      seed: {
        users: [{ email: 'sam@example.com', password: 's3cret', firstname: 'Sam', lastname: 'Support', role: 'agent' }],
        conversations: [
          {
            request_id: 'support-group-fixture-1',
            first_text: 'My order is late',
            createdAt: '2024-01-01T10:00:00.000Z',
            visitor: { fullname: 'Ada', email: 'ada@example.com' },
            participants: ['sam@example.com'],
            messages: [{ text: 'My order is late' }, { text: 'Looking into it', sender: 'sam@example.com' }],
          },
          { first_text: 'closed one', status: 1000 },
        ],
      },
    });
    try {
      const signin = await http(local, 'POST', '/auth/signin', { body: { email: 'sam@example.com', password: 's3cret' } });
      const sam = (signin.json as Json).token as string;
      const request = (await http(local, 'GET', `/${local.project.id}/requests/support-group-fixture-1`, { token: sam })).json as Json;
      expect(request).toMatchObject({ first_text: 'My order is late', createdAt: '2024-01-01T10:00:00.000Z', lead: { fullname: 'Ada', email: 'ada@example.com' } });
      const messages = (await http(local, 'GET', `/${local.project.id}/requests/support-group-fixture-1/messages`, { token: sam })).json as Json[];
      expect(messages.map((m) => [m.text, m.senderFullname, m.createdAt])).toEqual([
        ['My order is late', 'Ada', '2024-01-01T10:00:00.000Z'],
        ['Looking into it', 'Sam Support', '2024-01-01T10:00:01.000Z'],
      ]);
      const open = (await http(local, 'GET', `/${local.project.id}/requests`, { token: local.owner.token })).json as Json;
      const closed = (await http(local, 'GET', `/${local.project.id}/requests?status=1000`, { token: local.owner.token })).json as Json;
      expect([open.count, closed.count]).toEqual([1, 1]);
      expect(() => local.seed({ conversations: [{ request_id: 'support-group-fixture-1', first_text: 'dup' }] })).toThrow(TypeError);
    } finally {
      await local.close();
    }
  });

  it('seeds participants by e-mail in any case, bots as hasBot, the available agents count and a closed date', async () => {
    const local = await startTiledeskServer({
      seed: { users: [{ email: 'off.duty@example.com', password: 'pw', firstname: 'Off', role: 'agent', available: false }] },
    });
    try {
      const P = local.project.id;
      const [human, bot, closed] = local.seed({
        conversations: [
          { first_text: 'by e-mail', participants: ['OFF.Duty@Example.com'] },
          { first_text: 'to a bot', participants: ['bot_0123456789abcdef01234567'] },
          { first_text: 'done', status: 1000, createdAt: '2024-01-01T10:00:00.000Z', messages: [{ text: 'a' }, { text: 'b' }] },
        ],
      }).conversations;
      const read = async (id: string) => (await http(local, 'GET', `/${P}/requests/${id}`, { token: local.owner.token })).json as Json;
      const offDuty = (await http(local, 'POST', '/auth/signin', { body: { email: 'off.duty@example.com', password: 'pw' } })).json as Json;
      const first = await read(human!.request_id);
      expect(first.participants).toEqual([offDuty.user._id]);
      // The owner and the seeded agent are available, the off-duty agent is not: the snapshot counts available agents.
      expect(first.snapshot.availableAgentsCount).toBe(2);
      expect(await read(bot!.request_id)).toMatchObject({ hasBot: true, participants: ['bot_0123456789abcdef01234567'] });
      // Closed after its last message: two messages from 10:00:00 one second apart, closed one second later.
      expect(await read(closed!.request_id)).toMatchObject({ status: 1000, closed_at: '2024-01-01T10:00:02.000Z', duration: 2000 });
    } finally {
      await local.close();
    }
  });

  it('close() releases every socket, timer and listener', async () => {
    // Set by the local server's own code: heartbeats, deferred writes, the hung route, the held upgrade's wait.
    const timers = timersSetFrom(new URL('../../src/testing/', import.meta.url).pathname);
    onTestFinished(stopTrackingTimers);
    const local = await startTiledeskServer({ heartbeatIntervalMs: 10_000 });
    // Every connection this server accepts and its listening socket, tracked one by one (not the process's handle
    // counts, which also moved with the shared server's keep-alive sockets and whatever else ran in this worker).
    const accepted = trackAccepted(local);
    onTestFinished(() => accepted.stop());
    const client = await WsClient.open(`${local.wsUrl}?token=${bare(local.owner.token)}`);
    client.subscribe(`/${local.project.id}/requests`);
    await client.next((f) => f.action === 'publish');
    local.faults.route({ path: `/${local.project.id}/requests`, hang: true });
    const hung = httpOrTimeout(local, 'GET', `/${local.project.id}/requests`, { token: local.owner.token }).catch((error: unknown) => error);
    // A call held in the server's latency fault: its wait is a timer of the server's.
    local.faults.route({ path: `/${local.project.id}/leads`, latencyMs: 60_000 });
    const slow = httpOrTimeout(local, 'GET', `/${local.project.id}/leads`, { token: local.owner.token }).catch((error: unknown) => error);
    const guest = (await http(local, 'POST', '/auth/signinAnonymously', { body: { id_project: local.project.id } })).json as Json;
    // A guest token's upgrade is held open by the server: close() must release it too.
    const heldUpgrade = rawUpgrade(local, `/?token=${bare(guest.token)}`, 2_000);
    await eventually(() => local.stats().wsConnections === 1 && local.stats().subscriptions === 1 && local.stats().httpConnections >= 2);
    await eventually(() => [...timers.values()].some((stack) => /\.delay \(/.test(stack)));
    // The WebSocket, the hung call's connection (the sign-in's keep-alive one may be the same) and the held upgrade.
    expect(accepted.sockets.length).toBeGreaterThanOrEqual(3);
    expect(accepted.servers.size).toBe(1);
    const [listener] = accepted.servers;
    expect(timers.size).toBeGreaterThan(0); // the heartbeat at least: the tracking sees the server's timers
    await local.close();
    const timersLeft = new Map(timers);
    // Right after close(), with no waiting: close() itself waits for every socket's `close` and for the listener's.
    expect(accepted.openSockets()).toEqual([]);
    expect({ listening: listener!.listening, closeEmitted: accepted.closedServers.has(listener!) }).toEqual({ listening: false, closeEmitted: true });
    expect(local.stats()).toEqual({ wsConnections: 0, httpConnections: 0, subscriptions: 0, pendingWrites: 0 });
    expect(timersLeft.size, [...timersLeft.values()].join('\n\n')).toBe(0);
    expect(await client.closed()).toBe(1006);
    expect(await hung).toBeInstanceOf(Error);
    expect(await slow).toBeInstanceOf(Error);
    expect(await heldUpgrade).not.toBe('hang');
    await local.close();
  });
});
