/**
 * The canary test for every vendor in CANARY_KITS (Alibaba has canary.spec.ts): each secret
 * its nodes hold gets a unique value (config credentials, action-node credentials, secrets
 * a msg carries); every ActionCase of the vendor runs through success, wrong secret, a
 * vendor that echoes the request back, every fault kind, bad input and no config, and the
 * editor's Test connection runs with stored, typed and env secrets against the deployed
 * and another endpoint. No canary may then appear in an emitted message, node status, log
 * call, console line, Catch-node error, admin answer, or a request to any endpoint other
 * than the deployed one; in a real Node-RED, neither in GET /flows, admin answers, log
 * lines nor user-directory files.
 */
import fs from 'fs';
import http from 'http';
import path from 'path';
import { AddressInfo } from 'net';
import should from 'should';
import { FAULT_KINDS } from '../emulator/faults';
import { ALL_NODES, helper, tab } from '../nodes/harness';
import { NodeRedProcess, startNodeRedInstance } from '../e2e/node-red-process';
import {
  ACTION_CASES,
  CANARY_KITS,
  CanaryAccount,
  CanaryKit,
  captureConsole,
  collectSpies,
  EchoedRequest,
  EmulatorLike,
  eventually,
  filesUnder,
  Msg,
  mulberry32,
  Sinks,
  sleep,
} from './kit';

interface Gateway {
  url: string;
  requests: EchoedRequest[];
  close(): Promise<void>;
}

/** An endpoint other than the deployed one, answering as the kit says a vendor echoing the request would. */
async function startGateway(ck: CanaryKit): Promise<Gateway> {
  const requests: EchoedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: EchoedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(r);
      const answer = ck.echo(r);
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(answer.body),
      });
      res.end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

interface ConfigSpec {
  id: string;
  url: 'emulator' | 'gateway';
  account: CanaryAccount;
  opts?: { timeoutS?: number; maxRetries?: number };
  /** Whether a valid msg through it succeeds (undefined: either, the faults config). */
  ok?: boolean;
}

const CONFIGS: ConfigSpec[] = [
  { id: 'cfgOk', url: 'emulator', account: 'ok', ok: true },
  { id: 'cfgEnv', url: 'emulator', account: 'env', ok: true },
  { id: 'cfgWrongSecret', url: 'emulator', account: 'wrongSecret', ok: false },
  { id: 'cfgEcho', url: 'gateway', account: 'ok', ok: false },
  { id: 'cfgFaults', url: 'emulator', account: 'ok', opts: { timeoutS: 0.3, maxRetries: 0 } },
];

