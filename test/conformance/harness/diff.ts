import { RACY, type Json } from './normalize.js';

/**
 * Lists every place where two normalised observations differ, one line per difference, so that a failing
 * comparison reads as a to-do list ("steps[3].body.requests[0].status: expected 200, got 100").
 */
export function diffJson(expected: Json, actual: Json, path = '$'): string[] {
  if (Object.is(expected, actual)) return [];
  const kindOf = (v: Json) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const show = (v: Json) => {
    const text = JSON.stringify(v);
    return text.length > 160 ? `${text.slice(0, 157)}...` : text;
  };
  if (kindOf(expected) !== kindOf(actual)) {
    return [`${path}: expected ${show(expected)}, got ${show(actual)}`];
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const lines: string[] = [];
    if (expected.length !== actual.length) {
      lines.push(`${path}: expected ${expected.length} items, got ${actual.length}`);
    }
    const common = Math.min(expected.length, actual.length);
    for (let i = 0; i < common; i++) lines.push(...diffJson(expected[i] as Json, actual[i] as Json, `${path}[${i}]`));
    for (let i = common; i < expected.length; i++) lines.push(`${path}[${i}]: missing, expected ${show(expected[i] as Json)}`);
    for (let i = common; i < actual.length; i++) lines.push(`${path}[${i}]: unexpected ${show(actual[i] as Json)}`);
    return lines;
  }
  if (typeof expected === 'object' && expected !== null && typeof actual === 'object' && actual !== null) {
    const e = expected as Record<string, Json>;
    const a = actual as Record<string, Json>;
    const lines: string[] = [];
    // A racy value may not have been written yet on one side: its absence is not a difference. Nor is the absence of
    // an object holding nothing but racy values (the first write of `attributes.last_message` creates `attributes`).
    for (const key of Object.keys(e)) {
      if (!(key in a)) {
        if (!onlyRacy(e[key] as Json)) lines.push(`${path}.${key}: missing, expected ${show(e[key] as Json)}`);
      } else lines.push(...diffJson(e[key] as Json, a[key] as Json, `${path}.${key}`));
    }
    for (const key of Object.keys(a)) {
      if (!(key in e) && !onlyRacy(a[key] as Json)) lines.push(`${path}.${key}: unexpected ${show(a[key] as Json)}`);
    }
    return lines;
  }
  return [`${path}: expected ${show(expected)}, got ${show(actual)}`];
}

function onlyRacy(value: Json): boolean {
  if (value === RACY) return true;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const values = Object.values(value as Record<string, Json>);
  return values.length > 0 && values.every(onlyRacy);
}
