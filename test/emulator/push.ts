/**
 * How every emulator POSTs to a receiver (Alibaba's callbacks, Agora's notifications): loopback
 * only, since an emulator must never call out to the internet on a test's behalf; a timeout;
 * in-flight requests tracked so close() can abort them. Never rejects: the outcome is the
 * receiver's HTTP status or an error string ('refused-non-loopback', 'ECONNREFUSED', 'aborted').
 */
import http from 'http';
import https from 'https';
import { isIP } from 'net';

export const PUSH_TIMEOUT_MS = 5000;

export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./i.test(host);
  return false;
}

export interface PushOptions {
  /** Requests still running; the caller destroys them on close. */
  inflight: Set<http.ClientRequest>;
  /** True once the emulator is closing: failures then read 'aborted'. */
  closed: () => boolean;
  timeoutMs?: number;
}

export function pushTo(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: PushOptions,
): Promise<number | string> {
  if (opts.closed()) return Promise.resolve('aborted');
  if (!isLoopbackUrl(url)) return Promise.resolve('refused-non-loopback');
  return new Promise((resolve) => {
    const target = new URL(url);
    const mod = target.protocol === 'https:' ? https : http;
    let settled = false;
    const finish = (status: number | string) => {
      if (!settled) {
        settled = true;
        resolve(status);
      }
    };
    const req = mod.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        agent: false,
        // Loopback test receivers use self-signed certificates.
        rejectUnauthorized: false,
      },
      (res) => {
        finish(res.statusCode ?? 0);
        res.resume();
      },
    );
    opts.inflight.add(req);
    req.on('close', () => opts.inflight.delete(req));
    req.setTimeout(opts.timeoutMs ?? PUSH_TIMEOUT_MS, () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (err: NodeJS.ErrnoException) => finish(opts.closed() ? 'aborted' : (err.code ?? err.message)));
    req.end(body);
  });
}
