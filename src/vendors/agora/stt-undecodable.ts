import { SpeechApiError } from '../../lib/errors';

export const UNDECODABLE_CODE = 'UndecodableSubtitle';

/** Why a message could not be decoded: a stable key for the node's catalogue (`undecodable.<reason>`). */
export type UndecodableReason =
  | 'badType'
  | 'empty'
  | 'tooLarge'
  | 'notBase64'
  | 'gzip'
  | 'json'
  | 'tooDeep'
  | 'noTranscript'
  | 'protobuf'
  | 'implausible';

export class UndecodableSubtitleError extends SpeechApiError {
  readonly reason: UndecodableReason;
  readonly detail: string;

  constructor(reason: UndecodableReason, detail: string) {
    super({ vendor: 'agora', code: UNDECODABLE_CODE, message: `Not an Agora STT subtitle message: ${detail}` });
    this.reason = reason;
    this.detail = detail;
  }
}
