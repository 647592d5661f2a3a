/**
 * What every Alibaba Cloud account node (aliyun-live-config, aliyun-ims-config) shares: its
 * settings, one client per node with credentials resolved from `${ENV}`, and the
 * "Test connection" admin route that keeps stored secrets on the server.
 */
import { registerConfigTest } from '../config-test-route';
import { goodbyeSaid } from '../state/shared';
import type { Translate } from '../i18n';
import { Node, NodeAPI, resolveSecret, testSecret, typedSecret } from '../node-red';
import type { AliyunClientOptions, SignatureVersion } from '../../vendors/aliyun/rpc-client';

export interface Credentials {
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
}

export interface Settings {
  region: string;
  endpoint: string;
  signatureVersion: SignatureVersion;
  timeoutMs: number;
  maxRetries: number;
  requestsPerSecond: number;
}

export interface AliyunConfigNode<C> extends Node<Credentials> {
  settings: Settings;
  /** One client per config node: its sockets, limiter slot and lifetime follow the node. */
  client(): C;
}

/** The product's facts the settings fall back to. */
export interface SettingsFallback {
  region: string;
  /** The endpoint for a region, used when the dialog's endpoint is empty. */
  endpointFor(region: string): string;
  requestsPerSecond: number;
}

export const CREDENTIAL_FIELDS = {
  accessKeyId: { type: 'text' },
  accessKeySecret: { type: 'password' },
  securityToken: { type: 'password' },
} as const;

export function readSettings(def: Record<string, unknown>, fallback: SettingsFallback): Settings {
  const timeout = Number(def.timeout);
  const retries = Number(def.maxRetries);
  const rate = Number(def.rateLimit);
  const region = String(def.region || fallback.region).trim();
  return {
    region,
    endpoint: String(def.endpoint || fallback.endpointFor(region)).trim(),
    signatureVersion: def.signatureVersion === 'v2' ? 'v2' : 'v3',
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? Math.round(timeout * 1000) : 10000,
    maxRetries: Number.isInteger(retries) && retries >= 0 && retries <= 10 ? retries : 3,
    requestsPerSecond: Number.isInteger(rate) && rate >= 1 && rate <= 1000 ? rate : fallback.requestsPerSecond,
  };
}

export function clientOptions(settings: Settings, creds: Credentials): AliyunClientOptions {
  return {
    accessKeyId: creds.accessKeyId ?? '',
    accessKeySecret: creds.accessKeySecret ?? '',
    securityToken: creds.securityToken || undefined,
    endpoint: settings.endpoint,
    regionId: settings.region,
    signatureVersion: settings.signatureVersion,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    requestsPerSecond: settings.requestsPerSecond,
  };
}

/** Gives a config node its lazily made client, closed with the node. */
export function attachClient<C extends { close(): void }>(
  RED: NodeAPI,
  node: AliyunConfigNode<C>,
  make: (options: AliyunClientOptions) => C,
): void {
  let client: C | undefined;
  node.client = () => {
    if (!client) {
      client = make(
        clientOptions(node.settings, {
          accessKeyId: resolveSecret(RED, node, node.credentials.accessKeyId),
          accessKeySecret: resolveSecret(RED, node, node.credentials.accessKeySecret),
          securityToken: resolveSecret(RED, node, node.credentials.securityToken),
        }),
      );
    }
    return client;
  };
  node.on('close', (_removed: boolean, done: () => void) => {
    client?.close();
    client = undefined;
    void goodbyeSaid().then(done);
  });
}

export interface TestRoute<C extends { close(): void }> {
  type: string;
  isConfig(node: unknown): node is AliyunConfigNode<C>;
  fallback: SettingsFallback;
  make(options: AliyunClientOptions): C;
  /** One harmless authenticated read; its answer in the user's words. */
  probe(client: C, t: Translate): Promise<Record<string, unknown> & { message: string }>;
}

/**
 * "Test connection": one cheap authenticated read. The browser may send what it has typed;
 * stored secrets stay on the server and only an outcome goes back.
 */
export function registerTestRoute<C extends { close(): void }>(RED: NodeAPI, route: TestRoute<C>): void {
  registerConfigTest(RED, route.type, async ({ t, body, deployed }) => {
    const stored: Credentials = route.isConfig(deployed) ? deployed.credentials : {};
    const saved = route.isConfig(deployed) ? deployed : undefined;
    // Typed values are used as typed; only stored ones are resolved from ${ENV}, on the node's behalf.
    const pick = (field: keyof Credentials): string | undefined => testSecret(RED, saved, body[field], stored[field]);
    const settings = readSettings(body, route.fallback);
    const usesStoredSecret = (['accessKeyId', 'accessKeySecret', 'securityToken'] as const).some(
      (f) => !!stored[f] && typedSecret(body[f]) === undefined,
    );
    if (usesStoredSecret && saved && settings.endpoint !== saved.settings.endpoint) {
      // Stored secrets (the AccessKey secret and the STS token) only ever go to the endpoint they were deployed with.
      return {
        ok: false,
        code: 'EndpointChanged',
        message: t('test.endpointChanged', {}, 'Re-enter the AccessKey secret to test a different endpoint.'),
      };
    }
    const client = route.make(
      clientOptions(
        { ...settings, maxRetries: 0 },
        {
          accessKeyId: pick('accessKeyId'),
          accessKeySecret: pick('accessKeySecret'),
          securityToken: pick('securityToken'),
        },
      ),
    );
    try {
      return { ok: true, ...(await route.probe(client, t)) };
    } finally {
      client.close();
    }
  });
}
