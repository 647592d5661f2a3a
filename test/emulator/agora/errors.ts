/**
 * The vendor's error bodies (vendor-apis.md §2.5, §5.2). v7 answers `{detail, reason}`;
 * v6 answers `{message}` or `{code, reason}`. Statuses the docs leave open are marked [I].
 */
export type ApiVersion = 'v7' | 'v6';

export class AgoraError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    /** Short tag for the request log: the v7 reason, the v6 code, or the v6 message. */
    readonly code: string,
  ) {
    super(code);
  }
}

function v7(status: number, detail: string, reason: string): AgoraError {
  return new AgoraError(status, { detail, reason }, reason);
}

function v6Message(status: number, message: string): AgoraError {
  return new AgoraError(status, { message }, message);
}

function v6Code(status: number, code: number, reason: string): AgoraError {
  return new AgoraError(status, { code, reason }, String(code));
}

export const INVALID_CREDENTIALS = 'Invalid authentication credentials';

export const Errors = {
  /** Same body on both versions (common-errors.mdx). */
  unauthorized: () => v6Message(401, INVALID_CREDENTIALS),
  /** STT not enabled for this App ID; v6 adds code 62 (acquire's "not enabled") [I]. */
  invalidAppId: (api: ApiVersion) =>
    api === 'v7'
      ? v6Message(400, 'invalid_appid!')
      : new AgoraError(400, { code: 62, message: 'invalid_appid!' }, 'invalid_appid!'),
  /** [I] Unknown route or method. */
  notFoundRoute: (api: ApiVersion | undefined) =>
    api === 'v7' ? v7(404, 'Not Found', 'NotFound') : v6Message(404, 'Not Found'),

  // v7
  /** [I] Validation failures: the docs give the envelope, not the reason string. */
  v7Invalid: (detail: string) => v7(400, detail, 'InvalidArgument'),
  /** [I] A bot token that does not verify. */
  v7InvalidToken: (detail: string) => v7(400, detail, 'InvalidToken'),
  /** [C-3p] Agora's agent APIs answer a duplicate name like this; status [I]. */
  taskConflict: () => v7(409, 'task conflict', 'TaskConflict'),
  /** [I] Unknown agent, and leave/update of an agent that already stopped. */
  agentNotFound: () => v7(404, 'agent not found', 'NotFound'),
  /** [I] Update sooner than the documented 5 s after join or the previous update. */
  v7UpdateTooSoon: (waitMs: number) =>
    v7(429, `update too frequent, retry after ${Math.ceil(waitMs)} ms`, 'TooManyRequests'),

  // v6
  schema: (which: string) => v6Message(400, `body schema check fail, ${which}`),
  builderTokenExpired: () => v6Message(400, 'resourceId reaches out the limited time interval!'),
  builderTokenUnparseable: () => v6Code(400, 1001, 'tokenName can not be parsed'),
  builderTokenOtherApp: () => v6Code(400, 1003, 'appId or taskId does not match with tokenName'),
  /** [I] 409 with the documented text (201 and code 49 are the other documented answers). */
  alreadyStarted: (taskId: string) =>
    v6Message(409, `The task has been started, current status is STARTED, taskId is ${taskId}`),
  taskTokenMismatch: () => v6Code(400, 53, 'The taskId does not match with builderToken.'),
  /** [I] status 400 for a repeated stop. */
  stopRepeated: () => v6Code(400, 49, 'The task has been stopped.'),
  taskNotFound: () => v6Message(404, 'The task is not found'),
  v6UpdateTooSoon: (waitMs: number) => v6Message(429, `update too frequent, retry after ${Math.ceil(waitMs)} ms`),
  /** [I] Non-increasing sequenceId. */
  v6SequenceId: (last: number) => v6Code(400, 2, `sequenceId must be greater than ${last}`),
};

/** Fault bodies [I]: what a gateway in front of either API would answer. */
export function faultError(kind: 'throttle' | 'http500' | 'http503', api: ApiVersion | undefined): AgoraError {
  if (api === 'v7') {
    if (kind === 'throttle') return v7(429, 'too many requests', 'TooManyRequests');
    if (kind === 'http500') return v7(500, 'internal error', 'InternalError');
    return v7(503, 'service unavailable', 'ServiceUnavailable');
  }
  if (kind === 'throttle') return v6Message(429, 'Too Many Requests');
  if (kind === 'http500') return v6Code(500, 1, 'internal error');
  return v6Message(503, 'Service Unavailable');
}

/** 'invalidJson': a 200 cut off mid-body, shaped like the version's success reply. */
export function truncatedBody(api: ApiVersion | undefined): string {
  return api === 'v7' ? '{"agent_id":"1NT29X11GQS' : '{"taskId":"5a6d56bb1bcc8d97","createTs":17';
}
