/** v7 join body: the v6 start body plus name and keywords, with v7 limits (§2.3). */
import { checkCommonBody, isObject, isUidString, type BodyLimits } from './validate-body';

export const V7_LIMITS: BodyLimits = {
  api: 'v7',
  // v7.2.3: 0 = never stop for idleness; Docs-Source still shows 5-2592000.
  maxIdleTime: [0, 259200],
  translateSources: 4,
  translateTargets: 10,
  storageVendors: [1, 2, 3, 5, 6, 7, 8, 11],
};

export function joinProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(body)) return ['body: must be a JSON object'];
  if (typeof body.name !== 'string' || body.name === '') problems.push('name: required string');
  else if (body.name.length > 64) problems.push('name: at most 64 characters');
  const rtc = checkCommonBody(problems, body, V7_LIMITS);
  // Deprecated and "always identical to pubBotUid" (join.mdx), yet Agora's quickstart, enable-service
  // and record-captions examples send subBotUid "47091" with pubBotUid "88222": any valid uid is
  // accepted and ignored, as the vendor's own examples must pass.
  if (rtc && rtc.subBotUid !== undefined && !isUidString(rtc.subBotUid)) {
    problems.push('rtcConfig.subBotUid: must be a numeric string');
  }
  if (body.keywords !== undefined) {
    if (!Array.isArray(body.keywords) || !body.keywords.every((k) => typeof k === 'string' && k !== ''))
      problems.push('keywords: must be an array of strings');
    else if (body.keywords.length > 500) problems.push('keywords: at most 500 items');
  }
  if (body.extensionParams !== undefined && !isObject(body.extensionParams))
    problems.push('extensionParams: must be an object');
  return problems;
}
