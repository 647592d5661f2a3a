/**
 * A sentence as the units a line may break between: words for spaced scripts, single
 * characters for Chinese/Japanese/Korean (their punctuation stays with the character
 * before it), each with how good a break after it is.
 */
export interface Token {
  text: string;
  /** A space goes before this token when it follows another on the same line. */
  spaced: boolean;
  /** Break quality after this token: 3 sentence end, 2 clause, 1 phrase, 0 neutral, -1 poor, NEVER only when nothing else fits. */
  breakAfter: number;
}

/** Article or determiner before its noun: a break here is taken only when no other break fits the line. */
export const NEVER = -100;
/** Inside a word too long for a line. */
const CUT_WORD = -50;

const CJK_CHAR =
  /[\u1100-\u11ff\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/;
const CJK_GLOBAL = new RegExp(CJK_CHAR.source, 'g');
const CJK_SENTENCE_END = /[。！？!?…]$/;
const CJK_CLAUSE_END = /[，、；：,;:]$/;
const CJK_CLOSE = /[」』）》〉】”’)\]]$/;
/** Full-width punctuation and closing marks never start a line (kinsoku). */
const CJK_NO_LINE_START = /^[。，、！？；：」』）》〉】”’…・ー\u3063\u30c3,.!?;:)\]]/;

/** Words a line should break before (conjunctions, prepositions, relative pronouns). */
const BREAK_BEFORE = new Set([
  'and',
  'but',
  'or',
  'nor',
  'so',
  'yet',
  'because',
  'although',
  'though',
  'while',
  'whereas',
  'unless',
  'until',
  'if',
  'when',
  'where',
  'which',
  'who',
  'whom',
  'whose',
  'that',
  'than',
  'as',
  'after',
  'before',
  'since',
  'of',
  'in',
  'on',
  'at',
  'to',
  'for',
  'with',
  'from',
  'by',
  'about',
  'into',
  'onto',
  'over',
  'under',
  'through',
  'between',
  'during',
  'without',
  'within',
  'against',
  'among',
  'towards',
  'toward',
  'upon',
  'across',
  'behind',
]);
/** Words that must stay with the word after them: articles, determiners, possessives. */
const NEVER_BREAK_AFTER = new Set([
  'a',
  'an',
  'the',
  'this',
  'these',
  'those',
  'my',
  'your',
  'his',
  'her',
  'its',
  'our',
  'their',
  'no',
  'every',
  'each',
]);
/** Breaking after these leaves a dangling word at the end of a line. */
const POOR_BREAK_AFTER = new Set([...BREAK_BEFORE, 'i', 'not', 'very', 'mr.', 'mrs.', 'ms.', 'dr.', 'st.']);

export function cjkCount(text: string): number {
  return (text.match(CJK_GLOBAL) ?? []).length;
}

/** A cue counts as CJK when at least a third of its visible characters are CJK. */
export function isCjk(text: string): boolean {
  const visible = text.replace(/\s+/g, '').length;
  return visible > 0 && cjkCount(text) * 3 >= visible;
}

/** Characters a reader reads: everything but spaces. */
export function visibleLength(text: string): number {
  return text.replace(/\s+/g, '').length;
}

export function normalizeText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Splits a sentence into tokens; words longer than `maxTokenLength` are cut into pieces. */
export function tokenize(text: string, maxTokenLength: number): Token[] {
  const tokens: Token[] = [];
  for (const word of normalizeText(text).split(' ')) {
    if (!word) continue;
    let first = true;
    for (const piece of splitCjk(word)) {
      for (const part of cutLong(piece.text, maxTokenLength)) {
        tokens.push({ text: part, spaced: first, breakAfter: 0 });
        first = false;
      }
    }
  }
  for (let i = 0; i < tokens.length; i++) tokens[i].breakAfter = breakScore(tokens[i], tokens[i + 1]);
  return tokens;
}

/** A word holding CJK characters as one token per character, with trailing punctuation kept on the character. */
function splitCjk(word: string): Array<{ text: string }> {
  if (!CJK_CHAR.test(word)) return [{ text: word }];
  const out: Array<{ text: string }> = [];
  let latin = '';
  for (const ch of Array.from(word)) {
    if (CJK_CHAR.test(ch) || !/[A-Za-z0-9]/.test(ch)) {
      if (latin) {
        out.push({ text: latin });
        latin = '';
      }
      if (out.length && CJK_NO_LINE_START.test(ch)) out[out.length - 1].text += ch;
      else out.push({ text: ch });
    } else {
      latin += ch;
    }
  }
  if (latin) out.push({ text: latin });
  return out;
}

function cutLong(text: string, max: number): string[] {
  const chars = Array.from(text);
  if (chars.length <= max) return [text];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += max) out.push(chars.slice(i, i + max).join(''));
  return out;
}

function breakScore(token: Token, next: Token | undefined): number {
  if (!next) return 3;
  const t = token.text;
  // Inside a CJK run (or a cut word), the next token follows without a space.
  if (!next.spaced && CJK_CHAR.test(t + next.text)) {
    if (CJK_SENTENCE_END.test(t)) return 3;
    if (CJK_CLAUSE_END.test(t)) return 2;
    if (CJK_CLOSE.test(t)) return 1;
    return 0;
  }
  if (!next.spaced) return CUT_WORD;
  if (/[.!?…]["'”’)]*$/.test(t) && !POOR_BREAK_AFTER.has(t.toLowerCase())) return 3;
  if (/[,;:—–]["'”’)]*$/.test(t) || /^[-–—]$/.test(next.text)) return 2;
  const word = t.toLowerCase().replace(/[^a-z.']/g, '');
  if (NEVER_BREAK_AFTER.has(word)) return NEVER;
  if (POOR_BREAK_AFTER.has(word)) return -1;
  const nextWord = next.text.toLowerCase().replace(/[^a-z']/g, '');
  if (BREAK_BEFORE.has(nextWord)) return 1;
  return 0;
}

/** The tokens [from, to) as text. */
export function joinTokens(tokens: Token[], from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += (i > from && tokens[i].spaced ? ' ' : '') + tokens[i].text;
  return s;
}
