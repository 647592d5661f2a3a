import { SpeechApiError } from '../../lib/errors';
import { RawResponse } from '../../lib/http';
import { withoutUserinfo } from '../../lib/redact';

interface BaseResp {
  status_code?: unknown;
  status_msg?: unknown;
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** `base_resp` of a parsed body, when there is one. */
export function baseRespOf(body: unknown): BaseResp | undefined {
  const b = body && typeof body === 'object' ? (body as { base_resp?: unknown }).base_resp : undefined;
  return b && typeof b === 'object' ? (b as BaseResp) : undefined;
}

/** What a `base_resp.status_code` means, in the user's words. */
export function adviceFor(code: number): string {
  if (code === 100001) return 'Unisound rejected a parameter of the request; check the options and the audio format.';
  if (code === 100002)
    return 'Unisound has no such file or task (a wrong file_id or task id, or a file not uploaded for transcription).';
  if (code === 100101 || code === 100102)
    return 'The Authorization header was missing or malformed; check the API key in the Unisound account config node.';
  if (code === 100103) return 'The API key is wrong or has expired; check it in the Unisound account config node.';
  if (code === 100104)
    return 'The Unisound account has run out of credit or resources; top it up in the Unisound console.';
  if (code === 100105) return 'This API key has no permission for the u2-asr model; enable it in the Unisound console.';
  if (code === 100106) return 'This API key is disabled; enable it or use another in the Unisound account config node.';
  if (code >= 100100 && code <= 100199)
    return 'Unisound refused the API key or the account; check both in the Unisound console.';
  if (code === 100501)
    return 'Unisound allows 20 task requests per minute per key; lower the rate or slow the flow down.';
  if (code >= 100997 && code <= 100999) return 'Unisound had an internal error or timeout; try again later.';
  if (code >= 101000 && code <= 101999)
    return 'Unisound could not handle the file (upload or file management); check the file and try again.';
  if (code >= 200000 && code <= 200099)
    return 'Unisound could not transcribe the audio; check that it is speech in a supported format, 1 s to 5 h long.';
  return '';
}

/** Retryable: throttling and internal errors; never a parameter, key or file problem. */
function isRetryable(httpStatus: number, code: number | undefined): boolean {
  if (code === 100501 || httpStatus === 429) return true;
  if (code !== undefined && code >= 100997 && code <= 100999) return true;
  return code === undefined && httpStatus >= 500;
}

/** A SpeechApiError for a `base_resp` code, with the Trace-Id as requestId. */
export function unisoundError(
  code: number,
  statusMsg: string,
  httpStatus: number | undefined,
  traceId: string | undefined,
): SpeechApiError {
  const advice = adviceFor(code);
  return new SpeechApiError({
    vendor: 'unisound',
    code: String(code),
    httpStatus,
    requestId: traceId,
    retryable: isRetryable(httpStatus ?? 200, code),
    // 100501 refuses the request, so the limiter's backoff applies even to a create.
    message: [`Unisound error ${code}${statusMsg ? ` (${clip(statusMsg)})` : ''}.`, advice].filter(Boolean).join(' '),
  });
}

/** Maps an HTTP answer to a SpeechApiError, or undefined when it is a success. */
export function toUnisoundError(res: RawResponse): SpeechApiError | undefined {
  const traceId = res.headers['trace-id'] || undefined;
  const ok = res.status >= 200 && res.status < 300;
  const body = parseJson(res.body);
  const base = baseRespOf(body);
  const code =
    base && typeof base.status_code === 'number'
      ? base.status_code
      : base && /^\d+$/.test(String(base.status_code ?? ''))
        ? Number(base.status_code)
        : undefined;
  if (ok && body && typeof body === 'object' && (code === undefined || code === 0)) return undefined;
  if (code !== undefined && code !== 0)
    return unisoundError(code, typeof base?.status_msg === 'string' ? base.status_msg : '', res.status, traceId);
  if (!body || typeof body !== 'object') {
    return new SpeechApiError({
      vendor: 'unisound',
      code: 'InvalidResponse',
      httpStatus: res.status,
      requestId: traceId,
      // A 2xx that does not parse was cut short on the way (a proxy, a dropped connection): asking again is safe for reads.
      retryable: res.status >= 500 || res.status === 429 || ok,
      message: `Unisound answered HTTP ${res.status} with a body that is not JSON; check the endpoint in the Unisound account config node.`,
    });
  }
  return new SpeechApiError({
    vendor: 'unisound',
    code: `HTTP${res.status}`,
    httpStatus: res.status,
    requestId: traceId,
    retryable: isRetryable(res.status, undefined),
    message: `Unisound answered HTTP ${res.status} without an error code.`,
  });
}

/** Shown in error texts: never a URL's password, never more than a glance. */
function clip(text: string): string {
  const s = withoutUserinfo(text);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
