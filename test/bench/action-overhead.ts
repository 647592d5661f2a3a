/**
 * Benchmark 2: msgs per second completing through an action node (the query node)
 * against the vendor emulator, against a bare loop of signed axios calls to the
 * same emulator, at the same concurrency, in the same process, alternating runs.
 *
 * The vendor limit (Alibaba: 20 requests/s per AccessKey) would make both sides
 * equal by construction, so both run without it: the emulator gets a high
 * `ratePerSecond`, and the product's limiter is raised for this process only by
 * wrapping RateLimiterRegistry.prototype.for (the config node's rateLimit setting
 * allows at most 1000). The limiter code still runs; it just never makes anyone wait.
 */
import http from 'http';
import axios, { AxiosInstance } from 'axios';
import { ALL_NODES, helper, tab } from '../nodes/harness';
import { RateLimiter, RateLimiterRegistry } from '../../nodes/lib/rate-limit';
import { API_VERSION } from '../../nodes/vendors/aliyun-live/client';
import { canonicalQuery, EMPTY_BODY_SHA256, isoSeconds, newNonce, signV3 } from '../../nodes/vendors/aliyun/signature';
import { ACTION_CASES, ActionCase, EmulatorLike, Msg, removeHarnessSpies, Secrets } from '../reliability/kit';
import { BenchOptions, BenchResult, median, round } from './types';

export interface ActionOverheadOptions extends BenchOptions {
  concurrency: number;
  warmupSeconds: number;
}

/** One entry per action node measured: the node, and the same call made bare. */
export interface ActionBench {
  action: ActionCase;
  /** A bare client for the same call: returns one function that makes one call. */
  bare(emulatorUrl: string, secrets: Secrets, msg: Msg, agent: http.Agent): () => Promise<void>;
}

/** QueryRtcAsrTasks by TaskId, V3-signed exactly as the product signs it, over a keep-alive axios. */
function aliyunQueryBare(url: string, secrets: Secrets, msg: Msg, agent: http.Agent): () => Promise<void> {
  const host = new URL(url).host;
  // maxRedirects 0 as the product does: axios then skips the follow-redirects wrapper, the fastest way it can call.
  const client: AxiosInstance = axios.create({
    baseURL: url,
    httpAgent: agent,
    timeout: 10000,
    maxRedirects: 0,
    responseType: 'text',
    transformResponse: [(d: unknown) => d],
    validateStatus: () => true,
    proxy: false,
  });
  const params = { RegionId: 'cn-shanghai', TaskId: String(msg.taskId) };
  const query = canonicalQuery(params);
  return async () => {
    const headers: Record<string, string> = {
      host,
      'x-acs-action': 'QueryRtcAsrTasks',
      'x-acs-version': API_VERSION,
      'x-acs-date': isoSeconds(Date.now()),
      'x-acs-signature-nonce': newNonce(),
      'x-acs-content-sha256': EMPTY_BODY_SHA256,
    };
    const authorization = signV3({
      method: 'POST',
      pathname: '/',
      query: params,
      headers,
      payloadSha256: EMPTY_BODY_SHA256,
      accessKeyId: secrets.keyId,
      accessKeySecret: secrets.secret,
    });
    const res = await client.post(`/?${query}`, undefined, {
      headers: { ...headers, authorization, accept: 'application/json' },
    });
    const body = JSON.parse(res.data as string);
    if (res.status !== 200 || body.RetCode !== 2000) throw new Error(`bare call failed: ${res.status} ${res.data}`);
  };
}

export const ACTION_BENCHES: ActionBench[] = [
  { action: ACTION_CASES.find((c) => c.name === 'aliyun-live-asr-query')!, bare: aliyunQueryBare },
];

let limiterRaised = false;
/**
 * Bench-only: every limiter the product creates from now on never makes a caller
 * wait. (The config node's `rateLimit` setting stops at 1000 per 1.1 s, below what
 * both sides reach here.)
 */
function raiseProductRateLimit(): void {
  if (limiterRaised) return;
  limiterRaised = true;
  const original = RateLimiterRegistry.prototype.for as (this: RateLimiterRegistry, ...args: unknown[]) => RateLimiter;
  (RateLimiterRegistry.prototype as unknown as { for: (...args: unknown[]) => RateLimiter }).for = function (
    this: RateLimiterRegistry,
    ...args: unknown[]
  ): RateLimiter {
    const limiter = original.apply(this, args);
    (limiter as { limit: number }).limit = Number.MAX_SAFE_INTEGER;
    return limiter;
  };
}

