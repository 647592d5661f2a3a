import { redactSecrets } from './redact';
export type Vendor = 'aliyun' | 'aliyun-ims' | 'agora' | 'unisound';

export interface SpeechApiErrorInit {
  vendor: Vendor;
  code: string;
  message: string;
  httpStatus?: number;
  requestId?: string;
  retryable?: boolean;
  /** Seconds the vendor asked us to wait before retrying. */
  retryAfter?: number;
  /** Problems found before sending (validation errors), one per field. */
  problems?: Problem[];
}

/** One reason a request was refused before it was sent. */
export interface Problem {
  field: string;
  /** Stable key for i18n: `validation.<rule>`. */
  rule: string;
  message: string;
  params?: Record<string, string | number>;
}

/**
 * The one error type every vendor client throws. It deliberately carries no
 * request, headers or config: HTTP client errors hold the Authorization header,
 * and anything reachable from an error can end up in a Catch node's msg or a log.
 */
export class SpeechApiError extends Error {
  readonly vendor: Vendor;
  readonly code: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
  readonly retryable: boolean;
  readonly retryAfter?: number;
  readonly problems?: Problem[];

  constructor(init: SpeechApiErrorInit) {
    super(init.message);
    this.name = 'SpeechApiError';
    this.vendor = init.vendor;
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.requestId = init.requestId;
    this.retryable = init.retryable ?? false;
    this.retryAfter = init.retryAfter;
    this.problems = init.problems;
  }

  /**
   * Node-RED builds a Catch node's msg.error.message and its log line from toString(); the
   * message is written for the person at the editor, so the class name stays out of it.
   */
  override toString(): string {
    return this.message;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      vendor: this.vendor,
      code: this.code,
      message: this.message,
      httpStatus: this.httpStatus,
      requestId: this.requestId,
      retryable: this.retryable,
      problems: this.problems,
    };
  }
}

export function validationError(vendor: Vendor, problems: Problem[]): SpeechApiError {
  return new SpeechApiError({
    vendor,
    code: 'InvalidInput',
    message: joinProblems(problems.map((p) => p.message)),
    problems,
  });
}

/** Problem sentences end with their own full stop; they read as one paragraph. */
export function joinProblems(messages: string[]): string {
  return messages.join(' ');
}

/**
 * The error with every secret gone from its message, code and request id, as sent and in the
 * encodings a request carries it in: vendors and proxies echo rejected fields and headers, and
 * a code (Agora's `reason`) is shown and logged as much as a message. Anything else is returned as is.
 */
export function withoutSecrets(err: unknown, secrets: ReadonlyArray<unknown>): unknown {
  if (!(err instanceof SpeechApiError)) return err;
  const known = secrets.filter((s): s is string => typeof s === 'string');
  const message = redactSecrets(err.message, known);
  const code = redactSecrets(err.code, known);
  const requestId = err.requestId === undefined ? undefined : redactSecrets(err.requestId, known);
  if (message === err.message && code === err.code && requestId === err.requestId) return err;
  return new SpeechApiError({
    vendor: err.vendor,
    // A code that held a secret says nothing else worth keeping: the HTTP status stands in for it.
    code: code === err.code ? code : `HTTP${err.httpStatus ?? ''}`,
    message,
    httpStatus: err.httpStatus,
    requestId: requestId === err.requestId ? requestId : undefined,
    retryable: err.retryable,
    retryAfter: err.retryAfter,
    problems: err.problems,
  });
}
