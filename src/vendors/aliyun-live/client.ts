import { SpeechApiError, validationError } from '../../lib/errors';
import { AliyunApi, AliyunClientOptions, AliyunRpcClient, CallOptions } from '../aliyun/rpc-client';
import { CreateRtcAsrTaskParams, validateCreate, validateTaskId } from './create-params';

export type { CallOptions, SignatureVersion } from '../aliyun/rpc-client';

export const API_VERSION = '2016-11-01';
export const DEFAULT_ENDPOINT = 'https://live.aliyuncs.com';
export const DEFAULT_REGION = 'cn-shanghai';
/** Documented: 20 QPS per user on each RTC ASR API. */
export const REQUESTS_PER_SECOND = 20;

export const LIVE_API: AliyunApi = {
  configName: 'Alibaba Cloud Live',
  ramService: 'live',
  apiVersion: API_VERSION,
  defaultEndpoint: DEFAULT_ENDPOINT,
  requestsPerSecond: REQUESTS_PER_SECOND,
  advice: {
    ConfigNotFound: 'No task with this TaskId exists: it was deleted, never existed, or belongs to another account.',
  },
};

export type AliyunLiveClientOptions = AliyunClientOptions;

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

/** A small SDK for the four live-subtitle RPC actions of ApsaraVideo Live. */
export class AliyunLiveClient {
  private readonly rpc: AliyunRpcClient;

  constructor(private readonly opts: AliyunLiveClientOptions) {
    this.rpc = new AliyunRpcClient(LIVE_API, opts);
  }

  async createRtcAsrTask(input: CreateRtcAsrTaskParams, call: CallOptions = {}): Promise<CreateRtcAsrTaskResponse> {
    const { params, problems } = validateCreate({ RegionId: this.opts.regionId || undefined, ...input });
    if (problems.length) throw validationError('aliyun', problems);
    const res = await this.rpc.call<CreateRtcAsrTaskResponse>('CreateRtcAsrTask', params, false, call);
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
    const res = await this.rpc.call<QueryRtcAsrTasksResponse>(
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
    this.rpc.close();
  }

  private taskAction(action: string, taskId: unknown, call: CallOptions): Promise<RetCodeResponse> {
    const checked = validateTaskId(taskId, true);
    if (checked.problems.length) return Promise.reject(validationError('aliyun', checked.problems));
    // Stop and Delete name one task, so repeating them is harmless.
    return this.rpc.call<RetCodeResponse>(action, this.withRegion({ TaskId: checked.taskId }), true, call);
  }

  private withRegion(params: Record<string, string | undefined>): Record<string, string> {
    const out: Record<string, string> = {};
    if (this.opts.regionId) out.RegionId = this.opts.regionId;
    for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
    return out;
  }
}
