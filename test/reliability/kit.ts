/**
 * The tables the reliability, security and benchmark harnesses iterate over.
 *
 * A vendor joins every harness by adding one VendorKit (its emulator and config
 * node), one ActionCase per action node and one CallbackCase per callback node:
 * the fault suite, rate-limit, canary, fuzz, soak and benchmarks then cover it.
 */
import crypto from 'crypto';
import net from 'net';
import { AliyunLiveEmulator } from '../emulator';
import type { FaultInjector, FaultKind } from '../emulator/faults';
import { createTask } from '../emulator/aliyun-live/tasks';
import { RateLimiter } from '../../nodes/lib/rate-limit';
import { TtlSet } from '../../nodes/lib/ttl-set';

export type Msg = Record<string, any>;
import type { Rand } from '../support/random';
export { mulberry32 } from '../support/random';
export type { Rand } from '../support/random';

// ---------------------------------------------------------------------------
// Vendors
// ---------------------------------------------------------------------------

export interface EmulatedCall {
  action?: string;
  status: number;
  at: number;
  params: Record<string, string>;
  fault?: string;
  code?: string | number;
}

/** What every vendor emulator offers the harnesses. */
export interface EmulatorLike {
  readonly url: string;
  readonly requests: EmulatedCall[];
  readonly faults: FaultInjector;
  reset(): void;
  close(): Promise<void>;
}

export interface Secrets {
  keyId: string;
  secret: string;
  /** STS token, when the vendor has one. */
  token?: string;
}

export interface ConfigOptions {
  timeoutS?: number;
  maxRetries?: number;
  /** Signature scheme or similar vendor-specific switches. */
  extra?: Msg;
}

export interface VendorKit {
  vendor: string;
  /** The action nodes' config node type; harnesses give it the id 'cfg' unless they need several. */
  configType: string;
  /** The action node property naming its config node. */
  configProp: string;
  defaultSecrets: Secrets;
  /** Signature schemes or similar switches that change what goes on the wire: every one is covered. */
  wireVariants: Array<{ name: string; extra: Msg }>;
  startEmulator(opts?: { secrets?: Secrets; accounts?: Secrets[]; ratePerSecond?: number }): Promise<EmulatorLike>;
  configNode(emulatorUrl: string, opts?: ConfigOptions, id?: string): Msg;
  /** Credentials of the config node, keyed by node id. */
  credentials(secrets: Secrets, id?: string): Msg;
  /** Vendor error codes a fault kind must surface as. */
  faultCode: Record<FaultKind, RegExp>;
}

export const ALIYUN: VendorKit = {
  vendor: 'aliyun',
  configType: 'aliyun-live-config',
  configProp: 'live',
  defaultSecrets: { keyId: 'LTAI-emulator', secret: 'emulator-secret' },
  wireVariants: [
    { name: 'signature V3', extra: { signatureVersion: 'v3' } },
    // V2 puts AccessKeyId and SecurityToken in the query string.
    { name: 'signature V2', extra: { signatureVersion: 'v2' } },
  ],
  async startEmulator(opts = {}) {
    const accounts = opts.accounts ?? [opts.secrets ?? ALIYUN.defaultSecrets];
    const emulator = new AliyunLiveEmulator({
      callbacks: false,
      credentials: Object.fromEntries(accounts.map((a) => [a.keyId, a.secret])),
      stsTokens: Object.fromEntries(accounts.filter((a) => a.token).map((a) => [a.keyId, a.token as string])),
      ratePerSecond: opts.ratePerSecond,
    });
    await emulator.listen();
    return emulator;
  },
  configNode(url, opts = {}, id = 'cfg') {
    return {
      id, type: 'aliyun-live-config', region: 'cn-shanghai', endpoint: url, signatureVersion: 'v3',
      timeout: opts.timeoutS ?? 2, maxRetries: opts.maxRetries ?? 2, ...opts.extra,
    };
  },
  credentials(s, id = 'cfg') {
    return { [id]: { accessKeyId: s.keyId, accessKeySecret: s.secret, ...(s.token ? { securityToken: s.token } : {}) } };
  },
  faultCode: {
    http500: /^InternalError$/,
    http503: /^ServiceUnavailable$/,
    throttle: /^Throttling/,
    hang: /^Timeout$/,
    slow: /^Timeout$/,
    drop: /^(ECONNRESET|EPIPE|ERR_BAD_RESPONSE|NetworkError|ECONNABORTED)$/,
    invalidJson: /^InvalidResponse$/,
  },
};

/** A running task in the Alibaba emulator, without spending a request (or a rate-limit slot) on it. */
export function seedAliyunTask(emulator: EmulatorLike, keyId: string = ALIYUN.defaultSecrets.keyId): string {
  const emu = emulator as AliyunLiveEmulator;
  const task = createTask(keyId, { Mode: 'live', StreamURL: 'rtmp://push.example.com/app/s', Language: 'cn', CallbackURL: 'http://127.0.0.1:9/cb' }, Date.now());
  emu.tasks.set(task.taskId, task);
  return task.taskId;
}

// ---------------------------------------------------------------------------
// Action nodes
// ---------------------------------------------------------------------------

