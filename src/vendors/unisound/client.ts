import crypto from 'crypto';
import { Readable } from 'stream';
import { backoffDelay, sleep } from '../../lib/backoff';
import { Problem, SpeechApiError, validationError, withoutSecrets } from '../../lib/errors';
import { HttpClient, OutgoingRequest, RawResponse } from '../../lib/http';
import { RateLimiter, RateLimiterRegistry } from '../../lib/rate-limit';
import { CreateTaskBody } from './create-params';
import { parseJson, toUnisoundError, unisoundError, baseRespOf } from './errors';
import { CONTENT_TYPES } from './format';
import { MAX_UPLOAD_BYTES, PreparedUpload, tooLargeError } from './upload';

export const DEFAULT_ENDPOINT = 'https://maas-api.unisound.com';
/** Documented: 20 requests per minute on the tasks API (v1_audio_asr_tasks / u2-asr). */
export const TASK_REQUESTS_PER_MINUTE = 20;
export const UPLOAD_PURPOSE = 'a2t_async_input';

export type TaskStatus = 'Waiting' | 'Processing' | 'Success' | 'Failed';

export interface UnisoundClientOptions {
  apiKey: string;
  endpoint?: string;
  timeoutMs?: number;
  maxRetries?: number;
  /** Tasks API requests per minute, shared by everything that uses this key. */
  rateLimit?: number;
  /** Tests only: the rate-limit window (default 60 s), so a per-minute limit can be checked in seconds. */
  rateWindowMs?: number;
  /** Tests only: a smaller upload limit. */
  maxUploadBytes?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Queue behind every other request of this key (polls of jobs resumed after a restart). */
  background?: boolean;
}

export interface UploadResult {
  fileId: number;
  bytes?: number;
  traceId?: string;
  raw: unknown;
}

export interface TaskState {
  status: TaskStatus | string;
  traceId?: string;
  body: Record<string, unknown>;
}

/** The account's tasks-API budget is per key, so every node and config node using a key shares one window. */
const registries = new Map<number, RateLimiterRegistry>();

function limiterFor(fingerprint: string, perWindow: number, windowMs: number): RateLimiter {
  let registry = registries.get(windowMs);
  if (!registry) registries.set(windowMs, (registry = new RateLimiterRegistry(windowMs)));
  return registry.for(fingerprint, perWindow);
}

/** The hash a limiter is keyed by: the key itself never sits in a map that outlives the node. */
/**
 * The poll's status, read case-insensitively. The result page says `Waiting`, `Processing`,
 * `Success`, `Failed` (vendor-apis.md §3.2, cited by third parties); a u2-asr client found by
 * search reads `status`, then `task.status`, then `data.status`, lower-cased, and also takes
 * succeeded/completed/done/finished and error/cancelled/canceled [C-3p]. Unknown words are kept
 * as they came, so the job waits (and times out) rather than guessing.
 */
const STATUS_WORDS: Record<string, TaskStatus> = {
  waiting: 'Waiting',
  queued: 'Waiting',
  pending: 'Waiting',
  processing: 'Processing',
  running: 'Processing',
  success: 'Success',
  succeeded: 'Success',
  completed: 'Success',
  done: 'Success',
  finished: 'Success',
  failed: 'Failed',
  failure: 'Failed',
  error: 'Failed',
  cancelled: 'Failed',
  canceled: 'Failed',
};

export function taskStatusOf(body: Record<string, unknown>): TaskStatus | string {
  const nested = (key: string): unknown => {
    const v = body[key];
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>).status : undefined;
  };
  for (const candidate of [body.status, nested('task'), nested('data')]) {
    if (typeof candidate !== 'string' || candidate.trim() === '') continue;
    return STATUS_WORDS[candidate.trim().toLowerCase()] ?? candidate;
  }
  return 'Unknown';
}

export function keyFingerprint(apiKey: string, endpoint: string): string {
  return crypto.createHash('sha256').update(`${endpoint}\n${apiKey}`).digest('hex').slice(0, 32);
}

/** A small SDK for Unisound MaaS async transcription (u2-asr) and its file API. */
export class UnisoundClient {
  private readonly tasks: HttpClient;
  private readonly files: HttpClient;
  private readonly maxUploadBytes: number;

