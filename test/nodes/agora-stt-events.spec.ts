import crypto from 'crypto';
import fs from 'fs';
import http from 'http';
import net, { AddressInfo } from 'net';
import path from 'path';
import 'should';
import { AgoraEmulator } from '../emulator/agora';
import { agoraConfig, agoraCredentials, startEmulator, UPDATE_SPACING_MS } from './agora-harness';
import { ALL_NODES, helper, tab } from './harness';
import { post } from './callback-client';

type Msg = Record<string, any>;
const PATH = '/agora/ncs-7f3c';
/** A canary: it may appear in no message, status, log line or response. */
const SECRET = `ncs${crypto.randomBytes(12).toString('hex')}`;
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'vendors', 'agora', 'notifications');

/** Signs like NCS, with node:crypto directly (not the module under test). */
const hmac = (alg: 'sha1' | 'sha256', body: string | Buffer, key = SECRET) =>
  crypto.createHmac(alg, key).update(body).digest('hex');
const signed = (body: string | Buffer, key = SECRET) => ({
  'Agora-Signature': hmac('sha1', body, key),
  'Agora-Signature-V2': hmac('sha256', body, key),
});

/** A fixture body with a fresh noticeId and notifyMs, serialised as NCS would send it. */
function fixture(name: string, over: Msg = {}): string {
  const body = JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
  return JSON.stringify({ ...body, noticeId: crypto.randomBytes(16).toString('hex'), notifyMs: Date.now(), ...over });
}

/** Resolves when `list` holds `n` entries (filled by a node's output). */
function waitFor(list: Msg[], n: number, node: string): Promise<void> {
  return new Promise((resolve) => {
    if (list.length >= n) return resolve();
    const h = helper.getNode(node);
    const check = () => {
      if (list.length >= n) {
        h.removeListener('input', check);
        resolve();
      }
    };
    h.on('input', check);
  });
}

