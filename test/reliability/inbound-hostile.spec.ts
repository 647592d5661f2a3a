/**
 * Hostile callers against the inbound-endpoint mechanism (issue #15), through the Alibaba
 * callback node, with the node app mounted under a root app whose admin part parses JSON
 * bodies first, as Node-RED does with httpAdminRoot and httpNodeRoot both "/".
 */
import crypto from 'crypto';
import express from 'express';
import http from 'http';
import { AddressInfo } from 'net';
import path from 'path';
import should from 'should';
import zlib from 'zlib';
import { ALL_NODES, helper, tab } from '../nodes/harness';
import { callbackBody, post, signedHeaders } from '../nodes/callback-client';
import { collectGarbage, eventually, removeHarnessSpies, trackTtlSets, ttlSetKeyBytes } from './kit';

type Msg = Record<string, any>;
const CALLBACK_URL = 'https://public.example.com/cb/hostile';
const AUTH_KEY = 'hostile-auth-key';
const PATH = '/cb/hostile';
/** The body parser Node-RED's admin app uses (its own dependency, not ours). */
const adminBodyParser = require(
  require.resolve('body-parser', { paths: [path.dirname(require.resolve('@node-red/editor-api/package.json'))] }),
) as typeof import('body-parser');

/** A body that is a valid callback but for a deep array under "deep". */
function deepBody(levels: number): string {
  const valid = JSON.parse(callbackBody('SentenceEnd')) as Msg;
  return JSON.stringify(valid).replace(/^\{/, `{"deep":${'['.repeat(levels)}${']'.repeat(levels)},`);
}

/** One request on its own connection; resolves with the status even when the server closes early. */
function raw(
  port: number,
  headers: Record<string, string | number>,
  write: (req: http.ClientRequest) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: PATH, method: 'POST', agent: false, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      // The server drains what a refused request still sends; this client stops sending instead.
      if (!req.writableEnded) req.destroy();
    });
    req.on('error', (err) => (req.writableEnded ? undefined : reject(err)));
    write(req);
  });
}

