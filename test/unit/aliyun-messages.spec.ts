/**
 * What the person at the editor reads, from the shipped catalogues in every language: fields
 * named as the dialog labels them (the API name stays in cause.problems), plural forms, no
 * raw placeholder on any message path, and an endpoint that is not Alibaba's named as such.
 */
import assert from 'assert/strict';
import fs from 'fs';
import path from 'path';
import { SpeechApiError, Problem } from '../../nodes/lib/errors';
import { localizeError, requestLanguage, translator, MODULE } from '../../nodes/lib/i18n';
import { normalize, Rule } from '../../nodes/lib/validate';
import { AliyunLiveClient, LIVE_API } from '../../nodes/vendors/aliyun-live/client';
import { validateCreate } from '../../nodes/vendors/aliyun-live/create-params';
import { liveInputs } from '../../nodes/vendors/aliyun-ims/inputs';
import { toAliyunError } from '../../nodes/vendors/aliyun/errors';
import type { NodeAPI } from '../../nodes/lib/node-red';

const ROOT = path.join(__dirname, '..', '..');
const LANGS = ['en-US', 'zh-CN', 'ja'];
const UNFILLED = /__[A-Za-z0-9]+__/;

/** RED._ as i18next answers it: `<module>/<set>:a.b`, `lng`, `count` plurals, `__x__` interpolation. */
function fakeRed(runtimeLang = 'en-US'): NodeAPI {
  const cache = new Map<string, Record<string, unknown>>();
  const catalogue = (lang: string, set: string) => {
    const file = path.join(ROOT, 'nodes', 'locales', lang, `${set}.json`);
    if (!cache.has(file)) cache.set(file, fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {});
    return cache.get(file)!;
  };
  const get = (obj: unknown, key: string): unknown =>
    key
      .split('.')
      .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
  const _ = (full: string, params: Record<string, unknown> = {}): string => {
    const [ns, key] = full.split(':');
    const set = ns.slice(MODULE.length + 1);
    const lang = String(params.lng ?? runtimeLang);
    for (const l of [lang, 'en-US']) {
      const cat = catalogue(l, set);
      let text = get(cat, key);
      if (typeof params.count === 'number') {
        const form = new Intl.PluralRules(l).select(params.count);
        text = get(cat, `${key}_${form}`) ?? get(cat, `${key}_other`) ?? text;
      }
      if (typeof text === 'string')
        return text.replace(/__([A-Za-z0-9]+)__/g, (m, p) => (p in params ? String(params[p]) : m));
    }
    return key;
  };
  return { _ } as unknown as NodeAPI;
}

