import { readBool, readInt } from '../lib/validate';
import { Problem } from '../lib/errors';

export type TranscriptFormat = 'text' | 'srt' | 'vtt';

export const FORMATS: readonly TranscriptFormat[] = ['text', 'srt', 'vtt'];

/** Everything that shapes the output; the node's editor defaults are these values. */
export interface FormatOptions {
  format: TranscriptFormat;
  /** '' = the original text; a language code = that entry of `translations[]`. */
  language: string;
  /** Label cues with the speaker when any sentence names one. */
  speakerLabels: boolean;
  /** Text format only: `[hh:mm:ss] ` before each sentence. */
  timestamps: boolean;
  maxLineLength: number;
  maxLineLengthCjk: number;
  maxLines: number;
  /** ms */
  minDuration: number;
  maxDuration: number;
  minGap: number;
  /** Reading speed: characters per second a cue is kept on screen for, at most. */
  maxCps: number;
}

/**
 * Netflix Timed Text Style Guide values: 42 characters a line (16 for CJK), 2 lines,
 * 5/6 s to 7 s a cue, 2 frames at 24 fps between cues, 17 characters a second.
 */
export const FORMAT_DEFAULTS: FormatOptions = {
  format: 'srt',
  language: '',
  speakerLabels: true,
  timestamps: false,
  maxLineLength: 42,
  maxLineLengthCjk: 16,
  maxLines: 2,
  minDuration: 833,
  maxDuration: 7000,
  minGap: 83,
  maxCps: 17,
};

const LIMITS: Record<
  'maxLineLength' | 'maxLineLengthCjk' | 'maxLines' | 'minDuration' | 'maxDuration' | 'minGap' | 'maxCps',
  [number, number]
> = {
  maxLineLength: [10, 200],
  maxLineLengthCjk: [4, 100],
  maxLines: [1, 5],
  minDuration: [0, 10000],
  maxDuration: [500, 60000],
  minGap: [0, 2000],
  maxCps: [1, 100],
};

/** A BCP 47-like tag (en, zh-CN, yue_hant) as vendors name translation languages. */
export const LANGUAGE_PATTERN = /^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8}){0,3}$/;

/**
 * Reads options as the editor stores them (strings, booleans), missing ones from the
 * defaults; returns every problem at once.
 */
export function readOptions(input: Record<string, unknown>): { options: FormatOptions; problems: Problem[] } {
  const problems: Problem[] = [];
  const options: FormatOptions = { ...FORMAT_DEFAULTS };
  const given = (key: keyof FormatOptions): unknown => {
    const v = input[key];
    return v === undefined || v === null || (typeof v === 'string' && v.trim() === '' && key !== 'language')
      ? undefined
      : v;
  };

  const format = given('format');
  if (format !== undefined) {
    if (typeof format === 'string' && (FORMATS as readonly string[]).includes(format.trim()))
      options.format = format.trim() as TranscriptFormat;
    else
      problems.push({
        field: 'format',
        rule: 'enum',
        message: `format must be one of ${FORMATS.join(', ')} (got "${String(format).slice(0, 20)}").`,
        params: { field: 'format', values: FORMATS.join(', '), value: String(format).slice(0, 20) },
      });
  }
  const language = given('language');
  if (language !== undefined) {
    const s = typeof language === 'string' ? language.trim() : undefined;
    if (s === '' || (s !== undefined && LANGUAGE_PATTERN.test(s))) options.language = s;
    else
      problems.push({
        field: 'language',
        rule: 'pattern',
        message: 'language must be empty (the original text) or a language code such as en or zh-CN.',
        params: { field: 'language', hint: 'en, zh-CN', value: String(language).slice(0, 20) },
      });
  }
  for (const key of ['speakerLabels', 'timestamps'] as const) {
    const v = given(key);
    const b = v === undefined ? undefined : readBool(key, v, problems);
    if (b !== undefined) options[key] = b;
  }
  for (const [key, [min, max]] of Object.entries(LIMITS) as Array<[keyof typeof LIMITS, [number, number]]>) {
    const v = given(key);
    const n = v === undefined ? undefined : readInt(key, v, min, max, problems);
    if (n !== undefined) options[key] = n;
  }
  if (
    !problems.some((p) => p.field === 'minDuration' || p.field === 'maxDuration') &&
    options.minDuration > options.maxDuration
  ) {
    problems.push({
      field: 'maxDuration',
      rule: 'order',
      message: `maxDuration (${options.maxDuration} ms) must not be below minDuration (${options.minDuration} ms).`,
      params: { field: 'maxDuration', min: options.minDuration },
    });
  }
  return { options, problems };
}
