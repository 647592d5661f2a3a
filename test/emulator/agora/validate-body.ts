/**
 * Field rules shared by v7 join and v6 start (vendor-apis.md §2.3, §2.4). Each
 * check appends a problem "<field path>: <rule>"; the server answers the first one,
 * as the vendor's schema check does.
 */
export type Json = Record<string, unknown>;

export interface BodyLimits {
  api: 'v7' | 'v6';
  maxIdleTime: [number, number];
  translateSources: number;
  translateTargets: number;
  storageVendors: readonly number[];
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
/** RTC int uids sent as strings: 1 .. 2^32-1 ([I] no leading zeros, no "0"). */
export const isUidString = (v: unknown): v is string =>
  typeof v === 'string' && /^[1-9]\d{0,9}$/.test(v) && Number(v) <= 0xffffffff;

export function stringArray(problems: string[], path: string, v: unknown, min: number, max: number): v is string[] {
  if (!Array.isArray(v) || !v.every(nonEmptyString)) {
    problems.push(`${path}: must be an array of non-empty strings`);
    return false;
  }
  if (v.length < min) problems.push(`${path}: at least ${min} item${min === 1 ? '' : 's'}`);
  if (v.length > max) problems.push(`${path}: at most ${max} items`);
  return true;
}

export function checkLanguages(problems: string[], path: string, v: unknown): void {
  stringArray(problems, path, v, 1, 4);
}

export function checkUidLanguagesConfig(problems: string[], v: unknown): void {
  // The v6 table says object, every example an array of {uid, languages}: [I] array only.
  if (!Array.isArray(v)) {
    problems.push('uidLanguagesConfig: must be an array');
    return;
  }
  if (v.length > 5) problems.push('uidLanguagesConfig: at most 5 items');
  v.forEach((item, i) => {
    if (!isObject(item)) {
      problems.push(`uidLanguagesConfig[${i}]: must be an object`);
      return;
    }
    if (!isUidString(item.uid)) problems.push(`uidLanguagesConfig[${i}].uid: must be a numeric string`);
    checkLanguages(problems, `uidLanguagesConfig[${i}].languages`, item.languages);
  });
}

export function checkSubscription(problems: string[], rtc: Json): void {
  const sub = rtc.subscribeAudioUids;
  const unsub = rtc.unSubscribeAudioUids;
  if (sub !== undefined && stringArray(problems, 'rtcConfig.subscribeAudioUids', sub, 1, 32)) {
    const all = sub.length === 1 && sub[0] === 'all';
    if (!all && !sub.every(isUidString))
      problems.push('rtcConfig.subscribeAudioUids: items must be numeric strings or ["all"]');
  }
  if (unsub !== undefined && stringArray(problems, 'rtcConfig.unSubscribeAudioUids', unsub, 1, 5)) {
    if (!unsub.every(isUidString)) problems.push('rtcConfig.unSubscribeAudioUids: items must be numeric strings');
  }
  if (sub !== undefined && unsub !== undefined)
    problems.push('rtcConfig: subscribeAudioUids and unSubscribeAudioUids are exclusive');
}

export function checkTranslate(
  problems: string[],
  v: unknown,
  sources: number,
  targets: number,
  enableRequired = false,
  transcribed?: unknown,
): void {
  if (!isObject(v)) {
    problems.push('translateConfig: must be an object');
    return;
  }
  if (enableRequired && typeof v.enable !== 'boolean') problems.push('translateConfig.enable: required boolean');
  if (v.enable !== undefined && typeof v.enable !== 'boolean')
    problems.push('translateConfig.enable: must be a boolean');
  if (
    v.forceTranslateInterval !== undefined &&
    (!isInt(v.forceTranslateInterval) || v.forceTranslateInterval < 2 || v.forceTranslateInterval > 5)
  ) {
    problems.push('translateConfig.forceTranslateInterval: integer 2 to 5');
  }
  const langs = v.languages;
  if (langs === undefined) {
    if (v.enable !== false) problems.push('translateConfig.languages: required');
    return;
  }
  if (!Array.isArray(langs)) {
    problems.push('translateConfig.languages: must be an array');
    return;
  }
  if (langs.length > sources) problems.push(`translateConfig.languages: at most ${sources} source languages`);
  langs.forEach((item, i) => {
    const path = `translateConfig.languages[${i}]`;
    if (!isObject(item)) {
      problems.push(`${path}: must be an object`);
      return;
    }
    if (!nonEmptyString(item.source)) problems.push(`${path}.source: required string`);
    if (!stringArray(problems, `${path}.target`, item.target, 1, targets)) return;
    // v7.2.2 (join.mdx, release notes): a single-language input may not translate into itself;
    // a mixed-language input may target one of its sources. [I] Mixed = several source entries,
    // several transcription languages, or a source written "zh-CN,en-US".
    const source = typeof item.source === 'string' ? item.source.split(',').map((s) => s.trim()) : [];
    const mixed = source.length > 1 || langs.length > 1 || (Array.isArray(transcribed) && transcribed.length > 1);
    if (!mixed && source.length === 1 && item.target.includes(source[0]))
      problems.push(`${path}.target: must differ from the source language`);
  });
}

export function checkMaxIdle(problems: string[], v: unknown, [min, max]: [number, number]): void {
  if (v === undefined || v === null) return;
  if (!isInt(v) || v < min || v > max) problems.push(`maxIdleTime: integer ${min} to ${max}`);
}

export function checkEncryption(problems: string[], rtc: Json): void {
  const mode = rtc.cryptionMode;
  if (mode === undefined || mode === null) return;
  if (!isInt(mode) || mode < 0 || mode > 8) {
    problems.push('rtcConfig.cryptionMode: integer 0 to 8');
    return;
  }
  if (mode !== 0 && !nonEmptyString(rtc.secret)) problems.push('rtcConfig.secret: required when cryptionMode is not 0');
  if (mode === 7 || mode === 8) {
    const salt = rtc.salt;
    const ok =
      typeof salt === 'string' &&
      /^[A-Za-z0-9+/]+={0,2}$/.test(salt) &&
      salt.length % 4 === 0 &&
      Buffer.from(salt, 'base64').length === 32;
    if (!ok) problems.push('rtcConfig.salt: Base64 of 32 bytes required when cryptionMode is 7 or 8');
  }
}

/** Both key cases are accepted (tables say accesskey, examples accessKey) [I]. */
function either(o: Json, a: string, b: string): unknown {
  return o[a] !== undefined ? o[a] : o[b];
}

export function checkCaption(
  problems: string[],
  v: unknown,
  vendors: readonly number[],
  topLevelExtension: unknown,
): void {
  if (!isObject(v)) {
    problems.push('captionConfig: must be an object');
    return;
  }
  if (v.sliceDuration !== undefined && (!isInt(v.sliceDuration) || v.sliceDuration < 5 || v.sliceDuration > 28800)) {
    problems.push('captionConfig.sliceDuration: integer 5 to 28800');
  }
  const s = v.storage;
  if (!isObject(s)) {
    problems.push('captionConfig.storage: required object');
    return;
  }
  if (!nonEmptyString(either(s, 'accessKey', 'accesskey'))) problems.push('captionConfig.storage.accessKey: required');
  if (!nonEmptyString(either(s, 'secretKey', 'secretkey'))) problems.push('captionConfig.storage.secretKey: required');
  if (!nonEmptyString(s.bucket)) problems.push('captionConfig.storage.bucket: required');
  if (!isInt(s.vendor) || !vendors.includes(s.vendor))
    problems.push(`captionConfig.storage.vendor: one of ${vendors.join(', ')}`);
  if (!isInt(s.region) || s.region < 0) problems.push('captionConfig.storage.region: required non-negative integer');
  if (
    s.fileNamePrefix !== undefined &&
    stringArray(problems, 'captionConfig.storage.fileNamePrefix', s.fileNamePrefix, 0, 128)
  ) {
    // The tables allow A-Z, a-z, 0-9; record-captions.mdx's own example sends "sub-folder": "-" passes.
    if (!s.fileNamePrefix.every((p) => /^[A-Za-z0-9-]+$/.test(p)))
      problems.push('captionConfig.storage.fileNamePrefix: only A-Z, a-z, 0-9 and -');
    // "The prefix length (including slashes)": the items joined with '/'.
    if (s.fileNamePrefix.join('/').length > 128)
      problems.push('captionConfig.storage.fileNamePrefix: at most 128 characters in total');
  }
  if (s.vendor === 11) {
    // [I] extensionParams inside captionConfig (release notes) or at top level (join.mdx).
    const ext = isObject(v.extensionParams) ? v.extensionParams : topLevelExtension;
    if (!isObject(ext) || typeof ext.endpoint !== 'string' || !/^https?:\/\/\S+$/.test(ext.endpoint)) {
      problems.push('extensionParams.endpoint: required URL when storage.vendor is 11');
    }
  }
}

/** The parts of join (v7) and start (v6) that are the same, with version limits. */
export function checkCommonBody(problems: string[], body: Json, limits: BodyLimits): Json | undefined {
  checkLanguages(problems, 'languages', body.languages);
  if (body.uidLanguagesConfig !== undefined) checkUidLanguagesConfig(problems, body.uidLanguagesConfig);
  checkMaxIdle(problems, body.maxIdleTime, limits.maxIdleTime);
  const rtc = body.rtcConfig;
  let out: Json | undefined;
  if (!isObject(rtc)) {
    problems.push('rtcConfig: required object');
  } else {
    out = rtc;
    if (!nonEmptyString(rtc.channelName)) problems.push('rtcConfig.channelName: required string');
    else if (Buffer.byteLength(rtc.channelName) > 64) problems.push('rtcConfig.channelName: at most 64 bytes');
    if (rtc.pubBotUid === undefined) problems.push('rtcConfig.pubBotUid: required');
    else if (!isUidString(rtc.pubBotUid)) problems.push('rtcConfig.pubBotUid: must be a numeric string');
    checkSubscription(problems, rtc);
    checkEncryption(problems, rtc);
    if (rtc.enableJsonProtocol !== undefined && typeof rtc.enableJsonProtocol !== 'boolean')
      problems.push('rtcConfig.enableJsonProtocol: must be a boolean');
    for (const k of ['pubBotToken', 'subBotToken'] as const) {
      if (rtc[k] !== undefined && typeof rtc[k] !== 'string') problems.push(`rtcConfig.${k}: must be a string`);
    }
  }
  if (body.translateConfig !== undefined)
    checkTranslate(
      problems,
      body.translateConfig,
      limits.translateSources,
      limits.translateTargets,
      false,
      body.languages,
    );
  if (body.captionConfig !== undefined)
    checkCaption(problems, body.captionConfig, limits.storageVendors, body.extensionParams);
  return out;
}
