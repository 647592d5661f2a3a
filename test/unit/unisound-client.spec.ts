import { Readable } from 'stream';
import should from 'should';
import { validateCreate } from '../../nodes/vendors/unisound/create-params';
import { formatFromBytes, formatFromName } from '../../nodes/vendors/unisound/format';
import { joinTexts, toTranscriptDocument } from '../../nodes/vendors/unisound/result';
import { toUnisoundError } from '../../nodes/vendors/unisound/errors';
import { peek, prepareUpload } from '../../nodes/vendors/unisound/upload';

describe('unisound validateCreate', () => {
  it('accepts a documented body and types its values', () => {
    const { body, problems } = validateCreate({
      file_id: '42',
      format: 'WAV',
      sample_rate: '16000',
      channel: 1,
      enable_speaker: 'true',
      speaker_num: 2,
      hotwords: '云知声, 语音',
      language: 'zh-CN',
    });
    problems.should.eql([]);
    body.should.eql({
      model: 'u2-asr',
      file_id: 42,
      format: 'wav',
      sample_rate: 16000,
      channel: 1,
      enable_speaker: true,
      speaker_num: 2,
      hotwords: ['云知声', '语音'],
      language: 'zh-CN',
    });
  });

  it('reports every problem at once', () => {
    const { problems } = validateCreate({
      file_id: 1,
      file_url: 'ftp://x',
      format: 'flac',
      sample_rate: 0,
      channel: 2,
      enable_speaker: true,
      speaker_ids: Array(11).fill('a'),
      context: 'x'.repeat(501),
      hotwords: Array(201).fill('a'),
      language: 'xx',
    });
    problems
      .map((p) => `${p.field}:${p.rule}`)
      .sort()
      .should.eql([
        'context:length',
        'enable_speaker:mono',
        'file_id:oneSource',
        'file_url:url',
        'format:enum',
        'hotwords:maxItems',
        'language:enum',
        'sample_rate:range',
        'speaker_ids:maxItems',
      ]);
  });

  it('needs enable_speaker for speaker options, short hotwords and a source', () => {
    const { problems } = validateCreate({ format: 'mp3', speaker_num: 2, speaker_ids: ['v1'], hotwords: ['toolong'] });
    problems
      .map((p) => `${p.field}:${p.rule}`)
      .sort()
      .should.eql(['file_id:oneSource', 'hotwords:itemLength', 'speaker_ids:needsSpeaker', 'speaker_num:needsSpeaker']);
    validateCreate({ format: 'mp3', file_url: `https://e.com/${'a'.repeat(2050)}` }).problems[0].rule.should.equal(
      'length',
    );
  });
});

describe('unisound format sniffing', () => {
  const bytes = (s: string, pad = 64) => Buffer.concat([Buffer.from(s, 'latin1'), Buffer.alloc(pad)]);
  it('reads names and magic numbers', () => {
    should(formatFromName('a/b/Meeting.M4A')).equal('m4a');
    should(formatFromName('x.flac')).be.undefined();
    should(formatFromBytes(bytes('RIFF\x24\x00\x00\x00WAVEfmt '))).equal('wav');
    should(formatFromBytes(bytes('ID3\x04'))).equal('mp3');
    should(formatFromBytes(Buffer.from([0xff, 0xfb, 0x90, 0x00]))).equal('mp3');
    should(formatFromBytes(Buffer.from([0xff, 0xf1, 0x50, 0x80]))).be.undefined(); // AAC ADTS, not MPEG audio
    should(formatFromBytes(bytes(`OggS${'\0'.repeat(24)}OpusHead`))).equal('opus');
    should(formatFromBytes(bytes(`OggS${'\0'.repeat(24)}\x01vorbis`))).equal('ogg');
    should(formatFromBytes(bytes('#!AMR\n'))).equal('amr');
    should(formatFromBytes(bytes('\0\0\0\x20ftypM4A '))).equal('m4a');
    should(formatFromBytes(bytes('hello'))).be.undefined();
  });

  it('peeks a stream without losing its first bytes', async () => {
    const s = Readable.from([Buffer.from('RIFF'), Buffer.from('....WAVE'), Buffer.from('rest')]);
    (await peek(s, 12)).toString('latin1').should.equal('RIFF....WAVE');
    const all: Buffer[] = [];
    for await (const c of s) all.push(c as Buffer);
    Buffer.concat(all).toString('latin1').should.equal('RIFF....WAVErest');
  });

  it('stops a stream past the limit, and refuses big Buffers before sending', async () => {
    const up = await prepareUpload(
      { kind: 'stream', stream: Readable.from([Buffer.alloc(60), Buffer.alloc(60)]), filename: 'a.wav' },
      100,
    );
    (up.body as Readable).resume();
    for (let i = 0; i < 100 && !(up.body as Readable).destroyed; i++) await new Promise((r) => setTimeout(r, 5));
    (up.body as Readable).destroyed.should.be.true();
    up.counter!.tooLarge.should.be.true();
    up.counter!.bytes.should.equal(120);
    await prepareUpload({ kind: 'buffer', buffer: Buffer.alloc(101) }, 100).should.be.rejectedWith({
      code: 'FileTooLarge',
    });
    await prepareUpload({ kind: 'path', path: '/nonexistent/a.wav' }).should.be.rejectedWith({ code: 'FileNotFound' });
  });
});

