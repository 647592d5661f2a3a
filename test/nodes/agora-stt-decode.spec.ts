import zlib from 'zlib';
import protobuf from 'protobufjs';
import should from 'should';
import { helper, TAB, tab } from './harness';
import decodeNode, { DEFAULTS } from '../../nodes/agora-stt-decode';

type Msg = Record<string, any>;

// The schema written out independently of the node's embedded descriptor (see test/unit/agora-decode.spec.ts).
const Text = protobuf
  .parse(
    `
syntax = "proto3";
package Agora.SpeechToText;
message Text {
  int64 uid = 4; int64 time = 6; repeated Word words = 10; int32 duration_ms = 12;
  string data_type = 13; repeated Translation trans = 14; string culture = 15; int64 text_ts = 16;
}
message Word { string text = 1; int32 start_ms = 2; int32 duration_ms = 3; bool is_final = 4; double confidence = 5; }
message Translation { bool is_final = 1; string lang = 2; repeated string texts = 3; }
`,
    { keepCase: true },
  )
  .root.lookupType('Agora.SpeechToText.Text');

const encode = (obj: Record<string, unknown>): Buffer => Buffer.from(Text.encode(Text.fromObject(obj)).finish());

const FINAL = encode({
  uid: 222,
  time: 1753359518654,
  duration_ms: 770,
  data_type: 'transcribe',
  culture: 'en-US',
  text_ts: 1753359520754,
  words: [{ text: 'Hello, how are you?', is_final: true }],
});
const INTERIM = encode({
  uid: 222,
  data_type: 'transcribe',
  culture: 'en-US',
  words: [{ text: 'Hello, how', is_final: false }],
});
const FOLLOW_UP = zlib.gzipSync(
  JSON.stringify({ transcript: { uid: 42, text: 'Hello.', isFinal: true, sentenceId: 1, results: [] } }),
);

/** The decode node wired to `out`, a Complete node on it wired to `completed`, and the harness's Catch → `errors`. */
async function load(props: Msg = { protocol: 'auto', finalOnly: false }): Promise<void> {
  await helper.load(
    [decodeNode],
    [
      ...tab([{ id: 'dec', type: 'agora-stt-decode', name: '', ...props, wires: [['out']] }]),
      { id: 'complete', type: 'complete', z: TAB, x: 0, y: 0, scope: ['dec'], uncaught: false, wires: [['completed']] },
      { id: 'completed', type: 'helper', z: TAB, x: 0, y: 0 },
    ],
    {},
  );
}

/** Sends each msg and collects every output, error and completion until `ms` pass with nothing new. */
function run(msgs: Msg[], ms = 300): Promise<{ out: Msg[]; errors: Msg[]; completed: Msg[] }> {
  const seen = { out: [] as Msg[], errors: [] as Msg[], completed: [] as Msg[] };
  helper.getNode('out').on('input', (m: Msg) => seen.out.push(m));
  helper.getNode('errors').on('input', (m: Msg) => seen.errors.push(m));
  helper.getNode('completed').on('input', (m: Msg) => seen.completed.push(m));
  for (const m of msgs) helper.getNode('dec').receive(m);
  return new Promise((resolve) => setTimeout(() => resolve(seen), ms));
}

