import { NodeAPI } from '../node-red';
import { useSharedWindows } from '../rate-limit';
import { durableStore } from './durable-store';
import { FallbackStore } from './fallback-store';
import { INSTANCE_ID } from './instance-id';
import { processStore } from './memory-store';
import { readRedisConfig } from './redis-config';
import type { Heartbeat } from './redis-heartbeat';
import type { RedisLink } from './redis-link';
import { StateStore } from './store';

/** How long a batch job's owner may be silent before another process takes it over (no Redis: only this process, so no wait). */
export const LOCAL_LEASE_MS = 30_000;

interface Decided {
  link?: RedisLink;
  heartbeat?: Heartbeat;
  volatile: StateStore;
  durable: Map<StateStore, StateStore>;
}

let decided: Decided | undefined;

/**
 * Decides once per process where shared state lives: Redis when the settings file
 * (`speechPipelines.redis.url`) or SPEECH_PIPELINES_REDIS_URL names one, else the embedded
 * default. The `redis` package is only loaded in the first case, so a single instance starts
 * as fast as before. Every config node calls this from `register`, before any node runs.
 */
export function sharedState(RED: NodeAPI): Decided {
  if (decided) return decided;
  const log = {
    info: (m: string) => RED.log.info(`[speech-pipelines] ${m}`),
    warn: (m: string) => RED.log.warn(`[speech-pipelines] ${m}`),
  };
  let config;
  try {
    config = readRedisConfig(RED.settings ?? {});
  } catch (err) {
    log.warn(`Shared state is off: ${(err as Error).message}. Every guarantee holds per instance only.`);
  }
  if (!config) {
    decided = { volatile: processStore, durable: new Map() };
    return decided;
  }
  const { RedisLink } = require('./redis-link') as typeof import('./redis-link');
  const { RedisStore } = require('./redis-store') as typeof import('./redis-store');
  const { RedisWindows } = require('./redis-windows') as typeof import('./redis-windows');
  const { Heartbeat } = require('./redis-heartbeat') as typeof import('./redis-heartbeat');
  const link = new RedisLink(config, log);
  const shared = new RedisStore(link);
  // Back from an outage, this instance does not beat until its limiters count in Redis again: the others keep its share aside.
  const heartbeat: Heartbeat = new Heartbeat(link, INSTANCE_ID, {
    countingLocally: (): boolean => windows.countingLocally(),
  });
  const windows: InstanceType<typeof RedisWindows> = new RedisWindows(link, INSTANCE_ID, config.instances, heartbeat);
  useSharedWindows(windows);
  link.start();
  heartbeat.start();
  // A stop (shutdown, or the moment of a full redeploy) takes this instance off the live count; flows starting put it back.
  RED.events?.on?.('flows:stopped', () => void heartbeat.leave());
  RED.events?.on?.('flows:started', () => heartbeat.start());
  decided = { link, heartbeat, volatile: new FallbackStore(link, shared, processStore), durable: new Map() };
  return decided;
}

/** Locks, used names, event ids, job leases: Redis when configured (local while it is down), else this process's memory. */
export function volatileStore(RED: NodeAPI): StateStore {
  return sharedState(RED).volatile;
}

/** Pending batch jobs: Redis when configured (the user directory's file while it is down), else that file. */
export function jobStore(RED: NodeAPI): StateStore {
  const state = sharedState(RED);
  const local = durableStore(RED);
  if (!state.link) return local;
  let store = state.durable.get(local);
  if (!store) {
    const { RedisStore } = require('./redis-store') as typeof import('./redis-store');
    store = new FallbackStore(state.link, new RedisStore(state.link), local);
    state.durable.set(local, store);
  }
  return store;
}

/** How long a job lease lasts: the configured time with Redis, else a formality (one process owns everything). */
export function leaseMs(RED: NodeAPI): number {
  return sharedState(RED).link?.config.leaseMs ?? LOCAL_LEASE_MS;
}

/** True when Redis is configured for this process (whether or not it answers right now). */
export function isShared(RED: NodeAPI): boolean {
  return !!sharedState(RED).link;
}

/** Tests: forget the decision (and close the connection) so the next call reads the settings again. */
export function resetSharedState(): void {
  decided?.heartbeat?.close();
  decided?.link?.close();
  decided = undefined;
  useSharedWindows(undefined);
}
