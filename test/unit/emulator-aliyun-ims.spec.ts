/**
 * The Alibaba emulator's `ice` 2020-11-09 side: Alibaba's own @alicloud/openapi-client (V3 and
 * V2) and our IMS client against the same gateway checks as `live`, workflow task states, and
 * the template player posting sentences to the template's URL while a task runs.
 */
import assert from 'assert/strict';
import http from 'http';
import { once } from 'events';
import OpenApi, { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import OpenApiUtil from '@alicloud/openapi-util';
import { RuntimeOptions } from '@alicloud/tea-util';
import { AliyunLiveEmulator, DEFAULT_CREDENTIALS, type ImsTemplate } from '../emulator/aliyun-live';
import { AliyunImsClient } from '../../nodes/vendors/aliyun-ims/client';
import { SpeechApiError } from '../../nodes/lib/errors';

const [[KEY_ID, KEY_SECRET]] = Object.entries(DEFAULT_CREDENTIALS);
const LIVE_INPUTS = { live_url: { Url: 'rtmp://example.com/app/s', MaxIdleTime: 20 }, source_language_id: 'zh' };

interface Post {
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A loopback receiver standing in for the user's server; waits on arrivals, never on time. */
class Receiver {
  readonly posts: Post[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.posts.push({
        url: new URL(req.url ?? '/', 'http://x'),
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      });
      res.end('ok');
      this.server.emit('post');
    });
  });
  url = '';
  async listen(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }
  async waitFor(n: number): Promise<void> {
    while (this.posts.length < n) await once(this.server, 'post');
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function sdk(emu: AliyunLiveEmulator, signatureAlgorithm?: string, secret = KEY_SECRET): OpenApi {
  return new OpenApi(
    new Config({
      accessKeyId: KEY_ID,
      accessKeySecret: secret,
      endpoint: new URL(emu.url).host,
      protocol: 'http',
      regionId: 'cn-shanghai',
      signatureAlgorithm,
    }),
  );
}

async function callIce(client: OpenApi, action: string, query: Record<string, unknown>): Promise<any> {
  const params = new Params({
    action,
    version: '2020-11-09',
    protocol: 'HTTP',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const res = await client.callApi(
    params,
    new OpenApiRequest({ query: OpenApiUtil.query(query) }),
    new RuntimeOptions({}),
  );
  return res.body;
}

describe('Alibaba emulator: IMS AI workflows (ice 2020-11-09)', () => {
  let emu: AliyunLiveEmulator;
  let receiver: Receiver;
  const template = (over: ImsTemplate = {}): ImsTemplate => ({
    input: 'live',
    callbackUrl: `${receiver.url}/ims?secret=s3cret`,
    sentences: [{ text: '你好世界', translation: 'Hello world' }],
    ...over,
  });

  beforeEach(async () => {
    receiver = new Receiver();
    await receiver.listen();
    emu = new AliyunLiveEmulator({ callbacks: false, imsIntervalMs: 5 });
    await emu.listen();
  });
  afterEach(async () => {
    await emu.close();
    await receiver.close();
  });

  for (const alg of [undefined, 'v2']) {
    it(`answers @alicloud/openapi-client (${alg ?? 'V3'}) for start, get and stop`, async () => {
      emu.ims.defineTemplate('wf-live', template({ sentences: [] }));
      const client = sdk(emu, alg);
      const started = await callIce(client, 'StartAIWorkflow', {
        WorkflowId: 'wf-live',
        Inputs: JSON.stringify(LIVE_INPUTS),
        UserData: '{"order":7}',
      });
      assert.match(started.TaskId, /^[0-9a-f-]{36}$/);
      assert.equal(typeof started.RequestId, 'string');
      const got = await callIce(client, 'GetAIWorkflowTask', { TaskId: started.TaskId });
      assert.equal(got.WorkflowTask.Status, 'running');
      assert.deepEqual(JSON.parse(got.WorkflowTask.Inputs), LIVE_INPUTS);
      assert.equal(got.WorkflowTask.UserData, '{"order":7}');
      const stopped = await callIce(client, 'StopAIWorkflowTask', { TaskId: started.TaskId });
      assert.equal(stopped.TaskId, started.TaskId);
      const after = await callIce(client, 'GetAIWorkflowTask', { TaskId: started.TaskId });
      assert.equal(after.WorkflowTask.Status, 'stopped');
      assert.match(after.WorkflowTask.FinishTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.deepEqual(
        emu.requests.map((r) => `${r.scheme}:${r.action}:${r.status}`),
        ['StartAIWorkflow', 'GetAIWorkflowTask', 'StopAIWorkflowTask', 'GetAIWorkflowTask'].map(
          (a) => `${alg ?? 'v3'}:${a}:200`,
        ),
      );
    });
  }

  it('applies the live gateway checks to ice: a wrong secret is SignatureDoesNotMatch', async () => {
    emu.ims.defineTemplate('wf-live', template());
    await assert.rejects(
      callIce(sdk(emu, undefined, 'wrong'), 'StartAIWorkflow', { WorkflowId: 'wf-live' }),
      (e: any) => e.code === 'SignatureDoesNotMatch',
    );
    const ours = new AliyunImsClient({
      accessKeyId: KEY_ID,
      accessKeySecret: 'wrong',
      endpoint: emu.url,
      maxRetries: 0,
    });
    await assert.rejects(ours.report('x'), (e: SpeechApiError) => e.code === 'SignatureDoesNotMatch');
    ours.close();
    assert.equal(emu.ims.tasks.size, 0);
  });

  it('refuses unknown templates, Inputs that miss the template keys, and other accounts’ tasks', async () => {
    emu.ims.defineTemplate('wf-rtc', template({ input: 'rtc' }));
    const client = sdk(emu);
    await assert.rejects(
      callIce(client, 'StartAIWorkflow', { WorkflowId: 'nope' }),
      (e: any) => e.code === 'InvalidParameter',
    );
    await assert.rejects(
      callIce(client, 'StartAIWorkflow', { WorkflowId: 'wf-rtc', Inputs: JSON.stringify(LIVE_INPUTS) }),
      (e: any) => e.code === 'InvalidParameter' && /Inputs\.AppId/.test(e.message),
    );
    await assert.rejects(
      callIce(client, 'GetAIWorkflowTask', { TaskId: 'missing' }),
      (e: any) => e.code === 'InvalidParameter.TaskNotFound',
    );
  });

  it('plays the template while the task runs: interim, final and translation, with the secret; none after Stop', async () => {
    emu.ims.defineTemplate('wf-live', template({ headers: { 'x-template': 'yes' } }));
    for (const signatureVersion of ['v3', 'v2'] as const) {
      const client = new AliyunImsClient({
        accessKeyId: KEY_ID,
        accessKeySecret: KEY_SECRET,
        endpoint: emu.url,
        signatureVersion,
      });
      const before = receiver.posts.length;
      const { TaskId } = await client.startAIWorkflow({ WorkflowId: 'wf-live', Inputs: LIVE_INPUTS });
      await receiver.waitFor(before + 2);
      await client.stopAIWorkflowTask(TaskId);
      const posts = receiver.posts.slice(before);
      assert.equal(posts.length, 2);
      const [interim, final] = posts;
      for (const p of posts) {
        assert.equal(p.url.pathname, '/ims');
        assert.equal(p.url.searchParams.get('secret'), 's3cret');
        assert.equal(p.headers['x-template'], 'yes');
        assert.equal(p.body.TaskId, TaskId);
      }
      assert.equal(interim.url.searchParams.get('result_type'), 'mid_en');
      assert.equal(interim.body.SentenceEnd, false);
      assert.equal(interim.body.Text, '你好');
      assert.equal(final.url.searchParams.get('result_type'), 'final_en');
      assert.deepEqual(
        { Text: final.body.Text, TransText: final.body.TransText, SentenceEnd: final.body.SentenceEnd },
        { Text: '你好世界', TransText: 'Hello world', SentenceEnd: true },
      );
      const report = await client.report(TaskId);
      assert.equal(report.status, 'stopped');
      assert.equal(report.finished, true);
      assert.deepEqual(report.nodeResults, { http_request: { posts: 2 } });
      client.close();
    }
  });

  it('keeps a repeating template posting until Stop, and nothing reaches the receiver after Stop answers', async () => {
    emu.ims.defineTemplate('wf-loop', template({ repeat: true }));
    const client = new AliyunImsClient({ accessKeyId: KEY_ID, accessKeySecret: KEY_SECRET, endpoint: emu.url });
    const { TaskId } = await client.startAIWorkflow({ WorkflowId: 'wf-loop', Inputs: LIVE_INPUTS });
    await receiver.waitFor(5);
    await client.stopAIWorkflowTask(TaskId);
    const count = receiver.posts.length;
    // Another task's posts prove time went on; none of them belong to the stopped task.
    emu.ims.defineTemplate('wf-other', template());
    await client.startAIWorkflow({ WorkflowId: 'wf-other', Inputs: LIVE_INPUTS });
    await receiver.waitFor(count + 2);
    assert.equal(receiver.posts.slice(count).filter((p) => p.body.TaskId === TaskId).length, 0);
    client.close();
  });

  it('ends offline tasks by themselves: succeeded with Outputs, or failed', async () => {
    emu.ims.defineTemplate('wf-ok', { input: 'any', kind: 'offline', offlineMs: 5, outputs: { result: 'summary' } });
    emu.ims.defineTemplate('wf-bad', { input: 'any', kind: 'failing', offlineMs: 5 });
    const client = new AliyunImsClient({ accessKeyId: KEY_ID, accessKeySecret: KEY_SECRET, endpoint: emu.url });
    const ok = await client.startAIWorkflow({ WorkflowId: 'wf-ok' });
    const bad = await client.startAIWorkflow({ WorkflowId: 'wf-bad' });
    const finished = (id: string) => emu.ims.tasks.get(id)?.status !== 'running';
    while (!finished(ok.TaskId) || !finished(bad.TaskId)) await new Promise((r) => setImmediate(r));
    const okReport = await client.report(ok.TaskId);
    assert.equal(okReport.status, 'succeeded');
    assert.deepEqual(okReport.outputs, { result: 'summary' });
    assert.equal((await client.report(bad.TaskId)).status, 'failed');
    assert.equal((await client.listTemplates()).TotalCount, 0);
    client.close();
  });
});
