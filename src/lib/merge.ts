const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Copies the own enumerable keys of `overrides` that are in `allowed` onto a
 * null-prototype copy of `base`. Only allow-listed names get through, so a
 * msg.payload can neither pollute prototypes nor smuggle an endpoint or secret
 * into a request.
 */
export function mergeAllowed<T extends Record<string, unknown>>(
  base: T,
  overrides: unknown,
  allowed: readonly string[],
): T {
  const out = Object.create(null) as T;
  for (const key of Object.keys(base)) {
    if (!FORBIDDEN_KEYS.has(key)) (out as Record<string, unknown>)[key] = base[key];
  }
  if (!isPlainObject(overrides)) return out;
  for (const key of Object.keys(overrides)) {
    if (FORBIDDEN_KEYS.has(key) || !allowed.includes(key)) continue;
    const value = overrides[key];
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
