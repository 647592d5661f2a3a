/** URL -> operation for both API generations (§2.2 base URLs, §2.3/§2.4 tables). */
import type { ApiVersion } from './errors';

export type Action = 'join' | 'get' | 'leave' | 'update' | 'list' | 'acquire' | 'start' | 'query' | 'stop';

export interface Route {
  /** Which API the path belongs to, even when no operation matched (for error bodies). */
  api?: ApiVersion;
  action?: Action;
  appId?: string;
  /** agent_id (v7) or taskId (v6). */
  id?: string;
}

const V7 = /^\/api\/speech-to-text\/v1\/projects\/([^/]+)(\/.*)?$/;
const V6 = /^\/v1\/projects\/([^/]+)\/rtsc\/speech-to-text(\/.*)?$/;

export function matchRoute(method: string, pathname: string): Route {
  let m = V7.exec(pathname);
  if (m) {
    const appId = decodeURIComponent(m[1]);
    const rest = m[2] ?? '';
    let a: RegExpExecArray | null;
    if (method === 'POST' && rest === '/join') return { api: 'v7', action: 'join', appId };
    if (method === 'GET' && rest === '/agents') return { api: 'v7', action: 'list', appId };
    if (method === 'GET' && (a = /^\/agents\/([^/]+)$/.exec(rest)))
      return { api: 'v7', action: 'get', appId, id: decodeURIComponent(a[1]) };
    if (method === 'POST' && (a = /^\/agents\/([^/]+)\/(leave|update)$/.exec(rest))) {
      return { api: 'v7', action: a[2] as Action, appId, id: decodeURIComponent(a[1]) };
    }
    return { api: 'v7', appId };
  }
  m = V6.exec(pathname);
  if (m) {
    const appId = decodeURIComponent(m[1]);
    const rest = m[2] ?? '';
    if (method === 'POST' && rest === '/builderTokens') return { api: 'v6', action: 'acquire', appId };
    if (method === 'POST' && rest === '/tasks') return { api: 'v6', action: 'start', appId };
    const a = /^\/tasks\/([^/]+)$/.exec(rest);
    if (a) {
      const id = decodeURIComponent(a[1]);
      if (method === 'GET') return { api: 'v6', action: 'query', appId, id };
      if (method === 'DELETE') return { api: 'v6', action: 'stop', appId, id };
      if (method === 'PATCH') return { api: 'v6', action: 'update', appId, id };
    }
    return { api: 'v6', appId };
  }
  return {};
}

/** Operations whose request carries a JSON body. */
export const HAS_BODY: ReadonlySet<Action> = new Set<Action>(['join', 'update', 'acquire', 'start']);
