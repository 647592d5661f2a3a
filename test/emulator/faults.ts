/**
 * Vendor-neutral fault queue shared by every emulator. The vendor server asks
 * `take()` once per request, before any auth check, and decides how a kind maps to
 * its own error bodies (throttle / 5xx). The transport-level kinds (hang, drop,
 * slow, invalidJson) look the same for every vendor, so their helpers live here.
 */
import type { IncomingMessage, ServerResponse } from 'http';

export type FaultKind = 'http500' | 'http503' | 'throttle' | 'hang' | 'drop' | 'invalidJson' | 'slow';

export const FAULT_KINDS: readonly FaultKind[] = [
  'http500',
  'http503',
  'throttle',
  'hang',
  'drop',
  'invalidJson',
  'slow',
];

export interface Fault {
  kind: FaultKind;
  /** Only for 'slow': how long to wait before answering normally. */
  slowMs: number;
}

export interface FaultOptions {
  slowMs?: number;
}

export class FaultInjector {
  /** Default delay for 'slow' faults queued without their own slowMs. */
  slowMs = 500;
  private queue: { kind: FaultKind; remaining: number; slowMs?: number }[] = [];
  private applied: Fault[] = [];

  /** Queue `count` faults of one kind; queued kinds are served first-in first-out. */
  next(kind: FaultKind, count = 1, opts: FaultOptions = {}): this {
    if (!FAULT_KINDS.includes(kind)) throw new TypeError(`unknown fault kind: ${String(kind)}`);
    if (!Number.isInteger(count) || count < 1) throw new RangeError('fault count must be a positive integer');
    this.queue.push({ kind, remaining: count, slowMs: opts.slowMs });
    return this;
  }

  clear(): void {
    this.queue = [];
    this.applied = [];
  }

  /** Faults still waiting, in the order they will be applied. */
  pending(): FaultKind[] {
    return this.queue.flatMap((q) => Array<FaultKind>(q.remaining).fill(q.kind));
  }

  /** Every fault handed out since the last clear(), for assertions. */
  history(): readonly Fault[] {
    return this.applied;
  }

  /** Called by a server once per incoming request: the fault to apply, if any. */
  take(): Fault | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) this.queue.shift();
    const fault = { kind: head.kind, slowMs: head.slowMs ?? this.slowMs };
    this.applied.push(fault);
    return fault;
  }
}

/**
 * Keeps hung responses so close() can release them; without this a 'hang' fault
 * would keep the server (and mocha) alive forever.
 */
export class HangRegistry {
  private hung = new Set<ServerResponse>();

  hold(req: IncomingMessage, res: ServerResponse): void {
    this.hung.add(res);
    // Drain the body so the client is not stuck on back-pressure: it must wait for a reply.
    req.resume();
    res.on('close', () => this.hung.delete(res));
  }

  releaseAll(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }
}

/** 'drop': the socket goes away with no status line at all (ECONNRESET / socket hang up). */
export function dropConnection(req: IncomingMessage): void {
  req.socket.destroy();
}

/** 'invalidJson': a 200 whose body claims JSON but does not parse, like a truncated proxy reply. */
export function sendInvalidJson(res: ServerResponse, requestId: string): void {
  const body = `{"RequestId":"${requestId}","RetCode":2000,"Descri`;
  res.writeHead(200, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
