import { AudioFormat } from './create-params';

/** How many leading bytes `formatFromBytes` needs. */
export const SNIFF_BYTES = 64;

const EXTENSIONS: Record<string, AudioFormat> = {
  mp3: 'mp3',
  opus: 'opus',
  wav: 'wav',
  wave: 'wav',
  amr: 'amr',
  m4a: 'm4a',
  mp4: 'm4a',
  ogg: 'ogg',
  oga: 'ogg',
};

export const CONTENT_TYPES: Record<AudioFormat, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  wav: 'audio/wav',
  amr: 'audio/amr',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
};

/** The format a file name's extension names, if it is one Unisound accepts. */
export function formatFromName(name: string | undefined): AudioFormat | undefined {
  const m = name ? /\.([A-Za-z0-9]+)$/.exec(name.trim()) : null;
  return m ? EXTENSIONS[m[1].toLowerCase()] : undefined;
}

/** The format the first bytes of a file show (magic numbers), or undefined. */
export function formatFromBytes(head: Buffer): AudioFormat | undefined {
  const ascii = (start: number, end: number): string => head.subarray(start, end).toString('latin1');
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'wav';
  if (ascii(0, 5) === '#!AMR') return 'amr';
  // Ogg carries Opus or Vorbis; the first packet of the first page names the codec.
  if (ascii(0, 4) === 'OggS') return head.includes('OpusHead', 0, 'latin1') ? 'opus' : 'ogg';
  if (head.length >= 8 && ascii(4, 8) === 'ftyp') return 'm4a';
  if (ascii(0, 3) === 'ID3') return 'mp3';
  // MPEG audio frame sync: 11 set bits, a layer other than "reserved".
  if (head.length >= 2 && head[0] === 0xff && (head[1] & 0xe0) === 0xe0 && (head[1] & 0x06) !== 0) return 'mp3';
  return undefined;
}
