/**
 * Turns what Agora's Real-time STT bot pushes into the channel (RTC `stream-message` data from
 * the pubBotUid) into TranscriptEvents. Pure: no Node-RED, no I/O.
 *
 * Formats (vendor-apis.md §2.7; AgoraIO/docs-portal `…/process-transcription-data/parse-data.mdx`):
 * - protobuf `Agora.SpeechToText.Text` (the default);
 * - with `enableJsonProtocol: true`, gzip-compressed JSON `{transcript|translation}`; plain UTF-8
 *   JSON is accepted too [I], for apps that forward the text already inflated.
 *
 * Decisions where the vendor leaves room (each marked [I] in the help too):
 * - Several segments in one message (v7.2.3: a stable prefix plus an interim segment; protobuf
 *   `words[]`/`trans[]` longer than 1) make ONE event: the segments' text joined, `final` only when
 *   every segment is final, one `words[]` entry per segment. One event per segment would re-send
 *   the stable prefix as a new final sentence with every update.
 * - The JSON follow-up with `results: []` repeats the previous message: it yields no event.
 * - Words are joined as the Agora demo does (concatenated) where the language writes without
 *   spaces (Chinese, Japanese, Thai, …) or a boundary already has one; between two Latin-script
 *   segments a space is added, since the demo's plain concatenation would glue "Hello." and "How".
 * - `final` needs every word final; the demo takes any word, which agreed while a message
 *   carried a single word.
 */
import zlib from 'zlib';
import { SpeechApiError } from '../../lib/errors';
import { DEFAULT_MAX_DEPTH, deeperThan, readJson } from '../../lib/inbound/json-reader';
import { isPlainObject } from '../../lib/merge';
import { TranscriptEvent, TranscriptWord, Translation } from '../../lib/transcript';
import { Int64, SttText, SttWord, sttTextType } from './stt-message';

export type SttProtocol = 'auto' | 'protobuf' | 'json';
export const STT_PROTOCOLS: readonly SttProtocol[] = ['auto', 'protobuf', 'json'];

export const UNDECODABLE_CODE = 'UndecodableSubtitle';

/** Why a message could not be decoded: a stable key for the node's catalogue (`undecodable.<reason>`). */
export type UndecodableReason =
  | 'badType'
  | 'empty'
  | 'tooLarge'
  | 'notBase64'
  | 'gzip'
  | 'json'
  | 'tooDeep'
  | 'noTranscript'
  | 'protobuf'
  | 'implausible';

export class UndecodableSubtitleError extends SpeechApiError {
  readonly reason: UndecodableReason;
  readonly detail: string;

  constructor(reason: UndecodableReason, detail: string) {
    super({ vendor: 'agora', code: UNDECODABLE_CODE, message: `Not an Agora STT subtitle message: ${detail}` });
    this.reason = reason;
    this.detail = detail;
  }
}

/**
 * An RTC data-stream message is at most 1 KB [C: Agora RTC `sendStreamMessage` limit]; far larger
 * input is something else [I]. Inflated JSON is capped too, so a gzip bomb cannot exhaust memory.
 */
export const MAX_INPUT_BYTES = 256 * 1024;
export const MAX_JSON_BYTES = 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

type Input = { bytes: Buffer } | { json: unknown };

/** Buffer, Uint8Array, ArrayBuffer, byte array, `{type:"Buffer",data}`, base64 or JSON text, or a parsed JSON message. */
function normalize(payload: unknown): Input {
  if (Buffer.isBuffer(payload)) return { bytes: payload };
  if (payload instanceof Uint8Array)
    return { bytes: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) };
  if (payload instanceof ArrayBuffer) return { bytes: Buffer.from(payload) };
  if (Array.isArray(payload)) return { bytes: fromByteArray(payload) };
  if (typeof payload === 'string') return fromString(payload);
  if (isPlainObject(payload)) {
    if (payload.type === 'Buffer' && Array.isArray(payload.data)) return { bytes: fromByteArray(payload.data) };
    if ('transcript' in payload || 'translation' in payload) {
      // Already parsed elsewhere: bounded all the same, or the clone in send() overflows the stack.
      if (deeperThan(payload, DEFAULT_MAX_DEPTH)) throw tooDeep();
      return { json: payload };
    }
  }
  const what = payload === null ? 'null' : Array.isArray(payload) ? 'array' : typeof payload;
  throw new UndecodableSubtitleError(
    'badType',
    `msg.payload is ${what === 'object' ? 'an object without "transcript" or "translation"' : `a ${what}`}; expected a Buffer, a base64 string or a byte array`,
  );
}

