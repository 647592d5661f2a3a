import assert from 'assert';
import {
  liveInputs,
  rtcInputs,
  validateStart,
  validateTaskId,
  MAX_INPUTS_BYTES,
} from '../../nodes/vendors/aliyun-ims/inputs';
import { endpointFor } from '../../nodes/vendors/aliyun-ims/endpoints';
import { isFinished, toReport } from '../../nodes/vendors/aliyun-ims/client';
import { Problem } from '../../nodes/lib/errors';
import { readSentence, MAX_TEXT_CHARS } from '../../nodes/vendors/aliyun-ims/sentence';
import { secretMatches } from '../../nodes/vendors/aliyun-ims/secret';

const rules = (problems: Problem[]) => problems.map((p) => `${p.field}:${p.rule}`);

describe('IMS AI workflow inputs', () => {
  it('builds the documented live-stream Inputs', () => {
    const problems: Problem[] = [];
    const inputs = liveInputs({ url: 'rtmp://example.com/app/s', maxIdleTime: '20', sourceLanguage: 'es' }, problems);
    assert.deepEqual(problems, []);
    assert.deepEqual(inputs, {
      live_url: { Url: 'rtmp://example.com/app/s', MaxIdleTime: 20 },
      source_language_id: 'es',
    });
  });

  it('builds the documented ARTC Inputs with push targets', () => {
    const problems: Problem[] = [];
    const inputs = rtcInputs(
      { appId: 'app', channelId: 'room', userId: 'u1', sourceLanguage: 'zh', pushAppId: 'app', pushUserId: 'bot' },
      problems,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(inputs, {
      rtc: { AppId: 'app', ChannelId: 'room', UserId: 'u1' },
      push_app_id: 'app',
      push_uid: 'bot',
      source_language_id: 'zh',
    });
  });

  it('names every missing or wrong field at once', () => {
    const live: Problem[] = [];
    liveInputs({ url: 'ftp://x', maxIdleTime: 0, sourceLanguage: 'xx' }, live);
    assert.deepEqual(rules(live), ['live_url.Url:url', 'live_url.MaxIdleTime:range', 'source_language_id:enum']);
    const rtc: Problem[] = [];
    rtcInputs({ appId: ' ', userId: {} }, rtc);
    assert.deepEqual(rules(rtc), ['rtc.AppId:required', 'rtc.ChannelId:required', 'rtc.UserId:type']);
  });

  it('sends Inputs and UserData as JSON text and checks WorkflowId and DispatchTag', () => {
    const ok = validateStart({
      WorkflowId: ' wf-1 ',
      Inputs: { live_url: { Url: 'rtmp://h/a' } },
      UserData: { url: 'https://x' },
      DispatchTag: 'default',
    });
    assert.deepEqual(ok.problems, []);
    assert.deepEqual(ok.params, {
      WorkflowId: 'wf-1',
      Inputs: '{"live_url":{"Url":"rtmp://h/a"}}',
      UserData: '{"url":"https://x"}',
      DispatchTag: 'default',
    });
    // Text that already is JSON passes as it is; UserData may be plain text.
    const text = validateStart({ WorkflowId: 'wf', Inputs: '{"a":1}', UserData: 'order-7' });
    assert.deepEqual(text.params, { WorkflowId: 'wf', Inputs: '{"a":1}', UserData: 'order-7' });
    const bad = validateStart({ WorkflowId: 'a b', Inputs: '[1]', DispatchTag: 'x'.repeat(65) });
    assert.deepEqual(rules(bad.problems), ['WorkflowId:pattern', 'Inputs:object', 'DispatchTag:length']);
    assert.deepEqual(rules(validateStart({ Inputs: 'not json' }).problems), ['WorkflowId:required', 'Inputs:json']);
  });

  it('bounds Inputs in bytes and depth, and survives a cycle', () => {
    const big = { text: 'x'.repeat(MAX_INPUTS_BYTES) };
    assert.deepEqual(rules(validateStart({ WorkflowId: 'w', Inputs: big }).problems), ['Inputs:bytes']);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) deep = { d: deep };
    assert.deepEqual(rules(validateStart({ WorkflowId: 'w', Inputs: deep }).problems), ['Inputs:depth']);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    assert.deepEqual(rules(validateStart({ WorkflowId: 'w', Inputs: loop }).problems), ['Inputs:depth']);
  });

  it('requires a well-formed TaskId', () => {
    assert.deepEqual(rules(validateTaskId(undefined).problems), ['TaskId:required']);
    assert.deepEqual(rules(validateTaskId('a/b').problems), ['TaskId:pattern']);
    assert.equal(validateTaskId(' ab-12 ').taskId, 'ab-12');
  });
});

describe('IMS endpoints and task states', () => {
  it('derives the endpoint the SDK would use for a region', () => {
    assert.equal(endpointFor('cn-shanghai'), 'https://ice.cn-shanghai.aliyuncs.com');
    assert.equal(endpointFor('cn-beijing'), 'https://ice.aliyuncs.com');
    assert.equal(endpointFor('ap-southeast-9'), 'https://ice.ap-southeast-9.aliyuncs.com');
  });

  it('treats every documented status but running as the end', () => {
    assert.equal(isFinished('running'), false);
    for (const s of ['stopped', 'failed', 'partial-succeeded', 'succeeded']) assert.equal(isFinished(s), true);
    assert.equal(isFinished('queued'), false);
  });

  it('parses the JSON-text fields of a task and keeps text that is not JSON', () => {
    const report = toReport('t1', {
      RequestId: 'R',
      WorkflowTask: { TaskId: 't1', Status: 'succeeded', Outputs: '{"result":"ok"}', NodeResults: 'plain' },
    });
    assert.equal(report.finished, true);
    assert.deepEqual(report.outputs, { result: 'ok' });
    assert.equal(report.nodeResults, 'plain');
  });
});

describe('IMS template posts', () => {
  it('reads the spellings a template plausibly uses, result_type deciding interim or final when the body does not', () => {
    const a = readSentence({ text: 'hi', sentence_id: 2, begin_time: '100', end_time: 900 }, { resultType: 'mid_ja' });
    assert.ok(a.ok);
    if (!a.ok) return;
    assert.deepEqual(
      { final: a.event.final, index: a.event.sentenceIndex, start: a.event.start, end: a.event.end },
      { final: false, index: 2, start: 100, end: 900 },
    );
    const b = readSentence({ Result: 'x', IsFinal: 'true', TransText: 'y' }, { resultType: 'mid_ja', taskId: 't9' });
    assert.ok(b.ok && b.event.final && b.event.taskId === 't9');
    assert.deepEqual(b.ok && b.event.translations, [{ language: 'ja', text: 'y', final: true }]);
    const c = readSentence({ Text: 'z', TransText: 't', TransLanguage: 'fr' }, {});
    assert.deepEqual(c.ok && [c.event.final, c.event.translations?.[0].language], [true, 'fr']);
  });

  it('refuses bodies without text and bounds the text it keeps', () => {
    assert.equal(readSentence([], {}).ok, false);
    assert.equal(readSentence({ Text: 5 }, {}).ok, false);
    const long = readSentence({ Text: 'x'.repeat(MAX_TEXT_CHARS * 2) }, {});
    assert.equal(long.ok && long.event.text.length, MAX_TEXT_CHARS);
  });

  it('compares the secret exactly', () => {
    assert.equal(secretMatches('s3cret', 's3cret'), true);
    for (const wrong of ['s3cre', 's3cret ', '', undefined, 5, ['s3cret']])
      assert.equal(secretMatches(wrong, 's3cret'), false);
  });
});
