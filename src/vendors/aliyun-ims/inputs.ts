/**
 * The parameters of StartAIWorkflow and the two documented `Inputs` shapes, checked the way
 * a template's Start node needs them, every problem at once. Sources: Alibaba's generated
 * ice-20201109 SDK (alibabacloud-go/ice-20201109, client/start_aiworkflow_request_model.go,
 * 2026-07) and IMS "Intelligent workflow configuration best practices"; bounds marked
 * [I] below are ours, not documented.
 */
import { Problem } from '../../lib/errors';
import { isPlainObject } from '../../lib/merge';
import { isBlank, normalize, Rule } from '../../lib/validate';

/** Source languages the real-time translation templates document (`source_language_id`). */
export const SOURCE_LANGUAGES = [
  'zh', 'en', 'es', 'ja', 'ko', 'fr', 'th', 'ru', 'de', 'guangxi', 'pt', 'yue', 'yue_hant',
  'minnan', 'pl', 'it', 'uk', 'nl', 'ar', 'id', 'tr', 'vi',
] as const; // prettier-ignore

/** How the dialog builds `Inputs`: a live stream, an ARTC channel, or an object of the user's own. */
export const INPUT_MODES = ['live', 'rtc', 'custom'] as const;
export type InputMode = (typeof INPUT_MODES)[number];

/** [I] Bounds that keep a runaway msg from reaching the gateway; the API's own are undocumented. */
export const MAX_INPUTS_BYTES = 16 * 1024;
export const MAX_USER_DATA_BYTES = 4 * 1024;
const MAX_DEPTH = 16;

const ID: Rule = { kind: 'string', maxLength: 128, pattern: /^[A-Za-z0-9_.:*-]+$/, patternHint: 'must be an ID' };
const NAME: Rule = { kind: 'string', maxLength: 256 };

export const RULES = {
  WorkflowId: ID,
  DispatchTag: { kind: 'string', maxLength: 64 } as Rule,
  Url: { kind: 'url', schemes: ['rtmp', 'rtmps', 'http', 'https', 'rtsp', 'srt', 'artc'] } as Rule,
  // [I] The doc's example is 20 s; a day is our ceiling.
  MaxIdleTime: { kind: 'int', min: 1, max: 86_400 } as Rule,
  source_language_id: { kind: 'enum', values: SOURCE_LANGUAGES } as Rule,
  AppId: NAME,
  ChannelId: NAME,
  UserId: NAME,
};

/** What the dialog (or msg.payload) gives for one task. */
export interface StartInput {
  WorkflowId?: unknown;
  /** `Inputs` ready made: an object or its JSON text (custom templates, or msg.payload.Inputs). */
  Inputs?: unknown;
  UserData?: unknown;
  DispatchTag?: unknown;
}

export interface LiveInputs {
  url?: unknown;
  maxIdleTime?: unknown;
  sourceLanguage?: unknown;
}

export interface RtcInputs {
  appId?: unknown;
  channelId?: unknown;
  userId?: unknown;
  sourceLanguage?: unknown;
  pushAppId?: unknown;
  pushChannelId?: unknown;
  pushUserId?: unknown;
}

/** The documented live-stream shape: `{"live_url":{"Url","MaxIdleTime"},"source_language_id"}`. */
export function liveInputs(input: LiveInputs, problems: Problem[]): Record<string, unknown> {
  const url = required('live_url.Url', input.url, RULES.Url, problems);
  const live: Record<string, unknown> = { Url: url };
  if (!isBlank(input.maxIdleTime)) {
    const idle = normalize('live_url.MaxIdleTime', input.maxIdleTime, RULES.MaxIdleTime, problems);
    if (idle !== undefined) live.MaxIdleTime = Number(idle);
  }
  return withLanguage({ live_url: live }, input.sourceLanguage, problems);
}

/** The documented ARTC shape: `{"rtc":{AppId,ChannelId,UserId},"source_language_id",push_*}`. */
export function rtcInputs(input: RtcInputs, problems: Problem[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    rtc: {
      AppId: required('rtc.AppId', input.appId, RULES.AppId, problems),
      ChannelId: required('rtc.ChannelId', input.channelId, RULES.ChannelId, problems),
      UserId: required('rtc.UserId', input.userId, RULES.UserId, problems),
    },
  };
  const push: [string, unknown][] = [
    ['push_app_id', input.pushAppId],
    ['push_channel_id', input.pushChannelId],
    ['push_uid', input.pushUserId],
  ];
  for (const [key, value] of push) {
    if (isBlank(value)) continue;
    const s = normalize(key, value, NAME, problems);
    if (s !== undefined) out[key] = s;
  }
  return withLanguage(out, input.sourceLanguage, problems);
}

