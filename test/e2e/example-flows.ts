/**
 * The shipped example flows, pointed at a local emulator: used by `npm start` and
 * by the end-to-end tests, so both deploy exactly what users import.
 */
import fs from 'fs';
import path from 'path';
import { FlowNode, REPO_ROOT } from './node-red-process';

export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

export interface ExampleFile {
  /** Path relative to examples/, e.g. 'aliyun-live/live-subtitles.json'. */
  name: string;
  flows: FlowNode[];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(full);
  }
  return out;
}

/** Every examples/**\/*.json flow file, sorted by path. */
export function readExamples(): ExampleFile[] {
  return walk(EXAMPLES_DIR).map((file) => {
    const flows = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!Array.isArray(flows)) throw new Error(`${file} is not a flow array`);
    return { name: path.relative(EXAMPLES_DIR, file).split(path.sep).join('/'), flows };
  });
}

/**
 * The examples read and write files under /tmp (a WAV, an inbox folder, subtitle files). Moved to
 * `dir`, every path follows (in properties and in function code), so two checkouts running at once
 * on one machine never read each other's files. Names and comments keep saying /tmp: the canvas
 * the tests check is the one users import.
 */
export function withFilesIn(dir: string, flows: FlowNode[]): FlowNode[] {
  const moved = (value: unknown): unknown =>
    typeof value === 'string'
      ? value.split('/tmp/').join(`${dir.replace(/\/+$/, '')}/`)
      : Array.isArray(value)
        ? value.map(moved)
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, moved(v)]))
          : value;
  const SHOWN = new Set(['name', 'info', 'label']);
  return flows.map(
    (n) => Object.fromEntries(Object.entries(n).map(([k, v]) => [k, SHOWN.has(k) ? v : moved(v)])) as FlowNode,
  );
}

/** One example by its path under examples/. */
export function readExample(name: string): FlowNode[] {
  const found = readExamples().find((e) => e.name === name);
  if (!found) throw new Error(`no example ${name} in ${EXAMPLES_DIR}`);
  return found.flows;
}

/** All example files merged into one full deployment; fails on an id used twice. */
export function mergeFlows(files: FlowNode[][]): FlowNode[] {
  const seen = new Map<string, number>();
  const merged: FlowNode[] = [];
  files.forEach((flows, i) => {
    for (const node of flows) {
      const prev = seen.get(node.id);
      if (prev !== undefined) throw new Error(`node id ${node.id} appears in example #${prev} and #${i}`);
      seen.set(node.id, i);
      merged.push(node);
    }
  });
  return merged;
}

/** Where the Agora decode example listens for the forwarded subtitle frames. */
export const AGORA_SUBTITLES_PATH = '/agora-subtitles';

export interface LocalTargets {
  /** The Alibaba Live emulator base URL, e.g. http://127.0.0.1:18080. */
  emulatorUrl: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Where the Alibaba emulator posts callbacks: Node-RED's HTTP base URL, e.g. http://127.0.0.1:1880. */
  nodeRedUrl: string;
  /** AuthKey given to every callback config node. */
  authKey: string;
  /** The Agora emulator, for agora-config nodes and the websocket-client feeding agora-stt-decode. */
  agora?: {
    url: string;
    appId: string;
    customerId: string;
    customerSecret: string;
    appCertificate?: string;
    /** The NCS secret given to every agora-stt-events node (the emulator signs its notifications with it). */
    ncsSecret?: string;
  };
  /** The Unisound emulator, for unisound-config nodes. */
  unisound?: { url: string; apiKey: string };
  /** The secret every aliyun-ims-workflow-in node requires (the emulator's templates send it). */
  imsSecret?: string;
}

/** The demo's IMS workflow secret, when the targets name none. */
export const DEMO_IMS_SECRET = 'demo-workflow-secret';

/**
 * A deep copy of `flows` with every `aliyun-live-config` pointed at the emulator
 * (credentials inline, which Node-RED stores encrypted on deploy) and every
 * `aliyun-live-callback-config` given `<nodeRedUrl><path of its callback node>`
 * and an AuthKey.
 */
