/**
 * Every file the formatter writes, read back by parsers written by others: WebVTT by
 * webvtt-parser (the W3C validator's parser), SubRip by the `subtitle` package.
 */
import { parseSync } from 'subtitle';
import { FORMAT_DEFAULTS, FormatOptions, formatTranscript, Sentence } from '../../nodes/transcript';
import { mulberry32 } from '../support/random';

const { WebVTTParser } = require('webvtt-parser');

const o = (extra: Partial<FormatOptions> = {}): FormatOptions => ({ ...FORMAT_DEFAULTS, ...extra });

const WORDS = [
  'the',
  'printing',
  'press',
  'changed',
  'a',
  'world',
  'and',
  'ideas',
  'spread',
  'faster,',
  'than',
  'ever.',
  '<b>',
  'Tom',
  '&',
  'Jerry',
  'of',
  'in',
  '-->',
  '你好，',
  '世界。',
  '印刷术',
  'の歴史',
  '&amp;',
  'x<y',
];

function randomTranscript(seed: number, n: number): Sentence[] {
  const int = mulberry32(seed);
  const rnd = () => int(1_000_000) / 1_000_000;
  const out: Sentence[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(rnd() * 40);
    const text = Array.from({ length: len }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
    const start = t + Math.floor(rnd() * 2000) - 300;
    const end = start + Math.floor(rnd() * 15000);
    const timed = rnd() > 0.2;
    out.push({
      vendor: rnd() > 0.5 ? 'aliyun' : 'agora',
      text,
      start: timed ? Math.max(0, start) : undefined,
      end: timed ? end : undefined,
      words: [],
      speaker: rnd() > 0.6 ? `S<${i % 3}>&` : undefined,
    });
    t = Math.max(t, end);
  }
  return out;
}

describe('transcript: output read back by independent parsers', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`WebVTT of random transcript ${seed} has no parser errors and the same cues`, () => {
      const f = formatTranscript(randomTranscript(seed, 60), o({ format: 'vtt', maxLines: 1 + (seed % 3) }));
      const tree = new WebVTTParser().parse(f.output, 'subtitles');
      tree.errors.should.eql([]);
      tree.cues.length.should.equal(f.cues.length);
      tree.cues.forEach((c: { startTime: number; endTime: number }, i: number) => {
        Math.round(c.startTime * 1000).should.equal(f.cues[i].start);
        Math.round(c.endTime * 1000).should.equal(f.cues[i].end);
        if (i > 0) c.startTime.should.be.aboveOrEqual(tree.cues[i - 1].endTime);
      });
    });

    it(`SRT of random transcript ${seed} parses back to the same cues`, () => {
      const f = formatTranscript(randomTranscript(seed, 60), o({ format: 'srt', speakerLabels: false }));
      const nodes = parseSync(f.output).filter((n) => n.type === 'cue');
      nodes
        .map((n) => n.data)
        .should.eql(f.cues.map((c) => ({ start: c.start, end: c.end, text: c.lines.join('\n') })));
    });
  }

  it('a hostile speaker name cannot end the voice tag or inject markup', () => {
    const f = formatTranscript(
      [{ vendor: 'agora', text: 'hi', start: 0, end: 1000, words: [], speaker: 'x> <script>' }],
      o({ format: 'vtt' }),
    );
    const tree = new WebVTTParser().parse(f.output, 'subtitles');
    tree.errors.should.eql([]);
    const v = tree.cues[0].tree.children[0];
    v.name.should.equal('v');
    v.children
      .map((n: { value: string }) => n.value)
      .join('')
      .should.equal('hi');
  });
});
