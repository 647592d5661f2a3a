import fs from 'fs';
import http from 'http';
import path from 'path';
import vm from 'vm';
import { AddressInfo } from 'net';
import should from 'should';
import { helper, tab } from './harness';
import captions, { createTranscriptCaptions, DEFAULTS, forgetParkedRooms } from '../../nodes/transcript-captions';
import { SseClient } from '../bench/captions-sse';

type Msg = Record<string, any>;

const TASK = 'task-1';
const ev = (i: number, text: string, final: boolean, extra: Msg = {}): Msg => ({
  vendor: 'aliyun',
  taskId: TASK,
  event: final ? 'SentenceEnd' : 'TranscriptionResultChanged',
  sentenceIndex: i,
  text,
  final,
  start: i * 3000,
  end: i * 3000 + 2000,
  words: [],
  raw: {},
  ...extra,
});

/** The dialog's defaults, read by running the node's editor script against a stand-in RED. */
function editorDefaults(): Record<string, unknown> {
  const root = path.join(__dirname, '..', '..');
  let defaults: Record<string, { value: unknown }> = {};
  const anything: any = new Proxy(function () {}, {
    get: (_t, p) => (p === Symbol.toPrimitive ? () => '' : anything),
    apply: () => anything,
  });
  const RED = {
    _: (k: string) => k,
    nodes: { registerType: (_t: string, d: any) => (defaults = d.defaults) },
    settings: {},
    validators: anything,
  };
  const ctx = vm.createContext({ window: {}, RED, $: anything, console });
  vm.runInContext(fs.readFileSync(path.join(root, 'resources', 'editor.js'), 'utf8'), ctx);
  const html = fs.readFileSync(path.join(root, 'nodes', 'transcript-captions.html'), 'utf8');
  for (const m of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) vm.runInContext(m[1], ctx);
  return Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, v.value]));
}