export interface ActionCase {
  /** Unique label (a node type, or a type plus a variant). */
  name: string;
  type: string;
  kit: VendorKit;
  /** The node, id 'act', config 'cfg', wired to the helper 'out'. */
  node(extra?: Msg): Msg;
  /** A msg that succeeds for the account `keyId` (default: the kit's); may put what it needs into the emulator first. */
  validMsg(emulator: EmulatorLike, keyId?: string): Msg;
  /** False for requests that create something: retried only after an explicit refusal (throttling). */
  idempotent: boolean;
  /** Vendor requests one successful msg makes. */
  calls: number;
  /** A msg invalid by construction (wrong types, sizes, shapes): it must fail before anything is sent. */
  invalidMsg(rand: Rand): Msg;
  /** Harnesses this entry sits out (a variant that adds nothing there). */
  skip?: Array<'faults' | 'fuzz' | 'canary'>;
}

const CREATE_EDITOR = {
  mode: 'live', modeType: 'aliyunMode', streamUrl: 'rtmp://push.example.com/app/stream', streamUrlType: 'str',
  language: 'cn', languageType: 'aliyunLanguage', callbackUrl: 'http://127.0.0.1:9/cb', callbackUrlType: 'str',
};

/** Values that are never a valid string/number parameter. */
function wrongTyped(rand: Rand): unknown {
  const k = rand(12);
  switch (k) {
    case 0: return { nested: { deeper: rand(1000) } };
    case 1: return Array.from({ length: rand(5) + 2 }, () => rand(100));
    case 2: return rand(2) === 0;
    case 3: return Buffer.alloc(rand(64) + 1, rand(256));
    case 4: return new Date(rand(1e12));
    case 5: return BigInt(rand(1e9));
    case 6: return Symbol('fuzz');
    case 7: return () => 'fn';
    case 8: return new Map([[rand(9), rand(9)]]);
    case 9: return JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}');
    case 10: return Object.create(null);
    default: return [[[]]];
  }
}

/** Strings that no pattern, enum or URL rule of these APIs accepts. */
function badString(rand: Rand, max = 2048): string {
  const k = rand(8);
  switch (k) {
    case 0: return 'x'.repeat(max + 1 + rand(200_000));
    case 1: return `bad value ${rand(1e6)} with spaces/and?query#frag`;
    case 2: return '../../etc/passwd\u0000';
    case 3: return '\u202e\u0007\u001b[31m' + 'é'.repeat(rand(50) + 1);
    case 4: return 'http://203.0.113.9/evil path';
    case 5: return '{"__proto__":{"polluted":1}}';
    case 6: return ' ,; ';
    default: return `${'a'.repeat(rand(5) + 1)}\n${'b'.repeat(rand(5) + 1)}`;
  }
}

const CREATE_FIELDS = ['Mode', 'StreamURL', 'SDKAppID', 'ChannelID', 'RtcUserId', 'Language', 'CallbackURL', 'AuthKey', 'TranslateEnabled', 'TargetLanguages', 'AutoTerminateEnabled', 'AutoTerminateDelay', 'ReportInterval', 'RegionId'];

/** A wrong value for one create parameter (a wrong type, a wrong size, or out of range). */
function badCreateValue(field: string, rand: Rand): unknown {
  if (rand(2) === 0) {
    const value = wrongTyped(rand);
    // true/false is the one "wrong type" a boolean parameter accepts.
    return typeof value === 'boolean' && /Enabled$/.test(field) ? 'maybe' : value;
  }
  switch (field) {
    case 'AutoTerminateDelay': return [0, 11, -5, 1.5, 1e9, 'ten'][rand(6)];
    case 'ReportInterval': return [-2, 501, 2.5, 'often', 1e12][rand(5)];
    case 'TranslateEnabled':
    case 'AutoTerminateEnabled': return ['yes', 1, 0, 'TRUE ', 'on'][rand(5)];
    case 'Mode': return ['LIVE', 'rtmp', 'x'.repeat(3000), ''][rand(3)];
    case 'Language': return ['de', 'zh-CN', 'x'.repeat(3000)][rand(3)];
    case 'TargetLanguages': return ['fr', 'cn,en', 'x'.repeat(3000)][rand(3)];
    case 'StreamURL': return ['ftp://a/b', 'not a url', 'javascript:alert(1)', 'x'.repeat(3000)][rand(4)];
    case 'CallbackURL': return ['ftp://a/b', 'not a url', 'file:///etc/passwd', 'x'.repeat(3000)][rand(4)];
    case 'RtcUserId': return ['a,b', 'a b', ['a', 'b'], 'x'.repeat(300)][rand(4)];
    case 'RegionId': return ['CN', 'cn-shanghai.evil.example.com', 'x'.repeat(100)][rand(3)];
    default: return 'x'.repeat(257 + rand(100_000)); // SDKAppID, ChannelID, AuthKey: length limits
  }
}

/** A plain object with own `__proto__`, `constructor` and `prototype` keys, as JSON.parse makes them. */
export function pollutingObject(): Msg {
  return JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}}');
}

