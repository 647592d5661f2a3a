/**
 * Logs a refusal once per reason and interval, with a count: 2,000 bodiless requests once
 * wrote 2,000 warnings in two seconds, before any signature check. The first of a reason is
 * logged at once; repeats within the interval are counted and reported once when it ends.
 */
export class LogThrottle {
  private readonly pending = new Map<string, { count: number; detail: string; timer: NodeJS.Timeout }>();

  constructor(
    /** Writes one line: `count` is 1 for a first sighting, else how many came in the interval. */
    private readonly write: (reason: string, detail: string, count: number) => void,
    private readonly intervalMs = 60_000,
  ) {}

  note(reason: string, detail: string): void {
    const entry = this.pending.get(reason);
    if (entry) {
      entry.count++;
      entry.detail = detail;
      return;
    }
    this.pending.set(reason, { count: 0, detail, timer: this.arm(reason) });
    this.safeWrite(reason, detail, 1);
  }

  /** Stops the timers; counts not yet written are written now. */
  close(): void {
    for (const [reason, e] of this.pending) {
      clearTimeout(e.timer);
      if (e.count) this.safeWrite(reason, e.detail, e.count);
    }
    this.pending.clear();
  }

  private arm(reason: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const e = this.pending.get(reason);
      if (!e) return;
      if (!e.count) {
        this.pending.delete(reason);
        return;
      }
      this.safeWrite(reason, e.detail, e.count);
      e.count = 0;
      e.timer = this.arm(reason);
    }, this.intervalMs);
    timer.unref();
    return timer;
  }

  /** A logger that throws must not take a timer (and with it the process) down. */
  private safeWrite(reason: string, detail: string, count: number): void {
    try {
      this.write(reason, detail, count);
    } catch {
      // nothing sensible to do: the log itself failed
    }
  }
}
