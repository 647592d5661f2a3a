import { RedisLink } from './redis-link';
import { StateStore } from './store';

/** Renews a lease only while `value` still holds it (another owner's lease is left alone). */
const EXTEND_IF_VALUE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * StateStore on Redis: every key under the link's prefix (`speech-pipelines:` by default),
 * setIfAbsent as one `SET NX PX`, so two instances racing for a lock or an event id get one
 * winner. Every call rejects while Redis is down; `FallbackStore` decides what to do then.
 */
export class RedisStore implements StateStore {
  constructor(private readonly link: RedisLink) {}

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const reply = await this.link.command<string | null>(['SET', this.k(key), value, 'NX', ...ttl(ttlMs)]);
    return reply === 'OK';
  }

  async get(key: string): Promise<string | undefined> {
    const reply = await this.link.command<string | null>(['GET', this.k(key)]);
    return reply ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    await this.link.command(['SET', this.k(key), value, ...ttl(ttlMs)]);
  }

  async delete(key: string): Promise<void> {
    await this.link.command(['DEL', this.k(key)]);
  }

  async keys(prefix: string): Promise<string[]> {
    const pattern = `${globEscape(this.k(prefix))}*`;
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await this.link.command<[string, string[]]>([
        'SCAN',
        cursor,
        'MATCH',
        pattern,
        'COUNT',
        '500',
      ]);
      for (const key of batch) found.add(key.slice(this.link.prefix.length));
      cursor = String(next);
    } while (cursor !== '0');
    return [...found];
  }

  async extendIfValue(key: string, value: string, ttlMs: number): Promise<boolean> {
    const reply = await this.link.command<number>([
      'EVAL',
      EXTEND_IF_VALUE,
      '1',
      this.k(key),
      value,
      String(Math.max(1, Math.round(ttlMs))),
    ]);
    return Number(reply) === 1;
  }

  private k(key: string): string {
    return this.link.prefix + key;
  }
}

function ttl(ms: number | undefined): string[] {
  return ms !== undefined && ms > 0 ? ['PX', String(Math.max(1, Math.round(ms)))] : [];
}

/** SCAN MATCH reads * ? [ ] \ as a pattern; our prefixes are literal. */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
