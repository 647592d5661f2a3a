/** One row of the benchmark table: ours against a baseline measured in the same run. */
export interface BenchResult {
  name: string;
  /** Unit of `ours` and `baseline`, e.g. 'req/s' or 'ms'. */
  unit: string;
  ours: number;
  baseline: number;
  /** ours / baseline. */
  ratio: number;
  /** Human-readable goal for the ratio, e.g. '≥ 1.00' or '< 1.20'. */
  target: string;
  pass: boolean;
  /** Everything else worth printing: per-round numbers, latencies, settings. */
  details: Record<string, unknown>;
}

export interface BenchOptions {
  /** Seconds per measured run. */
  seconds: number;
  /** Measured runs per side; sides alternate. */
  rounds: number;
  /** Print progress lines. */
  log: (line: string) => void;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
