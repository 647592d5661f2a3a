import { TranscriptEvent, TranscriptWord } from '../../lib/transcript';

/** The transcript document every batch result node emits (DESIGN.md). */
export interface TranscriptDocument {
  vendor: 'unisound';
  taskId: string;
  language?: string;
  /** ms */
  duration?: number;
  text: string;
  segments: TranscriptEvent[];
  raw: unknown;
  /**
   * Set when the result's shape was not fully recognised: `fields` are the names the body held
   * (top level, and inside the result container), so a user can report the real shape.
   */
  warning?: { reason: 'textWithoutSegments' | 'noText'; fields: string[] };
}

type Obj = Record<string, unknown>;

/*
 * The result fields beyond `results[].text` are undocumented (vendor-apis.md §3.6), so every
 * reader below tries several candidate names and never throws on a shape it does not know;
 * the body is kept whole in `raw`. [I] Times are ms unless a value has a fraction or the
 * field name says seconds; a duration under 1000 is seconds (audio is at least 1 s long).
 */
const SEGMENT_LISTS = ['results', 'segments', 'sentences', 'utterances', 'result', 'data'];
const TEXT = ['text', 'sentence', 'content', 'transcript', 'onebest', 'word', 'value'];
const START = ['start', 'start_time', 'begin_time', 'startTime', 'beginTime', 'bg', 'begin', 'start_ms', 'offset'];
const END = ['end', 'end_time', 'endTime', 'ed', 'stop', 'end_ms'];
const SPEAKER = ['speaker', 'speaker_id', 'speakerId', 'spk', 'spk_id', 'role', 'channel_id'];
const WORDS = ['words', 'word_info', 'wordInfo', 'word_list', 'wordList', 'tokens'];
const CONFIDENCE = ['confidence', 'conf', 'score', 'probability'];
const LANGUAGE = ['language', 'lang', 'detected_language', 'languageCode'];

export function toTranscriptDocument(taskId: string, body: unknown): TranscriptDocument {
  const root = isObj(body) ? body : {};
  // Where the result may sit: at the top (observed), or under result, data or task (shapes a
  // u2-asr client found by search reads the status from) [C-3p/I].
  const container = isObj(root.result)
    ? root.result
    : isObj(root.data)
      ? root.data
      : isObj(root.task) && (Array.isArray(root.task.results) || typeof root.task.text === 'string')
        ? root.task
        : root;
  const list = firstArray(container, SEGMENT_LISTS) ?? firstArray(root, SEGMENT_LISTS) ?? [];
  const language = firstString(container, LANGUAGE) ?? firstString(root, LANGUAGE);
  const segments: TranscriptEvent[] = [];
  list.forEach((item, i) => {
    const seg = toSegment(taskId, item, i, language);
    if (seg) segments.push(seg);
  });
  const given = firstString(container, ['text', 'transcript', 'full_text']) ?? firstString(root, ['text']);
  const text = given ?? joinTexts(segments.map((s) => s.text));
  let warning: TranscriptDocument['warning'];
  if (segments.length === 0) {
    // Never an empty transcript in silence: the text alone becomes one untimed segment, and the
    // warning names the fields seen so the real shape can be reported.
    const fields = fieldsSeen(root, container);
    if (text.trim() !== '') {
      warning = { reason: 'textWithoutSegments', fields };
      segments.push({
        vendor: 'unisound',
        taskId,
        event: 'result',
        sentenceIndex: 0,
        text,
        final: true,
        words: [],
        raw: body,
      });
    } else warning = { reason: 'noText', fields };
  }
  const duration = durationMs(
    firstNumber(container, ['duration', 'audio_duration', 'duration_ms']) ??
      firstNumber(root, ['duration', 'audio_duration', 'duration_ms']),
  );
  const doc: TranscriptDocument = { vendor: 'unisound', taskId, text, segments, raw: body };
  if (language) doc.language = language;
  if (duration !== undefined) doc.duration = duration;
  if (warning) doc.warning = warning;
  return doc;
}

/** The body's field names (`results[0].…` for the first list item), at most 40. */
function fieldsSeen(root: Obj, container: Obj): string[] {
  const out = Object.keys(root);
  const at = container === root ? '' : `${Object.keys(root).find((k) => root[k] === container)}.`;
  if (at) for (const k of Object.keys(container)) out.push(`${at}${k}`);
  for (const k of Object.keys(container)) {
    const v = container[k];
    if (Array.isArray(v) && isObj(v[0])) for (const f of Object.keys(v[0])) out.push(`${at}${k}[0].${f}`);
  }
  return out.slice(0, 40);
}

