import should from 'should';
import { AliyunLiveEmulator } from '../emulator';
import { helper, load, outcome, ACCESS_KEY_ID, ACCESS_KEY_SECRET } from './harness';

type Msg = Record<string, any>;

const imsConfig = (emulator: AliyunLiveEmulator, extra: Msg = {}): Msg => ({
  id: 'ims-cfg',
  type: 'aliyun-ims-config',
  region: 'cn-shanghai',
  endpoint: emulator.url,
  signatureVersion: 'v3',
  timeout: 2,
  maxRetries: 1,
  ...extra,
});
const credentials = (secret = ACCESS_KEY_SECRET): Msg => ({
  'ims-cfg': { accessKeyId: ACCESS_KEY_ID, accessKeySecret: secret },
});
const startNode = (extra: Msg = {}): Msg => ({
  id: 'start',
  type: 'aliyun-ims-workflow-start',
  ims: 'ims-cfg',
  workflowId: 'wf-live',
  workflowIdType: 'str',
  mode: 'live',
  streamUrl: 'rtmp://push.example.com/app/stream',
  streamUrlType: 'str',
  maxIdleTime: '20',
  maxIdleTimeType: 'num',
  sourceLanguage: 'es',
  wires: [['out']],
  ...extra,
});
const taskNode = (type: string, extra: Msg = {}): Msg => ({
  id: 'task',
  type,
  ims: 'ims-cfg',
  taskId: 'taskId',
  taskIdType: 'msg',
  wires: [['out']],
  ...extra,
});

