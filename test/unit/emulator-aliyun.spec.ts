import assert from 'assert/strict';
import http from 'http';
import { createHash } from 'crypto';
import { AliyunLiveEmulator, type AliyunLiveEmulatorOptions } from '../emulator/aliyun-live';
import { startEmulators } from '../emulator';
import {
  isoSeconds,
  nonce,
  send,
  signV2,
  signV3,
  type RawResponse,
  type V2Options,
  type V3Options,
} from '../emulator/aliyun-live/sign-request';

const UUID_UPPER = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const TASK_ID = /^asr-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const BEIJING = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;
const LIVE = {
  Mode: 'live',
  StreamURL: 'rtmp://example.com/app/stream',
  Language: 'cn',
  CallbackURL: 'http://127.0.0.1:9/cb',
};

const MSG = {
  sig: 'Specified signature is not matched with our calculation.',
  incomplete: 'The request signature does not conform to Aliyun standards.',
  throttle: 'Request was denied due to user flow control.',
};

async function started(opts: AliyunLiveEmulatorOptions = {}): Promise<AliyunLiveEmulator> {
  const emu = new AliyunLiveEmulator({ callbacks: false, ...opts });
  await emu.listen();
  return emu;
}

function v3(
  emu: AliyunLiveEmulator,
  action: string,
  query: Record<string, string> = {},
  o: Partial<V3Options> = {},
): Promise<RawResponse> {
  return send(signV3(emu.url, { action, query, ...o }));
}

function v2(
  emu: AliyunLiveEmulator,
  action: string,
  params: Record<string, string> = {},
  o: Partial<V2Options> = {},
): Promise<RawResponse> {
  return send(signV2(emu.url, { action, params, ...o }));
}

function assertError(r: RawResponse, status: number, code: string, message?: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.Code, code, r.text);
  if (message !== undefined) assert.equal(r.json.Message, message);
  assert.match(r.json.RequestId, UUID_UPPER);
  assert.equal(r.json.HostId, 'live.aliyuncs.com');
  assert.equal(typeof r.json.Recommend, 'string');
  assert.deepEqual(Object.keys(r.json).sort(), ['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
}

function assertOk(r: RawResponse): void {
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.RetCode, 2000);
  assert.equal(r.json.Description, 'success');
  assert.match(r.json.RequestId, UUID_UPPER);
}

function flipLastHex(auth: string): string {
  const last = auth[auth.length - 1];
  return auth.slice(0, -1) + (last === '0' ? '1' : '0');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(5);
  }
}

