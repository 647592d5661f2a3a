import type { Node, NodeStatus } from '../node-red';

export interface Counts {
  accepted: number;
  rejected: number;
  duplicates: number;
}

const STATUS_EVERY_MS = 1000;

/**
 * The endpoint's statistics, shown in the node status at most once a second: at thousands of
 * requests a second, a status per request would cost more than verifying them.
 */
export class StatusCounter {
  readonly counts: Counts = { accepted: 0, rejected: 0, duplicates: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly node: Node,
    private readonly idle: NodeStatus,
    private readonly text: (c: Counts) => string,
  ) {}

  count(kind: keyof Counts): void {
    this.counts[kind]++;
    if (this.timer || kind === 'duplicates') return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.node.status({ ...this.idle, text: this.text(this.counts) });
      } catch {
        // a status that cannot be shown is not worth the process
      }
    }, STATUS_EVERY_MS);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
