/**
 * IMS documents no signature for what a template's HTTP Request node posts, so the input node
 * requires a shared secret the user puts in that node: a URL parameter or a header. Compared in
 * constant time over digests, so neither the length nor a prefix of the secret leaks through timing.
 */
import crypto from 'crypto';

export const SECRET_HEADER = 'x-workflow-secret';
export const DEFAULT_SECRET_PARAM = 'secret';

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value, 'utf8').digest();
}

export function secretMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given === '' || expected === '') return false;
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

/** The secret a request carries: the header, else the URL parameter (first value only). */
export function presentedSecret(
  headers: Record<string, unknown>,
  query: Record<string, unknown>,
  param: string,
): unknown {
  const header = headers[SECRET_HEADER];
  if (typeof header === 'string') return header;
  const fromQuery = query[param];
  return Array.isArray(fromQuery) ? fromQuery[0] : fromQuery;
}
