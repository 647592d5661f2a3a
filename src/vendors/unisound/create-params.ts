import { Problem } from '../../lib/errors';
import { isBlank, normalize } from '../../lib/validate';

export const MODEL = 'u2-asr';
export const FORMATS = ['mp3', 'opus', 'wav', 'amr', 'm4a', 'ogg'] as const;
export type AudioFormat = (typeof FORMATS)[number];
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

export const LIMITS = { context: 500, hotwords: 200, hotwordLength: 5, speakerIds: 10, fileUrl: 2048 };

/** Every option `POST /v1/audio/asr/tasks` documents, by its documented name (msg.payload uses these). */
export const CREATE_PARAM_NAMES = [
  'file_id',
  'file_url',
  'format',
  'sample_rate',
  'channel',
  'enable_itn',
  'enable_speaker',
  'speaker_num',
  'speaker_ids',
  'word_info',
  'context',
  'hotwords',
  'language',
  'enable_auto_lang',
] as const;

export interface CreateTaskBody {
  model: typeof MODEL;
  file_id?: number;
  file_url?: string;
  format: AudioFormat;
  sample_rate?: number;
  channel?: number;
  enable_itn?: boolean;
  enable_speaker?: boolean;
  speaker_num?: number;
  speaker_ids?: string[];
  word_info?: boolean;
  context?: string;
  hotwords?: string[];
  language?: string;
  enable_auto_lang?: boolean;
}

const BOOLS = ['enable_itn', 'enable_speaker', 'word_info', 'enable_auto_lang'] as const;

/**
 * Checks a create request and returns the JSON body with typed values. Every problem is
 * reported at once; `needsSource: false` checks the options alone (before an upload, when
 * the file_id does not exist yet).
 */
export function validateCreate(
  input: Record<string, unknown>,
  needsSource = true,
): { body: CreateTaskBody; problems: Problem[] } {
  const problems: Problem[] = [];
  const body = { model: MODEL } as CreateTaskBody;
  const add = (field: string, rule: string, message: string, params: Record<string, string | number> = {}): void => {
    problems.push({ field, rule, message, params: { field, ...params } });
  };

  const hasId = !isBlank(input.file_id);
  const hasUrl = !isBlank(input.file_url);
  if (needsSource && hasId === hasUrl) {
    add('file_id', 'oneSource', 'Give exactly one audio source: a file to upload, a file_id or a file_url.');
  }
  if (hasId) {
    const n =
      typeof input.file_id === 'number'
        ? input.file_id
        : typeof input.file_id === 'string' && /^\s*\d+\s*$/.test(input.file_id)
          ? Number(input.file_id)
          : NaN;
    if (!Number.isSafeInteger(n) || n <= 0)
      add('file_id', 'positiveInt', 'file_id must be a positive whole number (the id the upload returned).');
    else body.file_id = n;
  }
  if (hasUrl) {
    const url = normalize(
      'file_url',
      input.file_url,
      { kind: 'url', schemes: ['http', 'https'], maxLength: LIMITS.fileUrl },
      problems,
    );
    if (url !== undefined) body.file_url = url;
  }

  if (isBlank(input.format))
    add(
      'format',
      'format',
      `format is required (one of ${FORMATS.join(', ')}) and could not be inferred from the file.`,
      { values: FORMATS.join(', ') },
    );
  else {
    const f = normalize(
      'format',
      typeof input.format === 'string' ? input.format.toLowerCase() : input.format,
      { kind: 'enum', values: FORMATS },
      problems,
    );
    if (f !== undefined) body.format = f as AudioFormat;
  }

  if (!isBlank(input.sample_rate)) {
    const n = normalize('sample_rate', input.sample_rate, { kind: 'int', min: 1, max: 384000 }, problems);
    if (n !== undefined) body.sample_rate = Number(n);
  }
  if (!isBlank(input.channel)) {
    const n = normalize('channel', input.channel, { kind: 'int', min: 1, max: 2 }, problems);
    if (n !== undefined) body.channel = Number(n);
  }
  for (const field of BOOLS) {
    if (isBlank(input[field])) continue;
    const b = normalize(field, input[field], { kind: 'bool' }, problems);
    if (b !== undefined) body[field] = b === 'true';
  }
  if (!isBlank(input.language)) {
    const l = normalize('language', input.language, { kind: 'enum', values: LANGUAGES }, problems);
    if (l !== undefined) body.language = l;
  }
  if (!isBlank(input.context)) {
    const c = normalize('context', input.context, { kind: 'string', maxLength: LIMITS.context }, problems);
    if (c !== undefined) body.context = c;
  }
  if (!isBlank(input.hotwords)) {
    const words = stringList('hotwords', input.hotwords, LIMITS.hotwords, problems);
    const long = words?.filter((w) => [...w].length > LIMITS.hotwordLength) ?? [];
    if (long.length)
      add(
        'hotwords',
        'itemLength',
        `Each hotword may have at most ${LIMITS.hotwordLength} characters; too long: ${long.slice(0, 5).join(', ')}.`,
        { max: LIMITS.hotwordLength, value: long.slice(0, 5).join(', ') },
      );
    else if (words?.length) body.hotwords = words;
  }

  const speakerOn = body.enable_speaker === true;
  if (speakerOn && body.channel === 2)
    add('enable_speaker', 'mono', 'enable_speaker works only with one channel (channel 1).');
  if (!isBlank(input.speaker_num)) {
    const n = normalize('speaker_num', input.speaker_num, { kind: 'int', min: 1, max: 100 }, problems);
    if (!speakerOn) add('speaker_num', 'needsSpeaker', 'speaker_num needs enable_speaker set to true.');
    else if (n !== undefined) body.speaker_num = Number(n);
  }
  if (!isBlank(input.speaker_ids)) {
    const ids = stringList('speaker_ids', input.speaker_ids, LIMITS.speakerIds, problems);
    if (!speakerOn) add('speaker_ids', 'needsSpeaker', 'speaker_ids needs enable_speaker set to true.');
    else if (ids?.length) body.speaker_ids = ids;
  }
  return { body, problems };
}

/** An array of strings, or a comma/newline separated string (the editor's form). */
function stringList(field: string, value: unknown, max: number, problems: Problem[]): string[] | undefined {
  const list = typeof value === 'string' ? value.split(/[,，\n]/) : Array.isArray(value) ? value : undefined;
  if (!list || list.some((w) => typeof w !== 'string')) {
    problems.push({ field, rule: 'stringList', message: `${field} must be a list of strings.`, params: { field } });
    return undefined;
  }
  const words = (list as string[]).map((w) => w.trim()).filter((w) => w !== '');
  if (words.length > max) {
    problems.push({
      field,
      rule: 'maxItems',
      message: `${field} has ${words.length} entries; at most ${max} are allowed.`,
      params: { field, max, count: words.length },
    });
    return undefined;
  }
  return words;
}
