import should from 'should';
import { mergeAllowed } from '../../nodes/lib/merge';
import { TtlSet } from '../../nodes/lib/ttl-set';
import { CidrList, clientAddress } from '../../nodes/lib/ip-allow';
import { RateLimiter } from '../../nodes/lib/rate-limit';
import { backoffDelay } from '../../nodes/lib/backoff';

describe('shared runtime pieces', () => {
  describe('mergeAllowed', () => {
    it('takes only allow-listed own keys and cannot pollute prototypes', () => {
      const evil = JSON.parse(
        '{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, "Language": "en", "endpoint": "http://evil", "Mode": "rtc"}',
      );
      const out = mergeAllowed({ Language: 'cn' }, evil, ['Language', 'Mode']) as Record<string, string>;
      out.Language.should.equal('en');
      out.Mode.should.equal('rtc');
      should(out.endpoint).be.undefined();
      should(({} as Record<string, unknown>).polluted).be.undefined();
      should(Object.getPrototypeOf(out)).be.null();
    });
    it('ignores non-object overrides', () => {
      for (const o of [null, 'x', 5, ['a'], new Date()])
        (mergeAllowed({ a: 1 }, o, ['a']) as Record<string, unknown>).a!.should.equal(1);
    });
  });

  describe('TtlSet', () => {
    it('forgets keys after the TTL and caps its size', () => {
      let now = 0;
      const set = new TtlSet(1000, 3, () => now);
      set.add('a').should.be.true();
      set.add('a').should.be.false();
      now = 1001;
      set.add('a').should.be.true();
      for (const k of ['b', 'c', 'd', 'e']) set.add(k);
      set.size.should.equal(3);
      set.add('b').should.be.true();
    });
  });

  describe('CidrList and clientAddress', () => {
    const list = CidrList.parse('10.0.0.0/8, 192.168.1.5 2001:db8::/32');
    it('matches IPv4, mapped IPv4 and IPv6', () => {
      list.has('10.1.2.3').should.be.true();
      list.has('::ffff:10.1.2.3').should.be.true();
      list.has('192.168.1.5').should.be.true();
      list.has('192.168.1.6').should.be.false();
      list.has('2001:db8::1').should.be.true();
      list.has('2001:db9::1').should.be.false();
      list.has(undefined).should.be.false();
    });
    it('rejects bad entries by name', () => {
      (() => CidrList.parse('10.0.0.0/33')).should.throw(/10.0.0.0\/33/);
      (() => CidrList.parse('example.com')).should.throw(/example.com/);
      (() => CidrList.parse('10.0.0.1/')).should.throw(/10.0.0.1\//);
      (() => CidrList.parse('10.0.0.1/8/8')).should.throw();
    });
    it('honours X-Forwarded-For only from trusted proxies, right-most untrusted hop', () => {
      const proxies = CidrList.parse('127.0.0.1');
      should(clientAddress('127.0.0.1', '1.1.1.1, 10.0.0.9', proxies)).equal('10.0.0.9');
      should(clientAddress('127.0.0.1', '1.1.1.1, 10.0.0.9, 127.0.0.1', proxies)).equal('10.0.0.9');
      should(clientAddress('8.8.8.8', '10.0.0.9', proxies)).equal('8.8.8.8');
      should(clientAddress('127.0.0.1', '10.0.0.9', undefined)).equal('127.0.0.1');
    });
  });

  describe('RateLimiter', () => {
    it('lets at most `limit` start per window, in order', async () => {
      let now = 0;
      const limiter = new RateLimiter(2, 1000, () => now);
      const started: number[] = [];
      const all = [0, 1, 2, 3].map((i) => limiter.acquire().then(() => started.push(i)));
      await new Promise((r) => setImmediate(r));
      started.should.eql([0, 1]);
      now = 1000;
      await Promise.all(all);
      started.should.eql([0, 1, 2, 3]);
    });
  });

  it('backoff grows with jitter, capped, and honours retry-after', () => {
    backoffDelay(0, undefined, () => 1).should.equal(200);
    backoffDelay(3, undefined, () => 1).should.equal(1600);
    backoffDelay(10, undefined, () => 1).should.equal(5000);
    backoffDelay(2, undefined, () => 0).should.equal(0);
    backoffDelay(0, 2, () => 0.5).should.equal(2000);
  });
});

describe('isPlainObject across realms', () => {
  const { isPlainObject, payloadObject } = require('../../nodes/lib/merge');
  const vm = require('vm');

  it('accepts object literals and JSON from this and other realms', () => {
    isPlainObject({ a: 1 }).should.be.true();
    isPlainObject(Object.create(null)).should.be.true();
    isPlainObject(vm.runInNewContext('({ a: 1 })')).should.be.true();
    isPlainObject(vm.runInNewContext('JSON.parse(\'{"a":1}\')')).should.be.true();
  });

  it('refuses arrays, class instances, Buffers and swapped prototypes, in any realm', () => {
    class Thing {}
    for (const v of [
      [],
      new Thing(),
      Buffer.from('x'),
      new Date(),
      Object.create({ a: 1 }),
      vm.runInNewContext('[]'),
      vm.runInNewContext('new (class A {})()'),
      vm.runInNewContext('Object.create({})'),
      vm.runInNewContext('new Map()'),
      null,
      'x',
      1,
    ]) {
      isPlainObject(v).should.be.false(String(v));
    }
    // An object whose prototype imitates Object.prototype but is not owned by a native Object.
    const fake = Object.create(null);
    fake.constructor = function Object() {};
    fake.constructor.prototype = fake;
    isPlainObject(Object.create(fake)).should.be.false();
  });

  it('reads JSON text holding an object, and nothing else', () => {
    payloadObject('{"a":1}').should.eql({ a: 1 });
    should(payloadObject('[1]')).be.undefined();
    should(payloadObject('{bad')).be.undefined();
    should(payloadObject('hello')).be.undefined();
    should(payloadObject(42)).be.undefined();
  });
});
