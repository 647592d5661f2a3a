import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { AliyunLiveEmulator } from '../emulator';
import { ALL_NODES, helper, tab, ACCESS_KEY_ID, ACCESS_KEY_SECRET } from './harness';
import { post } from './callback-client';
import { mulberry32 } from '../support/random';

type Msg = Record<string, any>;
const PATH = '/aliyun-ims/results';
const SECRET = 'workflow-secret-7f3a';

/** The input node (and whatever else `extra` adds) on a real HTTP server the emulator can post to. */
async function serve(extra: Msg[] = [], secret: string | undefined = SECRET, node: Msg = {}) {
  let RED: any;
  await helper.startServer();
  const flow = tab([
    { id: 'in', type: 'aliyun-ims-workflow-in', path: PATH, secretParam: 'secret', wires: [['out']], ...node },
    ...extra,
  ]);
  const credentials: Msg = { 'ims-cfg': { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET } };
  if (secret !== undefined) credentials.in = { secret };
  await helper.load([(r: any) => (RED = r), ...ALL_NODES], flow, credentials);
  const server = http.createServer(RED.httpNode);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const out: Msg[] = [];
  const arrived = new Set<() => void>();
  helper.getNode('out').on('input', (m: Msg) => {
    out.push(m);
    for (const f of arrived) f();
  });
  const waitFor = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (out.length >= n) {
          arrived.delete(check);
          resolve();
        }
      };
      arrived.add(check);
      check();
    });
  return { base, out, waitFor, close: () => new Promise((r) => server.close(r)) };
}

describe('aliyun-ims-workflow-in', function () {
  this.timeout(30000);
  let emulator: AliyunLiveEmulator;
  let close: () => Promise<unknown>;

  before(async () => {
    emulator = new AliyunLiveEmulator({ callbacks: false, imsIntervalMs: 5 });
    await emulator.listen();
  });
  after(() => emulator.close());
  beforeEach(() => emulator.reset());
  afterEach(async () => {
    await close?.();
    await helper.unload();
    await helper.stopServer();
  });

  it('turns what the template posts into transcript events, interim and final with the translation', async () => {
    const start = {
      id: 'start',
      type: 'aliyun-ims-workflow-start',
      ims: 'ims-cfg',
      workflowId: 'wf-live',
      mode: 'live',
      streamUrl: 'rtmp://push.example.com/app/s',
      sourceLanguage: 'zh',
      wires: [[]],
    };
    const cfg = { id: 'ims-cfg', type: 'aliyun-ims-config', region: 'cn-shanghai', endpoint: emulator.url, timeout: 2 };
    const s = await serve([cfg, start]);
    close = s.close;
    emulator.ims.defineTemplate('wf-live', {
      input: 'live',
      callbackUrl: `${s.base}${PATH}?secret=${SECRET}`,
      sentences: [{ text: '你好世界', translation: 'Hello world' }],
    });
    helper.getNode('start').receive({ payload: {} });
    await s.waitFor(2);
    const [interim, final] = s.out.map((m) => m.payload);
    should(interim).containDeep({
      vendor: 'aliyun-ims',
      event: 'TranscriptionResultChanged',
      text: '你好',
      final: false,
    });
    should(final).containDeep({
      vendor: 'aliyun-ims',
      event: 'SentenceEnd',
      text: '你好世界',
      final: true,
      sentenceIndex: 1,
      start: 0,
      end: 2800,
      translations: [{ language: 'en', text: 'Hello world', final: true }],
    });
    const taskId = [...emulator.ims.tasks.keys()][0];
    s.out[1].taskId.should.equal(taskId);
    s.out[1].topic.should.equal(taskId);
  });

  it('refuses a missing or wrong secret with 401 and emits nothing; the header form is accepted', async () => {
    const s = await serve();
    close = s.close;
    const body = JSON.stringify({ Text: 'hi', SentenceEnd: true });
    (await post(s.base, PATH, body)).status.should.equal(401);
    (await post(s.base, `${PATH}?secret=wrong`, body)).status.should.equal(401);
    (await post(s.base, `${PATH}?secret=${SECRET}x`, body)).status.should.equal(401);
    (await post(s.base, PATH, body, { 'X-Workflow-Secret': 'nope' })).status.should.equal(401);
    s.out.should.have.length(0);
    (await post(s.base, PATH, body, { 'X-Workflow-Secret': SECRET })).status.should.equal(200);
    await s.waitFor(1);
    s.out[0].payload.text.should.equal('hi');
  });

  it('does not serve at all without a secret', async () => {
    // Another id: the test helper keeps earlier loads' credentials per node id.
    const s = await serve([], undefined, { id: 'in-no-secret' });
    close = s.close;
    const reply = await post(s.base, `${PATH}?secret=`, JSON.stringify({ Text: 'x' }));
    reply.status.should.equal(404);
    s.out.should.have.length(0);
  });

  it('answers 600 randomized hostile requests with 4xx, emits nothing, and keeps serving', async () => {
    const s = await serve([], SECRET, { maxBodyKb: 8 });
    close = s.close;
    const rand = mulberry32(20261206);
    const bodies: Array<() => string | Buffer> = [
      () => Buffer.from(Array.from({ length: 1 + rand(300) }, () => rand(256))),
      () => '['.repeat(1000 + rand(20000)),
      () => JSON.stringify({ Text: 5, SentenceEnd: true }),
      () => JSON.stringify([{ Text: 'array' }]),
      () => JSON.stringify(rand(2) ? null : 'text'),
      () => JSON.stringify({ Text: 'x'.repeat(9000 + rand(9000)) }),
      () => '{"__proto__": {"polluted": true}, "Sentence": 1}',
      () => `${'{"a":'.repeat(200)}1${'}'.repeat(200)}`,
      () => '',
    ];
    const secrets = [
      () => undefined,
      () => 'x'.repeat(rand(2000)),
      () => SECRET.slice(0, rand(SECRET.length)),
      () => SECRET,
    ];
    const statuses = new Set<number>();
    for (let sent = 0; sent < 600; sent += 12) {
      const batch = Array.from({ length: 12 }, () => {
        const secret = secrets[rand(secrets.length)]();
        const path = secret === undefined ? PATH : `${PATH}?secret=${encodeURIComponent(secret)}`;
        return post(s.base, path, bodies[rand(bodies.length)]());
      });
      for (const reply of await Promise.all(batch)) statuses.add(reply.status);
    }
    [...statuses].every((c) => c >= 400 && c < 500).should.be.true(JSON.stringify([...statuses]));
    [...statuses].should.containEql(401);
    [...statuses].should.containEql(400);
    s.out.should.have.length(0);
    should(({} as Record<string, unknown>).polluted).be.undefined();
    (await post(s.base, `${PATH}?secret=${SECRET}`, JSON.stringify({ Text: 'still here' }))).status.should.equal(200);
    await s.waitFor(1);
    s.out.should.have.length(1);
  });
});
