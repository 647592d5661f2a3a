/**
 * The published SttMessage.proto (Docs-Source shared/real-time-stt/develop/parse-data.mdx,
 * plus field 17 from the demo's web proto), kept here independently of any client code
 * so the emulator's frames and the client's decoder are checked against the vendor's schema.
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
  int32 vendor = 1;
  int32 version = 2;
  int32 seqnum = 3;
  int64 uid = 4;
  int32 flag = 5;
  int64 time = 6;
  int32 lang = 7;
  int32 starttime = 8;
  int32 offtime = 9;
  repeated Word words = 10;
  bool end_of_segment = 11;
  int32 duration_ms = 12;
  string data_type = 13;
  repeated Translation trans = 14;
  string culture = 15;
  int64 text_ts = 16;
  int32 sentence_end_index = 17;
}
message Word {
  string text = 1;
  int32 start_ms = 2;
  int32 duration_ms = 3;
  bool is_final = 4;
  double confidence = 5;
}
message Translation {
  bool is_final = 1;
  string lang = 2;
  repeated string texts = 3;
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
