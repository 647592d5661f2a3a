/**
 * A local stand-in for api.agora.io Real-time STT: v7 agents and v6 tasks with the
 * vendor's checks and bodies (vendor-apis.md §2, §5.2), a fault queue, a request log,
 * and a WebSocket that plays the pub bot's subtitle stream for a running agent.
 */
import type http from 'http';
import { FaultInjector, HangRegistry, dropConnection, type Fault } from '../faults';
import { EmulatorHttpServer } from '../http-server';
import type { EmulatedAgent } from './agents';
import { checkBasicAuth } from './auth';
import { BuilderTokens } from './builder-tokens';
import type { AppConfig, OpRequest, OpResult, OpsContext } from './context';
import { AgoraError, Errors, faultError, truncatedBody, type ApiVersion } from './errors';
import * as v6 from './ops-v6';
import * as v7 from './ops-v7';
import { HAS_BODY, matchRoute, type Action, type Route } from './routes';
import { SubtitleHub, type SubtitleSent } from './subtitles';
import { redact } from './redact';
import { rtcTokenExpiresAt } from './bot-tokens';
import { NcsNotifier, type NotificationTarget } from './notifications';

export const AGORA_DEFAULTS = Object.freeze({
  appId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  customerId: 'customerId',
  customerSecret: 'customerSecret',
  appCertificate: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
});

export interface AgoraEmulatorOptions {
  /** appId -> settings; default AGORA_DEFAULTS.appId with its certificate (bot tokens required). */
  apps?: Record<string, AppConfig>;
  /** customerId -> customerSecret; default AGORA_DEFAULTS. */
  credentials?: Record<string, string>;
  now?: () => number;
  /** v6 builderToken lifetime; default 5 min. */
  builderTokenTtlMs?: number;
  /** Updates sooner than this after join or the previous update are refused; default 5000. */
  updateSpacingMs?: number;
  /** STARTING -> RUNNING and STOPPING -> STOPPED; default 200. */
  statusStepMs?: number;
  /** Pause between pushed subtitle messages; default 300. */
  subtitleIntervalMs?: number;
  /** Webhooks for the Notifications service (NCS); none by default (see notifyTo()). */
  notifications?: NotificationTarget[];
  /** How long before the bot token's expiry event 104 is sent; default 30 s (release notes v7.2.3). */
  tokenWarningMs?: number;
  /** For demos: every bot token counts as expiring this long after the join, whatever it says (so 104 comes soon). */
  tokenLifetimeMs?: number;
}

export interface AgoraRequestRecord {
  action?: string;
  api?: ApiVersion;
  method?: string;
  path?: string;
  /** 0 until answered; stays 0 for 'hang' and 'drop'. */
  status: number;
  at: number;
  params: Record<string, string>;
  /** Parsed JSON body with secrets and tokens masked. */
  body?: unknown;
  fault?: string;
  code?: string;
}

const MAX_BODY = 1 << 20;

type Handler = (ctx: OpsContext, r: OpRequest) => OpResult;
const HANDLERS: Record<ApiVersion, Partial<Record<Action, Handler>>> = {
  v7: { join: v7.join, get: v7.get, leave: v7.leave, update: v7.update, list: v7.list },
  v6: { acquire: v6.acquire, start: v6.start, query: v6.query, stop: v6.stop, update: v6.update },
};

export class AgoraEmulator {
  readonly requests: AgoraRequestRecord[] = [];
  readonly faults = new FaultInjector();
  readonly agents = new Map<string, EmulatedAgent>();
  readonly subtitlesSent: SubtitleSent[] = [];
  /** Agora Notifications: signed 101/102/104 POSTs for v7 agents, with faults on demand. */
  readonly notifications: NcsNotifier;

  private readonly ctx: OpsContext;
  private readonly credentials: Record<string, string>;
  private readonly hangs = new HangRegistry();
  private readonly http: EmulatorHttpServer;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: http.Server;
  private readonly hub: SubtitleHub;
  private readonly tokenWarningMs: number;
  private readonly tokenLifetimeMs?: number;

