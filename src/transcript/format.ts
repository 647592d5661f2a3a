import { arrangeCues, buildCues, Cue, sentenceCues, textIn } from './cues';
import { Sentence } from './input';
import { FormatOptions, TranscriptFormat } from './options';
import { srtCue, toSrt } from './srt';
import { textLine, toText } from './text';
import { Timeline } from './timeline';
import { toVtt, vttCue } from './vtt';

export const EXTENSIONS: Record<TranscriptFormat, string> = { text: 'txt', srt: 'srt', vtt: 'vtt' };

export interface Formatted {
  /** The whole file. */
  output: string;
  cues: Cue[];
  /** Cues for srt/vtt; sentences (lines) for text. */
  count: number;
}

/** Speaker labels apply when asked for and at least one sentence names a speaker. */
export function labelsApply(sentences: Sentence[], o: FormatOptions): boolean {
  return o.speakerLabels && sentences.some((s) => s.speaker);
}

/** Final sentences as a whole file in the chosen format. */
export function formatTranscript(sentences: Sentence[], o: FormatOptions): Formatted {
  const labels = labelsApply(sentences, o);
  if (o.format === 'text') {
    const timeline = new Timeline();
    const lines: Array<{ start: number; text: string; speaker?: string }> = [];
    for (const s of sentences) {
      const placed = timeline.place(s);
      const text = textIn(s, o.language);
      if (text !== undefined && text.trim() !== '') lines.push({ start: placed.start, text, speaker: s.speaker });
    }
    return { output: toText(lines, labels, o.timestamps), cues: [], count: lines.length };
  }
  const cues = buildCues(sentences, o);
  return { output: o.format === 'vtt' ? toVtt(cues, labels) : toSrt(cues, labels), cues, count: cues.length };
}

/** One cue (or text line) on its own, as `emitCues` sends it: no WEBVTT header. */
export function formatCue(cue: Cue, o: FormatOptions, labels: boolean): string {
  if (o.format === 'vtt') return vttCue(cue, labels);
  if (o.format === 'srt') return srtCue(cue, labels);
  return `${textLine({ start: cue.start, text: cue.lines.join(' '), speaker: cue.speaker }, labels, o.timestamps)}\n`;
}

/**
 * The cues of a live session, one final sentence at a time. A cue is timed when its
 * sentence arrives, without knowing the next one, so its end may differ (by the reading
 * extension) from the same cue in the file made at the end of the session.
 */
export class CueStream {
  private readonly timeline = new Timeline();
  private nextIndex = 1;
  private lastEnd: number | undefined;
  private sentences = 0;

  constructor(private readonly o: FormatOptions) {}

  add(s: Sentence): Cue[] {
    const placed = this.timeline.place(s);
    const cues = arrangeCues(sentenceCues(s, placed, this.sentences++, this.o), this.o, this.nextIndex, this.lastEnd);
    if (cues.length) {
      this.nextIndex += cues.length;
      this.lastEnd = cues[cues.length - 1].end;
    }
    return cues;
  }
}