  constructor(private readonly opts: UnisoundClientOptions) {
    const problems = optionProblems(opts);
    if (problems.length) throw validationError('unisound', problems);
    const origin = new URL(opts.endpoint || DEFAULT_ENDPOINT).origin;
    this.maxUploadBytes = opts.maxUploadBytes ?? MAX_UPLOAD_BYTES;
    const common = {
      vendor: 'unisound' as const,
      baseURL: origin,
      timeoutMs: opts.timeoutMs,
      maxRetries: opts.maxRetries,
      // A gateway or proxy in front of the API may quote the Authorization header in its error text.
      toError: (res: RawResponse) => withoutSecrets(toUnisoundError(res), [opts.apiKey]) as SpeechApiError | undefined,
    };
    this.tasks = new HttpClient({
      ...common,
      limiter: limiterFor(
        keyFingerprint(opts.apiKey, origin),
        opts.rateLimit ?? TASK_REQUESTS_PER_MINUTE,
        opts.rateWindowMs ?? 60_000,
      ),
    });
    // The file API has no documented limit; uploads must not wait behind polls.
    this.files = new HttpClient(common);
  }

  /**
   * Streams the audio as multipart (`purpose=a2t_async_input`). An upload may have created a file
   * once any byte left, so it is sent again only after an explicit refusal (429/100501), and only
   * when the source can be read again from the start (a file or a Buffer, not a stream).
   */
  async uploadFile(upload: PreparedUpload, call: CallOptions = {}): Promise<UploadResult> {
    let res: RawResponse;
    try {
      for (let attempt = 0; ; attempt++) {
        const body = attempt === 0 ? upload.body : (upload.reopen as () => Buffer | Readable)();
        try {
          res = await this.files.send(() => this.uploadRequest(upload, body), {
            idempotent: false,
            signal: call.signal,
          });
          break;
        } catch (err) {
          if (upload.counter?.tooLarge) throw tooLargeError(undefined, this.maxUploadBytes);
          const changed = upload.changed?.();
          if (changed) throw changed;
          const refused = err instanceof SpeechApiError && (err.code === '100501' || err.httpStatus === 429);
          if (!refused || !upload.reopen || attempt >= this.files.maxRetries) throw err;
          await sleep(backoffDelay(attempt, err.retryAfter), call.signal).catch(() => {
            throw new SpeechApiError({
              vendor: 'unisound',
              code: 'Aborted',
              message: 'Request cancelled because the node was stopped or redeployed.',
            });
          });
        }
      }
    } finally {
      upload.dispose();
    }
    const body = this.json(res);
    const file = (body.file && typeof body.file === 'object' ? body.file : body) as Record<string, unknown>;
    const fileId = Number(file.file_id);
    if (!Number.isSafeInteger(fileId) || fileId <= 0)
      throw invalid('Unisound accepted the upload but returned no file_id.', res);
    return { fileId, bytes: typeof file.bytes === 'number' ? file.bytes : undefined, traceId: traceOf(res), raw: body };
  }

  /** `POST /v1/audio/asr/tasks` with a validated body; retried only when refused (100501). */
  async createTask(body: CreateTaskBody, call: CallOptions = {}): Promise<{ taskId: string; traceId?: string }> {
    const res = await this.tasks.send(() => this.jsonRequest('POST', '/v1/audio/asr/tasks', body), {
      idempotent: false,
      signal: call.signal,
    });
    const parsed = this.json(res);
    const task = parsed.task && typeof parsed.task === 'object' ? (parsed.task as Record<string, unknown>) : {};
    const taskId = parsed.task_id ?? task.task_id;
    if ((typeof taskId !== 'string' && typeof taskId !== 'number') || String(taskId) === '')
      throw invalid('Unisound accepted the task but returned no task_id.', res);
    return { taskId: String(taskId), traceId: traceOf(res) };
  }

  /** One poll: the task's status and the whole body (the result, when it succeeded). */
  async getTask(taskId: string, call: CallOptions = {}): Promise<TaskState> {
    const res = await this.tasks.send(
      () => ({
        method: 'GET',
        path: `/v1/audio/asr/tasks/${encodeURIComponent(taskId)}`,
        headers: { ...this.auth(), accept: 'application/json' },
      }),
      { idempotent: true, signal: call.signal, background: call.background },
    );
    const body = this.json(res);
    return { status: taskStatusOf(body), traceId: traceOf(res), body };
  }

