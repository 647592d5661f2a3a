import should from 'should';
import {
  breakLines,
  buildCues,
  Cue,
  escapeVtt,
  FORMAT_DEFAULTS,
  FormatOptions,
  formatTranscript,
  Measure,
  readInput,
  readOptions,
  Sentence,
  SessionStore,
  timestamp,
  tokenize,
} from '../../nodes/transcript';

const o = (extra: Partial<FormatOptions> = {}): FormatOptions => ({ ...FORMAT_DEFAULTS, ...extra });
const s = (text: string, start?: number, end?: number, extra: Partial<Sentence> = {}): Sentence => ({
  vendor: 'aliyun',
  text,
  start,
  end,
  words: [],
  ...extra,
});
const visible = (c: Cue) => c.text.replace(/\s+/g, '').length;

const LONG_EN =
  'Today we are going to talk about the history of the printing press, and why it changed the way that people all over the world shared their ideas with each other for centuries.';
const LONG_ZH =
  '大家好，欢迎收看今天的节目。我们今天要讨论印刷术的历史，以及它为什么永远改变了世界上人们分享思想的方式。';

/** The invariants every cue list must keep, whatever the input. */
function checkTiming(cues: Cue[], opts: FormatOptions): void {
  cues.forEach((c, i) => {
    c.index.should.equal(i + 1);
    c.end.should.be.above(c.start);
    (c.end - c.start).should.be.belowOrEqual(opts.maxDuration);
    if (i > 0) (c.start - cues[i - 1].end).should.be.aboveOrEqual(opts.minGap, `gap before cue ${i + 1}`);
  });
}

describe('transcript: line length and lines', () => {
  it('keeps Latin lines within maxLineLength and cues within maxLines', () => {
    const opts = o();
    const cues = buildCues([s(LONG_EN, 0, 12000)], opts);
    cues.length.should.be.above(1);
    for (const c of cues) {
      c.lines.length.should.be.belowOrEqual(2);
      for (const l of c.lines) l.length.should.be.belowOrEqual(42, l);
    }
    cues
      .map((c) => c.lines.join(' '))
      .join(' ')
      .should.equal(LONG_EN);
    checkTiming(cues, opts);
  });

  it('uses maxLineLengthCjk for Chinese and Japanese cues', () => {
    const opts = o();
    for (const text of [
      LONG_ZH,
      'こんにちは、今日は印刷技術の歴史についてお話しします。そして、それがなぜ世界を変えたのかを考えます。',
    ]) {
      const cues = buildCues([s(text, 0, 10000)], opts);
      for (const c of cues) for (const l of c.lines) Array.from(l).length.should.be.belowOrEqual(16, l);
      cues
        .map((c) => c.lines.join(''))
        .join('')
        .should.equal(text);
    }
  });

  it('honours other maxLines and maxLineLength values', () => {
    const opts = o({ maxLines: 1, maxLineLength: 20 });
    const cues = buildCues([s(LONG_EN, 0, 30000)], opts);
    for (const c of cues) {
      c.lines.length.should.equal(1);
      c.lines[0].length.should.be.belowOrEqual(20);
    }
  });

  it('keeps a short sentence on one line', () => {
    buildCues([s('Hello and welcome to the show.', 0, 2000)], o())[0].lines.should.eql([
      'Hello and welcome to the show.',
    ]);
  });
});

describe('transcript: natural break points', () => {
  const lines = (text: string, max: number, maxLines = 2) => {
    const tokens = tokenize(text, max);
    return breakLines(new Measure(tokens), 0, tokens.length, max, maxLines)!.map(([a, b]) =>
      tokens
        .slice(a, b)
        .map((t) => t.text)
        .join(' '),
    );
  };

  it('breaks after punctuation', () => {
    lines('We went home, and then we slept for a very long time.', 42).should.eql([
      'We went home,',
      'and then we slept for a very long time.',
    ]);
  });

  it('breaks before a conjunction or preposition rather than after it', () => {
    const [first] = lines('She kept all the old letters in a box under the bed', 30);
    first.should.match(/(letters|box)$/);
  });

  it('never breaks between an article and its noun', () => {
    for (let max = 12; max <= 40; max++) {
      const result = lines('He finally opened the heavy wooden door of the house', max, 5);
      for (const l of result.slice(0, -1))
        l.should.not.match(/\b(the|a|an)$/i, `max ${max}: ${JSON.stringify(result)}`);
    }
  });

  it('breaks CJK text after 。，、！？', () => {
    const result = lines('我们今天要讨论印刷术的历史，以及它为什么改变了世界。', 16).map((l) => l.replace(/ /g, ''));
    result[0].should.endWith('，');
    result.length.should.equal(2);
  });

  it('never starts a CJK line with closing punctuation', () => {
    const cues = buildCues(
      [s('一二三四五六七八九十一二三四五，六七八九十一二三四五六七八九十一二三四五。', 0, 8000)],
      o(),
    );
    for (const c of cues) for (const l of c.lines) l.should.not.match(/^[，。、！？]/);
  });
});

