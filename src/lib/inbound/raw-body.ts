import type { IncomingMessage } from 'http';

/** Why a body could not be read: 413 over the limit, 400 cut short, 415 a compressed body. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly reason: 'tooLarge' | 'aborted' | 'encoding',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a request body as the exact bytes received, counting them as they arrive: a chunked
 * body declares no length, so a guard on Content-Length alone lets any size through. Over the
 * limit it keeps nothing more and discards the rest (see discardRest).
 */
export function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity')
      return reject(new BodyError(415, 'encoding', `content-encoding ${encoding.slice(0, 32)} is not accepted`));
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return reject(tooLarge(declared, limit));
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onError);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        cleanup();
        chunks.length = 0;
        discardRest(req);
        return reject(tooLarge(received, limit));
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (): void => {
      cleanup();
      reject(new BodyError(400, 'aborted', 'the body was cut short'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onError);
  });
}

function tooLarge(bytes: number, limit: number): BodyError {
  return new BodyError(413, 'tooLarge', `body of ${bytes} bytes or more is over the ${limit}-byte limit`);
}

/** Past this many discarded bytes the connection is cut: draining is for honest clients. */
const DISCARD_CAP = 16 * 1024 * 1024;

/**
 * Reads and drops the rest of a refused body. Closing at once instead would reset a client still
 * sending, and a reset can destroy the 413 before the client reads it; draining keeps the answer
 * readable and the connection reusable. Bounded: a sender that goes on past DISCARD_CAP is cut off.
 */
const draining = new WeakSet<IncomingMessage>();

export function discardRest(req: IncomingMessage): void {
  if (req.readableEnded || draining.has(req)) return;
  draining.add(req);
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_CAP) req.socket.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
}