describe('AliyunLiveEmulator: signatures and gateway checks', () => {
  let emu: AliyunLiveEmulator;
  before(async () => {
    emu = await started({
      credentials: { 'LTAI-emulator': 'emulator-secret', 'LTAI-other': 'other-secret', 'STS.key': 'sts-secret' },
      stsTokens: { 'STS.key': 'token-123' },
      ratePerSecond: 1000,
    });
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  it('accepts a V3 request signed like the SDK and records it', async () => {
    const r = await v3(emu, 'CreateRtcAsrTask', LIVE);
    assertOk(r);
    assert.match(r.json.TaskId, TASK_ID);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal(r.headers['x-acs-request-id'], r.json.RequestId);
    assert.equal(emu.requests.length, 1);
    const rec = emu.requests[0];
    assert.deepEqual(
      { action: rec.action, scheme: rec.scheme, accessKeyId: rec.accessKeyId, status: rec.status, code: rec.code },
      { action: 'CreateRtcAsrTask', scheme: 'v3', accessKeyId: 'LTAI-emulator', status: 200, code: undefined },
    );
    assert.equal(rec.params.StreamURL, LIVE.StreamURL);
    assert.equal(emu.tasks.get(r.json.TaskId)?.status, 1);
  });

  it('accepts V2 in the query (POST and GET) and in a pop-core form body', async () => {
    assertOk(await v2(emu, 'QueryRtcAsrTasks'));
    assertOk(await v2(emu, 'QueryRtcAsrTasks', {}, { method: 'GET' }));
    const form = await v2(emu, 'CreateRtcAsrTask', LIVE, { form: true });
    assertOk(form);
    assert.equal(emu.tasks.get(form.json.TaskId)?.params.CallbackURL, LIVE.CallbackURL);
    assert.deepEqual(
      emu.requests.map((r) => r.scheme),
      ['v2', 'v2', 'v2'],
    );
  });

  it('round-trips values with spaces, * ~ & = + and unicode in both encodings and schemes', async () => {
    const tricky = 'a b*c~d&e=f+g/h?i 字幕 ü 🎤 %41';
    for (const send of [
      () => v3(emu, 'CreateRtcAsrTask', { ...LIVE, Tag: tricky }, { encoding: 'sdk' }),
      () => v3(emu, 'CreateRtcAsrTask', { ...LIVE, Tag: tricky }, { encoding: 'rfc3986' }),
      () => v2(emu, 'CreateRtcAsrTask', { ...LIVE, Tag: tricky }, { encoding: 'rfc3986' }),
      () => v2(emu, 'CreateRtcAsrTask', { ...LIVE, Tag: tricky }, { encoding: 'sdk', method: 'GET' }),
      () => v2(emu, 'CreateRtcAsrTask', { ...LIVE, Tag: tricky }, { form: true }),
    ]) {
      const r = await send();
      assertOk(r);
      assert.equal(emu.tasks.get(r.json.TaskId)?.params.Tag, tricky);
    }
  });

  it('rejects a V3 signature with one character changed, or made with the wrong secret', async () => {
    const req = signV3(emu.url, { action: 'QueryRtcAsrTasks' });
    req.headers.Authorization = flipLastHex(req.headers.Authorization);
    assertError(await send(req), 400, 'SignatureDoesNotMatch', MSG.sig);
    assertError(
      await v3(emu, 'QueryRtcAsrTasks', {}, { secret: 'emulator-secreT' }),
      400,
      'SignatureDoesNotMatch',
      MSG.sig,
    );
  });

  it('rejects a V3 request whose query was changed after signing', async () => {
    const req = signV3(emu.url, { action: 'CreateRtcAsrTask', query: LIVE });
    req.url = req.url.replace('Language=cn', 'Language=en');
    assertError(await send(req), 400, 'SignatureDoesNotMatch', MSG.sig);
  });

  it('rejects a V2 signature with one character changed, or made with the wrong secret', async () => {
    const req = signV2(emu.url, { action: 'QueryRtcAsrTasks' });
    const m = /Signature=([^&]+)/.exec(req.url) as RegExpExecArray;
    const sig = decodeURIComponent(m[1]);
    const bad = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    req.url = req.url.replace(`Signature=${m[1]}`, `Signature=${encodeURIComponent(bad)}`);
    assertError(await send(req), 400, 'SignatureDoesNotMatch', MSG.sig);
    assertError(await v2(emu, 'QueryRtcAsrTasks', {}, { secret: 'wrong' }), 400, 'SignatureDoesNotMatch', MSG.sig);
  });

  it('rejects a body that does not match x-acs-content-sha256', async () => {
    const req = signV3(emu.url, { action: 'QueryRtcAsrTasks', body: '', contentType: 'text/plain' });
    req.body = 'tampered';
    assertError(await send(req), 400, 'SignatureDoesNotMatch', MSG.sig);
    const lie = signV3(emu.url, {
      action: 'QueryRtcAsrTasks',
      body: 'real body',
      contentType: 'text/plain',
      contentSha256: createHash('sha256').update('other body').digest('hex'),
    });
    assertError(await send(lie), 400, 'SignatureDoesNotMatch', MSG.sig);
    assertOk(await send(signV3(emu.url, { action: 'QueryRtcAsrTasks', body: 'real body', contentType: 'text/plain' })));
  });

  it('requires every x-acs-* header to be signed', async () => {
    const r = await v3(emu, 'QueryRtcAsrTasks', {}, { unsigned: { 'x-acs-extra': '1' } });
    assertError(r, 400, 'IncompleteSignature', MSG.incomplete);
    assertOk(await v3(emu, 'QueryRtcAsrTasks', {}, { signedExtra: { 'x-acs-extra': '1' } }));
    assertError(await v3(emu, 'QueryRtcAsrTasks', {}, { signHost: false }), 400, 'IncompleteSignature', MSG.incomplete);
  });

  it('rejects a signed header whose value changed in transit', async () => {
    const req = signV3(emu.url, { action: 'QueryRtcAsrTasks', signedExtra: { 'x-acs-extra': 'a' } });
    req.headers['x-acs-extra'] = 'b';
    assertError(await send(req), 400, 'SignatureDoesNotMatch', MSG.sig);
  });

  it('answers IncompleteSignature when no scheme is recognisable', async () => {
    assertError(
      await send({ method: 'POST', url: `${emu.url}/?Action=QueryRtcAsrTasks`, headers: {}, body: '' }),
      400,
      'IncompleteSignature',
      MSG.incomplete,
    );
    const req = signV3(emu.url, { action: 'QueryRtcAsrTasks' });
    req.headers.Authorization = req.headers.Authorization.replace(/,Signature=.*$/, '');
    assertError(await send(req), 400, 'IncompleteSignature', MSG.incomplete);
    const sha256 = signV2(emu.url, { action: 'QueryRtcAsrTasks' });
    sha256.url = sha256.url.replace('SignatureMethod=HMAC-SHA1', 'SignatureMethod=HMAC-SHA256');
    assertError(await send(sha256), 400, 'IncompleteSignature', MSG.incomplete);
  });

  it('reports missing V3 headers and V2 common params by name', async () => {
    const req = signV3(emu.url, { action: 'QueryRtcAsrTasks' });
    delete req.headers['x-acs-date'];
    assertError(await send(req), 400, 'MissingParameter', 'x-acs-date is mandatory for this action.');
    const noNonce = signV3(emu.url, { action: 'QueryRtcAsrTasks' });
    delete noNonce.headers['x-acs-signature-nonce'];
    assertError(await send(noNonce), 400, 'MissingParameter', 'x-acs-signature-nonce is mandatory for this action.');
    const r = await v2(emu, 'QueryRtcAsrTasks', {}, { omit: ['Timestamp'] });
    assertError(r, 400, 'MissingTimestamp', 'Timestamp is mandatory for this action.');
    assertError(
      await v2(emu, 'QueryRtcAsrTasks', {}, { omit: ['AccessKeyId'] }),
      400,
      'MissingAccessKeyId',
      'AccessKeyId is mandatory for this action.',
    );
  });

  it('rejects an unknown AccessKeyId in both schemes', async () => {
    const msg = 'Specified access key is not found.';
    assertError(
      await v3(emu, 'QueryRtcAsrTasks', {}, { accessKeyId: 'LTAI-nobody' }),
      400,
      'InvalidAccessKeyId.NotFound',
      msg,
    );
    assertError(
      await v2(emu, 'QueryRtcAsrTasks', {}, { accessKeyId: 'LTAI-nobody' }),
      400,
      'InvalidAccessKeyId.NotFound',
      msg,
    );
  });

  it('requires the matching security token for STS keys', async () => {
    const sts = { accessKeyId: 'STS.key', secret: 'sts-secret' };
    assertError(await v3(emu, 'QueryRtcAsrTasks', {}, sts), 400, 'InvalidSecurityToken.Mismatch');
    assertError(
      await v3(emu, 'QueryRtcAsrTasks', {}, { ...sts, securityToken: 'token-999' }),
      400,
      'InvalidSecurityToken.Mismatch',
    );
    assertError(
      await v2(emu, 'QueryRtcAsrTasks', {}, { ...sts, securityToken: 'token-999' }),
      400,
      'InvalidSecurityToken.Mismatch',
    );
    assertOk(await v3(emu, 'QueryRtcAsrTasks', {}, { ...sts, securityToken: 'token-123' }));
    assertOk(await v2(emu, 'QueryRtcAsrTasks', {}, { ...sts, securityToken: 'token-123' }));
  });

  it('rejects badly formatted timestamps', async () => {
    const msg = 'Specified time stamp or date value is not well formatted.';
    const now = Date.now();
    for (const date of [
      new Date(now).toISOString(),
      '2024-02-30T00:00:00Z',
      isoSeconds(now).replace('Z', '+00:00'),
      'yesterday',
    ]) {
      assertError(await v3(emu, 'QueryRtcAsrTasks', {}, { date }), 400, 'InvalidTimeStamp.Format', msg);
    }
    assertError(
      await v2(emu, 'QueryRtcAsrTasks', {}, { timestamp: '2024-01-01 00:00:00' }),
      400,
      'InvalidTimeStamp.Format',
      msg,
    );
  });

  it('rejects a reused nonce, but a forged request does not burn it', async () => {
    const n = nonce();
    assertError(await v3(emu, 'QueryRtcAsrTasks', {}, { nonce: n, secret: 'forged' }), 400, 'SignatureDoesNotMatch');
    assertOk(await v3(emu, 'QueryRtcAsrTasks', {}, { nonce: n }));
    assertError(
      await v3(emu, 'QueryRtcAsrTasks', {}, { nonce: n }),
      400,
      'SignatureNonceUsed',
      'Specified signature nonce was used already.',
    );
    assertError(await v2(emu, 'QueryRtcAsrTasks', {}, { nonce: n }), 400, 'SignatureNonceUsed');
    // Nonces are per AccessKey.
    assertOk(await v3(emu, 'QueryRtcAsrTasks', {}, { nonce: n, accessKeyId: 'LTAI-other', secret: 'other-secret' }));
  });

  it('rejects unknown actions and versions with InvalidParameter', async () => {
    assertError(
      await v3(emu, 'DescribeLiveStreams'),
      400,
      'InvalidParameter',
      'The specified parameter Action is not valid.',
    );
    assertError(
      await v3(emu, 'QueryRtcAsrTasks', {}, { version: '2017-01-01' }),
      400,
      'InvalidParameter',
      'The specified parameter Version is not valid.',
    );
    assertError(
      await v2(emu, 'UpdateRtcAsrTask'),
      400,
      'InvalidParameter',
      'The specified parameter Action is not valid.',
    );
  });

  it('answers 404 with the envelope for other paths', async () => {
    const r = await send({ method: 'POST', url: `${emu.url}/v1/tasks`, headers: {}, body: '' });
    assertError(r, 404, 'InvalidAction.NotFound');
  });
});

describe('AliyunLiveEmulator: clock, documented vectors, throttling', () => {
  const T0 = Date.parse('2024-05-14T03:52:02Z');
  let clock = T0;
  let emu: AliyunLiveEmulator;
  before(async () => {
    emu = await started({ now: () => clock, ratePerSecond: 20 });
  });
  beforeEach(() => {
    emu.reset();
    clock = T0;
  });
  after(() => emu.close());

  it('accepts up to 15 minutes of skew either way and rejects more', async () => {
    const msg = 'Specified time stamp or date value is expired.';
    assertOk(await v3(emu, 'QueryRtcAsrTasks', {}, { date: isoSeconds(T0 - 14 * 60_000) }));
    assertOk(await v2(emu, 'QueryRtcAsrTasks', {}, { timestamp: isoSeconds(T0 + 15 * 60_000) }));
    assertError(
      await v3(emu, 'QueryRtcAsrTasks', {}, { date: isoSeconds(T0 - 15 * 60_000 - 1000) }),
      400,
      'InvalidTimeStamp.Expired',
      msg,
    );
    assertError(
      await v2(emu, 'QueryRtcAsrTasks', {}, { timestamp: isoSeconds(T0 + 16 * 60_000) }),
      400,
      'InvalidTimeStamp.Expired',
      msg,
    );
  });

  it('verifies the official V2 example (A1) independently of openapi-util', async () => {
    const vector = await started({
      credentials: { testid: 'testsecret' },
      now: () => Date.parse('2023-03-13T08:34:30Z'),
    });
    try {
      const q =
        'AccessKeyId=testid&Action=DescribeDedicatedHosts&Format=JSON&RegionId=cn-beijing&SignatureMethod=HMAC-SHA1' +
        '&SignatureNonce=edb2b34af0af9a6d14deaf7c1a5315eb&SignatureVersion=1.0&Timestamp=2023-03-13T08%3A34%3A30Z&Version=2014-05-26';
      const ok = await send({
        method: 'GET',
        url: `${vector.url}/?${q}&Signature=9NaGiOspFP5UPcwX8Iwt2YJXXuk%3D`,
        headers: {},
        body: '',
      });
      // Signature accepted, so the request gets as far as the version check.
      assertError(ok, 400, 'InvalidParameter', 'The specified parameter Version is not valid.');
      const bad = await send({
        method: 'GET',
        url: `${vector.url}/?${q.replace('edb2', 'edb3')}&Signature=9NaGiOspFP5UPcwX8Iwt2YJXXuk%3D`,
        headers: {},
        body: '',
      });
      assertError(bad, 400, 'SignatureDoesNotMatch');
    } finally {
      await vector.close();
    }
  });

  it('verifies the official V3 example (A4) independently of openapi-util', async () => {
    const vector = await started({
      credentials: { YourAccessKeyId: 'YourAccessKeySecret' },
      now: () => Date.parse('2023-10-26T10:22:32Z'),
    });
    try {
      const sig = '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0';
      const req = (signature: string) => ({
        method: 'POST',
        url: `${vector.url}/?ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai`,
        headers: {
          host: 'ecs.cn-shanghai.aliyuncs.com',
          'x-acs-action': 'RunInstances',
          'x-acs-version': '2014-05-26',
          'x-acs-date': '2023-10-26T10:22:32Z',
          'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
          'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
          Authorization:
            'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=' +
            signature,
        },
        body: '',
      });
      // The forged one first: the genuine one would otherwise burn the doc's fixed nonce.
      assertError(await send(req(flipLastHex(sig))), 400, 'SignatureDoesNotMatch');
      assertError(await send(req(sig)), 400, 'InvalidParameter', 'The specified parameter Version is not valid.');
    } finally {
      await vector.close();
    }
  });

  it('throttles the 21st request within one second per AccessKey, without x-acs-retry-after by default', async () => {
    for (let i = 0; i < 20; i++) assertOk(await v3(emu, 'QueryRtcAsrTasks', {}, { date: isoSeconds(T0) }));
    const r = await v3(emu, 'QueryRtcAsrTasks', {}, { date: isoSeconds(T0) });
    assertError(r, 400, 'Throttling.User', MSG.throttle);
    assert.equal(r.headers['x-acs-retry-after'], undefined);
    clock = T0 + 999;
    assertError(await v2(emu, 'QueryRtcAsrTasks', {}, { timestamp: isoSeconds(T0) }), 400, 'Throttling.User');
    clock = T0 + 1000;
    assertOk(await v3(emu, 'QueryRtcAsrTasks', {}, { date: isoSeconds(T0) }));
    assert.equal(emu.requests.filter((q) => q.code === 'Throttling.User').length, 2);
  });

  it('adds x-acs-retry-after to throttled replies when configured', async () => {
    const limited = await started({ now: () => T0, ratePerSecond: 2, retryAfterSeconds: 3 });
    try {
      assertOk(await v3(limited, 'QueryRtcAsrTasks', {}, { date: isoSeconds(T0) }));
      assertOk(await v3(limited, 'QueryRtcAsrTasks', {}, { date: isoSeconds(T0) }));
      const r = await v3(limited, 'QueryRtcAsrTasks', {}, { date: isoSeconds(T0) });
      assertError(r, 400, 'Throttling.User', MSG.throttle);
      assert.equal(r.headers['x-acs-retry-after'], '3');
    } finally {
      await limited.close();
    }
  });

  it('runs the Create → Query → Stop → Query → Delete → Query lifecycle with documented types', async () => {
    const d = { date: isoSeconds(T0) };
    const created = await v3(
      emu,
      'CreateRtcAsrTask',
      { ...LIVE, AutoTerminateEnabled: 'true', AutoTerminateDelay: '5', ReportInterval: '200', Tag: 't1' },
      d,
    );
    assertOk(created);
    const id: string = created.json.TaskId;
    const other = await v3(emu, 'CreateRtcAsrTask', LIVE, d);
    assertOk(other);

    const one = await v3(emu, 'QueryRtcAsrTasks', { TaskId: id }, d);
    assertOk(one);
    assert.deepEqual(Object.keys(one.json.Tasks), [id]);
    const view = one.json.Tasks[id];
    assert.deepEqual(view, {
      createdAt: '2024-05-14T11:52:02+08:00',
      updatedAt: '2024-05-14T11:52:02+08:00',
      mode: 'live',
      taskId: id,
      language: 'cn',
      callbackUrl: LIVE.CallbackURL,
      autoTerminateDelay: '5',
      streamUrl: LIVE.StreamURL,
      status: 1,
      reportInterval: '200',
      aliUid: view.aliUid,
      tag: 't1',
    });
    assert.match(view.aliUid, /^\d{16}$/);
    assert.match(view.createdAt, BEIJING);

    const all = await v3(emu, 'QueryRtcAsrTasks', {}, d);
    assert.deepEqual(Object.keys(all.json.Tasks).sort(), [id, other.json.TaskId].sort());

    clock = T0 + 1000;
    assertOk(await v3(emu, 'StopRtcAsrTask', { TaskId: id }, d));
    assertOk(await v2(emu, 'StopRtcAsrTask', { TaskId: id }, { timestamp: d.date }));
    assertOk(await v3(emu, 'StopRtcAsrTask', { TaskId: other.json.TaskId }, d));
    const none = await v3(emu, 'QueryRtcAsrTasks', {}, d);
    assertOk(none);
    assert.deepEqual(none.json.Tasks, {});
    const stopped = await v3(emu, 'QueryRtcAsrTasks', { TaskId: id }, d);
    assert.equal(stopped.json.Tasks[id].status, 0);
    assert.equal(stopped.json.Tasks[id].updatedAt, '2024-05-14T11:52:03+08:00');

    const del = await v3(emu, 'DeleteRtcAsrTask', { TaskId: id }, d);
    assertOk(del);
    assert.deepEqual(Object.keys(del.json).sort(), ['Description', 'RequestId', 'RetCode']);
    const msg = `TaskId ${id} not found, please check and try again later.`;
    assertError(await v3(emu, 'QueryRtcAsrTasks', { TaskId: id }, d), 400, 'ConfigNotFound', msg);
    assertError(await v3(emu, 'StopRtcAsrTask', { TaskId: id }, d), 400, 'ConfigNotFound', msg);
    assertError(await v3(emu, 'DeleteRtcAsrTask', { TaskId: id }, d), 400, 'ConfigNotFound', msg);
    assert.equal(emu.tasks.has(id), false);
  });
});

describe('AliyunLiveEmulator: CreateRtcAsrTask parameters and TaskIds', () => {
  let emu: AliyunLiveEmulator;
  before(async () => {
    emu = await started({
      ratePerSecond: 1000,
      credentials: { 'LTAI-emulator': 'emulator-secret', 'LTAI-other': 'other-secret' },
    });
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  const RTC = {
    Mode: 'rtc',
    SDKAppID: 'app',
    ChannelID: 'room',
    RtcUserId: 'user1',
    Language: 'en',
    CallbackURL: 'https://localhost/cb',
  };
  const omit = (o: Record<string, string>, k: string) =>
    Object.fromEntries(Object.entries(o).filter(([key]) => key !== k));
  const missing = (p: string): [string, string] => ['MissingParameter', `${p} is mandatory for this action.`];
  const invalid = (p: string): [string, string] => ['InvalidParameter', `The specified parameter ${p} is not valid.`];
  const cases: [string, Record<string, string>, [string, string]][] = [
    ['no Mode', omit(LIVE, 'Mode'), missing('Mode')],
    ['Mode in caps', { ...LIVE, Mode: 'LIVE' }, invalid('Mode')],
    ['live without StreamURL', omit(LIVE, 'StreamURL'), missing('StreamURL')],
    ['rtc without SDKAppID', omit(RTC, 'SDKAppID'), missing('SDKAppID')],
    ['rtc without ChannelID', omit(RTC, 'ChannelID'), missing('ChannelID')],
    ['rtc without RtcUserId', omit(RTC, 'RtcUserId'), missing('RtcUserId')],
    ['rtc with an empty RtcUserId', { ...RTC, RtcUserId: '' }, missing('RtcUserId')],
    ['two RtcUserIds (comma)', { ...RTC, RtcUserId: 'user1,user2' }, invalid('RtcUserId')],
    ['two RtcUserIds (space)', { ...RTC, RtcUserId: 'user1 user2' }, invalid('RtcUserId')],
    ['no Language', omit(LIVE, 'Language'), missing('Language')],
    ['Language de', { ...LIVE, Language: 'de' }, invalid('Language')],
    ['no CallbackURL', omit(LIVE, 'CallbackURL'), missing('CallbackURL')],
    ['ftp CallbackURL', { ...LIVE, CallbackURL: 'ftp://127.0.0.1/cb' }, invalid('CallbackURL')],
    ['CallbackURL not a URL', { ...LIVE, CallbackURL: 'callback' }, invalid('CallbackURL')],
    ['TranslateEnabled yes', { ...LIVE, TranslateEnabled: 'yes' }, invalid('TranslateEnabled')],
    ['AutoTerminateEnabled yes', { ...LIVE, AutoTerminateEnabled: 'yes' }, invalid('AutoTerminateEnabled')],
    ['AutoTerminateEnabled TRUE', { ...LIVE, AutoTerminateEnabled: 'TRUE' }, invalid('AutoTerminateEnabled')],
    ['TargetLanguages de', { ...LIVE, TranslateEnabled: 'true', TargetLanguages: 'de' }, invalid('TargetLanguages')],
    ['AutoTerminateDelay 0', { ...LIVE, AutoTerminateDelay: '0' }, invalid('AutoTerminateDelay')],
    ['AutoTerminateDelay 11', { ...LIVE, AutoTerminateDelay: '11' }, invalid('AutoTerminateDelay')],
    ['AutoTerminateDelay 5.5', { ...LIVE, AutoTerminateDelay: '5.5' }, invalid('AutoTerminateDelay')],
    ['ReportInterval -2', { ...LIVE, ReportInterval: '-2' }, invalid('ReportInterval')],
    ['ReportInterval 501', { ...LIVE, ReportInterval: '501' }, invalid('ReportInterval')],
    ['ReportInterval abc', { ...LIVE, ReportInterval: 'abc' }, invalid('ReportInterval')],
  ];
  for (const [name, params, [code, message]] of cases) {
    it(`rejects ${name}`, async () => {
      assertError(await v3(emu, 'CreateRtcAsrTask', params), 400, code, message);
      assert.equal(emu.tasks.size, 0);
    });
  }

  it('accepts the range edges and a valid rtc task', async () => {
    const edges: Record<string, string>[] = [
      { AutoTerminateDelay: '1', ReportInterval: '-1' },
      { AutoTerminateDelay: '10', ReportInterval: '500' },
      { TranslateEnabled: 'true', TargetLanguages: 'en', AutoTerminateEnabled: 'false', ReportInterval: '0' },
    ];
    for (const extra of edges) {
      assertOk(await v3(emu, 'CreateRtcAsrTask', { ...LIVE, ...extra }));
    }
    const rtc = await v2(emu, 'CreateRtcAsrTask', RTC);
    assertOk(rtc);
    const view = (await v3(emu, 'QueryRtcAsrTasks', { TaskId: rtc.json.TaskId })).json.Tasks[rtc.json.TaskId];
    assert.equal(view.mode, 'rtc');
    assert.equal(view.streamUrl, '');
    assert.equal(view.reportInterval, '0');
  });

  it('answers ConfigNotFound for unknown TaskIds and MissingParameter without one', async () => {
    const id = 'asr-00000000-0000-4000-8000-000000000000';
    const msg = `TaskId ${id} not found, please check and try again later.`;
    for (const action of ['StopRtcAsrTask', 'DeleteRtcAsrTask', 'QueryRtcAsrTasks']) {
      assertError(await v3(emu, action, { TaskId: id }), 400, 'ConfigNotFound', msg);
    }
    assertError(await v3(emu, 'StopRtcAsrTask'), 400, 'MissingParameter', 'TaskId is mandatory for this action.');
    assertError(await v2(emu, 'DeleteRtcAsrTask'), 400, 'MissingParameter', 'TaskId is mandatory for this action.');
  });

  it("hides one account's tasks from another", async () => {
    const mine = await v3(emu, 'CreateRtcAsrTask', LIVE);
    const theirs = { accessKeyId: 'LTAI-other', secret: 'other-secret' };
    assertError(await v3(emu, 'StopRtcAsrTask', { TaskId: mine.json.TaskId }, theirs), 400, 'ConfigNotFound');
    assert.deepEqual((await v3(emu, 'QueryRtcAsrTasks', {}, theirs)).json.Tasks, {});
  });
});

describe('AliyunLiveEmulator: faults', () => {
  let emu: AliyunLiveEmulator;
  before(async () => {
    emu = await started();
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  const unsigned = () => send({ method: 'POST', url: `${emu.url}/?Action=QueryRtcAsrTasks`, headers: {}, body: '' });

  it('http500 and http503 answer before auth and count down', async () => {
    emu.faults.next('http500', 2).next('http503');
    assertError(
      await unsigned(),
      500,
      'InternalError',
      'The request processing has failed due to some unknown error, exception or failure.',
    );
    assertError(await v3(emu, 'QueryRtcAsrTasks'), 500, 'InternalError');
    assertError(await v3(emu, 'QueryRtcAsrTasks'), 503, 'ServiceUnavailable');
    assertOk(await v3(emu, 'QueryRtcAsrTasks'));
    assert.deepEqual(
      emu.requests.map((r) => [r.fault, r.status]),
      [
        ['http500', 500],
        ['http500', 500],
        ['http503', 503],
        [undefined, 200],
      ],
    );
  });

  it('throttle answers Throttling.User', async () => {
    emu.faults.next('throttle');
    assertError(await unsigned(), 400, 'Throttling.User', MSG.throttle);
  });

  it('invalidJson answers 200 with a body that does not parse', async () => {
    emu.faults.next('invalidJson');
    const r = await v3(emu, 'QueryRtcAsrTasks');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /json/);
    assert.throws(() => JSON.parse(r.text));
  });

  it('drop destroys the socket without a response', async () => {
    emu.faults.next('drop');
    await assert.rejects(v3(emu, 'QueryRtcAsrTasks'), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
    assertOk(await v3(emu, 'QueryRtcAsrTasks'));
    assert.equal(emu.requests[0].status, 0);
  });

  it('slow delays, then answers normally', async () => {
    emu.faults.next('slow', 1, { slowMs: 150 });
    const t = Date.now();
    assertOk(await v3(emu, 'QueryRtcAsrTasks'));
    assert.ok(Date.now() - t >= 140, 'answered too soon');
  });

  it('hang never answers until close()', async () => {
    const hung = await started();
    hung.faults.next('hang');
    let settled = false;
    const p = v3(hung, 'QueryRtcAsrTasks').finally(() => (settled = true));
    await sleep(200);
    assert.equal(settled, false);
    await hung.close();
    await assert.rejects(p);
  });

  it('reset() clears queued faults', async () => {
    emu.faults.next('http500', 3);
    emu.reset();
    assertOk(await v3(emu, 'QueryRtcAsrTasks'));
  });
});

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;

  json: any;

  content: any;
}

class Receiver {
  readonly got: Received[] = [];
  status = 200;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      let content: unknown;
      try {
        json = JSON.parse(body);
        content = JSON.parse((json as { content: string }).content);
      } catch {
        /* adversarial bodies are kept raw */
      }
      this.got.push({ headers: req.headers, body, json, content });
      res.writeHead(this.status).end();
    });
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const addr = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${addr.port}`;
  }
  /** Only one task's callbacks: a push in flight from an earlier test may still land. */
  of(taskId: string): Received[] {
    return this.got.filter((g) => g.json?.task_id === taskId);
  }
  names(taskId: string): string[] {
    return this.of(taskId).map((g) => g.content?.header?.name);
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe('AliyunLiveEmulator: callbacks', () => {
  let emu: AliyunLiveEmulator;
  let rx: Receiver;
  before(async () => {
    emu = await started({ callbacks: true, callbackIntervalMs: 2, ratePerSecond: 1000 });
    rx = new Receiver();
    await rx.start();
  });
  afterEach(() => {
    emu.reset();
    rx.got.length = 0;
    rx.status = 200;
  });
  after(async () => {
    await emu.close();
    await rx.close();
  });

  async function create(extra: Record<string, string> = {}): Promise<string> {
    const r = await v3(emu, 'CreateRtcAsrTask', {
      ...LIVE,
      CallbackURL: `${rx.url}/asr?src=emu&x=1`,
      AuthKey: 'abcd',
      ...extra,
    });
    assertOk(r);
    return r.json.TaskId;
  }

  it('pushes the documented body with content as a JSON string, in event order', async () => {
    const id = await create({ Language: 'en' });
    await waitFor(() => rx.names(id).filter((n) => n === 'SentenceEnd').length >= 2);
    assertOk(await v3(emu, 'StopRtcAsrTask', { TaskId: id }));
    const got = rx.of(id);
    const first = got[0];
    assert.equal(typeof first.json.content, 'string');
    assert.deepEqual(Object.keys(first.json), [
      'task_id',
      'sdk_app_id',
      'channel_id',
      'rtc_user_id',
      'callback_time_stamp',
      'language',
      'content',
    ]);
    assert.equal(first.json.task_id, id);
    assert.equal(first.json.language, 'en');
    assert.ok(Math.abs(first.json.callback_time_stamp - Date.now()) < 5000, 'callback_time_stamp is ms');
    assert.match(String(first.headers['content-type']), /^application\/json/);

    const names = rx.names(id);
    assert.deepEqual(names.slice(0, 7), [
      'TranscriptionStarted',
      'SentenceBegin',
      'TranscriptionResultChanged',
      'TranscriptionResultChanged',
      'TranscriptionResultChanged',
      'TranscriptionResultChanged',
      'SentenceEnd',
    ]);
    assert.equal(names[7], 'SentenceBegin');
    const headers = got.map((g) => g.content.header);
    for (const h of headers) {
      assert.equal(h.namespace, 'SpeechTranscriber');
      assert.equal(h.status, 20000000);
      assert.equal(h.status_text, 'Gateway:SUCCESS:Success.');
      assert.match(h.message_id, /^[0-9a-f]{32}$/);
      assert.equal(h.task_id, headers[0].task_id);
      assert.match(h.task_id, /^[0-9a-f]{32}$/);
    }
    assert.equal(new Set(headers.map((h) => h.message_id)).size, headers.length);

    const changed = got.slice(2, 6).map((g) => g.content.payload);
    assert.deepEqual(
      changed.map((p) => p.result),
      ['Good', 'Good to see', 'Good to see you all', 'Good to see you all here'],
    );
    assert.deepEqual(
      changed.map((p) => p.words.length),
      [1, 2, 3, 4],
    );
    assert.deepEqual(changed[1].words, [
      { text: 'Good', startTime: 0, endTime: 510 },
      { text: 'to see', startTime: 510, endTime: 1020 },
    ]);
    const end = got[6].content.payload;
    assert.equal(end.index, 0);
    assert.equal(end.begin_time, 0);
    assert.equal(end.time, 2040);
    assert.equal(end.result, 'Good to see you all here');
    assert.equal(typeof end.confidence, 'number');
    assert.equal(end.status, 0);
    assert.equal(got[7].content.payload.index, 1);
    assert.ok(got[7].content.payload.time > end.time, 'the timeline keeps growing');
    assert.ok(emu.callbackLog.every((d) => d.status === 200 && d.taskId === id));
  });

  it('ends a session like a real stream: six sentences, then TranscriptionCompleted, then nothing', async () => {
    const id = await create({ Language: 'en' });
    await waitFor(() => rx.names(id).includes('TranscriptionCompleted'), 5000);
    const count = rx.of(id).length;
    await sleep(40);
    const names = rx.names(id);
    assert.equal(names.length, count, 'a push after TranscriptionCompleted');
    assert.equal(names[0], 'TranscriptionStarted');
    assert.equal(names[names.length - 1], 'TranscriptionCompleted');
    assert.equal(names.filter((n) => n === 'TranscriptionCompleted').length, 1);
    assert.equal(names.filter((n) => n === 'SentenceEnd').length, 6);
    const sessionId = rx.of(id)[0].content.payload.session_id;
    assert.equal(rx.of(id)[count - 1].content.payload.session_id, sessionId);
  });

  it('answers StopRtcAsrTask only after a push already on its way has landed', async () => {
    const id = await create();
    await waitFor(() => rx.of(id).length >= 3);
    assertOk(await v3(emu, 'StopRtcAsrTask', { TaskId: id }));
    const atStop = rx.of(id).length;
    assert.equal(
      emu.callbackLog.filter((d) => d.taskId === id).length,
      atStop,
      'a delivery was still in flight when Stop answered',
    );
    await sleep(30);
    assert.equal(rx.of(id).length, atStop);
  });

  it('signs with ASR-SIG = md5(SIG-TIME/CallbackURL/AuthKey) and SIG-TIME in seconds', async () => {
    const id = await create();
    await waitFor(() => rx.of(id).length >= 2);
    const cbUrl = `${rx.url}/asr?src=emu&x=1`;
    for (const g of rx.of(id).slice(0, 2)) {
      const t = String(g.headers['sig-time']);
      assert.match(t, /^\d{10}$/);
      assert.ok(Math.abs(Number(t) - Date.now() / 1000) < 5);
      assert.equal(g.headers['asr-sig'], createHash('md5').update(`${t}/${cbUrl}/abcd`).digest('hex'));
    }
  });

  it('sends SIG-TIME but no ASR-SIG without an AuthKey', async () => {
    const id = await create({ AuthKey: '' });
    await waitFor(() => rx.of(id).length >= 1);
    const [g] = rx.of(id);
    assert.match(String(g.headers['sig-time']), /^\d+$/);
    assert.equal(g.headers['asr-sig'], undefined);
  });

  it('sends only sentence ends with ReportInterval -1, and translations when enabled', async () => {
    const id = await create({ ReportInterval: '-1', TranslateEnabled: 'true', TargetLanguages: 'en,ja' });
    await waitFor(() => rx.of(id).length >= 4);
    const got = rx.of(id);
    assert.deepEqual(rx.names(id).slice(0, 4), ['TranscriptionStarted', 'SentenceEnd', 'SentenceEnd', 'SentenceEnd']);
    const p = got[1].content.payload;
    assert.equal(p.result, '很高兴在这里见到大家');
    assert.deepEqual(p.translations, [
      { language: 'en', text: 'Good to see you all here' },
      { language: 'ja', text: '皆さんにここでお会いできて嬉しいです' },
    ]);
    assert.deepEqual(
      got.slice(1, 4).map((g) => g.content.payload.index),
      [0, 1, 2],
    );
  });

  it('fills the rtc fields of the body', async () => {
    const id = await create({ Mode: 'rtc', SDKAppID: 'app1', ChannelID: 'room1', RtcUserId: 'u1' });
    await waitFor(() => rx.of(id).length >= 1);
    const b = rx.of(id)[0].json;
    assert.deepEqual([b.task_id, b.sdk_app_id, b.channel_id, b.rtc_user_id], [id, 'app1', 'room1', 'u1']);
  });

  it('starts no push after Stop or Delete has answered', async () => {
    const a = await create();
    const b = await create();
    await waitFor(() => rx.of(a).length >= 2 && rx.of(b).length >= 2);
    assertOk(await v3(emu, 'StopRtcAsrTask', { TaskId: a }));
    const stopA = Date.now();
    assertOk(await v3(emu, 'DeleteRtcAsrTask', { TaskId: b }));
    const stopB = Date.now();
    await sleep(60);
    assert.equal(emu.callbackLog.filter((d) => d.taskId === a && d.at > stopA).length, 0);
    assert.equal(emu.callbackLog.filter((d) => d.taskId === b && d.at > stopB).length, 0);
    const count = rx.of(a).length + rx.of(b).length;
    await sleep(60);
    assert.equal(rx.of(a).length + rx.of(b).length, count);
  });

  it('records a failing receiver and goes on', async () => {
    rx.status = 500;
    await create();
    await waitFor(() => emu.callbackLog.length >= 3);
    assert.deepEqual(
      emu.callbackLog.slice(0, 3).map((d) => d.status),
      [500, 500, 500],
    );
  });

  it('refuses to push to a non-loopback CallbackURL', async () => {
    await create({ CallbackURL: 'http://example.com/cb' });
    await waitFor(() => emu.callbackLog.length >= 1);
    await sleep(30);
    assert.deepEqual(
      emu.callbackLog.map((d) => d.status),
      ['refused-non-loopback'],
    );
  });

  it('sendCallback pushes adversarial callbacks on demand', async () => {
    const quiet = await started({ callbacks: false });
    try {
      const r = await v3(quiet, 'CreateRtcAsrTask', { ...LIVE, CallbackURL: `${rx.url}/cb`, AuthKey: 'k' });
      const id: string = r.json.TaskId;
      const sig = (t: string) => createHash('md5').update(`${t}/${rx.url}/cb/k`).digest('hex');

      assert.equal(await quiet.sendCallback(id, { name: 'SentenceEnd', payload: { result: 'hi', index: 7 } }), 200);
      let g = rx.got[rx.got.length - 1];
      assert.equal(g.content.header.name, 'SentenceEnd');
      assert.equal(g.content.payload.result, 'hi');
      assert.equal(g.content.payload.index, 7);
      assert.equal(g.headers['asr-sig'], sig(String(g.headers['sig-time'])));

      await quiet.sendCallback(id, {}, { badSignature: true });
      g = rx.got[rx.got.length - 1];
      assert.notEqual(g.headers['asr-sig'], sig(String(g.headers['sig-time'])));
      assert.match(String(g.headers['asr-sig']), /^[0-9a-f]{32}$/);

      await quiet.sendCallback(id, {}, { sigTime: 1700000000 });
      g = rx.got[rx.got.length - 1];
      assert.equal(g.headers['sig-time'], '1700000000');
      assert.equal(g.headers['asr-sig'], sig('1700000000'));

      await quiet.sendCallback(id, {}, { rawBody: '{"task_id":', omitHeaders: true });
      g = rx.got[rx.got.length - 1];
      assert.equal(g.body, '{"task_id":');
      assert.equal(g.headers['sig-time'], undefined);
      assert.equal(g.headers['asr-sig'], undefined);

      rx.status = 403;
      assert.equal(await quiet.sendCallback(id, { content: 'not json' }), 403);
      assert.equal(rx.got[rx.got.length - 1].json.content, 'not json');
      assert.equal(quiet.callbackLog.length, 5);
      await assert.rejects(quiet.sendCallback('asr-missing', {}));
    } finally {
      await quiet.close();
    }
  });

  it('close() leaves no timers, sockets or servers behind', async () => {
    const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    // Let mocha arm its own per-test timer first so the baseline includes it.
    await sleep(1);
    const before = { timers: count('Timeout'), tcp: count('TCPSocketWrap'), servers: count('TCPServerWrap') };
    const { aliyun, close } = await startEmulators({ callbacks: true, callbackIntervalMs: 20 });
    const id = (await v3(aliyun, 'CreateRtcAsrTask', { ...LIVE, CallbackURL: `${rx.url}/cb` })).json.TaskId;
    await waitFor(() => aliyun.callbackLog.some((d) => d.taskId === id));
    aliyun.faults.next('hang').next('slow', 1, { slowMs: 10_000 });
    const pending = [
      v3(aliyun, 'QueryRtcAsrTasks').catch(() => 'closed'),
      v3(aliyun, 'QueryRtcAsrTasks').catch(() => 'closed'),
    ];
    await sleep(30);
    await close();
    assert.deepEqual(await Promise.all(pending), ['closed', 'closed']);
    // Sockets finish closing on a later turn of the event loop, which a busy machine delays.
    const left = () => ({ timers: count('Timeout'), tcp: count('TCPSocketWrap'), servers: count('TCPServerWrap') });
    await waitFor(() => JSON.stringify(left()) === JSON.stringify(before)).catch(() => undefined);
    assert.deepEqual(left(), before);
    const pushes = aliyun.callbackLog.length;
    await sleep(60);
    assert.equal(aliyun.callbackLog.length, pushes);
  });
});
