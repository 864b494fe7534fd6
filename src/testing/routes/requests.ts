import { hasPermissionOrRole } from '../auth.js';
import { arraysEqual, castLocation, isPlainObject, RequestStatus, SaveError } from '../domain.js';
import { castObjectId, isObjectIdLike } from '../ids.js';
import { hang, json, type Reply, RouteCrash, RouteHang } from '../http.js';
import {
  castError,
  castErrorJson,
  CastFailure,
  castBooleanOrThrow,
  castNumberOrThrow,
  castObjectIdOrThrow,
  getPath,
  hasRegexOperator,
  matchesValue,
  paginate,
  type PathKind,
  queryFilter,
  sortBy,
  UnsupportedQuery,
  sortDirection,
  withRegexFastPass,
} from '../query.js';
import { csvDate, csvExpress } from '../csv.js';
import type { QueryValue } from '../http.js';
import type { ProjectUserDoc, RequestDoc } from '../store.js';
import { populateFailure, requestView } from '../views.js';
import { indexedStrings, parseTextSearch, type TextSearch, textScore as searchScore } from '../text.js';
import { bodyObject, callerOf, isNotEmpty, projectUserOf, type RouteContext, validationError } from './context.js';

type Predicate = (request: RequestDoc) => boolean;

const MODEL = 'request';

// ---- shared list helpers -----------------------------------------------------------------------------------

function parseLimit(ctx: RouteContext): number {
  let limit = 40;
  const raw = ctx.query.limit;
  // `parseInt(req.query.limit)` without a radix: "0x2" is 2.
  if (raw !== undefined && raw !== '') limit = parseInt(String(raw));
  if (limit > 100) limit = 40;
  return limit;
}

function parsePage(ctx: RouteContext): number {
  const raw = ctx.query.page;
  if (raw === undefined || raw === '') return 0;
  return Number(raw);
}

/** Answers the `{perPage,count,requests}` envelope for a filtered, sorted project scan. */
function listAnswer(ctx: RouteContext, predicates: Predicate[], limit: number, page: number, textQuery: string | undefined): Reply {
  const sortField = typeof ctx.query.sort === 'string' && ctx.query.sort ? ctx.query.sort : ctx.query.sort !== undefined && ctx.query.sort !== '' ? String(ctx.query.sort) : 'createdAt';
  const direction = sortDirection(ctx.query.direction === undefined || ctx.query.direction === '' ? -1 : ctx.query.direction);
  const all = ctx.store.requestsByProject.get(ctx.projectId!) ?? new Map<string, RequestDoc>();
  const scan = () => {
    const found: RequestDoc[] = [];
    for (const request of all.values()) {
      let ok = true;
      for (const predicate of predicates) {
        if (!predicate(request)) {
          ok = false;
          break;
        }
      }
      if (ok) found.push(request);
    }
    return found;
  };
  let matched = hasRegexOperator(ctx.query) ? withRegexFastPass(scan) : scan();
  const scores = new Map<RequestDoc, number>();
  if (textQuery !== undefined) {
    const search = parseTextSearch(textQuery);
    for (const request of matched) {
      const score = textScore(request, search);
      if (score !== undefined) scores.set(request, score);
    }
    matched = matched.filter((r) => scores.has(r));
  }
  const noTextScore = ctx.query.no_textscore === 'true';
  const sorted = textQuery !== undefined && !noTextScore
    ? [...matched].sort((a, b) => (scores.get(b) ?? 0) - (scores.get(a) ?? 0))
    : sortBy(matched, sortField, direction);
  const skip = page * limit;
  const pageDocs = paginate(sorted, skip, limit);
  const populate = ctx.query.no_populate !== 'true';
  if (populate) {
    for (const request of pageDocs) {
      const failure = populateFailure(request);
      if (failure) return json(500, { success: false, msg: 'Error getting requests.', err: failure });
    }
  }
  const requests = pageDocs.map((r) => {
    const view = requestView(ctx.store, r, populate ? 'populated' : 'plain');
    if (textQuery !== undefined && !noTextScore) view.score = scores.get(r) ?? 0;
    return view;
  });
  const count = ctx.query.no_count === 'true' ? 0 : matched.length;
  return json(200, { perPage: Number.isNaN(limit) ? null : limit, count, requests });
}

/**
 * The `$text` score of a conversation over the requests' text index (`transcript`, `rating_message`, `subject`,
 * `tags.tag`, `notes.text`, `snapshot.lead.email`, `snapshot.lead.fullname`), or `undefined` when it does not match.
 */
function textScore(request: RequestDoc, search: TextSearch): number | undefined {
  return searchScore(
    indexedStrings(
      request.transcript,
      request.rating_message,
      request.subject,
      request.tags.map((t) => t?.tag),
      request.notes.map((n) => n.text),
      request.snapshot.lead?.email,
      request.snapshot.lead?.fullname,
    ),
    search,
  );
}

/**
 * `?location=` goes to Mongo as the filter of the `location` sub-document: a string (or an operator's operand)
 * fails the Embedded cast; an object is an exact sub-document match, which none of the stored ones equals.
 */
function locationFilter(raw: unknown): Predicate {
  if (typeof raw === 'string' || Array.isArray(raw)) throw new CastFailure(castErrorJson('Embedded', Array.isArray(raw) ? raw[0] : raw, 'location', MODEL));
  const operands = Object.entries(raw as Record<string, unknown>).filter(([key]) => key.startsWith('$'));
  if (operands.length > 0) throw new CastFailure(castErrorJson('Embedded', operands[0]![1], 'location', MODEL));
  return () => false;
}

/**
 * A filter of the list routes that passes a query parameter to Mongo as it is (`query.department =
 * req.query.dept_id`): equality, a list, or operators, cast to the path's type by {@link queryFilter}.
 */
function fieldFilter(ctx: RouteContext, param: string, kind: PathKind, errorPath: string, read: (r: RequestDoc) => unknown): Predicate | undefined {
  const raw = ctx.query[param];
  if (!raw) return undefined;
  const matches = queryFilter(raw, kind, errorPath, MODEL);
  return (r) => matches(read(r));
}

