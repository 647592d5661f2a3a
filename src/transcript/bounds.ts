import { TranscriptWord, Translation } from '../lib/transcript';
import { Sentence } from './input';

/**
 * What one sentence may hold once it is kept in memory (a transcript session, a caption
 * room). Everything from outside is bounded in bytes: a 250 KB "sentence" is kept as its first
 * 4 KB, not whole.
 */
export interface SentenceLimits {
  /** UTF-8 bytes of the text, and of each translation's text. */
  textBytes: number;
  /** UTF-8 bytes of the speaker name (an Agora uid is at most 64 characters). */
  speakerBytes: number;
  translations: number;
  /** Word timings kept; a sentence with more keeps only its first and last times. */
  words: number;
}

export const SENTENCE_LIMITS: SentenceLimits = { textBytes: 4096, speakerBytes: 256, translations: 8, words: 500 };

/** What a kept word, translation or sentence costs besides its text: object headers, numbers, the array slot. */
const WORD_OVERHEAD = 64;
const TRANSLATION_OVERHEAD = 64;
const SENTENCE_OVERHEAD = 256;
const LANGUAGE_BYTES = 32;
/** A word is a word: longer "words" are cut (their times still count). */
const WORD_TEXT_BYTES = 128;

/**
 * `s` cut to at most `maxBytes` UTF-8 bytes, at a character boundary. A cut string is a fresh
 * copy: V8 keeps a slice of a long string as a view onto the whole of it, so `slice()` alone
 * would keep the 250 KB original alive.
 */
export function cutUtf8(s: string, maxBytes: number): string {
  if (s.length <= maxBytes / 3 || Buffer.byteLength(s) <= maxBytes) return s;
  const buf = Buffer.from(s.slice(0, maxBytes), 'utf8');
  let end = Math.min(maxBytes, buf.length);
  // Back up to the first byte of a character (continuation bytes are 10xxxxxx).
  if (end < buf.length) while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.toString('utf8', 0, end);
}

/** The bytes a kept sentence is counted as: its strings in UTF-8 plus a fixed cost per part. */
export function sentenceBytes(s: Sentence): number {
  let n = SENTENCE_OVERHEAD + Buffer.byteLength(s.text) + (s.speaker ? Buffer.byteLength(s.speaker) : 0);
  if (s.language) n += LANGUAGE_BYTES;
  for (const t of s.translations ?? []) n += TRANSLATION_OVERHEAD + LANGUAGE_BYTES + Buffer.byteLength(t.text);
  for (const w of s.words) n += WORD_OVERHEAD + Buffer.byteLength(w.text);
  return n;
}

/** A sentence fit to keep: within `limits`, and holding no reference to the (possibly huge) input. */
export function boundSentence(
  s: Sentence,
  limits: SentenceLimits = SENTENCE_LIMITS,
): { sentence: Sentence; bytes: number; cut: boolean } {
  let cut = false;
  const text = (v: string, max: number): string => {
    const out = cutUtf8(v, max);
    if (out !== v) cut = true;
    return out;
  };
  let words: TranscriptWord[] = s.words;
  let start = s.start;
  let end = s.end;
  if (words.length > limits.words) {
    // Too many to keep: the sentence keeps the times they span, the cues fall back to sharing by characters.
    start ??= words[0].start;
    end ??= words[words.length - 1].end;
    words = [];
    cut = true;
  } else if (words.length) {
    // Rebuilt from the known fields: an input word may carry anything else, of any size.
    words = words.map((w) => {
      const kept: TranscriptWord = { text: text(w.text, WORD_TEXT_BYTES), start: w.start, end: w.end };
      if (typeof w.confidence === 'number') kept.confidence = w.confidence;
      return kept;
    });
  }
  let translations: Translation[] | undefined;
  if (s.translations) {
    if (s.translations.length > limits.translations) cut = true;
    translations = s.translations.slice(0, limits.translations).map((t) => ({
      language: text(t.language, LANGUAGE_BYTES),
      text: text(t.text, limits.textBytes),
      final: t.final === true,
    }));
  }
  const sentence: Sentence = {
    vendor: s.vendor,
    time: s.time,
    sentenceIndex: s.sentenceIndex,
    text: text(s.text, limits.textBytes),
    start,
    end,
    words,
    speaker: s.speaker === undefined ? undefined : text(s.speaker, limits.speakerBytes),
    language: s.language === undefined ? undefined : text(s.language, LANGUAGE_BYTES),
    translations,
  };
  return { sentence, bytes: sentenceBytes(sentence), cut };
}
