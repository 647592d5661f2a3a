/**
 * Gateway auth checks (steps 1, 2, 4 and 6 of vendor-apis.md §5.1). Signatures are
 * recomputed with @alicloud/openapi-util, the vendor's own util, so the emulator is an
 * oracle independent of the product's signer in src/.
 */
import type { IncomingMessage } from 'http';
import { createHash, timingSafeEqual } from 'crypto';
import OpenApiUtil from '@alicloud/openapi-util';
import { Errors } from './errors';
import type { ParsedRequest } from './request';

export type Scheme = 'v3' | 'v2';
export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface V3Authorization {
  credential: string;
  signedHeaders: string;
  signature: string;
}

export interface AuthFields {
  scheme: Scheme;
  accessKeyId: string;
  action: string;
  version: string;
  nonce: string;
  timestamp: string;
  securityToken?: string;
  v3?: V3Authorization;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function parseV3Authorization(value: string): V3Authorization {
  const space = value.indexOf(' ');
  if (space < 0 || value.slice(0, space) !== V3_ALGORITHM) throw Errors.incompleteSignature();
  const parts = new Map<string, string>();
  for (const item of value.slice(space + 1).split(',')) {
    const eq = item.indexOf('=');
    if (eq > 0) parts.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  const credential = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!credential || !signedHeaders || !signature) throw Errors.incompleteSignature();
  return { credential, signedHeaders, signature };
}

/** Steps 1 and 2: which scheme, and are its mandatory fields present. */
export function readAuthFields(req: IncomingMessage, parsed: ParsedRequest): AuthFields {
  const authorization = header(req, 'authorization');
  const p = parsed.params;
  if (authorization !== undefined && authorization.startsWith('ACS3-')) {
    const v3 = parseV3Authorization(authorization);
    for (const name of [
      'x-acs-action',
      'x-acs-version',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-content-sha256',
      'host',
    ]) {
      if (!header(req, name)) throw Errors.missing(name);
    }
    return {
      scheme: 'v3',
      accessKeyId: v3.credential,
      action: header(req, 'x-acs-action') as string,
      version: header(req, 'x-acs-version') as string,
      nonce: header(req, 'x-acs-signature-nonce') as string,
      timestamp: header(req, 'x-acs-date') as string,
      securityToken: header(req, 'x-acs-security-token'),
      v3,
    };
  }
  if (p.Signature && p.SignatureMethod === 'HMAC-SHA1' && p.SignatureVersion === '1.0') {
    for (const name of ['Action', 'Version', 'AccessKeyId', 'SignatureNonce', 'Timestamp']) {
      if (!p[name]) throw Errors.missingCommon(name);
    }
    return {
      scheme: 'v2',
      accessKeyId: p.AccessKeyId,
      action: p.Action,
      version: p.Version,
      nonce: p.SignatureNonce,
      timestamp: p.Timestamp,
      securityToken: p.SecurityToken,
    };
  }
  throw Errors.incompleteSignature();
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** Step 4. Milliseconds are rejected: both schemes document whole seconds. */
export function checkTimestamp(value: string, now: number, maxSkewMs: number): void {
  const m = TIMESTAMP.exec(value);
  if (!m) throw Errors.timestampFormat();
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC silently rolls 2024-02-30 over to March; a real parser rejects it.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    throw Errors.timestampFormat();
  if (Math.abs(now - ms) > maxSkewMs) throw Errors.timestampExpired();
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * openapi-util merges duplicate header names by their spelling; Node hands us the
 * repeated values under one lowercase name, so give each value its own spelling.
 */
function caseVariant(name: string, i: number): string {
  let bit = 0;
  return name.replace(/[a-z]/g, (c) => ((i >> bit++) & 1 ? c.toUpperCase() : c));
}

type TeaRequest = Parameters<typeof OpenApiUtil.getAuthorization>[0];

function verifyV3(req: IncomingMessage, parsed: ParsedRequest, auth: AuthFields, secret: string): void {
  const v3 = auth.v3 as V3Authorization;
  const listed = v3.signedHeaders.split(';');
  const distinct = req.headersDistinct;
  for (const name of Object.keys(distinct)) {
    // The doc: every common header present except Authorization must be signed.
    if ((name.startsWith('x-acs-') || name === 'host') && !listed.includes(name)) throw Errors.incompleteSignature();
  }
  const payloadHash = header(req, 'x-acs-content-sha256') as string;
  if (payloadHash !== createHash('sha256').update(parsed.body).digest('hex')) throw Errors.signatureMismatch();

  const headers: Record<string, string> = {};
  for (const name of listed) {
    const values = distinct[name];
    if (!values) throw Errors.signatureMismatch();
    values.forEach((v, i) => (headers[caseVariant(name, i)] = v));
  }
  const request = {
    method: parsed.method,
    pathname: parsed.pathname,
    query: parsed.query,
    headers,
  } as unknown as TeaRequest;
  const expected = OpenApiUtil.getAuthorization(request, V3_ALGORITHM, payloadHash, auth.accessKeyId, secret);
  const m = /SignedHeaders=([^,]*),Signature=([0-9a-f]+)$/.exec(expected);
  // The oracle only canonicalizes host, content-type and x-acs-*: any other signed
  // header shows up here as a SignedHeaders difference and fails closed.
  if (!m || m[1] !== v3.signedHeaders || !safeEqual(m[2], v3.signature)) throw Errors.signatureMismatch();
}

function verifyV2(parsed: ParsedRequest, secret: string): void {
  const { Signature: given, ...signed } = parsed.params;
  const expected = OpenApiUtil.getRPCSignature(signed, parsed.method, secret);
  if (!safeEqual(expected, given)) throw Errors.signatureMismatch();
}

/** Step 6. */
export function verifySignature(req: IncomingMessage, parsed: ParsedRequest, auth: AuthFields, secret: string): void {
  if (auth.scheme === 'v3') verifyV3(req, parsed, auth, secret);
  else verifyV2(parsed, secret);
}
