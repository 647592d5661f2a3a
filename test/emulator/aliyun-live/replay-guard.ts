/**
 * Per-AccessKey memory of signature nonces (step 5) and of admitted request times
 * (step 7). Both are bounded: the emulator may run for a whole dev session.
 */

/** Cap per key; past it the oldest nonces are forgotten first (a replay that old is already expired anyway in practice). */
export const MAX_NONCES_PER_KEY = 50_000;

export class NonceStore {
  private byKey = new Map<string, Map<string, number>>();

  constructor(private readonly ttlMs: number) {}

  seen(accessKeyId: string, nonce: string, now: number): boolean {
    const expiry = this.byKey.get(accessKeyId)?.get(nonce);
    return expiry !== undefined && expiry > now;
  }

  /**
   * A request is accepted while its timestamp is within ±skew of now, so its nonce
   * must be remembered for 2×skew from receipt to cover a client clock that runs ahead.
   */
  remember(accessKeyId: string, nonce: string, now: number): void {
    let nonces = this.byKey.get(accessKeyId);
    if (!nonces) this.byKey.set(accessKeyId, (nonces = new Map()));
    for (const [n, expiry] of nonces) {
      if (expiry > now && nonces.size < MAX_NONCES_PER_KEY) break;
      nonces.delete(n);
    }
    nonces.delete(nonce);
    nonces.set(nonce, now + 2 * this.ttlMs);
  }

  clear(): void {
    this.byKey.clear();
  }
}

export class RateWindow {
  private byKey = new Map<string, number[]>();

  constructor(private readonly windowMs = 1000) {}

  /** Admits and records the request unless `limit` were already admitted in the last window. */
  tryAdmit(accessKeyId: string, limit: number, now: number): boolean {
    const times = (this.byKey.get(accessKeyId) ?? []).filter((t) => now - t < this.windowMs);
    this.byKey.set(accessKeyId, times);
    if (times.length >= limit) return false;
    times.push(now);
    return true;
  }

  clear(): void {
    this.byKey.clear();
  }
}
