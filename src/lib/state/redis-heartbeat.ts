import { RedisLink } from './redis-link';

/**
 * One entry per live instance in a sorted set scored by Redis's clock: each beat adds this
 * instance, drops those silent for longer than `ttlMs` and answers how many remain. Two things
 * depend on it: while Redis is down, an instance takes `1 / (instances last seen alive)` of a
 * quota; and a Redis that accepts connections but never answers is noticed by the beats timing
 * out even when no message is flowing.
 */
const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])
`;

export class Heartbeat {
  private samples: Array<{ at: number; n: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly off: () => void;

  constructor(
    private readonly link: RedisLink,
    private readonly instanceId: string,
    private readonly everyMs = 2000,
    private readonly ttlMs = 5 * everyMs,
  ) {
    this.off = link.onChange((up) => up && !this.stopped && void this.beat());
  }

  /**
   * The most instances seen alive over the last `ttlMs` of answered beats (this one included),
   * undefined before the first. The most, not the latest: a Redis that restarts empty answers
   * "1" to whichever instance beats first, and an instance that left only drops out of the count
   * once its entry would have expired anyway.
   */
  get live(): number | undefined {
    return this.samples.length ? Math.max(...this.samples.map((s) => s.n)) : undefined;
  }

  private get key(): string {
    return `${this.link.prefix}instances`;
  }

  /** Beats now and every `everyMs` until `leave`; the timer never keeps the process alive. */
  start(): void {
    this.stopped = false;
    if (!this.timer) {
      this.timer = setInterval(() => void this.beat(), this.everyMs);
      this.timer.unref();
    }
    void this.beat();
  }

  async beat(): Promise<void> {
    if (this.stopped || !this.link.up) return;
    try {
      const n = await this.link.command<number>(['EVAL', BEAT, '1', this.key, this.instanceId, String(this.ttlMs)]);
      if (this.stopped) return;
      const at = Date.now();
      this.samples = this.samples.filter((s) => s.at > at - this.ttlMs);
      this.samples.push({ at, n: Math.max(1, Number(n) || 1) });
    } catch {
      // The link logs the change of mode; the last count stays what it was.
    }
  }

  /** A clean stop: no more beats, and this instance no longer counts as alive for the others. */
  async leave(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.link.up) return;
    await this.link.command(['ZREM', this.key, this.instanceId]).catch(() => undefined);
  }

  close(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.off();
  }
}
