/**
 * Every config node's Test route: a typed value is sent exactly as typed (a typed "${VAR}" is
 * never read from the runtime's environment), `${VAR}` resolves only for the stored credential
 * of a saved node, and a stored credential never goes to an endpoint other than the saved one.
 * A canary in the environment shows what was sent: captured raw requests (URL, headers, body)
 * must never hold it unless the saved node's own credential, at its own endpoint, asked for it.
 */
import crypto from 'crypto';
import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { helper, tab } from './harness';

type Msg = Record<string, any>;
const NODES = [
  'aliyun-live-config',
  'aliyun-live-callback-config',
  'agora-config',
  'unisound-config',
  'aliyun-live-asr-callback',
].map((type) => require(`../../nodes/${type}`).default);

const VAR = 'SPEECH_PIPELINES_TEST_CANARY';
const CANARY = `canary-${crypto.randomBytes(8).toString('hex')}`;
const REF = `\${${VAR}}`;

interface Capture {
  url: string;
  /** Every request as raw text: method, URL, headers and body, also percent-decoded and Basic credentials decoded. */
  seen: string[];
  close(): Promise<void>;
}

/** A server that records every request and answers with `answer`. */
async function capture(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Capture> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = `${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n${Buffer.concat(chunks).toString()}`;
      let decoded = raw;
      try {
        decoded = decodeURIComponent(decodeURIComponent(raw));
      } catch {
        // not percent-encoded text
      }
      const basic = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ''));
      seen.push(`${raw}\n${decoded}\n${basic ? Buffer.from(basic[1], 'base64').toString() : ''}`);
      answer(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const json = (res: http.ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('config nodes: Test routes never read the environment for typed values', function () {
  this.timeout(20000);
  let saved: Capture;
  let attacker: Capture;

  before(async () => {
    process.env[VAR] = CANARY;
    // Answers like an API that refuses: the test is about what was sent, not the outcome.
    saved = await capture((_req, res) => json(res, 400, { Code: 'X', RequestId: 'r', code: 'x' }));
    attacker = await capture((_req, res) => json(res, 400, { Code: 'X', RequestId: 'r', code: 'x' }));
  });
  after(async () => {
    delete process.env[VAR];
    await saved.close();
    await attacker.close();
  });
  beforeEach(async () => {
    saved.seen.length = 0;
    attacker.seen.length = 0;
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  const post = async (type: string, body: Msg): Promise<Msg> =>
    (await helper.request().post(`/${type}/test`).send(body)).body;
  const holdsCanary = (c: Capture): boolean => c.seen.some((s) => s.includes(CANARY));

  const routes: Array<{ type: string; node: (endpoint: string) => Msg; fields: string[]; endpoint: string }> = [
    {
      type: 'unisound-config',
      node: (endpoint) => ({ endpoint, timeout: 2, maxRetries: 0 }),
      fields: ['apiKey'],
      endpoint: 'endpoint',
    },
    {
      type: 'agora-config',
      node: (endpoint) => ({ endpoint, appId: 'a'.repeat(32), apiVersion: 'v7', timeout: 2, maxRetries: 0 }),
      fields: ['customerId', 'customerSecret'],
      endpoint: 'endpoint',
    },
    {
      type: 'aliyun-live-config',
      node: (endpoint) => ({ endpoint, region: 'cn-shanghai', signatureVersion: 'v2', timeout: 2, maxRetries: 0 }),
      fields: ['accessKeyId', 'accessKeySecret', 'securityToken'],
      endpoint: 'endpoint',
    },
  ];

  for (const r of routes) {
    describe(`POST /${r.type}/test`, () => {
      const load = async (): Promise<void> => {
        const credentials: Msg = {};
        for (const f of r.fields) credentials[f] = REF;
        await helper.load(NODES, tab([{ id: 'cfg', type: r.type, ...r.node(saved.url) }]), { cfg: credentials });
      };

      it('sends a typed "${VAR}" as typed, to any endpoint, never the variable\'s value', async () => {
        await load();
        const body: Msg = { ...r.node(attacker.url) };
        for (const f of r.fields) body[f] = REF;
        await post(r.type, body);
        await post(r.type, { ...body, id: 'cfg' });
        attacker.seen.length.should.be.above(0, 'the typed values were sent');
        attacker.seen.join('\n').should.containEql(REF);
        holdsCanary(attacker).should.be.false();
        saved.seen.should.have.length(0);
      });

      it("resolves the saved node's stored ${VAR} only at the saved endpoint; never sends it elsewhere", async () => {
        await load();
        const unchanged: Msg = {};
        for (const f of r.fields) unchanged[f] = f === 'customerId' || f === 'accessKeyId' ? '' : '__PWRD__';
        const moved = await post(r.type, { id: 'cfg', ...r.node(attacker.url), ...unchanged });
        moved.ok.should.be.false();
        moved.code.should.equal('EndpointChanged');
        attacker.seen.should.have.length(0);
        await post(r.type, { id: 'cfg', ...r.node(saved.url), ...unchanged });
        holdsCanary(saved).should.be.true('the stored reference resolves for the saved node at its endpoint');
        // Not a saved node of this type: nothing stored, nothing resolved.
        await post(r.type, { id: 'nope', ...r.node(attacker.url), ...unchanged });
        holdsCanary(attacker).should.be.false();
      });
    });
  }

  describe('POST /aliyun-live-callback-config/test', () => {
    let probe: Capture;
    const sigs: Array<{ time: string; sig: string; url: string }> = [];
    before(async () => {
      probe = await capture((req, res) => {
        const sig = req.headers['asr-sig'];
        if (!sig) return json(res, 401, {});
        sigs.push({ time: String(req.headers['sig-time']), sig: String(sig), url: `${probe.url}${req.url}` });
        res.writeHead(204);
        res.end();
      });
    });
    after(() => probe.close());
    beforeEach(() => {
      sigs.length = 0;
    });
    const signedWith = (key: string, s: { time: string; sig: string; url: string }): boolean =>
      crypto.createHash('md5').update(`${s.time}/${s.url}/${key}`).digest('hex') === s.sig;

    it('signs with a typed "${VAR}" as typed; the stored one resolves only for its own URL', async () => {
      const url = `${probe.url}/cb`;
      await helper.load(NODES, tab([{ id: 'cbc', type: 'aliyun-live-callback-config', callbackUrl: url }]), {
        cbc: { authKey: REF },
      });
      await post('aliyun-live-callback-config', { callbackUrl: `${probe.url}/other`, authKey: REF });
      sigs.should.have.length(1);
      signedWith(REF, sigs[0]).should.be.true('signed with the text as typed');
      signedWith(CANARY, sigs[0]).should.be.false();

      const moved = await post('aliyun-live-callback-config', {
        id: 'cbc',
        callbackUrl: `${probe.url}/other`,
        authKey: '__PWRD__',
      });
      moved.code.should.equal('UrlChanged');
      sigs.should.have.length(1);
      await post('aliyun-live-callback-config', { id: 'cbc', callbackUrl: url, authKey: '__PWRD__' });
      sigs.should.have.length(2);
      signedWith(CANARY, sigs[1]).should.be.true('the saved node resolves its stored reference');
      should(holdsCanary(probe)).be.false();
    });
  });
});
