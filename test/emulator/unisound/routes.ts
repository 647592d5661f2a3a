/** The five documented routes (§3.2); anything else is answered after auth with 404 [I]. */
export type UnisoundAction = 'upload' | 'create' | 'poll' | 'delete' | 'list';

export interface Route {
  action?: UnisoundAction;
  taskId?: string;
  /** The task id segment was not valid percent-encoding. */
  badTaskId?: boolean;
}

const POLL = /^\/v1\/audio\/asr\/tasks\/([^/]+)$/;

export function route(method: string, path: string): Route {
  if (method === 'POST' && path === '/v1/files/upload') return { action: 'upload' };
  if (method === 'POST' && path === '/v1/audio/asr/tasks') return { action: 'create' };
  if (method === 'POST' && path === '/v1/files/delete') return { action: 'delete' };
  if (method === 'GET' && path === '/v1/files') return { action: 'list' };
  const m = method === 'GET' ? POLL.exec(path) : null;
  if (!m) return {};
  try {
    return { action: 'poll', taskId: decodeURIComponent(m[1]) };
  } catch {
    return { action: 'poll', badTaskId: true };
  }
}
