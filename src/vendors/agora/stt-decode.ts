/**
 * Turns what Agora's Real-time STT bot pushes into the channel (RTC `stream-message` data from
 * the pubBotUid) into TranscriptEvents. No Node-RED, no I/O; the only state is the optional
 * SettledSegments memory that keeps a repeated settled segment from being sent final twice.
 *
 * Formats (vendor-apis.md §2.7; AgoraIO/docs-portal `…/process-transcription-data/parse-data.mdx`):
 * - protobuf `Agora.SpeechToText.Text` (the default), read in stt-protobuf.ts;
 * - with `enableJsonProtocol: true`, gzip-compressed JSON `{transcript|translation}`, read in
 *   stt-json.ts; plain UTF-8 JSON is accepted too [I], for apps that forward the text inflated.
 *
 * Several segments in one message (v7.2.3) make at most two events: the settled segments one final
 * event (once per sentence and segment when a memory is given), the others one interim event,
 * both carrying the sentence identity as `sentenceIndex` (stt-segments.ts).
 */
import zlib from 'zlib';
import { DEFAULT_MAX_DEPTH, deeperThan, readJson } from '../../lib/inbound/json-reader';
import { isPlainObject } from '../../lib/merge';
import { TranscriptEvent } from '../../lib/transcript';
import { fromJsonProtocol } from './stt-json';
import { fromProtobuf } from './stt-protobuf';
import { SettledSegments } from './stt-segments';
import { UndecodableSubtitleError } from './stt-undecodable';

export { joinSegments } from './stt-text';
export { SettledSegments } from './stt-segments';
export { UNDECODABLE_CODE, UndecodableSubtitleError } from './stt-undecodable';
export type { UndecodableReason } from './stt-undecodable';

export type SttProtocol = 'auto' | 'protobuf' | 'json';
export const STT_PROTOCOLS: readonly SttProtocol[] = ['auto', 'protobuf', 'json'];

/**
 * An RTC data-stream message is at most 1 KB [C: Agora RTC `sendStreamMessage` limit]; far larger
 * input is something else [I]. Inflated JSON is capped too, so a gzip bomb cannot exhaust memory.
 */
export const MAX_INPUT_BYTES = 256 * 1024;
export const MAX_JSON_BYTES = 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

type Input = { bytes: Buffer } | { json: unknown };

/** Buffer, Uint8Array, ArrayBuffer, byte array, `{type:"Buffer",data}`, base64 or JSON text, or a parsed JSON message. */
function normalize(payload: unknown): Input {
  if (Buffer.isBuffer(payload)) return { bytes: payload };
  if (payload instanceof Uint8Array)
    return { bytes: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) };
  if (payload instanceof ArrayBuffer) return { bytes: Buffer.from(payload) };
  if (Array.isArray(payload)) return { bytes: fromByteArray(payload) };
  if (typeof payload === 'string') return fromString(payload);
  if (isPlainObject(payload)) {
    if (payload.type === 'Buffer' && Array.isArray(payload.data)) return { bytes: fromByteArray(payload.data) };
    if ('transcript' in payload || 'translation' in payload) {
      // Already parsed elsewhere: bounded all the same, or the clone in send() overflows the stack.
      if (deeperThan(payload, DEFAULT_MAX_DEPTH)) throw tooDeep();
      return { json: payload };
    }
  }
  const what = payload === null ? 'null' : Array.isArray(payload) ? 'array' : typeof payload;
  throw new UndecodableSubtitleError(
    'badType',
    `msg.payload is ${what === 'object' ? 'an object without "transcript" or "translation"' : `a ${what}`}; expected a Buffer, a base64 string or a byte array`,
  );
}

function fromByteArray(values: unknown[]): Buffer {
  if (values.length > MAX_INPUT_BYTES) throw tooLarge(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
      throw new UndecodableSubtitleError('badType', `byte ${i} of the array is not a whole number from 0 to 255`);
    }
  }
  return Buffer.from(values as number[]);
}

