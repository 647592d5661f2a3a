import type { Request, Response } from 'express';
import { requestLanguage, translator } from './lib/i18n';
import { adminBody, NodeAPI, NodeDef, resolveSecret, typedSecret, withDefaults } from './lib/node-red';
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
  RED.httpAdmin.post(`/${TYPE}/test`, RED.auth.needsPermission(`${TYPE}.write`), (req: Request, res: Response) => {
    // Answered in the editor's language (editor.js sends it), not only the runtime's.
    const t = translator(RED, TYPE).in(requestLanguage(req.headers['accept-language']));
    const body = adminBody(req);
    const deployed = typeof body.id === 'string' ? RED.nodes.getNode(body.id) : undefined;
    const stored = isAliyunLiveCallbackConfig(deployed) ? deployed : undefined;
    const callbackUrl = typeof body.callbackUrl === 'string' ? body.callbackUrl.trim() : '';
    const typed = typedSecret(body.authKey);
    if (!typed && stored && callbackUrl !== stored.callbackUrl) {
      // The stored AuthKey only ever signs probes for the URL it was deployed with.
      res.json({
        ok: false,
        code: 'UrlChanged',
        message: t('test.urlChanged', {}, 'Re-enter the AuthKey to test a different callback URL.'),
      });
      return;
    }
    // Typed: sent as typed, never read from the environment; stored: resolved as the deployed node does.
    const authKey = typed ?? stored?.authKey();
    if (!authKey) {
      res.json({
        ok: false,
        code: 'NoAuthKey',
        message: t('test.noAuthKey', {}, 'Set an AuthKey first: without one nothing can be verified.'),
      });
      return;
    }
    probeCallbackUrl(callbackUrl, authKey).then((outcome) => {
      if (outcome.ok) {
        res.json({ ok: true, message: t('test.ok', {}, 'Reachable, and the callback node verified the signature.') });
        return;
      }
      const params = { status: outcome.status ?? '', detail: outcome.detail ?? '' };
      res.json({
        ok: false,
        code: outcome.code,
        message: t(`test.${outcome.code}`, params, `${outcome.code} ${params.status}${params.detail}`.trim()),
      });
    });
  });
}
