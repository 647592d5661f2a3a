import { liveConfigOf } from './lib/accounts/aliyun-live';
import { onInput } from './lib/action-node';
import { translator } from './lib/i18n';
import { Node, NodeAPI, NodeDef, withDefaults } from './lib/node-red';
import { readTypedParams } from './lib/typed-params';

export const TYPE = 'aliyun-live-asr-query';

/** The dialog's defaults (nodes/aliyun-live-asr-query.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  live: '',
  taskId: 'taskId',
  taskIdType: 'msg',
};

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'aliyun-live-config');

  function AliyunLiveAsrQuery(this: Node, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    onInput(node, t, async (msg) => {
      const live = liveConfigOf(RED, t, def.live);
      const { TaskId } = await readTypedParams(RED, node, def, { TaskId: 'taskId' }, msg);
      const res = await live.client().queryRtcAsrTasks(TaskId);
      const list = Object.entries(res.Tasks).map(([id, task]) => ({ ...task, taskId: task.taskId ?? id }));
      msg.payload = { ...res, TaskList: list };
      if (TaskId !== undefined) msg.taskId = TaskId;
      msg.aliyun = { action: 'QueryRtcAsrTasks', requestId: res.RequestId };
      return {
        status: t('status.tasks', { count: list.length }, `${list.length} ${list.length === 1 ? 'task' : 'tasks'}`),
      };
    });
  }

  RED.nodes.registerType(TYPE, AliyunLiveAsrQuery);
}
