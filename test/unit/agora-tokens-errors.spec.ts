import should from 'should';
import { buildBotToken } from '../../nodes/vendors/agora/tokens';
import { toAgoraError } from '../../nodes/vendors/agora/errors';
import { basicAuthorization, generateName } from '../../nodes/vendors/agora/names';
import { AgoraSttClient } from '../../nodes/vendors/agora/client';
import { SpeechApiError } from '../../nodes/lib/errors';

const { AccessToken2, ServiceRtc } = require('agora-token/src/AccessToken2.js');

const APP_ID = '970ca35de60c44645bbae8a215061b33';
const CERT = '5cfd2fd1755d40ecb72977518be15d3b';

function parse(token: string): {
  ok: boolean;
  t: {
    appId: string;
    issueTs: number;
    expire: number;
    getServices(type: number): Array<Record<string, unknown>>;
    verifySignature(cert: string): boolean;
  };
} {
  const t = new AccessToken2();
  const ok = t.from_string(token);
  return { ok, t };
}

describe('Agora bot tokens (agora-token 2.0.6)', () => {
  it('builds a token for the app, channel and uid with join and publish privileges and the lifetime asked', () => {
    const before = Math.floor(Date.now() / 1000);
    const token = buildBotToken(APP_ID, CERT, 'room-1', '88222', 259200);
    token.should.startWith('007');
    const { ok, t } = parse(token);
    ok.should.be.true();
    t.verifySignature(CERT).should.be.true();
    t.verifySignature('00000000000000000000000000000000').should.be.false();
    String(t.appId).should.equal(APP_ID);
    t.expire.should.equal(259200);
    t.issueTs.should.be.within(before - 1, before + 2);
    const [rtc] = t.getServices(1); // kRtcServiceType
    should.exist(rtc);
    String(rtc.__channel_name).should.equal('room-1');
    String(rtc.__uid).should.equal('88222');
    const privileges = rtc.__privileges as Record<string, number>;
    for (const p of [
      ServiceRtc.kPrivilegeJoinChannel,
      ServiceRtc.kPrivilegePublishAudioStream,
      ServiceRtc.kPrivilegePublishVideoStream,
      ServiceRtc.kPrivilegePublishDataStream,
    ]) {
      should(p).be.a.Number();
      privileges[p].should.equal(259200);
    }
  });

  it("turns the builder's silent empty answer into a clear error without the certificate", () => {
    for (const [app, cert, code] of [
      [APP_ID, 'short', 'InvalidCertificate'],
      ['not-hex-app-id', CERT, 'InvalidAppId'],
      [APP_ID, `${CERT.slice(0, 31)}g`, 'InvalidCertificate'],
    ]) {
      let err: SpeechApiError | undefined;
      try {
        buildBotToken(app, cert, 'room', '1', 60);
      } catch (e) {
        err = e as SpeechApiError;
      }
      should.exist(err);
      err!.code.should.equal(code);
      `${err!.message}${JSON.stringify(err)}`.should.not.containEql(cert);
    }
    // Why the check exists: the builder itself answers '' without an error for these inputs.

    const { RtcTokenBuilder, RtcRole } = require('agora-token');
    should(RtcTokenBuilder.buildTokenWithUid(APP_ID, 'short', 'room', 1, RtcRole.PUBLISHER, 60, 60)).equal('');
    (() => buildBotToken(APP_ID, CERT, 'room', '1', 0)).should.throw(/lifetime/);
  });
});

describe('Agora Basic auth and names', () => {
  it('matches test vector B1', () => {
    basicAuthorization('customerId', 'customerSecret').should.equal('Basic Y3VzdG9tZXJJZDpjdXN0b21lclNlY3JldA==');
  });

  it('generates unique names of at most 64 [A-Za-z0-9_-] characters', () => {
    const names = new Set(
      Array.from({ length: 1000 }, () => generateName('a very long channel name with spaces and / slashes!!')),
    );
    names.size.should.equal(1000);
    for (const n of names) n.should.match(/^nr-[A-Za-z0-9_-]{1,61}$/);
    generateName().should.match(/^nr-[0-9a-f]{16}$/);
  });

  it('refuses incomplete options with every problem and no secret', () => {
    let err: SpeechApiError | undefined;
    try {
      new AgoraSttClient({
        appId: '',
        customerId: '',
        customerSecret: '',
        apiVersion: 'v8' as 'v7',
        endpoint: 'ftp://x',
        updateSpacingMs: -1,
      });
    } catch (e) {
      err = e as SpeechApiError;
    }
    err!
      .problems!.map((p) => `${p.field}:${p.rule}`)
      .should.eql([
        'appId:required',
        'customerId:required',
        'customerSecret:required',
        'apiVersion:enum',
        'endpoint:url',
        'updateSpacingMs:range',
      ]);
    try {
      new AgoraSttClient({
        appId: 'app id!',
        customerId: 'c',
        customerSecret: 'the-customer-secret',
        appCertificate: 'the-certificate',
        apiVersion: 'v7',
        endpoint: 'nope',
      });
    } catch (e) {
      err = e as SpeechApiError;
    }
    err!.problems!.map((p) => `${p.field}:${p.rule}`).should.eql(['appId:pattern', 'endpoint:url']);
    JSON.stringify(err).should.not.match(/the-customer-secret|the-certificate/);
  });
});

