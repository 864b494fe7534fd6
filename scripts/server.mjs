#!/usr/bin/env node
// `npm run server [-- --port 3000 --seed fixture.json --secret S --heartbeat-ms 30000 --json]`
// The `tiledesk-sdk server` command of the BUILT package (dist/cli.js): starts the local Tiledesk-compatible server
// and prints its URLs, seeded credentials and the `export` lines of the settings. `npm install` builds the package
// (prepare); after editing sources run `npm run build`. Users of the installed package run `npx tiledesk-sdk server`.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist/cli.js');
if (!existsSync(entry)) {
  console.error('dist/cli.js not found. Build the package first: npm run build');
  process.exit(1);
}
process.argv.splice(2, 0, 'server');
await import(pathToFileURL(entry).href);
