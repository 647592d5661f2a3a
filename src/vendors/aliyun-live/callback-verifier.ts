import { callbackSignature, signatureMatches, sigTimeToMs } from './callback-signature';

export type VerifyOutcome =
  { ok: true } | { ok: false; reason: 'missingSignature' | 'badTime' | 'staleTime' | 'badSignature' };

export interface CallbackVerifierOptions {
  /** The CallbackURL exactly as the task was created with (what the vendor calls, not the local path). */
  callbackUrl: string;
  authKey: string;
  maxAgeMs: number;
  now?: () => number;
}

/**
 * Checks SIG-TIME and ASR-SIG. The signature covers only time, URL and key,
 * never the body: it proves the sender knows the AuthKey, not what it sent.
 */
export class CallbackVerifier {
  private readonly now: () => number;
  /** md5 is recomputed only when SIG-TIME changes, which is at most once a second per sender. */
  private lastTime = '';
  private lastExpected = '';

  constructor(private readonly opts: CallbackVerifierOptions) {
    this.now = opts.now ?? Date.now;
  }

  verify(sigTime: unknown, asrSig: unknown): VerifyOutcome {
    if (typeof sigTime !== 'string' || typeof asrSig !== 'string' || sigTime === '' || asrSig === '') {
      return { ok: false, reason: 'missingSignature' };
    }
    const at = sigTimeToMs(sigTime);
    if (at === undefined) return { ok: false, reason: 'badTime' };
    if (Math.abs(this.now() - at) > this.opts.maxAgeMs) return { ok: false, reason: 'staleTime' };
    if (sigTime !== this.lastTime) {
      this.lastExpected = callbackSignature(sigTime, this.opts.callbackUrl, this.opts.authKey);
      this.lastTime = sigTime;
    }
    return signatureMatches(asrSig, this.lastExpected) ? { ok: true } : { ok: false, reason: 'badSignature' };
  }
}
