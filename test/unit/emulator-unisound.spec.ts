import assert from 'assert/strict';
import http from 'http';
import { createHash } from 'crypto';
import { execFile } from 'child_process';
import { Readable } from 'stream';
import FormData from 'form-data';
import axios from 'axios';
import { UnisoundEmulator, UNISOUND_DEFAULTS, RESULT_FIELDS, type UnisoundEmulatorOptions } from '../emulator/unisound';
import { collectGarbage } from '../reliability/kit';

const KEY = UNISOUND_DEFAULTS.apiKey;
const TRACE = /^[0-9a-f]{32}$/;

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

function collect(res: http.IncomingMessage): Promise<Res> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
    });
  });
}

interface CallOpts {
  key?: string | null;
  auth?: string;
  json?: unknown;
  raw?: string;
  contentType?: string;
}

function call(emu: UnisoundEmulator, method: string, path: string, o: CallOpts = {}): Promise<Res> {
  const headers: Record<string, string> = {};
  if (o.auth !== undefined) headers.authorization = o.auth;
  else if (o.key !== null) headers.authorization = `Bearer ${o.key ?? KEY}`;
  const body = o.raw ?? (o.json !== undefined ? JSON.stringify(o.json) : undefined);
  if (body !== undefined) {
    headers['content-type'] = o.contentType ?? 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(emu.url + path, { method, headers }, (res) => collect(res).then(resolve, reject));
    req.on('error', reject);
    req.end(body);
  });
}

interface UploadOpts {
  key?: string;
  purpose?: string | null;
  filename?: string | null;
  content?: Buffer | Readable;
  contentType?: string;
  fileFirst?: boolean;
  extra?: (f: FormData) => void;
}

function upload(emu: UnisoundEmulator, o: UploadOpts = {}): Promise<Res> {
  const form = new FormData();
  const addPurpose = () => o.purpose !== null && form.append('purpose', o.purpose ?? 'a2t_async_input');
  const addFile = () => {
    if (o.filename === null) form.append('file', (o.content as Buffer | undefined)?.toString('latin1') ?? 'abc');
    else
      form.append('file', o.content ?? Buffer.from('RIFF....WAVEfmt '), {
        filename: o.filename ?? 'a.wav',
        contentType: o.contentType ?? 'audio/wav',
      });
  };
  if (o.fileFirst) {
    addFile();
    addPurpose();
  } else {
    addPurpose();
    addFile();
  }
  o.extra?.(form);
  return new Promise((resolve, reject) => {
    const req = http.request(emu.url + '/v1/files/upload', {
      method: 'POST',
      headers: { ...form.getHeaders(), authorization: `Bearer ${o.key ?? KEY}` },
    });
    req.on('response', (res) => collect(res).then(resolve, reject));
    req.on('error', reject);
    form.pipe(req);
  });
}

function assertBase(r: Res, status: number, code: number, msg?: RegExp): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.base_resp?.status_code, code, r.text);
  assert.equal(typeof r.json.base_resp.status_msg, 'string');
  if (msg) assert.match(r.json.base_resp.status_msg, msg);
  assert.match(String(r.headers['trace-id']), TRACE);
}

async function started(opts: UnisoundEmulatorOptions = {}): Promise<UnisoundEmulator> {
  const emu = new UnisoundEmulator(opts);
  await emu.listen();
  return emu;
}

async function uploaded(emu: UnisoundEmulator, key: string = KEY): Promise<number> {
  const r = await upload(emu, { key });
  assertBase(r, 200, 0);
  return r.json.file.file_id as number;
}

const createBody = (fileId: number, extra: Record<string, unknown> = {}) => ({
  model: 'u2-asr',
  file_id: fileId,
  format: 'wav',
  ...extra,
});

