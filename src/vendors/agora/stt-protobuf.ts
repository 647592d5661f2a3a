/**
 * The protobuf protocol (the default): `Agora.SpeechToText.Text` as Agora documents it today
 * (stt-message.ts). Only documented fields are read; a message may carry several segments in
 * `words[]`/`trans[]` ("Do not assume that a single data stream message contains only one
 * transcription or translation segment", docs-portal parse-data.mdx, be0641d9).
 */
import { TranscriptEvent } from '../../lib/transcript';
import { sentenceKey, SettledSegments, transcriptEvents, translationEvents, TranslationPart } from './stt-segments';
import { Int64, SttText, sttTextType } from './stt-message';
import { UndecodableSubtitleError } from './stt-undecodable';

/** int64 as a number while it is exact, else as a decimal string. */
function int64(v: Int64 | null | undefined): number | string {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  const n = v.toNumber();
  return Number.isSafeInteger(n) ? n : v.toString();
}

const isZero = (v: number | string): boolean => v === 0 || v === '0';

/** Text a transcription engine could have written: no replacement characters, no control characters but tab and newlines. */
const NOT_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;
const CULTURE = /^([A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*)?$/;

function implausible(detail: string): UndecodableSubtitleError {
  return new UndecodableSubtitleError('implausible', `the bytes decode as protobuf, but not to a subtitle (${detail})`);
}

function checkText(s: string, field: string): void {
  if (NOT_TEXT.test(s)) throw implausible(`"${field}" holds binary data`);
}

export function fromProtobuf(bytes: Buffer, memory?: SettledSegments): TranscriptEvent[] {
  let m: SttText;
  try {
    m = sttTextType().decode(bytes) as unknown as SttText;
  } catch (err) {
    throw new UndecodableSubtitleError(
      'protobuf',
      `neither JSON nor an Agora SttMessage protobuf (${String((err as Error).message).slice(0, 120)})`,
    );
  }
  // Random bytes sometimes parse as protobuf: accept only what Agora's bot could have sent.
  const type = m.data_type;
  if (type !== '' && type !== 'transcribe' && type !== 'translate')
    throw implausible(`data_type is not "transcribe" or "translate"`);
  if (!CULTURE.test(m.culture)) throw implausible('"culture" is not a language tag');
  for (const w of m.words) checkText(w.text, 'words.text');
  for (const t of m.trans) {
    if (!CULTURE.test(t.lang)) throw implausible('"trans.lang" is not a language tag');
    for (const s of t.texts) checkText(s, 'trans.texts');
  }
  const original = m.original_transcript;
  if (original) {
    if (!CULTURE.test(original.culture)) throw implausible('"original_transcript.culture" is not a language tag');
    for (const w of original.words) checkText(w.text, 'original_transcript.words.text');
  }
  const hasWords = m.words.some((w) => w.text !== '');
  const hasTrans = m.trans.some((t) => t.texts.length > 0);
  if (type === '' && !hasWords && !hasTrans) throw implausible('it has no data_type, words or translations');

  const raw = rawOf(m);
  if (type === 'translate' || (type === '' && !hasWords)) return hasTrans ? translation(m, raw, memory) : [];
  return hasWords ? transcription(m, raw, memory) : [];
}

interface Common {
  base: () => TranscriptEvent;
  key: string | undefined;
  /** `time` is the segment's start, "has a value only when isFinal is true"; `duration_ms` its length. */
  timing: { start?: number; end?: number };
}

function common(m: SttText, vendorEvent: string, raw: Record<string, unknown>, language: string): Common {
  const uid = raw.uid as number | string;
  const speaker = isZero(uid) ? undefined : String(uid);
  const sentenceId = raw.sentence_id as number | string;
  const textTs = raw.text_ts as number | string;
  const timing: { start?: number; end?: number } = {};
  const start = raw.time as number | string;
  if (typeof start === 'number' && start !== 0) {
    timing.start = start;
    if (m.duration_ms > 0) timing.end = start + m.duration_ms;
  }
  const base = (): TranscriptEvent => {
    const e: TranscriptEvent = { vendor: 'agora', event: vendorEvent, text: '', final: false, words: [], raw };
    if (speaker) e.speaker = speaker;
    if (typeof sentenceId === 'number' && sentenceId !== 0) e.sentenceIndex = sentenceId;
    if (typeof textTs === 'number' && textTs !== 0) e.time = textTs;
    if (language) e.language = language;
    return e;
  };
  return { base, key: sentenceKey(vendorEvent, speaker, isZero(sentenceId) ? undefined : sentenceId), timing };
}

function parts(m: SttText): TranslationPart[] {
  return m.trans.map((t) => ({ language: t.lang, texts: t.texts, final: t.is_final }));
}

function transcription(m: SttText, raw: Record<string, unknown>, memory?: SettledSegments): TranscriptEvent[] {
  const { base, key, timing } = common(m, m.data_type || 'transcribe', raw, m.culture);
  const segments = m.words.map((w) => ({ text: w.text, final: w.is_final }));
  const events = transcriptEvents(base, segments, m.culture, memory, key, timing);
  // Translations inside a transcribe message ride on its first event.
  if (events.length && m.trans.length)
    events[0].translations = translationEvents(base, parts(m), [], m.culture, undefined, undefined).flatMap(
      (e) => e.translations ?? [],
    );
  return events;
}

function translation(m: SttText, raw: Record<string, unknown>, memory?: SettledSegments): TranscriptEvent[] {
  const original = m.original_transcript;
  const language = original?.culture || m.culture;
  const { base, key, timing } = common(m, m.data_type || 'translate', raw, language);
  const originals = (original?.words ?? []).map((w) => ({ text: w.text, final: w.is_final }));
  return translationEvents(base, parts(m), originals, language, memory, key, timing);
}

/** The decoded message as a plain object: the documented fields, int64 as numbers (strings beyond 2^53). */
function rawOf(m: SttText): Record<string, unknown> {
  const word = (w: { text: string; is_final: boolean }) => ({ text: w.text, is_final: w.is_final });
  const raw: Record<string, unknown> = {
    uid: int64(m.uid),
    time: int64(m.time),
    words: m.words.map(word),
    duration_ms: m.duration_ms,
    data_type: m.data_type,
    trans: m.trans.map((t) => ({ is_final: t.is_final, lang: t.lang, texts: [...t.texts] })),
    culture: m.culture,
    text_ts: int64(m.text_ts),
    sentence_id: int64(m.sentence_id),
  };
  if (m.original_transcript)
    raw.original_transcript = { culture: m.original_transcript.culture, words: m.original_transcript.words.map(word) };
  return raw;
}