/** Keeps `concurrency` calls in flight for `seconds`; returns completed calls per second. */
async function closedLoop(
  call: () => Promise<void>,
  concurrency: number,
  seconds: number,
): Promise<{ rps: number; errors: number }> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  const lane = async (): Promise<void> => {
    while (Date.now() < end) {
      try {
        await call();
        done++;
      } catch {
        errors++;
      }
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { rps: done / ((Date.now() - t0) / 1000), errors };
}

/** The same closed loop through the node: each msg out (or error) lets the next one in. */
function nodeLoop(concurrency: number, seconds: number, msg: () => Msg): Promise<{ rps: number; errors: number }> {
  return new Promise((resolve) => {
    const end = Date.now() + seconds * 1000;
    let done = 0;
    let errors = 0;
    let inFlight = 0;
    const t0 = Date.now();
    const next = (): void => {
      if (Date.now() < end) {
        inFlight++;
        helper.getNode('act').receive(msg());
      } else if (inFlight === 0) {
        finish();
      }
    };
    const finish = (): void => {
      helper.getNode('out').removeAllListeners('input');
      helper.getNode('errors').removeAllListeners('input');
      resolve({ rps: done / ((Date.now() - t0) / 1000), errors });
    };
    const settle = (ok: boolean): void => {
      inFlight--;
      if (ok) done++;
      else errors++;
      next();
    };
    helper.getNode('out').on('input', () => settle(true));
    helper.getNode('errors').on('input', () => settle(false));
    for (let i = 0; i < concurrency; i++) next();
  });
}

export async function actionOverhead(opts: ActionOverheadOptions): Promise<BenchResult[]> {
  raiseProductRateLimit();
  const results: BenchResult[] = [];
  for (const b of ACTION_BENCHES) {
    const kit = b.action.kit;
    const emu: EmulatorLike = await kit.startEmulator({ ratePerSecond: 1e9 });
    const server = (emu as unknown as { server: http.Server }).server;
    let connections = 0;
    server.on('connection', () => connections++);
    const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
    await helper.startServer();
    try {
      await helper.load(
        ALL_NODES,
        tab([kit.configNode(emu.url, { timeoutS: 10, maxRetries: 0 }), b.action.node()]),
        kit.credentials(kit.defaultSecrets),
      );
      // The test helper wraps every node's send/status/log in sinon spies: measure the node, not them.
      removeHarnessSpies();
      // Each run starts from a fresh emulator state (request log, nonce store, rate window) and task.
      const fresh = (): { msg: Msg; bare: () => Promise<void> } => {
        emu.reset();
        const msg = b.action.validMsg(emu);
        return { msg, bare: b.bare(emu.url, kit.defaultSecrets, msg, agent) };
      };
      const sides = {
        ours: () => {
          const { msg } = fresh();
          return nodeLoop(opts.concurrency, opts.seconds, () => ({ ...msg }));
        },
        bare: () => closedLoop(fresh().bare, opts.concurrency, opts.seconds),
      };
      opts.log(`  ${b.action.name}: warm-up ${opts.warmupSeconds} s each`);
      const warm = fresh();
      await nodeLoop(opts.concurrency, opts.warmupSeconds, () => ({ ...warm.msg }));
      await closedLoop(warm.bare, opts.concurrency, opts.warmupSeconds);
      const runs: Record<'ours' | 'bare', Array<{ rps: number; errors: number; connections: number }>> = {
        ours: [],
        bare: [],
      };
      for (let i = 0; i < opts.rounds; i++) {
        const order: Array<'ours' | 'bare'> = i % 2 ? ['bare', 'ours'] : ['ours', 'bare'];
        for (const side of order) {
          connections = 0;
          const r = await sides[side]();
          runs[side].push({ ...r, connections });
          opts.log(
            `  ${b.action.name} round ${i + 1} ${side}: ${Math.round(r.rps)} msgs/s, ${connections} new connections${r.errors ? `, ${r.errors} errors` : ''}`,
          );
        }
      }
      const ours = median(runs.ours.map((r) => r.rps));
      const bareRps = median(runs.bare.map((r) => r.rps));
      const ratio = ours / bareRps;
      const errors = [...runs.ours, ...runs.bare].reduce((n, r) => n + r.errors, 0);
      const reused = runs.ours.every((r) => r.connections <= opts.concurrency);
      results.push({
        name: `action overhead: ${b.action.name} vs bare signed axios loop`,
        unit: 'msgs/s',
        ours: round(ours, 0),
        baseline: round(bareRps, 0),
        ratio: round(ratio),
        target: '≥ 0.80',
        pass: ratio >= 0.8 && errors === 0 && reused,
        details: {
          rounds: { ours: runs.ours.map((r) => Math.round(r.rps)), bare: runs.bare.map((r) => Math.round(r.rps)) },
          newConnectionsPerRun: {
            ours: runs.ours.map((r) => r.connections),
            bare: runs.bare.map((r) => r.connections),
          },
          keepAlive: reused
            ? `yes (≤ ${opts.concurrency} connections per run)`
            : 'NO: more connections than concurrent requests',
          errors,
          concurrency: opts.concurrency,
          secondsPerRun: opts.seconds,
          rateLimit: 'raised for the benchmark (emulator ratePerSecond 1e9; product limiter wrapped)',
        },
      });
    } finally {
      await helper.unload();
      await helper.stopServer();
      agent.destroy();
      await emu.close();
    }
  }
  return results;
}
