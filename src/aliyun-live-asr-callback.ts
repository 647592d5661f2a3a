import type { NextFunction, Request, Response } from 'express';
import { isAliyunLiveCallbackConfig } from './lib/accounts/aliyun-live-callback';
import { translator } from './lib/i18n';
import { mountRoute, pathTaken } from './lib/http-route';
import { CidrList, clientAddress } from './lib/ip-allow';
import { Node, NodeAPI, NodeDef, NodeMessage, withDefaults } from './lib/node-red';
import { EventDedupe } from './lib/state/event-dedupe';
import { isShared, volatileStore } from './lib/state/shared';
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
const STATUS_EVERY_MS = 1000;

type CallbackEvent = Extract<ReturnType<typeof parseCallback>, { ok: true }>['event'];
type Rejection = { status: number; reason: string; detail?: string };

/**
 * Which callback node listens on which path, across every flow. Express would silently give a
 * second route on the same path nothing: such a node says so instead, naming the first.
 */
const listeners = new Map<string, Node>();

function describeNode(node: Node): string {
  const name = (node as Node & { name?: string }).name;
  return name ? `"${name}" (${node.id})` : `${node.type} ${node.id}`;
}

const OK_BODY = '{"ok":true}';
const DUPLICATE_BODY = '{"ok":true,"duplicate":true}';

