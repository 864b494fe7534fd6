import { castDate, castNumber, castString, castSubdocuments, fail, pick, UpdateFailure } from '../casts.js';
import { json, type Reply } from '../http.js';
import { castObjectId } from '../ids.js';
import { compareValues, getPath, matchesValue, paginate, sortBy, sortDirection } from '../query.js';
import type { LeadDoc, SegmentDoc } from '../store.js';
import { copy } from '../views.js';
import { bodyObject, callerOf, type RouteContext } from './context.js';

/**
 * Lead segments, `/<pid>/segments` (`routes/segment.js`). The mount authenticates and checks agent+ (bot and
 * subscription tokens too) for every path. Reads and writes by id find a segment by `_id` alone (any project); PUT and
 * DELETE upsert an unknown id; DELETE is a soft delete (`status: 0`).
 */
export function segmentRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const method = ctx.method;
  if (rest.length === 0) {
    if (method === 'GET') return listSegments(ctx);
    if (method === 'POST') return createSegment(ctx);
    return undefined;
  }
  if (rest.length !== 1) return undefined;
  const id = castObjectId(rest[0]);
  if (method === 'GET') return getSegment(ctx, id);
  if (method === 'PUT') return updateSegment(ctx, id, bodyObject(ctx));
  if (method === 'DELETE') return updateSegment(ctx, id, undefined);
  return undefined;
}

const segmentView = (segment: SegmentDoc) => copy(segment);

/** `filters`: `{field: String, operator: String, value: Mixed}` items without `_id`; a single item is wrapped. */
function castFilters(value: unknown): Array<Record<string, unknown>> {
  return castSubdocuments(value, (item) => pick(item, { field: castString, operator: castString, value: (v) => v })) as Array<Record<string, unknown>>;
}

const isBlank = (value: unknown) => value === undefined || value === null || value === '';

/** `POST /`: `{name, match, filters}` (match defaults to `all`); every path is required, in each filter too. */
function createSegment(ctx: RouteContext): Reply {
  const body = bodyObject(ctx);
  const at = ctx.domain.iso();
  try {
    const name = castString(body.name);
    const match = body.match === undefined ? 'all' : castString(body.match);
    const filters = body.filters === undefined ? [] : body.filters === null ? fail('filters') : castFilters(body.filters);
    if (isBlank(name) || isBlank(match)) fail('required');
    for (const filter of filters) {
      if (isBlank(filter.field) || isBlank(filter.operator) || filter.value === undefined || filter.value === null) fail('filter');
    }
    const segment: SegmentDoc = { match, status: 100, _id: ctx.store.newId(), name, filters, id_project: ctx.projectId!, createdBy: callerOf(ctx).id, createdAt: at, updatedAt: at, __v: 0 };
    ctx.store.segments.set(segment._id, segment);
    return json(200, segmentView(segment));
  } catch (error) {
    if (!(error instanceof UpdateFailure)) throw error;
    return json(500, { success: false, msg: 'Error updating object.' });
  }
}

/**
 * `PUT /:id` copies `name`, `match` and `filters` when not null or undefined; `DELETE /:id` sets `status: 0`. Both are
 * `findByIdAndUpdate(id, update, {new: true, upsert: true})`: no validators, and an unknown id is inserted with the
 * schema's defaults but no project.
 */
function updateSegment(ctx: RouteContext, id: string | undefined, body: Record<string, unknown> | undefined): Reply {
  const failed = json(500, { success: false, msg: 'Error updating object.' });
  if (!id) return failed;
  const update: Record<string, unknown> = {};
  try {
    if (!body) update.status = 0;
    else {
      if (body.name !== undefined && body.name !== null) update.name = castString(body.name);
      if (body.match !== undefined && body.match !== null) update.match = castString(body.match);
      if (body.filters !== undefined && body.filters !== null) update.filters = castFilters(body.filters);
    }
  } catch (error) {
    if (!(error instanceof UpdateFailure)) throw error;
    return failed;
  }
  const at = ctx.domain.iso();
  let segment = ctx.store.segments.get(id);
  if (!segment) {
    segment = { match: 'all', status: 100, _id: id, filters: [], createdAt: at, updatedAt: at, __v: 0 };
    ctx.store.segments.set(id, segment);
  }
  Object.assign(segment, update, { updatedAt: at });
  return json(200, segmentView(segment));
}

/** `GET /:id`: `findById`, any project, deleted ones too. */
function getSegment(ctx: RouteContext, id: string | undefined): Reply {
  if (!id) return json(500, { success: false, msg: 'Error getting object.' });
  const segment = ctx.store.segments.get(id);
  return segment ? json(200, segmentView(segment)) : json(404, { success: false, msg: 'Object not found.' });
}

