import fs from 'fs';
import path from 'path';
import { Readable, Transform, TransformCallback } from 'stream';
import { SpeechApiError } from '../../lib/errors';
import { AudioFormat } from './create-params';
import { formatFromBytes, formatFromName, SNIFF_BYTES } from './format';

/** Documented upload limit. */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;

/** Audio to upload: a file on disk, bytes in memory, or a stream (read once, as it is sent). */
export type UploadSource =
  /** `roots`: when given, the file (after following links) must lie under every one of these directories. */
  | { kind: 'path'; path: string; roots?: string[] }
  | { kind: 'buffer'; buffer: Buffer; filename?: string }
  | { kind: 'stream'; stream: Readable; filename?: string };

/** A source made ready to send: its name, size when known, sniffed format and the body to stream. */
export interface PreparedUpload {
  filename: string;
  size?: number;
  format?: AudioFormat;
  body: Buffer | Readable;
  /** For streams: how many bytes went out, and whether the limit stopped it. */
  counter?: ByteCounter;
  /**
   * A fresh body from byte 0, for sending again after the vendor refused the first attempt
   * (throttling); absent for streams, which can be read only once.
   */
  reopen?(): Buffer | Readable;
  /** Closes a file or stream that was opened but not (fully) sent. */
  dispose(): void;
  /** For files: the error to report when the file did not hold its size while it was sent. */
  changed?(): SpeechApiError | undefined;
}

/**
 * Opens a source without reading it whole: sizes are checked before any byte is sent
 * (files and Buffers) or while sending (streams, stopped at the limit).
 */
export async function prepareUpload(source: UploadSource, maxBytes = MAX_UPLOAD_BYTES): Promise<PreparedUpload> {
  if (source.kind === 'buffer') {
    checkSize(source.buffer.length, maxBytes);
    const filename = safeName(source.filename) ?? 'audio';
    const buffer = source.buffer;
    return {
      filename,
      size: buffer.length,
      format: formatFromName(filename) ?? formatFromBytes(buffer.subarray(0, SNIFF_BYTES)),
      body: buffer,
      reopen: () => buffer,
      dispose: () => undefined,
    };
  }
  if (source.kind === 'path') return prepareFile(source.path, maxBytes, source.roots ?? []);
  const filename = safeName(source.filename) ?? 'audio';
  const fromName = formatFromName(filename);
  const head = fromName ? undefined : await peek(source.stream, SNIFF_BYTES);
  const counter = new ByteCounter(maxBytes);
  source.stream.on('error', (err) => counter.destroy(err));
  // The request attaches its own listener later; an error before then must not become an uncaught exception.
  counter.on('error', () => undefined);
  const body = source.stream.pipe(counter);
  return {
    filename,
    format: fromName ?? (head ? formatFromBytes(head) : undefined),
    body,
    counter,
    dispose: () => {
      source.stream.unpipe(counter);
      source.stream.destroy();
      counter.destroy();
    },
  };
}

/**
 * Counts bytes on their way out and fails the stream past the limit, so a runaway source is
 * cut off. With `exact`, the stream must carry exactly that many bytes (the length declared
 * in the request): any other count fails it, which destroys the request and its socket, so no
 * stray byte is ever read by the server as the start of another request.
 */
export class ByteCounter extends Transform {
  bytes = 0;
  tooLarge = false;
  /** Set when an `exact` length was not met: the file changed while it was sent. */
  changed = false;

  constructor(
    private readonly maxBytes: number,
    private readonly exact?: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.bytes += buf.length;
    if (this.exact !== undefined && this.bytes > this.exact) {
      this.changed = true;
      cb(new Error('upload longer than its declared length'));
      return;
    }
    if (this.bytes > this.maxBytes) {
      this.tooLarge = true;
      cb(new Error('upload over the size limit'));
      return;
    }
    cb(null, buf);
  }

  override _flush(cb: TransformCallback): void {
    if (this.exact !== undefined && this.bytes !== this.exact) {
      this.changed = true;
      cb(new Error('upload shorter than its declared length'));
      return;
    }
    cb();
  }
}

export function changedError(file: string, size: number): SpeechApiError {
  return new SpeechApiError({
    vendor: 'unisound',
    code: 'FileChanged',
    message: `The audio file ${path.basename(file)} changed size while it was uploaded (it was ${size} bytes when the upload began); upload it again once it is complete.`,
  });
}

/**
 * Opens a file to upload. Links are followed first (realpath), then the real path must lie
 * under every allowed directory given, and what is opened must be a regular file: not a directory,
 * FIFO, socket or device (opened non-blocking, so a FIFO cannot hang the node). Exactly the
 * size seen at open is sent, whatever the file does meanwhile.
 */