/** The hot path: a fixed body with no ETag hashing or JSON serialisation per callback. */
function reply(res: Response, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

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
    const other = listeners.get(opts.path);
    if (other && other !== node) {
      node.warn(
        t(
          'callback.pathClash',
          { path: opts.path, other: describeNode(other) },
          `Two callback nodes use the path ${opts.path}: ${describeNode(other)} already listens on it, so this node does not. Give one of them another path.`,
        ),
      );
      node.status({ fill: 'red', shape: 'ring', text: t.key('status.pathClash', 'path already in use') });
      return;
    }
    listeners.set(opts.path, node);
    const verifier =
      authKey && callbackUrl ? new CallbackVerifier({ callbackUrl, authKey, maxAgeMs: opts.maxAgeMs }) : undefined;
    // Shared with every instance when Redis is configured: a retry sent to another instance is not emitted again.
    const seen = new EventDedupe(opts.maxAgeMs, isShared(RED) ? volatileStore(RED) : undefined, 'aliyun:event:');
    const counts = { accepted: 0, rejected: 0, duplicates: 0 };
    let statusTimer: NodeJS.Timeout | undefined;
    const idleStatus = verifier
      ? { fill: 'green' as const, shape: 'dot' as const, text: opts.path }
      : {
          fill: 'yellow' as const,
          shape: 'ring' as const,
          text: t('status.verifyOff', { path: opts.path }, `verification off ${opts.path}`),
        };

    if (!verifier)
      node.warn(
        t(
          'callback.verifyOff',
          {},
          'No AuthKey and callback URL configured: callbacks are accepted without signature verification.',
        ),
      );
    if (pathTaken(RED.httpNode, opts.path))
      node.warn(
        t(
          'callback.pathTaken',
          { path: opts.path },
          `Another route already answers ${opts.path}; it may receive these callbacks first.`,
        ),
      );
    node.status(idleStatus);

    // Status is shown at most once a second: at thousands of callbacks a second, per-event updates would cost more than verification.
    const showCounts = (): void => {
      if (statusTimer) return;
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        node.status({
          ...idleStatus,
          text: t('status.counts', counts, `${counts.accepted} ok, ${counts.rejected} rejected`),
        });
      }, STATUS_EVERY_MS);
    };

    const reject = (req: Request, res: Response, rejection: Rejection): void => {
      // Test callback URL's unsigned probe is refused on purpose (it proves the node verifies):
      // it is not a callback that went wrong, so the counter on the canvas leaves it out. It
      // still goes to the rejected-requests output, where anything unsigned is worth seeing.
      if (!(rejection.status === 401 && req.headers[PROBE_HEADER] === '1')) {
        counts.rejected++;
        showCounts();
      }
      if (!res.headersSent) {
        if (rejection.status === 405) res.set('Allow', 'POST');
        res.status(rejection.status).json({ error: rejection.reason, message: rejection.detail ?? rejection.reason });
      }
      if (rejection.status === 400 || rejection.status === 413) {
        node.warn(
          t(
            'callback.rejected',
            { status: rejection.status, reason: rejection.detail ?? rejection.reason },
            `Rejected a callback (${rejection.status}): ${rejection.detail ?? rejection.reason}`,
          ),
        );
      }
      if (opts.audit) {
        node.send([
          null,
          {
            payload: {
              status: rejection.status,
              reason: rejection.reason,
              detail: rejection.detail,
              method: req.method,
              path: req.path,
              ip: clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], opts.trustedProxies),
              sigTime: typeof req.headers['sig-time'] === 'string' ? req.headers['sig-time'].slice(0, 64) : undefined,
              at: Date.now(),
            },
            topic: 'rejected',
          },
        ]);
      }
    };

    const guard = (req: Request, res: Response, next: NextFunction): void => {
      if (req.method !== 'POST') return reject(req, res, { status: 405, reason: 'methodNotAllowed' });
      if (
        opts.allowFrom &&
        !opts.allowFrom.has(
          clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], opts.trustedProxies),
        )
      ) {
        return reject(req, res, { status: 403, reason: 'sourceNotAllowed' });
      }
      const length = Number(req.headers['content-length']);
      if (Number.isFinite(length) && length > opts.maxBodyBytes)
        return reject(req, res, {
          status: 413,
          reason: 'tooLarge',
          detail: `body of ${length} bytes is over the ${opts.maxBodyBytes}-byte limit`,
        });
      if (verifier) {
        const outcome = verifier.verify(req.headers['sig-time'], req.headers['asr-sig']);
        if (!outcome.ok) return reject(req, res, { status: 401, reason: outcome.reason });
      }
      // A "Test callback URL" probe: answered once it passed every check above, never emitted.
      if (req.headers[PROBE_HEADER] === '1') {
        res.status(204).end();
        return;
      }
      next();
    };

    // Skips bodies the admin app already parsed (httpAdminRoot and httpNodeRoot both "/").
    // Loaded by the first callback node, not when Node-RED starts.
    const bodyParser = require('body-parser') as typeof import('body-parser');
    const readBody = bodyParser.text({ type: () => true, limit: opts.maxBodyBytes });

    const accept = (req: Request, res: Response): void => {
      const parsed = parseCallback(req.body);
      if (!parsed.ok) return reject(req, res, { status: 400, reason: parsed.reason, detail: parsed.detail });
      const first = seen.first(parsed.dedupeKey);
      if (typeof first === 'boolean') return deliver(res, parsed.event, first);
      // Answered at once, as for a local first sighting: the shared check then only decides whether to emit.
      reply(res, OK_BODY);
      void first.then((f) => deliver(undefined, parsed.event, f));
    };

    const deliver = (res: Response | undefined, event: CallbackEvent, first: boolean): void => {
      if (!first) {
        counts.duplicates++;
        if (res) reply(res, DUPLICATE_BODY);
        return;
      }
      if (res) reply(res, OK_BODY);
      counts.accepted++;
      showCounts();
      if (opts.finalOnly && !event.final) return;
      const msg: NodeMessage = { payload: event, topic: event.taskId, taskId: event.taskId };
      node.send(opts.audit ? [msg, null] : msg);
    };

    const onParseError = (
      err: { type?: string; status?: number; message?: string },
      req: Request,
      res: Response,
      _next: NextFunction,
    ): void => {
      const status = err.type === 'entity.too.large' ? 413 : 400;
      reject(req, res, {
        status,
        reason: err.type ?? 'badBody',
        detail: status === 413 ? `body is over the ${opts.maxBodyBytes}-byte limit` : 'the body could not be read',
      });
    };

    const unmount = mountRoute(RED.httpNode, opts.path, [guard, readBody, accept, onParseError]);

    node.on('close', (_removed: boolean, done: () => void) => {
      if (listeners.get(opts.path) === node) listeners.delete(opts.path);
      unmount();
      if (statusTimer) clearTimeout(statusTimer);
      seen.clear();
      done();
    });
  }

  RED.nodes.registerType(TYPE, AliyunLiveAsrCallback);
}