export function pointAtEmulator(flows: FlowNode[], targets: LocalTargets): FlowNode[] {
  const copy: FlowNode[] = JSON.parse(JSON.stringify(flows));
  const base = targets.nodeRedUrl.replace(/\/+$/, '');
  for (const node of copy) {
    if (node.type === 'aliyun-live-config') {
      node.endpoint = targets.emulatorUrl;
      node.credentials = { accessKeyId: targets.accessKeyId, accessKeySecret: targets.accessKeySecret };
    } else if (node.type === 'aliyun-live-callback-config') {
      const receiver = copy.find((n) => n.type === 'aliyun-live-asr-callback' && n.callback === node.id && n.path);
      let urlPath: string = receiver ? String(receiver.path) : '';
      if (!urlPath) {
        try {
          urlPath = new URL(String(node.callbackUrl)).pathname;
        } catch {
          urlPath = '/aliyun/asr-callback';
        }
      }
      if (!urlPath.startsWith('/')) urlPath = `/${urlPath}`;
      node.callbackUrl = `${base}${urlPath}`;
      node.credentials = { authKey: targets.authKey };
    } else if (node.type === 'agora-config' && targets.agora) {
      const a = targets.agora;
      node.endpoint = a.url;
      node.appId = a.appId;
      node.credentials = {
        customerId: a.customerId,
        customerSecret: a.customerSecret,
        ...(a.appCertificate ? { appCertificate: a.appCertificate } : {}),
      };
    } else if (node.type === 'agora-stt-events' && targets.agora?.ncsSecret) {
      node.credentials = { secret: targets.agora.ncsSecret };
    } else if (node.type === 'websocket-listener' && targets.agora && String(node.path) === AGORA_SUBTITLES_PATH) {
      // Imported, Node-RED listens for the app that forwards the bot's stream messages; here the
      // emulator stands in for that app, so the node becomes a client of the emulator's feed.
      const emulator = new URL(targets.agora.url);
      const listener = node.id;
      node.type = 'websocket-client';
      node.path = `ws://${emulator.host}/subtitles?channel=demo`;
      Object.assign(node, { tls: '', hb: '0', subprotocol: '', headers: [] });
      for (const n of copy)
        if (n.type === 'websocket in' && n.server === listener) Object.assign(n, { server: '', client: listener });
    } else if (node.type === 'aliyun-ims-config') {
      node.endpoint = targets.emulatorUrl;
      node.credentials = { accessKeyId: targets.accessKeyId, accessKeySecret: targets.accessKeySecret };
    } else if (node.type === 'aliyun-ims-workflow-in') {
      node.credentials = { secret: targets.imsSecret ?? DEMO_IMS_SECRET };
    } else if (node.type === 'unisound-config' && targets.unisound) {
      node.endpoint = targets.unisound.url;
      node.credentials = { apiKey: targets.unisound.apiKey };
    }
  }
  return copy;
}

/**
 * The IMS templates the emulator plays for these flows: each start node's WorkflowId posts to
 * the IMS workflow in node on its tab, the way a user sets the template's HTTP Request node.
 */
export function imsTemplatesFor(
  flows: FlowNode[],
  nodeRedUrl: string,
  secret = DEMO_IMS_SECRET,
): Record<string, { input: 'live' | 'rtc' | 'any'; callbackUrl: string; repeat: boolean }> {
  const base = nodeRedUrl.replace(/\/+$/, '');
  const out: Record<string, { input: 'live' | 'rtc' | 'any'; callbackUrl: string; repeat: boolean }> = {};
  for (const start of flows.filter((n) => n.type === 'aliyun-ims-workflow-start')) {
    const receiver = flows.find((n) => n.type === 'aliyun-ims-workflow-in' && n.z === start.z);
    if (!receiver) continue;
    const param = String(receiver.secretParam || 'secret');
    out[String(start.workflowId)] = {
      input: start.mode === 'rtc' ? 'rtc' : start.mode === 'live' ? 'live' : 'any',
      callbackUrl: `${base}${String(receiver.path)}?${param}=${encodeURIComponent(secret)}`,
      repeat: true,
    };
  }
  return out;
}

export function nodesOfType(flows: FlowNode[], type: string): FlowNode[] {
  return flows.filter((n) => n.type === type);
}

/** The inject node with this name (the label of its button in the editor). */
export function injectNamed(flows: FlowNode[], name: string): FlowNode {
  const node = flows.find((n) => n.type === 'inject' && n.name === name);
  if (!node)
    throw new Error(
      `no inject node named "${name}"; have: ${flows
        .filter((n) => n.type === 'inject')
        .map((n) => n.name)
        .join(', ')}`,
    );
  return node;
}
