/**
 * `POST /v1/files/upload`, streamed through busboy: the file part is hashed and
 * counted as it arrives and never held whole in memory (unless the emulator was
 * asked to keep uploads). The size limit is enforced while streaming.
 *
 * [I] Decisions where the docs are silent:
 * - Parts other than `purpose` and `file` are ignored when they are text, refused when
 *   they are files; a second `file` part is refused; a `file` part without a filename
 *   is refused; an empty file is refused (the docs require at least 1 s of audio).
 * - Oversize (> maxUploadBytes, default 1 GiB): the 400 100001 is sent at once, then
 *   the rest of the body is DRAINED (read and discarded, no hashing) so the client can
 *   read the answer and the connection stays usable. `oversize: 'destroy'` instead
 *   closes the socket once the answer is written, as some gateways do.
 */
import { createHash } from 'crypto';
import type { IncomingMessage } from 'http';
import busboy from 'busboy';
import { Errors, UnisoundError } from './errors';
import { UPLOAD_PURPOSE } from './validate';

export interface UploadedFile {
  purpose: string;
  filename: string;
  contentType?: string;
  bytes: number;
  sha256: string;
  content?: Buffer;
}

export interface UploadOptions {
  maxUploadBytes: number;
  keep: boolean;
  oversize: 'drain' | 'destroy';
}

export type UploadOutcome =
  | { ok: true; file: UploadedFile }
  | { ok: false; error: UnisoundError; afterReply?: () => void }
  /** The client went away mid-body: nobody to answer. */
  | { ok: false; aborted: true };

export function receiveUpload(
  req: IncomingMessage,
  o: UploadOptions,
  seen: Record<string, string>,
): Promise<UploadOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (out: UploadOutcome) => {
      if (settled) return;
      settled = true;
      resolve(out);
    };
    const refuse = (problems: string[]) => {
      req.unpipe();
      req.resume();
      settle({ ok: false, error: Errors.invalidParams(problems) });
    };

    let bb: busboy.Busboy;
    try {
      // busboy fires 'limit' on reaching fileSize, so +1 lets a file of exactly the maximum through.
      // [I] Filenames are UTF-8 (form-data and browsers send raw UTF-8 bytes).
      bb = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fileSize: o.maxUploadBytes + 1 } });
    } catch {
      refuse(['Content-Type must be multipart/form-data with a boundary']);
      return;
    }

    const problems: string[] = [];
    let purpose: string | undefined;
    let file: UploadedFile | undefined;
    let fileDone: Promise<void> = Promise.resolve();

    bb.on('field', (name, value) => {
      if (name === 'purpose') {
        if (purpose !== undefined) problems.push('purpose must be given once');
        purpose = value;
        seen.purpose = value;
      } else if (name === 'file') {
        problems.push('file part must have a filename');
      }
    });

    bb.on('file', (name, stream, info) => {
      if (name !== 'file' || file) {
        problems.push(name !== 'file' ? `unexpected file part ${name}` : 'only one file part is allowed');
        stream.resume();
        return;
      }
      const current: UploadedFile = {
        purpose: '',
        filename: info.filename ?? '',
        contentType: info.mimeType,
        bytes: 0,
        sha256: '',
      };
      file = current;
      seen.filename = info.filename ?? '';
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => {
        current.bytes += c.length;
        hash.update(c);
        if (o.keep) chunks.push(c);
      });
      stream.on('limit', () => {
        seen.bytes = `>${o.maxUploadBytes}`;
        const error = Errors.invalidParams([`file must be at most ${o.maxUploadBytes} bytes`]);
        req.unpipe(bb);
        if (o.oversize === 'drain') {
          req.resume();
          settle({ ok: false, error });
        } else {
          settle({ ok: false, error, afterReply: () => req.socket.destroy() });
        }
      });
      fileDone = new Promise((done) =>
        stream.on('end', () => {
          current.sha256 = hash.digest('hex');
          if (o.keep) current.content = Buffer.concat(chunks);
          seen.bytes = String(current.bytes);
          done();
        }),
      );
    });

    bb.on('error', () => refuse(['malformed multipart body']));
    bb.on('close', () => {
      void fileDone.then(() => {
        if (purpose === undefined) problems.push('purpose is required');
        else if (purpose !== UPLOAD_PURPOSE) problems.push(`purpose must be ${UPLOAD_PURPOSE}`);
        if (!file) problems.push('file is required');
        else if (file.bytes === 0) problems.push('file must not be empty');
        if (problems.length > 0 || !file) settle({ ok: false, error: Errors.invalidParams(problems) });
        else settle({ ok: true, file: { ...file, purpose: purpose as string } });
      });
    });
    req.on('aborted', () => settle({ ok: false, aborted: true }));
    req.on('close', () => {
      if (!req.complete) settle({ ok: false, aborted: true });
    });
    req.pipe(bb);
  });
}
