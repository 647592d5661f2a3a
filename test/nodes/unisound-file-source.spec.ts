/**
 * A path in a message names a file this node uploads: with an allowed directory (node or
 * settings), links are followed before the check, only regular files go out, and nothing is
 * sent to the vendor when a file is refused. A file that changes size while it is uploaded
 * sends exactly the size stated, or fails, and its connection is never reused.
 */
import crypto from 'crypto';
import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import { UnisoundEmulator, UNISOUND_DEFAULTS } from '../emulator/unisound';
import { UnisoundClient } from '../../nodes/vendors/unisound/client';
import { prepareUpload } from '../../nodes/vendors/unisound/upload';
import { helper, tab } from './harness';
import { eventually, socketsTo, wavBytes } from '../reliability/kit';

type Msg = Record<string, any>;
const NODES = ['unisound-config', 'unisound-asr-submit', 'unisound-asr-result'].map(
  (type) => require(`../../nodes/${type}`).default,
);

describe('unisound-asr-submit: paths from messages', function () {
  this.timeout(20000);
  let emu: UnisoundEmulator;
  let dir: string;
  let root: string;
  let secret: string;

  before(async () => {
    emu = new UnisoundEmulator({ processingMs: 0 });
    await emu.listen();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisound-root-'));
    root = path.join(dir, 'audio');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'ok.wav'), wavBytes(4096));
    secret = path.join(dir, 'flows_cred.json');
    fs.writeFileSync(secret, '{"secret":"canary"}');
    fs.symlinkSync(secret, path.join(root, 'escape.wav'));
    fs.symlinkSync(dir, path.join(root, 'up'));
    fs.mkdirSync(path.join(root, 'folder.wav'));
    execFileSync('mkfifo', [path.join(root, 'pipe.wav')]);
  });
  after(async () => {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => emu.reset());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  async function submit(payload: unknown, node: Msg = {}, settings: Msg = {}): Promise<{ out?: Msg; err?: Msg }> {
    helper.settings(settings);
    await helper.startServer();
    await helper.load(
      NODES,
      tab([
        { id: 'cfg', type: 'unisound-config', endpoint: emu.url, timeout: 5, maxRetries: 0 },
        { id: 'act', type: 'unisound-asr-submit', unisound: 'cfg', wait: false, wires: [['out']], ...node },
      ]),
      { cfg: { apiKey: UNISOUND_DEFAULTS.apiKey } },
    );
    const result = new Promise<{ out?: Msg; err?: Msg }>((resolve) => {
      helper.getNode('out').on('input', (m: Msg) => resolve({ out: m }));
      helper.getNode('errors').on('input', (m: Msg) => resolve({ err: m }));
    });
    helper.getNode('act').receive({ payload });
    return result;
  }
  const uploads = (): number => emu.requests.filter((r) => r.path.startsWith('/v1/files')).length;

  it('with an allowed directory, uploads a file inside it (relative paths are read there)', async () => {
    const r = await submit('ok.wav', { fileRoot: root });
    should.exist(r.out, JSON.stringify(r.err?.error));
    uploads().should.equal(1);
  });

  const refused: Array<[string, string, string]> = [
    ['a symlink out of the directory', 'escape.wav', 'FileOutsideRoot'],
    ['a path through a symlinked directory', 'up/flows_cred.json', 'FileOutsideRoot'],
    ['a ../ path', '../flows_cred.json', 'FileOutsideRoot'],
    ['an absolute path elsewhere', '/etc/hostname', 'FileOutsideRoot'],
    ['a directory', 'folder.wav', 'FileUnreadable'],
    ['a FIFO (never opened for a blocking read)', 'pipe.wav', 'FileUnreadable'],
  ];
  for (const [what, file, code] of refused) {
    it(`refuses ${what} (${code}); nothing is sent to the vendor`, async () => {
      const r = await submit(file, { fileRoot: root });
      should.exist(r.err, 'an error, not an upload');
      r.err!.error.source.id.should.equal('act');
      String(r.err!.error.message).should.not.containEql('canary');
      (r.err!.error.code ?? r.err!.error.cause?.code ?? '').should.equal(code);
      emu.requests.should.have.length(0);
    });
  }

  it('a relative allowed directory is a configuration error: InvalidInput, nothing sent', async () => {
    const r = await submit('ok.wav', { fileRoot: 'audio' });
    should.exist(r.err);
    should(r.err!.error.code ?? r.err!.error.cause?.code).equal('InvalidInput');
    String(r.err!.error.message).should.match(/fileRoot/);
    emu.requests.should.have.length(0);
  });

  it("the settings file's speechPipelines.unisoundFileRoot applies to nodes without their own", async () => {
    const r = await submit(path.join(root, 'escape.wav'), {}, { speechPipelines: { unisoundFileRoot: root } });
    should.exist(r.err);
    emu.requests.should.have.length(0);
  });

  it("a node's directory cannot widen the settings file's", async () => {
    const r = await submit(secret, { fileRoot: dir }, { speechPipelines: { unisoundFileRoot: root } });
    should.exist(r.err);
    emu.requests.should.have.length(0);
  });

  it('without any allowed directory the documented path input still works, regular files only', async () => {
    (await submit(path.join(root, 'ok.wav'))).out!.should.be.an.Object();
    await helper.unload();
    await helper.stopServer();
    emu.reset();
    const r = await submit(path.join(root, 'pipe.wav'));
    should.exist(r.err);
    emu.requests.should.have.length(0);
  });
});

