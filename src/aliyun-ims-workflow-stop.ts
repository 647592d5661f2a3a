import { imsConfigOf } from './lib/accounts/aliyun-ims';
import { onInput } from './lib/action-node';
import { translator } from './lib/i18n';
import { Node, NodeAPI, NodeDef, withDefaults } from './lib/node-red';
import { readTypedParams } from './lib/typed-params';

export const TYPE = 'aliyun-ims-workflow-stop';

/** The dialog's defaults (nodes/aliyun-ims-workflow-stop.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  ims: '',
  taskId: 'taskId',
  taskIdType: 'msg',
};

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'aliyun-ims-config');

  function AliyunImsWorkflowStop(this: Node, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    onInput(node, t, async (msg) => {
      const ims = imsConfigOf(RED, t, def.ims);
      const { TaskId } = await readTypedParams(RED, node, def, { TaskId: 'taskId' }, msg);
      const res = await ims.client().stopAIWorkflowTask(TaskId);
      msg.payload = res;
      msg.taskId = TaskId;
      msg.aliyun = { action: 'StopAIWorkflowTask', requestId: res.RequestId };
      return { status: t.key('status.stopped', 'stopped') };
    });
  }

  RED.nodes.registerType(TYPE, AliyunImsWorkflowStop);
}
