export type Rand = (n: number) => number;

/**
 * mulberry32: integer-exact in JS (a float LCG's low bits stick) and
 * deterministic, so any failing input can be replayed from its seed.
 * Returns a function giving a whole number in [0, n).
 */
export function mulberry32(seed: number): Rand {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n) | 0;
  };
}
