import type { Request, Response } from 'express';
import { SpeechApiError } from './lib/errors';
import { localizeError, requestLanguage, translator } from './lib/i18n';
import { adminBody, NodeAPI, NodeDef, resolveSecret, testSecret, typedSecret, withDefaults } from './lib/node-red';
import { AliyunLiveClient, DEFAULT_ENDPOINT, DEFAULT_REGION, REQUESTS_PER_SECOND } from './vendors/aliyun-live/client';
import { sharedState } from './lib/state/shared';
import {
  ALIYUN_LIVE_CONFIG_TYPE,
  AliyunLiveConfigNode,
  Credentials,
  isAliyunLiveConfig,
  Settings,
} from './lib/accounts/aliyun-live';

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

function readSettings(def: Record<string, unknown>): Settings {
  const timeout = Number(def.timeout);
  const retries = Number(def.maxRetries);
  const rate = Number(def.rateLimit);
  return {
    region: String(def.region || DEFAULT_REGION).trim(),
    endpoint: String(def.endpoint || DEFAULT_ENDPOINT).trim(),
    signatureVersion: def.signatureVersion === 'v2' ? 'v2' : 'v3',
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? Math.round(timeout * 1000) : 10000,
    maxRetries: Number.isInteger(retries) && retries >= 0 && retries <= 10 ? retries : 3,
    requestsPerSecond: Number.isInteger(rate) && rate >= 1 && rate <= 1000 ? rate : REQUESTS_PER_SECOND,
  };
}

function makeClient(settings: Settings, creds: Credentials): AliyunLiveClient {
  return new AliyunLiveClient({
    accessKeyId: creds.accessKeyId ?? '',
    accessKeySecret: creds.accessKeySecret ?? '',
    securityToken: creds.securityToken || undefined,
    endpoint: settings.endpoint,
    regionId: settings.region,
    signatureVersion: settings.signatureVersion,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    requestsPerSecond: settings.requestsPerSecond,
  });
}

export default function register(RED: NodeAPI): void {
  // Per-credential rate limits count across instances when Redis is configured.
  sharedState(RED);

  function AliyunLiveConfig(this: AliyunLiveConfigNode, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    node.settings = readSettings(def);
    let client: AliyunLiveClient | undefined;
    node.client = () => {
      if (!client) {
        client = makeClient(node.settings, {
          accessKeyId: resolveSecret(RED, node, node.credentials.accessKeyId),
          accessKeySecret: resolveSecret(RED, node, node.credentials.accessKeySecret),
          securityToken: resolveSecret(RED, node, node.credentials.securityToken),
        });
      }
      return client;
    };
    node.on('close', (_removed: boolean, done: () => void) => {
      client?.close();
      client = undefined;
      done();
    });
  }

  RED.nodes.registerType(TYPE, AliyunLiveConfig, {
    credentials: {
      accessKeyId: { type: 'text' },
      accessKeySecret: { type: 'password' },
      securityToken: { type: 'password' },
    },
  });

  // "Test connection": one cheap authenticated read. The browser may send what it
  // has typed; stored secrets stay on the server and only an outcome goes back.
  RED.httpAdmin.post(`/${TYPE}/test`, RED.auth.needsPermission(`${TYPE}.write`), (req: Request, res: Response) => {
    // Answered in the editor's language (editor.js sends it), not only the runtime's.
    const t = translator(RED, TYPE).in(requestLanguage(req.headers['accept-language']));
    const body = adminBody(req);
    const deployed = typeof body.id === 'string' ? RED.nodes.getNode(body.id) : undefined;
    const stored: Credentials = isAliyunLiveConfig(deployed) ? deployed.credentials : {};
    const saved = isAliyunLiveConfig(deployed) ? deployed : undefined;
    const pick = (field: keyof Credentials): string | undefined => testSecret(RED, saved, body[field], stored[field]);
    const settings = readSettings(body);
    const usesStoredSecret = (['accessKeyId', 'accessKeySecret', 'securityToken'] as const).some(
      (f) => !!stored[f] && typedSecret(body[f]) === undefined,
    );
    if (usesStoredSecret && isAliyunLiveConfig(deployed) && settings.endpoint !== deployed.settings.endpoint) {
      // Stored secrets (the AccessKey secret and the STS token) only ever go to the endpoint they were deployed with.
      res.json({
        ok: false,
        code: 'EndpointChanged',
        message: t('test.endpointChanged', {}, 'Re-enter the AccessKey secret to test a different endpoint.'),
      });
      return;
    }
    let client: AliyunLiveClient | undefined;
    Promise.resolve()
      .then(() => {
        client = makeClient(
          { ...settings, maxRetries: 0 },
          {
            accessKeyId: pick('accessKeyId'),
            accessKeySecret: pick('accessKeySecret'),
            securityToken: pick('securityToken'),
          },
        );
        return client.queryRtcAsrTasks();
      })
      .then(
        (r) =>
          res.json({
            ok: true,
            requestId: r.RequestId,
            running: Object.keys(r.Tasks).length,
            message: t(
              'test.ok',
              { count: Object.keys(r.Tasks).length },
              `Connected: ${Object.keys(r.Tasks).length} running tasks.`,
            ),
          }),
        (err: unknown) => {
          const e = localizeError(t, err);
          res.json({ ok: false, code: err instanceof SpeechApiError ? err.code : 'error', message: e.message });
        },
      )
      .finally(() => client?.close());
  });
}
