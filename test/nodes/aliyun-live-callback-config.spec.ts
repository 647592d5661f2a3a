import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { ALL_NODES, helper, tab } from './harness';

type Msg = Record<string, any>;
const AUTH_KEY = 'probe-auth-key';

describe('aliyun-live-callback-config "Test callback URL"', function () {
  this.timeout(20000);
  let RED: any;
  let server: http.Server;
  let base: string;
  let out: Msg[];

  beforeEach(async () => {
    await helper.startServer();
    // The public URL must be known before deploying, so reserve the port first.
    server = http.createServer((req, res) => RED.httpNode(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const flow = tab([
      { id: 'cbcfg', type: 'aliyun-live-callback-config', callbackUrl: `${base}/cb/verified` },
      { id: 'nokey', type: 'aliyun-live-callback-config', callbackUrl: `${base}/cb/open` },
      {
        id: 'cb',
        type: 'aliyun-live-asr-callback',
        callback: 'cbcfg',
        path: '/cb/verified',
        auditOutput: true,
        outputs: 2,
        wires: [['out'], ['out2']],
      },
      { id: 'open', type: 'aliyun-live-asr-callback', callback: 'nokey', path: '/cb/open', wires: [['out']] },
    ]);
    await helper.load(
      [
        (r: any) => {
          RED = r;
        },
        ...ALL_NODES,
      ],
      flow,
      { cbcfg: { authKey: AUTH_KEY } },
    );
    out = [];
    helper.getNode('out').on('input', (m: Msg) => out.push(m));
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
    await helper.unload();
    await helper.stopServer();
  });

  const probe = async (body: Record<string, unknown>) =>
    (await helper.request().post('/aliyun-live-callback-config/test').send(body).expect(200)).body;

  it('reports a reachable, verifying callback node using the stored AuthKey, and emits nothing', async () => {
    const res = await probe({ id: 'cbcfg', callbackUrl: `${base}/cb/verified`, authKey: '__PWRD__' });
    res.should.containDeep({ ok: true });
    await new Promise((r) => setTimeout(r, 30));
    out.should.have.length(0);
    JSON.stringify(res).should.not.containEql(AUTH_KEY);
  });

  it('names a wrong AuthKey', async () => {
    (await probe({ id: 'cbcfg', callbackUrl: `${base}/cb/verified`, authKey: 'not-the-key' })).should.containDeep({
      ok: false,
      code: 'SignatureRejected',
    });
  });

  it('warns when the URL answers unsigned requests', async () => {
    (await probe({ callbackUrl: `${base}/cb/open`, authKey: 'any' })).should.containDeep({
      ok: false,
      code: 'NotVerifying',
    });
  });

  it('never sends the stored AuthKey to another URL', async () => {
    let hits = 0;
    const other = http.createServer((req, res) => {
      hits++;
      res.end();
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/x`;
      (await probe({ id: 'cbcfg', callbackUrl: url, authKey: '__PWRD__' })).should.containDeep({
        ok: false,
        code: 'UrlChanged',
      });
      hits.should.equal(0);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });

  it('says what is wrong with an unreachable URL, a wrong path, or no AuthKey', async () => {
    (await probe({ callbackUrl: 'http://127.0.0.1:9/cb', authKey: 'k' })).should.containDeep({
      ok: false,
      code: 'Unreachable',
    });
    const wrongPath = await probe({ callbackUrl: `${base}/cb/nothing-here`, authKey: 'k' });
    wrongPath.should.containDeep({ ok: false, code: 'UnexpectedStatus' });
    should(wrongPath.message).match(/404/);
    (await probe({ id: 'nokey', callbackUrl: `${base}/cb/open`, authKey: '' })).should.containDeep({
      ok: false,
      code: 'NoAuthKey',
    });
    (await probe({ callbackUrl: 'ftp://x', authKey: 'k' })).should.containDeep({ ok: false, code: 'InvalidUrl' });
  });

  it('does not let the probe header skip verification', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${base}/cb/verified`,
        { method: 'POST', headers: { 'x-speech-pipelines-probe': '1', 'content-type': 'application/json' } },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    res.should.equal(401);
  });
});
