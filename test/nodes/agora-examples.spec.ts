/** The Agora example flows, pointed at the emulator, do what their comment says when the buttons are pressed in order. */
import fs from 'fs';
import http from 'http';
import { AddressInfo } from 'net';
import path from 'path';
import should from 'should';
import { AgoraEmulator, AGORA_DEFAULTS } from '../emulator/agora';
import { AGORA_NODES, helper, resetPacing, shortPacing, startEmulator } from './agora-harness';
import { coreNode } from './harness';

type Msg = Record<string, any>;
const CORE = [
  'common/20-inject.js',
  'function/15-change.js',
  'common/25-catch.js',
  'common/90-comment.js',
  'function/10-switch.js',
  'function/10-function.js',
].map(coreNode);

describe('Agora example flows', function () {
  this.timeout(30000);
  let emulator: AgoraEmulator;
  before(async () => {
    emulator = await startEmulator();
    shortPacing();
  });
  after(async () => {
    resetPacing();
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

  for (const [file, version, actions] of [
    ['start-query-update-stop.json', 'v7', ['join', 'get', 'update', 'leave']],
    ['v6-legacy.json', 'v6', ['acquire', 'start', 'query', 'update', 'stop']],
  ] as const) {
    it(`${file}: start, query, update, stop each reach their debug node (${version})`, async () => {
      const flow: Msg[] = JSON.parse(
        fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'agora', file), 'utf8'),
      );
      const cfg = flow.find((n) => n.type === 'agora-config')!;
      cfg.endpoint = emulator.url;
      cfg.apiVersion.should.equal(version);
      // Debug nodes become helper nodes, so the test sees what the sidebar would show.
      const nodes = flow.map((n) =>
        n.type === 'debug' ? { id: n.id, z: n.z, type: 'helper', name: n.name, x: n.x, y: n.y } : n,
      );
      await helper.load([...CORE, ...AGORA_NODES], nodes, {
        [cfg.id]: {
          customerId: AGORA_DEFAULTS.customerId,
          customerSecret: AGORA_DEFAULTS.customerSecret,
          appCertificate: AGORA_DEFAULTS.appCertificate,
        },
      });
      const debugs = flow.filter((n) => n.type === 'debug');
      const errors = debugs.find((n) => /^errors/.test(n.name))!;
      const failures: Msg[] = [];
      helper.getNode(errors.id).on('input', (m: Msg) => failures.push(m.error));
      for (const press of ['start', 'query', 'update', 'stop']) {
        const inject = flow.find((n) => n.type === 'inject' && n.name === press)!;
        const node = flow.find((n) => n.id === inject.wires[0][0])!;
        // The debug node on the action's output, directly or after one node (a change node).
        const outs: string[] = node.wires[0];
        const debug =
          flow.find((n) => outs.includes(n.id) && n.type === 'debug') ??
          debugs.find((d) => flow.some((c) => outs.includes(c.id) && (c.wires?.[0] ?? []).includes(d.id)))!;
        const seen = new Promise<Msg>((resolve) => helper.getNode(debug.id).once('input', resolve));
        helper.getNode(inject.id).receive({});
        const msg = await seen;
        should.exist(msg.taskId, `${press}: ${JSON.stringify(failures)}`);
      }
      failures.should.eql([]);
      emulator.requests.map((r) => r.action).should.eql([...actions]);
    });
  }

  it('token-expiry-handover.json: on token-expiring a replacement starts under the other bot uid, then the old task stops', async () => {
    const flow: Msg[] = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'agora', 'token-expiry-handover.json'), 'utf8'),
    );
    const cfg = flow.find((n) => n.type === 'agora-config')!;
    cfg.endpoint = emulator.url;
    const events = flow.find((n) => n.type === 'agora-stt-events')!;
    const nodes = flow.map((n) =>
      n.type === 'debug' ? { id: n.id, z: n.z, type: 'helper', name: n.name, x: n.x, y: n.y } : n,
    );
    const secret = 'handover-test-secret';
    let RED: any;
    await helper.load([(r: any) => (RED = r), ...CORE, ...AGORA_NODES], nodes, {
      [cfg.id]: {
        customerId: AGORA_DEFAULTS.customerId,
        customerSecret: AGORA_DEFAULTS.customerSecret,
        appCertificate: AGORA_DEFAULTS.appCertificate,
      },
      [events.id]: { secret },
    });
    const server = http.createServer(RED.httpNode);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      emulator.notifyTo([{ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${events.path}`, secret }]);
      const byName = (name: string) => flow.find((n) => n.name === name)!;
      const once = (name: string) =>
        new Promise<Msg>((resolve) => helper.getNode(byName(name).id).once('input', resolve));
      const failures: Msg[] = [];
      helper.getNode(byName('errors (code, message)').id).on('input', (m: Msg) => failures.push(m.error));

      const first = once('current task (msg.agora)');
      helper.getNode(byName('start long session').id).receive({});
      const old = await first;
      const stopped = once('old task stopped');
      await emulator.tokenExpiring(old.taskId);
      (await stopped).taskId.should.equal(old.taskId);
      const current = helper.getNode(events.id).context().flow.get('handoverTask');
      current.taskId.should.not.equal(old.taskId);
      current.pubBotUid.should.equal('88223');
      current.channel.should.equal(old.agora.channel);
      emulator.requests
        .filter((r) => r.action === 'join')
        .map((r) => (r.body as Msg).rtcConfig.pubBotUid)
        .should.eql(['88222', '88223']);
      emulator.agents.get(old.taskId)!.stopping.should.be.true();
      emulator.agents.get(current.taskId)!.stopping.should.be.false();
      failures.should.eql([]);
    } finally {
      emulator.notifyTo([]);
      await new Promise((r) => server.close(r));
    }
  });
});
