import zlib from 'zlib';
import protobuf from 'protobufjs';
import should from 'should';
import { SpeechApiError } from '../../nodes/lib/errors';
import {
  decodeSttMessage,
  joinSegments,
  SettledSegments,
  UndecodableSubtitleError,
} from '../../nodes/vendors/agora/stt-decode';
import { mulberry32 } from '../support/random';

/**
 * The published schema, written out here and compiled by this test with protobufjs's own .proto
 * parser, independently of the decoder's embedded descriptor: fields 1–16 from Agora's
 * parse-data doc, 17 from the Agora-RTT-Demo web proto, 18–19 from the v7.2 docs.
 */
const PROTO = `
syntax = "proto3";
package Agora.SpeechToText;
message Text {
  int32 vendor = 1;
  int32 version = 2;
  int32 seqnum = 3;
  int64 uid = 4;
  int32 flag = 5;
  int64 time = 6;
  int32 lang = 7;
  int32 starttime = 8;
  int32 offtime = 9;
  repeated Word words = 10;
  bool end_of_segment = 11;
  int32 duration_ms = 12;
  string data_type = 13;
  repeated Translation trans = 14;
  string culture = 15;
  int64 text_ts = 16;
  int32 sentence_end_index = 17;
  OriginalTranscript original_transcript = 18;
  int64 sentence_id = 19;
}
message Word {
  string text = 1;
  int32 start_ms = 2;
  int32 duration_ms = 3;
  bool is_final = 4;
  double confidence = 5;
}
message Translation {
  bool is_final = 1;
  string lang = 2;
  repeated string texts = 3;
}
message OriginalTranscript {
  string culture = 1;
  repeated Word words = 2;
}
`;

const Text = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('Agora.SpeechToText.Text');

function encode(obj: Record<string, unknown>): Buffer {
  const message = Text.fromObject(obj);
  const problem = Text.verify(message);
  if (problem) throw new Error(problem);
  return Buffer.from(Text.encode(message).finish());
}

/** The doc's protobuf "Transcribe" example (docs-portal parse-data.mdx), with a speaker uid. */
const DOC_TRANSCRIBE = {
  uid: 222,
  time: 1753359518654,
  words: [{ text: 'Hello, how are you?', is_final: true }],
  duration_ms: 770,
  data_type: 'transcribe',
  culture: 'en-US',
  text_ts: 1753359520754,
  sentence_id: 1753359518654,
};

/** The doc's protobuf "Translate" example. */
const DOC_TRANSLATE = {
  uid: 222,
  time: 1753359518654,
  duration_ms: 770,
  data_type: 'translate',
  trans: [{ is_final: true, lang: 'es-ES', texts: ['Hola, ¿cómo estás? '] }],
  text_ts: 1753359520754,
  sentence_id: 1753359518654,
  original_transcript: { culture: 'en-US', words: [{ text: 'Hello, how are you?', is_final: true }] },
};

function one(payload: unknown, protocol?: 'auto' | 'protobuf' | 'json') {
  const events = decodeSttMessage(payload, protocol);
  events.length.should.equal(1);
  return events[0];
}

function undecodable(fn: () => unknown): UndecodableSubtitleError {
  try {
    fn();
  } catch (err) {
    should(err).be.instanceOf(SpeechApiError);
    (err as SpeechApiError).code.should.equal('UndecodableSubtitle');
    (err as SpeechApiError).vendor.should.equal('agora');
    return err as UndecodableSubtitleError;
  }
  throw new Error('expected an UndecodableSubtitle error');
}

