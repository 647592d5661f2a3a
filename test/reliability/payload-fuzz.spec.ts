/**
 * Bad-input fuzz for every action node: FUZZ_MSGS (default 5,000) randomized msgs per
 * node whose payload / task id have wrong types, sizes and shapes (deterministic:
 * mulberry32, seed FUZZ_SEED). Each ends in exactly one clear error through Catch
 * (InvalidInput), nothing reaches the vendor, prototypes stay clean, and Node-RED
 * keeps working. Then: msg.payload can neither pollute prototypes nor redirect a
 * request: the endpoint comes from the config node only.
 */
import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { ALL_NODES, helper, tab } from '../nodes/harness';
import { ACTION_CASES, EmulatorLike, eventually, Msg, mulberry32, pollutingObject, sleep } from './kit';

const PER_NODE = Number(process.env.FUZZ_MSGS ?? 5000);
const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
/** Sent together, then awaited: enough concurrency to interleave, not so much that one batch holds 100 MB. */
const BATCH = 100;

const CASES = ACTION_CASES.filter((c) => !c.skip?.includes('fuzz'));

function prototypesClean(): string[] {
  const dirty: string[] = [];
  for (const [name, proto] of Object.entries({
    Object: Object.prototype,
    Array: Array.prototype,
    Function: Function.prototype,
    String: String.prototype,
  })) {
    for (const key of Object.getOwnPropertyNames(proto))
      if (/polluted|endpoint|baseURL/i.test(key)) dirty.push(`${name}.prototype.${key}`);
  }
  if (({} as Msg).polluted !== undefined) dirty.push('({}).polluted');
  return dirty;
}