function fromByteArray(values: unknown[]): Buffer {
  if (values.length > MAX_INPUT_BYTES) throw tooLarge(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
      throw new UndecodableSubtitleError('badType', `byte ${i} of the array is not a whole number from 0 to 255`);
    }
  }
  return Buffer.from(values as number[]);
}

function fromString(text: string): Input {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    if (trimmed.length > MAX_JSON_BYTES) throw tooLarge(trimmed.length);
    return { json: parseJsonText(trimmed) };
  }
  const compact = trimmed.replace(/\s+/g, '');
  if (compact === '') throw new UndecodableSubtitleError('empty', 'msg.payload is an empty string');
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    throw new UndecodableSubtitleError('notBase64', 'msg.payload is a string that is neither base64 nor JSON');
  }
  if (compact.length > (MAX_INPUT_BYTES * 4) / 3 + 4) throw tooLarge(Math.floor((compact.length * 3) / 4));
  return { bytes: Buffer.from(compact, 'base64') };
}

function tooLarge(n: number): UndecodableSubtitleError {
  return new UndecodableSubtitleError(
    'tooLarge',
    `${n} bytes is over the ${MAX_INPUT_BYTES}-byte limit for one subtitle message`,
  );
}

function tooDeep(): UndecodableSubtitleError {
  return new UndecodableSubtitleError('tooDeep', `the JSON nests deeper than ${DEFAULT_MAX_DEPTH} levels`);
}

/** JSON with bounded nesting: 4.5 KB of gzip inflating to 800 KB of brackets once overflowed the stack in send(). */
function parseJsonText(text: string): unknown {
  const read = readJson(text, DEFAULT_MAX_DEPTH);
  if (read.ok) return read.value;
  if (read.reason === 'tooDeep') throw tooDeep();
  throw new UndecodableSubtitleError('json', 'the JSON text does not parse');
}

function gunzip(bytes: Buffer): Buffer {
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: MAX_JSON_BYTES });
  } catch (err) {
    const e = err as { code?: string };
    const why =
      e.code === 'ERR_BUFFER_TOO_LARGE'
        ? `it inflates to more than ${MAX_JSON_BYTES} bytes`
        : e.code === 'Z_BUF_ERROR'
          ? 'it is truncated'
          : 'it is corrupt';
    throw new UndecodableSubtitleError('gzip', `the gzip data cannot be inflated: ${why}`);
  }
}

/**
 * One message → 0 or more TranscriptEvents (0 for the JSON follow-ups with `results: []` and
 * for messages without text). Anything that is not a subtitle message throws one
 * UndecodableSubtitleError; nothing else is thrown.
 */
export function decodeSttMessage(payload: unknown, protocol: SttProtocol = 'auto'): TranscriptEvent[] {
  const input = normalize(payload);
  if ('json' in input) {
    if (protocol === 'protobuf')
      throw new UndecodableSubtitleError('protobuf', 'got JSON, but the protocol is set to protobuf');
    return fromJsonProtocol(input.json);
  }
  const bytes = input.bytes;
  if (bytes.length === 0) throw new UndecodableSubtitleError('empty', 'the message has no bytes');
  if (bytes.length > MAX_INPUT_BYTES) throw tooLarge(bytes.length);
  if (protocol !== 'protobuf') {
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) return fromJsonProtocol(parseJsonText(gunzip(bytes).toString('utf8')));
    if (protocol === 'json') return fromJsonProtocol(parseJsonText(bytes.toString('utf8')));
    // A protobuf Text can start with 0x7b ('{') only as the second byte of `uid` (0x20 0x7b = uid 123),
    // never as the first: so JSON is tried first, and bytes that do not parse go to protobuf.
    if (firstNonSpace(bytes) === 0x7b) {
      const read = readJson(bytes, DEFAULT_MAX_DEPTH);
      if (!read.ok && read.reason === 'tooDeep') throw tooDeep();
      if (read.ok && isPlainObject(read.value)) return fromJsonProtocol(read.value);
    }
  }
  return fromProtobuf(bytes);
}

