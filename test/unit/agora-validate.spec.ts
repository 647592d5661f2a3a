import should from 'should';
import {
  prepareStart,
  prepareUpdate,
  START_FIELDS,
  UPDATE_FIELDS,
  validateStart,
  validateUpdate,
} from '../../nodes/vendors/agora/validate';
import { AgoraApiVersion } from '../../nodes/vendors/agora/types';

const v7 = { languages: ['en-US'], rtcConfig: { channelName: 'room', pubBotUid: '88222' } };
const v6 = { languages: ['en-US'], rtcConfig: { channelName: 'room', pubBotUid: '88222', subBotUid: '47091' } };
const base = (version: AgoraApiVersion): Record<string, unknown> => (version === 'v7' ? v7 : v6);
const salt32 = Buffer.alloc(32, 1).toString('base64');

function rules(version: AgoraApiVersion, body: Record<string, unknown>): string[] {
  return validateStart(version, body).map((p) => `${p.field}:${p.rule}`);
}
function withRtc(version: AgoraApiVersion, rtc: Record<string, unknown>): Record<string, unknown> {
  return { ...base(version), rtcConfig: { ...(base(version).rtcConfig as object), ...rtc } };
}
const storage = { accessKey: 'ak', secretKey: 'sk', bucket: 'b', vendor: 2, region: 3 };

