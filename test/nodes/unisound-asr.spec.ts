import fs from 'fs';
import os from 'os';
import path from 'path';
import { PassThrough, Readable } from 'stream';
import should from 'should';
import { UnisoundEmulator, UNISOUND_DEFAULTS } from '../emulator/unisound';
import { collect, helper, outcome, tab } from './harness';

type Msg = Record<string, any>;
const NODES = ['unisound-config', 'unisound-asr-submit', 'unisound-asr-result'].map(
  (type) => require(`../../nodes/${type}`).default,
);

/** A small valid WAV header followed by silence. */
function wav(bytes = 4096): Buffer {
  const b = Buffer.alloc(44 + bytes);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + bytes, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(16000, 24);
  b.writeUInt32LE(32000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(bytes, 40);
  return b;
}

describe('Unisound ASR nodes against the emulator', function () {
  this.timeout(20000);
  let emulator: UnisoundEmulator;
  let dir: string;
  let audioPath: string;

  const config = (extra: Msg = {}): Msg => ({
    id: 'cfg',
    type: 'unisound-config',
    endpoint: emulator.url,
    rateLimit: 600,
    timeout: 5,
    maxRetries: 2,
    ...extra,
  });
  const submit = (extra: Msg = {}): Msg => ({
    id: 'submit',
    type: 'unisound-asr-submit',
    unisound: 'cfg',
    pollInterval: 0.05,
    wires: [['out']],
    ...extra,
  });
  const creds = { cfg: { apiKey: UNISOUND_DEFAULTS.apiKey } };
  const load = (nodes: Msg[]) => helper.load(NODES, tab(nodes), creds);
  const jobsFile = () => path.join(dir, '.speech-pipelines', 'jobs.json');
  const storedJobs = (): string[] =>
    fs.existsSync(jobsFile()) ? Object.keys(JSON.parse(fs.readFileSync(jobsFile(), 'utf8')).entries) : [];
  const actions = () => emulator.requests.map((r) => r.action);

  before(async () => {
    emulator = new UnisoundEmulator({ processingMs: 300, tasksPerMinute: 1000 });
    await emulator.listen();
  });
  after(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    emulator.reset();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisound-node-'));
    audioPath = path.join(dir, 'meeting.wav');
    fs.writeFileSync(audioPath, wav());
    helper.settings({ userDir: dir });
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('uploads a file path, waits and emits the transcript document', async () => {
    await load([config(), submit()]);
    const result = outcome();
    helper.getNode('submit').receive({ payload: audioPath, keep: 'me' });
    const { msg, error } = await result;
    should.not.exist(error);
    msg!.keep.should.equal('me');
    msg!.payload.vendor.should.equal('unisound');
    msg!.payload.taskId.should.equal(msg!.taskId);
    msg!.payload.segments.should.have.length(4);
    msg!.payload.segments[1].should.containDeep({
      text: '你好，云知声语音链路测试成功！',
      start: 3100,
      end: 5600,
      final: true,
    });
    msg!.payload.text.should.startWith('Good morning, this is the Unisound emulator.');
    msg!.payload.duration.should.equal(10400);
    msg!.payload.raw.status.should.equal('Success');
    msg!.unisound.fileId.should.be.a.Number();
    msg!.unisound.polls.should.be.above(0);
    const file = emulator.files.get(msg!.unisound.fileId)!;
    file.bytes.should.equal(fs.statSync(audioPath).size);
    file.filename.should.equal('meeting.wav');
    emulator.tasks.get(msg!.taskId)!.body.should.containDeep({ model: 'u2-asr', format: 'wav', file_id: file.fileId });
    storedJobs().should.eql([]);
  });

  it('a result with text but no segment list still emits the text, with a warning naming the fields seen', async () => {
    emulator.setResultShape('text-only');
    await load([config(), submit()]);
    const result = outcome();
    helper.getNode('submit').receive({ payload: audioPath });
    const { msg, error } = await result;
    should.not.exist(error);
    msg!.payload.text.should.startWith('Good morning, this is the Unisound emulator.');
    msg!.payload.segments.should.have.length(1);
    msg!.payload.warning.reason.should.equal('textWithoutSegments');
    msg!.payload.raw.text.should.equal(msg!.payload.text);
    const warn = (helper.getNode('submit') as unknown as { warn: { args: unknown[][] } }).warn;
    const said = warn.args.map((w) => String(w[0])).join('\n');
    said.should.containEql(msg!.taskId);
    said.should.match(/\btext\b/);
  });

  it('reads a lower-case status as the documented one', async () => {
    emulator.setResultShape('lowercase');
    await load([config(), submit()]);
    const result = outcome();
    helper.getNode('submit').receive({ payload: audioPath });
    const { msg, error } = await result;
    should.not.exist(error);
    msg!.payload.raw.status.should.equal('success');
    msg!.payload.segments.should.have.length(4);
  });

  it('uploads a Buffer (format sniffed from its bytes) with speaker and word options from msg.payload', async () => {
    await load([config(), submit({ enable_speaker: true, word_info: true })]);
    const result = outcome();
    helper.getNode('submit').receive({ payload: wav() });
    const { msg } = await result;
    emulator.tasks.get(msg!.taskId)!.body.should.containDeep({ format: 'wav', enable_speaker: true, word_info: true });
    msg!.payload.segments[1].speaker.should.equal('1');
    msg!.payload.segments[0].words[0].should.containDeep({ text: 'Good', start: 0 });
  });

  it('uploads a readable stream', async () => {
    await load([config(), submit()]);
    const result = outcome();
    helper.getNode('submit').receive({ payload: Readable.from([wav().subarray(0, 10), wav().subarray(10)]) });
    const { msg, error } = await result;
    should.not.exist(error);
    emulator.files.get(msg!.unisound.fileId)!.bytes.should.equal(wav().length);
  });

  it('uses an existing file_id and a file_url without uploading', async () => {
    await load([config(), submit()]);
    let result = outcome();
    helper.getNode('submit').receive({ payload: audioPath });
    const fileId = (await result).msg!.unisound.fileId;
    await helper.unload();
    emulator.requests.length = 0;
    await load([config(), submit({ format: 'wav' })]);
    result = outcome();
    helper.getNode('submit').receive({ payload: { file_id: fileId } });
    const byId = (await result).msg!;
    emulator.tasks.get(byId.taskId)!.body.should.containDeep({ file_id: fileId, format: 'wav' });
    await helper.unload();
    await load([config(), submit()]);
    result = outcome();
    helper.getNode('submit').receive({ payload: { file_url: 'https://example.com/a.mp3' } });
    const byUrl = (await result).msg!;
    emulator.tasks.get(byUrl.taskId)!.body.should.containDeep({ file_url: 'https://example.com/a.mp3', format: 'mp3' });
    actions().should.not.containEql('upload');
  });

  it('reports every invalid option at once and sends nothing', async () => {
    await load([config(), submit()]);
    const result = outcome();
    helper.getNode('submit').receive({
      payload: {
        file_url: 'ftp://x/a.wav',
        context: 'x'.repeat(501),
        hotwords: ['toolongword'],
        speaker_num: 2,
        channel: 3,
      },
    });
    const { error } = await result;
    error!.error.message.should
      .match(/file_url/)
      .and.match(/context/)
      .and.match(/hotword/)
      .and.match(/speaker_num/)
      .and.match(/channel/);
    emulator.requests.should.have.length(0);
  });

  it('emits msg.taskId at once with wait off, and the result node waits for it', async () => {
    await load([
      config(),
      submit({ wait: false, wires: [['result']] }),
      { id: 'result', type: 'unisound-asr-result', unisound: 'cfg', pollInterval: 0.05, wires: [['out']] },
    ]);
    const result = outcome();
    helper.getNode('submit').receive({ payload: audioPath });
    const { msg } = await result;
    msg!.payload.segments.should.have.length(4);
    actions()
      .filter((a) => a === 'poll')
      .length.should.be.above(0);
  });

  it('ends a Failed task in done(err) with the vendor code', async () => {
    emulator.failNextTask('audio decode failed', 200001);
    await load([config(), submit()]);
    const result = outcome();
    helper.getNode('submit').receive({ payload: audioPath });
    const { error } = await result;
    error!.error.code.should.equal('200001');
    error!.error.message.should.match(/audio decode failed/);
    storedJobs().should.eql([]);
  });

  it('retries a create refused with 429/100501', async () => {
    await load([config(), submit({ payload: undefined, format: 'wav' })]);
    const result = outcome();
    emulator.faults.next('throttle');
    helper.getNode('submit').receive({ payload: { file_url: 'https://example.com/a.wav' } });
    const { msg, error } = await result;
    should.not.exist(error);
    actions()
      .filter((a) => a === 'create')
      .length.should.equal(2);
    emulator.requests.find((r) => r.action === 'create')!.code!.should.equal(100501);
    msg!.taskId.should.be.a.String();
  });

  it('fails once, clearly, when the upload is cut off mid-stream', async () => {
    fs.writeFileSync(audioPath, wav(512 * 1024));
    await load([config(), submit()]);
    emulator.faults.next('drop');
    const seen = collect(1500);
    helper.getNode('submit').receive({ payload: audioPath });
    const { out, errors } = await seen;
    out.should.have.length(0);
    errors.should.have.length(1);
    errors[0].error.message.should.match(/Connection to 127\.0\.0\.1:\d+ failed \((ECONNRESET|EPIPE)\)/);
    actions().should.eql(['upload']);
  });

  it('emits the result once after a redeploy while waiting', async () => {
    await load([config(), submit({ pollInterval: 0.2 })]);
    const seen = collectAll();
    helper.getNode('submit').receive({ payload: audioPath, keep: 'after redeploy' });
    await until(() => storedJobs().length === 1);
    // A redeploy: the same flow closed (removed=false) and started again.
    const flow = tab([config(), submit({ pollInterval: 0.05 })]);
    await helper.setFlows(flow, 'full', creds);
    const out: Msg[] = [];
    helper.getNode('out').on('input', (m: Msg) => out.push(m));
    await until(() => out.length > 0);
    await sleep(500);
    out.should.have.length(1);
    out[0].keep.should.equal('after redeploy');
    out[0].payload.segments.should.have.length(4);
    seen.errors.should.have.length(0);
    storedJobs().should.eql([]);
  });

  it('forgets the job and leaves no timer when the node is deleted', async () => {
    await load([config(), submit({ pollInterval: 0.1 })]);
    helper.getNode('submit').receive({ payload: audioPath });
    await until(() => actions().includes('create'));
    await until(() => storedJobs().length === 1);
    await helper.getNode('submit').close(true);
    storedJobs().should.eql([]);
    const polls = actions().filter((a) => a === 'poll').length;
    await sleep(600);
    actions()
      .filter((a) => a === 'poll')
      .length.should.equal(polls);
  });

  it('applies DEFAULTS to a node deployed with only type, wires and config', async () => {
    const { DEFAULTS } = require('../../nodes/unisound-asr-submit');
    DEFAULTS.should.containDeep({ wait: true, deleteFile: false, timeout: 360, enable_itn: true });
    await load([config(), { id: 'submit', type: 'unisound-asr-submit', unisound: 'cfg', wires: [['out']] }]);
    helper.getNode('submit').receive({ payload: audioPath });
    await until(() => actions().includes('create'));
    emulator.tasks
      .values()
      .next()
      .value!.body.should.containDeep({ enable_itn: true, enable_speaker: false, word_info: false });
  });
});

function collectAll(): { out: Msg[]; errors: Msg[] } {
  const c = { out: [] as Msg[], errors: [] as Msg[] };
  helper.getNode('errors').on('input', (m: Msg) => c.errors.push(m));
  return c;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

void PassThrough;
