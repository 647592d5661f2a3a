/**
 * What an Agora action node needs of its account (the agora-config node): the shape, the type
 * check and the lookup, here so that node files never import one another.
 */
import { requireConfig } from '../action-node';
import { Translate } from '../i18n';
import { Node, NodeAPI } from '../node-red';
import type { AgoraSttClient } from '../../vendors/agora/client';
import type { AgoraApiVersion } from '../../vendors/agora/types';
import type { UpdateWatch } from '../agora/update-watch';

export const AGORA_CONFIG_TYPE = 'agora-config';

export interface Credentials {
  customerId?: string;
  customerSecret?: string;
  appCertificate?: string;
}

export interface AgoraSettings {
  appId: string;
  apiVersion: AgoraApiVersion;
  endpoint: string;
  timeoutMs: number;
  maxRetries: number;
}

export interface AgoraConfigNode extends Node<Credentials> {
  settings: AgoraSettings;
  /** One client per config node: its sockets, queues and lifetime follow the node. */
  client(): AgoraSttClient;
  /** Which updates will wait for Agora's spacing, as far as this config node has seen. */
  updates: UpdateWatch;
}

export function isAgoraConfig(node: unknown): node is AgoraConfigNode {
  return !!node && (node as Node).type === AGORA_CONFIG_TYPE && typeof (node as AgoraConfigNode).client === 'function';
}

/** The Agora config node an action node names, or an error for done(). */
export function agoraConfigOf(RED: NodeAPI, t: Translate, id: unknown): AgoraConfigNode {
  return requireConfig('agora', (nodeId) => RED.nodes.getNode(nodeId), id, isAgoraConfig, t, 'Agora STT account');
}
