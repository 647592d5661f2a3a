import { Problem } from './errors';
import { withoutUserinfo } from './redact';

/** Parameter rules shared by vendor validators; each returns a normalized string or records a problem. */
export type Rule =
  | { kind: 'string'; maxLength?: number; pattern?: RegExp; patternHint?: string }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'url'; schemes: readonly string[]; maxLength?: number };

/** Longer than any value these APIs accept; stops megabyte strings from reaching the vendor. */
export const DEFAULT_MAX_LENGTH = 2048;

export function normalize(field: string, value: unknown, rule: Rule, problems: Problem[]): string | undefined {
  const fail = (r: string, message: string, params: Record<string, string | number> = {}): undefined => {
    problems.push({ field, rule: r, message, params: { field, ...params } });
    return undefined;
  };
  if (rule.kind === 'bool') {
    if (value === true || value === 'true') return 'true';
    if (value === false || value === 'false') return 'false';
    return fail('bool', `${field} must be true or false.`);
  }
  if (rule.kind === 'int') {
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)
          ? Number(value)
          : NaN;
    if (!Number.isInteger(n))
      return fail('int', `${field} must be a whole number from ${rule.min} to ${rule.max}.`, {
        min: rule.min,
        max: rule.max,
      });
    if (n < rule.min || n > rule.max)
      return fail('range', `${field} must be from ${rule.min} to ${rule.max} (got ${n}).`, {
        min: rule.min,
        max: rule.max,
        value: n,
      });
    return String(n);
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    return fail('type', `${field} must be a string, not ${describe(value)}.`, { type: describe(value) });
  }
  const s = String(value).trim();
  const max = ('maxLength' in rule && rule.maxLength) || DEFAULT_MAX_LENGTH;
  if (s.length > max)
    return fail('length', `${field} is ${s.length} characters long; at most ${max} are allowed.`, {
      max,
      length: s.length,
    });
  if (rule.kind === 'enum') {
    if (!rule.values.includes(s))
      return fail('enum', `${field} must be one of ${rule.values.join(', ')} (got "${clip(s)}").`, {
        values: rule.values.join(', '),
        value: clip(s),
      });
    return s;
  }
  if (rule.kind === 'url') {
    let url: URL | undefined;
    try {
      url = new URL(s);
    } catch {
      url = undefined;
    }
    const scheme = url?.protocol.replace(/:$/, '');
    if (!url || !scheme || !rule.schemes.includes(scheme)) {
      return fail('url', `${field} must be a ${rule.schemes.join('/')} URL (got "${clip(s)}").`, {
        schemes: rule.schemes.join('/'),
        value: clip(s),
      });
    }
    return s;
  }
  if (s === '') return fail('required', `${field} is required.`);
  if (rule.pattern && !rule.pattern.test(s))
    return fail('pattern', `${field} ${rule.patternHint ?? 'has an invalid format'} (got "${clip(s)}").`, {
      hint: rule.patternHint ?? '',
      value: clip(s),
    });
  return s;
}

export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Shown in error texts: never a URL's password, never more than a glance. */
function clip(text: string): string {
  const s = withoutUserinfo(text);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** A boolean option (true/false, or their text), or a problem. */
export function readBool(field: string, value: unknown, problems: Problem[]): boolean | undefined {
  const s = normalize(field, value, { kind: 'bool' }, problems);
  return s === undefined ? undefined : s === 'true';
}

/** A whole-number option within [min, max], or a problem. */
export function readInt(
  field: string,
  value: unknown,
  min: number,
  max: number,
  problems: Problem[],
): number | undefined {
  const s = normalize(field, value, { kind: 'int', min, max }, problems);
  return s === undefined ? undefined : Number(s);
}
