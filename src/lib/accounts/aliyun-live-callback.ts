import { Node } from '../node-red';

export const ALIYUN_LIVE_CALLBACK_CONFIG_TYPE = 'aliyun-live-callback-config';

/**
 * The one place that holds the public callback URL and AuthKey, so the create
 * node sends and the callback node verifies exactly the same pair.
 */
export interface AliyunLiveCallbackConfigNode extends Node<{ authKey?: string }> {
  callbackUrl: string;
  authKey(): string | undefined;
}

export function isAliyunLiveCallbackConfig(node: unknown): node is AliyunLiveCallbackConfigNode {
  return (
    !!node &&
    (node as Node).type === ALIYUN_LIVE_CALLBACK_CONFIG_TYPE &&
    typeof (node as AliyunLiveCallbackConfigNode).authKey === 'function'
  );
}
