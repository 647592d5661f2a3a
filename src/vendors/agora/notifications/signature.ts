/**
 * Agora Notifications (NCS) signatures. NCS signs the raw request body with the project's NCS
 * secret twice: `Agora-Signature` = hex(HMAC/SHA1) and `Agora-Signature-V2` = hex(HMAC/SHA256)
 * (Docs-Source `shared/notification-center-service/signature-verification.mdx`). Verification
 * runs over the exact bytes received, never over re-serialised JSON.
 */
import crypto from 'crypto';

export const SIGNATURE_V2_HEADER = 'agora-signature-v2';
export const SIGNATURE_V1_HEADER = 'agora-signature';

export type NcsAlgorithm = 'sha256' | 'sha1';

export type NcsVerifyOutcome =
  { ok: true; algorithm: NcsAlgorithm } | { ok: false; reason: 'missingSignature' | 'badSignature' | 'sha1NotAllowed' };

const HEX_LENGTH: Record<NcsAlgorithm, number> = { sha256: 64, sha1: 40 };

/** hex(HMAC(secret, body)) as NCS sends it. */
export function ncsSignature(body: Buffer | string, secret: string, algorithm: NcsAlgorithm = 'sha256'): string {
  return crypto.createHmac(algorithm, secret).update(body).digest('hex');
}

function headerValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return undefined; // sent twice: ambiguous, so not trusted
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * Compares the received hex with the HMAC of `body` in constant time over the digest bytes.
 * Malformed hex (wrong length, other characters) fails without comparing.
 */
function matches(received: string, body: Buffer, secret: string, algorithm: NcsAlgorithm): boolean {
  if (received.length !== HEX_LENGTH[algorithm] || !/^[0-9a-fA-F]+$/.test(received)) return false;
  const expected = crypto.createHmac(algorithm, secret).update(body).digest();
  return crypto.timingSafeEqual(Buffer.from(received, 'hex'), expected);
}

export interface NcsVerifyOptions {
  secret: string;
  /** Accept a request that carries only the SHA1 `Agora-Signature`; default false. */
  allowSha1?: boolean;
}

/**
 * Checks a request's headers (lower-case names, as Node gives them) against its raw body.
 * `Agora-Signature-V2` decides when present: a wrong V2 is not rescued by a right SHA1.
 */
export function verifyNcsSignature(
  headers: Record<string, unknown>,
  body: Buffer,
  opts: NcsVerifyOptions,
): NcsVerifyOutcome {
  const v2 = headerValue(headers[SIGNATURE_V2_HEADER]);
  if (v2 !== undefined)
    return matches(v2, body, opts.secret, 'sha256')
      ? { ok: true, algorithm: 'sha256' }
      : { ok: false, reason: 'badSignature' };
  const v1 = headerValue(headers[SIGNATURE_V1_HEADER]);
  if (v1 === undefined) return { ok: false, reason: 'missingSignature' };
  if (!opts.allowSha1) return { ok: false, reason: 'sha1NotAllowed' };
  return matches(v1, body, opts.secret, 'sha1')
    ? { ok: true, algorithm: 'sha1' }
    : { ok: false, reason: 'badSignature' };
}