describe('agora stt decode: protobuf', () => {
  it('decodes the documented transcribe example into a TranscriptEvent', () => {
    const e = one(encode(DOC_TRANSCRIBE));
    e.should.containDeep({
      vendor: 'agora',
      event: 'transcribe',
      text: 'Hello, how are you?',
      final: true,
      language: 'en-US',
      speaker: '222',
      sentenceIndex: 1753359518654,
      start: 1753359518654,
      end: 1753359518654 + 770,
      time: 1753359520754,
    });
    // Word start/duration are reserved in Agora's proto: no word timing is made up.
    e.words.should.eql([]);
    should(e.translations).be.undefined();
    (e.raw as Record<string, unknown>).should.containDeep({
      data_type: 'transcribe',
      uid: 222,
      text_ts: 1753359520754,
      culture: 'en-US',
    });
  });

  it('decodes the documented translate example: translations, the original text and its language', () => {
    const e = one(encode(DOC_TRANSLATE));
    e.should.containDeep({
      event: 'translate',
      text: 'Hello, how are you?',
      language: 'en-US',
      final: true,
      speaker: '222',
    });
    e.translations!.should.eql([{ language: 'es-ES', text: 'Hola, ¿cómo estás?', final: true }]);
  });

  it('pairs original_transcript (18) segments with translations by finality; sentence_id (19) on both events', () => {
    const memory = new SettledSegments();
    const msg = encode({
      data_type: 'translate',
      sentence_id: 42,
      trans: [
        { is_final: true, lang: 'es-ES', texts: ['Hola.'] },
        { is_final: false, lang: 'es-ES', texts: ['Mundo'] },
      ],
      original_transcript: {
        culture: 'en-US',
        words: [
          { text: 'Hello.', is_final: true },
          { text: 'world', is_final: false },
        ],
      },
    });
    const [settled, interim] = decodeSttMessage(msg, 'auto', memory);
    settled.should.containDeep({ text: 'Hello.', final: true, language: 'en-US', sentenceIndex: 42 });
    settled.translations!.should.eql([{ language: 'es-ES', text: 'Hola.', final: true }]);
    interim.should.containDeep({ text: 'world', final: false, language: 'en-US', sentenceIndex: 42 });
    (settled.raw as Record<string, unknown>).should.containDeep({
      sentence_id: 42,
      original_transcript: { culture: 'en-US', words: [{ text: 'Hello.', is_final: true }] },
    });
    // The same message again: the settled pair was sent; only the interim comes again.
    decodeSttMessage(msg, 'auto', memory)
      .map((e) => [e.text, e.final])
      .should.eql([['world', false]]);
  });

  it("joins a translation language's segments by finality: one final and one interim event, one entry per language", () => {
    const [settled, interim] = decodeSttMessage(
      encode({
        data_type: 'translate',
        culture: 'en-US',
        trans: [
          { is_final: true, lang: 'es-ES', texts: ['Hola.'] },
          { is_final: false, lang: 'es-ES', texts: ['Mundo'] },
          { is_final: true, lang: 'ja-JP', texts: ['こんにちは。', '世界'] },
        ],
      }),
    );
    settled.translations!.should.eql([
      { language: 'es-ES', text: 'Hola.', final: true },
      { language: 'ja-JP', text: 'こんにちは。世界', final: true },
    ]);
    settled.final.should.be.true();
    settled.text.should.equal('');
    interim.translations!.should.eql([{ language: 'es-ES', text: 'Mundo', final: false }]);
    interim.final.should.be.false();
  });

  it('joins CJK words without spaces and Latin words with one space', () => {
    one(
      encode({
        data_type: 'transcribe',
        culture: 'zh-CN',
        words: [{ text: '北京' }, { text: '欢迎' }, { text: 'you' }, { text: 'and' }],
      }),
    ).text.should.equal('北京欢迎youand');
    one(
      encode({ data_type: 'transcribe', culture: 'ja-JP', words: [{ text: '今日は' }, { text: 'いい天気' }] }),
    ).text.should.equal('今日はいい天気');
    one(
      encode({
        data_type: 'transcribe',
        culture: 'en-US',
        words: [{ text: 'Hello.' }, { text: 'How' }, { text: 'are' }, { text: ',' }, { text: 'you' }],
      }),
    ).text.should.equal('Hello. How are, you');
    // Segments that carry their own spacing (as the Agora demo assumes) are not doubled.
    one(
      encode({
        data_type: 'transcribe',
        culture: 'en-US',
        words: [{ text: 'Hello, ' }, { text: 'how are ' }, { text: 'you' }],
      }),
    ).text.should.equal('Hello, how are you');
    // Korean is written with spaces.
    one(
      encode({ data_type: 'transcribe', culture: 'ko-KR', words: [{ text: '안녕하세요' }, { text: '여러분' }] }),
    ).text.should.equal('안녕하세요 여러분');
  });

  it('splits settled and interim words into a final and an interim event; reads no reserved word field', () => {
    const events = decodeSttMessage(
      encode({
        data_type: 'transcribe',
        culture: 'en-US',
        words: [
          { text: 'Hello.', is_final: true, start_ms: 100, duration_ms: 300, confidence: 0.9 },
          { text: 'How', is_final: false, start_ms: 500, duration_ms: 100, confidence: 0.5 },
        ],
      }),
    );
    events
      .map((e) => [e.text, e.final])
      .should.eql([
        ['Hello.', true],
        ['How', false],
      ]);
    // start_ms, duration_ms and confidence (Word 2, 3, 5) are reserved: not read, not in raw.
    for (const e of events) {
      e.words.should.eql([]);
      should(e.confidence).be.undefined();
      should(e.start).be.undefined(); // `time` is 0 here
      (e.raw as { words: object[] }).words.should.eql([
        { text: 'Hello.', is_final: true },
        { text: 'How', is_final: false },
      ]);
      for (const reserved of ['seqnum', 'vendor', 'end_of_segment', 'sentence_end_index'])
        Object.keys(e.raw as object).should.not.containEql(reserved);
    }
    one(
      encode({
        data_type: 'transcribe',
        words: [
          { text: 'a', is_final: true },
          { text: 'b', is_final: true },
        ],
      }),
    ).final.should.be.true();
  });

  it('keeps int64 uids exact: numbers up to 2^53, decimal strings beyond', () => {
    one(encode({ data_type: 'transcribe', uid: 4294967295, words: [{ text: 'x' }] })).speaker!.should.equal(
      '4294967295',
    );
    const big = one(
      encode({
        data_type: 'transcribe',
        uid: '9223372036854775807',
        text_ts: '9007199254740993',
        words: [{ text: 'x' }],
      }),
    );
    big.speaker!.should.equal('9223372036854775807');
    (big.raw as Record<string, unknown>).uid!.should.equal('9223372036854775807');
    (big.raw as Record<string, unknown>).text_ts!.should.equal('9007199254740993');
    should(big.time).be.undefined(); // not exact as a number
  });

  it('takes sentenceIndex from sentence_id (19); the reserved field 17 is not read', () => {
    should(
      one(encode({ data_type: 'transcribe', sentence_end_index: 3, words: [{ text: 'x' }] })).sentenceIndex,
    ).be.undefined();
    one(
      encode({ data_type: 'transcribe', sentence_end_index: 3, sentence_id: 77, words: [{ text: 'x' }] }),
    ).sentenceIndex!.should.equal(77);
  });

  it('accepts a Buffer, a Uint8Array, a byte array, {type:"Buffer"} and base64', () => {
    const bytes = encode(DOC_TRANSCRIBE);
    for (const payload of [
      bytes,
      new Uint8Array(bytes),
      [...bytes],
      { type: 'Buffer', data: [...bytes] },
      bytes.toString('base64'),
      `${bytes.toString('base64').slice(0, 8)}\n${bytes.toString('base64').slice(8)}`,
    ]) {
      one(payload).text.should.equal('Hello, how are you?');
    }
  });

  it('a protobuf whose uid byte is "{" (uid 123) is not mistaken for JSON', () => {
    const bytes = encode({ uid: 123, data_type: 'transcribe', words: [{ text: 'brace' }] });
    bytes[0].should.equal(0x20);
    bytes[1].should.equal(0x7b);
    one(bytes).speaker!.should.equal('123');
  });

  it('a transcribe message without words, or a translate without texts, yields no event', () => {
    decodeSttMessage(encode({ data_type: 'transcribe', uid: 5 })).should.eql([]);
    decodeSttMessage(encode({ data_type: 'translate', uid: 5 })).should.eql([]);
  });

  it('refuses JSON when the protocol is protobuf, and protobuf when it is json', () => {
    undecodable(() => decodeSttMessage(Buffer.from('{"transcript":{"text":"x"}}'), 'protobuf'));
    undecodable(() => decodeSttMessage(encode(DOC_TRANSCRIBE), 'json')).reason.should.equal('json');
  });
});