async function prepareFile(file: string, maxBytes: number, roots: string[]): Promise<PreparedUpload> {
  let real: string;
  try {
    real = await fs.promises.realpath(file);
  } catch (err) {
    throw fileError(file, (err as NodeJS.ErrnoException).code);
  }
  for (const root of roots) if (!(await isUnder(real, root))) throw outsideRootError(file);
  let fd: number;
  try {
    fd = await new Promise<number>((resolve, reject) =>
      fs.open(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK, (err, n) =>
        err ? reject(err) : resolve(n),
      ),
    );
  } catch (err) {
    throw fileError(file, (err as NodeJS.ErrnoException).code);
  }
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw fileError(file, stat.isDirectory() ? 'EISDIR' : 'ENOTREG');
    checkSize(stat.size, maxBytes);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  const size = stat.size;
  const filename = safeName(path.basename(file)) ?? 'audio';
  let format: AudioFormat | undefined;
  try {
    format = formatFromName(filename) ?? (await readHead(fd));
  } catch (err) {
    fs.closeSync(fd);
    throw fileError(file, (err as NodeJS.ErrnoException).code);
  }
  // One descriptor for every attempt (the file cannot be swapped between them); closed by dispose, but
  // only once no read is in flight: a descriptor closed under a pending read can be reused by the next
  // open() or socket, and the read would then land in someone else's file.
  let current: { file: fs.ReadStream; counter: ByteCounter } | undefined;
  const reading = new Set<fs.ReadStream>();
  let disposed = false;
  let released = false;
  const release = (): void => {
    if (!disposed || released || reading.size) return;
    released = true;
    fs.close(fd, () => undefined);
  };
  const open = (): ByteCounter => {
    const stream = fs.createReadStream('', {
      fd,
      // Node closes a stream's fd on destroy() even with autoClose off: these streams must not, the
      // descriptor outlives each attempt and is closed once, by release().
      fs: { read: fs.read, close: (_fd: number, cb: (err?: NodeJS.ErrnoException | null) => void) => cb(null) },
      autoClose: false,
      start: 0,
      end: size - 1,
      highWaterMark: 256 * 1024,
    });
    reading.add(stream);
    stream.once('close', () => {
      reading.delete(stream);
      release();
    });
    const counter = new ByteCounter(maxBytes, size);
    stream.on('error', (err) => counter.destroy(err));
    counter.on('error', () => undefined);
    current = { file: stream, counter };
    return stream.pipe(counter);
  };
  const stop = (): void => {
    current?.file.destroy();
    current?.counter.destroy();
  };
  const body = open();
  return {
    filename,
    size,
    format,
    body,
    get counter() {
      return current?.counter;
    },
    reopen: () => {
      stop();
      return open();
    },
    dispose: () => {
      stop();
      disposed = true;
      release();
    },
    changed: () => (current?.counter.changed ? changedError(file, size) : undefined),
  };
}

/** Whether a real path lies inside the (real) directory `root`. */
async function isUnder(real: string, root: string): Promise<boolean> {
  let base: string;
  try {
    base = await fs.promises.realpath(root);
  } catch {
    return false;
  }
  const rel = path.relative(base, real);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function outsideRootError(file: string): SpeechApiError {
  return new SpeechApiError({
    vendor: 'unisound',
    code: 'FileOutsideRoot',
    message: `The audio file ${path.basename(file)} is outside the directory this node may read (its allowed base directory); nothing was uploaded.`,
  });
}

export function tooLargeError(size: number | undefined, maxBytes: number): SpeechApiError {
  return new SpeechApiError({
    vendor: 'unisound',
    code: 'FileTooLarge',
    message: `The audio is ${size === undefined ? 'larger than' : `${size} bytes; Unisound accepts at most`} ${maxBytes} bytes (1 GB). Split or compress it first.`,
  });
}

function checkSize(size: number, maxBytes: number): void {
  if (size > maxBytes) throw tooLargeError(size, maxBytes);
  if (size === 0)
    throw new SpeechApiError({ vendor: 'unisound', code: 'EmptyFile', message: 'The audio is empty (0 bytes).' });
}

function fileError(file: string, code: string | undefined): SpeechApiError {
  const name = path.basename(file);
  const why =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'cannot be read (permission denied)'
        : code === 'EISDIR'
          ? 'is not a file'
          : code === 'ENOTREG'
            ? 'is not a regular file (a FIFO, socket or device)'
            : code === 'ELOOP'
              ? 'is a link that changed while it was opened'
              : `cannot be read (${code ?? 'error'})`;
  return new SpeechApiError({
    vendor: 'unisound',
    code: code === 'ENOENT' ? 'FileNotFound' : 'FileUnreadable',
    message: `The audio file ${name} ${why}.`,
  });
}

/** A file name fit for the multipart header (no path, no quotes or control characters). */
function safeName(name: string | undefined): string | undefined {
  const base = name
    ? path
        .basename(String(name))
        .replace(/[\x00-\x1f"\\]/g, '_')
        .slice(0, 200)
    : '';
  return base || undefined;
}

async function readHead(fd: number): Promise<AudioFormat | undefined> {
  const buf = Buffer.alloc(SNIFF_BYTES);
  const bytesRead = await new Promise<number>((resolve, reject) =>
    fs.read(fd, buf, 0, SNIFF_BYTES, 0, (err, n) => (err ? reject(err) : resolve(n))),
  );
  return formatFromBytes(buf.subarray(0, bytesRead));
}

/** Reads up to `n` leading bytes and puts them back, so the stream still starts at byte 0. */
export async function peek(stream: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < n) {
    const chunk: Buffer | string | null = stream.read();
    if (chunk !== null) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buf);
      length += buf.length;
      continue;
    }
    if (stream.readableEnded || stream.destroyed) break;
    await new Promise<void>((resolve, reject) => {
      const finish = (err?: Error): void => {
        stream.off('readable', onReadable);
        stream.off('end', onEnd);
        stream.off('error', finish);
        if (err) reject(err);
        else resolve();
      };
      const onReadable = (): void => finish();
      const onEnd = (): void => finish();
      stream.on('readable', onReadable);
      stream.on('end', onEnd);
      stream.on('error', finish);
    });
  }
  const head = Buffer.concat(chunks);
  if (head.length) stream.unshift(head);
  return head.subarray(0, n);
}
