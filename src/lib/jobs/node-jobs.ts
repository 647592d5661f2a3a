import { SpeechApiError } from '../errors';
import { localizeError, Translate } from '../i18n';
import { DoneFn, Node, NodeMessage, SendFn } from '../node-red';
import { JobBook, PendingJob } from './job-book';
import { formatElapsed, PollOutcome, pollUntil } from './poll';

export interface JobHooks<TData, R> {
  /**
   * One status check: done with the result, or the vendor's state name; throws when the job
   * failed. `background`: a job resumed from the book, whose requests yield to new work.
   */
  poll(job: PendingJob<TData>, signal: AbortSignal, opts: { background: boolean }): Promise<PollOutcome<R>>;
  /** Puts the result on the msg (and tidies up, e.g. deletes the upload); runs after the job was claimed. */
  complete(job: PendingJob<TData>, result: R, msg: NodeMessage, polls: number): Promise<void>;
  /** Tidies up after a job that failed (e.g. deletes the upload); errors here are ignored. */
  failed?(job: PendingJob<TData>): Promise<void>;
  firstPollMs: number;
  maxPollMs: number;
  timeoutError(job: PendingJob<TData>): SpeechApiError;
  /**
   * Several instances share the book (Redis): look this often for jobs whose owner's lease ran
   * out (it died) and take them over, whenever no resumed job is still waiting for its turn.
   * Unset: only this process uses the book.
   */
  takeoverEveryMs?: number;
  /**
   * The book is shared with other instances: deleting the node here leaves its jobs to the
   * instances that still run it (each expires at its deadline) instead of ending them.
   */
  shared?: boolean;
  /** Status parameters saying where the jobs are kept right now (shared or local). */
  stateNote?: () => Record<string, string>;
}

/**
 * Jobs resumed from the book (after a restart, a redeploy or a takeover) waited for at once per
 * node; the rest wait their turn. 100,000 pending jobs must not mean 100,000 timers and a rate
 * limiter queue that new submissions wait behind, nor a close that must stop them all.
 */
export const MAX_RESUMED_AT_ONCE = 50;

/** Lets timers and I/O (Node-RED's HTTP, new messages) run between batches of book work. */
const yieldToIo = (): Promise<void> => new Promise((r) => setImmediate(r));

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
 * a plain redeploy keeps the book, deleting the node empties it (a shared book: see `close`).
 */