// ---------------------------------------------------------------- JSON protocol

/** docs-portal parse-data.mdx, JSON "Transcribe" before v7.2.3 (no results, no sentenceId). */
const JSON_PRE_723 = {
  transcript: {
    uid: 222,
    language: 'zh-CN',
    text: '北选手',
    isFinal: false,
    offset: 1751438272384,
    duration: 760,
    textTs: 1751438273939,
  },
};
/** The same page, the v7.2.3 "JSON (mixed)" example: a stable prefix plus an interim segment. */
const JSON_MIXED = {
  transcript: {
    uid: 42,
    textTs: 1710000012345,
    offset: 1000,
    duration: 500,
    language: 'en-US',
    text: 'Hello.',
    isFinal: true,
    sentenceId: 1710000012000,
    results: [
      { text: 'Hello.', isFinal: true, offset: 1000, duration: 200 },
      { text: 'How', isFinal: false, offset: 1300, duration: 200 },
    ],
  },
};
const JSON_FOLLOW_UP = { transcript: { ...JSON_MIXED.transcript, results: [] } };
/** The pre-7.2.3 translation example (results0). */
const JSON_TRANSLATION_LEGACY = {
  translation: {
    uid: 222,
    isFinal: true,
    offset: 1751438270274,
    duration: 1320,
    textTs: 1751438272825,
    results0: { language: 'ja-JP', texts: ['4月13日。 '] },
    original_transcript: { language: 'zh-CN', text: '4月13日。' },
  },
};
/** The v7.2.3 translation example. */
const JSON_TRANSLATION = {
  translation: {
    uid: 42,
    isFinal: true,
    offset: 1000,
    duration: 500,
    textTs: 1710000012345,
    sentenceId: 1710000012000,
    results0: { language: 'es-ES', texts: ['Hola.'] },
    results: [
      { language: 'es-ES', texts: ['Hola.'], isFinal: true },
      { language: 'es-ES', texts: ['Mundo.'], isFinal: false },
    ],
    original_transcript: {
      language: 'en-US',
      text: 'Hello.',
      results: [
        { text: 'Hello.', isFinal: true },
        { text: 'world', isFinal: false },
      ],
    },
  },
};

