import type { Application, NextFunction, Request, Response } from 'express';
import { BodyError, readRawBody } from './raw-body';

/** Where the capture leaves what it read, for the route to pick up. */
export const RAW_BODY = Symbol.for('speech-pipelines.inbound.rawBody');

export type CapturedRequest = Request & { [RAW_BODY]?: Buffer; _body?: boolean };

/** Full request paths (lower case, as Express matches them) whose bodies we read first, with their byte limits. */
/** What to do with a body that cannot be read (over the limit, cut short): the route's own refusal. */
export type Refuse = (req: Request, res: Response, err: BodyError) => void;

const limits = new Map<string, { limit: number; refuse: Refuse }>();
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
 * A body that cannot be read is refused right there (never passed on half-read: a later parser
 * would wait for bytes nobody resumes). Nothing is installed when the node app is not mounted
 * under another (tests, custom embeddings): then the route reads its own body.
 */
export function captureBodies(httpNode: Application, fullPath: string, limit: number, refuse: Refuse): () => void {
  const root = rootOf(httpNode);
  if (root === httpNode) return () => undefined;
  if (!installed.has(root)) {
    installed.add(root);
    root.use(capture);
    // First, but after Express 4's own set-up layers (query, expressInit), which give `res` its
    // methods: the refusal answers through them.
    const stack = (root as unknown as { _router?: { stack: Array<{ handle: unknown; name?: string }> } })._router
      ?.stack;
    const i = stack ? stack.findIndex((l) => l.handle === capture) : -1;
    if (stack && i > 0) {
      const [layer] = stack.splice(i, 1);
      stack.splice(stack.findIndex((l) => l.name === 'expressInit') + 1, 0, layer);
    }
  }
  const key = routeKey(fullPath);
  const entry = { limit, refuse };
  limits.set(key, entry);
  return () => {
    if (limits.get(key) === entry) limits.delete(key);
  };
}

function capture(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'POST' || limits.size === 0) return next();
  const entry = limits.get(routeKey(req.url.split('?')[0]));
  if (!entry) return next();
  readRawBody(req, entry.limit).then(
    (got) => {
      const r = req as CapturedRequest;
      r[RAW_BODY] = got;
      r._body = true; // body-parser 1's "already parsed" mark; body-parser 2 sees the stream ended
      next();
    },
    (err: unknown) => {
      try {
        entry.refuse(
          req,
          res,
          err instanceof BodyError ? err : new BodyError(400, 'aborted', 'the body was cut short'),
        );
      } catch {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end();
        }
      }
    },
  );
}
