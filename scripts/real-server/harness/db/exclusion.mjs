// MongoDB's exclusion projection of a dotted path, applied to a stored document without changing it.
//
// CongoDB (start-db.mjs) copies a stored document one level deep and then deletes the excluded paths, so a nested one
// (`{'snapshot.agents': 0}`, which mongoose sends for every request read without `+snapshot.agents`: REST lists and
// reads, the messages topic's check, findOneAndUpdate answers) was deleted from the stored document itself. MongoDB
// never changes a document it reads, and it applies a dotted path to every element of an array on the way
// (`{'a.b': 0}` turns `{a: [{b: 1, c: 2}, 3]}` into `{a: [{c: 2}, 3]}`); a scalar or null on the way leaves the
// document as it is.

const isPlainObject = (value) => {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** `value` without the field at `parts`, sharing every untouched object with `value` and changing none. */
function withoutPath(value, parts) {
  if (Array.isArray(value)) return value.map((item) => withoutPath(item, parts));
  // Scalars, null and BSON values (ObjectId, Date, Binary…) have no fields to exclude.
  if (!isPlainObject(value) || !Object.hasOwn(value, parts[0])) return value;
  const [head, ...rest] = parts;
  const copy = { ...value };
  if (rest.length === 0) delete copy[head];
  else copy[head] = withoutPath(value[head], rest);
  return copy;
}

/**
 * The dotted paths a projection excludes (`{'snapshot.agents': 0}`), removed from a copy of `document` as MongoDB
 * does; top-level fields are left to CongoDB, which already copies the document before deleting them.
 */
export function excludeDottedPaths(document, projection) {
  let result = document;
  for (const [path, flag] of Object.entries(projection ?? {})) {
    if (path.includes('.') && (flag === 0 || flag === false)) result = withoutPath(result, path.split('.'));
  }
  return result;
}

/** The dotted paths of an exclusion projection, which CongoDB must not see (it would delete them in place). */
export function withoutDottedExclusions(projection) {
  const rest = {};
  for (const [path, flag] of Object.entries(projection ?? {})) {
    if (!(path.includes('.') && (flag === 0 || flag === false))) rest[path] = flag;
  }
  return rest;
}
