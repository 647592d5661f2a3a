import { Problem } from '../../lib/errors';
import { Checker, copyPlain, isGiven } from './checker';
import { AgoraApiVersion } from './types';

/** The documented top-level start (v6) / join (v7) body names taken from msg.payload; others are ignored. */
export const START_FIELDS: readonly string[] = [
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

/** What an update may change (§2.3 update rules, §2.4 update row; v7 update.mdx adds keywords). */
export const UPDATE_FIELDS: readonly string[] = [
  'languages',
  'uidLanguagesConfig',
  'keywords',
  'rtcConfig',
  'translateConfig',
];

/** updateMask entries, in the order they are sent. */
export const UPDATE_MASK_PATHS: readonly string[] = [
  'languages',
  'uidLanguagesConfig',
  'keywords',
  'rtcConfig.subscribeAudioUids',
  'rtcConfig.unSubscribeAudioUids',
  'translateConfig.enable',
  'translateConfig.languages',
];

interface VersionLimits {
  maxIdle: [number, number];
  translateSources: number;
  translateTargets: number;
  storageVendors: readonly number[];
  /** v7.2.2: a mixed-language input may translate into one of its own sources. */
  mixedTargets: boolean;
}

const LIMITS: Record<AgoraApiVersion, VersionLimits> = {
  // v7.2.3: 0 = never stop for idleness, every task capped at 72 h.
  v7: {
    maxIdle: [0, 259200],
    translateSources: 4,
    translateTargets: 10,
    storageVendors: [1, 2, 3, 5, 6, 7, 8, 11],
    mixedTargets: true,
  },
  // v6 start.mdx: possibleValues "1,5,6", and its own example sends 2 (Alibaba Cloud): those four.
  v6: {
    maxIdle: [5, 2592000],
    translateSources: 4,
    translateTargets: 5,
    storageVendors: [1, 2, 5, 6],
    mixedTargets: false,
  },
};

/** The v6 update row documents ≤2 translation sources (the start table ≤4). */
const UPDATE_LIMITS: Record<AgoraApiVersion, VersionLimits> = {
  v7: LIMITS.v7,
  v6: { ...LIMITS.v6, translateSources: 2 },
};

const MAX_LANGUAGES = 4;
const MAX_UID_LANGUAGE_ITEMS = 5;
const MAX_SUBSCRIBE = 32;
const MAX_UNSUBSCRIBE = 5;
const MAX_KEYWORDS = 500;
const MAX_NAME = 64;
/** Characters the RTC SDK allows in a channel name (agora-token's documentation), under 64 bytes. */
const CHANNEL = /^[A-Za-z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]{1,64}$/;
export const INSTANCE_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const TOKEN_MAX = 2048;
const SECRET_MAX = 1024;

export interface PreparedStart {
  /** The wire body: documented names only, uids as strings; v7 carries `name` when one was given. */
  body: Record<string, unknown>;
  problems: Problem[];
  channel?: string;
  pubBotUid?: string;
  subBotUid?: string;
  /** Fields given but not sent, by a documented rule (v7: the deprecated subBotUid/subBotToken). */
  ignored: string[];
}

export interface PreparedUpdate {
  body: Record<string, unknown>;
  updateMask: string;
  problems: Problem[];
}

export function validateStart(version: AgoraApiVersion, body: Record<string, unknown>): Problem[] {
  return prepareStart(version, body).problems;
}

export function validateUpdate(version: AgoraApiVersion, changes: Record<string, unknown>): Problem[] {
  return prepareUpdate(version, changes).problems;
}

/** Checks a start/join body against every documented rule of `version` and builds the wire body. */
export function prepareStart(version: AgoraApiVersion, input: Record<string, unknown>): PreparedStart {
  const c = new Checker();
  const limits = LIMITS[version];
  const raw = pick(input, START_FIELDS);
  const body: Record<string, unknown> = {};

  if (isGiven(raw.name)) {
    const name =
      version === 'v7'
        ? c.string('name', raw.name, MAX_NAME, {
            pattern: /^[^\u0000-\u001f\u007f]+$/,
            hint: 'must not contain control characters',
          })
        : c.string('name', raw.name, MAX_NAME, {
            pattern: INSTANCE_ID,
            hint: 'is the v6 instanceId and may hold only letters, digits, "_" and "-"',
          });
    if (name !== undefined) body.name = name;
  }
  if (raw.languages === undefined) c.required('languages');
  else set(body, 'languages', c.languages('languages', raw.languages, 1, MAX_LANGUAGES));
  if (isGiven(raw.maxIdleTime)) set(body, 'maxIdleTime', c.int('maxIdleTime', raw.maxIdleTime, ...limits.maxIdle));
  if (raw.uidLanguagesConfig !== undefined) set(body, 'uidLanguagesConfig', uidLanguages(c, raw.uidLanguagesConfig));
  if (raw.keywords !== undefined) {
    if (version === 'v6') c.add('keywords', 'v7Only', 'keywords is available only on API v7.', { version: 'v7' });
    else set(body, 'keywords', keywords(c, raw.keywords));
  }
  if (raw.extensionParams !== undefined) {
    if (version === 'v6')
      c.add('extensionParams', 'v7Only', 'extensionParams is available only on API v7.', { version: 'v7' });
    else set(body, 'extensionParams', objectCopy(c, 'extensionParams', raw.extensionParams));
  }
  const ignored: string[] = [];
  const rtc = rtcConfig(c, version, raw.rtcConfig, ignored);
  if (rtc) body.rtcConfig = rtc;
  if (raw.translateConfig !== undefined)
    set(body, 'translateConfig', translateConfig(c, limits, raw.translateConfig, undefined, raw.languages));
  if (raw.captionConfig !== undefined) set(body, 'captionConfig', captionConfig(c, limits, raw.captionConfig));

  return {
    body,
    problems: c.problems,
    channel: rtc?.channelName as string | undefined,
    pubBotUid: rtc?.pubBotUid as string | undefined,
    subBotUid: rtc?.subBotUid as string | undefined,
    ignored,
  };
}

/** Checks update changes and builds the body and the updateMask from the fields given. */
export function prepareUpdate(version: AgoraApiVersion, input: Record<string, unknown>): PreparedUpdate {
  const c = new Checker();
  const raw = pick(input, UPDATE_FIELDS);
  const body: Record<string, unknown> = {};
  const mask: string[] = [];

  if (raw.languages !== undefined) {
    set(body, 'languages', c.languages('languages', raw.languages, 1, MAX_LANGUAGES));
    mask.push('languages');
  }
  if (raw.uidLanguagesConfig !== undefined) {
    // An empty list clears the per-user languages.
    set(body, 'uidLanguagesConfig', uidLanguages(c, raw.uidLanguagesConfig));
    mask.push('uidLanguagesConfig');
  }
  if (raw.keywords !== undefined) {
    // v7 update.mdx lists keywords (≤500, replacing the old list whole); v6 update has none.
    if (version === 'v6') c.add('keywords', 'v7Only', 'keywords is available only on API v7.', { version: 'v7' });
    else {
      set(body, 'keywords', keywords(c, raw.keywords));
      mask.push('keywords');
    }
  }
  if (raw.rtcConfig !== undefined) {
    const rtcIn = c.object('rtcConfig', raw.rtcConfig);
    if (rtcIn) {
      const rtc: Record<string, unknown> = {};
      for (const key of Object.keys(rtcIn)) {
        if (key !== 'subscribeAudioUids' && key !== 'unSubscribeAudioUids') {
          c.add(
            `rtcConfig.${key}`,
            'notUpdatable',
            `rtcConfig.${key} cannot be changed by an update; only subscribeAudioUids and unSubscribeAudioUids can.`,
          );
        }
      }
      subscriptions(c, rtcIn, rtc);
      for (const key of ['subscribeAudioUids', 'unSubscribeAudioUids'])
        if (rtcIn[key] !== undefined) mask.push(`rtcConfig.${key}`);
      body.rtcConfig = rtc;
    }
  }
  if (raw.translateConfig !== undefined) {
    const t = translateConfig(c, UPDATE_LIMITS[version], raw.translateConfig, version, raw.languages);
    if (t) {
      // Only the two updatable sub-fields: anything else would be outside the updateMask.
      body.translateConfig = {};
      for (const key of ['enable', 'languages']) {
        if (t[key] === undefined) continue;
        (body.translateConfig as Record<string, unknown>)[key] = t[key];
        mask.push(`translateConfig.${key}`);
      }
    }
  }
  if (Object.keys(raw).length === 0) {
    c.add('changes', 'noChanges', `An update needs at least one of ${UPDATE_FIELDS.join(', ')}.`, {
      fields: UPDATE_FIELDS.join(', '),
    });
  }
  const ordered = UPDATE_MASK_PATHS.filter((p) => mask.includes(p));
  return { body, updateMask: ordered.join(','), problems: c.problems };
}

function rtcConfig(
  c: Checker,
  version: AgoraApiVersion,
  value: unknown,
  ignored: string[],
): Record<string, unknown> | undefined {
  if (value === undefined) {
    c.required('rtcConfig');
    return undefined;
  }
  const rtcIn = c.object('rtcConfig', value);
  if (!rtcIn) return undefined;
  // Undocumented sub-keys pass through: Agora adds fields between releases.
  const rtc = copyPlain(rtcIn);
  const channel = isGiven(rtcIn.channelName)
    ? c.string('rtcConfig.channelName', rtcIn.channelName, 64, {
        pattern: CHANNEL,
        hint: 'may hold up to 64 letters, digits, spaces and !#$%&()+-:;<=.>?@[]^_{}|~,',
      })
    : c.required('rtcConfig.channelName');
  set(rtc, 'channelName', channel);
  const pub = isGiven(rtcIn.pubBotUid)
    ? c.uid('rtcConfig.pubBotUid', rtcIn.pubBotUid)
    : c.required('rtcConfig.pubBotUid');
  set(rtc, 'pubBotUid', pub);
  token(c, rtcIn, rtc, 'pubBotToken');
  if (version === 'v6') {
    const sub = isGiven(rtcIn.subBotUid)
      ? c.uid('rtcConfig.subBotUid', rtcIn.subBotUid)
      : c.required('rtcConfig.subBotUid');
    set(rtc, 'subBotUid', sub);
    if (sub !== undefined && sub === pub) {
      c.add(
        'rtcConfig.subBotUid',
        'distinctBots',
        'rtcConfig.subBotUid must differ from rtcConfig.pubBotUid: the two bots join the channel as different users.',
      );
    }
    token(c, rtcIn, rtc, 'subBotToken');
  } else {
    // v7 join.mdx: subBotUid and subBotToken are deprecated, subBotUid "always identical to
    // pubBotUid": the one bot both subscribes and publishes. Not sent, and reported as ignored.
    for (const key of ['subBotUid', 'subBotToken']) {
      if (isGiven(rtcIn[key])) ignored.push(`rtcConfig.${key}`);
      delete rtc[key];
    }
  }
  subscriptions(c, rtcIn, rtc);
  encryption(c, rtcIn, rtc);
  if (rtcIn.enableJsonProtocol !== undefined)
    set(rtc, 'enableJsonProtocol', c.bool('rtcConfig.enableJsonProtocol', rtcIn.enableJsonProtocol));
  return rtc;
}

function token(c: Checker, rtcIn: Record<string, unknown>, rtc: Record<string, unknown>, key: string): void {
  if (!isGiven(rtcIn[key])) {
    delete rtc[key];
    return;
  }
  set(rtc, key, c.string(`rtcConfig.${key}`, rtcIn[key], TOKEN_MAX, { secret: true }));
}

function subscriptions(c: Checker, rtcIn: Record<string, unknown>, rtc: Record<string, unknown>): void {
  let subscribe: string[] | undefined;
  if (rtcIn.subscribeAudioUids !== undefined) {
    const v = rtcIn.subscribeAudioUids;
    const all =
      Array.isArray(v) && v.length >= 1 && v.some((x) => typeof x === 'string' && x.trim().toLowerCase() === 'all');
    if (all) {
      if (v.length !== 1)
        c.add(
          'rtcConfig.subscribeAudioUids',
          'allAlone',
          'rtcConfig.subscribeAudioUids is either ["all"] or a list of user IDs, not both.',
        );
      else subscribe = ['all'];
    } else {
      subscribe = c.uids('rtcConfig.subscribeAudioUids', v, MAX_SUBSCRIBE);
    }
    set(rtc, 'subscribeAudioUids', subscribe);
  }
  if (rtcIn.unSubscribeAudioUids !== undefined) {
    const un = c.uids('rtcConfig.unSubscribeAudioUids', rtcIn.unSubscribeAudioUids, MAX_UNSUBSCRIBE);
    set(rtc, 'unSubscribeAudioUids', un);
    const subscribesSome = Array.isArray(rtcIn.subscribeAudioUids) && rtcIn.subscribeAudioUids.length > 0;
    if (subscribesSome && Array.isArray(rtcIn.unSubscribeAudioUids) && rtcIn.unSubscribeAudioUids.length > 0) {
      c.add(
        'rtcConfig.unSubscribeAudioUids',
        'exclusive',
        'Give either rtcConfig.subscribeAudioUids or rtcConfig.unSubscribeAudioUids, not both.',
        { other: 'rtcConfig.subscribeAudioUids' },
      );
    }
  }
}

function encryption(c: Checker, rtcIn: Record<string, unknown>, rtc: Record<string, unknown>): void {
  if (!isGiven(rtcIn.cryptionMode)) {
    delete rtc.cryptionMode;
    return;
  }
  const mode = c.int('rtcConfig.cryptionMode', rtcIn.cryptionMode, 0, 8);
  set(rtc, 'cryptionMode', mode);
  if (mode === undefined || mode === 0) return;
  if (!isGiven(rtcIn.secret))
    c.add('rtcConfig.secret', 'requiredForMode', 'rtcConfig.secret is required when rtcConfig.cryptionMode is not 0.', {
      mode,
    });
  else set(rtc, 'secret', c.string('rtcConfig.secret', rtcIn.secret, SECRET_MAX, { secret: true }));
  if (mode === 7 || mode === 8) {
    if (!isGiven(rtcIn.salt))
      c.add('rtcConfig.salt', 'requiredForMode', `rtcConfig.salt is required when rtcConfig.cryptionMode is ${mode}.`, {
        mode,
      });
    else if (!isSalt(rtcIn.salt))
      c.add('rtcConfig.salt', 'salt', 'rtcConfig.salt must be the Base64 encoding of exactly 32 bytes.');
  }
}

function isSalt(value: unknown): boolean {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 32 && bytes.toString('base64') === value;
}

function uidLanguages(c: Checker, value: unknown): unknown[] | undefined {
  const list = c.array('uidLanguagesConfig', value, 0, MAX_UID_LANGUAGE_ITEMS);
  if (!list) return undefined;
  let ok = true;
  const out = list.map((item, i) => {
    const field = `uidLanguagesConfig[${i}]`;
    const obj = c.object(field, item);
    if (!obj) return (ok = false);
    const uid = isGiven(obj.uid) ? c.uid(`${field}.uid`, obj.uid) : c.required(`${field}.uid`);
    const languages =
      obj.languages === undefined
        ? c.required(`${field}.languages`)
        : c.languages(`${field}.languages`, obj.languages, 1, MAX_LANGUAGES);
    if (uid === undefined || languages === undefined) ok = false;
    return { uid, languages };
  });
  return ok ? out : undefined;
}

function keywords(c: Checker, value: unknown): string[] | undefined {
  const list = c.array('keywords', value, 0, MAX_KEYWORDS);
  if (!list) return undefined;
  const out = list.map((k, i) => c.string(`keywords[${i}]`, k, 256));
  return out.every((v): v is string => v !== undefined) ? out : undefined;
}

/** `updateOf`: the version of an update (v6 documents `enable` as required there), or none for a start. */
function translateConfig(
  c: Checker,
  limits: VersionLimits,
  value: unknown,
  updateOf?: AgoraApiVersion,
  transcribed?: unknown,
): Record<string, unknown> | undefined {
  const forUpdate = updateOf !== undefined;
  const tIn = c.object('translateConfig', value);
  if (!tIn) return undefined;
  const t = copyPlain(tIn);
  let enable: boolean | undefined;
  if (tIn.enable !== undefined) set(t, 'enable', (enable = c.bool('translateConfig.enable', tIn.enable)));
  else if (updateOf === 'v6')
    c.add('translateConfig.enable', 'required', 'translateConfig.enable is required in a v6 update (true or false).');
  if (updateOf === 'v7' && tIn.enable === undefined && tIn.languages === undefined) {
    c.add('translateConfig', 'noChanges', 'translateConfig in an update needs enable or languages.', {
      fields: 'enable, languages',
    });
  }
  if (tIn.languages === undefined) {
    if (enable !== false && !forUpdate)
      c.add(
        'translateConfig.languages',
        'required',
        'translateConfig.languages is required unless translateConfig.enable is false.',
      );
    if (forUpdate && enable === true)
      c.add(
        'translateConfig.languages',
        'required',
        'translateConfig.languages is required when an update turns translation on.',
      );
    return t;
  }
  const list = c.array('translateConfig.languages', tIn.languages, 1, limits.translateSources);
  if (!list) return undefined;
  let ok = true;
  t.languages = list.map((item, i) => {
    const field = `translateConfig.languages[${i}]`;
    const obj = c.object(field, item);
    if (!obj) return (ok = false);
    const source = isGiven(obj.source) ? c.language(`${field}.source`, obj.source) : c.required(`${field}.source`);
    const target =
      obj.target === undefined
        ? c.required(`${field}.target`)
        : c.languages(`${field}.target`, obj.target, 1, limits.translateTargets);
    // v7.2.2 (join.mdx, release notes): a single-language input may not translate into itself; a
    // mixed-language input may target one of its sources. [I] Mixed = several source entries or
    // several transcription languages; v6 keeps the old rule.
    const mixed = limits.mixedTargets && (list.length > 1 || (Array.isArray(transcribed) && transcribed.length > 1));
    if (!mixed && source !== undefined && target?.includes(source)) {
      c.add(`${field}.target`, 'sameLanguage', `${field}.target must not contain its source language ${source}.`, {
        language: source,
      });
      ok = false;
    }
    if (source === undefined || target === undefined) ok = false;
    return { ...copyPlain(obj), source, target };
  });
  return ok ? t : undefined;
}

function captionConfig(c: Checker, limits: VersionLimits, value: unknown): Record<string, unknown> | undefined {
  const capIn = c.object('captionConfig', value);
  if (!capIn) return undefined;
  const cap = copyPlain(capIn);
  if (isGiven(capIn.sliceDuration))
    set(cap, 'sliceDuration', c.int('captionConfig.sliceDuration', capIn.sliceDuration, 5, 28800));
  if (capIn.storage === undefined) {
    c.required('captionConfig.storage');
    return undefined;
  }
  const sIn = c.object('captionConfig.storage', capIn.storage);
  if (!sIn) return undefined;
  const s = copyPlain(sIn);
  // The tables say accesskey/secretkey, every example accessKey/secretKey: accept both, send camelCase.
  for (const [camel, lower] of [
    ['accessKey', 'accesskey'],
    ['secretKey', 'secretkey'],
  ]) {
    const v = sIn[camel] ?? sIn[lower];
    delete s[lower];
    const field = `captionConfig.storage.${camel}`;
    set(s, camel, isGiven(v) ? c.string(field, v, SECRET_MAX, { secret: camel === 'secretKey' }) : c.required(field));
  }
  set(
    s,
    'bucket',
    isGiven(sIn.bucket)
      ? c.string('captionConfig.storage.bucket', sIn.bucket, 256)
      : c.required('captionConfig.storage.bucket'),
  );
  set(
    s,
    'vendor',
    isGiven(sIn.vendor)
      ? c.oneOf('captionConfig.storage.vendor', sIn.vendor, limits.storageVendors)
      : c.required('captionConfig.storage.vendor'),
  );
  set(
    s,
    'region',
    isGiven(sIn.region)
      ? c.int('captionConfig.storage.region', sIn.region, 0, 1000)
      : c.required('captionConfig.storage.region'),
  );
  if (sIn.fileNamePrefix !== undefined) {
    const list = c.array('captionConfig.storage.fileNamePrefix', sIn.fileNamePrefix, 0, 128);
    if (list) {
      const parts = list.map((p, i) =>
        c.string(`captionConfig.storage.fileNamePrefix[${i}]`, p, 128, {
          // The tables say letters and digits; record-captions.mdx's own example sends "sub-folder".
          pattern: /^[A-Za-z0-9-]+$/,
          hint: 'may hold only letters, digits and "-"',
        }),
      );
      const total = parts.filter(Boolean).join('/').length;
      if (total > 128)
        c.add(
          'captionConfig.storage.fileNamePrefix',
          'prefixLength',
          `captionConfig.storage.fileNamePrefix is ${total} characters long with its slashes; at most 128 are allowed.`,
          { max: 128, length: total },
        );
      if (parts.every(Boolean)) s.fileNamePrefix = parts;
    }
  }
  cap.storage = s;
  return cap;
}

function objectCopy(c: Checker, field: string, value: unknown): Record<string, unknown> | undefined {
  const obj = c.object(field, value);
  return obj ? copyPlain(obj) : undefined;
}

function pick(input: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!input || typeof input !== 'object') return out;
  for (const name of names) {
    if (Object.prototype.hasOwnProperty.call(input, name) && input[name] !== undefined) out[name] = input[name];
  }
  return out;
}

function set(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}
