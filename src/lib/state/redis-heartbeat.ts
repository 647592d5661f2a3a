import { RedisLink } from './redis-link';

/**
 * One entry per instance in a sorted set scored by Redis's clock (its last beat), and in a hash
 * the number of instances it last saw alive. Each beat refreshes this instance's entry, drops
 * those silent for longer than `rememberMs` and answers how many beat within `ttlMs`. Three things
 * depend on it: while Redis is down, an instance takes `1 / (instances last seen alive)` of a
 * quota; instances that still reach Redis set aside the share of one they stopped hearing from
 * (see RedisWindows); and a Redis that accepts connections but never answers is noticed by the
 * beats timing out even when no message is flowing.
 */
const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local forgotten = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
for _, id in ipairs(forgotten) do redis.call('HDEL', KEYS[2], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
redis.call('ZADD', KEYS[1], now, ARGV[1])
local live = redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[2]), '+inf')
redis.call('HSET', KEYS[2], ARGV[1], live)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return live
`;

/** A clean stop: gone from the count, and nobody sets a share aside for it. */
const LEAVE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
`;

/** How long an instance that went silent without a clean stop is kept in mind (its share set aside). */
export const REMEMBER_SILENT_MS = 10 * 60_000;

export interface HeartbeatOptions {
  everyMs?: number;
  /** How long a beat counts an instance as alive. */
  ttlMs?: number;
  rememberMs?: number;
  /**
   * True while this instance still counts on its own after Redis came back: it does not beat
   * then, so the others keep its share aside until its local starts are in the shared count.
   */
  countingLocally?: () => boolean;
}

export class Heartbeat {
  private samples: Array<{ at: number; n: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly off: () => void;
  readonly everyMs: number;
  readonly ttlMs: number;
  private readonly rememberMs: number;
  /**
   * Local time of the last beat Redis may have recorded: a beat's sending, then its answer's
   * arrival (it ran no later). A beat whose answer is lost may still have run: its sending stays.
   */
  private lastBeatAt: number | undefined;

  constructor(
    private readonly link: RedisLink,
    private readonly instanceId: string,
    private readonly options: HeartbeatOptions = {},
  ) {
    this.everyMs = options.everyMs ?? 2000;
    this.ttlMs = options.ttlMs ?? 5 * this.everyMs;
    this.rememberMs = options.rememberMs ?? REMEMBER_SILENT_MS;
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

  /** After this long without a beat from an instance, the others set its share aside. */
  get quietMs(): number {
    return 3 * this.everyMs;
  }

  /**
   * The local time from which the others treat this instance as silent: `quietMs` after the last
   * beat Redis may have recorded, or after the link was lost if that came later (bytes already on
   * their way when the connection broke may still have run).
   */
  silentFrom(): number | undefined {
    if (this.lastBeatAt === undefined) return undefined;
    return Math.max(this.lastBeatAt, this.link.lostAt ?? 0) + this.quietMs;
  }

  get key(): string {
    return `${this.link.prefix}instances`;
  }

  get countsKey(): string {
    return `${this.link.prefix}instances:seen`;
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
    if (this.stopped || !this.link.up || this.options.countingLocally?.()) return;
    this.lastBeatAt = Date.now();
    try {
      const n = await this.link.command<number>([
        'EVAL',
        BEAT,
        '2',
        this.key,
        this.countsKey,
        this.instanceId,
        String(this.ttlMs),
        String(this.rememberMs),
      ]);
      if (this.stopped) return;
      const at = Date.now();
      this.lastBeatAt = at;
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
    await this.link.command(['EVAL', LEAVE, '2', this.key, this.countsKey, this.instanceId]).catch(() => undefined);
  }

  close(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.off();
  }
}
