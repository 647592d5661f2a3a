/** The busiest window of `windowMs` over start times (any order): how many it holds, and where it begins. */
export function busiestWindow(times: number[], windowMs: number): { count: number; at: number } {
  const t = [...times].sort((x, y) => x - y);
  let best = { count: 0, at: 0 };
  for (let hi = 0, lo = 0; hi < t.length; hi++) {
    while (t[hi] - t[lo] >= windowMs) lo++;
    if (hi - lo + 1 > best.count) best = { count: hi - lo + 1, at: t[lo] };
  }
  return best;
}

/** The most start times inside any window of `windowMs`: what a "N per window" promise bounds. */
export function busiest(times: number[], windowMs: number): number {
  return busiestWindow(times, windowMs).count;
}
