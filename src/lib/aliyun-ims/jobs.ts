/**
 * Waiting for an IMS workflow task to end, on the durable job machinery the Unisound nodes
 * use: the wait is in the job book, so it survives a redeploy or restart (and moves to
 * another instance with Redis).
 */
import { SpeechApiError } from '../errors';
import { Translate } from '../i18n';
import { JobBook, PendingJob, snapshotMessage } from '../jobs/job-book';
import { NodeJobs } from '../jobs/node-jobs';
import { Node, NodeAPI, NodeMessage } from '../node-red';
import { isShared, jobStore, leaseMs, volatileStore } from '../state/shared';
import { TaskReport } from '../../vendors/aliyun-ims/client';
import { imsConfigOf } from '../accounts/aliyun-ims';

/** Nothing beyond the task id is needed to finish a wait. */
export type ImsJobData = { dropped?: string[] };

const MAX_POLL_MS = 30_000;

export interface WaitOptions {
  timeoutMs: number;
  firstPollMs: number;
}

/** Minutes to wait in all and seconds before the first poll, as the dialog sets them. */
export function waitOptions(timeoutMinutes: unknown, pollSeconds: unknown): WaitOptions {
  const minutes = Number(timeoutMinutes);
  const first = Number(pollSeconds);
  return {
    timeoutMs: (Number.isFinite(minutes) && minutes > 0 ? minutes : 60) * 60_000,
    // Fractions of a second are for tests against the emulator; the editor asks for 1 s or more.
    firstPollMs: Math.round((Number.isFinite(first) && first > 0 ? Math.min(first, 30) : 5) * 1000),
  };
}

/** Puts a task's report on the msg, the way the query node does with or without waiting. */
export function reportToMsg(msg: NodeMessage, report: TaskReport): void {
  msg.payload = report;
  msg.taskId = report.taskId;
  msg.aliyun = { action: 'GetAIWorkflowTask', requestId: report.requestId };
}

export function imsJobs(
  RED: NodeAPI,
  node: Node,
  imsId: unknown,
  t: Translate,
  opts: WaitOptions,
): NodeJobs<ImsJobData, TaskReport> {
  const book = new JobBook<ImsJobData>(jobStore(RED), 'aliyun-ims:', { store: volatileStore(RED), ms: leaseMs(RED) });
  return new NodeJobs<ImsJobData, TaskReport>(node, book, t, {
    firstPollMs: opts.firstPollMs,
    maxPollMs: Math.max(opts.firstPollMs, MAX_POLL_MS),
    takeoverEveryMs: isShared(RED) ? Math.max(500, Math.floor(leaseMs(RED) / 2)) : undefined,
    async poll(job, signal) {
      const report = await imsConfigOf(RED, t, imsId).client().report(job.jobId, { signal });
      return report.finished ? { done: true, result: report } : { done: false, state: report.status ?? '?' };
    },
    async complete(_job, report, msg) {
      reportToMsg(msg, report);
    },
    timeoutError: (job) =>
      new SpeechApiError({
        vendor: 'aliyun',
        code: 'Timeout',
        message: t(
          'errors.JobTimeout',
          { minutes: Math.round(opts.timeoutMs / 60000), taskId: job.jobId },
          `Task ${job.jobId} was still running after ${Math.round(opts.timeoutMs / 60000)} minutes; query it again later.`,
        ),
      }),
  });
}

export function newImsJob(nodeId: string, taskId: string, msg: NodeMessage, timeoutMs: number): PendingJob<ImsJobData> {
  const { msg: stored, dropped } = snapshotMessage(msg);
  const submittedAt = Date.now();
  return { nodeId, jobId: taskId, submittedAt, deadline: submittedAt + timeoutMs, data: { dropped }, msg: stored };
}
