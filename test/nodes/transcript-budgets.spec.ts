/**
 * What the transcript nodes keep between messages is bounded in bytes: 2,000 events of 250 KB
 * leave a bounded amount behind (counted by the structures' own accounting, and as heap after
 * a forced garbage collection, against the 500 MB the events carry), and each budget is
 * announced by one warning, not one per message. Also: what transcript-format does with a
 * msg.complete in mid-session followed by a later completion.
 */
import should from 'should';
import v8 from 'v8';
import vm from 'vm';
import { helper, tab } from './harness';
import { createTranscriptFormat } from '../../nodes/transcript-format';
import { createTranscriptCaptions, forgetParkedRooms } from '../../nodes/transcript-captions';
import { SessionStore, SESSION_LIMITS, SENTENCE_LIMITS, Sentence, cutUtf8 } from '../../nodes/transcript';
import { CaptionFeed, captionUpdate, FEED_LIMITS } from '../../nodes/transcript/captions';

type Msg = Record<string, any>;

const EVENTS = 2000;
const BIG = 250 * 1024;

/** A distinct, flat 250 KB string (not a view onto a shared one), so keeping it costs 250 KB. */
function big(i: number): string {
  const b = Buffer.alloc(BIG, 0x61);
  b.write(`${i} `, 0, 'latin1');
  return b.toString('latin1');
}

const ev = (taskId: string, i: number, text: string, extra: Msg = {}): Msg => ({
  vendor: 'agora',
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

function forcedGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('transcript budgets: structures count and bound what they keep', () => {
  // The structures' own accounting counts bytes whoever else holds the string: one shared 250 KB text will do.
  const shared = big(0);
  it('a session store keeps each sentence within its budget and all sessions within theirs', () => {
    const hits: string[] = [];
    const store = new SessionStore(
      { maxSessionBytes: 1024 * 1024, maxTotalBytes: 3 * 1024 * 1024 },
      () => ({}),
      () => undefined,
      (kind) => hits.push(kind),
    );
    for (let i = 0; i < EVENTS; i++) {
      const s = store.open(`task-${i % 7}`);
      store.add(s, { text: shared, words: [], speaker: shared.slice(0, 100000) } as Sentence);
    }
    store.bytes.should.be.belowOrEqual(3 * 1024 * 1024);
    const one = store.open('task-0');
    one.bytes.should.be.belowOrEqual(1024 * 1024);
    for (const s of one.sentences) {
      Buffer.byteLength(s.text).should.be.belowOrEqual(SENTENCE_LIMITS.textBytes);
      Buffer.byteLength(s.speaker!).should.be.belowOrEqual(SENTENCE_LIMITS.speakerBytes);
    }
    (one.dropped + one.sentences.length).should.be.above(0);
    new Set(hits).should.eql(new Set(['text', 'sessionBytes', 'totalBytes']));
  });

  it('cuts at a character boundary and copies (no view onto the input)', () => {
    cutUtf8('aé', 2).should.equal('a');
    cutUtf8('你好世界', 7).should.equal('你好');
    cutUtf8('short', 4096).should.equal('short');
  });

  it('a caption feed keeps every room within its budgets and all rooms within theirs', () => {
    const hits: string[] = [];
    const feed = new CaptionFeed(
      { ...FEED_LIMITS, history: 50, maxRooms: 20, maxTotalBytes: 4 * 1024 * 1024 },
      () => undefined,
      () => undefined,
      (kind) => hits.push(kind),
    );
    for (let i = 0; i < EVENTS; i++) {
      const e = ev(`room-${i % 5}`, i, shared, { translations: [{ language: 'en', text: shared, final: true }] });
      feed.publish(e.taskId, captionUpdate(e, { text: e.text, words: [], translations: e.translations } as Sentence));
    }
    feed.bytes.should.be.belowOrEqual(4 * 1024 * 1024);
    for (const r of feed.rooms.values()) r.bytes.should.be.belowOrEqual(FEED_LIMITS.maxSentenceBytes! + 2e6);
    hits.should.containEql('cut');
  });
});

describe('transcript nodes under 2,000 events of 250 KB', function () {
  this.timeout(60000);
  const gc = forcedGc();

  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    forgetParkedRooms();
  });

  async function flood(
    type: string,
    register: unknown,
    props: Msg = {},
  ): Promise<{ grew: number; warnings: string[] }> {
    await helper.load([register], tab([{ id: 'n', type, wires: [['out']], path: '/budget-test', ...props }]), {});
    const node = helper.getNode('n') as any;
    const warnings: string[] = [];
    const warn = node.warn.bind(node);
    node.warn = (m: string) => {
      warnings.push(m);
      warn(m);
    };
    const before = heapAfterGc(gc);
    for (let i = 0; i < EVENTS; i++) node.receive({ payload: ev(`t${i % 3}`, i, big(i)) });
    if (type === 'transcript-format') {
      // Messages are handled in order: once this one's file is out, every event before it was handled.
      const marker = new Promise((resolve) => helper.getNode('out').once('input', resolve));
      node.receive({ payload: [ev('marker', 0, 'Marker.')] });
      await marker;
    }
    // The test helper's spies record every log call with a stack trace that holds the message: forget them,
    // they are the harness's memory, not the node's.
    (helper as any)._sandbox.resetHistory();
    const after = heapAfterGc(gc);
    return { grew: after - before, warnings };
  }

  it('transcript-format keeps a bounded amount (the events carry 500 MB) and warns once', async () => {
    const { grew, warnings } = await flood('transcript-format', createTranscriptFormat());
    grew.should.be.below(SESSION_LIMITS.maxTotalBytes + 32 * 1024 * 1024, `heap grew ${grew} bytes`);
    warnings.should.have.length(1, warnings.join(' | '));
    warnings[0].should.match(/4096 bytes/);
  });

  it('transcript-captions keeps a bounded amount and warns once', async () => {
    const { grew, warnings } = await flood('transcript-captions', createTranscriptCaptions());
    grew.should.be.below(FEED_LIMITS.maxTotalBytes! + 32 * 1024 * 1024, `heap grew ${grew} bytes`);
    warnings.should.have.length(1, warnings.join(' | '));
  });

  it('transcript-format: every budget hit is one warning, and the file says what was left out', async () => {
    const register = createTranscriptFormat({ maxSessionBytes: 64 * 1024 });
    await helper.load([register], tab([{ id: 'n', type: 'transcript-format', format: 'text', wires: [['out']] }]), {});
    const node = helper.getNode('n') as any;
    const warnings: string[] = [];
    node.warn = (m: string) => warnings.push(m);
    const file = new Promise<Msg>((resolve) => helper.getNode('out').on('input', resolve));
    for (let i = 0; i < 200; i++) node.receive({ payload: ev('t', i, big(i)) });
    node.receive({ payload: ev('t', 200, ''), topic: 't', complete: true });
    const msg = await file;
    warnings.length.should.equal(2, warnings.join(' | ')); // cut text; session full
    msg.truncated.cut.should.be.above(0);
    msg.truncated.dropped.should.be.above(0);
    (msg.truncated.cut + msg.truncated.dropped).should.equal(200);
    Buffer.byteLength(msg.payload).should.be.below(64 * 1024);
  });
});

