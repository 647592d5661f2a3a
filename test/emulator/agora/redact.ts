/** The request log keeps bodies for assertions but never a secret or a token. */
const SECRET_KEYS = new Set(['secret', 'salt', 'secretkey', 'pubbottoken', 'subbottoken']);

export function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v))
    out[k] = SECRET_KEYS.has(k.toLowerCase()) && val !== undefined ? '***' : redact(val);
  return out;
}