/** A server that must never be contacted: where a smuggled endpoint/host/url would point. */
async function decoy(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('security: bad-input fuzz and request smuggling for every action node', function () {
  this.timeout(60000);
  let trap: Awaited<ReturnType<typeof decoy>>;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  before(async () => {
    trap = await decoy();
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await trap.close();
  });
  afterEach(() => {
    should(unhandled.map(String)).eql([]);
    should(prototypesClean()).eql([]);
  });

  CASES.forEach((c, index) => {
    describe(c.name, () => {
      let emu: EmulatorLike;
      before(async () => {
        emu = await c.kit.startEmulator();
        await helper.startServer();
      });
      after(async () => {
        await helper.stopServer();
        await emu.close();
      });
      beforeEach(() => emu.reset());
      afterEach(() => helper.unload());

      it(`answers ${PER_NODE} randomized bad msgs with one InvalidInput error each, sending nothing`, async () => {
        await helper.load(
          ALL_NODES,
          tab([c.kit.configNode(emu.url), c.node()]),
          c.kit.credentials(c.kit.defaultSecrets),
        );
        const outcomes = new Map<number, Msg[]>();
        const outputs: Msg[] = [];
        helper.getNode('out').on('input', (m: Msg) => outputs.push(m));
        helper
          .getNode('errors')
          .on('input', (m: Msg) => outcomes.set(m.fuzzId, [...(outcomes.get(m.fuzzId) ?? []), m]));
        const rand = mulberry32(SEED + index);
        const t0 = Date.now();
        for (let start = 0; start < PER_NODE; start += BATCH) {
          const end = Math.min(PER_NODE, start + BATCH);
          for (let id = start; id < end; id++) helper.getNode('act').receive({ ...c.invalidMsg(rand), fuzzId: id });
          const done = await eventually(() => outcomes.size >= end || outputs.length > 0, 10000, 2);
          done.should.be.true(`batch ${start}..${end}: ${outcomes.size} errors so far`);
          if (outputs.length) break;
        }
        const ms = Date.now() - t0;
        await sleep(100);
        const sample = (m: Msg | undefined): string =>
          JSON.stringify(m, (_k, v) =>
            typeof v === 'bigint'
              ? `${v}n`
              : typeof v === 'string' && v.length > 80
                ? `${v.slice(0, 80)}…(${v.length})`
                : v,
          );
        should(outputs.length).equal(0, `an invalid msg produced output: ${sample(outputs[0])}`);
        emu.requests.length.should.equal(
          0,
          `nothing may reach the vendor: ${JSON.stringify(emu.requests.map((r) => r.params.TaskId))}`,
        );
        outcomes.size.should.equal(PER_NODE);
        const codes: Record<string, number> = {};
        const rules: Record<string, number> = {};
        for (const [id, list] of outcomes) {
          list.length.should.equal(1, `msg ${id} ended ${list.length} times`);
          const err = list[0].error;
          codes[err.code] = (codes[err.code] ?? 0) + 1;
          should(err.code).equal('InvalidInput', `msg ${id}: ${err.code} ${err.message}`);
          should(err.message).be.a.String().and.not.empty();
          err.message.length.should.be.below(
            2000,
            `msg ${id}: the error echoes too much of the input (${err.message.length} chars)`,
          );
          should(err.cause?.problems?.length).be.above(0);
          for (const p of err.cause.problems) rules[p.rule] = (rules[p.rule] ?? 0) + 1;
        }
        console.log(
          `      ${PER_NODE} msgs in ${ms} ms (${Math.round((PER_NODE * 1000) / ms)}/s): ${JSON.stringify(codes)}; problems by rule ${JSON.stringify(rules)}`,
        );

        // Node-RED and the node still work.
        const ok = new Promise<Msg>((resolve) => helper.getNode('out').on('input', resolve));
        helper.getNode('act').receive(c.validMsg(emu));
        should(await Promise.race([ok, sleep(5000).then(() => undefined)])).be.an.Object();
        emu.requests.length.should.equal(c.calls);
      });

      it('without a config node every msg ends in one NoConfig error', async () => {
        await helper.load(ALL_NODES, tab([c.node({ [c.kit.configProp]: '' })]), {});
        const errors: Msg[] = [];
        helper.getNode('errors').on('input', (m: Msg) => errors.push(m));
        const rand = mulberry32(SEED - index);
        for (let i = 0; i < 100; i++) helper.getNode('act').receive(i % 2 ? c.validMsg(emu) : c.invalidMsg(rand));
        (await eventually(() => errors.length >= 100, 5000)).should.be.true();
        await sleep(100);
        errors.length.should.equal(100);
        errors.every((e) => e.error.code === 'NoConfig').should.be.true();
        emu.requests.length.should.equal(0);
      });

      it('ignores __proto__, constructor and endpoint-like keys in msg.payload and msg: the request goes to the configured endpoint only', async () => {
        await helper.load(
          ALL_NODES,
          tab([c.kit.configNode(emu.url), c.node()]),
          c.kit.credentials(c.kit.defaultSecrets),
        );
        const smuggled = {
          endpoint: trap.url,
          Endpoint: trap.url,
          host: trap.url.slice(7),
          Host: trap.url.slice(7),
          url: `${trap.url}/`,
          baseURL: trap.url,
          proxy: trap.url,
          socketPath: '/tmp/x',
          headers: { host: trap.url.slice(7) },
        };
        const valid = c.validMsg(emu);
        const payload = pollutingObject();
        for (const [k, v] of Object.entries({ ...smuggled, ...(valid.payload ?? {}) })) payload[k] = v;
        const results: Msg[] = [];
        helper.getNode('out').on('input', (m: Msg) => results.push(m));
        helper.getNode('errors').on('input', (m: Msg) => results.push(m));
        helper.getNode('act').receive({ ...smuggled, ...valid, payload });
        (await eventually(() => results.length > 0, 5000)).should.be.true();
        await sleep(100);
        results.length.should.equal(1);
        should.not.exist(results[0].error, JSON.stringify(results[0].error));
        trap.hits.should.eql([]);
        emu.requests.length.should.equal(c.calls);
        for (const r of emu.requests) {
          for (const k of [...Object.keys(smuggled), '__proto__', 'constructor', 'prototype', 'polluted'])
            should(Object.prototype.hasOwnProperty.call(r.params, k)).be.false(`${k} reached the vendor`);
        }
      });
    });
  });
});
