import { randomBytes } from 'crypto';
import { isPlainObject } from '../../lib/merge';
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
}

/** Hostile or broken payloads cannot grow a frame past these. */
export const MAX_TEXT = 2000;
const MAX_SPEAKER = 64;
const MAX_TRANSLATIONS = 8;

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
    out[lang] = t.text.slice(0, MAX_TEXT);
    count++;
  }
  return count ? { ...out } : undefined;
}

/** Reads the parts of a transcript event (any vendor) the page needs. */
export function captionUpdate(e: Record<string, unknown>, sentence?: Sentence): CaptionUpdate {
  const index = e.sentenceIndex;
  const speaker =
    typeof e.speaker === 'string' && e.speaker.trim() ? e.speaker.trim().slice(0, MAX_SPEAKER) : undefined;
  return {
    text: typeof e.text === 'string' ? e.text.slice(0, MAX_TEXT) : '',
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
  /** Final sentences refused because the session file was full. */
  dropped = 0;
  readonly sentences: Sentence[] = [];
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

  /** Applies an update; returns the frame every viewer of the room gets, or undefined when nothing changed on screen. */
  apply(u: CaptionUpdate, now = Date.now()): string | undefined {
    if (u.sentence) {
      if (this.sentences.length < this.limits.maxSentences) this.sentences.push(u.sentence);
      else this.dropped++;
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
    } else {
      line = { n: this.nextLine++, text: u.text, final: u.final };
      if (u.speaker) line.speaker = u.speaker;
      if (u.tr) line.tr = u.tr;
      this.lines.push(line);
      if (this.lines.length > this.limits.history) this.lines.splice(0, this.lines.length - this.limits.history);
    }
    this.open = u.final ? undefined : { line, index: u.sentenceIndex ?? this.open?.index };
    this.seq++;
    this.lastAt = now;
    const f = frame(this.id, { k: 'line', room: this.key, line });
    this.frames.push(f);
    if (this.frames.length > this.limits.replay) this.frames.splice(0, this.frames.length - this.limits.replay);
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
