import http from 'http';
import { AddressInfo } from 'net';
import bodyParser from 'body-parser';
import 'should';
import { AliyunLiveEmulator } from '../emulator';
import { ALL_NODES, helper, liveConfig, liveCredentials, tab } from './harness';
import { callbackBody, post, sign, signedHeaders } from './callback-client';

type Msg = Record<string, any>;
const CALLBACK_URL = 'https://public.example.com/aliyun/asr-7f3c';
const AUTH_KEY = 'test-auth-key';
const PATH = '/aliyun/asr-7f3c';

describe('aliyun-live-asr-callback', function () {
  this.timeout(30000);
  let RED: any;
  let server: http.Server;
  let base: string;
  let out: Msg[];
  let rejected: Msg[];

  async function start(
    nodeExtra: Msg = {},
    opts: { authKey?: string | null; callbackUrl?: string; preParse?: boolean } = {},
  ): Promise<void> {
    const cbcfg = { id: 'cbcfg', type: 'aliyun-live-callback-config', callbackUrl: opts.callbackUrl ?? CALLBACK_URL };
    const node = {
      id: 'cb',
      type: 'aliyun-live-asr-callback',
      callback: 'cbcfg',
      path: PATH,
      wires: [['out'], ['out2']],
      ...nodeExtra,
    };
    const creds = opts.authKey === null ? {} : { cbcfg: { authKey: opts.authKey ?? AUTH_KEY } };
    const capture = (r: any) => {
      RED = r;
      // Node-RED's admin app parses JSON on every path when both roots are "/"; emulate that.
      if (opts.preParse) {
        r.httpNode.set('env', 'test'); // the admin app answers bad JSON itself; keep its error log out of the test output
        r.httpNode.use(bodyParser.json({ limit: '5mb' }));
      }
    };
    await helper.load([capture, ...ALL_NODES], tab([cbcfg, node]), creds);
    server = http.createServer(RED.httpNode);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    out = [];
    rejected = [];
    helper.getNode('out').on('input', (m: Msg) => out.push(m));
    helper.getNode('out2').on('input', (m: Msg) => rejected.push(m));
  }

  // node.send delivers asynchronously; long enough on a loaded machine, and to prove that nothing came.
  const settle = () => new Promise((r) => setTimeout(r, 100));
  const send = (body: string, headers: Record<string, string> = signedHeaders(CALLBACK_URL, AUTH_KEY)) =>
    post(base, PATH, body, headers);

  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await new Promise((r) => server?.close(r));
    await helper.unload();
    await helper.stopServer();
  });

  it('accepts a signed callback and emits one normalized transcript event', async () => {
    await start();
    const res = await send(callbackBody('TranscriptionResultChanged', { index: 3, result: 'hello world' }));
    res.status.should.equal(200);
    await settle();
    out.should.have.length(1);
    const p = out[0].payload;
    p.should.containDeep({
      vendor: 'aliyun',
      taskId: 'asr-11111111-2222-4333-8444-555555555555',
      event: 'TranscriptionResultChanged',
      sentenceIndex: 3,
      text: 'hello world',
      final: false,
      language: 'cn',
    });
    p.words.should.eql([
      { text: 'hello', start: 100, end: 500 },
      { text: 'world', start: 500, end: 1000 },
    ]);
    p.raw.content.header.name.should.equal('TranscriptionResultChanged');
    out[0].topic.should.equal(p.taskId);
  });

  it('marks SentenceEnd as final', async () => {
    await start();
    await send(callbackBody('SentenceEnd', { result: 'done.' }));
    await settle();
    out[0].payload.should.containDeep({ event: 'SentenceEnd', final: true, text: 'done.', start: 100 });
  });

  it('answers 401 to missing, wrong, stale or malformed signatures and emits nothing', async () => {
    await start();
    const body = callbackBody('SentenceEnd');
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<Record<string, string>> = [
      {},
      { 'SIG-TIME': String(now) },
      { 'ASR-SIG': sign(String(now), CALLBACK_URL, AUTH_KEY) },
      { 'SIG-TIME': String(now), 'ASR-SIG': sign(String(now), CALLBACK_URL, 'other-key') },
      { 'SIG-TIME': String(now), 'ASR-SIG': sign(String(now), 'http://127.0.0.1' + PATH, AUTH_KEY) },
      { 'SIG-TIME': String(now - 600), 'ASR-SIG': sign(String(now - 600), CALLBACK_URL, AUTH_KEY) },
      { 'SIG-TIME': String(now + 600), 'ASR-SIG': sign(String(now + 600), CALLBACK_URL, AUTH_KEY) },
      { 'SIG-TIME': 'yesterday', 'ASR-SIG': sign('yesterday', CALLBACK_URL, AUTH_KEY) },
      { 'SIG-TIME': String(now), 'ASR-SIG': sign(String(now + 1), CALLBACK_URL, AUTH_KEY) },
    ];
    for (const headers of cases) (await send(body, headers)).status.should.equal(401, JSON.stringify(headers));
    await settle();
    out.should.have.length(0);
  });

  it('accepts SIG-TIME in milliseconds and upper-case hex', async () => {
    await start();
    const ms = String(Date.now());
    (
      await send(callbackBody('SentenceEnd'), {
        'SIG-TIME': ms,
        'ASR-SIG': sign(ms, CALLBACK_URL, AUTH_KEY).toUpperCase(),
      })
    ).status.should.equal(200);
    await settle();
    out.should.have.length(1);
  });

  it('emits two different events signed in the same second (same ASR-SIG)', async () => {
    await start();
    const headers = signedHeaders(CALLBACK_URL, AUTH_KEY);
    (await send(callbackBody('SentenceBegin'), headers)).status.should.equal(200);
    (await send(callbackBody('TranscriptionResultChanged'), headers)).status.should.equal(200);
    await settle();
    out.map((m) => m.payload.event).should.eql(['SentenceBegin', 'TranscriptionResultChanged']);
  });

  it('emits the same event once when it is delivered twice (by message_id, else by body hash)', async () => {
    await start();
    const body = callbackBody('SentenceEnd', { messageId: 'abc123' });
    (await send(body)).status.should.equal(200);
    const again = await send(body);
    again.status.should.equal(200);
    JSON.parse(again.body).duplicate.should.be.true();
    const noId = callbackBody('SentenceEnd', { messageId: null });
    (await send(noId)).status.should.equal(200);
    (await send(noId)).status.should.equal(200);
    await settle();
    out.should.have.length(2);
  });

  it('rejects wrong methods, oversized and malformed bodies with clear reasons', async () => {
    await start({ maxBodyKb: 1 });
    const get = await post(base, PATH, '', signedHeaders(CALLBACK_URL, AUTH_KEY), 'GET');
    get.status.should.equal(405);
    get.headers.allow!.should.equal('POST');
    (await send('x'.repeat(2048))).status.should.equal(413);
    const notJson = await send('{"task_id": ');
    notJson.status.should.equal(400);
    JSON.parse(notJson.body).error.should.equal('notJson');
    JSON.parse((await send('{"content": "{not json"}')).body).error.should.equal('contentNotJson');
    JSON.parse((await send('[1,2]')).body).error.should.equal('notObject');
    JSON.parse((await send('{"content": "{\\"payload\\": {}}"}')).body).error.should.equal('badShape');
    await settle();
    out.should.have.length(0);
  });

  it('sends rejected requests to the audit output when enabled', async () => {
    await start({ auditOutput: true, outputs: 2 });
    await send(callbackBody('SentenceEnd'), {});
    await send(callbackBody('SentenceEnd'));
    await settle();
    out.should.have.length(1);
    rejected.should.have.length(1);
    rejected[0].payload.should.containDeep({ status: 401, reason: 'missingSignature', method: 'POST', path: PATH });
    JSON.stringify(rejected[0]).should.not.containEql(AUTH_KEY);
  });

  it("leaves Test callback URL's unsigned probe out of the rejected counter, not out of the audit output", async () => {
    await start({ auditOutput: true, outputs: 2 });
    const node = helper.getNode('cb');
    (await send(callbackBody('SentenceEnd'), { 'x-speech-pipelines-probe': '1' })).status.should.equal(401);
    (await send(callbackBody('SentenceEnd'), {})).status.should.equal(401);
    // The counter is shown at most once a second: wait for it, then read it.
    const counted = (): string | undefined =>
      node.status.args.map((a: any[]) => String(a[0]?.text)).find((text: string) => /rejected/.test(text));
    while (!counted()) await new Promise((r) => setTimeout(r, 50));
    counted()!.should.equal('0 ok, 1 rejected');
    rejected.should.have.length(2);
  });

  it('emits only final sentences when asked', async () => {
    await start({ finalOnly: true });
    for (const name of ['SentenceBegin', 'TranscriptionResultChanged', 'SentenceEnd', 'TranscriptionCompleted'])
      await send(callbackBody(name));
    await settle();
    out.map((m) => m.payload.event).should.eql(['SentenceEnd']);
  });

  it('enforces the source allow-list, honouring X-Forwarded-For only from trusted proxies', async () => {
    await start({ allowFrom: '10.0.0.0/8' });
    (await send(callbackBody('SentenceEnd'))).status.should.equal(403);
    (
      await send(callbackBody('SentenceEnd'), {
        ...signedHeaders(CALLBACK_URL, AUTH_KEY),
        'X-Forwarded-For': '10.1.2.3',
      })
    ).status.should.equal(403);
    await helper.unload();
    await new Promise((r) => server.close(r));
    await start({ allowFrom: '10.0.0.0/8', trustedProxies: '127.0.0.1' });
    (
      await send(callbackBody('SentenceEnd'), {
        ...signedHeaders(CALLBACK_URL, AUTH_KEY),
        'X-Forwarded-For': '10.1.2.3',
      })
    ).status.should.equal(200);
    (
      await send(callbackBody('SentenceEnd'), {
        ...signedHeaders(CALLBACK_URL, AUTH_KEY),
        'X-Forwarded-For': '10.1.2.3, 8.8.8.8',
      })
    ).status.should.equal(403);
  });

  it('accepts unsigned callbacks without an AuthKey, but says so in its status', async () => {
    await start({}, { authKey: null });
    const node = helper.getNode('cb');
    node.warn.should.be.calledWithMatch(/without signature verification/);
    node.status.should.be.calledWithMatch({ fill: 'yellow', shape: 'ring' });
    (await send(callbackBody('SentenceEnd'), {})).status.should.equal(200);
    await settle();
    out.should.have.length(1);
  });

  it('works when Node-RED has already parsed the body (admin and node roots both "/")', async () => {
    await start({}, { preParse: true });
    (await send(callbackBody('SentenceEnd', { result: 'pre-parsed' }))).status.should.equal(200);
    (await send('{"task_id": ')).status.should.equal(400);
    await settle();
    out.should.have.length(1);
    out[0].payload.text.should.equal('pre-parsed');
  });

  it('refuses a path that Express would read as a pattern, and registers nothing', async () => {
    await start({ path: '/cb/:anything' });
    helper.getNode('cb').error.should.be.calledWithMatch(/may only contain/);
    (RED.httpNode._router?.stack ?? []).filter((l: any) => l.route).should.have.length(0);
  });

  it('leaves exactly one route after redeploys, and none after the flow is removed', async () => {
    await start();
    const routes = () => RED.httpNode._router.stack.filter((l: any) => l.route && l.route.path === PATH).length;
    routes().should.equal(1);
    const flow = tab([
      { id: 'cbcfg', type: 'aliyun-live-callback-config', callbackUrl: CALLBACK_URL },
      { id: 'cb', type: 'aliyun-live-asr-callback', callback: 'cbcfg', path: PATH, maxAge: 120, wires: [['out']] },
    ]);
    for (let i = 0; i < 3; i++) {
      flow[2].maxAge = 100 + i;
      await helper.setFlows(flow, 'nodes', { cbcfg: { authKey: AUTH_KEY } });
      routes().should.equal(1);
    }
    (await send(callbackBody('SentenceEnd'))).status.should.equal(200);
    await helper.setFlows(tab([]), 'full');
    routes().should.equal(0);
    (await send(callbackBody('SentenceEnd'))).status.should.equal(404);
  });

  it("receives the emulator's pushed transcript for a task the create node started", async () => {
    const emulator = new AliyunLiveEmulator({ callbackIntervalMs: 5 });
    await emulator.listen();
    try {
      await start();
      await helper.unload();
      await new Promise((r) => server.close(r));
      // Now the real chain: create (with the shared callback config) -> emulator -> callback node.
      const port = await new Promise<number>((resolve) => {
        const probe = http.createServer().listen(0, '127.0.0.1', () => {
          const p = (probe.address() as AddressInfo).port;
          probe.close(() => resolve(p));
        });
      });
      const url = `http://127.0.0.1:${port}${PATH}`;
      const nodes = [
        liveConfig(emulator),
        { id: 'cbcfg', type: 'aliyun-live-callback-config', callbackUrl: url },
        {
          id: 'create',
          type: 'aliyun-live-asr-create',
          live: 'cfg',
          callback: 'cbcfg',
          mode: 'live',
          modeType: 'aliyunMode',
          streamUrl: 'rtmp://x.example.com/a/b',
          language: 'en',
          languageType: 'aliyunLanguage',
          wires: [['out2']],
        },
        { id: 'cb', type: 'aliyun-live-asr-callback', callback: 'cbcfg', path: PATH, wires: [['out']] },
      ];
      await helper.load(
        [
          (r: any) => {
            RED = r;
          },
          ...ALL_NODES,
        ],
        tab(nodes),
        { ...liveCredentials(), cbcfg: { authKey: AUTH_KEY } },
      );
      server = http.createServer(RED.httpNode);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
      out = [];
      helper.getNode('out').on('input', (m: Msg) => out.push(m));
      const created = new Promise<Msg>((r) => helper.getNode('out2').on('input', r));
      helper.getNode('create').receive({ payload: {} });
      const taskId = (await created).taskId;
      for (let i = 0; i < 200 && !out.some((m) => m.payload.event === 'SentenceEnd'); i++)
        await new Promise((r) => setTimeout(r, 25));
      const events = out.map((m) => m.payload.event);
      events.should.containEql('SentenceBegin');
      events.should.containEql('TranscriptionResultChanged');
      events.should.containEql('SentenceEnd');
      out.every((m) => m.payload.taskId === taskId).should.be.true();
      emulator.callbackLog.every((d) => d.status === 200).should.be.true();
      const first = out.find((m) => m.payload.event === 'SentenceEnd')!.payload.sentenceIndex;
      const growing = out
        .filter((m) => m.payload.event === 'TranscriptionResultChanged' && m.payload.sentenceIndex === first)
        .map((m) => m.payload.text.length);
      growing.length.should.be.above(1);
      growing.should.eql([...growing].sort((a, b) => a - b));
    } finally {
      await emulator.close();
    }
  });
});
