/**
 * What an Alibaba Cloud Live action node needs of its account (the aliyun-live-config node):
 * the shape, the type check and the lookup, here so that node files never import one another.
 */
import { requireConfig } from '../action-node';
import { Translate } from '../i18n';
import { Node, NodeAPI } from '../node-red';
import type { AliyunLiveClient } from '../../vendors/aliyun-live/client';
import type { AliyunConfigNode } from '../aliyun/config-node';

export const ALIYUN_LIVE_CONFIG_TYPE = 'aliyun-live-config';

export type { Credentials, Settings } from '../aliyun/config-node';

export type AliyunLiveConfigNode = AliyunConfigNode<AliyunLiveClient>;

export function isAliyunLiveConfig(node: unknown): node is AliyunLiveConfigNode {
  return (
    !!node &&
    (node as Node).type === ALIYUN_LIVE_CONFIG_TYPE &&
    typeof (node as AliyunLiveConfigNode).client === 'function'
  );
}

/** The Alibaba Cloud Live config node an action node names, or an error for done(). */
export function liveConfigOf(RED: NodeAPI, t: Translate, id: unknown): AliyunLiveConfigNode {
  return requireConfig(
    'aliyun',
    (nodeId) => RED.nodes.getNode(nodeId),
    id,
    isAliyunLiveConfig,
    t,
    'Alibaba Cloud Live',
  );
}
