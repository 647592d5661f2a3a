/**
 * Benchmark 3: Node-RED start-up time (spawn to the "Started flows" log line) with
 * the package installed (linked into the user directory, as `npm link` would) and
 * without, same settings and empty flows; median of N starts each, alternating,
 * after one unmeasured start of each.
 */
import { createUserDir, linkPackage, startNodeRed, UserDir } from '../e2e/node-red-process';
import { BenchOptions, BenchResult, median, round } from './types';

export interface StartupOptions extends BenchOptions {
  /** Measured starts per side. */
  starts: number;
}

async function timeStart(userDir: UserDir): Promise<{ ms: number; nodeSets: number }> {
  let startedAt = 0;
  const t0 = process.hrtime.bigint();
  const red = await startNodeRed(userDir, {
    removeUserDirOnStop: false,
    handleSignals: true,
    echo: (line) => {
      if (!startedAt && /Started flows/.test(line)) startedAt = Number(process.hrtime.bigint() - t0) / 1e6;
    },
  });
  try {
    if (!startedAt) await red.waitForLine(/Started flows/, 30000);
    const sets = await red.nodeSets();
    return { ms: startedAt || Number(process.hrtime.bigint() - t0) / 1e6, nodeSets: sets.length };
  } finally {
    await red.stop();
  }
}

export async function startup(opts: StartupOptions): Promise<BenchResult[]> {
  const without = await createUserDir();
  const withPkg = await createUserDir();
  linkPackage(withPkg.dir);
  try {
    const times: Record<'with' | 'without', number[]> = { with: [], without: [] };
    const sets: Record<'with' | 'without', number> = { with: 0, without: 0 };
    const dirs = { with: withPkg, without };
    opts.log('  warm-up: one start each');
    for (const side of ['without', 'with'] as const) sets[side] = (await timeStart(dirs[side])).nodeSets;
    for (let i = 0; i < opts.starts; i++) {
      const order = i % 2 ? (['with', 'without'] as const) : (['without', 'with'] as const);
      for (const side of order) {
        const r = await timeStart(dirs[side]);
        times[side].push(r.ms);
        opts.log(`  start ${i + 1} ${side} the package: ${Math.round(r.ms)} ms`);
      }
    }
    const ours = median(times.with);
    const baseline = median(times.without);
    const ratio = ours / baseline;
    return [
      {
        name: 'start-up: Node-RED with the package vs without',
        unit: 'ms',
        ours: round(ours, 0),
        baseline: round(baseline, 0),
        ratio: round(ratio),
        target: '< 1.20',
        pass: ratio < 1.2 && sets.with > sets.without,
        details: {
          startsMs: { with: times.with.map(Math.round), without: times.without.map(Math.round) },
          nodeSetsLoaded: sets,
          measured: 'spawn of red.js to the "Started flows" line, empty flows',
        },
      },
    ];
  } finally {
    without.remove();
    withPkg.remove();
  }
}
