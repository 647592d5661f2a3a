/**
 * Unisound allows 20 task requests per minute per key (§3.3); rate-limit.spec.ts is tuned for
 * Alibaba's 20/s and would need 50 minutes for its burst here. So, in seconds:
 * - the client, with its limit window shortened to 1 s and the emulator's clock running 60×
 *   (its 60 s window passes in 0.91 s), spreads a burst to the limit and loses nothing, while a
 *   client allowed more than the emulator is throttled (the check can fail);
 * - the nodes hold the config's `rateLimit` (real 60 s window): past it, creates wait
 *   unsent, and a redeploy ends each waiting msg with one Aborted error.
 */
import should from 'should';
import { UnisoundEmulator, UNISOUND_DEFAULTS } from '../emulator/unisound';
import { ALL_NODES, helper, tab } from '../nodes/harness';
import { UnisoundClient } from '../../nodes/vendors/unisound/client';
import { eventually, Msg, recordLimiterStarts } from './kit';
import { busiest } from '../support/busiest';

const PER_WINDOW = 5;

describe('reliability: Unisound tasks rate limit (per key, per minute)', function () {
  this.timeout(30000);

  describe('client, 1 s window against a 66× emulator clock', () => {
    let emu: UnisoundEmulator;
    const clients: UnisoundClient[] = [];
    before(async () => {
      const t0 = Date.now();
      // 66×: the emulator's minute passes in 0.91 s, a little less than the client's 1 s window, so the
      // first requests' connection set-up (arrival jitter of tens of ms, tiny in a real minute) does not count.
      emu = new UnisoundEmulator({ tasksPerMinute: PER_WINDOW, now: () => t0 + (Date.now() - t0) * 66 });
      await emu.listen();
    });
    after(async () => {
      clients.forEach((c) => c.close());
      await emu.close();
    });
    beforeEach(() => emu.reset());

    const client = (rateLimit: number, apiKey = UNISOUND_DEFAULTS.apiKey): UnisoundClient => {
      const c = new UnisoundClient({
        apiKey,
        endpoint: emu.url,
        rateLimit,
        rateWindowMs: 1000,
        maxRetries: 0,
        timeoutMs: 5000,
      });
      clients.push(c);
      return c;
    };
    const create = (c: UnisoundClient, i: number) =>
      c.createTask({ model: 'u2-asr', file_url: `https://example.com/${i}.wav`, format: 'wav' }).then(
        () => 'ok',
        (e) => e.code as string,
      );

    it(`spreads a burst of ${PER_WINDOW * 3} creates to ≤ ${PER_WINDOW} per window, none throttled or lost`, async () => {
      // Counted where the client counts (see recordLimiterStarts), against an emulator that does not
      // throttle: arrivals in this process bunch up whenever its event loop stalls.
      const open = new UnisoundEmulator({ tasksPerMinute: 1_000_000 });
      await open.listen();
      const recorder = recordLimiterStarts();
      try {
        const c = new UnisoundClient({
          apiKey: UNISOUND_DEFAULTS.apiKey,
          endpoint: open.url,
          rateLimit: PER_WINDOW,
          rateWindowMs: 1000,
          maxRetries: 0,
          timeoutMs: 30_000,
        });
        clients.push(c);
        const results = await Promise.all(Array.from({ length: PER_WINDOW * 3 }, (_, i) => create(c, i)));
        results.should.eql(Array(PER_WINDOW * 3).fill('ok'));
        open.requests.length.should.equal(PER_WINDOW * 3);
        const starts = [...recorder.starts].sort((a, b) => a - b);
        starts.length.should.equal(PER_WINDOW * 3);
        // The whole quota in a window, never more: the limit is used, not undercut.
        busiest(starts, 1000).should.equal(PER_WINDOW);
        // Three windows' worth: the third batch starts two windows after the first, never sooner.
        (starts[PER_WINDOW * 2] - starts[0]).should.be.aboveOrEqual(2000);
      } finally {
        recorder.stop();
        await open.close();
      }
    });

    it('a client allowed more than the key may send is throttled (100501): the emulator enforces the limit', async () => {
      const c = client(PER_WINDOW * 2);
      const results = await Promise.all(Array.from({ length: PER_WINDOW * 2 }, (_, i) => create(c, i)));
      results.filter((r) => r === '100501').length.should.equal(PER_WINDOW);
    });
  });

  describe('nodes, config rateLimit with the real 60 s window', () => {
    let emu: UnisoundEmulator;
    before(async () => {
      emu = new UnisoundEmulator({ tasksPerMinute: 2 });
      await emu.listen();
      await helper.startServer();
    });
    after(async () => {
      await helper.unload();
      await helper.stopServer();
      await emu.close();
    });

    it('sends no more creates than rateLimit in a minute; a redeploy ends the waiting msgs with one Aborted each', async () => {
      const flow = (name: string): Msg[] =>
        tab([
          { id: 'cfg', type: 'unisound-config', name, endpoint: emu.url, rateLimit: 2, timeout: 5, maxRetries: 2 },
          { id: 'act', type: 'unisound-asr-submit', unisound: 'cfg', wait: false, wires: [['out']] },
        ]);
      const creds = { cfg: { apiKey: UNISOUND_DEFAULTS.apiKey } };
      await helper.load(ALL_NODES, flow('a'), creds);
      const outcomes = new Map<number, string[]>();
      const note = (m: Msg, what: string) => outcomes.set(m.n, [...(outcomes.get(m.n) ?? []), what]);
      helper.getNode('out').on('input', (m: Msg) => note(m, 'out'));
      helper.getNode('errors').on('input', (m: Msg) => note(m, `error:${m.error?.code}`));
      for (let n = 0; n < 5; n++)
        helper.getNode('act').receive({ n, payload: { file_url: `https://example.com/${n}.wav` } });
      (await eventually(() => outcomes.size === 2, 10000)).should.be.true();
      // The other three wait inside the limiter: nothing else reaches Unisound within the minute.
      outcomes.size.should.equal(2, 'three msgs wait for the next minute');
      emu.requests.length.should.equal(2);
      emu.requests.filter((r) => r.code === 100501).length.should.equal(0);
      const t0 = Date.now();
      await helper.setFlows(flow('b'), 'nodes', creds);
      // Far less than the minute left in the window, however busy the machine.
      (Date.now() - t0).should.be.below(30_000, 'a redeploy does not wait out the minute');
      (await eventually(() => outcomes.size === 5, 10000)).should.be.true();
      should([...outcomes.values()].map((l) => l.join())).eql([
        'out',
        'out',
        'error:Aborted',
        'error:Aborted',
        'error:Aborted',
      ]);
      emu.requests.length.should.equal(2);
    });
  });
});
