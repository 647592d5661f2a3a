import { SpeechApiError } from '../errors';
import { localizeError, Translate } from '../i18n';
import { DoneFn, Node, NodeMessage, SendFn } from '../node-red';
import { JobBook, PendingJob } from './job-book';
import { formatElapsed, PollOutcome, pollUntil } from './poll';

export interface JobHooks<TData, R> {
  /** One status check: done with the result, or the vendor's state name; throws when the job failed. */
  poll(job: PendingJob<TData>, signal: AbortSignal): Promise<PollOutcome<R>>;
  /** Puts the result on the msg (and tidies up, e.g. deletes the upload); runs after the job was claimed. */
  complete(job: PendingJob<TData>, result: R, msg: NodeMessage, polls: number): Promise<void>;
  /** Tidies up after a job that failed (e.g. deletes the upload); errors here are ignored. */
  failed?(job: PendingJob<TData>): Promise<void>;
  firstPollMs: number;
  maxPollMs: number;
  timeoutError(job: PendingJob<TData>): SpeechApiError;
  /**
   * Several instances share the book (Redis): look this often for jobs whose owner's lease ran
   * out (it died) and take them over. Unset: only this process uses the book.
   */
  takeoverEveryMs?: number;
}

interface Active {
  controller: AbortController;
  state: string;
  submittedAt: number;
  done: Promise<void>;
}

/**
 * The pending jobs of one node: waits for each (polling with backoff), shows the newest in
 * the status dot, resumes what the book holds when the node starts, and on close stops every
 * wait. A job leaves the book (claim) before its result is sent, so it is emitted once at most;
 * a plain redeploy keeps the book, deleting the node empties it.
 */
export class NodeJobs<TData, R> {
  private readonly active = new Map<string, Active>();
  private closed = false;
  private scanTimer: NodeJS.Timeout | undefined;
  private scanning = false;

  constructor(
    private readonly node: Node,
    private readonly book: JobBook<TData>,
    private readonly t: Translate,
    private readonly hooks: JobHooks<TData, R>,
  ) {}

  isWaiting(jobId: string): boolean {
    return this.active.has(jobId);
  }

  /** Records the job durably, then waits for it; `send`/`done` belong to the input msg when there is one. */
  async submit(job: PendingJob<TData>, msg: NodeMessage, send: SendFn, done: DoneFn): Promise<void> {
    await this.book.add(job);
    this.wait(job, msg, send, done);
  }

  /**
   * Restarts the waits a redeploy or restart interrupted, and (with takeover) those of a dead
   * instance once their lease ran out; their msgs are rebuilt from the book.
   */
  async resume(): Promise<number> {
    const every = this.hooks.takeoverEveryMs;
    if (every && !this.scanTimer && !this.closed) {
      this.scanTimer = setInterval(() => {
        if (this.scanning) return;
        this.scanning = true;
        this.takeOver()
          .catch(() => undefined)
          .finally(() => (this.scanning = false));
      }, every);
      this.scanTimer.unref();
    }
    return this.takeOver();
  }

  private async takeOver(): Promise<number> {
    const jobs = await this.book.list(this.node.id);
    let taken = 0;
    for (const job of jobs) {
      if (this.closed || this.active.has(job.jobId)) continue;
      // Another instance may be waiting for it: only the lease holder does.
      if (!(await this.book.acquire(job.nodeId, job.jobId))) continue;
      if (this.closed || this.active.has(job.jobId)) continue;
      const msg = { ...job.msg };
      this.wait(
        job,
        msg,
        (m) => this.node.send(m as NodeMessage),
        (err) => (err ? this.node.error(err, msg) : undefined),
      );
      taken++;
    }
    return taken;
  }

  /** Stops every wait; `removed` (the node was deleted) also forgets its jobs. */
  async close(removed: boolean): Promise<void> {
    this.closed = true;
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.scanTimer = undefined;
    const waits = [...this.active.values()];
    for (const a of waits) a.controller.abort();
    await Promise.all(waits.map((a) => a.done));
    if (removed) await this.book.removeAll(this.node.id);
  }

  private wait(job: PendingJob<TData>, msg: NodeMessage, send: SendFn, done: DoneFn): void {
    const controller = new AbortController();
    const entry: Active = { controller, state: 'waiting', submittedAt: job.submittedAt, done: Promise.resolve() };
    this.active.set(job.jobId, entry);
    this.showStatus();
    let polls = 0;
    let claimed = false;
    // The lease is renewed well before it runs out; once lost (this process stalled and another took over) the wait stops quietly.
    const renew = setInterval(
      () => {
        this.book.renew(job.nodeId, job.jobId).then(
          (ours) => {
            if (!ours && !claimed) controller.abort();
          },
          () => undefined,
        );
      },
      Math.max(200, Math.floor(this.book.leaseMs / 3)),
    );
    renew.unref();
    const poll = async (signal: AbortSignal): Promise<PollOutcome<R>> => {
      polls++;
      try {
        return await this.hooks.poll(job, signal);
      } catch (err) {
        // A network blip or throttling during a five-hour job must not lose it: keep waiting.
        if (err instanceof SpeechApiError && err.retryable && !signal.aborted)
          return { done: false, state: entry.state };
        throw err;
      }
    };
    entry.done = pollUntil(poll, {
      signal: controller.signal,
      firstMs: this.hooks.firstPollMs,
      maxMs: this.hooks.maxPollMs,
      deadline: job.deadline,
      onState: (state) => {
        entry.state = state.toLowerCase();
        this.showStatus();
      },
    })
      .then(async (result) => {
        if (result === 'timeout') throw this.hooks.timeoutError(job);
        claimed = await this.book.claim(job.nodeId, job.jobId, job.submittedAt);
        if (!claimed) return;
        await this.hooks.complete(job, result, msg, polls);
        this.active.delete(job.jobId);
        this.node.status({
          fill: 'green',
          shape: 'dot',
          text: this.t.status('status.done', { elapsed: formatElapsed(Date.now() - job.submittedAt) }, 'done'),
        });
        send(msg);
        done();
      })
      .catch(async (err: unknown) => {
        this.active.delete(job.jobId);
        if (!claimed) {
          // Aborted by close: the job stays in the book for the node that resumes it.
          if (controller.signal.aborted) return;
          claimed = await this.book.claim(job.nodeId, job.jobId, job.submittedAt).catch(() => false);
          if (!claimed) return;
        }
        await this.hooks.failed?.(job).catch(() => undefined);
        const code = err instanceof SpeechApiError ? err.code : 'error';
        this.node.status({ fill: 'red', shape: 'ring', text: code });
        done(localizeError(this.t, err));
      })
      .finally(() => {
        clearInterval(renew);
        this.active.delete(job.jobId);
        if (!this.closed && this.active.size) this.showStatus();
      });
  }

  private showStatus(): void {
    if (this.closed) return;
    let newest: Active | undefined;
    for (const a of this.active.values()) if (!newest || a.submittedAt > newest.submittedAt) newest = a;
    if (!newest) return;
    const elapsed = formatElapsed(Date.now() - newest.submittedAt);
    const key = newest.state === 'processing' ? 'status.processing' : 'status.waiting';
    let text = this.t.status(key, { elapsed }, `${newest.state} ${elapsed}`);
    if (this.active.size > 1)
      text = this.t.status('status.more', { text, count: this.active.size - 1 }, `${text} (+${this.active.size - 1})`);
    this.node.status({ fill: 'blue', shape: newest.state === 'processing' ? 'dot' : 'ring', text });
  }
}
