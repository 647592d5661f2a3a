import { joinProblems, SpeechApiError } from './errors';
import { NodeAPI } from './node-red';

export const MODULE = '@speech-pipelines/node-red-speech';

export interface Translate {
  (key: string, params?: Record<string, unknown>, fallback?: string): string;
  /**
   * The full catalogue key ("<module>/<set>:status.stopped") for a node status without
   * parameters: the editor translates such a status text into its own language, as it does
   * for core nodes ("node-red:common.status.connected"). English fallback when neither
   * catalogue has the key.
   */
  key(key: string, fallback: string): string;
  /**
   * A node status in the editor's language: the catalogue key, with its parameters after a
   * "?" (`<module>/<set>:status.done?elapsed=2s`). Core's editor translates a bare key itself;
   * resources/editor.js fills in the parameters. English fallback when no catalogue has the key.
   */
  status(key: string, params: Record<string, string | number>, fallback: string): string;
  /** The same lookups in another language (an admin request's Accept-Language). */
  in(lang: string | undefined): Translate;
}

/** The node set whose catalogue holds what every vendor's nodes say alike (timeouts, validation, ...). */
export const COMMON_SET = 'speech-common';

/** A placeholder i18next left unfilled (`__value__`): such a text is never shown. */
const UNFILLED = /__[A-Za-z0-9]+__/;

/**
 * Looks keys up in one node set's catalogue (`nodes/locales/<lang>/<set>.json`), then in the
 * neutral one. i18next answers a missing key with the key itself; then the English fallback is
 * used, as it is for a text whose parameters were not all given.
 */
export function translator(RED: NodeAPI, set: string, lang?: string): Translate {
  const lookup = (ns: string, key: string, params?: Record<string, unknown>): string | undefined => {
    const full = `${MODULE}/${ns}:${key}`;
    const text = RED._(full, lang ? { ...params, lng: lang } : params);
    return text === full || text === key || text === undefined || UNFILLED.test(text) ? undefined : text;
  };
  const t = ((key, params, fallback) =>
    lookup(set, key, params) ?? lookup(COMMON_SET, key, params) ?? fallback ?? key) as Translate;
  t.key = (key, fallback) => {
    if (lookup(set, key) !== undefined) return `${MODULE}/${set}:${key}`;
    if (lookup(COMMON_SET, key) !== undefined) return `${MODULE}/${COMMON_SET}:${key}`;
    return fallback;
  };
  t.status = (key, params, fallback) => {
    // Looked up with the parameters: a plural key exists only as key_one/key_other.
    const ns = [set, COMMON_SET].find((n) => lookup(n, key, params) !== undefined);
    if (!ns) return fallback;
    const full = `${MODULE}/${ns}:${key}`;
    const query = new URLSearchParams(
      Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
    ).toString();
    return query ? `${full}?${query}` : full;
  };
  t.in = (other) => (other ? translator(RED, set, other) : t);
  return t;
}

/**
 * The editor's language from an admin request (the editor's code sends its own in
 * Accept-Language), or undefined for the runtime's. Only a plain language tag passes.
 */
export function requestLanguage(header: unknown): string | undefined {
  const first = typeof header === 'string' ? header.split(',')[0].split(';')[0].trim() : '';
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(first) ? first : undefined;
}

/**
 * The error handed to done(): the user's language where the catalogue knows the
 * rule or code, fields named as their dialog labels them (`field.<API name>`; the API name
 * stays in cause.problems), and the details Catch nodes need in `code` and `cause`
 * (Node-RED copies only message, code, stack and cause into msg.error).
 */
export function localizeError(t: Translate, err: unknown): Error {
  if (!(err instanceof SpeechApiError)) {
    const e = err instanceof Error ? err : new Error(String(err));
    return e;
  }
  if (err.problems?.length) {
    err.message = joinProblems(
      err.problems.map((p) => {
        const field = t(`field.${p.field}`, {}, p.field);
        return t(`validation.${p.rule}`, { ...p.params, field }, p.message);
      }),
    );
  } else {
    const advice = t(`errors.${err.code.replace(/\./g, '_')}`, { code: err.code }, '');
    if (advice) err.message = `${err.code}: ${advice}${err.requestId ? ` (RequestId ${err.requestId})` : ''}`;
  }
  Object.defineProperty(err, 'cause', {
    value: {
      vendor: err.vendor,
      code: err.code,
      httpStatus: err.httpStatus,
      requestId: err.requestId,
      retryable: err.retryable,
      problems: err.problems,
    },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return err;
}