describe('messages a newcomer reads (Alibaba nodes)', () => {
  it('names a field as its dialog labels it, keeps the API name in cause.problems', () => {
    for (const lang of LANGS) {
      const t = translator(fakeRed(lang), 'aliyun-live-config');
      const create = JSON.parse(
        fs.readFileSync(path.join(ROOT, 'nodes', 'locales', lang, 'aliyun-live-asr-create.json'), 'utf8'),
      );
      const { problems } = validateCreate({
        Mode: 'live',
        StreamURL: 'rtmp://a/b',
        Language: 'cn',
        CallbackURL: 'https://e.example/cb',
        AutoTerminateEnabled: 'true',
        AutoTerminateDelay: '99',
      });
      assert.ok(problems.length >= 1, 'no problem for AutoTerminateDelay 99');
      const err = localizeError(
        t,
        new SpeechApiError({ vendor: 'aliyun', code: 'InvalidInput', message: 'x', problems }),
      );
      assert.ok(err.message.includes(create.label.autoTerminateDelay), `${lang}: ${err.message}`);
      assert.ok(!err.message.includes('AutoTerminateDelay'), `${lang}: ${err.message}`);
      assert.ok(err.message.includes('99'), `${lang}: the value is not shown: ${err.message}`);
      assert.equal((err as Error & { cause: { problems: Problem[] } }).cause.problems[0].field, 'AutoTerminateDelay');
    }
  });

  it('names the IMS start dialog fields (nested Inputs keys too) in every language', () => {
    for (const lang of LANGS) {
      const t = translator(fakeRed(lang), 'aliyun-ims-config');
      const start = JSON.parse(
        fs.readFileSync(path.join(ROOT, 'nodes', 'locales', lang, 'aliyun-ims-workflow-start.json'), 'utf8'),
      );
      const problems: Problem[] = [];
      liveInputs({ url: 'ftp://x', sourceLanguage: 'xx' }, problems);
      const err = localizeError(
        t,
        new SpeechApiError({ vendor: 'aliyun', code: 'InvalidInput', message: 'x', problems }),
      );
      assert.ok(err.message.includes(start.label.streamUrl), `${lang}: ${err.message}`);
      assert.ok(err.message.includes(start.label.sourceLanguage), `${lang}: ${err.message}`);
      assert.ok(!/live_url|source_language_id/.test(err.message), `${lang}: ${err.message}`);
    }
  });

  it('never shows a raw placeholder: every validation rule, in every language', () => {
    const rules: [Rule, unknown][] = [
      [{ kind: 'bool' }, 'maybe'],
      [{ kind: 'int', min: 1, max: 10 }, 'x'],
      [{ kind: 'int', min: 1, max: 10 }, 99],
      [{ kind: 'string' }, {}],
      [{ kind: 'string', maxLength: 3 }, 'abcdef'],
      [{ kind: 'enum', values: ['a', 'b'] }, 'c'],
      [{ kind: 'url', schemes: ['https'] }, 'not a url'],
      [{ kind: 'string' }, ''],
      [{ kind: 'string', pattern: /^a$/, patternHint: 'must be a' }, 'b'],
    ];
    for (const lang of LANGS) {
      const t = translator(fakeRed(lang), 'aliyun-live-config');
      for (const [rule, value] of rules) {
        const problems: Problem[] = [];
        normalize('StreamURL', value, rule, problems);
        assert.equal(problems.length, 1, `${rule.kind} ${String(value)}`);
        const text = localizeError(
          t,
          new SpeechApiError({ vendor: 'aliyun', code: 'InvalidInput', message: 'x', problems }),
        ).message;
        assert.doesNotMatch(text, UNFILLED, `${lang} ${problems[0].rule}: ${text}`);
      }
    }
  });

  it('Test connection with endpoint "not a url": the value, not __value__, in every language', () => {
    for (const lang of LANGS) {
      const t = translator(fakeRed(), 'aliyun-live-config').in(lang);
      let thrown: unknown;
      try {
        new AliyunLiveClient({ accessKeyId: 'k', accessKeySecret: 's', endpoint: 'not a url' });
      } catch (err) {
        thrown = err;
      }
      const text = localizeError(t, thrown).message;
      assert.doesNotMatch(text, UNFILLED, `${lang}: ${text}`);
      assert.ok(text.includes('not a url'), `${lang}: ${text}`);
    }
  });

  it('counts with plural forms, and answers admin requests in the language they ask for', () => {
    const t = translator(fakeRed(), 'aliyun-live-config');
    assert.equal(t('status.tasks', { count: 1 }), '1 task');
    assert.equal(t('status.tasks', { count: 0 }), '0 tasks');
    assert.equal(t('test.ok', { count: 1 }), 'Connected: 1 running task.');
    assert.equal(t.in('zh-CN')('test.ok', { count: 2 }), '连接成功：2 个运行中的任务。');
    assert.equal(t.in('ja')('status.tasks', { count: 3 }), 'タスク 3 件');
    assert.equal(requestLanguage('zh-CN,zh;q=0.9,en;q=0.8'), 'zh-CN');
    assert.equal(requestLanguage('ja'), 'ja');
    assert.equal(requestLanguage('../../etc'), undefined);
    assert.equal(requestLanguage(undefined), undefined);
  });

  it('gives statuses without parameters as catalogue keys, which the editor translates', () => {
    const t = translator(fakeRed(), 'aliyun-live-config');
    assert.equal(t.key('status.stopped', 'stopped'), `${MODULE}/aliyun-live-config:status.stopped`);
    assert.equal(t.key('status.noSuchKey', 'fallback'), 'fallback');
  });

  it('gives statuses with parameters as the key and its parameters, found where a plural key lives', () => {
    const t = translator(fakeRed(), 'unisound-config');
    const done = t.status('status.done', { elapsed: '2s' }, 'done');
    assert.equal(done, `${MODULE}/unisound-config:status.done?elapsed=2s`);
    // What the editor (resources/editor.js) makes of it, in the editor's language.
    const [key, query] = done.split('?');
    const params = Object.fromEntries(new URLSearchParams(query));
    assert.equal(fakeRed('ja')._(key, params), '完了 2s');
    assert.equal(fakeRed('zh-CN')._(key, params), '完成，用时 2s');
    // Agora's agents count has only plural keys (agents_one, agents_other).
    assert.equal(
      translator(fakeRed(), 'agora-config').status('status.agents', { count: 3 }, '3 agents'),
      `${MODULE}/agora-config:status.agents?count=3`,
    );
    assert.equal(t.status('status.noSuchKey', { a: 1 }, 'fallback'), 'fallback');
  });

  it('says what was reached when the endpoint is not an Alibaba Cloud API', () => {
    const html = toAliyunError({ status: 404, headers: {}, body: '<html>Not Found</html>' }, LIVE_API, 'example.com');
    assert.match(html!.message, /^example\.com answered HTTP 404 .*not an Alibaba Cloud API/);
    const json = toAliyunError({ status: 404, headers: {}, body: '{"error":"not found"}' }, LIVE_API, 'example.com');
    assert.match(json!.message, /^example\.com answered HTTP 404 without an Alibaba Cloud error code/);
    assert.doesNotMatch(json!.message, /Alibaba Cloud answered/);
    // Alibaba's own envelope keeps its code and advice.
    const pop = toAliyunError(
      { status: 404, headers: {}, body: '{"Code":"ConfigNotFound","Message":"no task","RequestId":"R1"}' },
      LIVE_API,
      'live.aliyuncs.com',
    );
    assert.equal(pop!.code, 'ConfigNotFound');
  });

  it('zh-CN and ja running text uses full-width punctuation, and the languages differ from English', () => {
    const cjkAscii = /[\u3040-\u30ff\u3400-\u9fff][,;:()]|[,;:()][\u3040-\u30ff\u3400-\u9fff]/;
    for (const lang of ['zh-CN', 'ja']) {
      for (const file of fs.readdirSync(path.join(ROOT, 'nodes', 'locales', lang))) {
        const text = fs
          .readFileSync(path.join(ROOT, 'nodes', 'locales', lang, file), 'utf8')
          .replace(/<code>[\s\S]*?<\/code>|<pre>[\s\S]*?<\/pre>/g, '');
        const bad = text.split('\n').filter((l) => cjkAscii.test(l));
        assert.deepEqual(bad, [], `${lang}/${file}`);
      }
    }
  });

  it('every catalogue of the package: no zh-CN or ja text left in English', () => {
    const flat = (obj: Record<string, unknown>, prefix = ''): [string, string][] =>
      Object.entries(obj).flatMap(([k, v]) =>
        v && typeof v === 'object'
          ? flat(v as Record<string, unknown>, `${prefix}${k}.`)
          : [[`${prefix}${k}`, String(v)] as [string, string]],
      );
    const sets = fs.readdirSync(path.join(ROOT, 'nodes', 'locales', 'en-US')).filter((f) => f.endsWith('.json'));
    assert.ok(sets.length >= 7);
    const left: string[] = [];
    for (const file of sets) {
      const en = new Map(flat(JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', 'locales', 'en-US', file), 'utf8'))));
      for (const lang of ['zh-CN', 'ja']) {
        const other = path.join(ROOT, 'nodes', 'locales', lang, file);
        if (!fs.existsSync(other)) continue; // locales.spec.ts requires the file
        for (const [key, text] of flat(JSON.parse(fs.readFileSync(other, 'utf8')))) {
          // The same text is fine for names and codes, not for a sentence or a word of English.
          const words = (en.get(key) === text ? text : '').replace(/<code>.*?<\/code>|https?:\/\/\S+|\$\{[^}]+\}/g, '');
          if (/\b[a-z]{4,}\b/.test(words)) left.push(`${lang}/${file} ${key}: ${text}`);
        }
      }
    }
    assert.deepEqual(left, []);
  });
});
