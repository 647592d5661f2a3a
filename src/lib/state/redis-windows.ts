import crypto from 'crypto';
import { SharedTake, SharedWindows } from '../rate-limit';
import { Heartbeat } from './redis-heartbeat';
import { RedisLink } from './redis-link';

/**
 * A sliding window in one sorted set: drop starts older than the window, count, add one if there
 * is room, else answer how long until enough have left. The room is the limit less the shares of
 * instances not heard from for `quietMs` (the heartbeat's set): cut off from Redis, each may be
 * starting its share on its own. Redis's own clock (TIME) is the only clock, so instances whose
 * clocks disagree still count one window. Scripts run atomically, so two instances can never
 * both take the last place. The answer also carries Redis's time and every start in the window
 * (all instances'), so that an instance that loses Redis keeps counting what was already taken.
 */
const SLIDING_WINDOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local room = limit
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))) do
  if id ~= ARGV[5] then
    local seen = tonumber(redis.call('HGET', KEYS[3], id)) or 1
    room = room - math.max(1, math.floor(limit / math.max(1, seen)))
  end
end
local wait = 0
local count = redis.call('ZCARD', KEYS[1])
if count < room then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
elseif room < 1 then
  wait = tonumber(ARGV[4])
else
  local freeing = redis.call('ZRANGE', KEYS[1], count - room, count - room, 'WITHSCORES')
  wait = tonumber(freeing[2]) + window - now + 1
end
redis.call('PEXPIRE', KEYS[1], window)
local reply = { wait, now }
local starts = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 2, #starts, 2 do reply[#reply + 1] = tonumber(starts[i]) end
return reply
`;

const RECONNECT_SKEW_MS = 1500;
/** Without a heartbeat (tests), instances silent this long have their shares set aside: the heartbeat's default. */
const DEFAULT_QUIET_MS = 6000;

/** Rate-limit windows counted in Redis across instances; see `RateLimiter` for the queueing in front of them. */
export class RedisWindows implements SharedWindows {
  private seq = 0;
  /** The longest window a limiter has asked about: how long this instance counts on its own after an outage. */
  private longestWindowMs = 0;
  /** Until then, starts this instance made on its own still count against a quota. */
  private localUntil = 0;

  constructor(
    private readonly link: RedisLink,
    private readonly instanceId: string,
    private readonly instances: number,
    private readonly heartbeat?: Pick<Heartbeat, 'live' | 'quietMs' | 'silentFrom' | 'key' | 'countsKey'>,
    private readonly now: () => number = Date.now,
  ) {}

  usable(windowMs: number): boolean {
    this.longestWindowMs = Math.max(this.longestWindowMs, windowMs);
    // After an outage, instances reconnect up to a second or so apart: wait out one window plus that.
    return (
      this.link.up && (this.link.lostAt === undefined || Date.now() - this.link.upSince >= windowMs + RECONNECT_SKEW_MS)
    );
  }

  /**
   * True while this instance's limiters count on their own (back from an outage, before the wait
   * is over), and until the starts they made that way have left their windows.
   */
  countingLocally(): boolean {
    return this.link.up && (!this.usable(this.longestWindowMs) || this.now() < this.localUntil);
  }

  startedLocally(at: number, windowMs: number): void {
    this.localUntil = Math.max(this.localUntil, at + windowMs);
  }

  async take(key: string, limit: number, windowMs: number): Promise<SharedTake> {
    // The credential (an AccessKey id, a key's hash) is hashed again: nothing about it is readable in Redis.
    const id = crypto.createHash('sha256').update(`${key}\n${windowMs}`).digest('hex').slice(0, 32);
    const member = `${this.instanceId}:${++this.seq}`;
    const reply = await this.link.command<unknown[]>([
      'EVAL',
      SLIDING_WINDOW,
      '3',
      `${this.link.prefix}rate:${id}`,
      this.heartbeat?.key ?? `${this.link.prefix}instances`,
      this.heartbeat?.countsKey ?? `${this.link.prefix}instances:seen`,
      String(limit),
      String(windowMs),
      member,
      String(this.heartbeat?.quietMs ?? DEFAULT_QUIET_MS),
      this.instanceId,
    ]);
    return mapReply(reply, this.now());
  }

  share(limit: number): number {
    return Math.max(1, Math.floor(limit / (this.heartbeat?.live ?? this.instances)));
  }

  setAsideFrom(): number | undefined {
    return this.heartbeat?.silentFrom();
  }
}

/**
 * Redis's times to this process's clock, conservatively: the script ran before its answer
 * arrived (`receivedAt`), so dating each start `redisNow - start` before the answer's arrival
 * places it at or after the moment it really happened, and it stays counted at least as long.
 */
export function mapReply(reply: unknown, receivedAt: number): SharedTake {
  const values = (Array.isArray(reply) ? reply : [reply]).map((v) => Number(v));
  const [wait, redisNow, ...starts] = values;
  const waitMs = Math.max(0, Number.isFinite(wait) ? wait : 0);
  if (!Number.isFinite(redisNow)) return { waitMs, window: [], sharedAt: undefined };
  return {
    waitMs,
    window: starts.filter(Number.isFinite).map((s) => receivedAt - Math.max(0, redisNow - s)),
    sharedAt: redisNow,
  };
}
