import { cleanLine } from './clean';
import { clock } from './timestamp';

export interface TextLine {
  start: number;
  text: string;
  speaker?: string;
}

/** One line per final sentence: `[hh:mm:ss] Speaker: text`, the parts as asked for. */
export function textLine(line: TextLine, speakerLabels: boolean, timestamps: boolean): string {
  const stamp = timestamps ? `[${clock(line.start)}] ` : '';
  const speaker = line.speaker && cleanLine(line.speaker).replace(/\s+/g, ' ').trim();
  const who = speakerLabels && speaker ? `${speaker}: ` : '';
  return `${stamp}${who}${cleanLine(line.text).replace(/\s+/g, ' ').trim()}`;
}

export function toText(lines: TextLine[], speakerLabels: boolean, timestamps: boolean): string {
  return lines.map((l) => `${textLine(l, speakerLabels, timestamps)}\n`).join('');
}
