import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { mountRoute } from '../http-route';
import type { Translate } from '../i18n';
import { CidrList, clientAddress } from '../ip-allow';
import type { Node, NodeAPI, NodeMessage, NodeStatus } from '../node-red';
import { EventDedupe } from '../state/event-dedupe';
import { isShared, volatileStore } from '../state/shared';
import { claimPaths } from './claim';
import { DEFAULT_MAX_DEPTH, deeperThan, JsonRead, readJson } from './json-reader';
import { LogThrottle } from './log-throttle';
import { BodyError, discardRest, readRawBody } from './raw-body';
import { fullPath } from './reserved-paths';
import { CapturedRequest, captureBodies, RAW_BODY } from './root-capture';
import { StatusCounter } from './status-counter';

/** A refused request: its HTTP status, a short machine reason, and words for people. */
export interface Rejection {
  status: number;
  reason: string;
  detail?: string;
  /**
   * Refused on purpose by a test of the endpoint (Test callback URL's unsigned probe): answered
   * and sent to the rejected output like any other, but left out of the counter on the canvas.
   */
  uncounted?: boolean;
}

/** What the vendor part gets to read. */
export interface InboundBody {
  /** The exact bytes received, when this package read them (always, except under a foreign body parser). */
  raw?: Buffer;
  /** A body another middleware parsed before us (then `raw` is absent). */
  parsed?: unknown;
  /** The body as JSON, depth-bounded (raw bytes or the pre-parsed value alike). */
  json(): JsonRead;
  /** The same bounded reader for JSON nested in a string field (Alibaba's `content`). */
  readJson(text: string): JsonRead;
}

/** The vendor part's verdict on one request. */
export type Reading<E> = { ok: true; event: E; dedupeKey?: string } | ({ ok: false } & Rejection);

export interface InboundSpec<E> {
  /** The route, a literal path starting with "/". */
  path: string;
  maxBodyBytes: number;
  /** Nesting bound of every JSON read; DEFAULT_MAX_DEPTH when unset. */
  maxDepth?: number;
  /** Drops deliveries seen within `ttlMs` (by `dedupeKey`), across instances when Redis is configured. */
  dedupe?: { ttlMs: number; prefix: string };
  /** Sends rejected requests to the node's second output. */
  rejectedOutput: boolean;
  allowFrom?: CidrList;
  trustedProxies?: CidrList;
  /** Checks on headers alone, before a byte of the body is read; 'probe' answers 204 and emits nothing. */
  checkHeaders?(req: Request): Rejection | 'probe' | undefined;
  /** Verifies and parses one body (a signature over `raw`, the vendor's shape, its event name). */
  read(body: InboundBody, req: Request): Reading<E>;
  /** Builds the message for one accepted, first-seen event, or null to emit nothing (a filter). */
  message(event: E): NodeMessage | null;
  /** Vendor fields for a rejected-requests message (a signature timestamp...). Bounded strings only. */
  rejectedFields?(req: Request): Record<string, unknown>;
  /** The node's status while serving; counts replace its text as requests arrive. */
  idleStatus: NodeStatus;
}

const OK_BODY = '{"ok":true}';
const DUPLICATE_BODY = '{"ok":true,"duplicate":true}';
const LOGGED_STATUSES = new Set([400, 413, 415]);

