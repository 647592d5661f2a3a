import { liveConfigOf } from './lib/accounts/aliyun-live';
import { onInput } from './lib/action-node';
import { translator } from './lib/i18n';
import { Node, NodeAPI, NodeDef, withDefaults } from './lib/node-red';
import { readTypedParams } from './lib/typed-params';

export const TYPE = 'aliyun-live-asr-stop';

/** The dialog's defaults (nodes/aliyun-live-asr-stop.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  live: '',
  taskId: 'taskId',
  taskIdType: 'msg',
  deleteAfterStop: false,
};

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'aliyun-live-config');

  function AliyunLiveAsrStop(this: Node, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    const deleteAfterStop = def.deleteAfterStop === true || def.deleteAfterStop === 'true';
    onInput(node, t, async (msg) => {
      const live = liveConfigOf(RED, t, def.live);
      const { TaskId } = await readTypedParams(RED, node, def, { TaskId: 'taskId' }, msg);
      const client = live.client();
      const stopped = await client.stopRtcAsrTask(TaskId);
      msg.payload = stopped;
      msg.taskId = TaskId;
      msg.aliyun = { action: 'StopRtcAsrTask', requestId: stopped.RequestId };
      if (!deleteAfterStop) return { status: t.key('status.stopped', 'stopped') };
      const deleted = await client.deleteRtcAsrTask(TaskId);
      msg.aliyun = { action: 'DeleteRtcAsrTask', requestId: deleted.RequestId, stopRequestId: stopped.RequestId };
      return { status: t.key('status.deleted', 'stopped and deleted') };
    });
  }

  RED.nodes.registerType(TYPE, AliyunLiveAsrStop);
}
