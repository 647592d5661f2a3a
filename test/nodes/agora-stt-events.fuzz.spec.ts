import crypto from 'crypto';
import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { ALL_NODES, helper, tab } from './harness';
import { post } from './callback-client';
import { mulberry32, type Rand } from '../support/random';

type Msg = Record<string, any>;
const SECRET = 'fuzz-ncs-secret';
const PATH = '/agora/ncs-fuzz';
const REQUESTS = 600;

const v2 = (body: string | Buffer, key = SECRET) => crypto.createHmac('sha256', key).update(body).digest('hex');
const notice = () =>
  JSON.stringify({
    sid: 'A1',
    noticeId: crypto.randomBytes(16).toString('hex'),
    productId: 20,
    eventType: 101,
    notifyMs: Date.now(),
    payload: { agent_id: 'A1', channel: 'c', start_ts: 1 },
  });

/** Bodies that may never produce a message, even correctly signed: not a notification, too deep, too big, stale. */
function hostileBody(rand: Rand): string | Buffer {
  const valid = notice();
  const cases: Array<() => string | Buffer> = [
    () => valid.slice(0, rand(valid.length - 1)),
    () => Buffer.from(Array.from({ length: 1 + rand(400) }, () => rand(256))),
    () => '['.repeat(100 + rand(100000)),
    () => JSON.stringify({ eventType: 101, payload: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) }),
    () => JSON.stringify({ eventType: 101, ['k'.repeat(70000 + rand(10000))]: 1 }),
    () => JSON.stringify({ eventType: 101, payload: { agent_id: 'x'.repeat(70000 + rand(100000)) } }),
    () => JSON.stringify([JSON.parse(valid)]),
    () => JSON.stringify(rand(2) ? null : rand(1000)),
    () => JSON.stringify({ ...JSON.parse(valid), eventType: [1.5, null, {}, true, 'x101'][rand(5)] }),
    () => JSON.stringify({ ...JSON.parse(valid), eventType: undefined }),
    () => JSON.stringify({ ...JSON.parse(valid), notifyMs: Date.now() - 400_000 - rand(1e9) }),
    () => '{"__proto__": {"polluted": true}, "payload": {"__proto__": {"polluted": true}}}',
    () => '',
    () => `${valid}garbage`,
  ];
  return cases[rand(cases.length)]();
}

/** Headers that must be refused whatever the body, or (the default) a genuine signature over a hostile body. */
function hostileHeaders(rand: Rand, body: string | Buffer): Record<string, string> {
  switch (rand(7)) {
    case 0:
      return {};
    case 1:
      return { 'Agora-Signature-V2': v2(body, 'wrong') };
    case 2:
      return { 'Agora-Signature': crypto.createHmac('sha1', SECRET).update(body).digest('hex') };
    case 3:
      return { 'Agora-Signature-V2': Array.from({ length: rand(80) }, () => 'g0f'[rand(3)]).join('') };
    case 4:
      return { 'Agora-Signature-V2': 'x'.repeat(rand(8000)) };
    default:
      return { 'Agora-Signature-V2': v2(body) };
  }
}

describe('agora-stt-events under hostile input', function () {
  this.timeout(120000);
  let server: http.Server;
  let base: string;
  const out: Msg[] = [];

  before(async () => {
    await helper.startServer();
    let RED: any;
    const flow = tab([{ id: 'ev', type: 'agora-stt-events', path: PATH, maxBodyKb: 64, wires: [['out'], []] }]);
    await helper.load([(r: any) => (RED = r), ...ALL_NODES], flow, { ev: { secret: SECRET } });
    server = http.createServer(RED.httpNode);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    helper.getNode('out').on('input', (m: Msg) => out.push(m));
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await helper.unload();
    await helper.stopServer();
  });

  it(`answers ${REQUESTS} randomized hostile requests with 4xx, emits nothing, and keeps serving`, async () => {
    const rand = mulberry32(20261206);
    const statuses = new Map<number, number>();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (let sent = 0; sent < REQUESTS; sent += 16) {
        const batch = Array.from({ length: Math.min(16, REQUESTS - sent) }, () => {
          const body = hostileBody(rand);
          return post(base, PATH, body, hostileHeaders(rand, body));
        });
        for (const reply of await Promise.all(batch)) statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      }
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    const codes = [...statuses.keys()];
    codes.every((c) => c >= 400 && c < 500).should.be.true(`statuses seen: ${JSON.stringify([...statuses])}`);
    for (const c of [400, 401, 413]) codes.should.containEql(c);
    unhandled.should.have.length(0);
    should(({} as Record<string, unknown>).polluted).be.undefined();
    // Still serving: a genuine notification is emitted, and it is the only message there has been.
    const body = notice();
    (await post(base, PATH, body, { 'Agora-Signature-V2': v2(body) })).status.should.equal(200);
    await new Promise<void>((resolve) =>
      out.length ? resolve() : helper.getNode('out').once('input', () => resolve()),
    );
    out.should.have.length(1);
    out[0].payload.event.should.equal('agent-joined');
  });
});