/** The hot path: a fixed body with no ETag hashing or JSON serialisation per request. */
function reply(res: Response, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function bodyOf(got: Buffer | undefined, parsed: unknown, maxDepth: number): InboundBody {
  return {
    raw: got,
    parsed: got ? undefined : parsed,
    json(): JsonRead {
      if (got) return readJson(got, maxDepth);
      if (typeof parsed === 'string' || Buffer.isBuffer(parsed)) return readJson(parsed, maxDepth);
      if (deeperThan(parsed, maxDepth))
        return { ok: false, reason: 'tooDeep', detail: `the JSON nests deeper than ${maxDepth} levels` };
      return { ok: true, value: parsed };
    },
    readJson: (text) => readJson(text, maxDepth),
  };
}

/**
 * Serves `spec.path` for `node` until the node closes. Returns false (having told the user) when
 * the path cannot be taken.
 */
export function serveInbound<E>(RED: NodeAPI, node: Node, t: Translate, spec: InboundSpec<E>): boolean {
  const claim = claimPaths(RED, node, t, [spec.path]);
  if (!claim) return false;
  const maxDepth = spec.maxDepth ?? DEFAULT_MAX_DEPTH;
  const stats = new StatusCounter(node, spec.idleStatus, (c) =>
    t('inbound.status.counts', { ...c }, `${c.accepted} ok, ${c.rejected} rejected`),
  );
  // Shared with every instance when Redis is configured: a retry sent to another instance is not emitted again.
  const seen = spec.dedupe
    ? new EventDedupe(spec.dedupe.ttlMs, isShared(RED) ? volatileStore(RED) : undefined, spec.dedupe.prefix)
    : undefined;
  const log = new LogThrottle((reason, detail, count) =>
    node.warn(
      count === 1
        ? t('inbound.rejected', { path: spec.path, reason: detail }, `Rejected a request on ${spec.path}: ${detail}`)
        : t(
            'inbound.rejectedRepeated',
            { path: spec.path, reason: detail, count },
            `Rejected ${count} more requests on ${spec.path} like this one: ${detail}`,
          ),
    ),
  );
  node.status(spec.idleStatus);

  /** Sends without letting a throw (a clone of a hostile value, a wire's failure) escape a promise or the route. */
  const safeSend = (msg: Array<NodeMessage | null> | NodeMessage): void => {
    try {
      node.send(msg);
    } catch (err) {
      node.error(
        t('inbound.sendFailed', { detail: (err as Error)?.message }, `Could not emit: ${(err as Error)?.message}`),
      );
    }
  };

  const reject = (req: Request, res: Response, r: Rejection): void => {
    if (!r.uncounted) stats.count('rejected');
    if (!res.headersSent) {
      if (r.status === 405) res.set('Allow', 'POST');
      // The rest of a refused body is drained (bounded), so the answer reaches a client still sending.
      if (r.status === 413) discardRest(req);
      res.status(r.status).json({ error: r.reason, message: r.detail ?? r.reason });
    }
    if (LOGGED_STATUSES.has(r.status)) log.note(`${r.status}:${r.reason}`, `(${r.status}) ${r.detail ?? r.reason}`);
    if (!spec.rejectedOutput) return;
    safeSend([
      null,
      {
        topic: 'rejected',
        payload: {
          status: r.status,
          reason: r.reason,
          detail: r.detail,
          method: req.method,
          path: req.path,
          ip: clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], spec.trustedProxies),
          ...spec.rejectedFields?.(req),
          at: Date.now(),
        },
      },
    ]);
  };

  const deliver = (res: Response | undefined, event: E, first: boolean): void => {
    if (!first) {
      stats.count('duplicates');
      if (res) reply(res, DUPLICATE_BODY);
      return;
    }
    if (res) reply(res, OK_BODY);
    stats.count('accepted');
    const msg = spec.message(event);
    if (msg) safeSend(spec.rejectedOutput ? [msg, null] : msg);
  };

  const accept = (req: Request, res: Response, got: Buffer | undefined): void => {
    let reading: Reading<E>;
    try {
      reading = spec.read(bodyOf(got, req.body, maxDepth), req);
    } catch {
      reading = { ok: false, status: 400, reason: 'badBody', detail: 'the body could not be read' };
    }
    if (!reading.ok) return reject(req, res, reading);
    if (!seen || reading.dedupeKey === undefined) return deliver(res, reading.event, true);
    const first = seen.first(reading.dedupeKey);
    if (typeof first === 'boolean') return deliver(res, reading.event, first);
    // Answered at once, as for a local first sighting: the shared check then only decides whether to emit.
    reply(res, OK_BODY);
    const event = reading.event;
    first.then(
      (f) => deliver(undefined, event, f),
      () => deliver(undefined, event, true),
    );
  };

  const handle = (req: Request, res: Response, _next: NextFunction): void => {
    if (req.method !== 'POST') return reject(req, res, { status: 405, reason: 'methodNotAllowed' });
    if (
      spec.allowFrom &&
      !spec.allowFrom.has(clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], spec.trustedProxies))
    )
      return reject(req, res, { status: 403, reason: 'sourceNotAllowed' });
    const captured = (req as CapturedRequest)[RAW_BODY];
    const declared = Number(req.headers['content-length']);
    if (!captured && Number.isFinite(declared) && declared > spec.maxBodyBytes)
      return reject(req, res, {
        status: 413,
        reason: 'tooLarge',
        detail: `body of ${declared} bytes is over the ${spec.maxBodyBytes}-byte limit`,
      });
    const early = spec.checkHeaders?.(req);
    if (early === 'probe') {
      res.status(204).end();
      return;
    }
    if (early) return reject(req, res, early);
    if (captured) return accept(req, res, captured);
    // Someone else's parser read the body first (no root capture): use what it left.
    // (body-parser 1 marks `_body`; body-parser 2 leaves a consumed stream.)
    if ((req as CapturedRequest)._body || req.readableEnded) return accept(req, res, undefined);
    readRawBody(req, spec.maxBodyBytes).then(
      (buf) => accept(req, res, buf),
      (err: unknown) =>
        reject(
          req,
          res,
          err instanceof BodyError
            ? { status: err.status, reason: err.reason, detail: err.message }
            : { status: 400, reason: 'badBody', detail: 'the body could not be read' },
        ),
    );
  };

  // Its own function object per node: mountRoute removes exactly the layers holding it.
  const entry: RequestHandler = (req, res, next) => {
    try {
      handle(req, res, next);
    } catch {
      if (!res.headersSent) res.status(500).end();
    }
  };
  // A body parser ahead of us (app-level middleware) failed on the body: refused like our own reader's failures.
  const parserFailed: ErrorRequestHandler = (err: { type?: string }, req, res, _next) => {
    if (err?.type === 'entity.too.large')
      return reject(req, res, { status: 413, reason: 'tooLarge', detail: `body is over the parser's limit` });
    reject(req, res, { status: 400, reason: 'badBody', detail: 'the body could not be read' });
  };
  const unmount = mountRoute(RED.httpNode, spec.path, [entry, parserFailed]);
  const uncapture = captureBodies(
    RED.httpNode,
    fullPath(RED.settings.httpNodeRoot, spec.path),
    spec.maxBodyBytes,
    (req, res, err) => reject(req, res, { status: err.status, reason: err.reason, detail: err.message }),
  );
  claim.watch(new Set([entry]));

  node.on('close', (_removed: boolean, done: () => void) => {
    uncapture();
    unmount();
    claim.release();
    stats.close();
    log.close();
    seen?.clear();
    done();
  });
  return true;
}