function invalidCreateMsg(rand: Rand): Msg {
  // Own pollution keys (never Object.assign: that would set the prototype instead).
  const payload: Msg = rand(4) === 0 ? pollutingObject() : {};
  // Harmless extras around at least one wrong parameter.
  if (rand(3) === 0) {
    for (const [k, v] of Object.entries({ endpoint: 'http://203.0.113.9', host: '203.0.113.9', url: 'http://203.0.113.9/', baseURL: 'http://203.0.113.9' })) payload[k] = v;
  }
  const wrong = 1 + rand(3);
  for (let i = 0; i < wrong; i++) {
    const field = CREATE_FIELDS[rand(CREATE_FIELDS.length)];
    payload[field] = badCreateValue(field, rand);
  }
  // Blank required fields cannot be wrong: make sure one wrong value stays.
  if (Object.values(payload).every((v) => v === '' || v === undefined)) payload.Language = 'de';
  return { payload };
}

function invalidTaskId(rand: Rand): unknown {
  return rand(2) === 0 ? wrongTyped(rand) : [badString(rand, 128), '-'.repeat(129 + rand(1000)), 'asr-1 2', 'asr/../x', 'asr?x=1', '1e+21', 'x'.repeat(129)][rand(7)];
}

function invalidTaskMsg(rand: Rand, required: boolean): Msg {
  // Blank ids are valid for query (it lists every task) and invalid for stop.
  const blank = [undefined, null, '', '   '][rand(4)];
  const taskId = required && rand(5) === 0 ? blank : invalidTaskId(rand);
  const msg: Msg = { taskId };
  // Noise that must be ignored: payload shapes and redirect attempts.
  if (rand(2) === 0) msg.payload = rand(2) === 0 ? wrongTyped(rand) : { endpoint: 'http://203.0.113.9', TaskId: 'asr-1' };
  if (rand(4) === 0) Object.assign(msg, { url: 'http://203.0.113.9/', endpoint: 'http://203.0.113.9', headers: { host: '203.0.113.9' } });
  return msg;
}

export const ACTION_CASES: ActionCase[] = [
  {
    name: 'aliyun-live-asr-create',
    type: 'aliyun-live-asr-create',
    kit: ALIYUN,
    node: (extra = {}) => ({ id: 'act', type: 'aliyun-live-asr-create', live: 'cfg', ...CREATE_EDITOR, wires: [['out']], ...extra }),
    validMsg: () => ({ payload: {} }),
    idempotent: false,
    calls: 1,
    invalidMsg: invalidCreateMsg,
  },
  {
    // Everything from msg.payload: then a payload of any wrong type or shape is an error too.
    name: 'aliyun-live-asr-create (no editor defaults)',
    type: 'aliyun-live-asr-create',
    kit: ALIYUN,
    node: (extra = {}) => ({ id: 'act', type: 'aliyun-live-asr-create', live: 'cfg', wires: [['out']], ...extra }),
    validMsg: () => ({ payload: { Mode: 'live', StreamURL: 'rtmp://push.example.com/app/s', Language: 'en', CallbackURL: 'https://hooks.example.com/cb' } }),
    idempotent: false,
    calls: 1,
    invalidMsg: (rand) => (rand(3) === 0 ? { payload: [wrongTyped(rand), badString(rand), rand(1e9), undefined, null, ''][rand(6)] } : invalidCreateMsg(rand)),
    skip: ['faults', 'canary'],
  },
  {
    name: 'aliyun-live-asr-query',
    type: 'aliyun-live-asr-query',
    kit: ALIYUN,
    node: (extra = {}) => ({ id: 'act', type: 'aliyun-live-asr-query', live: 'cfg', taskId: 'taskId', taskIdType: 'msg', wires: [['out']], ...extra }),
    validMsg: (emu, keyId) => ({ taskId: seedAliyunTask(emu, keyId) }),
    idempotent: true,
    calls: 1,
    invalidMsg: (rand) => invalidTaskMsg(rand, false),
  },
  {
    name: 'aliyun-live-asr-stop',
    type: 'aliyun-live-asr-stop',
    kit: ALIYUN,
    node: (extra = {}) => ({ id: 'act', type: 'aliyun-live-asr-stop', live: 'cfg', taskId: 'taskId', taskIdType: 'msg', wires: [['out']], ...extra }),
    validMsg: (emu, keyId) => ({ taskId: seedAliyunTask(emu, keyId) }),
    idempotent: true,
    calls: 1,
    invalidMsg: (rand) => invalidTaskMsg(rand, true),
  },
  {
    name: 'aliyun-live-asr-stop (delete after stop)',
    type: 'aliyun-live-asr-stop',
    kit: ALIYUN,
    node: (extra = {}) => ({ id: 'act', type: 'aliyun-live-asr-stop', live: 'cfg', taskId: 'taskId', taskIdType: 'msg', deleteAfterStop: true, wires: [['out']], ...extra }),
    validMsg: (emu, keyId) => ({ taskId: seedAliyunTask(emu, keyId) }),
    idempotent: true,
    calls: 2,
    invalidMsg: (rand) => invalidTaskMsg(rand, true),
  },
];

// ---------------------------------------------------------------------------
// Callback nodes
// ---------------------------------------------------------------------------

export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

