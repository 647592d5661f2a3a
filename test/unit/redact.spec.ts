import 'should';
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
});