function firstNonSpace(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return -1;
}

// ---------------------------------------------------------------- joining text

/** Languages written without spaces between words. Korean uses spaces. */
const NO_SPACE_LANGUAGE = /^(zh|ja|yue|wuu|cmn|th|lo|km|my|bo)(?:[-_]|$)/i;
/** CJK punctuation, kana, bopomofo, Han, compatibility ideographs, full-width forms, Thai, Lao, Khmer, Myanmar. */
const NO_SPACE_CHAR =
  /[\u3000-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]/;
const NO_SPACE_BEFORE = /^[\s,.!?;:%)\]}…、。，！？：；]/;

/**
 * Joins segments the way they are displayed: as the Agora demo does (plain concatenation) for
 * languages without spaces and where a boundary already has whitespace; with one space between
 * Latin-script segments otherwise. Leading and trailing whitespace is trimmed.
 */
export function joinSegments(parts: readonly string[], language?: string): string {
  const spaced = !(language && NO_SPACE_LANGUAGE.test(language));
  let out = '';
  for (const part of parts) {
    if (!part) continue;
    if (out && spaced) {
      const last = out[out.length - 1];
      if (!/\s/.test(last) && !NO_SPACE_BEFORE.test(part) && !NO_SPACE_CHAR.test(last) && !NO_SPACE_CHAR.test(part[0]))
        out += ' ';
    }
    out += part;
  }
  return out.trim();
}

// ---------------------------------------------------------------- JSON protocol

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

function fromJsonProtocol(json: unknown): TranscriptEvent[] {
  if (!isPlainObject(json)) throw new UndecodableSubtitleError('noTranscript', 'the JSON message is not an object');
  const { transcript, translation } = json;
  if (!isPlainObject(transcript) && !isPlainObject(translation)) {
    throw new UndecodableSubtitleError('noTranscript', 'the JSON message has no "transcript" or "translation" object');
  }
  const events: TranscriptEvent[] = [];
  if (isPlainObject(transcript)) {
    const e = jsonTranscript(transcript, json);
    if (e) events.push(e);
  }
  if (isPlainObject(translation)) {
    const e = jsonTranslation(translation, json);
    if (e) events.push(e);
  }
  return events;
}

interface Segment {
  text: string;
  final: boolean;
  offset?: number;
  duration?: number;
}

/** The `results[]` entries that carry text; undefined when `results` is absent. */
function segmentsOf(results: unknown, where: string): Segment[] | undefined {
  if (results === undefined || results === null) return undefined;
  if (!Array.isArray(results)) throw new UndecodableSubtitleError('noTranscript', `"${where}.results" is not an array`);
  const out: Segment[] = [];
  for (const r of results) {
    if (isPlainObject(r) && typeof r.text === 'string')
      out.push({ text: r.text, final: r.isFinal === true, offset: num(r.offset), duration: num(r.duration) });
  }
  if (results.length > 0 && out.length === 0)
    throw new UndecodableSubtitleError('noTranscript', `"${where}.results" has no segment with text`);
  return out;
}

function segmentWords(segments: Segment[]): TranscriptWord[] {
  return segments.map((s) => {
    const start = s.offset ?? 0;
    return { text: s.text, start, end: start + (s.duration ?? 0) };
  });
}