function commonFilters(ctx: RouteContext, predicates: Predicate[]): void {
  const q = ctx.query;
  const add = (predicate: Predicate | undefined) => {
    if (predicate) predicates.push(predicate);
  };
  add(fieldFilter(ctx, 'dept_id', 'ObjectId', 'department', (r) => r.department));
  add(fieldFilter(ctx, 'participant', 'StringArray', 'participants', (r) => r.participants));
  // `req.query.hasbot != undefined`: even an empty value filters (and fails the Boolean cast).
  if (q.hasbot !== undefined) {
    const matches = q.hasbot === '' ? (() => { throw castError('Boolean', '', 'hasBot', MODEL); })() : queryFilter(q.hasbot, 'Boolean', 'hasBot', MODEL);
    predicates.push((r) => matches(r.hasBot));
  }
  // Sub-document paths: the CastError names the last segment.
  add(fieldFilter(ctx, 'tags', 'String', 'tag', (r) => getPath(r, 'tags.tag')));
  if (q.location) predicates.push(locationFilter(q.location));
  add(fieldFilter(ctx, 'ticket_id', 'Number', 'ticket_id', (r) => r.ticket_id));
  add(fieldFilter(ctx, 'snap_department_routing', 'String', 'routing', (r) => r.snapshot.department?.routing));
  add(fieldFilter(ctx, 'snap_department_id_bot', 'String', 'id_bot', (r) => r.snapshot.department?.id_bot));
  add(fieldFilter(ctx, 'snap_department_default', 'Boolean', 'default', (r) => r.snapshot.department?.default));
  if (q.snap_department_id_bot_exists) {
    const exists = queryFilter({ $exists: q.snap_department_id_bot_exists } as QueryValue, 'String', 'id_bot', MODEL);
    predicates.push((r) => exists(r.snapshot.department?.id_bot));
  }
}

/**
 * `utils/datesUtil.createDateRangeQuery`: each date is read with moment-timezone's forgiving (non-strict) parser,
 * trying `DD/MM/YYYY[, ][HH:mm[:ss]]` then `YYYY/MM/DD…` (see {@link parseMomentDate}), in an IANA time zone. A
 * value without a time (no `H:mm` in it) starts at that day's midnight, or for the end at the next midnight,
 * exclusive.
 */
function dateRange(start: unknown, end: unknown, timezone: unknown, field: string, predicates: Predicate[], now: number): void {
  if (typeof timezone !== 'string') throw new DateRangeError(`The timezone must be a string: ${String(timezone)}`);
  if (!isTimeZone(timezone)) throw new DateRangeError(`Invalid timezone: ${timezone}. Please use a valid IANA timezone (e.g., "Europe/Rome", "America/New_York")`);
  const from = start ? zonedInstant(start, timezone, false, now) : undefined;
  const endHasTime = hasTimeComponent(end);
  const to = end ? zonedInstant(end, timezone, true, now) : undefined;
  predicates.push((r) => {
    const value = getPath(r, field);
    if (typeof value !== 'string') return false;
    if (from !== undefined && value < from) return false;
    if (to !== undefined && (endHasTime ? value > to : value >= to)) return false;
    return true;
  });
}

/** `datesUtil.hasTimeComponent`, on the value as sent. */
function hasTimeComponent(value: unknown): boolean {
  return /[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?/.test(String(value));
}

function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The formats `datesUtil.parseDate` tries, in its order. */
const DATE_FORMATS = [
  'DD/MM/YYYY HH:mm:ss', 'DD/MM/YYYY, HH:mm:ss', 'DD/MM/YYYY HH:mm', 'DD/MM/YYYY, HH:mm', 'DD/MM/YYYY',
  'YYYY/MM/DD HH:mm:ss', 'YYYY/MM/DD, HH:mm:ss', 'YYYY/MM/DD HH:mm', 'YYYY/MM/DD, HH:mm', 'YYYY/MM/DD',
];

/** Wall-clock date/time fields: year, month (0-11), day, hour, minute, second. */
type WallTime = [number, number, number, number, number, number];

/**
 * `moment.tz(text, format, zone)` without strict mode, for the formats above: each format token takes the first
 * run of digits that fits it anywhere in what is left of the text (YYYY 1-4 digits, the others 1-2; two-digit
 * years are 1969-2068), a separator takes its next occurrence, and anything skipped or left over is ignored. Fields
 * not found default like moment's (leading ones to today's UTC date, the rest to the start). The first format whose
 * result is a real date wins ("31/02/2020" is no date, but as YYYY/MM/DD it reads 2031-02-20 20:00).
 */
function parseMomentDate(text: string, now: number): WallTime | undefined {
  for (const format of DATE_FORMATS) {
    const fields: Array<number | undefined> = [undefined, undefined, undefined, undefined, undefined, undefined];
    let rest = text;
    let parsedAny = false;
    for (const token of format.match(/YYYY|DD|MM|HH|mm|ss|./g)!) {
      const known = token.length > 1;
      const match = known ? (token === 'YYYY' ? /\d{1,4}/ : /\d\d?/).exec(rest) : rest.includes(token) ? { index: rest.indexOf(token), 0: token } : null;
      if (!match) continue;
      rest = rest.slice(match.index + match[0].length);
      if (!known) continue;
      parsedAny = true;
      const n = Number(match[0]);
      if (token === 'YYYY') fields[0] = match[0].length === 2 ? n + (n > 68 ? 1900 : 2000) : n;
      else if (token === 'MM') fields[1] = n - 1;
      else if (token === 'DD') fields[2] = n;
      else if (token === 'HH') fields[3] = n;
      else if (token === 'mm') fields[4] = n;
      else fields[5] = n;
    }
    if (!parsedAny) continue;
    const today = new Date(now);
    const todayFields = [today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()];
    let i = 0;
    for (; i < 3 && fields[i] === undefined; i++) fields[i] = todayFields[i];
    for (; i < 6; i++) if (fields[i] === undefined) fields[i] = i === 2 ? 1 : 0;
    const [year, month, day, hour, minute, second] = fields as WallTime;
    const daysInMonth = month === 1 ? ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28) : 31 - ((month % 7) % 2);
    const valid =
      month >= 0 && month <= 11 && day >= 1 && day <= daysInMonth &&
      hour >= 0 && hour <= 24 && (hour < 24 || (minute === 0 && second === 0)) && minute <= 59 && second <= 59;
    if (valid) return [year, month, day, hour, minute, second];
  }
  return undefined;
}

/** Epoch milliseconds of a wall-clock time read as UTC, years 0-99 included (which `Date.UTC` maps to 19xx). */
function wallMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** The UTC instant (ISO) a range bound stands for; `isEnd` moves a value without a time to the next midnight. */
function zonedInstant(value: unknown, timezone: string, isEnd: boolean, now: number): string {
  if (typeof value !== 'string') throw new DateRangeError(`The date must be a string: ${String(value)}`);
  const wall = parseMomentDate(value.trim(), now);
  if (!wall) throw new DateRangeError(`Unable to parse the date: ${value} with timezone: ${timezone}`);
  const [year, month, day, hour, minute, second] = wall;
  const localMs = hasTimeComponent(value) ? wallMs(year, month, day, hour, minute, second) : wallMs(year, month, day + (isEnd ? 1 : 0));
  // Resolve the zone offset at that local time (two passes cover DST edges well enough for filtering).
  let utc = localMs - zoneOffset(localMs, timezone);
  utc = localMs - zoneOffset(utc, timezone);
  return new Date(utc).toISOString();
}

