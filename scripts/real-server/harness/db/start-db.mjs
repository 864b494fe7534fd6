// Runs CongoDB, the in-memory MongoDB-wire-compatible server shipped inside @push.rocks/smartmongo@2.2.0
// (its dist_ts/congodb folder is copied next to this file by scripts/real-server/real-server.sh setup).
// Usage: node start-db.mjs <port>          CONGO_LOG=1 logs every command.
import { CongoServer, CongoDuplicateKeyError, QueryEngine } from './congodb/index.js';
import { excludeDottedPaths, withoutDottedExclusions } from './exclusion.mjs';
import { installTextSearch } from './text-search.mjs';

const port = Number(process.argv[2] ?? 27017);
const server = new CongoServer({ host: '127.0.0.1', port, storage: 'memory' });
const storage = server.getStorage();

// CongoDB records unique indexes but never enforces them, so a second sign-up with the same e-mail would succeed
// where MongoDB answers E11000 (and tiledesk-server 403 "Email already registered"). Enforce them on every write.
// Keys with a missing or null field are not checked: CongoDB drops partialFilterExpression, and tiledesk's unique
// users.phone is optional.
const valueAt = (document, dottedPath) =>
  dottedPath.split('.').reduce((value, key) => (value == null ? undefined : value[key]), document);
const hexId = (id) => (id == null ? null : typeof id.toHexString === 'function' ? id.toHexString() : String(id));

function uniqueKey(document, keySpec) {
  const values = [];
  for (const field of Object.keys(keySpec)) {
    const value = valueAt(document, field);
    if (value === undefined || value === null) return null;
    values.push(value);
  }
  return JSON.stringify(values);
}

async function rejectDuplicate(database, collection, document, ownId) {
  const uniqueIndexes = (await storage.getIndexes(database, collection)).filter(
    (index) => index.unique && index.name !== '_id_',
  );
  if (uniqueIndexes.length === 0) return;
  const existing = await storage.findAll(database, collection);
  for (const index of uniqueIndexes) {
    const key = uniqueKey(document, index.key);
    if (key === null) continue;
    const clash = existing.find((other) => hexId(other._id) !== ownId && uniqueKey(other, index.key) === key);
    if (clash) {
      throw new CongoDuplicateKeyError(
        `E11000 duplicate key error collection: ${database}.${collection} index: ${index.name} dup key: ${key}`,
        index.key,
        key,
      );
    }
  }
}

const insertOne = storage.insertOne.bind(storage);
storage.insertOne = async (database, collection, document) => {
  await rejectDuplicate(database, collection, document, hexId(document._id));
  return insertOne(database, collection, document);
};
const updateById = storage.updateById.bind(storage);
storage.updateById = async (database, collection, id, document) => {
  await rejectDuplicate(database, collection, document, hexId(id));
  return updateById(database, collection, id, document);
};

// CongoDB's exclusion projection copies a stored document one level deep and then deletes the excluded paths, so a
// nested one (`{'snapshot.agents': 0}`, which mongoose sends for every request read without `+snapshot.agents`) was
// deleted from the stored document itself: an agent's REST list erased every request's `snapshot.agents`, after which
// the server hid those requests from the agents its routing had listed. MongoDB never changes a document it reads.
// Dotted exclusions are applied here, to copies, with MongoDB's semantics (exclusion.mjs); CongoDB gets the rest.
const project = QueryEngine.project.bind(QueryEngine);
QueryEngine.project = (documents, projection) => {
  const rest = withoutDottedExclusions(projection);
  const includes = Object.entries(rest).some(([path, flag]) => path !== '_id' && (flag === 1 || flag === true));
  // No dotted exclusion, or one mixed with inclusions: CongoDB's own answer (its error for the mix, as MongoDB's).
  if (includes || Object.keys(rest).length === Object.keys(projection ?? {}).length) return project(documents, projection);
  const excluded = documents.map((document) => excludeDottedPaths(document, projection));
  // An empty projection makes CongoDB return the documents as given: here, the copies.
  return project(excluded, rest);
};

// CongoDB has no $text: text-search.mjs emulates it (tiledesk's ?full_text= searches).
installTextSearch(server, storage);

// Failed commands are always logged: they show which MongoDB feature the in-memory server lacks.
const route = server.commandRouter.route.bind(server.commandRouter);
server.commandRouter.route = async (parsed) => {
  const response = await route(parsed);
  if (process.env.CONGO_LOG) console.log(`[congo] ${parsed.database}.${parsed.commandName}`, JSON.stringify(parsed.command).slice(0, 400));
  if (response && response.ok === 0) console.log(`[congo] FAIL ${parsed.database}.${parsed.commandName}: ${response.errmsg}`);
  return response;
};

await server.start();
console.log(`CongoDB listening on 127.0.0.1:${port}`);
const shutdown = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
