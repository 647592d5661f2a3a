import 'should';
import http from 'http';
import { AddressInfo } from 'net';
import { AgoraSttClient } from '../../nodes/vendors/agora/client';
import { UnisoundClient } from '../../nodes/vendors/unisound/client';
import { MemoryStore } from '../../nodes/lib/state/memory-store';
import { SpeechApiError } from '../../nodes/lib/errors';
import { redactSecrets, withoutUserinfo } from '../../nodes/lib/redact';
import { normalize } from '../../nodes/lib/validate';
import { toAliyunError } from '../../nodes/vendors/aliyun/errors';
import { LIVE_API } from '../../nodes/vendors/aliyun-live/client';
import { AliyunLiveClient } from '../../nodes/vendors/aliyun-live/client';

describe('lib/redact: error texts carry no passwords or tokens', () => {
  it('strips the userinfo of every URL in a text', () => {
    withoutUserinfo('got "ftp://u:PASS@host/x" and https://tok@h.example:8/p?q=1').should.equal(
      'got "ftp://host/x" and https://h.example:8/p?q=1',
    );
    withoutUserinfo('http://host/a@b').should.equal('http://host/a@b');
  });

  it('removes secrets as sent: raw, percent-encoded once or twice, form-encoded', () => {
    const token = 'CAIS+abc/def==x y';
    const enc = encodeURIComponent(token);
    const text = `raw ${token} once ${enc} twice ${encodeURIComponent(enc)} form ${enc.replace(/%20/g, '+')}`;
    const out = redactSecrets(text, [token, undefined, '']);
    out.should.not.containEql('CAIS');
    out.should.equal('raw *** once *** twice *** form ***');
  });

  it('endpoint errors never show the userinfo of the endpoint', () => {
    let message = '';
    try {
      new AliyunLiveClient({ accessKeyId: 'id', accessKeySecret: 'secret', endpoint: 'ftp://u:PASS@live.example' });
    } catch (err) {
      message = (err as Error).message;
    }
    message.should.match(/got "ftp:\/\/live\.example"/);
    message.should.not.containEql('PASS');
    const problems: any[] = [];
    const rule = { kind: 'url' as const, schemes: ['http', 'https'] };
    normalize('endpoint', 'ftp://u:PASS@h', rule, problems);
    problems.should.have.length(1);
    JSON.stringify(problems).should.not.containEql('PASS');
  });

  it('an Alibaba error body that echoes the request never carries the STS token or secret', () => {
    const token = 'CAIS-sts-token+/=canary';
    const secret = 'accessKeySecretCanary';
    const body = JSON.stringify({
      Code: 'InvalidParameter',
      RequestId: 'r1',
      Message: `bad request GET /?SecurityToken=${encodeURIComponent(token)}&x=${token} key ${secret}`,
    });
    const err = toAliyunError({ status: 400, headers: {}, body }, LIVE_API, 'live.example', [token, secret])!;
    err.message.should.not.containEql('CAIS');
    err.message.should.not.containEql(secret);
    JSON.stringify(err).should.not.containEql('canary');
    JSON.stringify(err).should.not.containEql('Canary');
  });

  describe('a proxy that echoes the whole request into its error (Agora, Unisound)', () => {
    /** Answers every request with `answer(echo)`: echo is the request as text, also percent-encoded. */
    async function echoing(status: number, answer: (echo: string) => Record<string, unknown>) {
      const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const auth = String(req.headers.authorization ?? '');
          const basic = /^Basic (.+)$/.exec(auth);
          const echo = [
            `${req.method} ${req.url} authorization: ${auth}`,
            basic ? Buffer.from(basic[1], 'base64').toString() : '',
            encodeURIComponent(auth),
            Buffer.concat(chunks).toString(),
          ].join(' | ');
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer(echo)));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      };
    }
    const failure = async (p: Promise<unknown>): Promise<SpeechApiError> => {
      try {
        await p;
      } catch (err) {
        return err as SpeechApiError;
      }
      throw new Error('expected a rejection');
    };
    /** Every text of the error a user, a log or a Catch node can see. */
    const shown = (err: SpeechApiError) => `${err.message} ${err.code} ${err.requestId} ${JSON.stringify(err)}`;

    it('Agora: the customer secret, the App Certificate and the Basic credentials are in no part of the error', async () => {
      const secret = 'agora-customer-secret-canary';
      const cert = 'fcert0123456789abcdef0123456789a'; // looks like a code: Agora's `reason` becomes the code
      const srv = await echoing(401, (echo) => ({ message: echo, reason: cert, request_id: secret }));
      const client = new AgoraSttClient({
        appId: '0123456789abcdef0123456789abcdef',
        customerId: 'agora-customer-id',
        customerSecret: secret,
        appCertificate: cert,
        apiVersion: 'v7',
        endpoint: srv.url,
        store: new MemoryStore(),
        maxRetries: 0,
      });
      try {
        const err = await failure(client.query({ taskId: 'task-1' }));
        err.httpStatus!.should.equal(401);
        err.message.should.containEql('authorization: Basic ***'); // the echo is there, without the secret
        const text = shown(err);
        for (const s of [
          secret,
          encodeURIComponent(secret),
          cert,
          Buffer.from(`agora-customer-id:${secret}`).toString('base64'),
        ])
          text.should.not.containEql(s);
        err.code.should.equal('HTTP401');
      } finally {
        client.close();
        await srv.close();
      }
    });

    it('Unisound: the API key is in no part of the error, raw or encoded', async () => {
      const apiKey = 'unisound-key/canary+with=chars';
      const srv = await echoing(403, (echo) => ({ base_resp: { status_code: 1004, status_msg: echo } }));
      const client = new UnisoundClient({ apiKey, endpoint: srv.url, maxRetries: 0 });
      try {
        const err = await failure(client.checkKey());
        err.message.should.containEql('Bearer ***');
        const text = shown(err);
        for (const s of [apiKey, encodeURIComponent(apiKey), encodeURIComponent(encodeURIComponent(apiKey))])
          text.should.not.containEql(s);
      } finally {
        client.close();
        await srv.close();
      }
    });
  });
});
