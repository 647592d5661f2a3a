/**
 * Sliding-window limiter: at most `limit` starts in any `windowMs`. Callers
 * wait in FIFO order, so a burst is spread out rather than dropped.
 */
export class RateLimiter {
  private readonly starts: number[] = [];
  private readonly waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly limit: number, readonly windowMs = 1000, private readonly now = Date.now) {}

  /** Resolves when the caller may start; rejects (and gives up its place) when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const admit = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = this.waiters.indexOf(admit);
        if (i >= 0) this.waiters.splice(i, 1);
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

  get pending(): number {
    return this.waiters.length;
  }

  private drain(): void {
    if (this.timer) return;
    while (this.waiters.length > 0) {
      const t = this.now();
      while (this.starts.length > 0 && this.starts[0] <= t - this.windowMs) this.starts.shift();
      if (this.starts.length >= this.limit) {
        const wait = this.starts[0] + this.windowMs - t + 1;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.drain();
        }, wait);
        return;
      }
      this.starts.push(t);
      (this.waiters.shift() as () => void)();
    }
  }
}

/** One limiter per credential, shared by every config node that uses it: vendors count per account. */
export class RateLimiterRegistry {
  private readonly limiters = new Map<string, RateLimiter>();

  constructor(private readonly windowMs = 1000) {}

  /** The limiter for `key` at `limit` per window; config nodes that disagree on the limit get separate ones. */
  for(key: string, limit: number): RateLimiter {
    const id = `${key}|${limit}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiter(limit, this.windowMs);
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}
