/**
 * Segments → TranscriptEvents, shared by the JSON and protobuf readers.
 *
 * Since v7.2.3 one message may carry "a stabilized prefix segment and a segment that may still
 * change" (AgoraIO/docs-portal `…/process-transcription-data/parse-data.mdx`, JSON protocol data
 * structure; release notes v7.2.3): the settled segments become ONE final event, sent once per
 * sentence and segment, and the others ONE interim event, both with the sentence's identity
 * (`sentenceId` / `sentence_id` → `sentenceIndex`) so caption and format nodes replace the
 * interim line by the final one.
 */
import { TranscriptEvent, TranscriptWord, Translation } from '../../lib/transcript';
import { joinSegments } from './stt-text';

export interface Segment {
  text: string;
  final: boolean;
  /** ms, when the vendor sends the segment's own times (JSON `results[].offset/duration`). */
  start?: number;
  end?: number;
}

export interface TranslationPart {
  language: string;
  texts: string[];
  final: boolean;
}

/** Keys longer than this are cut: the memory stays bounded in bytes. */
const MAX_KEY_TEXT = 128;

/**
 * Which settled segments were already sent final, so a stable prefix that Agora repeats is not
 * sent twice. Bounded: the oldest keys go first once `max` are kept.
 */
export class SettledSegments {
  private readonly keys = new Set<string>();

  constructor(private readonly max = 512) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.keys.has(key)) return;
    if (this.keys.size >= this.max) this.keys.delete(this.keys.values().next().value as string);
    this.keys.add(key);
  }

  get size(): number {
    return this.keys.size;
  }
}

/** A sentence's identity for the memory, or undefined when the message carries none (pre-v7.2 shapes). */
export function sentenceKey(kind: string, speaker: string | undefined, sentenceId: unknown): string | undefined {
  if (typeof sentenceId !== 'number' && typeof sentenceId !== 'string') return undefined;
  if (sentenceId === 0 || sentenceId === '0' || sentenceId === '') return undefined;
  return `${kind}|${speaker ?? ''}|${sentenceId}`;
}

const cut = (s: string) => s.slice(0, MAX_KEY_TEXT);
const SETTLED = '|settled';

/** Whether the sentence has had a settled segment sent final. */
export function settledBefore(memory: SettledSegments | undefined, key: string | undefined): boolean {
  return !!memory && key !== undefined && memory.has(key + SETTLED);
}

function segmentWords(segments: Segment[]): TranscriptWord[] {
  // Only segments with their own documented times become timed entries: nothing is made up.
  return segments
    .filter((s) => s.start !== undefined)
    .map((s) => ({ text: s.text, start: s.start as number, end: s.end ?? (s.start as number) }));
}

/**
 * One final event for the new settled segments, one interim event for the rest. `base` makes a
 * fresh event carrying the message-level fields; `settledTiming` gives the final event its
 * start/end when the segments have none of their own.
 */
export function transcriptEvents(
  base: () => TranscriptEvent,
  segments: Segment[],
  language: string | undefined,
  memory: SettledSegments | undefined,
  key: string | undefined,
  settledTiming?: { start?: number; end?: number },
): TranscriptEvent[] {
  const out: TranscriptEvent[] = [];
  const settled = segments.filter((s) => s.final && s.text.trim() !== '');
  const fresh = settled.filter((s) => !seen(memory, key, `t|${s.start ?? ''}|${cut(s.text)}`));
  if (fresh.length) {
    out.push(segmentEvent(base(), fresh, true, language, settledTiming));
    for (const s of fresh) remember(memory, key, `t|${s.start ?? ''}|${cut(s.text)}`);
  }
  const interim = segments.filter((s) => !s.final && s.text.trim() !== '');
  if (interim.length) out.push(segmentEvent(base(), interim, false, language));
  return out;
}

function segmentEvent(
  e: TranscriptEvent,
  segments: Segment[],
  final: boolean,
  language: string | undefined,
  timing?: { start?: number; end?: number },
): TranscriptEvent {
  e.text = joinSegments(
    segments.map((s) => s.text),
    language,
  );
  e.final = final;
  e.words = segmentWords(segments);
  const first = segments[0].start;
  const last = segments[segments.length - 1];
  if (first !== undefined) {
    e.start = first;
    if (last.end !== undefined) e.end = last.end;
  } else if (timing?.start !== undefined) {
    e.start = timing.start;
    if (timing.end !== undefined) e.end = timing.end;
  }
  return e;
}

/**
 * Translation segments paired with the original's by finality: the settled translations and
 * settled original text make one final event, the rest one interim event.
 */
export function translationEvents(
  base: () => TranscriptEvent,
  parts: TranslationPart[],
  originals: Segment[],
  language: string | undefined,
  memory: SettledSegments | undefined,
  key: string | undefined,
  settledTiming?: { start?: number; end?: number },
): TranscriptEvent[] {
  const out: TranscriptEvent[] = [];
  for (const final of [true, false]) {
    let mine = parts.filter((p) => p.final === final && p.texts.some((t) => t.trim() !== ''));
    let originalsOf = originals.filter((s) => s.final === final && s.text.trim() !== '');
    if (final) {
      mine = mine.filter((p) => !seen(memory, key, `tr|${p.language}|${cut(p.texts.join(''))}`));
      originalsOf = originalsOf.filter((s) => !seen(memory, key, `o|${cut(s.text)}`));
    }
    const translations = groupTranslations(mine);
    if (!translations.length) continue;
    const e = base();
    e.translations = translations;
    e.final = final;
    if (originalsOf.length) {
      e.text = joinSegments(
        originalsOf.map((s) => s.text),
        language,
      );
      e.words = segmentWords(originalsOf);
    }
    if (final && settledTiming?.start !== undefined) {
      e.start = settledTiming.start;
      if (settledTiming.end !== undefined) e.end = settledTiming.end;
    }
    if (final) {
      for (const p of mine) remember(memory, key, `tr|${p.language}|${cut(p.texts.join(''))}`);
      for (const s of originalsOf) remember(memory, key, `o|${cut(s.text)}`);
    }
    out.push(e);
  }
  return out;
}

/** Segments of one target language become one translation, final when all of them are. */
export function groupTranslations(parts: TranslationPart[]): Translation[] {
  const byLanguage = new Map<string, { texts: string[]; final: boolean }>();
  for (const p of parts) {
    const entry = byLanguage.get(p.language);
    if (entry) {
      entry.texts.push(...p.texts);
      entry.final = entry.final && p.final;
    } else {
      byLanguage.set(p.language, { texts: [...p.texts], final: p.final });
    }
  }
  return [...byLanguage].map(([language, { texts, final }]) => ({
    language,
    text: joinSegments(texts, language),
    final,
  }));
}

function seen(memory: SettledSegments | undefined, key: string | undefined, what: string): boolean {
  return !!memory && key !== undefined && memory.has(`${key}|${what}`);
}

function remember(memory: SettledSegments | undefined, key: string | undefined, what: string): void {
  if (!memory || key === undefined) return;
  memory.add(`${key}|${what}`);
  memory.add(key + SETTLED);
}

/** Marks a sentence settled (a follow-up's text sent final). */
export function markSettled(memory: SettledSegments | undefined, key: string | undefined): void {
  if (memory && key !== undefined) memory.add(key + SETTLED);
}
