const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const OBJECT_SOURCE = Function.prototype.toString.call(Object);

/**
 * An object literal or JSON.parse result, from any JavaScript realm: a function node runs in
 * its own vm context, so its `{…}` has that realm's Object.prototype, not ours. Class
 * instances, arrays, Buffers and objects whose prototype was swapped are not plain.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto === null || proto === Object.prototype) return true;
  // Another realm's Object.prototype: the end of its chain, owned by a native `Object`.
  if (Object.getPrototypeOf(proto) !== null) return false;
  const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  return (
    typeof ctor === 'function' && ctor.prototype === proto && Function.prototype.toString.call(ctor) === OBJECT_SOURCE
  );
}

/**
 * msg.payload as the object of parameters it holds: an object as it is, or JSON text that
 * holds an object (what `http in`, MQTT and template nodes deliver). Anything else holds none.
 */
export function payloadObject(payload: unknown): Record<string, unknown> | undefined {
  if (isPlainObject(payload)) return payload;
  if (typeof payload !== 'string' || !/^\s*\{/.test(payload)) return undefined;
  try {
    const parsed: unknown = JSON.parse(payload);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
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
  const fields = payloadObject(overrides);
  if (!fields) return out;
  for (const key of Object.keys(fields)) {
    if (FORBIDDEN_KEYS.has(key) || !allowed.includes(key)) continue;
    const value = fields[key];
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
