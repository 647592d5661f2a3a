/**
 * A small SDK for the AI-workflow actions of Intelligent Media Services (product `ice`,
 * API 2020-11-09): StartAIWorkflow, GetAIWorkflowTask, StopAIWorkflowTask, and ListTemplates
 * as a harmless read for "Test connection". Shapes from Alibaba's generated SDK
 * (alibabacloud-go/ice-20201109 @9a99363, 2026-07-16: client/client.go and
 * client/*_aiworkflow_*_model.go); signing and HTTP are the shared Alibaba layer.
 */
import { SpeechApiError, validationError } from '../../lib/errors';
import { AliyunApi, AliyunClientOptions, AliyunRpcClient, CallOptions } from '../aliyun/rpc-client';
import { parseJson } from '../aliyun/errors';
import { StartInput, validateStart, validateTaskId } from './inputs';
import { endpointFor } from './endpoints';

export const API_VERSION = '2020-11-09';
export const DEFAULT_REGION = 'cn-shanghai';
export const DEFAULT_ENDPOINT = endpointFor(DEFAULT_REGION);
/**
 * [I] The workflow APIs' quota is not on their pages; Alibaba's gateway default (and the
 * live API's documented figure) is 20 per second per account.
 */
export const REQUESTS_PER_SECOND = 20;

export const IMS_API: AliyunApi = {
  configName: 'Alibaba Cloud IMS',
  ramService: 'ice',
  apiVersion: API_VERSION,
  defaultEndpoint: DEFAULT_ENDPOINT,
  requestsPerSecond: REQUESTS_PER_SECOND,
};

/** GetAIWorkflowTask's `WorkflowTask.Status`, as the SDK documents it. */
export const TASK_STATUSES = ['running', 'stopped', 'failed', 'partial-succeeded', 'succeeded'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Every status but `running` is an end: the task will not change again. */
export function isFinished(status: unknown): boolean {
  return typeof status === 'string' && status !== 'running' && (TASK_STATUSES as readonly string[]).includes(status);
}

export interface StartAIWorkflowResponse {
  RequestId: string;
  TaskId: string;
}
export interface StopAIWorkflowTaskResponse {
  RequestId: string;
  TaskId?: string;
}

/** The task as the API sends it: Inputs, Outputs, NodeResults and UserData are JSON text. */
export interface WorkflowTask {
  TaskId?: string;
  Status?: string;
  CreateTime?: string;
  FinishTime?: string;
  Inputs?: string;
  Outputs?: string;
  NodeResults?: string;
  UserData?: string;
  Version?: string;
  Workflow?: Record<string, unknown>;
}
export interface GetAIWorkflowTaskResponse {
  RequestId: string;
  WorkflowTask?: WorkflowTask;
}

/** A task read for flows: the JSON-text fields parsed (text kept when it is not JSON). */
export interface TaskReport {
  taskId: string;
  status?: string;
  finished: boolean;
  createTime?: string;
  finishTime?: string;
  inputs?: unknown;
  outputs?: unknown;
  nodeResults?: unknown;
  userData?: unknown;
  workflow?: Record<string, unknown>;
  requestId: string;
}

export type AliyunImsClientOptions = AliyunClientOptions;

export class AliyunImsClient {
  private readonly rpc: AliyunRpcClient;

  constructor(opts: AliyunImsClientOptions) {
    this.rpc = new AliyunRpcClient(IMS_API, opts);
  }

  async startAIWorkflow(input: StartInput, call: CallOptions = {}): Promise<StartAIWorkflowResponse> {
    const { params, problems } = validateStart(input);
    if (problems.length) throw validationError('aliyun', problems);
    // A start that may have reached the server is never repeated: it would run the template twice.
    const res = await this.rpc.call<StartAIWorkflowResponse>('StartAIWorkflow', params, false, call);
    if (typeof res.TaskId !== 'string' || res.TaskId === '') {
      throw new SpeechApiError({
        vendor: 'aliyun',
        code: 'InvalidResponse',
        requestId: res.RequestId,
        message: 'Alibaba Cloud IMS accepted the workflow but returned no TaskId.',
      });
    }
    return res;
  }

  async getAIWorkflowTask(taskId: unknown, call: CallOptions = {}): Promise<GetAIWorkflowTaskResponse> {
    const checked = validateTaskId(taskId);
    if (checked.problems.length) throw validationError('aliyun', checked.problems);
    return this.rpc.call<GetAIWorkflowTaskResponse>(
      'GetAIWorkflowTask',
      { TaskId: checked.taskId as string },
      true,
      call,
    );
  }

  /** GetAIWorkflowTask, its JSON-text fields parsed, for a flow to use directly. */
  async report(taskId: unknown, call: CallOptions = {}): Promise<TaskReport> {
    const res = await this.getAIWorkflowTask(taskId, call);
    return toReport(String(taskId).trim(), res);
  }

  stopAIWorkflowTask(taskId: unknown, call: CallOptions = {}): Promise<StopAIWorkflowTaskResponse> {
    const checked = validateTaskId(taskId);
    if (checked.problems.length) return Promise.reject(validationError('aliyun', checked.problems));
    // Stop names one task, so repeating it is harmless.
    return this.rpc.call('StopAIWorkflowTask', { TaskId: checked.taskId as string }, true, call);
  }

  /** ListTemplates with one row: a read that changes nothing, for "Test connection". */
  listTemplates(call: CallOptions = {}): Promise<{ RequestId: string; TotalCount?: number }> {
    return this.rpc.call('ListTemplates', { PageNo: '1', PageSize: '1' }, true, call);
  }

  /** Cancels in-flight requests and backoffs and frees pooled sockets. */
  close(): void {
    this.rpc.close();
  }
}

export function toReport(taskId: string, res: GetAIWorkflowTaskResponse): TaskReport {
  const task = res.WorkflowTask ?? {};
  return {
    taskId: task.TaskId || taskId,
    status: task.Status,
    finished: isFinished(task.Status),
    createTime: task.CreateTime,
    finishTime: task.FinishTime,
    inputs: jsonOrText(task.Inputs),
    outputs: jsonOrText(task.Outputs),
    nodeResults: jsonOrText(task.NodeResults),
    userData: jsonOrText(task.UserData),
    workflow: task.Workflow,
    requestId: res.RequestId,
  };
}

function jsonOrText(value: unknown): unknown {
  if (typeof value !== 'string' || value === '') return value;
  const parsed = parseJson(value);
  return parsed === undefined ? value : parsed;
}
