/**
 * Benchmark: a large audio file uploaded through `unisound-asr-submit` in a real Node-RED (a
 * child process, the package linked in) to the Unisound emulator, against the same file
 * streamed by curl to the same emulator's /v1/files/upload in the same run.
 * - throughput ratio, ours / curl (target ≥ 0.9);
 * - the Node-RED process's peak RSS growth during its upload, sampled every 50 ms (target < 64 MB).
 *
 * Alone: `node test/bench/unisound-upload.js --size=256MB [--rounds=2]` (sizes are binary: 1 MB = 2^20 bytes).
 */
import { execFileSync, spawn } from 'child_process';
import fs from 'fs';
import path from 'path';
import { UnisoundEmulator, UNISOUND_DEFAULTS } from '../emulator/unisound';
import {
  createUserDir,
  linkPackage,
  makeTempDir,
  removeTempDir,
  startNodeRed,
  waitFor,
  type FlowNode,
  type NodeRedProcess,
} from '../e2e/node-red-process';
import { wavBytes } from '../reliability/kit';
import { BenchResult, median, round } from './types';

export interface UnisoundUploadOptions {
  /** File size in bytes; default 1 GiB (Unisound's limit). */
  sizeBytes?: number;
  /** Measured uploads per side, alternating; default 3. */
  rounds?: number;
  log?: (line: string) => void;
}

const MiB = 2 ** 20;
const RSS_BUDGET_MB = 64;
const SAMPLE_MS = 50;

/** "256MB", "1GiB", "1.5G", "1000000": bytes (K/M/G are binary). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(text);
  if (!m) throw new Error(`not a size: ${text} (use e.g. 256MB or 1GiB)`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  return Math.round(Number(m[1]) * ({ b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 } as Record<string, number>)[unit]);
}

/** curl's path, or undefined when it is not installed. */
function findCurl(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A WAV header, then a non-constant pattern (no transport can shortcut it), written in 4 MiB blocks. */
function writeAudio(file: string, size: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, wavBytes(44).subarray(0, Math.min(44, size)));
    const block = Buffer.alloc(4 * MiB);
    for (let i = 0; i < block.length; i++) block[i] = (i * 31 + (i >> 12)) & 0xff;
    for (let written = 44; written < size; written += block.length)
      fs.writeSync(fd, block, 0, Math.min(block.length, size - written));
  } finally {
    fs.closeSync(fd);
  }
}

/** Resident set size of a process in bytes (Linux /proc, else ps). */
function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  try {
    return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) * 1024;
  } catch {
    return NaN;
  }
}

/** Waits for the emulator to hold one more uploaded file than `before`; its completion time. */
async function uploadDone(emulator: UnisoundEmulator, before: number, timeoutMs: number): Promise<number> {
  await waitFor(() => emulator.files.size > before, 'the upload to complete at the emulator', timeoutMs, 5);
  return Date.now();
}

async function curlUpload(curl: string, emulator: UnisoundEmulator, file: string, timeoutMs: number): Promise<number> {
  const before = emulator.files.size;
  const t0 = Date.now();
  const code = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      curl,
      [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--max-time',
        String(Math.ceil(timeoutMs / 1000)),
        '-H',
        `Authorization: Bearer ${UNISOUND_DEFAULTS.apiKey}`,
        '-F',
        `file=@${file};type=audio/wav`,
        '-F',
        'purpose=a2t_async_input',
        `${emulator.url}/v1/files/upload`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (status) =>
      status === 0 ? resolve(out.trim()) : reject(new Error(`curl exited ${status}: ${err.trim()}`)),
    );
  });
  if (code !== '200') throw new Error(`curl upload answered HTTP ${code}`);
  const t1 = await uploadDone(emulator, before, 5000);
  return t1 - t0;
}

async function nodeRedUpload(
  red: NodeRedProcess,
  emulator: UnisoundEmulator,
  timeoutMs: number,
): Promise<{ ms: number; rssGrowth: number; rssBase: number; samples: number }> {
  const pid = red.pid as number;
  const before = emulator.files.size;
  const creates = (): number => emulator.requests.filter((r) => r.action === 'create' && r.status === 200).length;
  const createdBefore = creates();
  const rssBase = rssOf(pid);
  let peak = rssBase;
  let samples = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
    samples++;
  }, SAMPLE_MS);
  try {
    const t0 = Date.now();
    await red.inject('in');
    const t1 = await uploadDone(emulator, before, timeoutMs);
    // The node goes on to create the task; the next round starts after it.
    await waitFor(
      () => creates() > createdBefore || red.grep(/\[unisound-asr-submit:submit\]/).length > 0,
      'the task to be created',
      10000,
      5,
    );
    const errors = red.grep(/\[unisound-asr-submit:submit\]/);
    if (errors.length) throw new Error(`the submit node reported: ${errors.join(' | ')}`);
    return { ms: t1 - t0, rssGrowth: peak - rssBase, rssBase, samples };
  } finally {
    clearInterval(sampler);
  }
}

