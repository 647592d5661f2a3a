import { Vendor } from './errors';

export interface TranscriptWord {
  text: string;
  /** ms from the start of the audio */
  start: number;
  end: number;
  confidence?: number;
}

export interface Translation {
  language: string;
  text: string;
  final: boolean;
}

/** The one transcript shape every vendor's result and callback nodes emit. */
export interface TranscriptEvent {
  vendor: Vendor;
  taskId?: string;
  /** The vendor's event name, e.g. SentenceBegin, TranscriptionResultChanged, SentenceEnd. */
  event: string;
  sentenceIndex?: number;
  text: string;
  final: boolean;
  /** ms */
  start?: number;
  end?: number;
  time?: number;
  confidence?: number;
  words: TranscriptWord[];
  language?: string;
  speaker?: string;
  channelId?: string;
  rtcUserId?: string;
  translations?: Translation[];
  raw: unknown;
}
