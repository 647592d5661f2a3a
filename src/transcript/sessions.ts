import { Sentence } from './input';

export interface SessionLimits {
  maxSessions: number;
  maxSentencesPerSession: number;
}

export const SESSION_LIMITS: SessionLimits = { maxSessions: 1000, maxSentencesPerSession: 100000 };

export interface Session<T> {
  key: string;
  sentences: Sentence[];
  /** Sentences refused because the session was full. */
  dropped: number;
  extra: T;
}

/**
 * Final sentences gathered per task until the task completes. Bounded: a session keeps at
 * most `maxSentencesPerSession` sentences (later ones are counted, not kept), and at most
 * `maxSessions` sessions are open; opening one more closes the least recently used, which
 * `onEvict` reports.
 */
export class SessionStore<T> {
  private readonly sessions = new Map<string, Session<T>>();

  constructor(
    private readonly limits: SessionLimits,
    private readonly create: () => T,
    private readonly onEvict: (s: Session<T>) => void,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** The session for `key`, opened if needed and marked most recently used. */
  open(key: string): Session<T> {
    let s = this.sessions.get(key);
    if (s) {
      this.sessions.delete(key);
    } else {
      s = { key, sentences: [], dropped: 0, extra: this.create() };
      while (this.sessions.size >= this.limits.maxSessions) {
        const oldest = this.sessions.values().next().value as Session<T>;
        this.sessions.delete(oldest.key);
        this.onEvict(oldest);
      }
    }
    this.sessions.set(key, s);
    return s;
  }

  /** Adds a sentence; false when the session is full and it was dropped. */
  add(s: Session<T>, sentence: Sentence): boolean {
    if (s.sentences.length >= this.limits.maxSentencesPerSession) {
      s.dropped++;
      return false;
    }
    s.sentences.push(sentence);
    return true;
  }

  /** Removes and returns the session (undefined when none was open). */
  close(key: string): Session<T> | undefined {
    const s = this.sessions.get(key);
    this.sessions.delete(key);
    return s;
  }

  clear(): void {
    this.sessions.clear();
  }
}
