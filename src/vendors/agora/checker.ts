import { Problem } from '../../lib/errors';
import { isPlainObject } from '../../lib/merge';
import { withoutUserinfo } from '../../lib/redact';

/** Largest RTC user ID: a 32-bit unsigned integer; 0 means "any user" and never names a bot or speaker. */
const MAX_UID = 4294967295;
const LANGUAGE = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Collects every problem of one request, each under its documented path
 * (`rtcConfig.pubBotUid`, `translateConfig.languages[1].target`), and returns
 * the wire form of each value that passed. Values of secret fields never
 * appear in a message.
 */
export class Checker {
  readonly problems: Problem[] = [];

  add(field: string, rule: string, message: string, params: Record<string, string | number> = {}): undefined {
    this.problems.push({ field, rule, message, params: { field, ...params } });
    return undefined;
  }

  required(field: string): undefined {
    return this.add(field, 'required', `${field} is required.`);
  }

  object(field: string, value: unknown): Record<string, unknown> | undefined {
    if (isPlainObject(value)) return value;
    return this.add(field, 'object', `${field} must be an object, not ${describe(value)}.`, { type: describe(value) });
  }

  string(
    field: string,
    value: unknown,
    max: number,
    opts: { pattern?: RegExp; hint?: string; secret?: boolean } = {},
  ): string | undefined {
    if (typeof value !== 'string' && !(typeof value === 'number' && !opts.secret)) {
      return this.add(field, 'type', `${field} must be a string, not ${describe(value)}.`, { type: describe(value) });
    }
    const s = opts.secret ? String(value) : String(value).trim();
    if (s === '') return this.required(field);
    if (s.length > max)
      return this.add(field, 'length', `${field} is ${s.length} characters long; at most ${max} are allowed.`, {
        max,
        length: s.length,
      });
    if (opts.pattern && !opts.pattern.test(s)) {
      const shown = opts.secret ? '' : ` (got "${clip(s)}")`;
      return this.add(field, 'pattern', `${field} ${opts.hint ?? 'has an invalid format'}${shown}.`, {
        hint: opts.hint ?? '',
        value: opts.secret ? '' : clip(s),
      });
    }
    return s;
  }

  int(field: string, value: unknown, min: number, max: number): number | undefined {
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)
          ? Number(value)
          : NaN;
    if (!Number.isInteger(n))
      return this.add(field, 'int', `${field} must be a whole number from ${min} to ${max}.`, { min, max });
    if (n < min || n > max)
      return this.add(field, 'range', `${field} must be from ${min} to ${max} (got ${n}).`, { min, max, value: n });
    return n;
  }

  oneOf(field: string, value: unknown, values: readonly number[]): number | undefined {
    const n = this.int(field, value, Math.min(...values), Math.max(...values));
    if (n === undefined || values.includes(n)) return n;
    return this.add(field, 'enum', `${field} must be one of ${values.join(', ')} (got ${n}).`, {
      values: values.join(', '),
      value: n,
    });
  }

  bool(field: string, value: unknown): boolean | undefined {
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    return this.add(field, 'bool', `${field} must be true or false.`);
  }

  /** An RTC user ID: sent as a numeric string, accepted as a number too. */
  uid(field: string, value: unknown): string | undefined {
    const s = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
    if (s === undefined)
      return this.add(field, 'type', `${field} must be a numeric user ID, not ${describe(value)}.`, {
        type: describe(value),
      });
    if (s === '') return this.required(field);
    if (!/^\d{1,10}$/.test(s) || Number(s) < 1 || Number(s) > MAX_UID) {
      return this.add(field, 'uid', `${field} must be a numeric user ID from 1 to ${MAX_UID} (got "${clip(s)}").`, {
        max: MAX_UID,
        value: clip(s),
      });
    }
    return String(Number(s));
  }

  array(field: string, value: unknown, min: number, max: number): unknown[] | undefined {
    if (!Array.isArray(value))
      return this.add(field, 'array', `${field} must be a list, not ${describe(value)}.`, { type: describe(value) });
    if (value.length < min)
      return min === 1
        ? this.add(field, 'required', `${field} needs at least one entry.`)
        : this.add(field, 'count', `${field} needs ${min} to ${max} entries (got ${value.length}).`, {
            min,
            max,
            count: value.length,
          });
    if (value.length > max)
      return this.add(field, 'maxItems', `${field} takes at most ${max} entries (got ${value.length}).`, {
        max,
        count: value.length,
      });
    return value;
  }

  uids(field: string, value: unknown, max: number): string[] | undefined {
    const list = this.array(field, value, 0, max);
    if (!list) return undefined;
    const out = list.map((v, i) => this.uid(`${field}[${i}]`, v));
    return out.every((v): v is string => v !== undefined) ? out : undefined;
  }

  language(field: string, value: unknown): string | undefined {
    const s = this.string(field, value, 32);
    if (s === undefined || LANGUAGE.test(s)) return s;
    return this.add(field, 'language', `${field}: "${clip(s)}" is not a language code such as en-US.`, {
      value: clip(s),
    });
  }

  languages(field: string, value: unknown, min: number, max: number): string[] | undefined {
    const list = this.array(field, value, min, max);
    if (!list) return undefined;
    const out = list.map((v, i) => this.language(`${field}[${i}]`, v));
    return out.every((v): v is string => v !== undefined) ? out : undefined;
  }
}

/** Own keys of a plain object, without the ones that could reach a prototype. */
export function copyPlain(source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) if (!FORBIDDEN_KEYS.has(key)) out[key] = source[key];
  return out;
}

export function isGiven(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Shown in error texts: never a URL's password, never more than a glance. */
function clip(text: string): string {
  const s = withoutUserinfo(text);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