describe('Agora error bodies', () => {
  const res = (
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): { status: number; headers: Record<string, string>; body: string } => ({
    status,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

  it('passes successes, including an empty leave answer', () => {
    should(toAgoraError(res(200, { agent_id: 'a' }))).be.undefined();
    should(toAgoraError(res(200, ''))).be.undefined();
    should(toAgoraError(res(201, { taskId: 't' }))).be.undefined();
  });

  it('maps {message} bodies to codes with advice', () => {
    const cases: Array<[number, string, string, RegExp]> = [
      [401, 'Invalid authentication credentials', 'InvalidCredentials', /customer ID and customer secret/],
      [401, 'Token is expired', 'TokenExpired', /expired/],
      [401, 'Invalid token', 'InvalidToken', /App Certificate/],
      [400, 'resourceId reaches out the limited time interval!', 'BuilderTokenExpired', /older than 5 minutes/],
      [400, 'invalid_appid!', 'NotEnabled', /not enabled/],
      [400, 'The taskId does not match with builderToken.', 'BuilderTokenMismatch', /builderToken returned by start/],
      [404, 'The task is not found', 'TaskNotFound', /No such task/],
      [
        409,
        'The task has been started, current status is STARTED, taskId is X',
        'TaskAlreadyStarted',
        /already started/,
      ],
      [400, 'body schema check fail, languages', 'InvalidParameter', /rejected a parameter/],
      [403, 'something else', 'Forbidden', /./],
    ];
    for (const [status, message, code, advice] of cases) {
      const e = toAgoraError(res(status, { message }))!;
      e.should.be.instanceOf(SpeechApiError);
      e.vendor.should.equal('agora');
      e.code.should.equal(code);
      e.httpStatus!.should.equal(status);
      e.message.should.containEql(message);
      e.message.should.match(advice);
      e.retryable.should.be.false();
    }
  });

  it('maps v6 {code, reason} to Agora<code> and retries the documented codes', () => {
    const e = toAgoraError(res(400, { code: 2, reason: 'Acquire: invalid resourceExpiredHour value!' }))!;
    e.code.should.equal('Agora2');
    e.message.should.containEql('invalid resourceExpiredHour');
    for (const code of [20, 501, 502, 504]) toAgoraError(res(400, { code }))!.retryable.should.be.true();
    toAgoraError(res(400, { code: 20 }))!.retryAfter!.should.equal(3);
    for (const code of [49, 53, 1001, 1003]) {
      const err = toAgoraError(res(400, { code }))!;
      err.code.should.equal(`Agora${code}`);
      err.retryable.should.be.false();
    }
  });

  it('maps v7 {detail, reason} with the reason as code', () => {
    const e = toAgoraError(res(409, { detail: 'task conflict', reason: 'TaskConflict' }, { 'x-request-id': 'rid-9' }))!;
    e.code.should.equal('TaskConflict');
    e.requestId!.should.equal('rid-9');
    e.message.should.match(/already has a task/);
    toAgoraError(res(422, { detail: 'quota', reason: 'Quota exceeded for x' }))!.code.should.equal('QuotaExceeded');
  });

  it('falls back to the HTTP status; 5xx and 429 are retryable and honour retry-after', () => {
    const e = toAgoraError(res(503, '<html>oops</html>'))!;
    e.code.should.equal('ServiceUnavailable');
    e.retryable.should.be.true();
    e.message.should.match(/not JSON/);
    const t = toAgoraError(res(429, {}, { 'retry-after': '2' }))!;
    t.code.should.equal('TooManyRequests');
    t.retryable.should.be.true();
    t.retryAfter!.should.equal(2);
    toAgoraError(res(418, {}))!.code.should.equal('HTTP418');
  });

  it('treats a 201/206 that carries a message instead of a task as a refusal', () => {
    const e = toAgoraError(res(201, { message: 'The task has been started, current status is STARTED' }))!;
    e.code.should.equal('TaskAlreadyStarted');
    e.httpStatus!.should.equal(201);
  });

  it('clips long vendor text', () => {
    toAgoraError(res(400, { message: 'x'.repeat(5000) }))!.message.length.should.be.below(600);
  });
});
