import crypto from 'crypto';

/** Keys up to this many characters are kept as they are (readable in Redis, no hashing on the hot path). */
export const MAX_PLAIN_KEY = 64;

/**
 * A key of bounded size: a long one becomes its SHA-256 digest. A dedupe set then holds a few
 * dozen bytes per entry whatever a caller put in a message id (unique 250 KB ids once grew a
 * 100k-entry set to gigabytes). The "#" prefix keeps a digest from ever equalling a short key.
 */
export function digestKey(key: string): string {
  return key.length <= MAX_PLAIN_KEY ? key : `#${crypto.createHash('sha256').update(key).digest('base64url')}`;
}
