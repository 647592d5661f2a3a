import { readBool, readInt } from '../../lib/validate';
import { Problem } from '../../lib/errors';
import { LANGUAGE_PATTERN } from '../options';

/** What the node's dialog sets; the page's per-viewer style comes from its URL instead. */
export interface CaptionOptions {
  /** Where the page is served, under Node-RED's httpNodeRoot: the flow's contract with viewers. */
  path: string;
  /** Roll-up rows a viewer sees unless its URL says otherwise. */
  lines: number;
  maxLineLength: number;
  maxLineLengthCjk: number;
  /** Seconds without an event before the page clears; 0 keeps the last lines. */
  clearAfter: number;
  /** Translation shown under the original unless the viewer's URL picks another; '' = none. */
  translation: string;
  speakerLabels: boolean;
  /** Sentences a room keeps for late joiners and for replay after a reconnect. */
  history: number;
  /** Rooms (sessions) kept at once; one more closes the one idle longest. */
  maxRooms: number;
  /** A second output reporting viewers connecting and leaving. */
  viewerEvents: boolean;
}

/** 3 rows (users ask for 3-5), Netflix line lengths, BBC-style clearing after a pause. */
export const CAPTION_DEFAULTS: CaptionOptions = {
  path: '/captions',
  lines: 3,
  maxLineLength: 42,
  maxLineLengthCjk: 16,
  clearAfter: 6,
  translation: '',
  speakerLabels: true,
  history: 50,
  maxRooms: 20,
  viewerEvents: false,
};

/** A path Express reads literally: ':', '*', '(' and '?' would be patterns. */
export const PATH_PATTERN = /^\/[A-Za-z0-9._~/-]*$/;

const WHOLE: Record<
  'lines' | 'maxLineLength' | 'maxLineLengthCjk' | 'clearAfter' | 'history' | 'maxRooms',
  [number, number]
> = {
  lines: [1, 10],
  maxLineLength: [10, 200],
  maxLineLengthCjk: [4, 100],
  clearAfter: [0, 3600],
  history: [5, 1000],
  maxRooms: [1, 200],
};

/** Normalizes a path as typed ("captions" → "/captions", no trailing slash). */
export function normalizePath(v: string): string {
  let p = v.trim();
  if (p && !p.startsWith('/')) p = `/${p}`;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** Reads the dialog's values (strings or numbers, missing ones from the defaults); returns every problem at once. */
export function readCaptionOptions(input: Record<string, unknown>): { options: CaptionOptions; problems: Problem[] } {
  const problems: Problem[] = [];
  const options: CaptionOptions = { ...CAPTION_DEFAULTS };
  const given = (key: keyof CaptionOptions): unknown => {
    const v = input[key];
    return v === undefined ||
      v === null ||
      (typeof v === 'string' && v.trim() === '' && key !== 'translation' && key !== 'path')
      ? undefined
      : v;
  };

  const path = given('path');
  if (path !== undefined) {
    const p = typeof path === 'string' ? normalizePath(path) : '';
    if (p.length > 1 && p.length <= 200 && PATH_PATTERN.test(p) && !p.includes('//') && !/(^|\/)\.\.?(\/|$)/.test(p))
      options.path = p;
    else
      problems.push({
        field: 'path',
        rule: 'pattern',
        message:
          'path must start with / and may only contain letters, digits and . _ ~ / - (not "/" alone, "//" or dot segments).',
        params: { field: 'path', value: String(path).slice(0, 40) },
      });
  }
  const translation = given('translation');
  if (translation !== undefined) {
    const s = typeof translation === 'string' ? translation.trim() : undefined;
    if (s === '' || (s !== undefined && LANGUAGE_PATTERN.test(s))) options.translation = s;
    else
      problems.push({
        field: 'translation',
        rule: 'pattern',
        message: 'translation must be empty (none) or a language code such as en or zh-CN.',
        params: { field: 'translation', value: String(translation).slice(0, 20) },
      });
  }
  for (const key of ['speakerLabels', 'viewerEvents'] as const) {
    const v = given(key);
    const b = v === undefined ? undefined : readBool(key, v, problems);
    if (b !== undefined) options[key] = b;
  }
  for (const [key, [min, max]] of Object.entries(WHOLE) as Array<[keyof typeof WHOLE, [number, number]]>) {
    const v = given(key);
    const n = v === undefined ? undefined : readInt(key, v, min, max, problems);
    if (n !== undefined) options[key] = n;
  }
  return { options, problems };
}
