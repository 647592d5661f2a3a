/** Loading the Agora STT nodes (not yet in package.json) against the Agora emulator. */
import { AgoraEmulator, AGORA_DEFAULTS } from '../emulator/agora';
import { coreNode, helper, tab } from './harness';

type Msg = Record<string, any>;

export const AGORA_TYPES = [
  'agora-config',
  'agora-stt-start',
  'agora-stt-query',
  'agora-stt-update',
  'agora-stt-stop',
  'agora-stt-events',
];
export const AGORA_NODES = AGORA_TYPES.map((type) => require(`../../nodes/${type}`).default);
const FUNCTION_NODE = coreNode('function/10-function.js');

/** Agora's 5 s update spacing, shortened for tests on both sides (client and emulator). */
export const UPDATE_SPACING_MS = 400;

export function agoraConfig(emulator: AgoraEmulator, extra: Msg = {}): Msg {
  return {
    id: 'cfg',
    type: 'agora-config',
    appId: AGORA_DEFAULTS.appId,
    apiVersion: 'v7',
    endpoint: emulator.url,
    timeout: 2,
    maxRetries: 1,
    ...extra,
  };
}

export function agoraCredentials(extra: Msg = {}, withCertificate = true): Msg {
  return {
    cfg: {
      customerId: AGORA_DEFAULTS.customerId,
      customerSecret: AGORA_DEFAULTS.customerSecret,
      ...(withCertificate ? { appCertificate: AGORA_DEFAULTS.appCertificate } : {}),
    },
    ...extra,
  };
}

export async function startEmulator(opts: Record<string, unknown> = {}): Promise<AgoraEmulator> {
  const emulator = new AgoraEmulator({ updateSpacingMs: UPDATE_SPACING_MS, statusStepMs: 50, ...opts });
  await emulator.listen();
  return emulator;
}

/** Node-RED settings the config node reads its pacing from; restore with resetPacing(). */
export function shortPacing(): void {
  helper.settings({ speechPipelinesAgora: { updateSpacingMs: UPDATE_SPACING_MS } });
}

export function resetPacing(): void {
  helper.settings({});
}

export async function loadAgora(nodes: Msg[], credentials: Msg): Promise<void> {
  await helper.load([FUNCTION_NODE, ...AGORA_NODES], tab(nodes), credentials);
}

/** Sends `msg` to node `id` and resolves with what reaches `out` or the Catch node. */
export function send(id: string, msg: Msg, timeoutMs = 8000): Promise<{ msg?: Msg; error?: Msg }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('neither output nor error')), timeoutMs);
    const onOut = (m: Msg) => finish({ msg: m });
    const onErr = (m: Msg) => finish({ error: m });
    const out = helper.getNode('out');
    const errors = helper.getNode('errors');
    function finish(r: { msg?: Msg; error?: Msg }) {
      clearTimeout(timer);
      out.removeListener('input', onOut);
      errors.removeListener('input', onErr);
      resolve(r);
    }
    out.on('input', onOut);
    errors.on('input', onErr);
    helper.getNode(id).receive(msg);
  });
}

let channelCount = 0;
/** A channel no other test used, so the 1 s start spacing of one test never delays the next. */
export function freshChannel(prefix = 'room'): string {
  channelCount++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${channelCount}`;
}

export { helper };
