import 'should';
import { AgoraEmulator, AGORA_DEFAULTS, AgoraEmulatorOptions } from '../emulator/agora';
import { AgoraSttClient } from '../../nodes/vendors/agora/client';
import { AgoraClientOptions } from '../../nodes/vendors/agora/types';
import { MemoryStore } from '../../nodes/lib/state/memory-store';
import { recordStartClaims } from '../support/start-claims';
import { SpeechApiError } from '../../nodes/lib/errors';

async function rejection(p: Promise<unknown>): Promise<SpeechApiError> {
  try {
    await p;
  } catch (err) {
    return err as SpeechApiError;
  }
  throw new Error('expected a rejection');
}
const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const v7Body = (channel = 'room-1'): Record<string, unknown> => ({
  languages: ['en-US'],
  rtcConfig: { channelName: channel, pubBotUid: 88222 },
});
const v6Body = (channel = 'room-1'): Record<string, unknown> => ({
  languages: ['en-US'],
  rtcConfig: { channelName: channel, pubBotUid: 88222, subBotUid: 47091 },
});

describe('AgoraSttClient against AgoraEmulator', () => {
  let emu: AgoraEmulator;
  const clients: AgoraSttClient[] = [];

  async function setup(
    emuOpts: AgoraEmulatorOptions = {},
    clientOpts: Partial<AgoraClientOptions> = {},
  ): Promise<AgoraSttClient> {
    emu = new AgoraEmulator({ statusStepMs: 20, updateSpacingMs: 150, ...emuOpts });
    await emu.listen();
    return client(clientOpts);
  }
  function client(extra: Partial<AgoraClientOptions> = {}): AgoraSttClient {
    const c = new AgoraSttClient({
      appId: AGORA_DEFAULTS.appId,
      customerId: AGORA_DEFAULTS.customerId,
      customerSecret: AGORA_DEFAULTS.customerSecret,
      appCertificate: AGORA_DEFAULTS.appCertificate,
      apiVersion: 'v7',
      endpoint: emu.url,
      store: new MemoryStore(),
      startSpacingMs: 0,
      updateSpacingMs: 150,
      maxRetries: 2,
      ...extra,
    });
    clients.push(c);
    return c;
  }
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await emu?.close();
  });

  it('v7: join with a verified bot token, get, queued updates, leave', async () => {
    const c = await setup();
    const started = await c.start({
      ...v7Body(),
      translateConfig: { languages: [{ source: 'en-US', target: ['fr-FR'] }] },
    });
    emu.requests[0].action!.should.equal('join');
    emu.requests[0].status.should.equal(200);
    emu.agents.get(started.taskId)!.should.be.ok();
    await wait(40);
    (await c.query({ taskId: started.taskId })).status!.should.equal('RUNNING');
    // Sent together; the emulator refuses any update sooner than 150 ms after join or the previous one.
    const [a, b] = await Promise.all([
      c.update({ taskId: started.taskId }, { languages: ['en-US', 'zh-CN'] }),
      c.update(
        { taskId: started.taskId },
        { rtcConfig: { subscribeAudioUids: [1, 2] }, translateConfig: { enable: false } },
      ),
    ]);
    [a.sequenceId, b.sequenceId].should.eql([1, 2]);
    const updates = emu.requests.filter((r) => r.action === 'update');
    updates.map((r) => r.status).should.eql([200, 200]);
    updates
      .map((r) => r.params.updateMask)
      .should.eql(['languages', 'rtcConfig.subscribeAudioUids,translateConfig.enable']);
    emu.agents.get(started.taskId)!.updates.should.have.length(2);
    await c.stop({ taskId: started.taskId });
    await wait(60);
    (await c.query({ taskId: started.taskId })).status!.should.equal('STOPPED');
  });

  it('v7: a keywords-only update is accepted by the emulator with updateMask=keywords', async () => {
    const c = await setup();
    const started = await c.start(v7Body());
    while ((await c.query({ taskId: started.taskId })).status !== 'RUNNING');
    const u = await c.update({ taskId: started.taskId }, { keywords: ['Agora', 'STT'] });
    u.updateMask.should.equal('keywords');
    const sent = emu.requests.filter((r) => r.action === 'update');
    sent.map((r) => [r.status, r.params.updateMask]).should.eql([[200, 'keywords']]);
    (sent[0].body as Record<string, unknown>).should.eql({ keywords: ['Agora', 'STT'] });
  });

  it('v7: list follows the cursor through every page; testConnection counts running agents', async () => {
    const c = await setup();
    for (let i = 0; i < 5; i++) await c.start(v7Body(`ch-${i}`));
    await wait(60);
    const { payload } = await c.list({ state: 'RUNNING', limit: 2 });
    payload.agents.should.have.length(5);
    payload.should.containEql({ total: 5, pages: 3 });
    new Set(payload.agents.map((x) => x.agent_id)).size.should.equal(5);
    emu.requests
      .filter((r) => r.action === 'list')
      .map((r) => r.params.cursor ?? '')
      .filter(Boolean)
      .should.have.length(2);
    (await c.list({ channel: 'ch-3' })).payload.agents.should.have.length(1);
    (await c.testConnection()).should.eql({ agents: 5 });
  });

  it('v6: acquire + start with verified bot tokens, query, update, stop; a second stop is Agora49', async () => {
    const c = await setup({}, { apiVersion: 'v6' });
    const started = await c.start(v6Body());
    emu.requests.map((r) => `${r.action}:${r.status}`).should.eql(['acquire:200', 'start:200']);
    const ref = { taskId: started.taskId, builderToken: started.agora.builderToken };
    (await c.query(ref)).status!.should.equal('IN_PROGRESS');
    const u = await c.update(ref, {
      translateConfig: { enable: true, languages: [{ source: 'en-US', target: ['ja-JP'] }] },
    });
    u.updateMask.should.equal('translateConfig.enable,translateConfig.languages');
    emu.requests.find((r) => r.action === 'update')!.status.should.equal(200);
    await c.stop(ref);
    const again = await rejection(c.stop(ref));
    again.code.should.equal('Agora49');
    const other = await rejection(c.query({ taskId: started.taskId, builderToken: 'not-a-token' }));
    other.code.should.equal('Agora1001');
  });

  it('v6: a builder token that expired while the start waited is replaced and the start retried once', async () => {
    const store = new MemoryStore();
    const c = await setup({ builderTokenTtlMs: 100 }, { apiVersion: 'v6', startSpacingMs: 300, store });
    const { claims, stop } = recordStartClaims(store, 'room-1');
    const [x, y] = await Promise.all([c.start(v6Body()), c.start(v6Body())]).finally(stop);
    x.taskId.should.not.equal(y.taskId);
    const starts = emu.requests.filter((r) => r.action === 'start');
    starts.map((r) => r.code ?? 'ok').should.eql(['ok', 'resourceId reaches out the limited time interval!', 'ok']);
    emu.requests.filter((r) => r.action === 'acquire').should.have.length(3);
    // The second start waited for its slot (the client's decision; arrivals in this process can bunch).
    claims.length.should.equal(2);
    (claims[1] - claims[0]).should.be.aboveOrEqual(300);
  });

  it("maps the emulator's refusals: bad credentials, a token from the wrong certificate, a missing token, a name conflict", async () => {
    await setup();
    const bad = client({ customerSecret: 'wrong-secret-value' });
    const e1 = await rejection(bad.start(v7Body()));
    e1.code.should.equal('InvalidCredentials');
    e1.httpStatus!.should.equal(401);
    JSON.stringify(e1).should.not.containEql('wrong-secret-value');
    e1.message.should.not.containEql('wrong-secret-value');

    const wrongCert = client({ appCertificate: '11111111111111111111111111111111' });
    (await rejection(wrongCert.start(v7Body()))).code.should.equal('InvalidToken');
    const noCert = client({ appCertificate: undefined });
    (await rejection(noCert.start(v7Body()))).code.should.equal('InvalidArgument');
    const withToken = await noCert.start({
      ...v7Body('given'),
      rtcConfig: { channelName: 'given', pubBotUid: 5, pubBotToken: await tokenFor('given', 5) },
    });
    withToken.taskId.should.be.a.String();

    // Two nodes that share no store can both pick a name; Agora refuses the second.
    const one = client();
    const two = client();
    await one.start({ ...v7Body('dup'), name: 'shared-name' });
    const e2 = await rejection(two.start({ ...v7Body('dup'), name: 'shared-name' }));
    e2.code.should.equal('TaskConflict');
    e2.httpStatus!.should.equal(409);
  });

  it('retries reads on 5xx and a join refused with 429, never a join after a 5xx', async () => {
    const c = await setup();
    const started = await c.start(v7Body());
    emu.faults.next('http500', 2);
    (await c.query({ taskId: started.taskId })).payload.agent_id!.should.equal(started.taskId);
    emu.faults.next('throttle');
    await c.start(v7Body('other'));
    emu.faults.next('http500');
    const before = emu.requests.filter((r) => r.action === 'join').length;
    (await rejection(c.start(v7Body('third')))).code.should.equal('InternalError');
    emu.requests.filter((r) => r.action === 'join').length.should.equal(before + 1);
    // A cut-off answer to a read is read again; when it keeps coming, the error says so.
    emu.faults.next('invalidJson');
    (await c.query({ taskId: started.taskId })).payload.agent_id!.should.equal(started.taskId);
    emu.faults.next('invalidJson', 10);
    (await rejection(c.query({ taskId: started.taskId }))).code.should.equal('InvalidResponse');
  });
});

async function tokenFor(channel: string, uid: number): Promise<string> {
  const { buildBotToken } = await import('../../nodes/vendors/agora/tokens');
  return buildBotToken(AGORA_DEFAULTS.appId, AGORA_DEFAULTS.appCertificate, channel, uid, 600);
}
