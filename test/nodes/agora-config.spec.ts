import should from 'should';
import supertest from 'supertest';
import { AgoraEmulator, AGORA_DEFAULTS } from '../emulator/agora';
import { agoraConfig, agoraCredentials, AGORA_NODES, helper, startEmulator } from './agora-harness';
import { tab } from './harness';

type Msg = Record<string, any>;

describe('agora-config', function () {
  this.timeout(20000);
  let emulator: AgoraEmulator;
  let other: AgoraEmulator;
  let RED: any;

  before(async () => {
    emulator = await startEmulator();
    other = await startEmulator();
  });
  after(async () => {
    await emulator.close();
    await other.close();
  });
  beforeEach(async () => {
    emulator.reset();
    other.reset();
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  async function load(nodes: Msg[], credentials: Msg): Promise<void> {
    await helper.load(
      [
        (r: any) => {
          RED = r;
        },
        ...AGORA_NODES,
      ],
      tab(nodes),
      credentials,
    );
  }
  const post = (body: Msg) => supertest(RED.httpAdmin).post('/agora-config/test').send(body);

  describe('Test connection (POST /agora-config/test)', () => {
    it('answers ok with the number of running agents for typed credentials', async () => {
      await load([], {});
      const res = await post({
        appId: AGORA_DEFAULTS.appId,
        apiVersion: 'v7',
        endpoint: emulator.url,
        customerId: AGORA_DEFAULTS.customerId,
        customerSecret: AGORA_DEFAULTS.customerSecret,
      }).expect(200);
      res.body.should.containDeep({ ok: true, agents: 0 });
      emulator.requests.map((r) => r.action).should.eql(['list']);
    });

    it('reports a wrong secret with its code and never echoes it', async () => {
      await load([], {});
      const res = await post({
        appId: AGORA_DEFAULTS.appId,
        endpoint: emulator.url,
        customerId: AGORA_DEFAULTS.customerId,
        customerSecret: 'wrong-CANARY',
      }).expect(200);
      res.body.should.containDeep({ ok: false, code: 'InvalidCredentials' });
      JSON.stringify(res.body).should.not.containEql('CANARY');
    });

    it('uses the stored secret for the deployed endpoint, and refuses to send it to another one', async () => {
      await load([agoraConfig(emulator)], agoraCredentials());
      const stored = {
        id: 'cfg',
        appId: AGORA_DEFAULTS.appId,
        customerId: AGORA_DEFAULTS.customerId,
        customerSecret: '__PWRD__',
        appCertificate: '__PWRD__',
      };
      const same = (await post({ ...stored, endpoint: emulator.url }).expect(200)).body;
      same.ok.should.be.true(JSON.stringify(same));
      const res = await post({ ...stored, endpoint: other.url }).expect(200);
      res.body.should.containDeep({ ok: false, code: 'EndpointChanged' });
      other.requests.length.should.equal(0);
      // Secrets typed anew (both of them: an empty field means the stored one) may go anywhere.
      (
        await post({
          ...stored,
          customerSecret: AGORA_DEFAULTS.customerSecret,
          appCertificate: AGORA_DEFAULTS.appCertificate,
          endpoint: other.url,
        }).expect(200)
      ).body.ok.should.be.true();
      other.requests.length.should.equal(1);
    });

    it("reads a saved node's stored ${ENV_VAR} credentials on the server; a typed ${ENV_VAR} is sent as typed", async () => {
      process.env.AGORA_TEST_SECRET = AGORA_DEFAULTS.customerSecret;
      await load([agoraConfig(emulator)], {
        cfg: { customerId: AGORA_DEFAULTS.customerId, customerSecret: '${AGORA_TEST_SECRET}' },
      });
      const stored = await post({ id: 'cfg', appId: AGORA_DEFAULTS.appId, endpoint: emulator.url }).expect(200);
      stored.body.ok.should.be.true(JSON.stringify(stored.body));
      const typed = await post({
        appId: AGORA_DEFAULTS.appId,
        endpoint: emulator.url,
        customerId: AGORA_DEFAULTS.customerId,
        customerSecret: '${AGORA_TEST_SECRET}',
      }).expect(200);
      typed.body.ok.should.be.false();
      delete process.env.AGORA_TEST_SECRET;
    });
  });

  it('owns one client per node and closes it on close (queued work is cancelled)', async () => {
    await load([agoraConfig(emulator)], agoraCredentials());
    const cfg = helper.getNode('cfg') as any;
    const client = cfg.client();
    cfg.client().should.equal(client);
    await helper.unload();
    await client.query({ taskId: 'x' }).then(
      () => should.fail(true, false, 'closed client answered'),
      (err: any) => err.code.should.equal('Aborted'),
    );
  });

  it('refuses incomplete settings at run time with InvalidInput, naming each', async () => {
    await load(
      [
        { id: 'cfg', type: 'agora-config', endpoint: emulator.url },
        { id: 'q', type: 'agora-stt-query', agora: 'cfg', wires: [['out']] },
      ],
      {},
    );
    const seen = new Promise<Msg>((resolve) => helper.getNode('errors').on('input', resolve));
    helper.getNode('q').receive({ taskId: 'abc' });
    const err = (await seen).error;
    err.code.should.equal('InvalidInput');
    err.cause.problems.map((p: Msg) => p.field).should.containDeep(['appId', 'customerId', 'customerSecret']);
    emulator.requests.length.should.equal(0);
  });
});
