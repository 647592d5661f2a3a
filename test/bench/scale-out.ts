/**
 * Scale-out benchmark (runnable alone: `node test/bench/scale-out.js`).
 * 1. Callback throughput of aliyun-live-asr-callback with Redis dedupe against the in-memory
 *    default, two real Node-RED processes in the same run, alternating autocannon rounds; every
 *    request carries a new message_id, so each one reaches Redis (target ≥ 0.7×).
 * 2. The share of Alibaba's 20/s quota two instances use together through one Redis: 400
 *    creates split across both against the emulator (target ≥ 90 %, 0 throttled).
 */
import crypto from 'crypto';
import fs from 'fs';
import { AliyunLiveEmulator, DEFAULT_CREDENTIALS } from '../emulator';
import { asrSig, buildBody } from '../emulator/aliyun-live/callbacks';
import {
  createUserDir,
  linkPackage,
  startNodeRed,
  waitFor,
  type FlowNode,
  type NodeRedProcess,
} from '../e2e/node-red-process';
import { RedisServer } from '../e2e/redis/redis-server';
import { BenchOptions, BenchResult, median, round } from './types';

const autocannon = require('autocannon');

const AUTH_KEY = 'bench-authkey';
const CALLBACK_URL = 'http://speech.example.com/asr-cb';
const [[ACCESS_KEY_ID, ACCESS_KEY_SECRET]] = Object.entries(DEFAULT_CREDENTIALS);

async function instance(env: NodeJS.ProcessEnv, flows: FlowNode[]): Promise<NodeRedProcess> {
  const userDir = await createUserDir();
  linkPackage(userDir.dir);
  const red = await startNodeRed(userDir, { env });
  await red.deploy(flows);
  return red;
}

function signedCallback(): { headers: Record<string, string>; body: string } {
  const task = {
    taskId: 'T-bench',
    contentTaskId: 'c'.repeat(32),
    nlsTaskId: 'n'.repeat(32),
    taskKey: 'k',
    params: {},
    language: 'cn',
    callbackUrl: CALLBACK_URL,
    authKey: AUTH_KEY,
  } as any;
  const body = buildBody(
    task,
    {
      name: 'SentenceEnd',
      payload: { index: 1, time: 1500, begin_time: 0, result: 'bench', confidence: 0.9, words: [] },
    } as any,
    Date.now(),
    { header: { message_id: crypto.randomBytes(16).toString('hex') } },
  );
  const sigTime = String(Math.floor(Date.now() / 1000));
  return {
    headers: {
      'content-type': 'application/json',
      'sig-time': sigTime,
      'asr-sig': asrSig(sigTime, CALLBACK_URL, AUTH_KEY),
    },
    body,
  };
}

function rps(url: string, seconds: number, connections: number): Promise<number> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        connections,
        duration: seconds,
        timeout: 10,
        requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, ...signedCallback() }) }],
      },
      (err: Error | null, r: any) => (err ? reject(err) : resolve(r['2xx'] / r.duration)),
    );
  });
}

