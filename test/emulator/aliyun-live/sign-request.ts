/**
 * Test-side request builder: signs raw requests with @alicloud/openapi-util the way
 * the darabonba SDK (V3) and pop-core / openapi-core (V2) do, so tests can drive the
 * emulator byte by byte and then break one thing at a time.
 */
import http from 'http';
import querystring from 'querystring';
import { createHash, randomBytes } from 'crypto';
import OpenApiUtil from '@alicloud/openapi-util';

export interface RawRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;

  json: any;
}

/** `yyyy-MM-ddTHH:mm:ssZ`, the format both schemes require. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function nonce(): string {
  return randomBytes(16).toString('hex');
}

/** RFC 3986 as in the V2 doc: space %20, '*' %2A, '~' kept. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function encodeQuery(query: Record<string, string>, style: 'sdk' | 'rfc3986'): string {
  // The tea runtime builds the URL with querystring.stringify; the doc wants RFC 3986.
  if (style === 'sdk') return querystring.stringify(query);
  return Object.keys(query)
    .map((k) => `${rfc3986(k)}=${rfc3986(query[k])}`)
    .join('&');
}

export interface V3Options {
  action: string;
  version?: string;
  query?: Record<string, string>;
  method?: 'POST' | 'GET';
  accessKeyId?: string;
  secret?: string;
  date?: string;
  nonce?: string;
  body?: string;
  contentType?: string;
  /** Overrides the real body hash in the signed x-acs-content-sha256 header. */
  contentSha256?: string;
  securityToken?: string;
  /** Extra headers included in the signature. */
  signedExtra?: Record<string, string>;
  /** Headers added after signing (not in SignedHeaders). */
  unsigned?: Record<string, string>;
  encoding?: 'sdk' | 'rfc3986';
  /** Host header value; defaults to the base URL's host. */
  host?: string;
  /** false: send Host but leave it out of SignedHeaders. */
  signHost?: boolean;
}

export function signV3(baseUrl: string, o: V3Options): RawRequest {
  const u = new URL(baseUrl);
  const method = o.method ?? 'POST';
  const body = o.body ?? '';
  const query = o.query ?? {};
  const headers: Record<string, string> = {
    host: o.host ?? u.host,
    'x-acs-action': o.action,
    'x-acs-version': o.version ?? '2016-11-01',
    'x-acs-date': o.date ?? isoSeconds(Date.now()),
    'x-acs-signature-nonce': o.nonce ?? nonce(),
    'x-acs-content-sha256': o.contentSha256 ?? createHash('sha256').update(body).digest('hex'),
    ...(o.contentType ? { 'content-type': o.contentType } : {}),
    ...(o.securityToken !== undefined ? { 'x-acs-security-token': o.securityToken } : {}),
    ...o.signedExtra,
  };
  const signed = { ...headers };
  if (o.signHost === false) delete signed.host;
  const req = { method, pathname: '/', query, headers: signed } as unknown as Parameters<
    typeof OpenApiUtil.getAuthorization
  >[0];
  headers.Authorization = OpenApiUtil.getAuthorization(
    req,
    'ACS3-HMAC-SHA256',
    headers['x-acs-content-sha256'],
    o.accessKeyId ?? 'LTAI-emulator',
    o.secret ?? 'emulator-secret',
  );
  const qs = encodeQuery(query, o.encoding ?? 'sdk');
  return { method, url: `${u.origin}/${qs ? '?' + qs : ''}`, headers: { ...headers, ...o.unsigned }, body };
}

export interface V2Options {
  action: string;
  params?: Record<string, string>;
  method?: 'POST' | 'GET';
  version?: string;
  accessKeyId?: string;
  secret?: string;
  timestamp?: string;
  nonce?: string;
  securityToken?: string;
  /** pop-core style: everything in an x-www-form-urlencoded body instead of the query. */
  form?: boolean;
  encoding?: 'sdk' | 'rfc3986';
  /** Drop these common params after defaults are applied (before signing). */
  omit?: string[];
}

export function v2Params(o: V2Options): Record<string, string> {
  const p: Record<string, string> = {
    Action: o.action,
    Format: 'JSON',
    Version: o.version ?? '2016-11-01',
    AccessKeyId: o.accessKeyId ?? 'LTAI-emulator',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: o.nonce ?? nonce(),
    Timestamp: o.timestamp ?? isoSeconds(Date.now()),
    ...(o.securityToken !== undefined ? { SecurityToken: o.securityToken } : {}),
    ...o.params,
  };
  for (const k of o.omit ?? []) delete p[k];
  return p;
}

export function signV2(baseUrl: string, o: V2Options): RawRequest {
  const u = new URL(baseUrl);
  const method = o.method ?? 'POST';
  const p = v2Params(o);
  p.Signature = OpenApiUtil.getRPCSignature(p, method, o.secret ?? 'emulator-secret');
  const encoded = encodeQuery(p, o.encoding ?? 'rfc3986');
  if (o.form) {
    return {
      method,
      url: `${u.origin}/`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: encoded,
    };
  }
  return { method, url: `${u.origin}/?${encoded}`, headers: {}, body: '' };
}

export function send(r: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      r.url,
      {
        method: r.method,
        headers: { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}
