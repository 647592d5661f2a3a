/**
 * The Redis backend against a real redis-server (Debian's, started on a free loopback port):
 * the StateStore contract, atomic claims and leases, the shared sliding window, and what
 * happens while Redis is away and when it returns.
 */
import net from 'net';
import should from 'should';
import { JobBook } from '../../nodes/lib/jobs/job-book';
import { RateLimiter, useSharedWindows } from '../../nodes/lib/rate-limit';
import { FallbackStore } from '../../nodes/lib/state/fallback-store';
import { MemoryStore } from '../../nodes/lib/state/memory-store';
import { maskUrl, readRedisConfig } from '../../nodes/lib/state/redis-config';
import { stateNote, withStatusParams } from '../../nodes/lib/state/mode';
import { Heartbeat } from '../../nodes/lib/state/redis-heartbeat';
import { resetSharedState, sharedState } from '../../nodes/lib/state/shared';
import { RedisLink } from '../../nodes/lib/state/redis-link';
import { RedisStore } from '../../nodes/lib/state/redis-store';
import { RedisWindows } from '../../nodes/lib/state/redis-windows';
import { RedisServer } from '../e2e/redis/redis-server';
import { busiest } from '../support/busiest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('shared state on Redis', function () {
  this.timeout(30000);
  let server: RedisServer;
  const links: RedisLink[] = [];
  const logs: string[] = [];

  /** `record`: this link's log lines go to `logs` (every link logs its own outage). */
  function link(prefix = 'test:', record = false, url = server.url): RedisLink {
    const config = readRedisConfig({
      speechPipelines: { redis: { url, keyPrefix: prefix, commandTimeoutMs: 300 }, instances: 2 },
    })!;
    const push = (m: string) => record && logs.push(m);
    const l = new RedisLink(config, { info: (m) => push(`info ${m}`), warn: (m) => push(`warn ${m}`) });
    links.push(l);
    l.start();
    return l;
  }
  const untilUp = async (l: RedisLink, up = true) => {
    for (let i = 0; i < 200 && l.up !== up; i++) await sleep(25);
    l.up.should.equal(up);
  };

  before(async () => {
    server = await RedisServer.start({ password: 's3cret/pw' });
  });
  afterEach(async () => {
    if (!server.running) await server.start();
  });
  after(async () => {
    for (const l of links) l.close();
    useSharedWindows(undefined);
    await server.stop();
  });
  beforeEach(() => (logs.length = 0));

  it('reads settings and env, prefers settings, refuses other schemes, masks the password', () => {
    should(readRedisConfig({}, {})).be.undefined();
    readRedisConfig({}, { SPEECH_PIPELINES_REDIS_URL: 'rediss://:pw@h:6380' })!.should.match({
      url: 'rediss://:pw@h:6380',
      source: 'env',
      instances: 2,
      leaseMs: 30000,
      keyPrefix: 'speech-pipelines:',
    });
    readRedisConfig(
      { speechPipelines: { redis: { url: 'redis://a:1', socket: { tls: true } }, instances: 3, leaseSeconds: 5 } },
      { SPEECH_PIPELINES_REDIS_URL: 'redis://b:2' },
    )!.should.match({ url: 'redis://a:1', source: 'settings', socket: { tls: true }, instances: 3, leaseMs: 5000 });
    (() => readRedisConfig({}, { SPEECH_PIPELINES_REDIS_URL: 'http://h' })).should.throw(/redis:\/\/ or rediss:\/\//);
    maskUrl('redis://user:top-secret@h:1/0').should.equal('redis://user:***@h:1/0');
    maskUrl('redis://h:1').should.equal('redis://h:1');
  });

  it('implements the StateStore contract with TTLs and an authenticated connection', async () => {
    const l = link('test:', true);
    await untilUp(l);
    logs.some((m) => m.includes('Shared state in use') && m.includes('***') && !m.includes('s3cret')).should.be.true();
    const s = new RedisStore(l);
    await s.delete('a');
    (await s.setIfAbsent('a', '1', 200)).should.be.true();
    (await s.setIfAbsent('a', '2', 200)).should.be.false();
    (await s.get('a'))!.should.equal('1');
    await sleep(250);
    should(await s.get('a')).be.undefined();
    await s.set('p*x:1', 'x');
    await s.set('p*x:2', 'y');
    await s.set('pzx:3', 'z'); // would match an unescaped glob
    (await s.keys('p*x:')).sort().should.eql(['p*x:1', 'p*x:2']);
    (await s.extendIfValue('p*x:1', 'x', 1000)).should.be.true();
    (await s.extendIfValue('p*x:1', 'other', 1000)).should.be.false();
    l.close();
  });

  it('gives a lock to exactly one of two instances racing for it', async () => {
    const [a, b] = [link(), link()];
    await untilUp(a);
    await untilUp(b);
    const sa = new RedisStore(a);
    const sb = new RedisStore(b);
    const wins = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? sa : sb).setIfAbsent('race', String(i), 5000)),
    );
    wins.filter(Boolean).length.should.equal(1);
  });

  it('counts one sliding window across instances: never more than the limit in any window', async () => {
    const [a, b] = [link(), link()];
    await untilUp(a);
    await untilUp(b);
    const wa = new RedisWindows(a, 'A', 2);
    const wb = new RedisWindows(b, 'B', 2);
    // Redis's time of each grant: the count is on Redis's clock, so that is where it is checked
    // (when the answers reach this process depends on how busy the machine is).
    const granted: number[] = [];
    const worker = async (w: RedisWindows) => {
      while (granted.length < 30) {
        const take = await w.take('cred-1', 10, 500);
        if (take.waitMs === 0) granted.push(take.sharedAt!);
        else await sleep(take.waitMs);
      }
    };
    await Promise.all([worker(wa), worker(wb), worker(wa), worker(wb)]);
    granted.sort((x, y) => x - y);
    for (let i = 10; i < granted.length; i++)
      (granted[i] - granted[i - 10]).should.be.aboveOrEqual(500, `11 starts within ${granted[i] - granted[i - 10]} ms`);
    // Every take answers with the whole window, every instance's starts in it: the next one sees a full window.
    const full = await wa.take('cred-1', 10, 500);
    if (full.waitMs > 0) full.window.length.should.equal(10);
    const after = await wb.take('cred-2', 10, 500);
    after.waitMs.should.equal(0);
    (await wa.take('cred-2', 10, 500)).window.length.should.equal(2);
    wa.share(20).should.equal(10);
    wa.share(1).should.equal(1);
  });

  it('counts live instances by heartbeat; a clean stop leaves the count; the share follows it', async () => {
    const [a, b, c] = [link('hb:'), link('hb:'), link('hb:')];
    await Promise.all([untilUp(a), untilUp(b), untilUp(c)]);
    // Beats by hand; an entry lives 300 ms.
    const beats = [
      new Heartbeat(a, 'A', { everyMs: 60_000, ttlMs: 300 }),
      new Heartbeat(b, 'B', { everyMs: 60_000, ttlMs: 300 }),
      new Heartbeat(c, 'C', { everyMs: 60_000, ttlMs: 300 }),
    ];
    try {
      for (const h of beats) await h.beat();
      beats[2].live!.should.equal(3);
      new RedisWindows(c, 'C', 2, beats[2]).share(20).should.equal(6);
      await beats[1].leave();
      await beats[2].beat();
      // The most seen alive lately: one answer of "2" does not lower the count at once.
      beats[2].live!.should.equal(3);
      // Once the count of 3 is older than an entry's life, it is forgotten.
      await sleep(350);
      await beats[0].beat();
      await beats[2].beat();
      beats[2].live!.should.equal(2);
      new RedisWindows(c, 'C', 2, beats[2]).share(20).should.equal(10);
      // Before any beat was answered, the configured number applies.
      new RedisWindows(c, 'C', 4, new Heartbeat(c, 'D', { everyMs: 60_000 })).share(20).should.equal(5);
    } finally {
      beats.forEach((h) => h.close());
    }
  });

  it('when only one instance loses Redis, the other sets its share aside: never more than the limit in any window', async () => {
    // A reaches Redis directly, B through a proxy that is cut, then restored. Each has a limiter of 10 per 400 ms;
    // beats every 200 ms, so the others set B's share aside 600 ms after its last: later than one window.
    const proxy = await cuttableProxy(server.port);
    const a = link('split:');
    const b = link('split:', false, server.url.replace(`:${server.port}`, `:${proxy.port}`));
    await Promise.all([untilUp(a), untilUp(b)]);
    const hbA = new Heartbeat(a, 'A', { everyMs: 200 });
    const hbB: Heartbeat = new Heartbeat(b, 'B', { everyMs: 200, countingLocally: () => wb.countingLocally() });
    const wa = new RedisWindows(a, 'A', 2, hbA);
    const wb: RedisWindows = new RedisWindows(b, 'B', 2, hbB);
    // What counts against the quota: starts granted in Redis, at Redis's time; B's starts on its own, at its time.
    const sharedStarts: Array<{ by: string; at: number }> = [];
    const localStarts: number[] = [];
    for (const [by, w] of [
      ['A', wa],
      ['B', wb],
    ] as const) {
      const take = w.take.bind(w);
      w.take = async (...args) => {
        const answer = await take(...args);
        if (answer.waitMs === 0 && answer.sharedAt !== undefined) sharedStarts.push({ by, at: answer.sharedAt });
        return answer;
      };
    }
    const la = new RateLimiter(10, 400, Date.now, 'split-cred', wa);
    const lb = new RateLimiter(10, 400, Date.now, 'split-cred', wb);
    const startedLocally = wb.startedLocally.bind(wb);
    wb.startedLocally = (at, windowMs) => (localStarts.push(at), startedLocally(at, windowMs));
    const both = (n: number) =>
      Promise.all([...Array.from({ length: n }, () => la.acquire()), ...Array.from({ length: n }, () => lb.acquire())]);
    hbA.start();
    hbB.start();
    try {
      for (let i = 0; i < 200 && (hbA.live !== 2 || hbB.live !== 2); i++) await sleep(25);
      [hbA.live, hbB.live].should.eql([2, 2]);
      await both(15);
      // The split: B loses Redis while both still have work queued; A still reaches it.
      const byA = () => sharedStarts.filter((s) => s.by === 'A').length;
      const beforeSplit = byA();
      const split = both(25);
      proxy.cut();
      await untilUp(b, false);
      await split;
      // Both went on working: A in Redis, B on its own.
      byA().should.be.above(beforeSplit);
      localStarts.length.should.be.above(0);
      // B comes back: it counts on its own a while longer, silent to A until those starts have left their windows.
      await proxy.restore();
      await untilUp(b, true);
      await both(25);
      const all = [...sharedStarts.map((s) => s.at), ...localStarts];
      all.length.should.be.aboveOrEqual(130);
      const most = busiest(all, 400);
      most.should.be.belowOrEqual(10, `${most} starts in one window of 400 ms`);
    } finally {
      hbA.close();
      hbB.close();
      proxy.close();
    }
  });

  it('notices a Redis that accepts connections but never answers, and says so once', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const lines: string[] = [];
    const make = (url: string) => {
      const config = readRedisConfig({ speechPipelines: { redis: { url, commandTimeoutMs: 200 } } })!;
      const l = new RedisLink(config, { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`) });
      links.push(l);
      return l;
    };
    try {
      // Whether the client's hand-shake carries AUTH or not, it is never answered.
      make(`redis://:pw@127.0.0.1:${port}`).start();
      make(`redis://127.0.0.1:${port}`).start();
      for (let i = 0; i < 400 && lines.length < 2; i++) await sleep(25);
      lines.length.should.equal(2, lines.join('\n'));
      for (const m of lines)
        m.should.match(
          /^warn Redis at .* is not reachable \(connected, but Redis does not answer\): using local state/,
        );
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });

  it('notices a Redis that stops answering while connected (no message flowing), once, and its return', async () => {
    const l = link('hang:', true);
    await untilUp(l);
    const beat = new Heartbeat(l, 'H', { everyMs: 100 });
    beat.start();
    logs.length = 0;
    server.pause();
    try {
      await untilUp(l, false);
      // Further commands fail at once and say nothing more: once per change of mode, not per command.
      for (let i = 0; i < 10; i++) await l.command(['PING']).should.be.rejectedWith(/not connected/);
      logs.should.have.length(1);
      logs[0].should.match(/^warn Lost Redis at .* \(commands time out\): using local state/);
    } finally {
      server.resume();
    }
    await untilUp(l, true);
    logs.filter((m) => m.includes('is back')).length.should.equal(1);
    beat.close();
    l.close();
  });

  it('status dots say where the state lives: shared, local while Redis is away, nothing without Redis', async () => {
    const t = Object.assign((k: string, _p: unknown, fallback: string) => `${fallback}`, {
      key: (k: string, fallback: string) => `key:${k}:${fallback}`,
    });
    const red = (settings: Record<string, unknown>) =>
      ({ settings, log: { info: () => undefined, warn: () => undefined, error: () => undefined } }) as never;
    resetSharedState();
    try {
      stateNote(red({}), t as never)().should.eql({});
      resetSharedState();
      const RED = red({ speechPipelines: { redis: { url: server.url, commandTimeoutMs: 300 } } });
      const note = stateNote(RED, t as never);
      const l = sharedState(RED).link!;
      await untilUp(l);
      note().should.eql({ _state: 'key:state.shared:shared' });
      withStatusParams('@speech-pipelines/node-red-speech/unisound-config:status.done?elapsed=2s', note()).should.equal(
        '@speech-pipelines/node-red-speech/unisound-config:status.done?elapsed=2s&_state=key%3Astate.shared%3Ashared',
      );
      withStatusParams('plain text', note()).should.equal('plain text');
      await server.stop();
      await untilUp(l, false);
      note().should.eql({ _state: 'key:state.local:local' });
    } finally {
      resetSharedState();
    }
  });

  it('falls back to local state while Redis is away, warns once, and returns by itself', async () => {
    const l = link('fb:', true);
    await untilUp(l);
    const local = new MemoryStore();
    const store = new FallbackStore(l, new RedisStore(l), local);
    await store.set('before', '1');
    logs.length = 0;
    await server.stop();
    await untilUp(l, false);
    // No call fails or waits on Redis meanwhile.
    for (let i = 0; i < 20; i++) (await store.setIfAbsent(`during:${i}`, '1', 10000)).should.be.true();
    (await store.setIfAbsent('during:0', '1', 10000)).should.be.false();
    await store.set('job:1', 'kept locally');
    logs.filter((m) => m.startsWith('warn')).length.should.equal(1, logs.join('\n'));
    logs[0].should.match(/Lost Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/? \([^)]+\): using local state/);
    await server.start();
    await untilUp(l, true);
    logs.filter((m) => m.includes('is back')).length.should.equal(1);
    // Written during the outage, still found afterwards.
    (await store.keys('job:')).should.eql(['job:1']);
    (await store.get('job:1'))!.should.equal('kept locally');
    (await store.setIfAbsent('after', '1', 1000)).should.be.true();
    (await new RedisStore(l).get('after'))!.should.equal('1');
  });

  it('RateLimiter keeps FIFO order and cancellation with the shared window, and a conservative share while Redis is away', async () => {
    const l = link('rl:');
    await untilUp(l);
    useSharedWindows(new RedisWindows(l, 'me', 2));
    try {
      const limiter = new RateLimiter(4, 400, Date.now, 'cred-fifo');
      const order: number[] = [];
      const ctl = new AbortController();
      const all = Array.from({ length: 8 }, (_, i) =>
        limiter.acquire(i === 5 ? ctl.signal : undefined).then(
          () => order.push(i),
          () => order.push(-i),
        ),
      );
      ctl.abort();
      await Promise.all(all);
      order.should.eql([-5, 0, 1, 2, 3, 4, 6, 7]);
      // Redis away: 2 of 4 per window for this instance.
      await server.stop();
      await untilUp(l, false);
      // Judged by the limiter's own starts: when a grant's callback runs depends on how busy the machine is.
      const times: number[] = [];
      const own = (limiter as unknown as { starts: number[] }).starts;
      own.push = (...v: number[]) => (times.push(...v), Array.prototype.push.apply(own, v));
      await Promise.all(Array.from({ length: 4 }, () => limiter.acquire()));
      times.should.have.length(4);
      (times[2] - times[0]).should.be.aboveOrEqual(400);
      await server.start();
      await untilUp(l, true);
    } finally {
      useSharedWindows(undefined);
    }
  });

  it('JobBook: one lease holder, takeover after expiry, exactly one claim across instances', async () => {
    const [a, b] = [link('jobs:'), link('jobs:')];
    await untilUp(a);
    await untilUp(b);
    const bookA = new JobBook(new RedisStore(a), 'u:', { store: new RedisStore(a), owner: 'A', ms: 300 });
    const bookB = new JobBook(new RedisStore(b), 'u:', { store: new RedisStore(b), owner: 'B', ms: 300 });
    const job = {
      nodeId: 'n1',
      jobId: 't1',
      submittedAt: Date.now(),
      deadline: Date.now() + 60000,
      data: {},
      msg: { keep: 1 },
    };
    await bookA.add(job);
    (await bookA.acquire('n1', 't1')).should.be.true();
    (await bookB.acquire('n1', 't1')).should.be.false();
    (await bookB.list('n1')).map((j) => j.jobId).should.eql(['t1']);
    await sleep(350); // A died: its lease runs out
    (await bookB.acquire('n1', 't1')).should.be.true();
    (await bookA.renew('n1', 't1')).should.be.false();
    const claims = await Promise.all([
      bookA.claim('n1', 't1', job.submittedAt),
      bookB.claim('n1', 't1', job.submittedAt),
      bookB.claim('n1', 't1', job.submittedAt),
    ]);
    claims.filter(Boolean).length.should.equal(1);
    (await bookA.list('n1')).should.eql([]);
  });
});

/** A TCP proxy to `port` that can be cut (every connection dropped, new ones refused) and restored on the same port. */
async function cuttableProxy(target: number) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => {
            sockets.delete(s);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    cut() {
      server?.close();
      for (const s of sockets) s.destroy();
    },
    restore: listen,
    close() {
      server?.close();
      for (const s of sockets) s.destroy();
    },
  };
}
