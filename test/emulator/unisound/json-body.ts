/**
 * JSON bodies of create and delete. [I] The seed requires `Content-Type:
 * application/json` (a charset parameter is allowed); anything else, a body over
 * 1 MiB, or JSON that does not parse is 400 100001.
 */
import type { IncomingMessage } from 'http';
import { Errors, UnisoundError } from './errors';

export const MAX_JSON_BYTES = 1024 * 1024;

export function readJson(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    return Promise.reject(Errors.invalidParams(['Content-Type must be application/json']));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed: UnisoundError | undefined;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_JSON_BYTES) failed = Errors.invalidParams([`body must be at most ${MAX_JSON_BYTES} bytes`]);
      else chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (failed) return reject(failed);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(Errors.invalidParams(['body must be valid JSON']));
      }
    });
  });
}

/** Top-level fields as strings for the request log (arrays and objects as JSON). */
export function logParams(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}