describe('transcript: durations, gaps, reading speed', () => {
  it('lasts at least minDuration and long enough to read, extended only into the gap', () => {
    const opts = o();
    const cues = buildCues([s('Yes.', 1000, 1200), s('This sentence is long enough to need time.', 5000, 5400)], opts);
    (cues[0].end - cues[0].start).should.be.aboveOrEqual(opts.minDuration);
    (cues[1].end - cues[1].start).should.be.aboveOrEqual((visible(cues[1]) * 1000) / opts.maxCps - 1);
    checkTiming(cues, opts);
  });

  it('does not extend over the next cue: the gap wins', () => {
    const opts = o();
    const cues = buildCues([s('A rather long line of text said quickly.', 0, 500), s('Next.', 700, 1500)], opts);
    cues[0].end.should.equal(700 - opts.minGap);
    cues[1].start.should.equal(700);
    checkTiming(cues, opts);
  });

  it('moves a cue that starts too close to (or over) the previous one', () => {
    const opts = o();
    const cues = buildCues([s('First speaker talks.', 0, 3000), s('Second speaker interrupts.', 2500, 5000)], opts);
    cues[1].start.should.be.aboveOrEqual(cues[0].end + opts.minGap);
    checkTiming(cues, opts);
  });

  it('splits a sentence longer than maxDuration and shares its time by characters', () => {
    const opts = o();
    const cues = buildCues([s('One two three four five six seven eight nine ten.', 0, 20000)], opts);
    cues.length.should.be.aboveOrEqual(3);
    checkTiming(cues, opts);
    cues[cues.length - 1].end.should.be.belowOrEqual(20000);
  });

  it('splits a long sentence by word times when words are present', () => {
    const words = ['Alpha', 'beta', 'gamma', 'delta.', 'Epsilon', 'zeta', 'eta', 'theta.'].map((text, i) => ({
      text,
      start: i < 4 ? i * 500 : 10000 + (i - 4) * 500,
      end: i < 4 ? i * 500 + 400 : 10000 + (i - 4) * 500 + 400,
    }));
    const cues = buildCues(
      [s(words.map((w) => w.text).join(' '), 0, 11900, { words })],
      o({ maxLineLength: 12, maxLines: 2 }),
    );
    cues.length.should.equal(2);
    cues[0].text.replace(/\n/g, ' ').should.equal('Alpha beta gamma delta.');
    cues[1].start.should.equal(10000);
  });

  it('fills in missing times: words, then time, then an estimate after the previous end', () => {
    const cues = buildCues(
      [
        s('From words.', undefined, undefined, {
          words: [
            { text: 'From', start: 1000, end: 1400 },
            { text: 'words.', start: 1500, end: 2500 },
          ],
        }),
        s('From time.', undefined, undefined, { vendor: 'agora', time: 4000 }),
        s('Estimated.', undefined, undefined, { vendor: 'agora' }),
      ],
      o(),
    );
    cues[0].start.should.equal(1000);
    cues[1].start.should.equal(4000);
    cues[2].start.should.be.aboveOrEqual(cues[1].end + 83);
  });

  it('reads Alibaba time as the end of the sentence and epoch times relative to the first', () => {
    buildCues([s('Ends at five.', undefined, undefined, { time: 5000 })], o())[0].end.should.be.aboveOrEqual(5000);
    const t0 = 1_700_000_000_000;
    const cues = buildCues([s('One.', t0, t0 + 1000), s('Two.', t0 + 2000, t0 + 3000)], o());
    cues[0].start.should.equal(0);
    cues[1].start.should.equal(2000);
  });
});

describe('transcript: speakers, translations, escaping', () => {
  it('writes <v Speaker> in WebVTT (escaped) and Speaker: in SRT and text', () => {
    const sentences = [s('Hi.', 0, 1000, { speaker: 'Ann <&> Bo' })];
    formatTranscript(sentences, o({ format: 'vtt' })).output.should.containEql('<v Ann &lt;&amp;&gt; Bo>Hi.');
    formatTranscript(sentences, o({ format: 'srt' })).output.should.containEql('Ann <&> Bo: Hi.');
    formatTranscript(sentences, o({ format: 'text' })).output.should.equal('Ann <&> Bo: Hi.\n');
    formatTranscript(sentences, o({ format: 'vtt', speakerLabels: false })).output.should.not.containEql('<v');
  });

  it('outputs a translation as its own track', () => {
    const sentences = [
      s('你好。', 0, 1000, { translations: [{ language: 'en', text: 'Hello.', final: true }] }),
      s('没有翻译。', 2000, 3000),
      s('再见。', 4000, 5000, { translations: [{ language: 'EN', text: 'Goodbye.', final: true }] }),
    ];
    const en = formatTranscript(sentences, o({ format: 'vtt', language: 'en' }));
    en.cues.map((c) => c.text).should.eql(['Hello.', 'Goodbye.']);
    formatTranscript(sentences, o({ format: 'vtt' }))
      .cues.map((c) => c.text)
      .should.eql(['你好。', '没有翻译。', '再见。']);
  });

  it('escapes <script> and & in WebVTT and leaves SRT text as it is', () => {
    const sentences = [s('Tom & Jerry <script>alert(1)</script>', 0, 3000)];
    const vtt = formatTranscript(sentences, o({ format: 'vtt' })).output;
    vtt.should.not.containEql('<script>');
    vtt.should.containEql('Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt;');
    escapeVtt('a-->b').should.equal('a--&gt;b');
  });
});

