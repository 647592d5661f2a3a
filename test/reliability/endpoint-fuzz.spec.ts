/**
 * Nesting depth, oversized keys and chunked bodies against every HTTP endpoint the package
 * serves: the Alibaba callback, Agora's task events (NCS), the IMS workflow's sentence posts,
 * the caption page, feed, files and room list, and the config nodes' Test routes on the admin
 * app. Each is answered with a status below 500, nothing is emitted from a refused request, and
 * every endpoint still answers afterwards.
 */
import crypto from 'crypto';
import fs from 'fs';
import http from 'http';
import path from 'path';
import { AddressInfo } from 'net';
import { ALL_NODES, helper, tab } from '../nodes/harness';
import { callbackBody, signedHeaders } from '../nodes/callback-client';
import { forgetParkedRooms } from '../../nodes/transcript-captions';
import { eventually } from './kit';

type Msg = Record<string, any>;
const CALLBACK_URL = 'https://public.example.com/ep/cb';
const AUTH_KEY = 'endpoint-fuzz-key';
const TOKEN = 'endpoint-fuzz-token-5d1e';
const NCS_SECRET = 'endpoint-fuzz-ncs-secret';
const IMS_SECRET = 'endpoint-fuzz-ims-secret';
/** Signed as Agora's Notifications service signs, with node:crypto directly. */
const ncsSigned = (body: string) => ({
  'Agora-Signature': crypto.createHmac('sha1', NCS_SECRET).update(body).digest('hex'),
  'Agora-Signature-V2': crypto.createHmac('sha256', NCS_SECRET).update(body).digest('hex'),
});
/** Connection refused at once: a Test route that reaches out fails fast and offline. */
const DEAD_ENDPOINT = 'http://127.0.0.1:1';

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const BODIES: Record<string, string> = {
  deepArray: `{"endpoint":"${DEAD_ENDPOINT}","deep":${deep(5000)}}`,
  deepObject: `{"endpoint":"${DEAD_ENDPOINT}","deep":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
  oversizedKey: `{"endpoint":"${DEAD_ENDPOINT}","${'k'.repeat(200_000)}":1}`,
  manyKeys: JSON.stringify(Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`k${i}`, i]))),
  callbackDeep: JSON.stringify(JSON.parse(callbackBody('SentenceEnd'))).replace(/^\{/, `{"deep":${deep(2000)},`),
  callbackDeepContent: JSON.stringify({
    ...JSON.parse(callbackBody('SentenceEnd')),
    content: `{"header":{"name":"SentenceEnd","deep":${deep(2000)}},"payload":{}}`,
  }),
  callbackOversizedKey: JSON.stringify({ ...JSON.parse(callbackBody('SentenceEnd')), ['x'.repeat(300_000)]: 1 }),
};

interface Reply {
  status: number;
  body: string;
}

/** Sends `body` in 16 KB chunks with no Content-Length (Transfer-Encoding: chunked), or all at once. */
function send(
  port: number,
  method: string,
  path: string,
  body: string,
  chunked: boolean,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const bytes = Buffer.from(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent: false,
        headers: {
          'content-type': 'application/json',
          // Named explicitly: Node's client frames a GET body only when told to.
          ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(bytes.length) }),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          if (text.length < 4096) text += c;
        });
        // An SSE stream stays open: its status is the answer.
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          res.destroy();
          return resolve({ status: res.statusCode ?? 0, body: '' });
        }
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', (err) => (req.writableEnded ? undefined : reject(err)));
    if (!chunked) return void req.end(bytes);
    let at = 0;
    const next = (): void => {
      while (at < bytes.length && !req.destroyed) {
        const piece = bytes.subarray(at, at + 16384);
        at += piece.length;
        if (!req.write(piece)) return void req.once('drain', next);
      }
      req.end();
    };
    next();
  });
}

describe('reliability: nesting, oversized keys and chunked bodies on every HTTP endpoint', function () {
  this.timeout(120000);
  let RED: any;
  let server: http.Server;
  let admin: http.Server;
  let port = 0;
  let adminPort = 0;
  const out: Msg[] = [];

  before(async () => {
    await helper.startServer();
    await helper.load(
      [(r: any) => (RED = r), ...ALL_NODES],
      tab([
        { id: 'cbcfg', type: 'aliyun-live-callback-config', callbackUrl: CALLBACK_URL },
        { id: 'cb', type: 'aliyun-live-asr-callback', callback: 'cbcfg', path: '/ep/cb', wires: [['out', 'out2']] },
        { id: 'cap', type: 'transcript-captions', path: '/ep/captions', wires: [] },
        { id: 'ncs', type: 'agora-stt-events', path: '/ep/ncs', wires: [['evOut']] },
        { id: 'ims', type: 'aliyun-ims-workflow-in', path: '/ep/ims', secretParam: 'secret', wires: [['evOut']] },
        { id: 'evOut', type: 'helper' },
      ]),
      { cbcfg: { authKey: AUTH_KEY }, cap: { token: TOKEN }, ncs: { secret: NCS_SECRET }, ims: { secret: IMS_SECRET } },
    );
    server = http.createServer(RED.httpNode);
    admin = http.createServer((helper as unknown as { _httpAdmin: http.RequestListener })._httpAdmin);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => admin.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
    adminPort = (admin.address() as AddressInfo).port;
    helper.getNode('out').on('input', (m: Msg) => out.push(m));
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await new Promise((r) => admin.close(r));
    await helper.unload();
    forgetParkedRooms();
    await helper.stopServer();
  });

  it('the callback refuses them with 4xx under a valid signature, emits nothing, and still accepts a good one', async () => {
    for (const [name, body] of Object.entries(BODIES))
      for (const chunked of [false, true]) {
        const r = await send(port, 'POST', '/ep/cb', body, chunked, signedHeaders(CALLBACK_URL, AUTH_KEY));
        r.status.should.be.within(400, 499, `${name}${chunked ? ' chunked' : ''}: ${r.status} ${r.body}`);
      }
    const good = await send(
      port,
      'POST',
      '/ep/cb',
      callbackBody('SentenceEnd', { result: 'good' }),
      true,
      signedHeaders(CALLBACK_URL, AUTH_KEY),
    );
    good.status.should.equal(200);
    (await eventually(() => out.length === 1, 10000)).should.be.true();
    out[0].payload.text.should.equal('good');
  });

  it("Agora's task events and the IMS workflow's sentences refuse them with 4xx when authenticated, emit nothing, and still accept a good one", async () => {
    const emitted: Msg[] = [];
    helper.getNode('evOut').on('input', (m: Msg) => emitted.push(m));
    for (const [name, body] of Object.entries(BODIES))
      for (const chunked of [false, true]) {
        const ncs = await send(port, 'POST', '/ep/ncs', body, chunked, ncsSigned(body));
        ncs.status.should.be.within(400, 499, `NCS ${name}${chunked ? ' chunked' : ''}: ${ncs.status} ${ncs.body}`);
        const ims = await send(port, 'POST', `/ep/ims?secret=${IMS_SECRET}`, body, chunked);
        ims.status.should.be.within(400, 499, `IMS ${name}${chunked ? ' chunked' : ''}: ${ims.status} ${ims.body}`);
      }
    emitted.should.have.length(0);
    const joined = JSON.parse(
      fs.readFileSync(
        path.join(__dirname, '..', 'fixtures', 'vendors', 'agora', 'notifications', 'v7-101-agent-joined.json'),
        'utf8',
      ),
    );
    const event = JSON.stringify({ ...joined, noticeId: 'endpoint-fuzz-1', notifyMs: Date.now() });
    (await send(port, 'POST', '/ep/ncs', event, true, ncsSigned(event))).status.should.equal(200);
    const sentence = JSON.stringify({ Text: 'still here', SentenceEnd: true });
    (await send(port, 'POST', `/ep/ims?secret=${IMS_SECRET}`, sentence, true)).status.should.equal(200);
    (await eventually(() => emitted.length === 2, 10000)).should.be.true();
  });

  it('every caption route answers them below 500 (405 to a body-carrying POST), with and without the token', async () => {
    const routes = ['', '/events', '/captions.vtt', '/captions.srt', '/rooms', '/caption-page.js', '/caption-page.css'];
    for (const route of routes)
      for (const [name, body] of Object.entries(BODIES))
        for (const chunked of [false, true])
          for (const query of [
            '',
            `?token=${TOKEN}`,
            `?${'q'.repeat(6000)}=1&token=${TOKEN}`,
            `?a${'[b]'.repeat(500)}=1`,
          ]) {
            const post = await send(port, 'POST', `/ep/captions${route}${query}`, body, chunked);
            post.status.should.equal(405, `POST ${route} ${name}`);
            const get = await send(port, 'GET', `/ep/captions${route}${query}`, body, chunked);
            get.status.should.equal(400, `GET ${route} ${name}: a GET with a body`);
          }
    (await send(port, 'GET', `/ep/captions/rooms?token=${TOKEN}`, '', false)).status.should.equal(200);
  });

  it("the config nodes' Test routes answer them below 500", async () => {
    const types = [
      'aliyun-live-config',
      'aliyun-ims-config',
      'aliyun-live-callback-config',
      'agora-config',
      'unisound-config',
    ];
    for (const type of types)
      for (const [name, body] of Object.entries(BODIES))
        for (const chunked of [false, true]) {
          const r = await send(adminPort, 'POST', `/${type}/test`, body, chunked);
          r.status.should.be.below(500, `${type} ${name}${chunked ? ' chunked' : ''}: ${r.body.slice(0, 200)}`);
        }
  });
});
