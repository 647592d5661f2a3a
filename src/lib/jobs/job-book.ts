import { NodeMessage } from '../node-red';
import { extendIfValue } from '../state/fallback-store';
import { INSTANCE_ID } from '../state/instance-id';
import { processStore } from '../state/memory-store';
import { StateStore } from '../state/store';

/** What is kept of a pending job so its result can still be emitted after a restart. */
export interface PendingJob<TData = Record<string, unknown>> {
  nodeId: string;
  jobId: string;
  /** ms epoch */
  submittedAt: number;
  /** ms epoch after which waiting stops. */
  deadline: number;
  /** Vendor details needed to finish the job (file id, options). */
  data: TData;
  /** The serialisable part of the input msg (see `snapshotMessage`). */
  msg: NodeMessage;
}

/** Per property and in total: a flow's msg may carry megabytes we must not rewrite on every change. */
export const MSG_PROPERTY_LIMIT = 16 * 1024;
export const MSG_TOTAL_LIMIT = 64 * 1024;
/** Never stored: the audio (replaced by the transcript anyway) and HTTP-in's live req/res objects. */
const NOT_KEPT = new Set(['payload', 'req', 'res', 'socketid']);

/**
 * The msg's JSON-serialisable own properties, each at most 16 kB and 64 kB in all, minus
 * payload (the audio) and req/res; `dropped` names what was left out.
 */
export function snapshotMessage(msg: NodeMessage): { msg: NodeMessage; dropped: string[] } {
  const out: NodeMessage = {};
  const dropped: string[] = [];
  let total = 0;
  for (const key of Object.keys(msg)) {
    if (NOT_KEPT.has(key) || key === '__proto__') {
      if (key !== 'payload') dropped.push(key);
      continue;
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(msg[key]);
    } catch {
      json = undefined;
    }
    if (json === undefined || json.length > MSG_PROPERTY_LIMIT || total + json.length > MSG_TOTAL_LIMIT) {
      dropped.push(key);
      continue;
    }
    total += json.length;
    out[key] = JSON.parse(json);
  }
  return { msg: out, dropped };
}

/** Who may wait for a job: one owner at a time, for `ms` unless renewed. */
export interface LeaseOptions {
  /** Where leases and claims live: shared by every instance (Redis) or this process's memory. */
  store: StateStore;
  owner: string;
  ms: number;
}

/** Jobs read, removed or released at once. */
const KEY_BATCH = 500;

/** Claims are kept long after the job is gone, so a stale copy of the job can never be emitted again. */
const CLAIM_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Pending jobs of every node of one kind, kept in a StateStore under
 * `<prefix><nodeId>:<jobId>`. Whoever holds a job's lease waits for it and renews the lease
 * while it does; when the owner dies its lease runs out and another instance takes the job
 * over. A job leaves the book through `claim`, an atomic first-come mark followed by the
 * removal, before its result may be sent: whoever claims it is the only one to emit.
 */
export class JobBook<TData = Record<string, unknown>> {
  private readonly leases: LeaseOptions;

  constructor(
    private readonly store: StateStore,
    private readonly prefix: string,
    leases?: Partial<LeaseOptions>,
  ) {
    this.leases = {
      store: leases?.store ?? processStore,
      owner: leases?.owner ?? INSTANCE_ID,
      ms: leases?.ms ?? 30_000,
    };
  }

  get leaseMs(): number {
    return this.leases.ms;
  }

  key(nodeId: string, jobId: string): string {
    return `${this.prefix}${nodeId}:${jobId}`;
  }

  /** Records the job and takes its lease. */
  async add(job: PendingJob<TData>): Promise<void> {
    const key = this.key(job.nodeId, job.jobId);
    await this.store.set(key, JSON.stringify(job));
    await this.leases.store.set(`lease:${key}`, this.leases.owner, this.leases.ms);
  }

  /**
   * The node's pending jobs, oldest first as stored; an unreadable entry is dropped rather than
   * blocking the others. Read a batch at a time (one round trip for many jobs in Redis), letting
   * Node-RED's HTTP and timers run between batches.
   */
  async list(nodeId: string): Promise<PendingJob<TData>[]> {
    const jobs: PendingJob<TData>[] = [];
    const keys = await this.store.keys(`${this.prefix}${nodeId}:`);
    for (let i = 0; i < keys.length; i += KEY_BATCH) {
      if (i) await new Promise((r) => setImmediate(r));
      const batch = keys.slice(i, i + KEY_BATCH);
      const texts = await Promise.all(batch.map((key) => this.store.get(key)));
      for (let j = 0; j < batch.length; j++) {
        if (texts[j] === undefined) continue; // claimed meanwhile
        const job = parse<TData>(texts[j]);
        if (job) jobs.push(job);
        else await this.store.delete(batch[j]);
      }
    }
    return jobs;
  }

