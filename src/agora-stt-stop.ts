import { agoraConfigOf } from './lib/accounts/agora';
import { taskRefOf } from './lib/agora/fields';
import { onInput } from './lib/action-node';
import { translator } from './lib/i18n';
import { Node, NodeAPI, NodeDef, withDefaults } from './lib/node-red';
import { readTypedParams } from './lib/typed-params';

export const TYPE = 'agora-stt-stop';

/** The dialog's defaults (nodes/agora-stt-stop.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  agora: '',
  taskId: 'taskId',
  taskIdType: 'msg',
};

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'agora-config');

  function AgoraSttStop(this: Node, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    onInput(node, t, async (msg) => {
      const agora = agoraConfigOf(RED, t, def.agora);
      const { taskId } = await readTypedParams(RED, node, def, { taskId: 'taskId' }, msg);
      // v6: the builder token the task was started with, from msg.agora.
      const ref = taskRefOf(msg, taskId);
      const stopped = await agora.client().stop(ref);
      msg.payload = stopped.payload;
      msg.taskId = ref.taskId;
      return { status: t.status('status.stopped', {}, 'stopped') };
    });
  }

  RED.nodes.registerType(TYPE, AgoraSttStop);
}