function zoneOffset(utcMs: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return wallMs(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(utcMs / 1000) * 1000;
}

class DateRangeError extends Error {}

/** Runs a change that ends in `doc.save()`; false when the save fails validation (see Domain.assertSavable). */
function saved(change: () => unknown): boolean {
  try {
    change();
    return true;
  } catch (error) {
    if (error instanceof SaveError) return false;
    throw error;
  }
}

/** Answers the populated request, or `failure` when populating its participants fails (see populateFailure). */
function populatedOr(ctx: RouteContext, request: RequestDoc, failure: Reply, shape: 'populated' | 'routed' = 'populated'): Reply {
  return populateFailure(request) ? failure : json(200, requestView(ctx.store, request, shape, ctx.domain.routedAgents.get(request)));
}

// ---- the guest mount (`routes/user-request.js`) --------------------------------------------------------------

export function guestRequestRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const [first, second] = rest;
  if (ctx.method === 'GET' && rest.length === 1 && first!.toLowerCase() === 'me') return listMine(ctx);
  if (ctx.method === 'PATCH' && rest.length === 2 && second!.toLowerCase() === 'rating') return rate(ctx, first!);
  if (ctx.method === 'PUT' && rest.length === 2 && second!.toLowerCase() === 'closeg') {
    const request = ctx.store.findRequest(ctx.projectId!, first!);
    if (!request || populateFailure(request)) return json(500, { success: false, error: 'Error closing request' });
    ctx.domain.closeRequest(request, callerOf(ctx).id, false);
    return json(200, requestView(ctx.store, request, 'populated'));
  }
  return undefined;
}

function listMine(ctx: RouteContext): Reply {
  const caller = callerOf(ctx);
  const limit = parseLimit(ctx);
  const page = parsePage(ctx);
  const predicates: Predicate[] = [];
  try {
    let statusFilter: Predicate | undefined = (r) => r.status < 1000;
    if (ctx.query.preflight !== 'true') predicates.push((r) => r.preflight === false);
    const byUser = isObjectIdLike(caller._id);
    predicates.push((r) => (byUser ? r.snapshot.requester?.id_user === caller._id : r.snapshot.requester?.uuid_user === caller._id));
    commonFilters(ctx, predicates);
    const status = ctx.query.status;
    if (status) {
      if (status === 'all') statusFilter = undefined;
      else {
        const wanted = Array.isArray(status) ? status.map((s) => castNumberOrThrow(s, 'status', MODEL)) : [castNumberOrThrow(status, 'status', MODEL)];
        statusFilter = (r) => wanted.includes(r.status);
      }
    }
    if (statusFilter) predicates.push(statusFilter);
    if (ctx.query.start_date) {
      dateRange(ctx.query.start_date, ctx.query.end_date, 'UTC', typeof ctx.query.filterRangeField === 'string' && !ctx.query.end_date ? ctx.query.filterRangeField : 'createdAt', predicates, ctx.domain.now());
    }
    if (ctx.query.channel) predicates.push((r) => matchesValue(r.channel.name, ctx.query.channel));
    return listAnswer(ctx, predicates, limit, page, typeof ctx.query.full_text === 'string' && ctx.query.full_text ? ctx.query.full_text : undefined);
  } catch (error) {
    if (error instanceof CastFailure) return json(500, { success: false, msg: 'Error getting requests.', err: error.json });
    if (error instanceof UnsupportedQuery) return json(500, { success: false, msg: 'Error getting requests.', err: {} });
    // `new Date(NaN).toISOString()` throws synchronously in the real route: Express answers 500 {"err":"error"}.
    if (error instanceof DateRangeError) throw new RouteCrash(error.message);
    throw error;
  }
}

function rate(ctx: RouteContext, requestId: string): Reply {
  const body = bodyObject(ctx);
  const request = ctx.store.requestsByRequestId.get(requestId);
  const pu = ctx.projectUser;
  if (!request || (pu && request.requester !== pu._id)) return json(404, { success: false, msg: 'Request not found' });
  try {
    if (body.rating) request.rating = castNumberOrThrow(body.rating, 'rating', MODEL);
  } catch {
    return json(500, { success: false, msg: 'Error updating object.' });
  }
  if (body.rating_message) request.rating_message = String(body.rating_message);
  ctx.domain.touch(request);
  return populatedOr(ctx, request, json(500, { success: false, msg: 'Error updating object.' }));
}

// ---- the agent mount (`routes/request.js`) -------------------------------------------------------------------

