/**
 * What a Success poll returns. The per-segment field names and units are NOT
 * documented (vendor-apis.md §3.6 question 1): every one of them is [I] and lives in
 * RESULT_FIELDS, so a correction is a one-line change here.
 */

/**
 * [I] Names of the result fields. Times are integer milliseconds from the start of
 * the audio [I]; the task-level `duration` is in seconds (a float) [I], like the
 * observed `"duration":<number>` next to a short clip.
 */
export const RESULT_FIELDS = {
  text: 'text',
  start: 'start_time',
  end: 'end_time',
  speaker: 'speaker_id',
  words: 'words',
  word: 'word',
  confidence: 'confidence',
} as const;

export interface ScriptWord {
  word: string;
  startMs: number;
  endMs: number;
  /** 0..1; default 0.95. */
  confidence?: number;
}

export interface ScriptSegment {
  text: string;
  startMs: number;
  endMs: number;
  /** [I] Integer speaker id; shown only when the task has enable_speaker. Default 0. */
  speaker?: number;
  /** Word timings; when absent they are spread evenly over the segment. */
  words?: ScriptWord[];
}

export const DEFAULT_SCRIPT: readonly ScriptSegment[] = Object.freeze([
  { text: 'Good morning, this is the Unisound emulator.', startMs: 0, endMs: 2800, speaker: 0 },
  { text: '你好，云知声语音链路测试成功！', startMs: 3100, endMs: 5600, speaker: 1 },
  { text: 'The meeting starts at 10 am.', startMs: 6000, endMs: 8200, speaker: 0 },
  { text: '我们明天再讨论预算。', startMs: 8600, endMs: 10400, speaker: 1 },
]);

/** Latin runs split on spaces; CJK text one character a word, punctuation dropped. */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  for (const token of text.split(/\s+/)) {
    if (token === '') continue;
    if (/[\u3000-\u9fff\uff00-\uffef]/.test(token)) {
      for (const ch of Array.from(token)) if (/[\u3400-\u9fff\p{L}\p{N}]/u.test(ch)) out.push(ch);
    } else {
      const word = token.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
      if (word) out.push(word);
    }
  }
  return out;
}

function evenWords(seg: ScriptSegment): ScriptWord[] {
  const words = splitWords(seg.text);
  const span = Math.max(0, seg.endMs - seg.startMs);
  return words.map((word, i) => ({
    word,
    startMs: seg.startMs + Math.floor((span * i) / words.length),
    endMs: seg.startMs + Math.floor((span * (i + 1)) / words.length),
  }));
}

export interface ResultOptions {
  enableSpeaker: boolean;
  wordInfo: boolean;
  /** When set, speaker ids are folded into 0..speakerNum-1 [I]. */
  speakerNum?: number;
}

export function buildResults(script: readonly ScriptSegment[], o: ResultOptions): Record<string, unknown>[] {
  const F = RESULT_FIELDS;
  return script.map((seg) => {
    const r: Record<string, unknown> = { [F.text]: seg.text, [F.start]: seg.startMs, [F.end]: seg.endMs };
    if (o.enableSpeaker) {
      const id = seg.speaker ?? 0;
      r[F.speaker] = o.speakerNum ? id % o.speakerNum : id;
    }
    if (o.wordInfo) {
      r[F.words] = (seg.words ?? evenWords(seg)).map((w) => ({
        [F.word]: w.word,
        [F.start]: w.startMs,
        [F.end]: w.endMs,
        [F.confidence]: w.confidence ?? 0.95,
      }));
    }
    return r;
  });
}

/** [I] Seconds: the end of the last segment, rounded to milliseconds. */
export function scriptDurationSeconds(script: readonly ScriptSegment[]): number {
  const endMs = script.reduce((m, s) => Math.max(m, s.endMs), 0);
  return Math.round(endMs) / 1000;
}

export function checkScript(script: readonly ScriptSegment[]): void {
  for (const [i, s] of script.entries()) {
    if (typeof s.text !== 'string') throw new TypeError(`script[${i}].text must be a string`);
    if (!(Number.isFinite(s.startMs) && Number.isFinite(s.endMs) && s.startMs >= 0 && s.endMs >= s.startMs)) {
      throw new RangeError(`script[${i}] needs 0 <= startMs <= endMs`);
    }
  }
}
