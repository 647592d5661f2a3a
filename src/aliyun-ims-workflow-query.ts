import { imsConfigOf } from './lib/accounts/aliyun-ims';
import { onInput } from './lib/action-node';
import { SpeechApiError, validationError } from './lib/errors';
import { localizeError, translator } from './lib/i18n';
import { Node, NodeAPI, NodeDef, withDefaults } from './lib/node-red';
import { readTypedParams } from './lib/typed-params';
import { imsJobs, newImsJob, reportToMsg, waitOptions } from './lib/aliyun-ims/jobs';
import { validateTaskId } from './vendors/aliyun-ims/inputs';

export const TYPE = 'aliyun-ims-workflow-query';

/** The dialog's defaults (nodes/aliyun-ims-workflow-query.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  ims: '',
  taskId: 'taskId',
  taskIdType: 'msg',
  wait: false,
  timeout: 60,
  pollInterval: 5,
};

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'aliyun-ims-config');

  function AliyunImsWorkflowQuery(this: Node, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    const wait = def.wait === true || def.wait === 'true';
    if (!wait) {
      onInput(node, t, async (msg) => {
        const ims = imsConfigOf(RED, t, def.ims);
        const { TaskId } = await readTypedParams(RED, node, def, { TaskId: 'taskId' }, msg);
        const report = await ims.client().report(TaskId);
        reportToMsg(msg, report);
        return { status: report.status ?? '?' };
      });
      return;
    }

    // Waiting: one durable job per task, answered when the task reaches any end state.
    const opts = waitOptions(def.timeout, def.pollInterval);
    const jobs = imsJobs(RED, node, def.ims, t, opts);
    jobs.resume().catch((err: unknown) => node.error(localizeError(t, err)));
    node.on('input', (msg, send, done) => {
      Promise.resolve()
        .then(async () => {
          imsConfigOf(RED, t, def.ims);
          const { TaskId } = await readTypedParams(RED, node, def, { TaskId: 'taskId' }, msg);
          const checked = validateTaskId(TaskId);
          if (checked.problems.length) throw validationError('aliyun', checked.problems);
          const taskId = checked.taskId as string;
          if (jobs.isWaiting(taskId)) {
            throw new SpeechApiError({
              vendor: 'aliyun',
              code: 'AlreadyWaiting',
              message: t('errors.AlreadyWaiting', { taskId }, `This node is already waiting for task ${taskId}.`),
            });
          }
          await jobs.submit(newImsJob(node.id, taskId, msg, opts.timeoutMs), msg, send, done);
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

  RED.nodes.registerType(TYPE, AliyunImsWorkflowQuery);
}
