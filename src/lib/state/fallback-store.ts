import { RedisLink } from './redis-link';
import { StateStore } from './store';

/**
 * The shared store while Redis answers, the local one while it does not: nothing waits on
 * or fails because of Redis. Writes go to whichever is in use; reads and `keys` also look
 * in the local store, so what was written there during an outage (a batch job) is still
 * found once Redis is back. The cost, accepted and logged: during an outage a lock or an
 * event id is only known to this instance.
 */
export class FallbackStore implements StateStore {
  constructor(
    private readonly link: RedisLink,
    private readonly shared: StateStore,
    readonly local: StateStore,
  ) {}

  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    return this.either((s) => s.setIfAbsent(key, value, ttlMs));
  }

  async get(key: string): Promise<string | undefined> {
    const local = await this.local.get(key);
    if (local !== undefined || !this.link.up) return local;
    return this.shared.get(key).catch(() => undefined);
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.either((s) => s.set(key, value, ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.local.delete(key);
    if (this.link.up) await this.shared.delete(key).catch(() => undefined);
  }

  async keys(prefix: string): Promise<string[]> {
    const local = await this.local.keys(prefix);
    if (!this.link.up) return local;
    const shared = await this.shared.keys(prefix).catch(() => [] as string[]);
    return [...new Set([...shared, ...local])];
  }

  extendIfValue(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.either((s) => extendIfValue(s, key, value, ttlMs));
  }

  private async either<T>(op: (s: StateStore) => Promise<T>): Promise<T> {
    if (this.link.up) {
      try {
        return await op(this.shared);
      } catch {
        // The link has logged the outage once; this call is served locally.
      }
    }
    return op(this.local);
  }
}

/** The store's own compare-and-extend, or get-then-set for a store without one (a small race, single process only). */
export async function extendIfValue(store: StateStore, key: string, value: string, ttlMs: number): Promise<boolean> {
  if (store.extendIfValue) return store.extendIfValue(key, value, ttlMs);
  if ((await store.get(key)) !== value) return false;
  await store.set(key, value, ttlMs);
  return true;
}
