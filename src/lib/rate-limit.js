"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RateLimiterRegistry = exports.RateLimiter = void 0;
/**
 * Sliding-window limiter: at most `limit` starts in any `windowMs`. Callers
 * wait in FIFO order, so a burst is spread out rather than dropped.
 */
class RateLimiter {
    constructor(limit, windowMs = 1000, now = Date.now) {
        this.limit = limit;
        this.windowMs = windowMs;
        this.now = now;
        this.starts = [];
        this.waiters = [];
    }
    /** Resolves when the caller may start; rejects (and gives up its place) when `signal` aborts first. */
    acquire(signal) {
        return new Promise((resolve, reject) => {
            if (signal?.aborted)
                return reject(signal.reason);
            const admit = () => {
                signal?.removeEventListener('abort', onAbort);
                resolve();
            };
            const onAbort = () => {
                const i = this.waiters.indexOf(admit);
                if (i >= 0)
                    this.waiters.splice(i, 1);
                if (this.waiters.length === 0 && this.timer) {
                    clearTimeout(this.timer);
                    this.timer = undefined;
                }
                reject(signal?.reason);
            };
            signal?.addEventListener('abort', onAbort, { once: true });
            this.waiters.push(admit);
            this.drain();
        });
    }
    get pending() {
        return this.waiters.length;
    }
    drain() {
        if (this.timer)
            return;
        while (this.waiters.length > 0) {
            const t = this.now();
            while (this.starts.length > 0 && this.starts[0] <= t - this.windowMs)
                this.starts.shift();
            if (this.starts.length >= this.limit) {
                const wait = this.starts[0] + this.windowMs - t + 1;
                this.timer = setTimeout(() => {
                    this.timer = undefined;
                    this.drain();
                }, wait);
                return;
            }
            this.starts.push(t);
            this.waiters.shift()();
        }
    }
}
exports.RateLimiter = RateLimiter;
/** One limiter per credential, shared by every config node that uses it: vendors count per account. */
class RateLimiterRegistry {
    constructor(windowMs = 1000) {
        this.windowMs = windowMs;
        this.limiters = new Map();
    }
    /** The limiter for `key` at `limit` per window; config nodes that disagree on the limit get separate ones. */
    for(key, limit) {
        const id = `${key}|${limit}`;
        let limiter = this.limiters.get(id);
        if (!limiter) {
            limiter = new RateLimiter(limit, this.windowMs);
            this.limiters.set(id, limiter);
        }
        return limiter;
    }
}
exports.RateLimiterRegistry = RateLimiterRegistry;
