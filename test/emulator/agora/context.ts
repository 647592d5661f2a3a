/** What the operation handlers share with the server. */
import type { EmulatedAgent } from './agents';
import type { BuilderTokens } from './builder-tokens';
import type { Json } from './validate-body';

export interface AppConfig {
  certificate?: string;
}

export interface OpsContext {
  apps: Record<string, AppConfig>;
  agents: Map<string, EmulatedAgent>;
  builderTokens: BuilderTokens;
  now(): number;
  builderTokenTtlMs: number;
  updateSpacingMs: number;
  statusStepMs: number;
  /** Lifecycle hooks for the Notifications service (join and leave of v7 agents). */
  events?: AgentEvents;
}

export interface AgentEvents {
  joined(agent: EmulatedAgent): void;
  left(agent: EmulatedAgent): void;
}

export interface OpRequest {
  appId: string;
  id?: string;
  params: Record<string, string>;
  body: unknown;
}

/** 200 with a JSON body, or with an empty body (v7 leave). */
export type OpResult = Json | 'empty';
