/**
 * Line breaks and control characters (C0, DEL, C1, and the Unicode line and paragraph
 * separators some readers break lines on). Inside one line of a subtitle or text file,
 * a lone CR or LF starts a new line, and a new line can start a forged cue.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** SubRip and WebVTT read any line holding "-->" as cue timings; "--->" would leave "-->" behind one replace. */
const ARROW = /-{2,}>/g;

/**
 * A string as it may stand inside one line of a subtitle or text file: control characters
 * become spaces and cue-timing arrows become "->". Speaker names (an Agora uid is chosen by
 * any participant) and sentence text both come from outside.
 */
export function cleanLine(s: string): string {
  return s.replace(CONTROL, ' ').replace(ARROW, '->');
}