describe('Agora start validation', () => {
  it('accepts the documented minimal bodies and the doc example', () => {
    rules('v7', v7).should.be.empty();
    rules('v6', v6).should.be.empty();
    rules('v6', {
      languages: ['en-US'],
      maxIdleTime: 50,
      rtcConfig: {
        channelName: 'agora-test',
        subBotUid: '47091',
        pubBotUid: '88222',
        subscribeAudioUids: ['45321', '23433'],
      },
      translateConfig: { languages: [{ source: 'en-US', target: ['ar-SA', 'id-ID', 'fr-FR', 'ja-JP'] }] },
      captionConfig: {
        sliceDuration: 60,
        storage: { accessKey: 'test-oss', secretKey: 'test-oss', bucket: 'test-oss', vendor: 2, region: 3 },
      },
    }).should.be.empty();
  });

  it('reports every problem at once, each under its documented path', () => {
    rules('v7', {}).should.eql(['languages:required', 'rtcConfig:required']);
    rules('v6', { languages: [], rtcConfig: {} }).should.eql([
      'languages:required',
      'rtcConfig.channelName:required',
      'rtcConfig.pubBotUid:required',
      'rtcConfig.subBotUid:required',
    ]);
    rules('v7', {
      languages: ['en-US', 'zh-CN', 'ja-JP', 'fr-FR', 'de-DE'],
      maxIdleTime: -1,
      name: 'x'.repeat(65),
      rtcConfig: { channelName: 'bad/channel', pubBotUid: 'abc', cryptionMode: 9 },
      captionConfig: { sliceDuration: 4 },
    }).should.eql([
      'name:length',
      'languages:maxItems',
      'maxIdleTime:range',
      'rtcConfig.channelName:pattern',
      'rtcConfig.pubBotUid:uid',
      'rtcConfig.cryptionMode:range',
      'captionConfig.sliceDuration:range',
      'captionConfig.storage:required',
    ]);
  });

  it('gives problems a rule key, an English message and params for i18n', () => {
    const [p] = validateStart('v7', { ...v7, maxIdleTime: 259201 });
    p.should.containEql({ field: 'maxIdleTime', rule: 'range' });
    p.message.should.equal('maxIdleTime must be from 0 to 259200 (got 259201).');
    p.params!.should.containEql({ field: 'maxIdleTime', min: 0, max: 259200, value: 259201 });
  });

  it('checks maxIdleTime per version: v7 0–259200, v6 5–2592000', () => {
    rules('v7', { ...v7, maxIdleTime: 0 }).should.be.empty();
    rules('v7', { ...v7, maxIdleTime: 259200 }).should.be.empty();
    rules('v7', { ...v7, maxIdleTime: 259201 }).should.eql(['maxIdleTime:range']);
    rules('v6', { ...v6, maxIdleTime: 4 }).should.eql(['maxIdleTime:range']);
    rules('v6', { ...v6, maxIdleTime: 2592000 }).should.be.empty();
    rules('v6', { ...v6, maxIdleTime: 2592001 }).should.eql(['maxIdleTime:range']);
    rules('v7', { ...v7, maxIdleTime: '1.5' }).should.eql(['maxIdleTime:int']);
  });

  it('checks languages: 1–4 language codes', () => {
    rules('v7', { ...v7, languages: ['en-US', 'zh-CN', 'ja-JP', 'fr-FR'] }).should.be.empty();
    rules('v7', { ...v7, languages: 'en-US' }).should.eql(['languages:array']);
    rules('v7', { ...v7, languages: ['en US', 3, 'x'.repeat(33)] }).should.eql([
      'languages[0]:language',
      'languages[1]:language',
      'languages[2]:length',
    ]);
  });

  it('checks uidLanguagesConfig: ≤5 items of {uid, languages ≤4}', () => {
    const item = { uid: 1, languages: ['en-US'] };
    prepareStart('v7', { ...v7, uidLanguagesConfig: [item] }).body.uidLanguagesConfig!.should.eql([
      { uid: '1', languages: ['en-US'] },
    ]);
    rules('v7', { ...v7, uidLanguagesConfig: Array(6).fill(item) }).should.eql(['uidLanguagesConfig:maxItems']);
    rules('v7', { ...v7, uidLanguagesConfig: [{ uid: 'x', languages: ['a', 'b', 'c', 'd', 'e'] }, {}] }).should.eql([
      'uidLanguagesConfig[0].uid:uid',
      'uidLanguagesConfig[0].languages:maxItems',
      'uidLanguagesConfig[1].uid:required',
      'uidLanguagesConfig[1].languages:required',
    ]);
  });

  it('checks uids: numeric strings (numbers accepted, strings sent), bots distinct on v6', () => {
    const { body } = prepareStart('v6', withRtc('v6', { pubBotUid: 1, subBotUid: ' 2 ' }));
    (body.rtcConfig as Record<string, unknown>).should.containEql({ pubBotUid: '1', subBotUid: '2' });
    rules('v6', withRtc('v6', { subBotUid: 88222 })).should.eql(['rtcConfig.subBotUid:distinctBots']);
    rules('v7', withRtc('v7', { pubBotUid: 0 })).should.eql(['rtcConfig.pubBotUid:uid']);
    rules('v7', withRtc('v7', { pubBotUid: '4294967296' })).should.eql(['rtcConfig.pubBotUid:uid']);
    rules('v7', withRtc('v7', { pubBotUid: { a: 1 } })).should.eql(['rtcConfig.pubBotUid:type']);
  });

  it('drops the deprecated subBotUid/subBotToken on v7 and says so, even when they differ from pubBotUid', () => {
    const { body, problems, ignored } = prepareStart('v7', withRtc('v7', { subBotUid: '47091', subBotToken: 't' }));
    problems.should.be.empty();
    body.rtcConfig!.should.not.have.properties('subBotUid', 'subBotToken');
    ignored.should.eql(['rtcConfig.subBotUid', 'rtcConfig.subBotToken']);
    prepareStart('v7', v7).ignored.should.eql([]);
    prepareStart('v6', v6).ignored.should.eql([]);
  });

  it('checks subscriptions: ≤32 uids or ["all"], unsubscribe ≤5, never both', () => {
    const uids = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i + 1));
    rules('v7', withRtc('v7', { subscribeAudioUids: uids(32) })).should.be.empty();
    rules('v7', withRtc('v7', { subscribeAudioUids: uids(33) })).should.eql(['rtcConfig.subscribeAudioUids:maxItems']);
    rules('v7', withRtc('v7', { subscribeAudioUids: ['all'] })).should.be.empty();
    rules('v7', withRtc('v7', { subscribeAudioUids: ['all', '5'] })).should.eql([
      'rtcConfig.subscribeAudioUids:allAlone',
    ]);
    rules('v7', withRtc('v7', { unSubscribeAudioUids: uids(6) })).should.eql([
      'rtcConfig.unSubscribeAudioUids:maxItems',
    ]);
    rules('v6', withRtc('v6', { subscribeAudioUids: ['1'], unSubscribeAudioUids: ['2'] })).should.eql([
      'rtcConfig.unSubscribeAudioUids:exclusive',
    ]);
    rules('v6', withRtc('v6', { subscribeAudioUids: ['x'] })).should.eql(['rtcConfig.subscribeAudioUids[0]:uid']);
  });

  it('checks encryption: cryptionMode 0–8, secret when not 0, salt of exactly 32 Base64 bytes for 7/8, values never echoed', () => {
    rules('v7', withRtc('v7', { cryptionMode: 0 })).should.be.empty();
    rules('v7', withRtc('v7', { cryptionMode: 1 })).should.eql(['rtcConfig.secret:requiredForMode']);
    rules('v7', withRtc('v7', { cryptionMode: 5, secret: 's' })).should.be.empty();
    rules('v7', withRtc('v7', { cryptionMode: 7, secret: 's' })).should.eql(['rtcConfig.salt:requiredForMode']);
    rules('v7', withRtc('v7', { cryptionMode: 8, secret: 's', salt: salt32 })).should.be.empty();
    const bad = Buffer.alloc(31, 1).toString('base64');
    const problems = validateStart('v6', withRtc('v6', { cryptionMode: 8, secret: 's', salt: bad }));
    problems.map((p) => `${p.field}:${p.rule}`).should.eql(['rtcConfig.salt:salt']);
    JSON.stringify(problems).should.not.containEql(bad);
    rules('v7', withRtc('v7', { cryptionMode: 7, secret: 's', salt: 'not base64!' })).should.eql([
      'rtcConfig.salt:salt',
    ]);
    rules('v7', withRtc('v7', { cryptionMode: 9 })).should.eql(['rtcConfig.cryptionMode:range']);
  });

  it('checks translation per version: v7 ≤4 sources ≤10 targets, v6 ≤4 sources ≤5 targets, never into the source', () => {
    const targets = (n: number): string[] =>
      ['fr-FR', 'de-DE', 'ja-JP', 'ar-SA', 'id-ID', 'es-ES', 'it-IT', 'ko-KR', 'pt-PT', 'ru-RU', 'th-TH'].slice(0, n);
    const tc = (sources: number, n: number, source = 'en-US'): Record<string, unknown> => ({
      translateConfig: { languages: Array.from({ length: sources }, () => ({ source, target: targets(n) })) },
    });
    rules('v7', { ...v7, ...tc(4, 10) }).should.be.empty();
    rules('v7', { ...v7, ...tc(5, 1) }).should.eql(['translateConfig.languages:maxItems']);
    rules('v7', { ...v7, ...tc(1, 11) }).should.eql(['translateConfig.languages[0].target:maxItems']);
    rules('v6', { ...v6, ...tc(4, 5) }).should.be.empty();
    rules('v6', { ...v6, ...tc(1, 6) }).should.eql(['translateConfig.languages[0].target:maxItems']);
    rules('v7', { ...v7, ...tc(1, 2, 'de-DE') }).should.eql(['translateConfig.languages[0].target:sameLanguage']);
    // v7.2.2: a mixed-language input may translate into one of its sources.
    const mixed = [
      { source: 'es-ES', target: ['en-US'] },
      { source: 'en-US', target: ['en-US'] },
    ];
    rules('v7', { ...v7, languages: ['es-ES', 'en-US'], translateConfig: { languages: mixed } }).should.be.empty();
    rules('v7', {
      ...v7,
      languages: ['es-ES', 'en-US'],
      translateConfig: { languages: [{ source: 'en-US', target: ['en-US'] }] },
    }).should.be.empty();
    rules('v6', { ...v6, translateConfig: { languages: mixed } }).should.eql([
      'translateConfig.languages[1].target:sameLanguage',
    ]);
    prepareUpdate('v7', { translateConfig: { enable: true, languages: mixed } }).problems.should.be.empty();
    rules('v7', { ...v7, translateConfig: {} }).should.eql(['translateConfig.languages:required']);
    rules('v7', { ...v7, translateConfig: { enable: false } }).should.be.empty();
    rules('v7', { ...v7, translateConfig: { languages: [{}] } }).should.eql([
      'translateConfig.languages[0].source:required',
      'translateConfig.languages[0].target:required',
    ]);
  });

  it('checks keywords (≤500, v7 only), extensionParams (v7 only) and name (≤64; the v6 instanceId pattern)', () => {
    rules('v7', { ...v7, keywords: Array(500).fill('k') }).should.be.empty();
    rules('v7', { ...v7, keywords: Array(501).fill('k') }).should.eql(['keywords:maxItems']);
    rules('v6', { ...v6, keywords: ['k'] }).should.eql(['keywords:v7Only']);
    rules('v6', { ...v6, extensionParams: {} }).should.eql(['extensionParams:v7Only']);
    rules('v7', { ...v7, extensionParams: 'x' }).should.eql(['extensionParams:object']);
    rules('v7', { ...v7, name: 'x'.repeat(64) }).should.be.empty();
    rules('v7', { ...v7, name: 'has space ok' }).should.be.empty();
    rules('v6', { ...v6, name: 'has space' }).should.eql(['name:pattern']);
    rules('v6', { ...v6, name: 'ok_id-1' }).should.be.empty();
  });

  it('checks captions: sliceDuration 5–28800, storage keys, vendor per version, region, fileNamePrefix', () => {
    rules('v7', {
      ...v7,
      captionConfig: { sliceDuration: 28800, storage: { ...storage, vendor: 11 } },
    }).should.be.empty();
    rules('v6', { ...v6, captionConfig: { sliceDuration: 28801, storage: { ...storage, vendor: 11 } } }).should.eql([
      'captionConfig.sliceDuration:range',
      'captionConfig.storage.vendor:range',
    ]);
    rules('v6', { ...v6, captionConfig: { storage: { ...storage, vendor: 4 } } }).should.eql([
      'captionConfig.storage.vendor:enum',
    ]);
    // v6 start.mdx: possibleValues 1, 5, 6, and its own example sends 2.
    for (const vendor of [1, 2, 5, 6])
      rules('v6', { ...v6, captionConfig: { storage: { ...storage, vendor } } }).should.be.empty();
    for (const vendor of [3, 7, 8])
      rules('v6', { ...v6, captionConfig: { storage: { ...storage, vendor } } })
        .map((r) => r.split(':')[0])
        .should.eql(['captionConfig.storage.vendor']);
    for (const vendor of [1, 2, 3, 5, 6, 7, 8])
      rules('v7', { ...v7, captionConfig: { storage: { ...storage, vendor } } }).should.be.empty();
    // record-captions.mdx's example prefix.
    rules('v7', {
      ...v7,
      captionConfig: { storage: { ...storage, fileNamePrefix: ['folder', 'sub-folder'] } },
    }).should.be.empty();
    rules('v7', { ...v7, captionConfig: { storage: {} } }).should.eql([
      'captionConfig.storage.accessKey:required',
      'captionConfig.storage.secretKey:required',
      'captionConfig.storage.bucket:required',
      'captionConfig.storage.vendor:required',
      'captionConfig.storage.region:required',
    ]);
    const lower = prepareStart('v7', {
      ...v7,
      captionConfig: { storage: { accesskey: 'ak', secretkey: 'sk', bucket: 'b', vendor: 1, region: 0 } },
    });
    lower.problems.should.be.empty();
    ((lower.body.captionConfig as Record<string, unknown>).storage as Record<string, unknown>).should.eql({
      accessKey: 'ak',
      secretKey: 'sk',
      bucket: 'b',
      vendor: 1,
      region: 0,
    });
    rules('v7', {
      ...v7,
      captionConfig: { storage: { ...storage, fileNamePrefix: ['ok', 'not/ok', 'a_b'] } },
    }).should.eql([
      'captionConfig.storage.fileNamePrefix[1]:pattern',
      'captionConfig.storage.fileNamePrefix[2]:pattern',
    ]);
    rules('v7', {
      ...v7,
      captionConfig: { storage: { ...storage, fileNamePrefix: ['a'.repeat(64), 'b'.repeat(64)] } },
    }).should.eql(['captionConfig.storage.fileNamePrefix:prefixLength']);
    rules('v7', {
      ...v7,
      captionConfig: { storage: { ...storage, fileNamePrefix: ['a'.repeat(64), 'b'.repeat(63)] } },
    }).should.be.empty();
    const problems = validateStart('v7', { ...v7, captionConfig: { storage: { ...storage, secretKey: 42 } } });
    problems.map((p) => `${p.field}:${p.rule}`).should.eql(['captionConfig.storage.secretKey:type']);
  });

  it('takes only documented top-level names and never a prototype key', () => {
    START_FIELDS.should.eql([
      'languages',
      'name',
      'maxIdleTime',
      'uidLanguagesConfig',
      'keywords',
      'rtcConfig',
      'translateConfig',
      'captionConfig',
      'extensionParams',
    ]);
    const evil = JSON.parse(
      '{"languages":["en-US"],"rtcConfig":{"channelName":"room","pubBotUid":"1","__proto__":{"x":1}},"endpoint":"http://evil","appId":"other"}',
    );
    const { body, problems } = prepareStart('v7', evil);
    problems.should.be.empty();
    Object.keys(body).should.eql(['languages', 'rtcConfig']);
    should(({} as Record<string, unknown>).x).be.undefined();
  });
});

