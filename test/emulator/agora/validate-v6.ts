/** v6 start body (§2.4 table): both bots required, numeric and distinct. */
import { checkCommonBody, isObject, isUidString, type BodyLimits } from './validate-body';

export const V6_LIMITS: BodyLimits = {
  api: 'v6',
  maxIdleTime: [5, 2592000],
  translateSources: 4,
  translateTargets: 5,
  // start.mdx lists 1, 5, 6 (possibleValues) and its own example sends 2: the union.
  storageVendors: [1, 2, 5, 6],
};

export function startProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(body)) return ['body: must be a JSON object'];
  const rtc = checkCommonBody(problems, body, V6_LIMITS);
  if (rtc) {
    if (rtc.subBotUid === undefined) problems.push('rtcConfig.subBotUid: required');
    else if (!isUidString(rtc.subBotUid)) problems.push('rtcConfig.subBotUid: must be a numeric string');
    else if (rtc.subBotUid === rtc.pubBotUid) problems.push('rtcConfig.subBotUid: must differ from pubBotUid');
  }
  return problems;
}