  /** True when this process now holds the job's lease: it was free (or expired), or already ours. */
  async acquire(nodeId: string, jobId: string): Promise<boolean> {
    const lease = `lease:${this.key(nodeId, jobId)}`;
    if (await this.leases.store.setIfAbsent(lease, this.leases.owner, this.leases.ms)) return true;
    return extendIfValue(this.leases.store, lease, this.leases.owner, this.leases.ms);
  }

  /** Extends our lease; false when it ran out and another instance took the job. */
  renew(nodeId: string, jobId: string): Promise<boolean> {
    return this.acquire(nodeId, jobId);
  }

  /**
   * Takes the job out of the book; true for exactly one caller across every instance. The
   * removal is stored before this resolves, so a crash after it can lose the emission but
   * never repeat it.
   */
  async claim(nodeId: string, jobId: string, submittedAt?: number): Promise<boolean> {
    const key = this.key(nodeId, jobId);
    // Two waiters for one job can exist for a moment: an old node closing while its replacement resumes, or two
    // instances after a lease ran out. The submission time tells this job from a later request for the same task id.
    if (!(await this.leases.store.setIfAbsent(`claim:${key}:${submittedAt ?? ''}`, this.leases.owner, CLAIM_TTL_MS)))
      return false;
    const present = (await this.store.get(key)) !== undefined;
    await this.store.delete(key);
    await this.leases.store.delete(`lease:${key}`).catch(() => undefined);
    return present;
  }

  /** Rewrites a job still in the book (its data changed); never brings back one already claimed. */
  async update(job: PendingJob<TData>): Promise<void> {
    const key = this.key(job.nodeId, job.jobId);
    if ((await this.store.get(key)) === undefined) return;
    await this.store.set(key, JSON.stringify(job));
  }

  async remove(nodeId: string, jobId: string): Promise<void> {
    const key = this.key(nodeId, jobId);
    await this.store.delete(key);
    await this.leases.store.delete(`lease:${key}`).catch(() => undefined);
  }

  /** Gives up our leases of these jobs, so another instance may take them over at once. */
  async giveUp(nodeId: string, jobIds: Iterable<string>): Promise<void> {
    await Promise.all(
      [...jobIds].map(async (jobId) => {
        const lease = `lease:${this.key(nodeId, jobId)}`;
        if ((await this.leases.store.get(lease)) === this.leases.owner)
          await this.leases.store.delete(lease).catch(() => undefined);
      }),
    );
  }

  /**
   * The node was deleted here, but other instances sharing the book may still run it (a rolling
   * deploy runs old and new flows side by side): its jobs stay for them (our leases given up with
   * `giveUp`), each with its deadline as expiry, so the jobs of a node gone everywhere do not stay
   * forever.
   */
  async release(nodeId: string): Promise<void> {
    const extend = this.store.extendIfValue?.bind(this.store);
    if (!extend) return;
    await this.eachKey(nodeId, async (key) => {
      const text = await this.store.get(key);
      const job = parse<TData>(text);
      if (text !== undefined && job) await extend(key, text, Math.max(this.leases.ms, job.deadline - Date.now()));
    });
  }

  /**
   * Forgets every job of a deleted node. Removals go out in batches that share a write (a file
   * store) or round trips (Redis): one at a time, 100,000 jobs held the deploy past Node-RED's
   * close timeout.
   */
  async removeAll(nodeId: string): Promise<void> {
    await this.eachKey(nodeId, async (key) => {
      await this.store.delete(key);
      await this.leases.store.delete(`lease:${key}`).catch(() => undefined);
    });
  }

  /** Runs `fn` for every key of the node's jobs, a batch at a time, yielding to I/O between batches. */
  private async eachKey(nodeId: string, fn: (key: string) => Promise<void>): Promise<void> {
    const keys = await this.store.keys(`${this.prefix}${nodeId}:`);
    for (let i = 0; i < keys.length; i += KEY_BATCH) {
      if (i) await new Promise((r) => setImmediate(r));
      await Promise.all(keys.slice(i, i + KEY_BATCH).map(fn));
    }
  }
}

function parse<T>(text: string | undefined): PendingJob<T> | undefined {
  try {
    const j = text ? (JSON.parse(text) as PendingJob<T>) : undefined;
    return j && typeof j.jobId === 'string' && typeof j.nodeId === 'string' && j.msg && typeof j.msg === 'object'
      ? j
      : undefined;
  } catch {
    return undefined;
  }
}
