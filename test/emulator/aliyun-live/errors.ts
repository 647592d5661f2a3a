/**
 * POP error envelope and the exact gateway messages of vendor-apis.md §1.3, so a
 * client's error mapping is tested against the vendor's text, not ours.
 */
import { randomUUID } from 'crypto';

export const HOST_ID = 'live.aliyuncs.com';

export class PopError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface PopErrorBody {
  RequestId: string;
  Message: string;
  Recommend: string;
  HostId: string;
  Code: string;
}

export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

export function envelope(err: PopError, requestId: string): PopErrorBody {
  return {
    RequestId: requestId,
    Message: err.message,
    Recommend: `https://next.api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=Live`,
    HostId: HOST_ID,
    Code: err.code,
  };
}

export const Errors = {
  incompleteSignature: () =>
    new PopError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.'),
  /** Gateway-level common params (V2) use the `Missing{Param}` code family. */
  missingCommon: (param: string) => new PopError(400, `Missing${param}`, `${param} is mandatory for this action.`),
  missing: (param: string) => new PopError(400, 'MissingParameter', `${param} is mandatory for this action.`),
  invalid: (param: string) => new PopError(400, 'InvalidParameter', `The specified parameter ${param} is not valid.`),
  accessKeyNotFound: () => new PopError(400, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  securityTokenMismatch: () =>
    new PopError(400, 'InvalidSecurityToken.Mismatch', 'Specified SecurityToken mismatch with the AccessKey.'),
  timestampFormat: () =>
    new PopError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: () =>
    new PopError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.'),
  nonceUsed: () => new PopError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  signatureMismatch: () =>
    new PopError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.'),
  throttlingUser: (retryAfterSeconds?: number) =>
    new PopError(
      400,
      'Throttling.User',
      'Request was denied due to user flow control.',
      retryAfterSeconds !== undefined ? { 'x-acs-retry-after': String(retryAfterSeconds) } : {},
    ),
  internalError: () =>
    new PopError(
      500,
      'InternalError',
      'The request processing has failed due to some unknown error, exception or failure.',
    ),
  serviceUnavailable: () =>
    new PopError(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.'),
  configNotFound: (taskId: string) =>
    new PopError(400, 'ConfigNotFound', `TaskId ${taskId} not found, please check and try again later.`),
  apiNotFound: () =>
    new PopError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.'),
  bodyTooLarge: () => new PopError(400, 'InvalidParameter', 'The specified parameter body is not valid.'),
};
