// What each feature of the REST client costs in a browser bundle, leave-one-out: copy src/, remove one feature,
// bundle `import { TiledeskClient }` (esbuild, browser, minified) and report how many gzip bytes went away.
//
//   node bench/rest/attribution.mjs
//
// Removing a feature is done by editing the copy; an edit that no longer applies (the code moved) is reported as
// such rather than measured.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const lab = `${root}node_modules/.cache/tiledesk-attribution/`;

async function gzipBytes() {
  const result = await build({
    stdin: { contents: "import { TiledeskClient } from './src/index.ts'; console.log(TiledeskClient);", resolveDir: lab, loader: 'ts' },
    bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'error', tsconfigRaw: '{}',
    alias: { '#default-transport': `${lab}src/rest/default-transport.browser.ts` },
  });
  return gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
}

function freshCopy() {
  rmSync(lab, { recursive: true, force: true });
  mkdirSync(lab, { recursive: true });
  cpSync(`${root}src`, `${lab}src`, { recursive: true });
}

function edit(file, from, to) {
  const path = `${lab}src/${file}`;
  const source = readFileSync(path, 'utf8');
  const next = from instanceof RegExp ? source.replace(from, to) : source.split(from).join(to);
  if (next === source) throw new Error(`edit does not apply to ${file}: ${String(from).slice(0, 60)}`);
  writeFileSync(path, next);
}

function leaveOutImport() {
  edit('rest/resources/messages.ts', /async import\([\s\S]*?\n  }\n\n  #base/, 'async import(): Promise<Message[]> {\n    return [];\n  }\n\n  #base');
  // `send` checks its message with the same `checkMessage`: it stays.
  edit('rest/resources/messages.ts', /import \{ ImportChunkError[^\n]*\n/, "import { checkMessage, type ChunkRange, type ImportMessage } from '../import.js';\n");
}
const leaveOutLogger = () => edit('rest/client.ts', 'if (options.logger) hooks.push(loggerHooks(options.logger));', '');
const leaveOutStatics = () =>
  edit('rest/client.ts', /  \/\*\*\n   \* Signs in with e-mail[\s\S]*?\n}\n\n\/\*\* A short-lived/, '}\n\n/** A short-lived');

const withoutResource = (field, Class) => () => edit('rest/client.ts', `this.${field} = new ${Class}(this);`, `this.${field} = undefined as never;`);

const features = {
  '`messages` resource as a whole': withoutResource('messages', 'Messages'),
  '`messages.import`': leaveOutImport,
  "`messages.list({ order: 'clienttimestamp' })`": () =>
    edit('rest/resources/messages.ts', "if (params.order !== 'clienttimestamp') return msgs;", 'return msgs;'),
  '`requests` resource': withoutResource('requests', 'Requests'),
  '`projectUsers` resource': withoutResource('projectUsers', 'ProjectUsers'),
  '`projects` + `users` resources': () => {
    withoutResource('projects', 'Projects')();
    withoutResource('users', 'Users')();
  },
  '`leads` resource': withoutResource('leads', 'Leads'),
  // What the client is without them: the request core, auth, errors, pagination (and the `auth` resource).
  'all six data resources (`requests`, `messages`, `leads`, `projectUsers`, `projects`, `users`)': () => {
    for (const [field, Class] of [['requests', 'Requests'], ['messages', 'Messages'], ['leads', 'Leads'], ['projectUsers', 'ProjectUsers'], ['projects', 'Projects'], ['users', 'Users']]) {
      withoutResource(field, Class)();
    }
  },
  '`logger` option': leaveOutLogger,
  'static sign-in helpers': leaveOutStatics,
  'HTML and plain-text error pages → `serverMessage`': () =>
    edit('rest/core.ts', '  // Plain text (`Unauthorized`) or an HTML page', '  return text.slice(0, 200) || undefined;\n  // Plain text (`Unauthorized`) or an HTML page'),
  'opt-in response validation plumbing': () =>
    edit('rest/core.ts', 'const schema = spec.schema && config.schemas?.[spec.schema];', 'const schema = undefined as ResponseSchema | undefined;'),
  // Every API change that was considered for the 8 kB budget at once: `messages.import` as a function of its own,
  // the logger adapter as a helper to pass in `hooks`, no static sign-in helpers.
  'all three API changes together (`messages.import`, `logger`, static helpers)': () => {
    leaveOutImport();
    leaveOutLogger();
    leaveOutStatics();
  },
};

try {
  freshCopy();
  const base = await gzipBytes();
  console.log(`TiledeskClient: ${base} gzip bytes\n`);
  console.log('| feature left out | gzip bytes saved |');
  console.log('|---|---:|');
  for (const [name, leaveOut] of Object.entries(features)) {
    freshCopy();
    try {
      leaveOut();
      console.log(`| ${name} | ${base - (await gzipBytes())} |`);
    } catch (e) {
      console.log(`| ${name} | (not measured: ${e.message}) |`);
    }
  }
} finally {
  rmSync(lab, { recursive: true, force: true });
}
