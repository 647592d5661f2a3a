/**
 * The words flows see for Agora agent states and notification events, in one place: what
 * `agora-stt-query` reports and what `agora-stt-events` emits use the same vocabulary, so a
 * flow can switch on one set of values whichever way it learned about an agent.
 */

/** The list API's state filter, in its documented order (v7 `list.mdx`, 0..6). */
export const AGENT_STATES = ['IDLE', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED', 'RECOVERING', 'FAILED'] as const;

export type AgentStateWord = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'recovering' | 'failed';

/**
 * Agora status -> word. v7 statuses map to themselves in lower case; the v6 statuses (§2.4 of
 * vendor-apis.md) map to the v7 step they stand for: a v6 task that `IN_PROGRESS` is running,
 * one that failed to stop (`FAILURE_STOP`) has failed.
 */
const STATE_WORDS: Record<string, AgentStateWord> = {
  IDLE: 'idle',
  STARTING: 'starting',
  RUNNING: 'running',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
  RECOVERING: 'recovering',
  FAILED: 'failed',
  PREPARING: 'starting',
  PREPARED: 'starting',
  CREATED: 'starting',
  STARTED: 'running',
  IN_PROGRESS: 'running',
  RECONNECTING: 'recovering',
  FAILURE_STOP: 'failed',
};

/** The word for an Agora status (v6 or v7), or undefined for a status Agora has not documented. */
export function stateWord(status: unknown): AgentStateWord | undefined {
  if (typeof status !== 'string') return undefined;
  const key = status.trim().toUpperCase();
  return Object.prototype.hasOwnProperty.call(STATE_WORDS, key) ? STATE_WORDS[key] : undefined;
}

/**
 * Notification `eventType` -> event name (Docs-Source `shared/real-time-stt/develop/callback-service.mdx`;
 * 104 from the v7.2.3 release notes). A type not listed here is reported as `unknown`, never dropped.
 */
export const EVENT_NAMES: Readonly<Record<number, string>> = {
  101: 'agent-joined',
  102: 'agent-left',
  104: 'token-expiring',
  4: 'playlist-generated',
  30: 'uploader-started',
  31: 'uploaded',
  32: 'uploaded-with-backup',
  33: 'upload-progress',
};

export const UNKNOWN_EVENT = 'unknown';

export function eventName(eventType: number): string {
  return Object.prototype.hasOwnProperty.call(EVENT_NAMES, eventType) ? EVENT_NAMES[eventType] : UNKNOWN_EVENT;
}

/**
 * Event 102's `message` -> reason word. The texts are Agora's, matched case-insensitively;
 * an undocumented text is passed on as it is, so nothing Agora says is lost.
 */
const LEFT_REASONS: Record<string, string> = {
  ok: 'normal',
  'idle for too long': 'idle-timeout',
  'rtc connection error': 'rtc-connection-error',
  'fatal asr error': 'asr-error',
  'fatal translation error': 'translation-error',
  'task exceeded maximum lifetime': 'lifetime-limit',
};

export function leftReason(message: unknown): string | undefined {
  if (typeof message !== 'string' || message.trim() === '') return undefined;
  const key = message.trim().toLowerCase();
  return Object.prototype.hasOwnProperty.call(LEFT_REASONS, key) ? LEFT_REASONS[key] : message.trim();
}
