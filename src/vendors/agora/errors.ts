import { SpeechApiError } from '../../lib/errors';
import { RawResponse } from '../../lib/http';

/** Agora's documented error sentences, mapped to a stable code when the body carries none. */
const MESSAGE_CODES: Array<[RegExp, string]> = [
  [/invalid authentication credentials/i, 'InvalidCredentials'],
  [/token is expired/i, 'TokenExpired'],
  [/invalid token/i, 'InvalidToken'],
  [/reaches out the limited time interval/i, 'BuilderTokenExpired'],
  [/invalid_appid/i, 'NotEnabled'],
  [/product name does not match|taskid does not match with buildertoken/i, 'BuilderTokenMismatch'],
  [/task is not found/i, 'TaskNotFound'],
  [/has been started/i, 'TaskAlreadyStarted'],
  [/task conflict/i, 'TaskConflict'],
  [/body schema check fail/i, 'InvalidParameter'],
];

const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  422: 'QuotaExceeded',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** What to do, in the user's words; the vendor's own text comes first. */
const ADVICE: Record<string, string> = {
  InvalidCredentials:
    'Check the customer ID and customer secret in the Agora config node (Agora Console → RESTful API).',
  Unauthorized: 'Check the customer ID and customer secret in the Agora config node (Agora Console → RESTful API).',
  TokenExpired: 'The RTC token has expired; build a new one.',
  InvalidToken: 'The RTC token is not valid for this App ID; check the App ID and App Certificate.',
  BuilderTokenExpired: 'The builder token is older than 5 minutes; start the task again (a new token is acquired).',
  NotEnabled: 'Real-time STT is not enabled for this App ID; enable it in Agora Console, and check the App ID.',
  BuilderTokenMismatch:
    'The builder token does not belong to this task or app; pass the builderToken returned by start unchanged.',
  TaskNotFound: 'No such task: it has ended, never existed, or belongs to another App ID.',
  NotFound: 'No such task: it has ended, never existed, or belongs to another App ID.',
  TaskAlreadyStarted: 'This builder token has already started a task; acquire a new one (start again) for a new task.',
  TaskConflict: 'This name or channel already has a task; use a new name, or stop the running task first.',
  Conflict: 'This name or channel already has a task; use a new name, or stop the running task first.',
  InvalidParameter: 'Agora rejected a parameter of the request; correct it and try again.',
  QuotaExceeded:
    'The project has reached a quota (for example concurrent tasks); stop unused tasks or ask Agora to raise it.',
  TooManyRequests: 'Agora is rate limiting this project; slow the flow down.',
  Agora2: 'Agora rejected a parameter of the request; correct it and try again.',
  Agora20: 'Agora timed out processing the request; it is retried after 3 s, then 6 s.',
  Agora49: 'This builder token already started a task, or the task was already stopped.',
  Agora53: 'The task ID does not match the builder token; pass the builderToken returned by start unchanged.',
  Agora62: 'Real-time STT is not enabled for this App ID (or the network failed); enable it in Agora Console.',
  Agora404: 'The task has already ended.',
  Agora1001: 'The builder token cannot be parsed; pass the builderToken returned by start unchanged.',
  Agora1003: 'The App ID or task ID does not match the builder token.',
  InternalError: 'Agora had a server error; try again later.',
  BadGateway: 'Agora had a server error; try again later.',
  ServiceUnavailable: 'Agora is temporarily unavailable; try again later.',
  GatewayTimeout: 'Agora did not answer in time; try again later.',
};

/** Documented "retry with back-off" codes (common-errors: 20, 501, 502, 504). */
const RETRYABLE_CODES = new Set(['Agora20', 'Agora501', 'Agora502', 'Agora504']);
const REQUEST_ID_HEADERS = ['x-request-id', 'x-agora-request-id', 'request-id', 'x-trace-id'];
const MAX_VENDOR_TEXT = 300;

