import type { Application, NextFunction, Request, Response } from 'express';
import { BodyError, readRawBody } from './raw-body';

/** Where the capture leaves what it read, for the route to pick up. */
export const RAW_BODY = Symbol.for('speech-pipelines.inbound.rawBody');

export type CapturedRequest = Request & { [RAW_BODY]?: Buffer | BodyError; _body?: boolean };

/** Full request paths (lower case, as Express matches them) whose bodies we read first, with their byte limits. */
const limits = new Map<string, { limit: number }>();
const installed = new WeakSet<object>();

/** Express's matching: case-insensitive, one trailing slash optional. */
export function routeKey(path: string): string {
  return (path.length > 1 ? path.replace(/\/$/, '') : path).toLowerCase();
}

function rootOf(app: Application): Application {
  let a = app as Application & { parent?: Application };
  while (a.parent) a = a.parent as Application & { parent?: Application };
  return a;
}

/**
 * Core http-in's `rawBodyCapture`, for our routes: with httpAdminRoot and httpNodeRoot both "/"
 * (the default) Node-RED's admin body parser reads a JSON body, up to 5 MB and chunked or not,
 * before any node route runs. A middleware at the top of the root app reads our routes' bodies
 * first, counting the bytes received, and marks them parsed so no later parser reads them again.
 * Nothing is installed when the node app is not mounted under another (tests, custom embeddings):
 * then the route reads its own body.
 */
export function captureBodies(httpNode: Application, fullPath: string, limit: number): () => void {
  const root = rootOf(httpNode);
  if (root === httpNode) return () => undefined;
  if (!installed.has(root)) {
    installed.add(root);
    root.use(capture);
    const stack = (root as unknown as { _router?: { stack: Array<{ handle: unknown }> } })._router?.stack;
    const i = stack ? stack.findIndex((l) => l.handle === capture) : -1;
    if (stack && i > 0) stack.unshift(stack.splice(i, 1)[0]);
  }
  const key = routeKey(fullPath);
  const entry = { limit };
  limits.set(key, entry);
  return () => {
    if (limits.get(key) === entry) limits.delete(key);
  };
}

function capture(req: Request, _res: Response, next: NextFunction): void {
  if (req.method !== 'POST' || limits.size === 0) return next();
  const entry = limits.get(routeKey(req.url.split('?')[0]));
  if (!entry) return next();
  const r = req as CapturedRequest;
  const done = (got: Buffer | BodyError): void => {
    r[RAW_BODY] = got;
    r._body = true; // body-parser's "already parsed" mark
    next();
  };
  readRawBody(req, entry.limit).then(done, (err: unknown) =>
    done(err instanceof BodyError ? err : new BodyError(400, 'aborted', 'the body was cut short')),
  );
}
