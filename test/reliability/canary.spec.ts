/**
 * Canary test: every secret gets a unique value; every node runs through success
 * and every error path; none of the values may then appear in an emitted message,
 * node status, log call, console line, error (as a Catch node sees it), admin
 * response, `GET /flows` export, user-directory file, or a request to an endpoint
 * other than the deployed one.
 *
 * The canaries are alphanumeric, so percent-encoding (query strings, the V2
 * string-to-sign) cannot disguise them.
 */
import crypto from 'crypto';
import fs from 'fs';
import http from 'http';
import path from 'path';
import { AddressInfo } from 'net';
import should from 'should';
import { FAULT_KINDS } from '../emulator/faults';
import { ALL_NODES, helper, tab } from '../nodes/harness';
import { post, sign } from '../nodes/callback-client';
import { NodeRedProcess, startNodeRedInstance } from '../e2e/node-red-process';
import {
  ACTION_CASES,
  ALIYUN,
  CALLBACK_CASES,
  canaryValue,
  captureConsole,
  collectSpies,
  EmulatorLike,
  eventually,
  filesUnder,
  Msg,
  mulberry32,
  Sinks,
  sleep,
  VendorKit,
} from './kit';

const canary = canaryValue;

/** Secret values: they may appear nowhere but in requests to the deployed endpoint. */
const SECRETS = {
  accessKeySecret: canary('Secret'),
  securityToken: canary('StsToken'),
  authKey: canary('AuthKey'),
  wrongSecret: canary('WrongSecret'),
  wrongToken: canary('WrongToken'),
  envSecret: canary('EnvSecret'),
};
/** Identifiers: not secret, but kept out of messages, logs and errors all the same (the admin API may show them to the editor). */
const IDS = {
  accessKeyId: `LTAI${canary('KeyId')}`,
  envAccessKeyId: `LTAI${canary('EnvKeyId')}`,
};
const ALL = { ...SECRETS, ...IDS };
const ENV_NAME = 'SPEECH_PIPELINES_CANARY_SECRET';

// ---------------------------------------------------------------------------
// A gateway that answers like live.aliyuncs.com does to a wrong signature
// ---------------------------------------------------------------------------