describe('agora-stt-decode node', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('decodes a Buffer, a base64 string and a byte array, passing topic and taskId on', async () => {
    await load();
    const { out, errors, completed } = await run([
      { payload: FINAL, topic: 'room-1', taskId: 'agent-7', keep: { x: 1 } },
      { payload: FINAL.toString('base64'), topic: 'room-1' },
      { payload: [...FINAL] },
      { payload: new Uint8Array(INTERIM) },
    ]);
    errors.should.have.length(0);
    out.should.have.length(4);
    completed.should.have.length(4);
    out[0].topic.should.equal('room-1');
    out[0].taskId.should.equal('agent-7');
    out[0].keep.should.eql({ x: 1 });
    out[0].payload.should.containDeep({
      vendor: 'agora',
      event: 'transcribe',
      text: 'Hello, how are you?',
      final: true,
      speaker: '222',
      language: 'en-US',
      taskId: 'agent-7',
      start: 1753359518654,
      end: 1753359519424,
    });
    out[1].payload.text.should.equal('Hello, how are you?');
    should(out[1].payload.taskId).be.undefined();
    out[2].payload.text.should.equal('Hello, how are you?');
    out[3].payload.should.containDeep({ text: 'Hello, how', final: false });
  });

  it('junk: exactly one UndecodableSubtitle per message to a Catch node, and the node keeps decoding', async () => {
    await load();
    const junk = [
      { payload: Buffer.from([0x08, 0x96]) },
      { payload: 'not base64 at all!' },
      { payload: zlib.gzipSync('{"a":1}').subarray(0, 12) },
      { payload: 12 },
      { payload: FOLLOW_UP.subarray(0, 5) },
    ];
    const { out, errors, completed } = await run([...junk, { payload: FINAL }]);
    errors.should.have.length(junk.length);
    for (const e of errors) {
      e.error.code.should.equal('UndecodableSubtitle');
      e.error.message.should.match(/UndecodableSubtitle: ./);
      e.error.cause.should.containDeep({ vendor: 'agora', code: 'UndecodableSubtitle' });
      e.error.source.id.should.equal('dec');
    }
    out.should.have.length(1);
    out[0].payload.final.should.be.true();
    completed.should.have.length(1); // Complete fires only for done() without an error
    const statuses = (helper.getNode('dec') as unknown as { status: { args: Msg[][] } }).status.args.map((a) => a[0]);
    statuses.filter((s) => s.fill === 'red' && s.text === 'UndecodableSubtitle').should.have.length(junk.length);
    statuses[statuses.length - 1].should.containDeep({ fill: 'green', text: 'Hello, how are you?' });
  });

  it('an empty follow-up (results: []) sends its settled text final once, then nothing, and completes', async () => {
    await load();
    const { out, errors, completed } = await run([{ payload: FOLLOW_UP }, { payload: FOLLOW_UP }]);
    out.map((m) => [m.payload.text, m.payload.final]).should.eql([['Hello.', true]]);
    errors.should.have.length(0);
    completed.should.have.length(2);
  });

  it('Only final results drops interim events but completes them', async () => {
    await load({ finalOnly: true });
    const { out, errors, completed } = await run([{ payload: INTERIM }, { payload: FINAL }, { payload: INTERIM }]);
    errors.should.have.length(0);
    out.should.have.length(1);
    out[0].payload.final.should.be.true();
    completed.should.have.length(3);
  });

  it('a node with only type and wires behaves as the dialog defaults (auto, all results)', async () => {
    DEFAULTS.should.eql({ name: '', protocol: 'auto', finalOnly: false });
    await helper.load([decodeNode], tab([{ id: 'dec', type: 'agora-stt-decode', wires: [['out']] }]), {});
    const out: Msg[] = [];
    helper.getNode('out').on('input', (m: Msg) => out.push(m));
    helper.getNode('dec').receive({ payload: INTERIM });
    helper.getNode('dec').receive({
      payload: zlib.gzipSync(
        JSON.stringify({ transcript: { uid: 1, text: '北选手', isFinal: false, language: 'zh-CN' } }),
      ),
    });
    for (let i = 0; i < 500 && out.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    out.map((m) => m.payload.text).should.eql(['Hello, how', '北选手']);
  });

  it('protocol "protobuf" refuses JSON, protocol "json" refuses protobuf', async () => {
    await load({ protocol: 'protobuf' });
    let r = await run([{ payload: FOLLOW_UP }, { payload: FINAL }], 200);
    r.errors.should.have.length(1);
    r.out.should.have.length(1);
    await helper.unload();
    await load({ protocol: 'json' });
    r = await run([{ payload: FOLLOW_UP }, { payload: FINAL }], 200);
    r.errors.should.have.length(1);
    r.out.map((m) => m.payload.text).should.eql(['Hello.']);
  });

  it('shows the latest text in the status, shortened', async () => {
    await load();
    const long = encode({
      data_type: 'transcribe',
      words: [{ text: 'This sentence is much longer than a status should ever be', is_final: true }],
    });
    await run([{ payload: FINAL }, { payload: long }], 400);
    const status = (helper.getNode('dec') as unknown as { status: { lastCall: { args: Msg[] } } }).status.lastCall
      .args[0];
    status.fill.should.equal('green');
    status.text.should.equal('This sentence is much longer th…');
  });
});
