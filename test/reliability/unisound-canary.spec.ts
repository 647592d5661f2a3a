/**
 * Canary test for the Unisound nodes (the shared canary.spec.ts is bound to the Alibaba kit):
 * every API key gets a unique value; every Unisound action case runs through success, a wrong
 * key, a gateway that quotes the Authorization header back, every fault, bad input and no
 * config, and "Test connection" is called every way the editor can; none of the keys may then
 * appear in an emitted message, node status, log call, console line, Catch msg, admin answer
 * or a request to an endpoint other than the deployed one.
 */
import crypto from 'crypto';
import http from 'http';
import util from 'util';
import { AddressInfo } from 'net';
import should from 'should';
import { FAULT_KINDS } from '../emulator/faults';
import { ALL_NODES, helper, tab } from '../nodes/harness';
import { ACTION_CASES, EmulatorLike, eventually, harnessSpies, Msg, mulberry32, sleep, UNISOUND } from './kit';

const canary = (label: string): string => `Cnry${label}${crypto.randomBytes(6).toString('hex')}`;
const KEYS = {
  apiKey: canary('ApiKey'),
  envKey: canary('EnvKey'),
  wrongKey: canary('WrongKey'),
  typedKey: canary('TypedKey'),
};
const ENV_NAME = 'SPEECH_PIPELINES_UNISOUND_CANARY_KEY';
const CASES = ACTION_CASES.filter((c) => c.kit === UNISOUND);

class Sinks {
  readonly items: Array<{ where: string; text: string }> = [];
  add(where: string, value: unknown): void {
    let json: string;
    try {
      json = JSON.stringify(value, (_k, x) => (typeof x === 'bigint' ? String(x) : x));
    } catch {
      json = '';
    }
    this.items.push({
      where,
      text: `${json}\n${util.inspect(value, { depth: 12, showHidden: true, maxStringLength: Infinity, breakLength: Infinity })}`,
    });
  }
  leaks(): string[] {
    const found = new Set<string>();
    for (const { where, text } of this.items) {
      for (const [name, value] of Object.entries(KEYS)) if (text.includes(value)) found.add(`${name} in ${where}`);
    }
    return [...found];
  }
}