interface Gateway {
  url: string;
  requests: Array<{ url: string; headers: http.IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

const pe = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Alibaba's POP gateway answers a signature mismatch with the string it signed:
 * "Specified signature is not matched with our calculation. server string to sign
 * is:POST&%2F&AccessKeyId%3D…%26SecurityToken%3D…" (V2), which holds every query
 * parameter, the STS token included.
 */
async function startGateway(): Promise<Gateway> {
  const requests: Gateway['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      const query = (req.url ?? '').split('?')[1] ?? '';
      const params = Object.fromEntries(
        query
          .split('&')
          .filter(Boolean)
          .map((kv) => kv.split('=').map((x) => decodeURIComponent(x))),
      );
      delete params.Signature;
      const canonical = Object.keys(params)
        .sort()
        .map((k) => `${pe(k)}=${pe(params[k] ?? '')}`)
        .join('&');
      const stringToSign = req.headers.authorization
        ? `ACS3-HMAC-SHA256\n${crypto.createHash('sha256').update(`${req.method}\n/\n${canonical}`).digest('hex')}`
        : `${req.method}&%2F&${pe(canonical)}`;
      const requestId = crypto.randomUUID().toUpperCase();
      const body = JSON.stringify({
        RequestId: requestId,
        Message: `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
        Recommend: `https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch&product=live&requestId=${requestId}`,
        HostId: 'live.aliyuncs.com',
        Code: 'SignatureDoesNotMatch',
      });
      res.writeHead(400, {
        'content-type': 'application/json;charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
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

// ---------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------

interface ConfigSpec {
  id: string;
  url: 'emulator' | 'gateway';
  creds: { keyId: string; secret: string; token?: string };
  opts?: { timeoutS?: number; maxRetries?: number };
  /** Whether a valid msg through it succeeds. */
  ok: boolean;
}

const CONFIGS: ConfigSpec[] = [
  {
    id: 'cfgOk',
    url: 'emulator',
    creds: { keyId: IDS.accessKeyId, secret: SECRETS.accessKeySecret, token: SECRETS.securityToken },
    ok: true,
  },
  { id: 'cfgEnv', url: 'emulator', creds: { keyId: IDS.envAccessKeyId, secret: `\${${ENV_NAME}}` }, ok: true },
  {
    id: 'cfgWrongSecret',
    url: 'emulator',
    creds: { keyId: IDS.accessKeyId, secret: SECRETS.wrongSecret, token: SECRETS.securityToken },
    ok: false,
  },
  {
    id: 'cfgWrongToken',
    url: 'emulator',
    creds: { keyId: IDS.accessKeyId, secret: SECRETS.accessKeySecret, token: SECRETS.wrongToken },
    ok: false,
  },
  {
    id: 'cfgGateway',
    url: 'gateway',
    creds: { keyId: IDS.accessKeyId, secret: SECRETS.accessKeySecret, token: SECRETS.securityToken },
    ok: false,
  },
  {
    id: 'cfgFaults',
    url: 'emulator',
    creds: { keyId: IDS.accessKeyId, secret: SECRETS.accessKeySecret, token: SECRETS.securityToken },
    opts: { timeoutS: 0.3, maxRetries: 0 },
    ok: true,
  },
];

// Alibaba's secrets and config shape; other vendors have their own canary specs (canary-vendors, unisound-canary).
const CASES = ACTION_CASES.filter((c) => c.kit === ALIYUN && !c.skip?.includes('canary'));

describe('security: canary secrets never leak', function () {
  this.timeout(60000);
  let emu: EmulatorLike;
  let gateway: Gateway;
  const kit: VendorKit = ALIYUN;

  before(async () => {
    process.env[ENV_NAME] = SECRETS.envSecret;
    emu = await kit.startEmulator({
      accounts: [
        { keyId: IDS.accessKeyId, secret: SECRETS.accessKeySecret, token: SECRETS.securityToken },
        { keyId: IDS.envAccessKeyId, secret: SECRETS.envSecret },
      ],
    });
    (emu.faults as { slowMs: number }).slowMs = 600;
    gateway = await startGateway();
  });
  after(async () => {
    delete process.env[ENV_NAME];
    await emu.close();
    await gateway.close();
  });

  describe('in-process (node-red-node-test-helper)', () => {
    let sinks: Sinks;
    let restoreConsole: () => void;
    let RED: any;
    beforeEach(async () => {
      sinks = new Sinks(ALL);
      restoreConsole = captureConsole(sinks);
      await helper.startServer();
    });
    afterEach(async () => {
      restoreConsole();
      await helper.unload();
      await helper.stopServer();
    });

    function configNodes(wire: Msg): { nodes: Msg[]; creds: Msg } {
      const nodes: Msg[] = [];
      let creds: Msg = {};
      for (const c of CONFIGS) {
        nodes.push(
          kit.configNode(
            c.url === 'gateway' ? gateway.url : emu.url,
            { timeoutS: 2, maxRetries: 1, ...c.opts, extra: wire },
            c.id,
          ),
        );
        creds = { ...creds, ...kit.credentials(c.creds, c.id) };
      }
      return { nodes, creds };
    }

    /** Sends `msg` to `id` and resolves when it has an outcome (output or error), recording both. */
    function outcomeOf(id: string, msg: Msg, record: Map<number, string[]>, n: number): Promise<boolean> {
      helper.getNode(id).receive({ ...msg, canaryRun: n });
      return eventually(() => record.has(n), 8000);
    }

    function listen(record: Map<number, string[]>): void {
      for (const id of ['out', 'out2', 'errors']) {
        helper.getNode(id).on('input', (m: Msg) => {
          sinks.add(`message on ${id}`, m);
          if (typeof m.canaryRun === 'number')
            record.set(m.canaryRun, [
              ...(record.get(m.canaryRun) ?? []),
              id === 'errors' ? `error:${m.error?.code}` : 'out',
            ]);
        });
      }
    }

    for (const wire of kit.wireVariants) {
      it(`action nodes (${wire.name}): success, wrong secret, wrong token, vendor echo, every fault, bad input, no config`, async () => {
        const { nodes, creds } = configNodes(wire.extra);
        const actions: Msg[] = [];
        CASES.forEach((c, i) => {
          for (const cfg of CONFIGS) actions.push(c.node({ id: `a${i}_${cfg.id}`, [kit.configProp]: cfg.id }));
          actions.push(c.node({ id: `a${i}_none`, [kit.configProp]: '' }));
        });
        await helper.load(ALL_NODES, tab([...nodes, ...actions]), creds);
        const record = new Map<number, string[]>();
        listen(record);
        const rand = mulberry32(0xc0ffee);
        let n = 0;
        const expectations: Array<[number, string, boolean]> = [];
        for (const [i, c] of CASES.entries()) {
          emu.reset();
          for (const cfg of CONFIGS.filter((x) => x.id !== 'cfgFaults')) {
            const run = n++;
            (await outcomeOf(`a${i}_${cfg.id}`, c.validMsg(emu, cfg.creds.keyId), record, run)).should.be.true(
              `${c.name} via ${cfg.id} ended`,
            );
            expectations.push([run, `${c.name} via ${cfg.id}`, cfg.ok]);
          }
          for (const kind of FAULT_KINDS) {
            emu.faults.next(kind, 1);
            const run = n++;
            (await outcomeOf(`a${i}_cfgFaults`, c.validMsg(emu, IDS.accessKeyId), record, run)).should.be.true(
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
          (await outcomeOf(`a${i}_none`, c.validMsg(emu, IDS.accessKeyId), record, run)).should.be.true();
          expectations.push([run, `${c.name} without config`, false]);
        }
        await sleep(300);
        collectSpies(sinks, wire.name);
        for (const [run, what, ok] of expectations) {
          const first = record.get(run)?.[0] ?? 'nothing';
          (ok ? first === 'out' : first.startsWith('error:')).should.be.true(`${what}: ${first}`);
        }
        for (const [run, list] of record) list.length.should.equal(1, `run ${run}: ${list.join(', ')}`);
        console.log(
          `      ${n} msgs, ${sinks.count} captured items, ${gateway.requests.length} requests to the echoing gateway`,
        );
        should(sinks.leaks()).eql([]);
      });
    }

    it('callback node: accepted, duplicate and every kind of rejected request, with the audit output on', async () => {
      const c = CALLBACK_CASES[0];
      const PATH = '/canary/cb';
      const CALLBACK_URL = `https://hooks.example.com${PATH}`;
      const [cfg, cb] = c.nodes(PATH, CALLBACK_URL, [['out'], ['out2']]);
      const create = { ...CASES[0].node({ id: 'create', [kit.configProp]: 'cfgOk' }), callback: cfg.id };
      await helper.load(
        [
          (r: any) => {
            RED = r;
          },
          ...ALL_NODES,
        ],
        tab([
          cfg,
          { ...cb, auditOutput: true, outputs: 2, maxBodyKb: 1 },
          kit.configNode(emu.url, {}, 'cfgOk'),
          create,
        ]),
        {
          ...c.credentials(SECRETS.authKey),
          ...kit.credentials(
            { keyId: IDS.accessKeyId, secret: SECRETS.accessKeySecret, token: SECRETS.securityToken },
            'cfgOk',
          ),
        },
      );
      const record = new Map<number, string[]>();
      listen(record);
      const server = http.createServer(RED.httpNode);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const next = c.requests(CALLBACK_URL, SECRETS.authKey);
        const good = next();
        const now = String(Math.floor(Date.now() / 1000));
        const stale = String(Math.floor(Date.now() / 1000) - 3600);
        const cases: Array<[string, string, Record<string, string>, string?]> = [
          ['accepted', good.body, good.headers],
          ['duplicate', good.body, good.headers],
          ['unsigned', next().body, { 'content-type': 'application/json' }],
          ['forged', c.forged(CALLBACK_URL).body, c.forged(CALLBACK_URL).headers],
          [
            'signed for another URL',
            next().body,
            {
              'content-type': 'application/json',
              'sig-time': now,
              'asr-sig': sign(now, `http://127.0.0.1${PATH}`, SECRETS.authKey),
            },
          ],
          [
            'stale',
            next().body,
            {
              'content-type': 'application/json',
              'sig-time': stale,
              'asr-sig': sign(stale, CALLBACK_URL, SECRETS.authKey),
            },
          ],
          ['too large', 'x'.repeat(4096), next().headers],
          ['not JSON', '{"task_id": ', next().headers],
          ['GET', '', next().headers, 'GET'],
        ];
        for (const [what, body, headers, method] of cases) {
          const reply = await post(base, PATH, body, headers, method);
          sinks.add(`HTTP reply to a ${what} callback`, reply);
        }
        // The create node sends the AuthKey to the (deployed) vendor endpoint: that is its job.
        (await outcomeOf('create', CASES[0].validMsg(emu), record, 1)).should.be.true();
        await sleep(1200); // past the callback node's 1 s status update
      } finally {
        await new Promise((r) => server.close(r));
      }
      collectSpies(sinks, 'callback');
      should(sinks.leaks()).eql([]);
    });

    it('admin endpoint POST /aliyun-live-config/test answers without secrets, and never sends stored ones elsewhere', async () => {
      const { nodes, creds } = configNodes({});
      await helper.load(ALL_NODES, tab(nodes), creds);
      const bodies: Array<[string, Msg]> = [
        [
          'stored secret, deployed endpoint',
          { id: 'cfgOk', accessKeySecret: '__PWRD__', securityToken: '__PWRD__', endpoint: emu.url },
        ],
        ['stored secret, endpoint omitted', { id: 'cfgOk', accessKeySecret: '__PWRD__' }],
        [
          'typed wrong secret',
          { id: 'cfgOk', accessKeyId: IDS.accessKeyId, accessKeySecret: SECRETS.wrongSecret, endpoint: emu.url },
        ],
        [
          'stored secret, other endpoint',
          { id: 'cfgOk', accessKeySecret: '__PWRD__', endpoint: gateway.url, signatureVersion: 'v2' },
        ],
        [
          'typed secret, other endpoint (stored id and token)',
          { id: 'cfgOk', accessKeySecret: 'typed-by-the-editor', endpoint: gateway.url, signatureVersion: 'v2' },
        ],
        ['env secret', { id: 'cfgEnv', accessKeySecret: '__PWRD__', endpoint: emu.url }],
        ['no such node', { id: 'nope', accessKeySecret: '__PWRD__', endpoint: gateway.url }],
      ];
      const before = gateway.requests.length;
      for (const [what, body] of bodies) {
        const res = await helper.request().post('/aliyun-live-config/test').send(body);
        sinks.add(`admin answer (${what})`, { status: res.status, body: res.text });
      }
      gateway.requests
        .slice(before)
        .forEach((r, i) => sinks.add(`request ${i} the admin endpoint sent to a non-deployed endpoint`, r));
      collectSpies(sinks, 'admin');
      should(sinks.leaks(SECRETS)).eql([]);
    });
  });

