import { maskUrl, RedisConfig } from './redis-config';

/** The few client calls we use, so the `redis` package is only loaded when configured. */
interface Client {
  isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand<T>(args: string[], options?: { timeout?: number }): Promise<T>;
  destroy(): void;
  on(event: string, fn: (arg?: unknown) => void): unknown;
}

export interface LinkLog {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * One connection to Redis per process and whether it works right now. Commands never queue
 * while Redis is away (they fail at once, and the caller falls back to local state); the
 * client reconnects by itself. Each change between shared and local is logged once, not per
 * message.
 */
export class RedisLink {
  private client: Client | undefined;
  private state: 'connecting' | 'up' | 'down' = 'connecting';
  private everUp = false;
  private probe: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(up: boolean) => void>();
  private closed = false;
  private slowInARow = 0;
  /** ms epoch of the last change to shared state, and of the last outage (undefined: none yet). */
  upSince = 0;
  lostAt: number | undefined;

  constructor(
    readonly config: RedisConfig,
    private readonly log: LinkLog,
  ) {}

  get up(): boolean {
    return this.state === 'up' && !this.closed;
  }

  get prefix(): string {
    return this.config.keyPrefix;
  }

  /** Starts connecting and returns at once: callers use local state until Redis answers. */
  start(): void {
    if (this.client || this.closed) return;
    const { createClient } = require('redis') as { createClient(opts: unknown): Client };
    const client = createClient({
      url: this.config.url,
      username: this.config.username,
      password: this.config.password,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2000,
        // Keep trying for as long as the process runs: Redis may be restarted or fail over.
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 4), 1000),
        ...this.config.socket,
      },
    });
    this.client = client;
    // A server that accepts the connection but never answers the hand-shake (AUTH, HELLO) would
    // leave us "connecting" forever, without a word: past the connect time plus one command's, say so.
    const silent = setTimeout(() => {
      if (this.state === 'connecting' && this.client === client)
        this.mark(false, 'connected, but Redis does not answer');
    }, 2000 + this.config.commandTimeoutMs);
    silent.unref();
    const current = () => this.client === client;
    client.on('ready', () => current() && this.mark(true));
    client.on('end', () => current() && this.mark(false, 'connection closed'));
    // 'error' fires for every failed reconnect: only the transition is reported.
    client.on('error', (err) => current() && this.mark(false, errorText(err)));
    client.connect().catch(() => current() && this.mark(false));
  }

  /** A command, or a rejection when Redis is down or slower than the command timeout. */
  async command<T>(args: string[]): Promise<T> {
    const client = this.client;
    if (!client || !this.up) throw new Error('Redis is not connected');
    try {
      const reply = await this.timed(client.sendCommand<T>(args, { timeout: this.config.commandTimeoutMs }));
      this.slowInARow = 0;
      return reply;
    } catch (err) {
      const message = String((err as Error)?.message);
      // A script or type error is ours, not an outage. One slow answer (a busy event loop) is not
      // either: that call is served locally; three in a row (a Redis that hangs) are.
      if (/^(ERR|WRONGTYPE|NOSCRIPT)/.test(message)) throw err;
      const slow = /timeout/i.test(`${(err as Error)?.constructor?.name} ${message}`);
      if (!slow || ++this.slowInARow >= 3) {
        this.mark(false, slow ? 'commands time out' : errorText(err));
        // Unanswered commands would pile up on a socket that hangs: start over on a new one,
        // which is ready (and shared state back) once Redis answers its hand-shake.
        if (slow && client === this.client) this.restart();
      }
      throw err;
    }
  }

  /**
   * The client's own command timeout only covers the wait to be written: once sent, a command
   * waits for its reply forever (node-redis 5/6), so a Redis that accepts and never answers would
   * hang every caller. This bounds the whole round trip.
   */
  private timed<T>(reply: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Redis command timeout')), this.config.commandTimeoutMs);
    });
    reply.catch(() => undefined);
    return Promise.race([reply, limit]).finally(() => clearTimeout(timer));
  }

  private restart(): void {
    const old = this.client;
    this.client = undefined;
    this.slowInARow = 0;
    try {
      old?.destroy();
    } catch {
      // already closed
    }
    this.start();
  }

  /** Told `false` when state turns local and `true` when it is shared again. */
  onChange(fn: (up: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.closed = true;
    if (this.probe) clearInterval(this.probe);
    this.probe = undefined;
    try {
      this.client?.destroy();
    } catch {
      // already closed
    }
  }

  private mark(up: boolean, reason?: string): void {
    if (this.closed) return;
    if (up) {
      if (this.state === 'up') return;
      this.state = 'up';
      this.upSince = Date.now();
      if (this.probe) clearInterval(this.probe);
      this.probe = undefined;
      this.log.info(
        this.everUp
          ? `Redis at ${maskUrl(this.config.url)} is back: shared state in use again.`
          : `Shared state in use: Redis at ${maskUrl(this.config.url)}.`,
      );
      this.everUp = true;
      this.emit(true);
      return;
    }
    if (this.state === 'down') return;
    const was = this.state;
    this.state = 'down';
    this.lostAt = Date.now();
    this.log.warn(
      was === 'up'
        ? `Lost Redis at ${maskUrl(this.config.url)}${reason ? ` (${reason})` : ''}: using local state until it returns (${this.localNote()}).`
        : `Redis at ${maskUrl(this.config.url)} is not reachable${reason ? ` (${reason})` : ''}: using local state until it answers (${this.localNote()}).`,
    );
    // A command that timed out leaves the socket "ready": a PING a second tells when Redis answers again.
    this.probe = setInterval(() => {
      const client = this.client;
      if (!client?.isReady) return;
      this.timed(client.sendCommand(['PING'], { timeout: this.config.commandTimeoutMs })).then(
        () => this.mark(true),
        () => undefined,
      );
    }, 1000);
    this.probe.unref();
    this.emit(false);
  }

  private localNote(): string {
    return `event dedupe and start locks per instance; each instance takes its share of every rate limit, by the instances last seen alive (${this.config.instances} until Redis has answered once)`;
  }

  private emit(up: boolean): void {
    for (const fn of this.listeners) {
      try {
        fn(up);
      } catch {
        // a listener's problem is its own
      }
    }
  }
}

/** The error's code or first line, never more: a client error could quote the URL. */
function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string') return e.code;
  return String(e?.message ?? 'error')
    .split('\n')[0]
    .replace(/\/\/[^@\s]*@/g, '//***@')
    .slice(0, 120);
}
