/**
 * The published SttMessage.proto (Docs-Source shared/real-time-stt/develop/parse-data.mdx at
 * 8c1f0c5c, reserved numbers and all), kept here independently of any client code so the
 * emulator's frames and the client's decoder are checked against the vendor's schema.
 */
import type { Type } from 'protobufjs';

export const STT_MESSAGE_PROTO = `
syntax = "proto3";
package Agora.SpeechToText;
option objc_class_prefix = "Stt";
option csharp_namespace = "AgoraSTTSample.Protobuf";
option java_package = "io.agora.rtc.speech2text";
option java_outer_classname = "AgoraSpeech2TextProtobuffer";
message Text {
  reserved 1 to 3, 5, 7 to 9, 11, 17;
  int64 uid = 4;
  int64 time = 6;
  repeated Word words = 10;
  int32 duration_ms = 12;
  string data_type = 13;
  repeated Translation trans = 14;
  string culture = 15;
  int64 text_ts = 16;
  OriginalTranscript original_transcript = 18;
  int64 sentence_id = 19;
}
message Word {
  reserved 2, 3, 5;
  string text = 1;
  bool is_final = 4;
}
message Translation {
  bool is_final = 1;
  string lang = 2;
  repeated string texts = 3;
}
message OriginalTranscript {
  string culture = 1;
  repeated Word words = 2;
}
`;

let textType: Type | undefined;

/** `Agora.SpeechToText.Text`, parsed on first use. */
export function sttTextType(): Type {
  if (!textType) {
    const protobuf = require('protobufjs') as typeof import('protobufjs');
    textType = protobuf.parse(STT_MESSAGE_PROTO, { keepCase: true }).root.lookupType('Agora.SpeechToText.Text');
  }
  return textType;
}
