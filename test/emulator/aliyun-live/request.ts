/**
 * Turns a raw request into the param map the checks work on. Alibaba encodes space
 * as %20 and a literal '+' as %2B, so the query is decoded with decodeURIComponent
 * only: a '+'-as-space parser (URLSearchParams, querystring) would corrupt values
 * and make correct signatures fail.
 */
import type { IncomingMessage } from 'http';
import { Errors } from './errors';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ParsedRequest {
  method: string;
  pathname: string;
  /** Query params only: these are what a V3 signature covers as the canonical query. */
  query: Record<string, string>;
  /** Query ∪ form body (form wins on a clash): what the action reads and V2 signs. */
  params: Record<string, string>;
  body: Buffer;
}

function decodePairs(raw: string, plusIsSpace: boolean): Record<string, string> {
  const map = new Map<string, string>();
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    const dec = (s: string) => decodeURIComponent(plusIsSpace ? s.replace(/\+/g, ' ') : s);
    let key: string;
    try {
      key = dec(rawKey);
    } catch {
      throw Errors.invalid('QueryString');
    }
    try {
      // A repeated key keeps its last value: POP params are scalars.
      map.set(key, dec(rawValue));
    } catch {
      throw Errors.invalid(key);
    }
  }
  // fromEntries defines own properties, so a "__proto__" key cannot touch the prototype.
  return Object.fromEntries(map);
}

export function parseQuery(rawQuery: string): Record<string, string> {
  return decodePairs(rawQuery, false);
}

/** HTML form encoding treats '+' as space; RFC 3986 encoders never emit a bare '+', so both agree. */
export function parseForm(body: string): Record<string, string> {
  return decodePairs(body, true);
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(Errors.bodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseRequest(req: IncomingMessage, body: Buffer): ParsedRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  const query = parseQuery(q < 0 ? '' : url.slice(q + 1));
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  const form = contentType.startsWith('application/x-www-form-urlencoded') ? parseForm(body.toString('utf8')) : {};
  return { method: (req.method ?? 'GET').toUpperCase(), pathname, query, params: { ...query, ...form }, body };
}
