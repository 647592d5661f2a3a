import { SpeechApiError } from '../../lib/errors';
import { redactSecrets } from '../../lib/redact';
import { RawResponse } from '../../lib/http';

/** What an Alibaba Cloud product's client tells its errors: whose config node, which RAM service, its quota. */
export interface AliyunProduct {
  /** The config node as the user sees it, e.g. "Alibaba Cloud Live". */
  configName: string;
  /** The RAM service prefix of its actions, e.g. "live" for live:CreateRtcAsrTask. */
  ramService: string;
  /** The documented per-account quota of its APIs (requests per second). */
  requestsPerSecond: number;
  /** Advice for codes only this product answers with. */
  advice?: Record<string, string>;
}

/** What to do about the gateway's common codes, in the user's words; the vendor's own Message follows. */
function adviceFor(code: string, product: AliyunProduct): string | undefined {
  const config = `the ${product.configName} config node`;
  const slowDown = `Alibaba Cloud allows ${product.requestsPerSecond} requests per second per account; slow the flow down.`;
  const common: Record<string, string> = {
    'InvalidAccessKeyId.NotFound': `Check the AccessKey ID in ${config}.`,
    'InvalidAccessKeyId.Inactive': 'This AccessKey is disabled; enable it or use another in the config node.',
    SignatureDoesNotMatch: `Check the AccessKey secret in ${config}.`,
    IncompleteSignature: 'The request signature was incomplete; check the endpoint points at an Alibaba Cloud API.',
    'InvalidTimeStamp.Expired': "This machine's clock is more than 15 minutes off; synchronise it (NTP).",
    SignatureNonceUsed: 'A request was replayed; it was not sent twice on purpose.',
    'InvalidSecurityToken.Expired': 'The STS security token has expired; refresh it in the config node.',
    'InvalidSecurityToken.Mismatch': 'The STS security token does not belong to this AccessKey.',
    Throttling: slowDown,
    'Throttling.User': slowDown,
    'Throttling.Api': 'This API is being rate limited by Alibaba Cloud; slow the flow down.',
    'Forbidden.RAM': `The RAM user lacks permission for this ${product.ramService}:* action; grant it in the RAM console.`,
    InternalError: 'Alibaba Cloud had a server error; try again later.',
    ServiceUnavailable: 'Alibaba Cloud is temporarily unavailable; try again later.',
  };
  return product.advice?.[code] ?? common[code];
}

interface ErrorBody {
  Code?: string;
  code?: string;
  Message?: string;
  message?: string;
  RequestId?: string;
  requestId?: string;
  RetCode?: number;
  Description?: string;
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * Alibaba's POP gateway answers every error with a JSON envelope holding Code, Message and
 * RequestId. Anything else came from some other server at the configured endpoint, and the
 * message says so instead of blaming Alibaba Cloud.
 */
function isPopEnvelope(body: ErrorBody | undefined): boolean {
  return (
    !!body && typeof (body.Code ?? body.code) === 'string' && typeof (body.RequestId ?? body.requestId) === 'string'
  );
}

/** Maps an Alibaba POP response to a SpeechApiError, or undefined when it is a success. */
export function toAliyunError(
  res: RawResponse,
  product: AliyunProduct,
  host = 'the endpoint',
  secrets: ReadonlyArray<string | undefined> = [],
): SpeechApiError | undefined {
  const parsed = parseJson(res.body);
  const body = (parsed && typeof parsed === 'object' ? parsed : undefined) as ErrorBody | undefined;
  const requestId = body?.RequestId ?? body?.requestId;
  const ok = res.status >= 200 && res.status < 300;
  if (ok && body && (body.RetCode === undefined || body.RetCode === 2000)) return undefined;
  if (!body) {
    return new SpeechApiError({
      vendor: 'aliyun',
      code: 'InvalidResponse',
      httpStatus: res.status,
      retryable: res.status >= 500 || ok,
      message: `${host} answered HTTP ${res.status} with a body that is not JSON, so it is not an Alibaba Cloud API; check the endpoint in the config node.`,
    });
  }
  if (!ok && !isPopEnvelope(body)) {
    return new SpeechApiError({
      vendor: 'aliyun',
      code: `HTTP${res.status}`,
      httpStatus: res.status,
      retryable: res.status >= 500,
      message: `${host} answered HTTP ${res.status} without an Alibaba Cloud error code, so it is probably not an Alibaba Cloud API; check the endpoint in the config node.`,
    });
  }
  if (ok) {
    return new SpeechApiError({
      vendor: 'aliyun',
      code: `RetCode.${body.RetCode}`,
      httpStatus: res.status,
      requestId,
      message: redactSecrets(
        `Alibaba Cloud refused the request (RetCode ${body.RetCode}): ${body.Description ?? 'no description'}.`,
        secrets,
      ),
    });
  }
  const code = redactSecrets(String(body.Code ?? body.code ?? `HTTP${res.status}`), secrets);
  // A bad signature is answered with the gateway's string to sign, which holds the AccessKey ID and any STS token.
  const vendorMessage = (body.Message ?? body.message ?? '').replace(/\s*server string to sign is:[\s\S]*$/i, '');
  const retryAfter = Number(res.headers['x-acs-retry-after']);
  const throttled = /^Throttling/.test(code);
  const advice = adviceFor(code, product);
  return new SpeechApiError({
    vendor: 'aliyun',
    code,
    httpStatus: res.status,
    requestId,
    retryable: throttled || res.status >= 500,
    retryAfter: Number.isInteger(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    // A gateway or proxy that echoes the request would otherwise put the STS token into the message.
    message: redactSecrets([`${code}: ${vendorMessage}`.trim(), advice].filter(Boolean).join(' '), secrets),
  });
}
