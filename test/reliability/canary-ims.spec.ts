/**
 * Canaries for the IMS AI-workflow nodes: the AccessKey secret and the workflow secret of the
 * input node (and wrong values of both) get unique values; the nodes run through success and
 * error paths; none of the values may appear in an emitted message (rejected-requests output
 * included), node status, log call, console line, error or admin answer.
 */
import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { AliyunLiveEmulator } from '../emulator';
import { ALL_NODES, helper, tab } from '../nodes/harness';
import { post } from '../nodes/callback-client';
import { canaryValue, captureConsole, collectSpies, eventually, Msg, Sinks } from './kit';

const SECRETS = {
  accessKeySecret: canaryValue('ImsSecret'),
  wrongAccessKeySecret: canaryValue('ImsWrongSecret'),
  workflowSecret: canaryValue('WorkflowSecret'),
  wrongWorkflowSecret: canaryValue('WrongWorkflowSecret'),
};
const KEY_ID = `LTAI${canaryValue('ImsKeyId')}`;
const PATH = '/aliyun-ims/canary';

describe('security: IMS canary secrets never leak', function () {
  this.timeout(30000);
  let emulator: AliyunLiveEmulator;
  let sinks: Sinks;
  let restoreConsole: () => void;

  before(async () => {
    emulator = new AliyunLiveEmulator({ callbacks: false, credentials: { [KEY_ID]: SECRETS.accessKeySecret } });
    emulator.ims.defineTemplate('wf', { input: 'live' });
    await emulator.listen();
  });
  after(() => emulator.close());
  beforeEach(async () => {
    sinks = new Sinks({ ...SECRETS, accessKeyId: KEY_ID });
    restoreConsole = captureConsole(sinks);
    await helper.startServer();
  });
  afterEach(async () => {
    restoreConsole();
    await helper.unload();
    await helper.stopServer();
  });

  it('start, query, stop (right and wrong AccessKey secret, bad input) and the input node (right, wrong, missing secret)', async () => {
    let RED: any;
    const cfg = (id: string) => ({
      id,
      type: 'aliyun-ims-config',
      region: 'cn-shanghai',
      endpoint: emulator.url,
      timeout: 2,
      maxRetries: 0,
    });
    const flow = tab([
      cfg('ok-cfg'),
      cfg('bad-cfg'),
      {
        id: 'start',
        type: 'aliyun-ims-workflow-start',
        ims: 'ok-cfg',
        workflowId: 'wf',
        mode: 'live',
        streamUrl: 'rtmp://h/a',
        sourceLanguage: 'zh',
        wires: [['out']],
      },
      {
        id: 'query',
        type: 'aliyun-ims-workflow-query',
        ims: 'ok-cfg',
        taskId: 'taskId',
        taskIdType: 'msg',
        wires: [['out']],
      },
      {
        id: 'stop',
        type: 'aliyun-ims-workflow-stop',
        ims: 'bad-cfg',
        taskId: 'taskId',
        taskIdType: 'msg',
        wires: [['out']],
      },
      {
        id: 'in',
        type: 'aliyun-ims-workflow-in',
        path: PATH,
        secretParam: 'secret',
        auditOutput: true,
        outputs: 2,
        wires: [['out'], ['out2']],
      },
    ]);
    await helper.load([(r: any) => (RED = r), ...ALL_NODES], flow, {
      'ok-cfg': { accessKeyId: KEY_ID, accessKeySecret: SECRETS.accessKeySecret },
      'bad-cfg': { accessKeyId: KEY_ID, accessKeySecret: SECRETS.wrongAccessKeySecret },
      in: { secret: SECRETS.workflowSecret },
    });
    const seen: Msg[] = [];
    for (const id of ['out', 'out2', 'errors'])
      helper.getNode(id).on('input', (m: Msg) => {
        seen.push(m);
        sinks.add(`message on ${id}`, m);
      });
    const settled = (n: number) => eventually(() => seen.length >= n, 8000);

    helper.getNode('start').receive({ payload: {} });
    (await settled(1)).should.be.true();
    const taskId = seen[0].taskId;
    helper.getNode('query').receive({ taskId });
    helper.getNode('stop').receive({ taskId });
    helper.getNode('start').receive({ payload: { Inputs: 'not json' } });
    (await settled(4)).should.be.true();
    seen
      .filter((m) => m.error)
      .map((m) => m.error.code)
      .sort()
      .should.eql(['InvalidInput', 'SignatureDoesNotMatch']);

    const server = http.createServer(RED.httpNode);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const body = JSON.stringify({ Text: 'hello', SentenceEnd: true });
      (await post(base, `${PATH}?secret=${SECRETS.workflowSecret}`, body)).status.should.equal(200);
      (await post(base, `${PATH}?secret=${SECRETS.wrongWorkflowSecret}`, body)).status.should.equal(401);
      (await post(base, PATH, body, { 'X-Workflow-Secret': SECRETS.wrongWorkflowSecret })).status.should.equal(401);
      (await post(base, PATH, body)).status.should.equal(401);
      (await settled(8)).should.be.true();
    } finally {
      await new Promise((r) => server.close(r));
    }
    const test = await helper.request().post('/aliyun-ims-config/test').send({
      id: 'bad-cfg',
      region: 'cn-shanghai',
      endpoint: emulator.url,
      accessKeyId: KEY_ID,
      accessKeySecret: '__PWRD__',
    });
    sinks.add('admin answer', test.body);
    test.body.ok.should.be.false();

    collectSpies(sinks, 'in-process');
    // The key ID goes to the gateway in every request; only the secrets are searched for in what the flow sees.
    should(sinks.leaks(SECRETS)).eql([]);
    sinks.count.should.be.above(8);
  });
});