const gzip = (obj: unknown) => zlib.gzipSync(Buffer.from(JSON.stringify(obj)));

describe('agora stt decode: JSON protocol', () => {
  it('decodes the pre-7.2.3 transcript (gzip and plain)', () => {
    for (const payload of [
      gzip(JSON_PRE_723),
      Buffer.from(JSON.stringify(JSON_PRE_723)),
      JSON.stringify(JSON_PRE_723),
      JSON_PRE_723,
      gzip(JSON_PRE_723).toString('base64'),
    ]) {
      const e = one(payload);
      e.should.containDeep({
        vendor: 'agora',
        event: 'transcript',
        text: '北选手',
        final: false,
        language: 'zh-CN',
        speaker: '222',
        start: 1751438272384,
        end: 1751438272384 + 760,
        time: 1751438273939,
      });
      should(e.sentenceIndex).be.undefined();
      e.raw!.should.eql(JSON_PRE_723);
    }
  });

  it('a v7.2.3 prefix + interim message: the settled segment final once, the other interim, same sentence', () => {
    const memory = new SettledSegments();
    const [settled, interim] = decodeSttMessage(gzip(JSON_MIXED), 'auto', memory);
    settled.should.containDeep({ text: 'Hello.', final: true, sentenceIndex: 1710000012000, start: 1000, end: 1200 });
    settled.words.should.eql([{ text: 'Hello.', start: 1000, end: 1200 }]);
    interim.should.containDeep({ text: 'How', final: false, sentenceIndex: 1710000012000, start: 1300, end: 1500 });
    // Agora repeats the stable prefix while the rest grows: not sent final again.
    const grown = {
      transcript: {
        ...JSON_MIXED.transcript,
        results: [JSON_MIXED.transcript.results[0], { text: 'How are', isFinal: false, offset: 1300, duration: 400 }],
      },
    };
    decodeSttMessage(gzip(grown), 'auto', memory)
      .map((e) => [e.text, e.final])
      .should.eql([['How are', false]]);
    const done = {
      transcript: {
        ...JSON_MIXED.transcript,
        results: [
          JSON_MIXED.transcript.results[0],
          { text: 'How are you?', isFinal: true, offset: 1300, duration: 700 },
        ],
      },
    };
    decodeSttMessage(gzip(done), 'auto', memory)
      .map((e) => [e.text, e.final])
      .should.eql([['How are you?', true]]);
    decodeSttMessage(gzip(done), 'auto', memory).should.eql([]);
    // Another speaker's or sentence's identical text is its own.
    const other = { transcript: { ...done.transcript, sentenceId: 1710000099000 } };
    decodeSttMessage(gzip(other), 'auto', memory).length.should.equal(1);
  });

  it('the memory of settled segments is bounded', () => {
    const memory = new SettledSegments(8);
    for (let i = 0; i < 100; i++)
      decodeSttMessage({ transcript: { ...JSON_MIXED.transcript, sentenceId: i + 1 } }, 'auto', memory);
    memory.size.should.be.belowOrEqual(8);
  });

  it('the empty follow-ups (results: []) add nothing after their message; alone, their settled text once', () => {
    const memory = new SettledSegments();
    decodeSttMessage(gzip(JSON_MIXED), 'auto', memory).length.should.equal(2);
    decodeSttMessage(gzip(JSON_FOLLOW_UP), 'auto', memory).should.eql([]);
    const alone = new SettledSegments();
    decodeSttMessage(gzip(JSON_FOLLOW_UP), 'auto', alone)
      .map((e) => [e.text, e.final, e.start, e.end])
      .should.eql([['Hello.', true, 1000, 1500]]);
    decodeSttMessage(gzip(JSON_FOLLOW_UP), 'auto', alone).should.eql([]);
    // Without a memory nothing can tell a repeat: the follow-up sends nothing.
    decodeSttMessage(gzip(JSON_FOLLOW_UP)).should.eql([]);
    decodeSttMessage(
      gzip({
        translation: {
          ...JSON_TRANSLATION.translation,
          results: [],
          original_transcript: { language: 'en-US', text: 'Hello.', results: [] },
        },
      }),
    ).should.eql([]);
  });

  it('decodes legacy results0 translations and v7.2.3 results[] translations', () => {
    const legacy = one(gzip(JSON_TRANSLATION_LEGACY));
    legacy.should.containDeep({
      event: 'translation',
      text: '4月13日。',
      language: 'zh-CN',
      final: true,
      speaker: '222',
    });
    legacy.translations!.should.eql([{ language: 'ja-JP', text: '4月13日。', final: true }]);
    const [settled, interim] = decodeSttMessage(gzip(JSON_TRANSLATION));
    settled.translations!.should.eql([{ language: 'es-ES', text: 'Hola.', final: true }]);
    settled.should.containDeep({ text: 'Hello.', language: 'en-US', final: true, sentenceIndex: 1710000012000 });
    interim.translations!.should.eql([{ language: 'es-ES', text: 'Mundo.', final: false }]);
    interim.should.containDeep({ text: 'world', language: 'en-US', final: false, sentenceIndex: 1710000012000 });
  });

  it('rejects JSON without transcript or translation, and truncated gzip, with one clear error', () => {
    undecodable(() => decodeSttMessage(gzip({ hello: 1 }))).reason.should.equal('noTranscript');
    undecodable(() => decodeSttMessage(Buffer.from('{"transcript":{"uid":1}}'))).reason.should.equal('noTranscript');
    const full = gzip(JSON_MIXED);
    undecodable(() => decodeSttMessage(full.subarray(0, full.length - 9))).reason.should.equal('gzip');
    undecodable(() => decodeSttMessage(zlib.gzipSync(Buffer.from('not json')))).reason.should.equal('json');
    undecodable(() => decodeSttMessage(zlib.gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20)))).message.should.match(
      /inflates to more than/,
    );
  });
});

