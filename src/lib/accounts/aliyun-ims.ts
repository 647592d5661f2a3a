/**
 * What an IMS AI-workflow node needs of its account (the aliyun-ims-config node, named by the
 * action nodes' `ims` property): the shape, the type check and the lookup.
 */
import { requireConfig } from '../action-node';
import { Translate } from '../i18n';
import { Node, NodeAPI } from '../node-red';
import type { AliyunImsClient } from '../../vendors/aliyun-ims/client';
import type { AliyunConfigNode } from '../aliyun/config-node';

export const ALIYUN_IMS_CONFIG_TYPE = 'aliyun-ims-config';

export type AliyunImsConfigNode = AliyunConfigNode<AliyunImsClient>;

export function isAliyunImsConfig(node: unknown): node is AliyunImsConfigNode {
  return (
    !!node &&
    (node as Node).type === ALIYUN_IMS_CONFIG_TYPE &&
    typeof (node as AliyunImsConfigNode).client === 'function'
  );
}

/** The IMS config node an action node names, or an error for done(). */
export function imsConfigOf(RED: NodeAPI, t: Translate, id: unknown): AliyunImsConfigNode {
  return requireConfig('aliyun', (nodeId) => RED.nodes.getNode(nodeId), id, isAliyunImsConfig, t, 'Alibaba Cloud IMS');
}
