import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { AgoraSttClient } from '../../nodes/vendors/agora/client';
import { AgoraClientOptions } from '../../nodes/vendors/agora/types';
import { MemoryStore } from '../../nodes/lib/state/memory-store';
import { recordStartClaims } from '../support/start-claims';
import { SpeechApiError } from '../../nodes/lib/errors';

const APP_ID = '0123456789abcdef0123456789abcdef';
const CERT = 'fedcba9876543210fedcba9876543210';
const SECRET = 'very-secret-customer-key';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
  at: number;
}
type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

/** A loopback HTTP server that records each request and answers from the test's handler. */
async function server(
  handler: (req: Seen) => Reply | Promise<Reply>,
): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const text = Buffer.concat(chunks).toString('utf8');
      const r: Seen = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
        at: Date.now(),
      };
      seen.push(r);
      const reply = await handler(r);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
      res.end(reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((resolve) => srv.close(() => resolve())) };
}

function client(url: string, extra: Partial<AgoraClientOptions> = {}): AgoraSttClient {
  return new AgoraSttClient({
    appId: APP_ID,
    customerId: 'cid',
    customerSecret: SECRET,
    apiVersion: 'v7',
    endpoint: url,
    store: new MemoryStore(),
    maxRetries: 2,
    startSpacingMs: 0,
    updateSpacingMs: 0,
    ...extra,
  });
}

async function rejection(p: Promise<unknown>): Promise<SpeechApiError> {
  try {
    await p;
  } catch (err) {
    return err as SpeechApiError;
  }
  throw new Error('expected a rejection');
}

const v7Body = { languages: ['en-US'], rtcConfig: { channelName: 'room-1', pubBotUid: 88222 } };
const v6Body = { languages: ['en-US'], rtcConfig: { channelName: 'room-1', pubBotUid: '88222', subBotUid: 47091 } };
const V7 = `/api/speech-to-text/v1/projects/${APP_ID}`;
const V6 = `/v1/projects/${APP_ID}/rtsc/speech-to-text`;

