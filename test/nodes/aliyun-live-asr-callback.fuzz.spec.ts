import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { ALL_NODES, helper, tab } from './harness';
import { callbackBody, post, signedHeaders } from './callback-client';
import { mulberry32 } from '../support/random';

type Msg = Record<string, any>;
const CALLBACK_URL = 'https://public.example.com/cb/fuzz';
const AUTH_KEY = 'fuzz-auth-key';
const PATH = '/cb/fuzz';
const REQUESTS = 3000;

/** Bodies that are invalid by construction: none may ever produce a message, whatever the headers. */
function malformedBody(rand: (n: number) => number): string | Buffer {
  const valid = callbackBody('SentenceEnd');
  const content = JSON.parse(valid).content as string;
  const cases: Array<() => string | Buffer> = [
    () => valid.slice(0, rand(valid.length - 1)),
    () => Buffer.from(Array.from({ length: 1 + rand(400) }, () => rand(256))),
    () => '['.repeat(1000 + rand(100000)),
    () => `{"content": "${'['.repeat(1000 + rand(20000))}"}`,
    () => JSON.stringify({ content: `{"header":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}` }),
    () => JSON.stringify({ task_id: 'x'.repeat(rand(300000)), content: 5 }),
    () => JSON.stringify([JSON.parse(valid)]),
    () => JSON.stringify(rand(2) ? null : rand(1000)),
    () => JSON.stringify('just a string'),
    () => JSON.stringify({ ...JSON.parse(valid), content: content.slice(0, rand(content.length - 1)) }),
    () => JSON.stringify({ ...JSON.parse(valid), content: { header: 'x' } }),
    () =>
      JSON.stringify({
        ...JSON.parse(valid),
        content: JSON.stringify({ header: { name: rand(2) ? 5 : '' }, payload: {} }),
      }),
    () =>
      JSON.stringify({
        ...JSON.parse(valid),
        content: JSON.stringify({ header: { name: 'n'.repeat(129 + rand(1000)) } }),
      }),
    () => JSON.stringify({ ...JSON.parse(valid), content: JSON.stringify({ payload: { result: 'no header' } }) }),
    () => '{"__proto__": {"polluted": true}, "content": "{\\"__proto__\\": {\\"x\\": 1}}"}',
    () => JSON.stringify({ content: JSON.stringify([{ header: { name: 'SentenceEnd' } }]) }),
    () => '',
    () => '\u0000\u0001\u0002',
    () => `${valid}garbage`,
  ];
  return cases[rand(cases.length)]();
}

function fuzzHeaders(rand: (n: number) => number): Record<string, string> {
  const good = signedHeaders(CALLBACK_URL, AUTH_KEY);
  switch (rand(8)) {
    case 0:
      return {};
    case 1:
      return { 'SIG-TIME': 'x'.repeat(rand(8000)), 'ASR-SIG': good['ASR-SIG'] };
    case 2:
      return {
        'SIG-TIME': good['SIG-TIME'],
        'ASR-SIG': Array.from({ length: rand(64) }, () => 'g0f'[rand(3)]).join(''),
      };
    case 3:
      return { 'SIG-TIME': String(-rand(1e9)), 'ASR-SIG': good['ASR-SIG'] };
    case 4:
      return { 'SIG-TIME': '1e10', 'ASR-SIG': good['ASR-SIG'] };
    case 5:
      return {
        ...good,
        'content-type': [
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16',
        ][rand(4)],
      };
    default:
      return good; // a genuine signature: the body alone must be refused
  }
}

describe('aliyun-live-asr-callback under hostile input', function () {
  this.timeout(120000);
  let RED: any;
  let server: http.Server;
  let base: string;
  const out: Msg[] = [];

  before(async () => {
    await helper.startServer();
    const flow = tab([
      { id: 'cbcfg', type: 'aliyun-live-callback-config', callbackUrl: CALLBACK_URL },
      { id: 'cb', type: 'aliyun-live-asr-callback', callback: 'cbcfg', path: PATH, maxBodyKb: 256, wires: [['out']] },
    ]);
    await helper.load(
      [
        (r: any) => {
          RED = r;
        },
        ...ALL_NODES,
      ],
      flow,
      { cbcfg: { authKey: AUTH_KEY } },
    );
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

  it(`answers ${REQUESTS} randomized malformed requests with 4xx, emits nothing, and keeps serving`, async () => {
    const rand = mulberry32(20261124);
    const statuses = new Map<number, number>();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (let sent = 0; sent < REQUESTS; sent += 16) {
        const batch = Array.from({ length: Math.min(16, REQUESTS - sent) }, () =>
          post(base, PATH, malformedBody(rand), fuzzHeaders(rand)),
        );
        for (const reply of await Promise.all(batch)) statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      }
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    await new Promise((r) => setTimeout(r, 50));
    const codes = [...statuses.keys()];
    codes.every((c) => c >= 400 && c < 500).should.be.true(`statuses seen: ${JSON.stringify([...statuses])}`);
    codes.should.containEql(400);
    codes.should.containEql(401);
    codes.should.containEql(413);
    out.should.have.length(0);
    unhandled.should.have.length(0);
    should(({} as Record<string, unknown>).polluted).be.undefined();
    const good = await post(base, PATH, callbackBody('SentenceEnd'), signedHeaders(CALLBACK_URL, AUTH_KEY));
    good.status.should.equal(200);
    await new Promise((r) => setTimeout(r, 30));
    out.should.have.length(1);
  });
});