describe('transcript: file formats', () => {
  it('writes SRT numbered from 1 with hh:mm:ss,mmm and VTT with a header and hh:mm:ss.mmm', () => {
    const sentences = [s('One.', 0, 1500), s('Two.', 3_723_004, 3_725_000)];
    formatTranscript(sentences, o({ format: 'srt' })).output.should.equal(
      '1\n00:00:00,000 --> 00:00:01,500\nOne.\n\n2\n01:02:03,004 --> 01:02:05,000\nTwo.\n',
    );
    formatTranscript(sentences, o({ format: 'vtt' })).output.should.equal(
      'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nOne.\n\n01:02:03.004 --> 01:02:05.000\nTwo.\n',
    );
    timestamp(360_000_000, ',').should.equal('100:00:00,000');
  });

  it('writes text one line per sentence, with optional [hh:mm:ss]', () => {
    const sentences = [s(LONG_EN, 0, 12000), s('Bye.', 65_000, 66_000)];
    formatTranscript(sentences, o({ format: 'text' })).output.should.equal(`${LONG_EN}\nBye.\n`);
    formatTranscript(sentences, o({ format: 'text', timestamps: true })).output.should.equal(
      `[00:00:00] ${LONG_EN}\n[00:01:05] Bye.\n`,
    );
  });
});

describe('transcript: input and options', () => {
  it('reads a document, an array and single events; ignores interim events', () => {
    const ev = (text: string, final: boolean) => ({
      vendor: 'agora',
      taskId: 't',
      event: final ? 'SentenceEnd' : 'TranscriptionResultChanged',
      text,
      final,
      words: [],
      raw: null,
    });
    const doc = readInput({
      vendor: 'unisound',
      taskId: 'u1',
      text: 'a b',
      segments: [ev('a', true), ev('b', true)],
      raw: {},
    });
    doc.kind.should.equal('document');
    (doc as { sentences: Sentence[] }).sentences.length.should.equal(2);
    const arr = readInput([ev('x', false), ev('y', true)]);
    (arr as { sentences: Sentence[] }).sentences.map((x) => x.text).should.eql(['y']);
    readInput(ev('z', false)).should.match({ kind: 'event', sentence: undefined, completed: false });
    readInput({ vendor: 'aliyun', event: 'TranscriptionCompleted', final: false, text: '' }).should.match({
      kind: 'event',
      completed: true,
    });
    for (const bad of [42, null, 'text', { segments: 'no' }, { foo: 1 }, [1, 2]])
      readInput(bad).kind.should.equal('unreadable');
  });

  it('reports every invalid option at once, and takes defaults for missing ones', () => {
    readOptions({}).should.eql({ options: FORMAT_DEFAULTS, problems: [] });
    const { problems } = readOptions({
      format: 'ass',
      maxLineLength: 3,
      maxLines: '9',
      minGap: 'x',
      language: 'not a code',
      speakerLabels: 'maybe',
    });
    problems
      .map((p) => p.field)
      .sort()
      .should.eql(['format', 'language', 'maxLineLength', 'maxLines', 'minGap', 'speakerLabels']);
    readOptions({ minDuration: 5000, maxDuration: 4000 })
      .problems.map((p) => p.rule)
      .should.eql(['order']);
    readOptions({ maxLineLength: '30', speakerLabels: 'false' }).options.should.match({
      maxLineLength: 30,
      speakerLabels: false,
    });
  });

  it('bounds sessions (least recently used dropped) and sentences per session', () => {
    const evicted: string[] = [];
    const store = new SessionStore(
      { maxSessions: 3, maxSentencesPerSession: 2 },
      () => ({}),
      (x) => evicted.push(x.key),
    );
    for (const k of ['a', 'b', 'c']) store.open(k);
    store.open('a');
    store.open('d');
    evicted.should.eql(['b']);
    store.size.should.equal(3);
    const a = store.open('a');
    store.add(a, s('1')).should.be.true();
    store.add(a, s('2')).should.be.true();
    store.add(a, s('3')).should.be.false();
    a.sentences.length.should.equal(2);
    a.dropped.should.equal(1);
    should(store.close('a')).equal(a);
    store.size.should.equal(2);
  });
});
