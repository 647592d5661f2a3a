import type { StateStore } from '../../nodes/lib/state/store';

/**
 * The Agora start slots a store hands out, at the time the store granted each: "one start per
 * channel per second" is a promise about these decisions. Arrivals at an emulator in the same busy
 * process are not evidence of it: a stalled event loop can deliver a request sent a second after
 * another only a few ms after it. The grant's time is read from the entry's expiry, on the store's
 * own clock (a slot is free again when that clock reaches it); the value the client stores is its
 * own reading just before, which can be a millisecond or a GC pause earlier.
 */
export function recordStartClaims(store: StateStore, channel: string): { claims: number[]; stop(): void } {
  const claims: number[] = [];
  const own = Object.prototype.hasOwnProperty.call(store, 'setIfAbsent');
  const setIfAbsent = store.setIfAbsent;
  store.setIfAbsent = async function (this: StateStore, key: string, value: string, ttlMs?: number) {
    const won = await setIfAbsent.call(this, key, value, ttlMs);
    if (won && key.startsWith('agora:start:') && key.endsWith(`:${channel}`)) {
      const expires = (this as unknown as { entries?: Map<string, { expires: number }> }).entries?.get(key)?.expires;
      claims.push(expires !== undefined && ttlMs !== undefined ? expires - ttlMs : Number(value));
    }
    return won;
  };
  return {
    claims,
    stop: () => {
      if (own) store.setIfAbsent = setIfAbsent;
      else delete (store as Partial<StateStore>).setIfAbsent;
    },
  };
}
