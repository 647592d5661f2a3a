/**
 * A local stand-in for live.aliyuncs.com POP RPC: the real checks in the order of
 * vendor-apis.md §5.1, the vendor's error envelope, and callbacks for created tasks.
 */
import type http from 'http';
import { FaultInjector, HangRegistry, dropConnection, sendInvalidJson, type Fault } from '../faults';
import { EmulatorHttpServer } from '../http-server';
import { Errors, PopError, envelope, newRequestId } from './errors';
import { parseRequest, readBody, type ParsedRequest } from './request';
import { checkTimestamp, readAuthFields, verifySignature, type AuthFields } from './signature-check';
import { NonceStore, RateWindow } from './replay-guard';
import { checkActionAndVersion, checkCreate, optionalTaskId, requireTaskId } from './validate';
import {
  STATUS_RUNNING,
  STATUS_STOPPED,
  aliUidFor,
  createTask,
  ownedTask,
  taskView,
  type EmulatedTask,
  type TaskView,
} from './tasks';
import {
  CallbackPusher,
  buildBody,
  buildHeaders,
  type CallbackDelivery,
  type CallbackEventSpec,
  type SendCallbackOptions,
} from './callbacks';
import { ICE_VERSION, ImsWorkflows, type ImsTemplate } from './ims';

export interface AliyunLiveEmulatorOptions {
  /** accessKeyId -> accessKeySecret; default { 'LTAI-emulator': 'emulator-secret' }. */
  credentials?: Record<string, string>;
  /** accessKeyId -> the x-acs-security-token / SecurityToken it must present (STS keys). */
  stsTokens?: Record<string, string>;
  /** Per AccessKey, sliding 1 s window; default 20 (the documented QPS). */
  ratePerSecond?: number;
  /** When set, throttled replies carry x-acs-retry-after. */
  retryAfterSeconds?: number;
  /** Default 15 min. */
  maxSkewMs?: number;
  now?: () => number;
  /** Pause before each pushed callback; default 50 ms. */
  callbackIntervalMs?: number;
  /** Push callbacks for created tasks; default true. */
  callbacks?: boolean;
  /** Sentences per pushed session before TranscriptionCompleted; default 6, Infinity for endless load. */
  sessionSentences?: number;
  /** IMS AI-workflow templates by WorkflowId (the console builds them; tests and npm start define them here). */
  imsTemplates?: Record<string, ImsTemplate>;
  /** Pause before each post of an IMS template player; default callbackIntervalMs. */
  imsIntervalMs?: number;
}

export interface EmulatedRequest {
  action?: string;
  scheme?: 'v3' | 'v2';
  accessKeyId?: string;
  params: Record<string, string>;
  /** 0 until answered; stays 0 for 'hang' and 'drop' faults. */
  status: number;
  code?: string;
  at: number;
  method?: string;
  fault?: string;
}

export const DEFAULT_CREDENTIALS: Readonly<Record<string, string>> = Object.freeze({
  'LTAI-emulator': 'emulator-secret',
});

type Json = Record<string, unknown>;

export class AliyunLiveEmulator {
  readonly requests: EmulatedRequest[] = [];
  readonly tasks = new Map<string, EmulatedTask>();
  readonly faults = new FaultInjector();
  readonly callbackLog: CallbackDelivery[] = [];
  /** The `ice` 2020-11-09 AI-workflow side: templates, tasks and their players. */
  readonly ims: ImsWorkflows;

  private readonly credentials: Record<string, string>;
  private readonly stsTokens: Record<string, string>;
  private readonly ratePerSecond: number;
  private readonly retryAfterSeconds?: number;
  private readonly maxSkewMs: number;
  private readonly now: () => number;
  private readonly pushCallbacks: boolean;
  private readonly nonces: NonceStore;
  private readonly rate = new RateWindow(1000);
  private readonly hangs = new HangRegistry();
  private readonly http: EmulatorHttpServer;
  private readonly slowTimers = new Set<NodeJS.Timeout>();
  private readonly pusher: CallbackPusher;
  private readonly server: http.Server;
  /** Set by perform() when it stopped a task's pushes; handle() passes it on as Outcome.settled. */
  private stopping?: Promise<void>;

