/**
 * The scripted conversation a pub bot pushes for one agent: per sentence, interim
 * results growing word by word, then the final one, then (with translateConfig) one
 * translation per sentence. Deterministic, short, and finite.
 */
import { gzipSync } from 'zlib';
import type { EmulatedAgent } from './agents';
import { sttTextType } from './stt-message';
import { isObject, isUidString } from './validate-body';

export interface ScriptSentence {
  uid: number;
  words: string[];
}

export const SCRIPT: readonly ScriptSentence[] = [
  { uid: 0, words: ['Hello', 'everyone,', 'welcome', 'to', 'the', 'meeting.'] },
  { uid: 1, words: ['Today', 'we', 'test', 'live', 'captions.'] },
];

/** [I] Speakers: the subscribed uids when given, else 1001 and 1002. */
function speakers(agent: EmulatedAgent): number[] {
  const rtc = agent.config.rtcConfig;
  const subs =
    isObject(rtc) && Array.isArray(rtc.subscribeAudioUids)
      ? rtc.subscribeAudioUids.filter(isUidString).map(Number)
      : [];
  return subs.length ? [subs[0], subs[1] ?? subs[0]] : [1001, 1002];
}

/** [I] The emulator does not translate: "[<lang>] <source text>". */
export function fakeTranslation(lang: string, text: string): string {
  return `[${lang}] ${text}`;
}

function targetsFor(agent: EmulatedAgent, culture: string): string[] {
  const tc = agent.translateConfig;
  if (!isObject(tc) || tc.enable === false || !Array.isArray(tc.languages)) return [];
  const out: string[] = [];
  for (const item of tc.languages) {
    if (
      isObject(item) &&
      typeof item.source === 'string' &&
      item.source.split(',').includes(culture) &&
      Array.isArray(item.target)
    ) {
      for (const t of item.target) if (typeof t === 'string' && !out.includes(t)) out.push(t);
    }
  }
  return out;
}

export interface ScriptFrame {
  kind: 'transcribe' | 'translate';
  final: boolean;
  sentence: number;
  data: Buffer;
}

interface Step {
  kind: 'transcribe' | 'translate';
  uid: number;
  sentence: number;
  /** Words known so far; `stable` of them are settled. */
  words: string[];
  stable: number;
  final: boolean;
  offset: number;
  duration: number;
  textTs: number;
  targets: string[];
}

function steps(agent: EmulatedAgent, baseTs: number, culture: string): Step[] {
  const uids = speakers(agent);
  const targets = targetsFor(agent, culture);
  const out: Step[] = [];
  let offset = 0;
  SCRIPT.forEach((s, i) => {
    const textTs = baseTs + offset;
    const duration = s.words.length * 400;
    const uid = uids[s.uid];
    // [I] Once half the sentence is heard it settles and stays as it is ("no further
    // modifications are expected", parse-data.mdx); the rest is interim until the end.
    const half = Math.floor(s.words.length / 2);
    for (let n = 2; n < s.words.length; n += 2) {
      out.push({
        kind: 'transcribe',
        uid,
        sentence: i + 1,
        words: s.words.slice(0, n),
        stable: n > half ? half : 0,
        final: false,
        offset,
        duration: n * 400,
        textTs,
        targets,
      });
    }
    out.push({
      kind: 'transcribe',
      uid,
      sentence: i + 1,
      words: s.words,
      stable: half,
      final: true,
      offset,
      duration,
      textTs,
      targets,
    });
    if (targets.length)
      out.push({
        kind: 'translate',
        uid,
        sentence: i + 1,
        words: s.words,
        stable: s.words.length,
        final: true,
        offset,
        duration,
        textTs,
        targets,
      });
    offset += duration + 600;
  });
  return out;
}

function protobufFrame(step: Step, culture: string, seq: number): Buffer {
  const text = step.words.join(' ');
  const Text = sttTextType();
  void seq;
  // Agora's current proto: words[] may hold several segments (the settled prefix, then the rest).
  const segments = [
    { text: step.words.slice(0, step.stable).join(' '), is_final: true },
    { text: step.words.slice(step.stable).join(' '), is_final: step.final },
  ].filter((w) => w.text !== '');
  const msg = {
    uid: step.uid,
    time: step.final ? step.textTs : 0,
    words: step.kind === 'transcribe' ? segments : [],
    sentence_id: step.textTs,
    duration_ms: step.duration,
    data_type: step.kind,
    trans:
      step.kind === 'translate'
        ? step.targets.map((lang) => ({ is_final: true, lang, texts: [fakeTranslation(lang, text)] }))
        : [],
    culture,
    text_ts: step.textTs,
  };
  return Buffer.from(Text.encode(Text.fromObject(msg)).finish());
}

/**
 * 7.2.3 JSON shape (docs-portal parse-data.mdx): `results[]` holds the settled prefix plus the rest;
 * the message-level text/isFinal describe the settled part, and a follow-up repeats them with
 * `results: []`.
 */
function jsonMessages(step: Step, culture: string): unknown[] {
  const text = step.words.join(' ');
  const head = {
    uid: step.uid,
    textTs: step.textTs,
    offset: step.offset,
    duration: step.duration,
    isFinal: step.final,
    sentenceId: step.textTs,
  };
  if (step.kind === 'translate') {
    const results = step.targets.map((language) => ({
      language,
      texts: [fakeTranslation(language, text)],
      isFinal: true,
    }));
    return [
      {
        translation: {
          ...head,
          results0: { language: step.targets[0], texts: results[0].texts },
          results,
          original_transcript: { language: culture, text, results: [{ text, isFinal: true }] },
        },
      },
    ];
  }
  const stable = step.words.slice(0, step.stable).join(' ');
  const interim = step.words.slice(step.stable).join(' ');
  const results = stable ? [{ text: stable, isFinal: true, offset: step.offset, duration: step.stable * 400 }] : [];
  if (interim)
    results.push({
      text: stable ? ` ${interim}` : interim,
      isFinal: step.final,
      offset: step.offset + step.stable * 400,
      duration: (step.words.length - step.stable) * 400,
    });
  const top = { ...head, language: culture, text: step.final ? text : stable, isFinal: step.final || !!stable };
  return [{ transcript: { ...top, results } }, { transcript: { ...top, results: [] } }];
}

export function buildScript(agent: EmulatedAgent, baseTs: number): ScriptFrame[] {
  const culture = agent.languages[0] ?? 'en-US';
  const frames: ScriptFrame[] = [];
  let seq = 0;
  for (const step of steps(agent, baseTs, culture)) {
    const datas = agent.enableJsonProtocol
      ? jsonMessages(step, culture).map((m) => gzipSync(Buffer.from(JSON.stringify(m))))
      : [protobufFrame(step, culture, ++seq)];
    for (const data of datas) frames.push({ kind: step.kind, final: step.final, sentence: step.sentence, data });
  }
  return frames;
}