describe('Alibaba IMS AI-workflow nodes against the emulator', function () {
  this.timeout(20000);
  let emulator: AliyunLiveEmulator;

  before(async () => {
    emulator = new AliyunLiveEmulator({ callbacks: false, imsIntervalMs: 5 });
    await emulator.listen();
  });
  after(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    emulator.reset();
    emulator.ims.defineTemplate('wf-live', { input: 'live' });
    emulator.ims.defineTemplate('wf-rtc', { input: 'rtc' });
    emulator.ims.defineTemplate('wf-any', { input: 'any', kind: 'offline', offlineMs: 30, outputs: { summary: 'ok' } });
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  const lastParams = () => emulator.requests[emulator.requests.length - 1].params;

  it('starts a live-stream workflow with the documented Inputs and passes the msg on with msg.taskId', async () => {
    await load([imsConfig(emulator), startNode({ userData: '{"order":7}', userDataType: 'json' })], credentials());
    const result = outcome();
    helper.getNode('start').receive({ payload: {}, keep: 'me' });
    const { msg, error } = await result;
    should.not.exist(error);
    msg!.taskId.should.equal(msg!.payload.TaskId);
    msg!.keep.should.equal('me');
    msg!.aliyun.should.eql({ action: 'StartAIWorkflow', requestId: msg!.payload.RequestId });
    const p = lastParams();
    p.WorkflowId.should.equal('wf-live');
    JSON.parse(p.Inputs).should.eql({
      live_url: { Url: 'rtmp://push.example.com/app/stream', MaxIdleTime: 20 },
      source_language_id: 'es',
    });
    JSON.parse(p.UserData).should.eql({ order: 7 });
    emulator.requests[0].scheme!.should.equal('v3');
    emulator.ims.tasks.get(msg!.taskId)!.status.should.equal('running');
  });

  it('builds ARTC Inputs and signs with V2 when configured', async () => {
    const rtc = startNode({
      workflowId: 'wf-rtc',
      mode: 'rtc',
      appId: 'app1',
      channelId: 'room',
      userId: 'alice',
      pushUserId: 'bot',
      sourceLanguage: 'zh',
    });
    await load([imsConfig(emulator, { signatureVersion: 'v2' }), rtc], credentials());
    const result = outcome();
    helper.getNode('start').receive({ payload: {} });
    should.not.exist((await result).error);
    JSON.parse(lastParams().Inputs).should.eql({
      rtc: { AppId: 'app1', ChannelId: 'room', UserId: 'alice' },
      push_uid: 'bot',
      source_language_id: 'zh',
    });
    emulator.requests[0].scheme!.should.equal('v2');
  });

  it('names the dialog fields that are wrong and sends nothing', async () => {
    await load(
      [imsConfig(emulator), startNode({ streamUrl: 'ftp://x', sourceLanguage: 'xx', workflowId: 'a b' })],
      credentials(),
    );
    const result = outcome();
    helper.getNode('start').receive({ payload: {} });
    const { error } = await result;
    // The catalogue names them "Stream URL" and "Source language" (aliyun-messages.spec checks the wording).
    error!.error.cause.problems.map((p: Msg) => p.field).should.eql(['live_url.Url', 'source_language_id']);
    error!.error.code.should.equal('InvalidInput');
    emulator.requests.length.should.equal(0);
  });

  it('lets msg.payload replace Inputs and override documented names only', async () => {
    await load([imsConfig(emulator), startNode({ streamUrl: '' })], credentials());
    const result = outcome();
    const payload = JSON.parse(
      '{"__proto__":{"x":1},"WorkflowId":"wf-rtc","Inputs":{"rtc":{"AppId":"a","ChannelId":"c","UserId":"u"}},"endpoint":"http://203.0.113.9"}',
    );
    helper.getNode('start').receive({ payload });
    should.not.exist((await result).error);
    lastParams().WorkflowId.should.equal('wf-rtc');
    JSON.parse(lastParams().Inputs).should.eql({ rtc: { AppId: 'a', ChannelId: 'c', UserId: 'u' } });
  });

  it('sends any object from msg.payload as Inputs for another template', async () => {
    await load([imsConfig(emulator), startNode({ workflowId: 'wf-any', mode: 'custom' })], credentials());
    const result = outcome();
    helper.getNode('start').receive({ payload: { video: { MediaId: 'm1' }, prompt: 'summarise' } });
    should.not.exist((await result).error);
    JSON.parse(lastParams().Inputs).should.eql({ video: { MediaId: 'm1' }, prompt: 'summarise' });
  });

  it('queries a task: status in words, outputs and node results parsed', async () => {
    await load(
      [imsConfig(emulator), startNode({ wires: [['task']] }), taskNode('aliyun-ims-workflow-query')],
      credentials(),
    );
    const result = outcome();
    helper.getNode('start').receive({ payload: {} });
    const { msg } = await result;
    msg!.payload.status.should.equal('running');
    msg!.payload.finished.should.be.false();
    msg!.payload.inputs.source_language_id.should.equal('es');
    msg!.aliyun.action.should.equal('GetAIWorkflowTask');
  });

  it('waits until an offline task ends and sends one message', async () => {
    const query = taskNode('aliyun-ims-workflow-query', { wait: true, timeout: 1, pollInterval: 0.01 });
    await load(
      [imsConfig(emulator), startNode({ workflowId: 'wf-any', mode: 'custom', wires: [['task']] }), query],
      credentials(),
    );
    const result = outcome();
    helper.getNode('start').receive({ payload: { any: 1 } });
    const { msg, error } = await result;
    should.not.exist(error);
    msg!.payload.status.should.equal('succeeded');
    msg!.payload.outputs.should.eql({ summary: 'ok' });
  });

  it('stops a task', async () => {
    await load(
      [imsConfig(emulator), startNode({ wires: [['task']] }), taskNode('aliyun-ims-workflow-stop')],
      credentials(),
    );
    const result = outcome();
    helper.getNode('start').receive({ payload: {} });
    const { msg } = await result;
    msg!.aliyun.action.should.equal('StopAIWorkflowTask');
    emulator.ims.tasks.get(msg!.taskId)!.status.should.equal('stopped');
  });

  it('reports a wrong AccessKey secret without the secret in the error', async () => {
    await load([imsConfig(emulator), taskNode('aliyun-ims-workflow-stop')], credentials('wrong-secret'));
    const result = outcome();
    helper.getNode('task').receive({ taskId: 'abc' });
    const { error } = await result;
    error!.error.code.should.equal('SignatureDoesNotMatch');
    JSON.stringify(error).should.not.match(/wrong-secret/);
  });

  it('answers Test connection with a ListTemplates call', async () => {
    await load([imsConfig(emulator)], credentials());
    const res = await helper.request().post('/aliyun-ims-config/test').send({
      id: 'ims-cfg',
      region: 'cn-shanghai',
      endpoint: emulator.url,
      accessKeyId: ACCESS_KEY_ID,
      accessKeySecret: '__PWRD__',
    });
    res.body.ok.should.be.true();
    emulator.requests[emulator.requests.length - 1].action!.should.equal('ListTemplates');
  });
});
