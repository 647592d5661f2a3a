import { joinProblems, SpeechApiError } from './errors';
import { NodeAPI } from './node-red';

export const MODULE = '@speech-pipelines/node-red-speech';

export type Translate = (key: string, params?: Record<string, unknown>, fallback?: string) => string;

/** The node set whose catalogue holds what every vendor's nodes say alike (timeouts, validation, ...). */
export const COMMON_SET = 'speech-common';

/**
 * Looks keys up in one node set's catalogue (`nodes/locales/<lang>/<set>.json`), then in the
 * neutral one. i18next answers a missing key with the key itself; then the English fallback is used.
 */
export function translator(RED: NodeAPI, set: string): Translate {
  const lookup = (ns: string, key: string, params?: Record<string, unknown>): string | undefined => {
    const full = `${MODULE}/${ns}:${key}`;
    const text = RED._(full, params);
    return text === full || text === key || text === undefined ? undefined : text;
  };
  return (key, params, fallback) => lookup(set, key, params) ?? lookup(COMMON_SET, key, params) ?? fallback ?? key;
}

/**
 * The error handed to done(): the user's language where the catalogue knows the
 * rule or code, and the details Catch nodes need in `code` and `cause` (Node-RED
 * copies only message, code, stack and cause into msg.error).
 */
export function localizeError(t: Translate, err: unknown): Error {
  if (!(err instanceof SpeechApiError)) {
    const e = err instanceof Error ? err : new Error(String(err));
    return e;
  }
  if (err.problems?.length) {
    err.message = joinProblems(err.problems.map((p) => t(`validation.${p.rule}`, p.params, p.message)));
  } else {
    const advice = t(`errors.${err.code.replace(/\./g, '_')}`, { code: err.code }, '');
    if (advice) err.message = `${err.code}: ${advice}${err.requestId ? ` (RequestId ${err.requestId})` : ''}`;
  }
  Object.defineProperty(err, 'cause', {
    value: { vendor: err.vendor, code: err.code, httpStatus: err.httpStatus, requestId: err.requestId, retryable: err.retryable, problems: err.problems },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return err;
}
