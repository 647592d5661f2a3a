import { registerConfigTest } from './lib/config-test-route';
import { NodeAPI, NodeDef, resolveSecret, typedSecret, withDefaults } from './lib/node-red';
import { probeCallbackUrl } from './vendors/aliyun-live/callback-probe';
import {
  ALIYUN_LIVE_CALLBACK_CONFIG_TYPE,
  AliyunLiveCallbackConfigNode,
  isAliyunLiveCallbackConfig,
} from './lib/accounts/aliyun-live-callback';

export const TYPE = ALIYUN_LIVE_CALLBACK_CONFIG_TYPE;

/** The dialog's defaults (nodes/aliyun-live-callback-config.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  callbackUrl: '',
};

export default function register(RED: NodeAPI): void {
  function AliyunLiveCallbackConfig(this: AliyunLiveCallbackConfigNode, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    this.callbackUrl = String(def.callbackUrl ?? '').trim();
    this.authKey = () => resolveSecret(RED, this, this.credentials.authKey);
  }
  RED.nodes.registerType(TYPE, AliyunLiveCallbackConfig, { credentials: { authKey: { type: 'password' } } });

  // "Test callback URL": from this server, through whatever proxy the public URL
  // crosses, to the callback node, proving both reachability and that it verifies.
  registerConfigTest(RED, TYPE, async ({ t, body, deployed }) => {
    const stored = isAliyunLiveCallbackConfig(deployed) ? deployed : undefined;
    const callbackUrl = typeof body.callbackUrl === 'string' ? body.callbackUrl.trim() : '';
    const typed = typedSecret(body.authKey);
    if (!typed && stored && callbackUrl !== stored.callbackUrl) {
      // The stored AuthKey only ever signs probes for the URL it was deployed with.
      return {
        ok: false,
        code: 'UrlChanged',
        message: t('test.urlChanged', {}, 'Re-enter the AuthKey to test a different callback URL.'),
      };
    }
    // Typed: sent as typed, never read from the environment; stored: resolved as the deployed node does.
    const authKey = typed ?? stored?.authKey();
    if (!authKey) {
      return {
        ok: false,
        code: 'NoAuthKey',
        message: t('test.noAuthKey', {}, 'Set an AuthKey first: without one nothing can be verified.'),
      };
    }
    const outcome = await probeCallbackUrl(callbackUrl, authKey);
    if (outcome.ok)
      return { ok: true, message: t('test.ok', {}, 'Reachable, and the callback node verified the signature.') };
    const params = { status: outcome.status ?? '', detail: outcome.detail ?? '' };
    return {
      ok: false,
      code: outcome.code,
      message: t(`test.${outcome.code}`, params, `${outcome.code} ${params.status}${params.detail}`.trim()),
    };
  });
}
