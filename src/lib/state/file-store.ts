import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { StateStore } from './store';

interface Entry {
  value: string;
  /** ms epoch; null for no expiry (JSON has no Infinity). */
  expires: number | null;
}

interface FileShape {
  version: 1;
  /** Which journal (`<file>.<journal>.log`) holds the changes made after this snapshot; absent: 0. */
  journal?: number;
  entries: Record<string, Entry>;
}

/** One change in the journal: a set (with `v`) or a removal (without). */
interface Change {
  k: string;
  v?: string;
  e?: number | null;
}

/** Below this size the whole file is rewritten on every change: one small file, nothing to replay. */
const SMALL_BYTES = 256 * 1024;
/** JSON around each entry, roughly: enough to weigh entries against journal bytes. */
const ENTRY_OVERHEAD = 40;

export interface FileStoreOptions {
  now?: () => number;
  /** Told when the file could not be read and was set aside; the store then starts empty. */
  onWarning?: (message: string) => void;
}

/**
 * The embedded store for state that must survive a restart (batch jobs still waiting for a
 * result): a JSON snapshot, written whole as temp file + fsync + rename, so a crash leaves
 * either the old or the new file, never half of one. A small store is rewritten whole on every
 * change. A large one (100,000 pending jobs make 34 MB) appends its changes to a journal
 * (`<file>.<n>.log`, fsynced) named by the snapshot, and is rewritten only once the journal has
 * grown to half the snapshot: a change then costs its own bytes, not the whole store's, and
 * the rewrites cost at most twice what was changed. A change's promise resolves only once it is
 * on disk. One Node-RED process per file; every FileStore for one path in a process is the same
 * object (`FileStore.at`), so writers never race on the file.
 */
export class FileStore implements StateStore {
  private static readonly open = new Map<string, FileStore>();

  static at(file: string, opts: FileStoreOptions = {}): FileStore {
    const full = path.resolve(file);
    let store = FileStore.open.get(full);
    if (!store) {
      store = new FileStore(full, opts);
      FileStore.open.set(full, store);
    }
    return store;
  }

  private entries = new Map<string, Entry>();
  private loaded: Promise<void> | undefined;
  private version = 0;
  private persisted = 0;
  private writing: Promise<void> | undefined;
  private readonly now: () => number;
  /** Changes not on disk yet, as journal lines. */
  private pending: string[] = [];
  /** Roughly the snapshot's size if written now, and what the current journal holds. */
  private liveBytes = 0;
  private journalBytes = 0;
  /** The journal the snapshot on disk names. */
  private journal = 0;
  /** A write failed or the journal's end was torn: the next write is a whole snapshot, which supersedes the journal. */
  private rewrite = false;

  constructor(
    readonly file: string,
    private readonly opts: FileStoreOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    await this.load();
    if (this.live(key)) return false;
    this.put(key, value, ttlMs);
    await this.persist();
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    await this.load();
    return this.live(key)?.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    await this.load();
    this.put(key, value, ttlMs);
    await this.persist();
  }

  async delete(key: string): Promise<void> {
    await this.load();
    const e = this.entries.get(key);
    if (!e) return;
    this.drop(key, e);
    this.change({ k: key });
    await this.persist();
  }