export function agentRequestRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  const method = ctx.method;
  const n = rest.length;
  const seg = (i: number) => rest[i]!;
  const low = (i: number) => rest[i]!.toLowerCase();
  if (n === 0) {
    if (method === 'POST') return createRequest(ctx);
    if (method === 'GET') return listRequests(ctx);
    return undefined;
  }
  if (n === 1) {
    if (method === 'POST' && low(0) === 'simple') return isNotEmpty(bodyObject(ctx).first_text) ? hang() : json(422, { errors: [validationError(bodyObject(ctx).first_text, 'first_text')] });
    if (method === 'PATCH') return patchRequest(ctx, seg(0));
    if (method === 'DELETE') return deleteRequest(ctx, seg(0));
    if (method === 'GET' && low(0) === 'count') return countRequests(ctx);
    if (method === 'GET' && low(0) === 'csv') return requestsCsv(ctx);
    if (method === 'GET') {
      const request = ctx.store.findRequest(ctx.projectId!, seg(0));
      return request ? populatedOr(ctx, request, json(500, { success: false, msg: 'Error getting object.' })) : json(404, { success: false, msg: 'Object not found.' });
    }
    return undefined;
  }
  const requestId = seg(0);
  const action = low(1);
  if (n === 2) {
    if (method === 'PUT' && action === 'close') return closeRequest(ctx, requestId);
    if (method === 'PUT' && action === 'reopen') {
      const request = ctx.store.findRequest(ctx.projectId!, requestId);
      if (!request || populateFailure(request)) return json(500, { success: false, error: 'Error reopening request' });
      if (!saved(() => ctx.domain.reopenRequest(request))) return json(500, { success: false, error: 'Error reopening request' });
      return json(200, requestView(ctx.store, request, 'populated'));
    }
    if (method === 'PUT' && action === 'assignee') return hang();
    if (method === 'POST' && action === 'participants') return addParticipant(ctx, requestId);
    if (method === 'PUT' && action === 'participants') return setParticipants(ctx, requestId);
    if (method === 'PUT' && action === 'replace') return replaceWithBot(ctx, requestId);
    if (method === 'PUT' && action === 'assign') return assign(ctx, requestId);
    if (method === 'PUT' && action === 'departments') return route(ctx, requestId, bodyObject(ctx).departmentid);
    if (method === 'PUT' && action === 'agent') {
      const request = ctx.store.findRequest(ctx.projectId!, requestId);
      if (!request) return json(404, { success: false, msg: 'Object not found.' });
      return route(ctx, requestId, request.department ?? ctx.store.defaultDepartment(ctx.projectId!)?._id);
    }
    if (method === 'PATCH' && action === 'attributes') return patchAttributes(ctx, requestId);
    if (method === 'POST' && action === 'notes') return addNote(ctx, requestId);
    if (method === 'POST' && action === 'followers') return addFollower(ctx, requestId);
    if (method === 'PUT' && action === 'followers') return setFollowers(ctx, requestId);
    if (method === 'PUT' && action === 'tag') return addTags(ctx, requestId);
    if (method === 'DELETE' && low(0) === 'id') return deleteById(ctx, seg(1));
    return undefined;
  }
  if (n === 3) {
    const target = seg(2);
    if (method === 'DELETE' && action === 'participants') return removeParticipant(ctx, requestId, target);
    if (method === 'DELETE' && action === 'notes') return removeNote(ctx, requestId, target);
    if (method === 'DELETE' && action === 'followers') return removeFollower(ctx, requestId, target);
    if (method === 'DELETE' && action === 'tag') return removeTag(ctx, requestId, target);
    if (method === 'POST' && action === 'email' && target.toLowerCase() === 'send') return sendEmail(ctx, requestId);
    if (method === 'GET' && action === 'chatbot' && target.toLowerCase() === 'parameters') {
      if (!requestId.startsWith(`support-group-${ctx.projectId}-`)) return json(401, { success: false, message: 'Request does not belong to the project' });
      return json(200, {});
    }
  }
  return undefined;
}

function createRequest(ctx: RouteContext): Reply {
  const body = bodyObject(ctx);
  if (!isNotEmpty(body.first_text)) return json(422, { errors: [validationError(body.first_text, 'first_text')] });
  const caller = callerOf(ctx);
  const projectId = ctx.projectId!;
  // `requester` is always the caller's project_user; an explicit sender only shapes the snapshot and the lead.
  const requester: ProjectUserDoc | undefined = ctx.projectUser;
  let snapshotRequester: ProjectUserDoc | undefined = ctx.projectUser;
  let fullname: unknown = body.senderFullname || caller.fullName;
  let email: unknown = body.email || caller.email;
  const sender = body.sender;
  if (sender) {
    const found = findSenderProjectUser(ctx, sender);
    if (!found) return json(403, { success: false, msg: `Unauthorized. Project_user not found with user id  : ${String(sender)}` });
    snapshotRequester = found;
    ({ fullname, email } = senderIdentity(ctx, found, fullname, email));
  }
  if (!requester) return json(500, { success: false, msg: 'Error saving object.', err: {} });
  const lead = ctx.domain.upsertLead(String(sender || caller._id), fullname, email, projectId, body.attributes || caller.attributes);
  try {
    const request = ctx.domain.createRequest({
      request_id: body.request_id ? requestIdOf(body.request_id) : ctx.domain.newRequestId(projectId),
      projectId,
      requester,
      snapshotRequester,
      lead,
      first_text: body.first_text,
      departmentid: body.departmentid,
      sourcePage: body.sourcePage,
      language: body.language,
      userAgent: body.userAgent,
      status: undefined,
      createdBy: caller._id,
      attributes: body.attributes,
      subject: body.subject,
      preflight: undefined,
      channel: body.channel,
      location: body.location,
      participants: body.participants,
      priority: body.priority,
      followers: body.followers,
    });
    return json(200, requestView(ctx.store, request, 'saved'));
  } catch (error) {
    if (error instanceof SaveError || error instanceof TypeError) return json(500, { success: false, message: 'Unable to create request', err: {} });
    throw error;
  }
}

/** A body `request_id` cast to String: arrays and objects fail the save. */
function requestIdOf(value: unknown): string {
  if (typeof value === 'object' && value !== null) throw new SaveError('request_id cast');
  return String(value);
}

/** `Project_user.findOne({id_project, status:'active', id_user|uuid_user: sender})` as the create routes do it. */
export function findSenderProjectUser(ctx: RouteContext, sender: unknown): ProjectUserDoc | undefined {
  const projectId = ctx.projectOid!;
  // A number passes `ObjectId.isValid` and then fails the cast inside the awaited query: no answer.
  if (typeof sender === 'number') throw new RouteHang('numeric sender');
  if (typeof sender !== 'string') return undefined;
  const value = String(sender);
  if (isObjectIdLike(sender)) {
    const id = castObjectId(value);
    return id ? ctx.store.findProjectUser(projectId, id, 'id_user', (pu) => pu.status === 'active') : undefined;
  }
  return ctx.store.findProjectUser(projectId, value, 'uuid_user', (pu) => pu.status === 'active');
}

/** Name and email of an explicit sender: from its user, or from its lead for guests. */
export function senderIdentity(ctx: RouteContext, pu: ProjectUserDoc, fullname: unknown, email: unknown): { fullname: unknown; email: unknown } {
  if (pu.id_user) {
    const user = ctx.store.users.get(pu.id_user);
    if (user) return { fullname: `${user.firstname ?? ''} ${user.lastname ?? ''}`, email: user.email };
    return { fullname, email };
  }
  if (pu.uuid_user) {
    const lead = ctx.store.leadByLeadId(ctx.projectId!, pu.uuid_user);
    if (lead) return { fullname: lead.fullname, email: lead.email };
  }
  return { fullname, email };
}

function listRequests(ctx: RouteContext): Reply {
  const limit = parseLimit(ctx);
  const page = parsePage(ctx);
  try {
    const predicates = requestFilters(ctx, 'list');
    const q = ctx.query;
    return listAnswer(ctx, predicates, limit, page, typeof q.full_text === 'string' && q.full_text ? q.full_text : undefined);
  } catch (error) {
    if (error instanceof CastFailure) return json(500, { success: false, msg: 'Error getting requests.', err: error.json });
    if (error instanceof UnsupportedQuery) return json(500, { success: false, msg: 'Error getting requests.', err: {} });
    if (error instanceof DateRangeError) return json(500, { success: false, error: error.message });
    throw error;
  }
}

