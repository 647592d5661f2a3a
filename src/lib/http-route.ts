import type { Application, RequestHandler, ErrorRequestHandler } from 'express';

interface Layer {
  route?: { path: string; stack: Array<{ handle: unknown }> };
}

function routerStack(app: Application): Layer[] {
  // Express 4 keeps routes here; Node-RED's own http-in removes its routes the same way.
  const router = (app as unknown as { _router?: { stack: Layer[] } })._router;
  return router ? router.stack : [];
}

/**
 * Mounts handlers for every method at `path` and returns the function that
 * removes exactly those layers, so a redeploy never leaves a stale route.
 */
export function mountRoute(
  app: Application,
  path: string,
  handlers: Array<RequestHandler | ErrorRequestHandler>,
): () => void {
  const marker = handlers[0];
  app.all(path, ...(handlers as RequestHandler[]));
  return () => {
    const stack = routerStack(app);
    // Backwards: splicing while walking forwards skips the neighbour of each removed layer.
    for (let i = stack.length - 1; i >= 0; i--) {
      const route = stack[i].route;
      if (route && route.path === path && route.stack.some((l) => l.handle === marker)) stack.splice(i, 1);
    }
  };
}
