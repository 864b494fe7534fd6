#!/usr/bin/env node
// `npm run server [-- --port 3000 --seed fixture.json --secret S --heartbeat-ms 30000 --json]`
// Starts the local Tiledesk-compatible server from the BUILT package (dist/testing.js) and prints its URLs and
// seeded credentials. `npm install` builds the package (prepare); after editing sources run `npm run build`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = resolve(root, 'dist/testing.js');

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: 'string' },
      seed: { type: 'string' },
      secret: { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  console.error(String(error instanceof Error ? error.message : error));
  process.exit(2);
}

if (args.help) {
  console.log(`Usage: npm run server -- [--port N] [--seed fixture.json] [--secret S] [--heartbeat-ms N] [--json]

  --port          TCP port on 127.0.0.1 (default: $PORT or 3000; 0 picks a free one)
  --seed          JSON fixture to load (users, conversations, messages); see docs/testing-server.md
  --secret        global JWT secret (default: nodeauthsecret, the real server's default)
  --heartbeat-ms  WebSocket heartbeat interval (default 30000, like the real server)
  --json          print the connection details as one JSON line (for scripts)`);
  process.exit(0);
}

if (!existsSync(entry)) {
  console.error(`dist/testing.js not found. Build the package first: npm run build`);
  process.exit(1);
}

const port = Number(args.port ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port: ${args.port ?? process.env.PORT}`);
  process.exit(2);
}

let seed;
if (args.seed) {
  try {
    seed = JSON.parse(readFileSync(resolve(process.cwd(), args.seed), 'utf8'));
  } catch (error) {
    console.error(`cannot read fixture ${args.seed}: ${error instanceof Error ? error.message : error}`);
    process.exit(2);
  }
}

const heartbeatIntervalMs = args['heartbeat-ms'] === undefined ? undefined : Number(args['heartbeat-ms']);
const { startTiledeskServer } = await import(pathToFileURL(entry).href);

let server;
try {
  server = await startTiledeskServer({ port, seed, secret: args.secret, heartbeatIntervalMs });
} catch (error) {
  if (error && error.code === 'EADDRINUSE') console.error(`port ${port} is already in use; pass --port <free port> (or --port 0)`);
  else console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

const details = {
  url: server.url,
  wsUrl: server.wsUrl,
  projectId: server.project.id,
  projectJwtSecret: server.project.jwtSecret,
  globalSecret: server.secret,
  owner: { email: server.owner.email, password: server.owner.password, token: server.owner.token },
  agent: { email: server.agent.email, password: server.agent.password, token: server.agent.token },
};

if (args.json) {
  console.log(JSON.stringify(details));
} else {
  console.log(`Local Tiledesk-compatible server (in memory; data is lost on exit)

  REST       ${details.url}            (routes at the root, e.g. ${details.url}/${details.projectId}/requests)
  WebSocket  ${details.wsUrl}?token=<JWT>
  Project    ${details.projectId}  (project jwtSecret for custom tokens: ${details.projectJwtSecret})

  Owner      ${details.owner.email} / ${details.owner.password}
  Agent      ${details.agent.email} / ${details.agent.password}

  Owner token (Authorization header):
  ${details.owner.token}

  Try:  curl -s ${details.url}/${details.projectId}/requests -H "Authorization: ${details.owner.token}"

  The settings the README examples and the CLI read (paste them into another terminal):
  export TILEDESK_URL=${details.url} TILEDESK_WS_URL=${details.wsUrl} TILEDESK_PROJECT_ID=${details.projectId}
  export TILEDESK_EMAIL=${details.owner.email} TILEDESK_PASSWORD=${details.owner.password}

Press Ctrl+C to stop.`);
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
