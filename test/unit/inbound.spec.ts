import should from 'should';
import { deeperThan, digestKey, LogThrottle, nestsDeeper, readJson } from '../../nodes/lib/inbound';
import { formatRoot, adminCollision } from '../../nodes/lib/inbound/reserved-paths';
import { TtlSet } from '../../nodes/lib/ttl-set';

describe('inbound mechanism pieces', () => {
  it('the JSON reader refuses nesting past the bound before parsing, and ignores brackets in strings', () => {
    nestsDeeper('[[[1]]]', 3).should.be.false();
    nestsDeeper('[[[[1]]]]', 3).should.be.true();
    nestsDeeper(`["${'['.repeat(1000)}", "\\"[[[["]`, 2).should.be.false();
    nestsDeeper(Buffer.from('{"a":{"b":{"c":[]}}}'), 3).should.be.true();
    readJson('['.repeat(2000) + ']'.repeat(2000)).should.containDeep({ ok: false, reason: 'tooDeep' });
    readJson('{"a":').should.containDeep({ ok: false, reason: 'notJson' });
    readJson('{"a":[1,{"b":2}]}').should.eql({ ok: true, value: { a: [1, { b: 2 }] } });
  });

  it('the depth check of parsed values walks without recursion', () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    deeperThan(v, 32).should.be.true();
    deeperThan({ a: [{ b: 1 }] }, 3).should.be.false();
    deeperThan({ a: [{ b: {} }] }, 3).should.be.true();
  });

  it('long dedupe keys become a fixed-size digest; TtlSet still tells repeats apart', () => {
    digestKey('short').should.equal('short');
    const long = 'm'.repeat(65536);
    digestKey(long).length.should.be.below(64);
    digestKey(long).should.equal(digestKey('m'.repeat(65536)));
    digestKey(long).should.not.equal(digestKey(`${long}x`));
    const set = new TtlSet(60_000);
    set.add(long).should.be.true();
    set.add('m'.repeat(65536)).should.be.false();
    set.add(`${long}x`).should.be.true();
  });

  it('the refusal log writes the first of a reason at once and the count of the rest once', () => {
    const lines: Array<[string, number]> = [];
    const log = new LogThrottle((reason, _detail, count) => lines.push([reason, count]), 3_600_000);
    for (let i = 0; i < 500; i++) log.note('413:tooLarge', 'too large');
    log.note('400:notJson', 'not JSON');
    lines.should.eql([
      ['413:tooLarge', 1],
      ['400:notJson', 1],
    ]);
    log.close();
    lines.should.eql([
      ['413:tooLarge', 1],
      ['400:notJson', 1],
      ['413:tooLarge', 499],
    ]);
  });

  it("knows Node-RED's admin routes only where the admin and node roots overlap", () => {
    formatRoot(undefined).should.equal('/');
    formatRoot('admin').should.equal('/admin/');
    should(adminCollision({}, '/FLOWS')).equal('/flows');
    should(adminCollision({}, '/red/x')).equal('/red');
    should(adminCollision({}, '/')).equal('/');
    should(adminCollision({}, '/captions')).be.undefined();
    should(adminCollision({ httpAdminRoot: '/admin' }, '/flows')).be.undefined();
    should(adminCollision({ httpAdminRoot: '/admin', httpNodeRoot: '/' }, '/admin/settings')).equal('/admin/settings');
    should(adminCollision({ httpAdminRoot: false }, '/flows')).be.undefined();
  });
});

describe('action nodes: a send that throws', () => {
  it('ends the message with done(err), never an unhandled rejection', async () => {
    const { onInput } = require('../../nodes/lib/action-node');
    let input: (msg: Record<string, unknown>, send: (m: unknown) => void, done: (e?: Error) => void) => void = () => {};
    const node = { on: (_e: string, fn: typeof input) => (input = fn), status: () => undefined };
    const text = (_k: string, _p?: unknown, f?: string) => f ?? '';
    const t = Object.assign(text, { key: (_k: string, f: string) => f, status: text });
    onInput(node, t, async () => ({ status: 'ok' }));
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const ended = await new Promise<Error | undefined>((resolve) =>
        input(
          {},
          () => {
            throw new RangeError('Maximum call stack size exceeded');
          },
          resolve,
        ),
      );
      should(ended).be.instanceOf(RangeError);
      await new Promise((r) => setImmediate(r));
      unhandled.should.have.length(0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
