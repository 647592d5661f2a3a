/**
 * Sliding-window limiter: at most `limit` starts in any `windowMs`. Callers
 * wait in FIFO order, so a burst is spread out rather than dropped.
 */
export class RateLimiter {
  private readonly starts: number[] = [];
  private readonly waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly limit: number, readonly windowMs = 1000, private readonly now = Date.now) {}

  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
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

  constructor(private readonly limit: number, private readonly windowMs = 1000) {}

  for(key: string): RateLimiter {
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiter(this.limit, this.windowMs);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}
