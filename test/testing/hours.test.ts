/**
 * Operating hours at fixed instants, which the conformance scenarios (`projects.operating-hours`) cannot pin: they
 * run at whatever time the suite runs, so they only use ranges far from the current minute.
 */
import { describe, expect, it } from 'vitest';
import { parseHourMinute, projectIsOpenNow, slotIsOpenNow, zoneOffsetMinutes } from '../../src/testing/hours.js';
import { RouteHang } from '../../src/testing/http.js';
import type { ProjectDoc } from '../../src/testing/store.js';

const PID = '5f0000000000000000000001';

function project(fields: Record<string, unknown>): ProjectDoc {
  return { _id: PID, status: 100, profile: { trialDays: 14, name: 'Sandbox', agents: 0, type: 'free' }, createdAt: '2026-01-01T00:00:00.000Z', ...fields } as unknown as ProjectDoc;
}

/** A project with active hours: every day the given ranges, in `tzname`. */
function withHours(tzname: string, ranges: unknown, days = ['0', '1', '2', '3', '4', '5', '6']): ProjectDoc {
  return project({ activeOperatingHours: true, operatingHours: JSON.stringify({ tzname, ...Object.fromEntries(days.map((d) => [d, ranges])) }) });
}

const at = (iso: string) => Date.parse(iso);
const isOpen = (p: ProjectDoc, iso: string) => projectIsOpenNow(PID, PID, p, at(iso));

describe('projectIsOpenNow', () => {
  it('excludes both bounds at minute precision: 09:00 and 17:00 are closed, 09:01 and 16:59 open', () => {
    const p = withHours('UTC', [{ start: '09:00', end: '17:00' }]);
    expect(isOpen(p, '2026-01-05T09:00:59Z')).toEqual({ open: false });
    expect(isOpen(p, '2026-01-05T09:01:00Z')).toEqual({ open: true });
    expect(isOpen(p, '2026-01-05T16:59:59Z')).toEqual({ open: true });
    expect(isOpen(p, '2026-01-05T17:00:00Z')).toEqual({ open: false });
  });

  it("reads the time at the zone's offset of the moment, daylight saving time included", () => {
    const p = withHours('Europe/Rome', [{ start: '09:00', end: '10:00' }]);
    expect(isOpen(p, '2026-07-06T07:30:00Z')).toEqual({ open: true }); // 09:30 CEST
    expect(isOpen(p, '2026-01-05T08:30:00Z')).toEqual({ open: true }); // 09:30 CET
    expect(isOpen(p, '2026-01-05T07:30:00Z')).toEqual({ open: false }); // 08:30 CET
  });

  it('treats an unknown zone as UTC (moment-timezone only logs)', () => {
    const p = withHours('Mars/Olympus_Mons', [{ start: '09:00', end: '10:00' }]);
    expect(isOpen(p, '2026-01-05T09:30:00Z')).toEqual({ open: true });
  });

  it('counts only the first key naming the day, in property order ("1" before "01")', () => {
    const monday = '2026-01-05T12:00:00Z';
    const both = project({ activeOperatingHours: true, operatingHours: JSON.stringify({ tzname: 'UTC', '01': [{ start: '00:00', end: '24:00' }], 1: [{ start: '00:00', end: '01:00' }] }) });
    expect(isOpen(both, monday)).toEqual({ open: false });
    const padded = project({ activeOperatingHours: true, operatingHours: JSON.stringify({ tzname: 'UTC', '01': [{ start: '00:00', end: '24:00' }] }) });
    expect(isOpen(padded, monday)).toEqual({ open: true });
  });

  it('leaves a project with hours that are not a JSON string unanswered (the parse throws outside the try)', () => {
    expect(() => isOpen(project({ activeOperatingHours: true, operatingHours: { tzname: 'UTC' } }), '2026-01-05T12:00:00Z')).toThrow(RouteHang);
  });

  it('is always open on a paid plan whose subscription lapsed', () => {
    const p = withHours('UTC', []);
    expect(isOpen(p, '2026-01-05T12:00:00Z')).toEqual({ open: false });
    (p.profile as Record<string, unknown>).type = 'payment';
    (p.profile as Record<string, unknown>).subEnd = '2025-01-01T00:00:00.000Z';
    expect(isOpen(p, '2026-01-05T12:00:00Z')).toEqual({ open: true });
  });
});

describe('slotIsOpenNow', () => {
  const slot = (tzname: string, start: string, end: string) =>
    project({ timeSlots: { s: { hours: JSON.stringify({ tzname, ...Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ start, end }]])) }) } } });
  const slotOpen = (p: ProjectDoc, iso: string) => slotIsOpenNow(PID, PID, p, 's', at(iso));

  it('includes the start and excludes the end, to the millisecond', () => {
    const p = slot('UTC', '09:00', '17:00');
    expect(slotOpen(p, '2026-01-05T08:59:59.999Z')).toEqual({ open: false });
    expect(slotOpen(p, '2026-01-05T09:00:00.000Z')).toEqual({ open: true });
    expect(slotOpen(p, '2026-01-05T16:59:59.999Z')).toEqual({ open: true });
    expect(slotOpen(p, '2026-01-05T17:00:00.000Z')).toEqual({ open: false });
  });

  it("places the ranges on the UTC date, so a zone whose date is already tomorrow reads them a day early (observed on the real server)", () => {
    const p = slot('Pacific/Kiritimati', '00:00', '24:00');
    // 09:00Z is 23:00 the same day at UTC+14: the UTC date is the zone's.
    expect(slotOpen(p, '2026-01-05T09:00:00Z')).toEqual({ open: true });
    // 11:00Z is 01:00 the next day there, but the range still covers the UTC date's day.
    expect(slotOpen(p, '2026-01-05T11:00:00Z')).toEqual({ open: false });
  });
});