function withLanguage(inputs: Record<string, unknown>, language: unknown, problems: Problem[]) {
  if (!isBlank(language)) {
    const s = normalize('source_language_id', language, RULES.source_language_id, problems);
    if (s !== undefined) inputs.source_language_id = s;
  }
  return inputs;
}

function required(field: string, value: unknown, rule: Rule, problems: Problem[]): string | undefined {
  if (isBlank(value)) {
    problems.push({ field, rule: 'required', message: `${field} is required.`, params: { field } });
    return undefined;
  }
  return normalize(field, value, rule, problems);
}

/**
 * StartAIWorkflow's query parameters as the wire wants them: `Inputs` and `UserData` are JSON
 * strings (the SDK types them `*string`), objects are serialised here, bounded in bytes and depth.
 */
export function validateStart(input: StartInput): { params: Record<string, string>; problems: Problem[] } {
  const problems: Problem[] = [];
  const params: Record<string, string> = {};
  const workflowId = required('WorkflowId', input.WorkflowId, RULES.WorkflowId, problems);
  if (workflowId !== undefined) params.WorkflowId = workflowId;
  // [I] The SDK marks no parameter required; a template whose Start node defines no keys needs no Inputs.
  if (!isBlank(input.Inputs)) {
    const inputs = jsonText('Inputs', input.Inputs, MAX_INPUTS_BYTES, true, problems);
    if (inputs !== undefined) params.Inputs = inputs;
  }
  if (!isBlank(input.UserData)) {
    const userData = jsonText('UserData', input.UserData, MAX_USER_DATA_BYTES, false, problems);
    if (userData !== undefined) params.UserData = userData;
  }
  if (!isBlank(input.DispatchTag)) {
    const tag = normalize('DispatchTag', input.DispatchTag, RULES.DispatchTag, problems);
    if (tag !== undefined) params.DispatchTag = tag;
  }
  return { params, problems };
}

/**
 * An object as JSON text, or text that already is a JSON object. `objectOnly` is for Inputs,
 * whose keys a Start node reads; UserData may be any text the user wants echoed back.
 */
function jsonText(
  field: string,
  value: unknown,
  maxBytes: number,
  objectOnly: boolean,
  problems: Problem[],
): string | undefined {
  const fail = (rule: string, message: string, params: Record<string, string | number> = {}): undefined => {
    problems.push({ field, rule, message, params: { field, ...params } });
    return undefined;
  };
  if (isBlank(value)) return fail('required', `${field} is required.`);
  let parsed: unknown = value;
  if (typeof value === 'string') {
    if (Buffer.byteLength(value) > maxBytes) return tooLong(field, Buffer.byteLength(value), maxBytes, problems);
    try {
      parsed = JSON.parse(value);
    } catch {
      if (!objectOnly) return value;
      return fail('json', `${field} must be a JSON object; this text is not JSON.`);
    }
    if (!objectOnly && !isPlainObject(parsed)) return value;
  }
  if (!isPlainObject(parsed)) return fail('object', `${field} must be an object (JSON object).`);
  if (depth(parsed, 0) > MAX_DEPTH) return fail('depth', `${field} is nested deeper than ${MAX_DEPTH} levels.`);
  let text: string;
  try {
    text = JSON.stringify(parsed);
  } catch {
    return fail('json', `${field} cannot be written as JSON (it refers to itself).`);
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) return tooLong(field, bytes, maxBytes, problems);
  return text;
}

function tooLong(field: string, bytes: number, max: number, problems: Problem[]): undefined {
  problems.push({
    field,
    rule: 'bytes',
    message: `${field} is ${bytes} bytes as JSON; at most ${max} are allowed.`,
    params: { field, max, length: bytes },
  });
  return undefined;
}

/** Depth of nested objects and arrays, stopping once past the limit (a cycle counts as too deep). */
function depth(value: unknown, level: number): number {
  if (level > MAX_DEPTH || value === null || typeof value !== 'object') return level;
  let deepest = level + 1;
  for (const child of Object.values(value as Record<string, unknown>)) {
    deepest = Math.max(deepest, depth(child, level + 1));
    if (deepest > MAX_DEPTH) break;
  }
  return deepest;
}

export function validateTaskId(value: unknown): { taskId?: string; problems: Problem[] } {
  const problems: Problem[] = [];
  if (isBlank(value)) {
    problems.push({
      field: 'TaskId',
      rule: 'required',
      message: "TaskId is required: set msg.taskId or the node's Task ID.",
      params: { field: 'TaskId' },
    });
    return { problems };
  }
  const taskId = normalize('TaskId', value, ID, problems);
  return { taskId, problems };
}
