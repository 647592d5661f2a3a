import should from 'should';
import { collect, helper, outcome, tab } from './harness';
import transcriptFormat, { createTranscriptFormat, DEFAULTS } from '../../nodes/transcript-format';
import { FORMAT_DEFAULTS, formatTranscript, readInput, Sentence } from '../../nodes/transcript';

type Msg = Record<string, any>;

const ev = (taskId: string, i: number, text: string, extra: Msg = {}): Msg => ({
  vendor: 'aliyun',
  taskId,
  event: 'SentenceEnd',
  sentenceIndex: i,
  text,
  final: true,
  start: i * 3000,
  end: i * 3000 + 2000,
  words: [],
  raw: {},
  ...extra,
});
const interim = (taskId: string, i: number, text: string): Msg => ({
  ...ev(taskId, i, text),
  event: 'TranscriptionResultChanged',
  final: false,
  end: undefined,
});
const completed = (taskId: string): Msg => ({
  vendor: 'aliyun',
  taskId,
  event: 'TranscriptionCompleted',
  text: '',
  final: false,
  words: [],
  raw: {},
});

async function start(props: Msg, register = transcriptFormat): Promise<any> {
  await helper.load([register], tab([{ id: 'fmt', type: 'transcript-format', wires: [['out']], ...props }]), {});
  return helper.getNode('fmt');
}

