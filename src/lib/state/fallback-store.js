"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FallbackStore = void 0;
exports.extendIfValue = extendIfValue;
/**
 * The shared store while Redis answers, the local one while it does not: nothing waits on
 * or fails because of Redis. Writes go to whichever is in use; reads and `keys` also look
 * in the local store, so what was written there during an outage (a batch job) is still
 * found once Redis is back. The cost, accepted and logged: during an outage a lock or an
 * event id is only known to this instance.
 */
class FallbackStore {
    constructor(link, shared, local) {
        this.link = link;
        this.shared = shared;
        this.local = local;
    }
    setIfAbsent(key, value, ttlMs) {
        return this.either((s) => s.setIfAbsent(key, value, ttlMs));
    }
    async get(key) {
        const local = await this.local.get(key);
        if (local !== undefined || !this.link.up)
            return local;
        return this.shared.get(key).catch(() => undefined);
    }
    set(key, value, ttlMs) {
        return this.either((s) => s.set(key, value, ttlMs));
    }
    async delete(key) {
        await this.local.delete(key);
        if (this.link.up)
            await this.shared.delete(key).catch(() => undefined);
    }
    async keys(prefix) {
        const local = await this.local.keys(prefix);
        if (!this.link.up)
            return local;
        const shared = await this.shared.keys(prefix).catch(() => []);
        return [...new Set([...shared, ...local])];
    }
    extendIfValue(key, value, ttlMs) {
        return this.either((s) => extendIfValue(s, key, value, ttlMs));
    }
    async either(op) {
        if (this.link.up) {
            try {
                return await op(this.shared);
            }
            catch {
                // The link has logged the outage once; this call is served locally.
            }
        }
        return op(this.local);
    }
}
exports.FallbackStore = FallbackStore;
/** The store's own compare-and-extend, or get-then-set for a store without one (a small race, single process only). */
async function extendIfValue(store, key, value, ttlMs) {
    if (store.extendIfValue)
        return store.extendIfValue(key, value, ttlMs);
    if ((await store.get(key)) !== value)
        return false;
    await store.set(key, value, ttlMs);
    return true;
}