describe('agora stt decode: junk', () => {
  it('names what is wrong with the payload type, a non-base64 string and empty input', () => {
    undecodable(() => decodeSttMessage(42)).reason.should.equal('badType');
    undecodable(() => decodeSttMessage(undefined)).reason.should.equal('badType');
    undecodable(() => decodeSttMessage({ foo: 1 })).reason.should.equal('badType');
    undecodable(() => decodeSttMessage([1, 2, 300])).reason.should.equal('badType');
    undecodable(() => decodeSttMessage('this is not base64!')).reason.should.equal('notBase64');
    undecodable(() => decodeSttMessage('')).reason.should.equal('empty');
    undecodable(() => decodeSttMessage(Buffer.alloc(0))).reason.should.equal('empty');
    undecodable(() => decodeSttMessage(Buffer.alloc(300 * 1024, 1))).reason.should.equal('tooLarge');
  });

  it('refuses bytes that parse as protobuf but not as a subtitle', () => {
    // Field 13 (data_type) = "hello": valid wire format, not an Agora type.
    undecodable(() => decodeSttMessage(Buffer.from([0x6a, 5, ...Buffer.from('hello')]))).reason.should.equal(
      'implausible',
    );
    // Field 10 with an empty Word: no data_type and no text.
    undecodable(() => decodeSttMessage(Buffer.from([0x52, 0]))).reason.should.equal('implausible');
    // A word of binary garbage.
    undecodable(() => decodeSttMessage(encode({ words: [{ text: '\u0001\u0002' }] }))).reason.should.equal(
      'implausible',
    );
  });

  it('fuzz: random and mutated buffers end in events or one UndecodableSubtitle, nothing else', function () {
    this.timeout(20000);
    const rand = mulberry32(0xa90a);
    const valid = [
      encode(DOC_TRANSCRIBE),
      encode(DOC_TRANSLATE),
      gzip(JSON_MIXED),
      gzip(JSON_TRANSLATION),
      Buffer.from(JSON.stringify(JSON_PRE_723)),
    ];
    const counts = { events: 0, empty: 0, errors: 0 };
    for (let i = 0; i < 4000; i++) {
      let buf: Buffer;
      if (i % 2 === 0) {
        buf = Buffer.alloc(rand(200));
        for (let j = 0; j < buf.length; j++) buf[j] = rand(256);
      } else {
        buf = Buffer.from(valid[i % valid.length]);
        const flips = 1 + rand(4);
        for (let k = 0; k < flips; k++) buf[rand(buf.length)] ^= 1 << rand(8);
        if (rand(10) < 3) buf = buf.subarray(0, rand(buf.length));
      }
      try {
        const events = decodeSttMessage(buf);
        for (const e of events) {
          e.vendor.should.equal('agora');
          e.text.should.be.a.String();
          e.final.should.be.a.Boolean();
          JSON.stringify(e); // every event is serialisable (no Long objects, no cycles)
        }
        if (events.length) counts.events++;
        else counts.empty++;
      } catch (err) {
        if (!(err instanceof UndecodableSubtitleError))
          throw new Error(`case ${i} threw ${(err as Error).stack}`, { cause: err });
        err.message.length.should.be.below(400);
        counts.errors++;
      }
    }
    counts.errors.should.be.above(1000);
    counts.events.should.be.above(100); // mutated-but-valid messages still decode
  });
});