describe('AgoraSttClient over HTTP (loopback server)', () => {
  let srv: Awaited<ReturnType<typeof server>>;
  let c: AgoraSttClient | undefined;
  afterEach(async () => {
    c?.close();
    c = undefined;
    await srv?.close();
  });

  it('v7: join with Basic auth, a generated name and uids as strings; get; leave', async () => {
    srv = await server((r) => {
      if (r.path === `${V7}/join`)
        return { status: 200, body: { agent_id: 'AG1', create_ts: 1735035893, status: 'RUNNING' } };
      if (r.path === `${V7}/agents/AG1`)
        return { status: 200, body: { agent_id: 'AG1', status: 'RUNNING', message: '' } };
      if (r.path === `${V7}/agents/AG1/leave`) return { status: 200 };
      return { status: 404, body: { detail: 'no route', reason: 'NotFound' } };
    });
    c = client(srv.url);
    const started = await c.start({ ...v7Body, endpoint: 'http://evil', unknown: 1 });
    started.taskId.should.equal('AG1');
    started.agora.should.containEql({
      apiVersion: 'v7',
      taskId: 'AG1',
      channel: 'room-1',
      pubBotUid: '88222',
      createTs: 1735035893,
      status: 'RUNNING',
    });
    const join = srv.seen[0];
    join.method.should.equal('POST');
    join.headers.authorization!.should.equal(`Basic ${Buffer.from(`cid:${SECRET}`).toString('base64')}`);
    join.headers['content-type']!.should.match(/application\/json/);
    should(join.body).not.have.property('endpoint');
    should(join.body).not.have.property('unknown');
    const name = join.body!.name as string;
    name.should.match(/^nr-room-1-[0-9a-f]{16}$/);
    started.agora.name!.should.equal(name);
    (join.body!.rtcConfig as Record<string, unknown>).pubBotUid!.should.equal('88222');
    should((join.body!.rtcConfig as Record<string, unknown>).pubBotToken).be.undefined();

    const q = await c.query({ taskId: 'AG1' });
    q.status!.should.equal('RUNNING');
    srv.seen[1].method.should.equal('GET');

    const stopped = await c.stop({ taskId: 'AG1' });
    stopped.payload.should.eql({});
    srv.seen[2].method.should.equal('POST');
    srv.seen[2].path.should.equal(`${V7}/agents/AG1/leave`);
  });

  it('v7: refuses a reused name before sending, and releases a name Agora definitely refused', async () => {
    let refuse = true;
    srv = await server(() =>
      refuse
        ? { status: 401, body: { message: 'Invalid authentication credentials' } }
        : { status: 200, body: { agent_id: 'AG2', create_ts: 1, status: 'STARTING' } },
    );
    c = client(srv.url);
    const first = await rejection(c.start({ ...v7Body, name: 'my-task' }));
    first.code.should.equal('InvalidCredentials');
    refuse = false;
    (await c.start({ ...v7Body, name: 'my-task' })).taskId.should.equal('AG2');
    const before = srv.seen.length;
    const again = await rejection(c.start({ ...v7Body, name: 'my-task' }));
    again.code.should.equal('InvalidInput');
    again.problems!.map((p) => `${p.field}:${p.rule}`).should.eql(['name:nameUsed']);
    srv.seen.length.should.equal(before);
  });

  it('v6: acquire then start with the builder token; query, stop and update carry it', async () => {
    srv = await server((r) => {
      if (r.path === `${V6}/builderTokens`)
        return { status: 200, body: { createTs: 1678505791, instanceId: r.body!.instanceId, tokenName: 'BT-1' } };
      if (r.path === `${V6}/tasks` && r.method === 'POST')
        return { status: 200, body: { taskId: 'T1', createTs: 1678505852, status: 'IN_PROGRESS' } };
      if (r.path === `${V6}/tasks/T1`)
        return {
          status: 200,
          body: r.method === 'DELETE' ? {} : { taskId: 'T1', createTs: 1678505852, status: 'IN_PROGRESS' },
        };
      return { status: 404, body: { message: 'The task is not found' } };
    });
    c = client(srv.url, { apiVersion: 'v6' });
    const started = await c.start(v6Body);
    started.agora.should.containEql({
      apiVersion: 'v6',
      taskId: 'T1',
      builderToken: 'BT-1',
      pubBotUid: '88222',
      subBotUid: '47091',
      status: 'IN_PROGRESS',
    });
    srv.seen[0].body!.instanceId!.should.match(/^[a-zA-Z0-9_-]{1,64}$/);
    srv.seen[1].query.get('builderToken')!.should.equal('BT-1');
    (srv.seen[1].body!.rtcConfig as Record<string, unknown>).subBotUid!.should.equal('47091');
    should(srv.seen[1].body!.name).be.undefined();

    await c.query({ taskId: 'T1', builderToken: 'BT-1' });
    srv.seen[2].query.get('builderToken')!.should.equal('BT-1');
    const u = await c.update({ taskId: 'T1', builderToken: 'BT-1' }, { languages: ['en-US', 'zh-CN'] });
    srv.seen[3].method.should.equal('PATCH');
    srv.seen[3].query.get('sequenceId')!.should.equal(String(u.sequenceId));
    srv.seen[3].query.get('updateMask')!.should.equal('languages');
    await c.stop({ taskId: 'T1', builderToken: 'BT-1' });
    srv.seen[4].method.should.equal('DELETE');
    srv.seen[4].query.get('builderToken')!.should.equal('BT-1');
  });

  it('v6: replaces a builder token that aged past 4 minutes while the start waited', async () => {
    let tokens = 0;
    srv = await server((r) =>
      r.path.endsWith('/builderTokens')
        ? { status: 200, body: { tokenName: `BT-${++tokens}` } }
        : { status: 200, body: { taskId: 'T9', status: 'IN_PROGRESS' } },
    );
    let t = 0;
    c = client(srv.url, { apiVersion: 'v6', now: () => (t += 5 * 60 * 1000) });
    const started = await c.start({ ...v6Body, name: 'my_instance' });
    srv.seen.map((r) => r.path.split('/').pop()).should.eql(['builderTokens', 'builderTokens', 'tasks']);
    srv.seen[0].body!.instanceId!.should.equal('my_instance');
    srv.seen[2].query.get('builderToken')!.should.equal('BT-2');
    started.agora.builderToken!.should.equal('BT-2');
  });

  it('v7: a 409 TaskConflict keeps the name claimed', async () => {
    srv = await server(() => ({ status: 409, body: { detail: 'task conflict', reason: 'TaskConflict' } }));
    c = client(srv.url);
    (await rejection(c.start({ ...v7Body, name: 'taken' }))).code.should.equal('TaskConflict');
    (await rejection(c.start({ ...v7Body, name: 'taken' }))).problems![0].rule.should.equal('nameUsed');
    srv.seen.should.have.length(1);
  });

  it('v6: a missing builderToken is a validation error before anything is sent', async () => {
    srv = await server(() => ({ status: 200, body: {} }));
    c = client(srv.url, { apiVersion: 'v6' });
    for (const call of [
      c.stop({ taskId: 'T1' }),
      c.query({ taskId: 'T1' }),
      c.update({ taskId: 'T1' }, { languages: ['en-US'] }),
    ]) {
      const err = await rejection(call);
      err.code.should.equal('InvalidInput');
      err.problems!.map((p) => p.field).should.containEql('builderToken');
    }
    srv.seen.should.have.length(0);
  });

  it('builds bot tokens from the certificate unless the body has them; a bad certificate fails before sending', async () => {
    srv = await server((r) => {
      if (r.path.endsWith('/builderTokens')) return { status: 200, body: { tokenName: 'BT' } };
      return { status: 200, body: { agent_id: 'A', taskId: 'T' } };
    });
    c = client(srv.url, { appCertificate: CERT });
    await c.start(v7Body);
    (srv.seen[0].body!.rtcConfig as Record<string, string>).pubBotToken.should.startWith('007');
    await c.start({ ...v7Body, rtcConfig: { ...v7Body.rtcConfig, pubBotToken: 'given-token' } });
    (srv.seen[1].body!.rtcConfig as Record<string, string>).pubBotToken.should.equal('given-token');
    c.close();
    c = client(srv.url, { apiVersion: 'v6', appCertificate: CERT });
    await c.start(v6Body);
    const rtc = srv.seen[3].body!.rtcConfig as Record<string, string>;
    rtc.pubBotToken.should.startWith('007');
    rtc.subBotToken.should.startWith('007');
    rtc.pubBotToken.should.not.equal(rtc.subBotToken);
    c.close();
    c = client(srv.url, { appCertificate: 'not-a-certificate' });
    const before = srv.seen.length;
    const err = await rejection(c.start(v7Body));
    err.code.should.equal('InvalidCertificate');
    err.message.should.not.containEql('not-a-certificate');
    srv.seen.length.should.equal(before);
  });

  it("builds bot tokens valid for at most 24 h on v7 and v6, as read back by agora-token's own parser", async () => {
    // Docs-Source shared/video-sdk/token-authentication/deploy-token-server/index.mdx: "valid for a maximum of 24 hours".
    const { AccessToken2 } = require('agora-token/src/AccessToken2.js');
    const lifetimes = (token: string): number[] => {
      const t = new AccessToken2();
      t.from_string(token).should.be.true();
      const [rtc] = t.getServices(1) as Array<{ __privileges: Record<string, number> }>;
      return [t.expire as number, ...Object.values(rtc.__privileges)];
    };
    srv = await server((r) => {
      if (r.path.endsWith('/builderTokens')) return { status: 200, body: { tokenName: 'BT' } };
      return { status: 200, body: { agent_id: 'A', taskId: 'T' } };
    });
    c = client(srv.url, { appCertificate: CERT });
    await c.start(v7Body);
    const v7 = lifetimes((srv.seen[0].body!.rtcConfig as Record<string, string>).pubBotToken);
    v7.length.should.be.above(1);
    for (const s of v7) s.should.equal(86400);
    c.close();
    c = client(srv.url, { apiVersion: 'v6', appCertificate: CERT });
    await c.start(v6Body);
    const rtc = srv.seen[srv.seen.length - 1].body!.rtcConfig as Record<string, string>;
    for (const s of [...lifetimes(rtc.pubBotToken), ...lifetimes(rtc.subBotToken)]) s.should.equal(86400);
    c.close();
    // Longer is refused at construction: a token Agora would not honour is never built.
    should.throws(() => client(srv.url, { appCertificate: CERT, tokenLifetimeSeconds: 86401 }), /tokenLifetimeSeconds/);
    c = client(srv.url, { appCertificate: CERT, tokenLifetimeSeconds: 3600 });
    await c.start(v7Body);
    for (const s of lifetimes((srv.seen[srv.seen.length - 1].body!.rtcConfig as Record<string, string>).pubBotToken))
      s.should.equal(3600);
  });

  it('spaces two starts in one channel (the second waits), not starts in different channels', async () => {
    srv = await server(() => ({ status: 200, body: { agent_id: 'A' } }));
    const store = new MemoryStore();
    c = client(srv.url, { startSpacingMs: 300, store });
    const room = recordStartClaims(store, 'room-1');
    const other = recordStartClaims(store, 'other');
    await Promise.all([
      c.start(v7Body),
      c.start(v7Body),
      c.start({ ...v7Body, rtcConfig: { channelName: 'other', pubBotUid: 1 } }),
    ]).finally(() => (other.stop(), room.stop()));
    srv.seen.should.have.length(3);
    // The client's decisions (arrivals in this busy process can bunch): the second start in room-1 waited for its slot,
    room.claims.should.have.length(2);
    (room.claims[1] - room.claims[0]).should.be.aboveOrEqual(300);
    // and another channel did not wait for it.
    other.claims.should.have.length(1);
    other.claims[0].should.be.below(room.claims[1]);
  });

  it('a start waiting for its channel slot is cancelled by close(), sending nothing', async () => {
    srv = await server(() => ({ status: 200, body: { agent_id: 'A' } }));
    c = client(srv.url, { startSpacingMs: 60000 });
    await c.start(v7Body);
    const waiting = rejection(c.start(v7Body));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const timersBefore = activeTimers();
    c.close();
    (await waiting).code.should.equal('Aborted');
    srv.seen.should.have.length(1);
    activeTimers().should.equal(timersBefore - 1);
    (await rejection(c.query({ taskId: 'A' }))).code.should.equal('Aborted');
  });

  it('updates: queued at least updateSpacingMs after start and each other, increasing sequenceId, updateMask from the fields', async () => {
    srv = await server((r) =>
      r.path.endsWith('/join')
        ? { status: 200, body: { agent_id: 'AG' } }
        : { status: 200, body: { agent_id: 'AG', status: 'RUNNING' } },
    );
    c = client(srv.url, { updateSpacingMs: 200 });
    await c.start(v7Body);
    const results = await Promise.all([
      c.update({ taskId: 'AG' }, { languages: ['en-US'] }),
      c.update(
        { taskId: 'AG' },
        {
          rtcConfig: { subscribeAudioUids: ['all'] },
          translateConfig: { enable: true, languages: [{ source: 'en-US', target: ['fr-FR'] }] },
        },
      ),
      c.update(
        { taskId: 'AG' },
        { uidLanguagesConfig: [], rtcConfig: { unSubscribeAudioUids: [5] }, translateConfig: { enable: false } },
      ),
    ]);
    results.map((r) => r.sequenceId).should.eql([1, 2, 3]);
    results
      .map((r) => r.updateMask)
      .should.eql([
        'languages',
        'rtcConfig.subscribeAudioUids,translateConfig.enable,translateConfig.languages',
        'uidLanguagesConfig,rtcConfig.unSubscribeAudioUids,translateConfig.enable',
      ]);
    const ups = srv.seen.filter((r) => r.path.endsWith('/update'));
    ups.map((r) => r.query.get('sequenceId')).should.eql(['1', '2', '3']);
    (ups[0].at - srv.seen[0].at).should.be.aboveOrEqual(180);
    (ups[1].at - ups[0].at).should.be.aboveOrEqual(180);
    (ups[2].at - ups[1].at).should.be.aboveOrEqual(180);
    (ups[2].body!.rtcConfig as Record<string, unknown>).should.eql({ unSubscribeAudioUids: ['5'] });
  });

  it('a queued update is cancelled by its signal and by close(), sending nothing and leaving no timer', async () => {
    srv = await server(() => ({ status: 200, body: { agent_id: 'AG' } }));
    c = client(srv.url, { updateSpacingMs: 60000 });
    await c.start(v7Body);
    const ac = new AbortController();
    const bySignal = rejection(c.update({ taskId: 'AG' }, { languages: ['en-US'] }, { signal: ac.signal }));
    const byClose = rejection(c.update({ taskId: 'AG' }, { languages: ['de-DE'] }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const timersBefore = activeTimers();
    ac.abort();
    (await bySignal).code.should.equal('Aborted');
    c.close();
    (await byClose).code.should.equal('Aborted');
    srv.seen.should.have.length(1);
    // Only the queue's own wait is gone; the test runner's timers stay.
    activeTimers().should.equal(timersBefore - 1);
  });

  it('list follows the cursor through every page; testConnection reads one agent', async () => {
    const pages: Record<string, { list: unknown[]; cursor: string }> = {
      '': { list: [{ agent_id: 'a1' }, { agent_id: 'a2' }], cursor: 'a2' },
      a2: { list: [{ agent_id: 'a3' }, { agent_id: 'a4' }], cursor: 'a4' },
      a4: { list: [{ agent_id: 'a5' }], cursor: '' },
    };
    srv = await server((r) => {
      const p = pages[r.query.get('cursor') ?? ''];
      return {
        status: 200,
        body: { data: { count: p.list.length, list: p.list }, meta: { cursor: p.cursor, total: 5 }, status: 'ok' },
      };
    });
    c = client(srv.url);
    const { payload } = await c.list({ channel: 'room-1', state: 'running', limit: 2, fromTime: 1 });
    payload.agents.map((a) => a.agent_id).should.eql(['a1', 'a2', 'a3', 'a4', 'a5']);
    payload.should.containEql({ total: 5, pages: 3 });
    srv.seen[0].query.get('state')!.should.equal('2');
    srv.seen[0].query.get('channel')!.should.equal('room-1');
    srv.seen[0].query.get('from_time')!.should.equal('1');
    srv.seen[1].query.get('cursor')!.should.equal('a2');
    (await c.testConnection()).should.eql({ agents: 5 });
    srv.seen[3].query.get('limit')!.should.equal('1');
    c.close();
    c = client(srv.url, { apiVersion: 'v6' });
    (await rejection(c.list({}))).problems![0].rule.should.equal('v7Only');
    (await c.testConnection()).agents.should.equal(5);
  });

  it('retries reads on 5xx and documented retryable codes, never a join after a 5xx', async () => {
    let n = 0;
    srv = await server((r) => {
      n++;
      if (r.path.endsWith('/join')) return { status: 500, body: { detail: 'boom', reason: 'InternalError' } };
      return n < 3
        ? { status: 504, body: { code: 504, reason: 'internal communication error' } }
        : { status: 200, body: { status: 'RUNNING' } };
    });
    c = client(srv.url);
    (await c.query({ taskId: 'X' })).status!.should.equal('RUNNING');
    srv.seen.length.should.equal(3);
    const err = await rejection(c.start(v7Body));
    err.code.should.equal('InternalError');
    srv.seen.filter((r) => r.path.endsWith('/join')).should.have.length(1);
  });

  it('a join refused with 429 is retried', async () => {
    let n = 0;
    srv = await server(() =>
      ++n === 1
        ? { status: 429, body: { detail: 'slow down', reason: 'TooManyRequests' } }
        : { status: 200, body: { agent_id: 'A' } },
    );
    c = client(srv.url);
    (await c.start(v7Body)).taskId.should.equal('A');
    srv.seen.should.have.length(2);
  });

  it('keeps every secret out of errors, even when Agora echoes them', async () => {
    const body = {
      ...v6Body,
      rtcConfig: {
        ...v6Body.rtcConfig,
        cryptionMode: 8,
        secret: 'enc-secret-value',
        salt: Buffer.alloc(32, 7).toString('base64'),
      },
      captionConfig: {
        storage: { accessKey: 'ak', secretKey: 'storage-secret-key', bucket: 'b', vendor: 2, region: 3 },
      },
    };
    srv = await server((r) =>
      r.path.endsWith('/builderTokens')
        ? { status: 200, body: { tokenName: 'BT' } }
        : {
            status: 400,
            body: { message: `body schema check fail, ${JSON.stringify(r.body)} ${r.headers.authorization}` },
            headers: { 'x-request-id': 'req-1' },
          },
    );
    c = client(srv.url, { apiVersion: 'v6', appCertificate: CERT });
    const err = await rejection(c.start(body));
    err.code.should.equal('InvalidParameter');
    err.requestId!.should.equal('req-1');
    const sent = srv.seen[1].body!.rtcConfig as Record<string, string>;
    const text = `${err.message} ${JSON.stringify(err)} ${err.stack}`;
    for (const secret of [
      SECRET,
      CERT,
      'enc-secret-value',
      body.rtcConfig.salt,
      'storage-secret-key',
      sent.pubBotToken,
      sent.subBotToken,
      Buffer.from(`cid:${SECRET}`).toString('base64'),
    ]) {
      text.should.not.containEql(secret);
    }
  });
});

function activeTimers(): number {
  const proc = process as unknown as { getActiveResourcesInfo?: () => string[] };
  return (proc.getActiveResourcesInfo?.() ?? []).filter((r) => r === 'Timeout').length;
}
