import http from 'http';
import https from 'https';
import { callbackSignature } from './callback-signature';

/** Marks a request as a reachability probe: the callback node answers it 204 once verified, and emits nothing. */
export const PROBE_HEADER = 'x-speech-pipelines-probe';

export type ProbeOutcome =
  | { ok: true; verifying: true }
  | {
      ok: false;
      code: 'Unreachable' | 'NotVerifying' | 'SignatureRejected' | 'UnexpectedStatus' | 'InvalidUrl';
      status?: number;
      detail?: string;
    };

interface Answer {
  status: number;
}

/**
 * Checks, from this server, that the public callback URL reaches a callback node
 * that verifies signatures: an unsigned probe must be refused (401), a probe
 * signed with the AuthKey accepted (204). Neither carries a transcript.
 */
export async function probeCallbackUrl(
  callbackUrl: string,
  authKey: string,
  now = Date.now,
  timeoutMs = 5000,
): Promise<ProbeOutcome> {
  let url: URL;
  try {
    url = new URL(callbackUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    return { ok: false, code: 'InvalidUrl' };
  }
  try {
    const unsigned = await post(url, { [PROBE_HEADER]: '1' }, timeoutMs);
    if (unsigned.status >= 200 && unsigned.status < 300)
      return { ok: false, code: 'NotVerifying', status: unsigned.status };
    if (unsigned.status !== 401) return { ok: false, code: 'UnexpectedStatus', status: unsigned.status };
    const sigTime = String(Math.floor(now() / 1000));
    const signed = await post(
      url,
      { [PROBE_HEADER]: '1', 'SIG-TIME': sigTime, 'ASR-SIG': callbackSignature(sigTime, callbackUrl, authKey) },
      timeoutMs,
    );
    if (signed.status === 204) return { ok: true, verifying: true };
    if (signed.status === 401) return { ok: false, code: 'SignatureRejected', status: 401 };
    return { ok: false, code: 'UnexpectedStatus', status: signed.status };
  } catch (err) {
    return { ok: false, code: 'Unreachable', detail: (err as { code?: string }).code ?? 'error' };
  }
}

function post(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
  const body = '{}';
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        timeout: timeoutMs,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(body.length) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'Timeout' })));
    req.on('error', reject);
    req.end(body);
  });
}
