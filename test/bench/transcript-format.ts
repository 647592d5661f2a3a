/**
 * Benchmark: formatting a long transcript (6,000 sentences, about 5 hours) to SRT and
 * WebVTT, against the `subtitle` package's stringifySync writing the same cues in the same
 * run (it only serialises; we also break lines and time cues, so a ratio above 1 is
 * expected). Also checks that time grows linearly: 5 hours take about 5 times 1 hour.
 *
 *   node test/bench/transcript-format.js
 */
import { stringifySync, NodeList } from 'subtitle';
import { FORMAT_DEFAULTS, formatTranscript, Sentence, TranscriptFormat } from '../../nodes/transcript';
import { mulberry32 } from '../support/random';
import { BenchResult, median, round } from './types';

const WORDS =
  'the printing press changed how people in every country of the world shared ideas and stories with each other over many centuries'.split(
    ' ',
  );
const SENTENCES_PER_HOUR = 1200;
/** Linear within this factor: 5 h / 1 h between 5/1.6 and 5*1.6. */
const LINEARITY_TOLERANCE = 1.6;

export function longTranscript(hours: number, seed = 7): Sentence[] {
  const rnd = mulberry32(seed);
  const out: Sentence[] = [];
  let t = 0;
  for (let i = 0; i < hours * SENTENCES_PER_HOUR; i++) {
    const len = 4 + rnd(28);
    const text = Array.from({ length: len }, () => WORDS[rnd(WORDS.length)]).join(' ') + '.';
    const start = t + rnd(400);
    const end = start + 1000 + len * 250;
    out.push({ vendor: 'aliyun', text, start, end, words: [], speaker: i % 7 === 0 ? 'Host' : undefined });
    t = end;
  }
  return out;
}

function timeMs(fn: () => unknown, rounds: number): number {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(samples);
}

export async function runTranscriptFormatBench(
  opts: { rounds?: number; log?: (l: string) => void } = {},
): Promise<BenchResult[]> {
  const rounds = opts.rounds ?? 5;
  const log = opts.log ?? (() => undefined);
  const five = longTranscript(5);
  const one = five.slice(0, SENTENCES_PER_HOUR);
  const results: BenchResult[] = [];
  for (const format of ['srt', 'vtt'] as TranscriptFormat[]) {
    const o = { ...FORMAT_DEFAULTS, format };
    formatTranscript(one, o); // warm-up
    const cues = formatTranscript(five, o).cues;
    const nodes: NodeList = cues.map((c) => ({ type: 'cue', data: { start: c.start, end: c.end, text: c.text } }));
    const ours5 = timeMs(() => formatTranscript(five, o), rounds);
    const ours1 = timeMs(() => formatTranscript(one, o), rounds);
    const baseline = timeMs(() => stringifySync(nodes, { format: format === 'vtt' ? 'WebVTT' : 'SRT' }), rounds);
    const growth = ours5 / ours1;
    const linear = growth > 5 / LINEARITY_TOLERANCE && growth < 5 * LINEARITY_TOLERANCE;
    log(
      `  ${format}: 5 h (${five.length} sentences, ${cues.length} cues) ${round(ours5)} ms, 1 h ${round(ours1)} ms (x${round(growth)}), subtitle.stringifySync ${round(baseline)} ms`,
    );
    results.push({
      name: `transcript-format ${format} 5 h`,
      unit: 'ms',
      ours: round(ours5),
      baseline: round(baseline),
      ratio: round(ours5 / baseline),
      target: `5h/1h ${round(5 / LINEARITY_TOLERANCE)}–${round(5 * LINEARITY_TOLERANCE)}, < 1 s`,
      pass: linear && ours5 < 1000,
      details: {
        sentences: five.length,
        cues: cues.length,
        oneHourMs: round(ours1),
        growth: round(growth),
        bytes: formatTranscript(five, o).output.length,
      },
    });
  }
  return results;
}

if (require.main === module) {
  runTranscriptFormatBench({ log: (l) => console.log(l) }).then(
    (results) => {
      for (const r of results)
        console.log(
          `${r.name}: ${r.ours} ms vs ${r.baseline} ms (ratio ${r.ratio}) ${r.pass ? 'PASS' : 'MISS'} ${JSON.stringify(r.details)}`,
        );
      process.exit(results.every((r) => r.pass) ? 0 : 1);
    },
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );
}
