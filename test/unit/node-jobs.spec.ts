/**
 * The job waiter with many pending jobs, failing stores and a shared book, without Node-RED or a
 * vendor: counts and order of polls, what the store holds, what each msg got. No wall clock.
 */
import assert from 'assert/strict';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { JobBook, PendingJob } from '../../nodes/lib/jobs/job-book';
import { MAX_RESUMED_AT_ONCE, NodeJobs } from '../../nodes/lib/jobs/node-jobs';
import { RateLimiter } from '../../nodes/lib/rate-limit';
import { FileStore } from '../../nodes/lib/state/file-store';
import { MemoryStore } from '../../nodes/lib/state/memory-store';
import { StateStore } from '../../nodes/lib/state/store';

const tick = () => new Promise((r) => setImmediate(r));
async function until(check: () => boolean, what: string, turns = 20000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.fail(`never: ${what}`);
}

function job(nodeId: string, jobId: string): PendingJob<{ n: string }> {
  const now = Date.now();
  return { nodeId, jobId, submittedAt: now, deadline: now + 3_600_000, data: { n: jobId }, msg: { _msgid: jobId } };
}

function fakeNode(id = 'n') {
  const sent: unknown[] = [];
  const errors: unknown[] = [];
  return {
    id,
    sent,
    errors,
    send: (m: unknown) => void sent.push(m),
    error: (e: unknown) => void errors.push(e),
    status: () => undefined,
    warn: () => undefined,
    on: () => undefined,
  };
}

const t = Object.assign((_k: string, _p: unknown, fallback?: string) => fallback ?? _k, {
  status: (_k: string, _p: unknown, fallback: string) => fallback,
  key: (_k: string, fallback: string) => fallback,
});