  /** The error a Failed task ends in: its base_resp code and status_msg. */
  static failure(state: TaskState): SpeechApiError {
    const base = baseRespOf(state.body);
    const code = typeof base?.status_code === 'number' && base.status_code !== 0 ? base.status_code : undefined;
    const msg =
      typeof base?.status_msg === 'string'
        ? base.status_msg
        : typeof state.body.status_msg === 'string'
          ? state.body.status_msg
          : '';
    if (code !== undefined) {
      const e = unisoundError(code, msg, undefined, state.traceId);
      return new SpeechApiError({
        vendor: 'unisound',
        code: e.code,
        requestId: e.requestId,
        message: `The transcription failed: ${e.message}`,
      });
    }
    return new SpeechApiError({
      vendor: 'unisound',
      code: 'TaskFailed',
      requestId: state.traceId,
      message: `The transcription failed${msg ? `: ${msg}` : ''}.`,
    });
  }

  /** `POST /v1/files/delete`; deleting one file twice is harmless, so it may be retried. */
  async deleteFile(fileId: number, call: CallOptions = {}): Promise<void> {
    await this.files.send(
      () => this.jsonRequest('POST', '/v1/files/delete', { file_id: fileId, purpose: UPLOAD_PURPOSE }),
      { idempotent: true, signal: call.signal },
    );
  }

  /** A harmless authenticated read for "Test connection": polling a task that cannot exist. */
  async checkKey(call: CallOptions = {}): Promise<{ traceId?: string }> {
    try {
      const state = await this.getTask('speech-pipelines-connection-test', call);
      return { traceId: state.traceId };
    } catch (err) {
      // 100002 "data not found" comes only after the key was accepted.
      if (err instanceof SpeechApiError && err.code === '100002') return { traceId: err.requestId };
      throw err;
    }
  }

  /** Cancels requests, waits and backoffs, and frees pooled sockets. */
  close(): void {
    this.tasks.close();
    this.files.close();
  }

  private uploadRequest(upload: PreparedUpload, body: Buffer | Readable): OutgoingRequest {
    const FormData = require('form-data') as typeof import('form-data');
    const form = new FormData();
    form.append('purpose', UPLOAD_PURPOSE);
    const contentType = upload.format ? CONTENT_TYPES[upload.format] : 'application/octet-stream';
    form.append(
      'file',
      body,
      upload.size !== undefined
        ? { filename: upload.filename, contentType, knownLength: upload.size }
        : { filename: upload.filename, contentType },
    );
    const headers: Record<string, string> = { ...(form.getHeaders() as Record<string, string>), ...this.auth() };
    if (upload.size !== undefined) headers['content-length'] = String(form.getLengthSync());
    // form-data is a legacy Stream; the HTTP layer streams it and never retries it itself.
    return { method: 'POST', path: '/v1/files/upload', headers, body: form as unknown as Readable };
  }

  private auth(): Record<string, string> {
    return { authorization: `Bearer ${this.opts.apiKey}` };
  }

  private jsonRequest(method: 'POST', path: string, body: unknown): OutgoingRequest {
    return {
      method,
      path,
      headers: { ...this.auth(), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    };
  }

  private json(res: RawResponse): Record<string, unknown> {
    const body = parseJson(res.body);
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw invalid('Unisound answered with a body that is not a JSON object.', res);
    return body as Record<string, unknown>;
  }
}

function traceOf(res: RawResponse): string | undefined {
  return res.headers['trace-id'] || undefined;
}

function invalid(message: string, res: RawResponse): SpeechApiError {
  return new SpeechApiError({
    vendor: 'unisound',
    code: 'InvalidResponse',
    httpStatus: res.status,
    requestId: traceOf(res),
    message,
  });
}

function optionProblems(opts: UnisoundClientOptions): Problem[] {
  const problems: Problem[] = [];
  if (!opts.apiKey)
    problems.push({
      field: 'apiKey',
      rule: 'required',
      message: 'The Unisound account config node has no API key.',
      params: { field: 'apiKey' },
    });
  if (opts.endpoint) {
    let url: URL | undefined;
    try {
      url = new URL(opts.endpoint);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol)) {
      problems.push({
        field: 'endpoint',
        rule: 'url',
        message: 'The endpoint must be an http(s) URL such as https://maas-api.unisound.com.',
        params: { field: 'endpoint', schemes: 'http/https', value: String(opts.endpoint).slice(0, 40) },
      });
    }
  }
  return problems;
}