describe('transcript-format: msg.complete in mid-session, then a later completion', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('closes the session at msg.complete; later sentences make a second file with its own name; status says what was written', async () => {
    await helper.load(
      [createTranscriptFormat()],
      tab([{ id: 'n', type: 'transcript-format', format: 'text', wires: [['out']] }]),
      {},
    );
    const node = helper.getNode('n') as any;
    const statuses: string[] = [];
    let shown: (text: string) => void = () => undefined;
    const status = node.status.bind(node);
    node.status = (s: Msg) => {
      statuses.push(s.text);
      shown(s.text);
      status(s);
    };
    const statusShows = (text: string): Promise<void> =>
      statuses[statuses.length - 1] === text
        ? Promise.resolve()
        : new Promise((resolve) => (shown = (t) => t === text && resolve()));
    const out: Msg[] = [];
    let arrived: (m: Msg) => void = () => undefined;
    helper.getNode('out').on('input', (m: Msg) => {
      out.push(m);
      arrived(m);
    });
    const next = (): Promise<Msg> => new Promise((resolve) => (arrived = resolve));

    const completed = { ...ev('live', 0, ''), event: 'TranscriptionCompleted', final: false };
    let got = next();
    for (let i = 0; i < 5; i++) node.receive({ payload: ev('live', i, `Sentence number ${i}.`) });
    node.receive({ taskId: 'live', complete: true });
    const first = await got;
    first.filename.should.equal('live.txt');
    first.cues.should.equal(5);
    should(first.part).be.undefined();
    // The status names what was written (throttled: it shows once the status interval ends).
    await statusShows('live.txt: 5 cues written');

    got = next();
    node.receive({ payload: ev('live', 5, 'After the flush.') });
    node.receive({ payload: completed });
    const second = await got;
    second.filename.should.equal('live.part2.txt', "never the first file's name");
    second.part.should.equal(2);
    second.payload.should.match(/After the flush\./);
    second.payload.should.not.match(/Sentence number/);

    // A completion with nothing new since: no file (an empty one would overwrite the last).
    got = next();
    node.receive({ payload: completed });
    node.receive({ payload: [ev('marker', 0, 'Marker.')] });
    (await got).filename.should.equal('marker.txt');
    out.map((m) => m.filename).should.eql(['live.txt', 'live.part2.txt', 'marker.txt']);
  });
});