function toSegment(
  taskId: string,
  item: unknown,
  index: number,
  language: string | undefined,
): TranscriptEvent | undefined {
  if (typeof item === 'string')
    return {
      vendor: 'unisound',
      taskId,
      event: 'result',
      sentenceIndex: index,
      text: item,
      final: true,
      words: [],
      raw: item,
    };
  if (!isObj(item)) return undefined;
  const words = toWords(firstArray(item, WORDS) ?? []);
  const text = firstString(item, TEXT) ?? joinTexts(words.map((w) => w.text));
  const seg: TranscriptEvent = {
    vendor: 'unisound',
    taskId,
    event: 'result',
    sentenceIndex: index,
    text,
    final: true,
    words,
    raw: item,
  };
  const [start, end] = span(item);
  if (start !== undefined) seg.start = start;
  if (end !== undefined) seg.end = end;
  if (seg.start === undefined && words.length) seg.start = words[0].start;
  if (seg.end === undefined && words.length) seg.end = words[words.length - 1].end;
  const speaker = firstScalar(item, SPEAKER);
  if (speaker !== undefined) seg.speaker = String(speaker);
  const lang = firstString(item, LANGUAGE) ?? language;
  if (lang) seg.language = lang;
  const confidence = firstNumber(item, CONFIDENCE);
  if (confidence !== undefined) seg.confidence = confidence;
  return seg;
}

function toWords(list: unknown[]): TranscriptWord[] {
  const words: TranscriptWord[] = [];
  for (const w of list) {
    if (!isObj(w)) continue;
    const text = firstString(w, TEXT);
    const [start, end] = span(w);
    if (text === undefined || start === undefined) continue;
    const word: TranscriptWord = { text, start, end: end ?? start };
    const confidence = firstNumber(w, CONFIDENCE);
    if (confidence !== undefined) word.confidence = confidence;
    words.push(word);
  }
  return words;
}

/** Joins segment texts: no separator between Chinese/Japanese characters, one space otherwise. */
export function joinTexts(texts: string[]): string {
  let out = '';
  for (const t of texts.map((s) => s.trim()).filter(Boolean)) {
    if (out && !(CJK.test(out[out.length - 1]) || CJK.test(t[0]))) out += ' ';
    out += t;
  }
  return out;
}

const CJK = /[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]/;

/** Start and end in ms; one unit for both, seconds when either has a fraction or its name says so. */
function span(o: Obj): [number | undefined, number | undefined] {
  const s = firstNamed(o, START);
  const e = firstNamed(o, END);
  const seconds = [s, e].some((x) => x && (!Number.isInteger(x.value) || /_s$|_sec|seconds/i.test(x.name)));
  const ms = (x: { value: number } | undefined) => (x ? Math.round(seconds ? x.value * 1000 : x.value) : undefined);
  return [ms(s), ms(e)];
}

function firstNamed(o: Obj, names: string[]): { name: string; value: number } | undefined {
  for (const name of names) {
    const v = toNumber(o[name]);
    if (v !== undefined && v >= 0) return { name, value: v };
  }
  return undefined;
}

function durationMs(v: number | undefined): number | undefined {
  if (v === undefined || v < 0) return undefined;
  return Math.round(v < 1000 || !Number.isInteger(v) ? v * 1000 : v);
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

function isObj(v: unknown): v is Obj {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function firstArray(o: Obj, names: string[]): unknown[] | undefined {
  for (const n of names) if (Array.isArray(o[n])) return o[n] as unknown[];
  return undefined;
}

function firstString(o: Obj, names: string[]): string | undefined {
  for (const n of names) if (typeof o[n] === 'string') return o[n] as string;
  return undefined;
}

function firstNumber(o: Obj, names: string[]): number | undefined {
  for (const n of names) {
    const v = toNumber(o[n]);
    if (v !== undefined) return v;
  }
  return undefined;
}

function firstScalar(o: Obj, names: string[]): string | number | undefined {
  for (const n of names) if (typeof o[n] === 'string' || typeof o[n] === 'number') return o[n] as string | number;
  return undefined;
}
