import path from 'path';
import helper from 'node-red-node-test-helper';
import { AliyunLiveEmulator, DEFAULT_CREDENTIALS } from '../emulator';

/** The Node-RED under test: this project's (4.x), or another install named by NODE_RED_PATH (5.x on Node 22). */
export const NODE_RED_DIR = process.env.NODE_RED_PATH ?? path.dirname(require.resolve('node-red/package.json'));
helper.init(require.resolve(NODE_RED_DIR));

/** A core node module of the Node-RED under test, e.g. 'common/20-inject.js'. */
export const coreNode = (file: string) =>
  require(require.resolve(`@node-red/nodes/core/${file}`, { paths: [NODE_RED_DIR] }));

type Msg = Record<string, any>;

/** Every node module the package registers, in package.json's load order (config nodes first). */
export const ALL_NODES = Object.values(require('../../package.json')['node-red'].nodes as Record<string, string>).map(
  (file) => require(`../../${file}`).default,
);

export const [[ACCESS_KEY_ID, ACCESS_KEY_SECRET]] = Object.entries(DEFAULT_CREDENTIALS);
export const TAB = 'tab1';

export function liveConfig(emulator: AliyunLiveEmulator, extra: Msg = {}): Msg {
  return {
    id: 'cfg',
    type: 'aliyun-live-config',
    region: 'cn-shanghai',
    endpoint: emulator.url,
    signatureVersion: 'v3',
    timeout: 2,
    maxRetries: 2,
    ...extra,
  };
}

export const liveCredentials = (secret = ACCESS_KEY_SECRET): Msg => ({
  cfg: { accessKeyId: ACCESS_KEY_ID, accessKeySecret: secret },
});

/** A tab with the given nodes, a helper node `out` and a Catch node feeding helper `errors`. */
export function tab(nodes: Msg[]): Msg[] {
  return [
    { id: TAB, type: 'tab', label: 'test' },
    // Inside a tab, Node-RED treats nodes without x/y as config nodes.
    ...nodes.map((n) => (n.type.endsWith('-config') ? n : { z: TAB, x: 0, y: 0, ...n })),
    { id: 'out', type: 'helper', z: TAB, x: 0, y: 0 },
    { id: 'out2', type: 'helper', z: TAB, x: 0, y: 0 },
    { id: 'catch', type: 'catch', z: TAB, x: 0, y: 0, scope: null, uncaught: false, wires: [['errors']] },
    { id: 'errors', type: 'helper', z: TAB, x: 0, y: 0 },
  ];
}

export async function load(nodes: Msg[], credentials: Msg): Promise<void> {
  await helper.load(ALL_NODES, tab(nodes), credentials);
}

/**
 * Resolves with the first message on `out` or rejects with the first error a
 * Catch node sees; waiting on both proves exactly one of them happens.
 */
export function outcome(timeoutMs = 8000): Promise<{ msg?: Msg; error?: Msg }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('neither output nor error')), timeoutMs);
    helper.getNode('out').on('input', (msg: Msg) => {
      clearTimeout(timer);
      resolve({ msg });
    });
    helper.getNode('errors').on('input', (msg: Msg) => {
      clearTimeout(timer);
      resolve({ error: msg });
    });
  });
}

/** Collects every output and error for `ms`, to assert counts (never both, never neither). */
export function collect(ms: number): Promise<{ out: Msg[]; errors: Msg[] }> {
  const out: Msg[] = [];
  const errors: Msg[] = [];
  helper.getNode('out').on('input', (m: Msg) => out.push(m));
  helper.getNode('errors').on('input', (m: Msg) => errors.push(m));
  return new Promise((resolve) => setTimeout(() => resolve({ out, errors }), ms));
}

export { helper };
