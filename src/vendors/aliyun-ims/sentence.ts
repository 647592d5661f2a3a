/**
 * One sentence an IMS AI-workflow template posts (its HTTP Request node), read into the
 * package's transcript event. IMS documents the route (a URL and URL parameters the user sets,
 * a JSON body the template's code node builds: the ASR result with the LLM translation in
 * `TransText`, and e.g. `result_type=mid_en`), not the ASR result's field names; the names read
 * here, and `result_type` prefixes `mid` (interim) versus anything else (final), are [I]. Each
 * field is looked up under the spellings such a template plausibly uses.
 */
import { isPlainObject } from '../../lib/merge';
import { TranscriptEvent } from '../../lib/transcript';

/** [I] Longer than any caption line; keeps a runaway template from filling memory downstream. */
export const MAX_TEXT_CHARS = 8192;

const TEXT = ['Text', 'text', 'Sentence', 'sentence', 'Result', 'result'];
const FINAL = ['SentenceEnd', 'sentence_end', 'IsFinal', 'is_final', 'isFinal', 'Final', 'final'];
const INDEX = ['SentenceId', 'sentence_id', 'SentenceIndex', 'sentence_index', 'Index', 'index'];
const BEGIN = ['BeginTime', 'begin_time', 'StartTime', 'start_time'];
const END = ['EndTime', 'end_time'];
const TASK = ['TaskId', 'task_id', 'taskId'];
const TRANSLATION = ['TransText', 'trans_text', 'Translation', 'translation'];
const TRANSLATION_LANGUAGE = ['TransLanguage', 'trans_language', 'TargetLanguage', 'target_language'];
const LANGUAGE = ['SourceLanguage', 'source_language_id', 'Language', 'language'];

export type SentenceRead =
  { ok: true; event: TranscriptEvent; dedupeKey: string } | { ok: false; reason: string; detail: string };

function pick(obj: Record<string, unknown>, names: string[]): unknown {
  for (const n of names) if (Object.prototype.hasOwnProperty.call(obj, n) && obj[n] !== undefined) return obj[n];
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, MAX_TEXT_CHARS) : undefined;
}

function ms(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

function flag(value: unknown): boolean | undefined {
  if (value === true || value === 'true' || value === 1 || value === '1') return true;
  if (value === false || value === 'false' || value === 0 || value === '0') return false;
  return undefined;
}

/** A short language tag, or nothing. */
function tag(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z]{2,8}([_-][A-Za-z0-9]{2,8})?$/.test(value) ? value : undefined;
}

/**
 * The body (already parsed, depth-bounded) and the URL parameters of one post. `resultType`
 * is the `result_type` URL parameter when the template sets one.
 */
export function readSentence(body: unknown, query: { resultType?: string; taskId?: string }): SentenceRead {
  if (!isPlainObject(body)) return { ok: false, reason: 'shape', detail: 'the body is not a JSON object' };
  const said = text(pick(body, TEXT));
  if (said === undefined) return { ok: false, reason: 'shape', detail: `the body has no text (${TEXT.join(', ')})` };
  const resultType = typeof query.resultType === 'string' ? query.resultType.slice(0, 64) : undefined;
  const final = flag(pick(body, FINAL)) ?? (resultType ? !/^mid/i.test(resultType) : true);
  const index = ms(pick(body, INDEX));
  const taskId = text(pick(body, TASK))?.slice(0, 128) ?? query.taskId?.slice(0, 128);
  const event: TranscriptEvent = {
    vendor: 'aliyun-ims',
    event: final ? 'SentenceEnd' : 'TranscriptionResultChanged',
    text: said,
    final,
    words: [],
    raw: body,
  };
  if (taskId) event.taskId = taskId;
  if (index !== undefined && Number.isInteger(index)) event.sentenceIndex = index;
  const start = ms(pick(body, BEGIN));
  const end = ms(pick(body, END));
  if (start !== undefined) event.start = start;
  if (end !== undefined) event.end = end;
  const language = tag(pick(body, LANGUAGE));
  if (language) event.language = language;
  const translated = text(pick(body, TRANSLATION));
  if (translated) {
    // `mid_en` names the translation's language when the body does not.
    const fromType = resultType && /_([A-Za-z]{2,8}(?:[_-][A-Za-z0-9]{2,8})?)$/.exec(resultType)?.[1];
    const lang = tag(pick(body, TRANSLATION_LANGUAGE)) ?? tag(fromType) ?? 'und';
    event.translations = [{ language: lang, text: translated, final }];
  }
  const dedupeKey = `ims:${taskId ?? ''}:${index ?? ''}:${final ? 'f' : 'i'}:${said}:${translated ?? ''}`;
  return { ok: true, event, dedupeKey };
}
