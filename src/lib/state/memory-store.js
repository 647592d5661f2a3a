"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.processStore = exports.MemoryStore = void 0;
/**
 * The embedded default for state that may be lost on restart (locks, used names, dedupe).
 * Expired keys are dropped when touched and by an occasional sweep, so memory stays bounded
 * by what is live.
 */
class MemoryStore {
    constructor(now = Date.now) {
        this.now = now;
        this.entries = new Map();
        this.writes = 0;
    }
    async setIfAbsent(key, value, ttlMs) {
        if (this.live(key))
            return false;
        this.put(key, value, ttlMs);
        return true;
    }
    async get(key) {
        return this.live(key)?.value;
    }
    async set(key, value, ttlMs) {
        this.put(key, value, ttlMs);
    }
    async delete(key) {
        this.entries.delete(key);
    }
    async keys(prefix) {
        return [...this.entries.keys()].filter((k) => k.startsWith(prefix) && this.live(k));
    }
    async extendIfValue(key, value, ttlMs) {
        if (this.live(key)?.value !== value)
            return false;
        this.put(key, value, ttlMs);
        return true;
    }
    get size() {
        return this.entries.size;
    }
    live(key) {
        const e = this.entries.get(key);
        if (e && e.expires <= this.now()) {
            this.entries.delete(key);
            return undefined;
        }
        return e;
    }
    put(key, value, ttlMs) {
        this.entries.set(key, { value, expires: ttlMs !== undefined && ttlMs > 0 ? this.now() + ttlMs : Infinity });
        // Keys written once and never read again (names, locks) would otherwise pile up.
        if (++this.writes % 1024 === 0)
            this.sweep();
    }
    sweep() {
        const t = this.now();
        for (const [k, e] of this.entries)
            if (e.expires <= t)
                this.entries.delete(k);
    }
}
exports.MemoryStore = MemoryStore;
/** One embedded store per process, shared by every node: locks and names must be seen by all of them. */
exports.processStore = new MemoryStore();
