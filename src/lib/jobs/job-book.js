"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.JobBook = exports.MSG_TOTAL_LIMIT = exports.MSG_PROPERTY_LIMIT = void 0;
exports.snapshotMessage = snapshotMessage;
const memory_store_1 = require("../state/memory-store");
/** Per property and in total: a flow's msg may carry megabytes we must not rewrite on every change. */
exports.MSG_PROPERTY_LIMIT = 16 * 1024;
exports.MSG_TOTAL_LIMIT = 64 * 1024;
/** Never stored: the audio (replaced by the transcript anyway) and HTTP-in's live req/res objects. */
const NOT_KEPT = new Set(['payload', 'req', 'res', 'socketid']);
/**
 * The msg's JSON-serialisable own properties, each at most 16 kB and 64 kB in all, minus
 * payload (the audio) and req/res; `dropped` names what was left out.
 */
function snapshotMessage(msg) {
    const out = {};
    const dropped = [];
    let total = 0;
    for (const key of Object.keys(msg)) {
        if (NOT_KEPT.has(key) || key === '__proto__') {
            if (key !== 'payload')
                dropped.push(key);
            continue;
        }
        let json;
        try {
            json = JSON.stringify(msg[key]);
        }
        catch {
            json = undefined;
        }
        if (json === undefined || json.length > exports.MSG_PROPERTY_LIMIT || total + json.length > exports.MSG_TOTAL_LIMIT) {
            dropped.push(key);
            continue;
        }
        total += json.length;
        out[key] = JSON.parse(json);
    }
    return { msg: out, dropped };
}
/**
 * Pending jobs of every node of one kind, kept in a StateStore under
 * `<prefix><nodeId>:<jobId>`. A job leaves the book through `claim`, which removes it
 * (durably) before its result may be sent: whoever claims it is the only one to emit.
 */
class JobBook {
    constructor(store, prefix) {
        this.store = store;
        this.prefix = prefix;
    }
    key(nodeId, jobId) {
        return `${this.prefix}${nodeId}:${jobId}`;
    }
    async add(job) {
        await this.store.set(this.key(job.nodeId, job.jobId), JSON.stringify(job));
    }
    /** The node's pending jobs; an unreadable entry is dropped rather than blocking the others. */
    async list(nodeId) {
        const jobs = [];
        for (const key of await this.store.keys(`${this.prefix}${nodeId}:`)) {
            const text = await this.store.get(key);
            const job = parse(text);
            if (job)
                jobs.push(job);
            else
                await this.store.delete(key);
        }
        return jobs;
    }
    /**
     * Takes the job out of the book; true for exactly one caller. The removal is on disk
     * before this resolves, so a crash after it can lose the emission but never repeat it.
     */
    async claim(nodeId, jobId) {
        const key = this.key(nodeId, jobId);
        // Two waiters for one job can exist in one process for a moment (an old node closing while its replacement resumes).
        if (!(await memory_store_1.processStore.setIfAbsent(`claim:${key}`, '1', 60 * 60 * 1000)))
            return false;
        const present = (await this.store.get(key)) !== undefined;
        await this.store.delete(key);
        return present;
    }
    async remove(nodeId, jobId) {
        await this.store.delete(this.key(nodeId, jobId));
    }
    async removeAll(nodeId) {
        for (const key of await this.store.keys(`${this.prefix}${nodeId}:`))
            await this.store.delete(key);
    }
}
exports.JobBook = JobBook;
function parse(text) {
    try {
        const j = text ? JSON.parse(text) : undefined;
        return j && typeof j.jobId === 'string' && typeof j.nodeId === 'string' && j.msg && typeof j.msg === 'object' ? j : undefined;
    }
    catch {
        return undefined;
    }
}
