import { sleep } from '../backoff';

export type PollOutcome<R> = { done: true; result: R } | { done: false; state: string };

export interface PollOptions {
  signal: AbortSignal;
  /** ms before the first poll; each wait grows by `factor` up to `maxMs`. */
  firstMs: number;
  maxMs: number;
  factor?: number;
  /** ms epoch after which `onTimeout` ends the wait. */
  deadline: number;
  now?: () => number;
  /** Called after every poll that is not final, for the status dot. */
  onState?: (state: string) => void;
}

/**
 * Polls until `poll` says done, the deadline passes or the signal aborts. Waits grow
 * (2 s → 30 s by default) so a five-hour job costs hundreds of requests, not thousands.
 */
export async function pollUntil<R>(
  poll: (signal: AbortSignal) => Promise<PollOutcome<R>>,
  opts: PollOptions,
): Promise<R | 'timeout'> {
  const now = opts.now ?? Date.now;
  let wait = opts.firstMs;
  for (;;) {
    const left = opts.deadline - now();
    if (left <= 0) return 'timeout';
    await sleep(Math.min(wait, left), opts.signal);
    const outcome = await poll(opts.signal);
    if (outcome.done) return outcome.result;
    opts.onState?.(outcome.state);
    wait = Math.min(opts.maxMs, Math.round(wait * (opts.factor ?? 1.5)));
  }
}

/** "3m 12s", "1h 4m", "45s": short enough for a status dot. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}