export interface CallbackCase {
  name: string;
  type: string;
  /** Config node(s) and the callback node (id 'cb', output 1 wired to `wires`), serving `path`. */
  nodes(path: string, callbackUrl: string, wires: string[][]): Msg[];
  /** Credentials for nodes(), keyed by node id. */
  credentials(secret: string): Msg;
  /** Flow JSON for POST /flows: the same nodes with their credentials inline. */
  deployable(path: string, callbackUrl: string, secret: string, wires: string[][]): Msg[];
  /**
   * A factory of signed, realistic callbacks with a fresh event id each call, cheap
   * enough for a load generator (templated body, signature cached per second).
   */
  requests(callbackUrl: string, secret: string, opts?: { taskId?: string }): () => SignedRequest;
  /** A callback whose signature is wrong. */
  forged(callbackUrl: string): SignedRequest;
}

function aliyunCallbackTemplate(taskId: string): string {
  const content = {
    header: { namespace: 'SpeechTranscriber', name: 'TranscriptionResultChanged', status: 20000000, status_text: 'Gateway:SUCCESS:Success.', message_id: '@@MID@@', task_id: '7f1c2d3e4b5a69788796a5b4c3d2e1f0' },
    payload: {
      index: 3, time: 4520, begin_time: 2100, result: 'the quick brown fox jumps over the lazy dog', confidence: 0.93,
      words: [
        { text: 'the', startTime: 2100, endTime: 2300 }, { text: 'quick', startTime: 2300, endTime: 2700 },
        { text: 'brown', startTime: 2700, endTime: 3100 }, { text: 'fox', startTime: 3100, endTime: 3400 },
        { text: 'jumps', startTime: 3400, endTime: 3800 }, { text: 'over', startTime: 3800, endTime: 4000 },
        { text: 'the', startTime: 4000, endTime: 4100 }, { text: 'lazy', startTime: 4100, endTime: 4300 },
        { text: 'dog', startTime: 4300, endTime: 4520 },
      ],
      status: 0,
    },
  };
  return JSON.stringify({
    task_id: taskId, sdk_app_id: '', channel_id: '', rtc_user_id: '', callback_time_stamp: 1700000000000, language: 'en',
    content: JSON.stringify(content),
  });
}

export const CALLBACK_CASES: CallbackCase[] = [
  {
    name: 'aliyun-live-asr-callback',
    type: 'aliyun-live-asr-callback',
    nodes: (path, callbackUrl, wires) => [
      { id: 'cbcfg', type: 'aliyun-live-callback-config', callbackUrl },
      { id: 'cb', type: 'aliyun-live-asr-callback', callback: 'cbcfg', path, wires },
    ],
    credentials: (secret) => ({ cbcfg: { authKey: secret } }),
    deployable(path, callbackUrl, secret, wires) {
      const [cfg, cb] = this.nodes(path, callbackUrl, wires);
      return [{ ...cfg, credentials: { authKey: secret } }, cb];
    },
    requests(callbackUrl, secret, opts = {}) {
      const [head, tail] = aliyunCallbackTemplate(opts.taskId ?? 'asr-11111111-2222-4333-8444-555555555555').split('@@MID@@');
      const prefix = crypto.randomBytes(8).toString('hex');
      let n = 0;
      let second = '';
      let sig = '';
      return () => {
        const now = String(Math.floor(Date.now() / 1000));
        if (now !== second) {
          second = now;
          sig = crypto.createHash('md5').update(`${now}/${callbackUrl}/${secret}`).digest('hex');
        }
        n++;
        return {
          headers: { 'content-type': 'application/json', 'sig-time': second, 'asr-sig': sig },
          body: `${head}${prefix}${n.toString(16).padStart(16, '0')}${tail}`,
        };
      };
    },
    forged(callbackUrl) {
      const now = String(Math.floor(Date.now() / 1000));
      return {
        headers: { 'content-type': 'application/json', 'sig-time': now, 'asr-sig': crypto.createHash('md5').update(`${now}/${callbackUrl}/not-the-key`).digest('hex') },
        body: aliyunCallbackTemplate('asr-forged').replace('@@MID@@', crypto.randomBytes(16).toString('hex')),
      };
    },
  },
];

// ---------------------------------------------------------------------------
// Process resources
// ---------------------------------------------------------------------------

/** Resource kinds Node reports as keeping the process alive (TCPSocketWrap, Timeout, ...). */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Open TCP sockets with one end on `port` (client and server side both count). */
export function socketsTo(port: number): net.Socket[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h): h is net.Socket => h instanceof net.Socket && !h.destroyed && (h.remotePort === port || h.localPort === port));
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is true or `ms` passed; returns the last value of check. */
export async function eventually(check: () => boolean, ms: number, every = 20): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(every);
  }
  return true;
}

// ---------------------------------------------------------------------------
// Instrumentation of product internals (read-only, for diagnostics)
// ---------------------------------------------------------------------------

const seenLimiters = new Set<RateLimiter>();
let limiterTracking = false;

/** Records every RateLimiter that is used from now on, to report how many callers still wait in them. */
export function trackLimiters(): () => number {
  if (!limiterTracking) {
    limiterTracking = true;
    const acquire = RateLimiter.prototype.acquire;
    RateLimiter.prototype.acquire = function (this: RateLimiter, ...args: unknown[]) {
      seenLimiters.add(this);
      return (acquire as (...a: unknown[]) => Promise<void>).apply(this, args);
    };
  }
  return () => [...seenLimiters].reduce((sum, l) => sum + l.pending, 0);
}

