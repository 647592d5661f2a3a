import { routeKey } from './root-capture';

/**
 * First path segments Node-RED's admin app answers (editor-api, core nodes' admin routes, the
 * editor's static files) and this package's own admin routes. When httpAdminRoot and
 * httpNodeRoot coincide (the default "/"), a node route there either hides the editor's API or
 * is hidden by it, depending on mount order: refused, whatever the case of its letters.
 */
const ADMIN_SEGMENTS = new Set([
  'auth',
  'flows',
  'flow',
  'nodes',
  'settings',
  'plugins',
  'context',
  'library',
  'icons',
  'locales',
  'red',
  'vendor',
  'theme',
  'diagnostics',
  'debug',
  'inject',
  'comms',
  'projects',
  'credentials',
  'resources',
  'favicon.ico',
  'aliyun-live-config',
  'aliyun-live-callback-config',
  'agora-config',
  'unisound-config',
]);

/** A root setting as Node-RED formats it: undefined means "/", always a leading and a trailing slash. */
export function formatRoot(root: unknown): string | false {
  if (root === false) return false;
  const r = typeof root === 'string' && root !== '' ? root : '/';
  return `/${r.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/');
}

/** The path as the root app sees it: httpNodeRoot + the node's path. */
export function fullPath(nodeRoot: unknown, path: string): string {
  const root = formatRoot(nodeRoot) || '/';
  return `${root.replace(/\/$/, '')}${path}`;
}

/**
 * The admin route `path` would collide with (e.g. "/flows"), or undefined. Only when the admin
 * app is mounted at the same root as the node app, or above it.
 */
export function adminCollision(
  settings: { httpAdminRoot?: unknown; httpNodeRoot?: unknown },
  path: string,
): string | undefined {
  const admin = formatRoot(settings.httpAdminRoot);
  if (admin === false) return undefined;
  const full = routeKey(fullPath(settings.httpNodeRoot, path));
  const adminKey = admin.toLowerCase();
  if ((full.endsWith('/') ? full : `${full}/`) === adminKey) return admin; // the editor itself
  if (!full.startsWith(adminKey)) return undefined;
  const segment = full.slice(adminKey.length).split('/')[0];
  return ADMIN_SEGMENTS.has(segment) ? `${admin}${segment}` : undefined;
}
