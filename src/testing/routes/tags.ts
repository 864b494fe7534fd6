import { castString, UpdateFailure } from '../casts.js';
import { json, type Reply } from '../http.js';
import { castObjectId } from '../ids.js';
import { paginate, sortBy, sortDirection } from '../query.js';
import type { TagLibraryDoc } from '../store.js';
import { copy } from '../views.js';
import { bodyObject, callerOf, type RouteContext } from './context.js';

/** The list's fixed page size: `?limit=` is not read. */
const TAGS_PER_PAGE = 40;

/**
 * The project's tag library, `/<pid>/tags` (`routes/tag.js`). The mount authenticates and checks agent+ (bot and
 * subscription tokens too) for every path, so an unknown path is Express's 404 only after that. Reads, updates and
 * deletes by id find a tag by `_id` alone: a tag of another project is changed too, and PUT upserts an unknown id.
 */
export function tagRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const method = ctx.method;
  if (rest.length === 0) {
    if (method === 'GET') return listTags(ctx);
    if (method === 'POST') return createTag(ctx);
    return undefined;
  }
  if (rest.length !== 1) return undefined;
  const id = castObjectId(rest[0]);
  if (method === 'GET') return getTag(ctx, id);
  if (method === 'PUT') return updateTag(ctx, id);
  if (method === 'DELETE') return deleteTag(ctx, id);
  return undefined;
}

const tagView = (tag: TagLibraryDoc) => copy(tag);

/**
 * `POST /`: `new TagLibrary({tag, color, id_project, createdBy}).save()`; nothing else of the body is stored. A
 * name the project already has is not an error: the existing tag is answered, unchanged.
 */
function createTag(ctx: RouteContext): Reply {
  const body = bodyObject(ctx);
  let tag: unknown;
  let color: unknown;
  try {
    tag = castString(body.tag);
    color = castString(body.color);
  } catch (error) {
    if (!(error instanceof UpdateFailure)) throw error;
    return json(500, { success: false, msg: 'Error saving object.' });
  }
  // `tag` is required: null, undefined and '' fail validation.
  if (tag === undefined || tag === null || tag === '') return json(500, { success: false, msg: 'Error saving object.' });
  const projectId = ctx.projectId!;
  const existing = ctx.store.libraryTagNamed(projectId, tag);
  // The duplicate-key error (11000) answers `findOne({id_project, tag})`.
  if (existing) return json(200, tagView(existing));
  const at = ctx.domain.iso();
  const doc: TagLibraryDoc = { _id: ctx.store.newId(), tag: tag as string, color: color as string | null | undefined, id_project: projectId, createdBy: callerOf(ctx).id, createdAt: at, updatedAt: at, __v: 0 };
  if (doc.color === undefined) delete doc.color;
  ctx.store.addLibraryTag(doc);
  return json(200, tagView(doc));
}

/**
 * `PUT /:tagid`: `findByIdAndUpdate(id, {tag, color}, {new: true, upsert: true})`. Both fields are always written, so
 * one left out becomes null; no validators run (a null name is stored), but a name the project already has is a
 * duplicate key (500).
 */
function updateTag(ctx: RouteContext, id: string | undefined): Reply {
  const failed = json(500, { success: false, msg: 'Error updating object.' });
  if (!id) return failed;
  const body = bodyObject(ctx);
  let tag: unknown;
  let color: unknown;
  try {
    tag = castString(body.tag) ?? null;
    color = castString(body.color) ?? null;
  } catch (error) {
    if (!(error instanceof UpdateFailure)) throw error;
    return failed;
  }
  const at = ctx.domain.iso();
  let doc = ctx.store.libraryTags.get(id);
  if (doc?.id_project !== undefined && ctx.store.libraryTagNamed(doc.id_project, tag, doc)) return failed;
  if (!doc) {
    // Upserted: the update and the timestamps, no project and no creator (so it is in no list).
    doc = { _id: id, createdAt: at, updatedAt: at, __v: 0 };
    ctx.store.addLibraryTag(doc);
  }
  Object.assign(doc, { tag, color, updatedAt: at });
  return json(200, tagView(doc));
}

/** `DELETE /:tagid`: `TagLibrary.remove({_id})`, answered with the driver's result (`n` is how many went). */
function deleteTag(ctx: RouteContext, id: string | undefined): Reply {
  if (!id) return json(500, { success: false, msg: 'Error deleting object.' });
  const doc = ctx.store.libraryTags.get(id);
  if (doc) ctx.store.removeLibraryTag(doc);
  const n = doc ? 1 : 0;
  return json(200, { ok: 1, n, deletedCount: n });
}

/** `GET /:tagid`: `findById`, any project. */
function getTag(ctx: RouteContext, id: string | undefined): Reply {
  if (!id) return json(500, { success: false, msg: 'Error getting object.' });
  const doc = ctx.store.libraryTags.get(id);
  return doc ? json(200, tagView(doc)) : json(404, { success: false, msg: 'Object not found.' });
}

/** `GET /`: a bare array of the project's tags, 40 a page, newest first unless `sort`/`direction` say otherwise. */
function listTags(ctx: RouteContext): Reply {
  const q = ctx.query;
  // `page * limit` in JavaScript: a non-numeric page is NaN, which the database ignores like a negative skip.
  const skip = (q.page ? Number(q.page) : 0) * TAGS_PER_PAGE;
  // `.sort()` validates the direction synchronously (a throw, 500 {"err":"error"}).
  const direction = q.direction ? sortDirection(q.direction) : -1;
  const field = q.sort ? String(q.sort) : 'createdAt';
  const tags = ctx.store.libraryTagsOf(ctx.projectId!);
  return json(200, paginate(sortBy(tags, field, direction), skip, TAGS_PER_PAGE).map(tagView));
}
