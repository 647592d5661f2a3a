import type { Translate } from '../i18n';
import type { Node, NodeAPI } from '../node-red';
import { adminCollision } from './reserved-paths';
import { describeHolder, foreignRoutes, heldBy, hold } from './route-table';

export interface Claim {
  /** Gives the paths back (on close). */
  release(): void;
  /**
   * Reports routes of other nodes on our paths (a core `http in` at `<path>/rooms`), now and
   * once every flow has started (they may be deployed after us). `ours`: our layers' handlers.
   */
  watch(ours: Set<unknown>): void;
}

/**
 * Takes `paths` for `node`, or refuses with an error the user sees (a log line and a red
 * status) when one collides with Node-RED's admin routes or another route of this package,
 * compared case-insensitively as Express matches.
 */
export function claimPaths(RED: NodeAPI, node: Node, t: Translate, paths: string[]): Claim | undefined {
  for (const path of paths) {
    const admin = adminCollision(RED.settings, path);
    if (!admin) continue;
    node.error(
      t(
        'inbound.adminRoute',
        { path, admin },
        `The path ${path} collides with Node-RED's own route ${admin} (httpAdminRoot and httpNodeRoot overlap): give this node another path.`,
      ),
    );
    node.status({ fill: 'red', shape: 'ring', text: t('inbound.status.adminRoute', { path }, `${path} reserved`) });
    return undefined;
  }
  const clash = heldBy(paths, node);
  if (clash) {
    node.error(
      t(
        'inbound.pathClash',
        { path: clash.path, other: describeHolder(clash.holder) },
        `Two nodes use the path ${clash.path}: ${describeHolder(clash.holder)} already listens on it, so this node does not. Give one of them another path.`,
      ),
    );
    node.status({ fill: 'red', shape: 'ring', text: t('inbound.status.pathClash', {}, 'path already in use') });
    return undefined;
  }
  const release = hold(paths, node);
  let ours = new Set<unknown>();
  const reported = new Set<string>();
  const check = (): void => {
    try {
      for (const path of foreignRoutes(RED.httpNode, paths, ours)) {
        if (reported.has(path.toLowerCase())) continue;
        reported.add(path.toLowerCase());
        node.warn(
          t(
            'inbound.pathTaken',
            { path },
            `Another route (an http in node?) also answers ${path}: only the one deployed first receives its requests. Give one of them another path.`,
          ),
        );
        node.status({ fill: 'yellow', shape: 'ring', text: t('inbound.status.pathTaken', { path }, `${path} shared`) });
      }
    } catch {
      // a router we cannot read: nothing to report
    }
  };
  return {
    release() {
      RED.events?.removeListener('flows:started', check);
      release();
    },
    watch(handlers) {
      ours = handlers;
      check();
      RED.events?.on('flows:started', check);
    },
  };
}