describe('reliability: hostile callers at the inbound endpoint', function () {
  this.timeout(120000);
  let server: http.Server;
  let port: number;
  let base: string;
  const out: Msg[] = [];
  const out2: Msg[] = [];
  const rejected: Msg[] = [];
  /** Off in the memory test: kept messages would be all that grows. */
  let keepOutput = true;
  let counted = 0;

  async function start(extra: Msg = {}): Promise<void> {
    out.length = out2.length = rejected.length = 0;
    keepOutput = true;
    await helper.startServer();
    const flow = tab([
      { id: 'cbcfg', type: 'aliyun-live-callback-config', callbackUrl: CALLBACK_URL },
      {
        id: 'cb',
        type: 'aliyun-live-asr-callback',
        callback: 'cbcfg',
        path: PATH,
        maxBodyKb: 256,
        auditOutput: true,
        outputs: 2,
        // Two wires: Node-RED clones the message for the second, as in the live-subtitles example.
        wires: [['out', 'out2'], ['rej']],
        ...extra,
      },
      { id: 'rej', type: 'helper' },
    ]);
    await helper.load(
      [
        (r: any) => {
          // Node-RED's layout: the admin app (with its 5 MB JSON parser) and the node app both at "/".
          const root = express();
          const admin = express();
          admin.use(adminBodyParser.json({ limit: '5mb' }));
          root.use('/', admin);
          root.use('/', r.httpNode);
          server = http.createServer(root);
        },
        ...ALL_NODES,
      ],
      flow,
      { cbcfg: { authKey: AUTH_KEY } },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    helper.getNode('out').on('input', (m: Msg) => (keepOutput ? out.push(m) : counted++));
    helper.getNode('out2').on('input', (m: Msg) => out2.push(m));
    helper.getNode('rej').on('input', (m: Msg) => rejected.push(m));
  }

  /** A good callback after the hostile ones: messages arrive in order, so once it is out nothing else came. */
  async function goodOneArrives(): Promise<void> {
    const before = out.length;
    const reply = await post(
      base,
      PATH,
      callbackBody('SentenceEnd', { result: 'good' }),
      signedHeaders(CALLBACK_URL, AUTH_KEY),
    );
    reply.status.should.equal(200);
    (await eventually(() => out.length > before, 10000)).should.be.true();
    out[out.length - 1].payload.text.should.equal('good');
    out.length.should.equal(before + 1);
  }

  afterEach(async () => {
    await new Promise((r) => server.close(r));
    await helper.unload();
    await helper.stopServer();
  });

  it('refuses 2,000 nested arrays under a valid signature with 400 tooDeep, to the rejected output, before send', async () => {
    await start();
    const reply = await post(base, PATH, deepBody(2000), signedHeaders(CALLBACK_URL, AUTH_KEY));
    reply.status.should.equal(400);
    JSON.parse(reply.body).error.should.equal('tooDeep');
    (await eventually(() => rejected.length === 1, 10000)).should.be.true();
    rejected[0].payload.should.containDeep({ status: 400, reason: 'tooDeep' });
    await goodOneArrives();
    out.should.have.length(1);
    (await eventually(() => out2.length === 1, 10000)).should.be.true();
  });

  it('answers 413 to a 3 MB chunked JSON body the admin body parser would have read first, and keeps serving', async () => {
    await start();
    const chunk = Buffer.from(`"${'x'.repeat(64 * 1024 - 3)}",`);
    const status = await raw(
      port,
      { 'content-type': 'application/json', ...signedHeaders(CALLBACK_URL, AUTH_KEY) },
      (req) => {
        req.write('{"pad":[');
        const write = (i: number): void => {
          if (i >= 48 || req.destroyed) {
            req.end('0]}');
            return;
          }
          if (req.write(chunk)) write(i + 1);
          else req.once('drain', () => write(i + 1));
        };
        write(0);
      },
    );
    status.should.equal(413);
    (await eventually(() => rejected.length === 1, 10000)).should.be.true();
    rejected[0].payload.should.containDeep({ status: 413, reason: 'tooLarge' });
    await goodOneArrives();
  });

  it('logs refusals once per reason and interval, with the count of the rest', async () => {
    await start({ auditOutput: false, outputs: 1, wires: [['out']] });
    const N = 200;
    for (let i = 0; i < N; i += 20)
      (
        await Promise.all(
          Array.from({ length: 20 }, () => raw(port, { 'content-length': 999999999 }, (req) => req.flushHeaders())),
        )
      )
        .every((s) => s === 413)
        .should.be.true();
    const warnings = () =>
      helper
        .log()
        .args.map((a: Msg[]) => a[0])
        .filter((e: Msg) => e.level === helper.log().WARN && /Rejected/.test(String(e.msg)));
    warnings().should.have.length(1);
    String(warnings()[0].msg).should.containEql('999999999');
    // Closing the node writes the count it was holding back.
    await helper.setFlows(tab([]), 'full');
    warnings().should.have.length(2);
    String(warnings()[1].msg).should.containEql(String(N - 1));
  });

  it('holds a fixed-size key per event: 3,000 callbacks with 64 KB message ids leave little behind', async () => {
    const dedupeSizes = trackTtlSets();
    await start({ auditOutput: false, outputs: 1, wires: [['out']] });
    removeHarnessSpies(); // sinon would keep every message
    keepOutput = false;
    counted = 0;
    const N = 3000;
    const ID_BYTES = 64 * 1024;
    const headers = signedHeaders(CALLBACK_URL, AUTH_KEY);
    const send = (i: number) =>
      post(
        base,
        PATH,
        callbackBody('SentenceEnd', {
          messageId: `${i}-${crypto.randomBytes(8).toString('hex')}`.padEnd(ID_BYTES, 'm'),
        }),
        headers,
      );
    // Warm up (route, parsers, JIT), then measure what the next N leave behind.
    for (const r of await Promise.all(Array.from({ length: 16 }, (_, i) => send(-i - 1)))) r.status.should.equal(200);
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < N; i += 16)
      for (const r of await Promise.all(Array.from({ length: Math.min(16, N - i) }, (_, j) => send(i + j))))
        r.status.should.equal(200);
    (await eventually(() => counted === N + 16, 20000)).should.be.true();
    collectGarbage();
    const grown = process.memoryUsage().heapUsed - before;
    // The ids alone are 3,000 × 64 KB = 192 MB: kept whole, the dedupe set would hold all of it. What it holds is
    // counted from the set itself: the heap after gc() still holds 25-60 MB of garbage when the machine is busy
    // (a heap snapshot of the same moment does not), so the heap is reported, not asserted.
    console.log(`      heap after GC grew by ${(grown / 1048576).toFixed(1)} MB for 192 MB of ids`);
    Math.max(...dedupeSizes()).should.be.aboveOrEqual(N, 'every event is remembered');
    const held = ttlSetKeyBytes();
    should(held).be.below(N * 256, `the dedupe sets hold ${(held / 1048576).toFixed(1)} MB of keys`);
  });
});

describe('reliability: agora-stt-decode with gzip that inflates to deep nesting', function () {
  this.timeout(30000);
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('ends the message with done(err) (to a Catch node) and sends nothing', async () => {
    await helper.startServer();
    await helper.load(
      ALL_NODES,
      tab([{ id: 'dec', type: 'agora-stt-decode', protocol: 'auto', finalOnly: false, wires: [['out', 'out2']] }]),
      {},
    );
    const levels = 400_000; // 800 KB of brackets, under the inflated-size bound
    const deep = zlib.gzipSync(
      `{"transcript":{"uid":42,"text":"Hello.","isFinal":true,"sentenceId":1,"results":[]},"deep":${'['.repeat(levels)}${']'.repeat(levels)}}`,
    );
    deep.length.should.be.below(8 * 1024);
    const sent: Msg[] = [];
    helper.getNode('out').on('input', (m: Msg) => sent.push(m));
    const caught = new Promise<Msg>((resolve) => helper.getNode('errors').on('input', resolve));
    helper.getNode('dec').receive({ payload: deep });
    const err = await caught;
    err.error.code.should.equal('UndecodableSubtitle');
    err.error.message.should.match(/deep/);
    // The node decodes the next message; it was sent after the refused one, so it arrives after it.
    const next = new Promise<Msg>((resolve) => helper.getNode('out').on('input', resolve));
    helper.getNode('dec').receive({
      payload: zlib.gzipSync(
        JSON.stringify({
          transcript: { uid: 42, text: 'Hi.', isFinal: true, sentenceId: 2, results: [{ text: 'Hi.' }] },
        }),
      ),
    });
    (await next).payload.text.should.equal('Hi.');
    sent.should.have.length(1);
  });
});
