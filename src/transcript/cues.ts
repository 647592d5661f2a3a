import { TranscriptWord } from '../lib/transcript';
import { cleanLine } from './clean';
import { Sentence } from './input';
import { breakLines, Measure } from './line-break';
import { FormatOptions } from './options';
import { PlacedSentence, Timeline } from './timeline';
import { isCjk, joinTokens, normalizeText, tokenize } from './tokens';

export interface Cue {
  /** 1-based, in time order. */
  index: number;
  /** ms */
  start: number;
  end: number;
  /** The cue's text broken into lines (without the speaker label). */
  lines: string[];
  text: string;
  speaker?: string;
  /** Index of the sentence in the input it came from. */
  sentence: number;
}

/** A sentence's text in the chosen language: the original, or that translation (undefined when it has none). */
export function textIn(s: Sentence, language: string): string | undefined {
  if (!language) return s.text;
  const lang = language.toLowerCase();
  const translation = s.translations?.find((t) => t.language.toLowerCase() === lang);
  if (translation) return translation.text;
  if (s.language && s.language.toLowerCase() === lang) return s.text;
  return undefined;
}

/** Cues from final sentences, in time order, timed as subtitle practice asks. */
export function buildCues(sentences: Sentence[], o: FormatOptions): Cue[] {
  const timeline = new Timeline();
  const raw: Cue[] = [];
  sentences.forEach((s, i) => raw.push(...sentenceCues(s, timeline.place(s), i, o)));
  return arrangeCues(raw, o);
}

/**
 * One sentence as one or more cues: split where its text does not fit `maxLines` lines or
 * its time is over `maxDuration`, at the best break points, each piece given the time of
 * its words when word times match the text, else a share of the sentence time by characters.
 */
export function sentenceCues(s: Sentence, placed: PlacedSentence, sentence: number, o: FormatOptions): Cue[] {
  const given = textIn(s, o.language);
  if (given === undefined) return [];
  // Cleaned before anything is measured, so cue text is what the file holds.
  const text = cleanLine(given);
  if (normalizeText(text) === '') return [];
  const maxLength = isCjk(text) ? o.maxLineLengthCjk : o.maxLineLength;
  const tokens = tokenize(text, maxLength);
  const m = new Measure(tokens);
  const duration = placed.end - placed.start;
  const total = m.length(0, tokens.length);
  let pieces = Math.max(1, Math.ceil(duration / o.maxDuration), Math.ceil(total / (maxLength * o.maxLines)));
  const timeAt = boundaryTimes(
    tokens.map((t) => t.text),
    text,
    placed,
  );
  const cues: Cue[] = [];
  let from = 0;
  while (from < tokens.length) {
    const to = pieceEnd(m, from, pieces - cues.length, maxLength, o.maxLines);
    const lines = breakLines(m, from, to, maxLength, o.maxLines) ?? [[from, to]];
    const startAt = timeAt(from, 'start');
    const endAt = timeAt(to, 'end');
    cues.push({
      index: 0,
      start: startAt,
      end: Math.max(endAt, startAt),
      lines: lines.map(([a, b]) => joinTokens(tokens, a, b)),
      text: '',
      speaker: s.speaker === undefined ? undefined : cleanLine(s.speaker).replace(/\s+/g, ' ').trim() || undefined,
      sentence,
    });
    if (cues.length >= pieces && to < tokens.length) pieces++;
    from = to;
  }
  for (const c of cues) c.text = c.lines.join('\n');
  return cues;
}

const BREAK_WEIGHT = 10;
const BALANCE_WEIGHT = 15;

