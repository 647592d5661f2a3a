import { agoraConfigOf } from './lib/accounts/agora';
import { taskRefOf } from './lib/agora/fields';
import { onInput } from './lib/action-node';
import { translator } from './lib/i18n';
import { Node, NodeAPI, NodeDef, withDefaults } from './lib/node-red';
import { readTypedParams } from './lib/typed-params';
import { isPlainObject } from './lib/merge';
import { stateWord } from './vendors/agora/vocabulary';

export const TYPE = 'agora-stt-query';

/** The dialog's defaults (nodes/agora-stt-query.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  agora: '',
  mode: 'get',
  taskId: 'taskId',
  taskIdType: 'msg',
  channel: '',
  channelType: 'str',
  state: '2',
  fromTime: '',
  fromTimeType: 'num',
  toTime: '',
  toTimeType: 'num',
};

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'agora-config');

  function AgoraSttQuery(this: Node, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    onInput(node, t, async (msg) => {
      const agora = agoraConfigOf(RED, t, def.agora);
      if (def.mode === 'list') {
        const filter = await readTypedParams(
          RED,
          node,
          def,
          { channel: 'channel', fromTime: 'fromTime', toTime: 'toTime' },
          msg,
        );
        const state = String(def.state ?? '').trim();
        const listed = await agora.client().list({ ...filter, ...(state === '' ? {} : { state: Number(state) }) });
        msg.payload = listed.payload;
        return {
          status: t.status(
            'status.agents',
            { count: listed.payload.agents.length },
            `${listed.payload.agents.length} agents`,
          ),
        };
      }
      const { taskId } = await readTypedParams(RED, node, def, { taskId: 'taskId' }, msg);
      const ref = taskRefOf(msg, taskId);
      const queried = await agora.client().query(ref);
      msg.payload = queried.payload;
      msg.taskId = ref.taskId;
      // The same word agora-stt-events reports (running, stopped, failed, ...), whichever API version answered.
      const state = stateWord(queried.status);
      if (state) msg.agora = { ...(isPlainObject(msg.agora) ? msg.agora : {}), state };
      return { status: state ?? queried.status ?? ref.taskId };
    });
  }

  RED.nodes.registerType(TYPE, AgoraSttQuery);
}
