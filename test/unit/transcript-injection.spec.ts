/**
 * Text from outside (sentence text, speaker names: an Agora uid is chosen by any participant)
 * cannot forge cues or lines: CR, LF, control characters and "-->" never reach a file.
 * Files are read back by webvtt-parser and `subtitle`, and by the strict checks below.
 */
import 'should';
import { parseSync } from 'subtitle';
import { FORMAT_DEFAULTS, FormatOptions, formatCue, formatTranscript, Sentence } from '../../nodes/transcript';

const { WebVTTParser } = require('webvtt-parser');

const o = (extra: Partial<FormatOptions> = {}): FormatOptions => ({ ...FORMAT_DEFAULTS, ...extra });
const FORGED_CUE = '\r\r2\r00:00:00,000 --> 99:00:00,000\rFORGED';
const hostile = (extra: Partial<Sentence> = {}): Sentence[] => [
  { vendor: 'agora', text: 'hello there', start: 0, end: 2000, words: [], speaker: `Bob${FORGED_CUE}` },
  {
    vendor: 'agora',
    text: `second\u0085line\u2028x ---> y\u0000\u001b[31m`,
    start: 3000,
    end: 5000,
    words: [],
    ...extra,
  },
];

/** SubRip as the spec reads it: blocks of number, one timing line, text lines; nothing else. */
function strictSrt(s: string): Array<{ n: number; timing: string; text: string[] }> {
  /[\r\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/.test(s).should.be.false('no CR or control characters');
  const blocks = s.replace(/\n$/, '').split('\n\n');
  return blocks.map((b, i) => {
    const [n, timing, ...text] = b.split('\n');
    Number(n).should.equal(i + 1);
    timing.should.match(/^\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}$/);
    for (const line of text) line.should.not.containEql('-->');
    return { n: Number(n), timing, text };
  });
}

describe('transcript: no cue or line injection through text or speaker names', () => {
  it('SRT: a speaker name with lone CRs cannot forge a cue', () => {
    const f = formatTranscript(hostile(), o({ format: 'srt' }));
    const blocks = strictSrt(f.output);
    blocks.should.have.length(f.cues.length);
    const cues = parseSync(f.output).filter((n) => n.type === 'cue');
    cues.should.have.length(f.cues.length);
    for (const c of cues) (c.data as { end: number }).end.should.be.below(10000);
    blocks[0].text[0].should.startWith('Bob 2 00:00:00,000 -> 99:00:00,000 FORGED: hello');
  });

  it('WebVTT: no forged cue, no cue lasting 99 hours', () => {
    const f = formatTranscript(hostile(), o({ format: 'vtt' }));
    const tree = new WebVTTParser().parse(f.output, 'subtitles');
    tree.errors.should.eql([]);
    tree.cues.length.should.equal(f.cues.length);
    for (const c of tree.cues) c.endTime.should.be.below(10);
    f.output.should.not.match(/[\r\u0000-\u0009\u000b-\u001f\u0085\u2028]/);
  });

  it('text: LFs in text and speaker cannot forge lines', () => {
    const f = formatTranscript(
      hostile({ speaker: 'Eve\n[00:00:09] Mallory: forged' }),
      o({ format: 'text', timestamps: true }),
    );
    const lines = f.output.replace(/\n$/, '').split('\n');
    lines.should.have.length(2);
    for (const l of lines) l.should.match(/^\[\d\d:\d\d:\d\d\] [^\r\u0000-\u001f]*$/);
    lines[1].should.startWith('[00:00:03] Eve [00:00:09] Mallory: forged: second line x -> y');
  });

  it('each cue on its own (emitCues) is cleaned the same way', () => {
    const opts = o({ format: 'srt' });
    const f = formatTranscript(hostile(), opts);
    for (const cue of f.cues) strictSrt(formatCue(cue, opts, true).replace(/^\d+/, '1'));
    // Cues built from any input (not only ones the formatter made) are cleaned when written.
    const raw = { ...f.cues[0], lines: ['a\rb --> c'], speaker: 'x\r\ny' };
    strictSrt(formatCue(raw, opts, true).replace(/^\d+/, '1'))[0].text.should.eql(['x y: a b -> c']);
  });
});
