/**
 * A start window counted outside this process (Redis), so several Node-RED instances using
 * one credential stay within its quota together.
 */
export interface SharedWindows {
  /**
   * False while the shared count is unavailable (limiters then use `share` of their limit
   * locally), and for a while after it returns: what instances started on their own in the
   * meantime is not in the shared count, so a window of `windowMs` must pass first.
   */
  usable(windowMs: number): boolean;
  /**
   * Records one start in `key`'s window if fewer than `limit` are in it, less the shares of
   * instances that may be counting on their own. Rejects when the backend fails.
   */
  take(key: string, limit: number, windowMs: number): Promise<SharedTake>;
  /** What one instance may use of `limit` on its own: conservative, so instances together stay within it. */
  share(limit: number): number;
  /**
   * The local time from which every other instance has set this one's share aside, having
   * stopped hearing from it (undefined: nobody counts on hearing from it). Local starts wait for it.
   */
  setAsideFrom?(): number | undefined;
  /** A start made while counting locally, which counts against the quota until `at + windowMs`. */
  startedLocally?(at: number, windowMs: number): void;
}

/** The answer of one shared take. */
export interface SharedTake {
  /** 0 when the start was granted, else ms until a place frees up. */
  waitMs: number;
  /**
   * Every start in the shared window after this take (every instance's, this one's included), in
   * this process's clock and never earlier than it happened: what counts against the quota if the
   * shared count becomes unavailable now.
   */
  window: number[];
  /** The shared clock's time of this take (ms epoch), when the backend has one. */
  sharedAt?: number;
}

let sharedWindows: SharedWindows | undefined;

/** Called once per process by the shared-state module when Redis is configured; every keyed limiter then counts there too. */
export function useSharedWindows(windows: SharedWindows | undefined): void {
  sharedWindows = windows;
}

/**
 * Sliding-window limiter: at most `limit` starts in any `windowMs`. Callers
 * wait in FIFO order, so a burst is spread out rather than dropped. A limiter
 * with a `key` (one per credential, from the registry) also counts in the
 * shared window when one is in use.
 */
export class RateLimiter {
  private readonly starts: number[] = [];
  private readonly waiters: Array<() => void> = [];
  /** Waiters that yield to everyone else (polls of jobs resumed after a restart): always behind the others. */
  private readonly background = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private taking = false;
  /** The shared window as last seen (local times), and whether the last decision used it. */
  private seen: number[] = [];
  private mode: 'shared' | 'local' | undefined;
  /** Counting locally: no start before this (the others must first set this instance's share aside). */
  private localFrom = 0;

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
    private readonly now = Date.now,
    readonly key?: string,
    /** The shared count for this limiter (default: the process's, when Redis is configured). */
    private readonly windows?: SharedWindows,
  ) {}

  /**
   * Resolves when the caller may start; rejects (and gives up its place) when `signal` aborts
   * first. A `background` caller queues behind every other caller, even later ones, so a backlog
   * of background work never delays new work.
   */
  acquire(signal?: AbortSignal, background = false): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const admit = (): void => {
        this.background.delete(admit);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.background.delete(admit);
        const i = this.waiters.indexOf(admit);
        if (i >= 0) this.waiters.splice(i, 1);
        if (this.waiters.length === 0 && this.timer) {
          clearTimeout(this.timer);
          this.timer = undefined;
        }
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (background) {
        this.background.add(admit);
        this.waiters.push(admit);
      } else {
        const firstBackground = this.background.size ? this.waiters.findIndex((w) => this.background.has(w)) : -1;
        if (firstBackground < 0) this.waiters.push(admit);
        else this.waiters.splice(firstBackground, 0, admit);
      }
      this.drain();
    });
  }

  get pending(): number {
    return this.waiters.length;
  }

  private drain(): void {
    if (this.timer || this.taking) return;
    const shared = this.key !== undefined ? (this.windows ?? sharedWindows) : undefined;
    while (this.waiters.length > 0) {
      const t = this.now();
      // Without the shared count, each instance keeps to its share of the quota.
      const usable = shared?.usable(this.windowMs) ?? false;
      if (shared) this.switchMode(usable ? 'shared' : 'local', t, shared);
      while (this.starts.length > 0 && this.starts[0] <= t - this.windowMs) this.starts.shift();
      const limit = shared && !usable ? shared.share(this.limit) : this.limit;
      if (this.starts.length >= limit) {
        this.wake(this.starts[this.starts.length - limit] + this.windowMs - t + 1);
        return;
      }
      if (shared && usable) {
        this.takeShared(shared);
        return;
      }
      if (shared && t < this.localFrom) {
        this.wake(this.localFrom - t);
        return;
      }
      this.starts.push(t);
      shared?.startedLocally?.(t, this.windowMs);
      (this.waiters.shift() as () => void)();
    }
  }

  /**
   * From shared to local counting, the current shared window counts as full: the starts last
   * seen in it (every instance's) at their times, and the places not seen taken as if just now
   * (another instance may have taken them after this one last looked). So each instance counts a
   * window at least as full and as late as the real one, waits until fewer than its share remain,
   * and together they stay within the quota whatever each had taken. If only this instance lost
   * Redis, the others go on counting there: they set its share aside once they stop hearing from
   * it, and it starts nothing on its own until a window after that. The price: a pause of the
   * heartbeat's quiet time plus a window after Redis is lost. Back, it stays silent to the others
   * (its share still set aside) until its local starts have left their windows.
   */
  private switchMode(mode: 'shared' | 'local', t: number, shared: SharedWindows): void {
    if (mode === 'local' && this.mode === 'shared') {
      const still = this.seen.filter((s) => s > t - this.windowMs).sort((a, b) => a - b);
      while (still.length < this.limit) still.push(t);
      this.starts.splice(0, this.starts.length, ...still);
      // Until the others set this share aside they may fill whole windows; one more window, and those starts are gone.
      const setAside = shared.setAsideFrom?.();
      const alone = shared.share(this.limit) >= this.limit;
      this.localFrom = setAside === undefined || alone ? 0 : setAside + this.windowMs;
    }
    this.mode = mode;
  }

  /** The head of the queue asks the shared window; everyone behind it keeps their place. */
  private takeShared(shared: SharedWindows): void {
    this.taking = true;
    shared.take(this.key as string, this.limit, this.windowMs).then(
      ({ waitMs, window }) => {
        this.taking = false;
        this.seen = window.slice(-this.limit);
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
      },
      () => {
        // The backend failed (and is no longer usable): the local share applies from here on. The
        // start may have been recorded before the answer was lost, so it counts as taken.
        this.taking = false;
        this.seen.push(this.now());
        this.drain();
      },
    );
  }

  private wake(ms: number): void {
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.drain();
      },
      Math.max(1, ms),
    );
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
      limiter = new RateLimiter(limit, this.windowMs, Date.now, id);
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}
