/** Languages written without spaces between words. Korean uses spaces. */
const NO_SPACE_LANGUAGE = /^(zh|ja|yue|wuu|cmn|th|lo|km|my|bo)(?:[-_]|$)/i;
/** CJK punctuation, kana, bopomofo, Han, compatibility ideographs, full-width forms, Thai, Lao, Khmer, Myanmar. */
const NO_SPACE_CHAR =
  /[\u3000-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]/;
const NO_SPACE_BEFORE = /^[\s,.!?;:%)\]}…、。，！？：；]/;

/**
 * Joins segments the way they are displayed: as the Agora demo does (plain concatenation) for
 * languages without spaces and where a boundary already has whitespace; with one space between
 * Latin-script segments otherwise. Leading and trailing whitespace is trimmed.
 */
export function joinSegments(parts: readonly string[], language?: string): string {
  const spaced = !(language && NO_SPACE_LANGUAGE.test(language));
  let out = '';
  for (const part of parts) {
    if (!part) continue;
    if (out && spaced) {
      const last = out[out.length - 1];
      if (!/\s/.test(last) && !NO_SPACE_BEFORE.test(part) && !NO_SPACE_CHAR.test(last) && !NO_SPACE_CHAR.test(part[0]))
        out += ' ';
    }
    out += part;
  }
  return out.trim();
}
