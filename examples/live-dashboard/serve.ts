// Serves the live dashboard: starts the local Tiledesk-compatible server (or uses yours), bundles the page for the
// browser, serves it, and prints the URL and the credentials to sign in with.
//
//   node --import ./examples/register.mjs examples/live-dashboard/serve.ts [--port 5173] [--simulate] [--json]
//
//   --port       port of the page (default 5173; 0 picks a free one)
//   --simulate   a visitor opens a conversation every few seconds and it gets closed a bit later (local server only)
//   --json       print one JSON line with the URLs and credentials instead of the text (for scripts and tests)
// With TILEDESK_URL, TILEDESK_WS_URL and TILEDESK_PROJECT_ID set, the page talks to that server instead, and you sign
// in with your own account.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { TiledeskClient } from 'tiledesk-sdk';
import type { TiledeskTestServer } from 'tiledesk-sdk/testing';
import { sdkFromSource } from '../sdk-source.mjs';
import { buildDashboard } from './build.js';

const { values } = parseArgs({
  options: { port: { type: 'string' }, simulate: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
});

let local: TiledeskTestServer | undefined;
let config: { apiUrl: string; wsUrl: string; projectId: string; email?: string; password?: string };
if (process.env.TILEDESK_URL) {
  const { TILEDESK_URL: apiUrl, TILEDESK_WS_URL: wsUrl, TILEDESK_PROJECT_ID: projectId } = process.env;
  if (!wsUrl || !projectId) throw new Error('With TILEDESK_URL, also set TILEDESK_WS_URL and TILEDESK_PROJECT_ID');
  config = { apiUrl, wsUrl, projectId };
} else {
  const { startTiledeskServer } = await import('tiledesk-sdk/testing');
  local = await startTiledeskServer({ seed: sampleConversations() });
  config = { apiUrl: local.url, wsUrl: local.wsUrl, projectId: local.project.id, email: local.agent.email, password: local.agent.password };
}

const bundle = await buildDashboard({ sdk: sdkFromSource() ? 'source' : 'package' });
const html = readFileSync(new URL('./index.html', import.meta.url), 'utf8');

const page: Server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/' || path === '/index.html') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  if (path === '/dashboard.js') return void res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle.js);
  if (path === '/config.json') return void res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(config));
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
});
await new Promise<void>((resolve, reject) => {
  page.once('error', reject);
  page.listen(Number(values.port ?? 5173), '127.0.0.1', resolve);
});
const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;

if (values.json) {
  console.log(JSON.stringify({ url, ...config, ...(local ? { owner: { email: local.owner.email, password: local.owner.password } } : {}) }));
} else {
  console.log(`Live dashboard: ${url}`);
  console.log(`Tiledesk API:   ${config.apiUrl}  (realtime ${config.wsUrl}, project ${config.projectId})`);
  if (local) {
    console.log(`Sign in as the agent ${local.agent.email} / ${local.agent.password}  (prefilled), or the owner ${local.owner.email} / ${local.owner.password}`);
    console.log(values.simulate ? 'A simulated visitor opens a conversation every few seconds.' : 'Add --simulate to have a visitor open conversations while you watch.');
  } else {
    console.log('Sign in with an owner, admin or agent account of the project.');
  }
  console.log('Ctrl-C to stop.');
}

const stopSimulation = local && values.simulate ? simulateVisitors(local) : undefined;
const stop = async () => {
  stopSimulation?.();
  page.closeAllConnections();
  await new Promise<void>((resolve) => page.close(() => resolve()));
  await local?.close();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

/** A few open conversations, assigned to the seeded agent, so the page is not empty on first sign-in. */
function sampleConversations() {
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  return {
    conversations: [
      { first_text: 'My order A-1042 has not arrived', createdAt: at(42), visitor: { fullname: 'Ada Lovelace' }, attributes: { userFullname: 'Ada Lovelace' },
        messages: [{ text: 'My order A-1042 has not arrived' }, { text: 'Let me check with the warehouse.', sender: 'agent@example.com' }] },
      { first_text: 'Can I pay by bank transfer?', createdAt: at(17), visitor: { fullname: 'Grace Hopper' }, attributes: { userFullname: 'Grace Hopper' },
        messages: [{ text: 'Can I pay by bank transfer?' }] },
      { first_text: 'Do you ship to Norway?', createdAt: at(5), visitor: { fullname: 'Alan Turing' }, attributes: { userFullname: 'Alan Turing' },
        messages: [{ text: 'Do you ship to Norway?' }, { text: 'Yes, in 4-6 working days.', sender: 'agent@example.com' }, { text: 'Great, thanks!' }] },
    ],
  };
}

/** Every 6 s a visitor writes; each conversation is closed 20 s later. Returns the function that stops it. */
function simulateVisitors(server: TiledeskTestServer): () => void {
  const admin = new TiledeskClient({ baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token } });
  const names = ['Marie Curie', 'Nikola Tesla', 'Hedy Lamarr', 'Katherine Johnson', 'Claude Shannon'];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let n = 0;
  const later = (ms: number, run: () => Promise<unknown>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run().catch((error: unknown) => console.error('simulated visitor:', error instanceof Error ? error.message : error));
    }, ms);
    timers.add(timer);
  };
  const visit = async () => {
    const name = names[n++ % names.length]!;
    const visitor = await admin.auth.signinAnonymously({ firstname: name.split(' ')[0] });
    const guest = admin.withOptions({ auth: { token: visitor.token } });
    const requestId = `support-group-${server.project.id}-${randomUUID().replaceAll('-', '')}`;
    await guest.messages.send(requestId, { text: `Hi, this is ${name}. Is anyone there?`, senderFullname: name });
    later(4000, () => guest.messages.send(requestId, { text: 'I have a question about my invoice.', senderFullname: name }));
    later(20_000, () => admin.requests.close(requestId));
    later(6000, visit);
  };
  later(1500, visit);
  return () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    void admin.close();
  };
}
