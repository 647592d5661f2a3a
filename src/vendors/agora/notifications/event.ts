/**
 * Agora Real-time STT notification bodies -> one event shape. Source: Docs-Source
 * `shared/real-time-stt/develop/callback-service.mdx` (v7: `sid`, `noticeId`, `productId` 20,
 * `eventType`, `notifyMs`, `payload`; v5/v6: `payload` with `cname`, `taskId`, `sendts`,
 * `details`) and the v7.2.3 release notes (event 104, the lifetime reason of event 102).
 * The parsed body is read field by field (own properties only); anything else stays in `raw`.
 */
import { eventName, leftReason, stateWord } from '../vocabulary';

export interface NotificationFile {
  fileName: string;
  trackType?: string;
  mode?: number;
  /** Unix ms. */
  sliceStartTime?: number;
}

export interface AgoraNotificationEvent {
  vendor: 'agora';
  /** In words: agent-joined, agent-left, token-expiring, playlist-generated, uploader-started, uploaded, … or unknown. */
  event: string;
  eventType: number;
  /** v7 agent_id (or the body's sid), v5/v6 taskId. */
  taskId?: string;
  channel?: string;
  /** agent-left: the state word (stopped, failed); uploader events: ok or error. */
  status?: string;
  /** agent-left: normal, idle-timeout, rtc-connection-error, asr-error, translation-error, lifetime-limit, or Agora's own text. */
  reason?: string;
  /** When it happened, Unix ms: the start/stop time Agora reports, else its send time, else when it arrived. */
  at: number;
  /** playlist-generated, uploaded, uploaded-with-backup: the files Agora names. */
  files?: NotificationFile[];
  /** upload-progress: the share uploaded, 0..1 (Agora sends 0..10000). */
  progress?: number;
  /** The body as received (parsed). */
  raw: unknown;
}

export type ParsedNotification =
  | { ok: true; event: AgoraNotificationEvent; noticeId?: string }
  | { ok: false; reason: 'notAnObject' | 'noEventType'; detail: string };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: Obj, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * Unix time as ms. The doc's tables say ms for `start_ts`/`stop_ts`/`sendts`, but its examples
 * show seconds (`"start_ts": 1750235971`): a value below 1e11 is read as seconds.
 */
function timeMs(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return undefined;
  return n < 1e11 ? n * 1000 : n;
}

function filesOf(list: unknown): NotificationFile[] | undefined {
  // Event 4 names one playlist as a string; 31/32 list objects.
  if (typeof list === 'string') return list ? [{ fileName: list }] : undefined;
  if (!Array.isArray(list)) return undefined;
  const files: NotificationFile[] = [];
  for (const item of list) {
    if (!isObj(item)) continue;
    const fileName = text(own(item, 'fileName'));
    if (fileName === undefined) continue;
    const file: NotificationFile = { fileName };
    const trackType = own(item, 'trackType');
    if (typeof trackType === 'string') file.trackType = trackType;
    const mode = own(item, 'mode');
    if (typeof mode === 'number' && Number.isFinite(mode)) file.mode = mode;
    const slice = timeMs(own(item, 'sliceStartTime'));
    if (slice !== undefined) file.sliceStartTime = slice;
    files.push(file);
  }
  return files;
}

interface Details {
  status?: string;
  reason?: string;
  files?: NotificationFile[];
  progress?: number;
  /** The event's own time, when the body carries one. */
  at?: number;
}

/** Event-specific fields: status, reason, files, progress and the event's own time. */
function details(eventType: number, payload: Obj): Details {
  if (eventType === 101) return { at: timeMs(own(payload, 'start_ts')) };
  if (eventType === 102) {
    const status = own(payload, 'status');
    return {
      status: stateWord(status) ?? (typeof status === 'string' && status ? status : undefined),
      reason: leftReason(own(payload, 'message')),
      at: timeMs(own(payload, 'stop_ts')),
    };
  }
  const out: Details = { at: timeMs(own(payload, 'sendts')) };
  const d = own(payload, 'details');
  if (isObj(d)) {
    const status = own(d, 'status');
    if (typeof status === 'number') out.status = status === 0 ? 'ok' : 'error';
    out.files = filesOf(own(d, 'fileList'));
    const progress = own(d, 'progress');
    if (typeof progress === 'number' && Number.isFinite(progress))
      out.progress = Math.min(1, Math.max(0, progress / 10000));
  }
  return out;
}

/** Copies the defined values only, so the emitted object has no `undefined` keys. */
function defined<T extends object>(o: T): T {
  for (const key of Object.keys(o) as Array<keyof T>) if (o[key] === undefined) delete o[key];
  return o;
}

/**
 * One notification body (already parsed from JSON) -> the event a flow sees. Only a body that
 * is not an object or carries no numeric `eventType` is refused; an event type this code does
 * not know is passed on as `unknown` with its raw body.
 */
export function parseNotification(body: unknown, now: () => number = Date.now): ParsedNotification {
  if (!isObj(body)) return { ok: false, reason: 'notAnObject', detail: 'the body is not a JSON object' };
  const rawType = own(body, 'eventType');
  const eventType = typeof rawType === 'string' && /^\d{1,9}$/.test(rawType) ? Number(rawType) : rawType;
  if (typeof eventType !== 'number' || !Number.isInteger(eventType))
    return { ok: false, reason: 'noEventType', detail: 'the body has no numeric eventType' };
  const payloadValue = own(body, 'payload');
  const payload = isObj(payloadValue) ? payloadValue : {};
  const d = details(eventType, payload);
  const event = defined<AgoraNotificationEvent>({
    vendor: 'agora',
    event: eventName(eventType),
    eventType,
    taskId: text(own(payload, 'agent_id')) ?? text(own(payload, 'taskId')) ?? text(own(body, 'sid')),
    channel: text(own(payload, 'channel')) ?? text(own(payload, 'cname')),
    status: d.status,
    reason: d.reason,
    at: d.at ?? timeMs(own(body, 'notifyMs')) ?? now(),
    files: d.files,
    progress: d.progress,
    raw: body,
  });
  const noticeId = text(own(body, 'noticeId'));
  return noticeId === undefined ? { ok: true, event } : { ok: true, event, noticeId };
}
