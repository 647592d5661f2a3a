/**
 * The upload streams: a 64 MB file sent through unisound-asr-submit raises live heap + external
 * memory (sampled after a young-generation GC every 10 ms, freed Buffers swept at once) by far less than its size. Axios's redirect follower would buffer the whole body
 * (DESIGN.md: `maxRedirects: 0`), as would reading the file or building the multipart in memory.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import { UnisoundEmulator, UNISOUND_DEFAULTS } from '../emulator/unisound';
import { collectGarbage, wavBytes } from '../reliability/kit';
import { helper, outcome, tab } from './harness';

const NODES = ['unisound-config', 'unisound-asr-submit', 'unisound-asr-result'].map(
  (type) => require(`../../nodes/${type}`).default,
);
const SIZE = 64 * 1024 * 1024;
/** A fraction of the file: reading or building the body in memory would hold all of it. */
const LIMIT = SIZE * 0.375;

const used = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

describe('unisound-asr-submit: upload memory', function () {
  this.timeout(20000);
  let emulator: UnisoundEmulator;
  let dir: string;
  let file: string;

  before(async () => {
    emulator = new UnisoundEmulator({ storeUploads: 'count' });
    await emulator.listen();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisound-memory-'));
    file = path.join(dir, 'long-meeting.wav');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, wavBytes(44));
    const chunk = Buffer.alloc(1024 * 1024, 1);
    for (let written = 44; written < SIZE; written += chunk.length)
      fs.writeSync(fd, chunk, 0, Math.min(chunk.length, SIZE - written));
    fs.closeSync(fd);
    await helper.startServer();
  });
  after(async () => {
    await helper.unload();
    await helper.stopServer();
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`uploads ${SIZE / 2 ** 20} MB with heap + external growth below ${LIMIT / 2 ** 20} MB`, async () => {
    await helper.load(
      NODES,
      tab([
        { id: 'cfg', type: 'unisound-config', endpoint: emulator.url, timeout: 30, maxRetries: 0 },
        { id: 'submit', type: 'unisound-asr-submit', unisound: 'cfg', wait: false, wires: [['out']] },
      ]),
      { cfg: { apiKey: UNISOUND_DEFAULTS.apiKey } },
    );
    collectGarbage();
    const baseline = used();
    let peak = baseline;
    // Live memory only: a young-generation collection before each sample (a full one takes tens of
    // ms on Node-RED's heap), or the 256 KiB chunks already sent would count as growth.
    let samples = 0;
    const sampler = setInterval(() => {
      // A scavenge frees the young objects (and the Buffers they own) that a stream churns through.
      collectGarbage('minor');
      samples++;
      peak = Math.max(peak, used());
    }, 10);
    const t0 = Date.now();
    try {
      const result = outcome(15000);
      helper.getNode('submit').receive({ payload: file });
      const { msg, error } = await result;
      should.not.exist(error, error && JSON.stringify(error.error));
      const uploaded = emulator.files.get(msg!.payload.fileId)!;
      uploaded.bytes.should.equal(SIZE);
    } finally {
      clearInterval(sampler);
    }
    samples.should.be.above(3, 'sampled during the upload');
    const growth = peak - baseline;
    console.log(
      `      ${SIZE / 2 ** 20} MB in ${Date.now() - t0} ms; peak live heap+external growth ${(growth / 2 ** 20).toFixed(1)} MB over ${samples} samples`,
    );
    growth.should.be.below(LIMIT);
  });
});
