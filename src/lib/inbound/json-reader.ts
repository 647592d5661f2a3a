/**
 * JSON with a bound on nesting. V8's JSON.parse copes with any depth, but what comes after it
 * does not: Node-RED's message clone, JSON.stringify for Redis and structured logs all recurse,
 * and 2,000 nested arrays overflow the stack there, far from the request that sent them.
 */

/** Deep enough for every vendor body the package reads (Alibaba's deepest is 5), far below any recursion limit. */
export const DEFAULT_MAX_DEPTH = 32;

export type JsonRead = { ok: true; value: unknown } | { ok: false; reason: 'notJson' | 'tooDeep'; detail: string };

const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when the JSON text nests deeper than `maxDepth`, found by one pass over the text (no
 * recursion, stops at the first level too deep). Brackets inside strings do not count. Works on
 * UTF-8 bytes too: no byte of a multi-byte character is an ASCII bracket, quote or backslash.
 */
export function nestsDeeper(text: string | Uint8Array, maxDepth: number): boolean {
  const at = typeof text === 'string' ? (i: number) => text.charCodeAt(i) : (i: number) => text[i];
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = at(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return false;
}

/** Parses JSON text, refusing nesting deeper than `maxDepth` before parsing it. */
export function readJson(text: string | Buffer, maxDepth = DEFAULT_MAX_DEPTH): JsonRead {
  if (nestsDeeper(text, maxDepth))
    return { ok: false, reason: 'tooDeep', detail: `the JSON nests deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(typeof text === 'string' ? text : text.toString('utf8')) };
  } catch {
    return { ok: false, reason: 'notJson', detail: 'the body is not JSON' };
  }
}

/**
 * True when a value already parsed (by Node-RED's body parser, by a decoder) nests deeper than
 * `maxDepth` objects and arrays. Walks with an explicit stack, so the check itself cannot
 * overflow; a cycle counts as too deep.
 */
export function deeperThan(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let visited = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    if (depth + 1 > maxDepth) return true;
    // A cycle or a DAG wider than any body we accept: refuse rather than walk forever.
    if (++visited > 1_000_000) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