  constructor(opts: AgoraEmulatorOptions = {}) {
    this.credentials = { ...(opts.credentials ?? { [AGORA_DEFAULTS.customerId]: AGORA_DEFAULTS.customerSecret }) };
    const now = opts.now ?? Date.now;
    this.ctx = {
      apps: { ...(opts.apps ?? { [AGORA_DEFAULTS.appId]: { certificate: AGORA_DEFAULTS.appCertificate } }) },
      agents: this.agents,
      builderTokens: new BuilderTokens(),
      now,
      builderTokenTtlMs: opts.builderTokenTtlMs ?? 5 * 60_000,
      updateSpacingMs: opts.updateSpacingMs ?? 5000,
      statusStepMs: opts.statusStepMs ?? 200,
      events: { joined: (a) => this.onJoined(a), left: (a) => this.onLeft(a) },
    };
    this.notifications = new NcsNotifier(now);
    this.notifications.setTargets(opts.notifications ?? []);
    this.tokenWarningMs = opts.tokenWarningMs ?? 30_000;
    this.tokenLifetimeMs = opts.tokenLifetimeMs;
    this.http = new EmulatorHttpServer((req, res) => this.onRequest(req, res));
    this.server = this.http.server;
    this.hub = new SubtitleHub(this.server, this.agents, this.subtitlesSent, opts.subtitleIntervalMs ?? 300);
  }

  get url(): string {
    return this.http.url;
  }