/** A gateway that answers 401 quoting the Authorization header it got, as some proxies do. */
async function startEchoGateway(): Promise<{
  url: string;
  requests: Array<{ url: string; auth: string }>;
  close(): Promise<void>;
}> {
  const requests: Array<{ url: string; auth: string }> = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const auth = String(req.headers.authorization ?? '');
      requests.push({ url: req.url ?? '', auth });
      const body = JSON.stringify({ base_resp: { status_code: 100103, status_msg: `invalid api key: ${auth}` } });
      res.writeHead(401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
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

describe('security: Unisound API keys never leak (canary)', function () {
  this.timeout(60000);
  let emu: EmulatorLike;
  let gateway: Awaited<ReturnType<typeof startEchoGateway>>;
  let sinks: Sinks;
  let restoreConsole: () => void;

  const CONFIGS = [
    { id: 'cfgOk', gateway: false, key: KEYS.apiKey, ok: true, opts: {} },
    { id: 'cfgEnv', gateway: false, key: `\${${ENV_NAME}}`, ok: true, opts: {} },
    { id: 'cfgWrong', gateway: false, key: KEYS.wrongKey, ok: false, opts: {} },
    { id: 'cfgGateway', gateway: true, key: KEYS.apiKey, ok: false, opts: {} },
    { id: 'cfgFaults', gateway: false, key: KEYS.apiKey, ok: true, opts: { timeoutS: 0.3, maxRetries: 0 } },
  ];

  before(async () => {
    process.env[ENV_NAME] = KEYS.envKey;
    emu = await UNISOUND.startEmulator({
      accounts: [
        { keyId: 'canary-ok', secret: KEYS.apiKey },
        { keyId: 'canary-env', secret: KEYS.envKey },
      ],
    });
    (emu.faults as { slowMs: number }).slowMs = 600;
    gateway = await startEchoGateway();
  });
  after(async () => {
    delete process.env[ENV_NAME];
    await emu.close();
    await gateway.close();
  });
  beforeEach(async () => {
    sinks = new Sinks();
    const streams = [process.stdout, process.stderr];
    const originals = streams.map((s) => s.write.bind(s));
    streams.forEach((s, i) => {
      (s as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
        sinks.add(`console ${i}`, String(chunk));
        return (originals[i] as (...a: unknown[]) => boolean)(chunk, ...rest);
      };
    });
    restoreConsole = () => streams.forEach((s, i) => ((s as { write: unknown }).write = originals[i]));
    await helper.startServer();
  });
  afterEach(async () => {
    restoreConsole();
    await helper.unload();
    await helper.stopServer();
  });

  function configs(): { nodes: Msg[]; creds: Msg } {
    const nodes: Msg[] = [];
    let creds: Msg = {};
    for (const c of CONFIGS) {
      nodes.push(
        UNISOUND.configNode(c.gateway ? gateway.url : emu.url, { timeoutS: 2, maxRetries: 1, ...c.opts }, c.id),
      );
      creds = { ...creds, ...UNISOUND.credentials({ keyId: c.id, secret: c.key }, c.id) };
    }
    return { nodes, creds };
  }

  function collectSpies(label: string): void {
    for (const spy of harnessSpies()) for (const args of spy.args) sinks.add(`${label} spy call`, args);
  }

  it('action nodes: success, wrong key, echoing gateway, every fault, bad input, no config', async () => {
    const { nodes, creds } = configs();
    const actions: Msg[] = [];
    CASES.forEach((c, i) => {
      for (const cfg of CONFIGS) actions.push(c.node({ id: `a${i}_${cfg.id}`, unisound: cfg.id }));
      actions.push(c.node({ id: `a${i}_none`, unisound: '' }));
    });
    await helper.load(ALL_NODES, tab([...nodes, ...actions]), creds);
    const record = new Map<number, string[]>();
    for (const id of ['out', 'errors']) {
      helper.getNode(id).on('input', (m: Msg) => {
        sinks.add(`message on ${id}`, m);
        if (typeof m.canaryRun === 'number')
          record.set(m.canaryRun, [
            ...(record.get(m.canaryRun) ?? []),
            id === 'errors' ? `error:${m.error?.code}` : 'out',
          ]);
      });
    }
    let n = 0;
    const run = async (node: string, msg: Msg): Promise<number> => {
      const k = n++;
      helper.getNode(node).receive({ ...msg, canaryRun: k });
      (await eventually(() => record.has(k), 8000)).should.be.true(`${node} ended`);
      return k;
    };
    const expectations: Array<[number, string, boolean]> = [];
    const rand = mulberry32(0xc0ffee);
    for (const [i, c] of CASES.entries()) {
      emu.reset();
      for (const cfg of CONFIGS.filter((x) => x.id !== 'cfgFaults')) {
        const keyId = cfg.id === 'cfgEnv' ? 'canary-env' : 'canary-ok';
        expectations.push([await run(`a${i}_${cfg.id}`, c.validMsg(emu, keyId)), `${c.name} via ${cfg.id}`, cfg.ok]);
      }
      for (const kind of FAULT_KINDS) {
        emu.faults.next(kind, 1);
        await run(`a${i}_cfgFaults`, c.validMsg(emu, 'canary-ok'));
        emu.faults.clear();
      }
      for (let k = 0; k < 5; k++)
        expectations.push([await run(`a${i}_cfgOk`, c.invalidMsg(rand)), `${c.name} with bad input`, false]);
      expectations.push([await run(`a${i}_none`, c.validMsg(emu, 'canary-ok')), `${c.name} without config`, false]);
    }
    await sleep(300);
    collectSpies('action');
    for (const [k, what, ok] of expectations) {
      const first = record.get(k)?.[0] ?? 'nothing';
      (ok ? first === 'out' : first.startsWith('error:')).should.be.true(`${what}: ${first}`);
    }
    for (const [k, list] of record) list.length.should.equal(1, `run ${k}: ${list.join(', ')}`);
    // The gateway really did quote the key back: the check above is not vacuous.
    gateway.requests.some((r) => r.auth.includes(KEYS.apiKey)).should.be.true();
    should(sinks.leaks()).eql([]);
  });

  it('POST /unisound-config/test answers without keys, and never sends a stored key elsewhere', async () => {
    const { nodes, creds } = configs();
    await helper.load(ALL_NODES, tab(nodes), creds);
    const before = gateway.requests.length;
    const bodies: Array<[string, Msg]> = [
      ['stored key, deployed endpoint', { id: 'cfgOk', apiKey: '__PWRD__', endpoint: emu.url }],
      ['stored key, endpoint omitted', { id: 'cfgOk', apiKey: '__PWRD__' }],
      ['env key', { id: 'cfgEnv', apiKey: '__PWRD__', endpoint: emu.url }],
      ['typed wrong key', { id: 'cfgOk', apiKey: KEYS.wrongKey, endpoint: emu.url }],
      ['stored key, other endpoint', { id: 'cfgOk', apiKey: '__PWRD__', endpoint: gateway.url }],
      [
        'stored key through the echoing gateway it was deployed with',
        { id: 'cfgGateway', apiKey: '__PWRD__', endpoint: gateway.url },
      ],
      ['no such node', { id: 'nope', apiKey: '__PWRD__', endpoint: gateway.url }],
    ];
    for (const [what, body] of bodies) {
      const res = await helper.request().post('/unisound-config/test').send(body);
      sinks.add(`admin answer (${what})`, { status: res.status, body: res.text });
    }
    const sent = gateway.requests.slice(before);
    // Only the node deployed with the gateway may send its key there.
    sent.length.should.equal(1);
    sent.forEach((r, i) => {
      if (!r.auth.includes(KEYS.apiKey)) sinks.add(`request ${i} to a non-deployed endpoint`, r);
    });
    collectSpies('admin');
    should(sinks.leaks()).eql([]);
  });
});
