import { translator } from './lib/i18n';
import { digestKey, serveInbound } from './lib/inbound';
import { Node, NodeAPI, NodeDef, resolveSecret, withDefaults } from './lib/node-red';
import { AgoraNotificationEvent, parseNotification } from './vendors/agora/notifications/event';
import { verifyNcsSignature } from './vendors/agora/notifications/signature';

export const TYPE = 'agora-stt-events';

/** The dialog's defaults (nodes/agora-stt-events.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  path: '',
  allowSha1: false,
  maxAge: 300,
  maxBodyKb: 64,
};

interface Options {
  path: string;
  maxAgeMs: number;
  maxBodyBytes: number;
  allowSha1: boolean;
}

/** A whole number within [min, max], else the default (the dialog refuses anything else). */
function bounded(value: unknown, min: number, max: number, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

function readOptions(def: NodeDef): Options {
  let path = String(def.path ?? '').trim();
  if (path && !path.startsWith('/')) path = `/${path}`;
  // Express reads ':', '*', '(' and '?' as patterns; the path Agora posts to is a literal.
  if (!/^\/[A-Za-z0-9._~/-]+$/.test(path))
    throw new Error(`path "${path}" may only contain letters, digits and . _ ~ / -`);
  return {
    path,
    maxAgeMs: bounded(def.maxAge, 10, 3600, DEFAULTS.maxAge) * 1000,
    maxBodyBytes: bounded(def.maxBodyKb, 1, 1024, DEFAULTS.maxBodyKb) * 1024,
    allowSha1: def.allowSha1 === true,
  };
}

export default function register(RED: NodeAPI): void {
  const t = translator(RED, TYPE);

  function AgoraSttEvents(this: Node<{ secret?: string }>, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    if (RED.settings.httpNodeRoot === false) {
      node.warn(
        t('events.disabled', {}, 'httpNodeRoot is false: HTTP endpoints are disabled, so no notifications can arrive.'),
      );
      node.status({ fill: 'red', shape: 'ring', text: t.key('status.disabled', 'HTTP disabled') });
      return;
    }
    let opts: Options;
    try {
      opts = readOptions(def);
    } catch (err) {
      const detail = (err as Error).message;
      node.error(t('events.badOption', { detail }, `Invalid option: ${detail}`));
      node.status({ fill: 'red', shape: 'ring', text: t.key('status.misconfigured', 'misconfigured') });
      return;
    }
    const secret = resolveSecret(RED, node, node.credentials?.secret);
    const now = Date.now;

    const serving = serveInbound<AgoraNotificationEvent>(RED, node, t, {
      path: opts.path,
      maxBodyBytes: opts.maxBodyBytes,
      dedupe: { ttlMs: opts.maxAgeMs, prefix: 'agora:ncs:' },
      rejectedOutput: true,
      // Without the secret nothing can be verified, so nothing is accepted (and no body is read).
      checkHeaders: () => (secret ? undefined : { status: 401, reason: 'noSecret', detail: 'no NCS secret is set' }),
      read(body, req) {
        // The HMAC covers the exact bytes: a body someone else parsed first cannot be verified.
        if (!body.raw)
          return { ok: false, status: 401, reason: 'rawBodyUnavailable', detail: 'the raw body was not kept' };
        const verdict = verifyNcsSignature(req.headers, body.raw, { secret: secret ?? '', allowSha1: opts.allowSha1 });
        if (!verdict.ok) return { ok: false, status: 401, reason: verdict.reason };
        const json = body.json();
        if (!json.ok) return { ok: false, status: 400, reason: json.reason, detail: json.detail };
        const parsed = parseNotification(json.value, now);
        if (!parsed.ok) return { ok: false, status: 400, reason: parsed.reason, detail: parsed.detail };
        const notifyMs = (json.value as { notifyMs?: unknown }).notifyMs;
        if (typeof notifyMs === 'number' && Math.abs(now() - notifyMs) > opts.maxAgeMs)
          return {
            ok: false,
            status: 401,
            reason: 'staleNotification',
            detail: 'notifyMs is outside the time window',
          };
        // NCS resends and "redundant notification" repeat the noticeId; a body without one is keyed by its bytes.
        const key = parsed.noticeId ?? `body:${body.raw.toString('latin1')}`;
        return { ok: true, event: parsed.event, dedupeKey: digestKey(key) };
      },
      message: (event) => ({ payload: event, topic: event.taskId, taskId: event.taskId }),
      idleStatus: secret
        ? { fill: 'green', shape: 'dot', text: opts.path }
        : { fill: 'red', shape: 'ring', text: t.key('status.noSecret', 'no secret') },
    });
    if (serving && !secret)
      node.warn(
        t(
          'events.noSecret',
          {},
          'No NCS secret is set: every notification is refused. Copy the secret from Agora Console into the node.',
        ),
      );
  }

  RED.nodes.registerType(TYPE, AgoraSttEvents, { credentials: { secret: { type: 'password' } } });
}