describe('parseHourMinute (moment "HH:mm", not strict)', () => {
  it.each([
    ['09:30', 570],
    ['9', 540],
    ['1230', 750],
    ['at 7:05 pm', 425],
    ['24:00', 1440],
    ['24:01', undefined],
    ['12:60', undefined],
    ['930', undefined],
    ['noon', undefined],
    [undefined, undefined],
  ])('%s → %s', (input, minutes) => {
    expect(parseHourMinute(input)).toBe(minutes);
  });
});

describe('zoneOffsetMinutes', () => {
  it('gives east offsets in minutes, 0 for unknown zones and offsets, and throws for a name that is not a string', () => {
    expect(zoneOffsetMinutes('Asia/Kolkata', at('2026-01-05T00:00:00Z'))).toBe(330);
    expect(zoneOffsetMinutes('america/new_york', at('2026-01-05T00:00:00Z'))).toBe(-300);
    expect(zoneOffsetMinutes('Etc/GMT-3', at('2026-01-05T00:00:00Z'))).toBe(180);
    expect(zoneOffsetMinutes('Nowhere/Land', 0)).toBe(0);
    expect(zoneOffsetMinutes('+05:00', 0)).toBe(0);
    expect(() => zoneOffsetMinutes(['UTC'], 0)).toThrow('Time zone name must be a string, got UTC [object]');
  });
});

describe('projectIsOpenNow: what the audit found untested', () => {
  const monday = '2026-01-05T12:00:00Z';

  it('answers errorCode 2000 for an empty tzname, and for one the service compares loosely equal to "" (0)', () => {
    for (const tzname of ['', 0]) {
      const p = project({ activeOperatingHours: true, operatingHours: JSON.stringify({ tzname, 1: [{ start: '00:00', end: '24:00' }] }) });
      expect(isOpen(p, monday)).toEqual({ error: { errorCode: 2000, msg: 'Timezone undefined.' } });
    }
  });

  it('reads every range of the day: a null range after an open one is still the forEach error (3000)', () => {
    const p = withHours('UTC', [{ start: '00:00', end: '24:00' }, null]);
    expect(isOpen(p, monday)).toEqual({ error: { errorCode: 3000, msg: "Cannot read properties of null (reading 'start')" } });
  });

  it('applies the hours on a paid plan without subEnd (isActiveSubscription is "", not false)', () => {
    const p = withHours('UTC', []);
    (p.profile as Record<string, unknown>).type = 'payment';
    expect(isOpen(p, monday)).toEqual({ open: false });
  });
});

describe('slotIsOpenNow: what the audit found untested', () => {
  const slotProject = (slot: Record<string, unknown>) => project({ timeSlots: { s: slot } });
  const allDay = (days: string[]) => JSON.stringify({ tzname: 'UTC', ...Object.fromEntries(days.map((d) => [d, [{ start: '00:00', end: '24:00' }]])) });
  const slotOpen = (p: ProjectDoc, iso: string) => slotIsOpenNow(PID, PID, p, 's', at(iso));

  it('reads Sunday as ISO week day 7', () => {
    const sunday = '2026-01-04T12:00:00Z';
    expect(slotOpen(slotProject({ active: true, hours: allDay(['7']) }), sunday)).toEqual({ open: true });
    expect(slotOpen(slotProject({ active: true, hours: allDay(['0']) }), sunday)).toEqual({ open: false });
  });

  it('is closed on a day the slot does not list', () => {
    expect(slotOpen(slotProject({ active: true, hours: allDay(['2']) }), '2026-01-05T12:00:00Z')).toEqual({ open: false });
  });

  it('counts a slot whose active is loosely false (0, "") as inactive: open', () => {
    for (const active of [0, '']) {
      expect(slotOpen(slotProject({ active, hours: allDay(['2']) }), '2026-01-05T12:00:00Z')).toEqual({ open: true });
    }
  });

  it('answers errorCode 1020 for empty hours ("" as well as missing)', () => {
    for (const hours of ['', undefined]) {
      expect(slotOpen(slotProject({ active: true, hours }), '2026-01-05T12:00:00Z')).toEqual({ error: { errorCode: 1020, msg: 'Operating hours is empty' } });
    }
  });

  it('leaves the call unanswered for a tzname that is not a string (moment throws in the async callback)', () => {
    const hours = JSON.stringify({ tzname: 5, 1: [{ start: '00:00', end: '24:00' }] });
    expect(() => slotOpen(slotProject({ active: true, hours }), '2026-01-05T12:00:00Z')).toThrow(RouteHang);
  });
});
