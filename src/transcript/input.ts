import { Vendor } from '../lib/errors';
import { isPlainObject } from '../lib/merge';
import { TranscriptEvent, TranscriptWord, Translation } from '../lib/transcript';

const VENDORS: readonly string[] = ['aliyun', 'aliyun-ims', 'agora', 'unisound'];

/** A final sentence as the formatter reads it: only what shapes cues. */
export interface Sentence {
  vendor?: Vendor;
  text: string;
  start?: number;
  end?: number;
  time?: number;
  words: TranscriptWord[];
  speaker?: string;
  language?: string;
  translations?: Translation[];
  sentenceIndex?: number;
}

export type ReadInput =
  | { kind: 'document' | 'events'; sentences: Sentence[]; vendor?: Vendor; taskId?: string; language?: string }
  | { kind: 'event'; sentence?: Sentence; completed: boolean; vendor?: Vendor; taskId?: string }
  | { kind: 'unreadable'; reason: string; vendor?: Vendor };

export const COMPLETED_EVENT = 'TranscriptionCompleted';

/** What msg.payload holds: a transcript document, an array of events, or one event. */
export function readInput(payload: unknown): ReadInput {
  if (Array.isArray(payload)) {
    const sentences: Sentence[] = [];
    let vendor: Vendor | undefined;
    let taskId: string | undefined;
    for (let i = 0; i < payload.length; i++) {
      const e = payload[i];
      if (!isEvent(e))
        return {
          kind: 'unreadable',
          reason: `item ${i} of the array is not a transcript event ({event, text, final})`,
          vendor: vendorOf(payload[0]),
        };
      vendor ??= vendorOf(e);
      taskId ??= str(e.taskId);
      const s = finalSentence(e);
      if (s) sentences.push(s);
    }
    return { kind: 'events', sentences, vendor, taskId };
  }
  if (!isPlainObject(payload)) {
    return {
      kind: 'unreadable',
      reason: `msg.payload is ${describe(payload)}, not a transcript document, an array of transcript events or one event`,
    };
  }
  const vendor = vendorOf(payload);
  if ('segments' in payload) {
    if (!Array.isArray(payload.segments))
      return { kind: 'unreadable', reason: 'the transcript document\'s "segments" is not an array', vendor };
    const sentences: Sentence[] = [];
    for (let i = 0; i < payload.segments.length; i++) {
      const e = payload.segments[i];
      if (!isPlainObject(e) || typeof e.text !== 'string')
        return { kind: 'unreadable', reason: `segment ${i} of the transcript document has no text`, vendor };
      // A document holds final segments; one marked final: false is an interim left in by mistake.
      if (e.final === false) continue;
      const s = sentenceOf(e, vendor);
      if (s) sentences.push(s);
    }
    return { kind: 'document', sentences, vendor, taskId: str(payload.taskId), language: str(payload.language) };
  }
  if (isEvent(payload)) {
    return {
      kind: 'event',
      sentence: finalSentence(payload),
      completed: payload.event === COMPLETED_EVENT,
      vendor,
      taskId: str(payload.taskId),
    };
  }
  return {
    kind: 'unreadable',
    reason:
      'msg.payload is an object without "segments" (a transcript document) or "event" and "text" (a transcript event)',
    vendor,
  };
}

function isEvent(e: unknown): e is Record<string, unknown> & Partial<TranscriptEvent> {
  return isPlainObject(e) && typeof e.event === 'string' && (typeof e.text === 'string' || e.text === undefined);
}

function finalSentence(e: Record<string, unknown>): Sentence | undefined {
  return e.final === true ? sentenceOf(e, vendorOf(e)) : undefined;
}

function sentenceOf(e: Record<string, unknown>, vendor: Vendor | undefined): Sentence | undefined {
  const text = typeof e.text === 'string' ? e.text : '';
  const translations = Array.isArray(e.translations)
    ? e.translations.filter(
        (t): t is Translation => isPlainObject(t) && typeof t.language === 'string' && typeof t.text === 'string',
      )
    : undefined;
  if (text.trim() === '' && !translations?.length) return undefined;
  return {
    vendor: vendorOf(e) ?? vendor,
    text,
    start: ms(e.start),
    end: ms(e.end),
    time: ms(e.time),
    words: Array.isArray(e.words)
      ? e.words.filter(
          (w): w is TranscriptWord =>
            isPlainObject(w) && typeof w.text === 'string' && ms(w.start) !== undefined && ms(w.end) !== undefined,
        )
      : [],
    speaker: str(e.speaker) || undefined,
    language: str(e.language),
    translations,
    sentenceIndex: ms(e.sentenceIndex),
  };
}

function vendorOf(v: unknown): Vendor | undefined {
  return isPlainObject(v) && typeof v.vendor === 'string' && VENDORS.includes(v.vendor)
    ? (v.vendor as Vendor)
    : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
}

function ms(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'an array';
  if (Buffer.isBuffer(v)) return 'a Buffer';
  return `a ${typeof v}`;
}
