import crypto from 'crypto';

/** ASR-SIG = md5(`${SIG-TIME}/${CallbackURL}/${AuthKey}`), lowercase hex. */
export function callbackSignature(sigTime: string, callbackUrl: string, authKey: string): string {
  return crypto.createHash('md5').update(`${sigTime}/${callbackUrl}/${authKey}`).digest('hex');
}

/** Constant-time, hex-case-insensitive comparison of a received ASR-SIG with the expected one. */
export function signatureMatches(received: string, expected: string): boolean {
  const a = Buffer.from(received.trim().toLowerCase());
  const b = Buffer.from(expected.toLowerCase());
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * SIG-TIME as epoch milliseconds. The vendor does not say whether it sends
 * seconds or milliseconds, so both are accepted: anything below 1e11 is seconds.
 */
export function sigTimeToMs(sigTime: string): number | undefined {
  if (!/^\d{1,16}$/.test(sigTime.trim())) return undefined;
  const n = Number(sigTime.trim());
  return n < 1e11 ? n * 1000 : n;
}
