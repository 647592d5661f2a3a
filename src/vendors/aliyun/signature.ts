import crypto from 'crypto';

export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** RFC 3986 encoding as Alibaba's gateways compute it: space is %20, `*` is %2A, `~` stays. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

/**
 * Sorted, RFC 3986-encoded `k=v` pairs. An empty value is `k=` as the V3 doc and
 * the npm openapi-util write it; the util's own repository test (vector A5) writes `k`.
 */
export function canonicalQuery(params: Record<string, string>, emptyValue: 'k=' | 'k' = 'k='): string {
  return Object.keys(params)
    .sort()
    .map((k) =>
      params[k] === '' && emptyValue === 'k' ? percentEncode(k) : `${percentEncode(k)}=${percentEncode(params[k])}`,
    )
    .join('&');
}

export function sha256Hex(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export interface V3SignInput {
  method: string;
  /** "/" for RPC APIs. */
  pathname: string;
  query: Record<string, string>;
  /** Headers to sign (names in any case); host and every x-acs-* header must be here. */
  headers: Record<string, string>;
  payloadSha256: string;
  accessKeyId: string;
  accessKeySecret: string;
  emptyValue?: 'k=' | 'k';
}

/** ACS3-HMAC-SHA256 (signature V3): returns the Authorization header value. */
export function signV3(input: V3SignInput): string {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of Object.entries(input.headers)) {
    const key = name.toLowerCase();
    const list = grouped.get(key) ?? [];
    list.push(String(value).trim());
    grouped.set(key, list);
  }
  const names = [...grouped.keys()].sort();
  const canonicalHeaders = names.map((n) => `${n}:${(grouped.get(n) as string[]).sort().join(',')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method.toUpperCase(),
    input.pathname,
    canonicalQuery(input.query, input.emptyValue),
    canonicalHeaders,
    signedHeaders,
    input.payloadSha256,
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
  const signature = crypto.createHmac('sha256', input.accessKeySecret).update(stringToSign).digest('hex');
  return `ACS3-HMAC-SHA256 Credential=${input.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
}

/** HMAC-SHA1 (signature V2, SignatureVersion=1.0) over every parameter but Signature. */
export function signV2(params: Record<string, string>, method: string, accessKeySecret: string): string {
  const signed = { ...params };
  delete signed.Signature;
  const stringToSign = `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQuery(signed))}`;
  return crypto.createHmac('sha1', `${accessKeySecret}&`).update(stringToSign).digest('base64');
}

/** `yyyy-MM-ddTHH:mm:ssZ`, the only form the gateway accepts (no milliseconds). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function newNonce(): string {
  return crypto.randomBytes(16).toString('hex');
}
