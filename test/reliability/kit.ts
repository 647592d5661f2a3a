/**
 * The tables the reliability, security and benchmark harnesses iterate over.
 *
 * A vendor joins every harness by adding one VendorKit (its emulator and config
 * node), one ActionCase per action node and one CallbackCase per callback node:
 * the fault suite, rate-limit, canary, fuzz, soak and benchmarks then cover it.
 */
import crypto from 'crypto';
import fs from 'fs';
import net from 'net';
import path from 'path';
import util from 'util';
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
      id,
      type: 'aliyun-live-config',
      region: 'cn-shanghai',
      endpoint: url,
      signatureVersion: 'v3',
      timeout: opts.timeoutS ?? 2,
      maxRetries: opts.maxRetries ?? 2,
      ...opts.extra,
    };
  },
  credentials(s, id = 'cfg') {
    return {
      [id]: { accessKeyId: s.keyId, accessKeySecret: s.secret, ...(s.token ? { securityToken: s.token } : {}) },
    };
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
  const task = createTask(
    keyId,
    { Mode: 'live', StreamURL: 'rtmp://push.example.com/app/s', Language: 'cn', CallbackURL: 'http://127.0.0.1:9/cb' },
    Date.now(),
  );
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
  mode: 'live',
  modeType: 'aliyunMode',
  streamUrl: 'rtmp://push.example.com/app/stream',
  streamUrlType: 'str',
  language: 'cn',
  languageType: 'aliyunLanguage',
  callbackUrl: 'http://127.0.0.1:9/cb',
  callbackUrlType: 'str',
};

/** Values that are never a valid string/number parameter. */
function wrongTyped(rand: Rand): unknown {
  const k = rand(12);
  switch (k) {
    case 0:
      return { nested: { deeper: rand(1000) } };
    case 1:
      return Array.from({ length: rand(5) + 2 }, () => rand(100));
    case 2:
      return rand(2) === 0;
    case 3:
      return Buffer.alloc(rand(64) + 1, rand(256));
    case 4:
      return new Date(rand(1e12));
    case 5:
      return BigInt(rand(1e9));
    case 6:
      return Symbol('fuzz');
    case 7:
      return () => 'fn';
    case 8:
      return new Map([[rand(9), rand(9)]]);
    case 9:
      return JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}');
    case 10:
      return Object.create(null);
    default:
      return [[[]]];
  }
}

/** Strings that no pattern, enum or URL rule of these APIs accepts. */
function badString(rand: Rand, max = 2048): string {
  const k = rand(8);
  switch (k) {
    case 0:
      return 'x'.repeat(max + 1 + rand(200_000));
    case 1:
      return `bad value ${rand(1e6)} with spaces/and?query#frag`;
    case 2:
      return '../../etc/passwd\u0000';
    case 3:
      return '\u202e\u0007\u001b[31m' + 'é'.repeat(rand(50) + 1);
    case 4:
      return 'http://203.0.113.9/evil path';
    case 5:
      return '{"__proto__":{"polluted":1}}';
    case 6:
      return ' ,; ';
    default:
      return `${'a'.repeat(rand(5) + 1)}\n${'b'.repeat(rand(5) + 1)}`;
  }
}

const CREATE_FIELDS = [
  'Mode',
  'StreamURL',
  'SDKAppID',
  'ChannelID',
  'RtcUserId',
  'Language',
  'CallbackURL',
  'AuthKey',
  'TranslateEnabled',
  'TargetLanguages',
  'AutoTerminateEnabled',
  'AutoTerminateDelay',
  'ReportInterval',
  'RegionId',
];

/** A wrong value for one create parameter (a wrong type, a wrong size, or out of range). */
function badCreateValue(field: string, rand: Rand): unknown {
  if (rand(2) === 0) {
    const value = wrongTyped(rand);
    // true/false is the one "wrong type" a boolean parameter accepts.
    return typeof value === 'boolean' && /Enabled$/.test(field) ? 'maybe' : value;
  }
  switch (field) {
    case 'AutoTerminateDelay':
      return [0, 11, -5, 1.5, 1e9, 'ten'][rand(6)];
    case 'ReportInterval':
      return [-2, 501, 2.5, 'often', 1e12][rand(5)];
    case 'TranslateEnabled':
    case 'AutoTerminateEnabled':
      return ['yes', 1, 0, 'TRUE ', 'on'][rand(5)];
    case 'Mode':
      return ['LIVE', 'rtmp', 'x'.repeat(3000), ''][rand(3)];
    case 'Language':
      return ['de', 'zh-CN', 'x'.repeat(3000)][rand(3)];
    case 'TargetLanguages':
      return ['fr', 'cn,en', 'x'.repeat(3000)][rand(3)];
    case 'StreamURL':
      return ['ftp://a/b', 'not a url', 'javascript:alert(1)', 'x'.repeat(3000)][rand(4)];
    case 'CallbackURL':
      return ['ftp://a/b', 'not a url', 'file:///etc/passwd', 'x'.repeat(3000)][rand(4)];
    case 'RtcUserId':
      return ['a,b', 'a b', ['a', 'b'], 'x'.repeat(300)][rand(4)];
    case 'RegionId':
      return ['CN', 'cn-shanghai.evil.example.com', 'x'.repeat(100)][rand(3)];
    default:
      return 'x'.repeat(257 + rand(100_000)); // SDKAppID, ChannelID, AuthKey: length limits
  }
}

