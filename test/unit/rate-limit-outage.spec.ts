/**
 * The shared quota across a Redis outage, on a fake clock: two instances' limiters count one
 * shared window, then lose it mid-window and count locally. Whatever each had taken, together
 * they never start more than the limit in any window. Deterministic: no real time passes, so
 * the machine's speed cannot change what is counted.
 */
import assert from 'assert/strict';
import { RateLimiter, SharedTake, SharedWindows } from '../../nodes/lib/rate-limit';
import { mapReply } from '../../nodes/lib/state/redis-windows';
import { busiest } from '../support/busiest';

/** Date.now and setTimeout on a clock that moves only when told; setImmediate stays real to let promises settle. */
class FakeClock {
  now = 1_000_000;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  private seq = 0;
  private saved: [typeof setTimeout, typeof clearTimeout, typeof Date.now] | undefined;

  install(): void {
    this.saved = [global.setTimeout, global.clearTimeout, Date.now];
    global.setTimeout = ((fn: () => void, ms?: number) => {
      const id = ++this.seq;
      this.timers.set(id, { at: this.now + Math.max(1, ms ?? 0), fn });
      return { id, unref: () => undefined, ref: () => undefined };
    }) as unknown as typeof setTimeout;
    global.clearTimeout = ((h: { id: number } | undefined) =>
      void this.timers.delete(h?.id as number)) as typeof clearTimeout;
    Date.now = () => this.now;
  }

  restore(): void {
    if (this.saved) [global.setTimeout, global.clearTimeout, Date.now] = this.saved;
  }

  /** Runs every timer due within `ms`, in order, letting promises settle between them. */
  async tick(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= until && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = Math.max(this.now, next[1].at);
      next[1].fn();
    }
    this.now = until;
  }
}

/** One "Redis": a sliding window on the (fake) clock, and whether it answers. */
class FakeRedis {
  starts: number[] = [];
  up = true;
}

/** One instance's view of it, as RedisWindows gives it: takes, usability, a share by live instances. */
class FakeWindows implements SharedWindows {
  constructor(
    private readonly redis: FakeRedis,
    private readonly live: number,
  ) {}
  usable(): boolean {
    return this.redis.up;
  }
  async take(_key: string, limit: number, windowMs: number): Promise<SharedTake> {
    if (!this.redis.up) throw new Error('Redis is not connected');
    const now = Date.now();
    this.redis.starts = this.redis.starts.filter((s) => s > now - windowMs);
    let waitMs = 0;
    if (this.redis.starts.length < limit) this.redis.starts.push(now);
    else waitMs = this.redis.starts[0] + windowMs - now + 1;
    return { waitMs, window: [...this.redis.starts], sharedAt: now };
  }
  share(limit: number): number {
    return Math.max(1, Math.floor(limit / this.live));
  }
}

describe('RateLimiter: the shared quota across a Redis outage (fake clock)', () => {
  let clock: FakeClock;
  beforeEach(() => {
    clock = new FakeClock();
    clock.install();
  });
  afterEach(() => clock.restore());

  /** Queues `n` acquires on `limiter`, recording the clock at each grant. */
  function burst(limiter: RateLimiter, n: number, into: number[]): Promise<void>[] {
    return Array.from({ length: n }, () => limiter.acquire().then(() => void into.push(Date.now())));
  }

  for (const [name, takenByA, takenByB] of [
    ['B took most of the window', 5, 15],
    ['A took most of the window', 15, 5],
    ['both took half', 10, 10],
    ['the window was not full', 3, 4],
  ] as const) {
    it(`two instances lose Redis mid-window (${name}): never more than 20 in any second`, async () => {
      const redis = new FakeRedis();
      const a = new RateLimiter(20, 1000, Date.now, 'cred', new FakeWindows(redis, 2));
      const b = new RateLimiter(20, 1000, Date.now, 'cred', new FakeWindows(redis, 2));
      const granted: number[] = [];
      const first = [...burst(a, takenByA, granted), ...burst(b, takenByB, granted)];
      await clock.tick(0);
      await Promise.all(first);
      assert.equal(granted.length, takenByA + takenByB);
      await clock.tick(400);
      redis.up = false;
      // 60 more each, counted locally from here on.
      const rest = [...burst(a, 60, granted), ...burst(b, 60, granted)];
      await clock.tick(15_000);
      await Promise.all(rest);
      assert.equal(granted.length, takenByA + takenByB + 120);
      const most = busiest(granted, 1000);
      if (process.env.DEBUG_LIMIT) console.log(granted.map((t) => t - 1_000_000).join(' '));
      assert.ok(most <= 20, `${most} starts in one second`);
      // And not needlessly slow: after the switch, each instance uses its whole share (10 per second).
      assert.equal(
        busiest(
          granted.filter((t) => t >= 1_000_000 + 2000),
          1000,
        ),
        20,
      );
    });
  }

  it('a take whose answer is lost counts as taken', async () => {
    const redis = new FakeRedis();
    const windows = new FakeWindows(redis, 2);
    const realTake = windows.take.bind(windows);
    // Redis records the 11th start, then the connection drops before its answer arrives.
    let calls = 0;
    windows.take = async (k, l, w) => {
      const r = await realTake(k, l, w);
      if (++calls === 11) {
        redis.up = false;
        throw new Error('connection closed');
      }
      return r;
    };
    const a = new RateLimiter(20, 1000, Date.now, 'cred', windows);
    const granted: number[] = [];
    const all = burst(a, 30, granted);
    await clock.tick(5000);
    await Promise.all(all);
    // 10 shared + the lost one + local starts: within the share (10) in every second, counting the lost one.
    assert.equal(granted.length, 30);
    const lost = redis.starts[10];
    assert.ok(busiest([...granted, lost], 1000) <= 20);
    // Locally, the lost start counts against the share of 10.
    assert.ok(busiest([...granted.filter((t) => t > lost), lost], 1000) <= 10);
  });

  it("maps Redis's times to local ones no earlier than they happened", () => {
    // Redis ran the script at 5,000 (its clock); the answer arrived at local 9,050.
    const take = mapReply([0, 5000, 4200, 4900, 5000], 9050);
    assert.deepEqual(take, { waitMs: 0, window: [8250, 8950, 9050], sharedAt: 5000 });
    assert.deepEqual(mapReply([37, 5000], 10), { waitMs: 37, window: [], sharedAt: 5000 });
    assert.deepEqual(mapReply(null, 10), { waitMs: 0, window: [], sharedAt: undefined });
  });
});