describe('joinSegments', () => {
  it('skips empty parts, trims, keeps punctuation attached', () => {
    joinSegments(['', ' Hi', '', 'there', '!', ' ']).should.equal('Hi there!');
    joinSegments(['我用', 'iPhone', '拍照'], 'en-US').should.equal('我用iPhone拍照');
    joinSegments(['สวัสดี', 'ครับ'], 'th-TH').should.equal('สวัสดีครับ');
  });
});

describe('agora stt decode: start-up cost', () => {
  it('loading the node module does not load protobufjs; the first protobuf decode does', () => {
    const { execFileSync } = require('child_process') as typeof import('child_process');
    const script = `
      const loaded = () => Object.keys(require.cache).some((k) => k.includes('protobufjs'));
      require('./nodes/agora-stt-decode');
      const atLoad = loaded();
      require('./nodes/vendors/agora/stt-decode').decodeSttMessage(Buffer.from('{"transcript":{"text":"x"}}'));
      const afterJson = loaded();
      require('./nodes/vendors/agora/stt-decode').decodeSttMessage(Buffer.from([0x6a, 10, ...Buffer.from('transcribe'), 0x52, 3, 0x0a, 1, 0x41]));
      console.log(JSON.stringify([atLoad, afterJson, loaded()]));`;
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: require('path').join(__dirname, '..', '..'),
      encoding: 'utf8',
    });
    JSON.parse(out).should.eql([false, false, true]);
  });
});