describe('unisound result parsing', () => {
  it('reads the emulator shape (start_time/end_time ms, speaker_id, words, duration in s)', () => {
    const body = {
      status: 'Success',
      duration: 5.6,
      results: [
        {
          text: 'Hello there.',
          start_time: 0,
          end_time: 2800,
          speaker_id: 0,
          words: [{ word: 'Hello', start_time: 0, end_time: 900, confidence: 0.9 }],
        },
        { text: '你好。', start_time: 3100, end_time: 5600, speaker_id: 1 },
      ],
    };
    const doc = toTranscriptDocument('t1', body);
    doc.should.containDeep({ vendor: 'unisound', taskId: 't1', duration: 5600, text: 'Hello there.你好。' });
    doc.segments[0].should.containDeep({
      text: 'Hello there.',
      start: 0,
      end: 2800,
      speaker: '0',
      final: true,
      words: [{ text: 'Hello', start: 0, end: 900, confidence: 0.9 }],
    });
    should(doc.raw).equal(body);
  });

  it('reads other plausible shapes and never throws', () => {
    toTranscriptDocument('t', {
      result: { sentences: [{ sentence: 'a', begin_time: 1.5, end_time: 2 }], language: 'en-US' },
    }).should.containDeep({ language: 'en-US', text: 'a', segments: [{ start: 1500, end: 2000 }] });
    toTranscriptDocument('t', { results: ['one', 'two'] }).text.should.equal('one two');
    toTranscriptDocument('t', { results: [{ text: 'only text' }] }).segments[0].should.not.have.property('start');
    for (const odd of [null, 'x', 42, [], { results: 'no' }, { results: [null, 1, {}] }])
      toTranscriptDocument('t', odd).should.have.property('segments');
    joinTexts(['Hi', 'there', '你好', '世界']).should.equal('Hi there你好世界');
  });
});

describe('unisound error mapping', () => {
  const res = (status: number, body: unknown, traceId = 'tr-1') => ({
    status,
    headers: { 'trace-id': traceId },
    body: JSON.stringify(body),
  });
  it('maps base_resp codes with Trace-Id and retryability', () => {
    should(toUnisoundError(res(200, { task_id: 'x', base_resp: { status_code: 0 } }))).be.undefined();
    const limited = toUnisoundError(res(429, { base_resp: { status_code: 100501, status_msg: 'rpm' } }))!;
    limited.should.containDeep({ code: '100501', httpStatus: 429, requestId: 'tr-1', retryable: true });
    toUnisoundError(res(401, { base_resp: { status_code: 100103, status_msg: 'bad key' } }))!.should.containDeep({
      code: '100103',
      retryable: false,
    });
    toUnisoundError(res(401, { base_resp: { status_code: 100103 } }))!.message.should.match(/API key is wrong/);
    toUnisoundError(res(500, { base_resp: { status_code: 100999 } }))!.retryable.should.be.true();
    toUnisoundError(res(200, { base_resp: { status_code: 101999, status_msg: 'x' } }))!.message.should.match(/file/);
    toUnisoundError({ status: 502, headers: {}, body: '<html>' })!.should.containDeep({
      code: 'InvalidResponse',
      retryable: true,
    });
  });
});