describe('UnisoundEmulator: auth', () => {
  let emu: UnisoundEmulator;
  before(async () => {
    emu = await started({
      apiKeys: {
        [KEY]: {},
        expired: { status: 'expired' },
        poor: { status: 'noCredit' },
        nomodel: { status: 'noModel' },
        off: { status: 'disabled' },
      },
    });
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  const routes: [string, string][] = [
    ['POST', '/v1/files/upload'],
    ['POST', '/v1/audio/asr/tasks'],
    ['GET', '/v1/audio/asr/tasks/abc'],
    ['POST', '/v1/files/delete'],
    ['GET', '/v1/files'],
  ];

  for (const [method, path] of routes) {
    it(`${method} ${path}: missing, malformed, unknown and non-ok keys`, async () => {
      assertBase(await call(emu, method, path, { key: null }), 401, 100101);
      assertBase(await call(emu, method, path, { auth: '' }), 401, 100101);
      for (const auth of [`bearer ${KEY}`, KEY, `Basic ${KEY}`, `Bearer  ${KEY}`, `Bearer ${KEY} x`, 'Bearer ']) {
        assertBase(await call(emu, method, path, { auth }), 401, 100102, /Bearer/);
      }
      assertBase(await call(emu, method, path, { key: 'nope' }), 401, 100103);
      assertBase(await call(emu, method, path, { key: 'expired' }), 401, 100103);
      assertBase(await call(emu, method, path, { key: 'poor' }), 401, 100104);
      assertBase(await call(emu, method, path, { key: 'nomodel' }), 401, 100105);
      assertBase(await call(emu, method, path, { key: 'off' }), 401, 100106);
    });
  }

  it('a valid key passes auth, every reply has a unique Trace-Id, and the log never holds the key', async () => {
    const a = await call(emu, 'GET', '/v1/files');
    const b = await call(emu, 'GET', '/v1/files');
    assertBase(a, 200, 0);
    assert.deepEqual(a.json.files, []);
    assert.notEqual(a.headers['trace-id'], b.headers['trace-id']);
    await call(emu, 'GET', '/v1/files', { key: 'nope' });
    assert.equal(emu.requests.length, 3);
    assert.deepEqual(
      emu.requests.map((r) => r.traceId),
      [a.headers['trace-id'], b.headers['trace-id'], emu.requests[2].traceId],
    );
    assert.equal(JSON.stringify(emu.requests).includes(KEY), false);
    assert.deepEqual(
      emu.requests.map((r) => [r.action, r.method, r.path, r.status, r.code]),
      [
        ['list', 'GET', '/v1/files', 200, 0],
        ['list', 'GET', '/v1/files', 200, 0],
        ['list', 'GET', '/v1/files', 401, 100103],
      ],
    );
  });

  it('an unknown route is 404 100002 after auth, and 401 before it', async () => {
    assertBase(await call(emu, 'GET', '/v1/nothing'), 404, 100002);
    assertBase(await call(emu, 'DELETE', '/v1/files'), 404, 100002);
    assertBase(await call(emu, 'GET', '/v1/nothing', { key: null }), 401, 100101);
  });
});

describe('UnisoundEmulator: upload', () => {
  let emu: UnisoundEmulator;
  before(async () => {
    emu = await started({ maxUploadBytes: 1024 * 1024 });
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  it('accepts purpose + file, answers the file record and keeps the hash', async () => {
    const content = Buffer.from('RIFF fake wav bytes \u0000\u0001\u0002');
    const r = await upload(emu, { content, filename: '录音.wav' });
    assertBase(r, 200, 0, /^success$/);
    const f = r.json.file;
    assert.equal(Number.isSafeInteger(f.file_id), true);
    assert.deepEqual(
      { ...f, file_id: 0, created_at: 0 },
      { file_id: 0, bytes: content.length, filename: '录音.wav', purpose: 'a2t_async_input', created_at: 0 },
    );
    assert.equal(Number.isInteger(f.created_at), true);
    const stored = emu.files.get(f.file_id);
    assert.equal(stored?.sha256, createHash('sha256').update(content).digest('hex'));
    assert.equal(stored?.contentType, 'audio/wav');
    assert.equal(stored?.content, undefined);
    assert.deepEqual(emu.requests[0].params, {
      purpose: 'a2t_async_input',
      filename: '录音.wav',
      bytes: String(content.length),
    });
    const second = await upload(emu, { fileFirst: true });
    assertBase(second, 200, 0);
    assert.ok(second.json.file.file_id > f.file_id);
  });

  it('refuses a wrong or missing purpose, a missing file, a file without filename, an empty file, extra file parts', async () => {
    assertBase(await upload(emu, { purpose: 't2a_async_output' }), 400, 100001, /purpose must be a2t_async_input/);
    assertBase(await upload(emu, { purpose: null }), 400, 100001, /purpose is required/);
    assertBase(await upload(emu, { filename: null }), 400, 100001, /file part must have a filename/);
    assertBase(await upload(emu, { content: Buffer.alloc(0) }), 400, 100001, /file must not be empty/);
    assertBase(
      await upload(emu, { extra: (f) => f.append('file', Buffer.from('x'), { filename: 'b.wav' }) }),
      400,
      100001,
      /only one file part/,
    );
    assertBase(
      await upload(emu, { extra: (f) => f.append('other', Buffer.from('x'), { filename: 'b.wav' }) }),
      400,
      100001,
      /unexpected file part other/,
    );
    const r = await upload(emu, { purpose: 'wrong', filename: null });
    assertBase(r, 400, 100001, /file part must have a filename.*purpose must be a2t_async_input.*file is required/);
    assert.equal(emu.files.size, 0);
    const notMultipart = await call(emu, 'POST', '/v1/files/upload', { json: { purpose: 'a2t_async_input' } });
    assertBase(notMultipart, 400, 100001, /multipart/);
    assertBase(await upload(emu, { extra: (f) => f.append('note', 'ignored') }), 200, 0);
  });

  it('accepts exactly maxUploadBytes and refuses one byte more, draining the rest', async () => {
    assertBase(await upload(emu, { content: Buffer.alloc(1024 * 1024, 1) }), 200, 0);
    assertBase(
      await upload(emu, { content: Buffer.alloc(1024 * 1024 + 1, 1) }),
      400,
      100001,
      /file must be at most 1048576 bytes/,
    );
    const r = await upload(emu, { content: Buffer.alloc(3 * 1024 * 1024 + 1, 2) });
    assertBase(r, 400, 100001, /file must be at most 1048576 bytes/);
    assert.equal(emu.files.size, 1);
    // The connection stayed usable: the same agent-less client can go on.
    assertBase(await call(emu, 'GET', '/v1/files'), 200, 0);
  });

  it('answers 401 to a large upload with a bad key while the body is still coming, and stores nothing', async () => {
    assertBase(await upload(emu, { key: 'wrong', content: generated(4 * 1024 * 1024).stream }), 401, 100103);
    assert.equal(emu.files.size, 0);
    assert.equal(emu.requests[0].params.bytes, undefined);
  });

  it("storeUploads 'keep' keeps the bytes", async () => {
    const keep = await started({ storeUploads: 'keep' });
    try {
      const content = Buffer.from('some audio');
      const r = await upload(keep, { content });
      assert.deepEqual(keep.files.get(r.json.file.file_id)?.content, content);
    } finally {
      await keep.close();
    }
  });
});

describe('UnisoundEmulator: create, poll, delete, list', () => {
  let clock = 1_700_000_000_000;
  let emu: UnisoundEmulator;
  before(async () => {
    emu = await started({
      now: () => clock,
      processingMs: 3000,
      tasksPerMinute: 1000,
      apiKeys: { [KEY]: {}, other: {} },
    });
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  it('goes Waiting -> Processing -> Success on the fake clock and returns the script', async () => {
    const fileId = await uploaded(emu);
    const c = await call(emu, 'POST', '/v1/audio/asr/tasks', { json: createBody(fileId) });
    assertBase(c, 200, 0);
    const id = c.json.task_id;
    assert.equal(typeof id, 'string');
    assert.deepEqual(Object.keys(c.json).sort(), ['base_resp', 'task_id']);
    const poll = () => call(emu, 'GET', `/v1/audio/asr/tasks/${encodeURIComponent(id)}`);
    let p = await poll();
    assertBase(p, 200, 0);
    assert.deepEqual(p.json, { task_id: id, status: 'Waiting', base_resp: { status_code: 0, status_msg: 'success' } });
    clock += 1000;
    assert.equal((await poll()).json.status, 'Processing');
    clock += 1999;
    assert.equal((await poll()).json.status, 'Processing');
    clock += 1;
    p = await poll();
    assertBase(p, 200, 0);
    assert.equal(p.json.status, 'Success');
    assert.equal(p.json.duration, 10.4);
    assert.equal(p.json.results.length, 4);
    assert.deepEqual(p.json.results[1], { text: '你好，云知声语音链路测试成功！', start_time: 3100, end_time: 5600 });
    assert.deepEqual(
      emu.requests.filter((r) => r.action === 'poll').map((r) => r.params.task_id),
      [id, id, id, id],
    );
  });

  it('adds speaker ids only with enable_speaker and words only with word_info', async () => {
    const fileId = await uploaded(emu);
    const id = (
      await call(emu, 'POST', '/v1/audio/asr/tasks', {
        json: createBody(fileId, { enable_speaker: true, word_info: true, speaker_num: 2 }),
      })
    ).json.task_id;
    clock += 3000;
    const seg = (await call(emu, 'GET', `/v1/audio/asr/tasks/${id}`)).json.results[0];
    assert.equal(seg[RESULT_FIELDS.speaker], 0);
    assert.deepEqual(
      seg.words.map((w: any) => w.word),
      ['Good', 'morning', 'this', 'is', 'the', 'Unisound', 'emulator'],
    );
    assert.deepEqual(Object.keys(seg.words[0]).sort(), ['confidence', 'end_time', 'start_time', 'word']);
    assert.equal(seg.words[0].start_time, 0);
    assert.equal(seg.words[6].end_time, 2800);
    emu.setScript([
      {
        text: '测试',
        startMs: 500,
        endMs: 1500,
        speaker: 3,
        words: [{ word: '测试', startMs: 500, endMs: 1500, confidence: 0.5 }],
      },
    ]);
    const id2 = (
      await call(emu, 'POST', '/v1/audio/asr/tasks', {
        json: createBody(fileId, { enable_speaker: true, word_info: true }),
      })
    ).json.task_id;
    clock += 3000;
    const p = (await call(emu, 'GET', `/v1/audio/asr/tasks/${id2}`)).json;
    assert.equal(p.duration, 1.5);
    assert.deepEqual(p.results, [
      {
        text: '测试',
        start_time: 500,
        end_time: 1500,
        speaker_id: 3,
        words: [{ word: '测试', start_time: 500, end_time: 1500, confidence: 0.5 }],
      },
    ]);
  });

  it('failNextTask ends the next task Failed with a 2000xx code and message', async () => {
    const fileId = await uploaded(emu);
    emu.failNextTask('audio too short');
    const failed = (await call(emu, 'POST', '/v1/audio/asr/tasks', { json: createBody(fileId) })).json.task_id;
    const fine = (await call(emu, 'POST', '/v1/audio/asr/tasks', { json: createBody(fileId) })).json.task_id;
    assert.equal((await call(emu, 'GET', `/v1/audio/asr/tasks/${failed}`)).json.status, 'Waiting');
    clock += 3000;
    const p = await call(emu, 'GET', `/v1/audio/asr/tasks/${failed}`);
    assert.equal(p.status, 200);
    assert.deepEqual(p.json, {
      task_id: failed,
      status: 'Failed',
      base_resp: { status_code: 200001, status_msg: 'audio too short' },
    });
    assert.equal((await call(emu, 'GET', `/v1/audio/asr/tasks/${fine}`)).json.status, 'Success');
  });

  it('unknown tasks, and tasks of another key, are 100002', async () => {
    assertBase(await call(emu, 'GET', '/v1/audio/asr/tasks/nope'), 400, 100002, /task_id nope/);
    const fileId = await uploaded(emu);
    const id = (await call(emu, 'POST', '/v1/audio/asr/tasks', { json: createBody(fileId) })).json.task_id;
    assertBase(await call(emu, 'GET', `/v1/audio/asr/tasks/${id}`, { key: 'other' }), 400, 100002);
    assertBase(await call(emu, 'GET', `/v1/audio/asr/tasks/%E0%A4%A`), 400, 100002);
  });

  it('file_id must be a live upload of this key with purpose a2t_async_input', async () => {
    const fileId = await uploaded(emu);
    assertBase(
      await call(emu, 'POST', '/v1/audio/asr/tasks', { json: createBody(fileId + 1000) }),
      400,
      100002,
      /file_id/,
    );
    assertBase(await call(emu, 'POST', '/v1/audio/asr/tasks', { json: createBody(fileId), key: 'other' }), 400, 100002);
    const tts = emu.files.get(fileId);
    assert.ok(tts);
    emu.files.set(fileId + 1, { ...tts, fileId: fileId + 1, purpose: 't2a_async_output' });
    assertBase(await call(emu, 'POST', '/v1/audio/asr/tasks', { json: createBody(fileId + 1) }), 400, 100002);
    const del = await call(emu, 'POST', '/v1/files/delete', { json: { file_id: fileId, purpose: 'a2t_async_input' } });
    assertBase(del, 200, 0);
    assert.equal(del.json.file_id, fileId);
    assert.equal(emu.files.get(fileId)?.deleted, true);
    assertBase(await call(emu, 'POST', '/v1/audio/asr/tasks', { json: createBody(fileId) }), 400, 100002);
    assertBase(
      await call(emu, 'POST', '/v1/files/delete', { json: { file_id: fileId, purpose: 'a2t_async_input' } }),
      400,
      100002,
    );
  });

  it('delete checks its body; list shows live files of the key', async () => {
    const a = await uploaded(emu);
    const b = await uploaded(emu);
    await uploaded(emu, 'other');
    assertBase(
      await call(emu, 'POST', '/v1/files/delete', { json: { file_id: String(a), purpose: 'a2t_async_input' } }),
      400,
      100001,
      /file_id/,
    );
    assertBase(await call(emu, 'POST', '/v1/files/delete', { json: { file_id: a } }), 400, 100001, /purpose/);
    assertBase(await call(emu, 'POST', '/v1/files/delete', { json: { file_id: a, purpose: 'other' } }), 400, 100002);
    assertBase(
      await call(emu, 'POST', '/v1/files/delete', { json: { file_id: a, purpose: 'a2t_async_input' }, key: 'other' }),
      400,
      100002,
    );
    assertBase(
      await call(emu, 'POST', '/v1/files/delete', { raw: '{', contentType: 'application/json' }),
      400,
      100001,
      /valid JSON/,
    );
    assertBase(
      await call(emu, 'POST', '/v1/files/delete', { json: { file_id: a, purpose: 'a2t_async_input' } }),
      200,
      0,
    );
    const list = await call(emu, 'GET', '/v1/files');
    assertBase(list, 200, 0);
    assert.deepEqual(
      list.json.files.map((f: any) => f.file_id),
      [b],
    );
    assert.deepEqual(Object.keys(list.json.files[0]).sort(), ['bytes', 'created_at', 'file_id', 'filename', 'purpose']);
    assert.deepEqual((await call(emu, 'GET', '/v1/files?purpose=t2a_async_output')).json.files, []);
  });
});

describe('UnisoundEmulator: create-task rules', () => {
  let emu: UnisoundEmulator;
  let fileId: number;
  before(async () => {
    emu = await started({ tasksPerMinute: 10_000 });
    fileId = await uploaded(emu);
  });
  after(() => emu.close());

  const create = (json: unknown) => call(emu, 'POST', '/v1/audio/asr/tasks', { json });
  const url = 'https://example.com/test.opus';

  it('accepts the documented minimal bodies and every optional field in range', async () => {
    assertBase(
      await create({ file_url: url, model: 'u2-asr', format: 'opus', sample_rate: 16000, channel: 1 }),
      200,
      0,
    );
    assertBase(
      await create({
        file_url: 'http://example.com/' + 'a'.repeat(2048 - 'http://example.com/'.length),
        model: 'u2-asr',
        format: 'mp3',
      }),
      200,
      0,
    );
    for (const format of ['mp3', 'opus', 'wav', 'amr', 'm4a', 'ogg'])
      assertBase(await create(createBody(fileId, { format })), 200, 0);
    const full = createBody(fileId, {
      sample_rate: 8000,
      channel: 1,
      enable_itn: false,
      enable_auto_lang: true,
      language: 'ja-JP',
      enable_speaker: true,
      speaker_num: 3,
      speaker_ids: Array.from({ length: 10 }, (_, i) => `vp${i}`),
      word_info: true,
      context: '会'.repeat(500),
      hotwords: Array.from({ length: 200 }, () => '云知声语音'),
      unknown_field: { ignored: true },
    });
    assertBase(await create(full), 200, 0);
    assertBase(await create(createBody(fileId, { channel: 2, enable_speaker: false })), 200, 0);
    const logged = emu.requests.filter((r) => r.action === 'create' && r.status === 200).pop();
    assert.equal(logged?.params.channel, '2');
    assert.equal(logged?.params.model, 'u2-asr');
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['missing model', { model: undefined }, /model is required/],
    ['wrong model', { model: 'u1-asr' }, /model must be u2-asr/],
    ['missing format', { format: undefined }, /format is required/],
    ['format not in the list', { format: 'flac' }, /format must be one of/],
    ['format in upper case', { format: 'WAV' }, /format must be one of/],
    ['file_id as a string', { file_id: '123' }, /file_id must be a positive integer/],
    ['file_id fractional', { file_id: 1.5 }, /file_id must be a positive integer/],
    ['both file_id and file_url', { file_url: url }, /mutually exclusive/],
    ['neither file_id nor file_url', { file_id: undefined }, /file_id or file_url is required/],
    [
      'file_url not http(s)',
      { file_id: undefined, file_url: 'ftp://example.com/a.wav' },
      /file_url must be an absolute http\(s\) URL/,
    ],
    ['file_url relative', { file_id: undefined, file_url: '/a.wav' }, /file_url must be an absolute/],
    [
      'file_url too long',
      { file_id: undefined, file_url: 'https://example.com/' + 'a'.repeat(2030) },
      /file_url must be at most 2048/,
    ],
    ['sample_rate 0', { sample_rate: 0 }, /sample_rate must be a positive integer/],
    ['sample_rate string', { sample_rate: '16000' }, /sample_rate/],
    ['channel 3', { channel: 3 }, /channel must be 1 or 2/],
    ['channel "1"', { channel: '1' }, /channel must be 1 or 2/],
    ['enable_itn as a string', { enable_itn: 'true' }, /enable_itn must be a boolean/],
    ['word_info as 1', { word_info: 1 }, /word_info must be a boolean/],
    ['enable_speaker null', { enable_speaker: null }, /enable_speaker must be a boolean/],
    ['enable_auto_lang string', { enable_auto_lang: 'false' }, /enable_auto_lang must be a boolean/],
    ['language unknown', { language: 'zh' }, /language must be one of/],
    ['enable_speaker with stereo', { channel: 2, enable_speaker: true }, /enable_speaker requires channel 1/],
    ['speaker_num without enable_speaker', { speaker_num: 2 }, /speaker_num requires enable_speaker/],
    ['speaker_num 0', { enable_speaker: true, speaker_num: 0 }, /speaker_num must be a positive integer/],
    ['speaker_ids without enable_speaker', { speaker_ids: ['a'] }, /speaker_ids requires enable_speaker/],
    [
      'speaker_ids over 10',
      { enable_speaker: true, speaker_ids: Array.from({ length: 11 }, (_, i) => `v${i}`) },
      /speaker_ids must have at most 10/,
    ],
    ['speaker_ids not strings', { enable_speaker: true, speaker_ids: [1] }, /speaker_ids must be an array of strings/],
    ['context over 500', { context: 'x'.repeat(501) }, /context must be at most 500/],
    ['context not a string', { context: 5 }, /context must be a string/],
    ['hotwords over 200', { hotwords: Array.from({ length: 201 }, () => 'a') }, /hotwords must have at most 200/],
    ['hotword over 5 chars', { hotwords: ['ok', '云知声语音链'] }, /hotwords items must be at most 5/],
    ['hotwords a string', { hotwords: 'abc' }, /hotwords must be an array of strings/],
  ];

  for (const [name, patch, msg] of bad) {
    it(`refuses ${name} with 400 100001 naming the field`, async () => {
      const body: Record<string, unknown> = createBody(fileId);
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) delete body[k];
        else body[k] = v;
      }
      const before = emu.tasks.size;
      assertBase(await create(body), 400, 100001, msg);
      assert.equal(emu.tasks.size, before);
    });
  }

  it('lists every problem at once, and refuses non-JSON bodies', async () => {
    const r = await create({ model: 'x', format: 'x', channel: 9 });
    assertBase(
      r,
      400,
      100001,
      /model must be u2-asr; file_id or file_url is required; format must be one of .*; channel must be 1 or 2/,
    );
    assertBase(await create([1]), 400, 100001, /body must be a JSON object/);
    assertBase(
      await call(emu, 'POST', '/v1/audio/asr/tasks', { raw: '{"model":', contentType: 'application/json' }),
      400,
      100001,
      /valid JSON/,
    );
    assertBase(
      await call(emu, 'POST', '/v1/audio/asr/tasks', {
        raw: JSON.stringify(createBody(fileId)),
        contentType: 'text/plain',
      }),
      400,
      100001,
      /Content-Type/,
    );
    assertBase(
      await call(emu, 'POST', '/v1/audio/asr/tasks', {
        raw: JSON.stringify(createBody(fileId)),
        contentType: 'application/json; charset=utf-8',
      }),
      200,
      0,
    );
  });
});

describe('UnisoundEmulator: 20 tasks per minute', () => {
  it('refuses the 21st create in any 60 s window with 429 100501, per key; polls do not count', async () => {
    let clock = 1_000_000;
    const emu = await started({ now: () => clock, apiKeys: { [KEY]: {}, other: {} } });
    try {
      const fileId = await uploaded(emu);
      const create = (key: string = KEY) => call(emu, 'POST', '/v1/audio/asr/tasks', { json: createBody(fileId), key });
      let id = '';
      for (let i = 0; i < 20; i++) {
        const r = await create();
        assertBase(r, 200, 0);
        id = r.json.task_id;
        clock += 1000;
      }
      assertBase(await create(), 429, 100501);
      for (let i = 0; i < 25; i++) assertBase(await call(emu, 'GET', `/v1/audio/asr/tasks/${id}`), 200, 0);
      // Another key has its own window, and an invalid create spends it too (the limiter runs before validation).
      const byUrl = (json: unknown) => call(emu, 'POST', '/v1/audio/asr/tasks', { json, key: 'other' });
      assertBase(await byUrl({ model: 'u2-asr' }), 400, 100001);
      for (let i = 0; i < 19; i++)
        assertBase(await byUrl({ model: 'u2-asr', format: 'wav', file_url: 'https://e.com/a.wav' }), 200, 0);
      assertBase(await byUrl({ model: 'u2-asr', format: 'wav', file_url: 'https://e.com/a.wav' }), 429, 100501);
      assert.equal(emu.requests.filter((r) => r.code === 100501).length, 2);
      clock = 1_000_000 + 60_000;
      assertBase(await create(), 200, 0);
      assertBase(await create(), 429, 100501);
      clock += 1000;
      assertBase(await create(), 200, 0);
    } finally {
      await emu.close();
    }
  });

  it("rateLimitScope 'tasks' counts polls as well", async () => {
    const emu = await started({ tasksPerMinute: 2, rateLimitScope: 'tasks', now: () => 5 });
    try {
      const id = (
        await call(emu, 'POST', '/v1/audio/asr/tasks', {
          json: { model: 'u2-asr', format: 'wav', file_url: 'https://e.com/a.wav' },
        })
      ).json.task_id;
      assertBase(await call(emu, 'GET', `/v1/audio/asr/tasks/${id}`), 200, 0);
      assertBase(await call(emu, 'GET', `/v1/audio/asr/tasks/${id}`), 429, 100501);
      assertBase(await call(emu, 'GET', '/v1/files'), 200, 0);
    } finally {
      await emu.close();
    }
  });
});

/** Deterministic bytes produced on demand, so the test itself never holds the upload. */
function generated(totalBytes: number, chunkBytes = 64 * 1024): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  let n = 0;
  const stream = new Readable({
    read() {
      if (sent >= totalBytes) return void this.push(null);
      const chunk = Buffer.alloc(Math.min(chunkBytes, totalBytes - sent), n++ % 251);
      chunk.writeUInt32LE(n, 0);
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

interface Growth {
  /** heap + Buffers (ArrayBuffer backing stores), where a server that kept chunks would show. */
  peak: number;
  /** What is still held after the work, after a GC. */
  retained: number;
  /** How many times live memory was measured while the work ran. */
  samples: number;
}

/**
 * The emulator's live memory over a baseline: a full collection (with synchronous ArrayBuffer
 * sweeping, see collectGarbage) on every turn of the event loop while the work runs, so the
 * number of samples grows with the upload's length whatever the machine's speed, and each one
 * counts only what is reachable. The client runs in a child process so its own stream buffers do
 * not count. A server that buffered the body would hold nearly all of it by the last samples.
 */
async function measure(work: Promise<unknown>): Promise<Growth> {
  const used = () => {
    collectGarbage();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = used();
  const g: Growth = { peak: 0, retained: 0, samples: 0 };
  let finished = false;
  const sampling = (async () => {
    while (!finished) {
      g.peak = Math.max(g.peak, used() - base);
      g.samples++;
      await new Promise((r) => setImmediate(r));
    }
  })();
  try {
    await work;
  } finally {
    finished = true;
    await sampling;
  }
  g.retained = used() - base;
  g.peak = Math.max(g.peak, g.retained);
  return g;
}

/** Uploads `bytes` generated on the fly from a child process; resolves its reply and the sha256 it sent. */
const CHILD_UPLOAD = `
const FormData = require(process.env.FORM_DATA_PATH);
const http = require('http');
const { Readable } = require('stream');
const { createHash } = require('crypto');
const [url, total] = [process.argv[1], Number(process.argv[2])];
const hash = createHash('sha256');
let sent = 0, n = 0;
const stream = new Readable({ read() {
  if (sent >= total) return this.push(null);
  const c = Buffer.alloc(Math.min(65536, total - sent), n++ % 251);
  c.writeUInt32LE(n, 0);
  sent += c.length;
  hash.update(c);
  this.push(c);
} });
const form = new FormData();
form.append('purpose', 'a2t_async_input');
form.append('file', stream, { filename: 'long.wav', contentType: 'audio/wav' });
const headers = { ...form.getHeaders(), authorization: 'Bearer ' + process.env.UNISOUND_KEY };
const req = http.request(url + '/v1/files/upload', { method: 'POST', headers });
req.on('response', (r) => {
  const chunks = [];
  r.on('data', (c) => chunks.push(c));
  r.on('end', () => process.stdout.write(JSON.stringify({ status: r.statusCode, body: Buffer.concat(chunks).toString(), sha256: hash.digest('hex') })));
});
req.on('error', (e) => process.stdout.write(JSON.stringify({ error: e.code || e.message })));
form.pipe(req);
`;

function childUpload(
  emu: UnisoundEmulator,
  bytes: number,
): Promise<{ status: number; body: string; sha256: string; error?: string }> {
  const env = { ...process.env, FORM_DATA_PATH: require.resolve('form-data'), UNISOUND_KEY: KEY };
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', CHILD_UPLOAD, emu.url, String(bytes)], { env }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout)),
    ),
  );
}

describe('UnisoundEmulator: streamed uploads', function () {
  this.timeout(60_000);
  const MB = 1024 * 1024;

  it('streams a 50 MB upload with flat memory and the right sha256', async () => {
    const emu = await started();
    try {
      let r: Awaited<ReturnType<typeof childUpload>> | undefined;
      const g = await measure(childUpload(emu, 50 * MB).then((x) => (r = x)));
      assert.ok(r);
      assert.equal(r.status, 200, r.body);
      const file = JSON.parse(r.body).file;
      assert.equal(file.bytes, 50 * MB);
      assert.equal(emu.files.get(file.file_id)?.sha256, r.sha256);
      const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;
      if (process.env.DEBUG_MEMORY) console.log(g);
      assert.ok(g.samples >= 3, `only ${g.samples} samples while uploading`);
      // Fractions of the body, not absolute sizes: a buffering server holds most of the 50 MB by the last samples.
      assert.ok(g.peak < 50 * MB * 0.25, `live memory grew by ${mb(g.peak)} while uploading 50 MB`);
      assert.ok(g.retained < 50 * MB * 0.1, `${mb(g.retained)} still held after the upload`);
    } finally {
      await emu.close();
    }
  });

  it("the same measurement sees an emulator that keeps the bytes ('keep')", async () => {
    const emu = await started({ storeUploads: 'keep' });
    try {
      const g = await measure(childUpload(emu, 24 * MB));
      assert.ok(g.retained >= 20 * MB, `only ${(g.retained / MB).toFixed(1)} MB retained`);
      assert.ok(g.peak >= 24 * MB * 0.25, `a peak of only ${(g.peak / MB).toFixed(1)} MB`);
    } finally {
      await emu.close();
    }
  });

  it('refuses an oversize stream while it arrives, without storing anything', async () => {
    const emu = await started({ maxUploadBytes: 2 * MB });
    try {
      const r = await upload(emu, { content: generated(8 * MB).stream });
      assertBase(r, 400, 100001, /at most 2097152 bytes/);
      assert.equal(emu.files.size, 0);
      assert.equal(emu.requests[0].params.bytes, '>2097152');
    } finally {
      await emu.close();
    }
  });

  it("oversize: 'destroy' answers and then closes the connection", async () => {
    const emu = await started({ maxUploadBytes: MB, oversize: 'destroy' });
    try {
      const outcome = await upload(emu, { content: generated(32 * MB).stream }).then(
        (r) => r.json?.base_resp?.status_code,
        (e: NodeJS.ErrnoException) => e.code,
      );
      // The client sees the 400 when it reads before its next write fails, else a reset: both are what a real gateway does.
      assert.ok([100001, 'ECONNRESET', 'EPIPE'].includes(outcome as never), String(outcome));
      assert.equal(emu.requests[0].code, 100001);
      assert.equal(emu.files.size, 0);
    } finally {
      await emu.close();
    }
  });
});

describe('UnisoundEmulator: faults', () => {
  let emu: UnisoundEmulator;
  before(async () => {
    emu = await started();
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  it('throttle, http500 and http503 answer before auth with the vendor envelope', async () => {
    emu.faults.next('throttle').next('http500').next('http503');
    assertBase(await call(emu, 'GET', '/v1/files', { key: null }), 429, 100501);
    assertBase(await call(emu, 'POST', '/v1/audio/asr/tasks', { json: {} }), 500, 100999);
    assertBase(await call(emu, 'GET', '/v1/audio/asr/tasks/x'), 503, 100999);
    assertBase(await call(emu, 'GET', '/v1/files'), 200, 0);
    assert.deepEqual(
      emu.requests.map((r) => r.fault),
      ['throttle', 'http500', 'http503', undefined],
    );
    assert.equal(emu.tasks.size, 0);
  });

  it('http500 during a large upload answers and drains the body', async () => {
    emu.faults.next('http500');
    assertBase(await upload(emu, { content: generated(4 * 1024 * 1024).stream }), 500, 100999);
    assert.equal(emu.files.size, 0);
    assertBase(await upload(emu), 200, 0);
  });

  it('invalidJson is a truncated 200 that claims JSON', async () => {
    emu.faults.next('invalidJson');
    const r = await call(emu, 'GET', '/v1/files');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /application\/json/);
    assert.match(String(r.headers['trace-id']), TRACE);
    assert.equal(r.json, undefined);
    assert.throws(() => JSON.parse(r.text));
  });

  it('slow delays the real answer', async () => {
    emu.faults.next('slow', 1, { slowMs: 150 });
    const t0 = Date.now();
    assertBase(await call(emu, 'GET', '/v1/files'), 200, 0);
    assert.ok(Date.now() - t0 >= 140);
  });

  it('hang never answers (until the client gives up) and close() releases it', async () => {
    emu.faults.next('hang');
    const err = await axios
      .get(`${emu.url}/v1/files`, { headers: { authorization: `Bearer ${KEY}` }, timeout: 150 })
      .then(
        () => undefined,
        (e: { code?: string }) => e.code,
      );
    assert.equal(err, 'ECONNABORTED');
    assert.equal(emu.requests[0].status, 0);
  });

  it('close() releases a hung upload at once', async () => {
    const own = await started();
    own.faults.next('hang');
    const pending = upload(own, { content: generated(2 * 1024 * 1024).stream }).then(
      () => 'answered',
      () => 'released',
    );
    await new Promise((r) => setTimeout(r, 50));
    // Without the release, close() waits for the hung upload and the test runs into mocha's timeout.
    await own.close();
    assert.equal(await pending, 'released');
  });

  it('drop resets a small request with no status line', async () => {
    emu.faults.next('drop');
    const err = await call(emu, 'POST', '/v1/audio/asr/tasks', { json: { model: 'u2-asr' } }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e.code ?? e.message,
    );
    assert.ok(['ECONNRESET', 'socket hang up'].includes(String(err)), String(err));
    assert.equal(emu.requests[0].status, 0);
    assert.equal(emu.requests[0].fault, 'drop');
  });

  it('drop kills an upload mid-stream while the client is still sending', async () => {
    emu.faults.next('drop');
    const total = 8 * 1024 * 1024;
    const err = await upload(emu, { content: generated(total).stream }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e.code ?? e.message,
    );
    assert.ok(['ECONNRESET', 'EPIPE', 'socket hang up'].includes(String(err)), String(err));
    const received = Number(emu.requests[0].params.receivedBytes);
    assert.ok(received >= 64 * 1024 && received < total, String(received));
    assert.equal(emu.files.size, 0);
    assertBase(await upload(emu), 200, 0);
  });
});
