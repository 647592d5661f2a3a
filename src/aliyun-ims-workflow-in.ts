import { translator } from './lib/i18n';
import { serveInbound } from './lib/inbound';
import { Node, NodeAPI, NodeDef, resolveSecret, withDefaults } from './lib/node-red';
import { TranscriptEvent } from './lib/transcript';
import { readSentence } from './vendors/aliyun-ims/sentence';
import { DEFAULT_SECRET_PARAM, presentedSecret, secretMatches } from './vendors/aliyun-ims/secret';

export const TYPE = 'aliyun-ims-workflow-in';

/** The dialog's defaults (nodes/aliyun-ims-workflow-in.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  path: '/aliyun-ims/results',
  secretParam: DEFAULT_SECRET_PARAM,
  maxBodyKb: 64,
  finalOnly: false,
  auditOutput: false,
  outputs: 1,
};

/** [I] A template re-sending a sentence is dropped for this long. */
const DEDUPE_MS = 5 * 60_000;
const PATH = /^\/[A-Za-z0-9._~/-]+$/;
const PARAM = /^[A-Za-z0-9_-]{1,64}$/;

type Credentials = Record<string, string | undefined> & { secret?: string };

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'aliyun-ims-config');

  function AliyunImsWorkflowIn(this: Node<Credentials>, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    const misconfigured = (key: string, fallback: string) => {
      node.error(t(key, {}, fallback));
      node.status({ fill: 'red', shape: 'ring', text: t.key('status.misconfigured', 'misconfigured') });
    };
    if (RED.settings.httpNodeRoot === false)
      return misconfigured(
        'in.disabled',
        'httpNodeRoot is false: HTTP endpoints are disabled, so no results can arrive.',
      );
    const path = String(def.path ?? '').trim();
    const param = String(def.secretParam || DEFAULT_SECRET_PARAM).trim();
    if (!PATH.test(path))
      return misconfigured('in.badPath', 'The path must start with / and hold only letters, digits and . _ ~ / -.');
    if (!PARAM.test(param))
      return misconfigured('in.badParam', 'The secret parameter name may hold only letters, digits, _ and -.');
    const secret = resolveSecret(RED, node, node.credentials?.secret);
    // No signature is documented for these posts: without a secret anyone could inject captions.
    if (!secret) return misconfigured('in.noSecret', 'Set a secret: the endpoint refuses to run without one.');
    const maxBody = Number(def.maxBodyKb);
    const finalOnly = def.finalOnly === true || def.finalOnly === 'true';

    serveInbound<TranscriptEvent>(RED, node, t, {
      path,
      maxBodyBytes: Math.round((Number.isFinite(maxBody) && maxBody > 0 ? Math.min(maxBody, 1024) : 64) * 1024),
      dedupe: { ttlMs: DEDUPE_MS, prefix: 'aliyun-ims:event:' },
      rejectedOutput: def.auditOutput === true || def.auditOutput === 'true',
      checkHeaders(req) {
        const given = presentedSecret(req.headers, (req.query ?? {}) as Record<string, unknown>, param);
        return secretMatches(given, secret)
          ? undefined
          : { status: 401, reason: 'secret', detail: 'wrong or missing secret' };
      },
      read(body, req) {
        const json = body.json();
        if (!json.ok) return { ok: false, status: 400, reason: json.reason, detail: json.detail };
        const q = (req.query ?? {}) as Record<string, unknown>;
        const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
        const read = readSentence(json.value, { resultType: one(q.result_type), taskId: one(q.task_id) });
        return read.ok
          ? { ok: true, event: read.event, dedupeKey: read.dedupeKey }
          : { ok: false, status: 400, reason: read.reason, detail: read.detail };
      },
      message(event) {
        if (finalOnly && !event.final) return null;
        return { payload: event, topic: event.taskId, taskId: event.taskId };
      },
      idleStatus: { fill: 'green', shape: 'dot', text: path },
    });
  }

  RED.nodes.registerType(TYPE, AliyunImsWorkflowIn, { credentials: { secret: { type: 'password' } } });
}
