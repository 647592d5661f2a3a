import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { UnisoundEmulator, UNISOUND_DEFAULTS } from '../emulator/unisound';
import { helper, tab } from './harness';

type Msg = Record<string, any>;
const NODES = ['unisound-config', 'unisound-asr-submit', 'unisound-asr-result'].map(
  (type) => require(`../../nodes/${type}`).default,
);
const STORED_KEY = 'us-stored-key-7f3a9c';
const WRONG_KEY = 'us-typed-wrong-key-51d2';

/** Any server that is not the deployed endpoint: it must never see a stored key. */
async function otherServer(): Promise<{ url: string; auth: string[]; close(): Promise<void> }> {
  const auth: string[] = [];
  const server = http.createServer((req, res) => {
    auth.push(String(req.headers.authorization ?? ''));
    req.resume();
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ base_resp: { status_code: 100002, status_msg: 'data not found' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    auth,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('unisound-config: POST /unisound-config/test', function () {
  this.timeout(10000);
  let emulator: UnisoundEmulator;
  let other: Awaited<ReturnType<typeof otherServer>>;

  before(async () => {
    emulator = new UnisoundEmulator({
      apiKeys: { [STORED_KEY]: { status: 'ok' }, [UNISOUND_DEFAULTS.apiKey]: { status: 'ok' } },
    });
    await emulator.listen();
    other = await otherServer();
  });
  after(async () => {
    await emulator.close();
    await other.close();
  });
  beforeEach(async () => {
    emulator.reset();
    await helper.startServer();
    await helper.load(
      NODES,
      tab([{ id: 'cfg', type: 'unisound-config', endpoint: emulator.url, timeout: 2, maxRetries: 0 }]),
      { cfg: { apiKey: STORED_KEY } },
    );
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  const test = async (body: Msg): Promise<{ status: number; body: Msg; text: string }> => {
    const res = await helper.request().post('/unisound-config/test').send(body);
    return { status: res.status, body: res.body, text: res.text };
  };
  const noKeys = (text: string): void => {
    for (const key of [STORED_KEY, WRONG_KEY, UNISOUND_DEFAULTS.apiKey]) text.should.not.containEql(key);
  };

  it('answers ok with the stored key at the deployed endpoint, after one authenticated read', async () => {
    const res = await test({ id: 'cfg', apiKey: '__PWRD__', endpoint: emulator.url });
    res.status.should.equal(200);
    res.body.ok.should.be.true(res.text);
    res.body.message.should.match(/accepted/);
    emulator.requests.should.have.length(1);
    emulator.requests[0].action!.should.equal('poll');
    emulator.requests[0].code!.should.equal(100002);
    noKeys(res.text);
  });

  it('also with the endpoint left out of the body (the deployed one is meant)', async () => {
    const res = await test({ id: 'cfg', apiKey: '__PWRD__' });
    should(res.body.ok).be.true(res.text);
  });

  it('a typed key that is not known answers with the 100103 advice, without the key', async () => {
    const res = await test({ id: 'cfg', apiKey: WRONG_KEY, endpoint: emulator.url });
    res.body.ok.should.be.false();
    res.body.code.should.equal('100103');
    res.body.message.should.match(/100103/).and.match(/wrong or has expired/);
    noKeys(res.text);
  });

  it('a typed key may go to another endpoint; the stored key never does', async () => {
    const stored = await test({ id: 'cfg', apiKey: '__PWRD__', endpoint: other.url });
    stored.body.ok.should.be.false();
    stored.body.code.should.equal('EndpointChanged');
    const noNode = await test({ id: 'not-deployed', apiKey: '__PWRD__', endpoint: other.url });
    noNode.body.ok.should.be.false();
    other.auth.should.eql([], 'nothing reached the other endpoint with a stored key');
    const typed = await test({ id: 'cfg', apiKey: WRONG_KEY, endpoint: other.url });
    typed.body.ok.should.be.true(typed.text); // 100002 from the other server: the key was "accepted"
    other.auth.should.eql([`Bearer ${WRONG_KEY}`]);
    emulator.requests.should.have.length(0);
    for (const r of [stored, noNode, typed]) noKeys(r.text);
  });

  it('reports an unreachable endpoint as a clear error', async () => {
    const res = await test({ id: 'cfg', apiKey: WRONG_KEY, endpoint: 'http://127.0.0.1:9' });
    res.body.ok.should.be.false();
    res.body.code.should.equal('ECONNREFUSED');
    res.body.message.should.match(/Cannot reach 127\.0\.0\.1:9/);
    noKeys(res.text);
  });
});
