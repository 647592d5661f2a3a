/**
 * A job is never lost: a real Node-RED is killed (SIGKILL, no clean close) while a
 * Unisound job is processing, started again on the same user directory, and the
 * result is emitted once, by the node that submitted it.
 */
import assert from 'assert/strict';
import fs from 'fs';
import path from 'path';
import { UnisoundEmulator, UNISOUND_DEFAULTS } from '../emulator/unisound';
import {
  createUserDir,
  linkPackage,
  makeTempDir,
  sleep,
  startNodeRed,
  waitFor,
  type FlowNode,
  type NodeRedProcess,
} from './node-red-process';

describe('Unisound: a job survives a Node-RED restart (e2e)', function () {
  this.timeout(120000);
  let emulator: UnisoundEmulator;
  let red: NodeRedProcess | undefined;
  let dir: string;

  before(async () => {
    emulator = new UnisoundEmulator({ processingMs: 6000, tasksPerMinute: 1000 });
    await emulator.listen();
  });
  after(async () => {
    await red?.stop(2000);
    await emulator.close();
  });

  it('emits the result once after the process was killed mid-job', async () => {
    dir = makeTempDir('unisound-restart-');
    const userDir = await createUserDir({ dir });
    linkPackage(userDir.dir);
    const audio = path.join(dir, 'meeting.wav');
    fs.writeFileSync(audio, Buffer.concat([Buffer.from('RIFF\x24\x10\x00\x00WAVEfmt ', 'latin1'), Buffer.alloc(4096)]));
    const results = path.join(dir, 'results.txt');
    const jobsFile = path.join(dir, '.speech-pipelines', 'jobs.json');
    const flows: FlowNode[] = [
      { id: 't1', type: 'tab', label: 'restart' },
      {
        id: 'cfg',
        type: 'unisound-config',
        endpoint: emulator.url,
        rateLimit: 600,
        timeout: 5,
        maxRetries: 1,
        credentials: { apiKey: UNISOUND_DEFAULTS.apiKey },
      },
      {
        id: 'in',
        type: 'inject',
        z: 't1',
        props: [{ p: 'payload' }, { p: 'keep', v: 'kept across restart', vt: 'str' }],
        payload: audio,
        payloadType: 'str',
        repeat: '',
        once: false,
        x: 100,
        y: 100,
        wires: [['submit']],
      },
      {
        id: 'submit',
        type: 'unisound-asr-submit',
        z: 't1',
        unisound: 'cfg',
        pollInterval: 0.3,
        x: 300,
        y: 100,
        wires: [['line']],
      },
      {
        id: 'line',
        type: 'change',
        z: 't1',
        rules: [
          {
            t: 'set',
            p: 'payload',
            pt: 'msg',
            to: '"" & taskId & " " & keep & " " & $count(payload.segments)',
            tot: 'jsonata',
          },
        ],
        x: 500,
        y: 100,
        wires: [['file']],
      },
      {
        id: 'file',
        type: 'file',
        z: 't1',
        filename: results,
        filenameType: 'str',
        appendNewline: true,
        createDir: true,
        overwriteFile: 'false',
        encoding: 'none',
        x: 700,
        y: 100,
        wires: [],
      },
    ];
    red = await startNodeRed(userDir, { removeUserDirOnStop: false });
    await red.deploy(flows);
    await red.inject('in');
    await waitFor(
      () => fs.existsSync(jobsFile) && Object.keys(JSON.parse(fs.readFileSync(jobsFile, 'utf8')).entries).length === 1,
      'the pending job on disk',
      10000,
      50,
    );
    const [taskId] = [...emulator.tasks.keys()];
    assert.ok(taskId);
    red.child.kill('SIGKILL');
    await red.exited;
    assert.equal(fs.existsSync(results), false, 'nothing was emitted before the kill');

    red = await startNodeRed(userDir, { removeUserDirOnStop: true });
    await waitFor(
      () => fs.existsSync(results) && fs.readFileSync(results, 'utf8').trim() !== '',
      'the result after the restart',
      20000,
      100,
    );
    await sleep(1500);
    assert.deepEqual(fs.readFileSync(results, 'utf8').trim().split('\n'), [`${taskId} kept across restart 4`]);
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(jobsFile, 'utf8')).entries), []);
    assert.equal(emulator.requests.filter((r) => r.action === 'create').length, 1);
  });
});
