import should from 'should';
import { AliyunLiveEmulator } from '../emulator';
import { collect, helper, liveConfig, liveCredentials, load, outcome, ACCESS_KEY_SECRET } from './harness';
import { recordLimiterStarts } from '../reliability/kit';

const createNode = (extra: Record<string, unknown> = {}) => ({
  id: 'create',
  type: 'aliyun-live-asr-create',
  live: 'cfg',
  mode: 'live',
  modeType: 'aliyunMode',
  streamUrl: 'rtmp://push.example.com/app/stream',
  streamUrlType: 'str',
  language: 'cn',
  languageType: 'aliyunLanguage',
  callbackUrl: 'http://127.0.0.1:9/cb',
  callbackUrlType: 'str',
  translateEnabled: 'false',
  translateEnabledType: 'bool',
  autoTerminateEnabled: 'false',
  autoTerminateEnabledType: 'bool',
  wires: [['out']],
  ...extra,
});

describe('Alibaba Live action nodes against the emulator', function () {
  this.timeout(20000);
  let emulator: AliyunLiveEmulator;

  before(async () => {
    emulator = new AliyunLiveEmulator({ callbacks: false });
    await emulator.listen();
  });
  after(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    emulator.reset();
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  describe('aliyun-live-asr-create', () => {
    it('creates a task with a V3-signed request and passes the msg on', async () => {
      await load([liveConfig(emulator), createNode()], liveCredentials());
      const result = outcome();
      helper.getNode('create').receive({ payload: {}, keep: 'me' });
      const { msg } = await result;
      msg!.payload.RetCode.should.equal(2000);
      msg!.taskId.should.match(/^asr-[0-9a-f-]{36}$/);
      msg!.payload.TaskId.should.equal(msg!.taskId);
      msg!.keep.should.equal('me');
      msg!.aliyun.should.eql({ action: 'CreateRtcAsrTask', requestId: msg!.payload.RequestId });
      const req = emulator.requests[emulator.requests.length - 1];
      req.scheme!.should.equal('v3');
      req.params.should.containDeep({
        Mode: 'live',
        StreamURL: 'rtmp://push.example.com/app/stream',
        Language: 'cn',
        RegionId: 'cn-shanghai',
        TranslateEnabled: 'false',
      });
      emulator.tasks.has(msg!.taskId).should.be.true();
    });

    it('signs with V2 (HMAC-SHA1) when configured', async () => {
      await load([liveConfig(emulator, { signatureVersion: 'v2' }), createNode()], liveCredentials());
      const result = outcome();
      helper.getNode('create').receive({ payload: {} });
      (await result).msg!.payload.RetCode.should.equal(2000);
      emulator.requests[0].scheme!.should.equal('v2');
    });

    it('lets msg.payload override documented parameters, and nothing else', async () => {
      await load([liveConfig(emulator), createNode()], liveCredentials());
      const result = outcome();
      const payload = JSON.parse(
        '{"__proto__":{"x":1},"Mode":"rtc","SDKAppID":"app1","ChannelID":"room 1","RtcUserId":"alice","Language":"en","endpoint":"http://203.0.113.9","ReportInterval":-1}',
      );
      helper.getNode('create').receive({ payload });
      const { msg } = await result;
      should.exist(msg);
      const req = emulator.requests[0];
      req.params.should.containDeep({
        Mode: 'rtc',
        SDKAppID: 'app1',
        ChannelID: 'room 1',
        RtcUserId: 'alice',
        Language: 'en',
        ReportInterval: '-1',
      });
      should(req.params.endpoint).be.undefined();
    });

    it('reads parameters from msg/flow/env TypedInputs', async () => {
      process.env.SPEECH_TEST_LANGUAGE = 'ja';
      await load(
        [
          liveConfig(emulator),
          createNode({
            streamUrl: 'stream',
            streamUrlType: 'msg',
            language: 'SPEECH_TEST_LANGUAGE',
            languageType: 'env',
          }),
        ],
        liveCredentials(),
      );
      const result = outcome();
      helper.getNode('create').receive({ stream: 'rtmp://other.example.com/live/x' });
      await result;
      emulator.requests[0].params.should.containDeep({ StreamURL: 'rtmp://other.example.com/live/x', Language: 'ja' });
    });

    it('fills CallbackURL and AuthKey from the callback config node', async () => {
      const cb = { id: 'cbcfg', type: 'aliyun-live-callback-config', callbackUrl: 'https://hooks.example.com/asr/abc' };
      await load([liveConfig(emulator), cb, createNode({ callback: 'cbcfg' })], {
        ...liveCredentials(),
        cbcfg: { authKey: 'k3y' },
      });
      const result = outcome();
      helper.getNode('create').receive({ payload: {} });
      await result;
      emulator.requests[0].params.should.containDeep({
        CallbackURL: 'https://hooks.example.com/asr/abc',
        AuthKey: 'k3y',
      });
    });

    it("keeps the callback config's URL and AuthKey even when msg.payload names others", async () => {
      const cb = { id: 'cbcfg', type: 'aliyun-live-callback-config', callbackUrl: 'https://hooks.example.com/asr/abc' };
      await load([liveConfig(emulator), cb, createNode({ callback: 'cbcfg' })], {
        ...liveCredentials(),
        cbcfg: { authKey: 'k3y' },
      });
      const result = outcome();
      helper
        .getNode('create')
        .receive({ payload: { CallbackURL: 'https://elsewhere.example.com/x', AuthKey: 'other' } });
      await result;
      emulator.requests[0].params.should.containDeep({
        CallbackURL: 'https://hooks.example.com/asr/abc',
        AuthKey: 'k3y',
      });
    });

    it('rejects invalid input with every problem named, and sends nothing', async () => {
      await load([liveConfig(emulator), createNode()], liveCredentials());
      const result = outcome();
      helper.getNode('create').receive({ payload: { Language: 'de', AutoTerminateDelay: 11, StreamURL: 42 } });
      const { error, msg } = await result;
      should.not.exist(msg);
      error!.error.code.should.equal('InvalidInput');
      error!.error.message.should
        .match(/Language/)
        .and.match(/AutoTerminateDelay/)
        .and.match(/StreamURL/);
      error!.error.cause.problems.length.should.equal(3);
      emulator.requests.length.should.equal(0);
    });

    it('reports a missing config node through Catch', async () => {
      await load([createNode({ live: '' })], {});
      const result = outcome();
      helper.getNode('create').receive({ payload: {} });
      (await result).error!.error.code.should.equal('NoConfig');
    });

    it('maps a wrong secret to SignatureDoesNotMatch with httpStatus and requestId, never the secret', async () => {
      await load([liveConfig(emulator), createNode()], liveCredentials('wrong-secret-CANARY'));
      const result = outcome();
      helper.getNode('create').receive({ payload: {} });
      const { error } = await result;
      error!.error.code.should.equal('SignatureDoesNotMatch');
      error!.error.cause.should.containDeep({ vendor: 'aliyun', httpStatus: 400, retryable: false });
      error!.error.cause.requestId.should.be.a.String();
      JSON.stringify(error).should.not.containEql('CANARY');
      JSON.stringify(error).should.not.containEql(ACCESS_KEY_SECRET);
    });

    it('never retries a create after a 5xx (it may have been created)', async () => {
      await load([liveConfig(emulator), createNode()], liveCredentials());
      emulator.faults.next('http500', 1);
      const result = outcome();
      helper.getNode('create').receive({ payload: {} });
      const { error } = await result;
      error!.error.code.should.equal('InternalError');
      emulator.requests.length.should.equal(1);
    });

    it('retries a throttled create (the vendor refused it) and succeeds', async () => {
      await load([liveConfig(emulator), createNode()], liveCredentials());
      emulator.faults.next('throttle', 1);
      const result = outcome();
      helper.getNode('create').receive({ payload: {} });
      (await result).msg!.payload.RetCode.should.equal(2000);
      emulator.requests.length.should.equal(2);
    });

    it('does not retry a create whose connection dropped', async () => {
      await load([liveConfig(emulator), createNode()], liveCredentials());
      emulator.faults.next('drop', 1);
      const result = outcome();
      helper.getNode('create').receive({ payload: {} });
      const { error } = await result;
      error!.error.code.should.be.oneOf('ECONNRESET', 'ERR_BAD_RESPONSE', 'EPIPE', 'NetworkError');
      emulator.requests.length.should.equal(1);
    });
  });

  describe('aliyun-live-asr-query', () => {
    const queryNode = (extra: Record<string, unknown> = {}) => ({
      id: 'query',
      type: 'aliyun-live-asr-query',
      live: 'cfg',
      taskId: 'taskId',
      taskIdType: 'msg',
      wires: [['out']],
      ...extra,
    });

    it('queries one task by msg.taskId, with the Tasks map and an array', async () => {
      await load([liveConfig(emulator), createNode({ wires: [['query']] }), queryNode()], liveCredentials());
      const result = outcome();
      helper.getNode('create').receive({ payload: {} });
      const { msg } = await result;
      const task = msg!.payload.Tasks[msg!.taskId];
      task.should.containDeep({ taskId: msg!.taskId, mode: 'live', language: 'cn', status: 1 });
      msg!.payload.TaskList.should.have.length(1);
      msg!.payload.TaskList[0].taskId.should.equal(msg!.taskId);
      msg!.aliyun.action.should.equal('QueryRtcAsrTasks');
    });

    it('queries all running tasks when no task id is given', async () => {
      await load([liveConfig(emulator), queryNode()], liveCredentials());
      const result = outcome();
      helper.getNode('query').receive({});
      const { msg } = await result;
      msg!.payload.Tasks.should.eql({});
      msg!.payload.TaskList.should.eql([]);
      should(emulator.requests[0].params.TaskId).be.undefined();
    });

    it('retries 503 and throttling (idempotent) and then succeeds', async () => {
      await load([liveConfig(emulator), queryNode()], liveCredentials());
      emulator.faults.next('http503', 1);
      emulator.faults.next('throttle', 1);
      const result = outcome();
      helper.getNode('query').receive({});
      (await result).msg!.payload.RetCode.should.equal(2000);
      emulator.requests.length.should.equal(3);
    });

    it('gives up after maxRetries with one error', async () => {
      await load([liveConfig(emulator, { maxRetries: 1 }), queryNode()], liveCredentials());
      emulator.faults.next('http503', 5);
      const seen = collect(2500);
      helper.getNode('query').receive({});
      const { out, errors } = await seen;
      out.length.should.equal(0);
      errors.length.should.equal(1);
      errors[0].error.code.should.equal('ServiceUnavailable');
      errors[0].error.cause.retryable.should.be.true();
      emulator.requests.length.should.equal(2);
    });

    it('ends a hanging request with a Timeout error', async () => {
      await load([liveConfig(emulator, { timeout: 0.3, maxRetries: 0 }), queryNode()], liveCredentials());
      emulator.faults.next('hang', 1);
      const result = outcome();
      helper.getNode('query').receive({});
      (await result).error!.error.code.should.equal('Timeout');
    });

    it('reports invalid JSON from the vendor clearly', async () => {
      await load([liveConfig(emulator, { maxRetries: 0 }), queryNode()], liveCredentials());
      emulator.faults.next('invalidJson', 1);
      const result = outcome();
      helper.getNode('query').receive({});
      (await result).error!.error.code.should.equal('InvalidResponse');
    });

    it('maps an unknown task id to ConfigNotFound', async () => {
      await load([liveConfig(emulator), queryNode()], liveCredentials());
      const result = outcome();
      helper.getNode('query').receive({ taskId: 'asr-00000000-0000-4000-8000-000000000000' });
      (await result).error!.error.code.should.equal('ConfigNotFound');
    });

    it('keeps a burst within 20 requests/second per AccessKey, losing none', async () => {
      await load([liveConfig(emulator), queryNode()], liveCredentials());
      // Judged where the limit is kept (the limiter's own starts): arrivals in this busy process can bunch.
      const recorder = recordLimiterStarts();
      const seen = collect(5000);
      for (let i = 0; i < 50; i++) helper.getNode('query').receive({ i });
      const { out, errors } = await seen.finally(() => recorder.stop());
      errors.length.should.equal(0);
      out.length.should.equal(50);
      emulator.requests.filter((r) => r.code === 'Throttling.User').length.should.equal(0);
      const times = [...recorder.starts].sort((a, b) => a - b);
      times.length.should.equal(50);
      for (let i = 20; i < times.length; i++) (times[i] - times[i - 20]).should.be.aboveOrEqual(1000);
    });
  });

  describe('aliyun-live-asr-stop', () => {
    const stopNode = (extra: Record<string, unknown> = {}) => ({
      id: 'stop',
      type: 'aliyun-live-asr-stop',
      live: 'cfg',
      taskId: 'taskId',
      taskIdType: 'msg',
      wires: [['out']],
      ...extra,
    });

    it('stops a task, and deletes it when asked', async () => {
      await load(
        [liveConfig(emulator), createNode({ wires: [['stop']] }), stopNode({ deleteAfterStop: true })],
        liveCredentials(),
      );
      const result = outcome();
      helper.getNode('create').receive({ payload: {} });
      const { msg } = await result;
      msg!.payload.RetCode.should.equal(2000);
      msg!.aliyun.action.should.equal('DeleteRtcAsrTask');
      emulator.tasks.has(msg!.taskId).should.be.false();
      emulator.requests.map((r) => r.action).should.eql(['CreateRtcAsrTask', 'StopRtcAsrTask', 'DeleteRtcAsrTask']);
    });

    it('stops without deleting by default', async () => {
      await load([liveConfig(emulator), createNode({ wires: [['stop']] }), stopNode()], liveCredentials());
      const result = outcome();
      helper.getNode('create').receive({ payload: {} });
      const { msg } = await result;
      msg!.aliyun.action.should.equal('StopRtcAsrTask');
      emulator.tasks.get(msg!.taskId)!.status.should.equal(0);
    });

    it('needs a task id and sends nothing without one', async () => {
      await load([liveConfig(emulator), stopNode()], liveCredentials());
      const result = outcome();
      helper.getNode('stop').receive({ payload: {} });
      const { error } = await result;
      error!.error.code.should.equal('InvalidInput');
      emulator.requests.length.should.equal(0);
    });
  });
});
