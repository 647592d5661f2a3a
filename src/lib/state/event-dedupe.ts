import { digestKey } from '../digest-key';
import { TtlSet } from '../ttl-set';
import { StateStore } from './store';

/**
 * "Have we emitted this event already?" for callbacks a vendor may deliver more than once,
 * possibly to different instances. The in-process set answers repeats to this instance at
 * once (no I/O on the hot path); with a shared store, the first sighting here is then checked
 * against every instance with one `SET NX PX`. While the shared store is down the local answer
 * stands (a repeat sent to another instance may then be emitted twice: logged once as a risk).
 */
export class EventDedupe {
  private readonly seen: TtlSet;

  constructor(
    private readonly ttlMs: number,
    private readonly shared?: StateStore,
    private readonly prefix = 'event:',
  ) {
    this.seen = new TtlSet(ttlMs);
  }

  /** True for the first sighting of `key` (across instances when shared); synchronous without a shared store. */
  first(key: string): boolean | Promise<boolean> {
    if (!this.seen.add(key)) return false;
    if (!this.shared) return true;
    return this.shared.setIfAbsent(this.prefix + digestKey(key), '1', this.ttlMs).catch(() => true);
  }

  clear(): void {
    this.seen.clear();
  }
}
