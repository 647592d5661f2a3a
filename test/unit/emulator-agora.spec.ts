import assert from 'assert/strict';
import { gunzipSync } from 'zlib';
import WebSocket from 'ws';
import { AgoraEmulator, AGORA_DEFAULTS, STT_MESSAGE_PROTO, type AgoraEmulatorOptions } from '../emulator/agora';

const { RtcTokenBuilder, RtcRole } = require('agora-token') as {
  RtcTokenBuilder: {
    buildTokenWithUid(a: string, c: string, ch: string, uid: number, role: number, exp: number, priv: number): string;
  };
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
  json: any;
}

async function call(
  emu: AgoraEmulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Res> {
  const h: Record<string, string> = { authorization: AUTH, ...headers };
  if (body !== undefined && !('content-type' in h)) h['content-type'] = 'application/json';
  const r = await fetch(emu.url + path, {
    method,
    headers: h,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status, text, json };
}

function token(
  channel: string,
  uid: number,
  o: { app?: string; cert?: string; expire?: number; priv?: number } = {},
): string {
  const t = RtcTokenBuilder.buildTokenWithUid(
    o.app ?? APP,
    o.cert ?? CERT,
    channel,
    uid,
    RtcRole.PUBLISHER,
    o.expire ?? 3600,
    o.priv ?? 3600,
  );
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
          headers:
            header === undefined
              ? { 'content-type': 'application/json' }
              : { authorization: header, 'content-type': 'application/json' },
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
    await assert.rejects(
      fetch(`${emu.url}${V7}/agents`, { headers: { authorization: AUTH }, signal: AbortSignal.timeout(150) }),
    );
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
  // Real time plus a step we control: status steps are 1 s, far above any request gap.
  let offset = 0;
  const step = () => (offset += 1000);
  before(async () => {
    emu = await started({ statusStepMs: 1000, now: () => Date.now() + offset });
  });
  afterEach(() => {
    emu.reset();
    offset = 0;
  });
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
    step();
    const g = await call(emu, 'GET', `${V7}/agents/${j.json.agent_id}`);
    assert.equal(g.status, 200);
    assert.deepEqual(g.json, {
      message: 'success',
      agent_id: j.json.agent_id,
      create_ts: j.json.create_ts,
      status: 'RUNNING',
    });
    const l = await call(emu, 'POST', `${V7}/agents/${j.json.agent_id}/leave`);
    assert.equal(l.status, 200);
    assert.equal(l.text, '');
    assert.equal((await call(emu, 'GET', `${V7}/agents/${j.json.agent_id}`)).json.status, 'STOPPING');
    step();
    assert.equal((await call(emu, 'GET', `${V7}/agents/${j.json.agent_id}`)).json.status, 'STOPPED');
    assert.deepEqual(
      emu.requests.map((r) => r.action),
      ['join', 'get', 'leave', 'get', 'get'],
    );
  });

  it('unknown agent -> 404 agent not found (get, leave, update)', async () => {
    v7Error(await call(emu, 'GET', `${V7}/agents/NOPE`), 404, 'NotFound', 'agent not found');
    v7Error(await call(emu, 'POST', `${V7}/agents/NOPE/leave`), 404, 'NotFound');
    v7Error(
      await call(emu, 'POST', `${V7}/agents/NOPE/update?sequenceId=1&updateMask=languages`, { languages: ['en-US'] }),
      404,
      'NotFound',
    );
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
    assert.equal(
      (
        await call(
          emu,
          'POST',
          `${V7}/join`,
          joinBody({}, { channelName: 'room2', pubBotToken: token('room2', 88222) }),
        )
      ).status,
      200,
    );
    await call(emu, 'POST', `${V7}/agents/${a.json.agent_id}/leave`);
    v7Error(await call(emu, 'POST', `${V7}/join`, joinBody()), 409, 'TaskConflict');
    step();
    assert.equal((await call(emu, 'POST', `${V7}/join`, joinBody())).status, 200);
  });

  it('list: default state RUNNING, filters, and cursor paging across 3 pages', async () => {
    let clock = Date.now();
    const emu = await started({ now: () => clock });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await call(emu, 'POST', `${V7}/join`, joinBody({ name: `n${i}` }));
        ids.push(r.json.agent_id);
      }
      const other = await call(
        emu,
        'POST',
        `${V7}/join`,
        joinBody({ name: 'x' }, { channelName: 'elsewhere', pubBotToken: token('elsewhere', 88222) }),
      );
      const starting = await call(emu, 'GET', `${V7}/agents?state=2`);
      assert.equal(starting.json.data.count, 0, 'still STARTING');
      assert.equal((await call(emu, 'GET', `${V7}/agents?state=1`)).json.meta.total, 8);
      clock += 40;
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
      clock += 40;
      const stopped = await call(emu, 'GET', `${V7}/agents?state=4`);
      assert.deepEqual(
        stopped.json.data.list.map((x: { agent_id: string }) => x.agent_id),
        [ids[0]],
      );
      const past = await call(emu, 'GET', `${V7}/agents?from_time=1&to_time=2`);
      assert.equal(past.json.meta.total, 0);
    } finally {
      await emu.close();
    }
  });

  it('list refuses bad state, limit, cursor and time range', async () => {
    v7Error(await call(emu, 'GET', `${V7}/agents?state=7`), 400, 'InvalidArgument', /state/);
    v7Error(await call(emu, 'GET', `${V7}/agents?limit=0`), 400, 'InvalidArgument', /limit/);
    v7Error(await call(emu, 'GET', `${V7}/agents?cursor=NOPE`), 400, 'InvalidArgument', /cursor/);
    v7Error(await call(emu, 'GET', `${V7}/agents?from_time=20&to_time=10`), 400, 'InvalidArgument', /from_time/);
  });

  it('the request log masks tokens and secrets', async () => {
    const body = joinBody({}, { cryptionMode: 7, secret: 'enc-secret', salt: Buffer.alloc(32, 7).toString('base64') });
    body.captionConfig = {
      storage: { accessKey: 'ak', secretKey: 'storage-secret', bucket: 'b', vendor: 1, region: 0 },
    };
    const r = await call(emu, 'POST', `${V7}/join`, body);
    assert.equal(r.status, 200, r.text);
    const logged = JSON.stringify(emu.requests[0].body);
    for (const s of [
      'enc-secret',
      'storage-secret',
      (body.rtcConfig as { pubBotToken: string }).pubBotToken,
      Buffer.alloc(32, 7).toString('base64'),
    ]) {
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
    assert.deepEqual(
      emu.requests.map((r) => r.action),
      ['acquire', 'start', 'query', 'stop', 'query', 'query', 'stop'],
    );
  });

  it('a token that started a task cannot start another (409 with the task id)', async () => {
    const tok = await acquire();
    const s = await call(emu, 'POST', `${V6}/tasks?builderToken=${tok}`, startBody());
    const r = await call(emu, 'POST', `${V6}/tasks?builderToken=${tok}`, startBody());
    assert.equal(r.status, 409);
    assert.deepEqual(r.json, {
      message: `The task has been started, current status is STARTED, taskId is ${s.json.taskId}`,
    });
  });

  it('builderToken older than builderTokenTtlMs -> resourceId reaches out the limited time interval!', async () => {
    const tok = await acquire();
    clock += 5 * 60_000;
    const ok = await acquire('inst-2');
    assert.equal(
      (await call(emu, 'POST', `${V6}/tasks?builderToken=${ok}`, startBody())).status,
      200,
      'a fresh token still works',
    );
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
      const other = await call(two, 'POST', `/v1/projects/${OTHER}/rtsc/speech-to-text/builderTokens`, {
        instanceId: 'i',
      });
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

describe('AgoraEmulator: bot tokens checked with agora-token', () => {
  let emu: AgoraEmulator;
  let offsetMs = 0;
  before(async () => {
    emu = await started({ now: () => Date.now() + offsetMs });
  });
  afterEach(() => {
    emu.reset();
    offsetMs = 0;
  });
  after(() => emu.close());

  const OTHER_APP = 'cccccccccccccccccccccccccccccccc';
  const cases: Array<[string, () => string, string]> = [
    ['wrong channel', () => token('another-room', 88222), 'Invalid token'],
    ['wrong uid', () => token('room1', 12345), 'Invalid token'],
    ['another app', () => token('room1', 88222, { app: OTHER_APP }), 'Invalid token'],
    ['wrong certificate', () => token('room1', 88222, { cert: 'dddddddddddddddddddddddddddddddd' }), 'Invalid token'],
    ['not a token', () => '007garbage', 'Invalid token'],
  ];

  it('a valid token passes, and uid 0 ("any uid") passes', async () => {
    assert.equal((await call(emu, 'POST', `${V7}/join`, joinBody())).status, 200);
    assert.equal(
      (await call(emu, 'POST', `${V7}/join`, joinBody({ name: 'b' }, { pubBotToken: token('room1', 0) }))).status,
      200,
    );
  });

  for (const [label, make, problem] of cases) {
    it(`v7 join refuses a pubBotToken for ${label}`, async () => {
      v7Error(
        await call(emu, 'POST', `${V7}/join`, joinBody({}, { pubBotToken: make() })),
        400,
        'InvalidToken',
        `rtcConfig.pubBotToken: ${problem}`,
      );
      assert.equal(emu.agents.size, 0);
    });
  }

  it('expired token, and expired join privilege -> Token is expired', async () => {
    const shortToken = token('room1', 88222, { expire: 60, priv: 60 });
    const shortPriv = token('room1', 88222, { expire: 3600, priv: 60 });
    offsetMs = 120_000;
    v7Error(
      await call(emu, 'POST', `${V7}/join`, joinBody({}, { pubBotToken: shortToken })),
      400,
      'InvalidToken',
      'rtcConfig.pubBotToken: Token is expired',
    );
    v7Error(
      await call(emu, 'POST', `${V7}/join`, joinBody({}, { pubBotToken: shortPriv })),
      400,
      'InvalidToken',
      'rtcConfig.pubBotToken: Token is expired',
    );
    assert.equal((await call(emu, 'POST', `${V7}/join`, joinBody())).status, 200);
  });

  it('with a certificate the token is required; without one it is not', async () => {
    const body = joinBody();
    delete (body.rtcConfig as Record<string, unknown>).pubBotToken;
    v7Error(await call(emu, 'POST', `${V7}/join`, body), 400, 'InvalidArgument', /pubBotToken: required/);
    const open = await started({ apps: { [APP]: {} } });
    try {
      assert.equal((await call(open, 'POST', `${V7}/join`, body)).status, 200);
    } finally {
      await open.close();
    }
  });

  it('v6 start checks both subBotToken and pubBotToken', async () => {
    const tok = (await call(emu, 'POST', `${V6}/builderTokens`, { instanceId: 'i' })).json.tokenName;
    const sub = await call(
      emu,
      'POST',
      `${V6}/tasks?builderToken=${tok}`,
      startBody({}, { subBotToken: token('room6', 88222) }),
    );
    assert.equal(sub.status, 400);
    assert.deepEqual(sub.json, { message: 'body schema check fail, rtcConfig.subBotToken: Invalid token' });
    const pub = await call(
      emu,
      'POST',
      `${V6}/tasks?builderToken=${tok}`,
      startBody({}, { pubBotToken: token('room6', 47091) }),
    );
    assert.deepEqual(pub.json, { message: 'body schema check fail, rtcConfig.pubBotToken: Invalid token' });
    const missing = startBody();
    delete (missing.rtcConfig as Record<string, unknown>).subBotToken;
    const m = await call(emu, 'POST', `${V6}/tasks?builderToken=${tok}`, missing);
    assert.match(m.json.message, /^body schema check fail, rtcConfig\.subBotToken: required/);
    assert.equal(
      (await call(emu, 'POST', `${V6}/tasks?builderToken=${tok}`, startBody())).status,
      200,
      'refused starts do not use up the token',
    );
  });
});

type Mutator = (b: Record<string, any>) => void;
const salt32 = Buffer.alloc(32, 1).toString('base64');
const storage = (o: Record<string, unknown> = {}) => ({
  accessKey: 'ak',
  secretKey: 'sk',
  bucket: 'bkt',
  vendor: 2,
  region: 3,
  ...o,
});

/** [label, mutation, expected problem (prefix of the detail / message suffix)] shared by v7 and v6. */
const COMMON_BAD: Array<[string, Mutator, string]> = [
  ['no languages', (b) => delete b.languages, 'languages'],
  ['empty languages', (b) => (b.languages = []), 'languages: at least 1'],
  ['5 languages', (b) => (b.languages = ['en-US', 'zh-CN', 'ja-JP', 'ko-KR', 'fr-FR']), 'languages: at most 4'],
  ['no rtcConfig', (b) => delete b.rtcConfig, 'rtcConfig: required'],
  ['no channelName', (b) => delete b.rtcConfig.channelName, 'rtcConfig.channelName'],
  ['no pubBotUid', (b) => delete b.rtcConfig.pubBotUid, 'rtcConfig.pubBotUid: required'],
  ['numeric pubBotUid', (b) => (b.rtcConfig.pubBotUid = 88222), 'rtcConfig.pubBotUid: must be a numeric string'],
  ['string pubBotUid', (b) => (b.rtcConfig.pubBotUid = 'bot'), 'rtcConfig.pubBotUid: must be a numeric string'],
  [
    '6 uidLanguagesConfig',
    (b) => (b.uidLanguagesConfig = Array.from({ length: 6 }, (_, i) => ({ uid: String(i + 1), languages: ['en-US'] }))),
    'uidLanguagesConfig: at most 5',
  ],
  [
    'uidLanguagesConfig 5 languages',
    (b) => (b.uidLanguagesConfig = [{ uid: '1', languages: ['a', 'b', 'c', 'd', 'e'] }]),
    'uidLanguagesConfig[0].languages: at most 4',
  ],
  [
    '33 subscribeAudioUids',
    (b) => (b.rtcConfig.subscribeAudioUids = Array.from({ length: 33 }, (_, i) => String(i + 1))),
    'rtcConfig.subscribeAudioUids: at most 32',
  ],
  [
    '6 unSubscribeAudioUids',
    (b) => (b.rtcConfig.unSubscribeAudioUids = ['1', '2', '3', '4', '5', '6']),
    'rtcConfig.unSubscribeAudioUids: at most 5',
  ],
  [
    'subscribe and unsubscribe',
    (b) => ((b.rtcConfig.subscribeAudioUids = ['1']), (b.rtcConfig.unSubscribeAudioUids = ['2'])),
    'rtcConfig: subscribeAudioUids and unSubscribeAudioUids are exclusive',
  ],
  ['cryptionMode 9', (b) => (b.rtcConfig.cryptionMode = 9), 'rtcConfig.cryptionMode'],
  ['cryptionMode without secret', (b) => (b.rtcConfig.cryptionMode = 1), 'rtcConfig.secret'],
  ['mode 7 without salt', (b) => Object.assign(b.rtcConfig, { cryptionMode: 7, secret: 's' }), 'rtcConfig.salt'],
  [
    'mode 8 with a 16-byte salt',
    (b) => Object.assign(b.rtcConfig, { cryptionMode: 8, secret: 's', salt: Buffer.alloc(16).toString('base64') }),
    'rtcConfig.salt',
  ],
  [
    '5 translate sources',
    (b) =>
      (b.translateConfig = { languages: ['a', 'b', 'c', 'd', 'e'].map((s) => ({ source: s, target: ['zh-CN'] })) }),
    'translateConfig.languages: at most 4',
  ],
  [
    'source = target',
    (b) => (b.translateConfig = { languages: [{ source: 'en-US', target: ['en-US'] }] }),
    'translateConfig.languages[0].target: must differ',
  ],
  ['storage missing', (b) => (b.captionConfig = { sliceDuration: 60 }), 'captionConfig.storage: required'],
  [
    'storage without secretKey',
    (b) => (b.captionConfig = { storage: storage({ secretKey: undefined }) }),
    'captionConfig.storage.secretKey',
  ],
  [
    'storage without bucket',
    (b) => (b.captionConfig = { storage: storage({ bucket: '' }) }),
    'captionConfig.storage.bucket',
  ],
  ['storage vendor 4', (b) => (b.captionConfig = { storage: storage({ vendor: 4 }) }), 'captionConfig.storage.vendor'],
  [
    'fileNamePrefix with _',
    (b) => (b.captionConfig = { storage: storage({ fileNamePrefix: ['a_b'] }) }),
    'captionConfig.storage.fileNamePrefix: only',
  ],
  [
    'fileNamePrefix over 128',
    (b) => (b.captionConfig = { storage: storage({ fileNamePrefix: ['a'.repeat(100), 'b'.repeat(28)] }) }),
    'captionConfig.storage.fileNamePrefix: at most 128',
  ],
  [
    'sliceDuration 4',
    (b) => (b.captionConfig = { sliceDuration: 4, storage: storage() }),
    'captionConfig.sliceDuration',
  ],
  [
    'sliceDuration 28801',
    (b) => (b.captionConfig = { sliceDuration: 28801, storage: storage() }),
    'captionConfig.sliceDuration',
  ],
];

const COMMON_GOOD: Array<[string, Mutator]> = [
  ['4 languages', (b) => (b.languages = ['en-US', 'zh-CN', 'ja-JP', 'ko-KR'])],
  ['subscribe ["all"]', (b) => (b.rtcConfig.subscribeAudioUids = ['all'])],
  [
    '32 subscribeAudioUids',
    (b) => (b.rtcConfig.subscribeAudioUids = Array.from({ length: 32 }, (_, i) => String(i + 1))),
  ],
  ['mode 8 with a 32-byte salt', (b) => Object.assign(b.rtcConfig, { cryptionMode: 8, secret: 's', salt: salt32 })],
  [
    'lower-case storage keys',
    (b) =>
      (b.captionConfig = {
        sliceDuration: 5,
        storage: { accesskey: 'a', secretkey: 's', bucket: 'b', vendor: 1, region: 0, fileNamePrefix: ['dir', 'sub1'] },
      }),
  ],
  [
    'uidLanguagesConfig of 5',
    (b) =>
      (b.uidLanguagesConfig = Array.from({ length: 5 }, (_, i) => ({
        uid: String(i + 1),
        languages: ['en-US', 'zh-CN'],
      }))),
  ],
];

describe('AgoraEmulator v7: join validation', () => {
  let emu: AgoraEmulator;
  before(async () => {
    emu = await started({ apps: { [APP]: {} } });
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  const V7_BAD: Array<[string, Mutator, string]> = [
    ...COMMON_BAD,
    ['no name', (b) => delete b.name, 'name: required'],
    ['65-char name', (b) => (b.name = 'n'.repeat(65)), 'name: at most 64'],
    ['501 keywords', (b) => (b.keywords = Array.from({ length: 501 }, (_, i) => `k${i}`)), 'keywords: at most 500'],
    ['maxIdleTime -1', (b) => (b.maxIdleTime = -1), 'maxIdleTime: integer 0 to 259200'],
    ['maxIdleTime 259201', (b) => (b.maxIdleTime = 259201), 'maxIdleTime'],
    [
      '11 targets',
      (b) =>
        (b.translateConfig = {
          languages: [{ source: 'en-US', target: Array.from({ length: 11 }, (_, i) => `l${i}`) }],
        }),
      'translateConfig.languages[0].target: at most 10',
    ],
    [
      'vendor 11 without endpoint',
      (b) => (b.captionConfig = { storage: storage({ vendor: 11 }) }),
      'extensionParams.endpoint',
    ],
    // A subBotUid different from pubBotUid is accepted: Agora's own quickstart sends one (vendor-fixtures.spec).
    ['subBotUid that is not a uid', (b) => (b.rtcConfig.subBotUid = 'bot'), 'rtcConfig.subBotUid'],
  ];
  const V7_GOOD: Array<[string, Mutator]> = [
    ...COMMON_GOOD,
    ['maxIdleTime 0', (b) => (b.maxIdleTime = 0)],
    ['64-char name', (b) => (b.name = 'n'.repeat(64))],
    ['500 keywords', (b) => (b.keywords = Array.from({ length: 500 }, (_, i) => `k${i}`))],
    [
      '4 sources x 10 targets',
      (b) =>
        (b.translateConfig = {
          languages: ['a', 'b', 'c', 'd'].map((s) => ({
            source: s,
            target: Array.from({ length: 10 }, (_, i) => `t${i}`),
          })),
        }),
    ],
    [
      'mixed source translating into one of its languages',
      (b) => (b.translateConfig = { languages: [{ source: 'zh-CN,en-US', target: ['en-US'] }] }),
    ],
    [
      'vendor 11 with endpoint',
      (b) =>
        (b.captionConfig = { storage: storage({ vendor: 11 }), extensionParams: { endpoint: 'http://minio:9002' } }),
    ],
  ];

  for (const [label, mutate, problem] of V7_BAD) {
    it(`refuses ${label}`, async () => {
      const b = joinBody();
      mutate(b);
      const r = await call(emu, 'POST', `${V7}/join`, b);
      v7Error(r, 400, 'InvalidArgument');
      assert.ok(r.json.detail.startsWith(problem), `${r.json.detail} should start with ${problem}`);
      assert.equal(emu.agents.size, 0);
      assert.equal(emu.requests[0].status, 400);
    });
  }
  for (const [label, mutate] of V7_GOOD) {
    it(`accepts ${label}`, async () => {
      const b = joinBody();
      mutate(b);
      const r = await call(emu, 'POST', `${V7}/join`, b);
      assert.equal(r.status, 200, r.text);
    });
  }

  it('refuses a non-JSON body and a non-JSON content type', async () => {
    v7Error(await call(emu, 'POST', `${V7}/join`, '{"name":'), 400, 'InvalidArgument', 'body: invalid JSON');
    v7Error(
      await call(emu, 'POST', `${V7}/join`, JSON.stringify(joinBody()), { 'content-type': 'text/plain' }),
      400,
      'InvalidArgument',
      /Content-Type/,
    );
  });
});

describe('AgoraEmulator v6: start validation', () => {
  let emu: AgoraEmulator;
  before(async () => {
    emu = await started({ apps: { [APP]: {} } });
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  const V6_BAD: Array<[string, Mutator, string]> = [
    ...COMMON_BAD,
    ['maxIdleTime 4', (b) => (b.maxIdleTime = 4), 'maxIdleTime: integer 5 to 2592000'],
    ['maxIdleTime 2592001', (b) => (b.maxIdleTime = 2592001), 'maxIdleTime'],
    ['no subBotUid', (b) => delete b.rtcConfig.subBotUid, 'rtcConfig.subBotUid: required'],
    [
      'subBotUid = pubBotUid',
      (b) => (b.rtcConfig.subBotUid = b.rtcConfig.pubBotUid),
      'rtcConfig.subBotUid: must differ',
    ],
    ['numeric subBotUid', (b) => (b.rtcConfig.subBotUid = 47091), 'rtcConfig.subBotUid: must be a numeric string'],
    [
      '6 targets',
      (b) => (b.translateConfig = { languages: [{ source: 'en-US', target: ['a', 'b', 'c', 'd', 'e', 'f'] }] }),
      'translateConfig.languages[0].target: at most 5',
    ],
    [
      'storage vendor 11',
      (b) => (b.captionConfig = { storage: storage({ vendor: 11 }) }),
      'captionConfig.storage.vendor',
    ],
  ];
  const V6_GOOD: Array<[string, Mutator]> = [
    ...COMMON_GOOD,
    [
      'the doc example',
      (b) =>
        Object.assign(b, {
          translateConfig: { languages: [{ source: 'en-US', target: ['ar-SA', 'id-ID', 'fr-FR', 'ja-JP'] }] },
          captionConfig: { sliceDuration: 60, storage: storage() },
        }),
    ],
    ['maxIdleTime 5', (b) => (b.maxIdleTime = 5)],
  ];

  async function tokenName(): Promise<string> {
    return (await call(emu, 'POST', `${V6}/builderTokens`, { instanceId: 'i' })).json.tokenName;
  }

  for (const [label, mutate, problem] of V6_BAD) {
    it(`refuses ${label}`, async () => {
      const b = startBody();
      mutate(b);
      const r = await call(emu, 'POST', `${V6}/tasks?builderToken=${await tokenName()}`, b);
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(Object.keys(r.json), ['message']);
      assert.ok(r.json.message.startsWith(`body schema check fail, ${problem}`), r.json.message);
      assert.equal(emu.agents.size, 0);
    });
  }
  for (const [label, mutate] of V6_GOOD) {
    it(`accepts ${label}`, async () => {
      const b = startBody();
      mutate(b);
      const r = await call(emu, 'POST', `${V6}/tasks?builderToken=${await tokenName()}`, b);
      assert.equal(r.status, 200, r.text);
    });
  }
});

describe('AgoraEmulator: update (sequenceId, updateMask, spacing)', () => {
  let emu: AgoraEmulator;
  let clock = 1_700_000_000_000;
  before(async () => {
    emu = await started({ apps: { [APP]: {} }, updateSpacingMs: 5000, now: () => clock });
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  async function joined(): Promise<string> {
    const r = await call(emu, 'POST', `${V7}/join`, joinBody());
    assert.equal(r.status, 200, r.text);
    return r.json.agent_id;
  }
  const upd = (id: string, q: string, body: unknown) => call(emu, 'POST', `${V7}/agents/${id}/update?${q}`, body);

  it('v7: refused within 5 s of join (429), accepted after, then spacing applies from the last update', async () => {
    const id = await joined();
    clock += 4999;
    v7Error(await upd(id, 'sequenceId=1&updateMask=languages', { languages: ['zh-CN'] }), 429, 'TooManyRequests');
    clock += 1;
    const ok = await upd(id, 'sequenceId=1&updateMask=languages', { languages: ['zh-CN'] });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(Object.keys(ok.json).sort(), ['agent_id', 'create_ts', 'status']);
    assert.deepEqual(emu.agents.get(id)!.languages, ['zh-CN']);
    clock += 1000;
    v7Error(await upd(id, 'sequenceId=2&updateMask=languages', { languages: ['en-US'] }), 429, 'TooManyRequests');
    clock += 4000;
    assert.equal((await upd(id, 'sequenceId=2&updateMask=languages', { languages: ['en-US'] })).status, 200);
    assert.deepEqual(
      emu.requests.map((r) => r.action),
      ['join', 'update', 'update', 'update', 'update'],
    );
  });

  it('v7: sequenceId must increase; updateMask must match the body; values are checked', async () => {
    const id = await joined();
    clock += 5000;
    assert.equal(
      (
        await upd(id, 'sequenceId=5&updateMask=translateConfig.languages', {
          translateConfig: { languages: [{ source: 'en-US', target: ['fr-FR'] }] },
        })
      ).status,
      200,
    );
    clock += 5000;
    v7Error(
      await upd(id, 'sequenceId=5&updateMask=languages', { languages: ['en-US'] }),
      400,
      'InvalidArgument',
      /^sequenceId/,
    );
    v7Error(
      await upd(id, 'sequenceId=4&updateMask=languages', { languages: ['en-US'] }),
      400,
      'InvalidArgument',
      /^sequenceId/,
    );
    v7Error(
      await upd(id, 'sequenceId=x&updateMask=languages', { languages: ['en-US'] }),
      400,
      'InvalidArgument',
      /^sequenceId/,
    );
    v7Error(
      await upd(id, 'sequenceId=6&updateMask=languages,uidLanguagesConfig', { languages: ['en-US'] }),
      400,
      'InvalidArgument',
      'updateMask: uidLanguagesConfig is not in the body',
    );
    v7Error(
      await upd(id, 'sequenceId=6&updateMask=languages', { languages: ['en-US'], uidLanguagesConfig: [] }),
      400,
      'InvalidArgument',
      'uidLanguagesConfig: not named in updateMask',
    );
    v7Error(
      await upd(id, 'sequenceId=6&updateMask=rtcConfig.channelName', { rtcConfig: { channelName: 'x' } }),
      400,
      'InvalidArgument',
      'updateMask: rtcConfig.channelName cannot be updated',
    );
    v7Error(
      await upd(id, 'sequenceId=6&updateMask=rtcConfig.subscribeAudioUids', {
        rtcConfig: { subscribeAudioUids: Array.from({ length: 33 }, (_, i) => String(i + 1)) },
      }),
      400,
      'InvalidArgument',
      /at most 32/,
    );
    v7Error(
      await upd(id, 'sequenceId=6&updateMask=translateConfig', {
        translateConfig: { languages: ['a', 'b', 'c', 'd', 'e'].map((s) => ({ source: s, target: ['x'] })) },
      }),
      400,
      'InvalidArgument',
      /at most 4 source/,
    );
    const ok = await upd(id, 'sequenceId=6&updateMask=uidLanguagesConfig,rtcConfig.subscribeAudioUids', {
      uidLanguagesConfig: [],
      rtcConfig: { subscribeAudioUids: ['all'] },
    });
    assert.equal(ok.status, 200, ok.text);
    const a = emu.agents.get(id)!;
    assert.equal(a.sequenceId, 6);
    assert.deepEqual(a.config.uidLanguagesConfig, []);
    assert.deepEqual((a.config.rtcConfig as Record<string, unknown>).subscribeAudioUids, ['all']);
    assert.equal((a.config.rtcConfig as Record<string, unknown>).channelName, 'room1', 'other rtcConfig fields kept');
  });

  it('v7: updating an agent that left -> 404', async () => {
    const id = await joined();
    clock += 5000;
    await call(emu, 'POST', `${V7}/agents/${id}/leave`);
    v7Error(await upd(id, 'sequenceId=1&updateMask=languages', { languages: ['en-US'] }), 404, 'NotFound');
  });

  it('v6: PATCH needs the start token, sequenceId and updateMask; ≤2 sources ≤5 targets; spacing', async () => {
    const tok = (await call(emu, 'POST', `${V6}/builderTokens`, { instanceId: 'i' })).json.tokenName;
    const other = (await call(emu, 'POST', `${V6}/builderTokens`, { instanceId: 'j' })).json.tokenName;
    const task = (await call(emu, 'POST', `${V6}/tasks?builderToken=${tok}`, startBody())).json.taskId;
    const patch = (q: string, body: unknown) => call(emu, 'PATCH', `${V6}/tasks/${task}?${q}`, body);
    const tr = (n: number, t = 1) => ({
      translateConfig: {
        enable: true,
        languages: Array.from({ length: n }, (_, i) => ({
          source: `s${i}`,
          target: Array.from({ length: t }, (_, k) => `t${k}`),
        })),
      },
    });
    const mask = 'updateMask=translateConfig.enable,translateConfig.languages';
    clock += 1000;
    assert.equal((await patch(`builderToken=${tok}&sequenceId=1&${mask}`, tr(1))).status, 429);
    clock += 4000;
    assert.equal((await patch(`builderToken=${other}&sequenceId=1&${mask}`, tr(1))).json.code, 53);
    assert.match(
      (await patch(`builderToken=${tok}&${mask}`, tr(1))).json.message,
      /^body schema check fail, sequenceId/,
    );
    assert.match(
      (await patch(`builderToken=${tok}&sequenceId=1`, tr(1))).json.message,
      /^body schema check fail, updateMask/,
    );
    assert.match((await patch(`builderToken=${tok}&sequenceId=1&${mask}`, tr(3))).json.message, /at most 2 source/);
    assert.match((await patch(`builderToken=${tok}&sequenceId=1&${mask}`, tr(1, 6))).json.message, /at most 5 items/);
    assert.match(
      (
        await patch(`builderToken=${tok}&sequenceId=1&updateMask=translateConfig.languages`, {
          translateConfig: { languages: [{ source: 'a', target: ['b'] }] },
        })
      ).json.message,
      /translateConfig.enable: required/,
    );
    const ok = await patch(`builderToken=${tok}&sequenceId=1&${mask}`, tr(2, 5));
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(Object.keys(ok.json).sort(), ['createTs', 'status', 'taskId']);
    clock += 5000;
    const stale = await patch(`builderToken=${tok}&sequenceId=1&updateMask=languages`, { languages: ['en-US'] });
    assert.equal(stale.status, 400);
    assert.equal(stale.json.code, 2);
    assert.equal(
      (await patch(`builderToken=${tok}&sequenceId=2&updateMask=languages`, { languages: ['en-US'] })).status,
      200,
    );
  });
});

describe('AgoraEmulator: subtitle push over WebSocket', () => {
  let emu: AgoraEmulator;
  before(async () => {
    emu = await started({ apps: { [APP]: {} }, statusStepMs: 30, subtitleIntervalMs: 5 });
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  // Decoded with protobufjs from the schema text, like an app would.

  const protobuf = require('protobufjs') as typeof import('protobufjs');
  const Text = protobuf.parse(STT_MESSAGE_PROTO, { keepCase: true }).root.lookupType('Agora.SpeechToText.Text');

  function collect(url: string, quietMs = 150): Promise<{ frames: Buffer[]; closeCode?: number }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const frames: Buffer[] = [];
      let timer: NodeJS.Timeout | undefined;
      const done = (closeCode?: number) => {
        clearTimeout(timer);
        ws.removeAllListeners();
        ws.terminate();
        resolve({ frames, closeCode });
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => done(), quietMs);
      };
      ws.on('message', (d: Buffer, isBinary: boolean) => {
        assert.ok(isBinary);
        frames.push(d);
        arm();
      });
      ws.on('open', arm);
      ws.on('close', (code: number) => done(code));
      ws.on('error', reject);
    });
  }

  it('protobuf: interim words then a final per sentence, translations, and nothing after the script', async () => {
    const body = joinBody(
      {
        languages: ['en-US', 'zh-CN'],
        translateConfig: { languages: [{ source: 'en-US', target: ['fr-FR', 'ja-JP'] }] },
      },
      { subscribeAudioUids: ['2001', '2002'] },
    );
    const j = await call(emu, 'POST', `${V7}/join`, body);
    const { frames } = await collect(emu.subtitleUrl('room1'), 300);
    const msgs = frames.map((f) => Text.toObject(Text.decode(f), { longs: Number, defaults: true }));
    assert.ok(msgs.length >= 6, `got ${msgs.length}`);
    assert.equal(msgs.length, emu.subtitlesSent.length);
    assert.ok(emu.subtitlesSent.every((s) => s.agentId === j.json.agent_id && s.protocol === 'protobuf'));
    const transcribe = msgs.filter((m) => m.data_type === 'transcribe');
    const translate = msgs.filter((m) => m.data_type === 'translate');
    // words[] holds one or two segments: the settled prefix (once half is heard), then the rest.
    assert.ok(transcribe.every((m) => m.culture === 'en-US' && m.words.length >= 1 && m.words.length <= 2));
    assert.ok(transcribe.some((m) => m.words.length === 2 && m.words[0].is_final && !m.words[1].is_final));
    assert.ok(transcribe.every((m) => m.sentence_id > 0));
    assert.deepEqual([...new Set(transcribe.map((m) => m.uid))], [2001, 2002]);
    const allFinal = (m: { [k: string]: any }) => m.words.every((w: { is_final: boolean }) => w.is_final);
    const finals = transcribe.filter(allFinal);
    assert.equal(finals.length, 2);
    assert.ok(finals.every((m) => m.time > 0 && m.text_ts > 0));
    assert.ok(
      transcribe.filter((m) => !allFinal(m)).every((m) => m.time === 0),
      'time only on finals',
    );
    // Interims grow towards their final.
    const text = (m: { [k: string]: any }) => m.words.map((w: { text: string }) => w.text).join(' ');
    const first = transcribe.filter((m) => m.uid === 2001).map(text);
    assert.ok(first.every((t) => first[first.length - 1].startsWith(t)));
    assert.equal(translate.length, 2);
    assert.deepEqual(
      translate[0].trans.map((t: { lang: string }) => t.lang),
      ['fr-FR', 'ja-JP'],
    );
    assert.equal(translate[0].text_ts, finals[0].text_ts, 'text_ts aligns source and translation');
  });

  it('JSON protocol: gzip JSON transcript messages with results[] and an empty follow-up, then translation', async () => {
    const body = joinBody(
      { translateConfig: { languages: [{ source: 'en-US', target: ['de-DE'] }] } },
      { enableJsonProtocol: true },
    );
    const j = await call(emu, 'POST', `${V7}/join`, body);
    const { frames } = await collect(emu.subtitleUrl(j.json.agent_id), 300);
    const msgs = frames.map((f) => {
      assert.deepEqual([...f.subarray(0, 2)], [0x1f, 0x8b], 'gzip magic');
      return JSON.parse(gunzipSync(f).toString('utf8'));
    });
    const transcripts = msgs.filter((m) => m.transcript).map((m) => m.transcript);
    assert.ok(transcripts.length >= 4);
    for (let i = 0; i < transcripts.length; i += 2) {
      assert.ok(transcripts[i].results.length >= 1);
      assert.deepEqual(transcripts[i + 1].results, [], 'each message is followed by one with results: []');
      assert.equal(transcripts[i].language, 'en-US');
      // Agora's example: the message-level text is the settled part; the follow-up repeats it.
      const settled = transcripts[i].results.filter((r: { isFinal: boolean }) => r.isFinal);
      if (settled.length) assert.equal(settled.map((r: { text: string }) => r.text).join(''), transcripts[i].text);
      assert.equal(transcripts[i + 1].text, transcripts[i].text);
      assert.equal(transcripts[i + 1].isFinal, transcripts[i].isFinal);
    }
    const interim = transcripts.find((t) => t.results.length === 2 && !t.results[1].isFinal);
    assert.ok(interim, 'a message with a stable prefix and an interim segment');
    assert.equal(interim.results[0].isFinal, true);
    assert.equal(interim.results[1].isFinal, false);
    const translations = msgs.filter((m) => m.translation).map((m) => m.translation);
    assert.equal(translations.length, 2);
    assert.equal(translations[0].results[0].language, 'de-DE');
    assert.equal(translations[0].original_transcript.language, 'en-US');
    assert.ok(emu.subtitlesSent.every((s) => s.protocol === 'json'));
  });

  it('nothing is pushed before RUNNING or after leave; the socket closes when the agent stops', async () => {
    const ws = new WebSocket(emu.subtitleUrl('room9'));
    const got: number[] = [];
    ws.on('message', () => got.push(Date.now()));
    await new Promise((r) => ws.on('open', r));
    await sleep(60);
    assert.equal(got.length, 0, 'no agent yet');
    const tok = token('room9', 88222);
    const j = await call(
      emu,
      'POST',
      `${V7}/join`,
      joinBody({ name: 'slow' }, { channelName: 'room9', pubBotToken: tok }),
    );
    await new Promise<void>((resolve) => ws.once('message', () => resolve()));
    assert.equal(emu.subtitlesSent[0].status, 'RUNNING', 'first frame only once RUNNING');
    await call(emu, 'POST', `${V7}/agents/${j.json.agent_id}/leave`);
    const closed = await new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
    const countAtLeave = emu.subtitlesSent.length;
    assert.equal(closed, 1000);
    await sleep(50);
    assert.equal(emu.subtitlesSent.length, countAtLeave);
  });

  it('v6 tasks push too; an unknown ?agent= is closed with 4404', async () => {
    const tok = (await call(emu, 'POST', `${V6}/builderTokens`, { instanceId: 'i' })).json.tokenName;
    await call(emu, 'POST', `${V6}/tasks?builderToken=${tok}`, startBody());
    const { frames } = await collect(emu.subtitleUrl('room6'), 300);
    assert.ok(frames.length > 0);
    const bad = await collect(emu.subtitleUrl('NOPE').replace('channel=', 'agent='), 300);
    assert.equal(bad.closeCode, 4404);
  });
});