/**
 * The filters `GET /requests` and `GET /requests/csv` build from the query string (the export has no
 * `workingStatus` filters and decides visibility on the role alone, with `mine` for owners and admins).
 * Throws CastFailure / DateRangeError / RouteCrash as the real routes fail.
 */
function requestFilters(ctx: RouteContext, mode: 'list' | 'csv'): Predicate[] {
  const caller = callerOf(ctx);
  const q = ctx.query;
  const predicates: Predicate[] = [];
  let statusFilter: Predicate | undefined = (r) => r.status < 1000 && r.status !== 50 && r.status !== 150;
  const me = caller.id;
  const mineOrAgents: Predicate = (r) => r.participants.includes(me) || (r.snapshot.agents ?? []).some((a) => a.id_user === me);
  if (mode === 'list') {
    const pu = projectUserOf(ctx);
    if (!hasPermissionOrRole(pu, 'request_read_all', ['owner', 'admin'])) {
      // Agents also see requests whose `snapshot.agents` lists them; that array is never persisted on the
      // observed server, so in practice both branches filter on participants.
      if (hasPermissionOrRole(pu, 'request_read_group', ['agent'])) predicates.push(mineOrAgents);
      else predicates.push((r) => r.participants.includes(me));
    }
  } else {
    const role = ctx.projectUser?.role;
    if (!(role === 'owner' || role === 'admin') || q.mine) predicates.push(mineOrAgents);
  }
  let preflightFilter: Predicate | undefined = (r) => r.preflight === false;
  // The route's synchronous steps, in its order, come before the query runs: a TypeError on a parameter that is not
  // a string (Express answers 500 {"err":"error"}) or a date-range error answers before any CastError of a filter.
  if (mode === 'list' && q.phone && typeof q.phone !== 'string') throw new RouteCrash('req.query.phone.replace is not a function');
  if (q.status && q.status !== 'all' && typeof q.status !== 'string') throw new RouteCrash('req.query.status.split is not a function');
  const timezone = q.timezone || 'Europe/Rome';
  const rangeField = typeof q.filterRangeField === 'string' && q.filterRangeField ? q.filterRangeField : 'createdAt';
  if (q.start_date || q.end_date) dateRange(q.start_date, q.end_date, timezone, rangeField, predicates, ctx.domain.now());
  else if (q.start_date_time || q.end_date_time) dateRange(q.start_date_time, q.end_date_time, timezone, rangeField, predicates, ctx.domain.now());
  const working = mode === 'list' && isPlainObject(q.workingStatus) ? q.workingStatus : undefined;
  for (const list of ['in', 'nin']) {
    const value = working?.[list];
    if (value && typeof value !== 'string') throw new RouteCrash(`req.query.workingStatus.${list}.split is not a function`);
  }
  commonFilters(ctx, predicates);
  const add = (predicate: Predicate | undefined) => {
    if (predicate) predicates.push(predicate);
  };
  add(fieldFilter(ctx, 'requester_email', 'String', 'email', (r) => r.snapshot.lead?.email));
  if (typeof q.phone === 'string') {
    const digits = q.phone.replace(/\D/g, '');
    if (digits.length > 0) predicates.push((r) => typeof r.contact === 'object' && r.contact !== null && typeof (r.contact as Record<string, unknown>).phone === 'string' && ((r.contact as Record<string, string>).phone ?? '').includes(digits));
  }
  if (q.status) {
    if (q.status === 'all') statusFilter = undefined;
    else {
      const wanted = (q.status as string).split(',').map(Number).filter((s) => !Number.isNaN(s));
      statusFilter = wanted.length > 0 ? (r) => wanted.includes(r.status) : undefined;
    }
  }
  add(fieldFilter(ctx, 'lead', 'ObjectId', 'lead', (r) => r.lead));
  if (q.preflight === 'true') preflightFilter = undefined;
  add(fieldFilter(ctx, 'snap_lead_lead_id', 'String', 'lead_id', (r) => r.snapshot.lead?.lead_id));
  add(fieldFilter(ctx, 'snap_lead_email', 'String', 'email', (r) => r.snapshot.lead?.email));
  add(fieldFilter(ctx, 'smartAssignment', 'Boolean', 'smartAssignment', (r) => r.smartAssignment));
  if (q.channel) {
    if (q.channel === 'offline') predicates.push((r) => r.channel.name === 'email' || r.channel.name === 'form');
    else if (q.channel === 'online') predicates.push((r) => r.channel.name !== 'email' && r.channel.name !== 'form');
    else add(fieldFilter(ctx, 'channel', 'String', 'name', (r) => r.channel.name));
  }
  if (working && typeof working.ne === 'string') {
    const ne = working.ne;
    predicates.push((r) => r.workingStatus !== ne);
  }
  add(fieldFilter(ctx, 'priority', 'String', 'priority', (r) => r.priority));
  for (const [param, attribute] of [
    ['caller', 'caller_phone'],
    ['called', 'called_phone'],
    ['call_id', 'call_id'],
  ] as const) {
    add(fieldFilter(ctx, param, 'Mixed', `attributes.${attribute}`, (r) => r.attributes?.[attribute]));
  }
  if (q.duration && q.duration_op) {
    const duration = Number(q.duration) * 60 * 1000;
    // `{$gte: NaN}` fails the Number cast when the query runs.
    if (Number.isNaN(duration) && (q.duration_op === 'gt' || q.duration_op === 'lt')) throw castError('Number', Number.NaN, 'duration', MODEL);
    if (q.duration_op === 'gt') predicates.push((r) => typeof r.duration === 'number' && r.duration >= duration);
    else if (q.duration_op === 'lt') predicates.push((r) => typeof r.duration === 'number' && r.duration <= duration);
  }
  if (q.abandonded && q.abandoned === 'true') predicates.push((r) => r.attributes?.fully_abandoned === true);
  if (q.rated === 'true') predicates.push((r) => r.rating !== undefined && r.rating !== null);
  if (q.draft === 'false') predicates.push((r) => r.draft === false || r.draft === undefined || r.draft === null);
  const list = (value: unknown) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  const nin = working ? list(working.nin) : undefined;
  const inList = working ? list(working.in) : undefined;
  if (nin && nin.length > 0) predicates.push((r) => !nin.includes(String(r.workingStatus)));
  else if (inList && inList.length > 0) predicates.push((r) => typeof r.workingStatus === 'string' && inList.includes(r.workingStatus));
  if (statusFilter) predicates.push(statusFilter);
  if (preflightFilter) predicates.push(preflightFilter);
  return predicates;
}

