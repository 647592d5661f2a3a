import { Node, NodeAPI, NodeDef, resolveSecret } from './lib/node-red';

export const TYPE = 'aliyun-live-callback-config';

/**
 * The one place that holds the public callback URL and AuthKey, so the create
 * node sends and the callback node verifies exactly the same pair.
 */
export interface AliyunLiveCallbackConfigNode extends Node<{ authKey?: string }> {
  callbackUrl: string;
  authKey(): string | undefined;
}

export function isAliyunLiveCallbackConfig(node: unknown): node is AliyunLiveCallbackConfigNode {
  return !!node && (node as Node).type === TYPE && typeof (node as AliyunLiveCallbackConfigNode).authKey === 'function';
}

export default function register(RED: NodeAPI): void {
  function AliyunLiveCallbackConfig(this: AliyunLiveCallbackConfigNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    this.callbackUrl = String(def.callbackUrl ?? '').trim();
    this.authKey = () => resolveSecret(RED, this, this.credentials.authKey);
  }
  RED.nodes.registerType(TYPE, AliyunLiveCallbackConfig, { credentials: { authKey: { type: 'password' } } });
}
