/** Where the shared state lives, as the integrator configured it for this instance. */
export interface RedisConfig {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://` (TLS). */
  url: string;
  /** Passed to the `redis` client's `socket` options (TLS: `tls`, `ca`, `cert`, `key`, `servername`, `rejectUnauthorized`). */
  socket?: Record<string, unknown>;
  username?: string;
  password?: string;
  /** Every key starts with this (default `speech-pipelines:`), so one Redis can serve other apps too. */
  keyPrefix: string;
  /** How many instances share a quota while Redis is down, until the heartbeat has counted them (default 2). */
  instances: number;
  /** How long a batch job's owner may go silent before another instance takes it over (default 30 s). */
  leaseMs: number;
  /** One command's time limit; a slower Redis counts as down (default 1 s). */
  commandTimeoutMs: number;
  /** Where the URL came from, for the log line. */
  source: 'settings' | 'env';
}

export const ENV_URL = 'SPEECH_PIPELINES_REDIS_URL';
export const DEFAULT_PREFIX = 'speech-pipelines:';

/**
 * Reads `speechPipelines: { redis: { url, socket, ... }, instances, leaseSeconds }` from the
 * Node-RED settings file, else the URL from SPEECH_PIPELINES_REDIS_URL; undefined when neither
 * is set (the embedded default). Throws on a URL that is not redis:// or rediss://, so a typo
 * is reported at start-up instead of silently running per instance.
 */
export function readRedisConfig(
  settings: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): RedisConfig | undefined {
  const section = asRecord(settings.speechPipelines);
  const redis = asRecord(section.redis);
  const fromSettings = typeof redis.url === 'string' && redis.url.trim() ? redis.url.trim() : undefined;
  const fromEnv = env[ENV_URL]?.trim() || undefined;
  const url = fromSettings ?? fromEnv;
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`the Redis URL is not a URL (expected redis://host:port or rediss://host:port)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`the Redis URL must start with redis:// or rediss://, not ${parsed.protocol}//`);
  }
  const instances = Number(section.instances ?? env.SPEECH_PIPELINES_INSTANCES ?? 2);
  const lease = Number(section.leaseSeconds ?? 30);
  const timeout = Number(redis.commandTimeoutMs ?? 1000);
  return {
    url,
    socket: Object.keys(asRecord(redis.socket)).length ? asRecord(redis.socket) : undefined,
    username: typeof redis.username === 'string' ? redis.username : undefined,
    password: typeof redis.password === 'string' ? redis.password : undefined,
    keyPrefix: typeof redis.keyPrefix === 'string' && redis.keyPrefix ? redis.keyPrefix : DEFAULT_PREFIX,
    instances: Number.isInteger(instances) && instances >= 1 && instances <= 1000 ? instances : 2,
    leaseMs: Number.isFinite(lease) && lease >= 1 && lease <= 3600 ? Math.round(lease * 1000) : 30_000,
    commandTimeoutMs: Number.isFinite(timeout) && timeout >= 50 && timeout <= 60_000 ? Math.round(timeout) : 1000,
    source: fromSettings ? 'settings' : 'env',
  };
}

/** The URL fit for a log line: any password replaced by `***`. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