const seenTtlSets = new Set<TtlSet>();
let ttlTracking = false;

/**
 * Records every TtlSet (the callback nodes' event-dedupe caches) that is added to
 * from now on; returns a function giving their sizes. The product does not expose
 * the cache, so this wraps the prototype: no product code changes.
 */
export function trackTtlSets(): () => number[] {
  if (!ttlTracking) {
    ttlTracking = true;
    const add = TtlSet.prototype.add;
    TtlSet.prototype.add = function (this: TtlSet, key: string) {
      seenTtlSets.add(this);
      return add.call(this, key);
    };
  }
  return () => [...seenTtlSets].map((s) => s.size);
}

/** A full garbage collection, whether or not node runs with --expose-gc. */
export function collectGarbage(): void {
  let gc = (global as { gc?: () => void }).gc;
  if (!gc) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require('v8').setFlagsFromString('--expose-gc');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    gc = require('vm').runInNewContext('gc') as () => void;
  }
  gc();
}

/**
 * The sinon spies node-red-node-test-helper puts on Node.prototype (send, status,
 * log, warn, error, ...) and RED.log: they keep every call's arguments until reset.
 */
export function harnessSpies(): Array<{ resetHistory(): void; args: unknown[][] }> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const helper = require('node-red-node-test-helper');
  const proto = helper._NodePrototype as Record<string, any>;
  const spies = ['log', 'status', 'warn', 'error', 'debug', 'trace', 'send'].map((m) => proto[m]).concat([helper.log()]);
  return spies.filter((s) => s && typeof s.resetHistory === 'function');
}

/**
 * Restores the Node.prototype and RED.log methods the test helper wrapped in
 * spies for this load, so benchmarks and soaks measure the product, not sinon
 * recording every call (and keeping every msg). Wired nodes copied the spied
 * `send` onto themselves when created: they get the original back too.
 * helper.unload() copes with the spies being gone.
 */
export function removeHarnessSpies(): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const helper = require('node-red-node-test-helper');
  helper._sandbox.restore();
  const original = helper._NodePrototype.send;
  for (const def of helper._redNodes.getFlows()?.flows ?? []) {
    const node = helper.getNode(def.id) as Msg | null;
    if (node && Object.prototype.hasOwnProperty.call(node, 'send') && typeof node.send?.resetHistory === 'function') node.send = original;
  }
}

// ---------------------------------------------------------------------------
// Agora Real-time STT (appended: the Agora nodes join the harnesses here)
// ---------------------------------------------------------------------------

/* eslint-disable import/first */
import { AgoraEmulator, AGORA_DEFAULTS, EmulatedAgent } from '../emulator/agora';
import { newAgentId } from '../emulator/agora/agents';

/**
 * Agora: keyId is the customer ID and secret the customer secret; every config also holds the
 * emulator app's App Certificate (a canary secret of its own), so starts carry built bot tokens.
 */
export const AGORA: VendorKit = {
  vendor: 'agora',
  configType: 'agora-config',
  configProp: 'agora',
  defaultSecrets: { keyId: AGORA_DEFAULTS.customerId, secret: AGORA_DEFAULTS.customerSecret },
  // v6 is covered by its own action cases; the wire does not change with any config switch.
  wireVariants: [{ name: 'v7', extra: { apiVersion: 'v7' } }],
  async startEmulator(opts = {}) {
    const accounts = opts.accounts ?? [opts.secrets ?? AGORA.defaultSecrets];
    const emulator = new AgoraEmulator({
      credentials: Object.fromEntries(accounts.map((a) => [a.keyId, a.secret])),
      // Agora's 5 s update spacing would only slow the harnesses down: seeded agents are old.
      updateSpacingMs: 0,
    });
    await emulator.listen();
    return emulator as unknown as EmulatorLike;
  },
  configNode(url, opts = {}, id = 'cfg') {
    return {
      id, type: 'agora-config', appId: AGORA_DEFAULTS.appId, apiVersion: 'v7', endpoint: url,
      timeout: opts.timeoutS ?? 2, maxRetries: opts.maxRetries ?? 2, ...opts.extra,
    };
  },
  credentials(s, id = 'cfg') {
    return { [id]: { customerId: s.keyId, customerSecret: s.secret, appCertificate: AGORA_DEFAULTS.appCertificate } };
  },
  faultCode: {
    http500: /^InternalError$/,
    http503: /^ServiceUnavailable$/,
    throttle: /^TooManyRequests$/,
    hang: /^Timeout$/,
    slow: /^Timeout$/,
    drop: /^(ECONNRESET|EPIPE|ERR_BAD_RESPONSE|NetworkError|ECONNABORTED)$/,
    invalidJson: /^InvalidResponse$/,
  },
};

let agoraSeeded = 0;

