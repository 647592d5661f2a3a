/**
 * Task records and their Query view. The view keeps the documented JSON types
 * (autoTerminateDelay and reportInterval as strings, status as a number) because
 * clients that assume numbers everywhere are exactly what the emulator must catch.
 */
import { createHash, randomBytes, randomUUID } from 'crypto';

export const STATUS_RUNNING = 1;
export const STATUS_STOPPED = 0;

export interface EmulatedTask {
  taskId: string;
  accessKeyId: string;
  aliUid: string;
  /** Every param of the Create request, as received. */
  params: Record<string, string>;
  mode: string;
  language: string;
  callbackUrl: string;
  authKey?: string;
  status: number;
  createdAt: number;
  updatedAt: number;
  /** Internal ids echoed in callback content headers (32 hex, stable per task). */
  nlsTaskId: string;
  contentTaskId: string;
  taskKey: string;
}

export interface TaskView {
  createdAt: string;
  updatedAt: string;
  mode: string;
  taskId: string;
  language: string;
  callbackUrl: string;
  autoTerminateDelay: string;
  streamUrl: string;
  status: number;
  reportInterval: string;
  aliUid: string;
  tag: string;
}

/** The zh doc sample shows Beijing time with an explicit offset and whole seconds. */
export function beijingIso(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00';
}

/** A stable fake account UID per AccessKey: one key is one account in the emulator. */
export function aliUidFor(accessKeyId: string): string {
  const n = BigInt('0x' + createHash('sha256').update(accessKeyId).digest('hex').slice(0, 15));
  return (1000000000000000n + (n % 9000000000000000n)).toString();
}

export function createTask(accessKeyId: string, params: Record<string, string>, now: number): EmulatedTask {
  const aliUid = aliUidFor(accessKeyId);
  return {
    taskId: `asr-${randomUUID()}`,
    accessKeyId,
    aliUid,
    params: { ...params },
    mode: params.Mode,
    language: params.Language,
    callbackUrl: params.CallbackURL,
    authKey: params.AuthKey || undefined,
    status: STATUS_RUNNING,
    createdAt: now,
    updatedAt: now,
    nlsTaskId: randomBytes(16).toString('hex'),
    contentTaskId: randomBytes(16).toString('hex'),
    taskKey: `tl_${aliUid.slice(-7)}_${now}`,
  };
}

export function taskView(t: EmulatedTask): TaskView {
  return {
    createdAt: beijingIso(t.createdAt),
    updatedAt: beijingIso(t.updatedAt),
    mode: t.mode,
    taskId: t.taskId,
    language: t.language,
    callbackUrl: t.callbackUrl,
    // The doc sample shows "10" for a task created without it; assume that default.
    autoTerminateDelay: t.params.AutoTerminateDelay || '10',
    streamUrl: t.mode === 'live' ? (t.params.StreamURL ?? '') : '',
    status: t.status,
    reportInterval: t.params.ReportInterval || '0',
    aliUid: t.aliUid,
    tag: t.params.Tag ?? '',
  };
}

/** Tasks belong to the account that created them; another key sees ConfigNotFound. */
export function ownedTask(
  tasks: Map<string, EmulatedTask>,
  accessKeyId: string,
  taskId: string,
): EmulatedTask | undefined {
  const t = tasks.get(taskId);
  return t && t.aliUid === aliUidFor(accessKeyId) ? t : undefined;
}
