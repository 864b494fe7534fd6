import { RouteHang } from './http.js';
import type { ProjectDoc } from './store.js';
import { isActiveSubscription } from './views.js';

/*
 * The real server's operating hours (`services/operatingHoursService.js`), which `GET /projects/:id/isopen` and
 * `GET /projects/:id/users/availables` answer from. Its quirks are kept: loose comparisons, the week day read with
 * the process's own time zone from a date already shifted to the project's, exclusive minute bounds, moment's lax
 * "HH:mm" parsing, and the throws that leave a call unanswered (RouteHang).
 */

/** The service's error object, answered as the route's `msg` / `error`. */
export type HoursError = Record<string, unknown>;

/** Open or closed, or the service's error. */
export type Openness = { open: boolean } | { error: HoursError };

/** The project's own guard: a free plan whose trial ended, or a paid one whose subscription lapsed, is always open. */
function alwaysOpen(project: ProjectDoc, nowMs: number): boolean {
  // The real `trialExpired` is never true here (see views.ts), so only the lapsed subscription remains.
  return project.profile.type === 'payment' && isActiveSubscription(project, nowMs) === false;
}

/** The real service's loose `==` (its operands are JSON values), kept on purpose. */
const looseEquals = (value: unknown, other: unknown): boolean => value == other;

/** `projectIsOpenNow(projectId)`; `project` is `findOne({_id, status: 100})`, undefined when the id does not cast. */
export function projectIsOpenNow(rawProjectId: string, projectId: string | undefined, project: ProjectDoc | undefined, nowMs: number): Openness {
  if (!projectId) return { error: { errorCode: 1000, msg: 'Error getting object.' } };
  if (!project) return { error: { errorCode: 1010, msg: 'project not found for id', projectId: rawProjectId } };
  if (alwaysOpen(project, nowMs)) return { open: true };
  const active = project.activeOperatingHours as unknown;
  if (active === undefined || active === false) return { open: true };
  const hours = project.operatingHours;
  if (looseEquals(hours, '')) return { error: { errorCode: 1020, msg: 'Operating hours is empty' } };
  // Active without hours: no branch calls back, so the call is never answered.
  if (!hours) throw new RouteHang('activeOperatingHours without operatingHours');
  // `JSON.parse` and `.tzname` run outside the service's try: a throw there is uncaught.
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(String(hours)) as Record<string, unknown>;
  } catch {
    throw new RouteHang('operatingHours is not JSON');
  }
  if (parsed === null) throw new RouteHang('operatingHours is null');
  const tzname = parsed.tzname;
  if (looseEquals(tzname, undefined) || looseEquals(tzname, '')) return { error: { errorCode: 2000, msg: 'Timezone undefined.' } };
  try {
    const shifted = new Date(nowMs + zoneOffsetMinutes(tzname, nowMs) * 60_000);
    // `getDay()`: the process's time zone, applied to a date already shifted to the project's.
    const day = shifted.getDay();
    const now = parseHourMinute(shifted.toISOString().slice(11, 19));
    let matched = false;
    for (const key in parsed) {
      if (key === 'tzname' || !looseEquals(day, key)) continue;
      // Only the first key naming today counts (`checkTimes` returns from inside its loop).
      matched = dayIsOpen(parsed[key], now);
      break;
    }
    return { open: matched };
  } catch (error) {
    return { error: { errorCode: 3000, msg: (error as Error).message } };
  }
}

/** `checkTimes` for one day's value: is the current minute strictly inside one of its `{start, end}` ranges? */
function dayIsOpen(ranges: unknown, now: number | undefined): boolean {
  if (ranges === null || ranges === undefined) throw new TypeError(`Cannot read properties of ${String(ranges)} (reading 'forEach')`);
  if (!Array.isArray(ranges)) throw new TypeError('operatingHoursPars[operatingHoursweekDay].forEach is not a function');
  let open = false;
  for (const range of ranges as unknown[]) {
    if (range === null || range === undefined) throw new TypeError(`Cannot read properties of ${String(range)} (reading 'start')`);
    const { start, end } = range as { start?: unknown; end?: unknown };
    const from = parseHourMinute(start);
    const to = parseHourMinute(end);
    if (now !== undefined && from !== undefined && to !== undefined && from < now && now < to) open = true;
  }
  return open;
}

