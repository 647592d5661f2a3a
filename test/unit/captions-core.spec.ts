import { EventEmitter } from 'events';
import should from 'should';
import {
  CAPTION_DEFAULTS,
  CaptionFeed,
  captionPage,
  captionUpdate,
  FEED_LIMITS,
  MAX_TEXT,
  parseEventId,
  readCaptionOptions,
  Room,
  tokenChecker,
} from '../../nodes/transcript/captions';

/** A stand-in for a ServerResponse: records writes, a settable backlog. */
class FakeRes extends EventEmitter {
  written: string[] = [];
  writableLength = 0;
  destroyed = false;
  headersSent = true;
  socket = undefined;
  writeHead() {
    return this;
  }
  getHeader() {
    return undefined;
  }
  write(s: string) {
    this.written.push(s);
    return true;
  }
  end() {
    this.emit('close');
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}
const frames = (r: FakeRes) =>
  r.written.filter((w) => w.startsWith('id: ')).map((w) => JSON.parse(w.split('\ndata: ')[1]));
const limits = { ...FEED_LIMITS, history: 3, maxRooms: 2, replay: 4 };

describe('captions: options', () => {
  it('defaults when nothing is given, and every problem at once', () => {
    readCaptionOptions({}).should.eql({ options: CAPTION_DEFAULTS, problems: [] });
    const { problems } = readCaptionOptions({
      path: '/a/../b',
      lines: 11,
      maxLineLength: 'x',
      clearAfter: -1,
      translation: 'no way',
      speakerLabels: 'yes',
      history: 2,
      maxRooms: 0,
    });
    problems
      .map((p) => p.field)
      .sort()
      .should.eql([
        'clearAfter',
        'history',
        'lines',
        'maxLineLength',
        'maxRooms',
        'path',
        'speakerLabels',
        'translation',
      ]);
    readCaptionOptions({ path: 'live/cc/' }).options.path.should.equal('/live/cc');
    for (const bad of ['/', '//x', '/a b', '/:id', '/x*', '/.'])
      readCaptionOptions({ path: bad }).problems.length.should.equal(1, bad);
  });
});

describe('captions: room', () => {
  it("replaces a sentence's interim text in place, keeps history and session files bounded", () => {
    const room = new Room('r', { history: 2, replay: 3, maxSentences: 2 });
    should(room.apply(captionUpdate({ text: '', final: false, sentenceIndex: 0 }))).be.undefined();
    room.apply(captionUpdate({ text: 'he', final: false, sentenceIndex: 0 }));
    room.apply(captionUpdate({ text: 'Hello.', final: true, sentenceIndex: 0 }, { text: 'Hello.', words: [] }));
    JSON.parse(room.snapshot().split('data: ')[1]).lines.should.eql([{ n: 1, text: 'Hello.', final: true }]);
    for (let i = 1; i < 6; i++)
      room.apply(captionUpdate({ text: `S${i}.`, final: true, sentenceIndex: i }, { text: `S${i}.`, words: [] }));
    JSON.parse(room.snapshot().split('data: ')[1])
      .lines.map((l: any) => l.text)
      .should.eql(['S4.', 'S5.']);
    room.sentences.length.should.equal(2);
    room.dropped.should.equal(4);
    room.since(room.seq - 3)!.length.should.equal(3);
    should(room.since(room.seq - 4)).be.undefined();
  });

  it('bounds hostile text, speakers and translations', () => {
    const u = captionUpdate({
      text: 'x'.repeat(5000),
      speaker: 's'.repeat(500),
      translations: Array.from({ length: 50 }, (_, i) => ({ language: `l${i}`, text: 't' })),
      final: true,
    });
    Buffer.byteLength(u.text).should.equal(MAX_TEXT);
    Buffer.byteLength(u.speaker!).should.equal(256);
    Object.keys(u.tr!).length.should.equal(8);
    should(
      captionUpdate({
        translations: [
          { language: '<x>', text: 'a' },
          { language: '__proto__', text: 'b' },
        ],
      }).tr,
    ).be.undefined();
  });
});

describe('captions: feed', () => {
  it('parses only well-formed event IDs', () => {
    should(parseEventId('abc.12')).eql({ epoch: 'abc', seq: 12 });
    for (const bad of ['', 'abc', 'a.b', 'a.-1', `${'a'.repeat(40)}.1`, 42]) should(parseEventId(bad)).be.undefined();
  });

  it('writes one frame per event to each viewer of the room, and drops a viewer that stops reading', () => {
    const feed = new CaptionFeed(limits);
    const a = new FakeRes();
    const slow = new FakeRes();
    feed.attach(a as any, 'A', undefined);
    feed.attach(slow as any, 'A', undefined);
    feed.publish('A', captionUpdate({ text: 'one', final: true }));
    slow.writableLength = limits.maxBuffered + 1;
    feed.publish('A', captionUpdate({ text: 'two', final: true }));
    frames(a)
      .map((f) => f.line.text)
      .should.eql(['one', 'two']);
    slow.destroyed.should.be.true();
    feed.viewerCount.should.equal(1);
    feed.droppedViewers.should.equal(1);
    feed.close();
    feed.viewerCount.should.equal(0);
  });

  it('closes the room idle longest past maxRooms; a follower switching rooms gets a snapshot', () => {
    const evicted: string[] = [];
    const feed = new CaptionFeed(limits, undefined, (r) => evicted.push(r.key));
    const follower = new FakeRes();
    feed.attach(follower as any, undefined, undefined);
    feed.publish('A', captionUpdate({ text: 'a', final: true }));
    feed.publish('B', captionUpdate({ text: 'b', final: true }));
    feed.publish('C', captionUpdate({ text: 'c', final: true }));
    evicted.should.eql(['A']);
    [...feed.rooms.keys()].should.eql(['B', 'C']);
    frames(follower)
      .map((f) => f.k)
      .should.eql(['line', 'snap', 'snap']);
    feed.close();
  });
});

describe('captions: token and page', () => {
  it('checks tokens exactly, refusing non-strings and near misses', () => {
    const ok = tokenChecker('s3cret');
    ok('s3cret').should.be.true();
    for (const bad of ['s3cre', 's3cret ', '', undefined, ['s3cret'], 'x'.repeat(2000)]) ok(bad).should.be.false();
    tokenChecker(undefined)(undefined).should.be.true();
  });

  it("escapes the page's base path and config so nothing closes its elements", () => {
    const html = captionPage('/cc"><script>x</script>', { ...CAPTION_DEFAULTS, translation: '</script>' as any });
    html.should.not.containEql('"><script>x');
    html.should.not.containEql('</script><');
    html.should.containEql('\\u003c/script>');
  });
});
