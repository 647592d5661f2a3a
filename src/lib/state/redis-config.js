"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_PREFIX = exports.ENV_URL = void 0;
exports.readRedisConfig = readRedisConfig;
exports.maskUrl = maskUrl;
exports.ENV_URL = 'SPEECH_PIPELINES_REDIS_URL';
exports.DEFAULT_PREFIX = 'speech-pipelines:';
/**
 * Reads `speechPipelines: { redis: { url, socket, ... }, instances, leaseSeconds }` from the
 * Node-RED settings file, else the URL from SPEECH_PIPELINES_REDIS_URL; undefined when neither
 * is set (the embedded default). Throws on a URL that is not redis:// or rediss://, so a typo
 * is reported at start-up instead of silently running per instance.
 */
function readRedisConfig(settings, env = process.env) {
    const section = asRecord(settings.speechPipelines);
    const redis = asRecord(section.redis);
    const fromSettings = typeof redis.url === 'string' && redis.url.trim() ? redis.url.trim() : undefined;
    const fromEnv = env[exports.ENV_URL]?.trim() || undefined;
    const url = fromSettings ?? fromEnv;
    if (!url)
        return undefined;
    let parsed;
    try {
        parsed = new URL(url);
    }
    catch {
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
        keyPrefix: typeof redis.keyPrefix === 'string' && redis.keyPrefix ? redis.keyPrefix : exports.DEFAULT_PREFIX,
        instances: Number.isInteger(instances) && instances >= 1 && instances <= 1000 ? instances : 2,
        leaseMs: Number.isFinite(lease) && lease >= 1 && lease <= 3600 ? Math.round(lease * 1000) : 30000,
        commandTimeoutMs: Number.isFinite(timeout) && timeout >= 50 && timeout <= 60000 ? Math.round(timeout) : 1000,
        source: fromSettings ? 'settings' : 'env',
    };
}
/** The URL fit for a log line: any password replaced by `***`. */
function maskUrl(url) {
    try {
        const u = new URL(url);
        if (u.password)
            u.password = '***';
        return u.toString();
    }
    catch {
        return '(unparseable URL)';
    }
}
function asRecord(v) {
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}
