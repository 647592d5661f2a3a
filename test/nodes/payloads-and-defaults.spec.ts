/**
 * What a flow author meets first: payloads built in a function node (another JavaScript
 * realm) or delivered as JSON text, and nodes deployed with nothing but their type, wires and
 * config reference, which must behave as their dialogs' defaults say.
 */
import fs from 'fs';
import path from 'path';
import should from 'should';
import { AliyunLiveEmulator } from '../emulator';
import { seedAliyunTask } from '../reliability/kit';
import { defaultValues, declaredNodeSets, editorDefinitions } from '../support/editor-definitions';
import { ALL_NODES, coreNode, helper, liveConfig, liveCredentials, outcome, tab } from './harness';

const FUNCTION_NODE = coreNode('function/10-function.js');

describe('payloads from function nodes and JSON text, and runtime defaults', function () {
  this.timeout(20000);
  let emulator: AliyunLiveEmulator;

  before(async () => {
    emulator = new AliyunLiveEmulator({ callbacks: false });
    await emulator.listen();
  });
  after(() => emulator.close());
  beforeEach(async () => {
    emulator.reset();
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  async function load(nodes: Record<string, unknown>[]): Promise<void> {
    await helper.load([FUNCTION_NODE, ...ALL_NODES], tab(nodes), liveCredentials());
  }

  const fnNode = (body: string, next: string) => ({
    id: 'fn',
    type: 'function',
    func: body,
    outputs: 1,
    noerr: 0,
    wires: [[next]],
  });
  const livePayload = {
    Mode: 'live',
    StreamURL: 'rtmp://push.example.com/app/s',
    Language: 'en',
    CallbackURL: 'http://127.0.0.1:9/cb',
  };

  it('aliyun-live-asr-create takes a payload built in a function node (another realm)', async () => {
    await load([
      liveConfig(emulator),
      fnNode(`msg.payload = ${JSON.stringify(livePayload)}; return msg;`, 'act'),
      { id: 'act', type: 'aliyun-live-asr-create', live: 'cfg', wires: [['out']] },
    ]);
    const result = outcome();
    helper.getNode('fn').receive({ payload: 'go' });
    const { msg, error } = await result;
    should.not.exist(error, JSON.stringify(error));
    msg!.taskId.should.match(/^asr-/);
    emulator.requests[0].params.should.containDeep({
      Mode: 'live',
      StreamURL: livePayload.StreamURL,
      Language: 'en',
      CallbackURL: livePayload.CallbackURL,
    });
  });

  it('a function-node payload still cannot smuggle prototypes or unlisted keys', async () => {
    const body = `const p = JSON.parse('{"__proto__":{"polluted":1},"Language":"ja","endpoint":"http://203.0.113.9"}'); Object.assign(p, ${JSON.stringify(livePayload)}); p.Language = 'ja'; msg.payload = p; return msg;`;
    await load([
      liveConfig(emulator),
      fnNode(body, 'act'),
      { id: 'act', type: 'aliyun-live-asr-create', live: 'cfg', wires: [['out']] },
    ]);
    const result = outcome();
    helper.getNode('fn').receive({ payload: 'go' });
    await result;
    emulator.requests[0].params.Language.should.equal('ja');
    should(emulator.requests[0].params.endpoint).be.undefined();
    should(({} as Record<string, unknown>).polluted).be.undefined();
  });

  it('reads JSON text in msg.payload (as http in, MQTT or a template deliver it) as the object it holds', async () => {
    await load([liveConfig(emulator), { id: 'act', type: 'aliyun-live-asr-create', live: 'cfg', wires: [['out']] }]);
    const result = outcome();
    helper.getNode('act').receive({ payload: ` ${JSON.stringify(livePayload)}\n` });
    const { msg, error } = await result;
    should.not.exist(error, JSON.stringify(error));
    msg!.taskId.should.match(/^asr-/);
    emulator.requests[0].params.Language.should.equal('en');
  });

  it('says that msg.payload was text it could not read, before naming missing fields, and sends nothing', async () => {
    await load([liveConfig(emulator), { id: 'act', type: 'aliyun-live-asr-create', live: 'cfg', wires: [['out']] }]);
    const result = outcome();
    helper.getNode('act').receive({ payload: '{"Mode":"live", StreamURL: oops}' });
    const { error } = await result;
    should.exist(error);
    error!.error.message.should.match(/^msg\.payload is text that is not a JSON object/);
    error!.error.code.should.equal('InvalidInput');
    error!.error.cause.problems[0].field.should.equal('msg.payload');
    emulator.requests.length.should.equal(0);
  });

  it('does not blame msg.payload when it is an ordinary trigger and the fields are set', async () => {
    await load([
      liveConfig(emulator),
      {
        id: 'act',
        type: 'aliyun-live-asr-create',
        live: 'cfg',
        streamUrl: livePayload.StreamURL,
        callbackUrl: livePayload.CallbackURL,
        wires: [['out']],
      },
    ]);
    const result = outcome();
    helper.getNode('act').receive({ payload: 'go' });
    const { msg, error } = await result;
    should.not.exist(error, JSON.stringify(error));
    // The dialog's defaults apply: Mode live, Language cn.
    emulator.requests[0].params.should.containDeep({ Mode: 'live', Language: 'cn' });
    msg!.taskId.should.match(/^asr-/);
  });

  it('aliyun-live-asr-stop deployed with only its config stops msg.taskId, as its dialog defaults say', async () => {
    const taskId = seedAliyunTask(emulator);
    await load([liveConfig(emulator), { id: 'act', type: 'aliyun-live-asr-stop', live: 'cfg', wires: [['out']] }]);
    const result = outcome();
    helper.getNode('act').receive({ taskId });
    const { msg, error } = await result;
    should.not.exist(error, JSON.stringify(error));
    msg!.taskId.should.equal(taskId);
    emulator.requests.map((r) => r.action).should.eql(['StopRtcAsrTask']);
  });

  it('aliyun-live-asr-query deployed with only its config queries msg.taskId', async () => {
    const taskId = seedAliyunTask(emulator);
    await load([liveConfig(emulator), { id: 'act', type: 'aliyun-live-asr-query', live: 'cfg', wires: [['out']] }]);
    const result = outcome();
    helper.getNode('act').receive({ taskId });
    const { msg, error } = await result;
    should.not.exist(error, JSON.stringify(error));
    msg!.taskId.should.equal(taskId);
    emulator.requests[0].params.TaskId.should.equal(taskId);
  });

  it("every node module states its dialog's defaults (DEFAULTS) exactly as its editor does", () => {
    const definitions = editorDefinitions();
    const sets = declaredNodeSets().filter((s) => fs.existsSync(s.html));
    sets.length.should.be.above(5);
    for (const { set, js } of sets) {
      const def = definitions.get(set);
      should.exist(def, `${set}: its HTML registers no type of that name`);
      const mod = require(js);
      should.exist(mod.DEFAULTS, `${path.basename(js)} exports no DEFAULTS`);
      mod.DEFAULTS.should.eql(defaultValues(def!), `${set}: runtime DEFAULTS differ from the editor's defaults`);
    }
  });
});

/**
 * Every action node of every vendor, fed the message its harness case calls valid, rebuilt
 * inside a function node: what reaches the node are objects of the function sandbox's realm.
 */
describe('every action node takes a message built in a function node', function () {
  this.timeout(30000);

  const { ACTION_CASES } = require('../reliability/kit') as typeof import('../reliability/kit');
  // A Buffer does not survive JSON: those cases (audio uploads) cannot be rebuilt from text.
  const rebuildable = (msg: Record<string, unknown>): boolean => !JSON.stringify(msg).includes('"type":"Buffer"');

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  for (const c of ACTION_CASES) {
    it(`${c.name}`, async function () {
      const emulator = await c.kit.startEmulator();
      try {
        await helper.startServer();
        const valid = c.validMsg(emulator);
        if (!rebuildable(valid)) this.skip();
        // The function node parses the JSON text in its own realm, so every object it sends is foreign.
        const body = `const m = JSON.parse(${JSON.stringify(JSON.stringify(valid))}); Object.assign(msg, m); return msg;`;
        const nodes = [
          c.kit.configNode(emulator.url, { timeoutS: 5, maxRetries: 1 }),
          { id: 'fn', type: 'function', func: body, outputs: 1, noerr: 0, wires: [['act']] },
          c.node(),
        ];
        await helper.load([FUNCTION_NODE, ...ALL_NODES], tab(nodes), c.kit.credentials(c.kit.defaultSecrets));
        const result = outcome(20000);
        helper.getNode('fn').receive({ payload: 'go' });
        const { msg, error } = await result;
        should.not.exist(error, JSON.stringify(error?.error));
        should.exist(msg);
        emulator.requests.filter((r) => r.status >= 200 && r.status < 300).length.should.be.aboveOrEqual(1);
      } finally {
        await emulator.close();
      }
    });
  }
});
