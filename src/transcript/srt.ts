import { Cue } from './cues';
import { cleanLine } from './clean';
import { timestamp } from './timestamp';

/**
 * One SubRip cue: number, `hh:mm:ss,mmm --> hh:mm:ss,mmm`, the lines, a blank line. Lines
 * end with LF (players accept it; CRLF is the Windows-era habit, not a requirement). A
 * blank line inside text would end the cue, so text lines are never empty.
 */
export function srtCue(cue: Cue, speakerLabels: boolean): string {
  const lines = labelled(cue, speakerLabels)
    .map(cleanLine)
    .filter((l) => l.trim() !== '');
  return `${cue.index}\n${timestamp(cue.start, ',')} --> ${timestamp(cue.end, ',')}\n${lines.join('\n')}\n`;
}

export function toSrt(cues: Cue[], speakerLabels: boolean): string {
  return cues.map((c) => srtCue(c, speakerLabels)).join('\n');
}

/** `Speaker: ` before the first line. */
export function labelled(cue: Cue, speakerLabels: boolean): string[] {
  if (!speakerLabels || !cue.speaker) return cue.lines;
  const speaker = cleanLine(cue.speaker).replace(/\s+/g, ' ').trim();
  return speaker ? cue.lines.map((l, i) => (i === 0 ? `${speaker}: ${l}` : l)) : cue.lines;
}
