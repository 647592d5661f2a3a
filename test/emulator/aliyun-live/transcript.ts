/**
 * The scripted transcript a task "recognises": a session of `sentences` sentences (the three
 * of the script, repeated with a growing index and timeline), ended like a real stream's end
 * with TranscriptionCompleted. `Infinity` keeps it going for load tests.
 */
import type { EmulatedTask } from './tasks';

export interface TranscriptEvent {
  name: string;
  payload: Record<string, unknown>;
}

export interface Word {
  text: string;
  startTime: number;
  endTime: number;
}

type ScriptLang = 'en' | 'cn' | 'ja';

/** Non-ASCII text on purpose: receivers must keep UTF-8 intact end to end. */
const SCRIPT: Record<ScriptLang, string[]>[] = [
  {
    en: ['Good', 'to see', 'you all', 'here'],
    cn: ['很高兴', '在这里', '见到', '大家'],
    ja: ['皆さんに', 'ここで', 'お会いできて', '嬉しいです'],
  },
  {
    en: ['The', 'weather', 'is', 'nice', 'today'],
    cn: ['今天', '天气', '很', '好'],
    ja: ['今日は', 'いい', '天気', 'です'],
  },
  {
    en: ['Thank', 'you', 'for', 'watching'],
    cn: ['感谢', '大家', '的', '收看'],
    ja: ['ご視聴', 'ありがとう', 'ございました'],
  },
];

export const WORD_MS = 510;
const GAP_MS = 300;
/**
 * The Live sample callback shows index 0 on the first partial, while the NLS doc says
 * sentences count from 1; the emulator follows the Live sample.
 */
export const FIRST_SENTENCE_INDEX = 0;

function scriptLang(language: string): ScriptLang {
  if (language === 'en') return 'en';
  if (language === 'ja') return 'ja';
  return 'cn'; // cn, yue and fspk all transcribe to Chinese characters in the script
}

export function joinWords(lang: string, words: string[]): string {
  return words.join(scriptLang(lang) === 'en' ? ' ' : '');
}

export function sentenceText(sentence: number, lang: string): string {
  return joinWords(lang, SCRIPT[sentence % SCRIPT.length][scriptLang(lang)]);
}

function targets(task: EmulatedTask): string[] {
  if (task.params.TranslateEnabled !== 'true' || !task.params.TargetLanguages) return [];
  return task.params.TargetLanguages.split(',');
}

/** Sentences in a session unless the emulator is told otherwise: a few seconds of demo, then the end. */
export const DEFAULT_SESSION_SENTENCES = 6;

/**
 * In the documented order: Started, then (Begin, Changed*, End)* (End* for ReportInterval=-1),
 * then Completed.
 * [I] The docs list TranscriptionCompleted as "end of task" without its payload; the emulator
 * sends the session_id, like TranscriptionStarted, and leaves the task's status as it was
 * (Query keeps showing it until StopRtcAsrTask).
 */
export function* transcriptEvents(
  task: EmulatedTask,
  sentences: number = DEFAULT_SESSION_SENTENCES,
): Generator<TranscriptEvent, void> {
  const finalOnly = task.params.ReportInterval === '-1';
  const lang = task.language;
  yield { name: 'TranscriptionStarted', payload: { session_id: task.nlsTaskId } };
  let clock = 0;
  for (let n = 0; n < sentences; n++) {
    const index = FIRST_SENTENCE_INDEX + n;
    const texts = SCRIPT[n % SCRIPT.length][scriptLang(lang)];
    const begin = clock;
    const words: Word[] = texts.map((text, i) => ({
      text,
      startTime: begin + i * WORD_MS,
      endTime: begin + (i + 1) * WORD_MS,
    }));
    const base = { fixed_result: '', unfixed_result: '', status: 0 };
    if (!finalOnly) {
      yield { name: 'SentenceBegin', payload: { index, time: begin, result: '', confidence: 0, words: [], ...base } };
      for (let i = 1; i <= words.length; i++) {
        const partial = words.slice(0, i);
        yield {
          name: 'TranscriptionResultChanged',
          payload: {
            index,
            time: partial[i - 1].endTime,
            result: joinWords(lang, texts.slice(0, i)),
            confidence: 0,
            words: partial,
            ...base,
          },
        };
      }
    }
    const end = words[words.length - 1].endTime;
    const payload: Record<string, unknown> = {
      index,
      time: end,
      begin_time: begin,
      result: joinWords(lang, texts),
      confidence: 0.92 + (n % 3) / 100,
      words,
      ...base,
    };
    const langs = targets(task);
    // Emulator assumption: the real translation field is undocumented.
    if (langs.length) payload.translations = langs.map((language) => ({ language, text: sentenceText(n, language) }));
    yield { name: 'SentenceEnd', payload };
    clock = end + GAP_MS;
  }
  yield { name: 'TranscriptionCompleted', payload: { session_id: task.nlsTaskId } };
}
