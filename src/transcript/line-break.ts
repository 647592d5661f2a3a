import { Token } from './tokens';

/** Token lengths with the spaces that join them, for O(1) line lengths. */
export class Measure {
  private readonly prefix: number[];
  private readonly spaces: number[];

  constructor(readonly tokens: Token[]) {
    this.prefix = [0];
    this.spaces = [0];
    for (let i = 0; i < tokens.length; i++) {
      this.prefix.push(this.prefix[i] + Array.from(tokens[i].text).length);
      this.spaces.push(this.spaces[i] + (i > 0 && tokens[i].spaced ? 1 : 0));
    }
  }

  /** Characters of tokens [from, to) on one line, spaces included. */
  length(from: number, to: number): number {
    if (to <= from) return 0;
    return this.prefix[to] - this.prefix[from] + this.spaces[to] - this.spaces[from + 1];
  }

  /** Characters without spaces: what a reader reads. */
  visible(from: number, to: number): number {
    return this.prefix[to] - this.prefix[from];
  }

  /** Whether tokens [from, to) fit on `maxLines` lines of `maxLength` (greedy fill needs the fewest lines). */
  fits(from: number, to: number, maxLength: number, maxLines: number): boolean {
    let lines = 1;
    let lineStart = from;
    for (let i = from; i < to; i++) {
      if (this.length(lineStart, i + 1) > maxLength) {
        if (i === lineStart) return false;
        lines++;
        lineStart = i;
        if (lines > maxLines) return false;
      }
    }
    return true;
  }
}

const BREAK_WEIGHT = 10;
const LINE_COST = 1000;

/**
 * Lays tokens [from, to) on at most `maxLines` lines of at most `maxLength` characters:
 * as few lines as possible, then the best break points (after punctuation, before a
 * conjunction or preposition, never between an article and its noun), then lines of
 * similar length. Returns the [start, end) token range of each line, or null when the
 * tokens do not fit.
 */
export function breakLines(
  m: Measure,
  from: number,
  to: number,
  maxLength: number,
  maxLines: number,
): Array<[number, number]> | null {
  const n = to - from;
  if (n <= 0) return [];
  if (m.length(from, to) <= maxLength) return [[from, to]];
  // cost[l][i]: best cost to lay tokens [from, from+i) on exactly l lines.
  const cost: number[][] = [];
  const back: number[][] = [];
  for (let l = 0; l <= maxLines; l++) {
    cost.push(new Array(n + 1).fill(Infinity));
    back.push(new Array(n + 1).fill(-1));
  }
  cost[0][0] = 0;
  for (let l = 1; l <= maxLines; l++) {
    for (let i = 1; i <= n; i++) {
      for (let k = i - 1; k >= 0; k--) {
        const len = m.length(from + k, from + i);
        if (len > maxLength) break;
        if (cost[l - 1][k] === Infinity) continue;
        const slack = maxLength - len;
        const breakPenalty = i < n ? -m.tokens[from + i - 1].breakAfter * BREAK_WEIGHT : 0;
        const c = cost[l - 1][k] + LINE_COST + breakPenalty + (slack * slack) / maxLength;
        if (c < cost[l][i]) {
          cost[l][i] = c;
          back[l][i] = k;
        }
      }
    }
  }
  let bestL = -1;
  for (let l = 1; l <= maxLines; l++)
    if (cost[l][n] < Infinity && (bestL < 0 || cost[l][n] < cost[bestL][n])) bestL = l;
  if (bestL < 0) return null;
  const lines: Array<[number, number]> = [];
  for (let l = bestL, i = n; l > 0; l--) {
    const k = back[l][i];
    lines.unshift([from + k, from + i]);
    i = k;
  }
  return lines;
}