interface ErrorBody {
  message?: unknown;
  detail?: unknown;
  reason?: unknown;
  code?: unknown;
  request_id?: unknown;
  requestId?: unknown;
  taskId?: unknown;
  agent_id?: unknown;
  tokenName?: unknown;
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Maps an Agora response to a SpeechApiError, or undefined when it is a success. */
export function toAgoraError(res: RawResponse): SpeechApiError | undefined {
  const parsed = parseJson(res.body);
  const body = (parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined) as
    ErrorBody | undefined;
  const ok = res.status >= 200 && res.status < 300;
  if (ok && !body && res.body.trim() !== '') {
    // A cut-off or garbled answer (a proxy, a dropped connection): worth repeating for reads.
    return new SpeechApiError({
      vendor: 'agora',
      code: 'InvalidResponse',
      httpStatus: res.status,
      requestId: requestIdOf(res, undefined),
      retryable: true,
      message: `Agora answered HTTP ${res.status} with a body that is not a JSON object; check the endpoint in the config node.`,
    });
  }
  if (ok && !refusedWith2xx(res.status, body)) return undefined;
  const requestId = requestIdOf(res, body);
  const vendorText = textOf(body);
  const code = codeOf(res.status, body, vendorText);
  const retryable = res.status >= 500 || res.status === 429 || RETRYABLE_CODES.has(code);
  const retryAfterHeader = Number(res.headers['retry-after']);
  const retryAfter =
    Number.isInteger(retryAfterHeader) && retryAfterHeader > 0 ? retryAfterHeader : code === 'Agora20' ? 3 : undefined;
  const advice = ADVICE[code] ?? (res.status >= 500 ? ADVICE.InternalError : undefined);
  const said = vendorText
    ? `: ${vendorText}`
    : body
      ? ''
      : ' with a body that is not JSON; check the endpoint in the config node';
  return new SpeechApiError({
    vendor: 'agora',
    code,
    httpStatus: res.status,
    requestId,
    retryable,
    retryAfter,
    message: [sentence(`Agora answered HTTP ${res.status} ${code}${said}`), advice].filter(Boolean).join(' '),
  });
}

/** 201 "already running" and 206 "no host streamed" arrive as 2xx but carry a message, not a task. */
function refusedWith2xx(status: number, body: ErrorBody | undefined): boolean {
  if (status === 200 || !body) return false;
  const hasResult = body.taskId !== undefined || body.agent_id !== undefined || body.tokenName !== undefined;
  return !hasResult && (body.message !== undefined || body.code !== undefined);
}

function codeOf(status: number, body: ErrorBody | undefined, text: string): string {
  const reason = typeof body?.reason === 'string' ? body.reason.trim() : '';
  if (/^[A-Za-z][A-Za-z0-9_.]{1,63}$/.test(reason)) return reason;
  const numeric =
    typeof body?.code === 'number'
      ? body.code
      : typeof body?.code === 'string' && /^\d+$/.test(body.code)
        ? Number(body.code)
        : undefined;
  if (numeric !== undefined) return `Agora${numeric}`;
  for (const [pattern, code] of MESSAGE_CODES) if (pattern.test(text)) return code;
  return STATUS_CODES[status] ?? `HTTP${status}`;
}

function textOf(body: ErrorBody | undefined): string {
  if (!body) return '';
  const parts = [body.message, body.detail, body.reason].filter(
    (p): p is string => typeof p === 'string' && p.trim() !== '',
  );
  const unique = [...new Set(parts.map((p) => p.trim()))];
  const text = unique.join(' / ').replace(/[\r\n\t]+/g, ' ');
  return text.length > MAX_VENDOR_TEXT ? `${text.slice(0, MAX_VENDOR_TEXT)}…` : text;
}

function requestIdOf(res: RawResponse, body: ErrorBody | undefined): string | undefined {
  for (const h of REQUEST_ID_HEADERS) if (res.headers[h]) return res.headers[h];
  const fromBody = body?.request_id ?? body?.requestId;
  return typeof fromBody === 'string' ? fromBody : undefined;
}

function sentence(s: string): string {
  return /[.!?…]$/.test(s) ? s : `${s}.`;
}
