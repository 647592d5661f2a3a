/**
 * A local stand-in for maas-api.unisound.com async transcription (vendor-apis.md §3,
 * §5.3): Bearer auth, streamed multipart upload, create/poll of `u2-asr` tasks, file
 * delete/list, the 20 RPM limit and the shared fault queue.
 *
 * Order of checks for every request [I]: fault -> auth -> route -> rate limit -> body.
 */
import type http from 'http';
import { FaultInjector, HangRegistry, type Fault } from '../faults';
import { EmulatorHttpServer } from '../http-server';
import { RateWindow } from '../aliyun-live/replay-guard';
import { authenticate, type KeyConfig, type KeyStatus } from './auth';
import { Errors, OK, UnisoundError, newTraceId, type BaseResp } from './errors';
import { logParams, readJson } from './json-body';
import { route, type UnisoundAction } from './routes';
import { DEFAULT_SCRIPT, checkScript, type ScriptSegment } from './script';
import { DEFAULT_FAIL, newTaskId, pollView, type EmulatedTask, type ResultShape } from './tasks';
import { receiveUpload, type UploadOutcome } from './upload';
import { UPLOAD_PURPOSE, createProblems, isPositiveInt } from './validate';

export const UNISOUND_DEFAULTS = Object.freeze({ apiKey: 'us-emulator-api-key' });

export interface UnisoundEmulatorOptions {
  /** Default { [UNISOUND_DEFAULTS.apiKey]: { status: 'ok' } }. */
  apiKeys?: Record<string, { status?: KeyStatus }>;
  now?: () => number;
  /** Per key, sliding 60 s window; default 20 (§3.3). */
  tasksPerMinute?: number;
  /**
   * [I] Which requests the RPM limit counts. Default 'create': §5.3 says "more than 20
   * creates/min", and a client polling every 3 s (§3.2) would spend the whole budget on
   * one task if polls counted. 'tasks' counts create and poll alike.
   */
  rateLimitScope?: 'create' | 'tasks';
  /** Default 1 GiB (§3.4). */
  maxUploadBytes?: number;
  /** What to do with the rest of an oversize upload; see upload.ts. Default 'drain'. */
  oversize?: 'drain' | 'destroy';
  /** Waiting -> Processing -> Success over this time; default 1500. */
  processingMs?: number;
  /** 'count' (default) hashes and counts uploads; 'keep' also keeps their bytes in `files`. */
  storeUploads?: 'count' | 'keep';
  /** A 'drop' fault closes the socket after this many body bytes (or at the body's end); default 64 KiB. */
  dropAfterBytes?: number;
  /** How a poll answers (tasks.ts ResultShape); default 'flat'. Switchable with setResultShape(). */
  resultShape?: ResultShape;
}

export interface UnisoundRequest {
  action?: UnisoundAction;
  method: string;
  path: string;
  /** 0 until answered; stays 0 for 'hang' and 'drop' faults and aborted uploads. */
  status: number;
  code?: number;
  at: number;
  /** Query, JSON fields or multipart fields (purpose, filename, bytes); never the key. */
  params: Record<string, string>;
  fault?: string;
  traceId: string;
}

export interface EmulatedFile {
  fileId: number;
  bytes: number;
  filename: string;
  purpose: string;
  sha256: string;
  contentType?: string;
  deleted?: boolean;
  /** Milliseconds from now(). */
  createdAt: number;
  /** Fingerprint of the uploading key. */
  owner: string;
  /** Only with storeUploads: 'keep'. */
  content?: Buffer;
}

type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body: Json;
  code: number;
  afterReply?: () => void;
}

/** [I] file_ids are large sequential integers (documented as long), below 2^53. */
const FIRST_FILE_ID = 310_000_000_001;

export class UnisoundEmulator {
  readonly requests: UnisoundRequest[] = [];
  readonly faults = new FaultInjector();
  readonly files = new Map<number, EmulatedFile>();
  readonly tasks = new Map<string, EmulatedTask>();

  private readonly keys: Map<string, KeyConfig>;
  private readonly now: () => number;
  private readonly tasksPerMinute: number;
  private readonly rateScope: 'create' | 'tasks';
  private readonly maxUploadBytes: number;
  private readonly oversize: 'drain' | 'destroy';
  private readonly processingMs: number;
  private readonly keepUploads: boolean;
  private readonly dropAfterBytes: number;
  private readonly rate = new RateWindow(60_000);
  private readonly hangs = new HangRegistry();
  private readonly http: EmulatorHttpServer;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: http.Server;
  private nextFileId = FIRST_FILE_ID;
  private failures: { code: number; msg: string }[] = [];
  private script: ScriptSegment[] = DEFAULT_SCRIPT.map((s) => ({ ...s }));
  private resultShape: ResultShape;
  private readonly initialShape: ResultShape;

