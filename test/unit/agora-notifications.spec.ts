import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import should from 'should';
import {
  ncsSignature,
  verifyNcsSignature,
  SIGNATURE_V1_HEADER,
  SIGNATURE_V2_HEADER,
} from '../../nodes/vendors/agora/notifications/signature';
import { parseNotification } from '../../nodes/vendors/agora/notifications/event';
import { AGENT_STATES, EVENT_NAMES, stateWord } from '../../nodes/vendors/agora/vocabulary';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'vendors', 'agora', 'notifications');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const body = (name: string): unknown => JSON.parse(fixture(name));
/** The oracle: node:crypto directly, not the module under test. */
const hmac = (alg: string, key: string, data: string | Buffer) =>
  crypto.createHmac(alg, key).update(data).digest('hex');

describe('Agora NCS signatures', () => {
  const vector = JSON.parse(fixture('signature-vector.json'));

  it("reproduces Agora's published vector (SHA1 and SHA256) for the older docs' body", () => {
    ncsSignature(vector.body, vector.secret, 'sha1').should.equal(vector.agoraSignature);
    ncsSignature(vector.body, vector.secret, 'sha256').should.equal(vector.agoraSignatureV2);
    hmac('sha1', vector.secret, vector.body).should.equal(vector.agoraSignature);
    hmac('sha256', vector.secret, vector.body).should.equal(vector.agoraSignatureV2);
  });

  it('shows that the body Docs-Source prints beside the vector does not produce it', () => {
    ncsSignature(vector.docsSourceBody, vector.secret, 'sha256').should.not.equal(vector.agoraSignatureV2);
    ncsSignature(vector.docsSourceBody, vector.secret, 'sha256').should.equal(
      hmac('sha256', vector.secret, vector.docsSourceBody),
    );
  });

  it('accepts the published V2 and, when allowed, the published SHA1 signature', () => {
    const raw = Buffer.from(vector.body);
    verifyNcsSignature({ [SIGNATURE_V2_HEADER]: vector.agoraSignatureV2 }, raw, { secret: 'secret' }).should.eql({
      ok: true,
      algorithm: 'sha256',
    });
    verifyNcsSignature({ [SIGNATURE_V1_HEADER]: vector.agoraSignature }, raw, {
      secret: 'secret',
      allowSha1: true,
    }).should.eql({ ok: true, algorithm: 'sha1' });
    // Upper-case hex is the same bytes.
    verifyNcsSignature({ [SIGNATURE_V2_HEADER]: vector.agoraSignatureV2.toUpperCase() }, raw, {
      secret: 'secret',
    }).ok.should.be.true();
  });

  it('refuses SHA1 alone unless allowed, missing, wrong, truncated, non-hex and repeated signatures', () => {
    const raw = Buffer.from(vector.body);
    const opts = { secret: 'secret' };
    verifyNcsSignature({ [SIGNATURE_V1_HEADER]: vector.agoraSignature }, raw, opts).should.eql({
      ok: false,
      reason: 'sha1NotAllowed',
    });
    verifyNcsSignature({}, raw, opts).should.eql({ ok: false, reason: 'missingSignature' });
    verifyNcsSignature({ [SIGNATURE_V2_HEADER]: '' }, raw, opts).should.eql({ ok: false, reason: 'missingSignature' });
    const bad = (sig: unknown) => verifyNcsSignature({ [SIGNATURE_V2_HEADER]: sig }, raw, opts);
    bad(hmac('sha256', 'other', vector.body)).should.eql({ ok: false, reason: 'badSignature' });
    bad(vector.agoraSignatureV2.slice(0, 62)).should.eql({ ok: false, reason: 'badSignature' });
    bad(vector.agoraSignature).should.eql({ ok: false, reason: 'badSignature' }); // a SHA1 value in the V2 header
    bad(vector.agoraSignatureV2.replace(/.$/, 'g')).should.eql({ ok: false, reason: 'badSignature' });
    bad([vector.agoraSignatureV2, vector.agoraSignatureV2]).should.eql({ ok: false, reason: 'missingSignature' });
    // A wrong V2 is not rescued by a right SHA1.
    verifyNcsSignature(
      { [SIGNATURE_V2_HEADER]: hmac('sha256', 'other', vector.body), [SIGNATURE_V1_HEADER]: vector.agoraSignature },
      raw,
      { secret: 'secret', allowSha1: true },
    ).should.eql({ ok: false, reason: 'badSignature' });
  });

  it('covers the exact bytes: one changed byte, re-serialised JSON or another encoding fail', () => {
    const text = fixture('v7-101-agent-joined.json');
    const sig = hmac('sha256', 's3cr3t', text);
    const opts = { secret: 's3cr3t' };
    verifyNcsSignature({ [SIGNATURE_V2_HEADER]: sig }, Buffer.from(text), opts).ok.should.be.true();
    verifyNcsSignature(
      { [SIGNATURE_V2_HEADER]: sig },
      Buffer.from(JSON.stringify(JSON.parse(text))),
      opts,
    ).ok.should.be.false();
    verifyNcsSignature(
      { [SIGNATURE_V2_HEADER]: sig },
      Buffer.from(text.replace('101', '102')),
      opts,
    ).ok.should.be.false();
    verifyNcsSignature({ [SIGNATURE_V2_HEADER]: sig }, Buffer.from(text, 'utf16le'), opts).ok.should.be.false();
  });
});

