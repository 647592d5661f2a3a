import path from 'path';
import { NodeAPI } from '../node-red';
import { FileStore } from './file-store';
import { processStore } from './memory-store';
import { StateStore } from './store';

/** Where state that must survive a restart is kept, relative to the Node-RED user directory. */
export const DURABLE_FILE = path.join('.speech-pipelines', 'jobs.json');

/**
 * The store for what must survive a restart: `<userDir>/.speech-pipelines/jobs.json`. Without
 * a user directory (some embedded runtimes) it falls back to memory and says so once.
 */
export function durableStore(RED: NodeAPI): StateStore {
  const dir = RED.settings.userDir;
  if (typeof dir === 'string' && dir) {
    return FileStore.at(path.join(dir, DURABLE_FILE), { onWarning: (m) => RED.log.warn(`[speech-pipelines] ${m}`) });
  }
  if (!warned) {
    warned = true;
    RED.log.warn(
      '[speech-pipelines] No Node-RED user directory: pending batch jobs are kept in memory only and do not survive a restart.',
    );
  }
  return processStore;
}

let warned = false;