export class NodeJobs<TData, R> {
  private readonly active = new Map<string, Active>();
  private closed = false;
  private scanTimer: NodeJS.Timeout | undefined;
  private scanning = false;
  /** Jobs found in the book and not waited for yet, oldest first. */
  private backlog: PendingJob<TData>[] = [];
  private resumedActive = 0;
  private filling = false;
  private refill = false;

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
    try {
      await this.book.add(job);
    } catch (err) {
      // This msg ends with the error, so the job must never be emitted later: a failed write may
      // have left it in the store's memory (the next successful write would save it) or even on
      // disk. Removing it takes it out of memory at once, and out of the file with the next write
      // that succeeds; a restart before that finds the file as it was before the job.
      await this.book.remove(job.nodeId, job.jobId).catch(() => undefined);
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(
        this.t(
          'errors.JobNotRecorded',
          { taskId: job.jobId, reason },
          `Task ${job.jobId} was created, but it could not be recorded to wait for its result (${reason}); nothing will be emitted for it: query it with a result node once the problem is fixed.`,
        ),
        { cause: err },
      );
    }
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
        // Jobs found now would queue behind the backlog anyway: reading the whole book again (100,000
        // GETs every few seconds) would only load Redis and this process while the backlog drains.
        if (this.scanning || this.backlog.length) return;
        this.scan().catch(() => undefined);
      }, every);
      this.scanTimer.unref();
    }
    return this.scan();
  }

  /** One read of the book at a time: the first one (100,000 jobs take a while) must not be joined by the timer's. */
  private async scan(): Promise<number> {
    if (this.scanning) return 0;
    this.scanning = true;
    try {
      return await this.takeOver();
    } finally {
      this.scanning = false;
    }
  }

  private async takeOver(): Promise<number> {
    const jobs = await this.book.list(this.node.id);
    const queued = new Set(this.backlog.map((j) => j.jobId));
    for (const job of jobs) if (!this.active.has(job.jobId) && !queued.has(job.jobId)) this.backlog.push(job);
    return this.fill();
  }

  /** Starts waits from the backlog up to MAX_RESUMED_AT_ONCE; called again whenever one ends. */
  private async fill(): Promise<number> {
    if (this.filling) {
      this.refill = true;
      return 0;
    }
    this.filling = true;
    let taken = 0;
    try {
      do {
        this.refill = false;
        let looked = 0;
        while (!this.closed && this.resumedActive < MAX_RESUMED_AT_ONCE && this.backlog.length) {
          const job = this.backlog.shift() as PendingJob<TData>;
          if (++looked % 100 === 0) await yieldToIo();
          if (this.active.has(job.jobId)) continue;
          // Another instance may be waiting for it: only the lease holder does.
          if (!(await this.book.acquire(job.nodeId, job.jobId))) continue;
          if (this.closed || this.active.has(job.jobId)) continue;
          const msg = { ...job.msg };
          this.wait(
            job,
            msg,
            (m) => this.node.send(m as NodeMessage),
            (err) => (err ? this.node.error(err, msg) : undefined),
            true,
          );
          taken++;
        }
      } while (this.refill && !this.closed);
    } finally {
      this.filling = false;
    }
    if (taken) this.showStatus();
    return taken;
  }

  /**
   * Stops every wait; `removed` (the node was deleted) also forgets its jobs, unless the book is
   * shared: then a job ends only when no instance runs the node any more (its deadline).
   */
  async close(removed: boolean): Promise<void> {
    this.closed = true;
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.scanTimer = undefined;
    const held = [...this.active.keys()];
    const waits = [...this.active.values()];
    for (const a of waits) a.controller.abort();
    await Promise.all(waits.map((a) => a.done));
    this.backlog = [];
    if (!removed) return;
    if (!this.hooks.shared) return this.book.removeAll(this.node.id);
    // Our leases go at once: that is what lets the instances still running the node take the jobs over.
    // Giving each job its expiry is a read and a write per job (100,000 in Redis take longer than
    // Node-RED's close timeout), so it goes on after the close.
    await this.book.giveUp(this.node.id, held);
    void this.book.release(this.node.id).catch(() => undefined);
  }

  private wait(job: PendingJob<TData>, msg: NodeMessage, send: SendFn, done: DoneFn, resumed = false): void {
    const controller = new AbortController();
    const entry: Active = { controller, state: 'waiting', submittedAt: job.submittedAt, done: Promise.resolve() };
    this.active.set(job.jobId, entry);
    if (resumed) this.resumedActive++;
    else this.showStatus();
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
        return await this.hooks.poll(job, signal, { background: resumed });
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
          text: this.t.status(
            'status.done',
            { elapsed: formatElapsed(Date.now() - job.submittedAt), ...this.hooks.stateNote?.() },
            'done',
          ),
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
        if (resumed) {
          this.resumedActive--;
          if (!this.closed && this.backlog.length) void this.fill().catch(() => undefined);
        }
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
    const note = this.hooks.stateNote?.() ?? {};
    const others = this.active.size - 1 + this.backlog.length;
    let text = this.t.status(key, { elapsed, ...(others > 0 ? {} : note) }, `${newest.state} ${elapsed}`);
    if (others > 0) text = this.t.status('status.more', { text, count: others, ...note }, `${text} (+${others})`);
    this.node.status({ fill: 'blue', shape: newest.state === 'processing' ? 'dot' : 'ring', text });
  }
}