/** A plain object with own `__proto__`, `constructor` and `prototype` keys, as JSON.parse makes them. */
export function pollutingObject(): Msg {
  return JSON.parse(
    '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}}',
  );
}

function invalidCreateMsg(rand: Rand): Msg {
  // Own pollution keys (never Object.assign: that would set the prototype instead).
  const payload: Msg = rand(4) === 0 ? pollutingObject() : {};
  // Harmless extras around at least one wrong parameter.
  if (rand(3) === 0) {
    for (const [k, v] of Object.entries({
      endpoint: 'http://203.0.113.9',
      host: '203.0.113.9',
      url: 'http://203.0.113.9/',
      baseURL: 'http://203.0.113.9',
    }))
      payload[k] = v;
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
  return rand(2) === 0
    ? wrongTyped(rand)
    : [badString(rand, 128), '-'.repeat(129 + rand(1000)), 'asr-1 2', 'asr/../x', 'asr?x=1', '1e+21', 'x'.repeat(129)][
        rand(7)
      ];
}

function invalidTaskMsg(rand: Rand, required: boolean): Msg {
  // Blank ids are valid for query (it lists every task) and invalid for stop.
  const blank = [undefined, null, '', '   '][rand(4)];
  const taskId = required && rand(5) === 0 ? blank : invalidTaskId(rand);
  const msg: Msg = { taskId };
  // Noise that must be ignored: payload shapes and redirect attempts.
  if (rand(2) === 0)
    msg.payload = rand(2) === 0 ? wrongTyped(rand) : { endpoint: 'http://203.0.113.9', TaskId: 'asr-1' };
  if (rand(4) === 0)
    Object.assign(msg, {
      url: 'http://203.0.113.9/',
      endpoint: 'http://203.0.113.9',
      headers: { host: '203.0.113.9' },
    });
  return msg;
}

export const ACTION_CASES: ActionCase[] = [
  {
    name: 'aliyun-live-asr-create',
    type: 'aliyun-live-asr-create',
    kit: ALIYUN,
    node: (extra = {}) => ({
      id: 'act',
      type: 'aliyun-live-asr-create',
      live: 'cfg',
      ...CREATE_EDITOR,
      wires: [['out']],
      ...extra,
    }),
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
    validMsg: () => ({
      payload: {
        Mode: 'live',
        StreamURL: 'rtmp://push.example.com/app/s',
        Language: 'en',
        CallbackURL: 'https://hooks.example.com/cb',
      },
    }),
    idempotent: false,
    calls: 1,
    invalidMsg: (rand) =>
      rand(3) === 0
        ? { payload: [wrongTyped(rand), badString(rand), rand(1e9), undefined, null, ''][rand(6)] }
        : invalidCreateMsg(rand),
    skip: ['faults', 'canary'],
  },
  {
    name: 'aliyun-live-asr-query',
    type: 'aliyun-live-asr-query',
    kit: ALIYUN,
    node: (extra = {}) => ({
      id: 'act',
      type: 'aliyun-live-asr-query',
      live: 'cfg',
      taskId: 'taskId',
      taskIdType: 'msg',
      wires: [['out']],
      ...extra,
    }),
    validMsg: (emu, keyId) => ({ taskId: seedAliyunTask(emu, keyId) }),
    idempotent: true,
    calls: 1,
    invalidMsg: (rand) => invalidTaskMsg(rand, false),
  },
  {
    name: 'aliyun-live-asr-stop',
    type: 'aliyun-live-asr-stop',
    kit: ALIYUN,
    node: (extra = {}) => ({
      id: 'act',
      type: 'aliyun-live-asr-stop',
      live: 'cfg',
      taskId: 'taskId',
      taskIdType: 'msg',
      wires: [['out']],
      ...extra,
    }),
    validMsg: (emu, keyId) => ({ taskId: seedAliyunTask(emu, keyId) }),
    idempotent: true,
    calls: 1,
    invalidMsg: (rand) => invalidTaskMsg(rand, true),
  },
  {
    name: 'aliyun-live-asr-stop (delete after stop)',
    type: 'aliyun-live-asr-stop',
    kit: ALIYUN,
    node: (extra = {}) => ({
      id: 'act',
      type: 'aliyun-live-asr-stop',
      live: 'cfg',
      taskId: 'taskId',
      taskIdType: 'msg',
      deleteAfterStop: true,
      wires: [['out']],
      ...extra,
    }),
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
    header: {
      namespace: 'SpeechTranscriber',
      name: 'TranscriptionResultChanged',
      status: 20000000,
      status_text: 'Gateway:SUCCESS:Success.',
      message_id: '@@MID@@',
      task_id: '7f1c2d3e4b5a69788796a5b4c3d2e1f0',
    },
    payload: {
      index: 3,
      time: 4520,
      begin_time: 2100,
      result: 'the quick brown fox jumps over the lazy dog',
      confidence: 0.93,
      words: [
        { text: 'the', startTime: 2100, endTime: 2300 },
        { text: 'quick', startTime: 2300, endTime: 2700 },
        { text: 'brown', startTime: 2700, endTime: 3100 },
        { text: 'fox', startTime: 3100, endTime: 3400 },
        { text: 'jumps', startTime: 3400, endTime: 3800 },
        { text: 'over', startTime: 3800, endTime: 4000 },
        { text: 'the', startTime: 4000, endTime: 4100 },
        { text: 'lazy', startTime: 4100, endTime: 4300 },
        { text: 'dog', startTime: 4300, endTime: 4520 },
      ],
      status: 0,
    },
  };
  return JSON.stringify({
    task_id: taskId,
    sdk_app_id: '',
    channel_id: '',
    rtc_user_id: '',
    callback_time_stamp: 1700000000000,
    language: 'en',
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
      const [head, tail] = aliyunCallbackTemplate(opts.taskId ?? 'asr-11111111-2222-4333-8444-555555555555').split(
        '@@MID@@',
      );
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
        headers: {
          'content-type': 'application/json',
          'sig-time': now,
          'asr-sig': crypto.createHash('md5').update(`${now}/${callbackUrl}/not-the-key`).digest('hex'),
        },
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
  return handles.filter(
    (h): h is net.Socket => h instanceof net.Socket && !h.destroyed && (h.remotePort === port || h.localPort === port),
  );
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

/** The bytes of the keys every tracked TtlSet holds (UTF-16, as V8 stores a non-Latin-1 string at worst). */
export function ttlSetKeyBytes(): number {
  let bytes = 0;
  for (const s of seenTtlSets)
    for (const k of (s as unknown as { expiries: Map<string, number> }).expiries.keys()) bytes += k.length * 2;
  return bytes;
}

/**
 * Records every start the rate limiters count, at the time they count it (their own clock), from
 * now until `stop`: the promise "at most N per window" is checked there. Arrivals at an emulator in
 * the same process are not: any stall of the shared event loop delivers two windows' requests at
 * once, whatever the sender did.
 */
export function recordLimiterStarts(): { starts: number[]; stop(): void } {
  const starts: number[] = [];
  const acquire = RateLimiter.prototype.acquire;
  const hooked = new WeakSet<object>();
  let recording = true;
  RateLimiter.prototype.acquire = function (this: RateLimiter, ...args: Parameters<typeof acquire>) {
    if (!hooked.has(this)) {
      hooked.add(this);
      const own = (this as unknown as { starts: number[] }).starts;
      const push = own.push;
      own.push = (...v: number[]) => {
        if (recording) starts.push(...v);
        return push.apply(own, v);
      };
    }
    return acquire.apply(this, args);
  };
  return {
    starts,
    stop() {
      recording = false;
      RateLimiter.prototype.acquire = acquire;
    },
  };
}

type Gc = (options?: { type?: 'major' | 'minor' }) => void;
let gcFn: Gc | undefined;

/**
 * A garbage collection (full by default), whether or not node runs with --expose-gc, after which
 * `process.memoryUsage()` counts only what is still reachable. V8 frees the memory of dead
 * ArrayBuffers (every Buffer's bytes) on a background thread, so right after a collection
 * `arrayBuffers`/`external` still include garbage for as long as that thread is late: 0.5 to 29 MB
 * in one streamed 50 MB upload on the same idle machine, more under load. Sweeping them during the
 * collection makes the number what a buffering implementation cannot hide, whatever the load.
 */
export function collectGarbage(type: 'major' | 'minor' = 'major'): void {
  if (!gcFn) {
    const v8 = require('v8') as typeof import('v8');
    v8.setFlagsFromString('--no-concurrent-array-buffer-sweeping');
    gcFn = (global as { gc?: Gc }).gc;
    if (!gcFn) {
      v8.setFlagsFromString('--expose-gc');
      gcFn = require('vm').runInNewContext('gc') as Gc;
    }
  }
  gcFn({ type });
}

/**
 * The sinon spies node-red-node-test-helper puts on Node.prototype (send, status,
 * log, warn, error, ...) and RED.log: they keep every call's arguments until reset.
 */
export function harnessSpies(): Array<{ resetHistory(): void; args: unknown[][] }> {
  const helper = require('node-red-node-test-helper');
  const proto = helper._NodePrototype as Record<string, any>;
  const spies = ['log', 'status', 'warn', 'error', 'debug', 'trace', 'send']
    .map((m) => proto[m])
    .concat([helper.log()]);
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
  const helper = require('node-red-node-test-helper');
  helper._sandbox.restore();
  const original = helper._NodePrototype.send;
  for (const def of helper._redNodes.getFlows()?.flows ?? []) {
    const node = helper.getNode(def.id) as Msg | null;
    if (node && Object.prototype.hasOwnProperty.call(node, 'send') && typeof node.send?.resetHistory === 'function')
      node.send = original;
  }
}

// ---------------------------------------------------------------------------
// Where secrets can leak to (the canary harnesses)
// ---------------------------------------------------------------------------

/** JSON and util.inspect of a value (Buffers as text, hidden properties too): what a leak search reads. */
export function dump(value: unknown): string {
  if (typeof value === 'string') return value;
  let json: string;
  try {
    json = JSON.stringify(value, (_k, x) => {
      if (typeof x === 'bigint') return String(x);
      if (x && x.type === 'Buffer' && Array.isArray(x.data)) return Buffer.from(x.data).toString('latin1');
      return x;
    });
  } catch {
    json = '';
  }
  const inspected = util.inspect(value, {
    depth: 12,
    showHidden: true,
    maxArrayLength: 200,
    maxStringLength: Infinity,
    breakLength: Infinity,
  });
  return `${json}\n${inspected}`;
}

/** Everything captured where secrets must not be, searched for canary values. */
export class Sinks {
  private readonly items: Array<{ where: string; text: string; allowed: string[] }> = [];
  count = 0;

  /**
   * `canaries`: name -> value searched for by default. `cutOff`: for these names, the first
   * `prefix` characters of a value alone count too (a secret cut off by a length limit still leaks).
   */
  constructor(
    private readonly canaries: Record<string, string> = {},
    private readonly cutOff: { names: string[]; prefix: number } = { names: [], prefix: 0 },
  ) {}

  add(where: string, value: unknown, allowed: string[] = []): void {
    this.items.push({ where, text: dump(value), allowed });
    this.count++;
  }

  /** Every canary found where it must not be, with some context. */
  leaks(canaries: Record<string, string> = this.canaries): string[] {
    const found: string[] = [];
    for (const { where, text, allowed } of this.items) {
      for (const [name, value] of Object.entries(canaries)) {
        if (allowed.includes(name)) continue;
        let i = text.indexOf(value);
        let shown = value.length;
        const prefix = this.cutOff.names.includes(name) ? this.cutOff.prefix : 0;
        if (i < 0 && prefix > 0 && value.length > prefix) {
          i = text.indexOf(value.slice(0, prefix));
          shown = prefix;
        }
        if (i >= 0)
          found.push(
            `${name}${shown < value.length ? ' (cut off)' : ''} in ${where}: …${text.slice(Math.max(0, i - 120), i + shown + 20).replace(/\s+/g, ' ')}…`,
          );
      }
    }
    return [...new Set(found)];
  }
}

/** Copies everything written to stdout/stderr into the sinks, still printing it; returns the restore. */
export function captureConsole(sinks: Sinks): () => void {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write.bind(s));
  streams.forEach((s, i) => {
    (s as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
      sinks.add(`console (${i ? 'stderr' : 'stdout'})`, String(chunk));
      return (originals[i] as (...a: unknown[]) => boolean)(chunk, ...rest);
    };
  });
  return () => streams.forEach((s, i) => ((s as { write: unknown }).write = originals[i]));
}

/**
 * Every call the test helper's spies saw: node status/log/warn/error/send and RED.log.
 * `payloadSecrets`: canary names allowed in the payload of a msg argument (node.error(err, msg)
 * passes on the msg as the user sent it, with the secrets the user put in its payload).
 */
export function collectSpies(sinks: Sinks, label: string, payloadSecrets: string[] = []): void {
  for (const spy of harnessSpies()) {
    const where = `${label}: ${(spy as unknown as { name?: string }).name || 'spy'} call`;
    for (const args of spy.args) {
      if (!payloadSecrets.length) {
        sinks.add(where, args);
        continue;
      }
      for (const arg of args) {
        if (arg && typeof arg === 'object' && '_msgid' in arg) {
          const { payload, ...rest } = arg as Msg;
          sinks.add(`${where} (msg without its payload)`, rest);
          sinks.add(`${where} (msg payload)`, payload, payloadSecrets);
        } else sinks.add(where, arg);
      }
    }
  }
}

/** Every file under `dir`, node_modules left out. */
export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.name === 'node_modules') return [];
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

/** A unique alphanumeric canary value (percent- and JSON-encoding leave it intact). */
export const canaryValue = (label: string): string => `Cnry${label}${crypto.randomBytes(6).toString('hex')}`;

// ---------------------------------------------------------------------------
// Agora Real-time STT (appended: the Agora nodes join the harnesses here)
// ---------------------------------------------------------------------------

import { AgoraEmulator, AGORA_DEFAULTS, EmulatedAgent } from '../emulator/agora';
import { newAgentId, newTaskId } from '../emulator/agora/agents';
import type { BuilderTokens } from '../emulator/agora/builder-tokens';

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
      id,
      type: 'agora-config',
      appId: AGORA_DEFAULTS.appId,
      apiVersion: 'v7',
      endpoint: url,
      timeout: opts.timeoutS ?? 2,
      maxRetries: opts.maxRetries ?? 2,
      ...opts.extra,
    };
  },
  credentials(s, id = 'cfg') {
    return { [id]: { customerId: s.keyId, customerSecret: s.secret, appCertificate: AGORA_DEFAULTS.appCertificate } };
  },
  faultCode: {
    // v6 answers a server error with its numeric code 1 in the body (Agora1); v7 by status.
    http500: /^(InternalError|Agora1)$/,
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
  const agent = new EmulatedAgent(
    {
      id,
      apiVersion,
      appId: AGORA_DEFAULTS.appId,
      name: `seeded-${agoraSeeded}`,
      body,
      builderToken,
      createdAt: Date.now() - 60_000,
    },
    Date.now,
    0,
  );
  emu.agents.set(id, agent);
  return { taskId: id, agora: { apiVersion, channel, ...(builderToken ? { builderToken } : {}) } };
}

