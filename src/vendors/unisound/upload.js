"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.ByteCounter = exports.MAX_UPLOAD_BYTES = void 0;
exports.prepareUpload = prepareUpload;
exports.tooLargeError = tooLargeError;
exports.peek = peek;
const fs_1 = __importDefault(require("fs"));
const path_1 = __importDefault(require("path"));
const stream_1 = require("stream");
const errors_1 = require("../../lib/errors");
const format_1 = require("./format");
/** Documented upload limit. */
exports.MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/**
 * Opens a source without reading it whole: sizes are checked before any byte is sent
 * (files and Buffers) or while sending (streams, stopped at the limit).
 */
async function prepareUpload(source, maxBytes = exports.MAX_UPLOAD_BYTES) {
    if (source.kind === 'buffer') {
        checkSize(source.buffer.length, maxBytes);
        const filename = safeName(source.filename) ?? 'audio';
        const buffer = source.buffer;
        return { filename, size: buffer.length, format: (0, format_1.formatFromName)(filename) ?? (0, format_1.formatFromBytes)(buffer.subarray(0, format_1.SNIFF_BYTES)), body: buffer, reopen: () => buffer, dispose: () => undefined };
    }
    if (source.kind === 'path') {
        let stat;
        try {
            stat = await fs_1.default.promises.stat(source.path);
        }
        catch (err) {
            throw fileError(source.path, err.code);
        }
        if (!stat.isFile())
            throw fileError(source.path, 'EISDIR');
        checkSize(stat.size, maxBytes);
        const filename = safeName(path_1.default.basename(source.path)) ?? 'audio';
        const format = (0, format_1.formatFromName)(filename) ?? (await readHead(source.path));
        const open = () => fs_1.default.createReadStream(source.path, { highWaterMark: 256 * 1024 });
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
    const fromName = (0, format_1.formatFromName)(filename);
    const head = fromName ? undefined : await peek(source.stream, format_1.SNIFF_BYTES);
    const counter = new ByteCounter(maxBytes);
    source.stream.on('error', (err) => counter.destroy(err));
    // The request attaches its own listener later; an error before then must not become an uncaught exception.
    counter.on('error', () => undefined);
    const body = source.stream.pipe(counter);
    return {
        filename,
        format: fromName ?? (head ? (0, format_1.formatFromBytes)(head) : undefined),
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
class ByteCounter extends stream_1.Transform {
    constructor(maxBytes) {
        super();
        this.maxBytes = maxBytes;
        this.bytes = 0;
        this.tooLarge = false;
    }
    _transform(chunk, _enc, cb) {
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
exports.ByteCounter = ByteCounter;
function tooLargeError(size, maxBytes) {
    return new errors_1.SpeechApiError({
        vendor: 'unisound',
        code: 'FileTooLarge',
        message: `The audio is ${size === undefined ? 'larger than' : `${size} bytes; Unisound accepts at most`} ${maxBytes} bytes (1 GB). Split or compress it first.`,
    });
}
function checkSize(size, maxBytes) {
    if (size > maxBytes)
        throw tooLargeError(size, maxBytes);
    if (size === 0)
        throw new errors_1.SpeechApiError({ vendor: 'unisound', code: 'EmptyFile', message: 'The audio is empty (0 bytes).' });
}
function fileError(file, code) {
    const name = path_1.default.basename(file);
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : code === 'EISDIR' ? 'is not a file' : `cannot be read (${code ?? 'error'})`;
    return new errors_1.SpeechApiError({ vendor: 'unisound', code: code === 'ENOENT' ? 'FileNotFound' : 'FileUnreadable', message: `The audio file ${name} ${why}.` });
}
/** A file name fit for the multipart header (no path, no quotes or control characters). */
function safeName(name) {
    const base = name ? path_1.default.basename(String(name)).replace(/[\x00-\x1f"\\]/g, '_').slice(0, 200) : '';
    return base || undefined;
}
async function readHead(file) {
    const fh = await fs_1.default.promises.open(file, 'r');
    try {
        const buf = Buffer.alloc(format_1.SNIFF_BYTES);
        const { bytesRead } = await fh.read(buf, 0, format_1.SNIFF_BYTES, 0);
        return (0, format_1.formatFromBytes)(buf.subarray(0, bytesRead));
    }
    finally {
        await fh.close();
    }
}
/** Reads up to `n` leading bytes and puts them back, so the stream still starts at byte 0. */
async function peek(stream, n) {
    const chunks = [];
    let length = 0;
    while (length < n) {
        const chunk = stream.read();
        if (chunk !== null) {
            const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
            chunks.push(buf);
            length += buf.length;
            continue;
        }
        if (stream.readableEnded || stream.destroyed)
            break;
        await new Promise((resolve, reject) => {
            const finish = (err) => {
                stream.off('readable', onReadable);
                stream.off('end', onEnd);
                stream.off('error', finish);
                if (err)
                    reject(err);
                else
                    resolve();
            };
            const onReadable = () => finish();
            const onEnd = () => finish();
            stream.on('readable', onReadable);
            stream.on('end', onEnd);
            stream.on('error', finish);
        });
    }
    const head = Buffer.concat(chunks);
    if (head.length)
        stream.unshift(head);
    return head.subarray(0, n);
}
