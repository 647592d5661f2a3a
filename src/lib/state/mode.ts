import { Translate } from '../i18n';
import { NodeAPI } from '../node-red';
import { sharedState } from './shared';

/**
 * For a status dot: " · shared" while Redis holds this node's state (limits, dedupe, locks,
 * jobs), " · local" while it is configured but not answering; nothing without Redis configured,
 * so a single instance's statuses read as before.
 */
export function stateNote(RED: NodeAPI, t: Translate): () => string {
  return () => {
    const link = sharedState(RED).link;
    if (!link) return '';
    return ` · ${link.up ? t('state.shared', {}, 'shared') : t('state.local', {}, 'local')}`;
  };
}
