/**
 * Agora Real-time STT's `SttMessage.proto`, embedded as a protobufjs JSON descriptor so
 * decoding needs only `protobufjs/light` (no .proto parser) and no file on disk.
 *
 * Source: AgoraIO/Docs-Source `shared/real-time-stt/develop/parse-data.mdx` (commit 8c1f0c5c) and
 * AgoraIO/docs-portal `…/process-transcription-data/parse-data.mdx` (be0641d9), the same proto; a
 * copy is test/fixtures/vendors/agora/messages/SttMessage.proto. The numbers Agora reserves are not
 * read (protobuf skips them): Text 1–3, 5, 7–9, 11, 17 and Word 2, 3, 5 (the older demo proto's
 * vendor, version, seqnum, flag, lang, starttime, offtime, end_of_segment, sentence_end_index, and
 * Word start_ms, duration_ms, confidence). Field names keep the proto's snake_case.
 *
 *   message Text { reserved 1 to 3, 5, 7 to 9, 11, 17; int64 uid = 4; int64 time = 6;
 *     repeated Word words = 10; int32 duration_ms = 12; string data_type = 13;
 *     repeated Translation trans = 14; string culture = 15; int64 text_ts = 16;
 *     OriginalTranscript original_transcript = 18; int64 sentence_id = 19; }
 *   message Word { reserved 2, 3, 5; string text = 1; bool is_final = 4; }
 *   message Translation { bool is_final = 1; string lang = 2; repeated string texts = 3; }
 *   message OriginalTranscript { string culture = 1; repeated Word words = 2; }
 */
import type { Type } from 'protobufjs';

export const STT_MESSAGE_PACKAGE = 'Agora.SpeechToText';

const WORD = {
  fields: {
    text: { type: 'string', id: 1 },
    is_final: { type: 'bool', id: 4 },
  },
};

/** `protobuf.parse(<the proto above>, { keepCase: true }).root.toJSON()`, reserved ranges left out. */
export const STT_MESSAGE_DESCRIPTOR = {
  nested: {
    Agora: {
      nested: {
        SpeechToText: {
          nested: {
            Text: {
              fields: {
                uid: { type: 'int64', id: 4 },
                time: { type: 'int64', id: 6 },
                words: { rule: 'repeated', type: 'Word', id: 10 },
                duration_ms: { type: 'int32', id: 12 },
                data_type: { type: 'string', id: 13 },
                trans: { rule: 'repeated', type: 'Translation', id: 14 },
                culture: { type: 'string', id: 15 },
                text_ts: { type: 'int64', id: 16 },
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
  is_final: boolean;
}

export interface SttTranslation {
  is_final: boolean;
  lang: string;
  texts: string[];
}

/** A decoded `Agora.SpeechToText.Text` (unset scalars read as their proto3 defaults). */
export interface SttText {
  uid: Int64;
  time: Int64;
  words: SttWord[];
  duration_ms: number;
  data_type: string;
  trans: SttTranslation[];
  culture: string;
  text_ts: Int64;
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
