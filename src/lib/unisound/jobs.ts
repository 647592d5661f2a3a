import { SpeechApiError } from '../errors';
import { localizeError, Translate } from '../i18n';
import { JobBook, PendingJob, snapshotMessage } from '../jobs/job-book';
import { NodeJobs } from '../jobs/node-jobs';
import { Node, NodeAPI, NodeDef, NodeMessage } from '../node-red';
import { stateNote } from '../state/mode';
import { isShared, jobStore, leaseMs, volatileStore } from '../state/shared';
import { TaskState, UnisoundClient } from '../../vendors/unisound/client';
import { toTranscriptDocument } from '../../vendors/unisound/result';
import { unisoundConfigOf } from '../accounts/unisound';

/** The waiting options' dialog defaults, shared by the submit and result nodes. */
export const WAIT_DEFAULTS = { name: '', unisound: '', timeout: 360, pollInterval: 2, deleteFile: false };

/** What a pending Unisound job keeps besides its task id. */
export interface UnisoundJobData {
  fileId?: number;
  traceId?: string;
  deleteFile: boolean;
  /** msg properties left out of the stored copy (too large or not serialisable). */
  dropped?: string[];
  /**
   * Unisound has answered for this task (the create, or a poll). Until then a poll that fails
   * after its retries ends the wait: a task id that cannot be checked now is the user's to act
   * on. After it, failures are waited out, so a network blip does not lose a five-hour job.
   */
  confirmed?: boolean;
}

const MAX_POLL_MS = 30_000;

/** Reads a node's waiting options, DEFAULTS filling what the deployed node lacks. */
export function waitOptions(def: Record<string, unknown>): {
  timeoutMs: number;
  firstPollMs: number;
  deleteFile: boolean;
} {
  const minutes = Number(def.timeout ?? WAIT_DEFAULTS.timeout);
  const first = Number(def.pollInterval ?? WAIT_DEFAULTS.pollInterval);
  return {
    timeoutMs: (Number.isFinite(minutes) && minutes > 0 ? minutes : WAIT_DEFAULTS.timeout) * 60_000,
    // Fractions of a second are for tests against the emulator; the editor asks for 1 s or more.
    firstPollMs: Math.round(
      (Number.isFinite(first) && first > 0 ? Math.min(first, 30) : WAIT_DEFAULTS.pollInterval) * 1000,
    ),
    deleteFile: def.deleteFile === true || def.deleteFile === 'true',
  };
}

/** Where Unisound jobs sit in the job store: `<prefix><nodeId>:<taskId>`. */
export const UNISOUND_BOOK_PREFIX = 'unisound-asr:';

/** The durable book of Unisound jobs, shared by the submit and result nodes (keys start with the node id). */
export function unisoundBook(RED: NodeAPI): JobBook<UnisoundJobData> {
  return new JobBook<UnisoundJobData>(jobStore(RED), UNISOUND_BOOK_PREFIX, {
    store: volatileStore(RED),
    ms: leaseMs(RED),
  });
}

/** A node's job waiter: polls through the config node's client (and its per-key limiter). */
export function unisoundJobs(
  RED: NodeAPI,
  node: Node,
  def: NodeDef,
  t: Translate,
): NodeJobs<UnisoundJobData, TaskState> {
  const client = (): UnisoundClient => unisoundConfigOf(RED, t, def.unisound).client();
  const opts = waitOptions(def);
  const book = unisoundBook(RED);
  return new NodeJobs<UnisoundJobData, TaskState>(node, book, t, {
    firstPollMs: opts.firstPollMs,
    maxPollMs: Math.max(opts.firstPollMs, MAX_POLL_MS),
    takeoverEveryMs: isShared(RED) ? Math.max(500, Math.floor(leaseMs(RED) / 2)) : undefined,
    shared: isShared(RED),
    stateNote: stateNote(RED, t),
    async poll(job, signal, { background }) {
      let state: TaskState;
      try {
        state = await client().getTask(job.jobId, { signal, background });
      } catch (err) {
        throw job.data.confirmed || !(err instanceof SpeechApiError) ? err : finalError(err);
      }
      if (!job.data.confirmed) {
        job.data.confirmed = true;
        // Kept with the job: after a restart, a failing poll of a task Unisound has answered for is waited out too.
        await book.update(job).catch(() => undefined);
      }
      if (state.status === 'Success') return { done: true, result: state };
      if (state.status === 'Failed') throw UnisoundClient.failure(state);
      return { done: false, state: state.status };
    },
    async complete(job, state, msg, polls) {
      const finishedAt = Date.now();
      const doc = toTranscriptDocument(job.jobId, state.body);
      msg.payload = doc;
      if (doc.warning)
        node.warn(
          t(
            `warn.${doc.warning.reason}`,
            { taskId: job.jobId, fields: doc.warning.fields.join(', ') },
            `Unisound task ${job.jobId}: the result's shape was not recognised (${doc.warning.reason}); fields seen: ${doc.warning.fields.join(', ')}. The transcript is in msg.payload.raw.`,
          ),
        );
      msg.taskId = job.jobId;
      msg.unisound = {
        fileId: job.data.fileId,
        traceId: job.data.traceId ?? state.traceId,
        submittedAt: new Date(job.submittedAt).toISOString(),
        finishedAt: new Date(finishedAt).toISOString(),
        elapsedMs: finishedAt - job.submittedAt,
        polls,
        ...(job.data.dropped?.length ? { droppedKeys: job.data.dropped } : {}),
      };
      await deleteUpload(job);
    },
    failed: deleteUpload,
    timeoutError: (job) =>
      new SpeechApiError({
        vendor: 'unisound',
        code: 'Timeout',
        message: t(
          'errors.JobTimeout',
          { minutes: Math.round(opts.timeoutMs / 60000), taskId: job.jobId },
          `No result for task ${job.jobId} after ${Math.round(opts.timeoutMs / 60000)} minutes; it may still finish: query it again with a Unisound ASR result node.`,
        ),
      }),
  });

  async function deleteUpload(job: PendingJob<UnisoundJobData>): Promise<void> {
    if (!job.data.deleteFile || !job.data.fileId) return;
    try {
      await client().deleteFile(job.data.fileId);
    } catch (err) {
      node.warn(localizeError(t, err).message);
    }
  }
}

/** The same error, marked final: the job waiter then reports it instead of polling on. */
function finalError(err: SpeechApiError): SpeechApiError {
  return new SpeechApiError({
    vendor: err.vendor,
    code: err.code,
    message: err.message,
    httpStatus: err.httpStatus,
    requestId: err.requestId,
    retryAfter: err.retryAfter,
    retryable: false,
  });
}

/** Builds the pending job for a msg: its stored copy leaves out the audio and anything unserialisable. */
export function newJob(
  nodeId: string,
  taskId: string,
  msg: NodeMessage,
  data: UnisoundJobData,
  timeoutMs: number,
): PendingJob<UnisoundJobData> {
  const { msg: stored, dropped } = snapshotMessage(msg);
  const submittedAt = Date.now();
  return {
    nodeId,
    jobId: taskId,
    submittedAt,
    deadline: submittedAt + timeoutMs,
    data: { ...data, dropped },
    msg: stored,
  };
}
