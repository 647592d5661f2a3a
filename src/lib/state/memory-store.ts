import { StateStore } from './store';

interface Entry {
  value: string;
  /** ms epoch; Infinity for no expiry. */
  expires: number;
}

/**
 * The embedded default for state that may be lost on restart (locks, used names, dedupe).
 * Expired keys are dropped when touched and by an occasional sweep, so memory stays bounded
 * by what is live.
 */
export class MemoryStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
  private writes = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.put(key, value, ttlMs);
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    return this.live(key)?.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.put(key, value, ttlMs);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix) && this.live(k));
  }

  async extendIfValue(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)?.value !== value) return false;
    this.put(key, value, ttlMs);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private put(key: string, value: string, ttlMs?: number): void {
    this.entries.set(key, { value, expires: ttlMs !== undefined && ttlMs > 0 ? this.now() + ttlMs : Infinity });
    // Keys written once and never read again (names, locks) would otherwise pile up.
    if (++this.writes % 1024 === 0) this.sweep();
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.entries) if (e.expires <= t) this.entries.delete(k);
  }
}

/** One embedded store per process, shared by every node: locks and names must be seen by all of them. */
export const processStore = new MemoryStore();