/**
 * A running v6 task whose builder token the emulator itself issued (as its acquire would), so
 * query, update and stop with msg.agora.builderToken are accepted; made without a request.
 */
export function seedAgoraV6Task(emulator: EmulatorLike): { taskId: string; agora: Msg } {
  const emu = emulator as unknown as AgoraEmulator;
  // The emulator keeps its builder tokens in its private ops context; a request would spend a fault.
  const tokens = (emu as unknown as { ctx: { builderTokens: BuilderTokens } }).ctx.builderTokens;
  agoraSeeded++;
  const channel = `seeded-v6-${agoraSeeded}`;
  const token = tokens.issue(AGORA_DEFAULTS.appId, `seeded-v6-${agoraSeeded}`, Date.now() - 60_000);
  const body = { languages: ['en-US'], rtcConfig: { channelName: channel, pubBotUid: '88222', subBotUid: '88223' } };
  const task = new EmulatedAgent(
    {
      id: newTaskId(),
      apiVersion: 'v6',
      appId: AGORA_DEFAULTS.appId,
      body,
      builderToken: token.tokenName,
      createdAt: Date.now() - 60_000,
    },
    Date.now,
    0,
  );
  token.taskId = task.id;
  emu.agents.set(task.id, task);
  return { taskId: task.id, agora: { apiVersion: 'v6', channel, builderToken: token.tokenName } };
}

