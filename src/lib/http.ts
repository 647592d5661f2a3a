import { setMaxListeners } from 'events';
import http from 'http';
import https from 'https';
import { Readable } from 'stream';
import type { AxiosInstance, AxiosResponse, Method } from 'axios';
import { SpeechApiError, Vendor } from './errors';
import { RateLimiter } from './rate-limit';
import { backoffDelay, sleep } from './backoff';

export interface HttpClientOptions {
  vendor: Vendor;
  baseURL: string;
  timeoutMs?: number;
  maxRetries?: number;
  limiter?: RateLimiter;
  /** Turns a non-2xx (or otherwise failed) response into the vendor's error. */
  toError: (response: RawResponse) => SpeechApiError | undefined;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface OutgoingRequest {
  method: Method;
  /** Path and query, relative to baseURL. */
  path: string;
  headers: Record<string, string>;
  /**
   * A Readable (a file or multipart stream) is sent as it is read, never held whole, and
   * never retried: once any byte may have left, the stream cannot be replayed.
   */
  body?: string | Buffer | Readable;
}

export interface SendOptions {
  /**
   * False for requests that create something: they are retried only when the
   * vendor says it refused them (throttling), never after a timeout or a 5xx,
   * because the first attempt may already have created the task.
   */
  idempotent: boolean;
  signal?: AbortSignal;
  /** Waits in the rate limiter behind every other request (polls of resumed jobs). */
  background?: boolean;
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The HTTP layer every vendor client shares: keep-alive sockets, a rate limit per
 * credential, timeouts, bounded retries with jittered backoff, and errors that
 * never carry the request (whose headers hold the credentials).
 */
export class HttpClient {
  private readonly axios: AxiosInstance;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly closing = new AbortController();
  readonly maxRetries: number;

  constructor(private readonly opts: HttpClientOptions) {
    this.maxRetries = opts.maxRetries ?? 3;
    // Every queued request listens for close; hundreds may be queued behind the rate limit.
    setMaxListeners(0, this.closing.signal);
    // Loaded with the first client, not with the node files: Node-RED starts without paying for it.
    const axios = require('axios') as typeof import('axios').default;
    this.axios = axios.create({
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
      transformResponse: [(data: unknown) => data],
    });
  }

  /**
   * Sends `build()` (called again for every attempt, so each one gets a fresh
   * nonce and timestamp) and returns the raw 2xx response.
   */
  async send(build: () => OutgoingRequest, options: SendOptions): Promise<RawResponse> {
    for (let attempt = 0; ; attempt++) {
      this.throwIfAborted(options.signal);
      if (this.opts.limiter) {
        // A cancelled request gives its place in the queue up at once (a redeploy must not leave it holding a slot).
        await this.opts.limiter.acquire(this.mergedSignal(options.signal), options.background).catch(() => {
          throw this.abortedError();
        });
      }
      this.throwIfAborted(options.signal);
      let error: SpeechApiError;
      let safeToRepeat = false;
      const req = build();
      const streamed = isStream(req.body);
      try {
        const res = await this.attempt(req, options.signal);
        const vendorError = this.opts.toError(res);
        if (!vendorError) return res;
        error = vendorError;
      } catch (err) {
        ({ error, safeToRepeat } = this.transportError(err));
      }
      const repeatable = !streamed && error.retryable && (options.idempotent || safeToRepeat || isRefusal(error));
      if (!repeatable || attempt >= this.maxRetries) throw error;
      await sleep(backoffDelay(attempt, error.retryAfter), this.mergedSignal(options.signal)).catch(() => {
        throw this.abortedError();
      });
    }
  }

  close(): void {
    this.closing.abort();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async attempt(req: OutgoingRequest, signal?: AbortSignal): Promise<RawResponse> {
    const res: AxiosResponse<string> = await this.axios.request({
      method: req.method,
      url: req.path,
      headers: req.headers,
      data: req.body,
      signal: this.mergedSignal(signal),
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined && v !== null) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    }
    return { status: res.status, headers, body: typeof res.data === 'string' ? res.data : String(res.data ?? '') };
  }

  private transportError(err: unknown): { error: SpeechApiError; safeToRepeat: boolean } {
    const e = err as { code?: string; message?: string; name?: string };
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
      error: new SpeechApiError({
        vendor: this.opts.vendor,
        code: timeout ? 'Timeout' : code,
        message,
        retryable: true,
      }),
      safeToRepeat: notSent,
    };
  }

  private host(): string {
    try {
      return new URL(this.opts.baseURL).host;
    } catch {
      return 'the endpoint';
    }
  }

  private timeoutMs(): number {
    return this.opts.timeoutMs ?? 10000;
  }

  private mergedSignal(signal?: AbortSignal): AbortSignal {
    return signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
  }

  private throwIfAborted(signal?: AbortSignal): void {
    if (this.closing.signal.aborted || signal?.aborted) throw this.abortedError();
  }

  private abortedError(): SpeechApiError {
    return new SpeechApiError({
      vendor: this.opts.vendor,
      code: 'Aborted',
      message: 'Request cancelled because the node was stopped or redeployed.',
    });
  }
}

/** Duck-typed: form-data's stream is a legacy Stream, not a Readable. */
function isStream(body: unknown): boolean {
  return (
    !!body &&
    typeof body === 'object' &&
    !Buffer.isBuffer(body) &&
    typeof (body as { pipe?: unknown }).pipe === 'function'
  );
}

/** A vendor's explicit "not now" (throttling): the request was refused, not processed. */
function isRefusal(error: SpeechApiError): boolean {
  return /^Throttling/.test(error.code) || error.httpStatus === 429;
}
