import { randomBytes } from 'crypto';
import { isPlainObject } from '../../lib/merge';
import { boundSentence, cutUtf8, SENTENCE_LIMITS } from '../bounds';
import { Sentence } from '../input';

/** One sentence as the page shows it: replaced in place until it is final. */
export interface CaptionLine {
  /** The sentence's number in its room. */
  n: number;
  text: string;
  final: boolean;
  speaker?: string;
  /** Translations by language code. */
  tr?: Record<string, string>;
}

/** What a transcript event says about the sentence on screen. */
export interface CaptionUpdate {
  text: string;
  final: boolean;
  sentenceIndex?: number;
  speaker?: string;
  tr?: Record<string, string>;
  /** The final sentence for the session files. */
  sentence?: Sentence;
}

export interface RoomLimits {
  /** Sentences kept for late joiners. */
  history: number;
  /** Frames kept for replay to a viewer that reconnects with Last-Event-ID. */
  replay: number;
  /** Final sentences kept for captions.vtt/.srt; later ones are counted, not kept. */
  maxSentences: number;
  /** Bytes of the lines kept for late joiners (the oldest go first; the newest always stays). */
  maxHistoryBytes?: number;
  /** Bytes of the frames kept for replay (the oldest go first). */
  maxReplayBytes?: number;
  /** Bytes of final sentences kept for captions.vtt/.srt; later ones are counted, not kept. */
  maxSentenceBytes?: number;
}

export const ROOM_BYTE_LIMITS: Required<Pick<RoomLimits, 'maxHistoryBytes' | 'maxReplayBytes' | 'maxSentenceBytes'>> = {
  maxHistoryBytes: 256 * 1024,
  maxReplayBytes: 1024 * 1024,
  maxSentenceBytes: 8 * 1024 * 1024,
};

/** Hostile or broken payloads cannot grow a frame past these: UTF-8 bytes of a text, a speaker; translations. */
export const MAX_TEXT = SENTENCE_LIMITS.textBytes;
const MAX_SPEAKER = 256;
const MAX_TRANSLATIONS = SENTENCE_LIMITS.translations;
const LINE_OVERHEAD = 64;

function lineBytes(l: CaptionLine): number {
  let n = LINE_OVERHEAD + Buffer.byteLength(l.text) + (l.speaker ? Buffer.byteLength(l.speaker) : 0);
  if (l.tr) for (const [lang, text] of Object.entries(l.tr)) n += lang.length + Buffer.byteLength(text);
  return n;
}

