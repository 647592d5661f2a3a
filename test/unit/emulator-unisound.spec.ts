import assert from 'assert/strict';
import http from 'http';
import { createHash } from 'crypto';
import { Readable } from 'stream';
import vm from 'vm';
import v8 from 'v8';
import FormData from 'form-data';
import axios from 'axios';
import { UnisoundEmulator, UNISOUND_DEFAULTS, RESULT_FIELDS, type UnisoundEmulatorOptions } from '../emulator/unisound';

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
    else form.append('file', o.content ?? Buffer.from('RIFF....WAVEfmt '), { filename: o.filename ?? 'a.wav', contentType: o.contentType ?? 'audio/wav' });
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

const createBody = (fileId: number, extra: Record<string, unknown> = {}) => ({ model: 'u2-asr', file_id: fileId, format: 'wav', ...extra });

describe('UnisoundEmulator: auth', () => {
  let emu: UnisoundEmulator;
  before(async () => {
    emu = await started({
      apiKeys: { [KEY]: {}, expired: { status: 'expired' }, poor: { status: 'noCredit' }, nomodel: { status: 'noModel' }, off: { status: 'disabled' } },
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
    assert.deepEqual(emu.requests.map((r) => r.traceId), [a.headers['trace-id'], b.headers['trace-id'], emu.requests[2].traceId]);
    assert.equal(JSON.stringify(emu.requests).includes(KEY), false);
    assert.deepEqual(
      emu.requests.map((r) => [r.action, r.method, r.path, r.status, r.code]),
      [['list', 'GET', '/v1/files', 200, 0], ['list', 'GET', '/v1/files', 200, 0], ['list', 'GET', '/v1/files', 401, 100103]],
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
    assert.deepEqual({ ...f, file_id: 0, created_at: 0 }, { file_id: 0, bytes: content.length, filename: '录音.wav', purpose: 'a2t_async_input', created_at: 0 });
    assert.equal(Number.isInteger(f.created_at), true);
    const stored = emu.files.get(f.file_id);
    assert.equal(stored?.sha256, createHash('sha256').update(content).digest('hex'));
    assert.equal(stored?.contentType, 'audio/wav');
    assert.equal(stored?.content, undefined);
    assert.deepEqual(emu.requests[0].params, { purpose: 'a2t_async_input', filename: '录音.wav', bytes: String(content.length) });
    const second = await upload(emu, { fileFirst: true });
    assertBase(second, 200, 0);
    assert.ok(second.json.file.file_id > f.file_id);
  });

  it('refuses a wrong or missing purpose, a missing file, a file without filename, an empty file, extra file parts', async () => {
    assertBase(await upload(emu, { purpose: 't2a_async_output' }), 400, 100001, /purpose must be a2t_async_input/);
    assertBase(await upload(emu, { purpose: null }), 400, 100001, /purpose is required/);
    assertBase(await upload(emu, { filename: null }), 400, 100001, /file part must have a filename/);
    assertBase(await upload(emu, { content: Buffer.alloc(0) }), 400, 100001, /file must not be empty/);
    assertBase(await upload(emu, { extra: (f) => f.append('file', Buffer.from('x'), { filename: 'b.wav' }) }), 400, 100001, /only one file part/);
    assertBase(await upload(emu, { extra: (f) => f.append('other', Buffer.from('x'), { filename: 'b.wav' }) }), 400, 100001, /unexpected file part other/);
    const r = await upload(emu, { purpose: 'wrong', filename: null });
    assertBase(r, 400, 100001, /file part must have a filename.*purpose must be a2t_async_input.*file is required/);
    assert.equal(emu.files.size, 0);
    const notMultipart = await call(emu, 'POST', '/v1/files/upload', { json: { purpose: 'a2t_async_input' } });
    assertBase(notMultipart, 400, 100001, /multipart/);
    assertBase(await upload(emu, { extra: (f) => f.append('note', 'ignored') }), 200, 0);
  });

  it('accepts exactly maxUploadBytes and refuses one byte more, draining the rest', async () => {
    assertBase(await upload(emu, { content: Buffer.alloc(1024 * 1024, 1) }), 200, 0);
    assertBase(await upload(emu, { content: Buffer.alloc(1024 * 1024 + 1, 1) }), 400, 100001, /file must be at most 1048576 bytes/);
    const r = await upload(emu, { content: Buffer.alloc(3 * 1024 * 1024 + 1, 2) });
    assertBase(r, 400, 100001, /file must be at most 1048576 bytes/);
    assert.equal(emu.files.size, 1);
    // The connection stayed usable: the same agent-less client can go on.
    assertBase(await call(emu, 'GET', '/v1/files'), 200, 0);
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
    emu = await started({ now: () => clock, processingMs: 3000, tasksPerMinute: 1000, apiKeys: { [KEY]: {}, other: {} } });
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
    assert.deepEqual(emu.requests.filter((r) => r.action === 'poll').map((r) => r.params.task_id), [id, id, id, id]);
  });

  it('adds speaker ids only with enable_speaker and words only with word_info', async () => {
    const fileId = await uploaded(emu);
    const id = (await call(emu, 'POST', '/v1/audio/asr/tasks', { json: createBody(fileId, { enable_speaker: true, word_info: true, speaker_num: 2 }) })).json.task_id;
    clock += 3000;
    const seg = (await call(emu, 'GET', `/v1/audio/asr/tasks/${id}`)).json.results[0];
    assert.equal(seg[RESULT_FIELDS.speaker], 0);
    assert.deepEqual(seg.words.map((w: any) => w.word), ['Good', 'morning', 'this', 'is', 'the', 'Unisound', 'emulator']);
    assert.deepEqual(Object.keys(seg.words[0]).sort(), ['confidence', 'end_time', 'start_time', 'word']);
    assert.equal(seg.words[0].start_time, 0);
    assert.equal(seg.words[6].end_time, 2800);
    emu.setScript([{ text: '测试', startMs: 500, endMs: 1500, speaker: 3, words: [{ word: '测试', startMs: 500, endMs: 1500, confidence: 0.5 }] }]);
    const id2 = (await call(emu, 'POST', '/v1/audio/asr/tasks', { json: createBody(fileId, { enable_speaker: true, word_info: true }) })).json.task_id;
    clock += 3000;
    const p = (await call(emu, 'GET', `/v1/audio/asr/tasks/${id2}`)).json;
    assert.equal(p.duration, 1.5);
    assert.deepEqual(p.results, [{ text: '测试', start_time: 500, end_time: 1500, speaker_id: 3, words: [{ word: '测试', start_time: 500, end_time: 1500, confidence: 0.5 }] }]);
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
    assert.deepEqual(p.json, { task_id: failed, status: 'Failed', base_resp: { status_code: 200001, status_msg: 'audio too short' } });
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
    assertBase(await call(emu, 'POST', '/v1/audio/asr/tasks', { json: createBody(fileId + 1000) }), 400, 100002, /file_id/);
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
    assertBase(await call(emu, 'POST', '/v1/files/delete', { json: { file_id: fileId, purpose: 'a2t_async_input' } }), 400, 100002);
  });

  it('delete checks its body; list shows live files of the key', async () => {
    const a = await uploaded(emu);
    const b = await uploaded(emu);
    await uploaded(emu, 'other');
    assertBase(await call(emu, 'POST', '/v1/files/delete', { json: { file_id: String(a), purpose: 'a2t_async_input' } }), 400, 100001, /file_id/);
    assertBase(await call(emu, 'POST', '/v1/files/delete', { json: { file_id: a } }), 400, 100001, /purpose/);
    assertBase(await call(emu, 'POST', '/v1/files/delete', { json: { file_id: a, purpose: 'other' } }), 400, 100002);
    assertBase(await call(emu, 'POST', '/v1/files/delete', { json: { file_id: a, purpose: 'a2t_async_input' }, key: 'other' }), 400, 100002);
    assertBase(await call(emu, 'POST', '/v1/files/delete', { raw: '{', contentType: 'application/json' }), 400, 100001, /valid JSON/);
    assertBase(await call(emu, 'POST', '/v1/files/delete', { json: { file_id: a, purpose: 'a2t_async_input' } }), 200, 0);
    const list = await call(emu, 'GET', '/v1/files');
    assertBase(list, 200, 0);
    assert.deepEqual(list.json.files.map((f: any) => f.file_id), [b]);
    assert.deepEqual(Object.keys(list.json.files[0]).sort(), ['bytes', 'created_at', 'file_id', 'filename', 'purpose']);
    assert.deepEqual((await call(emu, 'GET', '/v1/files?purpose=t2a_async_output')).json.files, []);
  });
});
