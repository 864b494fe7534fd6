// One contender of bench/import/run.mjs, in its own process so its peak RSS and CPU time are its own.
// argv: <sdk bundle> <JSON config>. Imports the dataset into the server, checks a sample of conversations on the
// server, and reports { messages, conversations, ms, cpuMs, maxRssMB } over IPC.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent } from 'undici';
import { conversations } from './dataset.mjs';

const [bundle, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson);
const { url, projectId, token, contender, concurrency, count, perConversation, file } = config;
const sdk = await import(pathToFileURL(bundle).href);
const require = createRequire(import.meta.url);
const sample = []; // [requestId, expected count] of some conversations, checked at the end

/** Pulls conversations from one shared iterator with `concurrency` workers (what the importer does internally). */
async function pool(source, work) {
  const iterator = source[Symbol.iterator]();
  let i = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let r = iterator.next(); !r.done; r = iterator.next()) await work(r.value, i++);
  }));
}

const contenders = {
  /** tiledesk-sdk importConversations: deterministic ids, import keys, exactly-once bookkeeping, progress. */
  async sdk({ checkpoint } = {}) {
    const client = new sdk.TiledeskClient({ baseUrl: url, projectId, auth: { token }, ...(process.env.BENCH_TIMEOUT ? { timeout: Number(process.env.BENCH_TIMEOUT) } : {}) });
    const dir = checkpoint ? mkdtempSync(join(tmpdir(), 'bench-ckpt-')) : undefined;
    const source = file ? sdk.readConversations(file) : conversations(count, perConversation);
    const report = await sdk.importConversations(client, source, {
      concurrency,
      namespace: `bench-${process.pid}`,
      onProgress: () => {},
      onConversation: (e) => e.position % 997 === 0 && sample.push([e.requestId, perConversation]),
      ...(dir ? { checkpoint: sdk.fileCheckpoint(join(dir, 'checkpoint.json')) } : {}),
    });
    if (report.conversations.failed) throw new Error(`${report.conversations.failed} conversations failed`);
    await client.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    return report.messages.imported;
  },

  /** A plain loop on undici.request (same pool size as the SDK): create, then one multi call per conversation. */
  async raw() {
    const agent = new Agent({ connections: 64, keepAliveTimeout: 4_000 });
    const headers = { authorization: token, 'content-type': 'application/json', accept: 'application/json' };
    let messages = 0;
    await pool(conversations(count, perConversation), async (c, i) => {
      const created = await agent.request({ origin: url, path: `/${projectId}/requests`, method: 'POST', headers, body: JSON.stringify(c.request) });
      const request = await created.body.json();
      if (created.statusCode !== 200) throw new Error(`create: ${created.statusCode}`);
      const body = JSON.stringify(c.messages.map(({ timestamp, ...m }) => ({ ...m, attributes: { clienttimestamp: timestamp } })));
      const res = await agent.request({ origin: url, path: `/${projectId}/requests/${request.request_id}/messages/multi`, method: 'POST', headers, body });
      const saved = await res.body.json();
      if (res.statusCode !== 200 || saved.length !== c.messages.length) throw new Error(`multi: ${res.statusCode}`);
      messages += saved.length;
      if (i % 997 === 0) sample.push([request.request_id, perConversation]);
    });
    await agent.close();
    return messages;
  },

  /** The raw loop's calls made through the SDK's REST client (no import keys, no exactly-once): where the cost sits. */
  async client() {
    const client = new sdk.TiledeskClient({ baseUrl: url, projectId, auth: { token } });
    let messages = 0;
    await pool(conversations(count, perConversation), async (c, i) => {
      const request = await client.requests.create(c.request);
      const saved = await client.messages.import(request.request_id, c.messages);
      messages += saved.length;
      if (i % 997 === 0) sample.push([request.request_id, perConversation]);
    });
    await client.close();
    return messages;
  },

  /**
   * @tiledesk/tiledesk-client as well as it allows: it has no bulk import and no request creation, so each message
   * is one sendSupportMessage (the first one creates the conversation), in order, conversations in parallel.
   */
  async official() {
    const { TiledeskClient: Official } = require('@tiledesk/tiledesk-client');
    const official = new Official({ APIKEY: '__APIKEY__', APIURL: url, projectId, token });
    let messages = 0;
    await pool(conversations(count, perConversation), async (c, i) => {
      const requestId = Official.newRequestId(projectId);
      for (const { timestamp, ...m } of c.messages) {
        await official.sendSupportMessage(requestId, { ...m, attributes: { clienttimestamp: timestamp } });
        messages++;
      }
      if (i % 997 === 0) sample.push([requestId, perConversation]);
    });
    return messages;
  },
};

const name = contender.replace(/\+checkpoint$/, '');
const started = performance.now();
const cpu0 = process.cpuUsage();
const messages = await contenders[name]({ checkpoint: contender.endsWith('+checkpoint') });
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
const maxRssMB = process.resourceUsage().maxRSS / 1024;

// The work really landed: a sample of conversations read back from the server.
const check = new sdk.TiledeskClient({ baseUrl: url, projectId, auth: { token } });
for (const [requestId, expected] of sample) {
  const got = (await check.messages.list(requestId)).length;
  if (got !== expected) throw new Error(`${contender}: ${requestId} has ${got} messages, expected ${expected}`);
}
await check.close();
process.send({ contender, messages, conversations: messages / perConversation, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB, checked: sample.length });
