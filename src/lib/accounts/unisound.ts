/**
 * What a Unisound action node needs of its account (the unisound-config node): the shape, the
 * type check and the lookup, here so that node files never import one another.
 */
import { requireConfig } from '../action-node';
import { Translate } from '../i18n';
import { Node, NodeAPI } from '../node-red';
import type { UnisoundClient } from '../../vendors/unisound/client';

export const UNISOUND_CONFIG_TYPE = 'unisound-config';

export interface Credentials {
  apiKey?: string;
}

export interface UnisoundSettings {
  endpoint: string;
  rateLimit: number;
  timeoutMs: number;
  maxRetries: number;
}

export interface UnisoundConfigNode extends Node<Credentials> {
  settings: UnisoundSettings;
  /** One client per config node: its sockets and lifetime follow the node; the rate limit follows the key. */
  client(): UnisoundClient;
}

export function isUnisoundConfig(node: unknown): node is UnisoundConfigNode {
  return (
    !!node && (node as Node).type === UNISOUND_CONFIG_TYPE && typeof (node as UnisoundConfigNode).client === 'function'
  );
}

/** The Unisound account an action node names, or an error for done(). */
export function unisoundConfigOf(RED: NodeAPI, t: Translate, id: unknown): UnisoundConfigNode {
  return requireConfig('unisound', (nodeId) => RED.nodes.getNode(nodeId), id, isUnisoundConfig, t, 'Unisound account');
}
