"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.FileStore = void 0;
exports.writeAtomic = writeAtomic;
const crypto_1 = __importDefault(require("crypto"));
const fs_1 = __importDefault(require("fs"));
const path_1 = __importDefault(require("path"));
/**
 * The embedded store for state that must survive a restart (batch jobs still waiting for a
 * result): one small JSON file, rewritten whole on every change as temp file + fsync +
 * rename, so a crash leaves either the old or the new file, never half of one. A change's
 * promise resolves only once it is on disk. Meant for a few hundred small entries and one
 * Node-RED process per file; every FileStore for one path in a process is the same object
 * (`FileStore.at`), so writers never race on the file.
 */
class FileStore {
    static at(file, opts = {}) {
        const full = path_1.default.resolve(file);
        let store = FileStore.open.get(full);
        if (!store) {
            store = new FileStore(full, opts);
            FileStore.open.set(full, store);
        }
        return store;
    }
    constructor(file, opts = {}) {
        this.file = file;
        this.opts = opts;
        this.entries = new Map();
        this.version = 0;
        this.persisted = 0;
        this.now = opts.now ?? Date.now;
    }
    async setIfAbsent(key, value, ttlMs) {
        await this.load();
        if (this.live(key))
            return false;
        this.put(key, value, ttlMs);
        await this.persist();
        return true;
    }
    async get(key) {
        await this.load();
        return this.live(key)?.value;
    }
    async set(key, value, ttlMs) {
        await this.load();
        this.put(key, value, ttlMs);
        await this.persist();
    }
    async delete(key) {
        await this.load();
        if (!this.entries.delete(key))
            return;
        this.version++;
        await this.persist();
    }
    async keys(prefix) {
        await this.load();
        return [...this.entries.keys()].filter((k) => k.startsWith(prefix) && this.live(k));
    }
    /** Resolves once every change made so far is on disk. */
    async flush() {
        await this.load();
        await this.persist();
    }
    live(key) {
        const e = this.entries.get(key);
        if (e && e.expires !== null && e.expires <= this.now()) {
            this.entries.delete(key);
            this.version++;
            return undefined;
        }
        return e;
    }
    put(key, value, ttlMs) {
        this.entries.set(key, { value, expires: ttlMs !== undefined && ttlMs > 0 ? this.now() + ttlMs : null });
        this.version++;
    }
    load() {
        if (!this.loaded)
            this.loaded = this.read();
        return this.loaded;
    }
    async read() {
        let text;
        try {
            text = await fs_1.default.promises.readFile(this.file, 'utf8');
        }
        catch (err) {
            if (err.code !== 'ENOENT')
                this.opts.onWarning?.(`Cannot read ${this.file} (${err.code}); starting with no saved state.`);
            return;
        }
        const parsed = parseShape(text);
        if (!parsed) {
            // A truncated or edited file must not stop Node-RED starting; keep it for a human to look at.
            const aside = `${this.file}.corrupt-${this.now()}`;
            await fs_1.default.promises.rename(this.file, aside).catch(() => undefined);
            this.opts.onWarning?.(`${this.file} was not valid JSON; moved it to ${path_1.default.basename(aside)} and started with no saved state.`);
            return;
        }
        const t = this.now();
        for (const [k, e] of Object.entries(parsed.entries)) {
            if (e && typeof e.value === 'string' && (e.expires === null || (typeof e.expires === 'number' && e.expires > t))) {
                this.entries.set(k, { value: e.value, expires: e.expires });
            }
        }
    }
    /** Writes until the file holds at least the current version; concurrent changes share one write. */
    async persist() {
        const wanted = this.version;
        while (this.persisted < wanted) {
            if (this.writing) {
                await this.writing.catch(() => undefined);
                continue;
            }
            const version = this.version;
            const data = { version: 1, entries: Object.fromEntries(this.entries) };
            this.writing = writeAtomic(this.file, JSON.stringify(data)).then(() => {
                this.persisted = Math.max(this.persisted, version);
            }).finally(() => {
                this.writing = undefined;
            });
            await this.writing;
        }
    }
}
exports.FileStore = FileStore;
FileStore.open = new Map();
function parseShape(text) {
    try {
        const v = JSON.parse(text);
        return v && typeof v === 'object' && v.entries && typeof v.entries === 'object' && !Array.isArray(v.entries) ? v : undefined;
    }
    catch {
        return undefined;
    }
}
/** temp file in the same directory + fsync + rename: readers see the old file or the new one, whole. */
async function writeAtomic(file, text) {
    await fs_1.default.promises.mkdir(path_1.default.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${crypto_1.default.randomBytes(4).toString('hex')}.tmp`;
    const fh = await fs_1.default.promises.open(tmp, 'w', 0o600);
    try {
        await fh.writeFile(text, 'utf8');
        await fh.sync();
    }
    finally {
        await fh.close();
    }
    try {
        await fs_1.default.promises.rename(tmp, file);
    }
    catch (err) {
        await fs_1.default.promises.rm(tmp, { force: true });
        throw err;
    }
}
