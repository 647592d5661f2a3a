/**
 * A burst into the create node is started at no more than the vendor's documented rate per
 * AccessKey (Alibaba: 20 requests/s), counted where the product counts, and every msg gets
 * exactly one success.
 *
 * RATE_LIMIT_MESSAGES (default 200) sets the burst: ten windows' worth at 20/s, ~10 s.
 */
import should from 'should';
import { ALL_NODES, helper, tab } from '../nodes/harness';
import { ACTION_CASES, ActionCase, ALIYUN, EmulatorLike, eventually, Msg, recordLimiterStarts } from './kit';
import { busiestWindow } from '../support/busiest';

const MESSAGES = Number(process.env.RATE_LIMIT_MESSAGES ?? 200);

/** Per vendor: the documented limit per credential, and the window it is counted in. */
const LIMITS: Record<string, { perWindow: number; windowMs: number }> = {
  aliyun: { perWindow: 20, windowMs: 1000 },
};

// Alibaba's 20 requests/s per AccessKey; Unisound's 20/min has its own spec (unisound-rate).
const CASES: ActionCase[] = ACTION_CASES.filter((c) => c.kit === ALIYUN && c.name === c.type && !c.idempotent);

describe('reliability: rate limit per AccessKey', function () {
  for (const c of CASES) {
    const limit = LIMITS[c.kit.vendor];
    const expectedS = (MESSAGES / limit.perWindow) * (limit.windowMs / 1000);
    this.timeout(Math.max(60000, expectedS * 2500));

    describe(c.name, () => {
      let emu: EmulatorLike;
      // The starts the credential's limiter counted, at the times it counted them: what it promises
      // (see recordLimiterStarts). Arrivals at the emulator are only logged.
      let recorder: ReturnType<typeof recordLimiterStarts>;
      before(async () => {
        recorder = recordLimiterStarts();
        // The emulator does not throttle here (see above); unisound-rate shows an emulator enforcing its limit.
        emu = await c.kit.startEmulator({ ratePerSecond: 100_000 });
        await helper.startServer();
      });
      after(async () => {
        recorder.stop();
        await helper.unload();
        await helper.stopServer();
        await emu.close();
      });

      it(`spreads a burst of ${MESSAGES} msgs to ≤ ${limit.perWindow} requests per ${limit.windowMs} ms, losing none`, async () => {
        // Retries stay on: a request throttled anyway would be retried, and show up as extra arrivals.
        await helper.load(
          ALL_NODES,
          tab([c.kit.configNode(emu.url, { timeoutS: 5, maxRetries: 2 }), c.node()]),
          c.kit.credentials(c.kit.defaultSecrets),
        );
        const outcomes = new Map<number, string[]>();
        helper.getNode('out').on('input', (m: Msg) => outcomes.set(m.n, [...(outcomes.get(m.n) ?? []), 'out']));
        helper
          .getNode('errors')
          .on('input', (m: Msg) => outcomes.set(m.n, [...(outcomes.get(m.n) ?? []), `error:${m.error?.code}`]));
        const grants = recorder.starts;
        grants.length = 0;
        const t0 = Date.now();
        for (let n = 0; n < MESSAGES; n++) helper.getNode('act').receive({ ...c.validMsg(emu), n });
        const done = await eventually(() => outcomes.size === MESSAGES, expectedS * 2000, 50);
        const seconds = (Date.now() - t0) / 1000;
        done.should.be.true(`${outcomes.size} of ${MESSAGES} msgs finished`);

        const arrivals = emu.requests.map((r) => r.at).sort((a, b) => a - b);
        const busiest = busiestWindow(
          [...grants].sort((a, b) => a - b),
          limit.windowMs,
        );
        const rate = MESSAGES / seconds;
        console.log(
          `      ${MESSAGES} msgs in ${seconds.toFixed(1)} s (${rate.toFixed(1)} req/s); busiest ${limit.windowMs} ms window: ${busiest.count} starts by the limiter, ${busiestWindow(arrivals, limit.windowMs).count} arrivals at the emulator`,
        );

        const failures = [...outcomes.entries()].filter(([, l]) => l.length !== 1 || l[0] !== 'out');
        should(failures.slice(0, 5)).eql([], `${failures.length} msgs did not end in exactly one success`);
        emu.requests.length.should.equal(MESSAGES, 'one request per msg: no retries were needed');
        grants.length.should.equal(MESSAGES, 'every request started through the limiter');
        busiest.count.should.be.belowOrEqual(limit.perWindow);
        // And not needlessly slow, whatever the machine: the whole quota is used (a wall-clock rate would measure the machine).
        busiest.count.should.equal(limit.perWindow);
      });
    });
  }
});
