/**
 * Every action node × every emulator fault, once and every time: each msg ends in
 * exactly one outcome (output or one error a Catch node sees), after no more
 * requests than the retry policy allows; nothing is rejected unhandled; and
 * redeploys leave no socket, timer or HTTP route behind.
 */
import should from 'should';
import { FAULT_KINDS, type FaultKind } from '../emulator/faults';
import { ALL_NODES, helper, tab } from '../nodes/harness';
import {
  ACTION_CASES,
  ActionCase,
  activeResources,
  trackLimiters,
  ALIYUN,
  CALLBACK_CASES,
  EmulatorLike,
  eventually,
  Msg,
  portOf,
  sleep,
  socketsTo,
} from './kit';

const TIMEOUT_S = 0.25;
const SLOW_MS = 600;
const MAX_RETRIES = 2;
/** After the outcome, how long nothing else may happen (longer than any backoff step left). */
const QUIET_MS = 350;

interface Expectation {
  ok: boolean;
  requests: number;
  code?: RegExp;
}

function expect(c: ActionCase, kind: FaultKind, persistent: boolean): Expectation {
  const retried = c.idempotent || kind === 'throttle';
  if (!retried) return { ok: false, requests: 1, code: c.kit.faultCode[kind] };
  if (persistent) return { ok: false, requests: MAX_RETRIES + 1, code: c.kit.faultCode[kind] };
  return { ok: true, requests: 1 + c.calls };
}

/** Sends one msg and records everything on `out` and `errors` until QUIET_MS after the first outcome. */
async function runOne(msg: Msg, timeoutMs = 8000): Promise<{ out: Msg[]; errors: Msg[]; ms: number }> {
  const out: Msg[] = [];
  const errors: Msg[] = [];
  const t0 = Date.now();
  helper.getNode('out').on('input', (m: Msg) => out.push(m));
  helper.getNode('errors').on('input', (m: Msg) => errors.push(m));
  helper.getNode('act').receive(msg);
  const seen = await eventually(() => out.length + errors.length > 0, timeoutMs, 5);
  const first = Date.now() - t0;
  if (seen) await sleep(QUIET_MS);
  return { out, errors, ms: first };
}

