/** Keys never copied from untrusted input: assigning them can rewrite an object's prototype. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** True when `value` is a plain JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Shallow merge of untrusted `patch` into a copy of `base`, skipping prototype-polluting keys.
 * Used wherever server frames or user attributes are merged into state.
 */
export function safeAssign<T extends Record<string, unknown>>(base: T, patch: Record<string, unknown>): T {
  const out = { ...base } as Record<string, unknown>;
  for (const key of Object.keys(patch)) if (!FORBIDDEN.has(key)) out[key] = patch[key];
  return out as T;
}

/** Whether a key is safe to copy from untrusted JSON. */
export function isSafeKey(key: string): boolean {
  return !FORBIDDEN.has(key);
}