describe('unisound upload of a file that changes size', function () {
  this.timeout(20000);
  let emu: UnisoundEmulator;
  let dir: string;
  let client: UnisoundClient;

  before(async () => {
    emu = new UnisoundEmulator({ storeUploads: 'keep' });
    await emu.listen();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisound-grow-'));
  });
  beforeEach(() => {
    emu.reset();
    client = new UnisoundClient({ apiKey: UNISOUND_DEFAULTS.apiKey, endpoint: emu.url, maxRetries: 0 });
  });
  afterEach(() => client.close());
  after(async () => {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a file that grows after the upload began sends exactly the size stated; the next upload works', async () => {
    const file = path.join(dir, 'growing.wav');
    const original = wavBytes(1024 * 1024);
    fs.writeFileSync(file, original);
    const upload = await prepareUpload({ kind: 'path', path: file });
    fs.appendFileSync(file, crypto.randomBytes(512 * 1024));
    const first = await client.uploadFile(upload);
    const stored = emu.files.get(first.fileId)!;
    stored.bytes.should.equal(original.length);
    stored.content!.equals(original).should.be.true();
    const next = await client.uploadFile(await prepareUpload({ kind: 'buffer', buffer: wavBytes(2048) }));
    emu.files.get(next.fileId)!.bytes.should.equal(2048);
    emu.requests.filter((r) => r.status === 200).should.have.length(2);
  });

  it('a file that shrinks fails with FileChanged, its connection closed, and the next upload works', async () => {
    const file = path.join(dir, 'shrinking.wav');
    fs.writeFileSync(file, wavBytes(1024 * 1024));
    const upload = await prepareUpload({ kind: 'path', path: file });
    fs.truncateSync(file, 1000);
    const err = await client.uploadFile(upload).then(
      () => undefined,
      (e: any) => e,
    );
    should.exist(err, 'the upload fails');
    err.code.should.equal('FileChanged');
    emu.files.size.should.equal(0);
    const port = Number(new URL(emu.url).port);
    (await eventually(() => socketsTo(port).length === 0, 5000)).should.be.true('no socket kept for reuse');
    const next = await client.uploadFile(await prepareUpload({ kind: 'buffer', buffer: wavBytes(2048) }));
    emu.files.get(next.fileId)!.bytes.should.equal(2048);
  });
});
