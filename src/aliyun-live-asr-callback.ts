import { isAliyunLiveCallbackConfig } from './lib/accounts/aliyun-live-callback';
import { translator } from './lib/i18n';
import { serveInbound } from './lib/inbound';
import { CidrList } from './lib/ip-allow';
import { Node, NodeAPI, NodeDef, withDefaults } from './lib/node-red';
import { TranscriptEvent } from './lib/transcript';
import { parseCallback } from './vendors/aliyun-live/callback-event';
import { CallbackVerifier } from './vendors/aliyun-live/callback-verifier';
import { PROBE_HEADER } from './vendors/aliyun-live/callback-probe';

export const TYPE = 'aliyun-live-asr-callback';

/** The dialog's defaults (nodes/aliyun-live-asr-callback.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  callback: '',
  path: '',
  maxAge: 300,
  maxBodyKb: 256,
  finalOnly: false,
  auditOutput: false,
  allowFrom: '',
  trustedProxies: '',
  outputs: 1,
};

const DEFAULT_MAX_AGE_S = 300;
const DEFAULT_MAX_BODY_KB = 256;

interface Options {
  path: string;
  maxAgeMs: number;
  maxBodyBytes: number;
  finalOnly: boolean;
  audit: boolean;
  allowFrom?: CidrList;
  trustedProxies?: CidrList;
}

function readOptions(def: NodeDef, callbackUrl: string): Options {
  const maxAge = Number(def.maxAge);
  const maxBody = Number(def.maxBodyKb);
  let path = String(def.path ?? '').trim();
  if (!path && callbackUrl) {
    try {
      path = new URL(callbackUrl).pathname;
    } catch {
      path = '';
    }
  }
  if (path && !path.startsWith('/')) path = `/${path}`;
  // Express reads ':', '*', '(' and '?' as patterns; a callback path is a literal.
  if (path && !/^[A-Za-z0-9._~/-]+$/.test(path))
    throw new Error(`path "${path}" may only contain letters, digits and . _ ~ / -`);
  return {
    path,
    maxAgeMs: (Number.isFinite(maxAge) && maxAge > 0 ? maxAge : DEFAULT_MAX_AGE_S) * 1000,
    maxBodyBytes: Math.round((Number.isFinite(maxBody) && maxBody > 0 ? maxBody : DEFAULT_MAX_BODY_KB) * 1024),
    finalOnly: def.finalOnly === true,
    audit: def.auditOutput === true,
    allowFrom: String(def.allowFrom ?? '').trim() ? CidrList.parse(String(def.allowFrom)) : undefined,
    trustedProxies: String(def.trustedProxies ?? '').trim() ? CidrList.parse(String(def.trustedProxies)) : undefined,
  };
}

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'aliyun-live-config');

  function AliyunLiveAsrCallback(this: Node, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    if (RED.settings.httpNodeRoot === false) {
      node.warn(
        t('callback.disabled', {}, 'httpNodeRoot is false: HTTP endpoints are disabled, so no callbacks can arrive.'),
      );
      node.status({ fill: 'red', shape: 'ring', text: t.key('status.disabled', 'HTTP disabled') });
      return;
    }
    const shared = def.callback ? RED.nodes.getNode(String(def.callback)) : undefined;
    const callbackUrl = isAliyunLiveCallbackConfig(shared) ? shared.callbackUrl : '';
    const authKey = isAliyunLiveCallbackConfig(shared) ? shared.authKey() : undefined;
    let opts: Options;
    try {
      opts = readOptions(def, callbackUrl);
    } catch (err) {
      node.error(
        t('callback.badOption', { detail: (err as Error).message }, `Invalid option: ${(err as Error).message}`),
      );
      node.status({ fill: 'red', shape: 'ring', text: t.key('status.misconfigured', 'misconfigured') });
      return;
    }
    if (!opts.path) {
      node.error(t('callback.noPath', {}, 'Set a path, or a callback URL in the callback config node.'));
      node.status({ fill: 'red', shape: 'ring', text: t.key('status.misconfigured', 'misconfigured') });
      return;
    }
    const verifier =
      authKey && callbackUrl ? new CallbackVerifier({ callbackUrl, authKey, maxAgeMs: opts.maxAgeMs }) : undefined;
    const idleStatus = verifier
      ? { fill: 'green' as const, shape: 'dot' as const, text: opts.path }
      : {
          fill: 'yellow' as const,
          shape: 'ring' as const,
          text: t('status.verifyOff', { path: opts.path }, `verification off ${opts.path}`),
        };
    const serving = serveInbound<TranscriptEvent>(RED, node, t, {
      path: opts.path,
      maxBodyBytes: opts.maxBodyBytes,
      dedupe: { ttlMs: opts.maxAgeMs, prefix: 'aliyun:event:' },
      rejectedOutput: opts.audit,
      allowFrom: opts.allowFrom,
      trustedProxies: opts.trustedProxies,
      checkHeaders(req) {
        if (verifier) {
          const outcome = verifier.verify(req.headers['sig-time'], req.headers['asr-sig']);
          // Test callback URL's unsigned probe is refused on purpose (it proves the node verifies):
          // not a callback gone wrong, so the counter on the canvas leaves it out.
          if (!outcome.ok) return { status: 401, reason: outcome.reason, uncounted: req.headers[PROBE_HEADER] === '1' };
        }
        // A "Test callback URL" probe: answered once it passed every check above, never emitted.
        return req.headers[PROBE_HEADER] === '1' ? 'probe' : undefined;
      },
      read(body) {
        const parsed = parseCallback(body.raw ?? body.parsed);
        return parsed.ok
          ? { ok: true, event: parsed.event, dedupeKey: parsed.dedupeKey }
          : { ok: false, status: 400, reason: parsed.reason, detail: parsed.detail };
      },
      message(event) {
        if (opts.finalOnly && !event.final) return null;
        return { payload: event, topic: event.taskId, taskId: event.taskId };
      },
      rejectedFields: (req) => ({
        sigTime: typeof req.headers['sig-time'] === 'string' ? req.headers['sig-time'].slice(0, 64) : undefined,
      }),
      idleStatus,
    });
    if (serving && !verifier)
      node.warn(
        t(
          'callback.verifyOff',
          {},
          'No AuthKey and callback URL configured: callbacks are accepted without signature verification.',
        ),
      );
  }

  RED.nodes.registerType(TYPE, AliyunLiveAsrCallback);
}
