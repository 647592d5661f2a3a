/** Vendor-neutral transcript formatting: cues, line breaks, SRT, WebVTT and text. No Node-RED here. */
export { Cue, buildCues, arrangeCues, sentenceCues, textIn } from './cues';
export { CueStream, EXTENSIONS, formatCue, formatTranscript, Formatted, labelsApply } from './format';
export { COMPLETED_EVENT, readInput, ReadInput, Sentence } from './input';
export { breakLines, Measure } from './line-break';
export { FORMAT_DEFAULTS, FORMATS, FormatOptions, readOptions, TranscriptFormat } from './options';
export { Session, SessionLimit, SessionLimits, SESSION_LIMITS, SessionStore } from './sessions';
export { boundSentence, cutUtf8, SENTENCE_LIMITS, SentenceLimits, sentenceBytes } from './bounds';
export { cleanLine } from './clean';
export { escapeVtt, toVtt, vttCue, VTT_HEADER } from './vtt';
export { srtCue, toSrt } from './srt';
export { estimateMs, Timeline } from './timeline';
export { isCjk, tokenize } from './tokens';
export { timestamp } from './timestamp';
