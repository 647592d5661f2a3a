"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.backoffDelay = backoffDelay;
exports.sleep = sleep;
const BASE_MS = 200;
const CAP_MS = 5000;
/**
 * Full-jitter exponential backoff, never shorter than what the vendor asked
 * for: many nodes retrying in step would otherwise hit the limit together again.
 */
function backoffDelay(attempt, retryAfterSeconds, random = Math.random) {
    const ceiling = Math.min(CAP_MS, BASE_MS * 2 ** attempt);
    const jittered = Math.round(random() * ceiling);
    const floor = retryAfterSeconds && retryAfterSeconds > 0 ? retryAfterSeconds * 1000 : 0;
    return Math.max(jittered, floor);
}
/** Resolves after `ms`, or rejects as soon as `signal` aborts so a redeploy never waits out a backoff. */
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(abortError());
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(abortError());
        };
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
function abortError() {
    const e = new Error('Aborted');
    e.name = 'AbortError';
    return e;
}
