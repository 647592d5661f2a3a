import { SpeechApiError } from '../../lib/errors';
import { sleep } from '../../lib/backoff';
import { StateStore } from '../../lib/state/store';

/** Longest an Agora task runs (v7.2.3 cap); per-task state is kept a little longer. */
export const TASK_STATE_TTL_MS = 73 * 3600 * 1000;

export function abortedError(): SpeechApiError {
  return new SpeechApiError({
    vendor: 'agora',
    code: 'Aborted',
    message: 'Request cancelled because the node was stopped or redeployed.',
  });
}

/** Waits `ms` (a timer that an abort clears), as a SpeechApiError when aborted. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(Math.max(0, ms), signal).catch(() => {
    throw abortedError();
  });
}

/**
 * Holds a start until no other start in the same app+channel claimed the slot
 * within `spacingMs`: several starts within a second create duplicate tasks.
 * The claim lives in the shared store, so every node using it is paced; the
 * caller waits, it is never refused.
 */
export async function claimStartSlot(
  store: StateStore,
  key: string,
  spacingMs: number,
  now: () => number,
  signal: AbortSignal,
): Promise<void> {
  if (spacingMs <= 0) return;
  for (;;) {
    if (signal.aborted) throw abortedError();
    const t = now();
    if (await store.setIfAbsent(key, String(t), spacingMs)) return;
    const claimedAt = Number(await store.get(key));
    const remaining = Number.isFinite(claimedAt) ? claimedAt + spacingMs - t : spacingMs;
    await pause(Math.min(Math.max(remaining, 5), spacingMs), signal);
  }
}

/**
 * Runs the updates of each task one after the other, each at least `spacingMs`
 * after the task's start and after the previous update (Agora's 5 s rule), and
 * hands each a strictly increasing sequenceId. Waiting, not failing, keeps the
 * spacing; an abort leaves the queue without leaving a timer behind.
 */
export class UpdateQueue {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly store: StateStore,
    private readonly spacingMs: number,
    private readonly now: () => number,
  ) {}

  /** Records when the task started (or was last updated), the moment spacing counts from. */
  async touch(taskKey: string): Promise<void> {
    await this.store.set(`agora:last:${taskKey}`, String(this.now()), TASK_STATE_TTL_MS);
  }

  async forget(taskKey: string): Promise<void> {
    await this.store.delete(`agora:last:${taskKey}`);
    await this.store.delete(`agora:seq:${taskKey}`);
  }

  async run<T>(taskKey: string, signal: AbortSignal, send: (sequenceId: number) => Promise<T>): Promise<T> {
    const previous = this.tails.get(taskKey) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(taskKey, tail);
    try {
      await untilSettled(previous, signal);
      const last = Number(await this.store.get(`agora:last:${taskKey}`));
      if (Number.isFinite(last)) await pause(last + this.spacingMs - this.now(), signal);
      if (signal.aborted) throw abortedError();
      const sequenceId = await this.nextSequenceId(taskKey);
      try {
        return await send(sequenceId);
      } finally {
        // Whatever the answer, the request may have reached Agora: the next one counts from now.
        await this.touch(taskKey);
      }
    } finally {
      release();
      if (this.tails.get(taskKey) === tail) this.tails.delete(taskKey);
    }
  }

  /** Starts at 1 and never repeats for a task while the store remembers it (§2.4: int ≥ 0, strictly increasing). */
  private async nextSequenceId(taskKey: string): Promise<number> {
    const key = `agora:seq:${taskKey}`;
    const previous = Number(await this.store.get(key));
    const next = Number.isInteger(previous) && previous >= 0 ? previous + 1 : 1;
    await this.store.set(key, String(next), TASK_STATE_TTL_MS);
    return next;
  }
}

function untilSettled(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortedError());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
    );
  });
}