describe('agora-stt-events', function () {
  this.timeout(30000);
  let server: http.Server;
  let base: string;
  let out: Msg[];
  let rejected: Msg[];
  /** Everything the node said about itself: status texts, warnings, errors, log lines. */
  let said: string[];

  async function start(extra: Msg = {}, creds: Msg | null = { secret: SECRET }, more: Msg[] = [], moreCreds = {}) {
    const node = { id: 'ev', type: 'agora-stt-events', path: PATH, wires: [['out'], ['out2']], ...extra };
    let RED: any;
    const capture = (r: any) => {
      RED = r;
    };
    await helper.load([capture, ...ALL_NODES], tab([node, ...more]), { ...(creds ? { ev: creds } : {}), ...moreCreds });
    server = http.createServer(RED.httpNode);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    out = [];
    rejected = [];
    helper.getNode('out').on('input', (m: Msg) => out.push(m));
    helper.getNode('out2').on('input', (m: Msg) => rejected.push(m));
    const ev = helper.getNode('ev');
    for (const k of ['status', 'warn', 'error', 'log'] as const) {
      const orig = ev[k].bind(ev);
      ev[k] = (...args: unknown[]) => {
        said.push(JSON.stringify(args));
        return orig(...args);
      };
    }
  }
  const send = (body: string | Buffer, headers: Record<string, string> = signed(body)) =>
    post(base, PATH, body, headers);

  beforeEach(() => {
    said = [];
    return helper.startServer();
  });
  afterEach(async () => {
    await new Promise((r) => server?.close(r));
    await helper.unload();
    await helper.stopServer();
    // The canary: whatever a test did, the secret went nowhere it could be read.
    JSON.stringify([out, rejected, said]).should.not.containEql(SECRET);
  });

  it('answers 200 JSON at once and emits one message per signed notification, in the documented shape', async () => {
    await start();
    const body = fixture('v7-102-idle-timeout.json');
    const res = await send(body);
    res.status.should.equal(200);
    res.headers['content-type']!.should.match(/application\/json/);
    JSON.parse(res.body).should.eql({ ok: true });
    await waitFor(out, 1, 'out');
    out.should.have.length(1);
    out[0].topic.should.equal('agent_id');
    out[0].taskId.should.equal('agent_id');
    const { raw, ...payload } = out[0].payload;
    payload.should.eql({
      vendor: 'agora',
      event: 'agent-left',
      eventType: 102,
      taskId: 'agent_id',
      channel: 'stt_ncs93369',
      status: 'stopped',
      reason: 'idle-timeout',
      at: 1750235984000,
    });
    raw.should.eql(JSON.parse(body));
    rejected.should.eql([]);
  });

  it('emits every documented v7 and v5/v6 event, and an unknown type raw', async () => {
    await start();
    const names = fs.readdirSync(FIXTURES).filter((f) => /^v[67]-.*\.json$/.test(f));
    for (const name of names) (await send(fixture(name))).status.should.equal(200, name);
    const unknown = JSON.stringify({
      noticeId: 'u1',
      productId: 20,
      eventType: 777,
      notifyMs: Date.now(),
      payload: {},
    });
    (await send(unknown)).status.should.equal(200);
    await waitFor(out, names.length + 1, 'out');
    out
      .map((m) => m.payload.event)
      .should.containDeep([
        'agent-joined',
        'agent-left',
        'token-expiring',
        'playlist-generated',
        'uploader-started',
        'uploaded',
        'uploaded-with-backup',
        'upload-progress',
        'unknown',
      ]);
    out.find((m) => m.payload.event === 'uploaded')!.payload.files.should.have.length(3);
  });

  it('drops repeats of a noticeId (NCS resends, redundant notification) and answers them 200', async () => {
    await start();
    const body = fixture('v7-101-agent-joined.json');
    (await send(body)).status.should.equal(200);
    const again = await send(body);
    again.status.should.equal(200);
    JSON.parse(again.body).should.eql({ ok: true, duplicate: true });
    // Retried with a new notifyMs (a different body), same noticeId: still a repeat.
    const retried = JSON.stringify({ ...JSON.parse(body), notifyMs: Date.now() + 1 });
    JSON.parse((await send(retried)).body).duplicate.should.be.true();
    const other = fixture('v7-102-stopped-ok.json');
    (await send(other)).status.should.equal(200);
    await waitFor(out, 2, 'out');
    out.map((m) => m.payload.event).should.eql(['agent-joined', 'agent-left']);
  });

  it('refuses missing, wrong, SHA1-only and stale signatures with 401, sends them to output 2, emits nothing', async () => {
    await start();
    const body = fixture('v7-101-agent-joined.json');
    const cases: Array<[Record<string, string>, string, string?]> = [
      [{}, 'missingSignature'],
      [signed(body, 'another-secret'), 'badSignature'],
      [{ 'Agora-Signature': hmac('sha1', body) }, 'sha1NotAllowed'],
      [{ 'Agora-Signature-V2': hmac('sha1', body) }, 'badSignature'], // the wrong algorithm in the V2 header
      [signed(`${body} `), 'badSignature'], // signed over other bytes
    ];
    for (const [headers, reason] of cases) {
      const res = await send(body, headers);
      res.status.should.equal(401, reason);
      JSON.parse(res.body).error.should.equal(reason);
    }
    const stale = fixture('v7-101-agent-joined.json', { notifyMs: Date.now() - 301_000 });
    const res = await send(stale);
    res.status.should.equal(401);
    JSON.parse(res.body).error.should.equal('staleNotification');
    await waitFor(rejected, cases.length + 1, 'out2');
    rejected.map((m) => m.payload.reason).should.eql([...cases.map((c) => c[1]), 'staleNotification']);
    rejected[0].payload.should.containDeep({ status: 401, method: 'POST', path: PATH });
    out.should.eql([]);
    // A refused delivery is not remembered: the genuine one still gets through.
    (await send(body)).status.should.equal(200);
    await waitFor(out, 1, 'out');
  });

  it('accepts a SHA1-only request when allowed', async () => {
    await start({ allowSha1: true });
    const body = fixture('v7-104-token-expiring.json');
    (await send(body, { 'Agora-Signature': hmac('sha1', body) })).status.should.equal(200);
    await waitFor(out, 1, 'out');
    out[0].payload.event.should.equal('token-expiring');
  });

  it('refuses bodies that are not notifications (400), too deep (400), too large (413), and other methods (405)', async () => {
    await start({ maxBodyKb: 1 });
    const bad = async (body: string | Buffer, status: number, reason: string) => {
      const res = await send(body);
      res.status.should.equal(status, `${reason}: ${res.body}`);
      JSON.parse(res.body).error.should.equal(reason);
    };
    await bad('not json', 400, 'notJson');
    await bad('[1,2]', 400, 'notAnObject');
    await bad('{"noticeId":"x","payload":{}}', 400, 'noEventType');
    await bad(`{"eventType":101,"payload":${'['.repeat(40)}${']'.repeat(40)}}`, 400, 'tooDeep');
    await bad(JSON.stringify({ eventType: 101, payload: { k: 'x'.repeat(2000) } }), 413, 'tooLarge');
    const oversizedKey = JSON.stringify({ eventType: 101, ['k'.repeat(1100)]: 1 });
    await bad(oversizedKey, 413, 'tooLarge');
    (await post(base, PATH, '', {}, 'GET')).status.should.equal(405);
    out.should.eql([]);
  });

  it('reads a chunked body, byte-exact across chunk boundaries (a multi-byte character split in two)', async () => {
    await start();
    const body = fixture('v7-101-agent-joined.json', { payload: { agent_id: 'a-ü-€', channel: '频道', start_ts: 1 } });
    const bytes = Buffer.from(body, 'utf8');
    const split = bytes.indexOf(Buffer.from('€')) + 1; // inside the 3-byte sequence
    const res = await new Promise<{ status: number }>((resolve, reject) => {
      const req = http.request(
        `${base}${PATH}`,
        { method: 'POST', headers: { 'content-type': 'application/json', ...signed(bytes) } },
        (r) => {
          r.resume();
          r.on('end', () => resolve({ status: r.statusCode ?? 0 }));
        },
      );
      req.on('error', reject);
      req.write(bytes.subarray(0, split)); // no content-length: Transfer-Encoding chunked
      setImmediate(() => req.end(bytes.subarray(split)));
    });
    res.status.should.equal(200);
    await waitFor(out, 1, 'out');
    out[0].payload.taskId.should.equal('a-ü-€');
    out[0].payload.channel.should.equal('频道');
  });

  it('refuses a chunked body over the limit without reading it all', async () => {
    await start({ maxBodyKb: 1 });
    const port = (server.address() as AddressInfo).port;
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write(
          `POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
        );
        const chunk = 'a'.repeat(600);
        for (let i = 0; i < 4; i++) s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      });
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('close', () => resolve(text));
      s.on('error', reject);
    });
    reply.should.match(/^HTTP\/1\.1 413/);
    out.should.eql([]);
  });

  it('with no secret refuses everything (401) and says so, without the value of anything', async () => {
    await start({}, null);
    const body = fixture('v7-101-agent-joined.json');
    const res = await send(body);
    res.status.should.equal(401);
    JSON.parse(res.body).error.should.equal('noSecret');
    out.should.eql([]);
  });

  it('a second events node on the same path does not take it: the first keeps serving', async () => {
    await start({}, { secret: SECRET }, [{ id: 'ev2', type: 'agora-stt-events', path: PATH, wires: [['out'], []] }], {
      ev2: { secret: SECRET },
    });
    (await send(fixture('v7-101-agent-joined.json'))).status.should.equal(200);
    await waitFor(out, 1, 'out');
    (await send(fixture('v7-101-agent-joined.json'))).status.should.equal(200);
    await waitFor(out, 2, 'out');
    out.should.have.length(2); // one message per request: only one node serves the path
  });

  describe('with the Agora emulator as the Notifications service', () => {
    let emulator: AgoraEmulator;
    before(async () => {
      emulator = await startEmulator();
      helper.settings({ speechPipelinesAgora: { updateSpacingMs: UPDATE_SPACING_MS } });
    });
    after(async () => {
      helper.settings({});
      await emulator.close();
    });
    beforeEach(() => emulator.reset());

    const nodes = (): Msg[] => [
      agoraConfig(emulator),
      { id: 'start', type: 'agora-stt-start', agora: 'cfg', wires: [['started']] },
      { id: 'stop', type: 'agora-stt-stop', agora: 'cfg', wires: [['stopped']] },
      { id: 'started', type: 'helper' },
      { id: 'stopped', type: 'helper' },
    ];

    async function startTask(channel: string): Promise<Msg> {
      const got = new Promise<Msg>((resolve) => helper.getNode('started').once('input', resolve));
      helper.getNode('start').receive({ payload: { rtcConfig: { channelName: channel, pubBotUid: '88222' } } });
      return got;
    }

    it('start, stop and an idle-out arrive as agent-joined, agent-left (normal) and agent-left (idle-timeout)', async () => {
      await start({}, { secret: SECRET }, nodes(), agoraCredentials());
      emulator.notifyTo([{ url: `${base}${PATH}`, secret: SECRET }]);
      const a = await startTask(`ev-${crypto.randomUUID()}`);
      const b = await startTask(`ev-${crypto.randomUUID()}`);
      await waitFor(out, 2, 'out');
      const stopped = new Promise((resolve) => helper.getNode('stopped').once('input', resolve));
      helper.getNode('stop').receive({ taskId: a.taskId, agora: a.agora });
      await stopped;
      await emulator.endAgent(b.taskId);
      await waitFor(out, 4, 'out');
      const of = (id: string) => out.filter((m) => m.topic === id).map((m) => [m.payload.event, m.payload.reason]);
      of(a.taskId).should.eql([
        ['agent-joined', undefined],
        ['agent-left', 'normal'],
      ]);
      of(b.taskId).should.eql([
        ['agent-joined', undefined],
        ['agent-left', 'idle-timeout'],
      ]);
    });

    it('redundant delivery emits once; a wrong signature goes to output 2; a late 104 still arrives', async () => {
      await start({}, { secret: SECRET }, nodes(), agoraCredentials());
      emulator.notifyTo([{ url: `${base}${PATH}`, secret: SECRET }]);
      const a = await startTask(`ev-${crypto.randomUUID()}`);
      await waitFor(out, 1, 'out');
      emulator.notifications.redundant = true;
      await emulator.tokenExpiring(a.taskId);
      emulator.notifications.redundant = false;
      emulator.notifications.inject('badSignature');
      await emulator.tokenExpiring(a.taskId);
      emulator.notifications.inject('late');
      const late = emulator.tokenExpiring(a.taskId);
      await emulator.endAgent(a.taskId, 'Task exceeded maximum lifetime');
      await late;
      await waitFor(out, 4, 'out');
      await waitFor(rejected, 1, 'out2');
      out.map((m) => m.payload.event).should.eql(['agent-joined', 'token-expiring', 'agent-left', 'token-expiring']);
      out[2].payload.reason.should.equal('lifetime-limit');
      rejected.map((m) => m.payload.reason).should.eql(['badSignature']);
      emulator.notifications.sent
        .filter((s) => s.eventType === 104)
        .map((s) => s.status)
        .should.eql([200, 200, 401, 200]);
    });
  });
});
