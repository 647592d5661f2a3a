import crypto from 'crypto';
import should from 'should';
import OpenApiUtil from '@alicloud/openapi-util';
import { mulberry32 } from '../support/random';
import { canonicalQuery, percentEncode, signV2, signV3 } from '../../nodes/vendors/aliyun/signature';
import { callbackSignature, signatureMatches, sigTimeToMs } from '../../nodes/vendors/aliyun-live/callback-signature';

const oracle = (OpenApiUtil as unknown as { default?: typeof OpenApiUtil }).default ?? OpenApiUtil;

describe('Alibaba signatures', () => {
  describe('V2 HMAC-SHA1 (vendor-apis.md §4)', () => {
    it('A1: the official RPC doc example', () => {
      const params = {
        AccessKeyId: 'testid',
        Action: 'DescribeDedicatedHosts',
        Format: 'JSON',
        RegionId: 'cn-beijing',
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: 'edb2b34af0af9a6d14deaf7c1a5315eb',
        SignatureVersion: '1.0',
        Timestamp: '2023-03-13T08:34:30Z',
        Version: '2014-05-26',
      };
      canonicalQuery(params).should.equal(
        'AccessKeyId=testid&Action=DescribeDedicatedHosts&Format=JSON&RegionId=cn-beijing&SignatureMethod=HMAC-SHA1&SignatureNonce=edb2b34af0af9a6d14deaf7c1a5315eb&SignatureVersion=1.0&Timestamp=2023-03-13T08%3A34%3A30Z&Version=2014-05-26',
      );
      signV2(params, 'GET', 'testsecret').should.equal('9NaGiOspFP5UPcwX8Iwt2YJXXuk=');
    });
    it('A2: darabonba python test', () => {
      signV2({ query: 'test', body: 'test' }, 'GET', 'secret').should.equal('XlUyV4sXjOuX5FnjUz9IF9tm5rU=');
    });
    it('A3: darabonba ts test (empty method)', () => {
      signV2({ test: 'ok' }, '', 'accessKeySecret').should.equal('jHx/oHoHNrbVfhncHEvPdHXZwHU=');
    });
    it('ignores an existing Signature parameter', () => {
      signV2({ test: 'ok', Signature: 'x' }, 'POST', 's').should.equal(signV2({ test: 'ok' }, 'POST', 's'));
    });
  });

  describe('V3 ACS3-HMAC-SHA256', () => {
    it('A4: the official V3 doc example', () => {
      const auth = signV3({
        method: 'POST',
        pathname: '/',
        query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
        headers: {
          host: 'ecs.cn-shanghai.aliyuncs.com',
          'x-acs-action': 'RunInstances',
          'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
          'x-acs-date': '2023-10-26T10:22:32Z',
          'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
          'x-acs-version': '2014-05-26',
        },
        payloadSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        accessKeyId: 'YourAccessKeyId',
        accessKeySecret: 'YourAccessKeySecret',
      });
      auth.should.equal(
        'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
      );
    });
    it('A5: util-level vector (empty pathname, merged duplicate headers, bare empty key)', () => {
      const auth = signV3({
        method: 'GET',
        pathname: '',
        query: { test: 'ok', empty: '' },
        headers: { 'x-acs-test': 'http', 'x-acs-TEST': 'https' },
        payloadSha256: '55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23',
        accessKeyId: 'acesskey',
        accessKeySecret: 'secret',
        emptyValue: 'k',
      });
      auth.should.equal(
        'ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature=da772425f29289d3460d5fc961455d40c5e8c6afd0888b78a910c991e6a14846',
      );
    });
    it('A5 with pathname "/" no longer matches (the pathname is signed)', () => {
      signV3({
        method: 'GET',
        pathname: '/',
        query: { test: 'ok', empty: '' },
        headers: { 'x-acs-test': 'http', 'x-acs-TEST': 'https' },
        payloadSha256: '55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23',
        accessKeyId: 'acesskey',
        accessKeySecret: 'secret',
        emptyValue: 'k',
      }).should.endWith('Signature=1ca364827631006a2e3e4c02da4af08229b50457ebcd31b23391a1e16e591dde');
    });
  });

  describe('against @alicloud/openapi-util on randomized inputs', () => {
    const alphabet = [
      'a',
      'Z',
      '0',
      ' ',
      '*',
      '~',
      '&',
      '=',
      '+',
      '/',
      '%',
      '中',
      '文',
      'é',
      '😀',
      '!',
      "'",
      '(',
      ')',
      '-',
      '_',
      '.',
      ':',
      '?',
      '#',
    ];
    const rand = mulberry32(42);
    const word = (min: number, max: number): string =>
      Array.from({ length: min + rand(max - min + 1) }, () => alphabet[rand(alphabet.length)]).join('');
    const key = (): string => `K${word(0, 6).replace(/[^A-Za-z0-9]/g, '') || 'x'}${rand(1000)}`;

    it('V3 matches getAuthorization for 500 random requests', () => {
      for (let i = 0; i < 500; i++) {
        const query: Record<string, string> = {};
        for (let j = 0; j < 1 + rand(6); j++) query[key()] = word(1, 20);
        const headers: Record<string, string> = {
          host: `h${rand(100)}.example.com`,
          'x-acs-action': 'CreateRtcAsrTask',
          'x-acs-version': '2016-11-01',
          'x-acs-date': new Date(1.7e12 + rand(1e9)).toISOString().replace(/\.\d+Z/, 'Z'),
          'x-acs-signature-nonce': crypto.randomBytes(16).toString('hex'),
          'x-acs-content-sha256': crypto.createHash('sha256').update(word(0, 10)).digest('hex'),
        };
        if (rand(2)) headers['x-acs-security-token'] = word(5, 30).trim() || 'tok';
        const secret = word(8, 30);
        const ours = signV3({
          method: 'POST',
          pathname: '/',
          query,
          headers,
          payloadSha256: headers['x-acs-content-sha256'],
          accessKeyId: 'AK',
          accessKeySecret: secret,
        });
        const theirs = oracle.getAuthorization(
          { method: 'POST', pathname: '/', query, headers } as never,
          'ACS3-HMAC-SHA256',
          headers['x-acs-content-sha256'],
          'AK',
          secret,
        );
        should(ours).equal(theirs, `mismatch for query ${JSON.stringify(query)}`);
      }
    });

    it('V2 matches getRPCSignature for 500 random parameter sets', () => {
      for (let i = 0; i < 500; i++) {
        const params: Record<string, string> = {};
        for (let j = 0; j < 1 + rand(8); j++) params[key()] = word(0, 20);
        const secret = word(8, 30);
        signV2(params, 'POST', secret).should.equal(
          oracle.getRPCSignature(params, 'POST', secret),
          JSON.stringify(params),
        );
      }
    });
  });

  it('percentEncode follows RFC 3986 as Alibaba does', () => {
    percentEncode("a b*c~d!'()").should.equal('a%20b%2Ac~d%21%27%28%29');
    percentEncode('中').should.equal('%E4%B8%AD');
  });

  describe('callback ASR-SIG', () => {
    it('is md5 of SIG-TIME/CallbackURL/AuthKey (vendor-apis.md A6)', () => {
      callbackSignature('1715745062', 'http://xxx.com', 'abcd').should.equal('d918e8d75896785d71e0beef1b0cee2a');
      callbackSignature('1700000000', 'http://xxx.com', 'abcd').should.equal('c84b46555b689d854768d94e3df227f4');
    });
    it('compares hex case-insensitively and rejects other lengths', () => {
      signatureMatches('D918E8D75896785D71E0BEEF1B0CEE2A', 'd918e8d75896785d71e0beef1b0cee2a').should.be.true();
      signatureMatches('d918e8d75896785d71e0beef1b0cee2', 'd918e8d75896785d71e0beef1b0cee2a').should.be.false();
      signatureMatches('c84b46555b689d854768d94e3df227f4', 'd918e8d75896785d71e0beef1b0cee2a').should.be.false();
    });
    it('reads SIG-TIME in seconds or milliseconds', () => {
      should(sigTimeToMs('1715745062')).equal(1715745062000);
      should(sigTimeToMs('1715745062123')).equal(1715745062123);
      should(sigTimeToMs('17157a')).be.undefined();
      should(sigTimeToMs('-1')).be.undefined();
      should(sigTimeToMs('')).be.undefined();
    });
  });
});