/** A running agent (v7) or task (v6) in the Agora emulator, made without a request; started a minute ago. */
export function seedAgoraAgent(emulator: EmulatorLike, apiVersion: 'v7' | 'v6' = 'v7'): { taskId: string; agora: Msg } {
  const emu = emulator as unknown as AgoraEmulator;
  agoraSeeded++;
  const channel = `seeded-${agoraSeeded}`;
  const id = apiVersion === 'v7' ? newAgentId() : crypto.randomBytes(16).toString('hex');
  const builderToken = apiVersion === 'v6' ? `seeded-token-${agoraSeeded}` : undefined;
  const body = { languages: ['en-US'], rtcConfig: { channelName: channel, pubBotUid: '88222', subBotUid: '88223' } };
  const agent = new EmulatedAgent({ id, apiVersion, appId: AGORA_DEFAULTS.appId, name: `seeded-${agoraSeeded}`, body, builderToken, createdAt: Date.now() - 60_000 }, Date.now, 0);
  emu.agents.set(id, agent);
  return { taskId: id, agora: { apiVersion, channel, ...(builderToken ? { builderToken } : {}) } };
}

const AGORA_START_FIELDS = ['languages', 'name', 'maxIdleTime', 'uidLanguagesConfig', 'keywords', 'rtcConfig', 'translateConfig', 'captionConfig', 'extensionParams'];

/** A wrong value for one start field (a wrong type, size, shape or range). */
function badAgoraStartValue(field: string, rand: Rand): unknown {
  // Numbers are acceptable keywords ("74"): only sizes and shapes are wrong here.
  if (field === 'keywords') return [Array.from({ length: 501 }, (_, i) => `k${i}`), 'one, two', { a: 1 }, [[]], [null]][rand(5)];
  if (rand(2) === 0) {
    // A plain object is a valid extensionParams, and merges over the dialog's rtcConfig; so is a
    // function, which Node-RED's message clone (lodash cloneDeep) turns into {}.
    const objectLike = (v: unknown) => typeof v === 'function' || (v !== null && typeof v === 'object' && !Array.isArray(v) && [null, Object.prototype].includes(Object.getPrototypeOf(v)));
    let value = wrongTyped(rand);
    while ((field === 'extensionParams' || field === 'rtcConfig') && objectLike(value)) value = wrongTyped(rand);
    return value;
  }
  switch (field) {
    case 'languages': return [[], ['x'.repeat(40)], ['en-US', 'fr-FR', 'de-DE', 'ja-JP', 'zh-CN'], ['en US']][rand(4)];
    case 'name': return 'x'.repeat(65 + rand(1000));
    case 'maxIdleTime': return [-1, 259201, 1.5, 'long'][rand(4)];
    case 'uidLanguagesConfig': return [Array.from({ length: 6 }, () => ({ uid: '1', languages: ['en-US'] })), [{ uid: 'abc', languages: ['en-US'] }]][rand(2)];
    case 'rtcConfig': return [{ channelName: '' }, { channelName: ['x'.repeat(65 + rand(100)), 'bad/channel', 'quote"d', '\u0000'][rand(4)], pubBotUid: '1' }, { channelName: 'c', pubBotUid: 'bot' }, { channelName: 'c', pubBotUid: '1', cryptionMode: 7 }][rand(4)];
    case 'translateConfig': return [{ languages: [{ source: 'en-US', target: ['en-US'] }] }, { languages: [] }, { languages: [{ source: 'en-US', target: Array.from({ length: 11 }, () => 'fr-FR') }] }][rand(3)];
    case 'captionConfig': return [{ storage: { accessKey: 'a', secretKey: 's', bucket: 'b', vendor: 99, region: 1 } }, { sliceDuration: 1 }, {}][rand(3)];
    default: return [[], 'text', 42][rand(3)]; // extensionParams must be an object
  }
}

function invalidAgoraStartMsg(rand: Rand): Msg {
  const payload: Msg = rand(4) === 0 ? pollutingObject() : {};
  if (rand(3) === 0) Object.assign(payload, { endpoint: 'http://203.0.113.9', appId: 'evil', customerSecret: 'x' });
  const wrong = 1 + rand(3);
  for (let i = 0; i < wrong; i++) {
    const field = AGORA_START_FIELDS[rand(AGORA_START_FIELDS.length)];
    payload[field] = badAgoraStartValue(field, rand);
  }
  return { payload };
}

function invalidAgoraTaskMsg(rand: Rand): Msg {
  const blank = [undefined, null, ''][rand(3)];
  const taskId = rand(5) === 0 ? blank : invalidTaskId(rand);
  const msg: Msg = { taskId };
  if (rand(2) === 0) msg.agora = rand(2) === 0 ? wrongTyped(rand) : { apiVersion: ['v8', 7, null][rand(3)] };
  if (rand(4) === 0) Object.assign(msg, { url: 'http://203.0.113.9/', endpoint: 'http://203.0.113.9' });
  return msg;
}

const agoraNode = (type: string, props: Msg = {}) => (extra: Msg = {}) => ({ id: 'act', type, agora: 'cfg', wires: [['out']], ...props, ...extra });

