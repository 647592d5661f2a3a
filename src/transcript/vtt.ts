import { Cue } from './cues';
import { cleanLine } from './clean';
import { timestamp } from './timestamp';

export const VTT_HEADER = 'WEBVTT\n';

/** Cue text and voice names are markup in WebVTT: &, < and > are written as entities. */
export function escapeVtt(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * One WebVTT cue: `hh:mm:ss.mmm --> hh:mm:ss.mmm`, then the lines, the first opened with a
 * `<v Speaker>` voice span. "-->" and blank lines cannot occur in cue text once escaped and
 * joined.
 */
export function vttCue(cue: Cue, speakerLabels: boolean): string {
  const lines = cue.lines.map((l) => escapeVtt(cleanLine(l))).filter((l) => l.trim() !== '');
  if (speakerLabels && cue.speaker && lines.length) {
    // The annotation ends at '>' and may not hold a line break; tabs and runs of spaces read as one.
    lines[0] = `<v ${escapeVtt(cleanLine(cue.speaker).replace(/\s+/g, ' ').trim())}>${lines[0]}`;
  }
  return `${timestamp(cue.start, '.')} --> ${timestamp(cue.end, '.')}\n${lines.join('\n')}\n`;
}

export function toVtt(cues: Cue[], speakerLabels: boolean): string {
  return VTT_HEADER + cues.map((c) => `\n${vttCue(c, speakerLabels)}`).join('');
}
