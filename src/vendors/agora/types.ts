import type { StateStore } from '../../lib/state/store';

export type AgoraApiVersion = 'v7' | 'v6';

export interface AgoraClientOptions {
  appId: string;
  customerId: string;
  customerSecret: string;
  /** When set, bot tokens missing from a start body are built with it (agora-token). */
  appCertificate?: string;
  apiVersion: AgoraApiVersion;
  /** Default DEFAULT_ENDPOINT, https://api.agora.io. */
  endpoint: string;
  timeoutMs?: number;
  maxRetries?: number;
  /** Start spacing, used names, update sequence and spacing; default the process-wide memory store. */
  store?: StateStore;
  now?: () => number;
  /** Minimum time after a start and between updates of one task; default 5000 ms (Agora's rule). */
  updateSpacingMs?: number;
  /** Minimum time between two starts in one app+channel; default 1000 ms (Agora's advice). */
  startSpacingMs?: number;
  /**
   * Lifetime of the bot tokens built from the certificate, 60 s to 24 h. Default 24 h (86400 s),
   * the longest Agora documents a token to be valid.
   */
  tokenLifetimeSeconds?: number;
}

export interface AgoraTaskInfo {
  apiVersion: AgoraApiVersion;
  taskId: string;
  name?: string;
  channel?: string;
  /** v6: the token the task was started with; query, update and stop need it. */
  builderToken?: string;
  pubBotUid?: string;
  subBotUid?: string;
  createTs?: number;
  status?: string;
  /** Fields the start was given but did not send, by a documented rule (v7: rtcConfig.subBotUid/subBotToken). */
  ignored?: string[];
}

export interface AgoraTaskRef {
  taskId: string;
  apiVersion?: AgoraApiVersion;
  builderToken?: string;
  name?: string;
  channel?: string;
}

export interface AgoraCallOptions {
  signal?: AbortSignal;
}

export interface AgoraListFilter {
  channel?: string;
  /** 0..6 or a status name (IDLE, STARTING, RUNNING, STOPPING, STOPPED, RECOVERING, FAILED). */
  state?: number | string;
  /** Unix seconds. */
  fromTime?: number;
  toTime?: number;
  /** Page size asked of Agora; every page is fetched. */
  limit?: number;
}
