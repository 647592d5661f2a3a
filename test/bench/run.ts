/**
 * `npm run bench`: every benchmark, each comparing ours with a baseline measured in
 * the same run, printed as one table and a final line. Exits non-zero only with
 * --strict and a missed target (timing on shared machines is too noisy to gate by default).
 *
 *   node test/bench/run.js [--strict] [--only=callback,action,agora-decode,transcript,unisound-upload,captions,scale-out,startup] [--size=1GB] [--seconds=5] [--rounds=3]
 *                          [--connections=16] [--concurrency=8] [--starts=5] [--admin-root=/]
 *                          [--json=results.json]
 */
import fs from 'fs';
import { actionOverhead } from './action-overhead';
import { runCaptionsBench } from './captions';
import { runAgoraDecodeBench } from './agora-decode';
import { callbackThroughput } from './callback-throughput';
import { scaleOutBench } from './scale-out';
import { startup } from './startup';
import { runTranscriptFormatBench } from './transcript-format';
import { parseSize, runUnisoundUploadBench } from './unisound-upload';
import { BenchOptions, BenchResult } from './types';

function args(): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (const a of process.argv.slice(2)) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) out[m[1]] = m[2] ?? true;
  }
  return out;
}

/** The benchmark table: a new benchmark joins by adding one entry. */
const BENCHMARKS: Array<{
  key: string;
  run: (o: BenchOptions, a: Record<string, string | true>) => Promise<BenchResult[]>;
}> = [
  {
    key: 'callback',
    run: (o, a) =>
      callbackThroughput({
        ...o,
        connections: Number(a.connections ?? 16),
        warmupSeconds: 2,
        httpAdminRoot: String(a['admin-root'] ?? '/'),
      }),
  },
  {
    key: 'action',
    run: (o, a) => actionOverhead({ ...o, concurrency: Number(a.concurrency ?? 8), warmupSeconds: 2 }),
  },
  {
    key: 'agora-decode',
    run: async (o, a) => [
      await runAgoraDecodeBench({ ...o, concurrency: Number(a.concurrency ?? 32), warmupSeconds: 1 }),
    ],
  },
  {
    key: 'transcript',
    run: (o) => runTranscriptFormatBench({ rounds: o.rounds, log: o.log }),
  },
  {
    key: 'unisound-upload',
    run: (o, a) =>
      runUnisoundUploadBench({
        sizeBytes: typeof a.size === 'string' ? parseSize(a.size) : undefined,
        rounds: o.rounds,
        log: o.log,
      }),
  },
  {
    key: 'captions',
    run: (o, a) => runCaptionsBench({ seconds: Number(a['captions-seconds'] ?? 60), log: o.log }),
  },
  {
    key: 'scale-out',
    run: (o) => scaleOutBench(o),
  },
  {
    key: 'startup',
    run: (o, a) => startup({ ...o, starts: Number(a.starts ?? 5) }),
  },
];

function table(results: BenchResult[]): string {
  const rows = [['benchmark', 'ours', 'baseline', 'ratio', 'target', 'result', 'notes']];
  for (const r of results) {
    const p99 = r.details.p99Ms as { ours: number; core: number } | undefined;
    const notes = p99
      ? `p99 ${p99.ours} ms vs ${p99.core} ms`
      : typeof r.details.keepAlive === 'string'
        ? `keep-alive ${r.details.keepAlive}`
        : '';
    rows.push([
      r.name,
      `${r.ours} ${r.unit}`,
      `${r.baseline} ${r.unit}`,
      r.ratio.toFixed(2),
      r.target,
      r.pass ? 'PASS' : 'MISS',
      notes,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]): string =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<number> {
  const a = args();
  const only = typeof a.only === 'string' ? a.only.split(',') : BENCHMARKS.map((b) => b.key);
  const opts: BenchOptions = {
    seconds: Number(a.seconds ?? 5),
    rounds: Number(a.rounds ?? 3),
    log: (l) => console.log(l),
  };
  const t0 = Date.now();
  const results: BenchResult[] = [];
  const failures: string[] = [];
  for (const b of BENCHMARKS.filter((x) => only.includes(x.key))) {
    console.log(`${b.key}:`);
    const started = Date.now();
    try {
      results.push(...(await b.run(opts, a)));
    } catch (err) {
      failures.push(`${b.key}: ${(err as Error).stack ?? err}`);
      console.error(`  ${b.key} failed: ${(err as Error).message}`);
    }
    console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  console.log(`\n${table(results)}\n`);
  for (const r of results) console.log(`${r.name}:\n  ${JSON.stringify(r.details)}`);
  if (typeof a.json === 'string') fs.writeFileSync(a.json, JSON.stringify(results, null, 2) + '\n');
  const missed = results.filter((r) => !r.pass);
  const seconds = ((Date.now() - t0) / 1000).toFixed(0);
  console.log(
    `\nbench: ${results.length - missed.length}/${results.length} targets met${failures.length ? `, ${failures.length} benchmark(s) failed to run` : ''} in ${seconds} s${a.strict ? ' (strict)' : ''}`,
  );
  failures.forEach((f) => console.error(f));
  return a.strict && (missed.length || failures.length) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
