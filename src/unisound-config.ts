import { registerConfigTest } from './lib/config-test-route';
import { NodeAPI, NodeDef, resolveSecret, testSecret, typedSecret } from './lib/node-red';
import { DEFAULT_ENDPOINT, TASK_REQUESTS_PER_MINUTE, UnisoundClient } from './vendors/unisound/client';
import { goodbyeSaid, sharedState } from './lib/state/shared';
import { isUnisoundConfig, UNISOUND_CONFIG_TYPE, UnisoundConfigNode, UnisoundSettings } from './lib/accounts/unisound';

export const TYPE = UNISOUND_CONFIG_TYPE;

/** The editor's defaults; applied to properties a deployed node lacks. */
export const DEFAULTS = {
  name: '',
  endpoint: DEFAULT_ENDPOINT,
  rateLimit: TASK_REQUESTS_PER_MINUTE,
  timeout: 30,
  maxRetries: 3,
};

export function readSettings(def: Record<string, unknown>): UnisoundSettings {
  const timeout = Number(def.timeout ?? DEFAULTS.timeout);
  const retries = Number(def.maxRetries ?? DEFAULTS.maxRetries);
  const rate = Number(def.rateLimit ?? DEFAULTS.rateLimit);
  return {
    endpoint: String(def.endpoint || DEFAULTS.endpoint).trim(),
    rateLimit: Number.isInteger(rate) && rate >= 1 && rate <= 10000 ? rate : DEFAULTS.rateLimit,
    timeoutMs:
      Number.isFinite(timeout) && timeout > 0 && timeout <= 600 ? Math.round(timeout * 1000) : DEFAULTS.timeout * 1000,
    maxRetries: Number.isInteger(retries) && retries >= 0 && retries <= 10 ? retries : DEFAULTS.maxRetries,
  };
}

function makeClient(settings: UnisoundSettings, apiKey: string | undefined): UnisoundClient {
  return new UnisoundClient({
    apiKey: apiKey ?? '',
    endpoint: settings.endpoint,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    rateLimit: settings.rateLimit,
  });
}

export default function register(RED: NodeAPI): void {
  // Per-credential rate limits count across instances when Redis is configured.
  sharedState(RED);

  function UnisoundConfig(this: UnisoundConfigNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    node.settings = readSettings(def);
    let client: UnisoundClient | undefined;
    node.client = () => {
      if (!client) client = makeClient(node.settings, resolveSecret(RED, node, node.credentials.apiKey));
      return client;
    };
    node.on('close', (_removed: boolean, done: () => void) => {
      client?.close();
      client = undefined;
      void goodbyeSaid().then(done);
    });
  }

  RED.nodes.registerType(TYPE, UnisoundConfig, { credentials: { apiKey: { type: 'password' } } });

  // "Test connection": one harmless authenticated read. A stored key is only ever sent to the endpoint it was deployed with.
  registerConfigTest(RED, TYPE, async ({ t, body, deployed }) => {
    const saved = isUnisoundConfig(deployed) ? deployed : undefined;
    const stored = saved?.credentials.apiKey;
    const typed = typedSecret(body.apiKey);
    const settings = readSettings(body);
    // No endpoint in the body: the deployed one is meant.
    if (saved && (body.endpoint === undefined || body.endpoint === null || String(body.endpoint).trim() === ''))
      settings.endpoint = saved.settings.endpoint;
    if (!typed && stored && saved && settings.endpoint !== saved.settings.endpoint) {
      return {
        ok: false,
        code: 'EndpointChanged',
        message: t('test.endpointChanged', {}, 'Re-enter the API key to test a different endpoint.'),
      };
    }
    const client = makeClient({ ...settings, maxRetries: 0 }, testSecret(RED, saved, typed, stored));
    try {
      const r = await client.checkKey();
      return { ok: true, requestId: r.traceId, message: t('test.ok', {}, 'Connected: the API key was accepted.') };
    } finally {
      client.close();
    }
  });
}