describe('reliability: fault suite (every action node × every fault kind)', function () {
  this.timeout(20000);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => process.off('unhandledRejection', onUnhandled));
  afterEach(() => {
    should(unhandled.map(String)).eql([], 'no unhandled rejections');
  });

  for (const c of ACTION_CASES.filter((a) => !a.skip?.includes('faults'))) {
    describe(c.name, () => {
      let emu: EmulatorLike;
      before(async () => {
        emu = await c.kit.startEmulator();
        (emu.faults as { slowMs: number }).slowMs = SLOW_MS;
        await helper.startServer();
        await helper.load(
          ALL_NODES,
          tab([c.kit.configNode(emu.url, { timeoutS: TIMEOUT_S, maxRetries: MAX_RETRIES }), c.node()]),
          c.kit.credentials(c.kit.defaultSecrets),
        );
      });
      after(async () => {
        await helper.unload();
        await helper.stopServer();
        await emu.close();
      });
      beforeEach(() => emu.reset());

      it('succeeds without faults, in exactly the expected requests', async () => {
        const { out, errors } = await runOne(c.validMsg(emu));
        out.length.should.equal(1);
        errors.length.should.equal(0);
        emu.requests.length.should.equal(c.calls);
      });

      for (const kind of FAULT_KINDS) {
        for (const persistent of [false, true]) {
          const e = expect(c, kind, persistent);
          const title = `${kind} ${persistent ? 'on every attempt' : 'once'} → ${e.ok ? 'success' : 'one error'} after ${e.requests} request(s)`;
          it(title, async () => {
            const msg = c.validMsg(emu);
            emu.faults.next(kind, persistent ? 50 : 1);
            const { out, errors } = await runOne(msg);
            (out.length + errors.length).should.equal(
              1,
              `exactly one outcome, got ${out.length} outputs and ${errors.length} errors`,
            );
            if (e.ok) {
              out.length.should.equal(1);
            } else {
              errors.length.should.equal(1);
              const err = errors[0].error;
              should(err.code).match(e.code!);
              should(err.message).be.a.String().and.not.be.empty();
              err.message.length.should.be.below(1000);
              errors[0].error.source.id.should.equal('act');
            }
            emu.requests.length.should.equal(
              e.requests,
              `requests: ${emu.requests.map((r) => `${r.action ?? '?'}:${r.fault ?? r.status}`).join(', ')}`,
            );
          });
        }
      }
    });
  }

  describe('redeploys', () => {
    const CB_PATH = '/faults/cb';
    let emu: EmulatorLike;
    let RED: any;
    // Each redeploy changes the config (its timeout), so the config node is replaced. Timeouts of
    // 30 s and more: a redeploy that waited out the hung request could not pass for a slow machine.
    const flow = (k: number): Msg[] => [
      ALIYUN.configNode(emu.url, { timeoutS: 30 + k, maxRetries: MAX_RETRIES }),
      {
        id: 'create',
        type: 'aliyun-live-asr-create',
        live: 'cfg',
        mode: 'live',
        modeType: 'aliyunMode',
        streamUrl: 'rtmp://a.example.com/x/y',
        language: 'cn',
        languageType: 'aliyunLanguage',
        callbackUrl: 'http://127.0.0.1:9/cb',
        wires: [['out']],
      },
      { id: 'act', type: 'aliyun-live-asr-query', live: 'cfg', taskId: 'taskId', taskIdType: 'msg', wires: [['out']] },
      { id: 'stop', type: 'aliyun-live-asr-stop', live: 'cfg', taskId: 'taskId', taskIdType: 'msg', wires: [['out']] },
      ...CALLBACK_CASES[0].nodes(CB_PATH, `https://hooks.example.com${CB_PATH}`, [['out2']]),
    ];
    const creds = (): Msg => ({
      ...ALIYUN.credentials(ALIYUN.defaultSecrets),
      ...CALLBACK_CASES[0].credentials('redeploy-auth-key'),
    });
    const routes = (): number =>
      (RED.httpNode._router?.stack ?? []).filter((l: any) => l.route && l.route.path === CB_PATH).length;
    const timers = (): number => activeResources().Timeout ?? 0;
    const waitingInLimiters = trackLimiters();

    before(async () => {
      emu = await ALIYUN.startEmulator();
      await helper.startServer();
      await helper.load(
        [
          (r: any) => {
            RED = r;
          },
          ...ALL_NODES,
        ],
        tab(flow(1)),
        creds(),
      );
      emuPort = portOf(emu.url);
      await sleep(300);
      baseline = { timers: timers(), resources: activeResources() };
      listen();
    });
    after(async () => {
      await helper.unload();
      await helper.stopServer();
      await emu.close();
    });

    const outcomes = new Map<number, string[]>();
    let baseline: { timers: number; resources: Record<string, number> };
    let emuPort: number;
    let n = 0;
    // Helper nodes a 'nodes' redeploy leaves alone keep their listeners: attach once per instance.
    const listening = new WeakSet<object>();
    const note = (m: Msg, what: string): void => {
      if (typeof m.n === 'number') outcomes.set(m.n, [...(outcomes.get(m.n) ?? []), what]);
    };
    const listen = (): void => {
      const out = helper.getNode('out');
      const errors = helper.getNode('errors');
      if (!listening.has(out)) out.on('input', (m: Msg) => note(m, 'out'));
      if (!listening.has(errors)) errors.on('input', (m: Msg) => note(m, `error:${m.error?.code}`));
      listening.add(out);
      listening.add(errors);
    };
    /** One hung request, one backing off after 503s, and `queued` more waiting for the 20/1.1 s limiter. */
    const busy = async (queued: number): Promise<void> => {
      emu.reset();
      emu.faults.next('hang', 1).next('http503', 2);
      helper.getNode('act').receive({ n: n++ });
      helper.getNode('act').receive({ n: n++ });
      await sleep(100);
      for (let i = 0; i < queued; i++) helper.getNode('act').receive({ n: n++ });
      // Until the hung request and the 503s have reached the emulator.
      (await eventually(() => emu.requests.length >= 3, 8000)).should.be.true('traffic reached the emulator');
      await sleep(100);
    };

    it('a redeploy cancels in-flight, backing-off and queued requests at once, each with at most one Aborted error', async () => {
      routes().should.equal(1);
      socketsTo(emuPort).length.should.equal(0);
      await busy(60);
      const t0 = Date.now();
      await helper.setFlows(tab(flow(2)), 'nodes', creds());
      const redeployMs = Date.now() - t0;
      listen();
      redeployMs.should.be.below(
        15_000,
        'a redeploy must not wait out timeouts (30 s here), backoffs or the rate limit',
      );
      waitingInLimiters().should.equal(0, 'every cancelled caller left the rate limiter at once');
      routes().should.equal(1);
      (await eventually(() => socketsTo(emuPort).length === 0, 1000)).should.be.true(
        `sockets to the emulator after redeploy: ${socketsTo(emuPort).length}`,
      );
      await sleep(QUIET_MS);
      for (const [id, list] of outcomes) {
        list.length.should.equal(1, `msg ${id}: ${list.join(', ')}`);
        if (list[0] !== 'out') list[0].should.equal('error:Aborted');
      }
      console.log(
        `      redeploy took ${redeployMs} ms; ${outcomes.size} of ${n} msgs had an outcome (${[...outcomes.values()].filter((l) => l[0] === 'out').length} outputs)`,
      );
    });

    it('the first request after a redeploy does not queue behind the cancelled ones', async () => {
      await busy(60);
      await helper.setFlows(tab(flow(3)), 'nodes', creds());
      listen();
      emu.reset();
      const waitingAtRedeploy = waitingInLimiters();
      const t0 = Date.now();
      const id = n++;
      helper.getNode('act').receive({ n: id });
      (await eventually(() => outcomes.has(id), 8000)).should.be.true('the first request after a redeploy completes');
      const ms = Date.now() - t0;
      console.log(
        `      first request after the redeploy: ${ms} ms (${waitingAtRedeploy} cancelled callers were still waiting in the rate limiter)`,
      );
      should(outcomes.get(id)).eql(['out'], JSON.stringify(emu.requests));
      // By what was sent, not by the clock: it went first, nothing cancelled was sent before or after it.
      emu.requests.length.should.equal(1, `it waited behind cancelled requests: ${JSON.stringify(emu.requests)}`);
      waitingInLimiters().should.equal(0, 'no cancelled caller left in the rate limiter');
    });

    it('redeploys keep exactly one route; removing the flow leaves no socket, timer or route', async () => {
      for (let i = 0; i < 3; i++) {
        await helper.setFlows(tab(flow(4 + i)), 'nodes', creds());
        routes().should.equal(1);
      }
      listen();
      await busy(60);
      await helper.setFlows(tab([]), 'full');
      routes().should.equal(0);
      (await eventually(() => socketsTo(emuPort).length === 0, 1000)).should.be.true(
        `sockets: ${socketsTo(emuPort).length}`,
      );
      // Nothing the product holds may outlive its nodes by more than a moment.
      const settled = await eventually(() => timers() <= baseline.timers, 500);
      settled.should.be.true(
        `500 ms after removing the flow: ${timers()} timers, baseline ${baseline.timers}; ${waitingInLimiters()} callers of removed nodes still wait in the rate limiter (${JSON.stringify(activeResources())} vs ${JSON.stringify(baseline.resources)})`,
      );
    });
  });
});
