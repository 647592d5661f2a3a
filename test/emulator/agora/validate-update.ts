/**
 * Update (v7 POST .../update, v6 PATCH): sequenceId and updateMask in the query, the
 * fields in the body (update-service.mdx, §2.4 update row).
 */
import {
  checkLanguages,
  checkSubscription,
  checkTranslate,
  checkUidLanguagesConfig,
  isObject,
  type Json,
} from './validate-body';

export const UPDATABLE = [
  'languages',
  // v7 update.mdx lists keywords (≤500); v6 has none (checked in updateProblems).
  'keywords',
  'uidLanguagesConfig',
  'rtcConfig.subscribeAudioUids',
  'rtcConfig.unSubscribeAudioUids',
  'translateConfig',
  'translateConfig.enable',
  'translateConfig.languages',
] as const;

export interface UpdateLimits {
  keywords: boolean;
  translateSources: number;
  translateTargets: number;
  /** v6 documents translateConfig.enable as required. */
  translateEnableRequired: boolean;
}

export const V7_UPDATE: UpdateLimits = {
  keywords: true,
  translateSources: 4,
  translateTargets: 10,
  translateEnableRequired: false,
};
export const V6_UPDATE: UpdateLimits = {
  keywords: false,
  translateSources: 2,
  translateTargets: 5,
  translateEnableRequired: true,
};

export function parseSequenceId(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d{1,15}$/.test(raw)) return undefined;
  return Number(raw);
}

function has(body: Json, path: string): boolean {
  let cur: unknown = body;
  for (const part of path.split('.')) {
    if (!isObject(cur) || !Object.prototype.hasOwnProperty.call(cur, part)) return false;
    cur = cur[part];
  }
  return true;
}

/** Leaf paths of the body down to the updatable granularity. */
function bodyPaths(body: Json): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    if ((k === 'rtcConfig' || k === 'translateConfig') && isObject(v)) {
      for (const sub of Object.keys(v)) out.push(`${k}.${sub}`);
    } else out.push(k);
  }
  return out;
}

/**
 * Problems with the mask and body. [I] Every mask entry must be updatable and present
 * in the body, and every body field must be covered by the mask: a field the client
 * forgot to name would be silently ignored by a field-mask server.
 */
export function updateProblems(body: unknown, mask: string[], limits: UpdateLimits): string[] {
  const problems: string[] = [];
  if (!isObject(body)) return ['body: must be a JSON object'];
  if (mask.length === 0) problems.push('updateMask: required');
  for (const m of mask) {
    if (!(UPDATABLE as readonly string[]).includes(m)) problems.push(`updateMask: ${m} cannot be updated`);
    else if (!has(body, m)) problems.push(`updateMask: ${m} is not in the body`);
  }
  for (const p of bodyPaths(body)) {
    if (!mask.some((m) => m === p || p.startsWith(`${m}.`))) problems.push(`${p}: not named in updateMask`);
  }
  if (body.languages !== undefined) checkLanguages(problems, 'languages', body.languages);
  if (body.keywords !== undefined) {
    if (!limits.keywords) problems.push('keywords: cannot be updated on v6');
    else if (!Array.isArray(body.keywords) || !body.keywords.every((k) => typeof k === 'string' && k !== ''))
      problems.push('keywords: must be an array of strings');
    else if (body.keywords.length > 500) problems.push('keywords: at most 500 items');
  }
  // uidLanguagesConfig: [] clears it.
  if (body.uidLanguagesConfig !== undefined) checkUidLanguagesConfig(problems, body.uidLanguagesConfig);
  if (body.rtcConfig !== undefined) {
    if (!isObject(body.rtcConfig)) problems.push('rtcConfig: must be an object');
    else checkSubscription(problems, body.rtcConfig);
  }
  if (body.translateConfig !== undefined) {
    checkTranslate(
      problems,
      body.translateConfig,
      limits.translateSources,
      limits.translateTargets,
      limits.translateEnableRequired,
      body.languages,
    );
  }
  return problems;
}

/** A new value replaces the old one whole (update-service.mdx). */
export function applyUpdate(target: Json, body: Json, mask: string[]): void {
  for (const m of mask) {
    const [head, sub] = m.split('.');
    if (sub === undefined) {
      target[head] = structuredClone(body[head]);
      continue;
    }
    const dst = isObject(target[head]) ? (target[head] as Json) : (target[head] = {});
    dst[sub] = structuredClone((body[head] as Json)[sub]);
  }
}