function frame(id: string, data: unknown): string {
  // JSON.stringify escapes line breaks, so data is one SSE line whatever the text holds.
  return `id: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The translations an event carries, by language, bounded in count and length. */
function translationsOf(v: unknown): Record<string, string> | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Record<string, string> = Object.create(null);
  let count = 0;
  for (const t of v) {
    if (count >= MAX_TRANSLATIONS) break;
    if (!isPlainObject(t) || typeof t.language !== 'string' || typeof t.text !== 'string') continue;
    const lang = t.language.trim().slice(0, 20);
    if (!/^[A-Za-z0-9_-]+$/.test(lang) || lang === '__proto__' || lang === 'constructor' || lang === 'prototype')
      continue;
    out[lang] = cutUtf8(t.text, MAX_TEXT);
    count++;
  }
  return count ? { ...out } : undefined;
}

/** Reads the parts of a transcript event (any vendor) the page needs. */
export function captionUpdate(e: Record<string, unknown>, sentence?: Sentence): CaptionUpdate {
  const index = e.sentenceIndex;
  // Cut before trimming: a cut string is a fresh copy, a trimmed one may be a view onto the whole input.
  const speaker = typeof e.speaker === 'string' ? cutUtf8(e.speaker, MAX_SPEAKER).trim() || undefined : undefined;
  return {
    text: typeof e.text === 'string' ? cutUtf8(e.text, MAX_TEXT) : '',
    final: e.final === true,
    sentenceIndex: typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : undefined,
    speaker,
    tr: translationsOf(e.translations),
    sentence,
  };
}

/**
 * One session's captions: the recent sentences (for late joiners), the recent frames (for
 * viewers that reconnect), and the final sentences (for the session files). Every part is
 * bounded, so memory stays flat however long the session runs.
 */
export class Room {
  /** Tells this room's event IDs from a previous room of the same key (an eviction, a restart). */
  readonly epoch = randomBytes(6).toString('base64url');
  seq = 0;
  lastAt = 0;
  /** Final sentences refused because the session file was full (count or bytes). */
  dropped = 0;
  /** Final sentences kept with their text cut to the sentence budget. */
  cut = 0;
  readonly sentences: Sentence[] = [];
  /** Bytes kept, by part, as counted against the room's budgets. */
  private sentenceBytes = 0;
  private historyBytes = 0;
  private replayBytes = 0;
  private readonly lineSizes: number[] = [];
  private readonly frameSizes: number[] = [];
  private readonly lines: CaptionLine[] = [];
  private open: { line: CaptionLine; index?: number } | undefined;
  private nextLine = 1;
  private readonly frames: string[] = [];
  private snapCache: { seq: number; frame: string } | undefined;

  constructor(
    readonly key: string,
    private readonly limits: RoomLimits,
  ) {}

  get id(): string {
    return `${this.epoch}.${this.seq}`;
  }

  /** Bytes this room keeps (history lines, replay frames, session-file sentences). */
  get bytes(): number {
    return this.sentenceBytes + this.historyBytes + this.replayBytes;
  }

  /** Keeps a final sentence for the session files; which budget refused or cut it, if any. */
  private keep(sentence: Sentence): 'cut' | 'sentences' | 'sentenceBytes' | undefined {
    if (this.sentences.length >= this.limits.maxSentences) {
      this.dropped++;
      return 'sentences';
    }
    const { sentence: kept, bytes, cut } = boundSentence(sentence);
    if (this.sentenceBytes + bytes > (this.limits.maxSentenceBytes ?? ROOM_BYTE_LIMITS.maxSentenceBytes)) {
      this.dropped++;
      return 'sentenceBytes';
    }
    this.sentences.push(kept);
    this.sentenceBytes += bytes;
    if (cut) this.cut++;
    return cut ? 'cut' : undefined;
  }

  /**
   * Applies an update; returns the frame every viewer of the room gets, or undefined when
   * nothing changed on screen. `onLimit` hears which budget a final sentence ran into.
   */
  apply(
    u: CaptionUpdate,
    now = Date.now(),
    onLimit: (kind: 'cut' | 'sentences' | 'sentenceBytes') => void = () => undefined,
  ): string | undefined {
    if (u.sentence) {
      const limit = this.keep(u.sentence);
      if (limit) onLimit(limit);
    }
    const same =
      this.open &&
      (u.sentenceIndex === undefined || this.open.index === undefined || u.sentenceIndex === this.open.index);
    if (!same && u.text.trim() === '' && !u.tr) return undefined; // SentenceBegin and the like: nothing to show yet
    let line: CaptionLine;
    if (same) {
      line = this.open!.line;
      if (u.text !== '' || u.final) line.text = u.text;
      if (u.speaker) line.speaker = u.speaker;
      if (u.tr) line.tr = { ...line.tr, ...u.tr };
      line.final = u.final;
      // The open line is the newest one kept (or already gone from a history that had to make room).
      if (this.lines[this.lines.length - 1] === line) {
        const size = lineBytes(line);
        this.historyBytes += size - this.lineSizes[this.lineSizes.length - 1];
        this.lineSizes[this.lineSizes.length - 1] = size;
      }
    } else {
      line = { n: this.nextLine++, text: u.text, final: u.final };
      if (u.speaker) line.speaker = u.speaker;
      if (u.tr) line.tr = u.tr;
      this.lines.push(line);
      const size = lineBytes(line);
      this.lineSizes.push(size);
      this.historyBytes += size;
    }
    const maxHistoryBytes = this.limits.maxHistoryBytes ?? ROOM_BYTE_LIMITS.maxHistoryBytes;
    while (this.lines.length > 1 && (this.lines.length > this.limits.history || this.historyBytes > maxHistoryBytes)) {
      this.lines.shift();
      this.historyBytes -= this.lineSizes.shift()!;
    }
    this.open = u.final ? undefined : { line, index: u.sentenceIndex ?? this.open?.index };
    this.seq++;
    this.lastAt = now;
    const f = frame(this.id, { k: 'line', room: this.key, line });
    this.frames.push(f);
    const size = Buffer.byteLength(f);
    this.frameSizes.push(size);
    this.replayBytes += size;
    const maxReplayBytes = this.limits.maxReplayBytes ?? ROOM_BYTE_LIMITS.maxReplayBytes;
    while (this.frames.length && (this.frames.length > this.limits.replay || this.replayBytes > maxReplayBytes)) {
      this.frames.shift();
      this.replayBytes -= this.frameSizes.shift()!;
    }
    return f;
  }

  /** The recent sentences as one frame: what a late joiner or a viewer that fell behind starts from. */
  snapshot(): string {
    if (this.snapCache?.seq !== this.seq)
      this.snapCache = { seq: this.seq, frame: frame(this.id, { k: 'snap', room: this.key, lines: this.lines }) };
    return this.snapCache.frame;
  }

  /** The frames after `seq`, or undefined when some are no longer kept (the viewer then gets a snapshot). */
  since(seq: number): string[] | undefined {
    if (seq === this.seq) return [];
    const missing = this.seq - seq;
    if (missing < 0 || missing > this.frames.length) return undefined;
    return this.frames.slice(this.frames.length - missing);
  }
}
