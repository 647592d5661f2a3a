/**
 * An upload cut off mid-stream (the emulator's 'drop' fault after 1 MiB of an 8 MiB body), for
 * each kind of source the submit node accepts: exactly one clear error, nothing created (no
 * file, no task, no pending job), and no socket, timer or open file left behind.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import { UnisoundEmulator, UNISOUND_DEFAULTS } from '../emulator/unisound';
import { ALL_NODES, helper, tab } from '../nodes/harness';
import { activeResources, eventually, Msg, portOf, sleep, socketsTo, wavBytes } from './kit';

const SIZE = 8 * 1024 * 1024;

describe('reliability: Unisound upload dropped mid-stream', function () {
  this.timeout(20000);
  let emu: UnisoundEmulator;
  let dir: string;
  let file: string;

  before(async () => {
    emu = new UnisoundEmulator({ dropAfterBytes: 1024 * 1024, storeUploads: 'count' });
    await emu.listen();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisound-drop-'));
    file = path.join(dir, 'long.wav');
    fs.writeFileSync(file, wavBytes(SIZE));
    helper.settings({ userDir: dir });
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => emu.reset());
  afterEach(() => helper.unload());

  const sources: Array<[string, () => Msg]> = [
    ['a file path', () => ({ payload: file })],
    ['a Buffer', () => ({ payload: wavBytes(SIZE) })],
    ['a readable stream', () => ({ payload: fs.createReadStream(file), filename: 'long.wav' })],
  ];

  for (const [what, msg] of sources) {
    it(`${what}: one error, nothing created, no socket, timer or file handle left`, async () => {
      await helper.load(
        ALL_NODES,
        tab([
          { id: 'cfg', type: 'unisound-config', endpoint: emu.url, timeout: 5, maxRetries: 2 },
          { id: 'act', type: 'unisound-asr-submit', unisound: 'cfg', wires: [['out']] },
        ]),
        { cfg: { apiKey: UNISOUND_DEFAULTS.apiKey } },
      );
      const out: Msg[] = [];
      const errors: Msg[] = [];
      helper.getNode('out').on('input', (m: Msg) => out.push(m));
      helper.getNode('errors').on('input', (m: Msg) => errors.push(m));
      await sleep(100);
      const baseline = activeResources();
      emu.faults.next('drop', 50);
      helper.getNode('act').receive(msg());
      (await eventually(() => errors.length + out.length > 0, 10000)).should.be.true('an outcome');
      await sleep(500);
      out.should.have.length(0);
      errors.should.have.length(1);
      const err = errors[0].error;
      should(err.code).match(/^(ECONNRESET|EPIPE)$/);
      err.message.should.match(
        /^Connection to 127\.0\.0\.1:\d+ failed \((ECONNRESET|EPIPE)\) before a complete answer arrived\.$/,
      );
      // Once: a stream that may have created a file is never sent again.
      emu.requests.map((r) => `${r.action}:${r.fault}`).should.eql(['upload:drop']);
      Number(emu.requests[0].params.receivedBytes).should.be.within(1024 * 1024, SIZE - 1);
      emu.files.size.should.equal(0);
      emu.tasks.size.should.equal(0);
      const jobs = path.join(dir, '.speech-pipelines', 'jobs.json');
      if (fs.existsSync(jobs)) Object.keys(JSON.parse(fs.readFileSync(jobs, 'utf8')).entries).should.eql([]);
      (await eventually(() => socketsTo(portOf(emu.url)).length === 0, 1000)).should.be.true(
        `sockets left: ${socketsTo(portOf(emu.url)).length}`,
      );
      const now = activeResources();
      for (const kind of ['Timeout', 'FSReqCallback', 'TCPSocketWrap', 'CloseReq']) {
        (now[kind] ?? 0).should.be.belowOrEqual(
          baseline[kind] ?? 0,
          `${kind}: ${JSON.stringify(now)} vs ${JSON.stringify(baseline)}`,
        );
      }
    });
  }
});