for (const ck of CANARY_KITS) {
  const kit = ck.kit;
  const CASES = ACTION_CASES.filter((c) => c.kit === kit && !c.skip?.includes('canary'));
  const values = ck.values();
  const IDS = values.ids;
  /** Secrets and their encodings: never anywhere but in requests to the deployed endpoint. */
  const SECRETS = { ...values.secrets, ...ck.derived(values) };
  const ALL = { ...SECRETS, ...IDS };
  // The first 16 characters of a secret alone count too: vendor text is clipped, and a clipped secret still leaks.
  const CUT_OFF = { names: Object.keys(values.secrets), prefix: 16 };

  describe(`security: ${kit.vendor} canary secrets never leak`, function () {
    this.timeout(60000);
    let emu: EmulatorLike;
    let gateway: Gateway;
    const urlOf = (c: ConfigSpec): string => (c.url === 'gateway' ? gateway.url : emu.url);

    before(async () => {
      process.env[ck.envName] = values.secrets.envSecret;
      emu = await ck.startEmulator(values);
      (emu.faults as { slowMs: number }).slowMs = 600;
      gateway = await startGateway(ck);
    });
    after(async () => {
      delete process.env[ck.envName];
      await emu.close();
      await gateway.close();
    });

    it(`covers ${kit.vendor}'s action cases`, () => {
      CASES.length.should.be.above(0);
    });

    describe('in-process (node-red-node-test-helper)', () => {
      let sinks: Sinks;
      let restoreConsole: () => void;
      beforeEach(async () => {
        sinks = new Sinks(ALL, CUT_OFF);
        restoreConsole = captureConsole(sinks);
        await helper.startServer();
      });
      afterEach(async () => {
        restoreConsole();
        await helper.unload();
        await helper.stopServer();
      });

      function configNodes(): { nodes: Msg[]; creds: Msg } {
        const nodes: Msg[] = [];
        let creds: Msg = {};
        for (const c of CONFIGS) {
          nodes.push(kit.configNode(urlOf(c), { timeoutS: 2, maxRetries: 1, ...c.opts }, c.id));
          creds = { ...creds, ...ck.credentials(values, c.account, c.id) };
        }
        return { nodes, creds };
      }

      function listen(record: Map<number, string[]>): void {
        helper.getNode('out').on('input', (m: Msg) => {
          sinks.add('message on out', m);
          if (typeof m.canaryRun === 'number') record.set(m.canaryRun, [...(record.get(m.canaryRun) ?? []), 'out']);
        });
        helper.getNode('errors').on('input', (m: Msg) => {
          // A caught msg keeps the payload the user sent: its own secrets may stay there, nothing else.
          const { payload, ...rest } = m;
          sinks.add('caught msg (without its payload)', rest);
          sinks.add('caught msg payload', payload, ck.payloadSecrets);
          if (typeof m.canaryRun === 'number')
            record.set(m.canaryRun, [...(record.get(m.canaryRun) ?? []), `error:${m.error?.code}`]);
        });
      }

      function outcomeOf(id: string, msg: Msg, record: Map<number, string[]>, n: number): Promise<boolean> {
        helper.getNode(id).receive({ ...msg, canaryRun: n });
        return eventually(() => record.has(n), 8000);
      }

      it('action nodes: success, wrong secret, vendor echo, every fault, bad input, no config', async () => {
        const { nodes, creds } = configNodes();
        const actions: Msg[] = [];
        let actionCreds: Msg = {};
        CASES.forEach((c, i) => {
          const own = ck.actionNode(c.type, values);
          for (const id of [...CONFIGS.map((cfg) => `a${i}_${cfg.id}`), `a${i}_none`]) {
            const cfg = id.endsWith('_none') ? '' : id.slice(id.indexOf('_') + 1);
            actions.push(c.node({ id, [kit.configProp]: cfg, ...own.extra }));
            if (own.credentials) actionCreds = { ...actionCreds, [id]: own.credentials };
          }
        });
        await helper.load(ALL_NODES, tab([...nodes, ...actions]), { ...creds, ...actionCreds });
        const record = new Map<number, string[]>();
        listen(record);
        const rand = mulberry32(0xa6012a);
        let n = 0;
        const expectations: Array<[number, string, boolean]> = [];
        for (const [i, c] of CASES.entries()) {
          emu.reset();
          for (const cfg of CONFIGS.filter((x) => x.ok !== undefined)) {
            const run = n++;
            (await outcomeOf(`a${i}_${cfg.id}`, ck.validMsg(c, emu, values), record, run)).should.be.true(
              `${c.name} via ${cfg.id} ended`,
            );
            expectations.push([run, `${c.name} via ${cfg.id}`, cfg.ok as boolean]);
          }
          for (const kind of FAULT_KINDS) {
            emu.faults.next(kind, 1);
            const run = n++;
            (await outcomeOf(`a${i}_cfgFaults`, ck.validMsg(c, emu, values), record, run)).should.be.true(
              `${c.name} with ${kind} ended`,
            );
            emu.faults.clear();
          }
          for (let k = 0; k < 5; k++) {
            const run = n++;
            (await outcomeOf(`a${i}_cfgOk`, c.invalidMsg(rand), record, run)).should.be.true(
              `${c.name} with bad input ended`,
            );
            expectations.push([run, `${c.name} with bad input`, false]);
          }
          const run = n++;
          (await outcomeOf(`a${i}_none`, ck.validMsg(c, emu, values), record, run)).should.be.true();
          expectations.push([run, `${c.name} without config`, false]);
        }
        await sleep(300);
        collectSpies(sinks, kit.vendor, ck.payloadSecrets);
        for (const [run, what, ok] of expectations) {
          const first = record.get(run)?.[0] ?? 'nothing';
          (ok ? first === 'out' : first.startsWith('error:')).should.be.true(`${what}: ${first}`);
        }
        for (const [run, list] of record) list.length.should.equal(1, `run ${run}: ${list.join(', ')}`);
        gateway.requests.length.should.be.above(0, 'the echoing gateway was asked');
        console.log(
          `      ${n} msgs, ${sinks.count} captured items, ${gateway.requests.length} requests to the echoing gateway`,
        );
        should(sinks.leaks()).eql([]);
      });

      it(`admin endpoint POST /${kit.configType}/test answers without secrets, and never sends stored ones elsewhere`, async () => {
        const { nodes, creds } = configNodes();
        await helper.load(ALL_NODES, tab(nodes), creds);
        const before = gateway.requests.length;
        const answers: Msg[] = [];
        for (const [what, body] of ck.testBodies('cfgOk', 'cfgEnv', emu.url, gateway.url)) {
          const res = await helper.request().post(`/${kit.configType}/test`).send(body);
          answers.push(res.body);
          sinks.add(`admin answer (${what})`, { status: res.status, body: res.text });
        }
        // The first body (stored secrets, deployed endpoint) connects: the route really ran.
        should(answers[0]?.ok).equal(true, JSON.stringify(answers[0]));
        // Stored customer IDs may go with a typed secret: the editor shows them anyway.
        gateway.requests
          .slice(before)
          .forEach((r, i) =>
            sinks.add(`request ${i} the admin endpoint sent to a non-deployed endpoint`, r, Object.keys(IDS)),
          );
        collectSpies(sinks, 'admin');
        should(sinks.leaks(SECRETS)).eql([]);
      });
    });

    describe('a real Node-RED (GET /flows, admin API, log lines, files)', () => {
      let red: NodeRedProcess;
      const sinks = new Sinks(ALL, CUT_OFF);

      before(async function () {
        this.timeout(60000);
        red = await startNodeRedInstance({ install: 'link', env: { [ck.envName]: values.secrets.envSecret } });
      });
      after(async () => {
        await red?.stop();
      });

      it('keeps every canary out of the flow export, admin answers, log lines and user-directory files', async () => {
        emu.reset();
        const cfgs: Msg[] = CONFIGS.filter((c) => c.ok !== undefined).map((c) => ({
          ...kit.configNode(urlOf(c), { maxRetries: 0 }, c.id),
          credentials: ck.credentials(values, c.account, c.id)[c.id],
        }));
        const flows: Msg[] = [
          { id: 'tab', type: 'tab', label: 'canary' },
          ...cfgs,
          // Logs every whole msg, as a user debugging a flow would: outputs and what Catch sees.
          {
            id: 'dbg',
            type: 'debug',
            z: 'tab',
            active: true,
            tosidebar: false,
            console: true,
            complete: 'true',
            x: 500,
            y: 40,
            wires: [],
          },
          { id: 'catch', type: 'catch', z: 'tab', scope: null, uncaught: false, x: 100, y: 40, wires: [['dbg']] },
        ];
        let y = 100;
        for (const cfg of cfgs) {
          for (const [i, c] of CASES.entries()) {
            const id = `a${i}_${cfg.id}`;
            const own = ck.actionNode(c.type, values);
            // The msg-borne secrets are covered in-process: an inject node would put them in the flow itself.
            const msg = c.validMsg(emu);
            const props: Msg[] = [{ p: 'payload' }];
            if (msg.taskId !== undefined) props.push({ p: 'taskId', v: String(msg.taskId), vt: 'str' });
            if (msg.agora !== undefined) props.push({ p: 'agora', v: JSON.stringify(msg.agora), vt: 'json' });
            flows.push({
              id: `inj_${id}`,
              type: 'inject',
              z: 'tab',
              x: 100,
              y,
              props,
              payload: JSON.stringify(msg.payload ?? {}),
              payloadType: 'json',
              wires: [[id]],
            });
            flows.push({
              ...c.node({ id, [kit.configProp]: cfg.id, ...own.extra }),
              z: 'tab',
              x: 300,
              y,
              wires: [['dbg']],
              ...(own.credentials ? { credentials: own.credentials } : {}),
            });
            y += 40;
          }
        }
        await red.deploy(flows);
        for (const node of flows.filter((x) => x.type === 'inject')) await red.inject(node.id);
        const succeeded = (): number => emu.requests.filter((r) => r.status === 200).length;
        // cfgOk and cfgEnv run every case successfully.
        (await eventually(() => succeeded() >= 2 * CASES.length, 10000)).should.be.true(
          `${succeeded()} successful requests: ${JSON.stringify(emu.requests.map((r) => `${r.action}:${r.status}`))}`,
        );
        await sleep(500);

        sinks.add('GET /flows', await red.getFlowsText());
        for (const id of cfgs.map((c) => c.id)) {
          const res = await red.admin.get(`/credentials/${kit.configType}/${id}`);
          // The editor is shown text credentials (the customer ID) by design, never passwords.
          sinks.add(
            `GET /credentials/${kit.configType}/${id}`,
            { status: res.status, data: res.data },
            Object.keys(IDS),
          );
        }
        for (const node of flows.filter((x) => x.credentials && !x.type.endsWith('-config'))) {
          const res = await red.admin.get(`/credentials/${node.type}/${node.id}`);
          sinks.add(`GET /credentials/${node.type}/${node.id}`, { status: res.status, data: res.data });
        }
        for (const url of ['/nodes', '/settings', '/flows/state', '/diagnostics']) {
          const res = await red.admin.get(url, {
            headers: { Accept: 'application/json' },
            responseType: 'text',
            transformResponse: [(d: unknown) => d],
          });
          sinks.add(`GET ${url}`, { status: res.status, data: res.data });
        }
        const gatewayBefore = gateway.requests.length;
        const answers: Msg[] = [];
        for (const [what, body] of ck.testBodies('cfgOk', 'cfgEnv', emu.url, gateway.url)) {
          const res = await red.admin.post(`/${kit.configType}/test`, body);
          answers.push(res.data);
          sinks.add(`POST /${kit.configType}/test (${what})`, { status: res.status, data: res.data });
        }
        should(answers[0]?.ok).equal(true, JSON.stringify(answers[0]));
        gateway.requests
          .slice(gatewayBefore)
          .forEach((r, i) =>
            sinks.add(`request ${i} the admin endpoint sent to a non-deployed endpoint`, r, Object.keys(IDS)),
          );
        sinks.add('Node-RED output', red.output());
        for (const file of filesUnder(red.userDir.dir))
          sinks.add(`file ${path.relative(red.userDir.dir, file)}`, fs.readFileSync(file, 'latin1'));
        // The credentials file exists and is encrypted (a leak search alone would pass an empty one).
        const credFile = fs.readFileSync(path.join(red.userDir.dir, 'flows_cred.json'), 'utf8');
        credFile.should.match(/"\$"\s*:/);

        should(sinks.leaks()).eql([]);
        console.log(
          `      ${flows.length} nodes deployed, ${red.lines.length} log lines and ${sinks.count} admin answers/files checked`,
        );
      });
    });
  });
}
