/**
 * Remembers when each task was started or last updated through this config node, so the
 * update node can say "waiting" while the client holds an update for Agora's spacing.
 */
export class UpdateWatch {
  private readonly last = new Map<string, number>();
  private readonly pending = new Map<string, number>();

  constructor(private readonly spacingMs: number) {}

  touched(taskId: string): void {
    const now = Date.now();
    for (const [id, at] of this.last) if (now - at >= this.spacingMs && !this.pending.get(id)) this.last.delete(id);
    this.last.set(taskId, now);
  }

  willWait(taskId: string): boolean {
    const at = this.last.get(taskId);
    return (this.pending.get(taskId) ?? 0) > 0 || (at !== undefined && Date.now() - at < this.spacingMs);
  }

  begin(taskId: string): void {
    this.pending.set(taskId, (this.pending.get(taskId) ?? 0) + 1);
  }

  /** `sent`: the update may have reached Agora (anything but a validation error or an abort). */
  end(taskId: string, sent: boolean): void {
    const n = (this.pending.get(taskId) ?? 1) - 1;
    if (n > 0) this.pending.set(taskId, n);
    else this.pending.delete(taskId);
    if (sent) this.touched(taskId);
  }
}
