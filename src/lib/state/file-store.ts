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
  entries: Record<string, Entry>;
}

export interface FileStoreOptions {
  now?: () => number;
  /** Told when the file could not be read and was set aside; the store then starts empty. */
  onWarning?: (message: string) => void;
}

/**
 * The embedded store for state that must survive a restart (batch jobs still waiting for a
 * result): one small JSON file, rewritten whole on every change as temp file + fsync +
 * rename, so a crash leaves either the old or the new file, never half of one. A change's
 * promise resolves only once it is on disk. Meant for a few hundred small entries and one
 * Node-RED process per file; every FileStore for one path in a process is the same object
 * (`FileStore.at`), so writers never race on the file.
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
    if (!this.entries.delete(key)) return;
    this.version++;
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
      this.entries.delete(key);
      this.version++;
      return undefined;
    }
    return e;
  }

  private put(key: string, value: string, ttlMs?: number): void {
    this.entries.set(key, { value, expires: ttlMs !== undefined && ttlMs > 0 ? this.now() + ttlMs : null });
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
        this.entries.set(k, { value: e.value, expires: e.expires });
      }
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
      const data: FileShape = { version: 1, entries: Object.fromEntries(this.entries) };
      this.writing = writeAtomic(this.file, JSON.stringify(data))
        .then(() => {
          this.persisted = Math.max(this.persisted, version);
        })
        .finally(() => {
          this.writing = undefined;
        });
      await this.writing;
    }
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
