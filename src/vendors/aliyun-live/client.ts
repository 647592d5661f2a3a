import { Problem, SpeechApiError, validationError } from '../../lib/errors';
import { HttpClient, OutgoingRequest } from '../../lib/http';
import { RateLimiterRegistry } from '../../lib/rate-limit';
import { withoutUserinfo } from '../../lib/redact';
import { CreateRtcAsrTaskParams, validateCreate, validateTaskId } from './create-params';
import { parseJson, toAliyunError } from './errors';
import { canonicalQuery, EMPTY_BODY_SHA256, isoSeconds, newNonce, signV2, signV3 } from './signature';

export const API_VERSION = '2016-11-01';
export const DEFAULT_ENDPOINT = 'https://live.aliyuncs.com';
export const DEFAULT_REGION = 'cn-shanghai';
/** Documented: 20 QPS per user on each RTC ASR API. */
export const REQUESTS_PER_SECOND = 20;

export type SignatureVersion = 'v3' | 'v2';

export interface AliyunLiveClientOptions {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  endpoint?: string;
  regionId?: string;
  signatureVersion?: SignatureVersion;
  timeoutMs?: number;
  maxRetries?: number;
  /** The account's quota for these APIs: 20 by default, higher where Alibaba Cloud raised it. */
  requestsPerSecond?: number;
  now?: () => number;
}

export interface RetCodeResponse {
  Description: string;
  RequestId: string;
  RetCode: number;
}
export interface CreateRtcAsrTaskResponse extends RetCodeResponse {
  TaskId: string;
}
export interface AsrTask {
  taskId: string;
  status?: number;
  [field: string]: unknown;
}
export interface QueryRtcAsrTasksResponse extends RetCodeResponse {
  Tasks: Record<string, AsrTask>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * The gateway counts arrivals; spacing starts over 1.1 s leaves room for requests
 * that leave together but arrive apart (a fresh socket, a busy event loop).
 */
const limiters = new RateLimiterRegistry(1100);

/** A small SDK for the four live-subtitle RPC actions of ApsaraVideo Live. */
export class AliyunLiveClient {
  private readonly http: HttpClient;
  private readonly endpoint: URL;
  private readonly now: () => number;

  constructor(private readonly opts: AliyunLiveClientOptions) {
    const problems = credentialProblems(opts);
    if (problems.length) throw validationError('aliyun', problems);
    this.endpoint = new URL(opts.endpoint || DEFAULT_ENDPOINT);
    this.now = opts.now ?? Date.now;
    this.http = new HttpClient({
      vendor: 'aliyun',
      baseURL: this.endpoint.origin,
      timeoutMs: opts.timeoutMs,
      maxRetries: opts.maxRetries,
      limiter: limiters.for(`${this.endpoint.host}|${opts.accessKeyId}`, opts.requestsPerSecond ?? REQUESTS_PER_SECOND),
      // The secrets are redacted from whatever the gateway echoes back of the request.
      toError: (res) => toAliyunError(res, this.endpoint.host, [opts.securityToken, opts.accessKeySecret]),
    });
  }

  async createRtcAsrTask(input: CreateRtcAsrTaskParams, call: CallOptions = {}): Promise<CreateRtcAsrTaskResponse> {
    const { params, problems } = validateCreate({ RegionId: this.opts.regionId || undefined, ...input });
    if (problems.length) throw validationError('aliyun', problems);
    const res = await this.call<CreateRtcAsrTaskResponse>('CreateRtcAsrTask', params, false, call);
    if (typeof res.TaskId !== 'string' || res.TaskId === '') {
      throw new SpeechApiError({
        vendor: 'aliyun',
        code: 'InvalidResponse',
        requestId: res.RequestId,
        message: 'Alibaba Cloud accepted the task but returned no TaskId.',
      });
    }
    return res;
  }

  async queryRtcAsrTasks(taskId?: unknown, call: CallOptions = {}): Promise<QueryRtcAsrTasksResponse> {
    const checked = validateTaskId(taskId, false);
    if (checked.problems.length) throw validationError('aliyun', checked.problems);
    const res = await this.call<QueryRtcAsrTasksResponse>(
      'QueryRtcAsrTasks',
      this.withRegion({ TaskId: checked.taskId }),
      true,
      call,
    );
    if (!res.Tasks || typeof res.Tasks !== 'object') res.Tasks = {};
    return res;
  }

  stopRtcAsrTask(taskId: unknown, call: CallOptions = {}): Promise<RetCodeResponse> {
    return this.taskAction('StopRtcAsrTask', taskId, call);
  }

  deleteRtcAsrTask(taskId: unknown, call: CallOptions = {}): Promise<RetCodeResponse> {
    return this.taskAction('DeleteRtcAsrTask', taskId, call);
  }

  /** Cancels in-flight requests and backoffs and frees pooled sockets. */
  close(): void {
    this.http.close();
  }

  private taskAction(action: string, taskId: unknown, call: CallOptions): Promise<RetCodeResponse> {
    const checked = validateTaskId(taskId, true);
    if (checked.problems.length) return Promise.reject(validationError('aliyun', checked.problems));
    // Stop and Delete name one task, so repeating them is harmless.
    return this.call<RetCodeResponse>(action, this.withRegion({ TaskId: checked.taskId }), true, call);
  }

  private withRegion(params: Record<string, string | undefined>): Record<string, string> {
    const out: Record<string, string> = {};
    if (this.opts.regionId) out.RegionId = this.opts.regionId;
    for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
    return out;
  }

  private async call<T>(
    action: string,
    params: Record<string, string>,
    idempotent: boolean,
    call: CallOptions,
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

  /** RPC over V3: parameters stay in the query, the body is empty, headers carry the signature. */
  private buildV3(action: string, params: Record<string, string>): OutgoingRequest {
    const headers: Record<string, string> = {
      host: this.endpoint.host,
      'x-acs-action': action,
      'x-acs-version': API_VERSION,
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
      Version: API_VERSION,
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

function credentialProblems(opts: AliyunLiveClientOptions): Problem[] {
  const problems: Problem[] = [];
  if (!opts.accessKeyId)
    problems.push({
      field: 'accessKeyId',
      rule: 'required',
      message: 'The Alibaba Cloud Live config node has no AccessKey ID.',
      params: { field: 'accessKeyId' },
    });
  if (!opts.accessKeySecret)
    problems.push({
      field: 'accessKeySecret',
      rule: 'required',
      message: 'The Alibaba Cloud Live config node has no AccessKey secret.',
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
        message: `The endpoint must be an http(s) URL such as https://live.aliyuncs.com (got "${value}").`,
        params: { field: 'endpoint', schemes: 'http/https', value },
      });
    }
  }
  return problems;
}