  /** ws://host:port/subtitles?agent=<id> for a known agent id, else ?channel=<name>. */
  subtitleUrl(agentOrChannel?: string): string {
    const base = `${this.http.url.replace(/^http/, 'ws')}/subtitles`;
    if (agentOrChannel === undefined) return base;
    const key = this.agents.has(agentOrChannel) ? 'agent' : 'channel';
    return `${base}?${key}=${encodeURIComponent(agentOrChannel)}`;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<void> {
    await this.http.listen(port, host);
  }

  reset(): void {
    this.hub.reset();
    this.requests.length = 0;
    this.agents.clear();
    this.ctx.builderTokens.clear();
    this.faults.clear();
    this.subtitlesSent.length = 0;
    this.notifications.reset();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Sends the Notifications service's events to these webhooks (NCS is set up per project in Agora Console). */
  notifyTo(targets: NotificationTarget[]): void {
    this.notifications.setTargets(targets);
  }

  /**
   * Ends a running v7 agent the way Agora does on its own: idle too long (the default), an RTC,
   * ASR or translation error (FAILED), or the 72-hour lifetime; event 102 says which. Resolves
   * once the notification has been answered.
   */
  endAgent(agentId: string, message = 'Idle for too long', status: 'STOPPED' | 'FAILED' = 'STOPPED'): Promise<void> {
    const a = this.agents.get(agentId);
    if (!a || a.apiVersion !== 'v7' || a.stopping) return Promise.reject(new Error(`no running v7 agent ${agentId}`));
    a.exitStatus = status;
    a.requestStop();
    return this.notifications.left(this.facts(a), status, message);
  }

  /** Sends event 104 for a running v7 agent now, as Agora does 30 s before its bot token expires. */
  tokenExpiring(agentId: string): Promise<void> {
    const a = this.agents.get(agentId);
    if (!a || a.apiVersion !== 'v7' || a.stopping) return Promise.reject(new Error(`no running v7 agent ${agentId}`));
    return this.notifications.tokenExpiring(this.facts(a));
  }

  private facts(a: EmulatedAgent) {
    return { id: a.id, channel: a.channel, startedAt: a.createdAt };
  }

  /** 101 once the agent is in the channel (STARTING -> RUNNING), and 104 ahead of its token's expiry. */
  private onJoined(a: EmulatedAgent): void {
    if (!this.notifications.configured) return;
    this.after(this.ctx.statusStepMs, () => void this.notifications.joined(this.facts(a)));
    const now = this.ctx.now();
    const expiresAt =
      this.tokenLifetimeMs !== undefined
        ? now + this.tokenLifetimeMs
        : rtcTokenExpiresAt((a.config.rtcConfig as Record<string, unknown>).pubBotToken);
    if (expiresAt === undefined) return;
    // "Agora does not send this event if the RTC Token's validity period is 30 seconds or less."
    if (expiresAt - now <= this.tokenWarningMs) return;
    this.after(expiresAt - this.tokenWarningMs - now, () => {
      if (!a.stopping) void this.notifications.tokenExpiring(this.facts(a));
    });
  }

  /** 102 once a leave has stopped the agent. */
  private onLeft(a: EmulatedAgent): void {
    if (!this.notifications.configured) return;
    this.after(this.ctx.statusStepMs, () => void this.notifications.left(this.facts(a), 'STOPPED', 'OK'));
  }

  private after(ms: number, fn: () => void): void {
    // Timers beyond setTimeout's range (about 24.8 days) are not modelled.
    if (ms > 2 ** 31 - 1) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  async close(): Promise<void> {
    this.hub.close();
    this.notifications.close();
    this.hangs.releaseAll();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.http.close();
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const route = matchRoute(req.method ?? '', url.pathname);
    const record: AgoraRequestRecord = {
      action: route.action,
      api: route.api,
      method: req.method,
      path: url.pathname,
      status: 0,
      at: this.ctx.now(),
      params: Object.fromEntries(url.searchParams),
    };
    this.requests.push(record);
    const fault = this.faults.take();
    if (fault) record.fault = fault.kind;
    if (fault && this.applyFault(fault, req, res, record, route)) return;
    const delay = fault?.kind === 'slow' ? fault.slowMs : 0;
    this.readBody(req)
      .then((raw) => (delay > 0 ? this.delay(delay) : Promise.resolve()).then(() => raw))
      .then(
        (raw) => this.handle(req, raw, route, record),
        (): Outcome => ({ error: new AgoraError(413, { message: 'Request Entity Too Large' }, 'TooLarge') }),
      )
      .then((out) => this.reply(res, record, out));
  }

  private readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) reject(new Error('too large'));
        else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private applyFault(
    fault: Fault,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: AgoraRequestRecord,
    route: Route,
  ): boolean {
    switch (fault.kind) {
      case 'drop':
        dropConnection(req);
        return true;
      case 'hang':
        this.hangs.hold(req, res);
        return true;
      case 'invalidJson': {
        req.resume();
        record.status = 200;
        const text = truncatedBody(route.api);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return true;
      }
      case 'throttle':
      case 'http500':
      case 'http503':
        req.resume();
        this.reply(res, record, { error: faultError(fault.kind, route.api) });
        return true;
      case 'slow':
        return false;
    }
  }

  private handle(req: http.IncomingMessage, raw: Buffer, route: Route, record: AgoraRequestRecord): Outcome {
    try {
      if (!checkBasicAuth(req.headers.authorization, this.credentials)) throw Errors.unauthorized();
      const { api, action, appId } = route;
      if (!api || !action || appId === undefined) throw Errors.notFoundRoute(api);
      if (!Object.prototype.hasOwnProperty.call(this.ctx.apps, appId)) throw Errors.invalidAppId(api);
      let body: unknown;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw api === 'v7' ? Errors.v7Invalid('body: invalid JSON') : Errors.schema('body: invalid JSON');
        }
        record.body = redact(body);
      }
      if (HAS_BODY.has(action)) {
        // The docs' examples send JSON; [I] anything else is refused like a bad body.
        const type = String(req.headers['content-type'] ?? '');
        if (!/^application\/json\b/i.test(type))
          throw api === 'v7'
            ? Errors.v7Invalid('Content-Type: application/json required')
            : Errors.schema('Content-Type: application/json required');
      }
      const handler = HANDLERS[api][action];
      if (!handler) throw Errors.notFoundRoute(api);
      return { result: handler(this.ctx, { appId, id: route.id, params: record.params, body }) };
    } catch (err) {
      if (err instanceof AgoraError) return { error: err };
      return { error: new AgoraError(500, { message: 'internal error' }, 'EmulatorBug') };
    }
  }

  private reply(res: http.ServerResponse, record: AgoraRequestRecord, out: Outcome): void {
    if (res.destroyed || res.writableEnded) return;
    const status = out.error ? out.error.status : 200;
    record.status = status;
    record.code = out.error?.code;
    if (out.result === 'empty') {
      res.writeHead(200, { 'content-length': 0 });
      res.end();
      return;
    }
    const text = JSON.stringify(out.error ? out.error.body : out.result);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

interface Outcome {
  result?: OpResult;
  error?: AgoraError;
}