describe('transcript-captions node', function () {
  this.timeout(20000);
  let RED: any;
  let server: http.Server | undefined;
  let base = '';
  const clients: SseClient[] = [];

  async function start(props: Msg = {}, opts: { credentials?: Msg; extra?: Msg[]; register?: any } = {}): Promise<any> {
    const capture = (r: any) => {
      RED = r;
    };
    const node = { id: 'cap', type: 'transcript-captions', wires: [['out']], ...props };
    await helper.load([capture, opts.register ?? captions], tab([node, ...(opts.extra ?? [])]), opts.credentials ?? {});
    server = http.createServer(RED.httpNode);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return helper.getNode('cap');
  }
  const sse = async (url: string, headers: Record<string, string> = {}) => {
    const c = await SseClient.connect(`${base}${url}`, headers);
    clients.push(c);
    return c;
  };
  const get = (url: string) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      http
        .get(`${base}${url}`, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        })
        .on('error', reject);
    });
  const routesAt = (p: string) =>
    ((RED.httpNode._router?.stack ?? []) as any[]).filter((l) => l.route?.path === p).length;
  const settle = (ms = 80) => new Promise((r) => setTimeout(r, ms));

  beforeEach(() => helper.startServer());
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await helper.unload();
    forgetParkedRooms();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
    await helper.stopServer();
  });

  it("states its dialog's defaults exactly (DEFAULTS)", () => {
    DEFAULTS.should.eql(editorDefaults());
  });

  it("serves the page with a Content-Security-Policy, its own script and style, and the node's settings", async () => {
    await start({ path: '/live/cc', lines: 4, translation: 'en' });
    const page = await get('/live/cc');
    page.status.should.equal(200);
    page.headers['content-security-policy']!.should.match(/default-src 'none'; script-src 'self'/);
    page.headers['referrer-policy']!.should.equal('no-referrer');
    page.body.should.containEql('<script src="/live/cc/caption-page.js">');
    page.body.should.containEql('"lines":4');
    page.body.should.containEql('"translation":"en"');
    (await get('/live/cc/caption-page.js')).body.should.containEql('textContent');
    (await get('/live/cc/caption-page.css')).headers['content-type']!.should.match(/^text\/css/);
  });

  it("a node deployed with only its type serves /captions with the dialog's defaults", async () => {
    await start({});
    const page = await get('/captions');
    page.status.should.equal(200);
    page.body.should.containEql('"lines":3,"maxLineLength":42,"maxLineLengthCjk":16,"clearAfter":6');
  });

  it("sends a sentence's interim text, then its final text as the same line", async () => {
    const node = await start();
    const viewer = await sse('/captions/events');
    viewer.headers['content-type']!.should.match(/^text\/event-stream/);
    node.receive({ payload: ev(0, '', false, { event: 'SentenceBegin' }) });
    node.receive({ payload: ev(0, 'hello wor', false) });
    node.receive({
      payload: ev(0, 'Hello world.', true, {
        speaker: 'Ann',
        translations: [{ language: 'zh', text: '你好，世界。', final: true }],
      }),
    });
    const frames = await viewer.waitFor(2);
    await settle();
    const data = viewer.data();
    data.length.should.equal(2, 'SentenceBegin without text shows nothing');
    data[0].should.containDeep({ k: 'line', room: TASK, line: { n: 1, text: 'hello wor', final: false } });
    data[1].should.containDeep({
      k: 'line',
      room: TASK,
      line: { n: 1, text: 'Hello world.', final: true, speaker: 'Ann', tr: { zh: '你好，世界。' } },
    });
    frames[1].id!.should.match(/^[A-Za-z0-9_-]+\.2$/);
  });

  it('gives a late joiner the last lines at once, bounded by the history setting', async () => {
    const node = await start({ history: 5 });
    for (let i = 0; i < 12; i++) node.receive({ payload: ev(i, `Sentence ${i}.`, true) });
    await settle();
    const late = await sse('/captions/events');
    const [snap] = await late.waitFor(1);
    const d = JSON.parse(snap.data);
    d.k.should.equal('snap');
    d.lines
      .map((l: Msg) => l.text)
      .should.eql(['Sentence 7.', 'Sentence 8.', 'Sentence 9.', 'Sentence 10.', 'Sentence 11.']);
  });

  it('serves several rooms at once: a viewer picks one, or follows the latest', async () => {
    const node = await start();
    const a = await sse('/captions/events?room=A');
    const b = await sse('/captions/events?room=B');
    const latest = await sse('/captions/events');
    node.receive({ payload: ev(0, 'in A', true, { taskId: 'A' }) });
    await a.waitFor(1);
    node.receive({ payload: { ...ev(0, 'in B', true), taskId: undefined }, topic: 'B' });
    await b.waitFor(1);
    node.receive({ payload: ev(1, 'in A again', true, { taskId: 'A' }) });
    await a.waitFor(2);
    await latest.waitFor(3);
    await settle();
    a.data()
      .map((d) => d.line.text)
      .should.eql(['in A', 'in A again']);
    b.data()
      .map((d) => d.line.text)
      .should.eql(['in B']);
    // A follower switching rooms gets the new room's picture, not a lone line.
    latest
      .data()
      .map((d) => [d.k, d.room])
      .should.eql([
        ['line', 'A'],
        ['snap', 'B'],
        ['snap', 'A'],
      ]);
    const rooms = JSON.parse((await get('/captions/rooms')).body);
    rooms.latest.should.equal('A');
    rooms.rooms.map((r: Msg) => r.room).should.eql(['A', 'B']);
  });

  it('replays exactly what a reconnecting viewer missed (Last-Event-ID), or a snapshot for an unknown ID', async () => {
    const node = await start();
    const v1 = await sse('/captions/events');
    node.receive({ payload: ev(0, 'one.', true) });
    node.receive({ payload: ev(1, 'two.', true) });
    const got = await v1.waitFor(2);
    const lastId = got[1].id!;
    v1.close();
    node.receive({ payload: ev(2, 'thr', false) });
    node.receive({ payload: ev(2, 'three.', true) });
    await settle();
    const v2 = await sse('/captions/events', { 'last-event-id': lastId });
    await v2.waitFor(2);
    await settle();
    v2.data()
      .map((d) => [d.k, d.line.text])
      .should.eql([
        ['line', 'thr'],
        ['line', 'three.'],
      ]);
    const v3 = await sse(`/captions/events?last=${encodeURIComponent('zzz.1')}`);
    await v3.waitFor(1);
    v3.data()[0].k.should.equal('snap');
  });

  it('keeps exactly one set of routes after a redeploy, and a viewer resumes where it was', async () => {
    const node = await start();
    const flow = tab([{ id: 'cap', type: 'transcript-captions', wires: [['out']], lines: 2 }]);
    const v1 = await sse('/captions/events');
    node.receive({ payload: ev(0, 'before.', true) });
    const [f] = await v1.waitFor(1);
    routesAt('/captions').should.equal(1);
    await helper.setFlows(flow, 'full');
    routesAt('/captions').should.equal(1);
    routesAt('/captions/events').should.equal(1);
    await settle();
    v1.closed.should.be.true('the old stream is ended so the browser reconnects');
    const v2 = await sse('/captions/events', { 'last-event-id': f.id! });
    helper.getNode('cap').receive({ payload: ev(1, 'after.', true) });
    await v2.waitFor(1);
    await settle();
    v2.data()
      .map((d) => [d.k, d.line.text])
      .should.eql([['line', 'after.']]);
    (await get('/captions')).body.should.containEql('"lines":2');
    await helper.setFlows([{ id: TAB2, type: 'tab' }], 'full');
    routesAt('/captions').should.equal(0);
    routesAt('/captions/events').should.equal(0);
  });

  it('refuses a second node on the same path with an error the user sees', async () => {
    await start({}, { extra: [{ id: 'cap2', type: 'transcript-captions', path: '/captions/', wires: [] }] });
    await settle();
    const second = helper.getNode('cap2');
    const errors = helper.log().args.filter((a: any[]) => a[0]?.level === 20 && a[0]?.id === 'cap2');
    errors.length.should.equal(1);
    String(errors[0][0].msg).should.match(/Two nodes use the path \/captions/);
    should.exist(second);
    routesAt('/captions').should.equal(1);
  });

  it('needs the access token on every route when one is set, and never shows it', async () => {
    const token = 'tok-3f9a61c2e0';
    const node = await start({}, { credentials: { cap: { token } } });
    const statuses: string[] = [];
    const origStatus = node.status.bind(node);
    node.status = (s: any) => {
      statuses.push(JSON.stringify(s));
      return origStatus(s);
    };
    for (const p of ['/captions', '/captions/events', '/captions/captions.vtt', '/captions/rooms']) {
      (await get(p)).status.should.equal(401, p);
      (await get(`${p}?token=wrong`)).status.should.equal(401, p);
      (await get(`${p}?token[]=${token}`)).status.should.equal(401, p);
    }
    // The page's own script and style hold nothing secret and are requested without the token.
    (await get('/captions/caption-page.js')).status.should.equal(200);
    (await get('/captions/caption-page.css')).status.should.equal(200);
    (await get(`/captions?token=${token}`)).status.should.equal(200);
    const v = await sse(`/captions/events?token=${token}`);
    v.status.should.equal(200);
    node.receive({ payload: ev(0, 'hi.', true) });
    await v.waitFor(1);
    await settle(1200);
    statuses.length.should.be.above(0);
    for (const s of statuses) s.should.not.containEql(token);
    JSON.stringify(helper.log().args).should.not.containEql(token);
  });

  it('serves the session so far as WebVTT and SubRip, per room and translation', async () => {
    const node = await start();
    node.receive({ payload: ev(0, 'Hel', false) });
    node.receive({
      payload: ev(0, 'Hello there.', true, {
        speaker: 'Ann',
        translations: [{ language: 'zh', text: '你好。', final: true }],
      }),
    });
    node.receive({ payload: ev(1, 'Bye <b>now</b>.', true) });
    await settle();
    const vtt = await get(`/captions/captions.vtt?room=${TASK}`);
    vtt.status.should.equal(200);
    vtt.headers['content-type']!.should.match(/^text\/vtt/);
    vtt.body.should.equal(
      'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Ann>Hello there.\n\n00:00:03.000 --> 00:00:05.000\nBye &lt;b&gt;now&lt;/b&gt;.\n',
    );
    const srt = await get('/captions/captions.srt?lang=zh');
    srt.body.should.startWith('1\n00:00:00,000 --> 00:00:02,000\n');
    srt.body.should.containEql('你好。');
    (await get('/captions/captions.vtt?room=nope')).status.should.equal(404);
    (await get('/captions/captions.vtt?lang=%3Cx%3E')).status.should.equal(400);
  });

  it('ends unreadable input in done(err) with a code, and keeps serving', async () => {
    await start();
    const errs: Msg[] = [];
    helper.getNode('errors').on('input', (m: Msg) => errs.push(m));
    helper.getNode('cap').receive({ payload: 'just text' });
    helper.getNode('cap').receive({ payload: { foo: 1 } });
    await settle(200);
    errs.length.should.equal(2);
    errs[0].error.code.should.equal('UnreadableInput');
    (await get('/captions')).status.should.equal(200);
  });

  it('reports viewers connecting and leaving on its output when asked', async () => {
    await start({ viewerEvents: true, outputs: 1 });
    const out: Msg[] = [];
    helper.getNode('out').on('input', (m: Msg) => out.push(m));
    const v = await sse('/captions/events?room=x');
    await settle();
    v.close();
    await settle(200);
    out
      .map((m) => [m.topic, m.payload.room, m.payload.viewers])
      .should.eql([
        ['connected', 'x', 1],
        ['disconnected', 'x', 0],
      ]);
  });

  it("runs Node-RED's httpNodeMiddleware on its routes, as core http-in does", async () => {
    const seen: string[] = [];
    helper.settings({
      httpNodeMiddleware: (req: any, _res: any, next: () => void) => {
        seen.push(req.path);
        next();
      },
    });
    try {
      await start();
      await get('/captions');
      await get('/captions/captions.srt');
      seen.should.eql(['/captions', '/captions/captions.srt']);
    } finally {
      helper.settings({});
    }
  });

  it('applies invalid options nowhere: every problem reported, nothing served', async () => {
    await start({ path: '/a b', lines: 0, translation: '<x>' });
    await settle();
    const errors = helper.log().args.filter((a: any[]) => a[0]?.level === 20 && a[0]?.id === 'cap');
    errors.length.should.equal(1);
    for (const field of ['path', 'lines', 'translation']) String(errors[0][0].msg).should.containEql(`${field} must`);
    routesAt('/a b').should.equal(0);
  });

  it('drops a viewer that stops reading instead of buffering for it', async () => {
    const node = await start({}, { register: createTranscriptCaptions({ maxBuffered: 4096 }) });
    // A raw socket that never reads: the server's writes pile up until the limit.
    const net = await import('net');
    const port = (server!.address() as AddressInfo).port;
    const sock = net.connect(port, '127.0.0.1');
    sock.pause();
    sock.write('GET /captions/events HTTP/1.1\r\nHost: x\r\n\r\n');
    await settle(100);
    const big = 'x'.repeat(1900);
    for (let i = 0; i < 3000; i++) node.receive({ payload: ev(i, `${big} ${i}.`, true) });
    await settle(1500);
    const viewers = JSON.parse((await get('/captions/rooms')).body).rooms[0].viewers;
    viewers.should.equal(0);
    sock.destroy();
  });
});

const TAB2 = 'tab-empty';
