/**
 * Golden fixtures: every request, response and message example the vendors publish
 * (test/fixtures/vendors/<vendor>/, each with its source), replayed. Requests go to the
 * emulators, which must accept them (a refusal is an emulator defect); responses through the
 * clients' readers; messages through the decoders, with expected outputs written from the
 * documents' words, never copied from our own output.
 */
import assert from 'assert/strict';
import fs from 'fs';
import path from 'path';
import FormData from 'form-data';
import { AgoraEmulator, AGORA_DEFAULTS } from '../emulator/agora';
import { AliyunLiveEmulator, DEFAULT_CREDENTIALS } from '../emulator/aliyun-live';
import { UnisoundEmulator, UNISOUND_DEFAULTS } from '../emulator/unisound';
import { decodeSttMessage, SettledSegments } from '../../nodes/vendors/agora/stt-decode';
import { toAgoraError } from '../../nodes/vendors/agora/errors';
import { parseCallback } from '../../nodes/vendors/aliyun-live/callback-event';
import { AliyunLiveClient } from '../../nodes/vendors/aliyun-live/client';
import { taskStatusOf } from '../../nodes/vendors/unisound/client';
import { toTranscriptDocument } from '../../nodes/vendors/unisound/result';
import { captionUpdate, Room } from '../../nodes/transcript/captions/room';
import { readInput } from '../../nodes/transcript/input';

const ROOT = path.join(__dirname, '..', 'fixtures', 'vendors');

interface Source {
  repo?: string;
  path?: string;
  commit?: string;
  seed?: string;
}
interface Fixture {
  file: string;
  source: Source;
  kind?: string;
  api?: 'v7' | 'v6' | 'any';
  action?: string;
  method?: string;
  path?: string;
  query?: Record<string, string>;
  body?: any;
  status?: number | 'non-200';
  format?: 'protobuf' | 'json';
  messages?: any[];
  expected?: any;
  params?: Record<string, unknown>;
}

function load(dir: string): Fixture[] {
  const full = path.join(ROOT, dir);
  return fs
    .readdirSync(full)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: `${dir}/${f}`, ...JSON.parse(fs.readFileSync(path.join(full, f), 'utf8')) }));
}