/** The fields transcript and translation share: uid, textTs, offset, duration, sentenceId. */
function commonJson(vendorEvent: string, body: Record<string, unknown>, raw: unknown): TranscriptEvent {
  const event: TranscriptEvent = { vendor: 'agora', event: vendorEvent, text: '', final: false, words: [], raw };
  const speaker = uidString(body.uid);
  if (speaker !== undefined) event.speaker = speaker;
  const sentenceId = num(body.sentenceId);
  if (sentenceId !== undefined) event.sentenceIndex = sentenceId;
  const offset = num(body.offset);
  if (offset !== undefined) {
    event.start = offset;
    const duration = num(body.duration);
    if (duration !== undefined) event.end = offset + duration;
  }
  const textTs = num(body.textTs);
  if (textTs !== undefined) event.time = textTs;
  return event;
}

function jsonTranscript(t: Record<string, unknown>, raw: unknown): TranscriptEvent | undefined {
  const segments = segmentsOf(t.results, 'transcript');
  if (segments && segments.length === 0) return undefined; // the v7.2.3 follow-up
  if (!segments && typeof t.text !== 'string')
    throw new UndecodableSubtitleError('noTranscript', '"transcript" has neither "text" nor "results"');
  const event = commonJson('transcript', t, raw);
  const language = str(t.language);
  if (language) event.language = language;
  if (segments) {
    event.text = joinSegments(
      segments.map((s) => s.text),
      language,
    );
    event.final = segments.every((s) => s.final);
    event.words = segmentWords(segments);
  } else {
    event.text = (t.text as string).trim();
    event.final = t.isFinal === true;
  }
  return event;
}

function jsonTranslation(tr: Record<string, unknown>, raw: unknown): TranscriptEvent | undefined {
  let parts: Array<{ language: string; texts: string[]; final: boolean }>;
  if (Array.isArray(tr.results)) {
    if (tr.results.length === 0) return undefined; // the v7.2.3 follow-up
    parts = tr.results
      .filter(isPlainObject)
      .map((r) => ({ language: str(r.language) ?? '', texts: stringsOf(r.texts), final: r.isFinal === true }));
  } else if (isPlainObject(tr.results0)) {
    parts = [
      { language: str(tr.results0.language) ?? '', texts: stringsOf(tr.results0.texts), final: tr.isFinal === true },
    ];
  } else {
    throw new UndecodableSubtitleError('noTranscript', '"translation" has neither "results" nor "results0"');
  }
  const translations = groupTranslations(parts.filter((p) => p.texts.length > 0));
  if (translations.length === 0)
    throw new UndecodableSubtitleError('noTranscript', '"translation" has no translated text');
  const event = commonJson('translation', tr, raw);
  event.translations = translations;
  event.final = translations.every((x) => x.final);
  const original = tr.original_transcript;
  if (isPlainObject(original)) {
    const language = str(original.language);
    if (language) event.language = language;
    const segments = Array.isArray(original.results)
      ? segmentsOf(original.results, 'translation.original_transcript')
      : undefined;
    if (segments && segments.length > 0) {
      event.text = joinSegments(
        segments.map((s) => s.text),
        language,
      );
      event.words = segmentWords(segments);
    } else {
      event.text = (str(original.text) ?? '').trim();
    }
  }
  return event;
}

