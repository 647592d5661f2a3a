/**
 * State that outlives a message (start locks, used names, callback dedupe, batch jobs still
 * waiting for a result) sits behind this one interface. The embedded default needs nothing
 * installed: memory, plus a file in the Node-RED user directory for what must survive a
 * restart. A shared backend (Redis) can take its place when several Node-RED instances share
 * the work, which is why every call is async even though the embedded stores answer at once.
 */
export interface StateStore {
  /** Stores `value` under `key` only if the key is absent (or expired); true when it was stored. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every live key that starts with `prefix`, for resuming what was pending. */
  keys(prefix: string): Promise<string[]>;
  /**
   * Extends the key's expiry to `ttlMs` from now only while it still holds `value` (a lease
   * renewed by its owner); false when it expired or another owner holds it. Optional: without
   * it, callers fall back to get-then-set.
   */
  extendIfValue?(key: string, value: string, ttlMs: number): Promise<boolean>;
}