function fromString(text: string): Input {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    if (trimmed.length > MAX_JSON_BYTES) throw tooLarge(trimmed.length);
    return { json: parseJsonText(trimmed) };
  }
  const compact = trimmed.replace(/\s+/g, '');
  if (compact === '') throw new UndecodableSubtitleError('empty', 'msg.payload is an empty string');
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    throw new UndecodableSubtitleError('notBase64', 'msg.payload is a string that is neither base64 nor JSON');
  }
  if (compact.length > (MAX_INPUT_BYTES * 4) / 3 + 4) throw tooLarge(Math.floor((compact.length * 3) / 4));
  return { bytes: Buffer.from(compact, 'base64') };
}

function tooLarge(n: number): UndecodableSubtitleError {
  return new UndecodableSubtitleError(
    'tooLarge',
    `${n} bytes is over the ${MAX_INPUT_BYTES}-byte limit for one subtitle message`,
  );
}

function tooDeep(): UndecodableSubtitleError {
  return new UndecodableSubtitleError('tooDeep', `the JSON nests deeper than ${DEFAULT_MAX_DEPTH} levels`);
}

/** JSON with bounded nesting: 4.5 KB of gzip inflating to 800 KB of brackets once overflowed the stack in send(). */
function parseJsonText(text: string): unknown {
  const read = readJson(text, DEFAULT_MAX_DEPTH);
  if (read.ok) return read.value;
  if (read.reason === 'tooDeep') throw tooDeep();
  throw new UndecodableSubtitleError('json', 'the JSON text does not parse');
}

function gunzip(bytes: Buffer): Buffer {
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: MAX_JSON_BYTES });
  } catch (err) {
    const e = err as { code?: string };
    const why =
      e.code === 'ERR_BUFFER_TOO_LARGE'
        ? `it inflates to more than ${MAX_JSON_BYTES} bytes`
        : e.code === 'Z_BUF_ERROR'
          ? 'it is truncated'
          : 'it is corrupt';
    throw new UndecodableSubtitleError('gzip', `the gzip data cannot be inflated: ${why}`);
  }
}

/**
 * One message → 0, 1 or 2 TranscriptEvents per transcript/translation (0 for a follow-up with
 * `results: []` whose sentence was already sent final, and for messages without text). Anything that is not a subtitle message throws one
 * UndecodableSubtitleError; nothing else is thrown.
 */
export function decodeSttMessage(
  payload: unknown,
  protocol: SttProtocol = 'auto',
  memory?: SettledSegments,
): TranscriptEvent[] {
  const input = normalize(payload);
  if ('json' in input) {
    if (protocol === 'protobuf')
      throw new UndecodableSubtitleError('protobuf', 'got JSON, but the protocol is set to protobuf');
    return fromJsonProtocol(input.json, memory);
  }
  const bytes = input.bytes;
  if (bytes.length === 0) throw new UndecodableSubtitleError('empty', 'the message has no bytes');
  if (bytes.length > MAX_INPUT_BYTES) throw tooLarge(bytes.length);
  if (protocol !== 'protobuf') {
    if (bytes[0] === 0x1f && bytes[1] === 0x8b)
      return fromJsonProtocol(parseJsonText(gunzip(bytes).toString('utf8')), memory);
    if (protocol === 'json') return fromJsonProtocol(parseJsonText(bytes.toString('utf8')), memory);
    // A protobuf Text can start with 0x7b ('{') only as the second byte of `uid` (0x20 0x7b = uid 123),
    // never as the first: so JSON is tried first, and bytes that do not parse go to protobuf.
    if (firstNonSpace(bytes) === 0x7b) {
      const read = readJson(bytes, DEFAULT_MAX_DEPTH);
      if (!read.ok && read.reason === 'tooDeep') throw tooDeep();
      if (read.ok && isPlainObject(read.value)) return fromJsonProtocol(read.value, memory);
    }
  }
  return fromProtobuf(bytes, memory);
}

function firstNonSpace(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return -1;
}
