import { digestKey } from './digest-key';

/**
 * Remembers keys for `ttlMs`, holding at most `maxEntries` (oldest dropped
 * first), so a flood of distinct keys cannot grow memory without bound. Long keys are held as
 * a fixed-size digest, so the bound is in bytes as well as in entries.
 *
 * Expiry order is kept in an array queue, not by iterating the Map from its
 * head: after deletions a Map iterator walks every deleted slot until the
 * table is compacted, which made each add O(entries) once the set was full.
 */
export class TtlSet {
  private readonly expiries = new Map<string, number>();
  private keys: string[] = [];
  private times: number[] = [];
  private head = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
    private readonly now = Date.now,
  ) {}

  /** Adds `key`; false when it was already there and unexpired. */
  add(given: string): boolean {
    const key = digestKey(given);
    const t = this.now();
    this.evict(t);
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry > t) return false;
    const until = t + this.ttlMs;
    this.expiries.set(key, until);
    this.keys.push(key);
    this.times.push(until);
    while (this.expiries.size > this.maxEntries) this.dropOldest();
    return true;
  }

  get size(): number {
    return this.expiries.size;
  }

  clear(): void {
    this.expiries.clear();
    this.keys = [];
    this.times = [];
    this.head = 0;
  }

  private evict(t: number): void {
    while (this.head < this.keys.length && this.times[this.head] <= t) this.dropOldest();
  }

  /** Drops the queue head; the Map entry only if it is that same (not a re-added) entry. */
  private dropOldest(): void {
    const key = this.keys[this.head];
    if (this.expiries.get(key) === this.times[this.head]) this.expiries.delete(key);
    this.keys[this.head] = ''; // let the string go now, not at the next compaction
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
