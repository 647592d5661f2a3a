/**
 * Task records and the poll view. Status is derived from `now()` on every poll, so a
 * fake clock drives Waiting -> Processing -> Success/Failed without timers.
 */
import { randomBytes } from 'crypto';
import { OK, type BaseResp } from './errors';
import { buildResults, scriptDurationSeconds, type ScriptSegment } from './script';

export type TaskStatus = 'Waiting' | 'Processing' | 'Success' | 'Failed';

/**
 * The shapes a Success poll may take; the result page (docs/api/transcribe/result) was not found,
 * so each is [I] from what clients read:
 * - 'flat' (default, most likely): `{status:"Success", duration, results:[{text, start_time, …}]}`,
 *   as observed and as every client found reads `results[].text`;
 * - 'data': the same under `data` (`{data:{status, results}}`), a shape a u2-asr client checks;
 * - 'task': the same under `task` (`{task:{status, results}}`), likewise;
 * - 'text-only': `{status, duration, text}` with no segment list;
 * - 'lowercase': 'flat' with status words in lower case (`success`, `processing`).
 */
export type ResultShape = 'flat' | 'data' | 'task' | 'text-only' | 'lowercase';
export const RESULT_SHAPES: readonly ResultShape[] = ['flat', 'data', 'task', 'text-only', 'lowercase'];

/** [I] Failed tasks answer with an async-transcription code (2000xx); 200001 by default. */
export const DEFAULT_FAIL = { code: 200001, msg: 'audio decode failed' } as const;

export interface EmulatedTask {
  taskId: string;
  /** Fingerprint of the API key that created it; never the key. */
  owner: string;
  /** The create body as received. */
  body: Record<string, unknown>;
  createdAt: number;
  /** Copied at creation so setScript() does not change tasks already running. */
  script: ScriptSegment[];
  failure?: { code: number; msg: string };
}

/** [I] 32 lowercase hex characters. */
export function newTaskId(): string {
  return randomBytes(16).toString('hex');
}

/** [I] The first third of processingMs is Waiting, the rest Processing, then final. */
export function statusAt(task: EmulatedTask, now: number, processingMs: number): TaskStatus {
  const elapsed = now - task.createdAt;
  if (elapsed >= processingMs) return task.failure ? 'Failed' : 'Success';
  return elapsed < processingMs / 3 ? 'Waiting' : 'Processing';
}

export function pollView(
  task: EmulatedTask,
  now: number,
  processingMs: number,
  shape: ResultShape = 'flat',
): Record<string, unknown> & { base_resp: BaseResp } {
  const view = flatView(task, now, processingMs);
  const { base_resp, task_id, ...rest } = view;
  switch (shape) {
    case 'data':
      return { task_id, data: rest, base_resp };
    case 'task':
      return { task_id, task: { task_id, ...rest }, base_resp };
    case 'text-only': {
      if (!Array.isArray(rest.results)) return view;
      const { results, ...others } = rest;
      const text = (results as Array<{ text: string }>).map((r) => r.text).join(' ');
      return { task_id, ...others, text, base_resp };
    }
    case 'lowercase':
      return { ...view, status: String(view.status).toLowerCase() };
    default:
      return view;
  }
}

function flatView(
  task: EmulatedTask,
  now: number,
  processingMs: number,
): Record<string, unknown> & { base_resp: BaseResp } {
  const status = statusAt(task, now, processingMs);
  if (status === 'Failed') {
    const f = task.failure ?? DEFAULT_FAIL;
    return { task_id: task.taskId, status, base_resp: { status_code: f.code, status_msg: f.msg } };
  }
  if (status !== 'Success') return { task_id: task.taskId, status, base_resp: { ...OK } };
  const b = task.body;
  const mono = b.channel === undefined || b.channel === 1;
  const results = buildResults(task.script, {
    enableSpeaker: b.enable_speaker === true && mono,
    wordInfo: b.word_info === true,
    speakerNum: typeof b.speaker_num === 'number' ? b.speaker_num : undefined,
  });
  return { task_id: task.taskId, status, duration: scriptDurationSeconds(task.script), results, base_resp: { ...OK } };
}