const AGORA_START_FIELDS = [
  'languages',
  'name',
  'maxIdleTime',
  'uidLanguagesConfig',
  'keywords',
  'rtcConfig',
  'translateConfig',
  'captionConfig',
  'extensionParams',
];

/** A wrong value for one start field (a wrong type, size, shape or range). */
function badAgoraStartValue(field: string, rand: Rand): unknown {
  // Numbers are acceptable keywords ("74"): only sizes and shapes are wrong here.
  if (field === 'keywords')
    return [Array.from({ length: 501 }, (_, i) => `k${i}`), 'one, two', { a: 1 }, [[]], [null]][rand(5)];
  if (rand(2) === 0) {
    // A plain object is a valid extensionParams, and merges over the dialog's rtcConfig; so is a
    // function, which Node-RED's message clone (lodash cloneDeep) turns into {}.
    const objectLike = (v: unknown) =>
      typeof v === 'function' ||
      (v !== null &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        [null, Object.prototype].includes(Object.getPrototypeOf(v)));
    let value = wrongTyped(rand);
    while ((field === 'extensionParams' || field === 'rtcConfig') && objectLike(value)) value = wrongTyped(rand);
    return value;
  }
  switch (field) {
    case 'languages':
      return [[], ['x'.repeat(40)], ['en-US', 'fr-FR', 'de-DE', 'ja-JP', 'zh-CN'], ['en US']][rand(4)];
    case 'name':
      return 'x'.repeat(65 + rand(1000));
    case 'maxIdleTime':
      return [-1, 259201, 1.5, 'long'][rand(4)];
    case 'uidLanguagesConfig':
      return [
        Array.from({ length: 6 }, () => ({ uid: '1', languages: ['en-US'] })),
        [{ uid: 'abc', languages: ['en-US'] }],
      ][rand(2)];
    case 'rtcConfig':
      return [
        { channelName: '' },
        { channelName: ['x'.repeat(65 + rand(100)), 'bad/channel', 'quote"d', '\u0000'][rand(4)], pubBotUid: '1' },
        { channelName: 'c', pubBotUid: 'bot' },
        { channelName: 'c', pubBotUid: '1', cryptionMode: 7 },
      ][rand(4)];
    case 'translateConfig':
      return [
        { languages: [{ source: 'en-US', target: ['en-US'] }] },
        { languages: [] },
        { languages: [{ source: 'en-US', target: Array.from({ length: 11 }, () => 'fr-FR') }] },
      ][rand(3)];
    case 'captionConfig':
      return [
        { storage: { accessKey: 'a', secretKey: 's', bucket: 'b', vendor: 99, region: 1 } },
        { sliceDuration: 1 },
        {},
      ][rand(3)];
    default:
      return [[], 'text', 42][rand(3)]; // extensionParams must be an object
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

/**
 * A valid task ID with a msg.agora that is wrong by itself: an unknown API version, or v6
 * without a usable builder token (missing, of a wrong type, oversized), among pollution keys.
 */
function hostileAgoraRef(rand: Rand): Msg {
  const agora: Msg = rand(3) === 0 ? pollutingObject() : {};
  const k = rand(6);
  if (k === 0) agora.apiVersion = ['v8', 'V7', 7, '', null, ['v7'], { v: 7 }, ' v6'][rand(8)];
  else {
    agora.apiVersion = 'v6';
    if (k === 1) agora.builderToken = ['', undefined][rand(2)];
    else if (k === 2) agora.builderToken = 'b'.repeat(4097 + rand(100_000));
    else if (k === 3) agora.builderToken = wrongTyped(rand);
    else if (k === 4) agora.builderToken = ['', '   '][rand(2)];
    // k === 5: no builderToken at all
  }
  return { taskId: ['1NT29X11GQSxxxxx80BEIN56XF', crypto.randomBytes(16).toString('hex'), 4242][rand(3)], agora };
}

function invalidAgoraTaskMsg(rand: Rand): Msg {
  if (rand(3) === 0) return hostileAgoraRef(rand);
  const blank = [undefined, null, ''][rand(3)];
  const taskId = rand(5) === 0 ? blank : invalidTaskId(rand);
  const msg: Msg = { taskId };
  if (rand(2) === 0) msg.agora = rand(2) === 0 ? wrongTyped(rand) : { apiVersion: ['v8', 7, null][rand(3)] };
  if (rand(4) === 0) Object.assign(msg, { url: 'http://203.0.113.9/', endpoint: 'http://203.0.113.9' });
  return msg;
}

const agoraNode =
  (type: string, props: Msg = {}) =>
  (extra: Msg = {}) => ({ id: 'act', type, agora: 'cfg', wires: [['out']], ...props, ...extra });

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
      if (rand(2) === 0)
        msg.payload = { languages: badAgoraStartValue('languages', rand), rtcConfig: { channelName: 'not updatable' } };
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
  {
    // v6 legacy: DELETE with the builder token from msg.agora, on a v7 config node (msg.agora names the version).
    name: 'agora-stt-stop (v6)',
    type: 'agora-stt-stop',
    kit: AGORA,
    node: agoraNode('agora-stt-stop'),
    validMsg: (emu) => seedAgoraV6Task(emu),
    idempotent: true,
    calls: 1,
    invalidMsg: invalidAgoraTaskMsg,
    skip: ['fuzz'],
  },
);

// ---------------------------------------------------------------------------
// Unisound batch transcription (appended: the Unisound nodes join the harnesses here)
// ---------------------------------------------------------------------------

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
      id,
      type: 'unisound-config',
      endpoint: url,
      rateLimit: UNISOUND_HARNESS_RPM / 10,
      timeout: opts.timeoutS ?? 2,
      maxRetries: opts.maxRetries ?? 2,
      ...opts.extra,
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
  emu.tasks.set(taskId, {
    taskId,
    owner: unisoundOwner(apiKey),
    body,
    createdAt: Date.now() - 3_600_000,
    script: DEFAULT_SCRIPT.map((s) => ({ ...s })),
  });
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

const UNISOUND_CREATE_FIELDS = [
  'file_id',
  'file_url',
  'format',
  'sample_rate',
  'channel',
  'enable_itn',
  'enable_speaker',
  'speaker_num',
  'speaker_ids',
  'word_info',
  'context',
  'hotwords',
  'language',
  'enable_auto_lang',
];

/** A wrong value for one create option (a wrong type, size, shape or range). */
function badUnisoundValue(field: string, rand: Rand): unknown {
  if (rand(2) === 0) {
    const value = wrongTyped(rand);
    // true/false is the one "wrong type" a boolean option accepts.
    return typeof value === 'boolean' && /^(enable_|word_info)/.test(field) ? 'maybe' : value;
  }
  switch (field) {
    case 'file_id':
      return [0, -3, 1.5, 'abc', 2 ** 60][rand(5)];
    case 'file_url':
      return ['ftp://a/b.wav', 'not a url', 'javascript:alert(1)', `https://e.com/${'x'.repeat(2048)}`][rand(4)];
    case 'format':
      return ['flac', 'WAVE', 'x'.repeat(3000)][rand(3)];
    case 'sample_rate':
      return [0, -16000, 1.5, 1e9, 'fast'][rand(5)];
    case 'channel':
      return [0, 3, 1.5, 'stereo'][rand(4)];
    case 'speaker_num':
      return [0, -1, 1.5, 101][rand(4)];
    case 'speaker_ids':
      return [Array.from({ length: 11 }, (_, i) => `s${i}`), [1, 2], { a: 1 }][rand(3)];
    case 'context':
      return 'x'.repeat(501 + rand(100_000));
    case 'hotwords':
      return [Array.from({ length: 201 }, (_, i) => `w${i}`), ['toolongword'], [{ w: 1 }]][rand(3)];
    case 'language':
      return ['zh', 'en_US', 'klingon', 'x'.repeat(3000)][rand(4)];
    default:
      return ['yes', 1, 0, 'TRUE ', 'on'][rand(5)]; // the booleans
  }
}

/** Bad options around a valid file_url; never a string payload (that names a file to upload). */
function invalidUnisoundSubmitMsg(rand: Rand): Msg {
  const payload: Msg = rand(4) === 0 ? pollutingObject() : {};
  if (rand(3) === 0) {
    for (const [k, v] of Object.entries({
      endpoint: 'http://203.0.113.9',
      host: '203.0.113.9',
      url: 'http://203.0.113.9/',
      baseURL: 'http://203.0.113.9',
      apiKey: 'x',
    }))
      payload[k] = v;
  }
  payload.file_url = 'https://example.com/audio.wav';
  const wrong = 1 + rand(3);
  for (let i = 0; i < wrong; i++) {
    const field = UNISOUND_CREATE_FIELDS[rand(UNISOUND_CREATE_FIELDS.length)];
    payload[field] = badUnisoundValue(field, rand);
  }
  // Both sources, or a speaker option without enable_speaker, are wrong too; blanks are not.
  if (Object.entries(payload).every(([k, v]) => k === 'file_url' || v === '' || v === undefined || v === null))
    payload.file_id = 42;
  return { payload };
}

const unisoundNode =
  (type: string, props: Msg = {}) =>
  (extra: Msg = {}) => ({ id: 'act', type, unisound: 'cfg', wires: [['out']], ...props, ...extra });

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

// ---------------------------------------------------------------------------
// Canary kits: every secret a vendor's nodes hold, for canary-vendors.spec.ts
// ---------------------------------------------------------------------------

export interface CanaryValues {
  /** Values that may go to the deployed endpoint only. */
  secrets: Record<string, string>;
  /** Identifiers: kept out of messages, logs and errors; the editor may be shown them. */
  ids: Record<string, string>;
}

/** Which account a config node of the canary flow holds. */
export type CanaryAccount = 'ok' | 'wrongSecret' | 'env';

export interface EchoedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * What the vendor-generic canary needs beyond a VendorKit: every secret its nodes hold
 * (config credentials, action-node credentials, secrets a msg may carry), shaped as the
 * vendor requires, and where each legitimately goes. The kit's ActionCases are the nodes.
 */
export interface CanaryKit {
  kit: VendorKit;
  /** Fresh unique values; `secrets.envSecret` is read from the environment variable `envName`. */
  values(): CanaryValues;
  /** Encodings that leak a secret just as well (e.g. a Basic authorization of ID and secret). */
  derived(v: CanaryValues): Record<string, string>;
  envName: string;
  /** An emulator that accepts the 'ok' and 'env' accounts (and any certificate among the values). */
  startEmulator(v: CanaryValues): Promise<EmulatorLike>;
  /** Credentials of config node `id` holding `account`, keyed by id. */
  credentials(v: CanaryValues, account: CanaryAccount, id: string): Msg;
  /** Properties and credentials an action node of `type` needs to hold its own secrets. */
  actionNode(type: string, v: CanaryValues): { extra: Msg; credentials?: Msg };
  /** A valid msg for case `c` that also carries the secrets a msg may carry. */
  validMsg(c: ActionCase, emu: EmulatorLike, v: CanaryValues): Msg;
  /** Secrets of the input msg's payload: a caught msg keeps the user's payload as it came in. */
  payloadSecrets: string[];
  /** The answer of a vendor that echoes a rejected request (as much of it as a hostile gateway could). */
  echo(req: EchoedRequest): { status: number; body: string };
  /** Bodies the editor's Test connection may post for config `okId`, deployed at `deployedUrl`. */
  testBodies(okId: string, envId: string, deployedUrl: string, otherUrl: string): Array<[string, Msg]>;
}

const hex = (bytes: number): string => crypto.randomBytes(bytes).toString('hex');

/** Base64 of exactly 32 bytes that reads as a canary (the cryption salt's required shape). */
function canarySalt(): string {
  const body = `CnrySalt${hex(17)}`; // 8 + 34 = 42 characters
  const salt = `${body}A=`; // 43 Base64 digits ending in a multiple of 4 bits: 32 bytes
  if (Buffer.from(salt, 'base64').length !== 32 || Buffer.from(salt, 'base64').toString('base64') !== salt)
    throw new Error('canary salt shape');
  return salt;
}

const basic = (id: string, secret: string): string => Buffer.from(`${id}:${secret}`).toString('base64');

export const AGORA_CANARY: CanaryKit = {
  kit: AGORA,
  envName: 'SPEECH_PIPELINES_CANARY_AGORA_SECRET',
  values: () => ({
    secrets: {
      customerSecret: canaryValue('CustomerSecret'),
      // 32 hexadecimal characters, or no bot token could be built: random, hence unique.
      appCertificate: hex(16),
      storageSecretKey: canaryValue('StorageSecretKey'),
      encryptionSecret: canaryValue('EncryptionSecret'),
      encryptionSalt: canarySalt(),
      wrongSecret: canaryValue('WrongSecret'),
      envSecret: canaryValue('EnvSecret'),
    },
    ids: { customerId: canaryValue('CustomerId'), envCustomerId: canaryValue('EnvCustomerId') },
  }),
  derived: (v) => ({
    basicAuthorization: basic(v.ids.customerId, v.secrets.customerSecret),
    basicAuthorizationWrong: basic(v.ids.customerId, v.secrets.wrongSecret),
    basicAuthorizationEnv: basic(v.ids.envCustomerId, v.secrets.envSecret),
  }),
  async startEmulator(v) {
    const emulator = new AgoraEmulator({
      apps: { [AGORA_DEFAULTS.appId]: { certificate: v.secrets.appCertificate } },
      credentials: { [v.ids.customerId]: v.secrets.customerSecret, [v.ids.envCustomerId]: v.secrets.envSecret },
      updateSpacingMs: 0,
      subtitleIntervalMs: 50,
    });
    await emulator.listen();
    return emulator as unknown as EmulatorLike;
  },
  credentials(v, account, id) {
    const creds = {
      ok: { customerId: v.ids.customerId, customerSecret: v.secrets.customerSecret },
      wrongSecret: { customerId: v.ids.customerId, customerSecret: v.secrets.wrongSecret },
      env: { customerId: v.ids.envCustomerId, customerSecret: `\${${AGORA_CANARY.envName}}` },
    }[account];
    return { [id]: { ...creds, appCertificate: v.secrets.appCertificate } };
  },
  actionNode(type, v) {
    if (type !== 'agora-stt-start') return { extra: {} };
    // AES-256-GCM2 (7): the encryption secret and salt are the start node's own credentials.
    return {
      extra: { cryptionMode: '7' },
      credentials: { encryptionSecret: v.secrets.encryptionSecret, encryptionSalt: v.secrets.encryptionSalt },
    };
  },
  validMsg(c, emu, v) {
    const msg = c.validMsg(emu);
    if (c.type !== 'agora-stt-start') return msg;
    const storage = {
      vendor: 2,
      region: 3,
      bucket: 'captions',
      accessKey: 'AKIAEXAMPLE',
      secretKey: v.secrets.storageSecretKey,
    };
    return { ...msg, payload: { ...msg.payload, captionConfig: { sliceDuration: 60, storage } } };
  },
  payloadSecrets: ['storageSecretKey'],
  echo(req) {
    // [I] Worst case of "Agora may echo a rejected field": it names the secret-bearing fields and the
    // authorization, shortest first, so all of them fall inside the 300 characters of vendor text
    // the client keeps; the other fields follow in `detail`.
    const fields: Array<[string, string]> = [];
    const walk = (prefix: string, x: unknown): void => {
      if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(prefix ? `${prefix}.${k}` : k, y);
      else fields.push([prefix, String(x)]);
    };
    try {
      walk('', JSON.parse(req.body || '{}'));
    } catch {
      fields.push(['body', req.body]);
    }
    fields.push(['authorization', String(req.headers.authorization ?? '')]);
    const secretLike = (f: [string, string]) => /secret|salt|token|key|auth/i.test(f[0]);
    const text = (list: Array<[string, string]>) =>
      list
        .map(([k, v]) => `${k}=${v}`)
        .sort((a, b) => a.length - b.length)
        .join(', ');
    return {
      status: 400,
      body: JSON.stringify({
        message: `invalid fields: ${text(fields.filter(secretLike))}`,
        detail: `${req.url} ${text(fields.filter((f) => !secretLike(f)))}`,
        request_id: hex(8),
      }),
    };
  },
  testBodies: (okId, envId, deployedUrl, otherUrl) => [
    [
      'stored secret and certificate, deployed endpoint',
      {
        id: okId,
        customerSecret: '__PWRD__',
        appCertificate: '__PWRD__',
        endpoint: deployedUrl,
        appId: AGORA_DEFAULTS.appId,
      },
    ],
    [
      'stored secret, endpoint omitted (the default endpoint)',
      { id: okId, customerSecret: '__PWRD__', appId: AGORA_DEFAULTS.appId },
    ],
    [
      'typed wrong secret, deployed endpoint',
      { id: okId, customerSecret: 'typed-wrong-secret', endpoint: deployedUrl, appId: AGORA_DEFAULTS.appId },
    ],
    [
      'stored secret, other endpoint',
      {
        id: okId,
        customerSecret: '__PWRD__',
        appCertificate: '__PWRD__',
        endpoint: otherUrl,
        appId: AGORA_DEFAULTS.appId,
      },
    ],
    [
      'typed secret, stored certificate, other endpoint',
      { id: okId, customerSecret: 'typed-by-the-editor', endpoint: otherUrl, appId: AGORA_DEFAULTS.appId },
    ],
    [
      'typed secret and certificate, other endpoint (stored customer ID)',
      {
        id: okId,
        customerSecret: 'typed-by-the-editor',
        appCertificate: '00112233445566778899aabbccddeeff',
        endpoint: otherUrl,
        appId: AGORA_DEFAULTS.appId,
      },
    ],
    [
      'env secret, deployed endpoint',
      {
        id: envId,
        customerSecret: '__PWRD__',
        appCertificate: '__PWRD__',
        endpoint: deployedUrl,
        appId: AGORA_DEFAULTS.appId,
      },
    ],
    [
      'no such node, other endpoint',
      { id: 'nope', customerSecret: '__PWRD__', endpoint: otherUrl, appId: AGORA_DEFAULTS.appId },
    ],
  ],
};

/** Every vendor the vendor-generic canary covers (Alibaba has canary.spec.ts). A new vendor adds its CanaryKit here. */
export const CANARY_KITS: CanaryKit[] = [AGORA_CANARY];
