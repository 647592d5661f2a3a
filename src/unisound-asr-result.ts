import { SpeechApiError, validationError } from './lib/errors';
import { localizeError, translator } from './lib/i18n';
import { Node, NodeAPI, NodeDef, NodeMessage } from './lib/node-red';

import { newJob, unisoundJobs, waitOptions, WAIT_DEFAULTS } from './lib/unisound/jobs';
import { unisoundConfigOf } from './lib/accounts/unisound';

export const TYPE = 'unisound-asr-result';

export const DEFAULTS = WAIT_DEFAULTS;
/**
 * [I] What a Unisound task id may look like: the docs show none; ids seen are hex strings.
 * Letters, digits, '-' and '_' keep the id a single path segment ('.', '/', '?' and spaces
 * could point the poll at another URL).
 */
const TASK_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The task id a msg names: msg.taskId, or msg.payload.task_id / taskId. */
function taskIdOf(msg: NodeMessage): string | undefined {
  const p = msg.payload && typeof msg.payload === 'object' ? (msg.payload as Record<string, unknown>) : {};
  const id = msg.taskId ?? p.task_id ?? p.taskId;
  const text =
    typeof id === 'string'
      ? id.trim()
      : typeof id === 'number' && Number.isSafeInteger(id) && id >= 0
        ? String(id)
        : undefined;
  return text !== undefined && TASK_ID.test(text) ? text : undefined;
}

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'unisound-config');

  function UnisoundAsrResult(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const conf = { ...DEFAULTS, ...def } as NodeDef;
    const jobs = unisoundJobs(RED, node, conf, t);
    const opts = waitOptions(conf);
    jobs.resume().catch((err: unknown) => node.error(localizeError(t, err)));

    node.on('input', (msg, send, done) => {
      Promise.resolve()
        .then(async () => {
          unisoundConfigOf(RED, t, conf.unisound);
          const taskId = taskIdOf(msg);
          if (!taskId) {
            const message = t(
              'errors.NoTaskId',
              {},
              'msg.taskId must name a Unisound task (the id the submit node emitted).',
            );
            throw validationError('unisound', [
              { field: 'taskId', rule: 'taskId', message, params: { field: 'taskId' } },
            ]);
          }
          if (jobs.isWaiting(taskId)) {
            throw new SpeechApiError({
              vendor: 'unisound',
              code: 'AlreadyWaiting',
              message: t('errors.AlreadyWaiting', { taskId }, `This node is already waiting for task ${taskId}.`),
            });
          }
          const u = msg.unisound && typeof msg.unisound === 'object' ? (msg.unisound as Record<string, unknown>) : {};
          const fileId = typeof u.fileId === 'number' ? u.fileId : undefined;
          const traceId = typeof u.traceId === 'string' ? u.traceId : undefined;
          await jobs.submit(
            newJob(node.id, taskId, msg, { fileId, traceId, deleteFile: opts.deleteFile }, opts.timeoutMs),
            msg,
            send,
            done,
          );
        })
        .catch((err: unknown) => {
          node.status({ fill: 'red', shape: 'ring', text: err instanceof SpeechApiError ? err.code : 'error' });
          done(localizeError(t, err));
        });
    });

    node.on('close', (removed: boolean, done: () => void) => {
      jobs.close(removed).then(done, (err: unknown) => {
        node.error(localizeError(t, err));
        done();
      });
    });
  }

  RED.nodes.registerType(TYPE, UnisoundAsrResult);
}