  constructor(opts: UnisoundEmulatorOptions = {}) {
    this.initialShape = this.resultShape = opts.resultShape ?? 'flat';
    this.keys = new Map(Object.entries(opts.apiKeys ?? { [UNISOUND_DEFAULTS.apiKey]: { status: 'ok' } }));
    this.now = opts.now ?? Date.now;
    this.tasksPerMinute = opts.tasksPerMinute ?? 20;
    this.rateScope = opts.rateLimitScope ?? 'create';
    this.maxUploadBytes = opts.maxUploadBytes ?? 1024 ** 3;
    this.oversize = opts.oversize ?? 'drain';
    this.processingMs = opts.processingMs ?? 1500;
    this.keepUploads = opts.storeUploads === 'keep';
    this.dropAfterBytes = opts.dropAfterBytes ?? 64 * 1024;
    this.http = new EmulatorHttpServer((req, res) => this.onRequest(req, res));
    this.server = this.http.server;
  }

  get url(): string {
    return this.http.url;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<void> {
    await this.http.listen(port, host);
  }

  async close(): Promise<void> {
    this.hangs.releaseAll();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.http.close();
  }

  reset(): void {
    this.requests.length = 0;
    this.files.clear();
    this.tasks.clear();
    this.rate.clear();
    this.faults.clear();
    this.failures = [];
    this.script = DEFAULT_SCRIPT.map((s) => ({ ...s }));
    this.resultShape = this.initialShape;
  }

  /** The next created task ends Failed with this message and code (a 2000xx). */
  failNextTask(statusMsg: string = DEFAULT_FAIL.msg, statusCode: number = DEFAULT_FAIL.code): void {
    this.failures.push({ code: statusCode, msg: statusMsg });
  }

  /** How polls answer from now on (every plausible shape of the undocumented result, tasks.ts). */
  setResultShape(shape: ResultShape): void {
    this.resultShape = shape;
  }

  /** The transcript tasks created from now on return on Success. */
  setScript(segments: ScriptSegment[]): void {
    checkScript(segments);
    this.script = segments.map((s) => ({ ...s, words: s.words?.map((w) => ({ ...w })) }));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const r = route(method, url.pathname);
    const record: UnisoundRequest = {
      action: r.action,
      method,
      path: url.pathname,
      status: 0,
      at: this.now(),
      params: {},
      traceId: newTraceId(),
    };
    for (const [k, v] of url.searchParams) record.params[k] = v;
    if (r.taskId !== undefined) record.params.task_id = r.taskId;
    this.requests.push(record);
    const fault = this.faults.take();
    if (fault) record.fault = fault.kind;
    if (fault && this.applyFault(fault, req, res, record)) return;
    const run = () =>
      this.handle(req, record, r).then(
        (out) => this.reply(req, res, record, out),
        (err: unknown) => this.reply(req, res, record, this.errorReply(err)),
      );
    if (fault?.kind === 'slow') this.delay(fault.slowMs, run);
    else void run();
  }

  private delay(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** True when the fault fully answered (or killed) the request. */
  private applyFault(
    fault: Fault,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: UnisoundRequest,
  ): boolean {
    switch (fault.kind) {
      case 'drop':
        this.dropMidBody(req, record);
        return true;
      case 'hang':
        this.hangs.hold(req, res);
        return true;
      case 'invalidJson': {
        req.resume();
        record.status = 200;
        const text = '{"base_resp":{"status_code":0,"status_msg":"succ';
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
          'trace-id': record.traceId,
        });
        res.end(text);
        return true;
      }
      case 'throttle':
        this.reply(req, res, record, this.errorReply(Errors.rateLimited()));
        return true;
      case 'http500':
      case 'http503':
        this.reply(
          req,
          res,
          record,
          this.errorReply(fault.kind === 'http500' ? Errors.internal() : Errors.unavailable()),
        );
        return true;
      case 'slow':
        return false;
    }
  }

  /** 'drop' while the client may still be sending: after dropAfterBytes of body, or at its end. */
  private dropMidBody(req: http.IncomingMessage, record: UnisoundRequest): void {
    let received = 0;
    const kill = () => {
      record.params.receivedBytes = String(received);
      req.socket.destroy();
    };
    req.on('data', (c: Buffer) => {
      received += c.length;
      if (received >= this.dropAfterBytes) kill();
    });
    req.on('end', kill);
  }

  private errorReply(err: unknown): Reply {
    const e = err instanceof UnisoundError ? err : Errors.internal();
    return { status: e.status, code: e.code, body: { base_resp: e.baseResp } };
  }

