/**
 * Business-parameter checks (steps 8 to 10). Each function lists every problem so a
 * test can see them all, and the server answers with the first, as the gateway does.
 */
import { Errors, PopError } from './errors';

export const API_VERSION = '2016-11-01';
export const ACTIONS = ['CreateRtcAsrTask', 'QueryRtcAsrTasks', 'StopRtcAsrTask', 'DeleteRtcAsrTask'] as const;
export type Action = (typeof ACTIONS)[number];

export const LANGUAGES = ['ja', 'yue', 'fspk', 'en', 'cn'];
export const TARGET_LANGUAGES = ['cn', 'en', 'ja'];

export function checkActionAndVersion(action: string, version: string): Action {
  if (version !== API_VERSION) throw Errors.invalid('Version');
  if (!(ACTIONS as readonly string[]).includes(action)) throw Errors.invalid('Action');
  return action as Action;
}

/** An empty value is what an SDK sends for an unset optional field, so it counts as absent. */
function given(p: Record<string, string>, name: string): string | undefined {
  const v = p[name];
  return v === undefined || v === '' ? undefined : v;
}

function intInRange(v: string, min: number, max: number): boolean {
  if (!/^-?\d+$/.test(v)) return false;
  const n = Number(v);
  return n >= min && n <= max;
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

export function createProblems(p: Record<string, string>): PopError[] {
  const problems: PopError[] = [];
  const mode = given(p, 'Mode');
  if (mode === undefined) problems.push(Errors.missing('Mode'));
  else if (mode !== 'live' && mode !== 'rtc') problems.push(Errors.invalid('Mode'));
  if (mode === 'live' && given(p, 'StreamURL') === undefined) problems.push(Errors.missing('StreamURL'));
  if (mode === 'rtc') {
    for (const name of ['SDKAppID', 'ChannelID', 'RtcUserId']) {
      if (given(p, name) === undefined) problems.push(Errors.missing(name));
    }
    const user = given(p, 'RtcUserId');
    // The doc allows exactly one publishing user; a list is the commonest misuse.
    if (user !== undefined && /[\s,;]/.test(user)) problems.push(Errors.invalid('RtcUserId'));
  }
  const language = given(p, 'Language');
  if (language === undefined) problems.push(Errors.missing('Language'));
  else if (!LANGUAGES.includes(language)) problems.push(Errors.invalid('Language'));
  const callback = given(p, 'CallbackURL');
  if (callback === undefined) problems.push(Errors.missing('CallbackURL'));
  else if (!isHttpUrl(callback)) problems.push(Errors.invalid('CallbackURL'));
  for (const name of ['TranslateEnabled', 'AutoTerminateEnabled']) {
    const v = given(p, name);
    if (v !== undefined && v !== 'true' && v !== 'false') problems.push(Errors.invalid(name));
  }
  const targets = given(p, 'TargetLanguages');
  if (targets !== undefined && !targets.split(',').every((t) => TARGET_LANGUAGES.includes(t))) {
    problems.push(Errors.invalid('TargetLanguages'));
  }
  const delay = given(p, 'AutoTerminateDelay');
  if (delay !== undefined && !intInRange(delay, 1, 10)) problems.push(Errors.invalid('AutoTerminateDelay'));
  const interval = given(p, 'ReportInterval');
  if (interval !== undefined && !intInRange(interval, -1, 500)) problems.push(Errors.invalid('ReportInterval'));
  return problems;
}

export function checkCreate(p: Record<string, string>): void {
  const [first] = createProblems(p);
  if (first) throw first;
}

export function requireTaskId(p: Record<string, string>): string {
  const id = given(p, 'TaskId');
  if (id === undefined) throw Errors.missing('TaskId');
  return id;
}

export function optionalTaskId(p: Record<string, string>): string | undefined {
  return given(p, 'TaskId');
}
