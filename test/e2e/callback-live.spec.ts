/**
 * The emulator calls a real Node-RED process: the shipped live-subtitles example is
 * deployed with its callback config pointed at this Node-RED, "start subtitles"
 * creates a task, and the emulator pushes signed transcript callbacks to the
 * aliyun-live-asr-callback node over loopback HTTP.
 *
 * Run against both admin-root layouts: '/' (stock settings: the admin app parses
 * every body before the callback route runs) and '/admin' (the route reads the raw body),
 * and with SPEECH_PIPELINES_REDIS_URL set (dedupe through Redis; the example's callback
 * output fans out to two nodes, so every message is cloned).
 */
import assert from 'assert/strict';
import crypto from 'crypto';
import http from 'http';
import { startEmulators, DEFAULT_CREDENTIALS, type RunningEmulators } from '../emulator';
import { injectNamed, nodesOfType, pointAtEmulator, readExample } from './example-flows';
import { RedisServer } from './redis/redis-server';
import { sleep, startNodeRedInstance, waitFor, type FlowNode, type NodeRedProcess } from './node-red-process';

const EXAMPLE = 'aliyun-live/live-subtitles.json';
const AUTH_KEY = 'e2e-callback-authkey';
const [[ACCESS_KEY_ID, ACCESS_KEY_SECRET]] = Object.entries(DEFAULT_CREDENTIALS);

interface EmittedEvent {
  vendor: string;
  taskId?: string;
  event: string;
  sentenceIndex?: number;
  text: string;
  final: boolean;
  words: Array<{ text: string; start: number; end: number }>;
  messageId?: string;
}

interface Rejection {
  status: number;
  reason: string;
}

/** Appends every message of one output to an array in global context. */
function recorder(id: string, z: string, key: string, y: number): FlowNode {
  return {
    id,
    type: 'function',
    z,
    name: `e2e: record ${key}`,
    func: [
      `const list = global.get('${key}') || [];`,
      'const p = Object.assign({}, msg.payload);',
      'const header = p.raw && p.raw.content && p.raw.content.header;',
      'if (header && header.message_id) p.messageId = header.message_id;',
      'delete p.raw;',
      'list.push(p);',
      `global.set('${key}', list);`,
      'return null;',
    ].join('\n'),
    outputs: 1,
    timeout: 0,
    noerr: 0,
    initialize: '',
    finalize: '',
    libs: [],
    x: 700,
    y,
    wires: [[]],
  };
}

/**
 * Observation points added to the example: the callback node's two outputs also go
 * to recorders, and GET /e2e/events returns what they recorded.
 */
function instrument(flows: FlowNode[]): FlowNode[] {
  const tab = nodesOfType(flows, 'tab')[0];
  const [cbin] = nodesOfType(flows, 'aliyun-live-asr-callback');
  assert.ok(cbin, `${EXAMPLE} has no aliyun-live-asr-callback node`);
  assert.equal(cbin.auditOutput, true, 'the example is expected to enable the audit (rejected) output');
  cbin.wires = [
    [...(cbin.wires[0] ?? []), 'e2eRecordEvents'],
    [...(cbin.wires[1] ?? []), 'e2eRecordRejected'],
  ];
  return [
    ...flows,
    recorder('e2eRecordEvents', tab.id, 'e2eEvents', 460),
    recorder('e2eRecordRejected', tab.id, 'e2eRejected', 500),
    {
      id: 'e2eEventsIn',
      type: 'http in',
      z: tab.id,
      name: '',
      url: '/e2e/events',
      method: 'get',
      upload: false,
      swaggerDoc: '',
      x: 140,
      y: 540,
      wires: [['e2eEventsRead']],
    },
    {
      id: 'e2eEventsRead',
      type: 'function',
      z: tab.id,
      name: 'e2e: read',
      func: "msg.payload = { events: global.get('e2eEvents') || [], rejected: global.get('e2eRejected') || [] };\nreturn msg;",
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      x: 340,
      y: 540,
      wires: [['e2eEventsOut']],
    },
    {
      id: 'e2eEventsOut',
      type: 'http response',
      z: tab.id,
      name: '',
      statusCode: '',
      headers: {},
      x: 540,
      y: 540,
      wires: [],
    },
  ];
}