/** `GET /`: `{perPage, count, segments}` of the project's segments not deleted, newest first unless `sort`/`direction`. */
function listSegments(ctx: RouteContext): Reply {
  const q = ctx.query;
  let limit = 40;
  // `parseInt(req.query.limit)`: a limit that is not a number is NaN, no limit at all, and `perPage: null`.
  if (q.limit) limit = parseInt(String(q.limit));
  const skip = (q.page ? Number(q.page) : 0) * limit;
  const direction = q.direction ? sortDirection(q.direction) : -1;
  const field = q.sort ? String(q.sort) : 'createdAt';
  const projectId = ctx.projectId!;
  const segments = [...ctx.store.segments.values()].filter((segment) => segment.id_project === projectId && segment.status === 100);
  const page = paginate(sortBy(segments, field, direction), skip, limit).map(segmentView);
  return json(200, { perPage: Number.isNaN(limit) ? null : limit, count: segments.length, segments: page });
}

/**
 * What `?segment=<id>` adds to the leads list (`utils/segment2mongoConverter.js`): one condition per filter on its
 * `field`, a later filter on the same field replacing an earlier one, and the list's own conditions (`id_project`,
 * `status`, and `email`, `fullname`, `tags` when their parameters are given) replacing the segment's. `starts with`
 * calls a method the real converter does not have: the list never answers (`'hang'`). Unknown operators add nothing.
 */
export function segmentLeadFilter(segment: SegmentDoc, overridden: ReadonlySet<string>): ((lead: LeadDoc) => boolean) | 'hang' {
  const conditions = new Map<string, (actual: unknown) => boolean>();
  for (const filter of segment.filters) {
    const field = String(filter.field);
    let value: unknown;
    try {
      value = castLeadPath(field, filter.value, filter.operator);
    } catch (error) {
      // The query's CastError fails the find, whose callback returns without answering.
      if (error instanceof UpdateFailure) return 'hang';
      throw error;
    }
    let condition: ((actual: unknown) => boolean) | undefined;
    switch (filter.operator) {
      case '=':
        condition = (actual) => matchesValue(actual, value);
        break;
      case '!=':
        condition = (actual) => !matchesValue(actual, value);
        break;
      case '>':
        condition = (actual) => comparable(actual, value, (c) => c > 0);
        break;
      case '>=':
        condition = (actual) => comparable(actual, value, (c) => c >= 0);
        break;
      case 'starts with':
        return 'hang';
      case 'contains':
        condition = (actual) => regexMatches(actual, value);
        break;
      case 'is null':
        condition = (actual) => actual === undefined;
        break;
      case 'is not null':
        condition = (actual) => actual !== undefined;
        break;
      default:
        break;
    }
    if (condition) conditions.set(field, condition);
  }
  for (const field of overridden) conditions.delete(field);
  const entries = [...conditions];
  return (lead) => entries.every(([field, condition]) => condition(getPath(lead, field)));
}

const LEAD_STRING_PATHS = new Set(['lead_id', 'fullname', 'email', 'phone', 'company', 'note', 'streetAddress', 'city', 'region', 'zipcode', 'country', 'id_project', 'createdBy', 'tags']);

/** Mongoose casts a condition's operand to the lead schema's type of its path; `$exists` and `$regex` operands are not. */
function castLeadPath(field: string, value: unknown, operator: unknown): unknown {
  if (operator === 'is null' || operator === 'is not null' || operator === 'contains') return value;
  if (LEAD_STRING_PATHS.has(field)) return castString(value);
  if (field === 'status') return castNumber(value);
  if (field === 'createdAt' || field === 'updatedAt') return castDate(value);
  return value;
}

/** `$gt`/`$gte`: only values of the same BSON type compare; arrays match by any element. */
function comparable(actual: unknown, value: unknown, test: (comparison: number) => boolean): boolean {
  if (Array.isArray(actual)) return actual.some((item) => comparable(item, value, test));
  if (actual === undefined || actual === null || typeof actual !== typeof value) return false;
  return test(compareValues(actual, value));
}

/** `$regex: value`: a string pattern tested against strings (any element of an array). */
function regexMatches(actual: unknown, pattern: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((item) => regexMatches(item, pattern));
  if (typeof actual !== 'string') return false;
  try {
    return new RegExp(String(pattern)).test(actual);
  } catch {
    return false;
  }
}
