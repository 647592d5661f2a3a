import crypto from 'crypto';
import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { AgoraEmulator, AGORA_DEFAULTS, rtcTokenExpiresAt } from '../emulator/agora';

const { RtcTokenBuilder, RtcRole } = require('agora-token') as {
  RtcTokenBuilder: {
    buildTokenWithUid(a: string, c: string, ch: string, uid: number, role: number, exp: number, priv: number): string;
  };
  RtcRole: { PUBLISHER: number };
};

const APP = AGORA_DEFAULTS.appId;
const AUTH = 'Basic Y3VzdG9tZXJJZDpjdXN0b21lclNlY3JldA==';
const SECRET = 'ncs-test-secret';

interface Received {
  body: Buffer;
  headers: http.IncomingHttpHeaders;
}

/** A webhook that records what arrives and lets a test wait for the n-th delivery. */
class Receiver {
  readonly got: Received[] = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.got.push({ body: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      this.waiters = this.waiters.filter((w) => (this.got.length >= w.n ? (w.resolve(), false) : true));
    });
  });
  url = '';
  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/agora/events`;
  }
  count(n: number): Promise<void> {
    if (this.got.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
  json(i: number): any {
    return JSON.parse(this.got[i].body.toString('utf8'));
  }
}

const hmac = (alg: string, key: string, data: Buffer) => crypto.createHmac(alg, key).update(data).digest('hex');

describe('Agora emulator: Notifications (NCS)', function () {
  this.timeout(10000);
  let emu: AgoraEmulator;
  let hook: Receiver;

  async function join(channel = 'room1', pubBotToken?: string): Promise<string> {
    const rtcConfig: Record<string, unknown> = { channelName: channel, pubBotUid: '88222' };
    if (pubBotToken) rtcConfig.pubBotToken = pubBotToken;
    const r = await fetch(`${emu.url}/api/speech-to-text/v1/projects/${APP}/join`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `agent-${crypto.randomUUID()}`, languages: ['en-US'], rtcConfig }),
    });
    const body = (await r.json()) as { agent_id: string };
    r.status.should.equal(200, JSON.stringify(body));
    return body.agent_id;
  }

  beforeEach(async () => {
    hook = new Receiver();
    await hook.listen();
    // No App Certificate: joins need no bot token unless a test gives one.
    emu = new AgoraEmulator({
      apps: { [APP]: {} },
      statusStepMs: 10,
      notifications: [{ url: hook.url, secret: SECRET }],
    });
    await emu.listen();
  });
  afterEach(async () => {
    await emu.close();
    await new Promise((r) => hook.server.close(r));
  });

  it('signs 101 on join and 102 on leave with both NCS signatures over the exact body', async () => {
    const id = await join();
    await hook.count(1);
    const r = await fetch(`${emu.url}/api/speech-to-text/v1/projects/${APP}/agents/${id}/leave`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: '{}',
    });
    r.status.should.equal(200);
    await hook.count(2);
    const [joined, left] = [hook.json(0), hook.json(1)];
    joined.should.containDeep({ sid: id, productId: 20, eventType: 101, payload: { agent_id: id, channel: 'room1' } });
    joined.noticeId.should.match(/^[0-9a-f]{32}$/);
    left.should.containDeep({ eventType: 102, payload: { agent_id: id, status: 'STOPPED', message: 'OK' } });
    for (const g of hook.got) {
      g.headers['agora-signature-v2']!.should.equal(hmac('sha256', SECRET, g.body));
      g.headers['agora-signature']!.should.equal(hmac('sha1', SECRET, g.body));
    }
  });

  it('ends an agent as idle or failed (102 with Agora’s reasons), and sends 104 on demand', async () => {
    const a = await join('ch-a');
    const b = await join('ch-b');
    await hook.count(2);
    await emu.endAgent(a);
    await emu.endAgent(b, 'Fatal ASR error', 'FAILED');
    const c = await join('ch-c');
    await hook.count(5);
    await emu.tokenExpiring(c);
    const bodies = hook.got.map((_, i) => hook.json(i));
    const by = (type: number, agent: string) => bodies.find((x) => x.eventType === type && x.sid === agent);
    by(102, a).payload.should.containDeep({ status: 'STOPPED', message: 'Idle for too long' });
    by(102, b).payload.should.containDeep({ status: 'FAILED', message: 'Fatal ASR error' });
    should.exist(by(104, c));
    emu.agents.get(b)!.status.should.equal('FAILED');
    // endAgent() resolves once the webhook answered.
    emu.notifications.sent
      .filter((s) => s.eventType === 102)
      .map((s) => s.status)
      .should.eql([200, 200]);
    await emu.endAgent(a).should.be.rejected();
  });

  it('sends 104 ahead of the bot token’s expiry, read from the token itself', async () => {
    const t = RtcTokenBuilder.buildTokenWithUid(
      APP,
      AGORA_DEFAULTS.appCertificate,
      'room1',
      88222,
      RtcRole.PUBLISHER,
      3600,
      3600,
    );
    const expiresAt = rtcTokenExpiresAt(t)!;
    expiresAt.should.be.above(Date.now());
    // The emulator's clock stands 20 ms before the warning is due: no waiting on the real token.
    await emu.close();
    emu = new AgoraEmulator({
      now: () => expiresAt - 30_000 - 20,
      statusStepMs: 10,
      notifications: [{ url: hook.url, secret: SECRET }],
    });
    await emu.listen();
    const id = await join('room1', t);
    await hook.count(2);
    hook.got
      .map((_, i) => hook.json(i).eventType)
      .sort()
      .should.eql([101, 104]);
    hook.got.every((_, i) => hook.json(i).sid === id).should.be.true();
  });

  it('for demos, counts every bot token as lasting tokenLifetimeMs: 104 comes that long minus 30 s after the join', async () => {
    await emu.close();
    emu = new AgoraEmulator({
      apps: { [APP]: {} },
      statusStepMs: 10,
      tokenLifetimeMs: 30_050,
      notifications: [{ url: hook.url, secret: SECRET }],
    });
    await emu.listen();
    const id = await join('room1');
    await hook.count(2);
    hook.got.map((_, i) => [hook.json(i).eventType, hook.json(i).sid]).should.containDeep([[104, id]]);
  });

  it('sends no 104 for a token valid 30 s or less (release notes v7.2.3)', async () => {
    const t = RtcTokenBuilder.buildTokenWithUid(
      APP,
      AGORA_DEFAULTS.appCertificate,
      'room1',
      88222,
      RtcRole.PUBLISHER,
      3600,
      3600,
    );
    const expiresAt = rtcTokenExpiresAt(t)!;
    await emu.close();
    emu = new AgoraEmulator({
      now: () => expiresAt - 30_000,
      statusStepMs: 10,
      notifications: [{ url: hook.url, secret: SECRET }],
    });
    await emu.listen();
    const id = await join('room1', t);
    await hook.count(1);
    // The agent's only other notification now is its 102: 104 would have come first.
    await emu.endAgent(id);
    hook.got.map((_, i) => hook.json(i).eventType).should.eql([101, 102]);
  });

  it('injects faults: wrong signature, no signature, SHA1 only, a duplicate, and late delivery', async () => {
    const id = await join();
    await hook.count(1);
    emu.notifications.inject('badSignature');
    emu.notifications.inject('noSignature');
    emu.notifications.inject('sha1Only');
    emu.notifications.inject('duplicate');
    for (let i = 0; i < 4; i++) await emu.tokenExpiring(id);
    hook.got.length.should.equal(6);
    const [bad, none, sha1, dup1, dup2] = hook.got.slice(1);
    bad.headers['agora-signature-v2']!.should.not.equal(hmac('sha256', SECRET, bad.body));
    should.not.exist(none.headers['agora-signature-v2']);
    should.not.exist(none.headers['agora-signature']);
    should.not.exist(sha1.headers['agora-signature-v2']);
    sha1.headers['agora-signature']!.should.equal(hmac('sha1', SECRET, sha1.body));
    dup1.body.equals(dup2.body).should.be.true();

    emu.notifications.inject('late');
    const held = emu.tokenExpiring(id);
    await emu.endAgent(id);
    await held;
    const last = hook.got.slice(-2).map((g) => JSON.parse(g.body.toString()).eventType);
    last.should.eql([102, 104]); // the 104 arrived after the 102 that followed it
  });

  it('never posts outside loopback', async () => {
    emu.notifyTo([{ url: 'http://192.0.2.1/hook', secret: SECRET }]);
    const id = await join();
    await emu.tokenExpiring(id);
    emu.notifications.sent.map((s) => s.status).should.containEql('refused-non-loopback');
  });
});
