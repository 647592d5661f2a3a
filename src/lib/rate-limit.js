"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RateLimiterRegistry = exports.RateLimiter = void 0;
exports.useSharedWindows = useSharedWindows;
let sharedWindows;
/** Called once per process by the shared-state module when Redis is configured; every keyed limiter then counts there too. */
function useSharedWindows(windows) {
    sharedWindows = windows;
}
/**
 * Sliding-window limiter: at most `limit` starts in any `windowMs`. Callers
 * wait in FIFO order, so a burst is spread out rather than dropped. A limiter
 * with a `key` (one per credential, from the registry) also counts in the
 * shared window when one is in use.
 */
class RateLimiter {
    constructor(limit, windowMs = 1000, now = Date.now, key) {
        this.limit = limit;
        this.windowMs = windowMs;
        this.now = now;
        this.key = key;
        this.starts = [];
        this.waiters = [];
        this.taking = false;
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
        if (this.timer || this.taking)
            return;
        const shared = this.key !== undefined ? sharedWindows : undefined;
        while (this.waiters.length > 0) {
            const t = this.now();
            while (this.starts.length > 0 && this.starts[0] <= t - this.windowMs)
                this.starts.shift();
            // Without the shared count, each instance keeps to its share of the quota.
            const usable = shared?.usable(this.windowMs) ?? false;
            const limit = shared && !usable ? shared.share(this.limit) : this.limit;
            if (this.starts.length >= limit) {
                this.wake(this.starts[this.starts.length - limit] + this.windowMs - t + 1);
                return;
            }
            if (shared && usable) {
                this.takeShared(shared);
                return;
            }
            this.starts.push(t);
            this.waiters.shift()();
        }
    }
    /** The head of the queue asks the shared window; everyone behind it keeps their place. */
    takeShared(shared) {
        this.taking = true;
        shared.take(this.key, this.limit, this.windowMs).then((waitMs) => {
            this.taking = false;
            if (waitMs > 0) {
                // A little jitter so instances waiting for the same freed place take turns rather than one always winning.
                this.wake(waitMs + Math.floor(Math.random() * 15));
                return;
            }
            this.starts.push(this.now());
            // The place is spent even if its caller gave up meanwhile: the next one in line takes it.
            const next = this.waiters.shift();
            next?.();
            this.drain();
        }, () => {
            // The backend failed (and is no longer usable): the local share applies from here on.
            this.taking = false;
            this.drain();
        });
    }
    wake(ms) {
        this.timer = setTimeout(() => {
            this.timer = undefined;
            this.drain();
        }, Math.max(1, ms));
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
            limiter = new RateLimiter(limit, this.windowMs, Date.now, id);
            this.limiters.set(id, limiter);
        }
        return limiter;
    }
}
exports.RateLimiterRegistry = RateLimiterRegistry;
