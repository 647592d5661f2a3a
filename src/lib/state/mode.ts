import { Translate } from '../i18n';
import { NodeAPI } from '../node-red';
import { sharedState } from './shared';

/** A status parameter the editor shows after the status text (resources/editor.js): " · shared". */
export const STATE_PARAM = '_state';

/**
 * For a status dot: where this node's shared state (limits, dedupe, locks, jobs) lives right now,
 * as a status parameter holding the catalogue key of "shared" (Redis) or "local" (configured but
 * not answering). Nothing without Redis configured, so a single instance's statuses read as before.
 */
export function stateNote(RED: NodeAPI, t: Translate): () => Record<string, string> {
  return (): Record<string, string> => {
    const link = sharedState(RED).link;
    if (!link) return {};
    return { [STATE_PARAM]: link.up ? t.key('state.shared', 'shared') : t.key('state.local', 'local') };
  };
}

/** Adds parameters to a status that is a catalogue key (`<module>/<set>:key[?a=b]`); any other text is left as it is. */
export function withStatusParams(status: string, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  if (!query || !/^@speech-pipelines\/node-red-speech\/[\w-]+:[\w.]+(\?.*)?$/.test(status)) return status;
  return `${status}${status.includes('?') ? '&' : '?'}${query}`;
}