  constructor(opts: AliyunLiveEmulatorOptions = {}) {
    this.credentials = { ...(opts.credentials ?? DEFAULT_CREDENTIALS) };
    this.stsTokens = { ...(opts.stsTokens ?? {}) };
    this.ratePerSecond = opts.ratePerSecond ?? 20;
    this.retryAfterSeconds = opts.retryAfterSeconds;
    this.maxSkewMs = opts.maxSkewMs ?? 15 * 60_000;
    this.now = opts.now ?? Date.now;
    this.pushCallbacks = opts.callbacks ?? true;
    this.nonces = new NonceStore(this.maxSkewMs);
    this.pusher = new CallbackPusher(this.callbackLog, this.now, opts.callbackIntervalMs ?? 50, opts.sessionSentences);
    this.ims = new ImsWorkflows(
      this.pusher,
      this.now,
      opts.imsIntervalMs ?? opts.callbackIntervalMs ?? 50,
      opts.imsTemplates,
    );
    this.http = new EmulatorHttpServer((req, res) => this.onRequest(req, res));
    this.server = this.http.server;
  }

  get url(): string {
    return this.http.url;
  }

  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return this.http.listen(port, host);
  }

  async close(): Promise<void> {
    this.ims.close();
    this.pusher.close();
    this.hangs.releaseAll();
    for (const t of this.slowTimers) clearTimeout(t);
    this.slowTimers.clear();
    await this.http.close();
  }

  reset(): void {
    this.ims.reset();
    this.pusher.reset();
    this.requests.length = 0;
    this.tasks.clear();
    this.nonces.clear();
    this.rate.clear();
    this.faults.clear();
    this.callbackLog.length = 0;
  }

  /** Push one callback on demand (adversarial tests); resolves the receiver's HTTP status. */
  async sendCallback(taskId: string, event: CallbackEventSpec = {}, opts: SendCallbackOptions = {}): Promise<number> {
    const task = this.tasks.get(taskId);
    if (!task) throw new Error(`no such task: ${taskId}`);
    const now = this.now();
    const name = event.name ?? 'SentenceEnd';
    const payload = {
      index: 0,
      time: 0,
      result: '',
      confidence: 0,
      words: [],
      fixed_result: '',
      unfixed_result: '',
      status: 0,
      ...event.payload,
    };
    const body = opts.rawBody ?? buildBody(task, { name, payload }, now, event);
    const status = await this.pusher.deliver(
      task,
      body,
      buildHeaders(task, now, opts),
      opts.rawBody === undefined ? name : undefined,
    );
    if (typeof status !== 'number') throw new Error(`callback push failed: ${status}`);
    return status;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const record: EmulatedRequest = { params: {}, status: 0, at: this.now(), method: req.method };
    this.requests.push(record);
    const fault = this.faults.take();
    if (fault) record.fault = fault.kind;
    if (fault && this.applyFault(fault, req, res, record)) return;
    this.process(req, res, record, fault && fault.kind === 'slow' ? fault.slowMs : 0);
  }

  private process(req: http.IncomingMessage, res: http.ServerResponse, record: EmulatedRequest, delayMs: number): void {
    readBody(req)
      .then((body) =>
        (delayMs > 0 ? this.delay(delayMs) : Promise.resolve()).then(() => this.handle(req, body, record)),
      )
      .catch((err: unknown): Outcome => ({ status: 0, error: err instanceof PopError ? err : Errors.internalError() }))
      .then((out) => Promise.resolve(out.settled).then(() => this.reply(res, record, out)));
  }

  /** Tracked so close() can cancel a 'slow' reply instead of leaving a live timer behind. */
  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.slowTimers.delete(t);
        resolve();
      }, ms);
      this.slowTimers.add(t);
    });
  }

  /** True when the fault fully answered (or killed) the request. */
  private applyFault(
    fault: Fault,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: EmulatedRequest,
  ): boolean {
    switch (fault.kind) {
      case 'drop':
        dropConnection(req);
        return true;
      case 'hang':
        this.hangs.hold(req, res);
        return true;
      case 'invalidJson':
        req.resume();
        record.status = 200;
        sendInvalidJson(res, newRequestId());
        return true;
      case 'throttle':
        req.resume();
        this.reply(res, record, { status: 0, error: Errors.throttlingUser(this.retryAfterSeconds) });
        return true;
      case 'http500':
      case 'http503':
        req.resume();
        this.reply(res, record, {
          status: 0,
          error: fault.kind === 'http500' ? Errors.internalError() : Errors.serviceUnavailable(),
        });
        return true;
      case 'slow':
        return false;
    }
  }

  private reply(res: http.ServerResponse, record: EmulatedRequest, out: Outcome): void {
    if (res.destroyed || res.writableEnded) return;
    const requestId = newRequestId();
    const status = out.error ? out.error.status : 200;
    const json = out.error ? envelope(out.error, requestId) : { ...out.body, RequestId: requestId };
    const text = JSON.stringify(json);
    record.status = status;
    record.code = out.error?.code;
    res.writeHead(status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-acs-request-id': requestId,
      ...out.error?.headers,
    });
    res.end(text);
  }

  private handle(req: http.IncomingMessage, body: Buffer, record: EmulatedRequest): Outcome {
    try {
      const parsed = parseRequest(req, body);
      record.params = parsed.params;
      if (parsed.pathname !== '/' || (parsed.method !== 'GET' && parsed.method !== 'POST')) throw Errors.apiNotFound();
      const auth = this.authenticate(req, parsed, record);
      if (auth.version === ICE_VERSION) {
        const done = this.ims.perform(auth.action, auth.accessKeyId, parsed.params);
        return { status: 200, body: done.body, settled: done.settled };
      }
      const action = checkActionAndVersion(auth.action, auth.version);
      this.stopping = undefined;
      const answer = this.perform(action, auth.accessKeyId, parsed.params);
      return { status: 200, body: answer, settled: this.stopping };
    } catch (err) {
      if (err instanceof PopError) return { status: err.status, error: err };
      throw err;
    }
  }

  /** Steps 1 to 7 of §5.1, in order. */
  private authenticate(req: http.IncomingMessage, parsed: ParsedRequest, record: EmulatedRequest): AuthFields {
    const auth = readAuthFields(req, parsed);
    record.scheme = auth.scheme;
    record.action = auth.action;
    record.accessKeyId = auth.accessKeyId;
    const secret = Object.prototype.hasOwnProperty.call(this.credentials, auth.accessKeyId)
      ? this.credentials[auth.accessKeyId]
      : undefined;
    if (secret === undefined) throw Errors.accessKeyNotFound();
    const token = Object.prototype.hasOwnProperty.call(this.stsTokens, auth.accessKeyId)
      ? this.stsTokens[auth.accessKeyId]
      : undefined;
    if (token !== undefined && auth.securityToken !== token) throw Errors.securityTokenMismatch();
    const now = this.now();
    checkTimestamp(auth.timestamp, now, this.maxSkewMs);
    if (this.nonces.seen(auth.accessKeyId, auth.nonce, now)) throw Errors.nonceUsed();
    verifySignature(req, parsed, auth, secret);
    // Remembered only once authenticated, so forged requests cannot burn a client's nonces.
    this.nonces.remember(auth.accessKeyId, auth.nonce, now);
    if (!this.rate.tryAdmit(auth.accessKeyId, this.ratePerSecond, now))
      throw Errors.throttlingUser(this.retryAfterSeconds);
    return auth;
  }

  private perform(action: string, accessKeyId: string, p: Record<string, string>): Json {
    const ok = { Description: 'success', RetCode: 2000 };
    const now = this.now();
    switch (action) {
      case 'CreateRtcAsrTask': {
        checkCreate(p);
        const task = createTask(accessKeyId, p, now);
        this.tasks.set(task.taskId, task);
        if (this.pushCallbacks) this.pusher.start(task);
        return { ...ok, TaskId: task.taskId };
      }
      case 'QueryRtcAsrTasks': {
        const id = optionalTaskId(p);
        const tasks: Record<string, TaskView> = {};
        if (id !== undefined) {
          const t = this.owned(accessKeyId, id);
          tasks[t.taskId] = taskView(t);
        } else {
          const uid = aliUidFor(accessKeyId);
          for (const t of this.tasks.values())
            if (t.aliUid === uid && t.status === STATUS_RUNNING) tasks[t.taskId] = taskView(t);
        }
        return { ...ok, Tasks: tasks };
      }
      case 'StopRtcAsrTask': {
        const t = this.owned(accessKeyId, requireTaskId(p));
        this.stopping = this.pusher.stop(t.taskId);
        if (t.status !== STATUS_STOPPED) {
          t.status = STATUS_STOPPED;
          t.updatedAt = now;
        }
        return ok;
      }
      default: {
        const t = this.owned(accessKeyId, requireTaskId(p));
        this.stopping = this.pusher.stop(t.taskId);
        this.tasks.delete(t.taskId);
        return ok;
      }
    }
  }

  private owned(accessKeyId: string, taskId: string): EmulatedTask {
    const t = ownedTask(this.tasks, accessKeyId, taskId);
    if (!t) throw Errors.configNotFound(taskId);
    return t;
  }
}

interface Outcome {
  status: number;
  /** Answer only after this: Stop and Delete wait for a callback push already on its way. */
  settled?: Promise<void>;
  body?: Json;
  error?: PopError;
}
