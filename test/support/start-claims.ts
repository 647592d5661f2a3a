import type { StateStore } from '../../nodes/lib/state/store';

/**
 * The Agora start slots a store hands out, at the time the client claimed each (the value it
 * stores): "one start per channel per second" is a promise about these decisions. Arrivals at an
 * emulator in the same busy process are not evidence of it: a stalled event loop can deliver a
 * request sent a second after another only a few ms after it.
 */
export function recordStartClaims(store: StateStore, channel: string): { claims: number[]; stop(): void } {
  const claims: number[] = [];
  const own = Object.prototype.hasOwnProperty.call(store, 'setIfAbsent');
  const setIfAbsent = store.setIfAbsent;
  store.setIfAbsent = async function (this: StateStore, key: string, value: string, ttlMs?: number) {
    const won = await setIfAbsent.call(this, key, value, ttlMs);
    if (won && key.startsWith('agora:start:') && key.endsWith(`:${channel}`)) claims.push(Number(value));
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
