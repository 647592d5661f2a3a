/**
 * Warnings said once per kind: a budget hit by every message of a flood is logged the first
 * time, not thousands of times, and counted after that.
 */
export class OnceNotices<K extends string> {
  private readonly counts = new Map<K, number>();

  /** Counts a hit of `kind`; runs `say` only for the first. */
  hit(kind: K, say: () => void): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n === 1) say();
  }

  count(kind: K): number {
    return this.counts.get(kind) ?? 0;
  }
}