ACTION_CASES.push(
  {
    name: 'agora-stt-start',
    type: 'agora-stt-start',
    kit: AGORA,
    node: agoraNode('agora-stt-start', { channel: 'harness', pubBotUid: '88222', languages: 'en-US' }),
    // A fresh channel each time: the 1 s start spacing is per channel.
    validMsg: () => ({ payload: { rtcConfig: { channelName: `harness-${crypto.randomBytes(6).toString('hex')}` } } }),
    idempotent: false,
    calls: 1,
    invalidMsg: invalidAgoraStartMsg,
  },
  {
    name: 'agora-stt-query',
    type: 'agora-stt-query',
    kit: AGORA,
    node: agoraNode('agora-stt-query'),
    validMsg: (emu) => seedAgoraAgent(emu),
    idempotent: true,
    calls: 1,
    invalidMsg: invalidAgoraTaskMsg,
  },
  {
    name: 'agora-stt-update',
    type: 'agora-stt-update',
    kit: AGORA,
    node: agoraNode('agora-stt-update', { languages: 'fr-FR' }),
    validMsg: (emu) => seedAgoraAgent(emu),
    idempotent: false,
    calls: 1,
    invalidMsg: (rand) => {
      const msg = invalidAgoraTaskMsg(rand);
      if (rand(2) === 0) msg.payload = { languages: badAgoraStartValue('languages', rand), rtcConfig: { channelName: 'not updatable' } };
      return msg;
    },
  },
  {
    name: 'agora-stt-stop',
    type: 'agora-stt-stop',
    kit: AGORA,
    node: agoraNode('agora-stt-stop'),
    validMsg: (emu) => seedAgoraAgent(emu),
    idempotent: true,
    calls: 1,
    invalidMsg: invalidAgoraTaskMsg,
  },
);

// ---------------------------------------------------------------------------
// Unisound batch transcription (appended: the Unisound nodes join the harnesses here)
// ---------------------------------------------------------------------------

/* eslint-disable import/first */
import { UnisoundEmulator, UNISOUND_DEFAULTS, DEFAULT_SCRIPT } from '../emulator/unisound';
import { keyFingerprint as unisoundOwner } from '../emulator/unisound/auth';
import { newTaskId as newUnisoundTaskId } from '../emulator/unisound/tasks';

/**
 * The harnesses send hundreds of creates a minute; Unisound allows 20 (§3.3). Both sides are
 * raised alike here, and unisound-rate.spec.ts checks the real limit on its own.
 */
const UNISOUND_HARNESS_RPM = 100_000;

/** Unisound accounts have no key id: a label names each API key (`secret`) the emulator knows. */
const unisoundKeys = new Map<string, string>([['unisound-default', UNISOUND_DEFAULTS.apiKey]]);

export const UNISOUND: VendorKit = {
  vendor: 'unisound',
  configType: 'unisound-config',
  configProp: 'unisound',
  defaultSecrets: { keyId: 'unisound-default', secret: UNISOUND_DEFAULTS.apiKey },
  // Bearer auth, one wire format.
  wireVariants: [{ name: 'bearer', extra: {} }],
  async startEmulator(opts = {}) {
    const accounts = opts.accounts ?? [opts.secrets ?? UNISOUND.defaultSecrets];
    for (const a of accounts) unisoundKeys.set(a.keyId, a.secret);
    const emulator = new UnisoundEmulator({
      apiKeys: Object.fromEntries(accounts.map((a) => [a.secret, { status: 'ok' as const }])),
      tasksPerMinute: opts.ratePerSecond ? opts.ratePerSecond * 60 : UNISOUND_HARNESS_RPM,
      processingMs: 300,
    });
    await emulator.listen();
    return emulator;
  },
  configNode(url, opts = {}, id = 'cfg') {
    return {
      id, type: 'unisound-config', endpoint: url, rateLimit: UNISOUND_HARNESS_RPM / 10,
      timeout: opts.timeoutS ?? 2, maxRetries: opts.maxRetries ?? 2, ...opts.extra,
    };
  },
  credentials(s, id = 'cfg') {
    return { [id]: { apiKey: s.secret } };
  },
  // As the client reports them: base_resp codes, else transport codes.
  faultCode: {
    http500: /^100999$/,
    http503: /^100999$/,
    throttle: /^100501$/,
    hang: /^Timeout$/,
    slow: /^Timeout$/,
    drop: /^(ECONNRESET|EPIPE|ERR_BAD_RESPONSE|NetworkError|ECONNABORTED)$/,
    invalidJson: /^InvalidResponse$/,
  },
};

/** A finished task in the Unisound emulator, owned by the key labelled `keyId`, made without a request or a rate-limit slot. */
export function seedUnisoundTask(emulator: EmulatorLike, keyId: string = UNISOUND.defaultSecrets.keyId): string {
  const emu = emulator as UnisoundEmulator;
  const apiKey = unisoundKeys.get(keyId) ?? keyId;
  const taskId = newUnisoundTaskId();
  const body = { model: 'u2-asr', file_url: 'https://example.com/seeded.wav', format: 'wav' };
  emu.tasks.set(taskId, { taskId, owner: unisoundOwner(apiKey), body, createdAt: Date.now() - 3_600_000, script: DEFAULT_SCRIPT.map((s) => ({ ...s })) });
  return taskId;
}

