/**
 * What every Alibaba Cloud RPC-style product client shares: credentials, the V3/V2 signers,
 * one HttpClient with its per-AccessKey limiter, and the POP error envelope. A product
 * client (live, ice) adds only its actions, their parameters and their answers.
 */
import { Problem, SpeechApiError, validationError } from '../../lib/errors';
import { HttpClient, OutgoingRequest } from '../../lib/http';
import { RateLimiterRegistry } from '../../lib/rate-limit';
import { withoutUserinfo } from '../../lib/redact';
import { AliyunProduct, parseJson, toAliyunError } from './errors';
import { canonicalQuery, EMPTY_BODY_SHA256, isoSeconds, newNonce, signV2, signV3 } from './signature';

export type SignatureVersion = 'v3' | 'v2';

/** What a user configures for any Alibaba Cloud product (a config node's settings and credentials). */
export interface AliyunClientOptions {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  endpoint?: string;
  regionId?: string;
  signatureVersion?: SignatureVersion;
  timeoutMs?: number;
  maxRetries?: number;
  /** The account's quota for these APIs: the product's default, or higher where Alibaba Cloud raised it. */
  requestsPerSecond?: number;
  now?: () => number;
}

/** A product's fixed facts: its API version, default endpoint and what its errors say. */
export interface AliyunApi extends AliyunProduct {
  apiVersion: string;
  defaultEndpoint: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * The gateway counts arrivals; spacing starts over 1.1 s leaves room for requests
 * that leave together but arrive apart (a fresh socket, a busy event loop).
 * One registry for every product: a limiter is keyed by host and AccessKey.
 */
const limiters = new RateLimiterRegistry(1100);

export class AliyunRpcClient {
  readonly endpoint: URL;
  private readonly http: HttpClient;
  private readonly now: () => number;

  constructor(
    private readonly api: AliyunApi,
    private readonly opts: AliyunClientOptions,
  ) {
    const problems = credentialProblems(api, opts);
    if (problems.length) throw validationError('aliyun', problems);
    this.endpoint = new URL(opts.endpoint || api.defaultEndpoint);
    this.now = opts.now ?? Date.now;
    this.http = new HttpClient({
      vendor: 'aliyun',
      baseURL: this.endpoint.origin,
      timeoutMs: opts.timeoutMs,
      maxRetries: opts.maxRetries,
      limiter: limiters.for(
        `${this.endpoint.host}|${opts.accessKeyId}`,
        opts.requestsPerSecond ?? api.requestsPerSecond,
      ),
      // The secrets are redacted from whatever the gateway echoes back of the request.
      toError: (res) => toAliyunError(res, api, this.endpoint.host, [opts.securityToken, opts.accessKeySecret]),
    });
  }

  /**
   * Sends one RPC action and returns its parsed JSON answer. `idempotent` allows a retry after
   * the request may have reached the server; a create must say false.
   */
  async call<T>(
    action: string,
    params: Record<string, string>,
    idempotent: boolean,
    call: CallOptions = {},
  ): Promise<T> {
    const build = (): OutgoingRequest =>
      this.opts.signatureVersion === 'v2' ? this.buildV2(action, params) : this.buildV3(action, params);
    const res = await this.http.send(build, { idempotent, signal: call.signal });
    const body = parseJson(res.body);
    if (!body || typeof body !== 'object') {
      throw new SpeechApiError({
        vendor: 'aliyun',
        code: 'InvalidResponse',
        httpStatus: res.status,
        message: 'Alibaba Cloud answered with a body that is not JSON.',
      });
    }
    return body as T;
  }

  /** Cancels in-flight requests and backoffs and frees pooled sockets. */
  close(): void {
    this.http.close();
  }

  /** RPC over V3: parameters stay in the query, the body is empty, headers carry the signature. */
  private buildV3(action: string, params: Record<string, string>): OutgoingRequest {
    const headers: Record<string, string> = {
      host: this.endpoint.host,
      'x-acs-action': action,
      'x-acs-version': this.api.apiVersion,
      'x-acs-date': isoSeconds(this.now()),
      'x-acs-signature-nonce': newNonce(),
      'x-acs-content-sha256': EMPTY_BODY_SHA256,
    };
    if (this.opts.securityToken) headers['x-acs-security-token'] = this.opts.securityToken;
    const authorization = signV3({
      method: 'POST',
      pathname: '/',
      query: params,
      headers,
      payloadSha256: EMPTY_BODY_SHA256,
      accessKeyId: this.opts.accessKeyId,
      accessKeySecret: this.opts.accessKeySecret,
    });
    return {
      method: 'POST',
      path: `/?${canonicalQuery(params)}`,
      headers: { ...headers, authorization, accept: 'application/json' },
    };
  }

  private buildV2(action: string, params: Record<string, string>): OutgoingRequest {
    const all: Record<string, string> = {
      ...params,
      Action: action,
      Version: this.api.apiVersion,
      Format: 'JSON',
      AccessKeyId: this.opts.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: newNonce(),
      Timestamp: isoSeconds(this.now()),
    };
    if (this.opts.securityToken) all.SecurityToken = this.opts.securityToken;
    all.Signature = signV2(all, 'POST', this.opts.accessKeySecret);
    return {
      method: 'POST',
      path: `/?${canonicalQuery(all)}`,
      headers: { host: this.endpoint.host, accept: 'application/json' },
    };
  }
}

function credentialProblems(api: AliyunApi, opts: AliyunClientOptions): Problem[] {
  const problems: Problem[] = [];
  if (!opts.accessKeyId)
    problems.push({
      field: 'accessKeyId',
      rule: 'required',
      message: `The ${api.configName} config node has no AccessKey ID.`,
      params: { field: 'accessKeyId' },
    });
  if (!opts.accessKeySecret)
    problems.push({
      field: 'accessKeySecret',
      rule: 'required',
      message: `The ${api.configName} config node has no AccessKey secret.`,
      params: { field: 'accessKeySecret' },
    });
  if (opts.endpoint) {
    let url: URL | undefined;
    try {
      url = new URL(opts.endpoint);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol)) {
      const shown = withoutUserinfo(opts.endpoint);
      const value = shown.length > 40 ? `${shown.slice(0, 40)}…` : shown;
      problems.push({
        field: 'endpoint',
        rule: 'url',
        message: `The endpoint must be an http(s) URL such as ${api.defaultEndpoint} (got "${value}").`,
        params: { field: 'endpoint', schemes: 'http/https', value },
      });
    }
  }
  return problems;
}
