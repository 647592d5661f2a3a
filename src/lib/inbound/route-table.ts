import type { Application } from 'express';
import { routeKey } from './root-capture';

/** Who holds a path: for the message naming the first holder. */
export interface Holder {
  id: string;
  type: string;
  name?: string;
}

export function describeHolder(h: Holder): string {
  return h.name ? `"${h.name}" (${h.id})` : `${h.type} ${h.id}`;
}

/**
 * Every path any node of this package serves, keyed as Express matches (case-insensitively):
 * a second route on a path would silently get nothing (or silently take the first's requests).
 */
const held = new Map<string, Holder>();

/** The first holder of any of `paths` other than `me`, or undefined when all are free. */
export function heldBy(paths: string[], me: Holder): { path: string; holder: Holder } | undefined {
  for (const path of paths) {
    const holder = held.get(routeKey(path));
    if (holder && holder !== me) return { path, holder };
  }
  return undefined;
}

/** Takes `paths` for `me`; the returned function gives back exactly those still held by `me`. */
export function hold(paths: string[], me: Holder): () => void {
  const keys = paths.map(routeKey);
  for (const k of keys) held.set(k, me);
  return () => {
    for (const k of keys) if (held.get(k) === me) held.delete(k);
  };
}

interface Layer {
  route?: { path: unknown; stack: Array<{ handle: unknown }> };
}

/**
 * Routes on `app` answering one of `paths` that are not ours (a core `http in` node, another
 * package): Express would let the one mounted first answer, silently. `ours` are the handlers
 * of our own layers.
 */
export function foreignRoutes(app: Application, paths: string[], ours: Set<unknown>): string[] {
  const keys = new Set(paths.map(routeKey));
  const stack = (app as unknown as { _router?: { stack: Layer[] } })._router?.stack ?? [];
  const found: string[] = [];
  for (const layer of stack) {
    const route = layer.route;
    if (!route || typeof route.path !== 'string') continue;
    if (keys.has(routeKey(route.path)) && !route.stack.some((l) => ours.has(l.handle))) found.push(route.path);
  }
  return found;
}