describe('transcript-format node', () => {
  beforeEach(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it("turns a transcript document into a file, keeping the message's own properties", async () => {
    const node = await start({ format: 'vtt' });
    const doc = {
      vendor: 'unisound',
      taskId: 'job/../7',
      language: 'en',
      text: 'Hello. Bye.',
      segments: [ev('x', 0, 'Hello.'), ev('x', 1, 'Bye.')],
      raw: {},
    };
    const result = outcome();
    node.receive({ payload: doc, keep: 'me' });
    const { msg } = await result;
    msg!.payload.should.equal(
      'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello.\n\n00:00:03.000 --> 00:00:05.000\nBye.\n',
    );
    msg!.filename.should.equal('job_.._7.vtt');
    msg!.cues.should.equal(2);
    msg!.taskId.should.equal('job/../7');
    msg!.keep.should.equal('me');
  });

  it('collects events one at a time and sends the file at TranscriptionCompleted', async () => {
    const node = await start({ format: 'srt' });
    const got = collect(400);
    node.receive({ payload: interim('t1', 0, 'Hel'), topic: 't1' });
    node.receive({ payload: ev('t1', 0, 'Hello there.'), topic: 't1' });
    node.receive({ payload: interim('t1', 1, 'How'), topic: 't1' });
    node.receive({ payload: ev('t1', 1, 'How are you?'), topic: 't1' });
    node.receive({ payload: completed('t1'), topic: 't1' });
    const { out, errors } = await got;
    errors.should.eql([]);
    out.length.should.equal(1);
    out[0].payload.should.equal(
      '1\n00:00:00,000 --> 00:00:02,000\nHello there.\n\n2\n00:00:03,000 --> 00:00:05,000\nHow are you?\n',
    );
    out[0].filename.should.equal('t1.srt');
    out[0].cues.should.equal(2);
  });

  it('sends the file on msg.complete, keyed by msg.topic when events have no taskId', async () => {
    const node = await start({ format: 'text' });
    const got = collect(400);
    const noId = (i: number, text: string) => ({ ...ev('', i, text), taskId: undefined });
    node.receive({ payload: noId(0, 'One.'), topic: 'room-1' });
    node.receive({ payload: noId(1, 'Two.'), topic: 'room-1' });
    node.receive({ topic: 'room-1', complete: true });
    const { out, errors } = await got;
    errors.should.eql([]);
    out.length.should.equal(1);
    out[0].payload.should.equal('One.\nTwo.\n');
    out[0].filename.should.equal('room-1.txt');
  });

  it('emits each cue as it becomes final with emitCues', async () => {
    const node = await start({ format: 'vtt', emitCues: true });
    const got = collect(400);
    node.receive({ payload: interim('t', 0, 'Hi') });
    node.receive({ payload: ev('t', 0, 'Hi there.', { speaker: 'Ann' }) });
    node.receive({ payload: ev('t', 1, 'Second.') });
    const { out, errors } = await got;
    errors.should.eql([]);
    out.length.should.equal(2);
    out[0].payload.should.equal('00:00:00.000 --> 00:00:02.000\n<v Ann>Hi there.\n');
    out[0].cue.should.match({ index: 1, start: 0, end: 2000, text: 'Hi there.', speaker: 'Ann' });
    out[1].cue.index.should.equal(2);
    out[1].taskId.should.equal('t');
  });

  it('keeps interleaved tasks apart', async () => {
    const node = await start({ format: 'text' });
    const got = collect(400);
    for (let i = 0; i < 3; i++) {
      node.receive({ payload: ev('a', i, `a${i}`) });
      node.receive({ payload: ev('b', i, `b${i}`) });
    }
    node.receive({ payload: completed('b') });
    node.receive({ payload: completed('a') });
    const { out } = await got;
    out
      .map((m) => [m.taskId, m.payload])
      .should.eql([
        ['b', 'b0\nb1\nb2\n'],
        ['a', 'a0\na1\na2\n'],
      ]);
  });

  it('bounds open tasks: the oldest is dropped with a warning', async () => {
    const node = await start({ format: 'text' }, createTranscriptFormat({ maxSessions: 3, maxSentencesPerSession: 2 }));
    const warnings: string[] = [];
    const warn = node.warn.bind(node);
    node.warn = (m: string) => {
      warnings.push(m);
      warn(m);
    };
    const got = collect(400);
    for (const k of ['a', 'b', 'c', 'd']) node.receive({ payload: ev(k, 0, k) });
    node.receive({ payload: ev('d', 1, 'd1') });
    node.receive({ payload: ev('d', 2, 'd2') });
    node.receive({ payload: completed('a') });
    node.receive({ payload: completed('d') });
    const { out } = await got;
    warnings.length.should.equal(2, warnings.join(' | ')); // a evicted by d; d full
    warnings[0].should.containEql('"a"');
    out[0].payload.should.equal(''); // a's sentences went with its session
    out[1].payload.should.equal('d\nd1\n');
  });

  it('behaves as the dialog defaults when deployed with only type and wires', async () => {
    const node = await start({});
    DEFAULTS.should.match({ ...FORMAT_DEFAULTS, emitCues: false, name: '' });
    const sentences = [
      ev('t', 0, 'A sentence that is long enough to be broken across two lines of subtitles, said by Bob.', {
        speaker: 'Bob',
        end: 6000,
      }),
    ];
    const result = outcome();
    node.receive({ payload: sentences });
    const { msg } = await result;
    const expected = formatTranscript(
      (readInput(sentences) as { sentences: Sentence[] }).sentences,
      FORMAT_DEFAULTS,
    ).output;
    msg!.payload.should.equal(expected);
    msg!.payload.should.startWith('1\n00:00:00,000 --> ');
    msg!.filename.should.equal('t.srt');
  });

  for (const [name, payload] of [
    ['a number', 42],
    ['a document without segments', { vendor: 'agora', text: 'x', segments: 'nope' }],
    ['an object that is no transcript', { hello: 1 }],
  ] as Array<[string, unknown]>) {
    it(`answers ${name} with exactly one error`, async () => {
      const node = await start({ format: 'vtt' });
      const got = collect(300);
      node.receive({ payload });
      const { out, errors } = await got;
      out.should.eql([]);
      errors.length.should.equal(1);
      errors[0].error.code.should.equal('UnreadableInput');
      errors[0].error.message.should.match(/Cannot format this input/);
    });
  }

  it('answers every message with one InvalidInput error naming every bad option', async () => {
    const node = await start({ format: 'ass', maxLines: 9 });
    const got = collect(300);
    node.receive({ payload: [ev('t', 0, 'x')] });
    const { out, errors } = await got;
    out.should.eql([]);
    errors.length.should.equal(1);
    errors[0].error.code.should.equal('InvalidInput');
    errors[0].error.message.should.match(/format/i).and.match(/lines/i);
    should(errors[0].error.message).not.containEql('undefined');
  });
});
