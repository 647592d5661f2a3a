import { TranscriptWord } from '../lib/transcript';
import { Sentence } from './input';
import { isCjk, visibleLength } from './tokens';

/** Speaking rates for sentences that carry no times: about 15 characters a second, 5 for CJK. */
const SPOKEN_CPS = 15;
const SPOKEN_CPS_CJK = 5;
const MIN_ESTIMATE_MS = 1000;
/** Times above this (1973 in epoch ms) are wall-clock stamps, not offsets into the audio. */
const EPOCH_THRESHOLD = 1e11;

export interface PlacedSentence {
  start: number;
  end: number;
  /** Word times in the same timeline, in order; empty when the sentence had none usable. */
  words: TranscriptWord[];
}

/** How long a sentence of this text takes to say, for sentences without times. */
export function estimateMs(text: string): number {
  const rate = isCjk(text) ? SPOKEN_CPS_CJK : SPOKEN_CPS;
  return Math.max(MIN_ESTIMATE_MS, Math.round((visibleLength(text) / rate) * 1000));
}

/**
 * Gives each sentence a start and an end, in order:
 * `start`/`end` when given; else the first and last word times; else `time` (the end of
 * the audio heard for Alibaba, whose `time` at SentenceEnd is that; the segment start for
 * other vendors); else the previous sentence's end plus an estimate from the text length.
 * Wall-clock times (epoch ms) are made relative to the first one seen.
 */
export class Timeline {
  private origin: number | undefined;
  private previousEnd = 0;

  place(s: Sentence): PlacedSentence {
    const words = usableWords(s.words);
    const firstTime = s.start ?? words[0]?.start ?? s.time ?? s.end;
    if (this.origin === undefined && firstTime !== undefined && firstTime > EPOCH_THRESHOLD) this.origin = firstTime;
    const shift = (t: number | undefined): number | undefined =>
      t === undefined ? undefined : this.origin !== undefined && t > EPOCH_THRESHOLD ? Math.max(0, t - this.origin) : t;
    const shiftedWords =
      this.origin === undefined ? words : words.map((w) => ({ ...w, start: shift(w.start)!, end: shift(w.end)! }));
    const time = shift(s.time);
    const timeIsEnd = s.vendor === 'aliyun';
    const estimate = estimateMs(s.text);
    let end = shift(s.end) ?? shiftedWords[shiftedWords.length - 1]?.end ?? (timeIsEnd ? time : undefined);
    let start = shift(s.start) ?? shiftedWords[0]?.start ?? (timeIsEnd ? undefined : time);
    if (start === undefined) start = end !== undefined ? Math.max(this.previousEnd, end - estimate) : this.previousEnd;
    if (end === undefined || end <= start) end = start + estimate;
    this.previousEnd = end;
    return { start, end, words: shiftedWords };
  }
}

function usableWords(words: TranscriptWord[]): TranscriptWord[] {
  if (!words.length) return words;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w.end < w.start || (i > 0 && w.start < words[i - 1].start)) return [];
  }
  return words;
}
