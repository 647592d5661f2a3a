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
  | { kind: 'path'; path: string }
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
  if (source.kind === 'path') {
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(source.path);
    } catch (err) {
      throw fileError(source.path, (err as NodeJS.ErrnoException).code);
    }
    if (!stat.isFile()) throw fileError(source.path, 'EISDIR');
    checkSize(stat.size, maxBytes);
    const filename = safeName(path.basename(source.path)) ?? 'audio';
    const format = formatFromName(filename) ?? (await readHead(source.path));
    const open = (): fs.ReadStream => fs.createReadStream(source.path, { highWaterMark: 256 * 1024 });
    let current = open();
    return {
      filename,
      size: stat.size,
      format,
      body: current,
      reopen: () => {
        current.destroy();
        current = open();
        return current;
      },
      dispose: () => current.destroy(),
    };
  }
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

/** Counts bytes on their way out and fails the stream past the limit, so a runaway source is cut off. */
export class ByteCounter extends Transform {
  bytes = 0;
  tooLarge = false;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.bytes += buf.length;
    if (this.bytes > this.maxBytes) {
      this.tooLarge = true;
      cb(new Error('upload over the size limit'));
      return;
    }
    cb(null, buf);
  }
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

async function readHead(file: string): Promise<AudioFormat | undefined> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return formatFromBytes(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
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
