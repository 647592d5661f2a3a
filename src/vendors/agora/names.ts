import { randomBytes } from 'crypto';

/** A fresh task name (v7) or instanceId (v6): `nr-<channel>-<random>`, at most 64 of [A-Za-z0-9_-]. */
export function generateName(channel?: string): string {
  const slug = (channel ?? '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 24);
  const random = randomBytes(8).toString('hex');
  return slug ? `nr-${slug}-${random}` : `nr-${random}`;
}

/** Basic auth header value for the RESTful API: `Basic base64(customerId:customerSecret)`. */
export function basicAuthorization(customerId: string, customerSecret: string): string {
  return `Basic ${Buffer.from(`${customerId}:${customerSecret}`, 'utf8').toString('base64')}`;
}
