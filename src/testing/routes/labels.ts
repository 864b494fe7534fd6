import { castBoolean, castString, UpdateFailure } from '../casts.js';
import { json, type Reply } from '../http.js';
import type { LabelDoc, LabelEntry } from '../store.js';
import { bodyObject, callerOf, guard, type RouteContext } from './context.js';

/**
 * A project's widget labels, `/<pid>/labels` (`routes/labels.js`): one document per project holding a list of
 * languages (`{lang, data, default}`), keyed by the URL spelling of the project id (a String path). Reads need no
 * credentials; writes are admin+ and answer what `GET /:lang` then answers.
 *
 * Not here: the labels the package ships (`config/labels/widget.json`, 15 languages, about 100 kB). The real
 * server answers them for `GET /default`, `GET /default/:lang`, `POST /default/clone`, and for `GET /:lang` of a
 * project with no stored labels (its English entry); the local server has no copy, so those answer `undefined`
 * here and end in Express's 404.
 */
export function labelRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const method = ctx.method;
  // The defaults routes (matched before `/:lang`, case-insensitively like every Express route) are not here.
  const defaults = rest[0]?.toLowerCase() === 'default';
  if (defaults && ((method === 'GET' && rest.length <= 2) || (method === 'POST' && rest.length === 2 && rest[1]!.toLowerCase() === 'clone'))) return undefined;
  if (rest.length === 0) {
    if (method === 'GET') return json(200, ctx.store.labels.get(ctx.projectId!) ?? {});
    if (method === 'POST') return saveLanguage(ctx);
    if (method === 'DELETE') return deleteAll(ctx);
    return undefined;
  }
  const lang = rest[0]!;
  if (rest.length === 1 && method === 'GET') return language(ctx, lang);
  if (rest.length === 1 && method === 'DELETE') return deleteLanguage(ctx, lang);
  if (rest.length === 2 && method === 'PATCH' && rest[1]!.toLowerCase() === 'default') return makeDefault(ctx, lang);
  return undefined;
}

/**
 * `labelService.getLanguage`: the language asked for, else the default one, else the stored `EN`; without any of
 * them (or without labels) the package's English defaults, which this server does not have (Express's 404).
 */
function language(ctx: RouteContext, lang: string): Reply | undefined {
  const entries = ctx.store.labels.get(ctx.projectId!)?.data ?? [];
  const picked = entries.find((l) => l.lang === lang) ?? entries.find((l) => l.default === true) ?? entries.find((l) => l.lang === 'EN');
  return picked ? json(200, picked) : undefined;
}

/** The routes' "express forward": after a save they answer `GET /<lang>` (the `lang` the request named). */
function forward(ctx: RouteContext, lang: unknown): Reply | undefined {
  const path = String(lang);
  return path.toLowerCase() === 'default' || path.includes('/') ? undefined : language(ctx, path);
}

/** The last entry whose `lang == lang` (the routes' `forEach` keeps the last match). */
function lastIndexOf(entries: LabelEntry[], predicate: (entry: LabelEntry) => boolean): number {
  for (let i = entries.length - 1; i >= 0; i--) if (predicate(entries[i]!)) return i;
  return -1;
}

/**
 * `POST /` (admin+): `{lang, data, default}` added, or replacing the language with the same `lang` (a new entry,
 * new `_id`). The project's first language is always made default; `default: true` (exactly) unsets the
 * previous default. Validation (`lang` and `data` required, `default` a Boolean and not null) fails the save: 500.
 */
function saveLanguage(ctx: RouteContext): Reply | undefined {
  const denied = guard(ctx, 'admin', false);
  if (denied) return denied;
  const body = bodyObject(ctx);
  const failed = json(500, { success: false, msg: 'Error saving object.' });
  const projectId = ctx.projectId!;
  const stored = ctx.store.labels.get(projectId);
  let entry: LabelEntry;
  try {
    const lang = castString(body.lang);
    // `required` on a String: not null, not ''; on `data` (Mixed): not null.
    if (typeof lang !== 'string' || lang === '' || body.data === undefined || body.data === null) return failed;
    const flag = stored ? castBoolean(body.default) : true;
    // `default` is a required Boolean (schema default false): null fails the save.
    if (flag === null) return failed;
    entry = { lang, data: body.data, default: flag === undefined ? false : (flag as boolean), _id: ctx.store.newId() };
  } catch (error) {
    if (!(error instanceof UpdateFailure)) throw error;
    return failed;
  }
  const at = ctx.domain.iso();
  if (!stored) {
    const doc: LabelDoc = { _id: ctx.store.newId(), data: [entry], id_project: projectId, createdBy: callerOf(ctx).id, createdAt: at, updatedAt: at, __v: 0 };
    ctx.store.labels.set(projectId, doc);
    return forward(ctx, body.lang);
  }
  if (body.default === true) {
    const current = lastIndexOf(stored.data, (l) => l.default === true);
    if (current > -1) stored.data[current]!.default = false;
  }
  const same = lastIndexOf(stored.data, (l) => l.lang === entry.lang);
  if (same > -1) stored.data[same] = entry;
  else stored.data.push(entry);
  stored.updatedAt = at;
  return forward(ctx, body.lang);
}

/** `PATCH /:lang/default` (admin+): the language becomes the only default; an unknown one leaves none. */
function makeDefault(ctx: RouteContext, lang: string): Reply | undefined {
  const denied = guard(ctx, 'admin', false);
  if (denied) return denied;
  const stored = ctx.store.labels.get(ctx.projectId!);
  if (!stored) return json(404, { success: false, msg: 'Lang not found' });
  const current = lastIndexOf(stored.data, (l) => l.default === true);
  if (current > -1) stored.data[current]!.default = false;
  const target = lastIndexOf(stored.data, (l) => l.lang === lang);
  if (target > -1) stored.data[target]!.default = true;
  stored.updatedAt = ctx.domain.iso();
  return forward(ctx, lang);
}

/**
 * `DELETE /:lang` (admin+): removes a language that is not the default, then answers `GET /:lang` (the default
 * language, or the stored EN). Removing is a `$pull` by `_id`, which MongoDB applies; the in-memory database the
 * conformance suite runs the real server on ignores it (see docs/conformance.md), so no scenario removes one.
 */
function deleteLanguage(ctx: RouteContext, lang: string): Reply | undefined {
  const denied = guard(ctx, 'admin', false);
  if (denied) return denied;
  const stored = ctx.store.labels.get(ctx.projectId!);
  const notFound = json(404, { success: false, msg: 'Object not found.' });
  if (!stored) return notFound;
  const index = lastIndexOf(stored.data, (l) => l.lang === lang);
  if (index === -1) return notFound;
  if (stored.data[index]!.default === true) return json(400, { success: false, msg: "You can't delete the default language." });
  stored.data.splice(index, 1);
  stored.updatedAt = ctx.domain.iso();
  return forward(ctx, lang);
}

/** `DELETE /` (admin+): `Label.remove({id_project})`, answered with the driver's result. */
function deleteAll(ctx: RouteContext): Reply {
  const denied = guard(ctx, 'admin', false);
  if (denied) return denied;
  const removed = ctx.store.labels.delete(ctx.projectId!) ? 1 : 0;
  return json(200, { n: removed, ok: 1, deletedCount: removed });
}