  private reply(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: UnisoundRequest,
    out: Reply | undefined,
  ): void {
    if (!out || res.destroyed || res.writableEnded) return;
    // Nothing read the body (auth failure, fault, unknown route): discard it so the client can finish sending.
    if (!req.complete && req.readableFlowing !== true) req.resume();
    const text = JSON.stringify(out.body);
    record.status = out.status;
    record.code = out.code;
    res.writeHead(out.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'trace-id': record.traceId,
    });
    res.end(text, out.afterReply);
  }

  private async handle(
    req: http.IncomingMessage,
    record: UnisoundRequest,
    r: ReturnType<typeof route>,
  ): Promise<Reply | undefined> {
    const owner = authenticate(req.headers, this.keys);
    if (!r.action) throw Errors.noRoute(record.method, record.path);
    const counted = r.action === 'create' || (r.action === 'poll' && this.rateScope === 'tasks');
    if (counted && !this.rate.tryAdmit(owner, this.tasksPerMinute, this.now())) throw Errors.rateLimited();
    switch (r.action) {
      case 'upload':
        return this.upload(req, record, owner);
      case 'create':
        return this.ok(this.create(await this.json(req, record), owner));
      case 'poll':
        return this.ok(this.poll(r, owner));
      case 'delete':
        return this.ok(this.deleteFile(await this.json(req, record), owner));
      case 'list':
        return this.ok(this.list(record.params, owner));
    }
  }

  private ok(body: Json & { base_resp?: BaseResp }): Reply {
    const baseResp = body.base_resp ?? { ...OK };
    return { status: 200, code: baseResp.status_code, body: { ...body, base_resp: baseResp } };
  }

  private async json(req: http.IncomingMessage, record: UnisoundRequest): Promise<unknown> {
    const body = await readJson(req);
    Object.assign(record.params, logParams(body));
    return body;
  }

  private async upload(req: http.IncomingMessage, record: UnisoundRequest, owner: string): Promise<Reply | undefined> {
    const out: UploadOutcome = await receiveUpload(
      req,
      { maxUploadBytes: this.maxUploadBytes, keep: this.keepUploads, oversize: this.oversize },
      record.params,
    );
    if (!out.ok) return 'aborted' in out ? undefined : { ...this.errorReply(out.error), afterReply: out.afterReply };
    const now = this.now();
    const f: EmulatedFile = { fileId: this.nextFileId++, ...out.file, createdAt: now, owner };
    this.files.set(f.fileId, f);
    return this.ok({ file: fileView(f) });
  }

  private ownedFile(id: unknown, owner: string): EmulatedFile | undefined {
    const f = typeof id === 'number' ? this.files.get(id) : undefined;
    return f && !f.deleted && f.owner === owner ? f : undefined;
  }

  private create(body: unknown, owner: string): Json {
    const problems = createProblems(body);
    if (problems.length > 0) throw Errors.invalidParams(problems);
    const b = body as Json;
    // [I] Files belong to the uploading key; a wrong purpose (e.g. TTS output) is 100002 (§3.2, observed).
    if (b.file_id !== undefined) {
      const f = this.ownedFile(b.file_id, owner);
      if (!f || f.purpose !== UPLOAD_PURPOSE) throw Errors.notFound(`file_id ${String(b.file_id)}`);
    }
    const task: EmulatedTask = {
      taskId: newTaskId(),
      owner,
      body: b,
      createdAt: this.now(),
      script: this.script.map((s) => ({ ...s })),
      failure: this.failures.shift(),
    };
    this.tasks.set(task.taskId, task);
    return { task_id: task.taskId };
  }

  private poll(r: ReturnType<typeof route>, owner: string): Json {
    const task = r.taskId !== undefined ? this.tasks.get(r.taskId) : undefined;
    // [I] Another key's task is as unknown as a missing one.
    if (!task || task.owner !== owner) throw Errors.notFound(`task_id ${r.taskId ?? ''}`);
    return pollView(task, this.now(), this.processingMs, this.resultShape);
  }

  /** [I] The reply echoes file_id; purpose must match the file's purpose, else 100002. */
  private deleteFile(body: unknown, owner: string): Json {
    const b = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Json) : undefined;
    if (!b) throw Errors.invalidParams(['body must be a JSON object']);
    const problems: string[] = [];
    if (!isPositiveInt(b.file_id)) problems.push('file_id must be a positive integer');
    if (typeof b.purpose !== 'string' || b.purpose === '') problems.push('purpose is required');
    if (problems.length > 0) throw Errors.invalidParams(problems);
    const f = this.ownedFile(b.file_id, owner);
    if (!f || f.purpose !== b.purpose) throw Errors.notFound(`file_id ${String(b.file_id)}`);
    f.deleted = true;
    delete f.content;
    return { file_id: f.fileId };
  }

  /** [I] `{"files":[...]}`, this key's live files, optionally filtered by ?purpose=. */
  private list(query: Record<string, string>, owner: string): Json {
    const files = [...this.files.values()].filter(
      (f) => !f.deleted && f.owner === owner && (query.purpose === undefined || f.purpose === query.purpose),
    );
    return { files: files.map(fileView) };
  }
}

/** [I] created_at in Unix seconds, like other file APIs of this shape. */
function fileView(f: EmulatedFile): Json {
  return {
    file_id: f.fileId,
    bytes: f.bytes,
    filename: f.filename,
    purpose: f.purpose,
    created_at: Math.floor(f.createdAt / 1000),
  };
}