/** `slotIsOpenNow(projectId, slotId)`: one of the project's `timeSlots` (`?timeSlot=`). */
export function slotIsOpenNow(rawProjectId: string, projectId: string | undefined, project: ProjectDoc | undefined, slotId: unknown, nowMs: number): Openness {
  if (!projectId) return { error: { errorCode: 1000, msg: 'Error getting project.' } };
  if (!project) return { error: { errorCode: 1010, msg: `Project not found for id${rawProjectId}` } };
  if (alwaysOpen(project, nowMs)) return { open: true };
  const slots = project.timeSlots;
  if (!slots) return { open: true };
  // A property lookup, with the key's string form (`timeSlots[slot_id]`).
  const slot = (Object(slots) as Record<string, unknown>)[String(slotId)];
  if (!slot) return { error: { errorCode: 1030, msg: `Slot not found with id ${String(slotId)}` } };
  const { active, hours: rawHours } = Object(slot) as { active?: unknown; hours?: unknown };
  if (looseEquals(active, false)) return { open: true };
  if (!rawHours) return { error: { errorCode: 1020, msg: 'Operating hours is empty' } };
  // From here on the service runs in an async callback: any throw rejects a promise nobody handles.
  let hours: Record<string, unknown>;
  try {
    hours = JSON.parse(String(rawHours)) as Record<string, unknown>;
  } catch {
    throw new RouteHang('time slot hours are not JSON');
  }
  if (hours === null || hours === undefined) throw new RouteHang('time slot hours are null');
  const tzname = hours.tzname;
  if (tzname && typeof tzname !== 'string') throw new RouteHang('time zone name is not a string');
  // `moment.tz(tzname)`: the zone's wall clock now; today's ranges are read on the UTC date, at the zone's offset.
  const offset = tzname ? zoneOffsetMinutes(tzname, nowMs) : 0;
  const local = new Date(nowMs + offset * 60_000);
  const isoWeekday = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
  const ranges = hours[String(isoWeekday)];
  if (!ranges) return { open: false };
  if (!Array.isArray(ranges)) throw new RouteHang('daySlots.forEach is not a function');
  const utcMidnight = Math.floor(nowMs / 86_400_000) * 86_400_000;
  return {
    open: (ranges as unknown[]).some((range) => {
      if (range === null || range === undefined) throw new RouteHang('a time slot range is null');
      const { start, end } = range as { start?: unknown; end?: unknown };
      const from = parseHourMinute(start);
      const to = parseHourMinute(end);
      if (from === undefined || to === undefined) return false;
      // `isBetween(start, end, null, '[)')` in milliseconds.
      const startMs = utcMidnight + (from - offset) * 60_000;
      const endMs = utcMidnight + (to - offset) * 60_000;
      return startMs <= nowMs && nowMs < endMs;
    }),
  };
}

/**
 * moment's lax `"HH:mm"` parse, as minutes after midnight: one or two digits anywhere, then (after the first `:`
 * if any) one or two more; `24:00` is the next midnight; no digits, an hour past 23 or minutes past 59 are invalid.
 */
export function parseHourMinute(value: unknown): number | undefined {
  const text = String(value);
  const hour = /\d\d?/.exec(text);
  if (!hour) return undefined;
  let rest = text.slice(hour.index + hour[0].length);
  const colon = rest.indexOf(':');
  if (colon >= 0) rest = rest.slice(colon + 1);
  const minute = /\d\d?/.exec(rest);
  const h = Number(hour[0]);
  const m = minute ? Number(minute[0]) : 0;
  if (m > 59 || h > 24 || (h === 24 && m !== 0)) return undefined;
  return h * 60 + m;
}

/**
 * The zone's offset from UTC in minutes at `atMs` (moment-timezone's `utcOffset()`). A name that is not a string
 * throws moment's error; an unknown zone is UTC (moment only logs).
 */
export function zoneOffsetMinutes(name: unknown, atMs: number): number {
  if (typeof name !== 'string') throw new Error(`Time zone name must be a string, got ${String(name)} [${typeof name}]`);
  // Intl also takes offsets such as "+01:00", which moment-timezone does not know.
  if (!/^[A-Za-z]/.test(name)) return 0;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    return 0;
  }
  const part = Object.fromEntries(format.formatToParts(atMs).map((p) => [p.type, Number(p.value)]));
  const wall = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!);
  return Math.round((wall - Math.floor(atMs / 1000) * 1000) / 60_000);
}