function countRequests(ctx: RouteContext): Reply {
  const requests = [...(ctx.store.requestsByProject.get(ctx.projectId!)?.values() ?? [])];
  if (ctx.query.conversation_quota === 'true') {
    const now = new Date(ctx.domain.now());
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0));
    const inSlot = (r: RequestDoc) => r.createdAt >= start.toISOString() && r.createdAt <= new Date(end.getTime() + 86_399_999).toISOString();
    const fmt = (d: Date) => `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
    return json(200, {
      open: requests.filter((r) => inSlot(r) && r.status < 1000 && r.status > 50).length,
      closed: requests.filter((r) => inSlot(r) && r.status === 1000).length,
      slot: { startDate: fmt(start), endDate: fmt(end) },
    });
  }
  const count = (status: number, hasBot?: boolean) =>
    requests.filter((r) => r.status === status && r.preflight === false && (hasBot === undefined || r.hasBot === hasBot)).length;
  const unassigned = count(RequestStatus.UNASSIGNED);
  const assigned = count(RequestStatus.ASSIGNED, false);
  const botAssigned = count(RequestStatus.ASSIGNED, true);
  if (ctx.query.merge_assigned) return json(200, { unassigned, assigned: assigned + botAssigned });
  return json(200, { unassigned, assigned, bot_assigned: botAssigned });
}

const CSV_DATES = new Set(['createdAt', 'updatedAt', 'assigned_at', 'closed_at', 'first_response_at']);

/**
 * `GET /requests/csv`: the list's filters, 100 000 per `page`, the lean document without `transcript`,
 * `status` and `__v`, flattened as the route does (channel, department and lead names appended, tags joined,
 * sub-documents dropped), through csv-express.
 */
function requestsCsv(ctx: RouteContext): Reply {
  const q = ctx.query;
  let predicates: Predicate[];
  try {
    predicates = requestFilters(ctx, 'csv');
  } catch (error) {
    if (error instanceof CastFailure) return json(500, { success: false, msg: 'Error getting csv requests.', err: error.json });
    if (error instanceof UnsupportedQuery) return json(500, { success: false, msg: 'Error getting csv requests.', err: {} });
    if (error instanceof DateRangeError) return json(500, { success: false, error: error.message });
    throw error;
  }
  const direction = sortDirection(q.direction === undefined || q.direction === '' ? -1 : q.direction);
  const sortField = typeof q.sort === 'string' && q.sort ? q.sort : 'createdAt';
  const textQuery = typeof q.full_text === 'string' && q.full_text ? q.full_text : undefined;
  const scan = () => [...(ctx.store.requestsByProject.get(ctx.projectId!)?.values() ?? [])].filter((r) => predicates.every((p) => p(r)));
  const all = hasRegexOperator(q) ? withRegexFastPass(scan) : scan();
  const search = textQuery !== undefined ? parseTextSearch(textQuery) : undefined;
  const scored = search !== undefined
    ? all.flatMap((r) => {
      const score = textScore(r, search);
      return score === undefined ? [] : [{ r, score }];
    })
    : all.map((r) => ({ r, score: 0 }));
  const byScore = textQuery !== undefined && q.no_textscore !== 'true';
  const ordered = byScore ? [...scored].sort((a, b) => b.score - a.score) : sortBy(scored, `r.${sortField}`, direction);
  const page = parsePage(ctx);
  const rows: Record<string, unknown>[] = [];
  for (const { r, score } of paginate(ordered, page * 100_000, 100_000)) {
    // `tag.tag` of a null tag throws inside the query callback: nothing is answered.
    if (r.tags.some((tag) => tag === null)) return hang();
    const row: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(r)) {
      if (value === undefined || key === 'transcript' || key === 'status' || key === '__v') continue;
      row[key] = CSV_DATES.has(key) ? csvDate(value) : value;
    }
    if (byScore) row.score = score;
    delete row.channel;
    row.channel_name = r.channel.name ?? '';
    const department = r.department ? ctx.store.departments.get(r.department) : undefined;
    delete row.department;
    row.department_name = department?.name ?? '';
    const lead = r.lead ? ctx.store.leads.get(r.lead) : undefined;
    row.lead_fullname = lead?.fullname || '';
    row.lead_email = lead?.email || '';
    row.tags = r.tags.map((tag) => tag?.tag).join(', ');
    const attributes = r.attributes;
    if (attributes?.caller_phone) row.caller_phone = attributes.caller_phone;
    if (attributes?.called_phone) row.called_phone = attributes.called_phone;
    if (attributes?.caller_phone) row.call_id = attributes.call_id;
    for (const key of ['lead', 'attributes', 'notes', 'channelOutbound', 'location', 'snapshot']) delete row[key];
    rows.push(row);
  }
  return { kind: 'text', status: 200, body: csvExpress(rows), contentType: 'text/csv; charset=utf-8', etag: true };
}

const PATCH_FIELDS = ['lead', 'status', 'tags', 'rating', 'rating_message', 'sourcePage', 'language', 'first_text', 'subject', 'location', 'priority'] as const;

function patchRequest(ctx: RouteContext, requestId: string): Reply {
  const body = bodyObject(ctx);
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  const update: Record<string, unknown> = {};
  try {
    for (const field of PATCH_FIELDS) {
      const value = body[field];
      if (!value) continue;
      if (field === 'lead') update.lead = castObjectIdOrThrow(value, 'lead', MODEL);
      else if (field === 'status' || field === 'rating') update[field] = castNumberOrThrow(value, field, MODEL);
      else if (field === 'tags') {
        const tags = Array.isArray(value) ? value : [value];
        // A tag that is not an object cannot be cast to the tag sub-document: the update fails.
        if (tags.some((t) => !isPlainObject(t))) throw new SaveError('tags');
        update.tags = tags.map((t) => ctx.domain.tagDoc(t));
      }
      else if (field === 'location') update.location = castLocation(value);
      else if (typeof value === 'object') throw new SaveError(field);
      else update[field] = String(value);
    }
    if (body.smartAssignment !== undefined && body.smartAssignment !== null) update.smartAssignment = castBooleanOrThrow(body.smartAssignment, 'smartAssignment', MODEL);
    if (body.workingStatus !== undefined && body.workingStatus !== null) {
      if (typeof body.workingStatus === 'object') throw new SaveError('workingStatus');
      update.workingStatus = String(body.workingStatus);
    }
    if (body.channelName) {
      if (typeof body.channelName === 'object') throw new SaveError('channel');
      update.channelName = String(body.channelName);
    }
  } catch (error) {
    if (error instanceof CastFailure || error instanceof SaveError) return json(500, { success: false, msg: 'Error updating object.' });
    throw error;
  }
  if (!request) return json(404, { success: false, msg: 'Request not found' });
  for (const [key, value] of Object.entries(update)) {
    if (key === 'channelName') request.channel = { name: value as string };
    else request[key] = value;
  }
  ctx.domain.touch(request);
  if (update.workingStatus !== undefined) ctx.domain.recountAssigned(request.id_project, request.participantsAgents);
  return populatedOr(ctx, request, json(500, { success: false, msg: 'Error updating object.' }));
}

function closeRequest(ctx: RouteContext, requestId: string): Reply {
  const caller = callerOf(ctx);
  const role = ctx.projectUser?.role;
  if (role && role !== 'owner' && role !== 'admin') {
    const request = ctx.store.findRequest(ctx.projectId!, requestId);
    if (!request) return json(404, { success: false, error: 'Request not found' });
    if (!request.participantsAgents.includes(caller.id)) return json(403, { success: false, error: 'You must be among the participants to close a conversation.' });
  }
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request || populateFailure(request)) return json(500, { success: false, error: 'Error closing request' });
  // `closeRequestByRequestId` sets an undefined `force` to false, then skips a closed request when `force == false`:
  // JavaScript's loose equality, so "false", 1 or {} close it again while 0, "", "0" or [] do not.
  const force = bodyObject(ctx).force;
  ctx.domain.closeRequest(request, caller.id, force !== undefined && force !== null && !((force as unknown) == false));
  return json(200, requestView(ctx.store, request, 'populated'));
}

function addParticipant(ctx: RouteContext, requestId: string): Reply {
  const member = bodyObject(ctx).member;
  if (!isNotEmpty(member)) return json(422, { errors: [validationError(member, 'member')] });
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(500, { success: false, error: 'Error adding participant' });
  if (typeof member !== 'string') return request.participants.includes(member as string) ? populatedOr(ctx, request, json(200, undefined)) : hang();
  // An unchanged request is populated and resolved even when populating failed (200 with an empty body).
  if (request.participants.includes(member)) return populatedOr(ctx, request, json(200, undefined));
  if (!saved(() => ctx.domain.addParticipant(request, member))) return json(500, { success: false, error: 'Error adding participant' });
  return populatedOr(ctx, request, json(500, { success: false, error: 'Error adding participant' }));
}

function setParticipants(ctx: RouteContext, requestId: string): Reply {
  const body = ctx.body;
  // `req.body.forEach` on an object throws inside an async handler: the real server never answers.
  if (!Array.isArray(body)) return hang();
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(500, { success: false, error: 'Error setting participants' });
  if (!body.every((p) => typeof p === 'string')) return hang();
  if (arraysEqual(request.participants, body)) return populatedOr(ctx, request, json(200, undefined));
  if (!saved(() => ctx.domain.setParticipants(request, [...(body as string[])]))) return json(500, { success: false, error: 'Error setting participants' });
  return populatedOr(ctx, request, json(500, { success: false, error: 'Error setting participants' }));
}

function replaceWithBot(ctx: RouteContext, requestId: string): Reply {
  const body = bodyObject(ctx);
  if (body.id) {
    const request = ctx.store.findRequest(ctx.projectId!, requestId);
    if (!request) return json(500, { success: false, error: 'Error setting participants to request' });
    if (!saved(() => ctx.domain.setParticipants(request, [`bot_${String(body.id)}`]))) return json(500, { success: false, error: 'Error setting participants to request' });
    if (populateFailure(request)) return json(500, { success: false, error: 'Error setting participants to request' });
    return json(200, { ...requestView(ctx.store, request, 'populated'), replaced_bot_root_id: String(body.id) });
  }
  if (body.name) return json(404, { success: false, error: `Chatbot with name '${String(body.name)}' not found` });
  if (body.slug) return json(404, { success: false, error: `Chatbot with slug '${String(body.slug)}' not found` });
  return json(400, { success: false, error: "Missing field 'id' or 'name' in body" });
}

function removeParticipant(ctx: RouteContext, requestId: string, member: string): Reply {
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  const failure = json(400, { success: false, error: `Unable to remove the participant ${member} from the request ${requestId}` });
  if (!request) return failure;
  if (!request.participants.includes(member)) return populatedOr(ctx, request, json(200, undefined));
  if (!saved(() => ctx.domain.removeParticipant(request, member))) return failure;
  return populatedOr(ctx, request, failure);
}

function assign(ctx: RouteContext, requestId: string): Reply {
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(404, { success: false, msg: 'Request not found' });
  if (request.status === RequestStatus.ASSIGNED || request.status === RequestStatus.SERVED || request.status === RequestStatus.CLOSED) {
    return json(200, requestView(ctx.store, request, 'plain'));
  }
  return route(ctx, requestId, bodyObject(ctx).departmentid);
}

function route(ctx: RouteContext, requestId: string, departmentId: unknown): Reply {
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(500, { success: false, msg: 'Error changing the department.' });
  try {
    // `req.body.nobot`, read for its truthiness: a bot department then routes like one without a bot.
    ctx.domain.routeRequest(request, departmentId === undefined || departmentId === null || departmentId === '' ? undefined : String(departmentId), Boolean(bodyObject(ctx).nobot));
  } catch (error) {
    if (error instanceof SaveError) return json(500, { success: false, msg: 'Error changing the department.' });
    throw error;
  }
  if (bodyObject(ctx).no_populate === true) return json(200, requestView(ctx.store, request, 'plain'));
  return populatedOr(ctx, request, json(500, { success: false, msg: 'Error changing the department.' }), 'routed');
}

function patchAttributes(ctx: RouteContext, requestId: string): Reply {
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(404, { success: false, msg: 'Object not found.' });
  if (populateFailure(request)) return json(500, { success: false, msg: 'Error getting object.' });
  const data = bodyObject(ctx);
  if (!saved(() => ctx.domain.mergeAttributes(request, data))) return json(500, { success: false, msg: 'Error getting object.' });
  return json(200, requestView(ctx.store, request, 'populated'));
}

/** Agents may only annotate conversations they take part in (the lookup ignores the project, as on the server). */
function agentParticipation(ctx: RouteContext, requestId: string): Reply | undefined {
  // `project_user.role` of a caller let in without a membership throws inside the async handler: no answer.
  if (!ctx.projectUser) return hang();
  if (ctx.projectUser.role !== 'agent') return undefined;
  const request = ctx.store.requestsByRequestId.get(requestId);
  if (!request) return json(404, { success: false, error: `Request with id ${requestId} not found.` });
  if (!request.participantsAgents.includes(callerOf(ctx).id)) return json(403, { success: false, error: 'You are not participating in the conversation' });
  return undefined;
}

function addNote(ctx: RouteContext, requestId: string): Reply {
  const text = bodyObject(ctx).text;
  if (!text) return json(400, { success: false, error: `Field 'text' is required. Received value: ${String(text)}` });
  if (typeof text !== 'string') return hang();
  if (text.trim() === '') return json(400, { success: false, error: `Field 'text' is required. Received value: ${text}` });
  const denied = agentParticipation(ctx, requestId);
  if (denied) return denied;
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  // findOneAndUpdate found nothing: the route answers `null` with 200.
  if (!request) return json(200, null);
  ctx.domain.addNote(request, text, callerOf(ctx).id);
  return populatedOr(ctx, request, json(500, { success: false, msg: 'Error adding request object.' }));
}

function removeNote(ctx: RouteContext, requestId: string, noteId: string): Reply {
  const denied = agentParticipation(ctx, requestId);
  if (denied) return denied;
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(200, null);
  if (!castObjectId(noteId)) return json(500, { success: false, msg: 'Error adding request object.' });
  ctx.domain.removeNote(request, castObjectId(noteId)!);
  return populatedOr(ctx, request, json(500, { success: false, msg: 'Error adding request object.' }));
}

function sendEmail(ctx: RouteContext, requestId: string): Reply {
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(404, { success: false, msg: 'Object not found.' });
  const lead = request.lead ? ctx.store.leads.get(request.lead) : undefined;
  if (!lead) return hang();
  if (!lead.email) return json(200, { 'no queued': true });
  return json(200, { queued: true });
}

function addFollower(ctx: RouteContext, requestId: string): Reply {
  const member = bodyObject(ctx).member;
  if (!isNotEmpty(member)) return json(422, { errors: [validationError(member, 'member')] });
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(500, { success: false, error: 'Error adding follower' });
  // `followers.indexOf(member)` casts to ObjectId inside a callback: a member that does not cast throws, unanswered.
  const id = castObjectId(Array.isArray(member) && member.length === 1 ? member[0] : member);
  if (!id) return hang();
  if (!request.followers.includes(id) && !saved(() => ctx.domain.setFollowers(request, [...request.followers, id]))) return json(500, { success: false, error: 'Error adding follower' });
  return populatedOr(ctx, request, json(500, { success: false, error: 'Error adding follower' }));
}

function setFollowers(ctx: RouteContext, requestId: string): Reply {
  // Unlike the participants and tags routes (async handlers: no answer), this one is synchronous: `req.body.forEach`
  // on a non-array throws where Express catches it.
  if (!Array.isArray(ctx.body)) throw new RouteCrash('req.body.forEach is not a function');
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  const ids = (ctx.body as unknown[]).map((f) => castObjectId(f));
  if (!request || ids.some((id) => id === undefined)) return json(500, { success: false, error: 'Error setting followers' });
  // An unchanged list is answered without saving (and without an update event).
  const unchanged = arraysEqual(request.followers, ids as string[]);
  if (!unchanged && !saved(() => ctx.domain.setFollowers(request, ids as string[]))) return json(500, { success: false, error: 'Error setting followers' });
  return populatedOr(ctx, request, json(500, { success: false, error: 'Error setting followers' }));
}

function removeFollower(ctx: RouteContext, requestId: string, followerId: string): Reply {
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(500, { success: false, error: 'Error removing follower' });
  const id = castObjectId(followerId) ?? followerId;
  if (request.followers.includes(id) && !saved(() => ctx.domain.setFollowers(request, request.followers.filter((f) => f !== id)))) {
    return json(500, { success: false, error: 'Error removing follower' });
  }
  return populatedOr(ctx, request, json(500, { success: false, error: 'Error removing follower' }));
}

function addTags(ctx: RouteContext, requestId: string): Reply {
  const body = ctx.body;
  if (Array.isArray(body) && body.length === 0) return json(400, { success: false, message: 'No tag specified' });
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(404, { success: false, error: `Request not found with request id ${requestId}` });
  if (!Array.isArray(body)) return hang();
  try {
    ctx.domain.addTags(request, body);
  } catch (error) {
    if (error instanceof RouteHang) return hang();
    throw error;
  }
  return populatedOr(ctx, request, json(500, { success: false, error: `Error updating request with id ${requestId}` }));
}

function removeTag(ctx: RouteContext, requestId: string, tagId: string): Reply {
  const id = castObjectId(tagId);
  if (!id) {
    return json(500, { success: false, error: castErrorFor(tagId) });
  }
  const request = ctx.store.findRequest(ctx.projectId!, requestId);
  if (!request) return json(404, { success: false, error: `Request not found with id ${requestId}` });
  ctx.domain.removeTag(request, id);
  const failure = populateFailure(request);
  return failure ? json(500, { success: false, error: failure }) : json(200, requestView(ctx.store, request, 'populated'));
}

/** The CastError of a `$pull` on a sub-document `_id`: no model in the message. */
function castErrorFor(value: string): Record<string, unknown> {
  return castError('ObjectId', value, '_id', undefined).json;
}

function deleteRequest(ctx: RouteContext, requestId: string): Reply {
  const pu = projectUserOf(ctx);
  if (!hasPermissionOrRole(pu, 'request_delete', 'owner')) return json(403, { success: false, msg: 'Unauthorized.' });
  // Both lookups ignore the project, as on the real server.
  const request = ctx.store.requestsByRequestId.get(requestId);
  ctx.store.deleteMessagesByRecipient(requestId);
  if (!request) return json(404, { success: false, msg: 'Object not found.' });
  const view = requestView(ctx.store, request, 'deleted');
  ctx.domain.deleteRequest(request);
  return json(200, view);
}

function deleteById(ctx: RouteContext, id: string): Reply {
  const pu = projectUserOf(ctx);
  if (!hasPermissionOrRole(pu, 'request_delete', 'owner')) return json(403, { success: false, msg: 'Unauthorized.' });
  const objectId = castObjectId(id);
  if (!objectId) return json(500, { success: false, msg: 'Error deleting object.' });
  const request = ctx.store.requestsById.get(objectId);
  if (request) {
    ctx.domain.refreshAssignment(request, true);
    ctx.store.removeRequest(request);
  }
  const deleted = request ? 1 : 0;
  return json(200, { n: deleted, ok: 1, deletedCount: deleted });
}