describe('Agora update validation', () => {
  it('lists the updatable fields', () => {
    UPDATE_FIELDS.should.eql(['languages', 'uidLanguagesConfig', 'keywords', 'rtcConfig', 'translateConfig']);
  });

  it('takes keywords on v7 (update.mdx): a keywords-only update has updateMask=keywords; v6 refuses it', () => {
    const u = prepareUpdate('v7', { keywords: ['Agora', 'STT'] });
    u.problems.should.be.empty();
    u.body.should.eql({ keywords: ['Agora', 'STT'] });
    u.updateMask.should.equal('keywords');
    prepareUpdate('v7', { languages: ['en-US'], keywords: ['a'] }).updateMask.should.equal('languages,keywords');
    prepareUpdate('v7', { keywords: Array(501).fill('k') })
      .problems.map((p) => `${p.field}:${p.rule}`)
      .should.eql(['keywords:maxItems']);
    prepareUpdate('v6', { keywords: ['a'] })
      .problems.map((p) => `${p.field}:${p.rule}`)
      .should.eql(['keywords:v7Only']);
  });

  it('builds updateMask from the fields given, in a fixed order', () => {
    prepareUpdate('v7', {
      translateConfig: { enable: true, languages: [{ source: 'en-US', target: ['fr-FR'] }] },
      languages: ['en-US'],
    }).updateMask.should.equal('languages,translateConfig.enable,translateConfig.languages');
    prepareUpdate('v6', {
      rtcConfig: { unSubscribeAudioUids: [3], subscribeAudioUids: [] },
      uidLanguagesConfig: [],
    }).updateMask.should.equal('uidLanguagesConfig,rtcConfig.subscribeAudioUids,rtcConfig.unSubscribeAudioUids');
    prepareUpdate('v7', { translateConfig: { enable: false } }).updateMask.should.equal('translateConfig.enable');
    const only = prepareUpdate('v7', {
      translateConfig: { languages: [{ source: 'en-US', target: ['fr-FR'] }], forceTranslateInterval: 3 },
    });
    only.updateMask.should.equal('translateConfig.languages');
    Object.keys(only.body.translateConfig as object).should.eql(['languages']);
  });

  it('reports every problem at once', () => {
    validateUpdate('v7', {})
      .map((p) => `${p.field}:${p.rule}`)
      .should.eql(['changes:noChanges']);
    validateUpdate('v7', { name: 'x', maxIdleTime: 5 })
      .map((p) => p.rule)
      .should.eql(['noChanges']);
    validateUpdate('v6', {
      languages: [],
      rtcConfig: { channelName: 'x', subscribeAudioUids: ['all', '1'] },
      translateConfig: { languages: [{ source: 'en-US', target: Array(6).fill('fr-FR') }] },
      uidLanguagesConfig: [{}],
    })
      .map((p) => `${p.field}:${p.rule}`)
      .should.eql([
        'languages:required',
        'uidLanguagesConfig[0].uid:required',
        'uidLanguagesConfig[0].languages:required',
        'rtcConfig.channelName:notUpdatable',
        'rtcConfig.subscribeAudioUids:allAlone',
        'translateConfig.enable:required',
        'translateConfig.languages[0].target:maxItems',
      ]);
    validateUpdate('v7', { translateConfig: { enable: true } })
      .map((p) => `${p.field}:${p.rule}`)
      .should.eql(['translateConfig.languages:required']);
    validateUpdate('v7', { translateConfig: {} })
      .map((p) => `${p.field}:${p.rule}`)
      .should.eql(['translateConfig:noChanges']);
    const three = {
      enable: true,
      languages: ['en-US', 'de-DE', 'ja-JP'].map((source) => ({ source, target: ['fr-FR'] })),
    };
    validateUpdate('v7', { translateConfig: three }).should.be.empty();
    validateUpdate('v6', { translateConfig: three })
      .map((p) => `${p.field}:${p.rule}`)
      .should.eql(['translateConfig.languages:maxItems']);
  });

  it('sends uids as strings and lets an empty uidLanguagesConfig clear it', () => {
    const { body, problems } = prepareUpdate('v7', {
      uidLanguagesConfig: [],
      rtcConfig: { subscribeAudioUids: [7, '8'] },
    });
    problems.should.be.empty();
    body.should.eql({ uidLanguagesConfig: [], rtcConfig: { subscribeAudioUids: ['7', '8'] } });
  });
});