describe('vendor golden fixtures', () => {
  it('every fixture names its source (repo, path and commit, or the seed file)', () => {
    const all = [...load('agora/rest'), ...load('agora/messages'), ...load('aliyun-live'), ...load('unisound')];
    assert.ok(all.length >= 50, `${all.length} fixtures`);
    for (const f of all) {
      const s = f.source;
      assert.ok(s, `${f.file}: source`);
      if (s.seed) assert.ok(fs.existsSync(s.seed) || s.seed.startsWith('/work/shared/seeds/'), f.file);
      else {
        assert.match(String(s.repo), /^[\w-]+\/[\w.-]+$/, `${f.file}: repo`);
        assert.ok(s.path, `${f.file}: path`);
        assert.match(String(s.commit), /^[0-9a-f]{40}$/, `${f.file}: commit`);
      }
    }
  });

  describe('Agora REST requests through the emulator', () => {
    const APP = AGORA_DEFAULTS.appId;
    const V7 = `/api/speech-to-text/v1/projects/${APP}`;
    const V6 = `/v1/projects/${APP}/rtsc/speech-to-text`;
    const AUTH = `Basic ${Buffer.from(`${AGORA_DEFAULTS.customerId}:${AGORA_DEFAULTS.customerSecret}`).toString('base64')}`;
    let emu: AgoraEmulator;

    beforeEach(async () => {
      // The examples carry no tokens: an App without a certificate, as Agora allows.
      emu = new AgoraEmulator({ apps: { [APP]: {} }, updateSpacingMs: 0, statusStepMs: 1 });
      await emu.listen(0, '127.0.0.1');
    });
    afterEach(() => emu.close());

    async function call(method: string, p: string, body?: unknown, query?: Record<string, string>) {
      const qs = query ? `?${new URLSearchParams(query).toString()}` : '';
      const r = await fetch(emu.url + p + qs, {
        method,
        headers: { authorization: AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, text, json: text ? JSON.parse(text) : undefined };
    }

    async function joined(): Promise<string> {
      const base = load('agora/rest').find((f) => f.file.endsWith('/v7-join-request.json'))!;
      const r = await call('POST', `${V7}/join`, base.body);
      assert.equal(r.status, 200, r.text);
      const id = r.json.agent_id as string;
      // Wait for the condition (STARTING → RUNNING), not for a time.
      while ((await call('GET', `${V7}/agents/${id}`)).json.status !== 'RUNNING');
      return id;
    }

    async function started(): Promise<{ token: string; taskId: string }> {
      const acquire = await call('POST', `${V6}/builderTokens`, { instanceId: 'fixture-instance' });
      assert.equal(acquire.status, 200, acquire.text);
      const token = acquire.json.tokenName as string;
      const base = load('agora/rest').find((f) => f.file.endsWith('/v6-start-request.json'))!;
      const r = await call('POST', `${V6}/tasks`, base.body, { builderToken: token });
      assert.equal(r.status, 200, r.text);
      return { token, taskId: r.json.taskId };
    }

    for (const f of load('agora/rest').filter((x) => x.kind === 'request')) {
      it(`accepts ${f.file} (${f.source.path})`, async () => {
        let r;
        if (f.api === 'v7') {
          const id = f.action === 'join' || f.action === 'list' ? '' : await joined();
          r = await call(f.method!, V7 + f.path!.replace('{agentId}', id), f.body, f.query);
        } else if (f.action === 'acquire') {
          // The example's value is a description with spaces, outside the documented [a-zA-Z0-9-_].
          r = await call('POST', `${V6}/builderTokens`, { instanceId: f.body.instanceId.replace(/ /g, '-') });
        } else if (f.action === 'start') {
          const acquire = await call('POST', `${V6}/builderTokens`, { instanceId: 'fixture-instance' });
          r = await call('POST', `${V6}/tasks`, f.body, { builderToken: acquire.json.tokenName });
        } else {
          const { token, taskId } = await started();
          r = await call(f.method!, V6 + f.path!.replace('{taskId}', taskId), f.body, {
            ...f.query,
            builderToken: token,
          });
        }
        assert.equal(r.status, 200, `${f.file}: ${r.text}`);
      });
    }
  });

  describe('Agora REST responses through the client reader', () => {
    for (const f of load('agora/rest').filter((x) => x.kind === 'response')) {
      it(`reads ${f.file}`, () => {
        const status = f.status === 'non-200' ? 400 : (f.status as number);
        const err = toAgoraError({ status, headers: {}, body: JSON.stringify(f.body) });
        if (status === 200) {
          assert.equal(err, undefined);
          return;
        }
        assert.ok(err, 'an error');
        // The vendor's own words reach the user.
        const said = [f.body.message, f.body.detail, f.body.reason].filter((s) => typeof s === 'string');
        for (const s of said) assert.ok(err.message.includes(s), `${err.message} quotes "${s}"`);
        assert.equal(err.httpStatus, status);
      });
    }
  });

  describe('Agora subtitle messages through the decoder', () => {
    const protobuf = require('protobufjs') as typeof import('protobufjs');
    const proto = fs.readFileSync(path.join(ROOT, 'agora', 'messages', 'SttMessage.proto'), 'utf8');
    const Text = protobuf.parse(proto, { keepCase: true }).root.lookupType('Agora.SpeechToText.Text');

    for (const f of load('agora/messages')) {
      it(`${f.file}: ${f.expected.map((e: any[]) => e.length).join('+')} event(s) as the document says`, () => {
        const memory = new SettledSegments();
        f.messages!.forEach((m, i) => {
          const payload = f.format === 'protobuf' ? Buffer.from(Text.encode(Text.fromObject(m)).finish()) : m;
          const events = decodeSttMessage(payload, 'auto', memory);
          const want = f.expected[i] as Record<string, unknown>[];
          assert.equal(events.length, want.length, `message ${i}: ${JSON.stringify(events.map((e) => e.text))}`);
          want.forEach((w, k) => {
            for (const [key, value] of Object.entries(w))
              assert.deepEqual((events[k] as any)[key], value, `message ${i} event ${k} ${key}`);
            assert.equal(events[k].vendor, 'agora');
            assert.ok(events[k].raw, 'raw kept');
          });
        });
      });
    }

    it('the mixed example on a caption page: "Hello." final once, "How" an interim line after it', () => {
      const f = load('agora/messages').find((x) => x.file.endsWith('json-transcript-mixed.json'))!;
      const memory = new SettledSegments();
      const room = new Room('r', { history: 10, replay: 10, maxSentences: 10 });
      const finals: string[] = [];
      for (const m of [...f.messages!, ...f.messages!]) {
        for (const e of decodeSttMessage(m, 'auto', memory)) {
          room.apply(captionUpdate(e as unknown as Record<string, unknown>));
          const read = readInput(e);
          if (read.kind === 'event' && read.sentence) finals.push(read.sentence.text);
        }
      }
      assert.deepEqual(finals, ['Hello.'], 'transcript-format gets the settled sentence once');
      const lines = JSON.parse(room.snapshot().split('data: ')[1]).lines;
      assert.deepEqual(
        lines.map((l: { text: string; final: boolean }) => [l.text, l.final]),
        [
          ['Hello.', true],
          ['How', false],
        ],
      );
    });
  });

  describe('Alibaba Cloud seed examples', () => {
    it('the sample callback reads as the document describes', () => {
      const f = load('aliyun-live').find((x) => x.kind === 'callback')!;
      const r = parseCallback(JSON.stringify(f.body));
      assert.ok(r.ok, JSON.stringify(r));
      for (const [key, value] of Object.entries(f.expected)) assert.deepEqual((r.event as any)[key], value, key);
      assert.equal(r.event.taskId, f.body.task_id);
    });

    it('the CreateRtcAsrTask example parameters are accepted by the emulator through the client', async () => {
      const f = load('aliyun-live').find((x) => x.kind === 'request')!;
      const emu = new AliyunLiveEmulator();
      await emu.listen(0, '127.0.0.1');
      const [[accessKeyId, accessKeySecret]] = Object.entries(DEFAULT_CREDENTIALS);
      const client = new AliyunLiveClient({ accessKeyId, accessKeySecret, endpoint: emu.url });
      try {
        const res = await client.createRtcAsrTask(f.params!);
        assert.equal(res.RetCode, 2000);
        assert.match(String(res.TaskId), /^asr-/);
      } finally {
        client.close();
        await emu.close();
      }
    });

    it('the documented success responses have the fields the client reads', () => {
      for (const f of load('aliyun-live').filter((x) => x.kind === 'response')) {
        assert.equal(f.body.RetCode, 2000, f.file);
        assert.equal(typeof f.body.RequestId, 'string', f.file);
        if (f.action === 'CreateRtcAsrTask') assert.match(f.body.TaskId, /^asr-/);
        if (f.action === 'QueryRtcAsrTasks') assert.equal(typeof f.body.Tasks, 'object');
      }
    });
  });

  describe('Unisound seed examples', () => {
    it('the observed success body reads as Success with its one segment', () => {
      const f = load('unisound').find((x) => x.action === 'poll')!;
      assert.equal(taskStatusOf(f.body), f.expected.status);
      const doc = toTranscriptDocument('t', f.body);
      assert.equal(doc.text, f.expected.text);
      assert.equal(doc.segments.length, f.expected.segments);
      assert.equal(doc.duration, f.expected.duration);
      assert.equal(doc.warning, undefined);
    });

    it('the create body built from the seed is accepted by the emulator', async () => {
      const f = load('unisound').find((x) => x.kind === 'request')!;
      const emu = new UnisoundEmulator();
      await emu.listen(0, '127.0.0.1');
      const auth = { authorization: `Bearer ${UNISOUND_DEFAULTS.apiKey}` };
      try {
        const form = new FormData();
        form.append('purpose', 'a2t_async_input');
        form.append('file', Buffer.from('RIFF0000WAVEfmt '), { filename: 'a.wav', contentType: 'audio/wav' });
        const up = await fetch(`${emu.url}/v1/files/upload`, {
          method: 'POST',
          headers: { ...auth, ...form.getHeaders() },
          body: form.getBuffer(),
        });
        const upJson = (await up.json()) as any;
        assert.equal(up.status, 200, JSON.stringify(upJson));
        // file_id: the seed's example value is ours; the emulator knows only files it stored.
        const body = { ...f.body, file_id: upJson.file.file_id };
        const r = await fetch(`${emu.url}/v1/audio/asr/tasks`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const json = (await r.json()) as any;
        assert.equal(r.status, 200, JSON.stringify(json));
        assert.equal(json.base_resp.status_code, 0);
        assert.equal(typeof json.task_id, 'string');
      } finally {
        await emu.close();
      }
    });
  });
});