  async keys(prefix: string): Promise<string[]> {
    await this.load();
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix) && this.live(k));
  }

  /** Resolves once every change made so far is on disk. */
  async flush(): Promise<void> {
    await this.load();
    await this.persist();
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.expires !== null && e.expires <= this.now()) {
      // Nothing to write: the snapshot and the journal carry the expiry, and reading them drops it too.
      this.drop(key, e);
      return undefined;
    }
    return e;
  }

  private put(key: string, value: string, ttlMs?: number): void {
    const entry: Entry = { value, expires: ttlMs !== undefined && ttlMs > 0 ? this.now() + ttlMs : null };
    this.apply(key, entry);
    this.change({ k: key, v: value, e: entry.expires });
  }

  /** Sets an entry in memory, keeping the size estimate. */
  private apply(key: string, entry: Entry): void {
    const old = this.entries.get(key);
    if (old) this.liveBytes -= weight(key, old);
    this.entries.set(key, entry);
    this.liveBytes += weight(key, entry);
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.liveBytes -= weight(key, entry);
  }

  private change(c: Change): void {
    this.pending.push(JSON.stringify(c));
    this.version++;
  }

  private load(): Promise<void> {
    if (!this.loaded) this.loaded = this.read();
    return this.loaded;
  }

  private async read(): Promise<void> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.opts.onWarning?.(
          `Cannot read ${this.file} (${(err as NodeJS.ErrnoException).code}); starting with no saved state.`,
        );
      return;
    }
    const parsed = parseShape(text);
    if (!parsed) {
      // A truncated or edited file must not stop Node-RED starting; keep it for a human to look at.
      const aside = `${this.file}.corrupt-${this.now()}`;
      await fs.promises.rename(this.file, aside).catch(() => undefined);
      this.opts.onWarning?.(
        `${this.file} was not valid JSON; moved it to ${path.basename(aside)} and started with no saved state.`,
      );
      return;
    }
    const t = this.now();
    for (const [k, e] of Object.entries(parsed.entries)) {
      if (
        e &&
        typeof e.value === 'string' &&
        (e.expires === null || (typeof e.expires === 'number' && e.expires > t))
      ) {
        this.apply(k, { value: e.value, expires: e.expires });
      }
    }
    this.journal =
      Number.isSafeInteger(parsed.journal) && (parsed.journal as number) > 0 ? (parsed.journal as number) : 0;
    await this.replay(t);
  }

  private journalFile(n = this.journal): string {
    return `${this.file}.${n}.log`;
  }

  /** Applies the snapshot's journal in order; a line cut short by a crash (never acknowledged) is skipped. */
  private async replay(t: number): Promise<void> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.journalFile(), 'utf8');
    } catch {
      return;
    }
    this.journalBytes = Buffer.byteLength(text);
    for (const line of text.split('\n')) {
      if (!line) continue;
      let c: Change;
      try {
        c = JSON.parse(line) as Change;
      } catch {
        this.rewrite = true;
        continue;
      }
      if (!c || typeof c.k !== 'string') continue;
      const old = this.entries.get(c.k);
      if (old) this.drop(c.k, old);
      if (typeof c.v === 'string' && (c.e === null || c.e === undefined || (typeof c.e === 'number' && c.e > t)))
        this.apply(c.k, { value: c.v, expires: c.e ?? null });
    }
  }

  /** Writes until the file holds at least the current version; concurrent changes share one write. */
  private async persist(): Promise<void> {
    const wanted = this.version;
    while (this.persisted < wanted) {
      if (this.writing) {
        await this.writing.catch(() => undefined);
        continue;
      }
      const version = this.version;
      const lines = this.pending;
      this.pending = [];
      this.writing = this.write(lines)
        .then(() => {
          this.persisted = Math.max(this.persisted, version);
        })
        .catch((err: unknown) => {
          // What is in memory is written whole by the next write that succeeds.
          this.rewrite = true;
          throw err;
        })
        .finally(() => {
          this.writing = undefined;
        });
      await this.writing;
    }
  }

  /** Appends the changes to the journal, or writes a new snapshot (and starts a new journal) when that is cheaper. */
  private async write(lines: string[]): Promise<void> {
    const text = lines.length ? `${lines.join('\n')}\n` : '';
    const bytes = Buffer.byteLength(text);
    // Journal 0: the file on disk names no journal (none yet, or written before journals): start one with a snapshot.
    const append = !this.rewrite && this.journal > 0 && this.liveBytes > SMALL_BYTES;
    if (append && (this.journalBytes + bytes) * 2 < this.liveBytes) {
      // A newline first: a line a crash cut short before it ends there instead of swallowing this one.
      await appendSynced(this.journalFile(), `\n${text}`);
      this.journalBytes += bytes + 1;
      return;
    }
    const next = this.journal + 1;
    const data: FileShape = { version: 1, journal: next, entries: Object.fromEntries(this.entries) };
    this.rewrite = true;
    // A journal of that number left by an older file (one set aside as corrupt) must not be replayed over this one.
    await fs.promises.rm(this.journalFile(next), { force: true });
    await writeAtomic(this.file, JSON.stringify(data));
    // The snapshot on disk now names the new journal: the old one is never read again.
    const old = this.journalFile();
    this.journal = next;
    this.journalBytes = 0;
    this.rewrite = false;
    await fs.promises.rm(old, { force: true }).catch(() => undefined);
  }
}

function weight(key: string, e: Entry): number {
  return key.length + e.value.length + ENTRY_OVERHEAD;
}

async function appendSynced(file: string, text: string): Promise<void> {
  const fh = await fs.promises.open(file, 'a', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function parseShape(text: string): FileShape | undefined {
  try {
    const v = JSON.parse(text) as FileShape;
    return v && typeof v === 'object' && v.entries && typeof v.entries === 'object' && !Array.isArray(v.entries)
      ? v
      : undefined;
  } catch {
    return undefined;
  }
}

/** temp file in the same directory + fsync + rename: readers see the old file or the new one, whole. */
export async function writeAtomic(file: string, text: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fh = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}
