/**
 * v7 agents and v6 tasks. Status is derived from the clock on every read, so a fake
 * `now` drives the progression without timers: v7 STARTING -> RUNNING, v6 IN_PROGRESS
 * at once, and for both STOPPING -> STOPPED after `statusStepMs`.
 */
import { randomBytes, randomUUID } from 'crypto';
import type { Json } from './validate-body';

export type AgentStatus =
  'IDLE' | 'STARTING' | 'RUNNING' | 'IN_PROGRESS' | 'STOPPING' | 'STOPPED' | 'RECOVERING' | 'FAILED';

/** The list `state` filter, 0..6 in this order (list.mdx). */
export const V7_STATES: readonly AgentStatus[] = [
  'IDLE',
  'STARTING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
  'RECOVERING',
  'FAILED',
];

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Looks like the doc's "1NT29X11GQSxxxxx80BEIN56XF": 26 upper-case base32 characters. */
export function newAgentId(): string {
  const bytes = randomBytes(26);
  let id = '';
  for (const b of bytes) id += CROCKFORD[b % 32];
  return id;
}

export function newTaskId(): string {
  return randomUUID().replace(/-/g, '');
}

export interface AgentInit {
  id: string;
  apiVersion: 'v7' | 'v6';
  appId: string;
  name?: string;
  body: Json;
  builderToken?: string;
  createdAt: number;
}

export class EmulatedAgent {
  readonly id: string;
  readonly apiVersion: 'v7' | 'v6';
  readonly appId: string;
  readonly name?: string;
  readonly channel: string;
  readonly pubBotUid: string;
  readonly subBotUid?: string;
  readonly builderToken?: string;
  readonly enableJsonProtocol: boolean;
  /** The join/start body as received, then as updated (the emulator's own state, not a log). */
  readonly config: Json;
  /** Milliseconds, from the emulator clock. */
  readonly createdAt: number;
  /** Unix seconds, as reported. */
  readonly createTs: number;
  /** -1 until the first accepted update. */
  sequenceId = -1;
  lastUpdateAt?: number;
  readonly updates: Array<{ at: number; sequenceId?: number; mask: string[]; body: Json }> = [];
  stopRequestedAt?: number;
  /** How the agent ends once stopped: FAILED when the emulator fails it on purpose. */
  exitStatus: 'STOPPED' | 'FAILED' = 'STOPPED';

  constructor(
    init: AgentInit,
    private readonly clock: () => number,
    private readonly stepMs: number,
  ) {
    this.id = init.id;
    this.apiVersion = init.apiVersion;
    this.appId = init.appId;
    this.name = init.name;
    this.config = structuredClone(init.body);
    const rtc = this.config.rtcConfig as Json;
    this.channel = String(rtc.channelName);
    this.pubBotUid = String(rtc.pubBotUid);
    this.subBotUid = rtc.subBotUid === undefined ? undefined : String(rtc.subBotUid);
    this.enableJsonProtocol = rtc.enableJsonProtocol === true;
    this.builderToken = init.builderToken;
    this.createdAt = init.createdAt;
    this.createTs = Math.floor(init.createdAt / 1000);
  }

  get languages(): string[] {
    return (this.config.languages as string[]) ?? [];
  }

  get translateConfig(): Json | undefined {
    return this.config.translateConfig as Json | undefined;
  }

  get status(): AgentStatus {
    const now = this.clock();
    if (this.stopRequestedAt !== undefined)
      return now - this.stopRequestedAt >= this.stepMs ? this.exitStatus : 'STOPPING';
    if (this.apiVersion === 'v6') return 'IN_PROGRESS';
    return now - this.createdAt >= this.stepMs ? 'RUNNING' : 'STARTING';
  }

  /** Pushing subtitles: RUNNING (v7) or IN_PROGRESS (v6). */
  get transcribing(): boolean {
    const s = this.status;
    return s === 'RUNNING' || s === 'IN_PROGRESS';
  }

  get stopping(): boolean {
    return this.stopRequestedAt !== undefined;
  }

  requestStop(): void {
    this.stopRequestedAt ??= this.clock();
  }
}