export async function runUnisoundUploadBench(opts: UnisoundUploadOptions = {}): Promise<BenchResult[]> {
  const size = opts.sizeBytes ?? 2 ** 30;
  const rounds = Math.max(1, opts.rounds ?? 3);
  const log = opts.log ?? ((line: string) => console.log(line));
  const sizeMB = size / MiB;
  // Loopback runs at hundreds of MB/s; a minute per GiB is room for a slow, shared machine.
  const timeoutMs = Math.max(60_000, (size / (16 * MiB)) * 1000);
  const curl = findCurl();
  if (!curl)
    log('  curl was not found on PATH: the throughput baseline is skipped (install it, e.g. apt-get install -y curl)');

  const dir = makeTempDir('unisound-upload-bench-');
  const emulator = new UnisoundEmulator({
    storeUploads: 'count',
    maxUploadBytes: Math.max(size, 2 ** 30),
    tasksPerMinute: 10_000,
  });
  let red: NodeRedProcess | undefined;
  try {
    const file = path.join(dir, 'bench.wav');
    log(`  writing a ${round(sizeMB, 1)} MB file to ${dir}`);
    writeAudio(file, size);
    await emulator.listen();
    const userDir = await createUserDir({ dir: path.join(dir, 'user') });
    linkPackage(userDir.dir);
    red = await startNodeRed(userDir, { removeUserDirOnStop: false });
    const flows: FlowNode[] = [
      { id: 't1', type: 'tab', label: 'upload bench' },
      {
        id: 'cfg',
        type: 'unisound-config',
        endpoint: emulator.url,
        rateLimit: 10000,
        timeout: 60,
        maxRetries: 0,
        credentials: { apiKey: UNISOUND_DEFAULTS.apiKey },
      },
      {
        id: 'in',
        type: 'inject',
        z: 't1',
        props: [{ p: 'payload' }],
        payload: file,
        payloadType: 'str',
        repeat: '',
        once: false,
        x: 100,
        y: 100,
        wires: [['submit']],
      },
      { id: 'submit', type: 'unisound-asr-submit', z: 't1', unisound: 'cfg', wait: false, x: 300, y: 100, wires: [[]] },
    ];
    await red.deploy(flows);
    // Warm-up, unmeasured: first-use requires, sockets, page cache.
    await nodeRedUpload(red, emulator, timeoutMs);
    if (curl) await curlUpload(curl, emulator, file, timeoutMs);

    const ours: number[] = [];
    const theirs: number[] = [];
    const growth: number[] = [];
    let rssBase = 0;
    let samples = 0;
    for (let i = 0; i < rounds; i++) {
      for (const side of i % 2 ? (['node-red', 'curl'] as const) : (['curl', 'node-red'] as const)) {
        if (side === 'curl') {
          if (!curl) continue;
          const ms = await curlUpload(curl, emulator, file, timeoutMs);
          theirs.push(sizeMB / (ms / 1000));
          log(`  round ${i + 1} curl: ${ms} ms (${round(sizeMB / (ms / 1000), 1)} MB/s)`);
        } else {
          const r = await nodeRedUpload(red, emulator, timeoutMs);
          ours.push(sizeMB / (r.ms / 1000));
          growth.push(r.rssGrowth / MiB);
          rssBase = r.rssBase;
          samples += r.samples;
          log(
            `  round ${i + 1} Node-RED: ${r.ms} ms (${round(sizeMB / (r.ms / 1000), 1)} MB/s), RSS +${round(r.rssGrowth / MiB, 1)} MB over ${r.samples} samples`,
          );
        }
      }
    }
    const oursMBs = median(ours);
    const curlMBs = curl ? median(theirs) : NaN;
    const peakGrowth = Math.max(...growth);
    return [
      {
        name: `Unisound upload (${round(sizeMB, 0)} MB): Node-RED submit node vs curl -F`,
        unit: 'MB/s',
        ours: round(oursMBs, 1),
        baseline: round(curlMBs, 1),
        ratio: round(oursMBs / curlMBs),
        target: '≥ 0.90',
        pass: !!curl && oursMBs / curlMBs >= 0.9,
        details: curl
          ? { rounds, ours: ours.map((x) => round(x, 1)), curl: theirs.map((x) => round(x, 1)) }
          : { rounds, ours: ours.map((x) => round(x, 1)), skipped: 'curl not found on PATH' },
      },
      {
        name: `Unisound upload (${round(sizeMB, 0)} MB): Node-RED peak RSS growth`,
        unit: 'MB',
        ours: round(peakGrowth, 1),
        baseline: RSS_BUDGET_MB,
        ratio: round(peakGrowth / RSS_BUDGET_MB),
        target: `< 1.00 (${RSS_BUDGET_MB} MB budget)`,
        pass: peakGrowth < RSS_BUDGET_MB,
        details: {
          perRound: growth.map((x) => round(x, 1)),
          rssBeforeMB: round(rssBase / MiB, 1),
          sampleMs: SAMPLE_MS,
          samples,
        },
      },
    ];
  } finally {
    await red?.stop();
    await emulator.close();
    removeTempDir(dir);
  }
}

if (require.main === module) {
  const args = Object.fromEntries(
    process.argv
      .slice(2)
      .map((a) => /^--([^=]+)=(.*)$/.exec(a))
      .filter(Boolean)
      .map((m) => [m![1], m![2]]),
  );
  runUnisoundUploadBench({
    sizeBytes: args.size ? parseSize(args.size) : undefined,
    rounds: args.rounds ? Number(args.rounds) : undefined,
  })
    .then((results) => {
      for (const r of results)
        console.log(
          `${r.pass ? 'PASS' : 'FAIL'} ${r.name}: ${r.ours} ${r.unit} vs ${r.baseline} (ratio ${r.ratio}, target ${r.target}) ${JSON.stringify(r.details)}`,
        );
      process.exitCode = results.every((r) => r.pass) ? 0 : 1;
    })
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}
