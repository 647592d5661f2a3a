import { Problem } from '../../lib/errors';
import { isBlank, normalize, Rule } from '../../lib/validate';

export const MODES = ['live', 'rtc'] as const;
export const LANGUAGES = ['cn', 'en', 'ja', 'yue', 'fspk'] as const;
export const TARGET_LANGUAGES = ['cn', 'en', 'ja'] as const;

/** Every documented CreateRtcAsrTask parameter, by its documented name. */
export const CREATE_PARAMS: Record<string, Rule> = {
  RegionId: {
    kind: 'string',
    maxLength: 64,
    pattern: /^[a-z]{2,}(-[a-z0-9]+)+$/,
    patternHint: 'must look like cn-shanghai',
  },
  Mode: { kind: 'enum', values: MODES },
  SDKAppID: { kind: 'string', maxLength: 256 },
  ChannelID: { kind: 'string', maxLength: 256 },
  RtcUserId: { kind: 'string', maxLength: 256, pattern: /^[^,;\s]+$/, patternHint: 'must be exactly one user ID' },
  StreamURL: { kind: 'url', schemes: ['rtmp', 'rtmps', 'http', 'https', 'rtsp', 'srt', 'artc'] },
  Language: { kind: 'enum', values: LANGUAGES },
  CallbackURL: { kind: 'url', schemes: ['http', 'https'] },
  AuthKey: { kind: 'string', maxLength: 256 },
  TranslateEnabled: { kind: 'bool' },
  TargetLanguages: { kind: 'enum', values: TARGET_LANGUAGES },
  AutoTerminateEnabled: { kind: 'bool' },
  AutoTerminateDelay: { kind: 'int', min: 1, max: 10 },
  ReportInterval: { kind: 'int', min: -1, max: 500 },
};

export const CREATE_PARAM_NAMES = Object.keys(CREATE_PARAMS);

export type CreateRtcAsrTaskParams = Partial<Record<keyof typeof CREATE_PARAMS, unknown>>;

const MODE_REQUIRES: Record<string, string[]> = {
  live: ['StreamURL'],
  rtc: ['SDKAppID', 'ChannelID', 'RtcUserId'],
};

/**
 * Checks a CreateRtcAsrTask request the way the API does and returns every
 * problem at once, with the parameters as the wire expects them (all strings).
 */
export function validateCreate(input: CreateRtcAsrTaskParams): { params: Record<string, string>; problems: Problem[] } {
  const problems: Problem[] = [];
  const params: Record<string, string> = {};
  const raw = { ...input } as Record<string, unknown>;
  // One RtcUserId is documented; an array of exactly one is the natural msg shape.
  if (Array.isArray(raw.RtcUserId) && raw.RtcUserId.length === 1) raw.RtcUserId = raw.RtcUserId[0];
  const severalUsers = Array.isArray(raw.RtcUserId);
  if (severalUsers) {
    problems.push({
      field: 'RtcUserId',
      rule: 'single',
      message: 'RtcUserId takes exactly one user ID.',
      params: { field: 'RtcUserId' },
    });
  }
  for (const name of ['Mode', 'Language', 'CallbackURL']) {
    if (isBlank(raw[name]))
      problems.push({ field: name, rule: 'required', message: `${name} is required.`, params: { field: name } });
  }
  const mode = typeof raw.Mode === 'string' ? raw.Mode.trim() : undefined;
  for (const name of MODE_REQUIRES[mode ?? ''] ?? []) {
    if (isBlank(raw[name])) {
      problems.push({
        field: name,
        rule: 'requiredForMode',
        message: `${name} is required when Mode is ${mode}.`,
        params: { field: name, mode: mode as string },
      });
    }
  }
  for (const [name, rule] of Object.entries(CREATE_PARAMS)) {
    if (isBlank(raw[name]) || (name === 'RtcUserId' && severalUsers)) continue;
    const value = normalize(name, raw[name], rule, problems);
    if (value !== undefined) params[name] = value;
  }
  return { params, problems };
}

export function validateTaskId(value: unknown, required: boolean): { taskId?: string; problems: Problem[] } {
  const problems: Problem[] = [];
  if (isBlank(value)) {
    if (required)
      problems.push({
        field: 'TaskId',
        rule: 'required',
        message: "TaskId is required: set msg.taskId or the node's Task ID.",
        params: { field: 'TaskId' },
      });
    return { problems };
  }
  const taskId = normalize(
    'TaskId',
    value,
    { kind: 'string', maxLength: 128, pattern: /^[A-Za-z0-9_.:-]+$/, patternHint: 'must be a task ID such as asr-…' },
    problems,
  );
  return { taskId, problems };
}
