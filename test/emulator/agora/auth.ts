/** Basic auth exactly as restful-authentication.mdx: base64("customerId:customerSecret"). */
import { timingSafeEqual } from 'crypto';

/** The customerId on success, undefined when the header is missing or wrong. */
export function checkBasicAuth(header: string | undefined, credentials: Record<string, string>): string | undefined {
  if (!header) return undefined;
  const m = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(header.trim());
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const id = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  if (!Object.prototype.hasOwnProperty.call(credentials, id)) return undefined;
  const want = Buffer.from(credentials[id]);
  const got = Buffer.from(secret);
  return want.length === got.length && timingSafeEqual(want, got) ? id : undefined;
}

export function basicAuthHeader(customerId: string, customerSecret: string): string {
  return `Basic ${Buffer.from(`${customerId}:${customerSecret}`).toString('base64')}`;
}
