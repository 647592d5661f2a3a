/**
 * transcript-captions under hostile input: random and crafted event payloads, hostile query
 * strings on every route, and a token that must never reach status, logs or output. Seeded,
 * so a failure reproduces (SEED=<n> to replay).
 */
import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { coreNode, helper, tab } from '../nodes/harness';
import { mulberry32, Rand } from '../support/random';
import captions, { forgetParkedRooms } from '../../nodes/transcript-captions';
import { SseClient } from '../bench/captions-sse';
import { eventually } from './kit';

type Msg = Record<string, any>;
const SEED = Number(process.env.SEED ?? 20261130);
const TOKEN = 'fuzz-token-77a0c3e91b';

function hostileValue(r: Rand, depth = 0): unknown {
  const pick = r(12);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return r(2) === 0 ? -1 : Number.MAX_SAFE_INTEGER * 10;
    case 3:
      return NaN;
    case 4:
      return '<script>alert(1)</script>\u2028\u0000"\'`';
    case 5:
      return 'x'.repeat(r(3) === 0 ? 100000 : 10);
    case 6:
      return depth < 3 ? [hostileValue(r, depth + 1), hostileValue(r, depth + 1)] : [];
    case 7:
      return depth < 3 ? { language: hostileValue(r, depth + 1), text: hostileValue(r, depth + 1) } : {};
    case 8:
      return true;
    case 9:
      return JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}');
    case 10:
      return Buffer.from('buf');
    default:
      return '中文テキスト';
  }
}

function hostileEvent(r: Rand): unknown {
  if (r(10) === 0) return hostileValue(r);
  const e: Msg = {
    vendor: ['aliyun', 'agora', 'evil', undefined][r(4)],
    event: ['SentenceEnd', 'TranscriptionResultChanged', 'TranscriptionCompleted', 7][r(4)],
  };
  for (const key of ['text', 'final', 'sentenceIndex', 'speaker', 'translations', 'taskId', 'start', 'end', 'words']) {
    if (r(3) > 0) e[key] = hostileValue(r);
  }
  if (r(2)) e.text = r(2) ? 'ok text' : e.text;
  return e;
}

const HOSTILE_QUERIES = [
  'room=',
  'room[]=a',
  'room=a&room=b',
  'room[x]=1',
  `room=${'r'.repeat(5000)}`,
  'room=%00%0d%0a',
  'room=..%2F..%2Fetc',
  'last=',
  'last=abc',
  'last=a.-1',
  'last=a.99999999999999999999',
  `last=${'9'.repeat(300)}`,
  'last[]=1',
  'lang=%3Cscript%3E',
  'lang[]=en',
  'lang=en&lang=zh',
  'token=',
  'token[]=x',
  `token=${'t'.repeat(10000)}`,
  '__proto__[x]=1',
  'constructor[prototype][x]=1',
  '%',
  '%%%',
  'a=%E0%A4%A',
  '&&&=&=',
];
const ROUTES = ['', '/events', '/captions.vtt', '/captions.srt', '/rooms', '/caption-page.js'];

describe('reliability: transcript-captions under hostile input', function () {
  this.timeout(60000);
  let RED: any;
  let server: http.Server | undefined;
  let base = '';
  const statuses: string[] = [];

  before(async () => {
    await helper.startServer();
    const flow = tab([
      { id: 'cap', type: 'transcript-captions', path: '/fuzz', wires: [] },
      { id: 'cmp', type: 'complete', scope: ['cap'], uncaught: false, wires: [['out']] },
    ]);
    await helper.load([(r: any) => (RED = r), captions, coreNode('common/24-complete.js')], flow, {
      cap: { token: TOKEN },
    });
    const node = helper.getNode('cap');
    const status = node.status.bind(node);
    node.status = (s: any) => {
      statuses.push(JSON.stringify(s));
      return status(s);
    };
    server = http.createServer(RED.httpNode);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await helper.unload();
    forgetParkedRooms();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await helper.stopServer();
  });

  const get = (p: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get(`${base}${p}`, (res) => {
          let body = '';
          res.on('data', (c) => {
            if (body.length < 1e6) body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode!, body }));
          // An SSE stream answers 200 and stays open: its status is what is checked.
          if (res.headers['content-type']?.startsWith('text/event-stream')) {
            res.destroy();
            resolve({ status: res.statusCode!, body: '' });
          }
        })
        .on('error', reject);
    });

  it(`ends every hostile event in done() or done(err), never a crash (seed ${SEED})`, async () => {
    const r = mulberry32(SEED);
    const node = helper.getNode('cap');
    const viewer = await SseClient.connect(`${base}/fuzz/events?token=${TOKEN}`);
    const done: Msg[] = [];
    const failed: Msg[] = [];
    helper.getNode('out').on('input', (m: Msg) => done.push(m));
    helper.getNode('errors').on('input', (m: Msg) => failed.push(m));
    const errors: string[] = [];
    const n = 600;
    for (let i = 0; i < n; i++)
      node.receive({ payload: hostileEvent(r), topic: hostileValue(r), taskId: hostileValue(r) });
    const deadline = Date.now() + 20000;
    while (done.length + failed.length < n && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    // Complete fires on done(), Catch on done(err): together, exactly once per input.
    (done.length + failed.length).should.equal(n, 'every input ended once');
    done.length.should.be.above(0);
    for (const f of failed) f.error.code.should.equal('UnreadableInput');
    for (const a of helper.log().args) if (a[0]?.level === 20) errors.push(String(a[0].msg));
    // Every error is a clear one of ours, and the page still answers.
    for (const e of errors) e.should.match(/Cannot show this input|UnreadableInput/);
    Object.prototype.should.not.have.property('polluted');
    (await get(`/fuzz?token=${TOKEN}`)).status.should.equal(200);
    viewer.close();
    // Whatever reached a viewer is well-formed JSON with text as a string.
    for (const d of viewer.data()) {
      if (d.k === 'line') d.line.text.should.be.a.String();
      if (d.k === 'line') Buffer.byteLength(d.line.text).should.be.belowOrEqual(4096);
    }
  });

  it('answers hostile query strings on every route with 2xx/4xx, never 5xx, and keeps serving', async () => {
    for (const route of ROUTES) {
      for (const q of HOSTILE_QUERIES) {
        for (const withToken of [false, true]) {
          const query = withToken ? `${q}&token=${TOKEN}` : q;
          const res = await get(`/fuzz${route}?${query}`);
          res.status.should.be.within(200, 499, `${route}?${q.slice(0, 60)} answered ${res.status}`);
          if (!withToken || /token/.test(q)) [401, 400, 200, 404].should.containEql(res.status);
          res.body.should.not.containEql(TOKEN);
        }
      }
    }
    (await get(`/fuzz/rooms?token=${TOKEN}`)).status.should.equal(200);
  });

  it('never shows the token in status, logs or responses', async () => {
    (await eventually(() => statuses.length > 0, 10000)).should.be.true('a status was shown');
    for (const s of statuses) s.should.not.containEql(TOKEN);
    JSON.stringify(helper.log().args).should.not.containEql(TOKEN);
    const page = await get(`/fuzz?token=${TOKEN}`);
    page.body.should.not.containEql(TOKEN);
    should(page.status).equal(200);
  });
});
