import { registerConfigTest } from './lib/config-test-route';
import { NodeAPI, NodeDef, resolveSecret, testSecret, typedSecret, withDefaults } from './lib/node-red';
import { AgoraSttClient, DEFAULT_ENDPOINT, DEFAULT_UPDATE_SPACING_MS } from './vendors/agora/client';
import { AGORA_CONFIG_TYPE, AgoraConfigNode, AgoraSettings, Credentials, isAgoraConfig } from './lib/accounts/agora';
import { UpdateWatch } from './lib/agora/update-watch';
import { goodbyeSaid, sharedState, volatileStore } from './lib/state/shared';
import type { StateStore } from './lib/state/store';

export const TYPE = AGORA_CONFIG_TYPE;

/** The dialog's defaults (nodes/agora-config.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  appId: '',
  apiVersion: 'v7',
  endpoint: DEFAULT_ENDPOINT,
  timeout: 10,
  maxRetries: 3,
};

/**
 * Pacing Node-RED's settings file may change (`speechPipelinesAgora: {updateSpacingMs, startSpacingMs}`),
 * for emulators and tests; Agora's own rules (5 s, 1 s) apply otherwise.
 */
interface Pacing {
  updateSpacingMs?: number;
  startSpacingMs?: number;
}

export function readSettings(def: Record<string, unknown>): AgoraSettings {
  const timeout = Number(def.timeout);
  const retries = Number(def.maxRetries);
  return {
    appId: String(def.appId ?? '').trim(),
    apiVersion: def.apiVersion === 'v6' ? 'v6' : 'v7',
    endpoint: String(def.endpoint || DEFAULT_ENDPOINT).trim(),
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? Math.round(timeout * 1000) : 10000,
    maxRetries: Number.isInteger(retries) && retries >= 0 && retries <= 10 ? retries : 3,
  };
}

function pacingOf(RED: NodeAPI): Pacing {
  const p = RED.settings.speechPipelinesAgora as Pacing | undefined;
  const ms = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
  return p && typeof p === 'object'
    ? { updateSpacingMs: ms(p.updateSpacingMs), startSpacingMs: ms(p.startSpacingMs) }
    : {};
}

function makeClient(settings: AgoraSettings, creds: Credentials, pacing: Pacing, store?: StateStore): AgoraSttClient {
  return new AgoraSttClient({
    appId: settings.appId,
    customerId: creds.customerId ?? '',
    customerSecret: creds.customerSecret ?? '',
    appCertificate: creds.appCertificate || undefined,
    apiVersion: settings.apiVersion,
    endpoint: settings.endpoint,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    ...pacing,
    store,
  });
}

export default function register(RED: NodeAPI): void {
  // Start locks and used names: shared by every instance when Redis is configured.
  sharedState(RED);

  function AgoraConfig(this: AgoraConfigNode, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    const pacing = pacingOf(RED);
    node.settings = readSettings(def);
    node.updates = new UpdateWatch(pacing.updateSpacingMs ?? DEFAULT_UPDATE_SPACING_MS);
    let client: AgoraSttClient | undefined;
    node.client = () => {
      // The constructor refuses incomplete settings (InvalidInput): nothing is cached then.
      client ??= makeClient(
        node.settings,
        {
          customerId: resolveSecret(RED, node, node.credentials.customerId),
          customerSecret: resolveSecret(RED, node, node.credentials.customerSecret),
          appCertificate: resolveSecret(RED, node, node.credentials.appCertificate),
        },
        pacing,
        volatileStore(RED),
      );
      return client;
    };
    node.on('close', (_removed: boolean, done: () => void) => {
      client?.close();
      client = undefined;
      void goodbyeSaid().then(done);
    });
  }

  RED.nodes.registerType(TYPE, AgoraConfig, {
    credentials: {
      customerId: { type: 'text' },
      customerSecret: { type: 'password' },
      appCertificate: { type: 'password' },
    },
  });

  // "Test connection": one cheap authenticated read. The browser may send what it has typed;
  // stored secrets stay on the server and only an outcome goes back.
  registerConfigTest(RED, TYPE, async ({ t, body, deployed }) => {
    const stored: Credentials = isAgoraConfig(deployed) ? deployed.credentials : {};
    const saved = isAgoraConfig(deployed) ? deployed : undefined;
    const pick = (field: keyof Credentials): string | undefined => testSecret(RED, saved, body[field], stored[field]);
    const settings = readSettings(withDefaults({ id: '', type: TYPE, ...body }, DEFAULTS));
    // Stored, not typed: a secret the user typed (even the same one again) is theirs to send anywhere.
    const usesStoredSecret = (['customerId', 'customerSecret', 'appCertificate'] as const).some(
      (f) => !!stored[f] && typedSecret(body[f]) === undefined,
    );
    if (usesStoredSecret && saved && settings.endpoint !== saved.settings.endpoint) {
      // Stored secrets only ever go to the endpoint they were deployed with.
      return {
        ok: false,
        code: 'EndpointChanged',
        message: t('test.endpointChanged', {}, 'Re-enter the customer secret to test a different endpoint.'),
      };
    }
    const client = makeClient(
      { ...settings, maxRetries: 0 },
      {
        customerId: pick('customerId'),
        customerSecret: pick('customerSecret'),
        appCertificate: pick('appCertificate'),
      },
      pacingOf(RED),
    );
    try {
      const r = await client.testConnection();
      return { ok: true, agents: r.agents, message: t('test.ok', { count: r.agents }, 'Connected.') };
    } finally {
      client.close();
    }
  });
}