function messageIdOf(body: string): string | undefined {
  try {
    return JSON.parse(JSON.parse(body).content).header.message_id;
  } catch {
    return undefined;
  }
}

for (const { httpAdminRoot, withRedis } of [
  { httpAdminRoot: '/', withRedis: false },
  { httpAdminRoot: '/admin', withRedis: false },
  { httpAdminRoot: '/', withRedis: true },
]) {
  const setup = `httpAdminRoot '${httpAdminRoot}'${withRedis ? ', SPEECH_PIPELINES_REDIS_URL set' : ''}`;
  describe(`e2e: the emulator pushes live subtitles to a real Node-RED (${setup})`, function () {
    this.timeout(30000);

    let emus: RunningEmulators | undefined;
    let redis: RedisServer | undefined;
    let red: NodeRedProcess | undefined;
    let flows: FlowNode[];
    let taskId: string;
    let callbackUrl: string;

    const emu = () => emus!.aliyun;
    const observed = async (): Promise<{ events: EmittedEvent[]; rejected: Rejection[] }> => {
      const res = await red!.httpGet<{ events: EmittedEvent[]; rejected: Rejection[] }>('/e2e/events');
      assert.equal(res.status, 200, `GET /e2e/events: HTTP ${res.status}`);
      return res.data;
    };
    const deliveries = () => emu().callbackLog.filter((d) => d.taskId === taskId);

    before(async function () {
      this.timeout(60000);
      emus = await startEmulators();
      if (withRedis) redis = await RedisServer.start();
      red = await startNodeRedInstance({
        install: 'link',
        httpAdminRoot,
        ...(redis && { env: { SPEECH_PIPELINES_REDIS_URL: redis.url } }),
      });
      flows = instrument(
        pointAtEmulator(readExample(EXAMPLE), {
          emulatorUrl: emu().url,
          accessKeyId: ACCESS_KEY_ID,
          accessKeySecret: ACCESS_KEY_SECRET,
          nodeRedUrl: red.url,
          authKey: AUTH_KEY,
        }),
      );
      const [cbin] = nodesOfType(flows, 'aliyun-live-asr-callback');
      callbackUrl = `${red.url}${cbin.path}`;
      assert.equal(nodesOfType(flows, 'aliyun-live-callback-config')[0].callbackUrl, callbackUrl);
      await red.deploy(flows);
      if (withRedis) await red.waitForLine(/\[speech-pipelines\] Shared state in use: Redis at redis:\/\/127\.0\.0\.1/);
    });

    after(async function () {
      this.timeout(20000);
      try {
        await red?.stop();
      } finally {
        await emus?.close();
        await redis?.stop();
      }
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed' && red) {
        process.stdout.write(`--- Node-RED output (last lines) ---\n${red.tail(60)}\n---\n`);
      }
    });

    it('"start subtitles" creates a task with the callback config\'s URL and AuthKey', async () => {
      await red!.inject(injectNamed(flows, 'start subtitles').id);
      const create = await waitFor(
        () => emu().requests.find((r) => r.action === 'CreateRtcAsrTask' && r.status !== 0),
        'CreateRtcAsrTask at the emulator',
      );
      assert.equal(create.status, 200, `CreateRtcAsrTask answered ${create.status} ${create.code ?? ''}`);
      assert.equal(create.scheme, 'v3');
      assert.equal(emu().tasks.size, 1);
      const task = [...emu().tasks.values()][0];
      taskId = task.taskId;
      assert.equal(task.callbackUrl, callbackUrl);
      assert.equal(task.authKey, AUTH_KEY);
    });

    it("the emulator's signed callbacks reach Node-RED and are answered 200", async () => {
      // Two sentences: TranscriptionStarted + 2 x (Begin, Changed x4, End).
      await waitFor(
        () => deliveries().filter((d) => d.event === 'SentenceEnd').length >= 2,
        'two SentenceEnd deliveries',
        15000,
      );
      const log = deliveries();
      assert.deepEqual(
        log.filter((d) => d.status !== 200).map((d) => `${d.event} -> ${d.status}`),
        [],
      );
      for (const d of log) {
        assert.equal(d.url, callbackUrl);
        assert.match(d.headers['ASR-SIG'], /^[0-9a-f]{32}$/);
        assert.match(d.headers['SIG-TIME'], /^\d+$/);
      }
      assert.equal(log[0].event, 'TranscriptionStarted');
    });

    it('every accepted callback became exactly one message, with growing text up to a final SentenceEnd', async () => {
      const accepted = deliveries().filter((d) => d.status === 200);
      const ids = accepted.map((d) => messageIdOf(d.body));
      assert.ok(ids.every(Boolean), 'a delivery without header.message_id');
      const { events } = await waitFor(async () => {
        const o = await observed();
        const seen = new Set(o.events.map((e) => e.messageId));
        return ids.every((id) => seen.has(id)) ? o : undefined;
      }, 'a message for every accepted delivery');
      const mine = events.filter((e) => e.taskId === taskId);
      assert.equal(mine.length, events.length, 'messages for another task id');
      const messageIds = mine.map((e) => e.messageId);
      assert.equal(new Set(messageIds).size, messageIds.length, 'a callback was emitted twice');
      for (const e of mine) assert.equal(e.vendor, 'aliyun');

      // The first sentence, in order: SentenceBegin, TranscriptionResultChanged (growing), SentenceEnd.
      const first = mine.filter((e) => e.sentenceIndex === 0 && e.event !== 'TranscriptionStarted');
      assert.deepEqual(
        first.map((e) => e.event),
        ['SentenceBegin', ...Array(first.length - 2).fill('TranscriptionResultChanged'), 'SentenceEnd'],
      );
      const partials = first.filter((e) => e.event === 'TranscriptionResultChanged');
      assert.ok(partials.length >= 2, `only ${partials.length} partial results`);
      for (let i = 1; i < partials.length; i++) {
        assert.ok(
          partials[i].text.length > partials[i - 1].text.length && partials[i].text.startsWith(partials[i - 1].text),
          `partial ${i} "${partials[i].text}" does not extend "${partials[i - 1].text}"`,
        );
        assert.equal(partials[i].words.length, partials[i - 1].words.length + 1);
      }
      const end = first[first.length - 1];
      assert.equal(end.final, true);
      assert.equal(end.text, partials[partials.length - 1].text);
      assert.ok(end.text.length > 0);
      assert.ok(
        first.slice(0, -1).every((e) => e.final === false),
        'a partial result marked final',
      );
      // The second sentence follows with the next index.
      assert.ok(
        mine.some((e) => e.event === 'SentenceEnd' && e.sentenceIndex === 1 && e.final),
        'no final result for sentence 1',
      );
    });

    it('answers 401 to a callback with a bad signature and emits nothing for it', async () => {
      const forged = await emu().sendCallback(
        taskId,
        { name: 'SentenceEnd', payload: { index: 990, result: 'forged subtitle' } },
        { badSignature: true },
      );
      assert.equal(forged, 401);
      // Control: a correctly signed callback sent afterwards is accepted and emitted.
      const genuine = await emu().sendCallback(taskId, {
        name: 'SentenceEnd',
        payload: { index: 991, result: 'genuine subtitle' },
      });
      assert.equal(genuine, 200);
      const o = await waitFor(async () => {
        const x = await observed();
        return x.events.some((e) => e.text === 'genuine subtitle') && x.rejected.length > 0 ? x : undefined;
      }, 'the genuine callback and the audit record of the forged one');
      assert.deepEqual(
        o.events.filter((e) => e.text === 'forged subtitle' || e.sentenceIndex === 990),
        [],
      );
      assert.ok(
        o.rejected.some((r) => r.status === 401),
        `no 401 on the rejected output: ${JSON.stringify(o.rejected)}`,
      );
      const genuineEvent = o.events.find((e) => e.text === 'genuine subtitle')!;
      assert.equal(genuineEvent.final, true);
      assert.equal(genuineEvent.sentenceIndex, 991);
    });

    it('answers 413 to a 3 MB chunked JSON body and 400 to 2,000 nested arrays, signed, and Node-RED stays up', async () => {
      const sigTime = String(Math.floor(Date.now() / 1000));
      const headers = {
        'content-type': 'application/json',
        'SIG-TIME': sigTime,
        'ASR-SIG': crypto.createHash('md5').update(`${sigTime}/${callbackUrl}/${AUTH_KEY}`).digest('hex'),
      };
      const status = (body: Buffer[]): Promise<number> =>
        new Promise((resolve, reject) => {
          const req = http.request(callbackUrl, { method: 'POST', agent: false, headers }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          // A sender still writing when the 413 is sent may find the connection cut instead of reading the answer
          // (which of the two depends on scheduling): either way the body was refused.
          req.on('error', (err: NodeJS.ErrnoException) =>
            err.code === 'EPIPE' || err.code === 'ECONNRESET'
              ? resolve(413)
              : req.writableEnded
                ? undefined
                : reject(err),
          );
          const next = (i: number): void => {
            if (i >= body.length || req.destroyed) return void req.end();
            if (req.write(body[i])) next(i + 1);
            else req.once('drain', () => next(i + 1));
          };
          next(0);
        });
      // With httpAdminRoot '/', Node-RED's admin body parser would read this whole body first.
      const pad = Buffer.from(`"${'x'.repeat(65536 - 3)}",`);
      const big = [Buffer.from('{"pad":['), ...Array.from({ length: 48 }, () => pad), Buffer.from('0]}')];
      assert.equal(await status(big), 413);
      const deep = `{"task_id":"${taskId}","deep":${'['.repeat(2000)}${']'.repeat(2000)},"content":"{}"}`;
      assert.equal(await status([Buffer.from(deep)]), 400);
      const genuine = await emu().sendCallback(taskId, {
        name: 'SentenceEnd',
        payload: { index: 992, result: 'after' },
      });
      assert.equal(genuine, 200);
      await waitFor(
        async () => ((await observed()).events.some((e) => e.text === 'after') ? true : undefined),
        'the callback after them',
      );
    });

    it('"list running tasks" lists the task', async () => {
      await red!.inject(injectNamed(flows, 'list running tasks').id);
      const query = await waitFor(
        () => emu().requests.find((r) => r.action === 'QueryRtcAsrTasks' && r.status !== 0),
        'QueryRtcAsrTasks at the emulator',
      );
      assert.equal(query.status, 200);
      assert.equal(query.params.TaskId, undefined);
    });

    it('"stop subtitles" stops the task, and the pushes stop', async () => {
      await red!.inject(injectNamed(flows, 'stop subtitles').id);
      const stop = await waitFor(
        () => emu().requests.find((r) => r.action === 'StopRtcAsrTask' && r.status !== 0),
        'StopRtcAsrTask at the emulator',
      );
      assert.equal(stop.status, 200, `StopRtcAsrTask answered ${stop.status} ${stop.code ?? ''}`);
      assert.equal(stop.params.TaskId, taskId);
      assert.equal(emu().tasks.get(taskId)?.status, 0);
      await sleep(300); // a push already in flight when Stop arrived may still land
      const pushed = deliveries().length;
      const emitted = (await observed()).events.length;
      await sleep(600); // twelve push intervals
      assert.equal(deliveries().length, pushed, 'callbacks were pushed after the task stopped');
      assert.equal((await observed()).events.length, emitted, 'messages were emitted after the task stopped');
    });

    it('logged no runtime errors', () => {
      assert.deepEqual(red!.grep(/\[error\]/), []);
    });
  });
}
