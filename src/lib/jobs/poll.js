"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.pollUntil = pollUntil;
exports.formatElapsed = formatElapsed;
const backoff_1 = require("../backoff");
/**
 * Polls until `poll` says done, the deadline passes or the signal aborts. Waits grow
 * (2 s → 30 s by default) so a five-hour job costs hundreds of requests, not thousands.
 */
async function pollUntil(poll, opts) {
    const now = opts.now ?? Date.now;
    let wait = opts.firstMs;
    for (;;) {
        const left = opts.deadline - now();
        if (left <= 0)
            return 'timeout';
        await (0, backoff_1.sleep)(Math.min(wait, left), opts.signal);
        const outcome = await poll(opts.signal);
        if (outcome.done)
            return outcome.result;
        opts.onState?.(outcome.state);
        wait = Math.min(opts.maxMs, Math.round(wait * (opts.factor ?? 1.5)));
    }
}
/** "3m 12s", "1h 4m", "45s": short enough for a status dot. */
function formatElapsed(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (h)
        return `${h}h ${m}m`;
    if (m)
        return `${m}m ${s % 60}s`;
    return `${s}s`;
}
