/**
 * The `base_resp` envelope and the status codes of vendor-apis.md §3.3. The HTTP
 * status of each code is only partly documented; the ones marked [I] are ours.
 */
import { randomBytes } from 'crypto';

export interface BaseResp {
  status_code: number;
  status_msg: string;
}

export const OK: BaseResp = Object.freeze({ status_code: 0, status_msg: 'success' }) as BaseResp;

export class UnisoundError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  get baseResp(): BaseResp {
    return { status_code: this.code, status_msg: this.message };
  }
}

/** [I] 32 lowercase hex characters; the docs only say the header exists and is quoted in support requests. */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

const err = (status: number, code: number, msg: string) => new UnisoundError(status, code, msg);

export const Errors = {
  /** 100001: the message names every offending field. */
  invalidParams: (problems: string[]) => err(400, 100001, `invalid params: ${problems.join('; ')}`),
  /** [I] HTTP 400: the docs give no status for 100002. */
  notFound: (what: string) => err(400, 100002, `data not found: ${what}`),
  /** [I] 404 with 100002 for a path the API does not have. */
  noRoute: (method: string, path: string) => err(404, 100002, `data not found: no route ${method} ${path}`),
  authMissing: () => err(401, 100101, 'authentication failed: missing Authorization header'),
  authMalformed: () => err(401, 100102, 'authentication failed: Authorization must be "Bearer <API key>"'),
  keyInvalid: () => err(401, 100103, 'invalid or expired API key'),
  noCredit: () => err(401, 100104, 'insufficient account resources or credits'),
  noModel: () => err(401, 100105, 'no permission for the model'),
  keyDisabled: () => err(401, 100106, 'API key disabled'),
  rateLimited: () => err(429, 100501, 'triggered RPM rate limit'),
  internal: () => err(500, 100999, 'internal system error'),
  /** [I] 503 keeps the internal-error code: §3.3 lists only 100997–100999 for 5xx. */
  unavailable: () => err(503, 100999, 'service temporarily unavailable'),
};
