/**
 * A RealtimeClient against a real Tiledesk server (`npm run test:real`, TILEDESK_REAL_URL) that sends no pings of its
 * own stays open past the server's 60 s kill of silent sockets, on its answers to the server's 30 s heartbeat alone.
 * A file of its own: it is a 66 s wait, which `npm run test:real` runs beside the other files instead of after them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RealtimeClient, type ConnectionState } from '../../src/realtime/index.js';
import { realTarget } from '../helpers/target.js';

const target = realTarget();
let token = '';
const clients: RealtimeClient[] = [];

async function post<T>(path: string, body: unknown, auth?: string): Promise<T> {
  const res = await fetch(`${target?.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path} → ${res.status}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  if (!target) throw new Error('TILEDESK_REAL_URL is not set: run this file through `npm run test:real`');
  const stamp = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const email = target.email ?? `sdk-hb-${stamp}@example.com`;
  const password = target.password ?? `Pw-${stamp}!`;
  if (!target.email) await post('/auth/signup', { email, password, firstname: 'Hb', lastname: 'Owner' });
  token = (await post<{ token: string }>('/auth/signin', { email, password })).token;
});

afterAll(async () => {
  await Promise.all(clients.map((rt) => rt.close()));
});

it('stays open past 65 s on answered server heartbeats alone', { timeout: 90_000 }, async () => {
  // No own pings: only answers to the server's 30 s heartbeat keep the socket alive (it kills silent ones at 60 s).
  const rt = new RealtimeClient({ url: target?.wsUrl ?? '', token, environment: null, idlePingMs: 10 * 60_000 });
  clients.push(rt);
  const states: ConnectionState[] = [];
  rt.on('state', ({ state }) => states.push(state));
  await rt.connect();
  await new Promise((resolve) => setTimeout(resolve, 66_000));
  expect(rt.state).toBe('open');
  expect(states).toEqual(['connecting', 'open']);
  expect(rt.stats.reconnects).toBe(0);
});