describe('Agora notification bodies', () => {
  it('101 agent joined (Docs-Source example)', () => {
    const p = parseNotification(body('v7-101-agent-joined.json'));
    should(p.ok).be.true();
    if (!p.ok) return;
    p.noticeId!.should.equal('e94f5b6fd69446ea9d75da90a59ca8a2');
    const { raw, ...event } = p.event;
    event.should.eql({
      vendor: 'agora',
      event: 'agent-joined',
      eventType: 101,
      taskId: 'agent_id',
      channel: 'stt_ncs93369',
      at: 1750235971000, // start_ts, in seconds in the doc's example
    });
    should(raw).eql(body('v7-101-agent-joined.json'));
  });

  const left: Array<[string, string, string]> = [
    ['v7-102-stopped-ok.json', 'stopped', 'normal'],
    ['v7-102-idle-timeout.json', 'stopped', 'idle-timeout'],
    ['v7-102-rtc-connection-error.json', 'failed', 'rtc-connection-error'],
    ['v7-102-asr-error.json', 'failed', 'asr-error'],
    ['v7-102-translation-error.json', 'failed', 'translation-error'],
    ['v7-102-lifetime-limit.json', 'stopped', 'lifetime-limit'],
  ];
  for (const [file, status, reason] of left) {
    it(`102 agent left: ${file} -> ${status}, ${reason}`, () => {
      const p = parseNotification(body(file));
      if (!p.ok) throw new Error(p.detail);
      p.event.should.containDeep({ event: 'agent-left', eventType: 102, taskId: 'agent_id', status, reason });
      p.event.at.should.equal(1750235984000);
    });
  }

  it('102 with a message Agora has not documented keeps its text as the reason', () => {
    const b = body('v7-102-asr-error.json') as any;
    b.payload.message = 'Quota exceeded';
    const p = parseNotification(b);
    if (!p.ok) throw new Error(p.detail);
    p.event.reason!.should.equal('Quota exceeded');
  });

  it('104 token will expire: at = notifyMs when the payload has no time', () => {
    const p = parseNotification(body('v7-104-token-expiring.json'));
    if (!p.ok) throw new Error(p.detail);
    p.event.should.containDeep({
      event: 'token-expiring',
      eventType: 104,
      taskId: 'agent_id',
      channel: 'stt_ncs93369',
    });
    p.event.at.should.equal(1750235972193);
  });

  it('v5/v6 4: the playlist named as a string becomes one file', () => {
    const p = parseNotification(body('v6-4-playlist-generated.json'));
    if (!p.ok) throw new Error(p.detail);
    p.event.should.containDeep({
      event: 'playlist-generated',
      taskId: 'ec4b91009a47366703b821bb12345678',
      channel: 'test',
      files: [{ fileName: 'ec4b91009a47366703b821bb12345678_test.m3u8' }],
      at: 1715670681000,
    });
  });

  it('v5/v6 30-33: uploader started, uploaded (fileList), uploaded with backup, progress', () => {
    const started = parseNotification(body('v6-30-uploader-started.json'));
    const uploaded = parseNotification(body('v6-31-uploaded.json'));
    const backup = parseNotification(body('v6-32-uploaded-with-backup.json'));
    const progress = parseNotification(body('v6-33-upload-progress.json'));
    if (!started.ok || !uploaded.ok || !backup.ok || !progress.ok) throw new Error('refused');
    started.event.should.containDeep({
      event: 'uploader-started',
      status: 'ok',
      taskId: 'c662ce961441cd8dc22f858ab7cec4d4',
    });
    uploaded.event.event.should.equal('uploaded');
    uploaded.event.files!.should.have.length(3);
    uploaded.event.files![0].should.eql({
      fileName: 'en-US_c662ce961441cd8dc22f858ab7cec4d4_test.m3u8',
      trackType: 'audio',
      mode: 2,
      sliceStartTime: 1715331647844,
    });
    backup.event.event.should.equal('uploaded-with-backup');
    backup.event.files!.should.eql(uploaded.event.files);
    progress.event.should.containDeep({ event: 'upload-progress', progress: 1 });
  });

  it('an event type it does not know is passed on raw, as unknown, never refused', () => {
    const raw = { noticeId: 'n1', productId: 20, eventType: 999, notifyMs: 1750000000000, payload: { x: [1] } };
    const p = parseNotification(raw);
    if (!p.ok) throw new Error(p.detail);
    p.event.should.eql({ vendor: 'agora', event: 'unknown', eventType: 999, at: 1750000000000, raw });
  });

  it('refuses only what is not a notification: not an object, or no numeric eventType', () => {
    for (const b of [null, 'text', 42, [1, 2], {}, { eventType: 'x' }, { eventType: 1.5 }])
      parseNotification(b).ok.should.be.false();
  });

  it('reads own fields only: inherited or __proto__ keys give nothing', () => {
    const b = JSON.parse('{"eventType":101,"__proto__":{"sid":"evil"},"payload":{"__proto__":{"agent_id":"evil"}}}');
    const p = parseNotification(b, () => 5);
    if (!p.ok) throw new Error(p.detail);
    should(p.event.taskId).be.undefined();
    p.event.at.should.equal(5);
    (({}) as any).should.not.have.property('sid');
  });
});

describe('Agora vocabulary', () => {
  it('every v7 status and the v6 ones map to one word; query and events share it', () => {
    AGENT_STATES.map(stateWord).should.eql([
      'idle',
      'starting',
      'running',
      'stopping',
      'stopped',
      'recovering',
      'failed',
    ]);
    should(stateWord('IN_PROGRESS')).equal('running');
    should(stateWord('FAILURE_STOP')).equal('failed');
    should(stateWord('NOPE')).be.undefined();
    Object.values(EVENT_NAMES).should.containDeep(['agent-joined', 'agent-left', 'token-expiring']);
  });
});
