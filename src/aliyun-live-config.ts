import { NodeAPI, NodeDef, withDefaults } from './lib/node-red';
import { AliyunLiveClient, DEFAULT_ENDPOINT, DEFAULT_REGION, REQUESTS_PER_SECOND } from './vendors/aliyun-live/client';
import { sharedState } from './lib/state/shared';
import { ALIYUN_LIVE_CONFIG_TYPE, AliyunLiveConfigNode, isAliyunLiveConfig } from './lib/accounts/aliyun-live';
import { attachClient, CREDENTIAL_FIELDS, readSettings, registerTestRoute } from './lib/aliyun/config-node';

export const TYPE = ALIYUN_LIVE_CONFIG_TYPE;

/** The dialog's defaults (nodes/aliyun-live-config.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  region: 'cn-shanghai',
  endpoint: 'https://live.aliyuncs.com',
  signatureVersion: 'v3',
  timeout: 10,
  maxRetries: 3,
  rateLimit: 20,
};

/** live.aliyuncs.com serves every region. */
const FALLBACK = {
  region: DEFAULT_REGION,
  endpointFor: () => DEFAULT_ENDPOINT,
  requestsPerSecond: REQUESTS_PER_SECOND,
};

export default function register(RED: NodeAPI): void {
  // Per-credential rate limits count across instances when Redis is configured.
  sharedState(RED);

  function AliyunLiveConfig(this: AliyunLiveConfigNode, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    this.settings = readSettings(withDefaults(raw, DEFAULTS), FALLBACK);
    attachClient(RED, this, (options) => new AliyunLiveClient(options));
  }

  RED.nodes.registerType(TYPE, AliyunLiveConfig, { credentials: CREDENTIAL_FIELDS });

  registerTestRoute(RED, {
    type: TYPE,
    isConfig: isAliyunLiveConfig,
    fallback: FALLBACK,
    make: (options) => new AliyunLiveClient(options),
    async probe(client, t) {
      const r = await client.queryRtcAsrTasks();
      const count = Object.keys(r.Tasks).length;
      return {
        requestId: r.RequestId,
        running: count,
        message: t('test.ok', { count }, `Connected: ${count} running tasks.`),
      };
    },
  });
}
