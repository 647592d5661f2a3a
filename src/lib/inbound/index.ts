/**
 * One inbound-endpoint mechanism for every HTTP endpoint the package serves.
 *
 * A node that receives vendor requests (Alibaba live-subtitle callbacks, Agora NCS events,
 * IMS workflow results) calls `serveInbound(RED, node, t, spec)` once in its constructor and
 * gets: the route mounted on RED.httpNode and removed on close (one route after any number
 * of redeploys); its path refused, with an error and a red status, when it collides with
 * Node-RED's admin routes or another route of this package (case-insensitively, as Express
 * matches); a warning when a core `http in` also answers it; the body limit enforced on the
 * bytes actually received, even when Node-RED's admin body parser would read it first (a
 * capture unshifted onto the root app, as core 21-httpin.js does); the exact raw bytes for a
 * signature; a depth-bounded JSON reader; a dedupe keyed by a fixed-size digest and shared
 * across instances when Redis is configured; 200 answered at once; exceptions from `send`
 * caught; refusals answered 4xx, logged once per reason and interval with a count, and sent to
 * the second output when `rejectedOutput` is set; counts in the node status once a second.
 *
 * The vendor part passes in small pieces (`InboundSpec`):
 * - `checkHeaders(req)`: a signature over headers only (Alibaba), or 'probe', before any body byte;
 * - `read(body, req)`: verify over `body.raw` (Agora's HMAC), parse with `body.json()` /
 *   `body.readJson(text)` (both depth-bounded), return `{ok: true, event, dedupeKey}` or a
 *   rejection `{ok: false, status, reason, detail}`;
 * - `message(event)`: the message to emit, or null to filter it out;
 * - `rejectedFields(req)`: vendor fields of a rejected-requests message;
 * - `idleStatus`: the status while serving (counts replace its text as requests arrive).
 *
 * Routes that are not callbacks (the caption page) use `claimPaths` for the same collision
 * rules. Strings live under `inbound.*` in the neutral catalogue (speech-common).
 */
export { serveInbound } from './endpoint';
export type { InboundBody, InboundSpec, Reading, Rejection } from './endpoint';
export type { Counts } from './status-counter';
export { claimPaths } from './claim';
export type { Claim } from './claim';
export { DEFAULT_MAX_DEPTH, deeperThan, nestsDeeper, readJson } from './json-reader';
export type { JsonRead } from './json-reader';
export { BodyError, readRawBody } from './raw-body';
export { LogThrottle } from './log-throttle';
export { digestKey } from '../digest-key';
