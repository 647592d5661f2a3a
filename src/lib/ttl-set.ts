/**
 * Remembers keys for `ttlMs`, holding at most `maxEntries` (oldest dropped
 * first), so a flood of distinct keys cannot grow memory without bound.
 */
export class TtlSet {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly ttlMs: number, private readonly maxEntries = 100_000, private readonly now = Date.now) {}

  /** Adds `key`; false when it was already there and unexpired. */
  add(key: string): boolean {
    const t = this.now();
    this.evict(t);
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry > t) return false;
    this.expiries.delete(key);
    this.expiries.set(key, t + this.ttlMs);
    if (this.expiries.size > this.maxEntries) {
      const oldest = this.expiries.keys().next().value as string;
      this.expiries.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.expiries.size;
  }

  clear(): void {
    this.expiries.clear();
  }

  /** Insertion order is expiry order (the TTL is fixed), so only the head needs checking. */
  private evict(t: number): void {
    for (const [key, expiry] of this.expiries) {
      if (expiry > t) return;
      this.expiries.delete(key);
    }
  }
}
