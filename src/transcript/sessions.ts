import { boundSentence, SENTENCE_LIMITS, SentenceLimits } from './bounds';
import { Sentence } from './input';

export interface SessionLimits {
  maxSessions: number;
  maxSentencesPerSession: number;
  /** Bytes of sentences one session keeps (counted as `sentenceBytes` counts them). */
  maxSessionBytes: number;
  /** Bytes of sentences all sessions keep together; over it, the least recently used sessions close. */
  maxTotalBytes: number;
  sentence: SentenceLimits;
}

export const SESSION_LIMITS: SessionLimits = {
  maxSessions: 1000,
  maxSentencesPerSession: 100000,
  maxSessionBytes: 16 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
  sentence: SENTENCE_LIMITS,
};

/** Which budget a sentence or a session ran into. */
export type SessionLimit = 'text' | 'sentences' | 'sessionBytes' | 'sessions' | 'totalBytes';

export interface Session<T> {
  key: string;
  sentences: Sentence[];
  /** Bytes the kept sentences are counted as. */
  bytes: number;
  /** Sentences refused because the session was full (count or bytes). */
  dropped: number;
  /** Sentences kept with their text (or words, translations) cut to the per-sentence budget. */
  cut: number;
  /** 1 for a key's first session; 2, 3… for sessions opened again after that key's session closed. */
  part: number;
  extra: T;
}

/** Parts remembered per closed key, so a later session under the same key is told apart. */
const KEY_BYTES = 200;

/**
 * Final sentences gathered per task until the task completes. Bounded by bytes and count:
 * each sentence is cut to the per-sentence budget; a session keeps at most
 * `maxSentencesPerSession` sentences and `maxSessionBytes` (later ones are counted, not kept);
 * at most `maxSessions` sessions and `maxTotalBytes` in all are kept, and going over closes
 * the least recently used sessions, which `onEvict` reports. `onLimit` hears every budget hit.
 */
export class SessionStore<T> {
  private readonly sessions = new Map<string, Session<T>>();
  /** Keys whose session closed, with the last part number; bounded like the sessions. */
  private readonly closed = new Map<string, number>();
  private readonly limits: SessionLimits;
  private total = 0;

  constructor(
    limits: Partial<SessionLimits>,
    private readonly create: () => T,
    private readonly onEvict: (s: Session<T>, why: 'sessions' | 'totalBytes') => void,
    private readonly onLimit: (kind: SessionLimit, s: Session<T>) => void = () => undefined,
  ) {
    this.limits = { ...SESSION_LIMITS, ...limits };
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Bytes all open sessions keep, as counted against `maxTotalBytes`. */
  get bytes(): number {
    return this.total;
  }

  /** The session for `key`, opened if needed and marked most recently used. */
  open(key: string): Session<T> {
    let s = this.sessions.get(key);
    if (s) {
      this.sessions.delete(key);
    } else {
      const part = (this.closed.get(key) ?? 0) + 1;
      s = { key, sentences: [], bytes: 0, dropped: 0, cut: 0, part, extra: this.create() };
      while (this.sessions.size >= this.limits.maxSessions) this.evictOldest('sessions');
    }
    this.sessions.set(key, s);
    return s;
  }

  /** Adds a sentence (cut to the sentence budget); false when the session is full and it was dropped. */
  add(s: Session<T>, sentence: Sentence): boolean {
    const { sentence: kept, bytes, cut } = boundSentence(sentence, this.limits.sentence);
    const full: SessionLimit | undefined =
      s.sentences.length >= this.limits.maxSentencesPerSession
        ? 'sentences'
        : s.bytes + bytes > this.limits.maxSessionBytes
          ? 'sessionBytes'
          : undefined;
    if (full) {
      s.dropped++;
      this.onLimit(full, s);
      return false;
    }
    // Room for it in all: older sessions make way (they are reported), this one never.
    while (this.total + bytes > this.limits.maxTotalBytes && this.sessions.size > 1) {
      if (this.sessions.values().next().value === s) break;
      this.evictOldest('totalBytes');
    }
    if (this.total + bytes > this.limits.maxTotalBytes) {
      s.dropped++;
      this.onLimit('totalBytes', s);
      return false;
    }
    if (cut) {
      s.cut++;
      this.onLimit('text', s);
    }
    s.sentences.push(kept);
    s.bytes += bytes;
    this.total += bytes;
    return true;
  }

  /** Removes and returns the session (undefined when none was open); a later session for `key` is its next part. */
  close(key: string): Session<T> | undefined {
    const s = this.sessions.get(key);
    if (!s) return undefined;
    this.sessions.delete(key);
    this.total -= s.bytes;
    if (key.length <= KEY_BYTES) {
      this.closed.delete(key);
      this.closed.set(key, s.part);
      while (this.closed.size > this.limits.maxSessions) this.closed.delete(this.closed.keys().next().value as string);
    }
    return s;
  }

  /** Whether a session for `key` was closed (its file sent) and none is open now. */
  wasClosed(key: string): boolean {
    return !this.sessions.has(key) && this.closed.has(key);
  }

  clear(): void {
    this.sessions.clear();
    this.closed.clear();
    this.total = 0;
  }

  private evictOldest(why: 'sessions' | 'totalBytes'): void {
    const oldest = this.sessions.values().next().value as Session<T>;
    this.sessions.delete(oldest.key);
    this.total -= oldest.bytes;
    this.onLimit(why, oldest);
    this.onEvict(oldest, why);
  }
}