describe('NodeJobs: many pending jobs, failing stores, a shared book', function () {
  this.timeout(60000);

  it('resumes 5,000 jobs at a bounded pace; a new submission is polled next, ahead of the backlog; close is prompt', async () => {
    const store = new MemoryStore();
    const book = new JobBook<{ n: string }>(store, 'u:', { store: new MemoryStore(), owner: 'me', ms: 60_000 });
    for (let i = 0; i < 5000; i++) await book.add(job('n', `old-${i}`));
    // One request per 20 ms: the resumed polls queue in the limiter as they would behind a vendor quota.
    const limiter = new RateLimiter(1, 20);
    const polls: string[] = [];
    const node = fakeNode();
    const jobs = new NodeJobs<{ n: string }, string>(node as never, book, t as never, {
      firstPollMs: 1,
      maxPollMs: 3_600_000,
      timeoutError: () => new Error('timeout') as never,
      async poll(j, signal, { background }) {
        await limiter.acquire(signal, background);
        polls.push(j.jobId);
        return { done: false, state: 'running' };
      },
      async complete() {},
    });
    const taken = await jobs.resume();
    assert.equal(taken, MAX_RESUMED_AT_ONCE, 'resumed at once: a bounded number');
    await until(() => polls.length >= 5, 'a few resumed polls');
    // Many resumed polls are queued in the limiter now; a new msg arrives.
    const at = polls.length;
    let outcome: unknown;
    await jobs.submit(job('n', 'fresh'), { _msgid: 'fresh' }, node.send, (err) => (outcome = err ?? 'done'));
    await until(() => polls.includes('fresh'), 'the new job polled');
    const behind = polls.indexOf('fresh') - at;
    assert.ok(behind <= 2, `the new job waited behind ${behind} resumed polls`);
    assert.equal(outcome, undefined);
    // Never more than the bounded number of resumed jobs polled: the rest wait in the book.
    assert.ok(new Set(polls.filter((p) => p.startsWith('old-'))).size <= MAX_RESUMED_AT_ONCE);
    assert.equal((await book.list('n')).length, 5001);
    await jobs.close(false);
    // A redeploy keeps every job for the next node.
    assert.equal((await book.list('n')).length, 5001);
    assert.equal(limiter.pending, 0, 'nothing left waiting in the limiter');
  });

  it('a shared book is not read again while resumed jobs still wait in the backlog; once it drains, the scan finds new ones', async () => {
    const store = new MemoryStore();
    let scans = 0;
    const counted: StateStore = {
      setIfAbsent: (k, v, ttl) => store.setIfAbsent(k, v, ttl),
      get: (k) => store.get(k),
      set: (k, v, ttl) => store.set(k, v, ttl),
      delete: (k) => store.delete(k),
      keys: (p) => {
        scans++;
        return store.keys(p);
      },
    };
    const book = new JobBook<{ n: string }>(counted, 'u:', { store: new MemoryStore(), owner: 'me', ms: 60_000 });
    for (let i = 0; i < 2000; i++) await book.add(job('n', `old-${i}`));
    const polls = new Map<string, number>();
    const finished = new Set<string>();
    const jobs = new NodeJobs<{ n: string }, string>(fakeNode() as never, book, t as never, {
      firstPollMs: 1,
      maxPollMs: 4,
      // Due before the fifth poll of any job (1 + 1.5 + 2.25 + 3.4 ms): the scan timer has fired by then.
      takeoverEveryMs: 5,
      timeoutError: () => new Error('timeout') as never,
      async poll(j) {
        const n = (polls.get(j.jobId) ?? 0) + 1;
        polls.set(j.jobId, n);
        // Once told to, every job but two finishes on its next poll, so the backlog drains.
        if (finished.has('drain') && j.jobId !== 'old-0' && j.jobId !== 'old-1') return { done: true, result: 'ok' };
        return { done: false, state: 'running' };
      },
      async complete() {},
    });
    await jobs.resume();
    assert.equal(scans, 1);
    await until(
      () => [...polls.values()].filter((n) => n >= 6).length >= MAX_RESUMED_AT_ONCE,
      'six polls of each resumed job',
    );
    assert.equal(scans, 1, 'the book was not read again while 1,950 jobs waited in the backlog');
    // A job another instance left behind, then the backlog drains: a scan finds it.
    await book.add(job('n', 'late'));
    finished.add('drain');
    await until(() => polls.has('late'), 'the late job found by a scan once the backlog drained', 60000);
    assert.ok(scans >= 2);
    await jobs.close(false);
  });

  for (const order of ['the removal fails too, the store recovers later', 'the store recovers before the removal']) {
    it(`a job-store write fails after the task was created (${order}): one error, never an emission later`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobs-fail-'));
      const file = path.join(dir, 'jobs.json');
      try {
        const fileStore = new FileStore(file);
        await fileStore.set('other:keep', 'x');
        // Writes fail while a non-empty directory stands where the file is renamed to (EISDIR/ENOTEMPTY).
        const block = () => {
          fs.rmSync(file, { force: true });
          fs.mkdirSync(path.join(file, 'x'), { recursive: true });
        };
        const unblock = () => fs.rmSync(file, { recursive: true, force: true });
        const store: StateStore = {
          setIfAbsent: (k, v, ttl) => fileStore.setIfAbsent(k, v, ttl),
          get: (k) => fileStore.get(k),
          set: (k, v, ttl) => fileStore.set(k, v, ttl),
          keys: (p) => fileStore.keys(p),
          delete: async (k) => {
            if (order.startsWith('the store recovers before')) unblock();
            return fileStore.delete(k);
          },
        };
        const book = new JobBook<{ n: string }>(store, 'u:', { store: new MemoryStore(), owner: 'me', ms: 60_000 });
        const node = fakeNode();
        const jobs = new NodeJobs<{ n: string }, string>(node as never, book, t as never, {
          firstPollMs: 1,
          maxPollMs: 10,
          timeoutError: () => new Error('timeout') as never,
          poll: async () => ({ done: true, result: 'text' }),
          async complete() {},
        });
        block();
        const outcomes: string[] = [];
        await jobs
          .submit(job('n', 'T1'), { _msgid: 'm' }, node.send, () => outcomes.push('done'))
          .catch((err: Error) => outcomes.push(`error: ${err.message}`));
        assert.equal(outcomes.length, 1);
        assert.match(outcomes[0], /^error: Task T1 was created, but it could not be recorded/);
        unblock();
        // The store works again: the next change is written, without the job.
        await fileStore.set('other:later', 'y');
        await jobs.close(false);
        // A restart reads the file: nothing to resume, so nothing emitted a second time.
        const after = new FileStore(file);
        assert.deepEqual(await after.keys('u:'), []);
        assert.equal(await after.get('other:later'), 'y');
        const again = new NodeJobs<{ n: string }, string>(
          node as never,
          new JobBook(after, 'u:', { store: new MemoryStore(), owner: 'me', ms: 60_000 }),
          t as never,
          {
            firstPollMs: 1,
            maxPollMs: 10,
            timeoutError: () => new Error('timeout') as never,
            poll: async () => ({ done: true, result: 'text' }),
            async complete() {},
          },
        );
        assert.equal(await again.resume(), 0);
        await tick();
        assert.deepEqual(node.sent, []);
        await again.close(false);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('deleting a node on one instance leaves its jobs to the instances still running it; without sharing it ends them', async () => {
    const shared = new MemoryStore();
    const leases = new MemoryStore();
    const hooks = (isShared: boolean) => ({
      firstPollMs: 3_600_000,
      maxPollMs: 3_600_000,
      timeoutError: () => new Error('timeout') as never,
      poll: async () => ({ done: false as const, state: 'running' }),
      async complete() {},
      shared: isShared,
    });
    const bookA = new JobBook<{ n: string }>(shared, 'u:', { store: leases, owner: 'A', ms: 60_000 });
    const bookB = new JobBook<{ n: string }>(shared, 'u:', { store: leases, owner: 'B', ms: 60_000 });
    const a = new NodeJobs<{ n: string }, string>(fakeNode() as never, bookA, t as never, hooks(true));
    await a.submit(
      job('n', 'J1'),
      { _msgid: 'm' },
      () => undefined,
      () => undefined,
    );
    // B runs the same node; A holds the job's lease.
    assert.equal(await bookB.acquire('n', 'J1'), false);
    await a.close(true);
    assert.deepEqual(
      (await bookB.list('n')).map((j) => j.jobId),
      ['J1'],
      'the job stays for the other instance',
    );
    assert.equal(await bookB.acquire('n', 'J1'), true, 'and A gave its lease up: B takes it over at once');
    // One instance only (no shared book): deleting the node ends its jobs.
    const local = new JobBook<{ n: string }>(new MemoryStore(), 'u:', {
      store: new MemoryStore(),
      owner: 'L',
      ms: 60_000,
    });
    const l = new NodeJobs<{ n: string }, string>(fakeNode() as never, local, t as never, hooks(false));
    await l.submit(
      job('n', 'J2'),
      { _msgid: 'm' },
      () => undefined,
      () => undefined,
    );
    await l.close(true);
    assert.deepEqual(await local.list('n'), []);
  });

  it('update rewrites a job still in the book and never brings back a claimed one', async () => {
    const book = new JobBook<{ n: string; confirmed?: boolean }>(new MemoryStore(), 'u:', {
      store: new MemoryStore(),
      owner: 'me',
    });
    const j = { ...job('n', 'J'), data: { n: 'J', confirmed: false } };
    await book.add(j);
    await book.update({ ...j, data: { n: 'J', confirmed: true } });
    assert.equal((await book.list('n'))[0].data.confirmed, true);
    assert.equal(await book.claim('n', 'J', j.submittedAt), true);
    await book.update({ ...j, data: { n: 'J', confirmed: true } });
    assert.deepEqual(await book.list('n'), []);
  });
});