  describe('a real Node-RED (GET /flows, admin API, log lines, files)', () => {
    let red: NodeRedProcess;
    const sinks = new Sinks(ALL);

    before(async function () {
      this.timeout(60000);
      red = await startNodeRedInstance({ install: 'link', env: { [ENV_NAME]: SECRETS.envSecret } });
    });
    after(async () => {
      await red?.stop();
    });

    it('keeps every canary out of the flow export, admin answers, log lines and user-directory files', async () => {
      const c = CALLBACK_CASES[0];
      const PATH = '/canary/real';
      const CALLBACK_URL = `https://hooks.example.com${PATH}`;
      const withCreds = (node: Msg, creds: Msg): Msg => ({ ...node, credentials: creds[node.id] });
      const cfgs = CONFIGS.filter((x) => ['cfgOk', 'cfgWrongSecret', 'cfgGateway', 'cfgEnv'].includes(x.id)).map((x) =>
        withCreds(
          kit.configNode(
            x.url === 'gateway' ? gateway.url : emu.url,
            { maxRetries: 0, extra: { signatureVersion: 'v2' } },
            x.id,
          ),
          kit.credentials(x.creds, x.id),
        ),
      );
      const flows: Msg[] = [
        { id: 'tab', type: 'tab', label: 'canary' },
        ...cfgs,
        ...c
          .deployable(PATH, CALLBACK_URL, SECRETS.authKey, [['dbg']])
          .map((n) => (n.type.endsWith('-config') ? n : { ...n, z: 'tab', x: 300, y: 40 })),
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
        for (const [i, a] of CASES.entries()) {
          const id = `${a.type.replace(/\W/g, '')}${i}_${cfg.id}`;
          const msg = a.type.endsWith('create')
            ? { payload: {} }
            : { taskId: 'asr-00000000-0000-4000-8000-000000000000' };
          flows.push({
            id: `inj_${id}`,
            type: 'inject',
            z: 'tab',
            x: 100,
            y,
            props: [{ p: 'payload' }, { p: 'taskId', v: msg.taskId ?? '', vt: 'str' }],
            payload: '{}',
            payloadType: 'json',
            wires: [[id]],
          });
          flows.push({ ...a.node({ id, [kit.configProp]: cfg.id }), z: 'tab', x: 300, y, wires: [['dbg']] });
          y += 40;
        }
      }
      await red.deploy(flows);
      for (const n of flows.filter((x) => x.type === 'inject')) await red.inject(n.id);
      const next = c.requests(CALLBACK_URL, SECRETS.authKey);
      const good = next();
      await post(red.url, PATH, good.body, good.headers);
      await post(red.url, PATH, next().body, c.forged(CALLBACK_URL).headers);
      await post(red.url, PATH, 'x', next().headers);
      await sleep(1500);

      sinks.add('GET /flows', await red.getFlowsText());
      for (const [type, id] of [
        [kit.configType, 'cfgOk'],
        [kit.configType, 'cfgGateway'],
        [kit.configType, 'cfgEnv'],
        ['aliyun-live-callback-config', 'cbcfg'],
      ]) {
        const res = await red.admin.get(`/credentials/${type}/${id}`);
        // The editor is shown text credentials (the AccessKey ID) by design, never passwords.
        sinks.add(`GET /credentials/${type}/${id}`, { status: res.status, data: res.data }, Object.keys(IDS));
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
      for (const body of [
        { id: 'cfgOk', accessKeySecret: '__PWRD__', endpoint: emu.url },
        { id: 'cfgOk', accessKeySecret: '__PWRD__' },
        { id: 'cfgEnv', accessKeySecret: '__PWRD__', endpoint: emu.url },
        { id: 'cfgOk', accessKeySecret: '__PWRD__', endpoint: gateway.url },
        // The editor typed a secret and a new endpoint: the stored ID and STS token must not go there.
        { id: 'cfgOk', accessKeySecret: 'typed-in-the-editor', endpoint: gateway.url, signatureVersion: 'v2' },
      ]) {
        const res = await red.admin.post(`/${kit.configType}/test`, body);
        sinks.add(`POST /${kit.configType}/test ${JSON.stringify(body)}`, { status: res.status, data: res.data });
      }
      gateway.requests
        .slice(gatewayBefore)
        .forEach((r, i) =>
          sinks.add(`request ${i} the admin endpoint sent to a non-deployed endpoint`, r, Object.keys(IDS)),
        );
      sinks.add('Node-RED output', red.output());
      for (const file of filesUnder(red.userDir.dir))
        sinks.add(`file ${path.relative(red.userDir.dir, file)}`, fs.readFileSync(file, 'latin1'));

      should(sinks.leaks()).eql([]);
      console.log(
        `      ${flows.length} nodes deployed, ${red.lines.length} log lines and ${sinks.count} admin answers/files checked`,
      );
    });
  });
});
