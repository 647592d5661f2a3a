/**
 * Bearer auth (§3.1, §5.3). The key itself never leaves this module: callers get
 * a fingerprint, which is what owns files, tasks and rate-limit windows.
 */
import { createHash } from 'crypto';
import type { IncomingHttpHeaders } from 'http';
import { Errors } from './errors';

export type KeyStatus = 'ok' | 'expired' | 'noCredit' | 'noModel' | 'disabled';

export interface KeyConfig {
  status?: KeyStatus;
}

export function keyFingerprint(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
}

/**
 * [I] The scheme must be spelled exactly `Bearer` followed by one space and a token
 * without spaces; anything else (lowercase, Basic, extra parts) is 100102. An empty
 * header counts as missing (100101).
 *
 * [I] Every non-ok key state answers on every route, including the file routes
 * (100105 "no permission for the model" too): the docs do not say which routes
 * check model permission.
 */
export function authenticate(headers: IncomingHttpHeaders, keys: ReadonlyMap<string, KeyConfig>): string {
  const raw = headers.authorization;
  if (raw === undefined || raw.trim() === '') throw Errors.authMissing();
  const m = /^Bearer ([^\s]+)$/.exec(raw);
  if (!m) throw Errors.authMalformed();
  const config = keys.get(m[1]);
  if (!config) throw Errors.keyInvalid();
  switch (config.status ?? 'ok') {
    case 'ok':
      return keyFingerprint(m[1]);
    case 'expired':
      throw Errors.keyInvalid();
    case 'noCredit':
      throw Errors.noCredit();
    case 'noModel':
      throw Errors.noModel();
    case 'disabled':
      throw Errors.keyDisabled();
  }
}