export async function scaleOutBench(opts: BenchOptions): Promise<BenchResult[]> {
  const redis = await RedisServer.start();
  const emulator = new AliyunLiveEmulator({ callbacks: false });
  await emulator.listen();
  const procs: NodeRedProcess[] = [];
  try {
    const callbackFlows: FlowNode[] = [
      { id: 'b', type: 'tab', label: 'bench' },
      {
        id: 'cbcfg',
        type: 'aliyun-live-callback-config',
        callbackUrl: CALLBACK_URL,
        credentials: { authKey: AUTH_KEY },
      },
      { id: 'cb', type: 'aliyun-live-asr-callback', z: 'b', callback: 'cbcfg', path: '/asr-cb', wires: [[]] },
    ];
    const shared = await instance({ SPEECH_PIPELINES_REDIS_URL: redis.url }, callbackFlows);
    const local = await instance({}, callbackFlows);
    procs.push(shared, local);
    await shared.waitForLine(/Shared state in use/, 10000);
    await rps(`${shared.url}/asr-cb`, 1, 16);
    await rps(`${local.url}/asr-cb`, 1, 16);
    const withRedis: number[] = [];
    const memory: number[] = [];
    for (let i = 0; i < opts.rounds; i++) {
      memory.push(await rps(`${local.url}/asr-cb`, opts.seconds, 16));
      withRedis.push(await rps(`${shared.url}/asr-cb`, opts.seconds, 16));
      opts.log(`callback round ${i + 1}: memory ${round(memory[i], 0)} req/s, Redis ${round(withRedis[i], 0)} req/s`);
    }
    await Promise.all(procs.splice(0).map((p) => p.stop(2000)));

    // Quota share: two instances, one Redis, 200 creates each.
    const createFlows: FlowNode[] = [
      { id: 'q', type: 'tab', label: 'quota' },
      {
        id: 'acfg',
        type: 'aliyun-live-config',
        endpoint: emulator.url,
        rateLimit: 20,
        maxRetries: 0,
        credentials: { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET },
      },
      {
        id: 'go',
        type: 'inject',
        z: 'q',
        props: [{ p: 'payload' }],
        payload: '200',
        payloadType: 'num',
        repeat: '',
        once: false,
        wires: [['fan']],
      },
      {
        id: 'fan',
        type: 'function',
        z: 'q',
        func: 'for (let i = 0; i < msg.payload; i++) node.send({ payload: {} });\nreturn null;',
        outputs: 1,
        timeout: 0,
        noerr: 0,
        initialize: '',
        finalize: '',
        libs: [],
        wires: [['create']],
      },
      {
        id: 'create',
        type: 'aliyun-live-asr-create',
        z: 'q',
        live: 'acfg',
        mode: 'live',
        modeType: 'aliyunMode',
        streamUrl: 'rtmp://push.example.com/app/s',
        streamUrlType: 'str',
        language: 'cn',
        languageType: 'aliyunLanguage',
        callbackUrl: CALLBACK_URL,
        callbackUrlType: 'str',
        translateEnabled: 'false',
        translateEnabledType: 'bool',
        autoTerminateEnabled: 'false',
        autoTerminateEnabledType: 'bool',
        wires: [[]],
      },
    ];
    const a = await instance({ SPEECH_PIPELINES_REDIS_URL: redis.url }, createFlows);
    const b = await instance({ SPEECH_PIPELINES_REDIS_URL: redis.url }, createFlows);
    procs.push(a, b);
    await Promise.all([a, b].map((p) => p.waitForLine(/Shared state in use/, 10000)));
    emulator.requests.length = 0;
    await Promise.all([a.inject('go'), b.inject('go')]);
    await waitFor(
      () => emulator.requests.filter((r) => r.action === 'CreateRtcAsrTask' && r.status !== 0).length >= 400,
      '400 creates',
      60000,
      200,
    );
    const creates = emulator.requests.filter((r) => r.action === 'CreateRtcAsrTask').sort((x, y) => x.at - y.at);
    const throttled = creates.filter((r) => r.status !== 200).length;
    const perSecond = (creates.length - 1) / ((creates[creates.length - 1].at - creates[0].at) / 1000);
    const share = perSecond / 20;
    opts.log(`quota: ${round(perSecond, 1)}/s of 20/s together, ${throttled} throttled`);
    const ratio = median(withRedis) / median(memory);
    return [
      {
        name: 'callback throughput, Redis dedupe vs in-memory',
        unit: 'req/s',
        ours: round(median(withRedis), 0),
        baseline: round(median(memory), 0),
        ratio: round(ratio),
        target: '≥ 0.70',
        pass: ratio >= 0.7,
        details: {
          withRedis: withRedis.map((v) => round(v, 0)),
          memory: memory.map((v) => round(v, 0)),
          connections: 16,
        },
      },
      {
        name: 'two instances share of 20/s (Alibaba, one AccessKey)',
        unit: 'req/s',
        ours: round(perSecond, 1),
        baseline: 20,
        ratio: round(share),
        target: '≥ 0.90, 0 throttled',
        pass: share >= 0.9 && throttled === 0,
        details: { creates: creates.length, throttled },
      },
    ];
  } finally {
    await Promise.all(procs.map((p) => p.stop(2000)));
    await emulator.close();
    await redis.stop();
  }
}

if (require.main === module) {
  scaleOutBench({ seconds: 5, rounds: 3, log: (l) => console.log(l) }).then(
    (rows) => {
      console.log(JSON.stringify(rows, null, 2));
      fs.writeSync(1, '');
      process.exit(rows.every((r) => r.pass) ? 0 : 1);
    },
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );
}
