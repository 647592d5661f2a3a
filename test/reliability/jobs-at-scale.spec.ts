/**
 * Issue 15 at the scale it names, in a real Node-RED process: 100,000 Unisound jobs pending at
 * start-up, in the user directory's job file and then in Redis, written by the product's own book
 * and stores (JobBook + FileStore/RedisStore + newJob), exactly as a submit node would have left them.
 *
 * The seeded tasks stay unfinished at the emulator, so every resumed wait keeps polling: what is
 * asserted comes from counts (the emulator's request log, the kernel's byte counter, Redis's command
 * statistics), never from the wall clock. Proven: the admin API answers while resumed polls arrive;
 * no more than MAX_RESUMED_AT_ONCE seeded tasks are polled (the rest wait in the book, not in timers
 * and a limiter queue); a new submission is polled and emitted without waiting behind the backlog; a
 * full redeploy and a shutdown close the node without "Close timed out", and the node keeps working
 * after the redeploy; when the seeded tasks finish, each completion writes a fixed number of bytes,
 * not a rewrite of the 34 MB book; peak memory is a small multiple of the job file; with Redis, the
 * book is not read again while the backlog waits. Timings are printed, not bounded.
 */
import assert from 'assert/strict';
import fs from 'fs';
import path from 'path';
import { DEFAULT_SCRIPT, UnisoundEmulator, UNISOUND_DEFAULTS } from '../emulator/unisound';
import { keyFingerprint } from '../emulator/unisound/auth';
import { newTaskId } from '../emulator/unisound/tasks';
import {
  createUserDir,
  linkPackage,
  startNodeRed,
  waitFor,
  type FlowNode,
  type NodeRedProcess,
} from '../e2e/node-red-process';
import { JobBook, type PendingJob } from '../../nodes/lib/jobs/job-book';
import { MAX_RESUMED_AT_ONCE } from '../../nodes/lib/jobs/node-jobs';
import { DURABLE_FILE } from '../../nodes/lib/state/durable-store';
import { ENV_URL, readRedisConfig } from '../../nodes/lib/state/redis-config';
import { RedisLink } from '../../nodes/lib/state/redis-link';
import { RedisStore } from '../../nodes/lib/state/redis-store';
import { FileStore } from '../../nodes/lib/state/file-store';
import { MemoryStore } from '../../nodes/lib/state/memory-store';
import { newJob, UNISOUND_BOOK_PREFIX, type UnisoundJobData } from '../../nodes/lib/unisound/jobs';
import { RedisServer } from '../e2e/redis/redis-server';
import { wavBytes } from './kit';

/** The number; JOBS_AT_SCALE overrides it for a quick local look. */
const SEEDED = Number(process.env.JOBS_AT_SCALE) || 100_000;
const SUBMIT = 'submit';
const CLOSE_TIMED_OUT = /Close timed out/i;
/** Completions counted for the write budget: enough for many batches of MAX_RESUMED_AT_ONCE. */
const DRAINED = 500;
/**
 * Bytes one completed job may cost in writes: its poll request, its line in the results file, its
 * removal from the book, log lines. A fixed size, far below a rewrite of the book per batch.
 */
const WRITE_BUDGET_PER_JOB = 64 * 1024;
/** Bytes of memory per byte of the job file: the text read, the entries kept, the backlog parsed from them. */
const MEMORY_PER_STORED_BYTE = 16;

interface ProcMemory {
  rssMB: number;
  peakMB: number;
}

/** VmRSS and VmHWM (peak) of a process, from /proc (Linux); undefined elsewhere. */
function memoryOf(pid: number | undefined): ProcMemory | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMB: Math.round(kb('VmRSS') / 1024), peakMB: Math.round(kb('VmHWM') / 1024) };
  } catch {
    return undefined;
  }
}

