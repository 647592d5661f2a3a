/**
 * Benchmark 1: signed vendor callbacks per second through each callback node
 * (verification, parsing, one message out) against Node-RED's own
 * `http in` → `http response` receiving the same bodies, in the same Node-RED
 * process (a real `node red.js` child), both loaded over loopback by autocannon
 * with the same connections, alternating runs after a warm-up.
 */
import { startNodeRedInstance, NodeRedProcess } from '../e2e/node-red-process';
import { CALLBACK_CASES, CallbackCase, Msg } from '../reliability/kit';
import { BenchOptions, BenchResult, median, round } from './types';

// autocannon ships no type definitions.

const autocannon = require('autocannon');

export interface CallbackThroughputOptions extends BenchOptions {
  connections: number;
  warmupSeconds: number;
  /** '/' as in a stock install (the admin app then parses every JSON body first), or e.g. '/admin'. */
  httpAdminRoot: string;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

const CORE_PATH = '/bench/core';

/** Gives every node id in `nodes` a prefix, and every reference to one of those ids. */
function prefixIds(nodes: Msg[], prefix: string): Msg[] {
  const ids = new Set(nodes.map((n) => n.id));
  const fix = (v: unknown): unknown => {
    if (typeof v === 'string' && ids.has(v)) return `${prefix}${v}`;
    if (Array.isArray(v)) return v.map(fix);
    return v;
  };
  return nodes.map((n) => Object.fromEntries(Object.entries(n).map(([k, v]) => [k, k === 'credentials' ? v : fix(v)])));
}

function load(
  url: string,
  next: () => { headers: Record<string, string>; body: string },
  seconds: number,
  connections: number,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        connections,
        duration: seconds,
        timeout: 10,
        requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, ...next() }) }],
      },
      (err: Error | null, r: any) => {
        if (err) return reject(err);
        resolve({
          rps: r['2xx'] / r.duration,
          p50: r.latency.p50,
          p99: r.latency.p99,
          non2xx: r.non2xx,
          errors: r.errors + r.timeouts,
        });
      },
    );
  });
}

export async function callbackThroughput(opts: CallbackThroughputOptions): Promise<BenchResult[]> {
  const red: NodeRedProcess = await startNodeRedInstance({ install: 'link', httpAdminRoot: opts.httpAdminRoot });
  try {
    const tab = { id: 'bench', type: 'tab', label: 'bench' };
    const flows: Msg[] = [
      tab,
      {
        id: 'coreIn',
        type: 'http in',
        z: 'bench',
        name: '',
        url: CORE_PATH,
        method: 'post',
        upload: false,
        swaggerDoc: '',
        x: 100,
        y: 40,
        wires: [['coreRes']],
      },
      {
        id: 'coreRes',
        type: 'http response',
        z: 'bench',
        name: '',
        statusCode: '',
        headers: {},
        x: 300,
        y: 40,
        wires: [],
      },
    ];
    const targets: Array<{ c: CallbackCase; path: string; callbackUrl: string; secret: string }> = [];
    CALLBACK_CASES.forEach((c, i) => {
      const path = `/bench/cb${i}`;
      const callbackUrl = `https://hooks.example.com${path}`;
      const secret = `bench-secret-${i}`;
      // One message out, to a node that does nothing with it: the core route has one hop too.
      const sink = {
        id: `sink${i}`,
        type: 'debug',
        z: 'bench',
        active: false,
        tosidebar: false,
        console: false,
        complete: 'payload',
        x: 500,
        y: 100 + 60 * i,
        wires: [],
      };
      const nodes = prefixIds(c.deployable(path, callbackUrl, secret, [[sink.id]]), `c${i}_`).map((n) =>
        n.type.endsWith('-config') ? n : { ...n, z: 'bench', x: 300, y: 100 + 60 * i },
      );
      flows.push(...nodes, sink);
      targets.push({ c, path, callbackUrl, secret });
    });
    await red.deploy(flows);
    await new Promise((r) => setTimeout(r, 500));

    const results: BenchResult[] = [];
    for (const t of targets) {
      const ours = t.c.requests(t.callbackUrl, t.secret);
      const core = t.c.requests(t.callbackUrl, t.secret);
      const sides = {
        ours: () => load(`${red.url}${t.path}`, ours, opts.seconds, opts.connections),
        core: () => load(`${red.url}${CORE_PATH}`, core, opts.seconds, opts.connections),
      };
      opts.log(`  ${t.c.name}: warm-up ${opts.warmupSeconds} s each`);
      await load(`${red.url}${t.path}`, ours, opts.warmupSeconds, opts.connections);
      await load(`${red.url}${CORE_PATH}`, core, opts.warmupSeconds, opts.connections);
      const runs: Record<'ours' | 'core', Run[]> = { ours: [], core: [] };
      for (let i = 0; i < opts.rounds; i++) {
        const order: Array<'ours' | 'core'> = i % 2 ? ['core', 'ours'] : ['ours', 'core'];
        for (const side of order) {
          const r = await sides[side]();
          runs[side].push(r);
          opts.log(
            `  ${t.c.name} round ${i + 1} ${side}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.non2xx || r.errors ? `, ${r.non2xx} non-2xx, ${r.errors} errors` : ''}`,
          );
        }
      }
      const oursRps = median(runs.ours.map((r) => r.rps));
      const coreRps = median(runs.core.map((r) => r.rps));
      const ratio = oursRps / coreRps;
      const failures = [...runs.ours, ...runs.core].reduce((n, r) => n + r.non2xx + r.errors, 0);
      results.push({
        name: `callback throughput: ${t.c.name} vs http in → http response`,
        unit: 'req/s',
        ours: round(oursRps, 0),
        baseline: round(coreRps, 0),
        ratio: round(ratio),
        target: '≥ 1.00',
        pass: ratio >= 1.0 && failures === 0,
        details: {
          p99Ms: { ours: median(runs.ours.map((r) => r.p99)), core: median(runs.core.map((r) => r.p99)) },
          p50Ms: { ours: median(runs.ours.map((r) => r.p50)), core: median(runs.core.map((r) => r.p50)) },
          rounds: { ours: runs.ours.map((r) => Math.round(r.rps)), core: runs.core.map((r) => Math.round(r.rps)) },
          // Below 1 when the node slows down as the process runs (the core route is the control).
          lastOverFirstRound: {
            ours: round(runs.ours[runs.ours.length - 1].rps / runs.ours[0].rps),
            core: round(runs.core[runs.core.length - 1].rps / runs.core[0].rps),
          },
          non2xxOrErrors: failures,
          connections: opts.connections,
          secondsPerRun: opts.seconds,
          httpAdminRoot: opts.httpAdminRoot,
        },
      });
    }
    const errors = red.grep(/\[error\]/);
    if (errors.length) opts.log(`  Node-RED logged errors:\n    ${errors.slice(0, 5).join('\n    ')}`);
    return results;
  } finally {
    await red.stop();
  }
}
