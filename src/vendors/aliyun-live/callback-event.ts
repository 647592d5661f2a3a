import crypto from 'crypto';
import { DEFAULT_MAX_DEPTH, deeperThan, readJson } from '../../lib/inbound/json-reader';
import { isPlainObject } from '../../lib/merge';
import { TranscriptEvent, TranscriptWord, Translation } from '../../lib/transcript';

export type ParseResult =
  | { ok: true; event: TranscriptEvent; dedupeKey: string }
  | { ok: false; reason: 'notJson' | 'tooDeep' | 'notObject' | 'contentNotJson' | 'badShape'; detail: string };

const SENTENCE_END = 'SentenceEnd';

/**
 * Turns one live-subtitle callback body (`content` is a JSON string holding the
 * NLS SpeechTranscriber header and payload) into a TranscriptEvent. Nesting is bounded
 * (`maxDepth` for the body, and again for `content`) before anything is parsed: a deep value
 * would overflow the stack later, in Node-RED's message clone.
 */
export function parseCallback(body: unknown, maxDepth = DEFAULT_MAX_DEPTH): ParseResult {
  let outer: unknown = body;
  let rawText: string | undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    rawText = body.toString();
    const read = readJson(rawText, maxDepth);
    if (!read.ok) return read;
    outer = read.value;
  } else if (deeperThan(body, maxDepth)) {
    return { ok: false, reason: 'tooDeep', detail: `the JSON nests deeper than ${maxDepth} levels` };
  }
  if (!isPlainObject(outer)) return { ok: false, reason: 'notObject', detail: 'the body is not a JSON object' };
  let content: unknown = outer.content;
  if (typeof content === 'string') {
    const read = readJson(content, maxDepth);
    if (!read.ok)
      return read.reason === 'tooDeep'
        ? { ok: false, reason: 'tooDeep', detail: `"content" nests deeper than ${maxDepth} levels` }
        : { ok: false, reason: 'contentNotJson', detail: '"content" is not valid JSON' };
    content = read.value;
  }
  if (!isPlainObject(content) || !isPlainObject(content.header)) {
    return { ok: false, reason: 'badShape', detail: '"content" has no header object' };
  }
  const header = content.header;
  const payload = isPlainObject(content.payload) ? content.payload : {};
  if (typeof header.name !== 'string' || header.name === '' || header.name.length > 128) {
    return { ok: false, reason: 'badShape', detail: '"content.header.name" is missing' };
  }
  const event: TranscriptEvent = {
    vendor: 'aliyun',
    taskId: str(outer.task_id),
    event: header.name,
    sentenceIndex: num(payload.index),
    text: str(payload.result) ?? '',
    final: header.name === SENTENCE_END,
    start: num(payload.begin_time),
    end: header.name === SENTENCE_END ? num(payload.time) : undefined,
    time: num(payload.time),
    confidence: num(payload.confidence),
    words: words(payload.words),
    language: str(outer.language),
    channelId: str(outer.channel_id) || undefined,
    rtcUserId: str(outer.rtc_user_id) || undefined,
    raw: { ...outer, content },
  };
  const translations = translationsOf(payload, event.final);
  if (translations.length) event.translations = translations;
  const messageId = str(header.message_id);
  const dedupeKey = messageId
    ? `m:${event.taskId ?? ''}:${messageId}`
    : `h:${crypto
        .createHash('sha256')
        .update(rawText ?? JSON.stringify(outer))
        .digest('hex')}`;
  return { ok: true, event, dedupeKey };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function words(v: unknown): TranscriptWord[] {
  if (!Array.isArray(v)) return [];
  const out: TranscriptWord[] = [];
  for (const w of v) {
    if (!isPlainObject(w) || typeof w.text !== 'string') continue;
    out.push({ text: w.text, start: num(w.startTime) ?? 0, end: num(w.endTime) ?? 0 });
  }
  return out;
}

/**
 * The translation field of live subtitles is undocumented; accept the shapes
 * seen in NLS-style payloads: `translations: [{language|lang, text|result}]`
 * or `translate_result: {<lang>: text}`.
 */
function translationsOf(payload: Record<string, unknown>, final: boolean): Translation[] {
  const out: Translation[] = [];
  if (Array.isArray(payload.translations)) {
    for (const t of payload.translations) {
      if (!isPlainObject(t)) continue;
      const language = str(t.language) ?? str(t.lang);
      const text = str(t.text) ?? str(t.result);
      if (language && text !== undefined) out.push({ language, text, final });
    }
  }
  if (isPlainObject(payload.translate_result)) {
    for (const [language, text] of Object.entries(payload.translate_result)) {
      if (typeof text === 'string') out.push({ language, text, final });
    }
  }
  return out;
}
