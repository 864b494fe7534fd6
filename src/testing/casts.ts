/**
 * Mongoose 5 casts of values written through a document (`new Model(body).save()`) or an update
 * (`findByIdAndUpdate`), for the routes that store request bodies field by field. A value that does not cast throws
 * {@link UpdateFailure}, which those routes answer with their own 500.
 */
import { isPlainObject } from './domain.js';

/** A value the update cannot store (a Mongoose CastError, or MongoDB refusing a dotted path): the route's 500. */
export class UpdateFailure extends Error {}

export const fail = (what: string): never => {
  throw new UpdateFailure(what);
};

/** Mongoose's String cast: strings, numbers and booleans (as text), `{_id: "<string>"}`; nothing else. */
export function castString(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isPlainObject(value) && typeof value._id === 'string') return value._id;
  return fail('string');
}

/** Mongoose's Number cast: `''` is null, numeric strings and booleans convert. */
export function castNumber(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (value === '') return null;
  const number = typeof value === 'string' || typeof value === 'boolean' ? Number(value) : value;
  return typeof number === 'number' && !Number.isNaN(number) ? number : fail('number');
}

export function castBoolean(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (value === true || value === 'true' || value === 1 || value === '1' || value === 'yes') return true;
  if (value === false || value === 'false' || value === 0 || value === '0' || value === 'no') return false;
  return fail('boolean');
}

/** Mongoose's Date cast, stored as the ISO string the JSON answer shows. */
export function castDate(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'boolean' || (typeof value !== 'string' && typeof value !== 'number')) return fail('date');
  const asNumber = Number(value);
  const date = typeof value === 'number' || (!Number.isNaN(asNumber) && (asNumber >= 275761 || asNumber < -271820)) ? new Date(asNumber) : new Date(value);
  return Number.isNaN(date.getTime()) ? fail('date') : date.toISOString();
}

/** A document array: a single value is wrapped, every element must be an object; unknown keys are dropped. */
export function castSubdocuments(value: unknown, cast: (item: Record<string, unknown>) => Record<string, unknown>): unknown[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => (isPlainObject(item) ? cast(item) : fail('subdocument')));
}

/** Copies the keys a sub-schema declares, each cast by its type; absent keys stay absent. */
export function pick(item: Record<string, unknown>, casts: Record<string, (value: unknown) => unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, cast] of Object.entries(casts)) {
    if (item[key] !== undefined) out[key] = cast(item[key]);
  }
  return out;
}
