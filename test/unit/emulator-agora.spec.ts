import assert from 'assert/strict';
import { gunzipSync } from 'zlib';
import WebSocket from 'ws';
import { AgoraEmulator, AGORA_DEFAULTS, STT_MESSAGE_PROTO, type AgoraEmulatorOptions } from '../emulator/agora';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RtcTokenBuilder, RtcRole } = require('agora-token') as {
  RtcTokenBuilder: { buildTokenWithUid(a: string, c: string, ch: string, uid: number, role: number, exp: number, priv: number): string };
  RtcRole: { PUBLISHER: number };
};

const APP = AGORA_DEFAULTS.appId;
const CERT = AGORA_DEFAULTS.appCertificate;
const AUTH = 'Basic Y3VzdG9tZXJJZDpjdXN0b21lclNlY3JldA==';
const V7 = `/api/speech-to-text/v1/projects/${APP}`;
const V6 = `/v1/projects/${APP}/rtsc/speech-to-text`;

interface Res {
  status: number;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(emu: AgoraEmulator, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const h: Record<string, string> = { authorization: AUTH, ...headers };
  if (body !== undefined && !('content-type' in h)) h['content-type'] = 'application/json';
  const r = await fetch(emu.url + path, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status, text, json };
}

function token(channel: string, uid: number, o: { app?: string; cert?: string; expire?: number; priv?: number } = {}): string {
  const t = RtcTokenBuilder.buildTokenWithUid(o.app ?? APP, o.cert ?? CERT, channel, uid, RtcRole.PUBLISHER, o.expire ?? 3600, o.priv ?? 3600);
  assert.ok(t.startsWith('007'), 'token builder returned a token');
  return t;
}

function joinBody(over: Record<string, unknown> = {}, rtcOver: Record<string, unknown> = {}): Record<string, unknown> {
  const channel = (rtcOver.channelName as string) ?? 'room1';
  return {
    name: 'agent-a',
    languages: ['en-US'],
    rtcConfig: { channelName: channel, pubBotUid: '88222', pubBotToken: token(channel, 88222), ...rtcOver },
    ...over,
  };
}

function startBody(over: Record<string, unknown> = {}, rtcOver: Record<string, unknown> = {}): Record<string, unknown> {
  const channel = (rtcOver.channelName as string) ?? 'room6';
  return {
    languages: ['en-US'],
    maxIdleTime: 50,
    rtcConfig: {
      channelName: channel,
      subBotUid: '47091',
      subBotToken: token(channel, 47091),
      pubBotUid: '88222',
      pubBotToken: token(channel, 88222),
      ...rtcOver,
    },
    ...over,
  };
}

function v7Error(r: Res, status: number, reason: string, detail?: string | RegExp): void {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['detail', 'reason'], r.text);
  assert.equal(r.json.reason, reason, r.text);
  if (typeof detail === 'string') assert.equal(r.json.detail, detail);
  else if (detail) assert.match(r.json.detail, detail);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function started(opts: AgoraEmulatorOptions = {}): Promise<AgoraEmulator> {
  const emu = new AgoraEmulator({ statusStepMs: 20, updateSpacingMs: 0, subtitleIntervalMs: 5, ...opts });
  await emu.listen();
  return emu;
}

describe('AgoraEmulator: auth, routes and faults', () => {
  let emu: AgoraEmulator;
  before(async () => {
    emu = await started();
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  it('B1: the documented Basic vector is accepted', async () => {
    assert.equal(`Basic ${Buffer.from('customerId:customerSecret').toString('base64')}`, AUTH);
    const r = await call(emu, 'GET', `${V7}/agents`);
    assert.equal(r.status, 200, r.text);
  });

  for (const [label, header] of [
    ['missing', undefined],
    ['wrong secret', `Basic ${Buffer.from('customerId:nope').toString('base64')}`],
    ['unknown id', `Basic ${Buffer.from('someone:customerSecret').toString('base64')}`],
    ['not Basic', 'Bearer abc'],
  ] as const) {
    for (const [api, path] of [
      ['v7', `${V7}/agents`],
      ['v6', `${V6}/builderTokens`],
    ]) {
      it(`${api}: ${label} credentials -> 401 Invalid authentication credentials, logged`, async () => {
        const r = await fetch(emu.url + path, {
          method: api === 'v7' ? 'GET' : 'POST',
          headers: header === undefined ? { 'content-type': 'application/json' } : { authorization: header, 'content-type': 'application/json' },
          body: api === 'v7' ? undefined : JSON.stringify({ instanceId: 'x' }),
        });
        assert.equal(r.status, 401);
        assert.deepEqual(await r.json(), { message: 'Invalid authentication credentials' });
        const rec = emu.requests.at(-1)!;
        assert.equal(rec.status, 401);
        assert.equal(rec.action, api === 'v7' ? 'list' : 'acquire');
        assert.ok(!JSON.stringify(emu.requests).includes('customerSecret'));
      });
    }
  }

  it('unknown appId -> 400 invalid_appid! (v6 with code 62)', async () => {
    const other = 'ffffffffffffffffffffffffffffffff';
    const a = await call(emu, 'GET', `/api/speech-to-text/v1/projects/${other}/agents`);
    assert.equal(a.status, 400);
    assert.deepEqual(a.json, { message: 'invalid_appid!' });
    const b = await call(emu, 'POST', `/v1/projects/${other}/rtsc/speech-to-text/builderTokens`, { instanceId: 'i1' });
    assert.equal(b.status, 400);
    assert.deepEqual(b.json, { code: 62, message: 'invalid_appid!' });
  });

  it('unknown routes -> 404 with no action in the log', async () => {
    const r = await call(emu, 'GET', `${V7}/nothing`);
    v7Error(r, 404, 'NotFound');
    const s = await call(emu, 'PUT', `${V6}/tasks/abc?builderToken=x`, {});
    assert.equal(s.status, 404);
    assert.equal(emu.requests[0].action, undefined);
    assert.equal(emu.requests[1].action, undefined);
  });

  it('faults: throttle -> 429, http500/http503 in each version’s body, then normal service', async () => {
    emu.faults.next('throttle').next('http500').next('http503').next('throttle').next('http500').next('http503');
    const a = await call(emu, 'GET', `${V7}/agents`);
    v7Error(a, 429, 'TooManyRequests');
    v7Error(await call(emu, 'GET', `${V7}/agents`), 500, 'InternalError');
    v7Error(await call(emu, 'GET', `${V7}/agents`), 503, 'ServiceUnavailable');
    const d = await call(emu, 'POST', `${V6}/builderTokens`, { instanceId: 'i' });
    assert.equal(d.status, 429);
    assert.deepEqual(d.json, { message: 'Too Many Requests' });
    const e = await call(emu, 'POST', `${V6}/builderTokens`, { instanceId: 'i' });
    assert.equal(e.status, 500);
    assert.deepEqual(e.json, { code: 1, reason: 'internal error' });
    const f = await call(emu, 'POST', `${V6}/builderTokens`, { instanceId: 'i' });
    assert.equal(f.status, 503);
    assert.equal((await call(emu, 'GET', `${V7}/agents`)).status, 200);
    assert.deepEqual(
      emu.requests.map((r) => r.fault),
      ['throttle', 'http500', 'http503', 'throttle', 'http500', 'http503', undefined],
    );
  });

  it('faults run before auth', async () => {
    emu.faults.next('http503');
    const r = await call(emu, 'GET', `${V7}/agents`, undefined, { authorization: 'Basic eDp5' });
    assert.equal(r.status, 503);
  });

  it('fault invalidJson: a truncated 200', async () => {
    emu.faults.next('invalidJson', 2);
    const a = await call(emu, 'POST', `${V7}/join`, joinBody());
    assert.equal(a.status, 200);
    assert.throws(() => JSON.parse(a.text));
    const b = await call(emu, 'POST', `${V6}/builderTokens`, { instanceId: 'i' });
    assert.equal(b.status, 200);
    assert.throws(() => JSON.parse(b.text));
    assert.equal(emu.agents.size, 0, 'a faulted join creates nothing');
  });

  it('fault drop: the socket closes with no reply', async () => {
    emu.faults.next('drop');
    await assert.rejects(call(emu, 'GET', `${V7}/agents`));
    assert.equal(emu.requests[0].fault, 'drop');
    assert.equal(emu.requests[0].status, 0);
  });

  it('fault hang: no reply until the client gives up; close() releases it', async () => {
    emu.faults.next('hang');
    await assert.rejects(fetch(`${emu.url}${V7}/agents`, { headers: { authorization: AUTH }, signal: AbortSignal.timeout(150) }));
    assert.equal(emu.requests[0].status, 0);
  });

  it('fault slow: answers normally after the delay', async () => {
    emu.faults.next('slow', 1, { slowMs: 120 });
    const t0 = Date.now();
    const r = await call(emu, 'GET', `${V7}/agents`);
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 >= 100);
  });
});

describe('AgoraEmulator v7: join, get, leave, list', () => {
  let emu: AgoraEmulator;
  before(async () => {
    emu = await started();
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  it('join -> STARTING, then RUNNING; get adds message; leave -> 200 empty, STOPPING then STOPPED', async () => {
    const j = await call(emu, 'POST', `${V7}/join`, joinBody());
    assert.equal(j.status, 200, j.text);
    assert.deepEqual(Object.keys(j.json).sort(), ['agent_id', 'create_ts', 'status']);
    assert.match(j.json.agent_id, /^[0-9A-Z]{26}$/);
    assert.equal(j.json.status, 'STARTING');
    assert.ok(Math.abs(j.json.create_ts - Date.now() / 1000) < 5);
    const agent = emu.agents.get(j.json.agent_id)!;
    assert.equal(agent.apiVersion, 'v7');
    assert.equal(agent.channel, 'room1');
    assert.equal(agent.name, 'agent-a');
    assert.equal(agent.pubBotUid, '88222');
    await sleep(40);
    const g = await call(emu, 'GET', `${V7}/agents/${j.json.agent_id}`);
    assert.equal(g.status, 200);
    assert.deepEqual(g.json, { message: 'success', agent_id: j.json.agent_id, create_ts: j.json.create_ts, status: 'RUNNING' });
    const l = await call(emu, 'POST', `${V7}/agents/${j.json.agent_id}/leave`);
    assert.equal(l.status, 200);
    assert.equal(l.text, '');
    assert.equal((await call(emu, 'GET', `${V7}/agents/${j.json.agent_id}`)).json.status, 'STOPPING');
    await sleep(40);
    assert.equal((await call(emu, 'GET', `${V7}/agents/${j.json.agent_id}`)).json.status, 'STOPPED');
    assert.deepEqual(
      emu.requests.map((r) => r.action),
      ['join', 'get', 'leave', 'get', 'get'],
    );
  });

  it('unknown agent -> 404 agent not found (get, leave, update)', async () => {
    v7Error(await call(emu, 'GET', `${V7}/agents/NOPE`), 404, 'NotFound', 'agent not found');
    v7Error(await call(emu, 'POST', `${V7}/agents/NOPE/leave`), 404, 'NotFound');
    v7Error(await call(emu, 'POST', `${V7}/agents/NOPE/update?sequenceId=1&updateMask=languages`, { languages: ['en-US'] }), 404, 'NotFound');
  });

  it('[I] leaving an agent that already left -> 404', async () => {
    const j = await call(emu, 'POST', `${V7}/join`, joinBody());
    assert.equal((await call(emu, 'POST', `${V7}/agents/${j.json.agent_id}/leave`)).status, 200);
    v7Error(await call(emu, 'POST', `${V7}/agents/${j.json.agent_id}/leave`), 404, 'NotFound');
  });

  it('a name is unique per channel until its agent has STOPPED', async () => {
    const a = await call(emu, 'POST', `${V7}/join`, joinBody());
    assert.equal(a.status, 200);
    v7Error(await call(emu, 'POST', `${V7}/join`, joinBody()), 409, 'TaskConflict', 'task conflict');
    // Same name in another channel is fine.
    assert.equal((await call(emu, 'POST', `${V7}/join`, joinBody({}, { channelName: 'room2', pubBotToken: token('room2', 88222) }))).status, 200);
    await call(emu, 'POST', `${V7}/agents/${a.json.agent_id}/leave`);
    v7Error(await call(emu, 'POST', `${V7}/join`, joinBody()), 409, 'TaskConflict');
    await sleep(40);
    assert.equal((await call(emu, 'POST', `${V7}/join`, joinBody())).status, 200);
  });

  it('list: default state RUNNING, filters, and cursor paging across 3 pages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await call(emu, 'POST', `${V7}/join`, joinBody({ name: `n${i}` }));
      ids.push(r.json.agent_id);
    }
    const other = await call(emu, 'POST', `${V7}/join`, joinBody({ name: 'x' }, { channelName: 'elsewhere', pubBotToken: token('elsewhere', 88222) }));
    const starting = await call(emu, 'GET', `${V7}/agents?state=2`);
    assert.equal(starting.json.data.count, 0, 'still STARTING');
    assert.equal((await call(emu, 'GET', `${V7}/agents?state=1`)).json.meta.total, 8);
    await sleep(40);
    const seen: string[] = [];
    let cursor = '';
    const pages: unknown[] = [];
    do {
      const r = await call(emu, 'GET', `${V7}/agents?channel=room1&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.status, 'ok');
      assert.equal(r.json.meta.total, 7);
      assert.equal(r.json.data.count, r.json.data.list.length);
      for (const item of r.json.data.list) {
        assert.deepEqual(Object.keys(item).sort(), ['agent_id', 'start_ts', 'status']);
        assert.equal(item.status, 'RUNNING');
        seen.push(item.agent_id);
      }
      pages.push(r.json);
      cursor = r.json.meta.cursor;
    } while (cursor);
    assert.equal(pages.length, 3);
    assert.deepEqual(seen, ids);
    const all = await call(emu, 'GET', `${V7}/agents`);
    assert.equal(all.json.meta.total, 8);
    assert.ok(all.json.data.list.some((x: { agent_id: string }) => x.agent_id === other.json.agent_id));
    await call(emu, 'POST', `${V7}/agents/${ids[0]}/leave`);
    await sleep(40);
    const stopped = await call(emu, 'GET', `${V7}/agents?state=4`);
    assert.deepEqual(stopped.json.data.list.map((x: { agent_id: string }) => x.agent_id), [ids[0]]);
    const past = await call(emu, 'GET', `${V7}/agents?from_time=1&to_time=2`);
    assert.equal(past.json.meta.total, 0);
  });

  it('list refuses bad state, limit, cursor and time range', async () => {
    v7Error(await call(emu, 'GET', `${V7}/agents?state=7`), 400, 'InvalidArgument', /state/);
    v7Error(await call(emu, 'GET', `${V7}/agents?limit=0`), 400, 'InvalidArgument', /limit/);
    v7Error(await call(emu, 'GET', `${V7}/agents?cursor=NOPE`), 400, 'InvalidArgument', /cursor/);
    v7Error(await call(emu, 'GET', `${V7}/agents?from_time=20&to_time=10`), 400, 'InvalidArgument', /from_time/);
  });

  it('the request log masks tokens and secrets', async () => {
    const body = joinBody({}, { cryptionMode: 7, secret: 'enc-secret', salt: Buffer.alloc(32, 7).toString('base64') });
    body.captionConfig = { storage: { accessKey: 'ak', secretKey: 'storage-secret', bucket: 'b', vendor: 1, region: 0 } };
    const r = await call(emu, 'POST', `${V7}/join`, body);
    assert.equal(r.status, 200, r.text);
    const logged = JSON.stringify(emu.requests[0].body);
    for (const s of ['enc-secret', 'storage-secret', (body.rtcConfig as { pubBotToken: string }).pubBotToken, Buffer.alloc(32, 7).toString('base64')]) {
      assert.ok(!logged.includes(s), `log leaks ${s.slice(0, 12)}`);
    }
    assert.ok(logged.includes('"accessKey":"ak"'));
  });
});

describe('AgoraEmulator v6: acquire, start, query, stop', () => {
  let emu: AgoraEmulator;
  let clock = 1_700_000_000_000;
  before(async () => {
    emu = await started({ now: () => clock });
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  async function acquire(instanceId = 'inst-1'): Promise<string> {
    const r = await call(emu, 'POST', `${V6}/builderTokens`, { instanceId });
    assert.equal(r.status, 200, r.text);
    return r.json.tokenName;
  }

  it('acquire -> {createTs, instanceId, tokenName}', async () => {
    const r = await call(emu, 'POST', `${V6}/builderTokens`, { instanceId: 'Inst_1-a' });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json).sort(), ['createTs', 'instanceId', 'tokenName']);
    assert.equal(r.json.createTs, Math.floor(clock / 1000));
    assert.equal(r.json.instanceId, 'Inst_1-a');
    assert.equal(typeof r.json.tokenName, 'string');
  });

  for (const bad of ['', 'a b', 'x'.repeat(65), 'ü', 7]) {
    it(`acquire refuses instanceId ${JSON.stringify(bad).slice(0, 12)}`, async () => {
      const r = await call(emu, 'POST', `${V6}/builderTokens`, { instanceId: bad });
      assert.equal(r.status, 400);
      assert.deepEqual(r.json, { message: 'body schema check fail, instanceId' });
    });
  }

  it('start -> IN_PROGRESS; query; stop with the same token; a second stop -> code 49', async () => {
    const tok = await acquire();
    const s = await call(emu, 'POST', `${V6}/tasks?builderToken=${tok}`, startBody());
    assert.equal(s.status, 200, s.text);
    assert.deepEqual(Object.keys(s.json).sort(), ['createTs', 'status', 'taskId']);
    assert.equal(s.json.status, 'IN_PROGRESS');
    const task = emu.agents.get(s.json.taskId)!;
    assert.equal(task.apiVersion, 'v6');
    assert.equal(task.builderToken, tok);
    const q = await call(emu, 'GET', `${V6}/tasks/${s.json.taskId}?builderToken=${tok}`);
    assert.deepEqual(q.json, { taskId: s.json.taskId, createTs: s.json.createTs, status: 'IN_PROGRESS' });
    const d = await call(emu, 'DELETE', `${V6}/tasks/${s.json.taskId}?builderToken=${tok}`);
    assert.equal(d.status, 200);
    assert.deepEqual(d.json, {});
    assert.equal((await call(emu, 'GET', `${V6}/tasks/${s.json.taskId}?builderToken=${tok}`)).json.status, 'STOPPING');
    clock += 20;
    assert.equal((await call(emu, 'GET', `${V6}/tasks/${s.json.taskId}?builderToken=${tok}`)).json.status, 'STOPPED');
    const again = await call(emu, 'DELETE', `${V6}/tasks/${s.json.taskId}?builderToken=${tok}`);
    assert.equal(again.status, 400);
    assert.equal(again.json.code, 49);
    assert.deepEqual(emu.requests.map((r) => r.action), ['acquire', 'start', 'query', 'stop', 'query', 'query', 'stop']);
  });

  it('a token that started a task cannot start another (409 with the task id)', async () => {
    const tok = await acquire();
    const s = await call(emu, 'POST', `${V6}/tasks?builderToken=${tok}`, startBody());
    const r = await call(emu, 'POST', `${V6}/tasks?builderToken=${tok}`, startBody());
    assert.equal(r.status, 409);
    assert.deepEqual(r.json, { message: `The task has been started, current status is STARTED, taskId is ${s.json.taskId}` });
  });

  it('builderToken older than builderTokenTtlMs -> resourceId reaches out the limited time interval!', async () => {
    const tok = await acquire();
    clock += 5 * 60_000;
    const ok = await acquire('inst-2');
    assert.equal((await call(emu, 'POST', `${V6}/tasks?builderToken=${ok}`, startBody())).status, 200, 'a fresh token still works');
    clock += 1;
    const r = await call(emu, 'POST', `${V6}/tasks?builderToken=${tok}`, startBody());
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { message: 'resourceId reaches out the limited time interval!' });
  });

  it('unparseable or missing builderToken -> code 1001; another app’s token -> code 1003', async () => {
    for (const q of ['?builderToken=garbage', '']) {
      const r = await call(emu, 'POST', `${V6}/tasks${q}`, startBody());
      assert.equal(r.status, 400);
      assert.equal(r.json.code, 1001);
    }
    const OTHER = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    const two = await started({ apps: { [APP]: { certificate: CERT }, [OTHER]: {} }, now: () => clock });
    try {
      const other = await call(two, 'POST', `/v1/projects/${OTHER}/rtsc/speech-to-text/builderTokens`, { instanceId: 'i' });
      const r = await call(two, 'POST', `${V6}/tasks?builderToken=${other.json.tokenName}`, startBody());
      assert.equal(r.status, 400);
      assert.equal(r.json.code, 1003);
    } finally {
      await two.close();
    }
  });

  it('query/stop with another token -> code 53; unknown task -> 404 The task is not found', async () => {
    const tok = await acquire();
    const s = await call(emu, 'POST', `${V6}/tasks?builderToken=${tok}`, startBody());
    const other = await acquire('inst-2');
    const d = await call(emu, 'DELETE', `${V6}/tasks/${s.json.taskId}?builderToken=${other}`);
    assert.equal(d.status, 400);
    assert.deepEqual(d.json, { code: 53, reason: 'The taskId does not match with builderToken.' });
    const q = await call(emu, 'GET', `${V6}/tasks/${s.json.taskId}?builderToken=${other}`);
    assert.equal(q.json.code, 53);
    const n = await call(emu, 'GET', `${V6}/tasks/nope?builderToken=${tok}`);
    assert.equal(n.status, 404);
    assert.deepEqual(n.json, { message: 'The task is not found' });
    assert.equal(emu.agents.get(s.json.taskId)!.status, 'IN_PROGRESS', 'the refused stop did nothing');
  });
});
