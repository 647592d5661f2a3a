/**
 * Pushes callbacks the way CreateRtcAsrTask describes them: JSON POST with `content`
 * as a JSON string and the SIG-TIME / ASR-SIG headers. Only loopback URLs are ever
 * contacted: an emulator must never call out to the internet on a test's behalf.
 */
import type http from 'http';
import { createHash, randomBytes } from 'crypto';
import { isLoopbackUrl, pushTo } from '../push';
import type { EmulatedTask } from './tasks';
import { DEFAULT_SESSION_SENTENCES, transcriptEvents, type TranscriptEvent } from './transcript';

export interface CallbackDelivery {
  taskId: string;
  url: string;
  /** HTTP status of the receiver's reply, or an error string (e.g. 'ECONNREFUSED', 'refused-non-loopback', 'aborted'). */
  status: number | string;
  body: string;
  headers: Record<string, string>;
  /** header.name of the content, when the body was built by the emulator. */
  event?: string;
  /** Emulator clock when the push started. */
  at: number;
}

/** Partial description for sendCallback(); anything omitted gets a plausible default. */
export interface CallbackEventSpec {
  name?: string;
  header?: Record<string, unknown>;
  payload?: Record<string, unknown>;
  /** Overrides of the outer body fields (task_id, language, ...). */
  body?: Record<string, unknown>;
  /** Used verbatim as the `content` string, e.g. to send content that is not JSON. */
  content?: string;
}

export interface SendCallbackOptions {
  /** ASR-SIG with one hex digit changed. */
  badSignature?: boolean;
  /** SIG-TIME to send (and sign with), e.g. a stale one. */
  sigTime?: number | string;
  /** Sent as the body instead of the built JSON. */
  rawBody?: string;
  /** Send neither SIG-TIME nor ASR-SIG. */
  omitHeaders?: boolean;
}

export { isLoopbackUrl };

/** md5(`${SIG-TIME}/${CallbackURL}/${AuthKey}`), lowercase hex, URL exactly as given at Create. */
export function asrSig(sigTime: string, callbackUrl: string, authKey: string): string {
  return createHash('md5').update(`${sigTime}/${callbackUrl}/${authKey}`).digest('hex');
}

export function buildBody(task: EmulatedTask, ev: TranscriptEvent, now: number, spec: CallbackEventSpec = {}): string {
  const header = {
    namespace: 'SpeechTranscriber',
    name: ev.name,
    status: 20000000,
    status_text: 'Gateway:SUCCESS:Success.',
    message_id: randomBytes(16).toString('hex'),
    task_id: task.contentTaskId,
    nls_task_id: task.nlsTaskId,
    task_key: task.taskKey,
    ...spec.header,
  };
  const content = spec.content ?? JSON.stringify({ header, payload: ev.payload });
  return JSON.stringify({
    task_id: task.taskId,
    sdk_app_id: task.params.SDKAppID ?? '',
    channel_id: task.params.ChannelID ?? '',
    rtc_user_id: task.params.RtcUserId ?? '',
    callback_time_stamp: now,
    language: task.language,
    content,
    ...spec.body,
  });
}

export function buildHeaders(task: EmulatedTask, now: number, opts: SendCallbackOptions = {}): Record<string, string> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (opts.omitHeaders) return headers;
  const sigTime = String(opts.sigTime ?? Math.floor(now / 1000));
  headers['SIG-TIME'] = sigTime;
  if (task.authKey !== undefined) {
    let sig = asrSig(sigTime, task.callbackUrl, task.authKey);
    if (opts.badSignature) sig = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
    headers['ASR-SIG'] = sig;
  } else if (opts.badSignature) {
    headers['ASR-SIG'] = '0'.repeat(32);
  }
  return headers;
}

interface Loop {
  task: EmulatedTask;
  events: Generator<TranscriptEvent, void>;
  timer?: NodeJS.Timeout;
  stopped: boolean;
  /** The push being delivered, so Stop can answer only once it has landed. */
  pushing?: Promise<unknown>;
}

export class CallbackPusher {
  private loops = new Map<string, Loop>();
  private inflight = new Set<http.ClientRequest>();
  private closed = false;
  /** Bumped by reset() so pushes that were in flight cannot leak into the next test's log. */
  private generation = 0;

  constructor(
    private readonly log: CallbackDelivery[],
    private readonly now: () => number,
    private readonly intervalMs: number,
    private readonly sessionSentences: number = DEFAULT_SESSION_SENTENCES,
  ) {}

  start(task: EmulatedTask): void {
    if (this.closed) return;
    const loop: Loop = { task, events: transcriptEvents(task, this.sessionSentences), stopped: false };
    this.loops.set(task.taskId, loop);
    this.schedule(loop);
  }

  /**
   * Ends the task's pushes; resolves once a push already on its way has been answered, so
   * that nothing reaches the receiver after StopRtcAsrTask has answered.
   */
  stop(taskId: string): Promise<void> {
    const loop = this.loops.get(taskId);
    if (!loop) return Promise.resolve();
    loop.stopped = true;
    if (loop.timer) clearTimeout(loop.timer);
    this.loops.delete(taskId);
    return Promise.resolve(loop.pushing).then(() => undefined);
  }

  stopAll(): void {
    for (const id of [...this.loops.keys()]) void this.stop(id);
  }

  /** Stops every loop and aborts in-flight pushes; they are not logged. */
  reset(): void {
    this.generation++;
    this.stopAll();
    for (const req of this.inflight) req.destroy(new Error('aborted'));
    this.inflight.clear();
  }

  close(): void {
    this.closed = true;
    this.reset();
  }

  /** Pushes strictly one at a time per task so receivers see the documented order. */
  private schedule(loop: Loop): void {
    loop.timer = setTimeout(async () => {
      loop.timer = undefined;
      if (loop.stopped || this.closed) return;
      const next = loop.events.next();
      if (next.done) {
        this.loops.delete(loop.task.taskId);
        return;
      }
      const ev = next.value;
      const now = this.now();
      loop.pushing = this.deliver(loop.task, buildBody(loop.task, ev, now), buildHeaders(loop.task, now), ev.name);
      const status = await loop.pushing;
      loop.pushing = undefined;
      if (status === 'refused-non-loopback') loop.stopped = true;
      if (!loop.stopped && !this.closed) this.schedule(loop);
    }, this.intervalMs);
  }

  /**
   * Never rejects: failures are recorded and returned as a string, and the task goes on.
   * Any task with a callback URL will do: the IMS template player posts through here too.
   */
  deliver(
    task: Pick<EmulatedTask, 'taskId' | 'callbackUrl'>,
    body: string,
    headers: Record<string, string>,
    event?: string,
  ): Promise<number | string> {
    const entry: CallbackDelivery = {
      taskId: task.taskId,
      url: task.callbackUrl,
      status: 'pending',
      body,
      headers,
      event,
      at: this.now(),
    };
    const generation = this.generation;
    const done = (status: number | string) => {
      entry.status = status;
      if (generation === this.generation) this.log.push(entry);
      return status;
    };
    return pushTo(task.callbackUrl, body, headers, { inflight: this.inflight, closed: () => this.closed }).then(done);
  }
}
