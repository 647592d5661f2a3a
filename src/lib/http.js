"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.HttpClient = void 0;
const events_1 = require("events");
const http_1 = __importDefault(require("http"));
const https_1 = __importDefault(require("https"));
const axios_1 = __importDefault(require("axios"));
const errors_1 = require("./errors");
const backoff_1 = require("./backoff");
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/**
 * The HTTP layer every vendor client shares: keep-alive sockets, a rate limit per
 * credential, timeouts, bounded retries with jittered backoff, and errors that
 * never carry the request (whose headers hold the credentials).
 */
class HttpClient {
    constructor(opts) {
        this.opts = opts;
        this.httpAgent = new http_1.default.Agent({ keepAlive: true, maxSockets: 32 });
        this.httpsAgent = new https_1.default.Agent({ keepAlive: true, maxSockets: 32 });
        this.closing = new AbortController();
        this.maxRetries = opts.maxRetries ?? 3;
        // Every queued request listens for close; hundreds may be queued behind the rate limit.
        (0, events_1.setMaxListeners)(0, this.closing.signal);
        this.axios = axios_1.default.create({
            baseURL: opts.baseURL,
            timeout: opts.timeoutMs ?? 10000,
            httpAgent: this.httpAgent,
            httpsAgent: this.httpsAgent,
            // The redirect follower buffers every body to replay it; vendors never redirect API calls.
            maxRedirects: 0,
            // These APIs answer in kilobytes; a misconfigured endpoint must not fill the heap.
            maxContentLength: 16 * 1024 * 1024,
            validateStatus: () => true,
            responseType: 'text',
            transformResponse: [(data) => data],
        });
    }
    /**
     * Sends `build()` (called again for every attempt, so each one gets a fresh
     * nonce and timestamp) and returns the raw 2xx response.
     */
    async send(build, options) {
        for (let attempt = 0;; attempt++) {
            this.throwIfAborted(options.signal);
            if (this.opts.limiter) {
                // A cancelled request gives its place in the queue up at once (a redeploy must not leave it holding a slot).
                await this.opts.limiter.acquire(this.mergedSignal(options.signal)).catch(() => {
                    throw this.abortedError();
                });
            }
            this.throwIfAborted(options.signal);
            let error;
            let safeToRepeat = false;
            const req = build();
            const streamed = isStream(req.body);
            try {
                const res = await this.attempt(req, options.signal);
                const vendorError = this.opts.toError(res);
                if (!vendorError)
                    return res;
                error = vendorError;
            }
            catch (err) {
                ({ error, safeToRepeat } = this.transportError(err));
            }
            const repeatable = !streamed && error.retryable && (options.idempotent || safeToRepeat || isRefusal(error));
            if (!repeatable || attempt >= this.maxRetries)
                throw error;
            await (0, backoff_1.sleep)((0, backoff_1.backoffDelay)(attempt, error.retryAfter), this.mergedSignal(options.signal)).catch(() => {
                throw this.abortedError();
            });
        }
    }
    close() {
        this.closing.abort();
        this.httpAgent.destroy();
        this.httpsAgent.destroy();
    }
    async attempt(req, signal) {
        const res = await this.axios.request({
            method: req.method,
            url: req.path,
            headers: req.headers,
            data: req.body,
            signal: this.mergedSignal(signal),
        });
        const headers = {};
        for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined && v !== null)
                headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
        }
        return { status: res.status, headers, body: typeof res.data === 'string' ? res.data : String(res.data ?? '') };
    }
    transportError(err) {
        const e = err;
        if (this.closing.signal.aborted || e.name === 'CanceledError' || e.code === 'ERR_CANCELED') {
            return { error: this.abortedError(), safeToRepeat: false };
        }
        const code = e.code ?? 'NetworkError';
        const notSent = NOT_SENT_CODES.has(code);
        const timeout = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
        // Only the code and our own words: axios's message and error object can carry the URL and headers.
        const message = timeout
            ? `No answer from ${this.host()} within ${this.timeoutMs()} ms. Check the endpoint and network, or raise the timeout.`
            : notSent
                ? `Cannot reach ${this.host()} (${code}). Check the endpoint in the config node and the network.`
                : `Connection to ${this.host()} failed (${code}) before a complete answer arrived.`;
        return {
            error: new errors_1.SpeechApiError({ vendor: this.opts.vendor, code: timeout ? 'Timeout' : code, message, retryable: true }),
            safeToRepeat: notSent,
        };
    }
    host() {
        try {
            return new URL(this.opts.baseURL).host;
        }
        catch {
            return 'the endpoint';
        }
    }
    timeoutMs() {
        return this.opts.timeoutMs ?? 10000;
    }
    mergedSignal(signal) {
        return signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    }
    throwIfAborted(signal) {
        if (this.closing.signal.aborted || signal?.aborted)
            throw this.abortedError();
    }
    abortedError() {
        return new errors_1.SpeechApiError({ vendor: this.opts.vendor, code: 'Aborted', message: 'Request cancelled because the node was stopped or redeployed.' });
    }
}
exports.HttpClient = HttpClient;
/** Duck-typed: form-data's stream is a legacy Stream, not a Readable. */
function isStream(body) {
    return !!body && typeof body === 'object' && !Buffer.isBuffer(body) && typeof body.pipe === 'function';
}
/** A vendor's explicit "not now" (throttling): the request was refused, not processed. */
function isRefusal(error) {
    return /^Throttling/.test(error.code) || error.httpStatus === 429;
}
