/**
 * The JSON protocol (`rtcConfig.enableJsonProtocol: true`), after inflating. Fields and examples:
 * AgoraIO/docs-portal `content/docs/en/realtime-media/speech-to-text/build/process-transcription-data/parse-data.mdx`
 * (commit be0641d9, "JSON protocol data structure"); the older shape without `results`/`sentenceId`:
 * AgoraIO/Docs-Source `shared/real-time-stt/develop/parse-data.mdx`.
 *
 * The follow-up with `results: []` [C: "After sending a message that contains results[], the service
 * also sends a follow-up message with results set to an empty array"; its meaning is not stated]:
 * it repeats the message-level `text`/`isFinal`, which in Agora's example are the settled segment's.
 * [I] So it adds nothing when that sentence's settled text was already sent final, and is sent
 * final once when it was not (its message was lost, or decoded by another node).
 */
import { isPlainObject } from '../../lib/merge';
import { TranscriptEvent } from '../../lib/transcript';
import {
  markSettled,
  Segment,
  sentenceKey,
  SettledSegments,
  settledBefore,
  transcriptEvents,
  TranslationPart,
  translationEvents,
} from './stt-segments';
import { UndecodableSubtitleError } from './stt-undecodable';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A speaker uid: numbers and numeric strings as a string. */
function uidString(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v !== '' && v.length <= 64) return v;
  return undefined;
}

export function fromJsonProtocol(json: unknown, memory?: SettledSegments): TranscriptEvent[] {
  if (!isPlainObject(json)) throw new UndecodableSubtitleError('noTranscript', 'the JSON message is not an object');
  const { transcript, translation } = json;
  if (!isPlainObject(transcript) && !isPlainObject(translation)) {
    throw new UndecodableSubtitleError('noTranscript', 'the JSON message has no "transcript" or "translation" object');
  }
  const events: TranscriptEvent[] = [];
  if (isPlainObject(transcript)) events.push(...jsonTranscript(transcript, json, memory));
  if (isPlainObject(translation)) events.push(...jsonTranslation(translation, json, memory));
  return events;
}

/** The `results[]` entries that carry text; undefined when `results` is absent. */
function segmentsOf(results: unknown, where: string): Segment[] | undefined {
  if (results === undefined || results === null) return undefined;
  if (!Array.isArray(results)) throw new UndecodableSubtitleError('noTranscript', `"${where}.results" is not an array`);
  const out: Segment[] = [];
  for (const r of results) {
    if (!isPlainObject(r) || typeof r.text !== 'string') continue;
    const s: Segment = { text: r.text, final: r.isFinal === true };
    const offset = num(r.offset);
    if (offset !== undefined) {
      s.start = offset;
      const duration = num(r.duration);
      if (duration !== undefined) s.end = offset + duration;
    }
    out.push(s);
  }
  if (results.length > 0 && out.length === 0)
    throw new UndecodableSubtitleError('noTranscript', `"${where}.results" has no segment with text`);
  return out;
}

interface Common {
  base: () => TranscriptEvent;
  key: string | undefined;
  timing: { start?: number; end?: number };
}

/** The fields transcript and translation share: uid, textTs, offset, duration, sentenceId. */
function common(vendorEvent: string, body: Record<string, unknown>, raw: unknown, language?: string): Common {
  const speaker = uidString(body.uid);
  const sentenceId = num(body.sentenceId);
  const textTs = num(body.textTs);
  const timing: { start?: number; end?: number } = {};
  const offset = num(body.offset);
  if (offset !== undefined) {
    timing.start = offset;
    const duration = num(body.duration);
    if (duration !== undefined) timing.end = offset + duration;
  }
  const base = (): TranscriptEvent => {
    const e: TranscriptEvent = { vendor: 'agora', event: vendorEvent, text: '', final: false, words: [], raw };
    if (speaker !== undefined) e.speaker = speaker;
    if (sentenceId !== undefined && Number.isSafeInteger(sentenceId) && sentenceId >= 0) e.sentenceIndex = sentenceId;
    if (textTs !== undefined) e.time = textTs;
    if (language) e.language = language;
    return e;
  };
  return { base, key: sentenceKey(vendorEvent, speaker, sentenceId), timing };
}

function jsonTranscript(t: Record<string, unknown>, raw: unknown, memory?: SettledSegments): TranscriptEvent[] {
  const segments = segmentsOf(t.results, 'transcript');
  if (!segments && typeof t.text !== 'string')
    throw new UndecodableSubtitleError('noTranscript', '"transcript" has neither "text" nor "results"');
  const language = str(t.language);
  const { base, key, timing } = common('transcript', t, raw, language);
  const topText = str(t.text) ?? '';
  if (segments && segments.length === 0) {
    // The v7.2.3 follow-up: see the file comment.
    if (t.isFinal !== true || topText.trim() === '' || !memory || !key || settledBefore(memory, key)) return [];
    markSettled(memory, key);
    return transcriptEvents(base, [{ text: topText, final: true }], language, undefined, undefined, timing);
  }
  if (segments) return transcriptEvents(base, segments, language, memory, key);
  // The pre-v7.2.3 shape: one segment described by the message itself.
  return transcriptEvents(base, [{ text: topText, final: t.isFinal === true, ...timing }], language, memory, key);
}

function stringsOf(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

function jsonTranslation(tr: Record<string, unknown>, raw: unknown, memory?: SettledSegments): TranscriptEvent[] {
  const original = isPlainObject(tr.original_transcript) ? tr.original_transcript : undefined;
  const language = str(original?.language);
  const { base, key, timing } = common('translation', tr, raw, language);
  const legacyParts = (): TranslationPart[] =>
    isPlainObject(tr.results0)
      ? [{ language: str(tr.results0.language) ?? '', texts: stringsOf(tr.results0.texts), final: tr.isFinal === true }]
      : [];
  const originalText = str(original?.text) ?? '';
  const wholeOriginal: Segment[] = originalText ? [{ text: originalText, final: tr.isFinal === true }] : [];

  if (Array.isArray(tr.results) && tr.results.length === 0) {
    // The v7.2.3 follow-up (results0 and original_transcript.text repeat the settled part).
    if (tr.isFinal !== true || !memory || !key || settledBefore(memory, key)) return [];
    const events = translationEvents(base, legacyParts(), wholeOriginal, language, undefined, undefined, timing);
    if (events.length) markSettled(memory, key);
    return events;
  }
  let parts: TranslationPart[];
  let originals: Segment[];
  if (Array.isArray(tr.results)) {
    parts = tr.results
      .filter(isPlainObject)
      .map((r) => ({ language: str(r.language) ?? '', texts: stringsOf(r.texts), final: r.isFinal === true }));
    originals = (original && segmentsOf(original.results, 'translation.original_transcript')) || wholeOriginal;
  } else if (isPlainObject(tr.results0)) {
    parts = legacyParts();
    originals = wholeOriginal;
  } else {
    throw new UndecodableSubtitleError('noTranscript', '"translation" has neither "results" nor "results0"');
  }
  if (!parts.some((p) => p.texts.length > 0))
    throw new UndecodableSubtitleError('noTranscript', '"translation" has no translated text');
  const legacy = !Array.isArray(tr.results);
  return translationEvents(base, parts, originals, language, memory, key, legacy ? timing : undefined);
}