/** A WAV header and silence: `bytes` long in all, sniffed as wav. */
export function wavBytes(bytes: number): Buffer {
  const b = Buffer.alloc(Math.max(44, bytes));
  const data = b.length - 44;
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(16000, 24);
  b.writeUInt32LE(32000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(data, 40);
  return b;
}

/** Multi-MB, so the emulator's 'drop' fault (after 64 KiB) cuts the upload off mid-stream. */
const UNISOUND_UPLOAD = wavBytes(3 * 1024 * 1024);

const UNISOUND_CREATE_FIELDS = ['file_id', 'file_url', 'format', 'sample_rate', 'channel', 'enable_itn', 'enable_speaker', 'speaker_num', 'speaker_ids', 'word_info', 'context', 'hotwords', 'language', 'enable_auto_lang'];

/** A wrong value for one create option (a wrong type, size, shape or range). */
function badUnisoundValue(field: string, rand: Rand): unknown {
  if (rand(2) === 0) {
    const value = wrongTyped(rand);
    // true/false is the one "wrong type" a boolean option accepts.
    return typeof value === 'boolean' && /^(enable_|word_info)/.test(field) ? 'maybe' : value;
  }
  switch (field) {
    case 'file_id': return [0, -3, 1.5, 'abc', 2 ** 60][rand(5)];
    case 'file_url': return ['ftp://a/b.wav', 'not a url', 'javascript:alert(1)', `https://e.com/${'x'.repeat(2048)}`][rand(4)];
    case 'format': return ['flac', 'WAVE', 'x'.repeat(3000)][rand(3)];
    case 'sample_rate': return [0, -16000, 1.5, 1e9, 'fast'][rand(5)];
    case 'channel': return [0, 3, 1.5, 'stereo'][rand(4)];
    case 'speaker_num': return [0, -1, 1.5, 101][rand(4)];
    case 'speaker_ids': return [Array.from({ length: 11 }, (_, i) => `s${i}`), [1, 2], { a: 1 }][rand(3)];
    case 'context': return 'x'.repeat(501 + rand(100_000));
    case 'hotwords': return [Array.from({ length: 201 }, (_, i) => `w${i}`), ['toolongword'], [{ w: 1 }]][rand(3)];
    case 'language': return ['zh', 'en_US', 'klingon', 'x'.repeat(3000)][rand(4)];
    default: return ['yes', 1, 0, 'TRUE ', 'on'][rand(5)]; // the booleans
  }
}

/** Bad options around a valid file_url; never a string payload (that names a file to upload). */
function invalidUnisoundSubmitMsg(rand: Rand): Msg {
  const payload: Msg = rand(4) === 0 ? pollutingObject() : {};
  if (rand(3) === 0) {
    for (const [k, v] of Object.entries({ endpoint: 'http://203.0.113.9', host: '203.0.113.9', url: 'http://203.0.113.9/', baseURL: 'http://203.0.113.9', apiKey: 'x' })) payload[k] = v;
  }
  payload.file_url = 'https://example.com/audio.wav';
  const wrong = 1 + rand(3);
  for (let i = 0; i < wrong; i++) {
    const field = UNISOUND_CREATE_FIELDS[rand(UNISOUND_CREATE_FIELDS.length)];
    payload[field] = badUnisoundValue(field, rand);
  }
  // Both sources, or a speaker option without enable_speaker, are wrong too; blanks are not.
  if (Object.entries(payload).every(([k, v]) => k === 'file_url' || v === '' || v === undefined || v === null)) payload.file_id = 42;
  return { payload };
}

const unisoundNode = (type: string, props: Msg = {}) => (extra: Msg = {}) => ({ id: 'act', type, unisound: 'cfg', wires: [['out']], ...props, ...extra });

// Names differ from the type: rate-limit.spec.ts takes `name === type` creates at Alibaba's
// 20/s; Unisound's 20/min has its own spec. The shared canary spec is bound to the Alibaba
// kit (its configs carry STS tokens); unisound-canary.spec.ts covers these nodes.
ACTION_CASES.push(
  {
    name: 'unisound-asr-submit (Buffer upload, wait off)',
    type: 'unisound-asr-submit',
    kit: UNISOUND,
    node: unisoundNode('unisound-asr-submit', { wait: false }),
    validMsg: () => ({ payload: UNISOUND_UPLOAD, filename: 'harness.wav' }),
    idempotent: false,
    calls: 2,
    invalidMsg: invalidUnisoundSubmitMsg,
    // The fuzz spec rebuilds msg.payload as an object, which loses the Buffer: the file_url case fuzzes this node.
    skip: ['fuzz', 'canary'],
  },
  {
    name: 'unisound-asr-submit (file_url, wait off)',
    type: 'unisound-asr-submit',
    kit: UNISOUND,
    node: unisoundNode('unisound-asr-submit', { wait: false }),
    validMsg: () => ({ payload: { file_url: 'https://example.com/harness/meeting.wav' } }),
    idempotent: false,
    calls: 1,
    invalidMsg: invalidUnisoundSubmitMsg,
    skip: ['canary'],
  },
  {
    name: 'unisound-asr-result (seeded task)',
    type: 'unisound-asr-result',
    kit: UNISOUND,
    node: unisoundNode('unisound-asr-result', { pollInterval: 0.05 }),
    validMsg: (emu, keyId) => ({ taskId: seedUnisoundTask(emu, keyId) }),
    idempotent: true,
    calls: 1,
    invalidMsg: (rand) => invalidTaskMsg(rand, true),
    skip: ['canary'],
  },
);