/** bytes the process passed to write(2) and friends (disk, sockets, pipes), from /proc (Linux); undefined elsewhere. */
function ioOf(pid: number | undefined): { wchar: number } | undefined {
  try {
    const io = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
    const wchar = Number(/^wchar:\s+(\d+)/m.exec(io)?.[1]);
    return Number.isFinite(wchar) ? { wchar } : undefined;
  } catch {
    return undefined;
  }
}

describe('reliability: 100,000 pending Unisound jobs at start-up (real Node-RED)', function () {
  this.timeout(240000);
  let emulator: UnisoundEmulator;
  let red: NodeRedProcess | undefined;
  const seeded = new Set<string>();

  before(async () => {
    // Seeded tasks are created "now" and take hours: they stay Waiting, so resumed waits poll all along.
    emulator = new UnisoundEmulator({ processingMs: 6 * 60 * 60_000, tasksPerMinute: 1000 });
    await emulator.listen();
  });
  after(async () => {
    await red?.stop(2000);
    await emulator.close();
  });

  /** Poll requests the emulator has seen from index `from` on. */
  const pollsFrom = (from = 0) => emulator.requests.slice(from).filter((r) => r.action === 'poll');
  const seededPolled = (from = 0) =>
    new Set(
      pollsFrom(from)
        .map((r) => r.params.task_id)
        .filter((id) => seeded.has(id)),
    );

  /** Presses the inject button; resolves with the new task's id once the emulator saw its create. */
  async function submitNew(): Promise<string> {
    const before = new Set(emulator.tasks.keys());
    const created = () => emulator.requests.filter((r) => r.action === 'create' && r.status === 200).length;
    const creates = created();
    await red!.inject('in');
    await waitFor(() => created() > creates, 'the new submission created at the emulator', 60000, 20);
    const taskId = [...emulator.tasks.keys()].find((id) => !before.has(id));
    assert.ok(taskId, 'a new task');
    return taskId;
  }

  /** `count` unfinished tasks at the emulator, and the pending job a submit node would have kept for each. */
  function seedTasks(count: number): PendingJob<UnisoundJobData>[] {
    const owner = keyFingerprint(UNISOUND_DEFAULTS.apiKey);
    const script = DEFAULT_SCRIPT.map((x) => ({ ...x }));
    const jobs: PendingJob<UnisoundJobData>[] = [];
    for (let i = 0; i < count; i++) {
      const taskId = newTaskId();
      seeded.add(taskId);
      emulator.tasks.set(taskId, { taskId, owner, body: { model: 'u2-asr' }, createdAt: Date.now(), script });
      const data: UnisoundJobData = { fileId: 310_000_000_001 + i, deleteFile: false, confirmed: true };
      jobs.push(newJob(SUBMIT, taskId, { _msgid: `seed${i}`, topic: 'seeded' }, data, 360 * 60_000));
    }
    return jobs;
  }

  /** inject (a new WAV) → unisound-asr-submit → one line per result in `results`. */
  function flowsFor(audio: string, results: string): FlowNode[] {
    return [
      { id: 't1', type: 'tab', label: 'jobs at scale' },
      {
        id: 'cfg',
        type: 'unisound-config',
        endpoint: emulator.url,
        // The highest the node allows: the seeded polls must not be held back by our own quota.
        rateLimit: 10000,
        timeout: 10,
        maxRetries: 1,
        credentials: { apiKey: UNISOUND_DEFAULTS.apiKey },
      },
      {
        id: 'in',
        type: 'inject',
        z: 't1',
        props: [{ p: 'payload' }, { p: 'topic', v: 'new', vt: 'str' }],
        payload: audio,
        payloadType: 'str',
        repeat: '',
        once: false,
        x: 100,
        y: 100,
        wires: [[SUBMIT]],
      },
      {
        id: SUBMIT,
        type: 'unisound-asr-submit',
        z: 't1',
        unisound: 'cfg',
        pollInterval: 0.2,
        x: 300,
        y: 100,
        wires: [['line']],
      },
      {
        id: 'line',
        type: 'change',
        z: 't1',
        rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '"" & taskId & " " & topic', tot: 'jsonata' }],
        x: 500,
        y: 100,
        wires: [['file']],
      },
      {
        id: 'file',
        type: 'file',
        z: 't1',
        filename: results,
        filenameType: 'str',
        appendNewline: true,
        createDir: true,
        overwriteFile: 'false',
        encoding: 'none',
        x: 700,
        y: 100,
        wires: [],
      },
    ];
  }

  it(`resumes ${SEEDED.toLocaleString('en-US')} jobs at a bounded pace: admin answers, new work goes first, redeploy and stop close promptly`, async () => {
    const userDir = await createUserDir();
    linkPackage(userDir.dir);
    const audio = path.join(userDir.dir, 'new.wav');
    fs.writeFileSync(audio, wavBytes(4096));
    const results = path.join(userDir.dir, 'results.txt');
    const flows = flowsFor(audio, results);
    const resultLines = () => (fs.existsSync(results) ? fs.readFileSync(results, 'utf8').trim().split('\n') : []);

    // 1. The flow deployed on an empty book (its credentials saved as Node-RED saves them); the RSS to compare with.
    red = await startNodeRed(userDir, { removeUserDirOnStop: false });
    await red.deploy(flows);
    const empty = memoryOf(red.pid);
    await red.stop(20000);

    // 2. The pending jobs, written by the product's own book and store.
    const jobsFile = path.join(userDir.dir, DURABLE_FILE);
    const book = new JobBook<UnisoundJobData>(new FileStore(jobsFile), UNISOUND_BOOK_PREFIX, {
      store: new MemoryStore(),
    });
    const adds: Promise<void>[] = [];
    for (const job of seedTasks(SEEDED)) adds.push(book.add(job));
    // One write carries them all: concurrent changes share a write.
    await Promise.all(adds);
    const fileMB = fs.statSync(jobsFile).size / 1024 / 1024;
    assert.equal((await new FileStore(jobsFile).keys(`${UNISOUND_BOOK_PREFIX}${SUBMIT}:`)).length, SEEDED);

    // 3. Start-up with the book full: the admin API must answer (startNodeRed waits for GET /settings).
    const started = Date.now();
    red = await startNodeRed(userDir, { removeUserDirOnStop: true, startTimeoutMs: 180000 });
    const firstAnswerMs = Date.now() - started;
    const pollsAtFirstAnswer = pollsFrom().length;
    await waitFor(() => pollsFrom().length > 0, 'the first resumed poll', 180000, 20);
    const firstPollMs = Date.now() - started;

    // While resumed polls arrive, the admin API keeps answering: every request is answered, and polls go on meanwhile.
    const answers: Array<{ ms: number; pollsDuring: number }> = [];
    const pollsBeforeSeries = pollsFrom().length;
    for (let i = 0; i < 10; i++) {
      const at = pollsFrom().length;
      const t0 = Date.now();
      const res: { status: number } = await red.admin.get('/settings', { timeout: 0 });
      assert.equal(res.status, 200, 'GET /settings during the resume');
      answers.push({ ms: Date.now() - t0, pollsDuring: pollsFrom().length - at });
    }
    await waitFor(
      () => pollsFrom().length > pollsBeforeSeries,
      'resumed polls going on around the admin requests',
      60000,
      20,
    );

    // Only a bounded number of the seeded jobs is waited for at once, whatever the book holds.
    await waitFor(
      () => seededPolled().size >= MAX_RESUMED_AT_ONCE,
      `${MAX_RESUMED_AT_ONCE} seeded tasks polled`,
      120000,
      20,
    );
    const resumed = memoryOf(red.pid);
    // Memory follows what is stored, not the number of waits: the peak since start-up (reading the file, the
    // backlog) grows by a small multiple of the job file. The 1.3 GB was ~40 times a file like this one.
    if (empty && resumed)
      assert.ok(
        resumed.peakMB - empty.rssMB <= MEMORY_PER_STORED_BYTE * fileMB,
        `peak RSS ${resumed.peakMB} MB vs ${empty.rssMB} MB with an empty book; the job file is ${fileMB.toFixed(1)} MB`,
      );

    // 4. A new submission is polled ahead of the backlog: between its create and its first poll only the
    //    resumed waits already running polled, never another of the 100k.
    const createIndex = emulator.requests.length;
    const fresh = await submitNew();
    await waitFor(
      () => emulator.requests.some((r) => r.action === 'poll' && r.params.task_id === fresh),
      'the new task polled',
      60000,
      20,
    );
    const create = emulator.requests.findIndex((r, i) => i >= createIndex && r.action === 'create' && r.status === 200);
    const firstPoll = emulator.requests.findIndex((r) => r.action === 'poll' && r.params.task_id === fresh);
    const between = emulator.requests.slice(create + 1, firstPoll).filter((r) => r.action === 'poll');
    const betweenDistinct = new Set(between.map((r) => r.params.task_id));
    assert.ok(
      betweenDistinct.size <= MAX_RESUMED_AT_ONCE,
      `the new job waited behind polls of ${betweenDistinct.size} different seeded tasks`,
    );
    // It finishes like any job: its result is emitted.
    emulator.tasks.get(fresh)!.createdAt = 0;
    await waitFor(() => resultLines().includes(`${fresh} new`), 'the new job emitted', 60000, 50);
    assert.ok(
      seededPolled().size <= MAX_RESUMED_AT_ONCE,
      `${seededPolled().size} seeded tasks polled at once (at most ${MAX_RESUMED_AT_ONCE} while none finishes)`,
    );

    // 5. A full redeploy with the book full: the node closes in time and its replacement carries on.
    await red.deploy(flows, 120000);
    // "Started flows": the old node is closed, so what is polled from here on is the new node's doing.
    const deployIndex = emulator.requests.length;
    await waitFor(() => seededPolled(deployIndex).size > 0, 'resumed polls after the redeploy', 120000, 20);
    const again = await submitNew();
    emulator.tasks.get(again)!.createdAt = 0;
    await waitFor(
      () => resultLines().includes(`${again} new`),
      'a job submitted after the redeploy emitted',
      60000,
      50,
    );
    assert.deepEqual(red.grep(CLOSE_TIMED_OUT), [], 'no close timed out on the redeploy');
    const seededDone = () => resultLines().filter((l) => l.endsWith(' seeded')).length;
    assert.equal(seededDone(), 0, 'no seeded job emitted: none finished');

    // 6. The seeded tasks finish (as after an outage): each completion takes its job out of the book. What that
    //    writes must not grow with the book (a whole 100k-job file per batch of completions): bytes written by
    //    the process per completed job stay within a fixed budget, counted by the kernel, not timed.
    for (const id of seeded) emulator.tasks.get(id)!.createdAt = 0;
    const ioBefore = ioOf(red.pid);
    const drainStart = Date.now();
    await waitFor(() => seededDone() >= DRAINED, `${DRAINED} seeded jobs emitted`, 180000, 50);
    // Counted before the bytes: a line written meanwhile adds to the bytes, never to the jobs they are shared by.
    const drained = seededDone();
    const ioAfter = ioOf(red.pid);
    const memoryDrained = memoryOf(red.pid);
    const drainMs = Date.now() - drainStart;
    const writtenPerJob = ioBefore && ioAfter ? Math.round((ioAfter.wchar - ioBefore.wchar) / drained) : undefined;
    if (writtenPerJob !== undefined)
      assert.ok(
        writtenPerJob <= WRITE_BUDGET_PER_JOB,
        `${writtenPerJob} bytes written per completed job (budget ${WRITE_BUDGET_PER_JOB}); the job file is ${fileMB.toFixed(1)} MB`,
      );

    // 7. The node deleted with the book still nearly full: its jobs end with it, within Node-RED's close timeout.
    const removeIndex = red.lines.length;
    const removeStart = Date.now();
    await red.deploy(
      flows.filter((n) => n.id !== SUBMIT),
      120000,
    );
    const removeMs = Date.now() - removeStart;
    const removeLines = red.lines.slice(removeIndex);
    assert.deepEqual(
      removeLines.filter((l) => CLOSE_TIMED_OUT.test(l)),
      [],
      'no close timed out when the node is deleted',
    );
    // Read as the next start would read it: snapshot and journal.
    const remaining = (await new FileStore(jobsFile).keys(`${UNISOUND_BOOK_PREFIX}${SUBMIT}:`)).length;
    assert.equal(remaining, 0, 'the deleted node left no job in the book');

    // 8. Shutdown: Node-RED closes everything in time and exits by itself.
    const output = red.lines;
    const left = await red.stop(60000).then(() => red!.exited);
    red = undefined;
    assert.equal(left.signal, null, 'Node-RED exited by itself, not killed');
    assert.deepEqual(
      output.filter((l) => CLOSE_TIMED_OUT.test(l)),
      [],
      'no close timed out on shutdown',
    );

    const report = {
      seeded: SEEDED,
      jobsFileMB: Number(fileMB.toFixed(1)),
      adminFirstAnswerMs: firstAnswerMs,
      pollsAtFirstAnswer,
      firstResumedPollMs: firstPollMs,
      adminDuringResume: answers,
      memoryEmptyBook: empty,
      memoryResumed: resumed,
      newJobPollsBetweenCreateAndFirstPoll: between.length,
      newJobDistinctTasksBetween: betweenDistinct.size,
      newJobMsBetweenCreateAndFirstPoll: emulator.requests[firstPoll].at - emulator.requests[create].at,
      seededTasksPolled: seededPolled().size,
      drained,
      drainMs,
      nodeDeletedCloseMs: removeMs,
      writtenPerJob,
      memoryDrained,
      resumedPollsAfterRedeploy: pollsFrom(deployIndex).filter((r) => seeded.has(r.params.task_id)).length,
    };
    console.log(`      jobs at scale: ${JSON.stringify(report)}`);
  });
  it(`with Redis: ${SEEDED.toLocaleString('en-US')} jobs in Redis are read once while the backlog drains, not again at every takeover scan`, async () => {
    emulator.reset();
    seeded.clear();
    const redis = await RedisServer.start();
    try {
      const userDir = await createUserDir();
      linkPackage(userDir.dir);
      // Leases of 1 s: a takeover scan every 500 ms, many of them while the backlog waits.
      fs.writeFileSync(
        userDir.settingsFile,
        fs
          .readFileSync(userDir.settingsFile, 'utf8')
          .replace('module.exports = {', 'module.exports = {\n    "speechPipelines": { "leaseSeconds": 1 },'),
      );
      const audio = path.join(userDir.dir, 'new.wav');
      fs.writeFileSync(audio, wavBytes(4096));
      const flows = flowsFor(audio, path.join(userDir.dir, 'results.txt'));
      const env = { [ENV_URL]: redis.url };
      // Without Redis: only the instance under test ever counts in Redis's quota and heartbeat.
      red = await startNodeRed(userDir, { removeUserDirOnStop: false });
      await red.deploy(flows);
      await red.stop(20000);

      // The jobs in Redis, written by the product's own book and Redis store.
      const config = readRedisConfig({}, { [ENV_URL]: redis.url })!;
      const link = new RedisLink(
        { ...config, commandTimeoutMs: 60_000 },
        { info: () => undefined, warn: () => undefined },
      );
      link.start();
      try {
        await waitFor(() => link.up, 'the seeding connection to Redis', 30000, 20);
        const book = new JobBook<UnisoundJobData>(new RedisStore(link), UNISOUND_BOOK_PREFIX, {
          store: new MemoryStore(),
        });
        const jobs = seedTasks(SEEDED);
        for (let i = 0; i < jobs.length; i += 5000) await Promise.all(jobs.slice(i, i + 5000).map((j) => book.add(j)));
        assert.equal((await new RedisStore(link).keys(`${UNISOUND_BOOK_PREFIX}${SUBMIT}:`)).length, SEEDED);
        /** Calls of one command Redis has answered so far: SCAN only comes from reading the book, GET from much else. */
        const calls = async (command: 'get' | 'scan') =>
          Number(
            new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(
              await link.command<string>(['INFO', 'commandstats']),
            )?.[1] ?? 0,
          );

        const started = Date.now();
        red = await startNodeRed(userDir, { removeUserDirOnStop: true, startTimeoutMs: 180000, env });
        const firstAnswerMs = Date.now() - started;
        await waitFor(() => seededPolled().size >= MAX_RESUMED_AT_ONCE, 'the resumed jobs polled', 180000, 20);
        const firstPollsMs = Date.now() - started;
        // From here on the backlog holds the other jobs: count Redis GETs while the resumed ones poll on.
        const getsBefore = await calls('get');
        const scansBefore = await calls('scan');
        const pollsBefore = pollsFrom().length;
        const watched = [...seededPolled()];
        const pollsOf = (id: string) => pollsFrom(0).filter((r) => r.params.task_id === id).length;
        const countsBefore = new Map(watched.map((id) => [id, pollsOf(id)]));
        // Six more polls of each take over 4 s of poll intervals (0.2 s growing by 1.5): eight takeover periods.
        await waitFor(
          () => watched.every((id) => pollsOf(id) >= countsBefore.get(id)! + 6),
          'six more polls of every resumed job',
          180000,
          50,
        );
        const getsDuring = (await calls('get')) - getsBefore;
        const scansDuring = (await calls('scan')) - scansBefore;
        const pollsDuring = pollsFrom().length - pollsBefore;
        assert.equal(
          scansDuring,
          0,
          `the book was read again (${scansDuring} SCANs, ${getsDuring} GETs) while the backlog waited`,
        );
        assert.ok(seededPolled().size <= MAX_RESUMED_AT_ONCE);
        const memory = memoryOf(red.pid);

        // The node deleted here: its jobs stay in Redis for the instances still running it (a rolling deploy),
        // this instance's leases given up, within Node-RED's close timeout.
        const removeStart = Date.now();
        await red.deploy(
          flows.filter((n) => n.id !== SUBMIT),
          120000,
        );
        const releaseMs = Date.now() - removeStart;
        assert.equal((await new RedisStore(link).keys(`${UNISOUND_BOOK_PREFIX}${SUBMIT}:`)).length, SEEDED);
        // After the close, each job is given its deadline as expiry, so the jobs of a node gone everywhere end.
        const sample = jobs.filter((_, i) => i % Math.ceil(SEEDED / 100) === 0);
        const ttl = (j: PendingJob<UnisoundJobData>) =>
          link.command<number>(['PTTL', `${config.keyPrefix}${UNISOUND_BOOK_PREFIX}${SUBMIT}:${j.jobId}`]);
        await waitFor(
          async () => (await Promise.all(sample.map(ttl))).every((ms) => ms > 0),
          'every released job with an expiry',
          120000,
          200,
        );
        const output = red.lines;
        await red.stop(60000);
        red = undefined;
        assert.deepEqual(
          output.filter((l) => CLOSE_TIMED_OUT.test(l)),
          [],
          'no close timed out: node deleted, or shutdown',
        );
        console.log(
          `      jobs at scale, Redis: ${JSON.stringify({ seeded: SEEDED, adminFirstAnswerMs: firstAnswerMs, firstPollsMs, scansDuring, getsDuring, pollsDuring, releaseMs, memory })}`,
        );
      } finally {
        link.close();
      }
    } finally {
      await redis.stop();
    }
  });
});