function stringsOf(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** Segments of one target language become one translation, final when all of them are. */
function groupTranslations(parts: Array<{ language: string; texts: string[]; final: boolean }>): Translation[] {
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

// ---------------------------------------------------------------- protobuf

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

function fromProtobuf(bytes: Buffer): TranscriptEvent[] {
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
  if (type === 'translate' || (type === '' && !hasWords)) return hasTrans ? [protobufTranslation(m, raw)] : [];
  return hasWords ? [protobufTranscription(m, raw)] : [];
}

function commonProtobuf(m: SttText, vendorEvent: string, raw: Record<string, unknown>): TranscriptEvent {
  const event: TranscriptEvent = { vendor: 'agora', event: vendorEvent, text: '', final: false, words: [], raw };
  const uid = raw.uid as number | string;
  if (!isZero(uid)) event.speaker = String(uid);
  const sentenceId = raw.sentence_id as number | string;
  if (typeof sentenceId === 'number' && sentenceId !== 0) event.sentenceIndex = sentenceId;
  else if (m.sentence_end_index) event.sentenceIndex = m.sentence_end_index;
  // `time` is the segment's start, set only once it is final; `duration_ms` its length.
  const start = raw.time as number | string;
  if (typeof start === 'number' && start !== 0) {
    event.start = start;
    if (m.duration_ms > 0) event.end = start + m.duration_ms;
  }
  const textTs = raw.text_ts as number | string;
  if (typeof textTs === 'number' && textTs !== 0) event.time = textTs;
  return event;
}

function wordsOf(words: SttWord[]): TranscriptWord[] {
  return words.map((w) => {
    const word: TranscriptWord = { text: w.text, start: w.start_ms, end: w.start_ms + w.duration_ms };
    if (w.confidence > 0 && w.confidence <= 1) word.confidence = w.confidence;
    return word;
  });
}

function protobufTranscription(m: SttText, raw: Record<string, unknown>): TranscriptEvent {
  const event = commonProtobuf(m, m.data_type || 'transcribe', raw);
  event.text = joinSegments(
    m.words.map((w) => w.text),
    m.culture,
  );
  event.final = m.words.every((w) => w.is_final);
  event.words = wordsOf(m.words);
  if (m.culture) event.language = m.culture;
  const confidences = event.words.map((w) => w.confidence).filter((c): c is number => c !== undefined);
  if (confidences.length === event.words.length && confidences.length > 0) {
    event.confidence = confidences.reduce((a, b) => a + b, 0) / confidences.length;
  }
  if (m.trans.length)
    event.translations = groupTranslations(
      m.trans.map((t) => ({ language: t.lang, texts: t.texts, final: t.is_final })),
    );
  return event;
}

function protobufTranslation(m: SttText, raw: Record<string, unknown>): TranscriptEvent {
  const event = commonProtobuf(m, m.data_type || 'translate', raw);
  const translations = groupTranslations(
    m.trans.filter((t) => t.texts.length > 0).map((t) => ({ language: t.lang, texts: t.texts, final: t.is_final })),
  );
  event.translations = translations;
  event.final = translations.every((t) => t.final);
  const original = m.original_transcript;
  const language = original?.culture || m.culture;
  if (language) event.language = language;
  if (original && original.words.length) {
    event.text = joinSegments(
      original.words.map((w) => w.text),
      language,
    );
    event.words = wordsOf(original.words);
  }
  return event;
}

function rawWord(w: SttWord): Record<string, unknown> {
  return {
    text: w.text,
    start_ms: w.start_ms,
    duration_ms: w.duration_ms,
    is_final: w.is_final,
    confidence: w.confidence,
  };
}

/** The decoded message as a plain object: the proto's field names, int64 as numbers (strings beyond 2^53). */
function rawOf(m: SttText): Record<string, unknown> {
  const raw: Record<string, unknown> = {
    vendor: m.vendor,
    version: m.version,
    seqnum: m.seqnum,
    uid: int64(m.uid),
    flag: m.flag,
    time: int64(m.time),
    lang: m.lang,
    starttime: m.starttime,
    offtime: m.offtime,
    words: m.words.map(rawWord),
    end_of_segment: m.end_of_segment,
    duration_ms: m.duration_ms,
    data_type: m.data_type,
    trans: m.trans.map((t) => ({ is_final: t.is_final, lang: t.lang, texts: [...t.texts] })),
    culture: m.culture,
    text_ts: int64(m.text_ts),
    sentence_end_index: m.sentence_end_index,
    sentence_id: int64(m.sentence_id),
  };
  if (m.original_transcript)
    raw.original_transcript = {
      culture: m.original_transcript.culture,
      words: m.original_transcript.words.map(rawWord),
    };
  return raw;
}
