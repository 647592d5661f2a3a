import { NodeAPI, NodeDef, withDefaults } from './lib/node-red';
import { AliyunImsClient, DEFAULT_REGION, REQUESTS_PER_SECOND } from './vendors/aliyun-ims/client';
import { endpointFor } from './vendors/aliyun-ims/endpoints';
import { sharedState } from './lib/state/shared';
import { ALIYUN_IMS_CONFIG_TYPE, AliyunImsConfigNode, isAliyunImsConfig } from './lib/accounts/aliyun-ims';
import { attachClient, CREDENTIAL_FIELDS, readSettings, registerTestRoute } from './lib/aliyun/config-node';

export const TYPE = ALIYUN_IMS_CONFIG_TYPE;

/**
 * The dialog's defaults (nodes/aliyun-ims-config.html). The endpoint is empty: it then follows
 * the region the way Alibaba's SDK derives it (ice.cn-shanghai.aliyuncs.com for cn-shanghai).
 */
export const DEFAULTS = {
  name: '',
  region: 'cn-shanghai',
  endpoint: '',
  signatureVersion: 'v3',
  timeout: 10,
  maxRetries: 3,
  rateLimit: 20,
};

const FALLBACK = { region: DEFAULT_REGION, endpointFor, requestsPerSecond: REQUESTS_PER_SECOND };

export default function register(RED: NodeAPI): void {
  // Per-credential rate limits count across instances when Redis is configured.
  sharedState(RED);

  function AliyunImsConfig(this: AliyunImsConfigNode, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    this.settings = readSettings(withDefaults(raw, DEFAULTS), FALLBACK);
    attachClient(RED, this, (options) => new AliyunImsClient(options));
  }

  RED.nodes.registerType(TYPE, AliyunImsConfig, { credentials: CREDENTIAL_FIELDS });

  registerTestRoute(RED, {
    type: TYPE,
    isConfig: isAliyunImsConfig,
    fallback: FALLBACK,
    make: (options) => new AliyunImsClient(options),
    async probe(client, t) {
      // ListTemplates changes nothing and needs only the AccessKey's read permission.
      const r = await client.listTemplates();
      return { requestId: r.RequestId, message: t('test.ok', {}, 'Connected: the AccessKey was accepted.') };
    },
  });
}
