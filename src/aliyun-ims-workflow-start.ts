import { imsConfigOf } from './lib/accounts/aliyun-ims';
import { onInput } from './lib/action-node';
import { Problem, validationError } from './lib/errors';
import { translator } from './lib/i18n';
import { mergeAllowed } from './lib/merge';
import { Node, NodeAPI, NodeDef, withDefaults } from './lib/node-red';
import { readTypedParams } from './lib/typed-params';
import { INPUT_MODES, liveInputs, rtcInputs } from './vendors/aliyun-ims/inputs';

export const TYPE = 'aliyun-ims-workflow-start';

/** The dialog's defaults (nodes/aliyun-ims-workflow-start.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  ims: '',
  workflowId: '',
  workflowIdType: 'str',
  mode: 'live',
  streamUrl: '',
  streamUrlType: 'str',
  maxIdleTime: '20',
  maxIdleTimeType: 'num',
  appId: '',
  appIdType: 'str',
  channelId: '',
  channelIdType: 'str',
  userId: '',
  userIdType: 'str',
  pushAppId: '',
  pushAppIdType: 'str',
  pushChannelId: '',
  pushChannelIdType: 'str',
  pushUserId: '',
  pushUserIdType: 'str',
  sourceLanguage: 'zh',
  inputs: 'payload',
  inputsType: 'msg',
  userData: '',
  userDataType: 'str',
  dispatchTag: '',
  dispatchTagType: 'str',
};

/** StartAIWorkflow's documented names msg.payload may set (live and ARTC modes). */
const PAYLOAD_PARAMS = ['WorkflowId', 'Inputs', 'UserData', 'DispatchTag'];

/** Dialog fields, by the name the request (or its Inputs) gives them. */
const START_PROPS = { WorkflowId: 'workflowId', UserData: 'userData', DispatchTag: 'dispatchTag' };
const LIVE_PROPS = { url: 'streamUrl', maxIdleTime: 'maxIdleTime' };
const RTC_PROPS = {
  appId: 'appId',
  channelId: 'channelId',
  userId: 'userId',
  pushAppId: 'pushAppId',
  pushChannelId: 'pushChannelId',
  pushUserId: 'pushUserId',
};

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'aliyun-ims-config');

  function AliyunImsWorkflowStart(this: Node, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    const mode = (INPUT_MODES as readonly string[]).includes(String(def.mode)) ? String(def.mode) : 'live';
    onInput(
      node,
      t,
      async (msg) => {
        const ims = imsConfigOf(RED, t, def.ims);
        const read = (props: Record<string, string>) => readTypedParams(RED, node, def, props, msg);
        let params: Record<string, unknown> = await read(START_PROPS);
        if (mode === 'custom') {
          // Another template's own keys: the object the dialog points at (msg.payload by default) is Inputs.
          params.Inputs = (await read({ Inputs: 'inputs' })).Inputs;
        } else {
          const problems: Problem[] = [];
          const sourceLanguage = def.sourceLanguage;
          const builtInputs =
            mode === 'live'
              ? liveInputs({ ...(await read(LIVE_PROPS)), sourceLanguage }, problems)
              : rtcInputs({ ...(await read(RTC_PROPS)), sourceLanguage }, problems);
          params.Inputs = builtInputs;
          // msg.payload may replace the built Inputs whole; then the dialog's fields do not matter.
          params = mergeAllowed(params, msg.payload, PAYLOAD_PARAMS);
          if (problems.length && params.Inputs === builtInputs) throw validationError('aliyun', problems);
        }
        const res = await ims.client().startAIWorkflow(params);
        msg.payload = res;
        msg.taskId = res.TaskId;
        msg.aliyun = { action: 'StartAIWorkflow', requestId: res.RequestId };
        // The full ID is in msg.taskId; on the canvas a short one keeps the status clear of the next node.
        return { status: res.TaskId.length > 16 ? `${res.TaskId.slice(0, 15)}…` : res.TaskId };
      },
      { readsPayload: true },
    );
  }

  RED.nodes.registerType(TYPE, AliyunImsWorkflowStart);
}
