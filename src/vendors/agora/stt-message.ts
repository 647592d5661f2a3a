/**
 * Agora Real-time STT's `SttMessage.proto`, embedded as a protobufjs JSON descriptor so
 * decoding needs only `protobufjs/light` (no .proto parser) and no file on disk.
 *
 * Sources: AgoraIO/Docs-Source `shared/real-time-stt/develop/parse-data.mdx` (fields 1–16),
 * AgoraIO-Community/Agora-RTT-Demo `web/src/protobuf/SttMessage.proto` (17 `sentence_end_index`),
 * AgoraIO/docs-portal `…/process-transcription-data/parse-data.mdx` (v7.2: 18 `original_transcript`,
 * 19 `sentence_id`; that revision marks 17 reserved, so reading it as the demo's int32 is harmless).
 * Field names keep the proto's snake_case, as the vendor documents them.
 *
 *   message Text { int32 vendor=1; int32 version=2; int32 seqnum=3; int64 uid=4; int32 flag=5;
 *     int64 time=6; int32 lang=7; int32 starttime=8; int32 offtime=9; repeated Word words=10;
 *     bool end_of_segment=11; int32 duration_ms=12; string data_type=13; repeated Translation trans=14;
 *     string culture=15; int64 text_ts=16; int32 sentence_end_index=17;
 *     OriginalTranscript original_transcript=18; int64 sentence_id=19; }
 *   message Word { string text=1; int32 start_ms=2; int32 duration_ms=3; bool is_final=4; double confidence=5; }
 *   message Translation { bool is_final=1; string lang=2; repeated string texts=3; }
 *   message OriginalTranscript { string culture=1; repeated Word words=2; }
 */
import type { Type } from 'protobufjs';

export const STT_MESSAGE_PACKAGE = 'Agora.SpeechToText';

const WORD = {
  fields: {
    text: { type: 'string', id: 1 },
    start_ms: { type: 'int32', id: 2 },
    duration_ms: { type: 'int32', id: 3 },
    is_final: { type: 'bool', id: 4 },
    confidence: { type: 'double', id: 5 },
  },
};

/** `protobuf.parse(<the proto above>, { keepCase: true }).root.toJSON()`. */
export const STT_MESSAGE_DESCRIPTOR = {
  nested: {
    Agora: {
      nested: {
        SpeechToText: {
          nested: {
            Text: {
              fields: {
                vendor: { type: 'int32', id: 1 },
                version: { type: 'int32', id: 2 },
                seqnum: { type: 'int32', id: 3 },
                uid: { type: 'int64', id: 4 },
                flag: { type: 'int32', id: 5 },
                time: { type: 'int64', id: 6 },
                lang: { type: 'int32', id: 7 },
                starttime: { type: 'int32', id: 8 },
                offtime: { type: 'int32', id: 9 },
                words: { rule: 'repeated', type: 'Word', id: 10 },
                end_of_segment: { type: 'bool', id: 11 },
                duration_ms: { type: 'int32', id: 12 },
                data_type: { type: 'string', id: 13 },
                trans: { rule: 'repeated', type: 'Translation', id: 14 },
                culture: { type: 'string', id: 15 },
                text_ts: { type: 'int64', id: 16 },
                sentence_end_index: { type: 'int32', id: 17 },
                original_transcript: { type: 'OriginalTranscript', id: 18 },
                sentence_id: { type: 'int64', id: 19 },
              },
            },
            Word: WORD,
            Translation: {
              fields: {
                is_final: { type: 'bool', id: 1 },
                lang: { type: 'string', id: 2 },
                texts: { rule: 'repeated', type: 'string', id: 3 },
              },
            },
            OriginalTranscript: {
              fields: {
                culture: { type: 'string', id: 1 },
                words: { rule: 'repeated', type: 'Word', id: 2 },
              },
            },
          },
        },
      },
    },
  },
};

/** What protobufjs decodes an int64 to: a Long (the `long` package is installed) or a number. */
export type Int64 = number | { low: number; high: number; unsigned: boolean; toString(): string; toNumber(): number };

export interface SttWord {
  text: string;
  start_ms: number;
  duration_ms: number;
  is_final: boolean;
  confidence: number;
}

export interface SttTranslation {
  is_final: boolean;
  lang: string;
  texts: string[];
}

/** A decoded `Agora.SpeechToText.Text` (unset scalars read as their proto3 defaults). */
export interface SttText {
  vendor: number;
  version: number;
  seqnum: number;
  uid: Int64;
  flag: number;
  time: Int64;
  lang: number;
  starttime: number;
  offtime: number;
  words: SttWord[];
  end_of_segment: boolean;
  duration_ms: number;
  data_type: string;
  trans: SttTranslation[];
  culture: string;
  text_ts: Int64;
  sentence_end_index: number;
  original_transcript?: { culture: string; words: SttWord[] } | null;
  sentence_id: Int64;
}

let textType: Type | undefined;

/**
 * The `Agora.SpeechToText.Text` type, built on first use: protobufjs is required here, not at
 * module load, so Node-RED start-up does not pay for it when no decode node is deployed.
 */
export function sttTextType(): Type {
  if (!textType) {
    const protobuf = require('protobufjs/light') as typeof import('protobufjs/light');
    textType = protobuf.Root.fromJSON(STT_MESSAGE_DESCRIPTOR).lookupType(`${STT_MESSAGE_PACKAGE}.Text`);
  }
  return textType;
}
