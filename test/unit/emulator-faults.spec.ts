import assert from 'assert/strict';
import { FaultInjector } from '../emulator/faults';

describe('FaultInjector', () => {
  it('serves queued faults first-in first-out and counts them down', () => {
    const f = new FaultInjector();
    f.next('http500', 2).next('slow', 1, { slowMs: 7 }).next('drop');
    assert.deepEqual(f.pending(), ['http500', 'http500', 'slow', 'drop']);
    assert.deepEqual(
      [f.take(), f.take(), f.take(), f.take(), f.take()],
      [
        { kind: 'http500', slowMs: 500 },
        { kind: 'http500', slowMs: 500 },
        { kind: 'slow', slowMs: 7 },
        { kind: 'drop', slowMs: 500 },
        undefined,
      ],
    );
    assert.equal(f.history().length, 4);
  });

  it('uses the injector-wide slowMs when a fault has none', () => {
    const f = new FaultInjector();
    f.slowMs = 42;
    f.next('slow');
    assert.equal(f.take()?.slowMs, 42);
  });

  it('clear() drops pending faults and history', () => {
    const f = new FaultInjector();
    f.next('hang', 3);
    f.take();
    f.clear();
    assert.deepEqual(f.pending(), []);
    assert.equal(f.take(), undefined);
    assert.equal(f.history().length, 0);
  });

  it('rejects unknown kinds and bad counts', () => {
    const f = new FaultInjector();
    assert.throws(() => f.next('explode' as never), TypeError);
    assert.throws(() => f.next('drop', 0), RangeError);
    assert.throws(() => f.next('drop', 1.5), RangeError);
  });
});
