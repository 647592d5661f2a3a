import should from 'should';
import { validateCreate, validateTaskId } from '../../nodes/vendors/aliyun-live/create-params';

const live = {
  Mode: 'live',
  StreamURL: 'rtmp://example.com/app/stream',
  Language: 'cn',
  CallbackURL: 'https://example.com/cb',
};
const rtc = {
  Mode: 'rtc',
  SDKAppID: 'app',
  ChannelID: 'room',
  RtcUserId: 'u1',
  Language: 'en',
  CallbackURL: 'http://example.com/cb',
};

function rulesOf(input: Record<string, unknown>): string[] {
  return validateCreate(input).problems.map((p) => `${p.field}:${p.rule}`);
}

describe('CreateRtcAsrTask validation', () => {
  it('accepts minimal live and rtc requests and normalizes to wire strings', () => {
    validateCreate(live).problems.should.be.empty();
    validateCreate(rtc).problems.should.be.empty();
    const { params } = validateCreate({
      ...live,
      TranslateEnabled: true,
      TargetLanguages: 'en',
      AutoTerminateEnabled: 'true',
      AutoTerminateDelay: 5,
      ReportInterval: '-1',
    });
    params.should.containDeep({
      TranslateEnabled: 'true',
      AutoTerminateEnabled: 'true',
      AutoTerminateDelay: '5',
      ReportInterval: '-1',
    });
  });

  it('reports every problem at once', () => {
    rulesOf({}).should.eql(['Mode:required', 'Language:required', 'CallbackURL:required']);
    rulesOf({ Mode: 'live', Language: 'de', CallbackURL: 'ftp://x' }).should.eql([
      'StreamURL:requiredForMode',
      'Language:enum',
      'CallbackURL:url',
    ]);
  });

  it('needs SDKAppID, ChannelID and one RtcUserId for rtc', () => {
    rulesOf({ ...rtc, SDKAppID: '', ChannelID: undefined, RtcUserId: ' ' }).should.eql([
      'SDKAppID:requiredForMode',
      'ChannelID:requiredForMode',
      'RtcUserId:requiredForMode',
    ]);
    rulesOf({ ...rtc, RtcUserId: 'u1,u2' }).should.eql(['RtcUserId:pattern']);
    rulesOf({ ...rtc, RtcUserId: ['u1', 'u2'] }).should.eql(['RtcUserId:single']);
    validateCreate({ ...rtc, RtcUserId: ['u9'] }).params.RtcUserId.should.equal('u9');
  });

  it('enforces documented ranges and enums', () => {
    rulesOf({ ...live, AutoTerminateDelay: 0 }).should.eql(['AutoTerminateDelay:range']);
    rulesOf({ ...live, AutoTerminateDelay: 11 }).should.eql(['AutoTerminateDelay:range']);
    rulesOf({ ...live, AutoTerminateDelay: 2.5 }).should.eql(['AutoTerminateDelay:int']);
    rulesOf({ ...live, ReportInterval: -2 }).should.eql(['ReportInterval:range']);
    rulesOf({ ...live, ReportInterval: 501 }).should.eql(['ReportInterval:range']);
    rulesOf({ ...live, ReportInterval: 500 }).should.eql([]);
    rulesOf({ ...live, TranslateEnabled: 'yes' }).should.eql(['TranslateEnabled:bool']);
    rulesOf({ ...live, TargetLanguages: 'fr' }).should.eql(['TargetLanguages:enum']);
    rulesOf({ ...live, Mode: 'vod' }).should.eql(['Mode:enum']);
    for (const lang of ['ja', 'yue', 'fspk', 'en', 'cn']) rulesOf({ ...live, Language: lang }).should.eql([]);
  });

  it('rejects wrong types and oversized values without echoing them', () => {
    rulesOf({ ...live, StreamURL: { href: 'x' } }).should.eql(['StreamURL:type']);
    rulesOf({ ...live, Language: ['cn'] }).should.eql(['Language:type']);
    const huge = 'a'.repeat(100000);
    const { problems } = validateCreate({ ...live, AuthKey: huge });
    problems.map((p) => p.rule).should.eql(['length']);
    problems[0].message.should.not.containEql('aaaa');
  });

  it('validates task ids', () => {
    validateTaskId(undefined, true)
      .problems.map((p) => p.rule)
      .should.eql(['required']);
    validateTaskId(undefined, false).problems.should.be.empty();
    validateTaskId('asr-1234', true).taskId!.should.equal('asr-1234');
    validateTaskId('asr 1/..', true)
      .problems.map((p) => p.rule)
      .should.eql(['pattern']);
    validateTaskId({}, true)
      .problems.map((p) => p.rule)
      .should.eql(['type']);
    should(validateTaskId(42, true).taskId).equal('42');
  });
});
