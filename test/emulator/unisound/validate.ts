/**
 * The create-task body rules of vendor-apis.md §3.2 and the seed page
 * (seeds/003: `file_id`, `model` and `format` are Required). Every problem is listed,
 * each naming its field, so a 100001 tells the client exactly what to fix.
 *
 * [I] Decisions where the docs are silent:
 * - `null` is not a value of any documented type: a field set to null is a violation.
 * - Unknown fields are ignored (not rejected).
 * - Enum values (`model`, `format`, `language`) are case-sensitive.
 * - Lengths (`context`, `hotwords` items) count Unicode code points; empty hotwords and
 *   empty speaker_ids are violations.
 * - `speaker_num` / `speaker_ids` sent without `enable_speaker: true` (or with channel 2)
 *   are violations, not silently ignored.
 * - `enable_auto_lang` and `language` may be sent together.
 */
export const MODEL = 'u2-asr';
export const FORMATS = ['mp3', 'opus', 'wav', 'amr', 'm4a', 'ogg'] as const;
export const LANGUAGES = [
  'zh-CN',
  'en-US',
  'ar-SA',
  'de-DE',
  'es-MX',
  'fr-FR',
  'id-ID',
  'ja-JP',
  'ko-KR',
  'pt-BR',
  'ru-RU',
  'tr-TR',
  'vi-VN',
  'th-TH',
  'it-IT',
] as const;
export const LIMITS = { fileUrl: 2048, context: 500, hotwords: 200, hotwordChars: 5, speakerIds: 10 } as const;

export const UPLOAD_PURPOSE = 'a2t_async_input';

type Body = Record<string, unknown>;

const has = (b: Body, k: string) => Object.prototype.hasOwnProperty.call(b, k);
const chars = (s: string) => Array.from(s).length;
export const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

function checkFileUrl(v: unknown): string | undefined {
  if (typeof v !== 'string') return 'file_url must be a string';
  if (v.length > LIMITS.fileUrl) return `file_url must be at most ${LIMITS.fileUrl} characters`;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return 'file_url must be an absolute http(s) URL';
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname)
    return 'file_url must be an absolute http(s) URL';
  return undefined;
}

function checkStringList(b: Body, key: string, max: number, maxChars?: number): string | undefined {
  const v = b[key];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) return `${key} must be an array of strings`;
  if (v.length > max) return `${key} must have at most ${max} items`;
  if (v.some((s: string) => s === '')) return `${key} items must not be empty`;
  if (maxChars !== undefined && v.some((s: string) => chars(s) > maxChars))
    return `${key} items must be at most ${maxChars} characters`;
  return undefined;
}

/** Every §3.2 violation in the body; an empty list means it is acceptable. */
export function createProblems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['body must be a JSON object'];
  const b = body as Body;
  const p: string[] = [];
  const add = (m: string | undefined) => m !== undefined && p.push(m);

  if (!has(b, 'model')) p.push('model is required');
  else if (b.model !== MODEL) p.push(`model must be ${MODEL}`);

  const hasId = has(b, 'file_id');
  const hasUrl = has(b, 'file_url');
  if (hasId && hasUrl) p.push('file_id and file_url are mutually exclusive');
  else if (!hasId && !hasUrl) p.push('file_id or file_url is required');
  if (hasId && !isPositiveInt(b.file_id)) p.push('file_id must be a positive integer');
  if (hasUrl) add(checkFileUrl(b.file_url));

  if (!has(b, 'format')) p.push('format is required');
  else if (!(FORMATS as readonly unknown[]).includes(b.format)) p.push(`format must be one of ${FORMATS.join(', ')}`);

  if (has(b, 'sample_rate') && !isPositiveInt(b.sample_rate)) p.push('sample_rate must be a positive integer');
  if (has(b, 'channel') && b.channel !== 1 && b.channel !== 2) p.push('channel must be 1 or 2');
  for (const k of ['enable_itn', 'enable_speaker', 'word_info', 'enable_auto_lang']) {
    if (has(b, k) && typeof b[k] !== 'boolean') p.push(`${k} must be a boolean`);
  }
  if (has(b, 'language') && !(LANGUAGES as readonly unknown[]).includes(b.language))
    p.push(`language must be one of ${LANGUAGES.join(', ')}`);

  const mono = !has(b, 'channel') || b.channel === 1;
  if (b.enable_speaker === true && !mono) p.push('enable_speaker requires channel 1');
  const speakerOn = b.enable_speaker === true && mono;
  if (has(b, 'speaker_num')) {
    if (!isPositiveInt(b.speaker_num)) p.push('speaker_num must be a positive integer');
    else if (!speakerOn) p.push('speaker_num requires enable_speaker true and channel 1');
  }
  if (has(b, 'speaker_ids')) {
    const m = checkStringList(b, 'speaker_ids', LIMITS.speakerIds);
    if (m) p.push(m);
    else if (!speakerOn) p.push('speaker_ids requires enable_speaker true and channel 1');
  }

  if (has(b, 'context')) {
    if (typeof b.context !== 'string') p.push('context must be a string');
    else if (chars(b.context) > LIMITS.context) p.push(`context must be at most ${LIMITS.context} characters`);
  }
  if (has(b, 'hotwords')) add(checkStringList(b, 'hotwords', LIMITS.hotwords, LIMITS.hotwordChars));
  return p;
}
