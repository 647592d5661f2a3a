import { clock } from './timestamp';

export interface TextLine {
  start: number;
  text: string;
  speaker?: string;
}

/** One line per final sentence: `[hh:mm:ss] Speaker: text`, the parts as asked for. */
export function textLine(line: TextLine, speakerLabels: boolean, timestamps: boolean): string {
  const stamp = timestamps ? `[${clock(line.start)}] ` : '';
  const who = speakerLabels && line.speaker ? `${line.speaker}: ` : '';
  return `${stamp}${who}${line.text.replace(/\s+/g, ' ').trim()}`;
}

export function toText(lines: TextLine[], speakerLabels: boolean, timestamps: boolean): string {
  return lines.map((l) => `${textLine(l, speakerLabels, timestamps)}\n`).join('');
}