/** Where the piece starting at `from` should end, aiming at an even share of what is left over `left` pieces. */
function pieceEnd(m: Measure, from: number, left: number, maxLength: number, maxLines: number): number {
  const n = m.tokens.length;
  if (left <= 1 && m.fits(from, n, maxLength, maxLines)) return n;
  const ideal = Math.max(1, m.length(from, n) / Math.max(1, left));
  let best = from + 1;
  let bestScore = -Infinity;
  for (let to = from + 1; to <= n; to++) {
    if (!m.fits(from, to, maxLength, maxLines)) break;
    if (to === n && left > 1) break;
    const len = m.length(from, to);
    const score = m.tokens[to - 1].breakAfter * BREAK_WEIGHT - (Math.abs(len - ideal) / ideal) * BALANCE_WEIGHT;
    if (score > bestScore) {
      bestScore = score;
      best = to;
    }
  }
  return best;
}

const STRIP = /[\s\p{P}\p{S}]/gu;
const stripped = (s: string): number => s.replace(STRIP, '').length;

/**
 * The time at a token boundary. With word times whose text matches the sentence
 * (ignoring spaces and punctuation), a piece starts at its first word's start and ends at
 * its last word's end; otherwise time is shared by visible characters.
 */
function boundaryTimes(
  tokens: string[],
  text: string,
  placed: PlacedSentence,
): (at: number, side: 'start' | 'end') => number {
  const offsets: number[] = [0];
  for (const t of tokens) offsets.push(offsets[offsets.length - 1] + stripped(t));
  const total = offsets[offsets.length - 1];
  const { start, end, words } = placed;
  const wordsMatch =
    words.length > 0 && words.reduce((n, w) => n + stripped(w.text), 0) === stripped(text) && total === stripped(text);
  const clamp = (t: number) => Math.min(end, Math.max(start, t));
  if (!wordsMatch || total === 0) {
    return (at) =>
      at <= 0
        ? start
        : at >= tokens.length
          ? end
          : Math.round(start + ((end - start) * offsets[at]) / Math.max(1, total));
  }
  const wordStart: number[] = [];
  let acc = 0;
  for (const w of words) {
    wordStart.push(acc);
    acc += stripped(w.text);
  }
  return (at, side) => {
    if (at <= 0) return start;
    if (at >= tokens.length) return end;
    const c = offsets[at];
    let wi = wordStart.length - 1;
    while (wi > 0 && (wordStart[wi] > c || stripped(words[wi].text) === 0)) wi--;
    const w: TranscriptWord = words[wi];
    const len = stripped(w.text);
    if (c === wordStart[wi] && wi > 0) return clamp(side === 'end' ? words[wi - 1].end : w.start);
    return clamp(Math.round(w.start + ((w.end - w.start) * (c - wordStart[wi])) / Math.max(1, len)));
  };
}

/**
 * Times cues for reading: each starts at least `minGap` after the one before, lasts at
 * least `minDuration` and long enough to read at `maxCps` (extended only into the gap
 * before the next cue, never over it), and at most `maxDuration`. Numbers them from
 * `firstIndex`. `previousEnd` is the end of a cue already emitted before these.
 */
export function arrangeCues(cues: Cue[], o: FormatOptions, firstIndex = 1, previousEnd?: number): Cue[] {
  const sorted = cues
    .map((c, i) => ({ c, i }))
    .sort((a, b) => a.c.start - b.c.start || a.i - b.i)
    .map((x) => x.c);
  let prevEnd = previousEnd;
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted[i];
    const next = sorted[i + 1];
    const start = prevEnd === undefined ? c.start : Math.max(c.start, prevEnd + o.minGap);
    const rawEnd = Math.max(c.end, start);
    const readable = Math.min(
      o.maxDuration,
      Math.max(o.minDuration, (c.text.replace(/\s+/g, '').length * 1000) / o.maxCps),
    );
    let end = Math.min(start + o.maxDuration, Math.max(rawEnd, start + readable));
    const limit = next ? next.start - o.minGap : Infinity;
    if (end > limit) end = limit - start >= o.minDuration ? limit : Math.max(limit, Math.min(end, rawEnd));
    end = Math.max(end, start + 1);
    c.start = Math.round(start);
    c.end = Math.round(end);
    if (c.end <= c.start) c.end = c.start + 1;
    c.index = firstIndex + i;
    prevEnd = c.end;
  }
  return sorted;
}
