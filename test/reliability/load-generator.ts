/**
 * A load generator in its own process (the second core, and memory that does not
 * count against the process under test): autocannon posting `total` signed
 * callbacks of one CallbackCase over `connections` keep-alive connections, each
 * with a fresh event id. Started with child_process.fork; talks over IPC.
 */
import { ChildProcess, fork } from 'child_process';
import { CALLBACK_CASES } from './kit';

// autocannon ships no type definitions.

const autocannon = require('autocannon');

export interface LoadJob {
  caseName: string;
  url: string;
  callbackUrl: string;
  secret: string;
  total: number;
  connections: number;
}

export interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  rps: number;
  p99: number;
}

/** Runs one job in a fresh child process; `onProgress` hears every 10,000 responses. */
export function runLoad(
  job: LoadJob,
  onProgress: (n: number, seconds: number) => void = () => undefined,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    child.on('message', (m: { result?: LoadResult; error?: string; progress?: number; seconds?: number }) => {
      if (m.progress !== undefined) onProgress(m.progress, m.seconds ?? 0);
      if (m.result) resolve(m.result);
      if (m.error) reject(new Error(m.error));
      if (m.result || m.error) child.disconnect();
    });
    child.on('error', reject);
    child.on('exit', (code) => code && reject(new Error(`load generator exited with ${code}`)));
    child.send(job);
  });
}

function start(job: LoadJob, send: (m: unknown) => void): void {
  const c = CALLBACK_CASES.find((x) => x.name === job.caseName);
  if (!c) throw new Error(`no callback case ${job.caseName}`);
  const next = c.requests(job.callbackUrl, job.secret);
  const t0 = Date.now();
  const opts = {
    url: job.url,
    method: 'POST',
    connections: job.connections,
    amount: job.total,
    timeout: 30,
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, ...next() }) }],
  };
  const instance = autocannon(opts, (err: Error | null, raw: any) => {
    if (err) {
      send({ error: err.message });
      return;
    }
    // In a worker thread autocannon leaves its histograms encoded for its own pool to merge.
    const r = raw.latency ? raw : autocannon.aggregateResult([raw], opts);
    const result: LoadResult = {
      ok: r['2xx'],
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      seconds: (Date.now() - t0) / 1000,
      rps: r.requests.average,
      p99: r.latency.p99,
    };
    send({ result });
  });
  let done = 0;
  instance.on('response', () => {
    done++;
    if (done % 10000 === 0) send({ progress: done, seconds: (Date.now() - t0) / 1000 });
  });
}

if (require.main === module && process.send) {
  // When the parent goes away, so does the load.
  process.on('disconnect', () => process.exit(0));
  process.once('message', (job: LoadJob) =>
    start(job, (m) => {
      if (process.connected) process.send!(m);
    }),
  );
}
