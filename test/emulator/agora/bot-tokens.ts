/**
 * Independent check of the RTC tokens a client sends as pubBotToken / subBotToken,
 * with the official agora-token parser (2.0.6: from_string returns a boolean,
 * getServices(type), verifySignature(cert); parsed app id, channel and uid are Buffers).
 */

interface ParsedService {
  service_type(): number;
  __channel_name?: Buffer | string;
  __uid?: Buffer | string;
  __privileges?: Record<string, number>;
}

interface ParsedToken {
  appId: Buffer | string;
  issueTs: number;
  expire: number;
  from_string(token: string): boolean;
  verifySignature(cert: string): boolean;
  getServices(type: number): ParsedService[];
}

interface AccessToken2Module {
  AccessToken2: new () => ParsedToken;
  kRtcServiceType: number;
  ServiceRtc: { kPrivilegeJoinChannel: number };
}

let cached: AccessToken2Module | undefined;
function parser(): AccessToken2Module {
  // Deep import: the package ships no typings for its parser.

  cached ??= require('agora-token/src/AccessToken2.js') as AccessToken2Module;
  return cached;
}

export type TokenProblem = 'Invalid token' | 'Token is expired';

function text(v: Buffer | string | undefined): string {
  return v === undefined ? '' : v.toString();
}

/**
 * undefined when `token` lets `uid` join `channel` of `appId` at `nowSec`.
 * [I] A join privilege of 0 is bounded only by the token's own expiry (the builder's
 * doc: "the privilege is limited by the token expiration time"); a token expiry of 0
 * or in the past is expired.
 */
export function checkRtcToken(
  token: unknown,
  appId: string,
  certificate: string,
  channel: string,
  uid: string,
  nowSec: number,
): TokenProblem | undefined {
  if (typeof token !== 'string' || token === '') return 'Invalid token';
  const mod = parser();
  const parsed = new mod.AccessToken2();
  if (parsed.from_string(token) !== true) return 'Invalid token';
  if (text(parsed.appId) !== appId) return 'Invalid token';
  if (!parsed.verifySignature(certificate)) return 'Invalid token';
  const rtc = parsed.getServices(mod.kRtcServiceType).find((s) => {
    const tokenUid = text(s.__uid);
    return text(s.__channel_name) === channel && (tokenUid === '' || tokenUid === uid);
  });
  if (!rtc) return 'Invalid token';
  const join = rtc.__privileges?.[mod.ServiceRtc.kPrivilegeJoinChannel];
  if (join === undefined) return 'Invalid token';
  if (parsed.expire <= 0 || parsed.issueTs + parsed.expire <= nowSec) return 'Token is expired';
  if (join > 0 && parsed.issueTs + join <= nowSec) return 'Token is expired';
  return undefined;
}

/**
 * When the bot's RTC token stops letting it stay in the channel, Unix ms: the token's own
 * expiry, or the join privilege's when that is sooner; undefined for a token it cannot read.
 */
export function rtcTokenExpiresAt(token: unknown): number | undefined {
  if (typeof token !== 'string' || token === '') return undefined;
  const mod = parser();
  const parsed = new mod.AccessToken2();
  if (parsed.from_string(token) !== true || parsed.expire <= 0) return undefined;
  let until = parsed.issueTs + parsed.expire;
  for (const s of parsed.getServices(mod.kRtcServiceType)) {
    const join = s.__privileges?.[mod.ServiceRtc.kPrivilegeJoinChannel];
    if (join !== undefined && join > 0) until = Math.min(until, parsed.issueTs + join);
  }
  return until * 1000;
}
