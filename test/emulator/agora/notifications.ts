/**
 * Agora's Notifications service (NCS) as the emulator plays it: signed JSON POSTs of the v7
 * Real-time STT events (Docs-Source `shared/real-time-stt/develop/callback-service.mdx`) to the
 * webhook URLs a test or `npm start` configures. Both headers are sent, as NCS does:
 * `Agora-Signature` = hex HMAC/SHA1 and `Agora-Signature-V2` = hex HMAC/SHA256 of the raw body.
 * Faults on demand: a wrong signature, no signature, a duplicate, delivery out of order.
 * Only loopback URLs are contacted.
 */
import crypto from 'crypto';
import type http from 'http';
import { pushTo } from '../push';

export interface NotificationTarget {
  url: string;
  secret: string;
}

export type NotificationFault =
  /** Both signatures computed with another secret. */
  | 'badSignature'
  /** No Agora-Signature headers at all. */
  | 'noSignature'
  /** Only the SHA1 Agora-Signature (an older NCS setup). */
  | 'sha1Only'
  /** The same body (same noticeId) delivered twice, as NCS's redundant notification does. */
  | 'duplicate'
  /** Held back and delivered after the next notification. */
  | 'late';

export interface NotificationSent {
  url: string;
  noticeId: string;
  eventType: number;
  agentId: string;
  body: string;
  fault?: NotificationFault;
  /** HTTP status of the webhook's reply, or an error string ('ECONNREFUSED', 'refused-non-loopback', 'aborted'). */
  status: number | string;
  /** Emulator clock when the POST started. */
  at: number;
}

/** v7 notification events (101 joined, 102 left, 104 token will expire). */
export interface AgentFacts {
  id: string;
  channel: string;
  /** Unix ms. */
  startedAt: number;
}

export class NcsNotifier {
  readonly sent: NotificationSent[] = [];
  private targets: NotificationTarget[] = [];
  private readonly queue: NotificationFault[] = [];
  private held?: () => Promise<void>;
  private readonly inflight = new Set<http.ClientRequest>();
  private closed = false;
  /** Every notification sent twice ("redundant notification", enabled by Agora support). */
  redundant = false;

  constructor(private readonly now: () => number) {}

  /** Where notifications go (NCS is configured per project in Agora Console); none = nothing is sent. */
  setTargets(targets: NotificationTarget[]): void {
    this.targets = [...targets];
  }

  get configured(): boolean {
    return this.targets.length > 0;
  }

  /** The next notification gets this fault (first in, first out). */
  inject(fault: NotificationFault): void {
    this.queue.push(fault);
  }

  reset(): void {
    this.sent.length = 0;
    this.queue.length = 0;
    this.held = undefined;
    this.redundant = false;
  }

  close(): void {
    this.closed = true;
    for (const req of this.inflight) req.destroy();
    this.inflight.clear();
  }

  joined(agent: AgentFacts): Promise<void> {
    return this.notify(101, agent, {
      agent_id: agent.id,
      channel: agent.channel,
      start_ts: Math.floor(agent.startedAt / 1000),
    });
  }

  left(agent: AgentFacts, status: 'STOPPED' | 'FAILED', message: string): Promise<void> {
    return this.notify(102, agent, {
      agent_id: agent.id,
      channel: agent.channel,
      message,
      start_ts: Math.floor(agent.startedAt / 1000),
      status,
      stop_ts: Math.floor(this.now() / 1000),
    });
  }

  /** [I] No payload is published for 104: the agent and channel, as in 101. */
  tokenExpiring(agent: AgentFacts): Promise<void> {
    return this.notify(104, agent, { agent_id: agent.id, channel: agent.channel });
  }

  /** Sends one notification to every target; resolves when every POST (and any due late one) has been answered. */
  async notify(eventType: number, agent: AgentFacts, payload: Record<string, unknown>): Promise<void> {
    if (!this.targets.length) return;
    const fault = this.queue.shift();
    const body = JSON.stringify({
      sid: agent.id,
      noticeId: crypto.randomBytes(16).toString('hex'),
      productId: 20,
      eventType,
      notifyMs: this.now(),
      payload,
    });
    const deliver = async (): Promise<void> => {
      const copies = fault === 'duplicate' || this.redundant ? 2 : 1;
      for (const t of this.targets)
        for (let i = 0; i < copies; i++) await this.post(t, body, eventType, agent.id, fault);
    };
    if (fault === 'late') {
      const previous = this.held;
      this.held = deliver;
      if (previous) await previous();
      return;
    }
    await deliver();
    const late = this.held;
    this.held = undefined;
    if (late) await late();
  }

  private headers(body: string, secret: string, fault?: NotificationFault): Record<string, string> {
    const key = fault === 'badSignature' ? `${secret}-wrong` : secret;
    const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
    if (fault === 'noSignature') return headers;
    headers['Agora-Signature'] = crypto.createHmac('sha1', key).update(body).digest('hex');
    if (fault !== 'sha1Only')
      headers['Agora-Signature-V2'] = crypto.createHmac('sha256', key).update(body).digest('hex');
    return headers;
  }

  private post(
    target: NotificationTarget,
    body: string,
    eventType: number,
    agentId: string,
    fault?: NotificationFault,
  ): Promise<void> {
    const entry: NotificationSent = {
      url: target.url,
      noticeId: (JSON.parse(body) as { noticeId: string }).noticeId,
      eventType,
      agentId,
      body,
      ...(fault ? { fault } : {}),
      status: 0,
      at: this.now(),
    };
    this.sent.push(entry);
    return pushTo(target.url, body, this.headers(body, target.secret, fault), {
      inflight: this.inflight,
      closed: () => this.closed,
    }).then((status) => {
      entry.status = status;
    });
  }
}
